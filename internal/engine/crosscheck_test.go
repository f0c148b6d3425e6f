package engine_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

func day(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func rng(a, b string) catalog.TimeRange { return catalog.TimeRange{Start: day(a), End: day(b)} }

// paidLines is the hand-written join of paid order lines to their order, store, channel and
// product category, used by the reference queries below.
const paidLines = `FROM order_lines l
JOIN orders o ON o.order_id = l.order_id
JOIN stores s ON s.store_id = o.store_id
JOIN channels c ON c.channel_id = o.channel_id
JOIN products pr ON pr.product_id = l.product_id
JOIN categories cat ON cat.category_id = pr.category_id
WHERE o.status = 'paid'`

// crossCase is a governed query and an independent, hand-written SQL answer. The reference SQL
// returns the key columns (dimensions, then the time bucket) followed by the values of the
// compiled result columns named in cols, in that order.
type crossCase struct {
	name    string
	q       catalog.Query
	cols    []string
	ref     string
	ordered bool // compare rows in order (top-N); otherwise as sets
}

func cases() []crossCase {
	nov := "o.order_date >= '2026-11-01' AND o.order_date < '2026-12-01'"
	oct := "o.order_date >= '2026-10-01' AND o.order_date < '2026-11-01'"
	var cs []crossCase
	cs = append(cs,
		crossCase{name: "simple value",
			q:    catalog.Query{Metrics: []string{"gmv"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv"},
			ref:  "SELECT SUM(l.amount) " + paidLines + " AND " + nov},
		crossCase{name: "count distinct and sum by region",
			q:    catalog.Query{Metrics: []string{"gmv", "order_count", "units"}, GroupBy: []string{"region"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv", "order_count", "units"},
			ref:  "SELECT s.region, SUM(l.amount), COUNT(DISTINCT l.order_id), SUM(l.quantity) " + paidLines + " AND " + nov + " GROUP BY s.region"},
		// The fan-out trap: shipping_fee is an order-level amount. Joined to order lines it
		// would be counted once per line; the compiler aggregates it on orders alone.
		crossCase{name: "fan-out: order-level and line-level metrics together",
			q:    catalog.Query{Metrics: []string{"gmv", "shipping_fee", "order_count"}, GroupBy: []string{"channel"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv", "shipping_fee", "order_count"},
			ref: `SELECT g.channel_name, g.gmv, f.fee, g.n FROM
(SELECT c.channel_name, SUM(l.amount) AS gmv, COUNT(DISTINCT l.order_id) AS n ` + paidLines + " AND " + nov + ` GROUP BY c.channel_name) g
JOIN (SELECT c.channel_name, SUM(o.shipping_fee) AS fee FROM orders o JOIN channels c ON c.channel_id = o.channel_id
      WHERE o.status = 'paid' AND ` + nov + ` GROUP BY c.channel_name) f ON f.channel_name = g.channel_name`},
		crossCase{name: "ratio of sums: aov and conversion by channel",
			q:    catalog.Query{Metrics: []string{"aov", "conversion_rate"}, GroupBy: []string{"channel"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"aov", "conversion_rate"},
			ref: `SELECT g.channel_name, g.gmv * 1e0 / g.n, g.n * 1e0 / v.visitors FROM
(SELECT c.channel_name, SUM(l.amount) AS gmv, COUNT(DISTINCT l.order_id) AS n ` + paidLines + " AND " + nov + ` GROUP BY c.channel_name) g
JOIN (SELECT c.channel_name, SUM(t.visitors) AS visitors FROM store_traffic t JOIN channels c ON c.channel_id = t.channel_id
      WHERE t.traffic_date >= '2026-11-01' AND t.traffic_date < '2026-12-01' GROUP BY c.channel_name) v ON v.channel_name = g.channel_name`},
		crossCase{name: "ratio across time columns: refund_rate by category",
			q:    catalog.Query{Metrics: []string{"refund_rate", "refund_amount"}, GroupBy: []string{"category"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"refund_rate", "refund_amount"},
			ref: `SELECT g.category_name, r.amt * 1e0 / g.gmv, r.amt FROM
(SELECT cat.category_name, SUM(l.amount) AS gmv ` + paidLines + " AND " + nov + ` GROUP BY cat.category_name) g
JOIN (SELECT cat.category_name, SUM(f.amount) AS amt FROM refunds f JOIN products pr ON pr.product_id = f.product_id
      JOIN categories cat ON cat.category_id = pr.category_id
      WHERE f.refund_date >= '2026-11-01' AND f.refund_date < '2026-12-01' GROUP BY cat.category_name) r ON r.category_name = g.category_name`},
		crossCase{name: "derived: gross profit and margin by category",
			q:    catalog.Query{Metrics: []string{"gross_profit", "gross_margin"}, GroupBy: []string{"category"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gross_profit", "gross_margin"},
			ref:  "SELECT cat.category_name, SUM(l.amount) - SUM(l.cost_amount), (SUM(l.amount) - SUM(l.cost_amount)) * 1e0 / SUM(l.amount) " + paidLines + " AND " + nov + " GROUP BY cat.category_name"},
		crossCase{name: "avg, min and max by category",
			q:    catalog.Query{Metrics: []string{"avg_item_price", "max_line_amount", "min_line_amount"}, GroupBy: []string{"category"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"avg_item_price", "max_line_amount", "min_line_amount"},
			ref:  "SELECT cat.category_name, AVG(l.unit_price), MAX(l.amount), MIN(l.amount) " + paidLines + " AND " + nov + " GROUP BY cat.category_name"},
		crossCase{name: "previous period comparison by region",
			q:    catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region"}, Range: rng("2026-11-01", "2026-12-01"), Compare: catalog.PreviousPeriod},
			cols: []string{"gmv", "gmv_previous", "gmv_change", "gmv_pct_change"},
			ref: `SELECT a.region, a.v, b.v, a.v - b.v, (a.v - b.v) * 1e0 / b.v FROM
(SELECT s.region, SUM(l.amount) AS v ` + paidLines + " AND " + nov + ` GROUP BY s.region) a
JOIN (SELECT s.region, SUM(l.amount) AS v ` + paidLines + " AND " + oct + ` GROUP BY s.region) b ON a.region = b.region`},
		crossCase{name: "multi-source: new and active customers with visitors, by region",
			q:    catalog.Query{Metrics: []string{"new_customers", "active_customers", "visitors"}, GroupBy: []string{"region"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"new_customers", "active_customers", "visitors"},
			ref: `SELECT a.region, a.nc, a.ac, v.vis FROM
(SELECT s.region, COUNT(DISTINCT CASE WHEN o.customer_type = '新客' THEN o.customer_id END) AS nc, COUNT(DISTINCT o.customer_id) AS ac
   FROM orders o JOIN stores s ON s.store_id = o.store_id WHERE o.status = 'paid' AND ` + nov + ` GROUP BY s.region) a
JOIN (SELECT s.region, SUM(t.visitors) AS vis FROM store_traffic t JOIN stores s ON s.store_id = t.store_id
   WHERE t.traffic_date >= '2026-11-01' AND t.traffic_date < '2026-12-01' GROUP BY s.region) v ON v.region = a.region`},
		crossCase{name: "three sources at once: lines, traffic and refunds by region",
			q:    catalog.Query{Metrics: []string{"gmv", "visitors", "refund_amount"}, GroupBy: []string{"region"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv", "visitors", "refund_amount"},
			ref: `SELECT g.region, g.v, t.v, r.v FROM
(SELECT s.region, SUM(l.amount) AS v ` + paidLines + " AND " + nov + ` GROUP BY s.region) g
JOIN (SELECT s.region, SUM(t.visitors) AS v FROM store_traffic t JOIN stores s ON s.store_id = t.store_id
      WHERE t.traffic_date >= '2026-11-01' AND t.traffic_date < '2026-12-01' GROUP BY s.region) t ON t.region = g.region
JOIN (SELECT s.region, SUM(f.amount) AS v FROM refunds f JOIN orders o ON o.order_id = f.order_id JOIN stores s ON s.store_id = o.store_id
      WHERE f.refund_date >= '2026-11-01' AND f.refund_date < '2026-12-01' GROUP BY s.region) r ON r.region = g.region`},
		crossCase{name: "having: stores with more than 60 orders",
			q:    catalog.Query{Metrics: []string{"order_count"}, GroupBy: []string{"store"}, Having: []catalog.Having{{Metric: "order_count", Op: catalog.GT, Value: 60}}, Range: rng("2026-09-01", "2026-12-01")},
			cols: []string{"order_count"},
			ref:  "SELECT s.store_name, COUNT(DISTINCT l.order_id) " + paidLines + " AND o.order_date >= '2026-09-01' AND o.order_date < '2026-12-01' GROUP BY s.store_name HAVING COUNT(DISTINCT l.order_id) > 60"},
		crossCase{name: "top 3 regions by gmv", ordered: true,
			q:    catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region"}, OrderBy: []catalog.Order{{By: "gmv", Desc: true}}, Limit: 3, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv"},
			ref:  "SELECT s.region, SUM(l.amount) AS v " + paidLines + " AND " + nov + " GROUP BY s.region ORDER BY v DESC LIMIT 3"},
		crossCase{name: "bottom 2 categories by gross margin", ordered: true,
			q:    catalog.Query{Metrics: []string{"gross_margin"}, GroupBy: []string{"category"}, OrderBy: []catalog.Order{{By: "gross_margin"}}, Limit: 2, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gross_margin"},
			ref:  "SELECT cat.category_name, (SUM(l.amount) - SUM(l.cost_amount)) * 1e0 / SUM(l.amount) AS v " + paidLines + " AND " + nov + " GROUP BY cat.category_name ORDER BY v LIMIT 2"},
		crossCase{name: "share of total by channel",
			q:    catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"channel"}, Share: true, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv", "gmv_share"},
			ref:  `SELECT c.channel_name, SUM(l.amount), SUM(l.amount) * 1e0 / (SELECT SUM(l.amount) ` + paidLines + " AND " + nov + `) ` + paidLines + " AND " + nov + " GROUP BY c.channel_name"},
		crossCase{name: "filters: not in, in, eq",
			q: catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"channel"}, Filters: []catalog.Filter{
				{Dimension: "channel", Op: catalog.OpNotIn, Values: []string{"天猫"}},
				{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东", "华北"}},
				{Dimension: "category", Op: catalog.OpEq, Values: []string{"家电"}},
			}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"gmv"},
			ref:  "SELECT c.channel_name, SUM(l.amount) " + paidLines + " AND " + nov + " AND c.channel_name <> '天猫' AND s.region IN ('华东', '华北') AND cat.category_name = '家电' GROUP BY c.channel_name"},
		crossCase{name: "ratio with a filtered numerator: online order share by region",
			q:    catalog.Query{Metrics: []string{"online_order_share"}, GroupBy: []string{"region"}, Range: rng("2026-11-01", "2026-12-01")},
			cols: []string{"online_order_share"},
			ref:  "SELECT s.region, COUNT(DISTINCT CASE WHEN c.channel_type = '线上' THEN l.order_id END) * 1e0 / COUNT(DISTINCT l.order_id) " + paidLines + " AND " + nov + " GROUP BY s.region"},
	)
	// Month trend with the same months a year earlier.
	var parts []string
	for _, m := range []string{"2026-09", "2026-10", "2026-11"} {
		start := day(m + "-01")
		end := start.AddMonths(1)
		py, pe := start.AddMonths(-12), end.AddMonths(-12)
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS t,
 (SELECT SUM(l.amount) %s AND o.order_date >= '%s' AND o.order_date < '%s'),
 (SELECT SUM(l.amount) %s AND o.order_date >= '%s' AND o.order_date < '%s')`, start, paidLines, start, end, paidLines, py, pe))
	}
	cs = append(cs, crossCase{name: "monthly trend, same period last year",
		q:    catalog.Query{Metrics: []string{"gmv"}, Grain: catalog.Month, Range: rng("2026-09-01", "2026-12-01"), Compare: catalog.YearOverYear},
		cols: []string{"gmv", "gmv_previous"},
		ref:  strings.Join(parts, "\nUNION ALL\n")})
	// Daily month-to-date GMV.
	parts = nil
	for d := day("2026-11-26"); d.Before(day("2026-12-01")); d = d.AddDays(1) {
		parts = append(parts, fmt.Sprintf("SELECT '%s' AS t, (SELECT SUM(l.amount) %s AND o.order_date >= '2026-11-01' AND o.order_date <= '%s'), (SELECT SUM(l.amount) %s AND o.order_date = '%s')", d, paidLines, d, paidLines, d))
	}
	cs = append(cs, crossCase{name: "cumulative: month to date, daily",
		q:    catalog.Query{Metrics: []string{"gmv_mtd", "gmv"}, Grain: catalog.Day, Range: rng("2026-11-26", "2026-12-01")},
		cols: []string{"gmv_mtd", "gmv"},
		ref:  strings.Join(parts, "\nUNION ALL\n")})
	// Trailing 30-day distinct customers at the end of each week, with last year's.
	parts = nil
	weeks := rng("2026-11-02", "2026-11-30").Buckets(catalog.Week)
	prev := catalog.TimeRange{Start: day("2026-11-02").AddDays(-364), End: day("2026-11-30").AddDays(-364)}.Buckets(catalog.Week)
	for i, w := range weeks {
		pw := prev[i]
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS t,
 (SELECT COUNT(DISTINCT o.customer_id) FROM orders o WHERE o.status = 'paid' AND o.order_date >= '%s' AND o.order_date < '%s'),
 (SELECT COUNT(DISTINCT o.customer_id) FROM orders o WHERE o.status = 'paid' AND o.order_date >= '%s' AND o.order_date < '%s')`,
			catalog.Week.Start(w.Start), w.End.AddDays(-30), w.End, pw.End.AddDays(-30), pw.End))
	}
	cs = append(cs, crossCase{name: "cumulative: trailing 30-day distinct customers by week, year over year",
		q:    catalog.Query{Metrics: []string{"active_customers_30d"}, Grain: catalog.Week, Range: rng("2026-11-02", "2026-11-30"), Compare: catalog.YearOverYear},
		cols: []string{"active_customers_30d", "active_customers_30d_previous"},
		ref:  strings.Join(parts, "\nUNION ALL\n")})
	// Weekly visitors of one region against the previous period, buckets aligned by position.
	parts = nil
	cur := rng("2026-11-04", "2026-11-25").Buckets(catalog.Week)
	pcur := rng("2026-11-04", "2026-11-25").Previous().Buckets(catalog.Week)
	for i, w := range cur {
		parts = append(parts, fmt.Sprintf(`SELECT '%s' AS t,
 (SELECT SUM(t.visitors) FROM store_traffic t JOIN stores s ON s.store_id = t.store_id WHERE s.region = '西南' AND t.traffic_date >= '%s' AND t.traffic_date < '%s'),
 (SELECT SUM(t.visitors) FROM store_traffic t JOIN stores s ON s.store_id = t.store_id WHERE s.region = '西南' AND t.traffic_date >= '%s' AND t.traffic_date < '%s')`,
			catalog.Week.Start(w.Start), w.Start, w.End, pcur[i].Start, pcur[i].End))
	}
	// A weekly trend starting mid-week compares with the same weekdays of earlier weeks.
	parts2 := []string{}
	for _, w := range [][4]string{{"2026-11-16", "2026-11-18", "2026-11-23", "2026-11-04|2026-11-09"}, {"2026-11-23", "2026-11-23", "2026-11-28", "2026-11-09|2026-11-14"}} {
		prev := strings.Split(w[3], "|")
		parts2 = append(parts2, fmt.Sprintf(`SELECT '%s' AS t,
 (SELECT SUM(l.amount) %s AND o.order_date >= '%s' AND o.order_date < '%s'),
 (SELECT SUM(l.amount) %s AND o.order_date >= '%s' AND o.order_date < '%s')`, w[0], paidLines, w[1], w[2], paidLines, prev[0], prev[1]))
	}
	cs = append(cs, crossCase{name: "weekly trend starting mid-week, previous period in whole weeks",
		q:    catalog.Query{Metrics: []string{"gmv"}, Grain: catalog.Week, Range: rng("2026-11-18", "2026-11-28"), Compare: catalog.PreviousPeriod},
		cols: []string{"gmv", "gmv_previous"},
		ref:  strings.Join(parts2, "\nUNION ALL\n")})
	cs = append(cs, crossCase{name: "weekly trend with a filter, previous period aligned by position",
		q:    catalog.Query{Metrics: []string{"visitors"}, Grain: catalog.Week, Range: rng("2026-11-04", "2026-11-25"), Compare: catalog.PreviousPeriod, Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpEq, Values: []string{"西南"}}}},
		cols: []string{"visitors", "visitors_previous"},
		ref:  strings.Join(parts, "\nUNION ALL\n")})
	return cs
}

// TestCrossCheck runs every case on PostgreSQL, MariaDB and SQLite over the same generated data,
// and compares the compiled answer with the hand-written one on each engine.
func TestCrossCheck(t *testing.T) {
	ctx := context.Background()
	c, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	opts := demo.Options{End: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Days: 400, Scale: 0.05, Seed: 7}
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		w := warehousetest.Writable(t, dsn)
		if err := demo.Generate(ctx, w.DB, string(d), opts); err != nil {
			t.Fatalf("load demo data: %v", err)
		}
		wh := warehousetest.Open(t, dsn, warehouse.Options{})
		eng := engine.New(engine.Static{C: c}, wh, nil)
		t.Run("distinct values", func(t *testing.T) {
			got, err := eng.Values(ctx, "region")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"东北", "华东", "华中", "华北", "华南", "西北", "西南"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("values of region: got %v, want %v", got, want)
			}
		})
		for _, tc := range cases() {
			t.Run(tc.name, func(t *testing.T) {
				res, err := eng.Run(ctx, tc.q)
				if err != nil {
					t.Fatalf("run %s: %v", tc.q, err)
				}
				got := project(t, res, tc.cols)
				ref, err := wh.Query(ctx, tc.ref)
				if err != nil {
					t.Fatalf("reference SQL: %v\n%s", err, tc.ref)
				}
				want := ref.Rows
				if len(want) == 0 || len(got) == 0 {
					t.Fatalf("got %d rows, reference %d: a cross-check needs data", len(got), len(want))
				}
				if !tc.ordered {
					sortRows(got)
					sortRows(want)
				}
				compareRows(t, got, want)
			})
		}
	})
}

// TestFanOutTrapIsReal guards the fan-out test: in the data, joining orders to their lines does
// multiply the shipping fee, so a compiler that joined first would fail the cross-check.
func TestFanOutTrapIsReal(t *testing.T) {
	ctx := context.Background()
	dsn := warehousetest.SQLite(t)
	w := warehousetest.Writable(t, dsn)
	if err := demo.Generate(ctx, w.DB, "sqlite", demo.Options{End: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Days: 30, Scale: 0.05, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	var right, naive float64
	if err := w.QueryRow(`SELECT SUM(shipping_fee) FROM orders WHERE status = 'paid'`).Scan(&right); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRow(`SELECT SUM(o.shipping_fee) FROM orders o JOIN order_lines l ON l.order_id = o.order_id WHERE o.status = 'paid'`).Scan(&naive); err != nil {
		t.Fatal(err)
	}
	if right <= 0 || naive <= right {
		t.Fatalf("shipping fee %.2f, naively joined %.2f: the demo data no longer exercises the fan-out trap", right, naive)
	}
}

// project returns the result's key columns (dimensions and time) and the named value columns.
func project(t *testing.T, res *engine.Result, cols []string) [][]any {
	t.Helper()
	var idx []int
	for i, c := range res.Columns {
		if c.Metric == "" {
			idx = append(idx, i)
		}
	}
	for _, name := range cols {
		found := false
		for i, c := range res.Columns {
			if c.Name == name {
				idx = append(idx, i)
				found = true
			}
		}
		if !found {
			t.Fatalf("result has no column %q", name)
		}
	}
	out := make([][]any, len(res.Rows))
	for r, row := range res.Rows {
		for _, i := range idx {
			out[r] = append(out[r], row[i])
		}
	}
	return out
}

func sortRows(rows [][]any) {
	sort.Slice(rows, func(i, j int) bool { return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j]) })
}

func compareRows(t *testing.T, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d\ngot:  %v\nwant: %v", len(got), len(want), got, want)
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("row %d: got %d columns, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !same(got[i][j], want[i][j]) {
				t.Errorf("row %d column %d: got %v (%T), want %v (%T)\ngot row:  %v\nwant row: %v", i, j, got[i][j], got[i][j], want[i][j], want[i][j], got[i], want[i])
			}
		}
	}
}

// same compares two normalised values: numbers to a relative 1e-9, everything else exactly.
func same(a, b any) bool {
	fa, oka := number(a)
	fb, okb := number(b)
	if oka && okb {
		return math.Abs(fa-fb) <= 1e-9*math.Max(1, math.Max(math.Abs(fa), math.Abs(fb)))
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
