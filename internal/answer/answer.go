// Package answer turns a question into a reply a person reads: it parses the question with the
// rule parser, runs the governed query, and writes the value, the comparison, the period, the
// filters and the definition used, with a table and a chart. It is shared by the chat engine and
// the command line, and never puts raw SQL or driver errors in the reply text.
package answer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/compile"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/nlq"
)

// Status says what kind of reply an Answer is.
type Status string

// The statuses.
const (
	StatusAnswer  Status = "answer"
	StatusClarify Status = "clarify"
	StatusRefuse  Status = "refuse"
	StatusDefine  Status = "define"
	StatusError   Status = "error"
)

// Answer is the reply to one question, with what it was computed from.
type Answer struct {
	Status Status `json:"status"`
	Lang   string `json:"lang"`
	// Text is the whole reply as plain text: headline, lines, table and context.
	Text     string   `json:"text"`
	Headline string   `json:"headline"`
	Lines    []string `json:"lines,omitempty"`
	Table    *Table   `json:"table,omitempty"`
	// Context is the small print: definition, period, comparison period, filters, notes.
	Context []string `json:"context,omitempty"`
	// Chart is a PNG, when the answer has one.
	Chart      []byte `json:"-"`
	ChartTitle string `json:"chart_title,omitempty"`

	Query       *catalog.Query   `json:"query,omitempty"`
	SQL         string           `json:"sql,omitempty"`
	Args        []any            `json:"args,omitempty"`
	Columns     []compile.Column `json:"columns,omitempty"`
	Rows        [][]any          `json:"rows"`
	Options     []nlq.Option     `json:"options,omitempty"`
	Suggestions []string         `json:"suggestions,omitempty"`
	Notes       []string         `json:"notes,omitempty"`
	// Path is "rule" (or "llm" when an LLM planner read the question).
	Path string `json:"path,omitempty"`
	// Ref identifies an error in the logs.
	Ref string `json:"ref,omitempty"`
	// Metrics lists the metrics the answer is about, for owner notes and feedback.
	Metrics []string `json:"metrics,omitempty"`
	// DataEnd is the last day with data for these metrics (YYYY-MM-DD), when known.
	DataEnd string `json:"data_end,omitempty"`
}

// Table is a formatted table.
type Table struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	Numeric []bool     `json:"numeric"`
}

// ParserSource gives the parser in force.
type ParserSource interface {
	Current(ctx context.Context) *nlq.Parser
}

// Options configure an Answerer.
type Options struct {
	// Charts renders charts; nil means answers carry no chart.
	Charts *chart.Renderer
	// DataEnd, if set, returns the last day with complete data; without it the last date in
	// the metrics' sources is read from the warehouse (cached for a minute).
	DataEnd func() catalog.Date
	// Alerts, if set, gives the alerts and cause notes shown with answers whose period covers
	// them, and answers "why" questions; nil shows none.
	Alerts AlertSource
	Logger *slog.Logger
}

// Answerer answers questions. It is safe for concurrent use.
type Answerer struct {
	parsers ParserSource
	eng     *engine.Engine
	opts    Options
	log     *slog.Logger
}

// New returns an Answerer.
func New(parsers ParserSource, eng *engine.Engine, opts Options) *Answerer {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Answerer{parsers: parsers, eng: eng, opts: opts, log: log}
}

// Parse reads a question without running anything.
func (a *Answerer) Parse(ctx context.Context, question string, nc nlq.Context) nlq.Result {
	return a.parsers.Current(ctx).Parse(question, nc)
}

// Answer reads the question and answers it. It never fails: problems become an Answer with
// StatusError, a polite text and a reference id, and the details are logged.
func (a *Answerer) Answer(ctx context.Context, question string, nc nlq.Context) *Answer {
	if rest, ok := whyQuestion(question); ok && a.opts.Alerts != nil {
		if res := a.Parse(ctx, rest, nc); res.Kind == nlq.Answer && res.Query != nil && len(res.Query.Metrics) > 0 && res.Query.Range.Valid() {
			return a.why(ctx, res)
		}
	}
	res := a.Parse(ctx, question, nc)
	return a.FromParse(ctx, res)
}

