package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// ToolName is the name of the one tool the planner offers.
const ToolName = "plan_query"

// The actions of a plan_query call.
const (
	actionAnswer  = "answer"
	actionClarify = "clarify"
)

// maxOptions bounds the options of a clarifying question from the LLM.
const maxOptions = 4

// toolSchema returns the JSON Schema of plan_query's arguments for cs: metric, dimension and
// per-dimension value names are enumerated, so a model that honours the schema can only choose
// among the candidates.
func toolSchema(cs *candidates) map[string]any {
	metrics := cs.metricNames()
	dims := cs.dimNames()
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	enum := func(values []string, desc string) map[string]any {
		return map[string]any{"type": "string", "enum": values, "description": desc}
	}
	array := func(items map[string]any, desc string) map[string]any {
		return map[string]any{"type": "array", "items": items, "description": desc}
	}
	object := func(props map[string]any, required ...string) map[string]any {
		o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}

	var columns []string
	for _, m := range metrics {
		columns = append(columns, m, m+catalog.SuffixChange, m+catalog.SuffixPctChange, m+catalog.SuffixPrevious, m+catalog.SuffixShare)
	}
	columns = append(append(columns, dims...), catalog.TimeColumn)
	var grains []string
	for _, g := range catalog.Grains {
		grains = append(grains, string(g))
	}

	props := map[string]any{
		"action": enum([]string{actionAnswer, actionClarify},
			"answer: one clear reading; clarify: ask the user, offering options"),
		"metrics": func() map[string]any {
			a := array(enum(metrics, ""), "the metrics asked for, by name")
			a["minItems"] = 1
			return a
		}(),
		"time_range": object(map[string]any{
			"start": str("first day included, YYYY-MM-DD"),
			"end":   str("day after the last day included, YYYY-MM-DD"),
		}, "start", "end"),
		"grain": enum(grains, "time buckets, for a trend over time"),
		"compare": enum([]string{string(catalog.PreviousPeriod), string(catalog.YearOverYear)},
			"compare with the period just before (环比) or a year earlier (同比)"),
		"order_by": array(object(map[string]any{
			"by":   enum(columns, "a metric, comparison or share column, a dimension, or time"),
			"desc": map[string]any{"type": "boolean"},
		}, "by"), "sort order, for rankings"),
		"limit": map[string]any{"type": "integer", "minimum": 1, "maximum": catalog.MaxLimit,
			"description": "keep only the first rows, for top N"},
		"share": map[string]any{"type": "boolean", "description": "add each group's share of the total (占比)"},
		"having": array(object(map[string]any{
			"metric": enum(metrics, ""),
			"op":     enum([]string{string(catalog.GT), string(catalog.GTE), string(catalog.LT), string(catalog.LTE)}, ""),
			"value":  map[string]any{"type": "number"},
		}, "metric", "op", "value"), "keep only groups whose metric value passes the test"),
		"question": str("for clarify: the question to ask, in the reply language"),
		"options": func() map[string]any {
			a := array(enum(metrics, ""), "for clarify: the metrics to offer, one per option")
			a["maxItems"] = maxOptions
			return a
		}(),
	}
	if len(dims) > 0 {
		props["group_by"] = array(enum(dims, ""), "dimensions to break the metrics down by")
	}
	filters := map[string]any{}
	for _, d := range dims {
		vals := cs.values[d]
		if len(vals) == 0 {
			continue
		}
		values := array(enum(vals, ""), "")
		values["minItems"] = 1
		filters[d] = object(map[string]any{
			"op":     enum([]string{string(catalog.OpIn), string(catalog.OpNotIn)}, "in (default) or not_in"),
			"values": values,
		}, "values")
	}
	if len(filters) > 0 {
		props["filters"] = object(filters)
		props["filters"].(map[string]any)["description"] = "filters by dimension name"
	}
	return object(props, "action", "time_range")
}

