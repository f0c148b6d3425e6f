package slack

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/metricbot/metricbot/bot"
)

// eventsAPIJob returns the work for an Events API callback, or nil for anything the bot does
// not answer.
func (a *Adapter) eventsAPIJob(_ context.Context, ev slackevents.EventsAPIEvent) job {
	if ev.Type != slackevents.CallbackEvent {
		a.log.Debug("slack: ignored events api envelope", "type", ev.Type)
		return nil
	}
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if cb == nil {
		return nil
	}
	switch inner := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if inner.BotID != "" || inner.Edited != nil {
			return nil
		}
	case *slackevents.MessageEvent:
		if (inner.ChannelType != "im" && !threadReply(inner)) || inner.BotID != "" || inner.SubType != "" || inner.User == "" {
			return nil
		}
	default:
		a.log.Debug("slack: ignored event", "type", ev.InnerEvent.Type, "event_id", cb.EventID)
		return nil
	}
	return func(ctx context.Context) {
		botID := authorizedBot(cb.Authorizations)
		if botID == "" {
			var err error
			if botID, err = a.self(ctx); err != nil {
				a.log.Warn("slack: learn the bot's user id", "event_id", cb.EventID, "err", err)
			}
		}
		m, ok := eventMessage(cb, ev.InnerEvent.Data, botID)
		if !ok {
			return
		}
		a.handleMessage(ctx, m, m.MessageID)
	}
}

// authorizedBot returns the bot user among an event's authorizations, if Slack listed it.
func authorizedBot(auths []slack.EventAuthorization) string {
	for _, au := range auths {
		if au.IsBot && au.UserID != "" {
			return au.UserID
		}
	}
	return ""
}

// eventMessage translates an app_mention or a direct message into a bot.Message. It reports
// false for messages the bot must not answer, such as its own.
func eventMessage(cb *slackevents.EventsAPICallbackEvent, inner any, botID string) (bot.Message, bool) {
	m := bot.Message{EventID: cb.EventID, Platform: bot.Slack, Workspace: cb.TeamID}
	var threadTS string
	switch e := inner.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.Edited != nil || (botID != "" && e.User == botID) {
			return bot.Message{}, false
		}
		m.Channel, m.MessageID, m.User, threadTS = e.Channel, e.TimeStamp, e.User, e.ThreadTimeStamp
		m.Text = stripMention(e.Text, botID)
		if m.Workspace == "" {
			m.Workspace = e.UserTeam
		}
	case *slackevents.MessageEvent:
		if e.BotID != "" || e.SubType != "" || e.User == "" || e.User == botID {
			return bot.Message{}, false
		}
		switch {
		case e.ChannelType == "im":
			m.Direct = true
		case threadReply(e):
			// A reply in a channel thread without a mention: Slack sends an app_mention too
			// when the bot is mentioned, and that one is the message for the bot.
			if botID == "" || strings.Contains(e.Text, "<@"+botID) {
				return bot.Message{}, false
			}
			m.Overheard = true
		default:
			return bot.Message{}, false
		}
		m.Channel, m.MessageID, m.User, threadTS = e.Channel, e.TimeStamp, e.User, e.ThreadTimeStamp
		m.Text = strings.TrimSpace(stripMention(e.Text, botID))
	default:
		return bot.Message{}, false
	}
	m.Thread = threadTS
	if m.Thread == "" {
		m.Thread = m.MessageID
	}
	m.Time = tsTime(m.MessageID)
	return m, true
}

// threadReply reports whether e is a reply in a channel thread (not the thread's root), the
// only channel message without a mention the bot reads: it may be feedback on an alert.
func threadReply(e *slackevents.MessageEvent) bool {
	return (e.ChannelType == "channel" || e.ChannelType == "group") &&
		e.ThreadTimeStamp != "" && e.ThreadTimeStamp != e.TimeStamp
}

