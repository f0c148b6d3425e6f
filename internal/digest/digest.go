// Package digest writes the scheduled summaries of chosen metrics that channels and people
// subscribe to, and reads the chat commands and the configuration file that create them.
//
// A digest covers the last complete period of its grain before the day it is composed:
// yesterday for a daily digest, last Monday to Sunday for a weekly one, last calendar month for
// a monthly one, all in the catalog's time zone. For each metric it shows the value, the change
// against the previous period and against the same period last year, attainment against the
// monthly target when the metric has one, the open alerts on the metric and the cause notes
// written for the period, with one trend chart for the whole digest.
//
// The package knows nothing about schedules or delivery: internal/schedule decides when a
// subscription is due and hands it to a Digester.
package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/internal/store"
)

// Runner runs governed queries; *engine.Engine implements it.
type Runner interface {
	Run(ctx context.Context, q catalog.Query) (*engine.Result, error)
}

var _ Runner = (*engine.Engine)(nil)

// Sources gives the open alerts and cause notes a digest shows; the state stores implement it.
type Sources interface {
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	CauseNotes(ctx context.Context, metric string, from, to time.Time) ([]store.CauseNote, error)
}

// Request says what one digest covers.
type Request struct {
	Metrics []string
	// Grain is day, week or month.
	Grain catalog.Grain
	// Lang is "zh" or "en".
	Lang string
	// Now is when the digest is composed (for a scheduled digest, its slot time). The digest
	// covers the last complete period before Now's date in the catalog's time zone.
	Now time.Time
	// Charts renders the trend chart; nil leaves the digest without one.
	Charts *chart.Renderer
	// DataEnd, if set, is the last day with complete data, shown as freshness.
	DataEnd catalog.Date
}

// Limits on what one digest shows.
const (
	MaxMetrics      = 12 // metrics per digest
	maxChartMetrics = 4  // small multiples in the chart
	maxItems        = 3  // alerts and notes per metric
)

// Period returns the last complete period of grain g before the date of now in loc.
func Period(g catalog.Grain, now time.Time, loc *time.Location) catalog.TimeRange {
	today := catalog.DateOf(now.In(loc))
	switch g {
	case catalog.Week:
		monday := catalog.Week.Start(today)
		return catalog.TimeRange{Start: monday.AddDays(-7), End: monday}
	case catalog.Month:
		first := catalog.Month.Start(today)
		return catalog.TimeRange{Start: first.AddMonths(-1), End: first}
	}
	return catalog.TimeRange{Start: today.AddDays(-1), End: today}
}

// previous returns the period of grain g just before p: the day before, the week before or the
// month before. (catalog.TimeRange.Previous compares a single Monday or 1st of the month with the
// same day of the week or month before, which is right for "to date" questions but not here.)
func previous(g catalog.Grain, p catalog.TimeRange) catalog.TimeRange {
	switch g {
	case catalog.Week:
		return catalog.TimeRange{Start: p.Start.AddDays(-7), End: p.Start}
	case catalog.Month:
		return catalog.TimeRange{Start: p.Start.AddMonths(-1), End: p.Start}
	}
	return catalog.TimeRange{Start: p.Start.AddDays(-1), End: p.Start}
}

// yearAgo returns the period a year before p: the same dates for days and months, and the week
// 52 weeks earlier for weeks, so that weekdays line up (as weekly trends do in the compiler).
func yearAgo(g catalog.Grain, p catalog.TimeRange) catalog.TimeRange {
	if g == catalog.Week {
		return catalog.TimeRange{Start: p.Start.AddDays(-364), End: p.End.AddDays(-364)}
	}
	return p.YearAgo()
}

// trendRange returns the chart's range: 14 days, 8 weeks or 6 months ending with p.
func trendRange(g catalog.Grain, p catalog.TimeRange) catalog.TimeRange {
	switch g {
	case catalog.Week:
		return catalog.TimeRange{Start: p.Start.AddDays(-7 * 7), End: p.End}
	case catalog.Month:
		return catalog.TimeRange{Start: p.Start.AddMonths(-5), End: p.End}
	}
	return catalog.TimeRange{Start: p.End.AddDays(-14), End: p.End}
}

// Line is one metric's numbers in a digest.
type Line struct {
	Metric   *catalog.Metric
	Value    float64
	Has      bool // Value is known
	Previous float64
	HasPrev  bool
	YearAgo  float64
	HasYear  bool
	// Target is the monthly target of the month the period ends in; zero when there is none.
	Target float64
	// ToDate is the value from the first of that month to the end of the period (for a monthly
	// digest, the month's value).
	ToDate    float64
	HasToDate bool
	// Elapsed is the share of the month's days that lie before the end of the period.
	Elapsed float64
	Trend   []chart.Point
	Alerts  []store.Alert
	Notes   []store.CauseNote
}