// planArgs are the arguments of a plan_query call.
type planArgs struct {
	Action    string               `json:"action"`
	Metrics   []string             `json:"metrics"`
	GroupBy   []string             `json:"group_by"`
	Filters   map[string]filterArg `json:"filters"`
	TimeRange *struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"time_range"`
	Grain    catalog.Grain      `json:"grain"`
	Compare  catalog.Comparison `json:"compare"`
	OrderBy  []catalog.Order    `json:"order_by"`
	Limit    int                `json:"limit"`
	Share    bool               `json:"share"`
	Having   []catalog.Having   `json:"having"`
	Question string             `json:"question"`
	Options  []string           `json:"options"`
}

type filterArg struct {
	Op     catalog.FilterOp `json:"op"`
	Values []string         `json:"values"`
}

// errMalformed marks arguments that are not a JSON object of the expected shape.
var errMalformed = errors.New("arguments are not a JSON object of the plan_query shape")

// decodeArgs reads a plan_query call's arguments. Unknown fields are ignored; anything else that
// does not fit is an error wrapping errMalformed.
func decodeArgs(s string) (*planArgs, error) {
	var a planArgs
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: text after the JSON object", errMalformed)
	}
	if a.Action == "" {
		a.Action = actionAnswer
	}
	return &a, nil
}

// query builds the governed query the arguments describe, with metrics, and reports every way it
// strays from the candidates or fails validation against c. A missing time range is taken from
// fallback when that is valid.
func (a *planArgs) query(c *catalog.Catalog, cs *candidates, metrics []string, fallback catalog.TimeRange) (*catalog.Query, []string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	q := &catalog.Query{Metrics: metrics, GroupBy: a.GroupBy, Grain: a.Grain, Compare: a.Compare,
		OrderBy: a.OrderBy, Limit: a.Limit, Share: a.Share, Having: a.Having}
	for _, m := range metrics {
		if !cs.hasMetric(m) {
			bad("metric %q is not among the candidate metrics (%s)", m, strings.Join(cs.metricNames(), ", "))
		}
	}
	for _, d := range a.GroupBy {
		if !cs.hasDim(d) {
			bad("dimension %q is not among the candidate dimensions (%s)", d, strings.Join(cs.dimNames(), ", "))
		}
	}
	dims := make([]string, 0, len(a.Filters))
	for d := range a.Filters {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	for _, name := range dims {
		f := a.Filters[name]
		if f.Op == "" {
			f.Op = catalog.OpIn
		}
		d, ok := c.Dimension(name)
		if !ok || !cs.hasDim(name) {
			bad("filter on %q, which is not among the candidate dimensions (%s)", name, strings.Join(cs.dimNames(), ", "))
			continue
		}
		if f.Op != catalog.OpIn && f.Op != catalog.OpNotIn {
			bad("filter %q: op %q must be in or not_in", name, f.Op)
		}
		var values []string
		for _, v := range f.Values {
			if stored, ok := d.Resolve(v); ok {
				v = stored
			}
			if !slices.Contains(cs.values[name], v) {
				bad("value %q of %q is not among its candidate values (%s)", v, name, strings.Join(cs.values[name], ", "))
				continue
			}
			if !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		q.Filters = append(q.Filters, catalog.Filter{Dimension: name, Op: f.Op, Values: values})
	}
	switch {
	case a.TimeRange != nil:
		start, err1 := catalog.ParseDate(a.TimeRange.Start)
		end, err2 := catalog.ParseDate(a.TimeRange.End)
		if err := errors.Join(err1, err2); err != nil {
			bad("time_range: %v", strings.ReplaceAll(err.Error(), "\n", "; "))
		} else {
			q.Range = catalog.TimeRange{Start: start, End: end}
		}
	case fallback.Valid():
		q.Range = fallback
	default:
		bad("time_range is required")
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if err := q.Validate(c); err != nil {
		var qe *catalog.QueryError
		if errors.As(err, &qe) {
			return nil, qe.Problems
		}
		return nil, []string{err.Error()}
	}
	return q, nil
}

// compactJSON returns s on one line when it is JSON, for logs.
func compactJSON(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}
