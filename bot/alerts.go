package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/store"
)

// AlertStore is what the engine needs to take feedback on alerts in their threads. Both state
// stores implement it; when the engine's Store does, the engine uses it unless Options.Alerts
// says otherwise.
type AlertStore interface {
	AlertByThread(ctx context.Context, platform, channel, thread string) (store.Alert, error)
	Alert(ctx context.Context, id store.AlertID) (store.Alert, error)
	SetAlertStatus(ctx context.Context, id store.AlertID, to store.AlertStatus, actor, note string) (store.Alert, error)
	AddCauseNote(ctx context.Context, n store.CauseNote) (store.CauseNote, error)
	AddComment(ctx context.Context, c store.Comment) (store.Comment, error)
}

// alertOf returns the alert whose thread m is in, if any. Only replies in a thread are looked up.
func (e *Engine) alertOf(ctx context.Context, m Message) (store.Alert, bool) {
	if e.alerts == nil || m.Thread == "" || m.Thread == m.MessageID {
		return store.Alert{}, false
	}
	a, err := e.alerts.AlertByThread(ctx, string(m.Platform), m.Channel, m.Thread)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.log.Error("look up the alert of a thread", "err", err, "thread", m.Thread)
		}
		return store.Alert{}, false
	}
	return a, true
}

// person returns the catalog owner id of a platform user, or "platform:user".
func person(c *catalog.Catalog, p Platform, user string) string {
	for _, o := range c.Owners {
		if (p == Slack && o.Slack == user) || (p == Lark && o.Lark == user) {
			return o.ID
		}
	}
	return string(p) + ":" + user
}

// mayExplain reports whether person (a catalog owner id) may write cause notes on an alert:
// the alert's owner, the metric's owner, the owner of its parent metric, or anyone listed in
// Options.NoteAuthors.
func (e *Engine) mayExplain(c *catalog.Catalog, a store.Alert, who string) bool {
	if who == a.Owner {
		return true
	}
	for _, id := range e.opts.NoteAuthors {
		if id == who {
			return true
		}
	}
	if m, ok := c.Metric(a.Metric); ok && m.Owner == who {
		return true
	}
	for _, m := range c.Metrics {
		if d := m.Decomposition; d != nil && m.Owner == who && (contains(d.Children, a.Metric) || contains(d.Factors, a.Metric)) {
			return true
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// alertReply records a reply in an alert's thread, as a cause note from someone who may explain
// the alert or a comment from anyone else, and confirms in the thread. The record is stored
// before the event is marked answered, and keyed by the chat message, so a crash between the two
// re-processes the redelivered event without a second note.
func (e *Engine) alertReply(ctx context.Context, m Message, a store.Alert, out Responder) {
	key, first := e.claim(ctx, m.Platform, m.EventID)
	if !first {
		return
	}
	c := e.ans.Catalog()
	lang := guessLang(m.Text)
	text := strings.TrimSpace(m.Text)
	if text == "" {
		e.answered(ctx, key)
		return
	}
	who := person(c, m.Platform, m.User)
	source := string(m.Platform) + ":" + m.Channel + ":" + m.MessageID
	if m.MessageID == "" {
		source = string(m.Platform) + ":event:" + m.EventID
	}
	var r Reply
	if e.mayExplain(c, a, who) {
		n := store.CauseNote{Alert: a.ID, Metric: a.Metric, PeriodStart: a.PeriodStart, PeriodEnd: a.PeriodEnd,
			Author: who, Text: text, Source: source}
		err := store.Retry(ctx, func(ctx context.Context) error { _, err := e.alerts.AddCauseNote(ctx, n); return err })
		if err != nil {
			// Not marked answered: the platform's redelivery (or the lease) brings it back.
			e.log.Error("store a cause note; the event stays unanswered for a retry", "err", err, "alert", a.ID, "event", m.EventID)
			e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "抱歉, 原因说明暂时没存上, 我稍后会再试一次。", "Sorry, I couldn't save the note just now; I'll try again shortly.")})
			return
		}
		if a.Status == store.AlertOpen {
			if _, err := e.alerts.SetAlertStatus(ctx, a.ID, store.AlertAcknowledged, who, "cause note"); err != nil {
				e.log.Warn("acknowledge an alert on its cause note", "err", err, "alert", a.ID)
			}
		}
		r = Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang, "已记录原因说明 (@%s): %s", "Cause noted (@%s): %s"), answer.AuthorName(c, who), text),
			Context: []string{msg(lang, "以后查询 ", "It will be shown with answers about ") + answer.AlertText(c, a, lang) + msg(lang, " 时会一并显示。", ".")}}
	} else {
		cm := store.Comment{Alert: a.ID, Author: who, Text: text, Source: source}
		err := store.Retry(ctx, func(ctx context.Context) error { _, err := e.alerts.AddComment(ctx, cm); return err })
		if err != nil {
			e.log.Error("store an alert comment; the event stays unanswered for a retry", "err", err, "alert", a.ID, "event", m.EventID)
			return
		}
		r = Reply{Lang: lang, Headline: msg(lang, "已记为评论。只有指标负责人的回复会记为原因说明。", "Saved as a comment; only the metric's owners' replies become cause notes.")}
	}
	e.reply(ctx, out, r)
	e.answered(ctx, key)
}

// alertAction changes an alert's status from a button, or asks for the cause.
func (e *Engine) alertAction(ctx context.Context, act Action, out Responder, lang string) {
	c := e.ans.Catalog()
	if e.alerts == nil {
		e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "这个部署没有启用预警。", "Alerts are not enabled here.")})
		return
	}
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil {
		e.log.Warn("bad alert action value", "value", act.Value, "action", act.ID)
		return
	}
	who := person(c, act.Platform, act.User)
	if act.ID == ActionAlertAddCause {
		a, err := e.alerts.Alert(ctx, store.AlertID(id))
		if err != nil {
			e.log.Error("load alert for add cause", "err", err, "alert", id)
			return
		}
		owner := answer.AuthorName(c, a.Owner)
		e.reply(ctx, out, Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang,
			"请 @%s 直接在本帖回复原因, 例如「支付通道故障, 14:00 恢复」。", "@%s, please reply in this thread with the cause, e.g. \"payment outage, fixed 14:00\"."), owner)})
		return
	}
	to := map[string]store.AlertStatus{ActionAlertAck: store.AlertAcknowledged, ActionAlertResolve: store.AlertResolved,
		ActionAlertDismiss: store.AlertDismissed}[act.ID]
	var a store.Alert
	err = store.Retry(ctx, func(ctx context.Context) error {
		var err error
		a, err = e.alerts.SetAlertStatus(ctx, store.AlertID(id), to, who, "")
		return err
	})
	if err != nil {
		e.log.Error("set alert status from a button", "err", err, "alert", id, "to", to)
		e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "状态没能更新, 请稍后再试。", "I couldn't update the alert; please try again.")})
		return
	}
	done := map[store.AlertStatus][2]string{
		store.AlertAcknowledged: {"@%s 已确认: %s", "@%s acknowledged: %s"},
		store.AlertResolved:     {"@%s 标记为已解决: %s", "@%s resolved: %s"},
		store.AlertDismissed:    {"@%s 标记为不是异常: %s (以后计算基线时不计这一天)", "@%s marked as not an anomaly: %s (left out of future baselines)"},
	}[to]
	e.reply(ctx, out, Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang, done[0], done[1]), answer.AuthorName(c, who), answer.AlertText(c, a, lang))})
}