// Attainment returns ToDate / Target, and whether there is a target to compare with.
func (l Line) Attainment() (float64, bool) {
	if l.Target == 0 || !l.HasToDate {
		return 0, false
	}
	return l.ToDate / l.Target, true
}

// Pace returns month-to-date attainment divided by the share of the month elapsed: 100% means
// the metric is exactly on course for its target. Only additive metrics (sums and counts)
// accrue pro rata, so others have no pace.
func (l Line) Pace() (float64, bool) {
	a, ok := l.Attainment()
	if !ok || !l.Metric.Additive() || l.Elapsed <= 0 || l.Elapsed >= 1 {
		return 0, false
	}
	return a / l.Elapsed, true
}

// Compose writes the digest of req.Metrics. It fails when a metric is unknown, the grain is not
// day, week or month, or a query or the store fails; the error text is for logs, not for chat.
func Compose(ctx context.Context, run Runner, c *catalog.Catalog, src Sources, req Request) (bot.Reply, error) {
	lines, period, err := Collect(ctx, run, c, src, req)
	if err != nil {
		return bot.Reply{}, err
	}
	return render(c, req, period, lines), nil
}

// Collect gathers a digest's numbers, alerts and notes without formatting them.
func Collect(ctx context.Context, run Runner, c *catalog.Catalog, src Sources, req Request) ([]Line, catalog.TimeRange, error) {
	if len(req.Metrics) == 0 {
		return nil, catalog.TimeRange{}, fmt.Errorf("compose digest: no metrics")
	}
	if len(req.Metrics) > MaxMetrics {
		return nil, catalog.TimeRange{}, fmt.Errorf("compose digest: %d metrics, at most %d", len(req.Metrics), MaxMetrics)
	}
	switch req.Grain {
	case catalog.Day, catalog.Week, catalog.Month:
	default:
		return nil, catalog.TimeRange{}, fmt.Errorf("compose digest: grain %q must be day, week or month", req.Grain)
	}
	lines := make([]Line, len(req.Metrics))
	for i, name := range req.Metrics {
		m, ok := c.Metric(name)
		if !ok {
			return nil, catalog.TimeRange{}, fmt.Errorf("compose digest: %w", &catalog.NotFoundError{Kind: "metric", Name: name})
		}
		lines[i].Metric = m
	}
	p := Period(req.Grain, req.Now, c.Location)

	// The trend holds this period and the one before it.
	tr := trendRange(req.Grain, p)
	res, err := run.Run(ctx, catalog.Query{Metrics: req.Metrics, Grain: req.Grain, Range: tr})
	if err != nil {
		return nil, p, fmt.Errorf("compose digest: trend: %w", err)
	}
	byTime := map[string][]any{}
	idx := columns(res)
	for _, row := range res.Rows {
		byTime[fmt.Sprint(row[idx[catalog.TimeColumn]])] = row
	}
	buckets := res.Statement.Buckets
	for i := range lines {
		name := lines[i].Metric.Name
		for _, b := range buckets {
			pt := chart.Point{Label: bucketLabel(b, req.Grain), Missing: true}
			if row, ok := byTime[b.String()]; ok {
				if x, ok := number(row[idx[name]]); ok {
					pt.Value, pt.Missing = x, false
				}
			}
			lines[i].Trend = append(lines[i].Trend, pt)
		}
		if row, ok := byTime[p.Start.String()]; ok {
			lines[i].Value, lines[i].Has = number(row[idx[name]])
		}
		if row, ok := byTime[previous(req.Grain, p).Start.String()]; ok {
			lines[i].Previous, lines[i].HasPrev = number(row[idx[name]])
		}
	}

	res, err = run.Run(ctx, catalog.Query{Metrics: req.Metrics, Range: yearAgo(req.Grain, p)})
	if err != nil {
		return nil, p, fmt.Errorf("compose digest: same period last year: %w", err)
	}
	if len(res.Rows) > 0 {
		idx := columns(res)
		for i := range lines {
			lines[i].YearAgo, lines[i].HasYear = number(res.Rows[0][idx[lines[i].Metric.Name]])
		}
	}

	if err := targets(ctx, run, req.Grain, p, lines); err != nil {
		return nil, p, err
	}

	if src != nil {
		from, to := p.Start.Time(c.Location), p.End.Time(c.Location)
		for i := range lines {
			name := lines[i].Metric.Name
			alerts, err := src.Alerts(ctx, store.AlertFilter{Metric: name, Status: []store.AlertStatus{store.AlertOpen, store.AlertAcknowledged}})
			if err != nil {
				return nil, p, fmt.Errorf("compose digest: open alerts on %s: %w", name, err)
			}
			lines[i].Alerts = alerts[:min(len(alerts), maxItems)]
			notes, err := src.CauseNotes(ctx, name, from, to)
			if err != nil {
				return nil, p, fmt.Errorf("compose digest: cause notes on %s: %w", name, err)
			}
			// Newest first: the latest word on the period matters most.
			sort.SliceStable(notes, func(a, b int) bool { return notes[a].CreatedAt.After(notes[b].CreatedAt) })
			lines[i].Notes = notes[:min(len(notes), maxItems)]
		}
	}
	return lines, p, nil
}

