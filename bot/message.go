// Package bot is metricbot's platform-neutral conversation engine. Chat adapters (bot/slack,
// bot/lark, the terminal) translate platform events into a neutral Message or Action, hand them
// to a Handler, and render the neutral Reply they get back; they never decide what to say.
package bot

import (
	"context"
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
	Time    time.Time
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
