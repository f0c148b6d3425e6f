package catalog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metricbot/metricbot/catalog"
)

// writeLargeCatalog writes a catalog of n metrics (simple, ratio, derived and cumulative, each
// with synonyms), 30 dimensions, 5 fact and 10 dimension sources, spread over one file per 1,000
// metrics plus files for owners, sources and dimensions.
func writeLargeCatalog(tb testing.TB, dir string, n int) {
	tb.Helper()
	write := func(name string, b *strings.Builder) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	var b strings.Builder
	b.WriteString("timezone: Asia/Shanghai\nowners:\n")
	for i := range 20 {
		fmt.Fprintf(&b, "  - {id: owner_%d, name: Owner %d, email: owner%d@example.com}\n", i, i, i)
	}
	write("catalog.yaml", &b)

	b.Reset()
	b.WriteString("sources:\n")
	for f := range 5 {
		fmt.Fprintf(&b, "  - name: fact_%d\n    table: dw.fact_%d\n    primary_key: [id]\n    time: event_date\n    joins:\n", f, f)
		for s := range 10 {
			fmt.Fprintf(&b, "      - {to: dim_%d, on: dim_%d_id}\n", s, s)
		}
	}
	for s := range 10 {
		fmt.Fprintf(&b, "  - {name: dim_%d, table: dw.dim_%d, primary_key: [dim_%d_id]}\n", s, s, s)
	}
	write("sources.yaml", &b)

	b.Reset()
	b.WriteString("dimensions:\n")
	for k := range 30 {
		fmt.Fprintf(&b, "  - name: dimension_%d\n    label: {zh: 维度%d, en: dimension %d}\n    synonyms: [dim%d]\n    source: dim_%d\n    column: col_%d\n", k, k, k, k, k%10, k)
		if k%3 == 2 {
			fmt.Fprintf(&b, "    parent: dimension_%d\n", k-1)
		}
		b.WriteString("    values:\n")
		for v := range 5 {
			fmt.Fprintf(&b, "      - {value: v%d_%d, label: {en: value %d %d}, aliases: [a%d_%d, 别名%d_%d]}\n", k, v, k, v, k, v, k, v)
		}
	}
	write("dimensions.yaml", &b)

	aggs := []string{"sum", "count", "count_distinct", "avg", "min", "max"}
	for file := 0; file*1000 < n; file++ {
		b.Reset()
		b.WriteString("metrics:\n")
		for i := file * 1000; i < min(n, (file+1)*1000); i++ {
			fmt.Fprintf(&b, "  - name: metric_%d\n    label: {zh: 指标%d, en: metric %d}\n", i, i, i)
			fmt.Fprintf(&b, "    description: {zh: 第%d个指标, en: The metric number %d.}\n", i, i)
			fmt.Fprintf(&b, "    synonyms: {zh: [别名%d], en: [m%d alias, metric no %d]}\n", i, i, i)
			fmt.Fprintf(&b, "    owner: owner_%d\n    format: number\n    direction: up\n", i%20)
			// Dependencies point into the same block of ten, so every kind refers to simple
			// metrics defined before it.
			base := i - i%10
			switch i % 10 {
			case 0, 1, 2, 3, 4, 5:
				agg := aggs[i%len(aggs)]
				fmt.Fprintf(&b, "    type: simple\n    source: fact_%d\n    agg: %s\n    expr: amount_%d\n", i%5, agg, i%7)
				if i%4 == 0 {
					fmt.Fprintf(&b, "    filter:\n      - {dimension: dimension_%d, values: [v%d_1]}\n      - {column: status, op: not_in, values: [cancelled]}\n", i%30, i%30)
				}
				if i%3 == 0 {
					fmt.Fprintf(&b, "    targets: {2026-01: %d, 2026-02: %d}\n", i, i+1)
				}
			case 6, 7:
				fmt.Fprintf(&b, "    type: ratio\n    numerator: metric_%d\n    denominator:\n      metric: metric_%d\n      filter: [{dimension: dimension_%d, values: [v%d_2]}]\n", base, base+1, i%30, i%30)
			case 8:
				fmt.Fprintf(&b, "    type: derived\n    formula: (metric_%d - metric_%d) / metric_%d * 100\n", base, base+3, base+6)
				fmt.Fprintf(&b, "    decomposition: {children: [metric_%d, metric_%d]}\n", base, base+3)
			case 9:
				fmt.Fprintf(&b, "    type: cumulative\n    base: metric_%d\n    window: trailing\n    days: 30\n", base)
			}
			fmt.Fprintf(&b, "    dimensions: [dimension_%d, dimension_%d]\n", i%30, (i+7)%30)
		}
		write(fmt.Sprintf("metrics_%02d.yaml", file), &b)
	}
}

func TestLargeCatalogIsValid(t *testing.T) {
	dir := t.TempDir()
	writeLargeCatalog(t, dir, 200)
	c, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := len(c.Metrics), 200; got != want {
		t.Errorf("got %d metrics, want %d", got, want)
	}
	if got, want := len(c.Dimensions), 30; got != want {
		t.Errorf("got %d dimensions, want %d", got, want)
	}
}

// BenchmarkLoad loads a 10,000-metric catalog from disk. The target is well under a second per
// load.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	writeLargeCatalog(b, dir, 10000)
	if c, err := catalog.Load(dir); err != nil || len(c.Metrics) != 10000 {
		b.Fatalf("Load: %v", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := catalog.Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
