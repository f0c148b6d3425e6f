package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/retrieve"
	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/prompts"
)

// Retriever finds the catalog entries closest to a question. retrieve.Index implements it.
type Retriever interface {
	Search(ctx context.Context, query string, k int, kinds ...retrieve.Kind) ([]retrieve.Hit, error)
}

var _ Retriever = retrieve.Index(nil)

// maxValues bounds the candidate values offered per dimension, and maxExamples the verified
// examples shown.
const (
	maxValues   = 20
	maxExamples = 3
)

// CatalogItems returns the retrieval items that describe c for the planner: one per metric
// (key: its name), one per dimension (key: its name) and one per value listed in the catalog
// (key: "dimension=value"). Verified examples are indexed by whoever keeps them, with Kind
// retrieve.KindExample, the question as Text and the governed query's JSON as Payload.
func CatalogItems(c *catalog.Catalog) []retrieve.Item {
	var items []retrieve.Item
	for _, m := range c.Metrics {
		words := []string{m.Label.ZH, m.Label.EN}
		words = append(words, m.Synonyms...)
		words = append(words, m.Description.ZH, m.Description.EN)
		items = append(items, retrieve.Item{Kind: retrieve.KindMetric, Key: m.Name, Text: joinNonEmpty(words)})
	}
	for _, d := range c.Dimensions {
		words := append([]string{d.Label.ZH, d.Label.EN}, d.Synonyms...)
		items = append(items, retrieve.Item{Kind: retrieve.KindDimension, Key: d.Name, Text: joinNonEmpty(words)})
		for _, v := range d.Values {
			words := append([]string{v.Value, v.Label.ZH, v.Label.EN}, v.Aliases...)
			items = append(items, retrieve.Item{Kind: retrieve.KindValue, Key: d.Name + "=" + v.Value, Text: joinNonEmpty(words)})
		}
	}
	return items
}

