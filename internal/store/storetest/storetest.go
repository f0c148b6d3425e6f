// Package storetest is the contract every state store implementation passes: the same
// behaviour on SQLite and PostgreSQL, including replicas racing for the same work and a
// process killed between steps.
//
// An implementation's test calls Run with a function that creates a fresh empty database and
// returns an Opener for it; every call of the Opener is another replica on that database.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/metricbot/metricbot/internal/store"
)

// Store is the method set the contract covers.
type Store interface {
	Close() error

	SaveConversation(ctx context.Context, c store.Conversation) error
	Conversation(ctx context.Context, key store.ThreadKey) (store.Conversation, error)

	ClaimEvent(ctx context.Context, key store.EventKey, lease time.Duration) (bool, error)
	MarkAnswered(ctx context.Context, key store.EventKey) error
	Event(ctx context.Context, key store.EventKey) (store.Event, error)

	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	DeleteSubscription(ctx context.Context, id store.SubscriptionID) error
	ClaimDelivery(ctx context.Context, sub store.SubscriptionID, slot time.Time, holder string, late bool, lease time.Duration) (bool, error)
	FinishDelivery(ctx context.Context, sub store.SubscriptionID, slot time.Time, holder string, status store.DeliveryStatus, detail string) error
	Delivery(ctx context.Context, sub store.SubscriptionID, slot time.Time) (store.Delivery, error)

	ClaimSlot(ctx context.Context, job string, slot time.Time, holder string, lease time.Duration) (bool, error)
	FinishSlot(ctx context.Context, job string, slot time.Time, holder string) error

	RaiseAlert(ctx context.Context, a store.Alert) (store.Alert, bool, error)
	Alert(ctx context.Context, id store.AlertID) (store.Alert, error)
	Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	SetAlertStatus(ctx context.Context, id store.AlertID, to store.AlertStatus, actor, note string) (store.Alert, error)
	SetAlertOwner(ctx context.Context, id store.AlertID, owner string) error
	SetAlertThread(ctx context.Context, id store.AlertID, ref string) error
	AddAlertThread(ctx context.Context, t store.AlertThread) error
	AlertByThread(ctx context.Context, platform, channel, thread string) (store.Alert, error)
	AlertThreads(ctx context.Context, id store.AlertID) ([]store.AlertThread, error)
	AlertHistory(ctx context.Context, id store.AlertID) ([]store.AlertChange, error)

	AddCauseNote(ctx context.Context, n store.CauseNote) (store.CauseNote, error)
	CauseNotes(ctx context.Context, metric string, from, to time.Time) ([]store.CauseNote, error)
	AlertCauseNotes(ctx context.Context, id store.AlertID) ([]store.CauseNote, error)
	AddComment(ctx context.Context, c store.Comment) (store.Comment, error)
	Comments(ctx context.Context, id store.AlertID) ([]store.Comment, error)

	LogQuestion(ctx context.Context, q store.Question) (store.Question, error)
	Question(ctx context.Context, id store.QuestionID) (store.Question, error)
	RecordFeedback(ctx context.Context, f store.Feedback) error
	Feedback(ctx context.Context, id store.QuestionID) ([]store.Feedback, error)
	VerifiedQuestions(ctx context.Context, limit int) ([]store.Question, error)

	CachedEmbeddings(ctx context.Context, hashes []string) (map[string][]float32, error)
	CacheEmbeddings(ctx context.Context, vecs map[string][]float32) error
}

// Opener opens another Store (a replica) on one database, reading time from now. The Store is
// closed when the test ends.
type Opener func(t *testing.T, now func() time.Time) Store

// Clock is a settable clock for tests. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// T0 is the time the suite's clocks start at.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

