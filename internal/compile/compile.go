// Package compile turns a governed query into SQL for a warehouse dialect.
//
// The compiler is where metricbot's numbers are made correct:
//   - every simple metric is aggregated at its own source's grain, in its own common table
//     expression, before it meets any other metric, so joining order lines never multiplies an
//     order-level amount (the fan-out trap);
//   - joins only follow declared many-to-one paths that land on a primary key, and a metric that
//     cannot reach a dimension that way is refused;
//   - ratio and derived metrics are computed from the aggregated parts of each group (a ratio of
//     sums, never an average of ratios), with division safe at zero;
//   - cumulative metrics are aggregated over explicit windows (month to date, year to date,
//     trailing days) joined against the facts, so distinct counts stay distinct;
//   - comparisons aggregate the comparison period in the same pass and align its time buckets
//     with the current period's by position (a weekly year-over-year trend compares with the
//     weeks 52 weeks earlier, so weekdays line up).
//
// Every value from a query (dates, filter values, thresholds) is a bound parameter; identifiers
// and expressions come only from the validated catalog.
package compile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// Role says what a result column holds.
type Role string

// The column roles.
const (
	RoleDimension Role = "dimension"
	RoleTime      Role = "time"
	RoleValue     Role = "value"
	RolePrevious  Role = "previous"
	RoleChange    Role = "change"
	RolePctChange Role = "pct_change"
	RoleShare     Role = "share"
)

// Column describes one result column.
type Column struct {
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	Metric string `json:"metric,omitempty"`
}

// Statement is a compiled query: SQL text with its bound arguments and result columns.
type Statement struct {
	Dialect Dialect       `json:"dialect"`
	SQL     string        `json:"sql"`
	Args    []any         `json:"args"`
	Columns []Column      `json:"columns"`
	Query   catalog.Query `json:"query"`
	// Buckets lists the start dates of the current period's time buckets when the query has a
	// grain; a trend has a point for each, with or without data.
	Buckets []catalog.Date `json:"buckets,omitempty"`
	// CompareRange is the period compared with, when the query has a comparison.
	CompareRange *catalog.TimeRange `json:"compare_range,omitempty"`
}

// MaxWindows bounds the number of windows a cumulative metric may be evaluated over in one query.
const MaxWindows = 1000

// MaxBuckets bounds the number of time buckets in one query.
const MaxBuckets = 3660

// SQL compiles q against c for dialect d. q is validated first; the error for an invalid query is a
// *catalog.QueryError.
func SQL(c *catalog.Catalog, q catalog.Query, d Dialect) (*Statement, error) {
	dia, err := dialectOf(d)
	if err != nil {
		return nil, err
	}
	if err := q.Validate(c); err != nil {
		return nil, err
	}
	b := &builder{c: c, q: q, d: dia, byKey: map[string]*measure{}}
	if err := b.plan(); err != nil {
		return nil, err
	}
	text := b.build()
	sql, args := b.bind(text)
	st := &Statement{Dialect: d, SQL: sql, Args: args, Columns: b.columns(), Query: q}
	for _, bk := range b.buckets {
		st.Buckets = append(st.Buckets, bk.label)
	}
	if len(b.periods) > 1 {
		cr := b.periods[1]
		st.CompareRange = &cr
	}
	return st, nil
}

// measure is one aggregation of a simple metric, with any extra filter from a ratio part, over
// either the query's periods or a cumulative window.
type measure struct {
	metric *catalog.Metric
	extra  []*catalog.Condition
	window *window
	col    string
}

// window is a cumulative window kind.
type window struct {
	kind catalog.Window
	days int
}

func (w *window) key() string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf("%s/%d", w.kind, w.days)
}

// bucket is one time bucket of the current period, with the aligned bucket of the comparison
// period.
type bucket struct {
	label catalog.Date      // start of the grain bucket (may precede the range start)
	cur   catalog.TimeRange // the part of the bucket inside the current period
	prev  *catalog.TimeRange
	plab  catalog.Date // label of the aligned comparison bucket
}

type builder struct {
	c *catalog.Catalog
	q catalog.Query
	d sqlDialect

	measures []*measure
	byKey    map[string]*measure
	exprs    []expr // one per query metric
	periods  []catalog.TimeRange
	buckets  []bucket

	args []any
}

