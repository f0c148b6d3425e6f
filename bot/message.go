// Package bot is metricbot's platform-neutral conversation engine. Chat adapters (bot/slack,
// bot/lark, the terminal) translate platform events into a neutral Message or Action, hand them
// to a Handler, and render the neutral Reply they get back; they never decide what to say.
package bot

import (
	"context"
	"fmt"
	"time"
)

// Platform names a chat platform.
type Platform string

// The platforms.
const (
	Slack    Platform = "slack"
	Lark     Platform = "lark"
	Terminal Platform = "terminal"
)

// ThreadKey identifies a conversation thread; follow-up questions in a thread build on its last
// query.
type ThreadKey struct {
	Platform  Platform `json:"platform"`
	Workspace string   `json:"workspace"`
	Channel   string   `json:"channel"`
	Thread    string   `json:"thread"`
}

// Message is an inbound chat message addressed to the bot.
type Message struct {
	// EventID is the platform's id of the delivery (Slack event_id, Lark event_id); platforms
	// redeliver events, and the engine answers each id once.
	EventID   string
	Platform  Platform
	Workspace string // Slack team id, Lark tenant key
	Channel   string // Slack channel id, Lark chat id
	// Thread is the id of the thread's root message; for a message that starts a thread it is
	// the message's own id, so replies go into a new thread under it.
	Thread    string
	MessageID string // the message's own id (Slack ts, Lark message_id)
	User      string // the sender's platform user id
	// Text is the message with the bot's own mention removed.
	Text string
	// Direct is true in a one-to-one chat with the bot.
	Direct bool
	// Command is set when the message came from a slash command (for example "/metric").
	Command string
	// Overheard is true for a reply in a channel thread that was not addressed to the bot (no
	// mention). The engine only records it when the thread is an alert's and otherwise ignores
	// it; adapters pass such messages only when they come from a thread.
	Overheard bool
	Time      time.Time
}

// Key returns the thread the message belongs to.
func (m Message) Key() ThreadKey {
	return ThreadKey{Platform: m.Platform, Workspace: m.Workspace, Channel: m.Channel, Thread: m.Thread}
}

// Action is a click on a button of a reply.
type Action struct {
	EventID   string
	Platform  Platform
	Workspace string
	Channel   string
	Thread    string
	MessageID string // the message that carries the button
	User      string
	// ID says which button (see the Action* constants); Value is the button's payload.
	ID    string
	Value string
	Time  time.Time
}

// Key returns the thread the action belongs to.
func (a Action) Key() ThreadKey {
	return ThreadKey{Platform: a.Platform, Workspace: a.Workspace, Channel: a.Channel, Thread: a.Thread}
}

// Button action ids.
const (
	ActionShowSQL    = "show_sql"
	ActionBreakdown  = "breakdown"
	ActionThumbsUp   = "thumbs_up"
	ActionThumbsDown = "thumbs_down"

	// Buttons under an alert; their value is the alert id.
	ActionAlertAck      = "alert_ack"
	ActionAlertResolve  = "alert_resolve"
	ActionAlertDismiss  = "alert_dismiss"
	ActionAlertAddCause = "alert_cause"
)

// Reply is a neutral answer: adapters render it as Slack blocks or a Lark card, in the thread of
// the message it answers.
type Reply struct {
	Lang string // "zh" or "en"
	// Headline is the one-line answer ("上个月华东区销售额 1,234.5万元, 环比 +12.3%").
	Headline string
	// Text holds further paragraphs. *bold* is the only markup.
	Text []string
	// Table is an optional table of values, already formatted.
	Table *Table
	// Chart is an optional PNG image.
	Chart *Image
	// Context holds the small print: definition, period, filters, data freshness, owner notes.
	Context []string
	// Buttons are optional actions under the reply.
	Buttons []Button
	// Ref is a reference id shown with errors, to find the details in the logs.
	Ref string
}

// Table is a small table of formatted cells.
type Table struct {
	Columns []string
	Rows    [][]string
	// Numeric marks the columns to right-align.
	Numeric []bool
}

// Image is a rendered chart.
type Image struct {
	PNG     []byte
	Name    string // file name, such as "gmv-by-region.png"
	Title   string
	AltText string
}

// Button is an action under a reply.
type Button struct {
	ID    string // one of the Action* constants
	Label string
	Value string
	Style string // "", "primary" or "danger"
}

// Responder sends replies into the conversation an event came from. Adapters implement it; it
// is only used for the one event it was made for.
type Responder interface {
	Reply(ctx context.Context, r Reply) error
}

// Progress is an optional Responder capability: show that the bot is working (a reaction, or a
// "thinking" message that the next Reply replaces).
type Progress interface {
	Working(ctx context.Context) error
}

// Handler is the conversation engine as the adapters see it. HandleMessage and HandleAction must
// return quickly (the engine queues the work and answers through out); adapters acknowledge the
// platform's delivery before or while calling them.
type Handler interface {
	HandleMessage(ctx context.Context, m Message, out Responder) error
	HandleAction(ctx context.Context, a Action, out Responder) error
}

// Destination is where a message that answers no event goes: a channel, or a user's direct
// messages. Exactly one of Channel and User is set.
type Destination struct {
	Platform Platform
	// Channel is a Slack channel id (or "#name") or a Lark chat_id.
	Channel string
	// User is a Slack user id or a Lark open_id; the message goes to their direct messages.
	User string
}

// String returns the destination as "platform:channel" or "platform:@user", for logs.
func (d Destination) String() string {
	if d.User != "" {
		return string(d.Platform) + ":@" + d.User
	}
	return string(d.Platform) + ":" + d.Channel
}

// Poster starts a new conversation: it posts a reply that answers no event (an alert, a
// reminder) and returns the reference of the new message's thread, so replies in that thread can
// be routed back. The Slack and Lark adapters implement it.
type Poster interface {
	Post(ctx context.Context, to Destination, r Reply) (Posted, error)
}

// Router posts through the poster of the destination's platform.
type Router map[Platform]Poster

var _ Poster = Router(nil)

// Post implements Poster.
func (r Router) Post(ctx context.Context, to Destination, rep Reply) (Posted, error) {
	p, ok := r[to.Platform]
	if !ok {
		return Posted{}, fmt.Errorf("post to %s: platform %q is not connected", to, to.Platform)
	}
	return p.Post(ctx, to, rep)
}

// Posted says where a posted message landed: the channel (for a direct message, the direct
// message channel or chat the platform opened) and the thread its replies belong to.
type Posted struct {
	Platform Platform
	Channel  string
	Thread   string
}

// Ref returns the thread reference as one string, "platform:channel:thread".
func (p Posted) Ref() string { return string(p.Platform) + ":" + p.Channel + ":" + p.Thread }
