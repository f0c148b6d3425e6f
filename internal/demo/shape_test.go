package demo

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// The shape tests read the full-size warehouse with hand-written SQL only.

// facts are daily aggregates of the full-size warehouse, keyed by date string.
type facts struct {
	// sliceGMV is paid GMV per day, region and channel.
	sliceGMV map[[3]string]float64
	// dayGMV is paid GMV per day.
	dayGMV map[string]float64
	// catGMV and catRefund are paid GMV (by order date) and refunds (by refund date) per day
	// and category.
	catGMV, catRefund map[[2]string]float64
	// visitors per day and region.
	visitors                      map[[2]string]float64
	regions, channels, categories []string
}

var factsOnce struct {
	once sync.Once
	f    *facts
	err  error
}

func loadFacts(t *testing.T) *facts {
	t.Helper()
	db := fullDB(t)
	factsOnce.once.Do(func() {
		f := &facts{
			sliceGMV:  make(map[[3]string]float64),
			dayGMV:    make(map[string]float64),
			catGMV:    make(map[[2]string]float64),
			catRefund: make(map[[2]string]float64),
			visitors:  make(map[[2]string]float64),
		}
		queries := []struct {
			q    string
			scan func(k []string, v float64)
		}{
			{`SELECT o.order_date, s.region, c.channel_name, SUM(l.amount)
			  FROM order_lines l
			  JOIN orders o ON o.order_id = l.order_id
			  JOIN stores s ON s.store_id = o.store_id
			  JOIN channels c ON c.channel_id = o.channel_id
			  WHERE o.status = 'paid'
			  GROUP BY o.order_date, s.region, c.channel_name`,
				func(k []string, v float64) {
					f.sliceGMV[[3]string{k[0], k[1], k[2]}] = v
					f.dayGMV[k[0]] += v
				}},
			{`SELECT o.order_date, g.category_name, SUM(l.amount)
			  FROM order_lines l
			  JOIN orders o ON o.order_id = l.order_id
			  JOIN products p ON p.product_id = l.product_id
			  JOIN categories g ON g.category_id = p.category_id
			  WHERE o.status = 'paid'
			  GROUP BY o.order_date, g.category_name`,
				func(k []string, v float64) { f.catGMV[[2]string{k[0], k[1]}] = v }},
			{`SELECT r.refund_date, g.category_name, SUM(r.amount)
			  FROM refunds r
			  JOIN products p ON p.product_id = r.product_id
			  JOIN categories g ON g.category_id = p.category_id
			  GROUP BY r.refund_date, g.category_name`,
				func(k []string, v float64) { f.catRefund[[2]string{k[0], k[1]}] = v }},
			{`SELECT t.traffic_date, s.region, SUM(t.visitors)
			  FROM store_traffic t JOIN stores s ON s.store_id = t.store_id
			  GROUP BY t.traffic_date, s.region`,
				func(k []string, v float64) { f.visitors[[2]string{k[0], k[1]}] = v }},
		}
		for _, q := range queries {
			rows, err := db.Query(q.q)
			if err != nil {
				factsOnce.err = fmt.Errorf("query %q: %w", q.q, err)
				return
			}
			for rows.Next() {
				cols, _ := rows.Columns()
				keys := make([]string, len(cols)-1)
				dest := make([]any, len(cols))
				for i := range keys {
					dest[i] = &keys[i]
				}
				var v float64
				dest[len(cols)-1] = &v
				if err := rows.Scan(dest...); err != nil {
					factsOnce.err = err
					rows.Close()
					return
				}
				q.scan(keys, v)
			}
			if err := rows.Close(); err != nil {
				factsOnce.err = err
				return
			}
		}
		for _, q := range []struct {
			q   string
			out *[]string
		}{
			{"SELECT DISTINCT region FROM stores ORDER BY region", &f.regions},
			{"SELECT channel_name FROM channels ORDER BY channel_id", &f.channels},
			{"SELECT category_name FROM categories ORDER BY category_id", &f.categories},
		} {
			rows, err := db.Query(q.q)
			if err != nil {
				factsOnce.err = err
				return
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				*q.out = append(*q.out, s)
			}
			rows.Close()
		}
		factsOnce.f = f
	})
	if factsOnce.err != nil {
		t.Fatalf("load facts: %v", factsOnce.err)
	}
	return factsOnce.f
}

// day returns the date string n days after (or before, for negative n) the given one.
func day(s string, n int) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

func endMinus(n int) string { return testEnd.AddDate(0, 0, -n).Format(time.DateOnly) }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// weekdayDeviation returns gmv of a region x channel on day d against the median of the same
// weekday over the previous 8 weeks, minus one.
func (f *facts) weekdayDeviation(d, region, channel string) float64 {
	var base []float64
	for w := 1; w <= 8; w++ {
		base = append(base, f.sliceGMV[[3]string{day(d, -7*w), region, channel}])
	}
	return f.sliceGMV[[3]string{d, region, channel}]/median(base) - 1
}

