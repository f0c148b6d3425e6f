package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/slack-go/slack"

	"github.com/metricbot/metricbot/bot"
)

// ErrEmptyReply is returned by Reply for a reply with nothing to show.
var ErrEmptyReply = errors.New("empty reply")

// responder answers one event in its thread. It is safe for concurrent use.
type responder struct {
	a       *Adapter
	channel string
	thread  string
	react   string // the message that carries the working reaction; may be empty
	eventID string

	mu      sync.Mutex
	working bool // the working reaction is on react
}

var (
	_ bot.Responder = (*responder)(nil)
	_ bot.Progress  = (*responder)(nil)
)

func (a *Adapter) responder(channel, thread, react, eventID string) *responder {
	return &responder{a: a, channel: channel, thread: thread, react: react, eventID: eventID}
}

func (r *responder) attrs() []any {
	return []any{"channel", r.channel, "thread", r.thread, "event_id", r.eventID}
}

// Working adds the working reaction to the question; the next Reply removes it.
func (r *responder) Working(ctx context.Context) error {
	if r.react == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.working {
		return nil
	}
	ref := slack.NewRefToMessage(r.channel, r.react)
	err := r.a.retry(ctx, "reactions.add", r.attrs(), func(ctx context.Context) error {
		return r.a.api.AddReactionContext(ctx, r.a.opts.WorkingReaction, ref)
	})
	if err != nil && slackError(err) != "already_reacted" {
		r.a.log.Warn("slack: add the working reaction", append(r.attrs(), "err", err)...)
		return fmt.Errorf("slack: add working reaction: %w", err)
	}
	r.working = true
	return nil
}

// Reply posts the reply in the thread: its blocks first (so the answer lands even when the
// chart upload fails, and lands quickly), then the chart as a file in the same thread. Then it
// removes the working reaction. Failures are logged with the channel, thread and event id and
// returned; their text never reaches the chat.
func (r *responder) Reply(ctx context.Context, rep bot.Reply) error {
	blocks := renderBlocks(rep)
	text := fallbackText(rep)
	hasChart := rep.Chart != nil && len(rep.Chart.PNG) > 0
	if len(blocks) == 0 && !hasChart {
		r.a.log.Warn("slack: the handler gave an empty reply", r.attrs()...)
		return fmt.Errorf("slack: reply in %s/%s: %w", r.channel, r.thread, ErrEmptyReply)
	}
	for len(blocks) > 0 {
		n := min(len(blocks), maxBlocks)
		part := blocks[:n]
		blocks = blocks[n:]
		err := r.a.retry(ctx, "chat.postMessage", r.attrs(), func(ctx context.Context) error {
			_, _, err := r.a.api.PostMessageContext(ctx, r.channel,
				slack.MsgOptionText(text, false),
				slack.MsgOptionBlocks(part...),
				slack.MsgOptionTS(r.thread),
				slack.MsgOptionDisableLinkUnfurl())
			return err
		})
		if err != nil {
			r.a.log.Error("slack: post reply; the reply is lost", append(r.attrs(), "headline", rep.Headline, "err", err)...)
			return fmt.Errorf("slack: post reply in %s/%s: %w", r.channel, r.thread, err)
		}
	}
	if hasChart {
		if err := r.upload(ctx, rep.Chart); err != nil {
			r.a.log.Error("slack: upload chart; the chart is lost", append(r.attrs(), "file", rep.Chart.Name, "err", err)...)
			r.done(ctx)
			return fmt.Errorf("slack: upload chart to %s/%s: %w", r.channel, r.thread, err)
		}
	}
	r.done(ctx)
	return nil
}

// upload shares the chart in the thread with Slack's current upload flow
// (files.getUploadURLExternal, the upload itself, files.completeUploadExternal).
func (r *responder) upload(ctx context.Context, img *bot.Image) error {
	name := img.Name
	if name == "" {
		name = "chart.png"
	}
	title := img.Title
	if title == "" {
		title = name
	}
	return r.a.retry(ctx, "files.upload", append(r.attrs(), "file", name), func(ctx context.Context) error {
		_, err := r.a.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader:          bytes.NewReader(img.PNG),
			FileSize:        len(img.PNG),
			Filename:        name,
			Title:           title,
			AltTxt:          img.AltText,
			Channel:         r.channel,
			ThreadTimestamp: r.thread,
		})
		return err
	})
}

// done removes the working reaction, if Working added it.
func (r *responder) done(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.working {
		return
	}
	ref := slack.NewRefToMessage(r.channel, r.react)
	err := r.a.retry(ctx, "reactions.remove", r.attrs(), func(ctx context.Context) error {
		return r.a.api.RemoveReactionContext(ctx, r.a.opts.WorkingReaction, ref)
	})
	if err != nil && slackError(err) != "no_reaction" {
		r.a.log.Warn("slack: remove the working reaction", append(r.attrs(), "err", err)...)
		return
	}
	r.working = false
}

// slackError returns the error code of a Slack API error response ("channel_not_found"), or "".
func slackError(err error) string {
	if e, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return e.Err
	}
	return ""
}