// Run runs the contract suite. fresh creates a new empty database for one subtest and returns
// the Opener for it.
func Run(t *testing.T, fresh func(t *testing.T) Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Conversations", testConversations},
		{"Events", testEvents},
		{"Subscriptions", testSubscriptions},
		{"Deliveries", testDeliveries},
		{"Slots", testSlots},
		{"Alerts", testAlerts},
		{"CauseNotesAndComments", testNotes},
		{"NotesFromChatAreStoredOnce", testNoteSources},
		{"AlertThreads", testAlertThreads},
		{"QuestionsAndFeedback", testQuestions},
		{"Embeddings", testEmbeddings},
		{"ConcurrentReplicas", testConcurrentReplicas},
		{"CrashBetweenSteps", testCrashBetweenSteps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, fresh(t))
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

// must turns a (value, error) pair into the value, failing the test on an error:
// must(s.Alert(ctx, id))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testConversations(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	key := store.ThreadKey{Platform: "slack", Workspace: "T1", Channel: "C1", Thread: "1700000000.0001"}
	if _, err := s.Conversation(ctx(t), key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("load missing conversation: got %v, want ErrNotFound", err)
	}
	want := store.Conversation{
		Key: key,
		Turns: []store.Turn{
			{Role: "user", Text: "上个月华东区销售额多少?", At: T0.Add(-time.Minute)},
			{Role: "bot", Text: "1.23万", Query: json.RawMessage(`{"metrics":["sales"]}`), At: T0.Add(-30 * time.Second)},
		},
		LastQuery: json.RawMessage(`{"metrics":["sales"],"filters":{"region":"华东"}}`),
		UpdatedAt: T0.Truncate(time.Microsecond),
	}
	check(t, s.SaveConversation(ctx(t), want))
	got := must(s.Conversation(ctx(t), key))(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conversation (-want +got):\n%s", diff)
	}

	clock.Add(time.Minute)
	want.Turns = append(want.Turns, store.Turn{Role: "user", Text: "那按品类拆一下", At: clock.Now()})
	want.UpdatedAt = clock.Now().Truncate(time.Microsecond)
	want.Turns[2].At = want.Turns[2].At.Truncate(time.Microsecond)
	check(t, s.SaveConversation(ctx(t), want))
	got = must(s.Conversation(ctx(t), key))(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conversation after second save (-want +got):\n%s", diff)
	}
	other := key
	other.Thread = "other"
	if _, err := s.Conversation(ctx(t), other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("load other thread: got %v, want ErrNotFound", err)
	}
}

