package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/internal/store"
)

// AlertSource gives the recorded alerts and cause notes of a metric, so answers can show what
// owners wrote about the period they cover. The state stores implement it.
type AlertSource interface {
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	CauseNotes(ctx context.Context, metric string, from, to time.Time) ([]store.CauseNote, error)
}

// maxAlertLines bounds the alert and note lines added to one answer.
const maxAlertLines = 5

// loc returns the catalog's time zone.
func loc(c *catalog.Catalog) *time.Location {
	if c != nil && c.Location != nil {
		return c.Location
	}
	return time.UTC
}

// SliceValues returns the values of an alert's slice in the catalog's dimension order
// ("华东", "小程序"); empty for the whole metric.
func SliceValues(c *catalog.Catalog, slice json.RawMessage) []string {
	var m map[string]string
	if len(slice) == 0 || json.Unmarshal(slice, &m) != nil || len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	order := map[string]int{}
	for i, d := range c.Dimensions {
		order[d.Name] = i
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := order[keys[i]]
		oj, jok := order[keys[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// DayText writes a day as people say it: "11月18日" or "Nov 18".
func DayText(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Jan 2")
	}
	return fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
}

// PeriodText writes an alert's period in the catalog's time zone: one day, or first to last day.
func PeriodText(c *catalog.Catalog, start, end time.Time, lang string) string {
	l := loc(c)
	s, e := start.In(l), end.In(l).Add(-time.Nanosecond)
	if catalog.DateOf(s) == catalog.DateOf(e) {
		return DayText(s, lang)
	}
	return DayText(s, lang) + "–" + DayText(e, lang)
}

// Deviation returns how far an alert's value is from the middle of its expected band, as a
// fraction (-0.31 for 31% below); NaN when the middle is zero.
func Deviation(a store.Alert) float64 {
	mid := (a.ExpectedLow + a.ExpectedHigh) / 2
	if mid == 0 {
		return math.NaN()
	}
	return a.Value/mid - 1
}

// MoveText writes the direction and size of an alert's move against the middle of its expected
// band: "下降 31%" or "down 31%"; for a rate (a metric in percent), in percentage points, "上升
// 1.4个百分点" or "up 1.4 pp", since a relative change of a rate reads as a different number.
func MoveText(c *catalog.Catalog, a store.Alert, lang string) string {
	d := Deviation(a)
	if math.IsNaN(d) {
		return msg(lang, "异常", "moved")
	}
	size := format.Percent(math.Abs(d), 0)
	if m, ok := c.Metric(a.Metric); ok && m.Format == catalog.Percent {
		pp := math.Abs(a.Value-(a.ExpectedLow+a.ExpectedHigh)/2) * 100
		size = fmt.Sprintf(msg(lang, "%.1f个百分点", "%.1f pp"), pp)
	}
	if d < 0 {
		return msg(lang, "下降 ", "down ") + size
	}
	return msg(lang, "上升 ", "up ") + size
}

// AlertText describes an alert in one line: "11月18日 华东 小程序 销售额下降 31%".
func AlertText(c *catalog.Catalog, a store.Alert, lang string) string {
	parts := []string{PeriodText(c, a.PeriodStart, a.PeriodEnd, lang)}
	parts = append(parts, SliceValues(c, a.Slice)...)
	name := a.Metric
	if m, ok := c.Metric(a.Metric); ok {
		name = m.Label.In(lang)
	}
	sep := msg(lang, "", " ")
	parts = append(parts, name+sep+MoveText(c, a, lang))
	return strings.Join(parts, " ")
}

// AuthorName returns the catalog name of an owner id ("王芳"), or the id itself.
func AuthorName(c *catalog.Catalog, id string) string {
	if o, ok := c.Owner(id); ok && o.Name != "" {
		return o.Name
	}
	return id
}

// NoteText describes a cause note with the alert it is about, if known:
// "11月18日 华东 小程序 销售额下降 31%, @王芳: 支付通道故障, 14:00 恢复".
func NoteText(c *catalog.Catalog, a *store.Alert, n store.CauseNote, lang string) string {
	var head string
	if a != nil {
		head = AlertText(c, *a, lang)
	} else {
		name := n.Metric
		if m, ok := c.Metric(n.Metric); ok {
			name = m.Label.In(lang)
		}
		head = PeriodText(c, n.PeriodStart, n.PeriodEnd, lang) + " " + name
	}
	return fmt.Sprintf("%s, @%s: %s", head, AuthorName(c, n.Author), n.Text)
}

// contradicts reports whether an alert's slice names a value of a dimension that the query
// filters to other values, so the alert is about something the answer does not cover.
func contradicts(slice json.RawMessage, q *catalog.Query) bool {
	var m map[string]string
	if json.Unmarshal(slice, &m) != nil {
		return false
	}
	for _, f := range q.Filters {
		v, ok := m[f.Dimension]
		if !ok || (f.Op != catalog.OpIn && f.Op != catalog.OpEq) {
			continue
		}
		found := false
		for _, x := range f.Values {
			found = found || x == v
		}
		if !found {
			return true
		}
	}
	return false
}

// periodAlerts returns the alerts of metric whose period overlaps [from, to) and that the query
// does not exclude, oldest first, with their cause notes by alert, and the notes not about an
// alert.
func (a *Answerer) periodAlerts(ctx context.Context, metric string, from, to time.Time, q *catalog.Query) ([]store.Alert, map[store.AlertID][]store.CauseNote, []store.CauseNote, error) {
	src := a.opts.Alerts
	all, err := src.Alerts(ctx, store.AlertFilter{Metric: metric})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list alerts of %s: %w", metric, err)
	}
	var alerts []store.Alert
	for _, al := range all {
		if al.PeriodStart.Before(to) && al.PeriodEnd.After(from) && !contradicts(al.Slice, q) && al.Status != store.AlertDismissed {
			alerts = append(alerts, al)
		}
	}
	sort.SliceStable(alerts, func(i, j int) bool { return alerts[i].PeriodStart.Before(alerts[j].PeriodStart) })
	notes, err := src.CauseNotes(ctx, metric, from, to)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list cause notes of %s: %w", metric, err)
	}
	byAlert := map[store.AlertID][]store.CauseNote{}
	var loose []store.CauseNote
	for _, n := range notes {
		if n.Alert == 0 {
			loose = append(loose, n)
		} else {
			byAlert[n.Alert] = append(byAlert[n.Alert], n)
		}
	}
	return alerts, byAlert, loose, nil
}

// causeLines returns the context lines about alerts and cause notes in the period of q: one per
// note (with its alert), one per alert nobody explained yet. A failure is logged and shows
// nothing: the answer matters more than its notes.
func (a *Answerer) causeLines(ctx context.Context, c *catalog.Catalog, q *catalog.Query, lang string) []string {
	if a.opts.Alerts == nil || q == nil || !q.Range.Valid() {
		return nil
	}
	from, to := q.Range.Start.Time(loc(c)), q.Range.End.Time(loc(c))
	var out []string
	for _, metric := range q.Metrics {
		alerts, byAlert, loose, err := a.periodAlerts(ctx, metric, from, to, q)
		if err != nil {
			a.log.Warn("load alerts for an answer; answering without them", "err", err)
			return nil
		}
		for _, al := range alerts {
			ns := byAlert[al.ID]
			if len(ns) == 0 {
				out = append(out, msg(lang, "预警: ", "Alert: ")+AlertText(c, al, lang)+msg(lang, " (尚未说明原因)", " (no cause noted yet)"))
			}
			for _, n := range ns {
				out = append(out, msg(lang, "原因说明: ", "Cause: ")+NoteText(c, &al, n, lang))
			}
		}
		for _, n := range loose {
			out = append(out, msg(lang, "原因说明: ", "Cause: ")+NoteText(c, nil, n, lang))
		}
	}
	if len(out) > maxAlertLines {
		more := len(out) - maxAlertLines
		out = append(out[:maxAlertLines], fmt.Sprintf(msg(lang, "另有 %d 条预警或说明", "and %d more alerts or notes"), more))
	}
	return out
}
