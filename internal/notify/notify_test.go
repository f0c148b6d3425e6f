package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark"
	"github.com/metricbot/metricbot/bot/lark/larktest"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/notify"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
)

// poster is an in-memory bot.Poster: every post starts a new thread.
type poster struct {
	mu    sync.Mutex
	posts []post
	fail  map[bot.Destination]error
}

type post struct {
	To    bot.Destination
	Reply bot.Reply
}

func (p *poster) Post(_ context.Context, to bot.Destination, r bot.Reply) (bot.Posted, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fail[to]; err != nil {
		return bot.Posted{}, err
	}
	p.posts = append(p.posts, post{to, r})
	ch := to.Channel
	if to.User != "" {
		ch = "D" + to.User
	}
	return bot.Posted{Platform: to.Platform, Channel: ch, Thread: fmt.Sprintf("1700000000.%06d", len(p.posts))}, nil
}

func (p *poster) sent() []post {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]post(nil), p.posts...)
}

type static struct{ c *catalog.Catalog }

func (s static) Catalog() *catalog.Catalog { return s.c }

func demoCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load("../demo/catalog")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openStore(t *testing.T, now func() time.Time) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"), sqlite.Options{Now: now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func raise(t *testing.T, st *sqlite.Store, c *catalog.Catalog, metric, owner, slice string) store.Alert {
	t.Helper()
	day := catalog.NewDate(2026, 11, 18)
	a, _, err := st.RaiseAlert(t.Context(), store.Alert{Rule: metric + ".drop", Metric: metric, Slice: json.RawMessage(slice),
		PeriodStart: day.Time(c.Location), PeriodEnd: day.AddDays(1).Time(c.Location), Kind: "anomaly",
		Value: 10700, ExpectedLow: 12300, ExpectedHigh: 18800, Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestComposeAndDeliverToOwnerAndChannel(t *testing.T) {
	c := demoCatalog(t)
	clock := storetest.NewClock(time.Date(2026, 11, 19, 1, 0, 0, 0, time.UTC))
	st := openStore(t, clock.Now)
	a := raise(t, st, c, "gmv", "wang_fang", `{"region":"华东","channel":"小程序"}`)
	p := &poster{}
	n := notify.New(static{c}, st, p, notify.Options{Platform: bot.Slack})
	if err := n.Deliver(t.Context(), a, nil); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	sent := p.sent()
	var to []bot.Destination
	for _, s := range sent {
		to = append(to, s.To)
	}
	want := []bot.Destination{{Platform: bot.Slack, User: "U0WANGFANG"}, {Platform: bot.Slack, Channel: "#sales-metrics"}}
	if diff := cmp.Diff(want, to); diff != "" {
		t.Fatalf("destinations (-want +got):\n%s", diff)
	}
	r := sent[0].Reply
	if want := "销售额 华东/小程序 11月18日 下降 31% (预期 1.23万元–1.88万元)"; r.Headline != want {
		t.Errorf("headline: got %q, want %q", r.Headline, want)
	}
	var buttons []string
	for _, b := range r.Buttons {
		buttons = append(buttons, b.ID+"="+b.Value)
	}
	id := fmt.Sprint(a.ID)
	if diff := cmp.Diff([]string{bot.ActionAlertAck + "=" + id, bot.ActionAlertResolve + "=" + id, bot.ActionAlertDismiss + "=" + id, bot.ActionAlertAddCause + "=" + id}, buttons); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(r.Context, "\n"), "负责人: @王芳") {
		t.Errorf("context %q does not name the owner", r.Context)
	}
	for _, th := range [][2]string{{"DU0WANGFANG", "1700000000.000001"}, {"#sales-metrics", "1700000000.000002"}} {
		got, err := st.AlertByThread(t.Context(), "slack", th[0], th[1])
		if err != nil || got.ID != a.ID {
			t.Errorf("alert of thread %v: got %d, %v; want %d", th, got.ID, err, a.ID)
		}
	}
	got, _ := st.Alert(t.Context(), a.ID)
	if got.ThreadRef != "slack:DU0WANGFANG:1700000000.000001" {
		t.Errorf("thread ref: got %q", got.ThreadRef)
	}
	// Delivered alerts are not pending any more.
	if n, err := n.DeliverPending(t.Context()); err != nil || n != 0 {
		t.Errorf("DeliverPending: got %d, %v; want 0, nil", n, err)
	}
}

func TestDeliverPartialFailureAndNowhere(t *testing.T) {
	c := demoCatalog(t)
	st := openStore(t, nil)
	a := raise(t, st, c, "gmv", "wang_fang", `{}`)
	p := &poster{fail: map[bot.Destination]error{{Platform: bot.Slack, User: "U0WANGFANG"}: errors.New("user_not_found")}}
	n := notify.New(static{c}, st, p, notify.Options{Platform: bot.Slack})
	if err := n.Deliver(t.Context(), a, nil); err != nil {
		t.Errorf("Deliver with one failed destination: got %v, want nil (the channel got it)", err)
	}
	if got := len(p.sent()); got != 1 {
		t.Errorf("got %d posts, want 1", got)
	}
	c2 := demoCatalog(t)
	m, _ := c2.Metric("gmv")
	m.Channel = ""
	n = notify.New(static{c2}, st, p, notify.Options{Platform: bot.Terminal})
	if err := n.Deliver(t.Context(), a, nil); !errors.Is(err, notify.ErrNowhere) {
		t.Errorf("Deliver with no destination: got %v, want ErrNowhere", err)
	}
}

func TestDeliverOverLark(t *testing.T) {
	c := demoCatalog(t)
	m, _ := c.Metric("gmv")
	m.Channel = "oc_sales"
	srv := larktest.NewServer("cli_notify_lark", "secret")
	t.Cleanup(srv.Close)
	ad, err := lark.New(lark.Options{AppID: "cli_notify_lark", AppSecret: "secret", BaseURL: srv.URL(), Logger: slog.New(slog.DiscardHandler)}, nopHandler{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, nil)
	a := raise(t, st, c, "gmv", "wang_fang", `{"region":"华东"}`)
	if err := notify.New(static{c}, st, ad, notify.Options{Platform: bot.Lark, Lang: "en"}).Deliver(t.Context(), a, nil); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	if msgs[0].ReceiveIDType != "open_id" || msgs[0].ReceiveID != "ou_wang_fang" || msgs[1].ReceiveIDType != "chat_id" || msgs[1].ReceiveID != "oc_sales" {
		t.Errorf("got messages to %s %s and %s %s, want the owner's open_id and the metric's chat", msgs[0].ReceiveIDType, msgs[0].ReceiveID, msgs[1].ReceiveIDType, msgs[1].ReceiveID)
	}
	if !strings.Contains(msgs[0].Content, "GMV 华东 Nov 18 down 31%") || !strings.Contains(msgs[0].Content, bot.ActionAlertAck) {
		t.Errorf("card %s lacks the headline or the buttons", msgs[0].Content)
	}
	for _, m := range msgs {
		if got, err := st.AlertByThread(t.Context(), "lark", m.ChatID, m.MessageID); err != nil || got.ID != a.ID {
			t.Errorf("alert of thread %s/%s: got %d, %v", m.ChatID, m.MessageID, got.ID, err)
		}
	}
}

type nopHandler struct{}

func (nopHandler) HandleMessage(context.Context, bot.Message, bot.Responder) error { return nil }
func (nopHandler) HandleAction(context.Context, bot.Action, bot.Responder) error   { return nil }

func TestEscalation(t *testing.T) {
	c := demoCatalog(t)
	t0 := time.Date(2026, 11, 19, 1, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(t0)
	st := openStore(t, clock.Now)
	// visitors belongs to zhang_wei; its parent in the tree is gmv (wang_fang).
	a := raise(t, st, c, "visitors", "zhang_wei", `{"region":"西南"}`)
	acked := raise(t, st, c, "visitors", "zhang_wei", `{"region":"华北"}`)
	if _, err := st.SetAlertStatus(t.Context(), acked.ID, store.AlertAcknowledged, "zhang_wei", ""); err != nil {
		t.Fatal(err)
	}
	p := &poster{}
	n := notify.New(static{c}, st, p, notify.Options{Platform: bot.Slack, RemindAfter: 4 * time.Hour, EscalateAfter: 24 * time.Hour, FallbackChannel: "#metrics-ops"})
	steps := []struct {
		after time.Duration
		want  []bot.Destination // new posts at this run
		head  string
	}{
		{3 * time.Hour, nil, ""},
		{4 * time.Hour, []bot.Destination{{Platform: bot.Slack, User: "U0ZHANGWEI"}}, "提醒: 这条预警已 4 小时 未确认"},
		{5 * time.Hour, nil, ""},
		{23 * time.Hour, nil, ""},
		{24 * time.Hour, []bot.Destination{{Platform: bot.Slack, User: "U0WANGFANG"}}, "升级: 张伟 的预警已 24 小时 无人确认"},
		{48 * time.Hour, nil, ""},
	}
	seen := 0
	for _, s := range steps {
		clock.Add(t0.Add(s.after).Sub(clock.Now()))
		if err := n.Escalate(t.Context(), clock.Now()); err != nil {
			t.Fatalf("Escalate at +%s: %v", s.after, err)
		}
		sent := p.sent()[seen:]
		seen += len(sent)
		var to []bot.Destination
		for _, x := range sent {
			to = append(to, x.To)
			if !strings.HasPrefix(x.Reply.Headline, s.head) {
				t.Errorf("at +%s: got headline %q, want it to start with %q", s.after, x.Reply.Headline, s.head)
			}
		}
		if diff := cmp.Diff(s.want, to); diff != "" {
			t.Errorf("at +%s: posts (-want +got):\n%s", s.after, diff)
		}
	}
	// The escalation thread routes back to the alert too.
	if got, err := st.AlertByThread(t.Context(), "slack", "DU0WANGFANG", "1700000000.000002"); err != nil || got.ID != a.ID {
		t.Errorf("escalation thread: got %d, %v; want %d", got.ID, err, a.ID)
	}
}

func TestEscalationFallsBackToChannelAndRetriesFailures(t *testing.T) {
	c := demoCatalog(t)
	t0 := time.Date(2026, 11, 19, 1, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(t0)
	st := openStore(t, clock.Now)
	raise(t, st, c, "gmv", "wang_fang", `{}`) // gmv is the root of its tree
	fallback := bot.Destination{Platform: bot.Slack, Channel: "#metrics-ops"}
	p := &poster{fail: map[bot.Destination]error{fallback: errors.New("channel_not_found")}}
	n := notify.New(static{c}, st, p, notify.Options{Platform: bot.Slack, RemindAfter: time.Hour, EscalateAfter: 2 * time.Hour,
		FallbackChannel: "#metrics-ops", Lease: time.Minute})
	clock.Add(2 * time.Hour)
	if err := n.Escalate(t.Context(), clock.Now()); err == nil {
		t.Fatal("Escalate with a failing fallback: got nil error")
	}
	p.fail = nil
	clock.Add(2 * time.Minute) // the failed claim's lease ran out
	if err := n.Escalate(t.Context(), clock.Now()); err != nil {
		t.Fatalf("Escalate again: %v", err)
	}
	var to []bot.Destination
	for _, x := range p.sent() {
		to = append(to, x.To)
	}
	want := []bot.Destination{{Platform: bot.Slack, User: "U0WANGFANG"}, fallback}
	if diff := cmp.Diff(want, to); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}
