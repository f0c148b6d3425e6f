// Package review writes the periodic review (复盘) of alerts: how many were raised, by metric
// and by owner, how many were acknowledged and how fast, how many were resolved or dismissed as
// false alarms, which causes the owners wrote, and what is still open. The same review is printed
// by `metricbot review` and posted weekly by the scheduler.
package review

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/internal/store"
)

// Store is the part of the state store a review reads; the SQLite and PostgreSQL stores
// implement it.
type Store interface {
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	AlertHistory(ctx context.Context, id store.AlertID) ([]store.AlertChange, error)
	AlertCauseNotes(ctx context.Context, id store.AlertID) ([]store.CauseNote, error)
}

// SystemActor is the actor the store records for changes metricbot makes itself, such as
// raising an alert; its changes are not acknowledgements.
const SystemActor = "metricbot"

// Group counts the alerts of one metric or one owner.
type Group struct {
	Key          string // metric name or owner id
	Raised       int
	Acknowledged int
	Resolved     int
	Dismissed    int
	Open         int // open or acknowledged now
}

// Cause is a cause note written during the review period, with its alert.
type Cause struct {
	Alert store.Alert
	Note  store.CauseNote
}

// Summary is a review's numbers.
type Summary struct {
	Since, Until time.Time
	// Raised counts the alerts created in [Since, Until).
	Raised int
	// Acknowledged counts those a person responded to: moved to acknowledged, resolved or
	// dismissed.
	Acknowledged int
	// MedianAck is the median time from an alert's creation to the first response, over the
	// acknowledged ones; HasMedian is false when none was acknowledged.
	MedianAck time.Duration
	HasMedian bool
	// Resolved and Dismissed count the raised alerts whose status is now resolved, or dismissed
	// as not an anomaly.
	Resolved, Dismissed int
	ByMetric, ByOwner   []Group
	// Causes are the cause notes written in the period, on any alert, oldest first.
	Causes []Cause
	// StillOpen are all alerts open or acknowledged now, whenever they were raised, oldest first.
	StillOpen []store.Alert
}

// AckShare returns Acknowledged / Raised, or zero when nothing was raised.
func (s Summary) AckShare() float64 {
	if s.Raised == 0 {
		return 0
	}
	return float64(s.Acknowledged) / float64(s.Raised)
}

