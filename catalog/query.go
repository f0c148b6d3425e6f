package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FilterOp is the operator of a dimension filter.
type FilterOp string

// The filter operators.
const (
	OpIn       FilterOp = "in"
	OpNotIn    FilterOp = "not_in"
	OpEq       FilterOp = "eq"
	OpContains FilterOp = "contains"
)

// CmpOp compares a metric value with a number in a Having condition.
type CmpOp string

// The comparison operators.
const (
	GT  CmpOp = "gt"
	GTE CmpOp = "gte"
	LT  CmpOp = "lt"
	LTE CmpOp = "lte"
)

// Comparison selects the period a query's values are compared with.
type Comparison string

// The comparisons.
const (
	NoComparison Comparison = ""
	// PreviousPeriod compares with the period of the same length just before (环比).
	PreviousPeriod Comparison = "previous_period"
	// YearOverYear compares with the same period one year earlier (同比).
	YearOverYear Comparison = "same_period_last_year"
)

// Range returns the comparison period for r.
func (c Comparison) Range(r TimeRange) TimeRange {
	if c == YearOverYear {
		return r.YearAgo()
	}
	return r.Previous()
}

// Filter restricts a query to rows whose dimension matches Values.
type Filter struct {
	Dimension string   `json:"dimension"`
	Op        FilterOp `json:"op"`
	Values    []string `json:"values"`
}

// Having keeps only the groups whose metric value satisfies Op Value (订单数超过1万的门店).
type Having struct {
	Metric string  `json:"metric"`
	Op     CmpOp   `json:"op"`
	Value  float64 `json:"value"`
}

// Order sorts the result by one of its columns: a metric (gmv), a comparison column
// (gmv_change, gmv_pct_change, gmv_previous), a share column (gmv_share), a dimension or "time".
type Order struct {
	By   string `json:"by"`
	Desc bool   `json:"desc,omitempty"`
}

// Query is a governed query: the only thing the compiler turns into SQL. Every part of it names
// catalog definitions or carries values that are bound as parameters.
type Query struct {
	Metrics []string   `json:"metrics"`
	GroupBy []string   `json:"group_by,omitempty"`
	Grain   Grain      `json:"grain,omitempty"`
	Filters []Filter   `json:"filters,omitempty"`
	Having  []Having   `json:"having,omitempty"`
	Range   TimeRange  `json:"time_range"`
	Compare Comparison `json:"compare,omitempty"`
	OrderBy []Order    `json:"order_by,omitempty"`
	Limit   int        `json:"limit,omitempty"`
	// Share adds, for each additive metric, its share of the total over all groups.
	Share bool `json:"share,omitempty"`
}

// TimeColumn is the name of the result column holding the start date of each time bucket.
const TimeColumn = "time"

// Column suffixes for comparison and share columns.
const (
	SuffixPrevious  = "_previous"
	SuffixChange    = "_change"
	SuffixPctChange = "_pct_change"
	SuffixShare     = "_share"
)

// Columns returns the names of q's result columns in order: group-by dimensions, time, then for
// each metric its value, comparison columns and share.
func (q *Query) Columns(c *Catalog) []string {
	cols := append([]string(nil), q.GroupBy...)
	if q.Grain != "" {
		cols = append(cols, TimeColumn)
	}
	for _, name := range q.Metrics {
		cols = append(cols, name)
		if q.Compare != NoComparison {
			cols = append(cols, name+SuffixPrevious, name+SuffixChange, name+SuffixPctChange)
		}
		if m, ok := c.Metric(name); ok && q.Share && m.Additive() {
			cols = append(cols, name+SuffixShare)
		}
	}
	return cols
}

// MaxLimit bounds Limit.
const MaxLimit = 10000

// QueryError lists every problem with a governed query.
type QueryError struct {
	Problems []string
	// Unknown holds the not-found errors among the problems, for "did you mean" replies.
	Unknown []*NotFoundError
	// Unreachable lists the metric and dimension pairs that cannot go together, for replies in
	// people's words.
	Unreachable []Unreachable
}

// Unreachable says that Metric cannot be broken down (or, with Filter, filtered) by Dimension.
type Unreachable struct {
	Metric, Dimension string
	Filter            bool
}