// FromParse answers an already parsed question.
func (a *Answerer) FromParse(ctx context.Context, res nlq.Result) *Answer {
	c := a.eng.Catalog()
	lang := res.Lang
	if lang == "" {
		lang = "zh"
	}
	ans := &Answer{Lang: lang, Notes: res.Notes, Path: "rule", Rows: [][]any{}}
	if res.Kind == nlq.Answer && len(res.Unexplained) > 0 {
		// Say which words the answer did not use, so nobody takes an unfiltered number for a
		// filtered one.
		ans.Notes = append(append([]string(nil), ans.Notes...), msg(lang, "问题里没有用上的词: ", "Words not used in this answer: ")+strings.Join(res.Unexplained, msg(lang, "、", ", ")))
	}
	switch res.Kind {
	case nlq.Clarify:
		ans.Status = StatusClarify
		ans.Headline = res.Text
		ans.Options = res.Options
		for i, o := range res.Options {
			ans.Lines = append(ans.Lines, fmt.Sprintf("%d. %s", i+1, o.Label))
		}
	case nlq.Refuse:
		ans.Status = StatusRefuse
		ans.Headline = res.Text
		ans.Suggestions = res.Suggestions
	case nlq.Define:
		ans.Status = StatusDefine
		a.define(c, res, ans)
	case nlq.Answer:
		if res.Query == nil {
			return a.fail(ans, errors.New("parser returned an answer without a query"))
		}
		q := *res.Query
		if end, ok := a.dataEnd(ctx, q.Metrics); ok {
			ans.DataEnd = end.String()
			// A period that runs past the data ("本月", "今年" before today's data is in) stops
			// where the data stops, so the comparison period covers the same days.
			if cut := end.AddDays(1); q.Range.End.After(cut) && q.Range.Start.Before(cut) {
				q.Range.End = cut
				ans.Notes = append(append([]string(nil), ans.Notes...), fmt.Sprintf(msg(lang,
					"数据只到 %s, 期间算到这一天为止, 对比期同样截取", "data goes up to %s, so the period (and its comparison) stops there"), end))
			}
		}
		ans.Query = &q
		ans.Metrics = q.Metrics
		r, err := a.eng.Run(ctx, q)
		if err != nil {
			return a.fail(ans, err)
		}
		ans.Status = StatusAnswer
		ans.SQL, ans.Args, ans.Columns, ans.Rows = r.Statement.SQL, r.Statement.Args, r.Columns, r.Rows
		if ans.Rows == nil {
			ans.Rows = [][]any{}
		}
		a.compose(c, r, ans)
		ans.Context = append(ans.Context, a.causeLines(ctx, c, &q, lang)...)
	default:
		return a.fail(ans, fmt.Errorf("parser returned kind %q", res.Kind))
	}
	ans.Text = ans.render()
	return ans
}

// fail turns an error into a polite answer with a reference id and logs the details.
func (a *Answerer) fail(ans *Answer, err error) *Answer {
	ans.Status = StatusError
	ans.Ref = newRef()
	a.log.Error("answer failed", "ref", ans.Ref, "err", err, "query", ans.Query)
	var qe *catalog.QueryError
	if errors.As(err, &qe) {
		ans.Headline = msg(ans.Lang, "这个问题我没法按现有指标口径回答: ", "I cannot answer that with the defined metrics: ") + strings.Join(qe.Problems, "; ")
	} else {
		ans.Headline = msg(ans.Lang,
			fmt.Sprintf("抱歉, 查询数据时出了问题, 请稍后再试 (参考编号 %s)。", ans.Ref),
			fmt.Sprintf("Sorry, something went wrong while fetching the numbers; please try again later (reference %s).", ans.Ref))
	}
	ans.Text = ans.render()
	return ans
}

// NewRef returns a short random reference id that ties a polite error reply to its log line.
func NewRef() string { return newRef() }

