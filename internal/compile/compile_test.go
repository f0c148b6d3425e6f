package compile_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/compile"
)

var update = flag.Bool("update", false, "rewrite golden files")

func demoCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load("../demo/catalog")
	if err != nil {
		t.Fatalf("load demo catalog: %v", err)
	}
	return c
}

func d(s string) catalog.Date {
	v, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func rng(a, b string) catalog.TimeRange { return catalog.TimeRange{Start: d(a), End: d(b)} }

// goldenQueries are compiled for every dialect and compared with testdata/<name>.<dialect>.sql.
// The same queries run on real engines in engines_test.go.
var goldenQueries = []struct {
	name string
	q    catalog.Query
}{
	{"value", catalog.Query{Metrics: []string{"gmv"}, Range: rng("2026-10-01", "2026-11-01")}},
	{"breakdown", catalog.Query{Metrics: []string{"gmv", "order_count"}, GroupBy: []string{"region"}, Range: rng("2026-10-01", "2026-11-01")}},
	{"fanout_multi_source", catalog.Query{Metrics: []string{"gmv", "shipping_fee", "order_count", "visitors"}, GroupBy: []string{"channel"}, Range: rng("2026-11-01", "2026-11-08")}},
	{"ratio_compare_top", catalog.Query{Metrics: []string{"aov", "refund_rate", "conversion_rate"}, GroupBy: []string{"region"}, Range: rng("2026-11-01", "2026-12-01"), Compare: catalog.PreviousPeriod, OrderBy: []catalog.Order{{By: "aov", Desc: true}}, Limit: 3}},
	{"derived_by_category", catalog.Query{Metrics: []string{"gross_profit", "gross_margin"}, GroupBy: []string{"category"}, Range: rng("2026-10-01", "2026-11-01")}},
	{"cumulative_mtd_daily", catalog.Query{Metrics: []string{"gmv_mtd", "gmv"}, Grain: catalog.Day, Range: rng("2026-11-25", "2026-12-01")}},
	{"cumulative_trailing_yoy", catalog.Query{Metrics: []string{"active_customers_30d"}, Grain: catalog.Week, Range: rng("2026-11-02", "2026-11-30"), Compare: catalog.YearOverYear}},
	{"filters", catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"channel"}, Filters: []catalog.Filter{
		{Dimension: "channel", Op: catalog.OpNotIn, Values: []string{"天猫"}},
		{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东", "华北"}},
		{Dimension: "category", Op: catalog.OpEq, Values: []string{"家电"}},
	}, Range: rng("2026-10-01", "2026-11-01")}},
	{"contains", catalog.Query{Metrics: []string{"units"}, GroupBy: []string{"store"}, Filters: []catalog.Filter{{Dimension: "store", Op: catalog.OpContains, Values: []string{"上海", "50%_!"}}}, Range: rng("2026-10-01", "2026-11-01")}},
	{"having", catalog.Query{Metrics: []string{"order_count", "gmv"}, GroupBy: []string{"store"}, Having: []catalog.Having{{Metric: "order_count", Op: catalog.GT, Value: 1000}}, Range: rng("2026-10-01", "2026-11-01"), OrderBy: []catalog.Order{{By: "gmv", Desc: true}}}},
	{"share_bottom", catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"channel"}, Share: true, Range: rng("2026-10-01", "2026-11-01"), OrderBy: []catalog.Order{{By: "gmv"}}, Limit: 2}},
	{"ratio_part_filter", catalog.Query{Metrics: []string{"online_order_share"}, GroupBy: []string{"region"}, Range: rng("2026-10-01", "2026-11-01")}},
	{"trend_month_yoy", catalog.Query{Metrics: []string{"gmv", "refund_rate"}, Grain: catalog.Month, Range: rng("2026-06-01", "2026-12-01"), Compare: catalog.YearOverYear}},
	{"trend_week_previous", catalog.Query{Metrics: []string{"visitors"}, GroupBy: []string{"region"}, Grain: catalog.Week, Range: rng("2026-11-04", "2026-11-25"), Compare: catalog.PreviousPeriod, Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpEq, Values: []string{"西南"}}}}},
	{"quarter_year", catalog.Query{Metrics: []string{"gmv", "new_customers"}, Grain: catalog.Quarter, Range: rng("2025-01-01", "2026-12-01")}},
	{"year_grain", catalog.Query{Metrics: []string{"gmv_ytd"}, Grain: catalog.Year, Range: rng("2025-06-01", "2026-12-01")}},
	{"avg_min_max", catalog.Query{Metrics: []string{"avg_item_price", "max_line_amount", "min_line_amount"}, GroupBy: []string{"category"}, Range: rng("2026-11-01", "2026-12-01")}},
	{"pct_change_order", catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region", "channel"}, Range: rng("2026-11-18", "2026-11-19"), Compare: catalog.PreviousPeriod, OrderBy: []catalog.Order{{By: "gmv_pct_change"}}, Limit: 5}},
}