func (e *QueryError) Error() string {
	return "invalid query: " + strings.Join(e.Problems, "; ")
}

// Is lets errors.Is match ErrUnknownMetric or ErrUnknownDimension when the query names one.
func (e *QueryError) Is(target error) bool {
	for _, u := range e.Unknown {
		if errors.Is(u, target) {
			return true
		}
	}
	return false
}

// Validate checks q against c and reports every problem at once as a *QueryError.
func (q *Query) Validate(c *Catalog) error {
	qe := &QueryError{}
	bad := func(format string, args ...any) { qe.Problems = append(qe.Problems, fmt.Sprintf(format, args...)) }
	unknown := func(kind, name string, candidates []string) {
		nf := &NotFoundError{Kind: kind, Name: name, Suggestions: Suggest(name, candidates)}
		qe.Unknown = append(qe.Unknown, nf)
		qe.Problems = append(qe.Problems, nf.Error())
	}
	if len(q.Metrics) == 0 {
		bad("no metric")
	}
	var metrics []*Metric
	seen := map[string]bool{}
	for _, name := range q.Metrics {
		if seen[name] {
			bad("metric %q listed twice", name)
			continue
		}
		seen[name] = true
		m, ok := c.metrics[name]
		if !ok {
			unknown("metric", name, keys(c.metrics))
			continue
		}
		metrics = append(metrics, m)
	}
	checkDim := func(name, use string) {
		d, ok := c.dimensions[name]
		if !ok {
			unknown("dimension", name, keys(c.dimensions))
			return
		}
		for _, m := range metrics {
			if !c.CanGroupBy(m, d) {
				bad("metric %q cannot be %s by %q: no many-to-one join path from its source to %q", m.Name, use, name, d.Source)
				qe.Unreachable = append(qe.Unreachable, Unreachable{Metric: m.Name, Dimension: name, Filter: use == "filtered"})
			}
		}
	}
	seenDim := map[string]bool{}
	for _, name := range q.GroupBy {
		if seenDim[name] {
			bad("dimension %q listed twice in group_by", name)
			continue
		}
		seenDim[name] = true
		if name == TimeColumn {
			bad("group by time with grain, not with a %q dimension", TimeColumn)
			continue
		}
		checkDim(name, "broken down")
	}
	if q.Grain != "" && !q.Grain.Valid() {
		bad("grain %q must be day, week, month, quarter or year", q.Grain)
	}
	for _, f := range q.Filters {
		checkDim(f.Dimension, "filtered")
		switch f.Op {
		case OpIn, OpNotIn, OpContains:
		case OpEq:
			if len(f.Values) != 1 {
				bad("filter %q: eq takes exactly one value", f.Dimension)
			}
		default:
			bad("filter %q: op %q must be in, not_in, eq or contains", f.Dimension, f.Op)
		}
		if len(f.Values) == 0 {
			bad("filter %q has no values", f.Dimension)
		}
	}
	for _, h := range q.Having {
		if !seen[h.Metric] {
			bad("having on %q, which is not among the query's metrics", h.Metric)
		}
		switch h.Op {
		case GT, GTE, LT, LTE:
		default:
			bad("having %q: op %q must be gt, gte, lt or lte", h.Metric, h.Op)
		}
	}
	if !q.Range.Valid() {
		bad("time_range %s is empty or missing (start must be before end)", q.Range)
	}
	switch q.Compare {
	case NoComparison, PreviousPeriod, YearOverYear:
	default:
		bad("compare %q must be previous_period or same_period_last_year", q.Compare)
	}
	if q.Share {
		for _, m := range metrics {
			if !m.Additive() {
				bad("share of total needs an additive metric (a sum or count), and %q is not", m.Name)
			}
		}
	}
	cols := map[string]bool{}
	for _, col := range q.Columns(c) {
		cols[col] = true
	}
	for _, o := range q.OrderBy {
		if !cols[o.By] {
			bad("order by %q, which is not a result column%s", o.By, didYouMean(Suggest(o.By, keys(cols))))
		}
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		bad("limit %d must be between 0 and %d", q.Limit, MaxLimit)
	}
	if len(qe.Problems) > 0 {
		return qe
	}
	return nil
}

// String returns q's JSON form.
func (q Query) String() string {
	b, _ := json.Marshal(q)
	return string(b)
}
