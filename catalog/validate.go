package catalog

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

var (
	snakeCase  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	tableName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)
	monthKey   = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)
	monthDay   = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)
)

// validMonthDay reports whether s is MM-DD naming a day that exists in some year (02-29 does).
func validMonthDay(s string) bool {
	var m, d int
	if !monthDay.MatchString(s) {
		return false
	}
	if n, _ := sscanMonthDay(s, &m, &d); n != 2 {
		return false
	}
	return NewDate(2000, time.Month(m), d).Day == d
}

func sscanMonthDay(s string, m, d *int) (int, error) { return fmt.Sscanf(s, "%d-%d", m, d) }

// build merges parsed files into a catalog and validates it, reporting every problem at once.
func build(files []*file) (*Catalog, error) {
	c := &Catalog{
		owners:     map[string]*Owner{},
		sources:    map[string]*Source{},
		dimensions: map[string]*Dimension{},
		metrics:    map[string]*Metric{},
	}
	var ps problems
	var tzPos Pos
	for _, f := range files {
		if f.TimeZone != "" {
			if c.TimeZone != "" && c.TimeZone != f.TimeZone {
				ps.add(f.tzPos, "timezone %q conflicts with %q declared at %s", f.TimeZone, c.TimeZone, tzPos)
			} else {
				c.TimeZone = f.TimeZone
				tzPos = f.tzPos
			}
		}
		c.Owners = append(c.Owners, f.Owners...)
		c.Sources = append(c.Sources, f.Sources...)
		c.Dimensions = append(c.Dimensions, f.Dimensions...)
		c.Metrics = append(c.Metrics, f.Metrics...)
		c.Events = append(c.Events, f.Events...)
	}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		ps.add(tzPos, "unknown timezone %q", c.TimeZone)
		loc = time.UTC
	}
	c.Location = loc

	v := &validator{c: c, ps: &ps}
	v.index()
	v.sources()
	v.dimensions()
	v.metrics()
	v.events()
	if err := ps.err(); err != nil {
		return nil, err
	}
	return c, nil
}

type validator struct {
	c  *Catalog
	ps *problems
}

func (v *validator) add(pos Pos, format string, args ...any) { v.ps.add(pos, format, args...) }

// index fills the lookup maps, reporting duplicate and malformed names.
func (v *validator) index() {
	c := v.c
	for _, o := range c.Owners {
		if o.ID == "" {
			v.add(o.pos, "owner has no id")
			continue
		}
		if prev, dup := c.owners[o.ID]; dup {
			v.add(o.at("id"), "duplicate owner %q (first defined at %s)", o.ID, prev.pos)
			continue
		}
		c.owners[o.ID] = o
	}
	for _, s := range c.Sources {
		if !snakeCase.MatchString(s.Name) {
			v.add(s.at("name"), "source name %q must be snake_case", s.Name)
		}
		if prev, dup := c.sources[s.Name]; dup {
			v.add(s.at("name"), "duplicate source %q (first defined at %s)", s.Name, prev.pos)
			continue
		}
		c.sources[s.Name] = s
	}
	for _, d := range c.Dimensions {
		if !snakeCase.MatchString(d.Name) {
			v.add(d.at("name"), "dimension name %q must be snake_case", d.Name)
		}
		if prev, dup := c.dimensions[d.Name]; dup {
			v.add(d.at("name"), "duplicate dimension %q (first defined at %s)", d.Name, prev.pos)
			continue
		}
		c.dimensions[d.Name] = d
	}
	for _, m := range c.Metrics {
		if !snakeCase.MatchString(m.Name) {
			v.add(m.at("name"), "metric name %q must be snake_case (lower-case letters, digits, _)", m.Name)
		}
		if prev, dup := c.metrics[m.Name]; dup {
			v.add(m.at("name"), "duplicate metric %q (first defined at %s)", m.Name, prev.pos)
			continue
		}
		if d, clash := c.dimensions[m.Name]; clash {
			v.add(m.at("name"), "metric %q has the same name as the dimension at %s", m.Name, d.pos)
		}
		c.metrics[m.Name] = m
	}
}

func (v *validator) sourceNames() []string { return keys(v.c.sources) }

