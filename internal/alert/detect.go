package alert

import (
	"math"
	"slices"
	"time"

	"github.com/metricbot/metricbot/catalog"
)

// Band widths in robust standard deviations, per sensitivity.
var bandWidth = map[catalog.Sensitivity]float64{
	catalog.Low:    5,
	catalog.Medium: 4,
	catalog.High:   3,
}

// Detector finds anomalies in a daily series with a weekly pattern. For day i it learns from the
// window of the Weeks*7 days before i:
//
//   - the level: the median of the same weekday's values in the window, times one plus the
//     median of the window's residuals (a correction for trend);
//   - the scale: 1.4826 times the median absolute deviation of the window's residuals, at least
//     MinScale.
//
// A day's residual is its out-of-sample relative error, value / level - 1, where level is the
// same-weekday median of the Weeks weeks before that day. The band is level x (1 ± K x scale).
// Points that are missing (NaN), fall on a declared event or were dismissed are left out of every
// median. A Detector is a value; it is safe for concurrent use.
type Detector struct {
	// K is the half-width of the band in robust standard deviations.
	K float64
	// Weeks is the length of the history window in weeks.
	Weeks int
	// MinHistory is the number of usable days the window must hold.
	MinHistory int
	// MinScale is the smallest relative standard deviation assumed, so that a very steady series
	// does not alert on tiny moves.
	MinScale float64
	// Direction is which moves are reported.
	Direction catalog.AlertDirection
}

// Default parameters of a Detector.
const (
	DefaultWeeks    = 8
	DefaultMinScale = 0.01
	minSameWeekday  = 3  // same-weekday points needed for a level
	minResiduals    = 28 // residuals needed for a scale
	madToSigma      = 1.4826
)

// NewDetector returns the detector for an anomaly rule.
func NewDetector(r *catalog.AlertRule) Detector {
	k, ok := bandWidth[r.Sensitivity]
	if !ok {
		k = bandWidth[catalog.Medium]
	}
	minHist := r.MinHistory
	if minHist == 0 {
		minHist = 28
	}
	return Detector{K: k, Weeks: DefaultWeeks, MinHistory: minHist, MinScale: DefaultMinScale, Direction: r.Direction}
}

// Marks says which points of a series are special. Both slices are indexed like the series and
// may be shorter than it (missing entries mean unmarked).
type Marks struct {
	// Events holds the declared event covering each day, or nil.
	Events []*catalog.Event
	// Dismissed marks points an owner dismissed as not an anomaly.
	Dismissed []bool
}

// Event returns the event covering point i, or nil.
func (m Marks) Event(i int) *catalog.Event {
	if i >= 0 && i < len(m.Events) {
		return m.Events[i]
	}
	return nil
}

// skipped reports whether point i of x is left out of baselines.
func (m Marks) skipped(x []float64, i int) bool {
	if i < 0 || i >= len(x) || math.IsNaN(x[i]) || math.IsInf(x[i], 0) {
		return true
	}
	if i < len(m.Dismissed) && m.Dismissed[i] {
		return true
	}
	return m.Event(i) != nil
}

