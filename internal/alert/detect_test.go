package alert

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

// weekly returns n days of a series with a weekly pattern (weekends 30% higher), a small trend
// and 1% multiplicative noise, deterministic from seed.
func weekly(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		level := 1000 * (1 + 0.0003*float64(i))
		if i%7 == 5 || i%7 == 6 {
			level *= 1.3
		}
		x[i] = level * (1 + 0.01*r.NormFloat64())
	}
	return x
}

func indexes(fs []Finding) []int {
	out := []int{}
	for _, f := range fs {
		out = append(out, f.Index)
	}
	return out
}

func TestDetect(t *testing.T) {
	det := Detector{K: 4, Weeks: 8, MinHistory: 28, MinScale: 0.01, Direction: catalog.Both}
	const n = 140
	promo := &catalog.Event{Name: "promo"}
	tests := []struct {
		name string
		edit func(x []float64, m *Marks)
		det  func(d Detector) Detector
		from int
		want []int
		// firstIn, when set, replaces want: the first finding falls in [firstIn[0], firstIn[1]]
		// and none comes before.
		firstIn [2]int
		wantDir catalog.AlertDirection
		wantEv  bool
	}{
		{name: "normal days", edit: func([]float64, *Marks) {}, from: 60, want: []int{}},
		{name: "spike up", edit: func(x []float64, _ *Marks) { x[120] *= 1.4 }, from: 60, want: []int{120}, wantDir: catalog.Up},
		{name: "drop on a weekend", edit: func(x []float64, _ *Marks) { x[117] *= 0.7 }, from: 60, want: []int{117}, wantDir: catalog.Down},
		{name: "spike up, rule watches down only", edit: func(x []float64, _ *Marks) { x[120] *= 1.4 },
			det: func(d Detector) Detector { d.Direction = catalog.Down; return d }, from: 60, want: []int{}},
		{name: "weekend is not a spike", edit: func(x []float64, _ *Marks) {}, from: 100, want: []int{}},
		{name: "drift of 3% a day is caught within days", edit: func(x []float64, _ *Marks) {
			for i := 110; i < n; i++ {
				x[i] *= math.Pow(0.97, float64(min(i-109, 7)))
			}
		}, from: 100, firstIn: [2]int{110, 113}, wantDir: catalog.Down},
		{name: "promo day is annotated, not alerted", edit: func(x []float64, m *Marks) {
			x[120] *= 3
			m.Events = make([]*catalog.Event, n)
			m.Events[120] = promo
		}, from: 60, want: []int{120}, wantDir: catalog.Up, wantEv: true},
		{name: "past promo days stay out of the baseline", edit: func(x []float64, m *Marks) {
			m.Events = make([]*catalog.Event, n)
			for _, i := range []int{99, 106, 113} {
				x[i] *= 3
				m.Events[i] = promo
			}
			x[120] *= 0.85
		}, from: 114, want: []int{120}, wantDir: catalog.Down},
		{name: "dismissed points stay out of the baseline", edit: func(x []float64, m *Marks) {
			m.Dismissed = make([]bool, n)
			for _, i := range []int{92, 99, 106, 113} {
				x[i] *= 2 // a dismissed level would otherwise drag the median up
				m.Dismissed[i] = true
			}
		}, from: 114, want: []int{}},
		{name: "short history is not judged", edit: func(x []float64, _ *Marks) { x[20] *= 3 }, from: 0, want: []int{}},
		{name: "missing days are skipped and not judged", edit: func(x []float64, _ *Marks) {
			for i := 60; i < 90; i += 3 {
				x[i] = math.NaN()
			}
			x[100] = math.NaN()
		}, from: 60, want: []int{}},
		{name: "missing days before a spike", edit: func(x []float64, _ *Marks) {
			for i := 60; i < 110; i += 4 {
				x[i] = math.NaN()
			}
			x[120] *= 1.5
		}, from: 60, want: []int{120}, wantDir: catalog.Up},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := weekly(n, 7)
			var m Marks
			tt.edit(x, &m)
			d := det
			if tt.det != nil {
				d = tt.det(det)
			}
			got := d.Detect(x, tt.from, n, m)
			if tt.firstIn != [2]int{} {
				if len(got) == 0 || got[0].Index < tt.firstIn[0] || got[0].Index > tt.firstIn[1] {
					t.Fatalf("got findings at %v, want the first in %v", indexes(got), tt.firstIn)
				}
			} else if diff := cmp.Diff(tt.want, indexes(got)); diff != "" {
				t.Fatalf("findings (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Direction != tt.wantDir {
					t.Errorf("point %d: got direction %s, want %s", f.Index, f.Direction, tt.wantDir)
				}
				if (f.Event != nil) != tt.wantEv {
					t.Errorf("point %d: got event %v, want annotated %v", f.Index, f.Event, tt.wantEv)
				}
				if f.Value >= f.Low && f.Value <= f.High {
					t.Errorf("point %d: value %g inside its band [%g, %g]", f.Index, f.Value, f.Low, f.High)
				}
			}
		})
	}
}

