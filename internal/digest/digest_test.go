package digest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
	"github.com/metricbot/metricbot/internal/warehouse"
	whsqlite "github.com/metricbot/metricbot/internal/warehouse/sqlite"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

var (
	cst   = time.FixedZone("CST", 8*3600)
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// world is a small demo warehouse (400 days up to 2026-11-30, so last year is there) and a
// state store with an alert and cause notes.
type world struct {
	c      *catalog.Catalog
	wh     *warehouse.DB
	eng    *engine.Engine
	st     *sqlite.Store
	charts *chart.Renderer
}

// worldDSN is a demo warehouse generated once for the test binary by TestMain.
var worldDSN string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "digest-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		worldDSN = "sqlite://" + filepath.ToSlash(filepath.Join(dir, "warehouse.db"))
		db, err := whsqlite.OpenWritable(context.Background(), worldDSN)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		err = demo.Generate(context.Background(), db.DB, "sqlite", demo.Options{End: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Days: 400, Scale: 0.3, Stores: 7, Seed: 5})
		db.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "generate demo warehouse:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func newWorld(t testing.TB) *world {
	t.Helper()
	c := demoCatalog(t)
	wh := warehousetest.Open(t, worldDSN, warehouse.Options{})
	eng := engine.New(engine.Static{C: c}, wh, nil)
	clock := storetest.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, cst))
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"), sqlite.Options{Now: clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	charts, err := chart.New(chart.RendererOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &world{c: c, wh: wh, eng: eng, st: st, charts: charts}
}

// paidLines is the hand-written join the reference values below read.
const paidLines = `FROM order_lines l JOIN orders o ON o.order_id = l.order_id
WHERE o.status = 'paid' AND o.order_date >= '%[1]s' AND o.order_date < '%[2]s'`

// referenceSQL computes the metrics the digests are checked with, written by hand from the
// catalog's definitions, not by the compiler.
var referenceSQL = map[string]string{
	"gmv":         `SELECT SUM(l.amount) ` + paidLines,
	"order_count": `SELECT COUNT(DISTINCT l.order_id) ` + paidLines,
	"refund_rate": `SELECT (SELECT SUM(amount) FROM refunds WHERE refund_date >= '%[1]s' AND refund_date < '%[2]s') * 1.0 /
		(SELECT SUM(l.amount) ` + paidLines + `)`,
}

// value computes a metric over [from, to) with hand-written SQL.
func (w *world) value(t testing.TB, metric string, from, to catalog.Date) float64 {
	t.Helper()
	sql, ok := referenceSQL[metric]
	if !ok {
		t.Fatalf("no reference SQL for %s", metric)
	}
	res, err := w.wh.Query(context.Background(), fmt.Sprintf(sql, from, to))
	if err != nil {
		t.Fatal(err)
	}
	switch v := res.Rows[0][0].(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	t.Fatalf("value of %s %s..%s: got %v", metric, from, to, res.Rows[0][0])
	return 0
}

func d(y int, m time.Month, day int) catalog.Date { return catalog.NewDate(y, m, day) }

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, cst) // a Tuesday
	tests := []struct {
		grain catalog.Grain
		want  catalog.TimeRange
	}{
		{catalog.Day, catalog.TimeRange{Start: d(2026, 11, 30), End: d(2026, 12, 1)}},
		{catalog.Week, catalog.TimeRange{Start: d(2026, 11, 23), End: d(2026, 11, 30)}},
		{catalog.Month, catalog.TimeRange{Start: d(2026, 11, 1), End: d(2026, 12, 1)}},
	}
	for _, tc := range tests {
		if got := digest.Period(tc.grain, now, cst); got != tc.want {
			t.Errorf("Period(%s): got %s, want %s", tc.grain, got, tc.want)
		}
	}
	// 00:30 in Shanghai is still the previous day in UTC: the catalog zone decides.
	early := time.Date(2026, 12, 1, 0, 30, 0, 0, cst)
	if got := digest.Period(catalog.Day, early.UTC(), cst); got.Start != d(2026, 11, 30) {
		t.Errorf("Period at 00:30 CST: got %s, want 2026-11-30", got)
	}
}

