package nlq

import (
	"fmt"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// describeMetric answers a definition question from the catalog: description, formula, owner,
// unit and the dimensions the metric can be broken down by.
func (p *Parser) describeMetric(name, lang string) string {
	m, ok := p.c.Metric(name)
	if !ok {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", m.Label.In(lang), m.Name, m.Description.In(lang))
	if f := p.formula(m, lang); f != "" {
		fmt.Fprintf(&b, msg(lang, "\n公式:%s", "\nformula: %s"), f)
	}
	if o, ok := p.c.Owner(m.Owner); ok {
		fmt.Fprintf(&b, msg(lang, "\n负责人:%s", "\nowner: %s"), o.Name)
	}
	if m.Unit != "" {
		fmt.Fprintf(&b, msg(lang, "\n单位:%s", "\nunit: %s"), m.Unit)
	}
	var dims []string
	for _, d := range p.c.DimensionsOf(m) {
		dims = append(dims, d.Label.In(lang))
	}
	if len(dims) > 0 {
		fmt.Fprintf(&b, msg(lang, "\n可拆分维度:%s", "\ndimensions: %s"), strings.Join(dims, msg(lang, "、", ", ")))
	}
	return b.String()
}

// formula says how m is computed from other metrics, with their labels.
func (p *Parser) formula(m *catalog.Metric, lang string) string {
	switch m.Type {
	case catalog.Ratio:
		if m.Numerator != nil && m.Denominator != nil {
			return p.metricLabel(m.Numerator.Metric, lang) + " / " + p.metricLabel(m.Denominator.Metric, lang)
		}
	case catalog.Derived:
		return m.Formula
	case catalog.Cumulative:
		return fmt.Sprintf("%s %s", p.metricLabel(m.Base, lang), m.Window)
	case catalog.Simple:
		return fmt.Sprintf("%s(%s)", m.Agg, m.Expr)
	}
	return ""
}

// describeDimension answers a definition question about a dimension.
func (p *Parser) describeDimension(name, lang string) string {
	d, ok := p.c.Dimension(name)
	if !ok {
		return ""
	}
	s := fmt.Sprintf("%s (%s)", d.Label.In(lang), d.Name)
	if desc := d.Description.In(lang); desc != "" {
		s += ": " + desc
	}
	return s
}

// queryLabel describes a query briefly for a clarifying option.
func (p *Parser) queryLabel(q *catalog.Query, lang string) string {
	var ms []string
	for _, m := range q.Metrics {
		ms = append(ms, p.metricLabel(m, lang))
	}
	s := strings.Join(ms, msg(lang, "、", ", "))
	if len(q.GroupBy) > 0 {
		var ds []string
		for _, d := range q.GroupBy {
			ds = append(ds, p.dimLabel(d, lang))
		}
		s += msg(lang, " 按", " by ") + strings.Join(ds, msg(lang, "、", ", "))
	}
	return s + ", " + rangeText(q.Range, lang)
}