func keys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (v *validator) sources() {
	c := v.c
	for _, s := range c.Sources {
		if !tableName.MatchString(s.Table) {
			v.add(s.at("table"), "source %q: table %q must be a table name, optionally schema-qualified", s.Name, s.Table)
		}
		for _, k := range s.PrimaryKey {
			if !identifier.MatchString(k) {
				v.add(s.at("primary_key"), "source %q: primary key column %q is not a column name", s.Name, k)
			}
		}
		switch s.TimeType {
		case "", "date", "timestamp":
		default:
			v.add(s.at("time_type"), "source %q: time_type %q must be date or timestamp", s.Name, s.TimeType)
		}
		for _, j := range s.Joins {
			j.from = s
			to, ok := c.sources[j.To]
			if !ok {
				v.add(j.at("to"), "source %q joins unknown source %q%s", s.Name, j.To, didYouMean(Suggest(j.To, v.sourceNames())))
				continue
			}
			if len(to.PrimaryKey) == 0 {
				v.add(j.at("to"), "source %q joins %q, which declares no primary_key: a join must land on the target's primary key so it cannot multiply rows", s.Name, j.To)
				continue
			}
			if len(j.On) != len(to.PrimaryKey) {
				v.add(j.at("on"), "source %q: join to %q lists %d column(s) but %q's primary key has %d (%s)", s.Name, j.To, len(j.On), j.To, len(to.PrimaryKey), strings.Join(to.PrimaryKey, ", "))
			}
			for _, col := range j.On {
				if !identifier.MatchString(col) {
					v.add(j.at("on"), "source %q: join column %q is not a column name", s.Name, col)
				}
			}
		}
	}
	c.paths = make(map[string]map[string][]*Join, len(c.Sources))
	for _, s := range c.Sources {
		c.paths[s.Name] = c.reach(s)
	}
	for _, s := range c.Sources {
		if s.Time == "" {
			continue
		}
		if _, _, err := c.column(s.Name, s.Time); err != nil {
			v.add(s.at("time"), "source %q: time %s", s.Name, err)
		}
	}
}

// reach finds, breadth-first, the shortest many-to-one join path from s to every source it
// reaches.
func (c *Catalog) reach(s *Source) map[string][]*Join {
	paths := map[string][]*Join{s.Name: nil}
	queue := []*Source{s}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, j := range cur.Joins {
			to, ok := c.sources[j.To]
			if !ok || len(to.PrimaryKey) != len(j.On) {
				continue
			}
			if _, seen := paths[j.To]; seen {
				continue
			}
			p := append(append([]*Join(nil), paths[cur.Name]...), j)
			paths[j.To] = p
			queue = append(queue, to)
		}
	}
	return paths
}

// column resolves a column reference written as "col" (a column of source from) or "src.col" (a
// column of a source reachable from from). It returns the source holding the column and the
// column name.
func (c *Catalog) column(from, ref string) (src, col string, err error) {
	src, col = from, ref
	if i := strings.IndexByte(ref, '.'); i >= 0 {
		src, col = ref[:i], ref[i+1:]
	}
	if !identifier.MatchString(col) {
		return "", "", fmt.Errorf("%q is not a column name", ref)
	}
	if _, ok := c.sources[src]; !ok {
		return "", "", fmt.Errorf("%q names unknown source %q%s", ref, src, didYouMean(Suggest(src, keys(c.sources))))
	}
	if _, ok := c.Path(from, src); !ok {
		return "", "", fmt.Errorf("%q: source %q is not reachable from %q through many-to-one joins", ref, src, from)
	}
	return src, col, nil
}

// TimeColumn returns the source and column that date the rows of source s.
func (c *Catalog) TimeColumn(s *Source) (src, col string) {
	src, col, _ = c.column(s.Name, s.Time)
	return src, col
}

