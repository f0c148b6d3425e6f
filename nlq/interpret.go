package nlq

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// state is the reading of one question in progress.
type state struct {
	p    *Parser
	toks []token
	ds   dates
	lang string
	used []bool // tokens that took part in the reading

	metrics    []string   // chosen metrics, in question order
	ambiguous  [][]string // metric mentions that name several metrics
	groupBy    []string
	filters    []catalog.Filter
	having     []catalog.Having
	rng        *catalog.TimeRange
	cmpRange   *catalog.TimeRange
	grain      catalog.Grain
	trend      bool
	compare    catalog.Comparison
	share      bool
	top        *catalog.Order
	limit      int
	which      bool
	define     bool
	strongDef  bool
	defineDim  string
	follow     bool
	add        bool // 再加个: the metrics named are added to the previous ones
	only       bool
	fuzzy      bool
	notes      []string
	valueToks  map[int]valueRef // token index -> value chosen
	metricToks map[int]bool
}

// valueRef is a stored value of a dimension.
type valueRef struct{ dim, value string }

func (p *Parser) newState(toks []token, ds dates, lang string) *state {
	return &state{p: p, toks: toks, ds: ds, lang: lang, used: make([]bool, len(toks)),
		valueToks: map[int]valueRef{}, metricToks: map[int]bool{}}
}

func (s *state) isKw(i int, k kwKind) bool {
	return i >= 0 && i < len(s.toks) && s.toks[i].kind == tKw && s.toks[i].kw.kind == k
}

// prevMeaningful returns the index of the nearest token before i that is not a stop word.
func (s *state) prevMeaningful(i int) int {
	for j := i - 1; j >= 0; j-- {
		if !s.isKw(j, kwStop) {
			return j
		}
	}
	return -1
}

func (s *state) nextMeaningful(i int) int {
	for j := i + 1; j < len(s.toks); j++ {
		if !s.isKw(j, kwStop) {
			return j
		}
	}
	return len(s.toks)
}

func hasKind(es []entry, k entryKind) bool {
	for _, e := range es {
		if e.kind == k {
			return true
		}
	}
	return false
}

// read walks the tokens and fills the state.
func (s *state) read() {
	// Bare years right after a comparison are numbers (超过2000).
	for i := range s.toks {
		if s.toks[i].kind == tDate && s.toks[i].bareYear && s.isKw(s.prevMeaningful(i), kwCmp) {
			v, _ := digits([]rune(s.toks[i].text), 0)
			s.toks[i] = token{kind: tNumber, start: s.toks[i].start, end: s.toks[i].end, text: s.toks[i].text, num: float64(v)}
		}
	}
	// Keywords that set flags.
	hasOtherIntent := false
	for i, t := range s.toks {
		switch t.kind {
		case tKw:
			switch t.kw.kind {
			case kwStop, kwAnd:
				s.used[i] = true
			case kwDefine:
				s.define, s.used[i] = true, true
				s.strongDef = s.strongDef || t.kw.strong
			case kwFollow:
				s.follow, s.used[i] = true, true
			case kwAdd:
				s.follow, s.add, s.used[i] = true, true, true
			case kwOnly:
				s.only, s.used[i] = true, true
			case kwGrain:
				s.grain, s.used[i] = t.kw.grain, true
				hasOtherIntent = true
			case kwTrend:
				s.trend, s.used[i] = true, true
				hasOtherIntent = true
			case kwShare:
				s.share, s.used[i] = true, true
				hasOtherIntent = true
			case kwCompare:
				s.compare, s.used[i] = t.kw.compare, true
				hasOtherIntent = true
			case kwWhich:
				s.which, s.used[i] = true, true
				if t.kw.grain != "" {
					s.grain = t.kw.grain
				}
			case kwBy, kwVs, kwNot:
				s.used[i] = true
			}
		case tDate:
			hasOtherIntent = true
		}
	}
	s.readMetrics()
	s.readValues()
	s.readDimensions()
	s.readDates()
	s.readTop()
	s.readHaving()
	if s.define && !s.strongDef && (hasOtherIntent || len(s.filters) > 0 || len(s.groupBy) > 0 || s.top != nil) {
		s.define = false
	}
	if len(s.filters) > 0 || s.top != nil || len(s.having) > 0 {
		hasOtherIntent = true
	}
	_ = hasOtherIntent
}