func TestGolden(t *testing.T) {
	c := demoCatalog(t)
	for _, tc := range goldenQueries {
		for _, dia := range compile.Dialects {
			t.Run(tc.name+"/"+string(dia), func(t *testing.T) {
				st, err := compile.SQL(c, tc.q, dia)
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				got := fmt.Sprintf("-- %s\n%s;\n-- args: %q\n", tc.q, st.SQL, st.Args)
				path := filepath.Join("testdata", tc.name+"."+string(dia)+".sql")
				if *update {
					if err := os.MkdirAll("testdata", 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden file (run go test ./internal/compile -update): %v", err)
				}
				if got != string(want) {
					t.Errorf("SQL for %s differs from %s (rerun with -update and review the diff):\ngot:\n%s", tc.name, path, got)
				}
			})
		}
	}
}

func TestValuesAreBound(t *testing.T) {
	c := demoCatalog(t)
	evil := "x'); DROP TABLE orders; --"
	q := catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region"}, Filters: []catalog.Filter{
		{Dimension: "region", Op: catalog.OpIn, Values: []string{evil}},
		{Dimension: "store", Op: catalog.OpContains, Values: []string{evil}},
	}, Having: []catalog.Having{{Metric: "gmv", Op: catalog.GT, Value: 12345.5}}, Range: rng("2026-10-01", "2026-11-01")}
	for _, dia := range compile.Dialects {
		st, err := compile.SQL(c, q, dia)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"DROP", "12345", "2026-10-01", "华东"} {
			if strings.Contains(st.SQL, s) {
				t.Errorf("%s: SQL contains the value %q; values must be bound parameters:\n%s", dia, s, st.SQL)
			}
		}
		n := strings.Count(st.SQL, "?")
		if dia == compile.Postgres {
			n = strings.Count(st.SQL, "$")
		}
		if n != len(st.Args) {
			t.Errorf("%s: %d placeholders for %d args", dia, n, len(st.Args))
		}
	}
}