func TestCollectNumbers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	pct := func(cur, old float64) float64 { return (cur - old) / math.Abs(old) }
	type nums struct {
		Value, Previous, YearAgo, Attainment, Pace float64
		HasPace                                    bool
	}
	tests := []struct {
		name   string
		grain  catalog.Grain
		now    time.Time
		metric string
		want   func() nums
	}{
		{"daily gmv at month end", catalog.Day, time.Date(2026, 12, 1, 9, 0, 0, 0, cst), "gmv", func() nums {
			return nums{Value: w.value(t, "gmv", d(2026, 11, 30), d(2026, 12, 1)), Previous: w.value(t, "gmv", d(2026, 11, 29), d(2026, 11, 30)),
				YearAgo: w.value(t, "gmv", d(2025, 11, 30), d(2025, 12, 1)), Attainment: w.value(t, "gmv", d(2026, 11, 1), d(2026, 12, 1)) / 11500000}
		}},
		{"daily gmv mid-month has a pace", catalog.Day, time.Date(2026, 11, 16, 9, 0, 0, 0, cst), "gmv", func() nums {
			mtd := w.value(t, "gmv", d(2026, 11, 1), d(2026, 11, 16))
			return nums{Value: w.value(t, "gmv", d(2026, 11, 15), d(2026, 11, 16)), Previous: w.value(t, "gmv", d(2026, 11, 14), d(2026, 11, 15)),
				YearAgo: w.value(t, "gmv", d(2025, 11, 15), d(2025, 11, 16)), Attainment: mtd / 11500000, Pace: mtd / 11500000 / 0.5, HasPace: true}
		}},
		{"weekly orders, last year 52 weeks back", catalog.Week, time.Date(2026, 12, 1, 9, 0, 0, 0, cst), "order_count", func() nums {
			return nums{Value: w.value(t, "order_count", d(2026, 11, 23), d(2026, 11, 30)), Previous: w.value(t, "order_count", d(2026, 11, 16), d(2026, 11, 23)),
				YearAgo: w.value(t, "order_count", d(2025, 11, 24), d(2025, 12, 1))}
		}},
		{"monthly gmv against its target", catalog.Month, time.Date(2026, 12, 1, 9, 0, 0, 0, cst), "gmv", func() nums {
			v := w.value(t, "gmv", d(2026, 11, 1), d(2026, 12, 1))
			return nums{Value: v, Previous: w.value(t, "gmv", d(2026, 10, 1), d(2026, 11, 1)),
				YearAgo: w.value(t, "gmv", d(2025, 11, 1), d(2025, 12, 1)), Attainment: v / 11500000}
		}},
		{"ratio metric", catalog.Day, time.Date(2026, 12, 1, 9, 0, 0, 0, cst), "refund_rate", func() nums {
			return nums{Value: w.value(t, "refund_rate", d(2026, 11, 30), d(2026, 12, 1)), Previous: w.value(t, "refund_rate", d(2026, 11, 29), d(2026, 11, 30)),
				YearAgo: w.value(t, "refund_rate", d(2025, 11, 30), d(2025, 12, 1))}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines, _, err := digest.Collect(ctx, w.eng, w.c, w.st, digest.Request{Metrics: []string{tc.metric}, Grain: tc.grain, Lang: "en", Now: tc.now})
			if err != nil {
				t.Fatal(err)
			}
			l := lines[0]
			if !l.Has || !l.HasPrev || !l.HasYear {
				t.Fatalf("line: got has value %v previous %v last year %v, want all", l.Has, l.HasPrev, l.HasYear)
			}
			got := nums{Value: l.Value, Previous: l.Previous, YearAgo: l.YearAgo}
			got.Attainment, _ = l.Attainment()
			got.Pace, got.HasPace = l.Pace()
			want := tc.want()
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) })); diff != "" {
				t.Errorf("numbers (-want +got):\n%s", diff)
			}
			if want.Previous != 0 && pct(want.Value, want.Previous) == 0 {
				t.Errorf("test data: value equals previous, the change check proves nothing")
			}
			wantPoints := map[catalog.Grain]int{catalog.Day: 14, catalog.Week: 8, catalog.Month: 6}[tc.grain]
			if len(l.Trend) != wantPoints {
				t.Errorf("trend points: got %d, want %d", len(l.Trend), wantPoints)
			}
		})
	}
}