// readMetrics picks the metric mentions. A term that names both a metric and a value or dimension
// counts as a metric only when no other, unambiguous, metric is mentioned.
func (s *state) readMetrics() {
	pure := false
	for _, t := range s.toks {
		if t.kind == tTerm && hasKind(t.entries, entMetric) && !hasKind(t.entries, entValue) && !hasKind(t.entries, entDimension) {
			pure = true
		}
	}
	for i, t := range s.toks {
		if t.kind != tTerm || !hasKind(t.entries, entMetric) {
			continue
		}
		mixed := hasKind(t.entries, entValue) || hasKind(t.entries, entDimension)
		if mixed && pure && !s.listedWithMetric(i) {
			continue
		}
		var names []string
		for _, e := range t.entries {
			if e.kind == entMetric && !slices.Contains(names, e.name) {
				names = append(names, e.name)
			}
		}
		s.used[i] = true
		s.metricToks[i] = true
		if t.fuzzy {
			s.fuzzy = true
		}
		if len(names) > 1 {
			s.ambiguous = append(s.ambiguous, names)
			continue
		}
		if !slices.Contains(s.metrics, names[0]) {
			s.metrics = append(s.metrics, names[0])
		}
	}
}

// listedWithMetric reports whether the term at i is joined by a list word (和, and, 、) to a term
// that names only metrics: in "new customers and active customers" both are metrics.
func (s *state) listedWithMetric(i int) bool {
	pureMetric := func(j int) bool {
		if j < 0 || j >= len(s.toks) || s.toks[j].kind != tTerm {
			return false
		}
		es := s.toks[j].entries
		return hasKind(es, entMetric) && !hasKind(es, entValue) && !hasKind(es, entDimension)
	}
	if j := s.prevMeaningful(i); s.isKw(j, kwAnd) && pureMetric(s.prevMeaningful(j)) {
		return true
	}
	if j := s.nextMeaningful(i); s.isKw(j, kwAnd) && pureMetric(s.nextMeaningful(j)) {
		return true
	}
	return false
}

// dimUse reports whether a term token that names both a dimension and a value is used as the
// dimension: after a breakdown, ranking or "which" word, or at the end of a metric-value filter.
func (s *state) dimUse(i int) bool {
	j := s.prevMeaningful(i)
	if j < 0 {
		return false
	}
	t := s.toks[j]
	switch {
	case t.kind == tTopN, t.kind == tNumber:
		return true
	case t.kind == tKw:
		switch t.kw.kind {
		case kwBy, kwWhich, kwTop, kwCmpAfter:
			return true
		}
	}
	return false
}

// readValues resolves value mentions into filters, with exclusions after 不含 / excluding.
func (s *state) readValues() {
	mentioned := map[string]bool{}
	for i, t := range s.toks {
		if t.kind == tTerm && !s.metricToks[i] {
			for _, e := range t.entries {
				if e.kind == entDimension {
					mentioned[e.name] = true
				}
			}
		}
	}
	neg := false
	for i, t := range s.toks {
		if s.isKw(i, kwNot) {
			neg = true
			continue
		}
		if t.kind != tTerm || s.metricToks[i] || !hasKind(t.entries, entValue) {
			if !(s.isKw(i, kwAnd) || s.isKw(i, kwStop) || (t.kind == tTerm && !s.metricToks[i])) {
				neg = false
			}
			continue
		}
		if hasKind(t.entries, entDimension) && s.dimUse(i) {
			continue
		}
		v, ok := s.chooseValue(t.entries, mentioned)
		if !ok {
			continue
		}
		s.used[i] = true
		if t.fuzzy {
			s.fuzzy = true
		}
		s.valueToks[i] = v
		op := catalog.OpIn
		if neg {
			op = catalog.OpNotIn
		}
		s.addFilter(v, op)
	}
}

func (s *state) addFilter(v valueRef, op catalog.FilterOp) {
	for k := range s.filters {
		f := &s.filters[k]
		if f.Dimension == v.dim && f.Op == op {
			if !slices.Contains(f.Values, v.value) {
				f.Values = append(f.Values, v.value)
			}
			return
		}
	}
	s.filters = append(s.filters, catalog.Filter{Dimension: v.dim, Op: op, Values: []string{v.value}})
}

// chooseValue picks among the dimensions a value term may belong to: one the question's metrics
// can be filtered by, then one named in the question, then the coarser of a hierarchy, then the
// first in catalog order.
func (s *state) chooseValue(es []entry, mentioned map[string]bool) (valueRef, bool) {
	var cands []valueRef
	for _, e := range es {
		if e.kind == entValue {
			cands = append(cands, valueRef{e.name, e.value})
		}
	}
	if len(cands) == 0 {
		return valueRef{}, false
	}
	c := s.p.c
	score := func(v valueRef) int {
		sc := 0
		d, _ := c.Dimension(v.dim)
		ok := true
		for _, name := range s.metrics {
			if m, found := c.Metric(name); found && d != nil && !c.CanGroupBy(m, d) {
				ok = false
			}
		}
		if ok {
			sc += 100
		}
		if mentioned[v.dim] {
			sc += 10
		}
		for _, o := range cands {
			if o.dim != v.dim && s.p.isAncestor(v.dim, o.dim) {
				sc += 1
			}
		}
		return sc
	}
	sort.SliceStable(cands, func(i, j int) bool {
		si, sj := score(cands[i]), score(cands[j])
		if si != sj {
			return si > sj
		}
		return s.p.order[cands[i].dim] < s.p.order[cands[j].dim]
	})
	return cands[0], true
}