func (v *validator) dimensions() {
	c := v.c
	for _, d := range c.Dimensions {
		switch d.Type {
		case "":
			d.Type = Categorical
		case Categorical, TimeDim:
		default:
			v.add(d.at("type"), "dimension %q: type %q must be categorical or time", d.Name, d.Type)
		}
		if d.Label.ZH == "" && d.Label.EN == "" {
			v.add(d.pos, "dimension %q has no label", d.Name)
		}
		if _, ok := c.sources[d.Source]; !ok {
			v.add(d.at("source"), "dimension %q: unknown source %q%s", d.Name, d.Source, didYouMean(Suggest(d.Source, v.sourceNames())))
		}
		if !identifier.MatchString(d.Column) {
			v.add(d.at("column"), "dimension %q: column %q is not a column name", d.Name, d.Column)
		}
		if d.Parent != "" {
			if _, ok := c.dimensions[d.Parent]; !ok {
				v.add(d.at("parent"), "dimension %q: unknown parent %q%s", d.Name, d.Parent, didYouMean(Suggest(d.Parent, keys(c.dimensions))))
			}
		}
		d.aliases = map[string]string{}
		for _, val := range d.Values {
			names := append([]string{val.Value, val.Label.ZH, val.Label.EN}, val.Aliases...)
			for _, a := range names {
				n := Normalize(a)
				if n == "" {
					continue
				}
				if prev, dup := d.aliases[n]; dup && prev != val.Value {
					v.add(val.pos, "dimension %q: alias %q names both %q and %q", d.Name, a, prev, val.Value)
					continue
				}
				d.aliases[n] = val.Value
			}
		}
	}
	// Hierarchy cycles.
	for _, d := range c.Dimensions {
		seen := map[string]bool{d.Name: true}
		for p := c.dimensions[d.Parent]; p != nil; p = c.dimensions[p.Parent] {
			if seen[p.Name] {
				v.add(d.at("parent"), "dimension %q: parent chain forms a cycle through %q", d.Name, p.Name)
				break
			}
			seen[p.Name] = true
		}
	}
	// Every dimension must be reachable from at least one metric's source: otherwise a join is
	// missing.
	facts := map[string]bool{}
	for _, m := range c.Metrics {
		if m.Type == Simple && m.Source != "" {
			facts[m.Source] = true
		}
	}
	for _, d := range c.Dimensions {
		if _, ok := c.sources[d.Source]; !ok || len(facts) == 0 {
			continue
		}
		reached := false
		for f := range facts {
			if _, ok := c.Path(f, d.Source); ok {
				reached = true
				break
			}
		}
		if !reached {
			v.add(d.at("source"), "dimension %q: no metric's source reaches source %q through joins (is a join missing?)", d.Name, d.Source)
		}
	}
}

var (
	validAggs    = []string{string(Sum), string(Count), string(CountDistinct), string(Avg), string(Min), string(Max)}
	validTypes   = []string{string(Simple), string(Ratio), string(Derived), string(Cumulative)}
	validFormats = []string{string(Currency), string(Percent), string(CountFmt), string(Number)}
)

