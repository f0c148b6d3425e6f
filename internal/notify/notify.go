// Package notify closes the alert loop in chat: it writes an alert as a message (value, expected
// band, deviation, top contributors, factors, a chart with the band, and buttons to acknowledge,
// resolve, dismiss or add a cause), delivers it to the metric owner's direct messages and to the
// metric's channel, records the threads so replies there come back to the alert as cause notes
// or comments, and escalates alerts nobody acknowledged: a reminder to the owner after
// RemindAfter, then a message to the owner of the parent metric (or a fallback channel) after
// EscalateAfter.
//
// # Escalating once
//
// Each escalation step of each alert is claimed with the state store's ClaimSlot, keyed by the
// step and the alert ("alert-remind/42") with the alert's creation time as the slot, and marked
// done with FinishSlot once the message is out. So a step runs once across replicas and
// restarts, a replica that died mid-step leaves it to the next run after the lease, and the
// job_slots rows double as the record of what was sent when. We chose this over alert history
// entries because the history records status changes (its readers, such as the weekly review,
// count them as responses) and has no uniqueness to make "once" hold under concurrency.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/alert"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/internal/store"
)

// Store is the part of the state store the notifier uses; both state stores implement it.
type Store interface {
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	SetAlertThread(ctx context.Context, id store.AlertID, ref string) error
	AddAlertThread(ctx context.Context, t store.AlertThread) error
	ClaimSlot(ctx context.Context, job string, slot time.Time, holder string, lease time.Duration) (bool, error)
	FinishSlot(ctx context.Context, job string, slot time.Time, holder string) error
}

// Catalogs gives the catalog in force; *engine.Engine implements it.
type Catalogs interface {
	Catalog() *catalog.Catalog
}

// Querier reads a metric's recent values for the chart; *engine.Engine implements it.
type Querier interface {
	Run(ctx context.Context, q catalog.Query) (*engine.Result, error)
}

// Options configure a Notifier.
type Options struct {
	// Platform is where alerts go; owners are reached by their id for it in the catalog.
	Platform bot.Platform
	// Lang is the language of alert messages, "zh" (default) or "en".
	Lang string
	// Charts draws the chart with the band; nil sends no chart.
	Charts *chart.Renderer
	// History reads the metric's last ChartDays days for the chart; nil sends no chart.
	History   Querier
	ChartDays int // default 14
	// RemindAfter is how long an alert may stay open before the owner is reminded (default
	// 4h); EscalateAfter is when the parent metric's owner or FallbackChannel hears of it
	// (default 24h).
	RemindAfter, EscalateAfter time.Duration
	// FallbackChannel gets alerts whose metric has no channel and no reachable owner, and
	// escalations when the parent metric's owner cannot be reached.
	FallbackChannel string
	// Holder names this replica in slot claims; Lease bounds a claim (default 10 minutes).
	Holder string
	Lease  time.Duration
	Logger *slog.Logger
}

// Notifier delivers and escalates alerts. It is safe for concurrent use.
type Notifier struct {
	cats Catalogs
	st   Store
	post bot.Poster
	opts Options
	log  *slog.Logger
}