// targets fills in target attainment: for a monthly digest the month's value against its
// target; for daily and weekly digests the month-to-date value up to the end of the period
// against the target of the month the period ends in.
func targets(ctx context.Context, run Runner, g catalog.Grain, p catalog.TimeRange, lines []Line) error {
	last := p.End.AddDays(-1)
	month := catalog.Month.Start(last)
	days := month.DaysUntil(month.AddMonths(1))
	var names []string
	for i := range lines {
		t, ok := lines[i].Metric.Target(month)
		if !ok || t == 0 {
			continue
		}
		lines[i].Target = t
		lines[i].Elapsed = float64(month.DaysUntil(p.End)) / float64(days)
		if g == catalog.Month {
			lines[i].ToDate, lines[i].HasToDate = lines[i].Value, lines[i].Has
			continue
		}
		names = append(names, lines[i].Metric.Name)
	}
	if len(names) == 0 {
		return nil
	}
	res, err := run.Run(ctx, catalog.Query{Metrics: names, Range: catalog.TimeRange{Start: month, End: p.End}})
	if err != nil {
		return fmt.Errorf("compose digest: month to date: %w", err)
	}
	if len(res.Rows) == 0 {
		return nil
	}
	idx := columns(res)
	for i := range lines {
		if j, ok := idx[lines[i].Metric.Name]; ok && lines[i].Target != 0 {
			lines[i].ToDate, lines[i].HasToDate = number(res.Rows[0][j])
		}
	}
	return nil
}