func testEvents(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	key := store.EventKey{Platform: "slack", EventID: "Ev01"}
	const lease = time.Minute

	steps := []struct {
		name    string
		advance time.Duration
		do      func() (bool, error)
		want    bool
	}{
		{"first claim wins", 0, func() (bool, error) { return s.ClaimEvent(ctx(t), key, lease) }, true},
		{"redelivery within lease loses", 30 * time.Second, func() (bool, error) { return s.ClaimEvent(ctx(t), key, lease) }, false},
		{"redelivery after lease re-claims", 31 * time.Second, func() (bool, error) { return s.ClaimEvent(ctx(t), key, lease) }, true},
		{"only once after lease", 0, func() (bool, error) { return s.ClaimEvent(ctx(t), key, lease) }, false},
		{"answered", 0, func() (bool, error) { return true, s.MarkAnswered(ctx(t), key) }, true},
		{"answered is never re-claimed", time.Hour, func() (bool, error) { return s.ClaimEvent(ctx(t), key, lease) }, false},
		{"answering twice is fine", 0, func() (bool, error) { return true, s.MarkAnswered(ctx(t), key) }, true},
		{"other platform is another event", 0, func() (bool, error) {
			return s.ClaimEvent(ctx(t), store.EventKey{Platform: "lark", EventID: "Ev01"}, lease)
		}, true},
	}
	for _, st := range steps {
		clock.Add(st.advance)
		got, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: got %v, want %v", st.name, got, st.want)
		}
	}
	ev := must(s.Event(ctx(t), key))(t)
	if ev.Status != store.EventAnswered || ev.Attempts != 2 {
		t.Errorf("event: got status %s attempts %d, want answered 2", ev.Status, ev.Attempts)
	}
	if err := s.MarkAnswered(ctx(t), store.EventKey{Platform: "slack", EventID: "never"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("mark unknown event answered: got %v, want ErrNotFound", err)
	}
	if _, err := s.Event(ctx(t), store.EventKey{Platform: "slack", EventID: "never"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("load unknown event: got %v, want ErrNotFound", err)
	}
}

func testSubscriptions(t *testing.T, open Opener) {
	s := open(t, NewClock(T0).Now)
	a := must(s.CreateSubscription(ctx(t), store.Subscription{Platform: "lark", Channel: "oc_1", Metrics: []string{"gmv", "orders"},
		Cron: "0 9 * * *", TimeZone: "Asia/Shanghai", Language: "zh", CreatedBy: "ou_1"}))(t)
	b := must(s.CreateSubscription(ctx(t), store.Subscription{Platform: "slack", User: "U1", Metrics: []string{"gmv"},
		Cron: "0 8 * * 1", TimeZone: "UTC", Language: "en", CreatedBy: "U1"}))(t)
	if a.ID == 0 || a.ID == b.ID {
		t.Fatalf("got IDs %d and %d, want distinct non-zero", a.ID, b.ID)
	}
	if !a.CreatedAt.Equal(T0) {
		t.Errorf("CreatedAt: got %v, want %v", a.CreatedAt, T0)
	}
	got := must(s.Subscriptions(ctx(t)))(t)
	if diff := cmp.Diff([]store.Subscription{a, b}, got); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	check(t, s.DeleteSubscription(ctx(t), a.ID))
	if err := s.DeleteSubscription(ctx(t), a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: got %v, want ErrNotFound", err)
	}
	got = must(s.Subscriptions(ctx(t)))(t)
	if diff := cmp.Diff([]store.Subscription{b}, got); diff != "" {
		t.Errorf("subscriptions after delete (-want +got):\n%s", diff)
	}
}

func testDeliveries(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	sub := must(s.CreateSubscription(ctx(t), store.Subscription{Platform: "slack", Channel: "C1", Metrics: []string{"gmv"}, Cron: "0 9 * * *", TimeZone: "UTC", Language: "en"}))(t)
	slot := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const lease = 5 * time.Minute

	claim := func(holder string, late bool) bool {
		t.Helper()
		return must(s.ClaimDelivery(ctx(t), sub.ID, slot, holder, late, lease))(t)
	}
	if !claim("replica-a", false) {
		t.Fatalf("first claim: got false, want true")
	}
	if claim("replica-b", false) {
		t.Errorf("second claim within lease: got true, want false")
	}
	if err := s.FinishDelivery(ctx(t), sub.ID, slot, "replica-b", store.DeliverySent, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("finish by non-holder: got %v, want ErrConflict", err)
	}
	check(t, s.FinishDelivery(ctx(t), sub.ID, slot, "replica-a", store.DeliveryFailed, "slack: rate limited"))
	clock.Add(time.Minute)
	if !claim("replica-b", true) {
		t.Fatalf("claim after failure: got false, want true")
	}
	check(t, s.FinishDelivery(ctx(t), sub.ID, slot, "replica-b", store.DeliverySent, "ts=1.2"))
	check(t, s.FinishDelivery(ctx(t), sub.ID, slot, "replica-b", store.DeliverySent, "ts=1.2")) // retried call
	clock.Add(time.Hour)
	if claim("replica-c", false) {
		t.Errorf("claim after sent: got true, want false")
	}
	got := must(s.Delivery(ctx(t), sub.ID, slot))(t)
	want := store.Delivery{Subscription: sub.ID, Slot: slot, Status: store.DeliverySent, Late: true, Holder: "replica-b",
		Attempts: 2, Detail: "ts=1.2", ClaimedUntil: T0.Add(time.Minute + lease).Truncate(time.Microsecond), UpdatedAt: T0.Add(time.Minute).Truncate(time.Microsecond)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivery (-want +got):\n%s", diff)
	}
	if _, err := s.Delivery(ctx(t), sub.ID, slot.Add(24*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("load unknown delivery: got %v, want ErrNotFound", err)
	}
	if err := s.FinishDelivery(ctx(t), sub.ID, slot.Add(24*time.Hour), "replica-a", store.DeliverySent, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("finish unknown delivery: got %v, want ErrNotFound", err)
	}

	// A holder that dies without a result: the lease runs out and one replica takes over.
	next := slot.Add(24 * time.Hour)
	if !must(s.ClaimDelivery(ctx(t), sub.ID, next, "replica-a", false, lease))(t) {
		t.Fatalf("claim next slot: got false, want true")
	}
	clock.Add(lease)
	if !must(s.ClaimDelivery(ctx(t), sub.ID, next, "replica-b", true, lease))(t) {
		t.Errorf("claim after expired lease: got false, want true")
	}
	if err := s.FinishDelivery(ctx(t), sub.ID, next, "replica-a", store.DeliverySent, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("finish by holder whose lease was taken over: got %v, want ErrConflict", err)
	}
}

func testSlots(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	slot := T0.Truncate(time.Hour)
	const lease = time.Minute
	steps := []struct {
		name    string
		advance time.Duration
		holder  string
		want    bool
	}{
		{"first", 0, "a", true},
		{"second within lease", 10 * time.Second, "b", false},
		{"after lease", lease, "b", true},
		{"after takeover", 0, "a", false},
	}
	for _, st := range steps {
		clock.Add(st.advance)
		if got := must(s.ClaimSlot(ctx(t), "alert-check", slot, st.holder, lease))(t); got != st.want {
			t.Errorf("%s: got %v, want %v", st.name, got, st.want)
		}
	}
	if err := s.FinishSlot(ctx(t), "alert-check", slot, "a"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("finish by old holder: got %v, want ErrConflict", err)
	}
	check(t, s.FinishSlot(ctx(t), "alert-check", slot, "b"))
	check(t, s.FinishSlot(ctx(t), "alert-check", slot, "b"))
	clock.Add(time.Hour)
	if must(s.ClaimSlot(ctx(t), "alert-check", slot, "c", lease))(t) {
		t.Errorf("claim done slot: got true, want false")
	}
	if !must(s.ClaimSlot(ctx(t), "weekly-review", slot, "c", lease))(t) {
		t.Errorf("claim another job at the same slot: got false, want true")
	}
}

func newAlert(period time.Time, slice string) store.Alert {
	return store.Alert{Rule: "gmv-drop", Metric: "gmv", Slice: json.RawMessage(slice), PeriodStart: period, PeriodEnd: period.Add(24 * time.Hour),
		Kind: "change", Value: 8123.5, ExpectedLow: 9000, ExpectedHigh: 11000.25, Owner: "ou_owner"}
}

func testAlerts(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

	a, created, err := s.RaiseAlert(ctx(t), newAlert(day, `{"region": "华东", "channel": "app"}`))
	check(t, err)
	if !created {
		t.Fatalf("first raise: got created false, want true")
	}
	want := newAlert(day.UTC(), `{"channel":"app","region":"华东"}`)
	want.ID, want.Status, want.CreatedAt, want.UpdatedAt = a.ID, store.AlertOpen, T0.Truncate(time.Microsecond), T0.Truncate(time.Microsecond)
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("raised alert (-want +got):\n%s", diff)
	}
	again, created, err := s.RaiseAlert(ctx(t), newAlert(day, `{"channel":"app","region":"华东"}`))
	check(t, err)
	if created || again.ID != a.ID {
		t.Errorf("raise same rule, slice, period: got created %v id %d, want false %d", created, again.ID, a.ID)
	}
	b, created, err := s.RaiseAlert(ctx(t), newAlert(day.Add(24*time.Hour), `{"channel":"app","region":"华东"}`))
	check(t, err)
	if !created || b.ID == a.ID {
		t.Errorf("raise next period: got created %v id %d, want a new alert", created, b.ID)
	}

	clock.Add(time.Minute)
	acked := must(s.SetAlertStatus(ctx(t), a.ID, store.AlertAcknowledged, "ou_owner", ""))(t)
	if acked.Status != store.AlertAcknowledged || !acked.UpdatedAt.Equal(clock.Now().Truncate(time.Microsecond)) {
		t.Errorf("after ack: got status %s updated %v", acked.Status, acked.UpdatedAt)
	}
	check2 := must(s.SetAlertStatus(ctx(t), a.ID, store.AlertAcknowledged, "ou_owner", ""))(t) // retried
	if check2.Status != store.AlertAcknowledged {
		t.Errorf("retried ack: got %s", check2.Status)
	}
	clock.Add(time.Minute)
	must(s.SetAlertStatus(ctx(t), a.ID, store.AlertResolved, "ou_owner", "payment outage fixed 14:00"))(t)
	if _, err := s.SetAlertStatus(ctx(t), a.ID, "bogus", "x", ""); err == nil {
		t.Errorf("set unknown status: got nil error")
	}
	if _, err := s.SetAlertStatus(ctx(t), 999999, store.AlertResolved, "x", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("set status of unknown alert: got %v, want ErrNotFound", err)
	}
	hist := must(s.AlertHistory(ctx(t), a.ID))(t)
	wantHist := []store.AlertChange{
		{Alert: a.ID, From: "", To: store.AlertOpen, Actor: "metricbot", At: T0.Truncate(time.Microsecond)},
		{Alert: a.ID, From: store.AlertOpen, To: store.AlertAcknowledged, Actor: "ou_owner", At: T0.Add(time.Minute).Truncate(time.Microsecond)},
		{Alert: a.ID, From: store.AlertAcknowledged, To: store.AlertResolved, Actor: "ou_owner", Note: "payment outage fixed 14:00", At: T0.Add(2 * time.Minute).Truncate(time.Microsecond)},
	}
	if diff := cmp.Diff(wantHist, hist); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}

	check(t, s.SetAlertThread(ctx(t), b.ID, "slack:C1:1700.1"))
	check(t, s.SetAlertOwner(ctx(t), b.ID, "ou_manager"))
	if err := s.SetAlertOwner(ctx(t), 999999, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("set owner of unknown alert: got %v, want ErrNotFound", err)
	}
	gotB := must(s.Alert(ctx(t), b.ID))(t)
	if gotB.ThreadRef != "slack:C1:1700.1" || gotB.Owner != "ou_manager" {
		t.Errorf("alert b: got thread %q owner %q", gotB.ThreadRef, gotB.Owner)
	}

	filters := []struct {
		name string
		f    store.AlertFilter
		want []store.AlertID
	}{
		{"all", store.AlertFilter{}, []store.AlertID{b.ID, a.ID}},
		{"open", store.AlertFilter{Status: []store.AlertStatus{store.AlertOpen}}, []store.AlertID{b.ID}},
		{"open or resolved of gmv", store.AlertFilter{Metric: "gmv", Status: []store.AlertStatus{store.AlertOpen, store.AlertResolved}}, []store.AlertID{b.ID, a.ID}},
		{"other metric", store.AlertFilter{Metric: "orders"}, []store.AlertID{}},
	}
	for _, f := range filters {
		alerts := must(s.Alerts(ctx(t), f.f))(t)
		ids := []store.AlertID{}
		for _, x := range alerts {
			ids = append(ids, x.ID)
		}
		// a and b share created_at; newest first falls back to id.
		if diff := cmp.Diff(f.want, ids); diff != "" {
			t.Errorf("alerts %s (-want +got):\n%s", f.name, diff)
		}
	}
}