func TestBandMatchesDetect(t *testing.T) {
	det := Detector{K: 4, Weeks: 8, MinHistory: 28, MinScale: 0.01}
	x := weekly(140, 3)
	for _, i := range []int{70, 99, 139} {
		b, ok := det.Band(x, i, Marks{})
		if !ok {
			t.Fatalf("point %d: no band", i)
		}
		x2 := append([]float64(nil), x...)
		x2[i] = b.High * 1.001
		got := det.Detect(x2, i, i+1, Marks{})
		if len(got) != 1 || math.Abs(got[0].Expected-b.Expected) > 1e-9 {
			t.Errorf("point %d: got %+v, want one finding with expected %g", i, got, b.Expected)
		}
		if math.Abs(b.Expected/x[i]-1) > 0.05 {
			t.Errorf("point %d: got expected %g, want within 5%% of %g", i, b.Expected, x[i])
		}
	}
}

func TestChecks(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name    string
		got     func() (Finding, bool)
		want    bool
		wantDir catalog.AlertDirection
	}{
		{"above threshold", func() (Finding, bool) { return CheckThreshold(0.05, f(0.04), nil, catalog.Both) }, true, catalog.Up},
		{"at threshold", func() (Finding, bool) { return CheckThreshold(0.04, f(0.04), nil, catalog.Both) }, false, ""},
		{"below lower bound", func() (Finding, bool) { return CheckThreshold(90, f(200), f(100), catalog.Both) }, true, catalog.Down},
		{"below, rule watches up", func() (Finding, bool) { return CheckThreshold(90, nil, f(100), catalog.Up) }, false, ""},
		{"missing value", func() (Finding, bool) { return CheckThreshold(math.NaN(), f(1), nil, catalog.Both) }, false, ""},
		{"change beyond 20%", func() (Finding, bool) { return CheckChange(75, 100, 0.2, catalog.Both) }, true, catalog.Down},
		{"change within 20%", func() (Finding, bool) { return CheckChange(85, 100, 0.2, catalog.Both) }, false, ""},
		{"change from zero", func() (Finding, bool) { return CheckChange(5, 0, 0.2, catalog.Both) }, false, ""},
		{"change up, rule watches down", func() (Finding, bool) { return CheckChange(130, 100, 0.2, catalog.Down) }, false, ""},
		{"pace behind", func() (Finding, bool) { return CheckPace(250, 1000, 10, 30, 0.9) }, true, catalog.Down},
		{"pace on track", func() (Finding, bool) { return CheckPace(320, 1000, 10, 30, 0.9) }, false, ""},
		{"month attained", func() (Finding, bool) { return CheckPace(950, 1000, 30, 30, 0.9) }, false, ""},
		{"month missed", func() (Finding, bool) { return CheckPace(850, 1000, 30, 30, 0.9) }, true, catalog.Down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.got()
			if ok != tt.want || ok && got.Direction != tt.wantDir {
				t.Errorf("got alert %v direction %q, want %v %q", ok, got.Direction, tt.want, tt.wantDir)
			}
		})
	}
}

func TestLastEvaluable(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-12-01 01:00 in Shanghai is still November 30 in UTC.
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		latency int
		want    catalog.Date
	}{
		{0, catalog.NewDate(2026, 11, 30)},
		{1, catalog.NewDate(2026, 11, 29)},
		{3, catalog.NewDate(2026, 11, 27)},
	} {
		if got := LastEvaluable(now, shanghai, tt.latency); got != tt.want {
			t.Errorf("latency %d: got %s, want %s", tt.latency, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 60; n++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Round(r.Float64() * 20)
		}
		s := append([]float64(nil), v...)
		insertionSort(s)
		want := s[n/2]
		if n%2 == 0 {
			want = (s[n/2-1] + s[n/2]) / 2
		}
		c := 7.3
		dev := make([]float64, n)
		for i, x := range s {
			dev[i] = math.Abs(x - c)
		}
		insertionSort(dev)
		wantMAD := (dev[(n-1)/2] + dev[n/2]) / 2
		if got := sortedMAD(s, c); got != wantMAD {
			t.Errorf("n=%d: got MAD %g, want %g", n, got, wantMAD)
		}
		if got := median(v); got != want {
			t.Errorf("n=%d: got median %g, want %g", n, got, want)
		}
	}
}
