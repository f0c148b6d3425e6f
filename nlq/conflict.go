package nlq

import (
	"fmt"
	"slices"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// definitionConflict returns a reply when a filter of q contradicts the filter in the definition
// of one of its metrics (or of a metric it is built from): orders are defined on paid orders, so
// "cancelled orders" would silently read as zero. It returns "" when there is no conflict.
func (p *Parser) definitionConflict(q *catalog.Query, lang string) string {
	for _, name := range q.Metrics {
		m, ok := p.c.Metric(name)
		if !ok {
			continue
		}
		for _, cond := range p.definitionFilters(m) {
			for _, f := range q.Filters {
				if f.Dimension != cond.Dimension || !contradicts(f, cond) {
					continue
				}
				return msg(lang,
					fmt.Sprintf("%s 按定义只统计%s为 %s 的数据,与问题中的条件(%s %s)矛盾,按定义结果只会是 0 或空,所以不回答。请换一个指标,或去掉这个条件。",
						p.metricLabel(name, lang), p.dimLabel(cond.Dimension, lang), p.valueLabels(cond.Dimension, cond.Values, lang),
						p.dimLabel(f.Dimension, lang), opText(f.Op, lang)+p.valueLabels(f.Dimension, f.Values, lang)),
					fmt.Sprintf("%s is defined on %s %s only, which contradicts the question's filter (%s %s): the answer would be zero or empty by definition, so it is not given. Pick another metric or drop the filter.",
						p.metricLabel(name, lang), p.dimLabel(cond.Dimension, lang), opText(condOp(cond), lang)+p.valueLabels(cond.Dimension, cond.Values, lang),
						p.dimLabel(f.Dimension, lang), opText(f.Op, lang)+p.valueLabels(f.Dimension, f.Values, lang)))
			}
		}
	}
	return ""
}

// definitionFilters returns the dimension conditions in the definitions of m and of every metric
// it is built from (ratio parts, formula terms, a cumulative base).
func (p *Parser) definitionFilters(m *catalog.Metric) []*catalog.Condition {
	var out []*catalog.Condition
	seen := map[string]bool{}
	var walk func(m *catalog.Metric, depth int)
	walk = func(m *catalog.Metric, depth int) {
		if m == nil || seen[m.Name] || depth > 16 {
			return
		}
		seen[m.Name] = true
		for _, c := range m.Filter {
			if c.Dimension != "" {
				out = append(out, c)
			}
		}
		var next []string
		switch m.Type {
		case catalog.Ratio:
			for _, part := range []*catalog.Part{m.Numerator, m.Denominator} {
				if part != nil {
					next = append(next, part.Metric)
				}
			}
		case catalog.Derived:
			if e := m.FormulaExpr(); e != nil {
				next = catalog.Refs(e)
			}
		case catalog.Cumulative:
			next = []string{m.Base}
		}
		for _, n := range next {
			if b, ok := p.c.Metric(n); ok {
				walk(b, depth+1)
			}
		}
	}
	walk(m, 0)
	return out
}

func condOp(c *catalog.Condition) catalog.FilterOp {
	if c.Op == "" {
		return catalog.OpIn
	}
	return c.Op
}

// contradicts reports whether filter f leaves no row that definition condition c keeps.
func contradicts(f catalog.Filter, c *catalog.Condition) bool {
	overlap := func(a, b []string) bool {
		for _, v := range a {
			if slices.Contains(b, v) {
				return true
			}
		}
		return false
	}
	subset := func(a, b []string) bool {
		for _, v := range a {
			if !slices.Contains(b, v) {
				return false
			}
		}
		return len(a) > 0
	}
	switch {
	case f.Op == catalog.OpIn && condOp(c) == catalog.OpIn:
		return !overlap(f.Values, c.Values)
	case f.Op == catalog.OpIn && condOp(c) == catalog.OpNotIn:
		return subset(f.Values, c.Values)
	case f.Op == catalog.OpNotIn && condOp(c) == catalog.OpIn:
		return subset(c.Values, f.Values)
	}
	return false
}

func opText(op catalog.FilterOp, lang string) string {
	if op == catalog.OpNotIn {
		return msg(lang, "不含 ", "not ")
	}
	return ""
}

// valueLabels names stored values of a dimension by their labels in lang.
func (p *Parser) valueLabels(dim string, values []string, lang string) string {
	d, _ := p.c.Dimension(dim)
	var out []string
	for _, v := range values {
		l := v
		if d != nil {
			for _, dv := range d.Values {
				if dv.Value == v {
					if t := dv.Label.In(lang); t != "" {
						l = t
					}
				}
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, msg(lang, "、", ", "))
}
