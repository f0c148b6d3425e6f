// Package alert evaluates the alert rules of a metric catalog: it reads each rule's series
// through the query engine, judges the days asked for (threshold, change, target pace and
// anomaly bands with weekly seasonality), annotates moves on declared events instead of alerting,
// and explains each alert with the dimension values that contributed most to the change and, for
// a metric with factors, the factor that moved.
//
// The detection and ranking functions are pure (Detector, CheckThreshold, CheckChange,
// CheckPace, SplitAdditive, SplitRatio, AttributeFactors); Evaluate and EvaluateRange do the
// I/O; Raise records alerts in the state store, at most once per rule, slice and period.
// docs/alerts.md describes the rules and the algorithms.
package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/compile"
	"github.com/metricbot/metricbot/internal/engine"
)

// Querier runs governed queries. *engine.Engine implements it.
type Querier interface {
	Run(ctx context.Context, q catalog.Query) (*engine.Result, error)
}

var _ Querier = (*engine.Engine)(nil)

// Options tune an evaluation. The zero value is usable.
type Options struct {
	// Now is the clock that decides which days are complete (see AlertRule.LatencyDays);
	// default time.Now.
	Now func() time.Time
	// Dismissed reports whether a point was dismissed as not an anomaly; such points are left
	// out of baselines. Nil means none. Dismissals builds it from stored alerts.
	Dismissed func(rule string, slice Slice, day catalog.Date) bool
	// NoRootCause skips the root-cause queries (faster, for measuring detection).
	NoRootCause bool
	// Contributors is how many top contributors an alert lists; default 5.
	Contributors int
	// Logger receives debug messages; default none.
	Logger *slog.Logger
}

// Slice is the dimension values an alert is about, dimension name to value; empty for the whole
// metric. It encodes as a JSON object with sorted keys.
type Slice map[string]string

// Key returns the slice in canonical JSON form, {} when empty.
func (s Slice) Key() string {
	if len(s) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(map[string]string(s))
	return string(b)
}

