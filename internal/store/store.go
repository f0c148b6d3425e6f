// Package store holds the records metricbot remembers between messages and across restarts:
// conversations per chat thread, processed chat event ids, subscriptions and their deliveries,
// alerts with their status history, cause notes and comments, answer feedback, the question log,
// cached embeddings, and claims on scheduled work.
//
// This package declares only the records, the errors and the small helpers both implementations
// share; it imports no database driver. The implementations live in store/sqlite (the embedded
// default) and store/postgres (production, shared by several replicas), and both pass the contract
// suite in store/storetest. Consumers declare the interface they need where they use it.
//
// # Durability
//
// Every write method returns only after its transaction has committed, so a caller may
// acknowledge a chat event, a cause note or a delivery as soon as the method returns.
//
// # Work that must run once across replicas
//
// Chat events, digest deliveries and scheduled jobs are claimed with a row keyed uniquely by what
// must happen once (platform and event id; subscription and slot time; job and slot time). The
// first INSERT wins; everyone else sees the row and stands aside. A claim carries a lease: when
// the claimer crashes before recording the outcome, the lease expires and exactly one later
// caller can re-claim it, because the re-claim is a conditional UPDATE on the expired lease. A
// finished claim (answered, sent, done) is never handed out again.
//
// We chose a unique key over PostgreSQL advisory locks because an advisory lock only says who
// is working now, not what was already done: a replica that starts after the first one finished
// would take the free lock and send the digest a second time. Advisory locks also belong to one
// database session, which a connection pool hides, and SQLite has none. The unique row works the
// same on both backends and doubles as the delivery log.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a record asked for by key does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write breaks a uniqueness or state rule, for example marking an
// event answered that was never claimed.
var ErrConflict = errors.New("conflict")

// SchemaTooNewError is returned by Open when the database was migrated by a newer binary than
// this one.
type SchemaTooNewError struct {
	Database int // highest migration version recorded in the database
	Binary   int // highest migration version this binary knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema is at version %d but this binary only knows up to version %d: upgrade metricbot or point it at another database", e.Database, e.Binary)
}

// Precision is the time resolution the stores keep. Times are stored truncated to it and
// returned in UTC.
const Precision = time.Microsecond

// Timestamp returns t as the stores keep it: UTC, truncated to Precision.
func Timestamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(Precision)
}

// CanonicalJSON returns raw compacted with object keys sorted, so two encodings of the same
// value compare equal as strings. Empty input becomes "null".
func CanonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null"), nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonicalize json: %w", err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonicalize json: %w", err)
	}
	return out, nil
}

// ThreadKey identifies a chat thread on one platform.
type ThreadKey struct {
	Platform  string // "slack", "lark", "terminal", "web"
	Workspace string // Slack team or Lark tenant
	Channel   string
	Thread    string // thread timestamp or root message id; empty for a direct message
}

// Turn is one message in a conversation.
type Turn struct {
	Role  string          `json:"role"` // "user" or "bot"
	Text  string          `json:"text"`
	Query json.RawMessage `json:"query,omitempty"` // governed query the bot answered, if any
	At    time.Time       `json:"at"`
}

// Conversation is the remembered context of one thread, so that follow-ups such as
// "那按品类拆一下" can refine the last governed query.
type Conversation struct {
	Key       ThreadKey
	Turns     []Turn
	LastQuery json.RawMessage // governed query of the last answer, as JSON
	UpdatedAt time.Time
}

// EventKey identifies a chat event delivered by a platform, which may deliver it more than once.
type EventKey struct {
	Platform string
	EventID  string
}

// EventStatus is the state of a processed chat event.
type EventStatus string

// Event states: claimed while a replica works on it, answered once the reply was sent.
const (
	EventClaimed  EventStatus = "claimed"
	EventAnswered EventStatus = "answered"
)

// Event is the processing record of one chat event.
type Event struct {
	Key          EventKey
	Status       EventStatus
	Attempts     int       // how many times it was claimed
	ClaimedUntil time.Time // lease end of the current claim
	UpdatedAt    time.Time
}

// SubscriptionID identifies a subscription.
type SubscriptionID int64

// Subscription asks for a digest of some metrics on a schedule.
type Subscription struct {
	ID        SubscriptionID
	Platform  string
	Channel   string // target channel; empty when the target is a user
	User      string // target user for a direct message; empty when the target is a channel
	Metrics   []string
	Cron      string // cron spec, evaluated in TimeZone
	TimeZone  string // IANA name, e.g. "Asia/Shanghai"
	Language  string // "zh" or "en"
	CreatedBy string
	CreatedAt time.Time
}