// expr is a metric expression over measure columns.
type expr interface{}

type (
	mref struct{ m *measure }
	num  float64
	bin  struct {
		op   byte
		l, r expr
	}
	neg struct{ x expr }
)

func (b *builder) plan() error {
	q := b.q
	b.periods = []catalog.TimeRange{q.Range}
	if q.Compare != catalog.NoComparison {
		prev := ComparisonRange(q)
		if prev.End.After(q.Range.Start) {
			return fmt.Errorf("compile: the comparison period %s overlaps the period %s; compare a period of at most a year with the same period last year", prev, q.Range)
		}
		b.periods = append(b.periods, prev)
	}
	if q.Grain != "" {
		cur := q.Range.Buckets(q.Grain)
		if len(cur) > MaxBuckets {
			return fmt.Errorf("compile: %d %s buckets is too many (at most %d); choose a coarser grain", len(cur), q.Grain, MaxBuckets)
		}
		var prev []catalog.TimeRange
		if len(b.periods) > 1 {
			prev = b.periods[1].Buckets(q.Grain)
		}
		for i, r := range cur {
			bk := bucket{label: q.Grain.Start(r.Start), cur: r}
			if i < len(prev) {
				p := prev[i]
				bk.prev = &p
				bk.plab = q.Grain.Start(p.Start)
			}
			b.buckets = append(b.buckets, bk)
		}
	}
	for _, name := range q.Metrics {
		m, _ := b.c.Metric(name)
		e, err := b.metricExpr(m, nil)
		if err != nil {
			return err
		}
		b.exprs = append(b.exprs, e)
	}
	if n := b.windowCount(); n > MaxWindows {
		return fmt.Errorf("compile: a cumulative metric over %d windows is too many (at most %d); choose a coarser grain or a shorter period", n, MaxWindows)
	}
	return nil
}

// ComparisonRange returns the period q's values are compared with. It is q.Compare.Range, except
// for weekly trends, which compare whole weeks so the buckets line up weekday by weekday: the same
// weeks 52 weeks earlier for year over year, and the weeks just before (the period shifted back
// by a whole number of weeks) for the previous period.
func ComparisonRange(q catalog.Query) catalog.TimeRange {
	if q.Grain == catalog.Week {
		shift := 364
		if q.Compare == catalog.PreviousPeriod {
			shift = (q.Range.Days() + 6) / 7 * 7
		}
		return catalog.TimeRange{Start: q.Range.Start.AddDays(-shift), End: q.Range.End.AddDays(-shift)}
	}
	return q.Compare.Range(q.Range)
}

func (b *builder) windowCount() int {
	for _, m := range b.measures {
		if m.window != nil {
			return len(b.spine(m.window))
		}
	}
	return 0
}

func (b *builder) metricExpr(m *catalog.Metric, w *window) (expr, error) {
	switch m.Type {
	case catalog.Simple:
		return mref{b.measure(m, nil, w)}, nil
	case catalog.Ratio:
		n, err := b.partExpr(m.Numerator, w)
		if err != nil {
			return nil, err
		}
		d, err := b.partExpr(m.Denominator, w)
		if err != nil {
			return nil, err
		}
		return bin{'/', n, d}, nil
	case catalog.Derived:
		return b.formulaExpr(m.FormulaExpr(), w)
	case catalog.Cumulative:
		base, _ := b.c.Metric(m.Base)
		return b.metricExpr(base, &window{kind: m.Window, days: m.Days})
	}
	return nil, fmt.Errorf("compile: metric %q has unknown type %q", m.Name, m.Type)
}

func (b *builder) partExpr(p *catalog.Part, w *window) (expr, error) {
	m, _ := b.c.Metric(p.Metric)
	if len(p.Filter) > 0 {
		return mref{b.measure(m, p.Filter, w)}, nil
	}
	return b.metricExpr(m, w)
}