func newRef() string {
	b := make([]byte, 4)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// render writes the answer as plain text.
func (ans *Answer) render() string {
	var b strings.Builder
	b.WriteString(ans.Headline)
	for _, l := range ans.Lines {
		b.WriteString("\n" + l)
	}
	if ans.Table != nil {
		b.WriteString("\n\n" + ans.Table.Text())
	}
	if len(ans.Context) > 0 {
		b.WriteString("\n")
		for _, c := range ans.Context {
			b.WriteString("\n" + c)
		}
	}
	return b.String()
}

// Text renders the table with aligned columns.
func (t *Table) Text() string { return format.Table(t.Columns, t.Rows, t.Numeric) }

// periodText writes a half-open range as inclusive dates.
func periodText(r catalog.TimeRange, lang string) string {
	last := r.End.AddDays(-1)
	if r.Days() == 1 {
		return r.Start.String()
	}
	return r.Start.String() + msg(lang, " 至 ", " to ") + last.String()
}

// define answers a question about a definition from the catalog alone.
func (a *Answerer) define(c *catalog.Catalog, res nlq.Result, ans *Answer) {
	lang := ans.Lang
	if m, ok := c.Metric(res.Metric); ok {
		ans.Metrics = []string{m.Name}
		ans.Headline = fmt.Sprintf("%s (%s): %s", m.Label.In(lang), m.Name, m.Description.In(lang))
		switch m.Type {
		case catalog.Ratio:
			ans.Lines = append(ans.Lines, msg(lang, "公式: ", "Formula: ")+label(c, m.Numerator.Metric, lang)+" / "+label(c, m.Denominator.Metric, lang))
		case catalog.Derived:
			ans.Lines = append(ans.Lines, msg(lang, "公式: ", "Formula: ")+m.Formula)
		case catalog.Cumulative:
			ans.Lines = append(ans.Lines, msg(lang, "累计口径: ", "Accumulates: ")+label(c, m.Base, lang)+" ("+string(m.Window)+")")
		}
		if o, ok := c.Owner(m.Owner); ok {
			ans.Lines = append(ans.Lines, msg(lang, "负责人: ", "Owner: ")+o.Name)
		}
		if m.Unit != "" || m.Format != "" {
			ans.Lines = append(ans.Lines, msg(lang, "单位/格式: ", "Unit/format: ")+strings.TrimSpace(m.Unit+" "+string(m.Format)))
		}
		var dims []string
		for _, d := range c.DimensionsOf(m) {
			dims = append(dims, d.Label.In(lang))
		}
		if len(dims) > 0 {
			ans.Lines = append(ans.Lines, msg(lang, "可按以下维度拆分: ", "Can be broken down by: ")+strings.Join(dims, msg(lang, "、", ", ")))
		}
		if len(m.Synonyms) > 0 {
			ans.Lines = append(ans.Lines, msg(lang, "也叫: ", "Also called: ")+strings.Join(m.Synonyms, ", "))
		}
		return
	}
	if d, ok := c.Dimension(res.Dimension); ok {
		ans.Headline = fmt.Sprintf("%s (%s): %s", d.Label.In(lang), d.Name, d.Description.In(lang))
		if d.Parent != "" {
			ans.Lines = append(ans.Lines, msg(lang, "上级维度: ", "Parent: ")+label(c, d.Parent, lang))
		}
		return
	}
	ans.Headline = res.Text
}

func label(c *catalog.Catalog, name, lang string) string {
	if m, ok := c.Metric(name); ok {
		return m.Label.In(lang)
	}
	if d, ok := c.Dimension(name); ok {
		return d.Label.In(lang)
	}
	return name
}

// compose writes the answer to a query's result.
func (a *Answerer) compose(c *catalog.Catalog, r *engine.Result, ans *Answer) {
	q := ans.Query
	lang := ans.Lang
	view := newView(c, r, lang)
	switch {
	case len(r.Rows) == 0:
		ans.Headline = msg(lang, "这个期间没有符合条件的数据。", "There is no data for that period and those filters.")
	case q.Grain == "" && len(q.GroupBy) == 0:
		a.single(c, view, ans)
	case q.Grain != "":
		a.trend(c, view, ans)
	default:
		a.breakdown(c, view, ans)
	}
	ans.Context = a.context(c, q, lang, ans.Notes, ans.DataEnd)
}

// context writes the small print: definitions, period, comparison, filters, notes, freshness.
func (a *Answerer) context(c *catalog.Catalog, q *catalog.Query, lang string, notes []string, dataEnd string) []string {
	var out []string
	out = append(out, msg(lang, "期间: ", "Period: ")+periodText(q.Range, lang))
	if q.Compare != catalog.NoComparison {
		name := msg(lang, "环比", "previous period")
		if q.Compare == catalog.YearOverYear {
			name = msg(lang, "同比", "same period last year")
		}
		out = append(out, fmt.Sprintf(msg(lang, "对比(%s): %s", "Compared with (%s): %s"), name, periodText(compile.ComparisonRange(*q), lang)))
	}
	if f := filtersText(c, q, lang); f != "" {
		out = append(out, msg(lang, "筛选: ", "Filters: ")+f)
	}
	for _, name := range q.Metrics {
		if m, ok := c.Metric(name); ok {
			out = append(out, fmt.Sprintf(msg(lang, "口径 · %s: %s", "Definition · %s: %s"), m.Label.In(lang), m.Description.In(lang)))
		}
	}
	for _, n := range notes {
		out = append(out, msg(lang, "说明: ", "Note: ")+n)
	}
	if dataEnd != "" {
		out = append(out, msg(lang, "数据截至 ", "Data up to ")+dataEnd)
	}
	return out
}

func filtersText(c *catalog.Catalog, q *catalog.Query, lang string) string {
	var parts []string
	for _, f := range q.Filters {
		op := map[catalog.FilterOp][2]string{
			catalog.OpIn: {" = ", " = "}, catalog.OpEq: {" = ", " = "},
			catalog.OpNotIn: {" 不含 ", " excluding "}, catalog.OpContains: {" 包含 ", " contains "},
		}[f.Op]
		o := op[0]
		if lang == "en" {
			o = op[1]
		}
		parts = append(parts, label(c, f.Dimension, lang)+o+strings.Join(f.Values, msg(lang, "、", ", ")))
	}
	for _, h := range q.Having {
		op := map[catalog.CmpOp]string{catalog.GT: " > ", catalog.GTE: " ≥ ", catalog.LT: " < ", catalog.LTE: " ≤ "}[h.Op]
		v := format.Compact(h.Value, lang)
		if m, ok := c.Metric(h.Metric); ok && m.Format == catalog.Percent {
			v = format.Percent(h.Value, 1)
		}
		parts = append(parts, label(c, h.Metric, lang)+op+v)
	}
	return strings.Join(parts, msg(lang, "; ", "; "))
}

// view reads a result by column name.
type view struct {
	c    *catalog.Catalog
	r    *engine.Result
	lang string
	idx  map[string]int
}

func newView(c *catalog.Catalog, r *engine.Result, lang string) *view {
	v := &view{c: c, r: r, lang: lang, idx: map[string]int{}}
	for i, col := range r.Columns {
		v.idx[col.Name] = i
	}
	return v
}

func (v *view) num(row []any, col string) (float64, bool) {
	i, ok := v.idx[col]
	if !ok {
		return 0, false
	}
	switch n := row[i].(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func (v *view) str(row []any, col string) string {
	i, ok := v.idx[col]
	if !ok || row[i] == nil {
		return msg(v.lang, "(空)", "(none)")
	}
	return fmt.Sprint(row[i])
}

// value formats a metric's value in a row, or a dash when it is missing.
func (v *view) value(row []any, metric, col string) string {
	x, ok := v.num(row, col)
	if !ok {
		return "—"
	}
	m, _ := v.c.Metric(metric)
	return format.Value(x, m, v.lang)
}

// change formats the comparison of a metric in a row: "环比 +12.3% (上期 1.05亿元)"; for percent
// metrics the change is in percentage points.
func (v *view) change(row []any, metric string, cmp catalog.Comparison) string {
	name := msg(v.lang, "环比", "vs previous period")
	if cmp == catalog.YearOverYear {
		name = msg(v.lang, "同比", "vs last year")
	}
	prev := v.value(row, metric, metric+catalog.SuffixPrevious)
	m, _ := v.c.Metric(metric)
	if m.Format == catalog.Percent {
		d, ok := v.num(row, metric+catalog.SuffixChange)
		if !ok {
			return fmt.Sprintf("%s —", name)
		}
		return fmt.Sprintf(msg(v.lang, "%s %s (上期 %s)", "%s %s (was %s)"), name, format.PercentagePoints(d, v.lang), prev)
	}
	p, ok := v.num(row, metric+catalog.SuffixPctChange)
	if !ok {
		return fmt.Sprintf(msg(v.lang, "%s — (上期 %s)", "%s — (was %s)"), name, prev)
	}
	return fmt.Sprintf(msg(v.lang, "%s %s (上期 %s)", "%s %s (was %s)"), name, format.SignedPercent(p), prev)
}

func (a *Answerer) single(c *catalog.Catalog, v *view, ans *Answer) {
	q := ans.Query
	row := v.r.Rows[0]
	empty := true
	for _, name := range q.Metrics {
		if _, ok := v.num(row, name); ok {
			empty = false
		}
	}
	if empty {
		ans.Headline = periodText(q.Range, ans.Lang) + msg(ans.Lang, " 还没有数据。", ": there is no data for this period yet.")
		if ans.DataEnd != "" {
			ans.Headline += fmt.Sprintf(msg(ans.Lang, "数据截至 %s。", " Data goes up to %s."), ans.DataEnd)
		}
		return
	}
	for i, name := range q.Metrics {
		m, _ := c.Metric(name)
		line := fmt.Sprintf("%s %s", m.Label.In(ans.Lang), v.value(row, name, name))
		if q.Compare != catalog.NoComparison {
			line += msg(ans.Lang, ", ", ", ") + v.change(row, name, q.Compare)
		}
		if t, ok := targetLine(m, q.Range, row, v, ans.Lang); ok && len(q.Filters) == 0 {
			line += t
		}
		if i == 0 {
			ans.Headline = periodText(q.Range, ans.Lang) + msg(ans.Lang, " ", ": ") + line
		} else {
			ans.Lines = append(ans.Lines, line)
		}
	}
}

// targetLine reports attainment when the period is exactly one month with a target.
func targetLine(m *catalog.Metric, r catalog.TimeRange, row []any, v *view, lang string) (string, bool) {
	if r.Start.Day != 1 || r.End != r.Start.AddMonths(1) {
		return "", false
	}
	t, ok := m.Target(r.Start)
	if !ok || t == 0 {
		return "", false
	}
	x, ok := v.num(row, m.Name)
	if !ok {
		return "", false
	}
	return fmt.Sprintf(msg(lang, ", 目标 %s, 达成 %s", ", target %s, %s attained"), format.Value(t, m, lang), format.Percent(x/t, 1)), true
}

func (a *Answerer) breakdown(c *catalog.Catalog, v *view, ans *Answer) {
	q := ans.Query
	lang := ans.Lang
	rows := append([][]any(nil), v.r.Rows...)
	first := q.Metrics[0]
	if len(q.OrderBy) == 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			a, aok := v.num(rows[i], first)
			b, bok := v.num(rows[j], first)
			if aok != bok {
				return aok
			}
			return a > b
		})
	}
	ans.Table = v.table(rows, q)
	keyOf := func(row []any) string {
		var parts []string
		for _, g := range q.GroupBy {
			parts = append(parts, v.str(row, g))
		}
		return strings.Join(parts, " / ")
	}
	var dims []string
	for _, g := range q.GroupBy {
		dims = append(dims, label(c, g, lang))
	}
	m, _ := c.Metric(first)
	top := rows[0]
	headline := fmt.Sprintf(msg(lang, "%s %s按%s (%d项): ", "%s %s by %s (%d rows): "), periodText(q.Range, lang), m.Label.In(lang), strings.Join(dims, msg(lang, "和", " and ")), len(rows))
	rank := msg(lang, "最高", "highest")
	if len(q.OrderBy) > 0 && !q.OrderBy[0].Desc {
		rank = msg(lang, "最低", "lowest")
	}
	if len(q.OrderBy) > 0 && q.OrderBy[0].By != first {
		rank = msg(lang, "排第一", "first")
	}
	headline += fmt.Sprintf(msg(lang, "%s%s, %s", "%s is %s at %s"), keyOf(top), rank, v.value(top, first, first))
	if q.Compare != catalog.NoComparison {
		headline += msg(lang, ", ", ", ") + v.change(top, first, q.Compare)
	}
	ans.Headline = headline
	if q.Share {
		if s, ok := v.num(top, first+catalog.SuffixShare); ok {
			ans.Headline += fmt.Sprintf(msg(lang, ", 占比 %s", ", a %s share"), format.Percent(s, 1))
		}
	}
	a.barChart(c, v, rows, keyOf, first, ans)
}