var leadingMention = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>`)

// stripMention removes the bot's own mentions (<@U123> or <@U123|name>) from text. When the
// bot's id is unknown it removes a leading mention, which is how an app_mention starts.
func stripMention(text, botID string) string {
	if botID == "" {
		return strings.TrimSpace(leadingMention.ReplaceAllString(text, ""))
	}
	var b strings.Builder
	rest := text
	for {
		i := strings.Index(rest, "<@"+botID)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		after := rest[i+2+len(botID):]
		if !strings.HasPrefix(after, ">") && !strings.HasPrefix(after, "|") {
			// Another user whose id starts with the bot's id.
			b.WriteString(rest[:i+2+len(botID)])
			rest = after
			continue
		}
		end := strings.IndexByte(after, '>')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = after[end+1:]
	}
	return strings.TrimSpace(doubleSpace.ReplaceAllString(b.String(), " "))
}

var doubleSpace = regexp.MustCompile(` {2,}`)

// tsTime turns a Slack timestamp ("1700000000.123456") into a time; zero when it is not one.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	var ns int64
	if frac != "" {
		f := (frac + "000000000")[:9]
		if ns, err = strconv.ParseInt(f, 10, 64); err != nil {
			return time.Time{}
		}
	}
	return time.Unix(s, ns).UTC()
}

// slashJob returns the work for a slash command, or nil for a command the bot does not own.
func (a *Adapter) slashJob(cmd slack.SlashCommand) job {
	if cmd.Command != a.opts.Command {
		a.log.Debug("slack: ignored slash command", "command", cmd.Command)
		return nil
	}
	return func(ctx context.Context) {
		// A slash command has no message to thread under: post the question in the channel,
		// visible to all, and answer in its thread.
		attrs := []any{"channel", cmd.ChannelID, "trigger_id", cmd.TriggerID}
		question := "<@" + cmd.UserID + "> " + escape(strings.TrimSpace(cmd.Command+" "+strings.TrimSpace(cmd.Text)))
		var ts string
		err := a.retry(ctx, "chat.postMessage", attrs, func(ctx context.Context) error {
			var err error
			_, ts, err = a.api.PostMessageContext(ctx, cmd.ChannelID,
				slack.MsgOptionText(question, false), slack.MsgOptionDisableLinkUnfurl())
			return err
		})
		if err != nil {
			a.log.Error("slack: post the slash command's question; the question is not answered",
				append(attrs, "user", cmd.UserID, "err", err)...)
			return
		}
		m := bot.Message{
			EventID:   cmd.TriggerID,
			Platform:  bot.Slack,
			Workspace: cmd.TeamID,
			Channel:   cmd.ChannelID,
			Thread:    ts,
			MessageID: ts,
			User:      cmd.UserID,
			Text:      strings.TrimSpace(cmd.Text),
			Command:   cmd.Command,
			Time:      a.opts.Now(),
		}
		a.handleMessage(ctx, m, ts)
	}
}

// interactionJob returns the work for a button click, or nil for other interactions.
func (a *Adapter) interactionJob(cb slack.InteractionCallback) job {
	actions := interactionActions(cb, a.opts.Now)
	if len(actions) == 0 {
		a.log.Debug("slack: ignored interaction", "type", string(cb.Type))
		return nil
	}
	return func(ctx context.Context) {
		for _, act := range actions {
			out := a.responder(act.Channel, act.Thread, act.MessageID, act.EventID)
			if err := a.h.HandleAction(ctx, act, out); err != nil {
				a.log.Error("slack: handler refused an action", "event_id", act.EventID,
					"channel", act.Channel, "thread", act.Thread, "action", act.ID, "err", err)
			}
		}
	}
}

// interactionActions translates the buttons of a block_actions interaction into bot.Actions.
func interactionActions(cb slack.InteractionCallback, now func() time.Time) []bot.Action {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	msgTS := cb.Container.MessageTs
	if msgTS == "" {
		msgTS = cb.Message.Timestamp
	}
	thread := cb.Container.ThreadTs
	if thread == "" {
		thread = cb.Message.ThreadTimestamp
	}
	if thread == "" {
		thread = msgTS
	}
	var out []bot.Action
	for i, ba := range cb.ActionCallback.BlockActions {
		if ba == nil || ba.ActionID == "" {
			continue
		}
		t := tsTime(ba.ActionTs)
		if t.IsZero() {
			t = tsTime(cb.ActionTs)
		}
		if t.IsZero() {
			t = now()
		}
		id := cb.TriggerID
		if id == "" {
			id = "action:" + channel + ":" + msgTS + ":" + ba.ActionTs
		}
		if i > 0 {
			id += "#" + strconv.Itoa(i)
		}
		out = append(out, bot.Action{
			EventID:   id,
			Platform:  bot.Slack,
			Workspace: cb.Team.ID,
			Channel:   channel,
			Thread:    thread,
			MessageID: msgTS,
			User:      cb.User.ID,
			ID:        buttonID(ba.ActionID),
			Value:     ba.Value,
			Time:      t,
		})
	}
	return out
}

// handleMessage hands m to the Handler with a responder for its thread; react is the message
// that shows the working reaction.
func (a *Adapter) handleMessage(ctx context.Context, m bot.Message, react string) {
	out := a.responder(m.Channel, m.Thread, react, m.EventID)
	if err := a.h.HandleMessage(ctx, m, out); err != nil {
		a.log.Error("slack: handler refused a message", "event_id", m.EventID,
			"channel", m.Channel, "thread", m.Thread, "err", err)
	}
}
