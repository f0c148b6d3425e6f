package nlq

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/metricbot/metricbot/catalog"
)

// Kind is what a parse produced.
type Kind string

// The kinds of result.
const (
	// Answer carries a governed query to run.
	Answer Kind = "answer"
	// Clarify asks which of several readings was meant; each Option carries its query.
	Clarify Kind = "clarify"
	// Refuse says that no defined metric answers the question, naming the closest ones.
	Refuse Kind = "refuse"
	// Define is a question about a metric's (or dimension's) definition: no query is run.
	Define Kind = "define"
)

// Option is one reading offered by a clarifying question.
type Option struct {
	// Label names the reading for people, in the result's language.
	Label string `json:"label"`
	// Metric is the metric this reading chose, when the options differ by metric.
	Metric string `json:"metric,omitempty"`
	// Query is the valid governed query this reading would run.
	Query *catalog.Query `json:"query"`
}

// Result is the outcome of parsing one question.
type Result struct {
	Kind Kind `json:"kind"`
	// Query is the governed query to run, for Answer. It always passes Validate.
	Query *catalog.Query `json:"query,omitempty"`
	// Options are the readings to choose from, for Clarify.
	Options []Option `json:"options,omitempty"`
	// Metric and Dimension name what a Define question asks about.
	Metric    string `json:"metric,omitempty"`
	Dimension string `json:"dimension,omitempty"`
	// Text is a short reply in Lang: the clarifying question, the reason for a refusal, or the
	// definition asked for.
	Text string `json:"text,omitempty"`
	// Suggestions are the closest metric names, for Refuse.
	Suggestions []string `json:"suggestions,omitempty"`
	// Confidence is between 0 and 1; it drops with every word left unexplained and with typo
	// corrections.
	Confidence float64 `json:"confidence"`
	// Unexplained lists the content words of the question that the parser did not understand.
	Unexplained []string `json:"unexplained,omitempty"`
	// Notes state the assumptions made, such as the default period used.
	Notes []string `json:"notes,omitempty"`
	// Lang is "zh" or "en": the language of the question.
	Lang string `json:"lang"`
}

// Context is what a question is read against.
type Context struct {
	// Now is the current instant; it is read in the catalog's time zone. Zero means the parser's
	// clock.
	Now time.Time
	// Previous is the conversation's previous governed query, for follow-up questions.
	Previous *catalog.Query
	// Lang is the language to reply in when the question itself shows none ("zh" or "en").
	Lang string
}

// Options configure a Parser.
type Options struct {
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock used when a Context has no Now; nil means time.Now.
	Now func() time.Time
	// MaxRunes bounds the length of a question read; longer ones are cut (default 400).
	MaxRunes int
}

// Parser turns questions into governed queries for one catalog and one set of dimension values.
// It is immutable once built and safe for concurrent use; build a new one when the catalog or the
// warehouse's values change.
type Parser struct {
	c        *catalog.Catalog
	dict     *dict
	log      *slog.Logger
	now      func() time.Time
	max      int
	order    map[string]int      // metric and dimension catalog order
	byRune   map[rune][]int32    // CJK rune -> metrics whose names use it, for suggestions
	enWords  map[string][]int32  // English word -> metrics whose names use it, for suggestions
	events   []eventName         // the catalog's event names, longest first
	hanFuzzy map[string][]string // CJK term with one rune blanked -> the terms, for typo tolerance
}

// New builds a parser for c, reading every categorical dimension's values from src (which may be
// nil). It fails only when src fails.
func New(ctx context.Context, c *catalog.Catalog, src ValueSource, opts Options) (*Parser, error) {
	p := &Parser{c: c, dict: newDict(), log: opts.Logger, now: opts.Now, max: opts.MaxRunes,
		order: map[string]int{}, byRune: map[rune][]int32{}, enWords: map[string][]int32{},
		events: eventNames(c.Events), hanFuzzy: map[string][]string{}}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.max <= 0 {
		p.max = 400
	}
	for i, m := range c.Metrics {
		p.order[m.Name] = i
		e := entry{kind: entMetric, name: m.Name}
		for _, s := range metricTerms(m) {
			p.dict.add(s, e)
			p.addHanFuzzy(s)
			for _, r := range catalog.Normalize(s) {
				if isHan(r) {
					if l := p.byRune[r]; len(l) == 0 || l[len(l)-1] != int32(i) {
						p.byRune[r] = append(l, int32(i))
					}
				}
			}
			for _, w := range strings.Fields(catalog.Normalize(s)) {
				if latinTerm(w) {
					if l := p.enWords[w]; len(l) == 0 || l[len(l)-1] != int32(i) {
						p.enWords[w] = append(l, int32(i))
					}
				}
			}
		}
	}
	for i, d := range c.Dimensions {
		p.order[d.Name] = i
		e := entry{kind: entDimension, name: d.Name}
		for _, s := range append([]string{d.Name, d.Label.ZH, d.Label.EN}, d.Synonyms...) {
			p.dict.add(s, e)
			p.addHanFuzzy(s)
		}
		for _, v := range d.Values {
			ve := entry{kind: entValue, name: d.Name, value: v.Value}
			for _, s := range append([]string{v.Value, v.Label.ZH, v.Label.EN}, v.Aliases...) {
				p.dict.add(s, ve)
				p.addPlaceForms(s, ve)
			}
		}
		if src == nil || d.Type == catalog.TimeDim {
			continue
		}
		vals, err := src.Values(ctx, d.Name)
		if err != nil {
			return nil, fmt.Errorf("nlq: read values of dimension %q: %w", d.Name, err)
		}
		for _, v := range vals {
			if !indexable(v) {
				continue
			}
			ve := entry{kind: entValue, name: d.Name, value: v}
			p.dict.add(v, ve)
			p.addPlaceForms(v, ve)
		}
	}
	for w, k := range keywords {
		p.dict.add(w, entry{kind: entKeyword, kw: k})
	}
	p.dict.finish()
	return p, nil
}