func (b *builder) formulaExpr(e catalog.Expr, w *window) (expr, error) {
	switch e := e.(type) {
	case catalog.Num:
		return num(e), nil
	case catalog.Ref:
		m, _ := b.c.Metric(string(e))
		return b.metricExpr(m, w)
	case *catalog.Neg:
		x, err := b.formulaExpr(e.X, w)
		return neg{x}, err
	case *catalog.Binary:
		l, err := b.formulaExpr(e.L, w)
		if err != nil {
			return nil, err
		}
		r, err := b.formulaExpr(e.R, w)
		return bin{e.Op, l, r}, err
	}
	return nil, fmt.Errorf("compile: unknown formula node %T", e)
}

func (b *builder) measure(m *catalog.Metric, extra []*catalog.Condition, w *window) *measure {
	key := m.Name + "|" + w.key()
	for _, c := range extra {
		key += fmt.Sprintf("|%s.%s %s %q", c.Dimension, c.Column, c.Op, c.Values)
	}
	if ms, ok := b.byKey[key]; ok {
		return ms
	}
	ms := &measure{metric: m, extra: extra, window: w, col: fmt.Sprintf("m%d", len(b.measures))}
	b.byKey[key] = ms
	b.measures = append(b.measures, ms)
	return ms
}

// arg records a bound argument and returns a marker for it; bind turns markers into the
// dialect's placeholders in order of appearance.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("\x00%d\x00", len(b.args)-1)
}

func (b *builder) bind(text string) (string, []any) {
	var out strings.Builder
	var args []any
	for {
		i := strings.IndexByte(text, 0)
		if i < 0 {
			out.WriteString(text)
			break
		}
		j := strings.IndexByte(text[i+1:], 0) + i + 1
		k, _ := strconv.Atoi(text[i+1 : j])
		args = append(args, b.args[k])
		out.WriteString(text[:i])
		out.WriteString(b.d.placeholder(len(args)))
		text = text[j+1:]
	}
	return out.String(), args
}

func (b *builder) columns() []Column {
	var cols []Column
	for _, g := range b.q.GroupBy {
		cols = append(cols, Column{Name: g, Role: RoleDimension})
	}
	if b.q.Grain != "" {
		cols = append(cols, Column{Name: catalog.TimeColumn, Role: RoleTime})
	}
	for _, name := range b.q.Metrics {
		cols = append(cols, Column{Name: name, Role: RoleValue, Metric: name})
		if b.q.Compare != catalog.NoComparison {
			cols = append(cols,
				Column{Name: name + catalog.SuffixPrevious, Role: RolePrevious, Metric: name},
				Column{Name: name + catalog.SuffixChange, Role: RoleChange, Metric: name},
				Column{Name: name + catalog.SuffixPctChange, Role: RolePctChange, Metric: name})
		}
		if m, _ := b.c.Metric(name); b.q.Share && m.Additive() {
			cols = append(cols, Column{Name: name + catalog.SuffixShare, Role: RoleShare, Metric: name})
		}
	}
	return cols
}

// group is the measures aggregated from one source over one kind of window.
type group struct {
	source   *catalog.Source
	window   *window
	measures []*measure
}

func (b *builder) groups() []*group {
	var out []*group
	idx := map[string]*group{}
	for _, m := range b.measures {
		key := m.metric.Source + "|" + m.window.key()
		g, ok := idx[key]
		if !ok {
			s, _ := b.c.Source(m.metric.Source)
			g = &group{source: s, window: m.window}
			idx[key] = g
			out = append(out, g)
		}
		g.measures = append(g.measures, m)
	}
	return out
}

// build writes the whole statement.
func (b *builder) build() string {
	var ctes []string
	var names []string
	for i, g := range b.groups() {
		name := fmt.Sprintf("a%d", i)
		if g.window != nil {
			sp := fmt.Sprintf("w%d", i)
			ctes = append(ctes, sp+" AS (\n"+b.spineSQL(g.window)+"\n)")
			ctes = append(ctes, name+" AS (\n"+b.aggregate(g, sp)+"\n)")
		} else {
			ctes = append(ctes, name+" AS (\n"+b.aggregate(g, "")+"\n)")
		}
		names = append(names, name)
	}
	keys := b.keyCols() // p, t, d0.. as present
	combined := names[0]
	if len(names) > 1 {
		ctes = append(ctes, "u AS (\n"+b.union(names)+"\n)")
		var sel []string
		sel = append(sel, keys...)
		for _, m := range b.measures {
			sel = append(sel, fmt.Sprintf("MAX(%s) AS %s", m.col, m.col))
		}
		g := "SELECT " + strings.Join(sel, ", ") + "\nFROM u"
		if len(keys) > 0 {
			g += "\nGROUP BY " + strings.Join(keys, ", ")
		}
		ctes = append(ctes, "g AS (\n"+g+"\n)")
		combined = "g"
	}
	if len(b.periods) > 1 {
		ctes = append(ctes, "pv AS (\n"+b.pivot(combined)+"\n)")
		combined = "pv"
	}
	return "WITH " + strings.Join(ctes, ",\n") + "\n" + b.final(combined)
}

