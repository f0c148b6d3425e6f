package catalog

import (
	"sort"
	"time"
)

// Catalog is a loaded, validated set of governed definitions. It is immutable after [Load] and
// safe for concurrent use.
type Catalog struct {
	// TimeZone is the company time zone in which dates and periods are read.
	TimeZone string
	// Location is TimeZone loaded.
	Location *time.Location

	Owners     []*Owner
	Sources    []*Source
	Dimensions []*Dimension
	Metrics    []*Metric
	Events     []*Event

	owners     map[string]*Owner
	sources    map[string]*Source
	dimensions map[string]*Dimension
	metrics    map[string]*Metric
	// paths caches, per fact source, the many-to-one join path to every reachable source.
	paths map[string]map[string][]*Join
}

// Owner is a person responsible for metrics.
type Owner struct {
	ID    string `yaml:"id" json:"id"`
	Name  string `yaml:"name" json:"name"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	Slack string `yaml:"slack,omitempty" json:"slack,omitempty"`
	Lark  string `yaml:"lark,omitempty" json:"lark,omitempty"`
	meta
}

// Source is a warehouse table (or view) that metrics aggregate and dimensions read from.
type Source struct {
	Name        string   `yaml:"name" json:"name"`
	Table       string   `yaml:"table" json:"table"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	PrimaryKey  []string `yaml:"primary_key,omitempty" json:"primary_key,omitempty"`
	// Time is the column that dates a row: a column of this table, or source.column of a source
	// reachable through joins.
	Time string `yaml:"time,omitempty" json:"time,omitempty"`
	// TimeType says how Time is stored: date (the default) or timestamp (local time in the
	// catalog's time zone, or a zone-aware type).
	TimeType string  `yaml:"time_type,omitempty" json:"time_type,omitempty"`
	Joins    []*Join `yaml:"joins,omitempty" json:"joins,omitempty"`
	meta
}

// Join declares that each row of the declaring source matches at most one row of To: the join
// lands on To's primary key, so following it never multiplies rows.
type Join struct {
	To string `yaml:"to" json:"to"`
	// On lists the local columns, in the order of To's primary key.
	On   []string `yaml:"on" json:"on"`
	from *Source
	meta
}

// From returns the source that declares j.
func (j *Join) From() *Source { return j.from }

// Text is a piece of text in Chinese and English. In YAML it is either a plain string (used for
// both languages) or a mapping {zh: ..., en: ...}.
type Text struct {
	ZH string `yaml:"zh,omitempty" json:"zh,omitempty"`
	EN string `yaml:"en,omitempty" json:"en,omitempty"`
}