func joinNonEmpty(words []string) string {
	var out []string
	for _, w := range words {
		if w = strings.TrimSpace(w); w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// candidates are the catalog entries the LLM may choose among for one question.
type candidates struct {
	metrics  []*catalog.Metric
	dims     []*catalog.Dimension
	values   map[string][]string // dimension -> stored values, in order offered
	examples []prompts.Example
}

func (cs *candidates) hasMetric(name string) bool {
	return slices.ContainsFunc(cs.metrics, func(m *catalog.Metric) bool { return m.Name == name })
}

func (cs *candidates) hasDim(name string) bool {
	return slices.ContainsFunc(cs.dims, func(d *catalog.Dimension) bool { return d.Name == name })
}

func (cs *candidates) metricNames() []string {
	out := make([]string, len(cs.metrics))
	for i, m := range cs.metrics {
		out[i] = m.Name
	}
	return out
}

func (cs *candidates) dimNames() []string {
	out := make([]string, len(cs.dims))
	for i, d := range cs.dims {
		out[i] = d.Name
	}
	return out
}

// picker collects candidates in order of preference, up to the limits.
type picker struct {
	c    *catalog.Catalog
	max  int
	cs   *candidates
	dimQ []string // dimensions named by seeds or values, offered before retrieved ones
}

func (p *picker) addMetric(name string) {
	if m, ok := p.c.Metric(name); ok && !p.cs.hasMetric(name) && len(p.cs.metrics) < p.max {
		p.cs.metrics = append(p.cs.metrics, m)
	}
}

func (p *picker) addDim(name string) {
	if _, ok := p.c.Dimension(name); ok && !slices.Contains(p.dimQ, name) {
		p.dimQ = append(p.dimQ, name)
	}
}

func (p *picker) addValue(dim, value string) {
	d, ok := p.c.Dimension(dim)
	if !ok || value == "" {
		return
	}
	if v, ok := d.Resolve(value); ok {
		value = v
	}
	p.addDim(dim)
	if vs := p.cs.values[dim]; !slices.Contains(vs, value) && len(vs) < maxValues {
		p.cs.values[dim] = append(vs, value)
	}
}

func (p *picker) addQuery(q *catalog.Query) {
	if q == nil {
		return
	}
	for _, m := range q.Metrics {
		p.addMetric(m)
	}
	for _, d := range q.GroupBy {
		p.addDim(d)
	}
	for _, f := range q.Filters {
		p.addDim(f.Dimension)
		for _, v := range f.Values {
			p.addValue(f.Dimension, v)
		}
	}
}

// pickCandidates chooses what the LLM may use for question: first what the rule reading, its
// options and the previous query name, then what verified examples use, then the closest
// metrics, dimensions and values found by retrieval, and for each dimension offered the values
// the catalog lists. Only metrics and dimensions that exist in c are kept, and only dimensions
// that some candidate metric can be broken down by.
func pickCandidates(ctx context.Context, idx Retriever, c *catalog.Catalog, question string, prev *catalog.Query, rule nlq.Result, max int) (*candidates, error) {
	p := &picker{c: c, max: max, cs: &candidates{values: map[string][]string{}}}
	p.addQuery(rule.Query)
	for _, o := range rule.Options {
		p.addMetric(o.Metric)
		p.addQuery(o.Query)
	}
	for _, s := range rule.Suggestions {
		p.addMetric(s)
	}
	p.addQuery(prev)

	search := func(kind retrieve.Kind, k int) ([]retrieve.Hit, error) {
		hits, err := idx.Search(ctx, question, k, kind)
		if err != nil {
			return nil, fmt.Errorf("find candidate %ss: %w", kind, err)
		}
		return hits, nil
	}
	hits, err := search(retrieve.KindExample, maxExamples)
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		var q catalog.Query
		if json.Unmarshal(h.Item.Payload, &q) != nil || q.Validate(c) != nil {
			continue // written for another version of the catalog
		}
		p.addQuery(&q)
		p.cs.examples = append(p.cs.examples, prompts.Example{Question: h.Item.Text, Query: q.String()})
	}
	if hits, err = search(retrieve.KindMetric, max); err != nil {
		return nil, err
	}
	for _, h := range hits {
		p.addMetric(h.Item.Key)
	}
	if hits, err = search(retrieve.KindValue, 2*max); err != nil {
		return nil, err
	}
	for _, h := range hits {
		if dim, value, ok := strings.Cut(h.Item.Key, "="); ok {
			p.addValue(dim, value)
		}
	}
	if hits, err = search(retrieve.KindDimension, max); err != nil {
		return nil, err
	}
	for _, h := range hits {
		p.addDim(h.Item.Key)
	}
	if len(p.cs.metrics) == 0 {
		// Nothing matched: offer the first metrics so that the LLM can ask which one is meant.
		for _, m := range c.Metrics {
			p.addMetric(m.Name)
		}
	}
	for _, name := range p.dimQ {
		d, _ := c.Dimension(name)
		usable := slices.ContainsFunc(p.cs.metrics, func(m *catalog.Metric) bool { return c.CanGroupBy(m, d) })
		if !usable || len(p.cs.dims) >= max {
			delete(p.cs.values, name)
			continue
		}
		p.cs.dims = append(p.cs.dims, d)
		for _, v := range d.Values {
			p.addValue(name, v.Value)
		}
	}
	return p.cs, nil
}

// promptData describes the candidates for the user prompt.
func (cs *candidates) promptData(c *catalog.Catalog) ([]prompts.Metric, []prompts.Dimension) {
	var ms []prompts.Metric
	for _, m := range cs.metrics {
		ms = append(ms, prompts.Metric{
			Name:          m.Name,
			Label:         bilingual(m.Label),
			Description:   bilingual(m.Description),
			Synonyms:      m.Synonyms,
			Unit:          m.Unit,
			DefaultPeriod: m.DefaultPeriod,
		})
	}
	var ds []prompts.Dimension
	for _, d := range cs.dims {
		pd := prompts.Dimension{Name: d.Name, Label: bilingual(d.Label), Synonyms: d.Synonyms}
		for _, v := range cs.values[d.Name] {
			pv := prompts.Value{Value: v}
			for _, cv := range d.Values {
				if cv.Value == v {
					pv.Aliases = aliases(cv)
				}
			}
			pd.Values = append(pd.Values, pv)
		}
		ds = append(ds, pd)
	}
	return ms, ds
}

// bilingual writes a text in both languages when they differ: "销售额 / GMV".
func bilingual(t catalog.Text) string {
	switch {
	case t.ZH == "" || t.ZH == t.EN:
		return t.EN
	case t.EN == "":
		return t.ZH
	}
	return t.ZH + " / " + t.EN
}

func aliases(v *catalog.Value) []string {
	var out []string
	for _, a := range append([]string{v.Label.ZH, v.Label.EN}, v.Aliases...) {
		if a != "" && a != v.Value && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