// Summarize computes the review of alerts raised in [since, until).
func Summarize(ctx context.Context, st Store, since, until time.Time) (Summary, error) {
	if !since.Before(until) {
		return Summary{}, fmt.Errorf("review: since %s is not before %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	all, err := st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		return Summary{}, fmt.Errorf("review: %w", err)
	}
	s := Summary{Since: since, Until: until}
	byMetric, byOwner := map[string]*Group{}, map[string]*Group{}
	group := func(m map[string]*Group, key string) *Group {
		g, ok := m[key]
		if !ok {
			g = &Group{Key: key}
			m[key] = g
		}
		return g
	}
	var acks []time.Duration
	for _, a := range all {
		open := a.Status == store.AlertOpen || a.Status == store.AlertAcknowledged
		raised := !a.CreatedAt.Before(since) && a.CreatedAt.Before(until)
		if open {
			s.StillOpen = append(s.StillOpen, a)
		}
		if raised || open {
			notes, err := st.AlertCauseNotes(ctx, a.ID)
			if err != nil {
				return Summary{}, fmt.Errorf("review: %w", err)
			}
			for _, n := range notes {
				if !n.CreatedAt.Before(since) && n.CreatedAt.Before(until) {
					s.Causes = append(s.Causes, Cause{Alert: a, Note: n})
				}
			}
		}
		if !raised {
			continue
		}
		gs := []*Group{group(byMetric, a.Metric), group(byOwner, a.Owner)}
		s.Raised++
		hist, err := st.AlertHistory(ctx, a.ID)
		if err != nil {
			return Summary{}, fmt.Errorf("review: %w", err)
		}
		if at, ok := firstResponse(hist); ok {
			s.Acknowledged++
			acks = append(acks, at.Sub(a.CreatedAt))
		}
		switch a.Status {
		case store.AlertResolved:
			s.Resolved++
		case store.AlertDismissed:
			s.Dismissed++
		}
		for _, g := range gs {
			g.Raised++
			if _, ok := firstResponse(hist); ok {
				g.Acknowledged++
			}
			switch a.Status {
			case store.AlertResolved:
				g.Resolved++
			case store.AlertDismissed:
				g.Dismissed++
			default:
				g.Open++
			}
		}
	}
	if len(acks) > 0 {
		s.MedianAck, s.HasMedian = median(acks), true
	}
	s.ByMetric, s.ByOwner = sorted(byMetric), sorted(byOwner)
	sort.SliceStable(s.Causes, func(i, j int) bool { return s.Causes[i].Note.CreatedAt.Before(s.Causes[j].Note.CreatedAt) })
	sort.SliceStable(s.StillOpen, func(i, j int) bool { return s.StillOpen[i].CreatedAt.Before(s.StillOpen[j].CreatedAt) })
	return s, nil
}

// firstResponse returns the time of the first status change a person made.
func firstResponse(hist []store.AlertChange) (time.Time, bool) {
	for _, h := range hist {
		if h.From == "" || h.Actor == SystemActor || h.To == store.AlertOpen {
			continue
		}
		return h.At, true
	}
	return time.Time{}, false
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// sorted returns the groups by alerts raised, most first, then by key.
func sorted(m map[string]*Group) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Raised != out[j].Raised {
			return out[i].Raised > out[j].Raised
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Build writes the review of the alerts raised in [since, now) in lang ("zh" or "en").
func Build(ctx context.Context, st Store, c *catalog.Catalog, since, now time.Time, lang string) (bot.Reply, error) {
	s, err := Summarize(ctx, st, since, now)
	if err != nil {
		return bot.Reply{}, err
	}
	return Render(c, s, now, lang), nil
}

// Render lays out a summary; now is used for the age of open alerts.
func Render(c *catalog.Catalog, s Summary, now time.Time, lang string) bot.Reply {
	if lang != "en" {
		lang = "zh"
	}
	loc := c.Location
	first := catalog.DateOf(s.Since.In(loc))
	last := catalog.DateOf(s.Until.Add(-time.Nanosecond).In(loc))
	period := first.String()
	if last != first {
		period += msg(lang, " 至 ", " to ") + last.String()
	}
	r := bot.Reply{Lang: lang}
	head := fmt.Sprintf(msg(lang, "预警复盘 · %s: 共 %d 条预警", "Alert review · %s: %d alerts raised"), period, s.Raised)
	if s.Raised > 0 {
		head += fmt.Sprintf(msg(lang, ", 已响应 %d 条 (%s)", ", %d acknowledged (%s)"), s.Acknowledged, format.Percent(s.AckShare(), 1))
		if s.HasMedian {
			head += fmt.Sprintf(msg(lang, ", 响应时间中位数 %s", ", median time to acknowledge %s"), Duration(s.MedianAck, lang))
		}
		head += fmt.Sprintf(msg(lang, ", 已解决 %d, 误报 %d", ", %d resolved, %d dismissed as false alarms"), s.Resolved, s.Dismissed)
	}
	head += fmt.Sprintf(msg(lang, "; 仍未关闭 %d 条", "; %d still open"), len(s.StillOpen))
	r.Headline = head

	if len(s.ByMetric) > 0 {
		t := &bot.Table{
			Columns: []string{msg(lang, "指标", "metric"), msg(lang, "负责人", "owner"), msg(lang, "预警", "raised"), msg(lang, "已响应", "acked"),
				msg(lang, "已解决", "resolved"), msg(lang, "误报", "false alarm"), msg(lang, "未关闭", "open")},
			Numeric: []bool{false, false, true, true, true, true, true},
		}
		for _, g := range s.ByMetric {
			label, owner := g.Key, ""
			if m, ok := c.Metric(g.Key); ok {
				label, owner = m.Label.In(lang), digest.Person(c, m.Owner)
			}
			t.Rows = append(t.Rows, []string{label, owner, itoa(g.Raised), itoa(g.Acknowledged), itoa(g.Resolved), itoa(g.Dismissed), itoa(g.Open)})
		}
		r.Table = t
		var owners []string
		for _, g := range s.ByOwner {
			owners = append(owners, fmt.Sprintf(msg(lang, "%s %d 条 (已响应 %d)", "%s %d (%d acknowledged)"), digest.Person(c, g.Key), g.Raised, g.Acknowledged))
		}
		r.Text = append(r.Text, msg(lang, "按负责人: ", "By owner: ")+strings.Join(owners, msg(lang, "; ", "; ")))
	}
	if len(s.Causes) > 0 {
		r.Text = append(r.Text, msg(lang, "*写下的原因*", "*Causes written*"))
		for _, cs := range s.Causes {
			r.Text = append(r.Text, "• "+alertLabel(c, cs.Alert, lang)+": "+cs.Note.Text+" ("+digest.Person(c, cs.Note.Author)+")")
		}
	} else if s.Raised > 0 {
		r.Text = append(r.Text, msg(lang, "本期没有写下原因说明。", "No causes were written in this period."))
	}
	if len(s.StillOpen) > 0 {
		r.Text = append(r.Text, msg(lang, "*仍未关闭*", "*Still open*"))
		for _, a := range s.StillOpen {
			status := msg(lang, "待处理", "open")
			if a.Status == store.AlertAcknowledged {
				status = msg(lang, "已确认", "acknowledged")
			}
			r.Text = append(r.Text, fmt.Sprintf(msg(lang, "• %s · %s, 负责人 %s, 已过 %s", "• %s · %s, owner %s, for %s"),
				alertLabel(c, a, lang), status, digest.Person(c, a.Owner), Duration(now.Sub(a.CreatedAt), lang)))
		}
	}
	r.Context = []string{
		msg(lang, "期间: ", "Period: ") + period + msg(lang, " (按预警产生时间)", " (by the time alerts were raised)"),
		msg(lang, "已响应 = 有人把预警改为已确认、已解决或非异常; 响应时间 = 从预警产生到第一次这样的变化。",
			"Acknowledged = someone moved the alert to acknowledged, resolved or not an anomaly; time to acknowledge runs from the alert to that first change."),
	}
	return r
}

func alertLabel(c *catalog.Catalog, a store.Alert, lang string) string {
	name := a.Metric
	if m, ok := c.Metric(a.Metric); ok {
		name = m.Label.In(lang)
	}
	return fmt.Sprintf("%s · %s · %s", name, digest.Slice(c, a.Slice, lang), catalog.DateOf(a.PeriodStart.In(c.Location)))
}

// Duration writes d for people: "45分钟", "2小时30分", "3.5天" / "45m", "2h30m", "3.5 days".
func Duration(d time.Duration, lang string) string {
	switch {
	case d < time.Hour:
		m := int(math.Round(d.Minutes()))
		return msg(lang, fmt.Sprintf("%d分钟", m), fmt.Sprintf("%dm", m))
	case d < 48*time.Hour:
		m := int(math.Round(d.Minutes()))
		h, m := m/60, m%60
		if m == 0 {
			return msg(lang, fmt.Sprintf("%d小时", h), fmt.Sprintf("%dh", h))
		}
		return msg(lang, fmt.Sprintf("%d小时%d分", h, m), fmt.Sprintf("%dh%02dm", h, m))
	}
	days := strconv.FormatFloat(math.Round(d.Hours()/24*10)/10, 'f', -1, 64)
	return msg(lang, days+"天", days+" days")
}

var reSince = regexp.MustCompile(`^(\d+)\s*([mhdw])$`)

// ErrBadSince is returned (wrapped) by ParseSince.
var ErrBadSince = errors.New("want a duration such as 7d, 2w or 24h, or a date YYYY-MM-DD")

// ParseSince reads the start of a review period: a duration back from now (30m, 24h, 7d, 2w)
// or a date, taken as midnight in loc.
func ParseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if m := reSince.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		if n <= 0 {
			return time.Time{}, fmt.Errorf("since %q: %w", s, ErrBadSince)
		}
		return now.Add(-time.Duration(n) * unit), nil
	}
	d, err := catalog.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("since %q: %w", s, ErrBadSince)
	}
	return d.Time(loc), nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}