// Band is the expected range of one point.
type Band struct {
	Expected float64 `json:"expected"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	// Scale is the relative standard deviation used.
	Scale float64 `json:"scale"`
	// History is the number of usable points the band was learnt from.
	History int `json:"history"`
}

// Finding is a point outside its band (or past a threshold), or an annotated point on a declared
// event.
type Finding struct {
	Index int     `json:"-"`
	Value float64 `json:"value"`
	Band
	// Deviation is value / expected - 1.
	Deviation float64 `json:"deviation"`
	// Score is the deviation in standard deviations (anomalies only).
	Score float64 `json:"score,omitempty"`
	// Direction is up or down.
	Direction catalog.AlertDirection `json:"direction"`
	// Event is the declared event on that day: the finding is an annotation, not an alert.
	Event *catalog.Event `json:"-"`
}

// scratch holds per-call buffers so Detect allocates a few slices per series, not per point.
type scratch struct {
	level []float64 // same-weekday median level of each point, NaN when unknown
	resid []float64 // out-of-sample residual of each point, NaN when unknown
	buf   []float64
}

// prepare computes the levels and residuals of points [lo, to).
func (d Detector) prepare(x []float64, lo, to int, m Marks) *scratch {
	s := &scratch{
		level: make([]float64, to-lo),
		resid: make([]float64, to-lo),
		buf:   make([]float64, 0, 7*d.Weeks),
	}
	for j := lo; j < to; j++ {
		lv := d.sameWeekday(x, j, m, s.buf)
		s.level[j-lo] = lv
		s.resid[j-lo] = math.NaN()
		if !math.IsNaN(lv) && lv > 0 && !m.skipped(x, j) {
			s.resid[j-lo] = x[j]/lv - 1
		}
	}
	return s
}

// Detect judges points [from, to) of x and returns the findings in order: points outside their
// band in the detector's direction, and points on a declared event outside their band in either
// direction, as annotations. Points without enough history are not judged. The residuals of the
// history window are kept sorted as the window slides, so each point costs a few dozen steps.
func (d Detector) Detect(x []float64, from, to int, m Marks) []Finding {
	from, to = max(from, 0), min(to, len(x))
	if from >= to {
		return nil
	}
	w := d.Weeks * 7
	lo := max(from-2*w, 0)
	s := d.prepare(x, lo, to, m)
	win := s.buf[:0] // sorted residuals of the usable points in [i-w, i)
	usable := 0
	add := func(j int) {
		if j < 0 || m.skipped(x, j) {
			return
		}
		usable++
		if r := s.resid[j-lo]; !math.IsNaN(r) {
			k, _ := slices.BinarySearch(win, r)
			win = slices.Insert(win, k, r)
		}
	}
	remove := func(j int) {
		if j < 0 || m.skipped(x, j) {
			return
		}
		usable--
		if r := s.resid[j-lo]; !math.IsNaN(r) {
			k, _ := slices.BinarySearch(win, r)
			win = slices.Delete(win, k, k+1)
		}
	}
	for j := max(from-w, 0); j < from; j++ {
		add(j)
	}
	var out []Finding
	for i := from; i < to; i++ {
		if i > from {
			add(i - 1)
			remove(i - 1 - w)
		}
		b, ok := d.bandOf(s.level[i-lo], usable, win)
		ev := m.Event(i)
		if !ok || ev == nil && m.skipped(x, i) {
			continue
		}
		judge := d.judge
		if ev != nil {
			judge = d.annotate
		}
		f, breach := judge(x[i], b)
		if !breach {
			continue
		}
		f.Index, f.Event = i, ev
		out = append(out, f)
	}
	return out
}

// Band returns the expected band of point i of x, and false when the history is too short.
func (d Detector) Band(x []float64, i int, m Marks) (Band, bool) {
	if i < 0 || i >= len(x) {
		return Band{}, false
	}
	w := d.Weeks * 7
	lo := max(i-w, 0)
	s := d.prepare(x, lo, i+1, m)
	var win []float64
	usable := 0
	for j := lo; j < i; j++ {
		if m.skipped(x, j) {
			continue
		}
		usable++
		if r := s.resid[j-lo]; !math.IsNaN(r) {
			win = append(win, r)
		}
	}
	slices.Sort(win)
	return d.bandOf(s.level[i-lo], usable, win)
}

// sameWeekday returns the median of the usable same-weekday points in the window before j, or
// NaN when there are fewer than minSameWeekday.
func (d Detector) sameWeekday(x []float64, j int, m Marks, buf []float64) float64 {
	buf = buf[:0]
	for k := j - 7; k >= 0 && k >= j-7*d.Weeks; k -= 7 {
		if !m.skipped(x, k) {
			buf = append(buf, x[k])
		}
	}
	if len(buf) < minSameWeekday {
		return math.NaN()
	}
	return median(buf)
}

// bandOf computes a band from the point's same-weekday level, the number of usable points in its
// window and the window's residuals, sorted.
func (d Detector) bandOf(level float64, usable int, sorted []float64) (Band, bool) {
	if math.IsNaN(level) || level <= 0 || usable < d.MinHistory || len(sorted) < minResiduals {
		return Band{}, false
	}
	center := sortedMedian(sorted)
	scale := max(madToSigma*sortedMAD(sorted, center), d.MinScale)
	exp := level * (1 + center)
	return Band{
		Expected: exp,
		Low:      exp * (1 - d.K*scale),
		High:     exp * (1 + d.K*scale),
		Scale:    scale,
		History:  usable,
	}, true
}

func sortedMedian(v []float64) float64 {
	n := len(v)
	return (v[(n-1)/2] + v[n/2]) / 2
}

// sortedMAD returns the median absolute deviation of sorted values v from c, walking outwards
// from c: the distances come in increasing order, so only half of them are visited.
func sortedMAD(v []float64, c float64) float64 {
	n := len(v)
	k1, k2 := (n-1)/2, n/2
	l, _ := slices.BinarySearch(v, c)
	r := l
	l--
	var d1, d2 float64
	for t := 0; t <= k2; t++ {
		var dist float64
		if l >= 0 && (r >= n || c-v[l] <= v[r]-c) {
			dist = c - v[l]
			l--
		} else {
			dist = v[r] - c
			r++
		}
		if t == k1 {
			d1 = dist
		}
		if t == k2 {
			d2 = dist
		}
	}
	return (d1 + d2) / 2
}

// judge reports whether v is outside b in the detector's direction.
func (d Detector) judge(v float64, b Band) (Finding, bool) {
	f := Finding{Value: v, Band: b, Deviation: v/b.Expected - 1}
	f.Score = f.Deviation / b.Scale
	switch {
	case v > b.High:
		f.Direction = catalog.Up
	case v < b.Low:
		f.Direction = catalog.Down
	default:
		return f, false
	}
	return f, allows(d.Direction, f.Direction)
}

// annotate reports whether v on an event day is outside b in either direction: a declared event
// is shown whichever way it moved the metric.
func (d Detector) annotate(v float64, b Band) (Finding, bool) {
	any := d
	any.Direction = catalog.Both
	return any.judge(v, b)
}

// allows reports whether a rule watching want reports a move in direction got.
func allows(want, got catalog.AlertDirection) bool {
	return want == "" || want == catalog.Both || want == got
}

// CheckThreshold judges v against a threshold rule's bounds: above the upper bound is an up move,
// below the lower one a down move.
func CheckThreshold(v float64, above, below *float64, dir catalog.AlertDirection) (Finding, bool) {
	if math.IsNaN(v) {
		return Finding{}, false
	}
	f := Finding{Value: v, Band: Band{Low: math.Inf(-1), High: math.Inf(1)}}
	if above != nil {
		f.High = *above
	}
	if below != nil {
		f.Low = *below
	}
	switch {
	case above != nil && v > *above:
		f.Direction, f.Expected = catalog.Up, *above
	case below != nil && v < *below:
		f.Direction, f.Expected = catalog.Down, *below
	default:
		return f, false
	}
	if f.Expected != 0 {
		f.Deviation = v/f.Expected - 1
	}
	return f, allows(dir, f.Direction)
}

// CheckChange judges the relative change from base to cur against limit (a fraction). A base of
// zero or a missing value is never judged.
func CheckChange(cur, base, limit float64, dir catalog.AlertDirection) (Finding, bool) {
	if math.IsNaN(cur) || math.IsNaN(base) || base == 0 {
		return Finding{}, false
	}
	ref := math.Abs(base)
	f := Finding{Value: cur, Band: Band{Expected: base, Low: base - limit*ref, High: base + limit*ref}}
	f.Deviation = (cur - base) / ref
	switch {
	case f.Deviation > limit:
		f.Direction = catalog.Up
	case f.Deviation < -limit:
		f.Direction = catalog.Down
	default:
		return f, false
	}
	return f, allows(dir, f.Direction)
}

// CheckPace judges month-to-date progress against a monthly target: after elapsed of days days
// the expected value is target x elapsed / days (a straight line), and the rule alerts below
// attainment of it. With elapsed == days this is the month's attainment.
func CheckPace(mtd, target float64, elapsed, days int, attainment float64) (Finding, bool) {
	if math.IsNaN(mtd) || target <= 0 || elapsed <= 0 || days <= 0 {
		return Finding{}, false
	}
	exp := target * float64(elapsed) / float64(days)
	f := Finding{Value: mtd, Band: Band{Expected: exp, Low: attainment * exp, High: math.Inf(1)}}
	f.Deviation = mtd/exp - 1
	if mtd >= f.Low {
		return f, false
	}
	f.Direction = catalog.Down
	return f, true
}

// LastEvaluable returns the last day a rule with the given data latency may judge when the time is
// now: the day before today in loc, minus latencyDays. Days after it may still be loading.
func LastEvaluable(now time.Time, loc *time.Location, latencyDays int) catalog.Date {
	if loc == nil {
		loc = time.UTC
	}
	return catalog.DateOf(now.In(loc)).AddDays(-1 - latencyDays)
}

// median returns the median of v, reordering v. v must not be empty.
func median(v []float64) float64 {
	if len(v) <= 12 {
		insertionSort(v)
	} else {
		slices.Sort(v)
	}
	return sortedMedian(v)
}

func insertionSort(v []float64) {
	for i := 1; i < len(v); i++ {
		x := v[i]
		j := i - 1
		for ; j >= 0 && v[j] > x; j-- {
			v[j+1] = v[j]
		}
		v[j+1] = x
	}
}