// keyCols returns the grouping columns shared by every aggregate: period, time bucket and
// dimensions.
func (b *builder) keyCols() []string {
	var out []string
	if len(b.periods) > 1 {
		out = append(out, "p")
	}
	if b.q.Grain != "" {
		out = append(out, "t")
	}
	for i := range b.q.GroupBy {
		out = append(out, fmt.Sprintf("d%d", i))
	}
	return out
}

// joins tracks the table aliases of one aggregate's FROM clause.
type joins struct {
	b       *builder
	fact    *catalog.Source
	aliases map[string]string
	clauses []string
}

func (b *builder) newJoins(fact *catalog.Source) *joins {
	return &joins{b: b, fact: fact, aliases: map[string]string{fact.Name: "s0"}}
}

// alias returns the alias of source name, adding the joins that lead to it.
func (j *joins) alias(name string) string {
	if a, ok := j.aliases[name]; ok {
		return a
	}
	path, _ := j.b.c.Path(j.fact.Name, name)
	for _, step := range path {
		if _, ok := j.aliases[step.To]; ok {
			continue
		}
		to, _ := j.b.c.Source(step.To)
		from := j.aliases[step.From().Name]
		a := fmt.Sprintf("s%d", len(j.aliases))
		j.aliases[step.To] = a
		var on []string
		for i, col := range step.On {
			on = append(on, fmt.Sprintf("%s.%s = %s.%s", from, j.b.d.quote(col), a, j.b.d.quote(to.PrimaryKey[i])))
		}
		j.clauses = append(j.clauses, fmt.Sprintf("LEFT JOIN %s %s ON %s", j.b.table(to), a, strings.Join(on, " AND ")))
	}
	return j.aliases[name]
}

// column returns the qualified column for a reference "col" or "source.col" seen from the fact.
func (j *joins) column(ref string) string {
	src, col := j.fact.Name, ref
	if i := strings.IndexByte(ref, '.'); i >= 0 {
		src, col = ref[:i], ref[i+1:]
	}
	return j.alias(src) + "." + j.b.d.quote(col)
}

func (j *joins) dimension(name string) string {
	d, _ := j.b.c.Dimension(name)
	return j.alias(d.Source) + "." + j.b.d.quote(d.Column)
}

func (b *builder) table(s *catalog.Source) string {
	parts := strings.Split(s.Table, ".")
	for i, p := range parts {
		parts[i] = b.d.quote(p)
	}
	return strings.Join(parts, ".")
}

// timeColumn returns the qualified time column of the fact.
func (j *joins) timeColumn() string {
	src, col := j.b.c.TimeColumn(j.fact)
	return j.alias(src) + "." + j.b.d.quote(col)
}

// condition renders a filter condition on col.
func (b *builder) condition(col string, op catalog.FilterOp, values []string) string {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = b.arg(v)
	}
	switch op {
	case catalog.OpEq:
		return col + " = " + ph[0]
	case catalog.OpNotIn:
		return fmt.Sprintf("(%s NOT IN (%s) OR %s IS NULL)", col, strings.Join(ph, ", "), col)
	case catalog.OpContains:
		var ors []string
		for i, v := range values {
			b.args[len(b.args)-len(values)+i] = "%" + likeEscape(strings.ToLower(v)) + "%"
			ors = append(ors, fmt.Sprintf("LOWER(%s) LIKE %s ESCAPE '!'", col, ph[i]))
		}
		if len(ors) == 1 {
			return ors[0]
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	}
	return fmt.Sprintf("%s IN (%s)", col, strings.Join(ph, ", "))
}