func testNotes(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a, _, err := s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华东"}`))
	check(t, err)
	n1 := must(s.AddCauseNote(ctx(t), store.CauseNote{Alert: a.ID, Metric: "gmv", PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour),
		Author: "ou_owner", Text: "华东支付故障, 14:00 修复"}))(t)
	n2 := must(s.AddCauseNote(ctx(t), store.CauseNote{Metric: "gmv", PeriodStart: day.Add(48 * time.Hour), PeriodEnd: day.Add(72 * time.Hour),
		Author: "ou_owner", Text: "promotion ended"}))(t)
	must(s.AddCauseNote(ctx(t), store.CauseNote{Metric: "orders", PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour), Author: "x", Text: "other metric"}))(t)
	if _, err := s.AddCauseNote(ctx(t), store.CauseNote{Metric: "gmv", PeriodStart: day, PeriodEnd: day, Text: "empty period"}); err == nil {
		t.Errorf("add note with empty period: got nil error")
	}
	if n1.ID == 0 || n1.ID == n2.ID || !n1.CreatedAt.Equal(T0.Truncate(time.Microsecond)) {
		t.Errorf("added notes: got ids %d %d created %v", n1.ID, n2.ID, n1.CreatedAt)
	}
	queries := []struct {
		name     string
		from, to time.Time
		want     []store.CauseNote
	}{
		{"whole week", day.Add(-24 * time.Hour), day.Add(7 * 24 * time.Hour), []store.CauseNote{n1, n2}},
		{"afternoon of first day", day.Add(14 * time.Hour), day.Add(15 * time.Hour), []store.CauseNote{n1}},
		{"second day touches neither", day.Add(24 * time.Hour), day.Add(48 * time.Hour), []store.CauseNote{}},
		{"open ended", time.Time{}, time.Time{}, []store.CauseNote{n1, n2}},
	}
	for _, q := range queries {
		got := must(s.CauseNotes(ctx(t), "gmv", q.from, q.to))(t)
		if diff := cmp.Diff(q.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("notes %s (-want +got):\n%s", q.name, diff)
		}
	}
	if diff := cmp.Diff([]store.CauseNote{n1}, must(s.AlertCauseNotes(ctx(t), a.ID))(t)); diff != "" {
		t.Errorf("alert notes (-want +got):\n%s", diff)
	}
	c := must(s.AddComment(ctx(t), store.Comment{Alert: a.ID, Author: "ou_x", Text: "same in 华南?"}))(t)
	if diff := cmp.Diff([]store.Comment{c}, must(s.Comments(ctx(t), a.ID))(t)); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}