func columns(r *engine.Result) map[string]int {
	idx := make(map[string]int, len(r.Columns))
	for i, c := range r.Columns {
		idx[c.Name] = i
	}
	return idx
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

func bucketLabel(d catalog.Date, g catalog.Grain) string {
	if g == catalog.Month {
		return d.String()[:7]
	}
	return d.String()[5:]
}

var weekdays = map[string][7]string{
	"zh": {"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
	"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
}

func weekday(d catalog.Date, lang string) string {
	if lang != "en" {
		lang = "zh"
	}
	return weekdays[lang][d.Weekday()]
}

// periodText writes a period for a title: "2026-11-30 (周一)", "2026-11-23 至 2026-11-29",
// "2026-11".
func periodText(g catalog.Grain, p catalog.TimeRange, lang string) string {
	switch g {
	case catalog.Month:
		return p.Start.String()[:7]
	case catalog.Week:
		return p.Start.String() + msg(lang, " 至 ", " to ") + p.End.AddDays(-1).String()
	}
	return fmt.Sprintf("%s (%s)", p.Start, weekday(p.Start, lang))
}

func rangeText(p catalog.TimeRange, lang string) string {
	if p.Days() == 1 {
		return p.Start.String()
	}
	return p.Start.String() + msg(lang, " 至 ", " to ") + p.End.AddDays(-1).String()
}

func title(g catalog.Grain, lang string) string {
	switch g {
	case catalog.Week:
		return msg(lang, "每周指标简报", "Weekly digest")
	case catalog.Month:
		return msg(lang, "每月指标简报", "Monthly digest")
	}
	return msg(lang, "每日指标简报", "Daily digest")
}

// change formats the change from old to cur: a signed percentage, or percentage points for
// percent metrics; a dash when either side is missing or old is zero.
func change(m *catalog.Metric, cur, old float64, hasCur, hasOld bool, lang string) string {
	if !hasCur || !hasOld {
		return "—"
	}
	if m.Format == catalog.Percent {
		return format.PercentagePoints(cur-old, lang)
	}
	if old == 0 {
		return "—"
	}
	return format.SignedPercent((cur - old) / math.Abs(old))
}

func targetCell(l Line, g catalog.Grain, lang string) string {
	a, ok := l.Attainment()
	if !ok {
		return "—"
	}
	if g == catalog.Month {
		return format.Percent(a, 1)
	}
	s := msg(lang, "月累计 ", "MTD ") + format.Percent(a, 1)
	if p, ok := l.Pace(); ok {
		s += msg(lang, ", 进度比 ", ", pace ") + format.Percent(p, 1)
	}
	return s
}

// render lays out a digest.
func render(c *catalog.Catalog, req Request, p catalog.TimeRange, lines []Line) bot.Reply {
	lang := req.Lang
	if lang != "en" {
		lang = "zh"
	}
	r := bot.Reply{Lang: lang}
	head := fmt.Sprintf("%s · %s", title(req.Grain, lang), periodText(req.Grain, p, lang))
	if l := lines[0]; l.Has {
		head += fmt.Sprintf(msg(lang, ": %s %s, 环比 %s", ": %s %s, %s vs previous"),
			l.Metric.Label.In(lang), format.Value(l.Value, l.Metric, lang), change(l.Metric, l.Value, l.Previous, l.Has, l.HasPrev, lang))
	} else {
		head += msg(lang, ": 该期间还没有数据", ": no data for this period yet")
	}
	r.Headline = head

	t := &bot.Table{
		Columns: []string{msg(lang, "指标", "metric"), msg(lang, "数值", "value"), msg(lang, "环比", "vs previous"),
			msg(lang, "同比", "vs last year"), msg(lang, "目标达成", "target")},
		Numeric: []bool{false, true, true, true, true},
	}
	hasTarget := false
	for _, l := range lines {
		v := "—"
		if l.Has {
			v = format.Value(l.Value, l.Metric, lang)
		}
		cell := targetCell(l, req.Grain, lang)
		hasTarget = hasTarget || cell != "—"
		t.Rows = append(t.Rows, []string{l.Metric.Label.In(lang), v,
			change(l.Metric, l.Value, l.Previous, l.Has, l.HasPrev, lang),
			change(l.Metric, l.Value, l.YearAgo, l.Has, l.HasYear, lang), cell})
	}
	if !hasTarget {
		t.Columns, t.Numeric = t.Columns[:4], t.Numeric[:4]
		for i := range t.Rows {
			t.Rows[i] = t.Rows[i][:4]
		}
	}
	r.Table = t

	var alerts, notes int
	for _, l := range lines {
		for _, a := range l.Alerts {
			alerts++
			r.Text = append(r.Text, alertText(c, l.Metric, a, lang))
		}
	}
	if alerts == 0 {
		r.Text = append(r.Text, msg(lang, "这些指标没有未处理的预警。", "No open alerts on these metrics."))
	}
	for _, l := range lines {
		for _, n := range l.Notes {
			notes++
			r.Text = append(r.Text, noteText(c, l.Metric, n, lang))
		}
	}

	r.Context = append(r.Context, msg(lang, "期间: ", "Period: ")+rangeText(p, lang))
	r.Context = append(r.Context, fmt.Sprintf(msg(lang, "环比对比 %s; 同比对比 %s", "Compared with %s (previous) and %s (last year)"),
		rangeText(previous(req.Grain, p), lang), rangeText(yearAgo(req.Grain, p), lang)))
	if hasTarget {
		if req.Grain == catalog.Month {
			r.Context = append(r.Context, msg(lang, "目标达成 = 当月值 / 月目标。", "Target = the month's value / the monthly target."))
		} else {
			r.Context = append(r.Context, msg(lang,
				"目标达成 = 本月1日至期末的累计值 / 月目标; 进度比 = 累计值 / (月目标 × 已过天数 / 当月天数), 100% 表示正好按进度完成。",
				"Target: month-to-date value up to the end of the period / the monthly target; pace = that value / (target × days elapsed / days in the month), 100% means exactly on course."))
		}
	}
	for _, l := range lines {
		r.Context = append(r.Context, fmt.Sprintf(msg(lang, "口径 · %s: %s", "Definition · %s: %s"), l.Metric.Label.In(lang), l.Metric.Description.In(lang)))
	}
	if !req.DataEnd.IsZero() {
		r.Context = append(r.Context, msg(lang, "数据截至 ", "Data up to ")+req.DataEnd.String())
	}
	if req.Charts != nil {
		if img, err := trendChart(req.Charts, lines, req.Grain, lang); err == nil && img != nil {
			r.Chart = img
		}
	}
	return r
}

// Slice formats an alert's slice ({"region":"华东"}) with dimension labels: "大区=华东". An
// empty slice is the metric's total.
func Slice(c *catalog.Catalog, raw json.RawMessage, lang string) string {
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
		return msg(lang, "整体", "total")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := k
		if d, ok := c.Dimension(k); ok {
			name = d.Label.In(lang)
		}
		parts[i] = name + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

// Person returns the owner's name for a catalog owner id or chat user id, or id itself.
func Person(c *catalog.Catalog, id string) string {
	for _, o := range c.Owners {
		if id == o.ID || (id != "" && (id == o.Slack || id == o.Lark || id == o.Email)) {
			return o.Name
		}
	}
	return id
}

func alertText(c *catalog.Catalog, m *catalog.Metric, a store.Alert, lang string) string {
	status := msg(lang, "待处理", "open")
	if a.Status == store.AlertAcknowledged {
		status = msg(lang, "已确认", "acknowledged")
	}
	day := catalog.DateOf(a.PeriodStart.In(c.Location))
	s := fmt.Sprintf(msg(lang, "预警 · %s · %s · %s: 值 %s", "Alert · %s · %s · %s: %s"),
		m.Label.In(lang), Slice(c, a.Slice, lang), day, format.Value(a.Value, m, lang))
	if a.ExpectedLow != 0 || a.ExpectedHigh != 0 {
		s += fmt.Sprintf(msg(lang, ", 预期 %s–%s", ", expected %s–%s"), format.Value(a.ExpectedLow, m, lang), format.Value(a.ExpectedHigh, m, lang))
	}
	s += fmt.Sprintf(msg(lang, " (%s, 负责人 %s)", " (%s, owner %s)"), status, Person(c, a.Owner))
	return s
}

func noteText(c *catalog.Catalog, m *catalog.Metric, n store.CauseNote, lang string) string {
	day := catalog.DateOf(n.PeriodStart.In(c.Location))
	return fmt.Sprintf(msg(lang, "原因说明 · %s · %s · %s: %s", "Cause · %s · %s · %s: %s"),
		m.Label.In(lang), day, Person(c, n.Author), n.Text)
}

// trendChart draws the first metrics' trends: one chart for one metric, small multiples (two
// per row) for more.
func trendChart(r *chart.Renderer, lines []Line, g catalog.Grain, lang string) (*bot.Image, error) {
	n := min(len(lines), maxChartMetrics)
	var pngs [][]byte
	var names []string
	for _, l := range lines[:n] {
		m := l.Metric
		yf := func(x float64) string { return format.Compact(x, lang) }
		if m.Format == catalog.Percent {
			yf = func(x float64) string { return format.Percent(x, 1) }
		}
		opts := chart.Options{Title: m.Label.In(lang), YFormat: yf}
		if n > 1 {
			opts.Width, opts.Height = 480, 270
		} else {
			opts.Width, opts.Height = 800, 400
		}
		img, err := r.Line([]chart.Series{{Name: m.Label.In(lang), Points: l.Trend}}, opts)
		if err != nil {
			continue // a metric with no data has no panel
		}
		pngs = append(pngs, img)
		names = append(names, m.Label.In(lang))
	}
	if len(pngs) == 0 {
		return nil, nil
	}
	out := pngs[0]
	if len(pngs) > 1 {
		var err error
		if out, err = grid(pngs, 2); err != nil {
			return nil, err
		}
	}
	span := map[catalog.Grain]string{catalog.Day: msg(lang, "近14天", "last 14 days"), catalog.Week: msg(lang, "近8周", "last 8 weeks"), catalog.Month: msg(lang, "近6个月", "last 6 months")}[g]
	t := strings.Join(names, msg(lang, "、", ", ")) + " · " + span
	return &bot.Image{PNG: out, Name: "digest.png", Title: t, AltText: t}, nil
}

// grid places PNG images of equal size in rows of cols.
func grid(pngs [][]byte, cols int) ([]byte, error) {
	imgs := make([]image.Image, len(pngs))
	var w, h int
	for i, b := range pngs {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("combine charts: %w", err)
		}
		imgs[i] = img
		w, h = max(w, img.Bounds().Dx()), max(h, img.Bounds().Dy())
	}
	rows := (len(imgs) + cols - 1) / cols
	out := image.NewRGBA(image.Rect(0, 0, w*min(cols, len(imgs)), h*rows))
	draw.Draw(out, out.Bounds(), &image.Uniform{C: color.White}, image.Point{}, draw.Src)
	for i, img := range imgs {
		x, y := (i%cols)*w, (i/cols)*h
		draw.Draw(out, image.Rect(x, y, x+w, y+h), img, img.Bounds().Min, draw.Over)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("combine charts: %w", err)
	}
	return buf.Bytes(), nil
}