func likeEscape(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(s)
}

// aggregate writes the SELECT that aggregates one group's measures by period, bucket and
// dimensions. The inner SELECT computes each row's keys and measure inputs; the outer one groups,
// so no expression has to be repeated in GROUP BY. With a spine (cumulative windows) the facts are
// joined to the windows instead of being bucketed.
func (b *builder) aggregate(g *group, spine string) string {
	j := b.newJoins(g.source)
	tc := j.timeColumn()
	var where, inner []string

	period := func(p catalog.TimeRange) string {
		return fmt.Sprintf("%s >= %s AND %s < %s", tc, b.d.date(b.arg(p.Start.String())), tc, b.d.date(b.arg(p.End.String())))
	}
	if spine != "" {
		if len(b.periods) > 1 {
			inner = append(inner, "w.p AS p")
		}
		if b.q.Grain != "" {
			inner = append(inner, "w.t AS t")
		}
		lo, hi := b.spineBounds(g.window)
		where = append(where, period(catalog.TimeRange{Start: lo, End: hi}))
	} else {
		if len(b.periods) > 1 {
			inner = append(inner, fmt.Sprintf("CASE WHEN %s THEN 0 ELSE 1 END AS p", period(b.periods[0])))
			where = append(where, "(("+period(b.periods[0])+") OR ("+period(b.periods[1])+"))")
		} else {
			where = append(where, period(b.periods[0]))
		}
		if b.q.Grain != "" {
			inner = append(inner, b.d.bucket(tc, b.q.Grain)+" AS t")
		}
	}
	keys := b.keyCols()
	for i, name := range b.q.GroupBy {
		inner = append(inner, fmt.Sprintf("%s AS d%d", j.dimension(name), i))
	}
	var aggs []string
	for i, m := range g.measures {
		format, val := b.aggInput(j, m)
		inner = append(inner, fmt.Sprintf("%s AS v%d", val, i))
		aggs = append(aggs, fmt.Sprintf(format, fmt.Sprintf("v%d", i))+" AS "+m.col)
	}
	for _, f := range b.q.Filters {
		where = append(where, b.condition(j.dimension(f.Dimension), f.Op, f.Values))
	}
	if spine != "" {
		j.clauses = append(j.clauses, fmt.Sprintf("JOIN %s w ON %s >= w.ws AND %s < w.we", spine, tc, tc))
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + strings.Join(append(append([]string(nil), keys...), aggs...), ", "))
	sb.WriteString("\nFROM (\n  SELECT " + strings.Join(inner, ",\n    "))
	sb.WriteString("\n  FROM " + b.table(g.source) + " s0")
	for _, c := range j.clauses {
		sb.WriteString("\n  " + c)
	}
	sb.WriteString("\n  WHERE " + strings.Join(where, "\n    AND "))
	sb.WriteString("\n) x")
	if len(keys) > 0 {
		sb.WriteString("\nGROUP BY " + strings.Join(keys, ", "))
	}
	return sb.String()
}

// aggInput returns a measure's aggregate (a format with one %s for its input) and its per-row
// input, with the definition filters as a CASE so measures with different filters share one scan.
func (b *builder) aggInput(j *joins, m *measure) (format, val string) {
	conds := append(append([]*catalog.Condition(nil), m.metric.Filter...), m.extra...)
	var cs []string
	for _, c := range conds {
		col := ""
		if c.Dimension != "" {
			col = j.dimension(c.Dimension)
		} else {
			col = j.column(c.Column)
		}
		cs = append(cs, b.condition(col, c.Op, c.Values))
	}
	val = "1"
	if m.metric.Expr != "" {
		val = b.qualify(j, m.metric.Expr)
	}
	if len(cs) > 0 {
		val = fmt.Sprintf("CASE WHEN %s THEN %s END", strings.Join(cs, " AND "), val)
	}
	switch m.metric.Agg {
	case catalog.Count:
		return "COUNT(%s)", val
	case catalog.CountDistinct:
		return "COUNT(DISTINCT %s)", val
	case catalog.Avg:
		return "AVG(%s)", val
	case catalog.Min:
		return "MIN(%s)", val
	case catalog.Max:
		return "MAX(%s)", val
	}
	return "SUM(%s)", val
}

