package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/metricbot/metricbot/bot"
)

var _ bot.Poster = (*Adapter)(nil)

// ErrNoDestination is returned by Post for a destination with neither a channel nor a user, or
// for another platform's destination.
var ErrNoDestination = errors.New("no slack destination")

// Post starts a new thread: it posts r to a channel, or to a user's direct messages (opening
// the conversation with conversations.open), and uploads its chart into the new message's
// thread. It returns the channel and the thread (the new message's ts) so replies there can be
// routed back. A chart that cannot be uploaded is logged; the message itself is already out.
func (a *Adapter) Post(ctx context.Context, to bot.Destination, r bot.Reply) (bot.Posted, error) {
	if (to.Platform != "" && to.Platform != bot.Slack) || (to.Channel == "") == (to.User == "") {
		return bot.Posted{}, fmt.Errorf("slack: post to %s: %w", to, ErrNoDestination)
	}
	channel := to.Channel
	if to.User != "" {
		attrs := []any{"user", to.User}
		err := a.retry(ctx, "conversations.open", attrs, func(ctx context.Context) error {
			ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{to.User}, ReturnIM: true})
			if err != nil {
				return err
			}
			if ch == nil || ch.ID == "" {
				return errors.New("conversations.open returned no channel")
			}
			channel = ch.ID
			return nil
		})
		if err != nil {
			return bot.Posted{}, fmt.Errorf("slack: open a direct message with %s: %w", to.User, err)
		}
	}
	blocks := renderBlocks(r)
	if len(blocks) == 0 {
		return bot.Posted{}, fmt.Errorf("slack: post to %s: %w", to, ErrEmptyReply)
	}
	if len(blocks) > maxBlocks {
		blocks = blocks[:maxBlocks]
	}
	attrs := []any{"channel", channel}
	var ts string
	err := a.retry(ctx, "chat.postMessage", attrs, func(ctx context.Context) error {
		ch, t, err := a.api.PostMessageContext(ctx, channel,
			slack.MsgOptionText(fallbackText(r), false),
			slack.MsgOptionBlocks(blocks...),
			slack.MsgOptionDisableLinkUnfurl())
		if err != nil {
			return err
		}
		if ch != "" {
			channel = ch // Slack answers with the channel id for a "#name"
		}
		ts = t
		return nil
	})
	if err != nil {
		return bot.Posted{}, fmt.Errorf("slack: post to %s: %w", to, err)
	}
	posted := bot.Posted{Platform: bot.Slack, Channel: channel, Thread: ts}
	if r.Chart != nil && len(r.Chart.PNG) > 0 {
		if err := a.responder(channel, ts, "", "").upload(ctx, r.Chart); err != nil {
			a.log.Error("slack: upload chart to a posted message; the chart is lost", "channel", channel, "thread", ts, "err", err)
		}
	}
	return posted, nil
}