func (v *validator) metrics() {
	c := v.c
	names := keys(c.metrics)
	ref := func(m *Metric, key, name string) (*Metric, bool) {
		dep, ok := c.metrics[name]
		if !ok {
			v.add(m.at(key), "metric %q: unknown metric %q%s", m.Name, name, didYouMean(Suggest(name, names)))
		}
		return dep, ok
	}
	for _, m := range c.Metrics {
		if m.Label.ZH == "" && m.Label.EN == "" {
			v.add(m.pos, "metric %q has no label", m.Name)
		}
		if m.Description.ZH == "" && m.Description.EN == "" {
			v.add(m.pos, "metric %q has no description: say how it is computed (口径)", m.Name)
		}
		switch m.Type {
		case Simple:
			v.simple(m)
		case Ratio:
			for _, p := range []struct {
				key  string
				part *Part
			}{{"numerator", m.Numerator}, {"denominator", m.Denominator}} {
				if p.part == nil {
					v.add(m.pos, "ratio metric %q needs a %s", m.Name, p.key)
					continue
				}
				dep, ok := ref(m, p.key, p.part.Metric)
				if !ok {
					continue
				}
				if dep.Type == Cumulative {
					v.add(m.at(p.key), "metric %q: %s %q is cumulative; use its base metric", m.Name, p.key, dep.Name)
				}
				if len(p.part.Filter) > 0 && dep.Type != Simple {
					v.add(p.part.at("filter"), "metric %q: a %s filter needs a simple metric, and %q is %s", m.Name, p.key, dep.Name, dep.Type)
				}
				if dep.Type == Simple {
					for _, cond := range p.part.Filter {
						v.condition(m, dep.Source, cond)
					}
				}
			}
		case Derived:
			e, err := ParseFormula(m.Formula)
			if err != nil {
				v.add(m.at("formula"), "metric %q: %v", m.Name, err)
				continue
			}
			m.formula = e
			for _, r := range Refs(e) {
				if dep, ok := ref(m, "formula", r); ok && dep.Type == Cumulative {
					v.add(m.at("formula"), "metric %q: formula uses cumulative metric %q; use its base metric", m.Name, r)
				}
			}
		case Cumulative:
			if dep, ok := ref(m, "base", m.Base); ok && dep.Type == Cumulative {
				v.add(m.at("base"), "metric %q: base %q is itself cumulative", m.Name, m.Base)
			}
			switch m.Window {
			case MonthToDate, YearToDate:
				if m.Days != 0 {
					v.add(m.at("days"), "metric %q: days applies only to window: trailing", m.Name)
				}
			case Trailing:
				if m.Days <= 0 || m.Days > 366 {
					v.add(m.at("days"), "metric %q: a trailing window needs days between 1 and 366", m.Name)
				}
			default:
				v.add(m.at("window"), "metric %q: window %q must be mtd, ytd or trailing", m.Name, m.Window)
			}
		default:
			v.add(m.at("type"), "metric %q: type %q must be one of %s%s", m.Name, m.Type, strings.Join(validTypes, ", "), didYouMean(Suggest(string(m.Type), validTypes)))
		}
		if m.Format != "" && !contains(validFormats, string(m.Format)) {
			v.add(m.at("format"), "metric %q: format %q must be one of %s", m.Name, m.Format, strings.Join(validFormats, ", "))
		}
		switch m.Direction {
		case "", "up", "down":
		default:
			v.add(m.at("direction"), "metric %q: direction %q must be up or down", m.Name, m.Direction)
		}
		if m.Owner != "" {
			if _, ok := c.owners[m.Owner]; !ok {
				v.add(m.at("owner"), "metric %q: unknown owner %q%s", m.Name, m.Owner, didYouMean(Suggest(m.Owner, keys(c.owners))))
			}
		}
		if m.DefaultGrain != "" && !m.DefaultGrain.Valid() {
			v.add(m.at("default_grain"), "metric %q: default_grain %q must be day, week, month, quarter or year", m.Name, m.DefaultGrain)
		}
		for _, k := range keys(m.Targets) {
			if !monthKey.MatchString(k) {
				v.add(m.at("targets"), "metric %q: target key %q must be a month, YYYY-MM", m.Name, k)
			}
		}
		if d := m.Decomposition; d != nil {
			if len(d.Children) > 0 && len(d.Factors) > 0 {
				v.add(d.pos, "metric %q: a decomposition has children or factors, not both", m.Name)
			}
			for _, n := range append(append([]string(nil), d.Children...), d.Factors...) {
				if n == m.Name {
					v.add(d.pos, "metric %q decomposes into itself", m.Name)
				} else {
					ref(m, "decomposition", n)
				}
			}
		}
	}
	v.cycles()
	// The checks below follow dependencies through BaseSources, which stops at cycles and unknown
	// names, so they run even when problems were found above: every problem is reported at once.
	for _, m := range c.Metrics {
		if len(c.BaseSources(m)) == 0 {
			continue
		}
		for _, dn := range m.Dimensions {
			d, ok := c.dimensions[dn]
			if !ok {
				v.add(m.at("dimensions"), "metric %q: unknown dimension %q%s", m.Name, dn, didYouMean(Suggest(dn, keys(c.dimensions))))
				continue
			}
			for _, s := range c.BaseSources(m) {
				if _, ok := c.Path(s, d.Source); !ok {
					v.add(m.at("dimensions"), "metric %q: dimension %q cannot be reached: no many-to-one join path from source %q to %q", m.Name, dn, s, d.Source)
				}
			}
		}
	}
	v.synonyms()
	for _, m := range c.Metrics {
		v.alertRules(m)
	}
}

func (v *validator) simple(m *Metric) {
	c := v.c
	s, ok := c.sources[m.Source]
	if !ok {
		if m.Source == "" {
			v.add(m.pos, "simple metric %q needs a source", m.Name)
		} else {
			v.add(m.at("source"), "metric %q: unknown source %q%s", m.Name, m.Source, didYouMean(Suggest(m.Source, v.sourceNames())))
		}
	} else if s.Time == "" {
		v.add(m.at("source"), "metric %q: source %q declares no time column, so the metric cannot be read over a period", m.Name, m.Source)
	}
	if !contains(validAggs, string(m.Agg)) {
		v.add(m.at("agg"), "metric %q: agg %q must be one of %s%s", m.Name, m.Agg, strings.Join(validAggs, ", "), didYouMean(Suggest(string(m.Agg), validAggs)))
	}
	if m.Expr == "" && m.Agg != Count {
		v.add(m.pos, "metric %q: agg %s needs an expr (a column or an expression over columns)", m.Name, m.Agg)
	}
	if err := checkExpr(m.Expr); err != nil {
		v.add(m.at("expr"), "metric %q: expr %v", m.Name, err)
	}
	if ok {
		for _, cond := range m.Filter {
			v.condition(m, m.Source, cond)
		}
	}
}

// checkExpr rejects expressions that could carry more than a column expression: statement
// separators, comments and quotes.
func checkExpr(e string) error {
	for _, bad := range []string{";", "--", "/*", "*/", "'", "\"", "`", "\\"} {
		if strings.Contains(e, bad) {
			return fmt.Errorf("%q must not contain %s", e, bad)
		}
	}
	return nil
}