// DeliveryStatus is the state of one scheduled delivery.
type DeliveryStatus string

// Delivery states.
const (
	DeliveryClaimed DeliveryStatus = "claimed"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
)

// Delivery is one run of a subscription for one slot time. At most one exists per
// (Subscription, Slot).
type Delivery struct {
	Subscription SubscriptionID
	Slot         time.Time // the scheduled time this delivery is for
	Status       DeliveryStatus
	Late         bool   // sent after its slot, e.g. after downtime
	Holder       string // replica that holds or held the claim
	Attempts     int
	Detail       string // error text of a failure or the message reference of a send
	ClaimedUntil time.Time
	UpdatedAt    time.Time
}

// AlertID identifies an alert.
type AlertID int64

// AlertStatus is where an alert is in its life.
type AlertStatus string

// Alert states.
const (
	AlertOpen         AlertStatus = "open"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
	AlertDismissed    AlertStatus = "dismissed" // false alarm
)

// Valid reports whether s is a known alert status.
func (s AlertStatus) Valid() bool {
	switch s {
	case AlertOpen, AlertAcknowledged, AlertResolved, AlertDismissed:
		return true
	}
	return false
}

// Alert is a detected event on a metric. At most one alert exists per (Rule, Slice, PeriodStart).
type Alert struct {
	ID           AlertID
	Rule         string
	Metric       string
	Slice        json.RawMessage // dimension filters the alert is about, e.g. {"region":"华东"}
	PeriodStart  time.Time
	PeriodEnd    time.Time
	Kind         string // "threshold", "target", "change", "anomaly"
	Value        float64
	ExpectedLow  float64
	ExpectedHigh float64
	Status       AlertStatus
	Owner        string
	ThreadRef    string // platform reference of the alert's chat thread
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// AlertChange is one entry of an alert's status history.
type AlertChange struct {
	Alert AlertID
	From  AlertStatus // empty for the creation entry
	To    AlertStatus
	Actor string
	Note  string
	At    time.Time
}

// AlertFilter selects alerts; zero fields match everything.
type AlertFilter struct {
	Metric string
	Status []AlertStatus
}

// CauseNote is what an owner wrote about why a metric moved in a period.
type CauseNote struct {
	ID          int64
	Alert       AlertID // zero when the note is not about an alert
	Metric      string
	PeriodStart time.Time
	PeriodEnd   time.Time
	Author      string
	Text        string
	// Source is the chat message the note came from ("slack:C1:1700000000.000100"), empty when
	// it came from elsewhere. A second note with the same alert and source is not stored again,
	// so a redelivered chat event cannot duplicate a note.
	Source    string
	CreatedAt time.Time
}

// AlertThread is a chat thread an alert was posted in: the owner's direct message, the metric's
// channel, an escalation. A reply in the thread is feedback on the alert.
type AlertThread struct {
	Alert     AlertID
	Platform  string
	Channel   string
	Thread    string
	CreatedAt time.Time
}

// Comment is a remark in an alert's thread that is not a cause note.
type Comment struct {
	ID     int64
	Alert  AlertID
	Author string
	Text   string
	// Source is the chat message the comment came from; like CauseNote.Source it makes the
	// write idempotent.
	Source    string
	CreatedAt time.Time
}

// QuestionID identifies a logged question.
type QuestionID int64

// Question is one entry of the question log.
type Question struct {
	ID        QuestionID
	Platform  string
	User      string
	Channel   string
	Text      string
	Query     json.RawMessage // governed query the question became, if any
	Status    string          // "answered", "clarified", "refused", "failed"
	Path      string          // "rule" or "llm"
	Latency   time.Duration
	CreatedAt time.Time
}

// Vote is a thumbs up (+1) or down (-1).
type Vote int

// Votes.
const (
	VoteDown Vote = -1
	VoteUp   Vote = 1
)

// Feedback is one user's judgement of one answer. A user has at most one feedback per question;
// a new vote replaces the old one.
type Feedback struct {
	Question   QuestionID
	User       string
	Vote       Vote
	Correction string
	CreatedAt  time.Time
}

// SlotStatus is the state of a claimed run of scheduled work.
type SlotStatus string

// Slot states.
const (
	SlotClaimed SlotStatus = "claimed"
	SlotDone    SlotStatus = "done"
)