// isAncestor reports whether dimension a is a parent (at any depth) of dimension b.
func (p *Parser) isAncestor(a, b string) bool {
	d, ok := p.c.Dimension(b)
	for i := 0; ok && d.Parent != "" && i < 32; i++ {
		if d.Parent == a {
			return true
		}
		d, ok = p.c.Dimension(d.Parent)
	}
	return false
}

// readDimensions turns dimension mentions into breakdowns, except a dimension that only names the
// dimension of a value next to it (华东大区, channel Tmall).
func (s *state) readDimensions() {
	for i, t := range s.toks {
		if t.kind != tTerm || s.metricToks[i] || s.used[i] || !hasKind(t.entries, entDimension) {
			continue
		}
		var dims []string
		for _, e := range t.entries {
			if e.kind == entDimension {
				dims = append(dims, e.name)
			}
		}
		s.used[i] = true
		qualifier := false
		for _, j := range []int{s.prevMeaningful(i), s.nextMeaningful(i)} {
			if v, ok := s.valueToks[j]; ok && slices.Contains(dims, v.dim) {
				qualifier = true
			}
		}
		// A dimension right after a value is the value's head noun (线上渠道, online channels): a
		// filter, not a breakdown, unless a ranking or "which" needs something to group by.
		if _, ok := s.valueToks[i-1]; ok && i > 0 && t.start-s.toks[i-1].end <= 1 && !s.ranked() && !breakdownTerm(t.text) {
			qualifier = true
		}
		if qualifier {
			continue
		}
		if s.define && s.defineDim == "" {
			s.defineDim = dims[0]
		}
		if !slices.Contains(s.groupBy, dims[0]) {
			s.groupBy = append(s.groupBy, dims[0])
		}
	}
}

// breakdownTerm reports whether a dimension term itself starts with a breakdown word (各省,
// 每个门店, per store): it asks for a breakdown wherever it stands.
func breakdownTerm(text string) bool {
	for _, w := range []string{"各", "每", "by ", "per ", "each "} {
		if strings.HasPrefix(text, w) {
			return true
		}
	}
	return false
}

// ranked reports whether the question has a ranking or "which" word.
func (s *state) ranked() bool {
	for i, t := range s.toks {
		if t.kind == tTopN || s.isKw(i, kwTop) || s.isKw(i, kwWhich) {
			return true
		}
	}
	return false
}

// readDates picks the period asked for and a period named for comparison (比上月, vs last year).
func (s *state) readDates() {
	var main, other []catalog.TimeRange
	for i, t := range s.toks {
		if t.kind != tDate {
			continue
		}
		s.used[i] = true
		p, n := s.prevMeaningful(i), s.nextMeaningful(i)
		isCmp := s.isKw(p, kwVs)
		if s.isKw(n, kwVs) {
			after := s.nextMeaningful(n)
			switch {
			case after >= len(s.toks):
				isCmp = true // 和上月比
			case s.toks[after].kind != tDate && len(main) > 0:
				isCmp = true
			}
		}
		if isCmp {
			other = append(other, t.rng)
		} else {
			main = append(main, t.rng)
		}
	}
	if len(main) > 1 && len(other) == 0 {
		other = append(other, main[1:]...)
	}
	if len(main) > 0 {
		s.rng = &main[0]
	}
	if len(other) > 0 {
		c := other[0]
		s.cmpRange = &c
	}
}

// readTop reads rankings: 前五, top 5, 最高, 排名, with a count that may follow (最高的5个).
func (s *state) readTop() {
	for i, t := range s.toks {
		switch {
		case t.kind == tTopN:
			s.used[i] = true
			s.top = &catalog.Order{Desc: t.desc}
			s.limit = t.n
		case s.isKw(i, kwTop):
			s.used[i] = true
			if s.top != nil && s.limit > 0 {
				continue
			}
			s.top = &catalog.Order{Desc: t.kw.desc}
			s.limit = max(t.kw.n, 0)
			if j := s.nextMeaningful(i); j < len(s.toks) && s.toks[j].kind == tNumber && !s.toks[j].scaled {
				if v := s.toks[j].num; v == float64(int(v)) && v >= 1 && v <= 1000 && !s.isKw(s.nextMeaningful(j), kwCmpAfter) {
					s.limit = int(v)
					s.used[j] = true
				}
			}
		}
	}
	if s.top != nil && s.which && s.limit == 0 {
		s.limit = 1
	}
}