func TestRefusals(t *testing.T) {
	c := demoCatalog(t)
	r := rng("2026-10-01", "2026-11-01")
	tests := []struct {
		name    string
		q       catalog.Query
		want    string
		wantErr error
	}{
		{"unknown metric", catalog.Query{Metrics: []string{"gvm"}, Range: r}, `unknown metric "gvm" (did you mean "gmv"?)`, catalog.ErrUnknownMetric},
		{"unknown dimension", catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"regoin"}, Range: r}, `unknown dimension "regoin" (did you mean "region"?)`, catalog.ErrUnknownDimension},
		{"no join path", catalog.Query{Metrics: []string{"visitors"}, GroupBy: []string{"category"}, Range: r}, `metric "visitors" cannot be broken down by "category"`, nil},
		{"fan-out refused", catalog.Query{Metrics: []string{"shipping_fee"}, Filters: []catalog.Filter{{Dimension: "product", Op: catalog.OpIn, Values: []string{"x"}}}, Range: r}, `metric "shipping_fee" cannot be filtered by "product"`, nil},
		{"ratio via refused part", catalog.Query{Metrics: []string{"conversion_rate"}, GroupBy: []string{"category"}, Range: r}, `metric "conversion_rate" cannot be broken down by "category"`, nil},
		{"share of ratio", catalog.Query{Metrics: []string{"aov"}, GroupBy: []string{"region"}, Share: true, Range: r}, `share of total needs an additive metric`, nil},
		{"share of distinct count", catalog.Query{Metrics: []string{"active_customers"}, Share: true, Range: r}, `share of total needs an additive metric`, nil},
		{"empty range", catalog.Query{Metrics: []string{"gmv"}, Range: rng("2026-11-01", "2026-10-01")}, `time_range`, nil},
		{"order by unknown", catalog.Query{Metrics: []string{"gmv"}, Range: r, OrderBy: []catalog.Order{{By: "gmv_pct"}}}, `order by "gmv_pct"`, nil},
		{"year over year overlapping itself", catalog.Query{Metrics: []string{"gmv"}, Range: rng("2025-06-01", "2026-12-01"), Compare: catalog.YearOverYear}, `overlaps`, nil},
		{"too many buckets", catalog.Query{Metrics: []string{"gmv"}, Grain: catalog.Day, Range: rng("2000-01-01", "2026-01-01")}, `too many`, nil},
		{"too many windows", catalog.Query{Metrics: []string{"gmv_mtd"}, Grain: catalog.Day, Range: rng("2023-01-01", "2026-01-01")}, `too many`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compile.SQL(c, tc.q, compile.SQLite)
			if err == nil {
				t.Fatalf("compile %s: got no error, want one containing %q", tc.q, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %q, want it to contain %q", err, tc.want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.wantErr)
			}
		})
	}
}

func TestUnknownDialect(t *testing.T) {
	c := demoCatalog(t)
	if _, err := compile.SQL(c, goldenQueries[0].q, "oracle"); err == nil {
		t.Fatal("compile for dialect oracle: got no error")
	}
}

// BenchmarkCompile compiles a breakdown with a comparison against a 1,000-metric catalog.
func BenchmarkCompile(b *testing.B) {
	c := syntheticCatalog(b, 1000)
	q := catalog.Query{Metrics: []string{"m_400", "r_400"}, GroupBy: []string{"dim_3"}, Range: rng("2026-10-01", "2026-11-01"), Compare: catalog.PreviousPeriod, OrderBy: []catalog.Order{{By: "m_400", Desc: true}}, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compile.SQL(c, q, compile.Postgres); err != nil {
			b.Fatal(err)
		}
	}
}

// syntheticCatalog builds a catalog of n metrics (half simple, half ratio) over one fact table with
// ten dimensions.
func syntheticCatalog(tb testing.TB, n int) *catalog.Catalog {
	tb.Helper()
	var sb strings.Builder
	sb.WriteString("timezone: Asia/Shanghai\nsources:\n  - {name: facts, table: facts, primary_key: [id], time: day, joins: [{to: dims, on: dim_id}]}\n  - {name: dims, table: dims, primary_key: [dim_id]}\ndimensions:\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&sb, "  - {name: dim_%d, label: {zh: 维度%d, en: dim %d}, source: dims, column: c%d}\n", i, i, i, i)
	}
	sb.WriteString("metrics:\n")
	for i := 0; i < n/2; i++ {
		fmt.Fprintf(&sb, "  - {name: m_%d, label: {zh: 指标%d, en: metric %d}, description: sum of v%d, type: simple, source: facts, agg: sum, expr: v%d}\n", i, i, i, i, i%20)
		fmt.Fprintf(&sb, "  - {name: r_%d, label: {zh: 比率%d, en: ratio %d}, description: ratio, type: ratio, numerator: m_%d, denominator: m_%d}\n", i, i, i, i, (i+1)%(n/2))
	}
	c, err := catalog.Parse(map[string]string{"synthetic.yaml": sb.String()})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