func testNoteSources(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := must2(s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华东"}`)))(t)
	b := must2(s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华南"}`)))(t)
	note := store.CauseNote{Alert: a.ID, Metric: "gmv", PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour),
		Author: "wang_fang", Text: "支付通道故障", Source: "slack:C1:1700000000.000200"}
	first := must(s.AddCauseNote(ctx(t), note))(t)
	clock.Add(time.Minute)
	again := must(s.AddCauseNote(ctx(t), note))(t)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("redelivered note: got another note (-first +again):\n%s", diff)
	}
	other := note
	other.Alert = b.ID
	must(s.AddCauseNote(ctx(t), other))(t) // the same message may not be about two alerts, but the key is per alert
	noSource := note
	noSource.Source = ""
	must(s.AddCauseNote(ctx(t), noSource))(t)
	must(s.AddCauseNote(ctx(t), noSource))(t)
	if got := len(must(s.AlertCauseNotes(ctx(t), a.ID))(t)); got != 3 {
		t.Errorf("got %d notes on the alert, want 3 (one from the chat message, two without a source)", got)
	}
	c := store.Comment{Alert: a.ID, Author: "U9", Text: "same in 华南?", Source: "slack:C1:1700000000.000300"}
	c1 := must(s.AddComment(ctx(t), c))(t)
	c2 := must(s.AddComment(ctx(t), c))(t)
	if diff := cmp.Diff([]store.Comment{c1}, must(s.Comments(ctx(t), a.ID))(t)); diff != "" || c1 != c2 {
		t.Errorf("redelivered comment (-want +got):\n%s", diff)
	}
}