var validOps = []string{string(OpIn), string(OpNotIn), string(OpEq), string(OpContains)}

func (v *validator) condition(m *Metric, source string, cond *Condition) {
	c := v.c
	if cond.Op == "" {
		cond.Op = OpIn
	}
	if !contains(validOps, string(cond.Op)) {
		v.add(cond.at("op"), "metric %q: filter op %q must be one of %s", m.Name, cond.Op, strings.Join(validOps, ", "))
	}
	if len(cond.Values) == 0 {
		v.add(cond.pos, "metric %q: filter has no values", m.Name)
	}
	switch {
	case cond.Dimension != "" && cond.Column != "":
		v.add(cond.pos, "metric %q: a filter names a dimension or a column, not both", m.Name)
	case cond.Dimension != "":
		d, ok := c.dimensions[cond.Dimension]
		if !ok {
			v.add(cond.at("dimension"), "metric %q: filter on unknown dimension %q%s", m.Name, cond.Dimension, didYouMean(Suggest(cond.Dimension, keys(c.dimensions))))
			return
		}
		if _, ok := c.Path(source, d.Source); !ok {
			v.add(cond.at("dimension"), "metric %q: filter dimension %q cannot be reached from source %q through many-to-one joins", m.Name, d.Name, source)
		}
	case cond.Column != "":
		if _, _, err := c.column(source, cond.Column); err != nil {
			v.add(cond.at("column"), "metric %q: filter column %v", m.Name, err)
		}
	default:
		v.add(cond.pos, "metric %q: a filter needs a dimension or a column", m.Name)
	}
}

// cycles reports metrics that depend on themselves through ratio, derived or cumulative
// definitions.
func (v *validator) cycles() {
	c := v.c
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(m *Metric)
	visit = func(m *Metric) {
		color[m.Name] = grey
		stack = append(stack, m.Name)
		for _, d := range c.deps(m) {
			dep, ok := c.metrics[d]
			if !ok {
				continue
			}
			switch color[d] {
			case grey:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				cycle := append(append([]string(nil), stack[i:]...), d)
				v.add(dep.pos, "metric %q is defined in terms of itself: %s", d, strings.Join(cycle, " -> "))
			case white:
				visit(dep)
			}
		}
		stack = stack[:len(stack)-1]
		color[m.Name] = black
	}
	for _, m := range c.Metrics {
		if color[m.Name] == white {
			visit(m)
		}
	}
}

// synonyms reports a name, label or synonym that refers to two different metrics, or to a metric
// and a dimension: a question using it would be ambiguous.
func (v *validator) synonyms() {
	type owner struct {
		kind, name string
		pos        Pos
	}
	seen := map[string]owner{}
	reported := map[[3]string]bool{} // a collision is reported once per term and definition
	claim := func(term string, o owner) {
		n := Normalize(term)
		if n == "" {
			return
		}
		if prev, dup := seen[n]; dup && (prev.kind != o.kind || prev.name != o.name) {
			if k := [3]string{n, o.kind, o.name}; !reported[k] {
				reported[k] = true
				v.add(o.pos, "%s %q: term %q is already used by %s %q at %s", o.kind, o.name, term, prev.kind, prev.name, prev.pos)
			}
			return
		}
		seen[n] = o
	}
	for _, m := range v.c.Metrics {
		o := owner{"metric", m.Name, m.pos}
		claim(m.Name, o)
		claim(m.Label.ZH, o)
		claim(m.Label.EN, o)
		o.pos = m.at("synonyms")
		for _, s := range m.Synonyms {
			claim(s, o)
		}
	}
	for _, d := range v.c.Dimensions {
		o := owner{"dimension", d.Name, d.pos}
		claim(d.Name, o)
		claim(d.Label.ZH, o)
		claim(d.Label.EN, o)
		o.pos = d.at("synonyms")
		for _, s := range d.Synonyms {
			claim(s, o)
		}
	}
}

func (v *validator) events() {
	seen := map[string]bool{}
	for _, e := range v.c.Events {
		if e.Name == "" {
			v.add(e.pos, "event has no name")
		} else if seen[e.Name] {
			v.add(e.at("name"), "duplicate event %q", e.Name)
		}
		seen[e.Name] = true
		if _, err := ParseDate(e.Date); err != nil && !validMonthDay(e.Date) {
			v.add(e.at("date"), "event %q: date %q must be YYYY-MM-DD, or MM-DD for a yearly event", e.Name, e.Date)
		}
		if e.Days < 0 {
			v.add(e.at("days"), "event %q: days must be positive", e.Name)
		}
	}
}