func metricTerms(m *catalog.Metric) []string {
	return append([]string{m.Name, m.Label.ZH, m.Label.EN}, m.Synonyms...)
}

// indexable reports whether a stored value is distinctive enough to be matched in free text:
// not a bare number, and not a single Latin letter or a single CJK character.
func indexable(v string) bool {
	n := catalog.Normalize(v)
	rs := []rune(n)
	if len(rs) < 2 {
		return false
	}
	for _, r := range rs {
		if !isDigit(r) && r != '.' && r != ' ' && r != ',' && r != '-' && r != '/' && r != ':' {
			return true
		}
	}
	return false
}

// addPlaceForms indexes the other-script forms of a place name (上海市 -> 上海 -> shanghai).
func (p *Parser) addPlaceForms(v string, e entry) {
	n := catalog.Normalize(v)
	forms := []string{n}
	rs := []rune(n)
	if len(rs) >= 3 && isHan(rs[0]) {
		switch rs[len(rs)-1] {
		case '市', '省':
			forms = append(forms, string(rs[:len(rs)-1]))
		}
	}
	for _, f := range forms {
		if f != n {
			p.dict.add(f, e)
		}
		if zh, ok := places[f]; ok {
			p.dict.add(zh, e)
		}
		for _, en := range placeNames[f] {
			p.dict.add(en, e)
		}
	}
}

// detectLang returns "zh" when the question has a CJK character, "en" when it has Latin letters,
// and fallback otherwise.
func detectLang(q, fallback string) string {
	latin := false
	for _, r := range q {
		if isHan(r) {
			return "zh"
		}
		if r < 0x80 && (r|0x20) >= 'a' && (r|0x20) <= 'z' {
			latin = true
		}
	}
	if latin {
		return "en"
	}
	if fallback == "en" {
		return "en"
	}
	return "zh"
}

// Parse reads question in conv. It never returns an invalid query: when the reading would not
// validate, it clarifies or refuses instead.
func (p *Parser) Parse(question string, conv Context) Result {
	if rs := []rune(question); len(rs) > p.max {
		question = string(rs[:p.max])
	}
	lang := detectLang(question, conv.Lang)
	now := conv.Now
	if now.IsZero() {
		now = p.now()
	}
	if p.c.Location != nil {
		now = now.In(p.c.Location)
	}
	ds := dates{today: catalog.DateOf(now), events: p.events}
	tx := newText(question)
	toks := p.lex(tx, ds)
	r := p.interpret(toks, ds, conv.Previous, lang)
	r.Lang = lang
	p.log.Debug("parsed question", "question", question, "kind", r.Kind, "confidence", r.Confidence)
	return r
}

// interpret builds the result from the tokens.
func (p *Parser) interpret(toks []token, ds dates, prev *catalog.Query, lang string) Result {
	st := p.newState(toks, ds, lang)
	st.read()
	return st.result(prev)
}

// msg picks the text for the language.
func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// label returns a metric's or dimension's label in lang.
func (p *Parser) metricLabel(name, lang string) string {
	if m, ok := p.c.Metric(name); ok {
		if l := m.Label.In(lang); l != "" {
			return l
		}
	}
	return name
}

func (p *Parser) dimLabel(name, lang string) string {
	if d, ok := p.c.Dimension(name); ok {
		if l := d.Label.In(lang); l != "" {
			return l
		}
	}
	return name
}

// rangeText formats a half-open range with its inclusive last day.
func rangeText(r catalog.TimeRange, lang string) string {
	last := r.End.AddDays(-1)
	if r.Start == last {
		return r.Start.String()
	}
	return r.Start.String() + msg(lang, " 至 ", " to ") + last.String()
}

// cloneQuery returns a deep copy of q.
func cloneQuery(q *catalog.Query) *catalog.Query {
	c := *q
	c.Metrics = slices.Clone(q.Metrics)
	c.GroupBy = slices.Clone(q.GroupBy)
	c.Filters = nil
	for _, f := range q.Filters {
		f.Values = slices.Clone(f.Values)
		c.Filters = append(c.Filters, f)
	}
	c.Having = slices.Clone(q.Having)
	c.OrderBy = slices.Clone(q.OrderBy)
	return &c
}