func must2[T any](v T, _ bool, err error) func(t *testing.T) T { return must(v, err) }

func testAlertThreads(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := must2(s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华东"}`)))(t)
	b := must2(s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华南"}`)))(t)
	dm := store.AlertThread{Alert: a.ID, Platform: "slack", Channel: "D1", Thread: "1700000000.000100"}
	ch := store.AlertThread{Alert: a.ID, Platform: "slack", Channel: "C1", Thread: "1700000000.000100"}
	check(t, s.AddAlertThread(ctx(t), dm))
	clock.Add(time.Second)
	check(t, s.AddAlertThread(ctx(t), ch))
	check(t, s.AddAlertThread(ctx(t), ch)) // again: nothing changes
	if err := s.AddAlertThread(ctx(t), store.AlertThread{Alert: b.ID, Platform: "slack", Channel: "C1", Thread: "1700000000.000100"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("thread of another alert: got %v, want ErrConflict", err)
	}
	if err := s.AddAlertThread(ctx(t), store.AlertThread{Alert: a.ID, Platform: "slack"}); err == nil {
		t.Error("thread without channel: got nil error")
	}
	for _, th := range []store.AlertThread{dm, ch} {
		got, err := s.AlertByThread(ctx(t), th.Platform, th.Channel, th.Thread)
		if err != nil || got.ID != a.ID {
			t.Errorf("alert of %+v: got %d, %v; want %d", th, got.ID, err, a.ID)
		}
	}
	if _, err := s.AlertByThread(ctx(t), "lark", "C1", "1700000000.000100"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown thread: got %v, want ErrNotFound", err)
	}
	dm.CreatedAt, ch.CreatedAt = T0.Truncate(time.Microsecond), T0.Add(time.Second).Truncate(time.Microsecond)
	if diff := cmp.Diff([]store.AlertThread{dm, ch}, must(s.AlertThreads(ctx(t), a.ID))(t), cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("threads (-want +got):\n%s", diff)
	}
}

func testQuestions(t *testing.T, open Opener) {
	clock := NewClock(T0)
	s := open(t, clock.Now)
	q1 := must(s.LogQuestion(ctx(t), store.Question{Platform: "slack", User: "U1", Channel: "C1", Text: "GMV last week",
		Query: json.RawMessage(`{"metrics":["gmv"]}`), Status: "answered", Path: "rule", Latency: 1234567 * time.Nanosecond}))(t)
	clock.Add(time.Second)
	q2 := must(s.LogQuestion(ctx(t), store.Question{Platform: "lark", User: "ou_2", Channel: "oc_2", Text: "上周订单数按渠道",
		Query: json.RawMessage(`{"metrics":["orders"],"group_by":["channel"]}`), Status: "answered", Path: "llm", Latency: time.Second}))(t)
	clock.Add(time.Second)
	q3 := must(s.LogQuestion(ctx(t), store.Question{Platform: "slack", User: "U1", Channel: "C1", Text: "what is life", Status: "refused", Path: "rule"}))(t)

	got := must(s.Question(ctx(t), q1.ID))(t)
	if diff := cmp.Diff(q1, got); diff != "" {
		t.Errorf("question (-want +got):\n%s", diff)
	}
	if got.Latency != 1234*time.Microsecond {
		t.Errorf("latency: got %v, want 1.234ms", got.Latency)
	}
	if _, err := s.Question(ctx(t), 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("load unknown question: got %v, want ErrNotFound", err)
	}

	check(t, s.RecordFeedback(ctx(t), store.Feedback{Question: q1.ID, User: "U1", Vote: store.VoteUp}))
	check(t, s.RecordFeedback(ctx(t), store.Feedback{Question: q1.ID, User: "U2", Vote: store.VoteDown, Correction: "should be net GMV"}))
	check(t, s.RecordFeedback(ctx(t), store.Feedback{Question: q1.ID, User: "U3", Vote: store.VoteUp}))
	check(t, s.RecordFeedback(ctx(t), store.Feedback{Question: q2.ID, User: "ou_2", Vote: store.VoteDown}))
	clock.Add(time.Second)
	check(t, s.RecordFeedback(ctx(t), store.Feedback{Question: q2.ID, User: "ou_2", Vote: store.VoteUp})) // changed mind
	check(t, s.RecordFeedback(ctx(t), store.Feedback{Question: q3.ID, User: "U1", Vote: store.VoteUp}))   // no query: not an example
	if err := s.RecordFeedback(ctx(t), store.Feedback{Question: q1.ID, User: "U4", Vote: 0}); err == nil {
		t.Errorf("record vote 0: got nil error")
	}

	fb := must(s.Feedback(ctx(t), q2.ID))(t)
	wantFB := []store.Feedback{{Question: q2.ID, User: "ou_2", Vote: store.VoteUp, CreatedAt: clock.Now().Truncate(time.Microsecond)}}
	if diff := cmp.Diff(wantFB, fb); diff != "" {
		t.Errorf("feedback (-want +got):\n%s", diff)
	}
	verified := must(s.VerifiedQuestions(ctx(t), 10))(t)
	if diff := cmp.Diff([]store.Question{q2, q1}, verified); diff != "" {
		t.Errorf("verified questions (-want +got):\n%s", diff)
	}
	if got := must(s.VerifiedQuestions(ctx(t), 1))(t); len(got) != 1 || got[0].ID != q2.ID {
		t.Errorf("verified with limit 1: got %v", got)
	}
}

func testEmbeddings(t *testing.T, open Opener) {
	s := open(t, NewClock(T0).Now)
	vecs := map[string][]float32{"h1": {0.25, -1, 3.5e-8}, "h2": {1, 2}}
	check(t, s.CacheEmbeddings(ctx(t), vecs))
	got := must(s.CachedEmbeddings(ctx(t), []string{"h1", "h2", "h3"}))(t)
	if diff := cmp.Diff(vecs, got); diff != "" {
		t.Errorf("cached (-want +got):\n%s", diff)
	}
	check(t, s.CacheEmbeddings(ctx(t), map[string][]float32{"h2": {9}}))
	got = must(s.CachedEmbeddings(ctx(t), []string{"h2"}))(t)
	if diff := cmp.Diff(map[string][]float32{"h2": {9}}, got); diff != "" {
		t.Errorf("replaced (-want +got):\n%s", diff)
	}
	many := make([]string, 1200) // more than one IN list
	for i := range many {
		many[i] = fmt.Sprintf("miss%d", i)
	}
	many[1100] = "h1"
	if got := must(s.CachedEmbeddings(ctx(t), many))(t); len(got) != 1 {
		t.Errorf("lookup of 1200 hashes: got %d hits, want 1", len(got))
	}
}

// testConcurrentReplicas races several Stores on one database for the same work; exactly one
// claim of each kind must win.
func testConcurrentReplicas(t *testing.T, open Opener) {
	const replicas, perReplica = 4, 4
	clock := NewClock(T0)
	stores := make([]Store, replicas)
	for i := range stores {
		stores[i] = open(t, clock.Now)
	}
	sub := must(stores[0].CreateSubscription(ctx(t), store.Subscription{Platform: "slack", Channel: "C1", Metrics: []string{"gmv"}, Cron: "0 9 * * *", TimeZone: "UTC"}))(t)
	slot := T0.Truncate(time.Hour)
	const lease = time.Minute

	race := func(name string, fn func(s Store, who string) (bool, error)) {
		t.Helper()
		var wins atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, replicas*perReplica)
		start := make(chan struct{})
		for r, s := range stores {
			for g := range perReplica {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					won, err := fn(s, fmt.Sprintf("replica-%d-%d", r, g))
					if err != nil {
						errs <- err
						return
					}
					if won {
						wins.Add(1)
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: %v", name, err)
		}
		if got := wins.Load(); got != 1 {
			t.Errorf("%s: got %d winners, want exactly 1", name, got)
		}
	}

	ev := store.EventKey{Platform: "slack", EventID: "EvRace"}
	race("claim event", func(s Store, _ string) (bool, error) { return s.ClaimEvent(ctx(t), ev, lease) })
	race("claim delivery", func(s Store, who string) (bool, error) {
		return s.ClaimDelivery(ctx(t), sub.ID, slot, who, false, lease)
	})
	race("claim slot", func(s Store, who string) (bool, error) { return s.ClaimSlot(ctx(t), "digest", slot, who, lease) })
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	race("raise alert", func(s Store, _ string) (bool, error) {
		_, created, err := s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华东"}`))
		return created, err
	})

	// The winners crash; after the lease, the work is taken over exactly once.
	clock.Add(lease)
	race("re-claim event after lease", func(s Store, _ string) (bool, error) { return s.ClaimEvent(ctx(t), ev, lease) })
	race("re-claim delivery after lease", func(s Store, who string) (bool, error) {
		return s.ClaimDelivery(ctx(t), sub.ID, slot, who, true, lease)
	})
	race("re-claim slot after lease", func(s Store, who string) (bool, error) { return s.ClaimSlot(ctx(t), "digest", slot, who, lease) })

	// Concurrent status changes keep a consistent history: each change's From is the previous To.
	alerts := must(stores[0].Alerts(ctx(t), store.AlertFilter{}))(t)
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	id := alerts[0].ID
	var wg sync.WaitGroup
	statuses := []store.AlertStatus{store.AlertAcknowledged, store.AlertResolved, store.AlertOpen, store.AlertDismissed}
	for r, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				if _, err := s.SetAlertStatus(ctx(t), id, statuses[(r+i)%len(statuses)], fmt.Sprintf("r%d", r), ""); err != nil {
					t.Errorf("set status: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	hist := must(stores[0].AlertHistory(ctx(t), id))(t)
	for i := 1; i < len(hist); i++ {
		if hist[i].From != hist[i-1].To {
			t.Errorf("history entry %d: got from %s after %s", i, hist[i].From, hist[i-1].To)
		}
	}
	final := must(stores[0].Alert(ctx(t), id))(t)
	if last := hist[len(hist)-1].To; final.Status != last {
		t.Errorf("final status %s, last history entry %s", final.Status, last)
	}
}

// testCrashBetweenSteps simulates a replica that dies between claiming work and finishing it:
// the crashed Store is abandoned without Close and without marking anything done, and a fresh
// replica opened after the lease sees every durable write and re-claims the work exactly once.
func testCrashBetweenSteps(t *testing.T, open Opener) {
	clock := NewClock(T0)
	crashed := open(t, clock.Now)
	CrashSteps(t, crashed)
	// crashed is dropped here: no MarkAnswered, no FinishDelivery.

	clock.Add(CrashLease + time.Second)
	a, b := open(t, clock.Now), open(t, clock.Now)
	VerifyAfterCrash(t, a, b)
}
