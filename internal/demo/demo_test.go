package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func joinCols(cols []string) string { return strings.Join(cols, ", ") }

func fmtRow(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		if bs, ok := v.([]byte); ok {
			v = string(bs)
		}
		fmt.Fprintf(&b, "|%T:%v", v, v)
	}
	return b.String()
}

// generateSQLite runs Generate into a new SQLite file and returns it open.
func generateSQLite(t *testing.T, o Options) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.sqlite")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Generate(context.Background(), db, SQLite, o); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return db
}

func hashDump(rows []string) string {
	h := sha256.New()
	for _, r := range rows {
		h.Write([]byte(r))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestDeterminism(t *testing.T) {
	o := Options{End: testEnd, Days: 120, Scale: 0.1, Seed: 42}
	a := dump(t, generateSQLite(t, o))
	b := dump(t, generateSQLite(t, o))
	if ha, hb := hashDump(a), hashDump(b); ha != hb {
		i := 0
		for i < min(len(a), len(b)) && a[i] == b[i] {
			i++
		}
		t.Fatalf("same options: got dumps %s and %s, want equal; first difference at row %d", ha[:12], hb[:12], i)
	}
	if len(a) < 1000 {
		t.Fatalf("dump: got %d rows, want a real data set", len(a))
	}
	o.Seed = 43
	if c := dump(t, generateSQLite(t, o)); hashDump(c) == hashDump(a) {
		t.Errorf("seeds 42 and 43: got identical dumps, want different data")
	}
	// The same End given in another time zone is the same civil date.
	o.Seed = 42
	o.End = time.Date(2026, 11, 30, 23, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if d := dump(t, generateSQLite(t, o)); hashDump(d) != hashDump(a) {
		t.Errorf("End 2026-11-30 23:00 +08:00: got other data than for 2026-11-30 UTC, want the same")
	}
}

func TestDeterminismFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size generation is skipped in -short mode")
	}
	o, err := fullOptions.normalize()
	if err != nil {
		t.Fatal(err)
	}
	a, b := build(o), build(o)
	for _, c := range []struct {
		name string
		eq   bool
	}{
		{"customers", slices.Equal(a.customers, b.customers)},
		{"orders", slices.Equal(a.orders, b.orders)},
		{"lines", slices.Equal(a.lines, b.lines)},
		{"refunds", slices.Equal(a.refunds, b.refunds)},
		{"traffic", slices.Equal(a.traffic, b.traffic)},
	} {
		if !c.eq {
			t.Errorf("%s: got different rows from the same options, want identical", c.name)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"no end", Options{}},
		{"negative days", Options{End: testEnd, Days: -1}},
		{"too many days", Options{End: testEnd, Days: maxDays + 1}},
		{"negative stores", Options{End: testEnd, Stores: -1}},
		{"too many stores", Options{End: testEnd, Stores: len(storeDefs) + 1}},
		{"negative scale", Options{End: testEnd, Scale: -0.5}},
		{"huge scale", Options{End: testEnd, Scale: maxScale + 1}},
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "x.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Generate(context.Background(), db, SQLite, tt.o); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("Generate: got error %v, want ErrInvalidOptions", err)
			}
			if _, err := Ensure(context.Background(), t.TempDir(), tt.o); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("Ensure: got error %v, want ErrInvalidOptions", err)
			}
		})
	}
	if err := Generate(context.Background(), db, "oracle", smallOptions); !errors.Is(err, ErrUnknownDialect) {
		t.Errorf("Generate with dialect oracle: got error %v, want ErrUnknownDialect", err)
	}
}

func TestOptionDefaults(t *testing.T) {
	got, err := Options{End: time.Date(2026, 11, 30, 15, 4, 5, 0, time.UTC)}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := Options{End: testEnd, Days: 730, Stores: len(storeDefs), Scale: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalize (-want +got):\n%s", diff)
	}
	explicit, _ := want.normalize()
	if got.cacheKey() != explicit.cacheKey() {
		t.Errorf("cache keys of default and explicit options: got %s and %s, want equal", got.cacheKey(), explicit.cacheKey())
	}
	other := want
	other.Seed = 1
	if other.cacheKey() == got.cacheKey() {
		t.Errorf("cache keys of seeds 0 and 1: got both %s, want different", got.cacheKey())
	}
}

func TestGenerateReplacesTables(t *testing.T) {
	db := generateSQLite(t, Options{End: testEnd, Days: 30, Scale: 0.05, Seed: 1})
	small := queryInt(t, db, "SELECT COUNT(*) FROM orders")
	if err := Generate(context.Background(), db, SQLite, Options{End: testEnd, Days: 60, Scale: 0.05, Seed: 1}); err != nil {
		t.Fatalf("second Generate: %v", err)
	}
	if got := queryInt(t, db, "SELECT COUNT(*) FROM orders"); got <= small {
		t.Errorf("orders after regenerating 60 days over 30: got %d, want more than %d", got, small)
	}
	if got := queryInt(t, db, "SELECT COUNT(DISTINCT order_date) FROM orders"); got != 60 {
		t.Errorf("order days after regenerating: got %d, want 60", got)
	}
}