// qualify prefixes the identifiers of a catalog expression with their table aliases: a bare name is
// a column of the fact, source.column a column of a joined source.
func (b *builder) qualify(j *joins, e string) string {
	var out strings.Builder
	for i := 0; i < len(e); {
		c := e[i]
		if isIdentStart(c) {
			k := i
			for k < len(e) && (isIdentStart(e[k]) || (e[k] >= '0' && e[k] <= '9') || e[k] == '.') {
				k++
			}
			word := e[i:k]
			// A word followed by "(" is a function; keywords stay as written.
			rest := strings.TrimLeft(e[k:], " ")
			if strings.HasPrefix(rest, "(") || sqlWords[strings.ToUpper(word)] {
				out.WriteString(word)
			} else {
				out.WriteString(j.column(word))
			}
			i = k
			continue
		}
		out.WriteByte(c)
		i++
	}
	return out.String()
}

var sqlWords = map[string]bool{"CASE": true, "WHEN": true, "THEN": true, "ELSE": true, "END": true, "AND": true, "OR": true, "NOT": true, "NULL": true, "IS": true, "IN": true, "DISTINCT": true}

func isIdentStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// spineWindow is one window a cumulative measure is evaluated over.
type spineWindow struct {
	p      int
	label  catalog.Date
	ws, we catalog.Date
}

// spine lists the windows for cumulative window w: one per period without a grain, else one per
// bucket and period, each ending where its bucket (clipped to the period) ends.
func (b *builder) spine(w *window) []spineWindow {
	start := func(end catalog.Date) catalog.Date {
		last := end.AddDays(-1)
		switch w.kind {
		case catalog.MonthToDate:
			return catalog.Month.Start(last)
		case catalog.YearToDate:
			return catalog.Year.Start(last)
		}
		return end.AddDays(-w.days)
	}
	var out []spineWindow
	if b.q.Grain == "" {
		for i, p := range b.periods {
			out = append(out, spineWindow{p: i, ws: start(p.End), we: p.End})
		}
		return out
	}
	for _, bk := range b.buckets {
		out = append(out, spineWindow{p: 0, label: bk.label, ws: start(bk.cur.End), we: bk.cur.End})
	}
	for _, bk := range b.buckets {
		if bk.prev != nil && len(b.periods) > 1 {
			out = append(out, spineWindow{p: 1, label: bk.plab, ws: start(bk.prev.End), we: bk.prev.End})
		}
	}
	return out
}

func (b *builder) spineBounds(w *window) (lo, hi catalog.Date) {
	for i, s := range b.spine(w) {
		if i == 0 || s.ws.Before(lo) {
			lo = s.ws
		}
		if i == 0 || s.we.After(hi) {
			hi = s.we
		}
	}
	return lo, hi
}

func (b *builder) spineSQL(w *window) string {
	var rows []string
	for _, s := range b.spine(w) {
		cols := []string{}
		if len(b.periods) > 1 {
			cols = append(cols, fmt.Sprintf("%d AS p", s.p))
		}
		if b.q.Grain != "" {
			cols = append(cols, b.d.text(b.arg(s.label.String()))+" AS t")
		}
		cols = append(cols, b.d.date(b.arg(s.ws.String()))+" AS ws", b.d.date(b.arg(s.we.String()))+" AS we")
		rows = append(rows, "SELECT "+strings.Join(cols, ", "))
	}
	return strings.Join(rows, "\nUNION ALL ")
}

