package alert

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
)

// sum returns the effects and contributions of a breakdown's parts and remainder.
func sum(b Breakdown) (effect, contribution float64) {
	effect, contribution = b.Other.Effect, b.Other.Contribution
	for _, p := range b.Parts {
		effect += p.Effect
		contribution += p.Contribution
	}
	return effect, contribution
}

func TestSplitAdditive(t *testing.T) {
	// Channel A drops 40 of 100, B and C are flat, D grows 5: total 230 -> 195.
	items := []Item{
		{Value: "A", Base: 100, Cur: 60},
		{Value: "B", Base: 80, Cur: 80},
		{Value: "C", Base: 40, Cur: 40},
		{Value: "D", Base: 10, Cur: 15},
	}
	b := SplitAdditive("channel", items, 230, 195, 2)
	want := []Contributor{
		{Dimension: "channel", Value: "A", Base: 100, Current: 60, PctChange: -0.4, Effect: -40, Contribution: 40.0 / 35, Share: 160.0 / 425, Score: (1 - 160.0/425) * 0.4},
		// B, C and D all score 0 (none made more of the change than its share); the largest
		// effect breaks the tie.
		{Dimension: "channel", Value: "D", Base: 10, Current: 15, PctChange: 0.5, Effect: 5, Contribution: -5.0 / 35, Share: 25.0 / 425},
	}
	if diff := cmp.Diff(want, b.Parts, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	if b.Other.Effect != 0 || b.Other.Value != OtherValue {
		t.Errorf("got other %q %g, want %q 0 (B and C did not move)", b.Other.Value, b.Other.Effect, OtherValue)
	}
	if e, c := sum(b); e != -35 || math.Abs(c-1) > 1e-12 {
		t.Errorf("got parts adding up to %g (%g), want -35 (1)", e, c)
	}
}

func TestSplitAdditiveNonAdditiveTotal(t *testing.T) {
	// Distinct customers: slices overlap, so they add up to more than the total. The remainder
	// takes the difference and the parts still add up to the total change.
	items := []Item{{Value: "x", Base: 60, Cur: 50}, {Value: "y", Base: 60, Cur: 62}}
	b := SplitAdditive("channel", items, 100, 95, 5)
	if e, c := sum(b); e != -5 || math.Abs(c-1) > 1e-12 {
		t.Errorf("got parts adding up to %g (%g), want -5 (1)", e, c)
	}
	if b.Other.Effect != 3 {
		t.Errorf("got other %g, want 3 (-5 - (-10 + 2))", b.Other.Effect)
	}
}

func TestSplitRatio(t *testing.T) {
	// Refund rate by category. 家电's rate triples (2% -> 6%) at a constant weight; 食品's
	// weight doubles at a constant rate: a pure mix effect.
	items := []Item{
		{Value: "家电", BaseNum: 20, BaseDen: 1000, CurNum: 60, CurDen: 1000},
		{Value: "食品", BaseNum: 10, BaseDen: 1000, CurNum: 20, CurDen: 2000},
		{Value: "服装", BaseNum: 40, BaseDen: 2000, CurNum: 40, CurDen: 2000},
	}
	rb, rc := 70.0/4000, 120.0/5000
	b := SplitRatio("category", items, rb, rc, 0)
	if e, c := sum(b); math.Abs(e-(rc-rb)) > 1e-15 || math.Abs(c-1) > 1e-12 {
		t.Errorf("got parts adding up to %g (%g), want %g (1)", e, c, rc-rb)
	}
	if math.Abs(b.Other.Effect) > 1e-15 {
		t.Errorf("got other %g, want 0: the items are the whole ratio", b.Other.Effect)
	}
	byValue := map[string]Contributor{}
	for _, p := range b.Parts {
		byValue[p.Value] = p
		if math.Abs(p.Rate+p.Mix-p.Effect) > 1e-15 {
			t.Errorf("%s: got rate %g + mix %g != effect %g", p.Value, p.Rate, p.Mix, p.Effect)
		}
	}
	// 家电: mean weight (0.25 + 0.2) / 2 times Δrate 0.04.
	if got, want := byValue["家电"].Rate, 0.225*0.04; math.Abs(got-want) > 1e-15 {
		t.Errorf("家电 rate effect: got %g, want %g", got, want)
	}
	if got := byValue["食品"].Rate; got != 0 {
		t.Errorf("食品 rate effect: got %g, want 0 (its rate stayed 1%%)", got)
	}
	// 食品: (mean rate 0.01 - mean total rate) x Δweight 0.15: more weight on a low rate lowers
	// the total.
	if got, want := byValue["食品"].Mix, (0.01-(rb+rc)/2)*(0.4-0.25); math.Abs(got-want) > 1e-15 {
		t.Errorf("食品 mix effect: got %g, want %g", got, want)
	}
	if top := Rank([]Breakdown{b}, 1); len(top) != 1 || top[0].Value != "家电" {
		t.Errorf("got top %+v, want 家电", top)
	}
}

func TestRankAcrossDimensions(t *testing.T) {
	// 小程序 (22% of GMV) loses a third; channel type 线上 carries the same loss but is most of
	// the total, and stores only follow. 小程序 must rank first.
	channel := SplitAdditive("channel", []Item{
		{Value: "小程序", Base: 22, Cur: 14.7}, {Value: "门店", Base: 40, Cur: 40.1}, {Value: "天猫", Base: 38, Cur: 37.9},
	}, 100, 92.7, 3)
	channelType := SplitAdditive("channel_type", []Item{
		{Value: "线上", Base: 60, Cur: 52.6}, {Value: "线下", Base: 40, Cur: 40.1},
	}, 100, 92.7, 3)
	stores := SplitAdditive("store", []Item{
		{Value: "s1", Base: 50, Cur: 46.3}, {Value: "s2", Base: 50, Cur: 46.4},
	}, 100, 92.7, 3)
	top := Rank([]Breakdown{stores, channelType, channel}, 3)
	var got []string
	for _, c := range top {
		got = append(got, c.Dimension+"="+c.Value)
	}
	if diff := cmp.Diff([]string{"channel=小程序", "channel_type=线上", "store=s1"}, got); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
}

func TestAttributeFactors(t *testing.T) {
	// gmv = visitors x conversion x aov: visitors flat, conversion -35%, aov +1%.
	base := []float64{1000, 0.05, 200}
	cur := []float64{1000, 0.0325, 202}
	mb, mc := 1000*0.05*200, 1000*0.0325*202
	got, ok := AttributeFactors([]string{"visitors", "conversion_rate", "aov"}, base, cur, mb, mc)
	if !ok {
		t.Fatal("got no attribution")
	}
	total := 0.0
	for _, f := range got {
		total += f.Share
	}
	if math.Abs(total-1) > 1e-12 {
		t.Errorf("got shares adding up to %g, want 1", total)
	}
	if got[0].Share != 0 || got[1].Share < 1 || got[2].Share >= 0 {
		t.Errorf("got shares %+v, want visitors 0, conversion above 1, aov below 0", got)
	}
	if _, ok := AttributeFactors([]string{"a"}, []float64{1}, []float64{1}, 5, 5); ok {
		t.Error("a metric that did not move: got an attribution, want none")
	}
	if _, ok := AttributeFactors([]string{"a"}, []float64{0}, []float64{1}, 5, 6); ok {
		t.Error("a zero factor: got an attribution, want none")
	}
}

func TestRaiseOncePerRuleSlicePeriod(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"), sqlite.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	day := catalog.NewDate(2026, 11, 18)
	low, high := 13000.0, 18000.0
	a := Alert{Rule: "gmv.channel_drop", Metric: "gmv", Kind: catalog.Anomaly, Slice: Slice{"region": "华东", "channel": "小程序"},
		Day: day, Period: catalog.TimeRange{Start: day, End: day.AddDays(1)}, Value: 10700, Expected: 15600, Low: &low, High: &high,
		Direction: catalog.Down, Owner: "wang_fang", loc: shanghai}
	note := a
	note.Slice, note.Event = Slice{"region": "华北"}, &EventNote{Name: "double_11"}

	created, err := Raise(ctx, st, []Alert{a, note})
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 {
		t.Fatalf("first run: got %d alerts raised, want 1 (the annotation is not raised)", len(created))
	}
	want := store.Alert{ID: created[0].ID, Rule: "gmv.channel_drop", Metric: "gmv", Slice: []byte(`{"channel":"小程序","region":"华东"}`),
		PeriodStart: time.Date(2026, 11, 17, 16, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2026, 11, 18, 16, 0, 0, 0, time.UTC),
		Kind: "anomaly", Value: 10700, ExpectedLow: 13000, ExpectedHigh: 18000, Status: store.AlertOpen, Owner: "wang_fang",
		CreatedAt: now, UpdatedAt: now}
	if diff := cmp.Diff(want, created[0]); diff != "" {
		t.Errorf("raised alert (-want +got):\n%s", diff)
	}
	again, err := Raise(ctx, st, []Alert{a})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("second run: got %d alerts raised, want 0 (same rule, slice and period)", len(again))
	}
	next := a
	next.Day, next.Period = day.AddDays(1), catalog.TimeRange{Start: day.AddDays(1), End: day.AddDays(2)}
	if got, err := Raise(ctx, st, []Alert{next}); err != nil || len(got) != 1 {
		t.Errorf("next day: got %d raised, err %v, want 1", len(got), err)
	}

	// Dismissing the alert leaves its day out of future baselines.
	if _, err := st.SetAlertStatus(ctx, created[0].ID, store.AlertDismissed, "wang_fang", "data reload"); err != nil {
		t.Fatal(err)
	}
	all, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	dismissed := Dismissals(all, shanghai)
	for _, tt := range []struct {
		slice Slice
		day   catalog.Date
		want  bool
	}{
		{Slice{"channel": "小程序", "region": "华东"}, day, true},
		{Slice{"channel": "小程序", "region": "华东"}, day.AddDays(1), false}, // open, not dismissed
		{Slice{"region": "华东"}, day, false},
	} {
		if got := dismissed("gmv.channel_drop", tt.slice, tt.day); got != tt.want {
			t.Errorf("dismissed(%s, %s): got %v, want %v", tt.slice, tt.day, got, tt.want)
		}
	}
}