func TestGenerateCancelled(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "x.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Generate(ctx, db, SQLite, smallOptions); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate with a cancelled context: got error %v, want context.Canceled", err)
	}
}

func TestEnsure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "metricbot")
	o := Options{End: testEnd, Days: 45, Scale: 0.05, Seed: 3}

	// Racing callers all end with the same complete file.
	const racers = 3
	paths := make([]string, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { paths[i], errs[i] = Ensure(context.Background(), dir, o) })
	}
	wg.Wait()
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("Ensure %d: %v", i, errs[i])
		}
		if paths[i] != paths[0] {
			t.Fatalf("Ensure %d: got path %s, want %s", i, paths[i], paths[0])
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{filepath.Base(paths[0])}, names); diff != "" {
		t.Errorf("cache directory (-want +got):\n%s", diff)
	}
	db, err := openReadOnly(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := queryInt(t, db, "SELECT COUNT(DISTINCT order_date) FROM orders"); got != 45 {
		t.Errorf("order days in the cached file: got %d, want 45", got)
	}

	// A second call reuses the file.
	before, err := os.Stat(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	again, err := Ensure(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(again)
	if err != nil {
		t.Fatal(err)
	}
	if again != paths[0] || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("second Ensure: got %s (same file %v), want the existing %s untouched", again, os.SameFile(before, after), paths[0])
	}

	// Other options get another file.
	o.Seed = 4
	other, err := Ensure(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if other == paths[0] || filepath.Dir(other) != dir || !strings.HasSuffix(other, ".sqlite") {
		t.Errorf("Ensure with another seed: got %s, want a new .sqlite file in %s", other, dir)
	}
}

func TestEnsureFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Ensure(ctx, dir, smallOptions); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ensure with a cancelled context: got error %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("cache directory after a failed Ensure: got %d entries, want none", len(entries))
	}
}

func TestCalendar(t *testing.T) {
	at := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	wantPromos := []Promotion{
		{Name: "mid_year_618", LabelZH: "618大促", LabelEN: "618 sale", Start: at("2025-06-01"), Peak: at("2025-06-18"), Lift: 2},
		{Name: "double_11", LabelZH: "双11", LabelEN: "Singles' Day", Start: at("2025-11-01"), Peak: at("2025-11-11"), Lift: 3},
		{Name: "mid_year_618", LabelZH: "618大促", LabelEN: "618 sale", Start: at("2026-06-01"), Peak: at("2026-06-18"), Lift: 2},
		{Name: "double_11", LabelZH: "双11", LabelEN: "Singles' Day", Start: at("2026-11-01"), Peak: at("2026-11-11"), Lift: 3},
	}
	if diff := cmp.Diff(wantPromos, Promotions(testEnd)); diff != "" {
		t.Errorf("Promotions(2026-11-30) (-want +got):\n%s", diff)
	}

	type when struct {
		Name, Start, End, Metric string
		Slice                    map[string]string
	}
	var got []when
	for _, in := range Incidents(testEnd) {
		got = append(got, when{in.Name, in.Start.Format(time.DateOnly), in.End.Format(time.DateOnly), in.Metric, in.Slice})
	}
	want := []when{
		{"southwest_visitor_drift", "2026-11-10", "2026-11-16", "visitors", map[string]string{"region": "西南"}},
		{"east_miniprogram_payment_outage", "2026-11-18", "2026-11-18", "gmv", map[string]string{"region": "华东", "channel": "小程序"}},
		{"appliance_refund_spike", "2026-11-25", "2026-11-25", "refund_rate", map[string]string{"category": "家电"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Incidents(2026-11-30) (-want +got):\n%s", diff)
	}

	weekdays := []struct {
		d    string
		want time.Weekday
	}{
		{"1970-01-01", time.Thursday}, {"2026-11-30", time.Monday}, {"2026-11-11", time.Wednesday}, {"1969-12-31", time.Wednesday},
	}
	for _, w := range weekdays {
		if got := dateOf(at(w.d)).weekday(); got != w.want {
			t.Errorf("weekday of %s: got %v, want %v", w.d, got, w.want)
		}
		if got := dateOf(at(w.d)).String(); got != w.d {
			t.Errorf("date round trip: got %s, want %s", got, w.d)
		}
	}
}

func TestPromotionLift(t *testing.T) {
	ps := promosFor(Promotions(testEnd))
	tests := []struct {
		day      string
		want     float64
		wantPeak bool
	}{
		{"2026-10-31", 1, false},
		{"2026-11-01", 1.15, false},
		{"2026-11-10", 1.75, false},
		{"2026-11-11", 3, true},
		{"2026-11-12", 1, false},
		{"2026-06-01", 1.08, false},
		{"2026-06-18", 2, true},
	}
	for _, tt := range tests {
		d, _ := time.Parse(time.DateOnly, tt.day)
		got, peak := promoLift(ps, dateOf(d))
		if diff := got - tt.want; diff > 1e-9 || diff < -1e-9 || peak != tt.wantPeak {
			t.Errorf("promoLift(%s): got %.3f, %v, want %.3f, %v", tt.day, got, peak, tt.want, tt.wantPeak)
		}
	}
}