func TestCompose(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, cst)
	open, _, err := w.st.RaiseAlert(ctx, store.Alert{Rule: "gmv/region_drop", Metric: "gmv", Slice: json.RawMessage(`{"region":"华东"}`),
		PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour), Kind: "anomaly", Value: 1200, ExpectedLow: 2000, ExpectedHigh: 3000, Owner: "wang_fang"})
	if err != nil {
		t.Fatal(err)
	}
	closed, _, err := w.st.RaiseAlert(ctx, store.Alert{Rule: "gmv/region_drop", Metric: "gmv", Slice: json.RawMessage(`{"region":"华南"}`),
		PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour), Kind: "anomaly", Value: 1, Owner: "wang_fang"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.SetAlertStatus(ctx, closed.ID, store.AlertResolved, "ou_wang_fang", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.AddCauseNote(ctx, store.CauseNote{Alert: open.ID, Metric: "gmv", PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour),
		Author: "ou_wang_fang", Text: "支付通道故障, 14:00 恢复"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.AddCauseNote(ctx, store.CauseNote{Metric: "gmv", PeriodStart: day.Add(-48 * time.Hour), PeriodEnd: day.Add(-24 * time.Hour),
		Author: "ou_wang_fang", Text: "an older note outside the period"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, cst)
	gmv, _ := w.c.Metric("gmv")
	value := w.value(t, "gmv", d(2026, 11, 30), d(2026, 12, 1))

	tests := []struct {
		lang     string
		metrics  []string
		contains []string
		absent   []string
		chartW   int
	}{
		{"zh", []string{"gmv", "order_count"}, []string{
			"每日指标简报 · 2026-11-30 (周一): 销售额 " + format.Value(value, gmv, "zh") + ", 环比 ",
			"预警 · 销售额 · 大区=华东 · 2026-11-30: 值 1200元, 预期 2000元–3000元 (待处理, 负责人 王芳)",
			"原因说明 · 销售额 · 2026-11-30 · 王芳: 支付通道故障, 14:00 恢复",
			"目标达成", "月累计 ",
			"期间: 2026-11-30", "环比对比 2026-11-29; 同比对比 2025-11-30", "口径 · 订单数",
		}, []string{"华南", "older note"}, 960},
		{"en", []string{"refund_rate"}, []string{
			"Daily digest · 2026-11-30 (Mon): refund rate ", "pp vs previous", "No open alerts on these metrics.",
			"Compared with 2026-11-29 (previous) and 2025-11-30 (last year)",
		}, []string{"target"}, 800},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			r, err := digest.Compose(ctx, w.eng, w.c, w.st, digest.Request{Metrics: tc.metrics, Grain: catalog.Day, Lang: tc.lang, Now: now, Charts: w.charts})
			if err != nil {
				t.Fatal(err)
			}
			text := r.Headline + "\n" + strings.Join(r.Text, "\n") + "\n" + format.Table(r.Table.Columns, r.Table.Rows, r.Table.Numeric) + "\n" + strings.Join(r.Context, "\n")
			for _, s := range tc.contains {
				if !strings.Contains(text, s) {
					t.Errorf("digest lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(text, s) {
					t.Errorf("digest has %q:\n%s", s, text)
				}
			}
			if r.Chart == nil {
				t.Fatalf("no chart")
			}
			img, err := png.Decode(bytes.NewReader(r.Chart.PNG))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Dx(); got != tc.chartW {
				t.Errorf("chart width: got %d, want %d", got, tc.chartW)
			}
		})
	}
}

func TestComposeRejects(t *testing.T) {
	w := newWorld(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, cst)
	tests := []struct {
		name string
		req  digest.Request
	}{
		{"unknown metric", digest.Request{Metrics: []string{"gvm"}, Grain: catalog.Day, Now: now}},
		{"no metric", digest.Request{Grain: catalog.Day, Now: now}},
		{"quarter grain", digest.Request{Metrics: []string{"gmv"}, Grain: catalog.Quarter, Now: now}},
	}
	for _, tc := range tests {
		if _, err := digest.Compose(context.Background(), w.eng, w.c, w.st, tc.req); err == nil {
			t.Errorf("%s: got nil error", tc.name)
		}
	}
}

func TestDigesterUsesTheSlot(t *testing.T) {
	w := newWorld(t)
	dg := &digest.Digester{Runner: w.eng, Catalogs: engine.Static{C: w.c}, Sources: w.st}
	sub := store.Subscription{ID: 7, Metrics: []string{"gmv"}, Cron: "0 9 * * 1", TimeZone: "Asia/Shanghai", Language: "en"}
	// Sent late on Wednesday 12-02 for the Monday 11-30 slot: still last week's digest.
	r, err := dg.Subscription(context.Background(), sub, time.Date(2026, 11, 30, 9, 0, 0, 0, cst))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Weekly digest · 2026-11-23 to 2026-11-29"; !strings.HasPrefix(r.Headline, want) {
		t.Errorf("headline: got %q, want prefix %q", r.Headline, want)
	}
}

func BenchmarkCompose(b *testing.B) {
	w := newWorld(b)
	req := digest.Request{Metrics: []string{"gmv", "order_count", "refund_rate"}, Grain: catalog.Day, Lang: "zh",
		Now: time.Date(2026, 12, 1, 9, 0, 0, 0, cst), Charts: w.charts}
	for b.Loop() {
		if _, err := digest.Compose(context.Background(), w.eng, w.c, w.st, req); err != nil {
			b.Fatal(err)
		}
	}
}