// table formats rows: dimensions, time, then per metric its value, comparison and share.
func (v *view) table(rows [][]any, q *catalog.Query) *Table {
	t := &Table{}
	type col struct {
		name, metric string
		role         compile.Role
	}
	var cols []col
	for _, c := range v.r.Columns {
		if c.Role == compile.RoleChange {
			continue // the percent change says it better in a narrow chat table
		}
		cols = append(cols, col{c.Name, c.Metric, c.Role})
		title := label(v.c, c.Name, v.lang)
		switch c.Role {
		case compile.RoleTime:
			title = msg(v.lang, "时间", "time")
		case compile.RolePrevious:
			title = label(v.c, c.Metric, v.lang) + msg(v.lang, "(上期)", " (prev)")
		case compile.RolePctChange:
			title = msg(v.lang, "变化", "change")
			if m, _ := v.c.Metric(c.Metric); m.Format == catalog.Percent {
				title = msg(v.lang, "变化", "change")
			}
		case compile.RoleShare:
			title = msg(v.lang, "占比", "share")
		}
		t.Columns = append(t.Columns, title)
		t.Numeric = append(t.Numeric, c.Role != compile.RoleDimension && c.Role != compile.RoleTime)
	}
	for _, row := range rows {
		var cells []string
		for _, c := range cols {
			switch c.role {
			case compile.RoleDimension, compile.RoleTime:
				cells = append(cells, v.str(row, c.name))
			case compile.RolePctChange:
				m, _ := v.c.Metric(c.metric)
				if m.Format == catalog.Percent {
					if d, ok := v.num(row, c.metric+catalog.SuffixChange); ok {
						cells = append(cells, format.PercentagePoints(d, v.lang))
						continue
					}
				} else if p, ok := v.num(row, c.name); ok {
					cells = append(cells, format.SignedPercent(p))
					continue
				}
				cells = append(cells, "—")
			case compile.RoleShare:
				if s, ok := v.num(row, c.name); ok {
					cells = append(cells, format.Percent(s, 1))
				} else {
					cells = append(cells, "—")
				}
			default:
				cells = append(cells, v.value(row, c.metric, c.name))
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

func (a *Answerer) barChart(c *catalog.Catalog, v *view, rows [][]any, keyOf func([]any) string, metric string, ans *Answer) {
	if a.opts.Charts == nil || len(rows) < 2 {
		return
	}
	m, _ := c.Metric(metric)
	var pts []chart.Point
	for i, row := range rows {
		if i == 40 {
			break
		}
		x, ok := v.num(row, metric)
		pts = append(pts, chart.Point{Label: keyOf(row), Value: x, Missing: !ok})
	}
	title := m.Label.In(ans.Lang) + " · " + periodText(ans.Query.Range, ans.Lang)
	png, err := a.opts.Charts.Bar(pts, chart.Options{Title: title, YFormat: axisFormat(m, ans.Lang), ValueLabels: true})
	if err != nil {
		a.log.Warn("render bar chart", "err", err)
		return
	}
	ans.Chart, ans.ChartTitle = png, title
}

func axisFormat(m *catalog.Metric, lang string) func(float64) string {
	if m.Format == catalog.Percent {
		return func(x float64) string { return format.Percent(x, 1) }
	}
	return func(x float64) string { return format.Compact(x, lang) }
}

func (a *Answerer) trend(c *catalog.Catalog, v *view, ans *Answer) {
	q := ans.Query
	lang := ans.Lang
	first := q.Metrics[0]
	m, _ := c.Metric(first)
	buckets := v.r.Statement.Buckets
	rows := v.r.Rows
	if len(q.GroupBy) == 0 {
		rows = v.filled(q, buckets)
	}
	ans.Table = v.table(rows, q)

	// The latest bucket: its value (summed over the groups of an additive metric; not quoted
	// for other metrics when there are groups), whether it is partial, and its comparison.
	latest := v.str(rows[len(rows)-1], catalog.TimeColumn)
	var latestRows [][]any
	for _, row := range rows {
		if v.str(row, catalog.TimeColumn) == latest {
			latestRows = append(latestRows, row)
		}
	}
	label := latest
	if d, err := catalog.ParseDate(latest); err == nil {
		if days, full := bucketDays(q, d); days < full {
			label += fmt.Sprintf(msg(lang, " (不完整, 只含 %d/%d 天)", " (partial: %d of %d days)"), days, full)
		}
	}
	var value string
	switch {
	case len(q.GroupBy) == 0:
		value = v.value(latestRows[0], first, first)
	case m.Additive():
		var sum float64
		for _, row := range latestRows {
			x, _ := v.num(row, first)
			sum += x
		}
		value = msg(lang, "合计 ", "in all ") + format.Value(sum, m, lang)
	}
	var headline string
	if value != "" {
		is := msg(lang, " 为 ", " ")
		if len(q.GroupBy) > 0 {
			is = " "
		}
		headline = fmt.Sprintf(msg(lang, "%s %s趋势(按%s): 最近一期 %s%s%s", "%s %s trend by %s: latest (%s)%s%s"),
			periodText(q.Range, lang), m.Label.In(lang), grainText(q.Grain, lang), label, is, value)
	} else {
		headline = fmt.Sprintf(msg(lang, "%s %s趋势(按%s, %d组): 最近一期 %s", "%s %s trend by %s (%d groups): latest %s"),
			periodText(q.Range, lang), m.Label.In(lang), grainText(q.Grain, lang), len(latestRows), label)
	}
	if q.Compare != catalog.NoComparison && len(q.GroupBy) == 0 {
		// Name the bucket it is compared with: in a trend it is the matching bucket of the
		// comparison period, not necessarily the one just before.
		if i := slices.IndexFunc(buckets, func(b catalog.Date) bool { return b.String() == latest }); i >= 0 {
			if prev := compile.ComparisonRange(*q).Buckets(q.Grain); i < len(prev) {
				headline += fmt.Sprintf(msg(lang, ", 对比 %s: ", ", against %s: "), q.Grain.Start(prev[i].Start)) + v.change(latestRows[0], first, q.Compare)
			}
		}
	}
	if m.Additive() && len(q.GroupBy) == 0 {
		var sum float64
		for _, row := range rows {
			x, _ := v.num(row, first)
			sum += x
		}
		headline += fmt.Sprintf(msg(lang, "; 期间合计 %s", "; total %s"), format.Value(sum, m, lang))
	}
	var partial []string
	for _, b := range buckets {
		if days, full := bucketDays(q, b); days < full {
			partial = append(partial, fmt.Sprintf(msg(lang, "%s (%d/%d 天)", "%s (%d of %d days)"), b, days, full))
		}
	}
	if len(partial) > 0 {
		ans.Notes = append(append([]string(nil), ans.Notes...), msg(lang, "不完整的周期: ", "Partial periods: ")+strings.Join(partial, msg(lang, "、", ", ")))
	}
	ans.Headline = headline
	a.lineChart(c, v, ans)
}

// filled returns a trend's rows with one row for every bucket of the period: a bucket without
// data has 0 for sum and count metrics and no value for the others.
func (v *view) filled(q *catalog.Query, buckets []catalog.Date) [][]any {
	byTime := map[string][]any{}
	for _, row := range v.r.Rows {
		byTime[v.str(row, catalog.TimeColumn)] = row
	}
	ti := v.idx[catalog.TimeColumn]
	out := make([][]any, 0, len(buckets))
	for _, b := range buckets {
		if row, ok := byTime[b.String()]; ok {
			out = append(out, row)
			continue
		}
		row := make([]any, len(v.r.Columns))
		row[ti] = b.String()
		for i, col := range v.r.Columns {
			if m, ok := v.c.Metric(col.Metric); ok && col.Role == compile.RoleValue && m.Additive() {
				row[i] = int64(0)
			}
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return v.r.Rows
	}
	return out
}

// bucketDays returns how many days of the bucket starting at start fall in q's period, and how many
// days the whole bucket has: a week or month cut by the period's ends is partial.
func bucketDays(q *catalog.Query, start catalog.Date) (days, full int) {
	whole := catalog.TimeRange{Start: start, End: q.Grain.Next(start)}
	in := whole
	if in.Start.Before(q.Range.Start) {
		in.Start = q.Range.Start
	}
	if in.End.After(q.Range.End) {
		in.End = q.Range.End
	}
	return max(in.Days(), 0), whole.Days()
}

func grainText(g catalog.Grain, lang string) string {
	zh := map[catalog.Grain]string{catalog.Day: "天", catalog.Week: "周", catalog.Month: "月", catalog.Quarter: "季度", catalog.Year: "年"}
	if lang == "en" {
		return string(g)
	}
	return zh[g]
}

// lineChart draws the first metric over the statement's buckets (gaps where a bucket has no row),
// one series per group (up to eight) or the current and comparison periods.
func (a *Answerer) lineChart(c *catalog.Catalog, v *view, ans *Answer) {
	if a.opts.Charts == nil {
		return
	}
	q := ans.Query
	st := v.r.Statement
	first := q.Metrics[0]
	m, _ := c.Metric(first)
	labels := make([]string, len(st.Buckets))
	pos := map[string]int{}
	for i, b := range st.Buckets {
		labels[i] = bucketLabel(b, q.Grain)
		pos[b.String()] = i
	}
	newSeries := func(name string, dashed bool) chart.Series {
		s := chart.Series{Name: name, Dashed: dashed, Points: make([]chart.Point, len(labels))}
		for i, l := range labels {
			s.Points[i] = chart.Point{Label: l, Missing: true}
		}
		return s
	}
	var series []chart.Series
	if len(q.GroupBy) == 0 {
		cur := newSeries(msg(ans.Lang, "本期", "current"), false)
		prev := newSeries(msg(ans.Lang, "对比期", "comparison"), true)
		for _, row := range v.r.Rows {
			i, ok := pos[v.str(row, catalog.TimeColumn)]
			if !ok {
				continue
			}
			if x, ok := v.num(row, first); ok {
				cur.Points[i] = chart.Point{Label: labels[i], Value: x}
			}
			if x, ok := v.num(row, first+catalog.SuffixPrevious); ok {
				prev.Points[i] = chart.Point{Label: labels[i], Value: x}
			}
		}
		series = append(series, cur)
		if q.Compare != catalog.NoComparison {
			series = append(series, prev)
		}
	} else {
		byKey := map[string]int{}
		for _, row := range v.r.Rows {
			var parts []string
			for _, g := range q.GroupBy {
				parts = append(parts, v.str(row, g))
			}
			key := strings.Join(parts, " / ")
			k, ok := byKey[key]
			if !ok {
				if len(series) == 8 {
					continue
				}
				k = len(series)
				byKey[key] = k
				series = append(series, newSeries(key, false))
			}
			if i, ok := pos[v.str(row, catalog.TimeColumn)]; ok {
				if x, ok := v.num(row, first); ok {
					series[k].Points[i] = chart.Point{Label: labels[i], Value: x}
				}
			}
		}
	}
	if len(labels) == 0 || len(series) == 0 {
		return
	}
	title := m.Label.In(ans.Lang) + " · " + periodText(q.Range, ans.Lang)
	png, err := a.opts.Charts.Line(series, chart.Options{Title: title, YFormat: axisFormat(m, ans.Lang)})
	if err != nil {
		a.log.Warn("render line chart", "err", err)
		return
	}
	ans.Chart, ans.ChartTitle = png, title
}

func bucketLabel(d catalog.Date, g catalog.Grain) string {
	switch g {
	case catalog.Month:
		return d.String()[:7]
	case catalog.Quarter:
		return fmt.Sprintf("%dQ%d", d.Year, (int(d.Month)-1)/3+1)
	case catalog.Year:
		return d.String()[:4]
	}
	return d.String()[5:]
}

// dataEnd returns the last day with data for metrics, from Options.DataEnd or the warehouse. A
// failure to read it is logged and treated as unknown.
func (a *Answerer) dataEnd(ctx context.Context, metrics []string) (catalog.Date, bool) {
	if a.opts.DataEnd != nil {
		return a.opts.DataEnd(), true
	}
	end, ok, err := a.eng.DataEnd(ctx, metrics)
	if err != nil {
		a.log.Warn("read data freshness", "err", err)
		return catalog.Date{}, false
	}
	return end, ok
}

// Catalog returns the catalog in force.
func (a *Answerer) Catalog() *catalog.Catalog { return a.eng.Catalog() }

// SQL compiles q for the warehouse, for people who ask to see it.
func (a *Answerer) SQL(q catalog.Query) (string, error) {
	st, err := a.eng.Compile(q)
	if err != nil {
		return "", err
	}
	return st.SQL, nil
}