// readHaving reads filters on a metric's value: 销售额超过100万, more than 500 orders, 1万以上.
func (s *state) readHaving() {
	nearestMetric := func(from, step, limit int) string {
		for j, k := from, 0; j >= 0 && j < len(s.toks) && k < limit; j, k = j+step, k+1 {
			if s.metricToks[j] {
				for _, e := range s.toks[j].entries {
					if e.kind == entMetric {
						return e.name
					}
				}
			}
		}
		return ""
	}
	for i := range s.toks {
		var op catalog.CmpOp
		num := -1
		switch {
		case s.isKw(i, kwCmp):
			if j := s.nextMeaningful(i); j < len(s.toks) && s.toks[j].kind == tNumber {
				op, num = s.toks[i].kw.cmp, j
			}
		case s.isKw(i, kwCmpAfter):
			if j := s.prevMeaningful(i); j >= 0 && s.toks[j].kind == tNumber && !s.used[j] {
				op, num = s.toks[i].kw.cmp, j
			}
		}
		if num < 0 {
			continue
		}
		// "more than 500 orders": a metric right after the number is the one compared; else the
		// metric before ("销售额超过100万"), else one a little further after.
		m := nearestMetric(s.nextMeaningful(max(i, num)), 1, 1)
		if m == "" {
			m = nearestMetric(min(i, num)-1, -1, 4)
		}
		if m == "" {
			m = nearestMetric(max(i, num)+1, 1, 4)
		}
		if m == "" || !slices.Contains(s.metrics, m) {
			continue
		}
		s.used[i], s.used[num] = true, true
		s.having = append(s.having, catalog.Having{Metric: m, Op: op, Value: s.toks[num].num})
	}
}

// unexplained lists the words not used in the reading.
func (s *state) unexplained() []string {
	var out []string
	for i, t := range s.toks {
		if s.used[i] {
			continue
		}
		switch t.kind {
		case tWord, tNumber, tTopN:
			out = append(out, t.text)
		case tKw:
			switch t.kw.kind {
			case kwTop, kwCmp, kwCmpAfter:
				out = append(out, t.text)
			}
		case tTerm:
			out = append(out, t.text)
		}
	}
	return out
}

// result assembles the final result, applying a follow-up to prev when the question is one.
func (s *state) result(prev *catalog.Query) Result {
	unexplained := s.unexplained()
	conf := 1.0
	for range unexplained {
		conf *= 0.75
	}
	if s.fuzzy {
		conf *= 0.85
	}
	res := Result{Unexplained: unexplained, Lang: s.lang}

	if s.define && (len(s.metrics) > 0 || len(s.ambiguous) > 0 || s.defineDim != "") {
		res.Kind = Define
		res.Confidence = conf
		switch {
		case len(s.metrics) > 0:
			res.Metric = s.metrics[0]
			res.Text = s.p.describeMetric(res.Metric, s.lang)
		case len(s.ambiguous) > 0:
			return s.clarifyMetrics(res, s.ambiguous[0], conf, func(m string) *catalog.Query { return nil })
		default:
			res.Dimension = s.defineDim
			res.Text = s.p.describeDimension(res.Dimension, s.lang)
		}
		return res
	}

	says := s.rng != nil || s.cmpRange != nil || len(s.groupBy) > 0 || len(s.filters) > 0 || s.grain != "" ||
		s.trend || s.compare != "" || s.share || s.top != nil || len(s.having) > 0
	isFollow := prev != nil && (len(s.metrics) == 0 && len(s.ambiguous) == 0 && says || s.follow && (says || len(s.metrics) > 0))
	build := func(metrics []string) (*catalog.Query, []string) {
		if isFollow {
			return s.applyFollowUp(prev, metrics)
		}
		return s.fresh(metrics)
	}

	if len(s.ambiguous) > 0 && !isFollow {
		return s.clarifyMetrics(res, s.ambiguous[0], conf, func(m string) *catalog.Query {
			q, _ := build(append(slices.Clone(s.metrics), m))
			return q
		})
	}
	if len(s.metrics) == 0 && !isFollow {
		// A bare term that starts several metric names (销售 -> 销售额, 销量?) asks; else refuse.
		if cands := s.prefixMetrics(unexplained); len(cands) > 1 {
			return s.clarifyMetrics(res, cands, conf*0.8, func(m string) *catalog.Query {
				q, _ := build([]string{m})
				return q
			})
		} else if len(cands) == 1 {
			s.metrics = cands
			s.notes = append(s.notes, msg(s.lang, "按最接近的指标理解:", "read as the closest metric: ")+s.p.metricLabel(cands[0], s.lang))
			conf *= 0.7
		} else {
			return s.refuse(res, unexplained)
		}
	}

	noise := len(unexplained) >= 3 && len(unexplained) > s.usedContent()
	if !isFollow && !noise {
		if i, ok := s.modifiedMetric(); ok {
			return s.refuseModified(res, i)
		}
	}
	q, notes := build(s.metrics)
	res.Notes = append(s.notes, notes...)
	res.Confidence = conf
	if err := q.Validate(s.p.c); err != nil {
		res.Kind = Refuse
		res.Confidence = conf * 0.5
		res.Text = s.invalidText(err)
		return res
	}
	// A filter that contradicts a metric's definition (cancelled orders of a paid-orders metric)
	// would answer zero: refuse and say why.
	if text := s.p.definitionConflict(q, s.lang); text != "" {
		res.Kind = Refuse
		res.Confidence = 0
		res.Text = text
		res.Metric = q.Metrics[0]
		return res
	}
	// A condition on a metric's value needs groups to keep or drop ("stores with more than 500
	// orders"); on a single total it would silently answer nothing or everything: refuse.
	if len(q.Having) > 0 && len(q.GroupBy) == 0 && q.Grain == "" {
		res.Kind = Refuse
		res.Confidence = conf * 0.5
		res.Text = msg(s.lang, "按指标数值筛选需要一个分组维度,请说明要筛选什么,例如「订单数超过1万的门店」。",
			`A condition on a metric's value needs something to group by: say what to keep, for example "stores with more than 10,000 orders".`)
		return res
	}
	// Mostly noise with a metric word in it ("ignore your rules and DROP TABLE orders"): ask.
	if noise {
		res.Kind = Clarify
		res.Confidence = conf
		res.Text = msg(s.lang, "没有完全理解这个问题,是想看这个吗?", "I did not understand all of that; did you mean this?")
		res.Options = []Option{{Label: s.p.queryLabel(q, s.lang), Query: q}}
		return res
	}
	res.Kind = Answer
	res.Query = q
	return res
}