// String formats the slice as region=华东,channel=小程序 in key order, or "all".
func (s Slice) String() string {
	if len(s) == 0 {
		return "all"
	}
	ks := make([]string, 0, len(s))
	for k := range s {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for i, k := range ks {
		ks[i] = k + "=" + s[k]
	}
	return strings.Join(ks, ",")
}

func (s Slice) filters() []catalog.Filter {
	var out []catalog.Filter
	for _, k := range sortedKeys(s) {
		out = append(out, catalog.Filter{Dimension: k, Op: catalog.OpIn, Values: []string{s[k]}})
	}
	return out
}

// EventNote names the declared event an annotated move fell on.
type EventNote struct {
	Name  string       `json:"name"`
	Label catalog.Text `json:"label"`
}

// Alert is a detected move of a metric, or an annotation when Event is set.
type Alert struct {
	Rule   string            `json:"rule"`
	Metric string            `json:"metric"`
	Kind   catalog.AlertKind `json:"kind"`
	Slice  Slice             `json:"slice"`
	// Day is the day evaluated; Period is what the alert is about: the day, the week or month
	// of a threshold or change rule, or the month of a target rule.
	Day    catalog.Date      `json:"day"`
	Period catalog.TimeRange `json:"period"`
	Value  float64           `json:"value"`
	// Expected is the band's centre (anomaly), the bound crossed (threshold), the compared
	// period's value (change) or the target's share to date (target).
	Expected float64 `json:"expected"`
	// Low and High bound the expected range; nil when unbounded.
	Low  *float64 `json:"low,omitempty"`
	High *float64 `json:"high,omitempty"`
	// Deviation is Value / Expected - 1.
	Deviation float64 `json:"deviation"`
	// Score is the deviation in robust standard deviations (anomaly rules).
	Score     float64                `json:"score,omitempty"`
	Direction catalog.AlertDirection `json:"direction"`
	Owner     string                 `json:"owner,omitempty"`
	Channel   string                 `json:"channel,omitempty"`
	// Event is set on an annotation: the move fell on a declared event and is not an alert.
	Event     *EventNote `json:"event,omitempty"`
	RootCause *RootCause `json:"root_cause,omitempty"`

	loc *time.Location
}

// Annotated reports whether a is an annotation of a declared event rather than an alert.
func (a *Alert) Annotated() bool { return a.Event != nil }

// RootCause explains an alert's change against a baseline period.
type RootCause struct {
	Baseline catalog.TimeRange `json:"baseline"`
	Base     float64           `json:"base"`
	Current  float64           `json:"current"`
	Change   float64           `json:"change"`
	// Top ranks dimension values across all breakdowns by score.
	Top        []Contributor `json:"top"`
	Breakdowns []Breakdown   `json:"breakdowns"`
	// Factors attributes the log change to the metric's decomposition factors, when it has some.
	Factors []Factor `json:"factors,omitempty"`
	// Notes says what could not be explained and why.
	Notes []string `json:"notes,omitempty"`
}

// Evaluate judges every alert rule of c for one day. It is what the scheduler calls, normally with
// yesterday; rules whose latency says the day may still be loading skip it.
func Evaluate(ctx context.Context, q Querier, c *catalog.Catalog, day catalog.Date, opts Options) ([]Alert, error) {
	return EvaluateRange(ctx, q, c, catalog.TimeRange{Start: day, End: day.AddDays(1)}, opts)
}

// EvaluateRange judges every alert rule of c for the days in r (week and month rules for the
// periods that end in r), reading history from before r as needed. Alerts are ordered by day,
// metric, rule and slice. A rule that cannot be evaluated makes the whole call fail; the
// error names the rule.
func EvaluateRange(ctx context.Context, q Querier, c *catalog.Catalog, r catalog.TimeRange, opts Options) ([]Alert, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("evaluate alerts: empty range %s", r)
	}
	e := &evaluator{q: q, c: c, opts: opts, cache: map[string]*engine.Result{}}
	if e.opts.Now == nil {
		e.opts.Now = time.Now
	}
	if e.opts.Contributors <= 0 {
		e.opts.Contributors = 5
	}
	if e.opts.Logger == nil {
		e.opts.Logger = slog.New(slog.DiscardHandler)
	}
	var out []Alert
	for _, m := range c.Metrics {
		for _, rule := range m.Alerts {
			as, err := e.rule(ctx, m, rule, r)
			if err != nil {
				return nil, fmt.Errorf("evaluate alert %s: %w", rule.ID(), err)
			}
			out = append(out, as...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Day != b.Day {
			return a.Day.Before(b.Day)
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Slice.Key() < b.Slice.Key()
	})
	return out, nil
}

type evaluator struct {
	q     Querier
	c     *catalog.Catalog
	opts  Options
	cache map[string]*engine.Result
}

// run runs a query, remembering results: root causes of several alerts share baselines.
func (e *evaluator) run(ctx context.Context, q catalog.Query) (*engine.Result, error) {
	key := q.String()
	if res, ok := e.cache[key]; ok {
		return res, nil
	}
	res, err := e.q.Run(ctx, q)
	if err != nil {
		return nil, err
	}
	e.cache[key] = res
	return res, nil
}

// series is one slice's values over consecutive periods starting at start.
type series struct {
	slice  Slice
	values []float64
}

// read queries metric m grouped by dims at grain g over r and returns one dense series per slice,
// indexed by bucket of g from g.Start(r.Start). Buckets without a row are NaN.
func (e *evaluator) read(ctx context.Context, m *catalog.Metric, dims []string, g catalog.Grain, r catalog.TimeRange) ([]*series, []catalog.TimeRange, error) {
	res, err := e.run(ctx, catalog.Query{Metrics: []string{m.Name}, GroupBy: dims, Grain: g, Range: r})
	if err != nil {
		return nil, nil, err
	}
	buckets := r.Buckets(g)
	index := make(map[catalog.Date]int, len(buckets))
	for i, b := range buckets {
		index[g.Start(b.Start)] = i
	}
	col := columns(res.Columns)
	ti, ok := col[catalog.TimeColumn]
	mi, ok2 := col[m.Name]
	if !ok || !ok2 {
		return nil, nil, fmt.Errorf("read %s: result lacks the time or metric column", m.Name)
	}
	bySlice := map[string]*series{}
	var order []string
	for _, row := range res.Rows {
		d, err := catalog.ParseDate(fmt.Sprint(row[ti]))
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: time bucket: %w", m.Name, err)
		}
		bi, ok := index[g.Start(d)]
		if !ok {
			continue
		}
		sl := Slice{}
		for _, dn := range dims {
			sl[dn] = text(row[col[dn]])
		}
		key := sl.Key()
		s, ok := bySlice[key]
		if !ok {
			s = &series{slice: sl, values: nanSlice(len(buckets))}
			bySlice[key] = s
			order = append(order, key)
		}
		s.values[bi] = number(row[mi])
	}
	sort.Strings(order)
	out := make([]*series, 0, len(order))
	for _, k := range order {
		out = append(out, bySlice[k])
	}
	if len(dims) == 0 && len(out) == 0 {
		out = append(out, &series{slice: Slice{}, values: nanSlice(len(buckets))})
	}
	return out, buckets, nil
}

// top keeps the n slices with the largest sum over the 28 buckets before index upto: the most
// recent four weeks of the evaluated range.
func top(ss []*series, n, upto int) []*series {
	if n <= 0 || len(ss) <= n {
		return ss
	}
	sum := func(s *series) float64 {
		t := 0.0
		for i := max(upto-28, 0); i < upto && i < len(s.values); i++ {
			if !math.IsNaN(s.values[i]) {
				t += s.values[i]
			}
		}
		return t
	}
	sorted := append([]*series(nil), ss...)
	sort.SliceStable(sorted, func(i, j int) bool { return sum(sorted[i]) > sum(sorted[j]) })
	return sorted[:n]
}

func (e *evaluator) rule(ctx context.Context, m *catalog.Metric, rule *catalog.AlertRule, r catalog.TimeRange) ([]Alert, error) {
	last := LastEvaluable(e.opts.Now(), e.c.Location, rule.LatencyDays)
	end := r.End
	if last.AddDays(1).Before(end) {
		end = last.AddDays(1)
	}
	if !r.Start.Before(end) {
		e.opts.Logger.Debug("alert rule skipped: days not complete yet", "rule", rule.ID(), "last_complete", last)
		return nil, nil
	}
	r = catalog.TimeRange{Start: r.Start, End: end}
	switch rule.Kind {
	case catalog.Anomaly:
		return e.anomaly(ctx, m, rule, r)
	case catalog.Threshold, catalog.Change:
		return e.periodic(ctx, m, rule, r)
	case catalog.Target:
		return e.target(ctx, m, rule, r)
	}
	return nil, fmt.Errorf("unknown kind %q", rule.Kind)
}

func (e *evaluator) newAlert(m *catalog.Metric, rule *catalog.AlertRule, sl Slice, day catalog.Date, period catalog.TimeRange, f Finding) Alert {
	a := Alert{
		Rule: rule.ID(), Metric: m.Name, Kind: rule.Kind, Slice: sl, Day: day, Period: period,
		Value: f.Value, Expected: f.Expected, Deviation: f.Deviation, Score: f.Score, Direction: f.Direction,
		Owner: m.Owner, Channel: m.Channel, loc: e.c.Location,
	}
	if !math.IsInf(f.Low, 0) {
		a.Low = &f.Low
	}
	if !math.IsInf(f.High, 0) {
		a.High = &f.High
	}
	if f.Event != nil {
		a.Event = &EventNote{Name: f.Event.Name, Label: f.Event.Label}
	}
	return a
}

func (e *evaluator) anomaly(ctx context.Context, m *catalog.Metric, rule *catalog.AlertRule, r catalog.TimeRange) ([]Alert, error) {
	det := NewDetector(rule)
	histStart := r.Start.AddDays(-2 * 7 * det.Weeks)
	ss, days, err := e.read(ctx, m, rule.By, catalog.Day, catalog.TimeRange{Start: histStart, End: r.End})
	if err != nil {
		return nil, err
	}
	from := histStart.DaysUntil(r.Start)
	ss = top(ss, rule.Top, len(days))
	events := make([]*catalog.Event, len(days))
	for i, b := range days {
		events[i] = e.eventOn(b.Start)
	}
	var out []Alert
	for _, s := range ss {
		marks := Marks{Events: events}
		if e.opts.Dismissed != nil {
			marks.Dismissed = make([]bool, len(days))
			for i, b := range days {
				marks.Dismissed[i] = e.opts.Dismissed(rule.ID(), s.slice, b.Start)
			}
		}
		for _, f := range det.Detect(s.values, from, len(days), marks) {
			day := days[f.Index].Start
			a := e.newAlert(m, rule, s.slice, day, days[f.Index], f)
			if !a.Annotated() && !e.opts.NoRootCause {
				base := baselineDay(s.values, f, marks)
				rc, err := e.rootCause(ctx, m, s.slice, days[f.Index], days[base], f.Value, s.values[base])
				if err != nil {
					return nil, err
				}
				a.RootCause = rc
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// baselineDay picks the root-cause baseline of an anomaly: the most recent same weekday of the
// last weeks that was usable and inside the alert day's band, or else the usable same weekday
// closest to the expected value.
func baselineDay(x []float64, f Finding, m Marks) int {
	best, bestDist := -1, math.Inf(1)
	for k := f.Index - 7; k >= 0 && k >= f.Index-7*DefaultWeeks; k -= 7 {
		if m.skipped(x, k) {
			continue
		}
		if x[k] >= f.Low && x[k] <= f.High {
			return k
		}
		if d := math.Abs(x[k] - f.Expected); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best < 0 {
		return f.Index - 7
	}
	return best
}

func (e *evaluator) eventOn(d catalog.Date) *catalog.Event {
	for _, ev := range e.c.Events {
		if ev.Covers(d) {
			return ev
		}
	}
	return nil
}

// periodic evaluates threshold and change rules over the complete periods of the rule's grain
// that end in r.
func (e *evaluator) periodic(ctx context.Context, m *catalog.Metric, rule *catalog.AlertRule, r catalog.TimeRange) ([]Alert, error) {
	g := rule.Grain
	start := g.Start(r.Start)
	if rule.Kind == catalog.Change {
		if rule.Compare == catalog.YearOverYear {
			start = g.Start(start.AddMonths(-12))
		} else {
			start = g.Start(start.AddDays(-1))
		}
	} else if rule.Grain == catalog.Day {
		start = start.AddDays(-7 * DefaultWeeks) // for the root-cause baseline
	}
	ss, buckets, err := e.read(ctx, m, rule.By, g, catalog.TimeRange{Start: start, End: r.End})
	if err != nil {
		return nil, err
	}
	ss = top(ss, rule.Top, len(buckets))
	index := map[catalog.Date]int{}
	for i, b := range buckets {
		index[b.Start] = i
	}
	var out []Alert
	for _, s := range ss {
		for i, b := range buckets {
			period := catalog.TimeRange{Start: b.Start, End: g.Next(b.Start)}
			lastDay := period.End.AddDays(-1)
			// Only complete periods whose last day is in r.
			if period.End.After(r.End) || lastDay.Before(r.Start) || b.Start != g.Start(b.Start) {
				continue
			}
			var f Finding
			var breach bool
			base := -1
			if rule.Kind == catalog.Threshold {
				f, breach = CheckThreshold(s.values[i], rule.Above, rule.Below, rule.Direction)
				if g == catalog.Day {
					for k := i - 7; k >= 0 && k >= i-7*DefaultWeeks; k -= 7 {
						if !math.IsNaN(s.values[k]) && e.eventOn(buckets[k].Start) == nil {
							base = k
							break
						}
					}
				} else if i > 0 {
					base = i - 1
				}
			} else {
				prev := catalog.PreviousPeriod.Range(period)
				if rule.Compare == catalog.YearOverYear {
					prev = period.YearAgo()
				}
				if k, ok := index[prev.Start]; ok {
					base = k
				}
				if base < 0 {
					continue
				}
				f, breach = CheckChange(s.values[i], s.values[base], rule.Change, rule.Direction)
			}
			if !breach {
				continue
			}
			if g == catalog.Day {
				if ev := e.eventOn(b.Start); ev != nil {
					f.Event = ev
				}
			}
			a := e.newAlert(m, rule, s.slice, lastDay, period, f)
			if !a.Annotated() && !e.opts.NoRootCause && base >= 0 {
				bp := catalog.TimeRange{Start: buckets[base].Start, End: g.Next(buckets[base].Start)}
				rc, err := e.rootCause(ctx, m, s.slice, period, bp, s.values[i], s.values[base])
				if err != nil {
					return nil, err
				}
				a.RootCause = rc
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// target evaluates a target rule day by day: the month to date against the straight-line share
// of the month's target (pace), or the whole month on its last day (attainment). The period of
// the alert is the month, so a month raises at most once.
func (e *evaluator) target(ctx context.Context, m *catalog.Metric, rule *catalog.AlertRule, r catalog.TimeRange) ([]Alert, error) {
	start := catalog.Month.Start(r.Start)
	ss, days, err := e.read(ctx, m, nil, catalog.Day, catalog.TimeRange{Start: start, End: r.End})
	if err != nil {
		return nil, err
	}
	var out []Alert
	for _, s := range ss {
		mtd, missing := 0.0, false
		for i, b := range days {
			d := b.Start
			if d.Day == 1 {
				mtd, missing = 0, false
			}
			if math.IsNaN(s.values[i]) {
				missing = true
			} else {
				mtd += s.values[i]
			}
			if d.Before(r.Start) || missing {
				continue
			}
			month := catalog.TimeRange{Start: catalog.Month.Start(d), End: catalog.Month.Next(catalog.Month.Start(d))}
			elapsed, total := d.Day, month.Days()
			if rule.Mode == catalog.Attainment && elapsed != total {
				continue
			}
			tgt, ok := m.Target(d)
			if !ok {
				continue
			}
			f, breach := CheckPace(mtd, tgt, elapsed, total, rule.Attainment)
			if !breach {
				continue
			}
			out = append(out, e.newAlert(m, rule, s.slice, d, month, f))
		}
	}
	return out, nil
}

// rootCause explains the change of metric m in slice sl from period base to period cur, whose
// totals are totalBase and totalCur: one breakdown per dimension the metric can be broken down by
// (other than the slice's own), and the decomposition factors.
func (e *evaluator) rootCause(ctx context.Context, m *catalog.Metric, sl Slice, cur, base catalog.TimeRange, totalCur, totalBase float64) (*RootCause, error) {
	rc := &RootCause{Baseline: base, Base: totalBase, Current: totalCur, Change: totalCur - totalBase}
	parts := []string{m.Name}
	ratio := false
	if m.Type == catalog.Ratio && len(m.Numerator.Filter) == 0 && len(m.Denominator.Filter) == 0 {
		parts = []string{m.Numerator.Metric, m.Denominator.Metric}
		ratio = true
	}
	if !m.Additive() && !ratio {
		rc.Notes = append(rc.Notes, fmt.Sprintf("%s is not additive: contributions are slice differences and the remainder holds the non-additive part", m.Name))
	}
	for _, d := range e.c.DimensionsOf(m) {
		if _, inSlice := sl[d.Name]; inSlice || d.Type == catalog.TimeDim || e.filteredOn(parts, d.Name) {
			continue
		}
		items, err := e.items(ctx, parts, d.Name, sl, cur, base, ratio)
		if err != nil {
			return nil, err
		}
		if len(items) < 2 {
			continue // a single value explains nothing
		}
		var b Breakdown
		if ratio {
			b = SplitRatio(d.Name, items, totalBase, totalCur, 3)
		} else {
			b = SplitAdditive(d.Name, items, totalBase, totalCur, 3)
		}
		rc.Breakdowns = append(rc.Breakdowns, b)
	}
	sort.SliceStable(rc.Breakdowns, func(i, j int) bool { return rc.Breakdowns[i].Score > rc.Breakdowns[j].Score })
	rc.Top = Rank(rc.Breakdowns, e.opts.Contributors)
	if err := e.factors(ctx, m, sl, cur, base, totalCur, totalBase, rc); err != nil {
		return nil, err
	}
	return rc, nil
}

// filteredOn reports whether one of the metrics has a definition filter on dimension dim:
// breaking it down by dim shows only the kept values.
func (e *evaluator) filteredOn(metrics []string, dim string) bool {
	for _, name := range metrics {
		m, ok := e.c.Metric(name)
		if !ok {
			continue
		}
		for _, f := range m.Filter {
			if f.Dimension == dim {
				return true
			}
		}
	}
	return false
}

// items reads the metric's parts by dimension dim in slice sl for both periods.
func (e *evaluator) items(ctx context.Context, parts []string, dim string, sl Slice, cur, base catalog.TimeRange, ratio bool) ([]Item, error) {
	byValue := map[string]*Item{}
	var order []string
	for pi, period := range []catalog.TimeRange{base, cur} {
		res, err := e.run(ctx, catalog.Query{Metrics: parts, GroupBy: []string{dim}, Filters: sl.filters(), Range: period})
		if err != nil {
			return nil, err
		}
		col := columns(res.Columns)
		for _, row := range res.Rows {
			v := text(row[col[dim]])
			it, ok := byValue[v]
			if !ok {
				it = &Item{Value: v}
				byValue[v] = it
				order = append(order, v)
			}
			a := zeroNaN(number(row[col[parts[0]]]))
			var b float64
			if ratio {
				b = zeroNaN(number(row[col[parts[1]]]))
			}
			switch {
			case pi == 0 && ratio:
				it.BaseNum, it.BaseDen = a, b
			case pi == 0:
				it.Base = a
			case ratio:
				it.CurNum, it.CurDen = a, b
			default:
				it.Cur = a
			}
		}
	}
	out := make([]Item, 0, len(order))
	for _, v := range order {
		out = append(out, *byValue[v])
	}
	return out, nil
}

// factors attributes the change to the metric's decomposition factors, when every factor can be
// read in the slice.
func (e *evaluator) factors(ctx context.Context, m *catalog.Metric, sl Slice, cur, base catalog.TimeRange, totalCur, totalBase float64, rc *RootCause) error {
	if m.Decomposition == nil || len(m.Decomposition.Factors) == 0 {
		return nil
	}
	fs := m.Decomposition.Factors
	for _, f := range fs {
		fm, ok := e.c.Metric(f)
		if !ok {
			return fmt.Errorf("factor %q: %w", f, catalog.ErrUnknownMetric)
		}
		for k := range sl {
			d, _ := e.c.Dimension(k)
			if d == nil || !e.c.CanGroupBy(fm, d) {
				rc.Notes = append(rc.Notes, fmt.Sprintf("factor %s cannot be read by %s, so the change is not split into factors", f, k))
				return nil
			}
		}
	}
	vals := make([][]float64, 2)
	for pi, period := range []catalog.TimeRange{base, cur} {
		res, err := e.run(ctx, catalog.Query{Metrics: fs, Filters: sl.filters(), Range: period})
		if err != nil {
			return err
		}
		if len(res.Rows) != 1 {
			return nil
		}
		col := columns(res.Columns)
		for _, f := range fs {
			vals[pi] = append(vals[pi], number(res.Rows[0][col[f]]))
		}
	}
	got, ok := AttributeFactors(fs, vals[0], vals[1], totalBase, totalCur)
	if !ok {
		rc.Notes = append(rc.Notes, "the factors could not be attributed (a value is zero or the metric did not move)")
		return nil
	}
	rc.Factors = got
	return nil
}

func columns(cs []compile.Column) map[string]int {
	out := make(map[string]int, len(cs))
	for i, c := range cs {
		out[c.Name] = i
	}
	return out
}

func text(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case nil:
		return math.NaN()
	}
	var f float64
	if _, err := fmt.Sscan(fmt.Sprint(v), &f); err != nil {
		return math.NaN()
	}
	return f
}

func zeroNaN(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return f
}

func nanSlice(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ErrNoRules is returned by callers that need at least one rule; EvaluateRange itself returns
// no alerts for a catalog without rules.
var ErrNoRules = errors.New("no alert rules in the catalog")