// refundRate returns refunds / gmv of a category on day d.
func (f *facts) refundRate(d, category string) float64 {
	return f.catRefund[[2]string{d, category}] / f.catGMV[[2]string{d, category}]
}

// refundSpike returns the refund rate of a category on day d over its median of the 28 days before.
func (f *facts) refundSpike(d, category string) float64 {
	var base []float64
	for k := 1; k <= 28; k++ {
		base = append(base, f.refundRate(day(d, -k), category))
	}
	return f.refundRate(d, category) / median(base)
}

func inPromotion(d string) bool {
	t, _ := time.Parse(time.DateOnly, d)
	for _, p := range Promotions(testEnd) {
		if p.Contains(t) {
			return true
		}
	}
	return false
}

func TestShapeWeekendsAreBusier(t *testing.T) {
	f := loadFacts(t)
	var weekend, weekday []float64
	for d, v := range f.dayGMV {
		if inPromotion(d) {
			continue
		}
		tm, _ := time.Parse(time.DateOnly, d)
		switch tm.Weekday() {
		case time.Saturday, time.Sunday:
			weekend = append(weekend, v)
		default:
			weekday = append(weekday, v)
		}
	}
	got := mean(weekend) / mean(weekday)
	t.Logf("weekend / weekday average gmv: %.3f", got)
	if got < 1.25 || got > 1.40 {
		t.Errorf("weekend / weekday average gmv: got %.3f, want 1.25..1.40", got)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func TestShapePromotionPeaks(t *testing.T) {
	f := loadFacts(t)
	ps := Promotions(testEnd)
	if len(ps) != 4 {
		t.Fatalf("promotions in the window: got %d, want 4", len(ps))
	}
	for _, p := range ps {
		t.Run(p.Peak.Format(time.DateOnly), func(t *testing.T) {
			peak := p.Peak.Format(time.DateOnly)
			// The surrounding weeks: three weeks before the build-up and two after the peak.
			var around []float64
			for k := -int(p.Peak.Sub(p.Start).Hours()/24) - 21; k <= 14; k++ {
				d := day(peak, k)
				if inPromotion(d) || d > endMinus(0) {
					continue
				}
				around = append(around, f.dayGMV[d])
			}
			got := f.dayGMV[peak] / median(around)
			t.Logf("%s peak gmv / median of surrounding weeks: %.2f", p.Name, got)
			lo, hi := 0.8*p.Lift, 1.2*p.Lift
			if got < lo || got > hi {
				t.Errorf("%s peak gmv / median of surrounding weeks: got %.2f, want %.2f..%.2f", p.Name, got, lo, hi)
			}
			// The build-up rises: its second half sells more than its first half, and both
			// more than an ordinary day.
			var first, second []float64
			n := int(p.Peak.Sub(p.Start).Hours() / 24)
			for k := 0; k < n; k++ {
				v := f.dayGMV[p.Start.AddDate(0, 0, k).Format(time.DateOnly)]
				if k < n/2 {
					first = append(first, v)
				} else {
					second = append(second, v)
				}
			}
			if !(mean(first) > median(around) && mean(second) > mean(first)) {
				t.Errorf("%s build-up: got mean gmv %.0f then %.0f against %.0f on ordinary days, want rising",
					p.Name, mean(first), mean(second), median(around))
			}
		})
	}
}

func TestShapeGrowth(t *testing.T) {
	f := loadFacts(t)
	var recent, before float64
	for k := 0; k < 365; k++ {
		recent += f.dayGMV[endMinus(k)]
		before += f.dayGMV[endMinus(k+365)]
	}
	got := recent/before - 1
	t.Logf("gmv growth of the last 365 days over the 365 before: %.1f%%", got*100)
	if got < 0.08 || got > 0.25 {
		t.Errorf("gmv growth of the last 365 days over the 365 before: got %.1f%%, want 8%%..25%%", got*100)
	}
}

func TestIncidentPaymentOutage(t *testing.T) {
	f := loadFacts(t)
	d := endMinus(12)
	got := f.weekdayDeviation(d, "华东", "小程序")
	t.Logf("华东 小程序 gmv on %s against the median of the same weekday over 8 weeks: %+.1f%%", d, got*100)
	if got < -0.45 || got > -0.25 {
		t.Errorf("华东 小程序 gmv on %s against the median of the same weekday over 8 weeks: got %+.1f%%, want -45%%..-25%%",
			d, got*100)
	}
	// The outage hits conversion, not traffic.
	var vis []float64
	for w := 0; w <= 8; w++ {
		vis = append(vis, queryFloat(t, fullDB(t), `SELECT SUM(t.visitors) FROM store_traffic t
			JOIN stores s ON s.store_id = t.store_id JOIN channels c ON c.channel_id = t.channel_id
			WHERE s.region = '华东' AND c.channel_name = '小程序' AND t.traffic_date = ?`, day(d, -7*w)))
	}
	if got := vis[0]/median(vis[1:]) - 1; math.Abs(got) > 0.08 {
		t.Errorf("华东 小程序 visitors on %s against the median of the same weekday: got %+.1f%%, want within ±8%%", d, got*100)
	}
	for _, r := range f.regions {
		for _, c := range f.channels {
			if r == "华东" && c == "小程序" {
				continue
			}
			// 西南 is in the middle of its visitor drift (the third incident).
			want := 0.0
			if r == "西南" {
				want = math.Pow(driftFactor, driftDays) - 1
			}
			if got := f.weekdayDeviation(d, r, c); math.Abs(got-want) > 0.15 {
				t.Errorf("%s %s gmv on %s: got %+.1f%% against its usual weekday, want %+.0f%% ± 15%%", r, c, d, got*100, want*100)
			}
		}
	}
}

func TestIncidentApplianceRefunds(t *testing.T) {
	f := loadFacts(t)
	d := endMinus(5)
	got := f.refundSpike(d, "家电")
	t.Logf("家电 refund rate on %s over its 28-day median: %.2fx", d, got)
	if got < 2.5 || got > 3.5 {
		t.Errorf("家电 refund rate on %s over its 28-day median: got %.2fx, want 2.5x..3.5x", d, got)
	}
	for _, c := range f.categories {
		if c == "家电" {
			continue
		}
		if got := f.refundSpike(d, c); got < 0.7 || got > 1.4 {
			t.Errorf("%s refund rate on %s over its 28-day median: got %.2fx, want 0.7x..1.4x", c, d, got)
		}
	}
}

func TestIncidentSouthwestDrift(t *testing.T) {
	f := loadFacts(t)
	from, to := endMinus(21), endMinus(13)
	for _, r := range f.regions {
		got := f.visitors[[2]string{to, r}]/f.visitors[[2]string{from, r}] - 1
		t.Logf("%s visitors %s against %s: %+.1f%%", r, to, from, got*100)
		if r == "西南" {
			if got < -0.17 || got > -0.09 {
				t.Errorf("西南 visitors %s against %s: got %+.1f%%, want about -13%% (-17%%..-9%%)", to, from, got*100)
			}
			continue
		}
		if math.Abs(got) > 0.05 {
			t.Errorf("%s visitors %s against %s: got %+.1f%%, want flat (within ±5%%)", r, to, from, got*100)
		}
	}
}

// TestNothingElseUnusual checks that over the last 60 days no other slice moves as much as
// the planted incidents, so that an anomaly detector has clean negatives. Promotion days are
// declared in the calendar and left out of the GMV and visitor checks.
func TestNothingElseUnusual(t *testing.T) {
	f := loadFacts(t)
	const (
		maxGMV      = 0.25 // incident: -35%
		maxRefund   = 1.6  // incident: 3x
		maxVisitors = 0.09 // incident: -13% over 7 days
	)
	worst := map[string]string{}
	worstV := map[string]float64{}
	note := func(kind, what string, v float64) {
		if math.Abs(v) > math.Abs(worstV[kind]) {
			worstV[kind], worst[kind] = v, what
		}
	}
	for k := 0; k < 60; k++ {
		d := endMinus(k)
		for _, c := range f.categories {
			if c == "家电" && k == 5 {
				continue
			}
			got := f.refundSpike(d, c)
			note("refund", c+" "+d, math.Log(got))
			if got > maxRefund || got < 1/maxRefund {
				t.Errorf("%s refund rate on %s over its 28-day median: got %.2fx, want within %.1fx", c, d, got, maxRefund)
			}
		}
		if inPromotion(d) {
			continue
		}
		for _, r := range f.regions {
			for _, c := range f.channels {
				if k == 12 && r == "华东" && c == "小程序" {
					continue
				}
				got := f.weekdayDeviation(d, r, c)
				note("gmv", r+" "+c+" "+d, got)
				if math.Abs(got) > maxGMV {
					t.Errorf("%s %s gmv on %s against its usual weekday: got %+.1f%%, want within ±%.0f%%", r, c, d, got*100, maxGMV*100)
				}
			}
			if inPromotion(day(d, -7)) || (r == "西南" && k >= 7 && k <= 20) {
				continue
			}
			got := f.visitors[[2]string{d, r}]/f.visitors[[2]string{day(d, -7), r}] - 1
			note("visitors", r+" "+d, got)
			if math.Abs(got) > maxVisitors {
				t.Errorf("%s visitors on %s against a week before: got %+.1f%%, want within ±%.0f%%", r, d, got*100, maxVisitors*100)
			}
		}
	}
	for kind, what := range worst {
		t.Logf("largest %s deviation outside the incidents: %s (%+.3f)", kind, what, worstV[kind])
	}
}