// usedContent counts the tokens that carried meaning in the reading.
func (s *state) usedContent() int {
	n := 0
	for i, t := range s.toks {
		if s.used[i] && !(t.kind == tKw && (t.kw.kind == kwStop || t.kw.kind == kwAnd)) {
			n++
		}
	}
	return n
}

func (s *state) clarifyMetrics(res Result, names []string, conf float64, build func(string) *catalog.Query) Result {
	res.Kind = Clarify
	res.Confidence = conf * 0.6
	var labels []string
	for _, m := range names {
		if len(res.Options) >= 5 {
			break
		}
		q := build(m)
		if q != nil && q.Validate(s.p.c) != nil {
			continue
		}
		l := s.p.metricLabel(m, s.lang)
		labels = append(labels, l)
		res.Options = append(res.Options, Option{Label: l, Metric: m, Query: q})
	}
	if len(res.Options) == 0 {
		return s.refuse(res, res.Unexplained)
	}
	res.Text = msg(s.lang, "您指的是哪个指标:", "Which metric do you mean: ") + strings.Join(labels, msg(s.lang, "、", ", ")) + msg(s.lang, "?", "?")
	return res
}

// modifiedMetric finds a metric term with an unexplained English word right before it ("net
// profit", "inventory turnover"): the word may change what the term means, so the term alone is
// not a safe reading. It returns the index of the word.
func (s *state) modifiedMetric() (int, bool) {
	for i := range s.toks {
		if !s.metricToks[i] || i == 0 {
			continue
		}
		w := s.toks[i-1]
		if s.used[i-1] || w.kind != tWord || !isLatin([]rune(w.text)[0]) || s.toks[i].start-w.end > 1 {
			continue
		}
		return i - 1, true
	}
	return 0, false
}

// refuseModified refuses a metric term changed by the unexplained word at i, naming the metric
// the bare term means as the closest one.
func (s *state) refuseModified(res Result, i int) Result {
	phrase := s.toks[i].text + " " + s.toks[i+1].text
	res = s.refuse(res, res.Unexplained)
	var near []string
	for _, e := range s.toks[i+1].entries {
		if e.kind == entMetric && !slices.Contains(near, e.name) {
			near = append(near, e.name)
		}
	}
	for _, m := range res.Suggestions {
		if len(near) < 3 && !slices.Contains(near, m) {
			near = append(near, m)
		}
	}
	res.Suggestions = near
	var labels []string
	for _, m := range near {
		labels = append(labels, s.p.metricLabel(m, s.lang))
	}
	res.Text = msg(s.lang,
		fmt.Sprintf("没有定义“%s”这个指标(“%s”不是已定义指标的一部分)。最接近的指标:%s", phrase, s.toks[i].text, strings.Join(labels, "、")),
		fmt.Sprintf("No defined metric is %q (%q is not part of a defined metric). Closest metrics: %s", phrase, s.toks[i].text, strings.Join(labels, ", ")))
	return res
}