// union stacks the aggregates, each contributing its own measure columns and NULL for the others.
func (b *builder) union(names []string) string {
	keys := b.keyCols()
	gs := b.groups()
	var parts []string
	for i, name := range names {
		own := map[*measure]bool{}
		for _, m := range gs[i].measures {
			own[m] = true
		}
		cols := append([]string(nil), keys...)
		for _, m := range b.measures {
			if own[m] {
				cols = append(cols, m.col)
			} else {
				cols = append(cols, b.d.null()+" AS "+m.col)
			}
		}
		parts = append(parts, "SELECT "+strings.Join(cols, ", ")+" FROM "+name)
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// pivot puts the comparison period's values beside the current period's, aligning time buckets
// by position.
func (b *builder) pivot(from string) string {
	var dims []string
	for i := range b.q.GroupBy {
		dims = append(dims, fmt.Sprintf("d%d", i))
	}
	inner := "SELECT p"
	if b.q.Grain != "" {
		var whens []string
		for _, bk := range b.buckets {
			if bk.prev != nil {
				whens = append(whens, fmt.Sprintf("WHEN %s THEN %s", b.arg(bk.plab.String()), b.d.text(b.arg(bk.label.String()))))
			}
		}
		align := "NULL"
		if len(whens) > 0 {
			align = "CASE t " + strings.Join(whens, " ") + " END"
		}
		inner += fmt.Sprintf(", CASE WHEN p = 1 THEN %s ELSE t END AS t", align)
	}
	for _, d := range dims {
		inner += ", " + d
	}
	for _, m := range b.measures {
		inner += ", " + m.col
	}
	inner += " FROM " + from

	sel := []string{}
	keys := []string{}
	if b.q.Grain != "" {
		sel = append(sel, "t")
		keys = append(keys, "t")
	}
	sel = append(sel, dims...)
	keys = append(keys, dims...)
	for _, m := range b.measures {
		sel = append(sel,
			fmt.Sprintf("MAX(CASE WHEN p = 0 THEN %s END) AS %s", m.col, m.col),
			fmt.Sprintf("MAX(CASE WHEN p = 1 THEN %s END) AS %s_p", m.col, m.col))
	}
	out := "SELECT " + strings.Join(sel, ", ") + "\nFROM (" + inner + ") x"
	if b.q.Grain != "" {
		out += "\nWHERE t IS NOT NULL"
	}
	if len(keys) > 0 {
		out += "\nGROUP BY " + strings.Join(keys, ", ")
	}
	return out
}

// render writes a metric expression over measure columns; suffix selects the comparison period's
// columns ("_p").
func (b *builder) render(e expr, suffix string) string {
	switch e := e.(type) {
	case mref:
		return e.m.col + suffix
	case num:
		return strconv.FormatFloat(float64(e), 'g', -1, 64)
	case neg:
		return "(-" + b.render(e.x, suffix) + ")"
	case bin:
		l, r := b.render(e.l, suffix), b.render(e.r, suffix)
		switch e.op {
		case '/':
			return fmt.Sprintf("(%s / NULLIF(%s, 0))", b.d.float(l), r)
		case '*':
			// In floating point: a product of large integer aggregates must not overflow.
			return fmt.Sprintf("(%s * %s)", b.d.float(l), r)
		}
		return fmt.Sprintf("(%s %c %s)", l, e.op, r)
	}
	return "NULL"
}

// final selects the result columns, then applies having, order and limit.
func (b *builder) final(from string) string {
	q := b.q
	var sel []string
	for i, g := range q.GroupBy {
		sel = append(sel, fmt.Sprintf("d%d AS %s", i, b.d.quote(g)))
	}
	if q.Grain != "" {
		sel = append(sel, "t AS "+b.d.quote(catalog.TimeColumn))
	}
	for i, name := range q.Metrics {
		cur := b.render(b.exprs[i], "")
		sel = append(sel, cur+" AS "+b.d.quote(name))
		if len(b.periods) > 1 {
			prev := b.render(b.exprs[i], "_p")
			sel = append(sel,
				prev+" AS "+b.d.quote(name+catalog.SuffixPrevious),
				fmt.Sprintf("(%s - %s) AS %s", cur, prev, b.d.quote(name+catalog.SuffixChange)),
				fmt.Sprintf("(%s / NULLIF(ABS(%s), 0)) AS %s", b.d.float("("+cur+" - "+prev+")"), prev, b.d.quote(name+catalog.SuffixPctChange)))
		}
		if m, _ := b.c.Metric(name); q.Share && m.Additive() {
			over := "OVER ()"
			if q.Grain != "" {
				over = "OVER (PARTITION BY t)"
			}
			sel = append(sel, fmt.Sprintf("(%s / NULLIF(SUM(%s) %s, 0)) AS %s", b.d.float(cur), cur, over, b.d.quote(name+catalog.SuffixShare)))
		}
	}
	out := "SELECT *\nFROM (\nSELECT " + strings.Join(sel, ",\n  ") + "\nFROM " + from + "\n) r"
	var where []string
	for _, h := range q.Having {
		op := map[catalog.CmpOp]string{catalog.GT: ">", catalog.GTE: ">=", catalog.LT: "<", catalog.LTE: "<="}[h.Op]
		where = append(where, fmt.Sprintf("r.%s %s %s", b.d.quote(h.Metric), op, b.arg(h.Value)))
	}
	if len(where) > 0 {
		out += "\nWHERE " + strings.Join(where, " AND ")
	}
	out += "\nORDER BY " + strings.Join(b.orderBy(), ", ")
	if q.Limit > 0 {
		out += "\nLIMIT " + strconv.Itoa(q.Limit)
	}
	return out
}

// orderBy returns the ORDER BY terms: the query's order (NULLs last in every dialect), then the
// time bucket and dimensions as tie-breakers so results are deterministic. A limit with no order
// ranks by the first metric, largest first.
func (b *builder) orderBy() []string {
	q := b.q
	orders := q.OrderBy
	if len(orders) == 0 && q.Limit > 0 {
		orders = []catalog.Order{{By: q.Metrics[0], Desc: true}}
	}
	var terms []string
	used := map[string]bool{}
	for _, o := range orders {
		col := "r." + b.d.quote(o.By)
		dir := "ASC"
		if o.Desc {
			dir = "DESC"
		}
		terms = append(terms, fmt.Sprintf("CASE WHEN %s IS NULL THEN 1 ELSE 0 END", col), col+" "+dir)
		used[o.By] = true
	}
	var ties []string
	if q.Grain != "" {
		ties = append(ties, catalog.TimeColumn)
	}
	ties = append(ties, q.GroupBy...)
	for _, t := range ties {
		if !used[t] {
			terms = append(terms, "r."+b.d.quote(t))
		}
	}
	if len(terms) == 0 {
		terms = append(terms, "1")
	}
	return terms
}

// MaxValues bounds the distinct values read for one dimension.
const MaxValues = 100000

// Values compiles the statement that reads the distinct stored values of a categorical
// dimension, at most limit of them (MaxValues when limit is 0), for the language layer to match in
// questions.
func Values(c *catalog.Catalog, dimension string, d Dialect, limit int) (*Statement, error) {
	dia, err := dialectOf(d)
	if err != nil {
		return nil, err
	}
	dim, ok := c.Dimension(dimension)
	if !ok {
		var names []string
		for _, x := range c.Dimensions {
			names = append(names, x.Name)
		}
		return nil, &catalog.NotFoundError{Kind: "dimension", Name: dimension, Suggestions: catalog.Suggest(dimension, names)}
	}
	src, _ := c.Source(dim.Source)
	if limit <= 0 || limit > MaxValues {
		limit = MaxValues
	}
	b := &builder{c: c, d: dia}
	col := "s0." + dia.quote(dim.Column)
	sql := fmt.Sprintf("SELECT DISTINCT %s AS %s\nFROM %s s0\nWHERE %s IS NOT NULL\nORDER BY 1\nLIMIT %d", col, dia.quote("value"), b.table(src), col, limit)
	return &Statement{Dialect: d, SQL: sql, Columns: []Column{{Name: "value", Role: RoleDimension}}}, nil
}

// Freshness compiles the statement that reads the last date with data of a source: the largest
// value of its time column.
func Freshness(c *catalog.Catalog, source string, d Dialect) (*Statement, error) {
	dia, err := dialectOf(d)
	if err != nil {
		return nil, err
	}
	s, ok := c.Source(source)
	if !ok || s.Time == "" {
		return nil, fmt.Errorf("compile freshness: source %q has no time column", source)
	}
	src, col := c.TimeColumn(s)
	ts, _ := c.Source(src)
	b := &builder{c: c, d: dia}
	sql := fmt.Sprintf("SELECT MAX(s0.%s) AS %s\nFROM %s s0", dia.quote(col), dia.quote("last"), b.table(ts))
	return &Statement{Dialect: d, SQL: sql, Columns: []Column{{Name: "last", Role: RoleTime}}}, nil
}
