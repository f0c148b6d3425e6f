package nlq

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/catalog"
)

// synthetic builds a catalog of n metrics over ten dimensions and a value source with perDim
// values for each dimension, with Chinese and English names.
func synthetic(tb testing.TB, n, perDim int) (*catalog.Catalog, MapValues) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	han := []rune("销售订单客户流量收入成本利润库存退款访问转化活跃注册留存支付渠道门店商品会员优惠物流仓储广告点击曝光")
	word := func(k int) string {
		var b strings.Builder
		for range k {
			b.WriteRune(han[r.IntN(len(han))])
		}
		return b.String()
	}
	en := []string{"alpha", "bravo", "delta", "echo", "gamma", "kilo", "lima", "nova", "omega", "sigma", "tango", "zulu"}
	var y strings.Builder
	y.WriteString("timezone: Asia/Shanghai\nsources:\n  - {name: facts, table: facts, primary_key: [id], time: day}\ndimensions:\n")
	for d := range 10 {
		fmt.Fprintf(&y, "  - {name: dim%d, label: {zh: 维度%s, en: dimension %d}, source: facts, column: c%d}\n", d, word(2), d, d)
	}
	y.WriteString("metrics:\n")
	for i := range n {
		fmt.Fprintf(&y, "  - {name: m%d, label: {zh: %s%d, en: %s %s %d}, description: x, type: simple, source: facts, agg: sum, expr: v%d, synonyms: [%s指标%d]}\n",
			i, word(3), i, en[i%len(en)], en[(i/len(en))%len(en)], i, i%50, word(2), i)
	}
	c, err := catalog.Parse(map[string]string{"c.yaml": y.String()})
	if err != nil {
		tb.Fatalf("parse synthetic catalog: %v", err)
	}
	vals := MapValues{}
	for d := range 10 {
		for k := range perDim {
			v := fmt.Sprintf("%s%d", word(2+k%3), k)
			if k%2 == 1 {
				v = fmt.Sprintf("%s %s %d", en[k%len(en)], en[(k/7)%len(en)], k)
			}
			vals[fmt.Sprintf("dim%d", d)] = append(vals[fmt.Sprintf("dim%d", d)], v)
		}
	}
	return c, vals
}

func benchParse(b *testing.B, metrics int) {
	c, vals := synthetic(b, metrics, 10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := New(context.Background(), c, vals, Options{})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	m0, m1 := c.Metrics[1].Label, c.Metrics[metrics/2].Label
	v := vals["dim3"][5]
	questions := []string{
		"上个月按" + c.Dimensions[2].Label.ZH + "的" + m0.ZH,
		m1.EN + " by dimension 4 last 30 days vs the week before",
		"今年" + v + "的" + m1.ZH + "趋势",
		"top 5 dimension 1 by " + m0.EN + " excluding " + vals["dim1"][3],
		m0.ZH + "超过100万的" + c.Dimensions[5].Label.ZH,
		"what about " + vals["dim7"][11] + " in q3 2024",
		"completely unknown words here",
		m0.EN + " and " + m1.EN + " by month ytd",
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, c.Location)
	prev := &catalog.Query{Metrics: []string{c.Metrics[0].Name}, Range: rng("2026-11-01", "2026-12-01")}
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		p.Parse(questions[i%len(questions)], Context{Now: now, Previous: prev})
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "index-MB")
	runtime.KeepAlive(p)
}

// BenchmarkParse1kMetrics100kValues is the speed target: 1,000 metrics and 100,000 values.
func BenchmarkParse1kMetrics100kValues(b *testing.B) { benchParse(b, 1000) }

// BenchmarkParse10kMetrics100kValues reports the 10,000-metric case.
func BenchmarkParse10kMetrics100kValues(b *testing.B) { benchParse(b, 10000) }

// TestSyntheticQuestionsResolve checks that the benchmark's questions are really understood.
func TestSyntheticQuestionsResolve(t *testing.T) {
	c, vals := synthetic(t, 200, 500)
	p, err := New(context.Background(), c, vals, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, c.Location)
	q := "上个月按" + c.Dimensions[2].Label.ZH + "的" + c.Metrics[1].Label.ZH
	r := p.Parse(q, Context{Now: now})
	if r.Kind != Answer || r.Query.Metrics[0] != "m1" || !slices.Equal(r.Query.GroupBy, []string{"dim2"}) {
		t.Errorf("Parse(%q) = %s %v, want m1 by dim2", q, r.Kind, r.Query)
	}
	v := vals["dim3"][5]
	q = c.Metrics[7].Label.EN + " for " + v
	r = p.Parse(q, Context{Now: now})
	if r.Kind != Answer || len(r.Query.Filters) != 1 || r.Query.Filters[0].Values[0] != v {
		t.Errorf("Parse(%q) = %s %v, want a filter on %q", q, r.Kind, r.Query, v)
	}
}