// prefixMetrics returns the metrics, in catalog order, with a name that starts with an unexplained
// CJK word of two or more characters (or a shorter start of it), or whose name's first word is an
// unexplained English word (gross -> gross profit, gross margin).
func (s *state) prefixMetrics(words []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		rs := []rune(w)
		if len(rs) >= 2 && latinTerm(w) && !strings.Contains(w, " ") {
			for _, key := range s.p.dict.withPrefix(w + " ") {
				for _, e := range s.p.dict.terms[key] {
					if e.kind == entMetric && !seen[e.name] {
						seen[e.name] = true
						out = append(out, e.name)
					}
				}
			}
			continue
		}
		if len(rs) < 2 || !isHan(rs[0]) {
			continue
		}
		for n := len(rs); n >= 2 && len(out) == 0; n-- {
			for _, key := range s.p.dict.withPrefix(string(rs[:n])) {
				for _, e := range s.p.dict.terms[key] {
					if e.kind == entMetric && !seen[e.name] {
						seen[e.name] = true
						out = append(out, e.name)
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return s.p.order[out[i]] < s.p.order[out[j]] })
	return out
}

// refuse answers that no metric matches, naming the closest ones.
func (s *state) refuse(res Result, words []string) Result {
	res.Kind = Refuse
	res.Confidence = 0
	res.Suggestions = s.p.closestMetrics(words)
	var labels []string
	for _, m := range res.Suggestions {
		labels = append(labels, s.p.metricLabel(m, s.lang))
	}
	res.Text = msg(s.lang, "没有找到能回答这个问题的已定义指标。", "No defined metric answers this question.")
	if len(labels) > 0 {
		res.Text += msg(s.lang, "最接近的指标:", " Closest metrics: ") + strings.Join(labels, msg(s.lang, "、", ", "))
	}
	return res
}

// closestMetrics ranks metrics by the CJK characters and English words they share with words,
// falling back to edit distance, and returns up to three.
func (p *Parser) closestMetrics(words []string) []string {
	score := map[int32]int{}
	for _, w := range words {
		for _, f := range strings.Fields(w) {
			if latinTerm(f) {
				for _, i := range p.enWords[f] {
					score[i] += 3
				}
				if es, _ := p.dict.closest(f); len(es) > 0 {
					for _, e := range es {
						if e.kind == entMetric {
							score[int32(p.order[e.name])] += 2
						}
					}
				}
				continue
			}
			seen := map[rune]bool{}
			for _, r := range f {
				if isHan(r) && !seen[r] {
					seen[r] = true
					for _, i := range p.byRune[r] {
						score[i]++
					}
				}
			}
		}
	}
	idx := make([]int32, 0, len(score))
	for i := range score {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool {
		if score[idx[a]] != score[idx[b]] {
			return score[idx[a]] > score[idx[b]]
		}
		return idx[a] < idx[b]
	})
	var out []string
	for _, i := range idx {
		if len(out) == 3 {
			break
		}
		out = append(out, p.c.Metrics[i].Name)
	}
	for i := 0; len(out) < 3 && i < len(p.c.Metrics); i++ {
		if !slices.Contains(out, p.c.Metrics[i].Name) {
			out = append(out, p.c.Metrics[i].Name)
		}
	}
	return out
}

func (s *state) invalidText(err error) string {
	var qe *catalog.QueryError
	problems := err.Error()
	if errors.As(err, &qe) {
		if len(qe.Unreachable) > 0 && len(qe.Unreachable) == len(qe.Problems) {
			// In people's words: which metric cannot go with which dimension.
			var parts []string
			for _, u := range qe.Unreachable {
				m, d := s.p.metricLabel(u.Metric, s.lang), s.p.dimLabel(u.Dimension, s.lang)
				if u.Filter {
					parts = append(parts, fmt.Sprintf(msg(s.lang, "%s不能按%s筛选", "%s cannot be filtered by %s"), m, d))
				} else {
					parts = append(parts, fmt.Sprintf(msg(s.lang, "%s不能按%s拆分", "%s cannot be broken down by %s"), m, d))
				}
			}
			return strings.Join(parts, msg(s.lang, "; ", "; ")) + msg(s.lang, " (它的数据和这个维度之间没有定义关联)。", " (its data is not linked to that dimension in the catalog).")
		}
		problems = strings.Join(qe.Problems, "; ")
	}
	return msg(s.lang, "这个问题无法按已定义的指标和维度回答:", "This cannot be answered with the defined metrics and dimensions: ") + problems
}

// fresh builds a query for a question read on its own.
func (s *state) fresh(metrics []string) (*catalog.Query, []string) {
	q := &catalog.Query{Metrics: slices.Clone(metrics), GroupBy: slices.Clone(s.groupBy)}
	for _, f := range s.filters {
		f.Values = slices.Clone(f.Values)
		q.Filters = append(q.Filters, f)
		// Setting several values of a dimension against each other (华东和华南的销售额对比, Tmall
		// vs JD) asks for each of them, not their sum: break down by that dimension too. Without
		// such a word the values are read together (京东和抖音的销量 is one total).
		if f.Op == catalog.OpIn && len(f.Values) > 1 && s.versus() && !slices.Contains(q.GroupBy, f.Dimension) {
			q.GroupBy = append(q.GroupBy, f.Dimension)
		}
	}
	var notes []string
	if s.rng != nil {
		q.Range = *s.rng
	} else if s.cmpRange != nil {
		// Only the period compared with is named (比上月): read the period that follows it.
		c := *s.cmpRange
		q.Range = s.ds.soFar(catalog.TimeRange{Start: c.End, End: c.End.AddDays(c.Days())})
		if !q.Range.Valid() || c.End.After(s.ds.today) {
			q.Range = s.defaultRange(metrics, &notes)
		}
	} else {
		q.Range = s.defaultRange(metrics, &notes)
	}
	s.applyIntents(q, &notes)
	return q, notes
}

// versusWords set things against each other without naming a period to compare with.
var versusWords = []string{"对比", "比较", "相比", "vs", "versus", "compare", "compared", "comparison"}

// versus reports whether the question sets values against each other (对比, vs) rather than
// comparing periods (同比, 环比, vs last year).
func (s *state) versus() bool {
	if s.compare != "" || s.cmpRange != nil {
		return false
	}
	for _, t := range s.toks {
		if slices.Contains(versusWords, strings.ToLower(t.text)) {
			return true
		}
	}
	return false
}

// applyIntents adds grain, comparison, share, ranking and metric-value filters to q.
func (s *state) applyIntents(q *catalog.Query, notes *[]string) {
	c := s.p.c
	if s.grain != "" {
		q.Grain = s.grain
	} else if s.trend && q.Grain == "" {
		q.Grain = s.p.autoGrain(q.Metrics, q.Range)
	}
	if s.compare != "" {
		q.Compare = s.compare
	} else if s.cmpRange != nil {
		q.Compare = catalog.PreviousPeriod
		ya := q.Range.YearAgo()
		if s.cmpRange.Contains(ya.Start) && s.cmpRange.Start.Year == q.Range.Start.Year-1 {
			q.Compare = catalog.YearOverYear
		}
	}
	if s.share {
		ok := true
		for _, name := range q.Metrics {
			if m, found := c.Metric(name); found && !m.Additive() {
				ok = false
			}
		}
		if ok {
			q.Share = true
		} else {
			*notes = append(*notes, msg(s.lang, "占比只适用于可加总的指标,已忽略", "share of total needs an additive metric: left out"))
		}
	}
	for _, h := range s.having {
		if slices.Contains(q.Metrics, h.Metric) {
			q.Having = append(q.Having, h)
		}
	}
	if s.top != nil && len(q.Metrics) > 0 {
		if len(q.GroupBy) == 0 && q.Grain == "" {
			*notes = append(*notes, msg(s.lang, "没有可排名的维度,已忽略排名", "nothing to rank by: ranking left out"))
		} else {
			q.OrderBy = []catalog.Order{{By: q.Metrics[0], Desc: s.top.Desc}}
			q.Limit = s.limit
		}
	}
}

// autoGrain picks a grain for a trend: the metric's default grain when it gives between 2 and 62
// points over r, else day up to 62 days, week up to 26 weeks, month up to three years, then quarter.
func (p *Parser) autoGrain(metrics []string, r catalog.TimeRange) catalog.Grain {
	if len(metrics) > 0 {
		if m, ok := p.c.Metric(metrics[0]); ok && m.DefaultGrain.Valid() {
			if n := len(r.Buckets(m.DefaultGrain)); n >= 2 && n <= 62 {
				return m.DefaultGrain
			}
		}
	}
	switch d := r.Days(); {
	case d <= 62:
		return catalog.Day
	case d <= 26*7:
		return catalog.Week
	case d <= 3*366:
		return catalog.Month
	}
	return catalog.Quarter
}

// defaultRange returns the first metric's default period, noting it.
func (s *state) defaultRange(metrics []string, notes *[]string) catalog.TimeRange {
	period := ""
	if len(metrics) > 0 {
		if m, ok := s.p.c.Metric(metrics[0]); ok {
			period = m.DefaultPeriod
			if implied := cumulativePeriod(m); period == "" && implied != "" {
				// 本月累计销售额, GMV MTD: the metric's window names the period.
				r, _ := s.ds.period(implied)
				*notes = append(*notes, msg(s.lang,
					fmt.Sprintf("%s按累计窗口取%s(%s)", s.p.metricLabel(m.Name, s.lang), map[string]string{"this_month": "本月至今", "this_year": "今年至今"}[implied], rangeText(r, s.lang)),
					fmt.Sprintf("%s: %s (%s)", s.p.metricLabel(m.Name, s.lang), map[string]string{"this_month": "month to date", "this_year": "year to date"}[implied], rangeText(r, s.lang))))
				return r
			}
		}
	}
	r, ok := s.ds.period(period)
	if !ok {
		r, _ = s.ds.period(DefaultPeriod)
		period = DefaultPeriod
	}
	*notes = append(*notes, msg(s.lang,
		fmt.Sprintf("未指定时间,使用默认时间范围 %s(%s)", period, rangeText(r, s.lang)),
		fmt.Sprintf("no period given: used the default period %s (%s)", strings.ReplaceAll(period, "_", " "), rangeText(r, s.lang))))
	return r
}

// cumulativePeriod returns the period a cumulative metric's window implies when no period is
// named: this_month for a month-to-date window, this_year for a year-to-date one, else "".
func cumulativePeriod(m *catalog.Metric) string {
	if m.Type != catalog.Cumulative {
		return ""
	}
	switch m.Window {
	case catalog.MonthToDate:
		return "this_month"
	case catalog.YearToDate:
		return "this_year"
	}
	return ""
}

// DefaultPeriod is the period used when neither the question nor the metric names one.
const DefaultPeriod = "last_30_days"

// period reads a metric's default_period. Accepted values are any date expression the parser
// understands written with underscores for spaces: last_7_days, last_30_days, last_12_months,
// this_week, last_week, this_month (or mtd), last_month, this_quarter, last_quarter, this_year
// (or ytd), last_year, today, yesterday.
func (d dates) period(p string) (catalog.TimeRange, bool) {
	if p == "" {
		return catalog.TimeRange{}, false
	}
	t := normalizeQuestion(strings.ReplaceAll(p, "_", " "))
	r, n, _ := d.match(t, 0)
	if n != len(t) || !r.Valid() {
		return catalog.TimeRange{}, false
	}
	return r, true
}

// applyFollowUp updates the previous query with what the follow-up question says: a new period
// replaces the old one, new metrics replace the old ones, a breakdown is added, and a filter
// replaces any filter on the same dimension (and, for "same for ..." / "那...呢", on a dimension
// of the same hierarchy).
func (s *state) applyFollowUp(prev *catalog.Query, metrics []string) (*catalog.Query, []string) {
	q := cloneQuery(prev)
	var notes []string
	if len(metrics) > 0 {
		old := q.Metrics
		q.Metrics = slices.Clone(metrics)
		if s.add {
			q.Metrics = slices.Clone(old)
			for _, m := range metrics {
				if !slices.Contains(q.Metrics, m) {
					q.Metrics = append(q.Metrics, m)
				}
			}
		}
		var hv []catalog.Having
		for _, h := range q.Having {
			if slices.Contains(q.Metrics, h.Metric) {
				hv = append(hv, h)
			}
		}
		q.Having = hv
		for k, o := range q.OrderBy {
			for _, m := range old {
				if strings.HasPrefix(o.By, m) && !slices.Contains(q.Metrics, m) {
					q.OrderBy[k].By = q.Metrics[0] + strings.TrimPrefix(o.By, m)
				}
			}
		}
		if q.Share {
			for _, name := range q.Metrics {
				if m, ok := s.p.c.Metric(name); ok && !m.Additive() {
					q.Share = false
				}
			}
			if !q.Share {
				notes = append(notes, msg(s.lang, "占比只适用于可加总的指标,已忽略", "share of total needs an additive metric: left out"))
			}
		}
	}
	if s.rng != nil {
		q.Range = *s.rng
	}
	for _, g := range s.groupBy {
		if !slices.Contains(q.GroupBy, g) {
			q.GroupBy = append(q.GroupBy, g)
		}
	}
	for _, f := range s.filters {
		var kept []catalog.Filter
		for _, old := range q.Filters {
			related := old.Dimension == f.Dimension ||
				(s.follow && !s.only && (s.p.isAncestor(old.Dimension, f.Dimension) || s.p.isAncestor(f.Dimension, old.Dimension)))
			if !related {
				kept = append(kept, old)
			}
		}
		f.Values = slices.Clone(f.Values)
		q.Filters = append(kept, f)
	}
	saved := *s
	s.cmpRange = nil
	if saved.cmpRange != nil && s.rng == nil {
		s.cmpRange = saved.cmpRange
	}
	s.applyIntentsFollow(q, &notes)
	*s = saved
	return q, notes
}

// applyIntentsFollow is applyIntents for a follow-up: only what the question says changes.
func (s *state) applyIntentsFollow(q *catalog.Query, notes *[]string) {
	if s.grain == "" && !s.trend && s.compare == "" && s.cmpRange == nil && !s.share && len(s.having) == 0 && s.top == nil {
		return
	}
	if s.top != nil {
		q.OrderBy, q.Limit = nil, 0
	}
	s.applyIntents(q, notes)
}