// BenchmarkDetect runs anomaly detection over 1,000 series of 730 daily points (every point
// judged once it has history). Target: under 1 s per op.
func BenchmarkDetect(b *testing.B) {
	series := make([][]float64, 1000)
	for i := range series {
		series[i] = weekly(730, uint64(i))
	}
	det := Detector{K: 4, Weeks: 8, MinHistory: 28, MinScale: 0.01, Direction: catalog.Both}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, x := range series {
			n += len(det.Detect(x, 0, len(x), Marks{}))
		}
		_ = n
	}
}

// BenchmarkRootCause ranks 10,000 slices over 5 dimensions of 2,000 values each, additive and
// ratio. Target: under 100 ms per op.
func BenchmarkRootCause(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	dims := make([][]Item, 5)
	for d := range dims {
		for v := range 2000 {
			base := 100 + r.Float64()*1000
			dims[d] = append(dims[d], Item{Value: fmt.Sprint(v), Base: base, Cur: base * (0.9 + 0.2*r.Float64()),
				BaseNum: base * 0.03, BaseDen: base, CurNum: base * 0.03 * (0.8 + 0.4*r.Float64()), CurDen: base})
		}
	}
	b.ResetTimer()
	for b.Loop() {
		var bs []Breakdown
		for d, items := range dims {
			if d%2 == 0 {
				bs = append(bs, SplitAdditive(fmt.Sprint("dim", d), items, 1e6, 0.95e6, 3))
			} else {
				bs = append(bs, SplitRatio(fmt.Sprint("dim", d), items, 0.03, 0.031, 3))
			}
		}
		_ = Rank(bs, 5)
	}
}
