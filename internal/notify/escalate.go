package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/store"
)

// Escalation steps, the prefixes of their slot jobs.
const (
	StepRemind   = "alert-remind"
	StepEscalate = "alert-escalate"
)

// Parent returns the metric whose decomposition lists name (as a child or a factor), if any.
func Parent(c *catalog.Catalog, name string) (*catalog.Metric, bool) {
	for _, m := range c.Metrics {
		if d := m.Decomposition; d != nil && (slices.Contains(d.Children, name) || slices.Contains(d.Factors, name)) {
			return m, true
		}
	}
	return nil, false
}

// Escalate looks at the open (unacknowledged) alerts at now: an alert open for RemindAfter
// reminds its owner, once; an alert open for EscalateAfter goes to the owner of the parent
// metric, or to FallbackChannel, once. Each message starts a thread that routes back to the
// alert like the first. It returns the failures joined; a failed step is tried again on a later
// run.
func (n *Notifier) Escalate(ctx context.Context, now time.Time) error {
	open, err := n.st.Alerts(ctx, store.AlertFilter{Status: []store.AlertStatus{store.AlertOpen}})
	if err != nil {
		return fmt.Errorf("escalate alerts: %w", err)
	}
	var errs []error
	for _, a := range open {
		age := now.Sub(a.CreatedAt)
		if age >= n.opts.RemindAfter {
			errs = append(errs, n.step(ctx, StepRemind, a, n.remind))
		}
		if age >= n.opts.EscalateAfter {
			errs = append(errs, n.step(ctx, StepEscalate, a, n.escalate))
		}
	}
	return errors.Join(errs...)
}

// step runs one escalation step of an alert unless it ran (or is running) already.
func (n *Notifier) step(ctx context.Context, name string, a store.Alert, run func(context.Context, store.Alert) error) error {
	job := name + "/" + strconv.FormatInt(int64(a.ID), 10)
	ok, err := n.st.ClaimSlot(ctx, job, a.CreatedAt, n.opts.Holder, n.opts.Lease)
	if err != nil {
		return fmt.Errorf("%s: claim: %w", job, err)
	}
	if !ok {
		return nil
	}
	if err := run(ctx, a); err != nil {
		// Left claimed: after the lease, a later run tries again.
		return fmt.Errorf("%s: %w", job, err)
	}
	if err := n.st.FinishSlot(ctx, job, a.CreatedAt, n.opts.Holder); err != nil {
		return fmt.Errorf("%s: finish: %w", job, err)
	}
	n.log.Info("alert escalation step sent", "step", name, "alert", a.ID)
	return nil
}

// remind sends the owner (or, unreachable, the alert's first destination) a reminder.
func (n *Notifier) remind(ctx context.Context, a store.Alert) error {
	c := n.cats.Catalog()
	dests := n.destinations(c, a)
	if len(dests) == 0 {
		return ErrNowhere
	}
	lang := n.opts.Lang
	r := n.Compose(ctx, a, nil)
	r.Chart = nil
	r.Headline = fmt.Sprintf(msg(lang, "提醒: 这条预警已 %s 未确认 — %s", "Reminder: unacknowledged for %s — %s"),
		hours(n.opts.RemindAfter, lang), answer.AlertText(c, a, lang))
	return n.send(ctx, a, dests[0], r, false)
}

// escalate tells the parent metric's owner, or the fallback channel.
func (n *Notifier) escalate(ctx context.Context, a store.Alert) error {
	c := n.cats.Catalog()
	lang := n.opts.Lang
	var to bot.Destination
	var who string
	if p, ok := Parent(c, a.Metric); ok {
		if o, ok := c.Owner(p.Owner); ok {
			if id := ownerID(o, n.opts.Platform); id != "" {
				to, who = bot.Destination{Platform: n.opts.Platform, User: id}, o.Name
			}
		}
	}
	if to == (bot.Destination{}) {
		if n.opts.FallbackChannel == "" {
			return fmt.Errorf("no parent owner to reach and no fallback channel: %w", ErrNowhere)
		}
		to = bot.Destination{Platform: n.opts.Platform, Channel: n.opts.FallbackChannel}
	}
	owner := answer.AuthorName(c, a.Owner)
	r := n.Compose(ctx, a, nil)
	r.Chart = nil
	r.Headline = fmt.Sprintf(msg(lang, "升级: %s 的预警已 %s 无人确认 — %s", "Escalation: %s has not acknowledged this alert for %s — %s"),
		owner, hours(n.opts.EscalateAfter, lang), answer.AlertText(c, a, lang))
	if who != "" {
		r.Context = append([]string{fmt.Sprintf(msg(lang, "发给上级指标负责人 %s", "Sent to %s, owner of the parent metric"), who)}, r.Context...)
	}
	return n.send(ctx, a, to, r, false)
}

func hours(d time.Duration, lang string) string {
	h := d.Hours()
	return fmt.Sprintf(msg(lang, "%g 小时", "%g hours"), h)
}