// New returns a Notifier that posts through post.
func New(cats Catalogs, st Store, post bot.Poster, opts Options) *Notifier {
	if opts.Lang == "" {
		opts.Lang = "zh"
	}
	if opts.ChartDays <= 0 {
		opts.ChartDays = 14
	}
	if opts.RemindAfter <= 0 {
		opts.RemindAfter = 4 * time.Hour
	}
	if opts.EscalateAfter <= 0 {
		opts.EscalateAfter = 24 * time.Hour
	}
	if opts.Lease <= 0 {
		opts.Lease = 10 * time.Minute
	}
	if opts.Holder == "" {
		opts.Holder = "metricbot"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Notifier{cats: cats, st: st, post: post, opts: opts, log: opts.Logger}
}

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// ownerID returns the platform id of a catalog owner on platform p, or "".
func ownerID(o *catalog.Owner, p bot.Platform) string {
	if o == nil {
		return ""
	}
	switch p {
	case bot.Slack:
		return o.Slack
	case bot.Lark:
		return o.Lark
	}
	return ""
}

// Compose writes an alert as a reply. detail, the evaluation that raised it, adds the
// contributors and factors; it may be nil (an alert read back from the store).
func (n *Notifier) Compose(ctx context.Context, a store.Alert, detail *alert.Alert) bot.Reply {
	c := n.cats.Catalog()
	lang := n.opts.Lang
	m, ok := c.Metric(a.Metric)
	if !ok {
		m = &catalog.Metric{Name: a.Metric, Label: catalog.Text{ZH: a.Metric, EN: a.Metric}}
	}
	val := func(x float64) string { return format.Value(x, m, lang) }
	r := bot.Reply{Lang: lang}
	r.Headline = fmt.Sprintf(msg(lang, "%s %s %s %s (预期 %s–%s)", "%s %s %s %s (expected %s–%s)"),
		m.Label.In(lang), sliceText(c, a), answer.PeriodText(c, a.PeriodStart, a.PeriodEnd, lang), answer.MoveText(c, a, lang),
		val(a.ExpectedLow), val(a.ExpectedHigh))
	r.Headline = strings.Join(strings.Fields(r.Headline), " ")
	line := fmt.Sprintf(msg(lang, "实际 %s, 预期 %s–%s, 偏离 %s", "Value %s, expected %s–%s, deviation %s"),
		val(a.Value), val(a.ExpectedLow), val(a.ExpectedHigh), signed(answer.Deviation(a)))
	if detail != nil && detail.Score != 0 {
		line += fmt.Sprintf(msg(lang, " (%.1f 个标准差)", " (%.1f sd)"), detail.Score)
	}
	r.Text = append(r.Text, line)
	if detail != nil && detail.RootCause != nil {
		rc := detail.RootCause
		var parts []string
		for _, ct := range rc.Top {
			parts = append(parts, fmt.Sprintf(msg(lang, "%s %s %s (占变化 %s)", "%s %s %s (%s of the change)"),
				dimLabel(c, ct.Dimension, lang), ct.Value, signed(ct.PctChange), format.Percent(ct.Contribution, 0)))
		}
		if len(parts) > 0 {
			r.Text = append(r.Text, msg(lang, "*主要贡献*: ", "*Top contributors*: ")+strings.Join(parts, "; "))
		}
		var fs []string
		for _, f := range rc.Factors {
			fs = append(fs, fmt.Sprintf(msg(lang, "%s %s (占 %s)", "%s %s (%s)"), metricLabel(c, f.Metric, lang), signed(f.PctChange), format.Percent(f.Share, 0)))
		}
		if len(fs) > 0 {
			r.Text = append(r.Text, msg(lang, "*因子*: ", "*Factors*: ")+strings.Join(fs, ", "))
		}
	}
	owner := a.Owner
	if owner == "" {
		owner = m.Owner
	}
	if o, ok := c.Owner(owner); ok {
		r.Context = append(r.Context, msg(lang, "负责人: @", "Owner: @")+o.Name)
	}
	r.Context = append(r.Context,
		fmt.Sprintf(msg(lang, "规则 %s · 预警 #%d", "Rule %s · alert #%d"), a.Rule, a.ID),
		msg(lang, "在本帖回复原因 (例如「支付通道故障, 14:00 恢复」), 我会记下来, 以后查这个时段时一并显示。",
			"Reply in this thread with the cause (\"payment outage, fixed 14:00\"); I'll keep it and show it whenever someone looks at this period."))
	r.Chart = n.chart(ctx, c, m, a, lang)
	id := strconv.FormatInt(int64(a.ID), 10)
	r.Buttons = []bot.Button{
		{ID: bot.ActionAlertAck, Label: msg(lang, "确认", "Acknowledge"), Value: id, Style: "primary"},
		{ID: bot.ActionAlertResolve, Label: msg(lang, "已解决", "Resolve"), Value: id},
		{ID: bot.ActionAlertDismiss, Label: msg(lang, "不是异常", "Not an anomaly"), Value: id, Style: "danger"},
		{ID: bot.ActionAlertAddCause, Label: msg(lang, "添加原因", "Add cause"), Value: id},
	}
	return r
}

func signed(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return format.SignedPercent(x)
}

func sliceText(c *catalog.Catalog, a store.Alert) string {
	return strings.Join(answer.SliceValues(c, a.Slice), "/")
}

func dimLabel(c *catalog.Catalog, name, lang string) string {
	if d, ok := c.Dimension(name); ok {
		return d.Label.In(lang)
	}
	return name
}

func metricLabel(c *catalog.Catalog, name, lang string) string {
	if m, ok := c.Metric(name); ok {
		return m.Label.In(lang)
	}
	return name
}

// chart draws the slice's last days with the alert's expected band; nil when there is no
// renderer, no history or the query fails (logged).
func (n *Notifier) chart(ctx context.Context, c *catalog.Catalog, m *catalog.Metric, a store.Alert, lang string) *bot.Image {
	if n.opts.Charts == nil || n.opts.History == nil {
		return nil
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	end := catalog.DateOf(a.PeriodEnd.In(loc))
	q := catalog.Query{Metrics: []string{m.Name}, Grain: catalog.Day,
		Range: catalog.TimeRange{Start: end.AddDays(-n.opts.ChartDays), End: end}}
	var slice map[string]string
	_ = json.Unmarshal(a.Slice, &slice)
	for k, v := range slice {
		q.Filters = append(q.Filters, catalog.Filter{Dimension: k, Op: catalog.OpIn, Values: []string{v}})
	}
	res, err := n.opts.History.Run(ctx, q)
	if err != nil {
		n.log.Warn("read history for an alert chart; sending it without", "err", err, "alert", a.ID)
		return nil
	}
	byDay := map[string]float64{}
	for _, row := range res.Rows {
		if len(row) < 2 {
			continue
		}
		day := fmt.Sprint(row[0])
		if t, ok := row[0].(time.Time); ok {
			day = t.Format(time.DateOnly)
		}
		if v, ok := num(row[len(row)-1]); ok {
			byDay[day[:min(len(day), 10)]] = v
		}
	}
	var pts []chart.Point
	var lo, hi []float64
	for d := q.Range.Start; d.Before(q.Range.End); d = d.AddDays(1) {
		v, ok := byDay[d.String()]
		pts = append(pts, chart.Point{Label: d.String()[5:], Value: v, Missing: !ok})
		lo, hi = append(lo, a.ExpectedLow), append(hi, a.ExpectedHigh)
	}
	png, err := n.opts.Charts.Line([]chart.Series{{Name: metricLabel(c, m.Name, lang), Points: pts}}, chart.Options{
		Title:   m.Label.In(lang) + " " + sliceText(c, a),
		YFormat: func(x float64) string { return format.Compact(x, lang) },
		Band:    &chart.Band{Name: msg(lang, "预期区间", "expected range"), Lower: lo, Upper: hi},
	})
	if err != nil {
		n.log.Warn("draw an alert chart; sending it without", "err", err, "alert", a.ID)
		return nil
	}
	return &bot.Image{PNG: png, Name: fmt.Sprintf("alert-%d.png", a.ID), Title: m.Label.In(lang), AltText: msg(lang, "近期走势与预期区间", "recent values and the expected range")}
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case nil:
		return 0, true
	}
	return 0, false
}

// destinations returns where an alert goes: the owner's direct messages and the metric's
// channel, or the fallback channel when neither is known.
func (n *Notifier) destinations(c *catalog.Catalog, a store.Alert) []bot.Destination {
	var out []bot.Destination
	owner := a.Owner
	m, ok := c.Metric(a.Metric)
	if owner == "" && ok {
		owner = m.Owner
	}
	if o, ok := c.Owner(owner); ok {
		if id := ownerID(o, n.opts.Platform); id != "" {
			out = append(out, bot.Destination{Platform: n.opts.Platform, User: id})
		}
	}
	if ok && m.Channel != "" {
		out = append(out, bot.Destination{Platform: n.opts.Platform, Channel: m.Channel})
	}
	if len(out) == 0 && n.opts.FallbackChannel != "" {
		out = append(out, bot.Destination{Platform: n.opts.Platform, Channel: n.opts.FallbackChannel})
	}
	return out
}

// ErrNowhere is returned by Deliver for an alert with no owner, channel or fallback to go to.
var ErrNowhere = errors.New("no destination for the alert")

// Deliver posts the alert to its owner and its metric's channel and records each thread it
// started, so replies there route back to the alert; the first thread is also kept as the
// alert's ThreadRef. It posts to every destination it can and returns the failures joined.
func (n *Notifier) Deliver(ctx context.Context, a store.Alert, detail *alert.Alert) error {
	c := n.cats.Catalog()
	dests := n.destinations(c, a)
	if len(dests) == 0 {
		return fmt.Errorf("deliver alert %d (%s): %w", a.ID, a.Rule, ErrNowhere)
	}
	r := n.Compose(ctx, a, detail)
	var errs []error
	first := a.ThreadRef == ""
	for _, to := range dests {
		if err := n.send(ctx, a, to, r, first); err != nil {
			errs = append(errs, err)
			continue
		}
		first = false
	}
	if len(errs) == len(dests) {
		return fmt.Errorf("deliver alert %d: %w", a.ID, errors.Join(errs...))
	}
	if len(errs) > 0 {
		n.log.Error("deliver alert: some destinations failed", "alert", a.ID, "err", errors.Join(errs...))
	}
	return nil
}

// send posts r and records the thread it started.
func (n *Notifier) send(ctx context.Context, a store.Alert, to bot.Destination, r bot.Reply, setRef bool) error {
	posted, err := n.post.Post(ctx, to, r)
	if err != nil {
		return fmt.Errorf("post alert %d to %s: %w", a.ID, to, err)
	}
	th := store.AlertThread{Alert: a.ID, Platform: string(posted.Platform), Channel: posted.Channel, Thread: posted.Thread}
	if err := store.Retry(ctx, func(ctx context.Context) error { return n.st.AddAlertThread(ctx, th) }); err != nil {
		return fmt.Errorf("record thread of alert %d in %s: %w", a.ID, to, err)
	}
	if setRef {
		if err := n.st.SetAlertThread(ctx, a.ID, posted.Ref()); err != nil {
			n.log.Warn("record alert thread reference", "alert", a.ID, "err", err)
		}
	}
	return nil
}

// DeliverPending delivers the open alerts that were never delivered (no thread on record): the
// ones a crash between raising and delivering left behind. It returns how many it delivered.
func (n *Notifier) DeliverPending(ctx context.Context) (int, error) {
	open, err := n.st.Alerts(ctx, store.AlertFilter{Status: []store.AlertStatus{store.AlertOpen}})
	if err != nil {
		return 0, fmt.Errorf("deliver pending alerts: %w", err)
	}
	sent := 0
	var errs []error
	for _, a := range open {
		if a.ThreadRef != "" {
			continue
		}
		if err := n.Deliver(ctx, a, nil); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}