// In returns the text in lang ("zh" or "en"), falling back to the other language.
func (t Text) In(lang string) string {
	if lang == "en" {
		if t.EN != "" {
			return t.EN
		}
		return t.ZH
	}
	if t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// Synonyms are other names for a metric or dimension. In YAML either a list or a mapping from
// language to list ({zh: [...], en: [...]}).
type Synonyms []string

// DimensionType says whether a dimension is categorical or a date.
type DimensionType string

// The dimension types.
const (
	Categorical DimensionType = "categorical"
	TimeDim     DimensionType = "time"
)

// Dimension is a column to group or filter by.
type Dimension struct {
	Name        string        `yaml:"name" json:"name"`
	Label       Text          `yaml:"label" json:"label"`
	Description Text          `yaml:"description,omitempty" json:"description,omitempty"`
	Type        DimensionType `yaml:"type,omitempty" json:"type,omitempty"`
	Source      string        `yaml:"source" json:"source"`
	Column      string        `yaml:"column" json:"column"`
	// Parent is the next coarser dimension in a hierarchy (province has parent region).
	Parent   string   `yaml:"parent,omitempty" json:"parent,omitempty"`
	Synonyms Synonyms `yaml:"synonyms,omitempty" json:"synonyms,omitempty"`
	// Values lists known values with their aliases (华东 = East China = east). Values not listed
	// here are still valid; the language layer reads the distinct values from the warehouse.
	Values []*Value `yaml:"values,omitempty" json:"values,omitempty"`
	meta

	aliases map[string]string // normalised alias -> value
}

// Value is a dimension value and its aliases.
type Value struct {
	Value   string   `yaml:"value" json:"value"`
	Label   Text     `yaml:"label,omitempty" json:"label,omitempty"`
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	meta
}

// Resolve returns the stored value for an alias or value of d (case- and width-insensitive), and
// whether it is known.
func (d *Dimension) Resolve(s string) (string, bool) {
	v, ok := d.aliases[Normalize(s)]
	return v, ok
}

// MetricType is the kind of a metric.
type MetricType string

// The metric types.
const (
	Simple     MetricType = "simple"
	Ratio      MetricType = "ratio"
	Derived    MetricType = "derived"
	Cumulative MetricType = "cumulative"
)

// Agg is the aggregation of a simple metric.
type Agg string

// The aggregations.
const (
	Sum           Agg = "sum"
	Count         Agg = "count"
	CountDistinct Agg = "count_distinct"
	Avg           Agg = "avg"
	Min           Agg = "min"
	Max           Agg = "max"
)

// Additive reports whether values of a can be added across disjoint slices (sum and count).
func (a Agg) Additive() bool { return a == Sum || a == Count }

// Window is the window of a cumulative metric.
type Window string

// The cumulative windows.
const (
	MonthToDate Window = "mtd"
	YearToDate  Window = "ytd"
	Trailing    Window = "trailing"
)

// Format says how a metric's values are shown.
type Format string

// The formats.
const (
	Currency Format = "currency"
	Percent  Format = "percent"
	CountFmt Format = "count"
	Number   Format = "number"
)

// Condition is one condition of a metric's definition filter or of a ratio part's filter. It names
// either a dimension or a column of the metric's own source.
type Condition struct {
	Dimension string   `yaml:"dimension,omitempty" json:"dimension,omitempty"`
	Column    string   `yaml:"column,omitempty" json:"column,omitempty"`
	Op        FilterOp `yaml:"op,omitempty" json:"op,omitempty"`
	Values    []string `yaml:"values" json:"values"`
	meta
}

// Part is the numerator or denominator of a ratio metric: another metric, optionally with its own
// filter. In YAML either a metric name or a mapping {metric: name, filter: [...]}.
type Part struct {
	Metric string       `yaml:"metric" json:"metric"`
	Filter []*Condition `yaml:"filter,omitempty" json:"filter,omitempty"`
	meta
}

// Decomposition says how a metric breaks into others: Children that sum to it, or Factors whose
// product is it (gmv = visitors x conversion_rate x aov).
type Decomposition struct {
	Children []string `yaml:"children,omitempty" json:"children,omitempty"`
	Factors  []string `yaml:"factors,omitempty" json:"factors,omitempty"`
	meta
}

// Metric is one governed metric definition (口径).
type Metric struct {
	Name        string     `yaml:"name" json:"name"`
	Label       Text       `yaml:"label" json:"label"`
	Description Text       `yaml:"description" json:"description"`
	Type        MetricType `yaml:"type" json:"type"`

	// Simple metrics.
	Source string       `yaml:"source,omitempty" json:"source,omitempty"`
	Agg    Agg          `yaml:"agg,omitempty" json:"agg,omitempty"`
	Expr   string       `yaml:"expr,omitempty" json:"expr,omitempty"`
	Filter []*Condition `yaml:"filter,omitempty" json:"filter,omitempty"`

	// Ratio metrics.
	Numerator   *Part `yaml:"numerator,omitempty" json:"numerator,omitempty"`
	Denominator *Part `yaml:"denominator,omitempty" json:"denominator,omitempty"`

	// Derived metrics: arithmetic over other metrics' names.
	Formula string `yaml:"formula,omitempty" json:"formula,omitempty"`

	// Cumulative metrics: Base accumulated over Window (Days for trailing windows).
	Base   string `yaml:"base,omitempty" json:"base,omitempty"`
	Window Window `yaml:"window,omitempty" json:"window,omitempty"`
	Days   int    `yaml:"days,omitempty" json:"days,omitempty"`

	Unit      string `yaml:"unit,omitempty" json:"unit,omitempty"`
	Format    Format `yaml:"format,omitempty" json:"format,omitempty"`
	Decimals  *int   `yaml:"decimals,omitempty" json:"decimals,omitempty"`
	Direction string `yaml:"direction,omitempty" json:"direction,omitempty"`
	Owner     string `yaml:"owner,omitempty" json:"owner,omitempty"`
	// Channel is where the metric's alerts and digests are posted by default.
	Channel       string             `yaml:"channel,omitempty" json:"channel,omitempty"`
	Synonyms      Synonyms           `yaml:"synonyms,omitempty" json:"synonyms,omitempty"`
	DefaultGrain  Grain              `yaml:"default_grain,omitempty" json:"default_grain,omitempty"`
	DefaultPeriod string             `yaml:"default_period,omitempty" json:"default_period,omitempty"`
	Targets       map[string]float64 `yaml:"targets,omitempty" json:"targets,omitempty"`
	Decomposition *Decomposition     `yaml:"decomposition,omitempty" json:"decomposition,omitempty"`
	// Dimensions optionally restricts the dimensions the metric may be broken down by. Empty means
	// every dimension reachable from its source.
	Dimensions []string `yaml:"dimensions,omitempty" json:"dimensions,omitempty"`
	// Alerts are the metric's alert rules (see AlertRule).
	Alerts []*AlertRule `yaml:"alerts,omitempty" json:"alerts,omitempty"`
	meta

	formula Expr
}

// FormulaExpr returns the parsed formula of a derived metric.
func (m *Metric) FormulaExpr() Expr { return m.formula }

// Additive reports whether m's values add up across disjoint slices.
func (m *Metric) Additive() bool { return m.Type == Simple && m.Agg.Additive() }

// Event is a declared calendar event, such as a promotion, that explains unusual values.
type Event struct {
	Name  string `yaml:"name" json:"name"`
	Label Text   `yaml:"label" json:"label"`
	// Date is the first day: YYYY-MM-DD for a one-off event or MM-DD for one that recurs yearly.
	Date string `yaml:"date" json:"date"`
	// Days is the length in days (default 1).
	Days int `yaml:"days,omitempty" json:"days,omitempty"`
	meta
}

// Covers reports whether the event covers day d.
func (e *Event) Covers(d Date) bool {
	days := max(e.Days, 1)
	if start, err := ParseDate(e.Date); err == nil {
		return TimeRange{start, start.AddDays(days)}.Contains(d)
	}
	var m, day int
	if n, _ := sscanMonthDay(e.Date, &m, &day); n != 2 {
		return false
	}
	for _, y := range []int{d.Year - 1, d.Year} {
		start := NewDate(y, time.Month(m), day)
		if (TimeRange{start, start.AddDays(days)}).Contains(d) {
			return true
		}
	}
	return false
}

// Metric returns the metric with the given name.
func (c *Catalog) Metric(name string) (*Metric, bool) { m, ok := c.metrics[name]; return m, ok }

// Dimension returns the dimension with the given name.
func (c *Catalog) Dimension(name string) (*Dimension, bool) {
	d, ok := c.dimensions[name]
	return d, ok
}

// Source returns the source with the given name.
func (c *Catalog) Source(name string) (*Source, bool) { s, ok := c.sources[name]; return s, ok }

// Owner returns the owner with the given id.
func (c *Catalog) Owner(id string) (*Owner, bool) { o, ok := c.owners[id]; return o, ok }

// Path returns the joins that lead from source from to source to, and whether to is reachable
// through many-to-one joins. The path from a source to itself is empty.
func (c *Catalog) Path(from, to string) ([]*Join, bool) {
	p, ok := c.paths[from][to]
	return p, ok
}

// BaseSources returns the sources whose rows a metric aggregates, following ratio, derived and
// cumulative metrics down to their simple metrics.
func (c *Catalog) BaseSources(m *Metric) []string {
	set := map[string]bool{}
	c.walkSimple(m, func(s *Metric) { set[s.Source] = true })
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// walkSimple calls fn for every simple metric that m is built from.
func (c *Catalog) walkSimple(m *Metric, fn func(*Metric)) {
	seen := map[string]bool{}
	var walk func(*Metric)
	walk = func(m *Metric) {
		if m == nil || seen[m.Name] {
			return
		}
		seen[m.Name] = true
		for _, dep := range c.deps(m) {
			walk(c.metrics[dep])
		}
		if m.Type == Simple {
			fn(m)
		}
	}
	walk(m)
}

// deps returns the names of the metrics m is defined from.
func (c *Catalog) deps(m *Metric) []string {
	switch m.Type {
	case Ratio:
		var out []string
		if m.Numerator != nil {
			out = append(out, m.Numerator.Metric)
		}
		if m.Denominator != nil {
			out = append(out, m.Denominator.Metric)
		}
		return out
	case Derived:
		if m.formula != nil {
			return Refs(m.formula)
		}
	case Cumulative:
		return []string{m.Base}
	}
	return nil
}

// CanGroupBy reports whether metric m can be broken down or filtered by dimension d: every source
// it aggregates reaches d's source through many-to-one joins, and m's dimension list (if any)
// includes d.
func (c *Catalog) CanGroupBy(m *Metric, d *Dimension) bool {
	if len(m.Dimensions) > 0 && !contains(m.Dimensions, d.Name) {
		return false
	}
	for _, s := range c.BaseSources(m) {
		if _, ok := c.Path(s, d.Source); !ok {
			return false
		}
	}
	return true
}

// DimensionsOf returns the dimensions that m can be broken down by, in catalog order.
func (c *Catalog) DimensionsOf(m *Metric) []*Dimension {
	var out []*Dimension
	for _, d := range c.Dimensions {
		if c.CanGroupBy(m, d) {
			out = append(out, d)
		}
	}
	return out
}

// Target returns m's target for the month containing d, if one is set.
func (m *Metric) Target(d Date) (float64, bool) {
	v, ok := m.Targets[d.String()[:7]]
	return v, ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
