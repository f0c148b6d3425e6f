package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/metricbot/metricbot/bot"
)

// delivery is one call of the fake handler.
type delivery struct {
	msg *bot.Message
	act *bot.Action
	out bot.Responder
}

// fakeHandler records what the adapter hands it.
type fakeHandler struct{ got chan delivery }

func newFakeHandler() *fakeHandler { return &fakeHandler{got: make(chan delivery, 32)} }

func (h *fakeHandler) HandleMessage(_ context.Context, m bot.Message, out bot.Responder) error {
	h.got <- delivery{msg: &m, out: out}
	return nil
}

func (h *fakeHandler) HandleAction(_ context.Context, a bot.Action, out bot.Responder) error {
	h.got <- delivery{act: &a, out: out}
	return nil
}

var _ bot.Handler = (*fakeHandler)(nil)

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sleeps records the waits the adapter asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testEnv is an adapter wired to a fake Slack and a fake handler.
type testEnv struct {
	f      *fakeSlack
	h      *fakeHandler
	a      *Adapter
	logs   *logBuffer
	sleeps *sleeps
	now    time.Time
}

func newTestEnv(t *testing.T, mode string) *testEnv {
	t.Helper()
	e := &testEnv{f: newFakeSlack(t), h: newFakeHandler(), logs: &logBuffer{}, sleeps: &sleeps{},
		now: time.Now().Truncate(time.Second)}
	a, err := New(Options{
		BotToken:      testBotToken,
		AppToken:      testAppToken,
		SigningSecret: testSecret,
		Mode:          mode,
		APIURL:        e.f.apiURL(),
		Logger:        slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:           func() time.Time { return e.now },
		Sleep:         e.sleeps.sleep,
	}, e.h)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.a = a
	t.Cleanup(func() {
		logs := e.logs.String()
		for _, secret := range []string{testBotToken, testAppToken, testSecret} {
			if strings.Contains(logs, secret) {
				t.Errorf("logs contain a secret %q:\n%s", secret[:5], logs)
			}
		}
	})
	return e
}

// runSocket starts Run in socket mode and waits for the fake's connection; stop ends Run and
// returns its error, after every dispatched event was handled.
func (e *testEnv) runSocket(t *testing.T) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- e.a.Run(ctx) }()
	select {
	case <-e.f.connected:
	case err := <-errc:
		cancel()
		t.Fatalf("Run ended before connecting: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("timed out waiting for the socket mode connection; logs:\n%s", e.logs.String())
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = wait(t, errc, "Run to return")
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func eventEnvelope(eventID string, event map[string]any) map[string]any {
	return map[string]any{
		"token":         "verification-token-unused",
		"team_id":       testTeam,
		"api_app_id":    "A01",
		"type":          "event_callback",
		"event_id":      eventID,
		"event_time":    1700000000,
		"event":         event,
		"event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
		"authorizations": []map[string]any{
			{"team_id": testTeam, "user_id": testBotUser, "is_bot": true},
		},
	}
}

func TestSocketModeMessages(t *testing.T) {
	tests := []struct {
		name  string
		event map[string]any
		want  bot.Message
	}{
		{
			name: "mention in a channel starts a thread under the question",
			event: map[string]any{"type": "app_mention", "user": "U123", "channel": "C1",
				"text": "<@UBOT> GMV last week by region", "ts": "1700000001.000200", "event_ts": "1700000001.000200"},
			want: bot.Message{EventID: "Ev1", Platform: bot.Slack, Workspace: testTeam, Channel: "C1",
				Thread: "1700000001.000200", MessageID: "1700000001.000200", User: "U123",
				Text: "GMV last week by region", Time: time.Unix(1700000001, 200000).UTC()},
		},
		{
			name: "mention inside a thread stays in that thread",
			event: map[string]any{"type": "app_mention", "user": "U123", "channel": "C1",
				"text": "那按品类拆一下 <@UBOT|metricbot>", "ts": "1700000009.000001", "thread_ts": "1700000001.000200"},
			want: bot.Message{EventID: "Ev1", Platform: bot.Slack, Workspace: testTeam, Channel: "C1",
				Thread: "1700000001.000200", MessageID: "1700000009.000001", User: "U123",
				Text: "那按品类拆一下", Time: time.Unix(1700000009, 1000).UTC()},
		},
		{
			name: "direct message",
			event: map[string]any{"type": "message", "channel_type": "im", "user": "U9", "channel": "D1",
				"text": "上个月华东区销售额多少?", "ts": "1700000002.000300"},
			want: bot.Message{EventID: "Ev1", Platform: bot.Slack, Workspace: testTeam, Channel: "D1",
				Thread: "1700000002.000300", MessageID: "1700000002.000300", User: "U9",
				Text: "上个月华东区销售额多少?", Direct: true, Time: time.Unix(1700000002, 300000).UTC()},
		},
		{
			name: "reply in a channel thread without a mention is overheard",
			event: map[string]any{"type": "message", "channel_type": "channel", "user": "U9", "channel": "C1",
				"text": "支付通道故障, 14:00 恢复", "ts": "1700000003.000001", "thread_ts": "1700000001.000200"},
			want: bot.Message{EventID: "Ev1", Platform: bot.Slack, Workspace: testTeam, Channel: "C1",
				Thread: "1700000001.000200", MessageID: "1700000003.000001", User: "U9",
				Text: "支付通道故障, 14:00 恢复", Overheard: true, Time: time.Unix(1700000003, 1000).UTC()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, ModeSocket)
			stop := e.runSocket(t)
			e.f.send("events_api", "env-1", eventEnvelope("Ev1", tt.event), 0)
			if got := wait(t, e.f.acks, "ack"); got != "env-1" {
				t.Errorf("got ack for %q, want env-1", got)
			}
			d := wait(t, e.h.got, "handler")
			if d.msg == nil {
				t.Fatalf("got action %+v, want a message", d.act)
			}
			if diff := cmp.Diff(tt.want, *d.msg); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
			if err := d.out.Reply(t.Context(), bot.Reply{Headline: "GMV 1.2M"}); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			if err := stop(); err != nil {
				t.Errorf("Run: %v", err)
			}
			_, posts, _, _ := e.f.snapshot()
			if len(posts) != 1 {
				t.Fatalf("got %d posts, want 1", len(posts))
			}
			if posts[0].Channel != tt.want.Channel || posts[0].ThreadTS != tt.want.Thread {
				t.Errorf("got reply in %s/%s, want %s/%s", posts[0].Channel, posts[0].ThreadTS, tt.want.Channel, tt.want.Thread)
			}
		})
	}
}

func TestSocketModeIgnoresBotsEditsAndItself(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	ignored := []map[string]any{
		{"type": "message", "channel_type": "im", "user": testBotUser, "channel": "D1", "text": "my own answer", "ts": "1.1"},
		{"type": "message", "channel_type": "im", "bot_id": "B77", "subtype": "bot_message", "channel": "D1", "text": "another bot", "ts": "1.2"},
		{"type": "message", "channel_type": "im", "subtype": "message_changed", "channel": "D1", "ts": "1.3",
			"message": map[string]any{"user": "U9", "text": "edited", "ts": "1.0"}},
		{"type": "message", "channel_type": "channel", "user": "U9", "channel": "C1", "text": "chatter", "ts": "1.4"},
		// A thread reply that mentions the bot arrives as an app_mention too; that one counts.
		{"type": "message", "channel_type": "channel", "user": "U9", "channel": "C1", "text": "<@UBOT> why", "ts": "1.41", "thread_ts": "1.0"},
		{"type": "message", "channel_type": "channel", "user": "U9", "channel": "C1", "text": "thread root", "ts": "1.42", "thread_ts": "1.42"},
		{"type": "app_mention", "user": "U9", "channel": "C1", "text": "<@UBOT> edited", "ts": "1.5",
			"edited": map[string]any{"user": "U9", "ts": "1.6"}},
	}
	for i, ev := range ignored {
		e.f.send("events_api", "env-ign", eventEnvelope("EvIgnored"+string(rune('a'+i)), ev), 0)
		wait(t, e.f.acks, "ack of an ignored event")
	}
	e.f.send("events_api", "env-ok", eventEnvelope("EvOK", map[string]any{"type": "message", "channel_type": "im",
		"user": "U9", "channel": "D1", "text": "GMV", "ts": "1.7"}), 0)
	if got := wait(t, e.f.acks, "ack"); got != "env-ok" {
		t.Errorf("got ack %q, want env-ok", got)
	}
	if err := stop(); err != nil { // Run returns after every dispatched event was handled.
		t.Fatalf("Run: %v", err)
	}
	var ids []string
	for len(e.h.got) > 0 {
		d := <-e.h.got
		ids = append(ids, d.msg.EventID)
	}
	if diff := cmp.Diff([]string{"EvOK"}, ids); diff != "" {
		t.Errorf("handled events mismatch (-want +got):\n%s", diff)
	}
}

// testChart is a tiny stand-in for a PNG; the fake checks its length, not its format.
var testChart = &bot.Image{PNG: []byte("\x89PNG\r\n\x1a\nfake-chart-bytes"), Name: "gmv-by-region.png",
	Title: "GMV by region", AltText: "Bar chart of GMV by region"}

func TestSocketModeReplyWithChartInThread(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	e.f.send("events_api", "env-1", eventEnvelope("Ev1", map[string]any{"type": "app_mention", "user": "U1",
		"channel": "C1", "text": "<@UBOT> GMV by region", "ts": "1700000001.000001"}), 0)
	d := wait(t, e.h.got, "handler")
	p, ok := d.out.(bot.Progress)
	if !ok {
		t.Fatal("the responder does not implement bot.Progress")
	}
	if err := p.Working(t.Context()); err != nil {
		t.Fatalf("Working: %v", err)
	}
	reply := sampleReplies()["en_full"]
	reply.Chart = testChart
	if err := d.out.Reply(t.Context(), reply); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	calls, posts, reactions, shared := e.f.snapshot()
	wantCalls := []string{"auth.test", "apps.connections.open", "reactions.add", "chat.postMessage",
		"files.getUploadURLExternal", "upload", "files.completeUploadExternal", "reactions.remove"}
	if diff := cmp.Diff(wantCalls, calls); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	if posts[0].ThreadTS != "1700000001.000001" || posts[0].Channel != "C1" {
		t.Errorf("got post in %s/%s, want C1/1700000001.000001", posts[0].Channel, posts[0].ThreadTS)
	}
	if posts[0].Text != reply.Headline {
		t.Errorf("got fallback text %q, want %q", posts[0].Text, reply.Headline)
	}
	want, err := json.Marshal(renderBlocks(reply))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(posts[0].Blocks)); diff != "" {
		t.Errorf("posted blocks mismatch (-want +got):\n%s", diff)
	}
	wantReactions := []fakeReaction{
		{Op: "add", Name: DefaultWorkingReaction, Channel: "C1", Timestamp: "1700000001.000001"},
		{Op: "remove", Name: DefaultWorkingReaction, Channel: "C1", Timestamp: "1700000001.000001"},
	}
	if diff := cmp.Diff(wantReactions, reactions); diff != "" {
		t.Errorf("reactions mismatch (-want +got):\n%s", diff)
	}
	wantShared := []fakeShare{{ID: "F0001", Title: "GMV by region", Channel: "C1", ThreadTS: "1700000001.000001"}}
	if diff := cmp.Diff(wantShared, shared); diff != "" {
		t.Errorf("shared files mismatch (-want +got):\n%s", diff)
	}
	e.f.mu.Lock()
	file := *e.f.files["F0001"]
	e.f.mu.Unlock()
	if !bytes.Equal(file.Data, testChart.PNG) || file.Name != testChart.Name || file.AltText != testChart.AltText {
		t.Errorf("got uploaded file %q %q %q, want %q %q %q", file.Data, file.Name, file.AltText,
			testChart.PNG, testChart.Name, testChart.AltText)
	}
}

func TestSocketModeSlashCommand(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	e.f.send("slash_commands", "env-cmd", map[string]any{
		"token": "unused", "team_id": testTeam, "channel_id": "C7", "channel_name": "sales",
		"user_id": "U5", "user_name": "li", "command": "/metric", "text": " GMV last week ",
		"response_url": "https://example.invalid/commands/1", "trigger_id": "trig-1", "api_app_id": "A01",
	}, 0)
	if got := wait(t, e.f.acks, "ack"); got != "env-cmd" {
		t.Errorf("got ack %q, want env-cmd", got)
	}
	d := wait(t, e.h.got, "handler")
	_, posts, _, _ := e.f.snapshot()
	if len(posts) != 1 {
		t.Fatalf("got %d posts before the handler, want the question", len(posts))
	}
	question := posts[0]
	if question.Channel != "C7" || question.ThreadTS != "" || question.Text != "<@U5> /metric GMV last week" {
		t.Errorf("got question %+v, want a visible top-level post in C7 naming the user", question)
	}
	want := bot.Message{EventID: "trig-1", Platform: bot.Slack, Workspace: testTeam, Channel: "C7",
		Thread: question.TS, MessageID: question.TS, User: "U5", Text: "GMV last week", Command: "/metric", Time: e.now}
	if diff := cmp.Diff(want, *d.msg); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
	if err := d.out.Reply(t.Context(), bot.Reply{Headline: "GMV 1.2M"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	_, posts, _, _ = e.f.snapshot()
	if len(posts) != 2 || posts[1].ThreadTS != question.TS || posts[1].Channel != "C7" {
		t.Errorf("got posts %+v, want the reply in the question's thread", posts)
	}
}

func TestSocketModeOtherSlashCommandIgnored(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	e.f.send("slash_commands", "env-cmd", map[string]any{"team_id": testTeam, "channel_id": "C7",
		"user_id": "U5", "command": "/weather", "text": "x", "trigger_id": "trig-2"}, 0)
	wait(t, e.f.acks, "ack")
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(e.h.got); n != 0 {
		t.Errorf("got %d deliveries, want none", n)
	}
	if _, posts, _, _ := e.f.snapshot(); len(posts) != 0 {
		t.Errorf("got posts %+v, want none", posts)
	}
}

func blockActions(triggerID string) map[string]any {
	return map[string]any{
		"type":       "block_actions",
		"trigger_id": triggerID,
		"team":       map[string]any{"id": testTeam, "domain": "acme"},
		"user":       map[string]any{"id": "U5", "name": "li"},
		"api_app_id": "A01",
		"container": map[string]any{"type": "message", "message_ts": "1700000003.000001",
			"channel_id": "C1", "is_ephemeral": false, "thread_ts": "1700000001.000001"},
		"channel": map[string]any{"id": "C1", "name": "sales"},
		"message": map[string]any{"type": "message", "ts": "1700000003.000001", "thread_ts": "1700000001.000001",
			"text": "GMV 1.2M", "user": testBotUser},
		"actions": []map[string]any{{
			"type": "button", "action_id": "breakdown#2", "block_id": "b1", "value": "region",
			"text": map[string]any{"type": "plain_text", "text": "By region"}, "action_ts": "1700000004.500000",
		}},
	}
}

func TestSocketModeButton(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	e.f.send("interactive", "env-btn", blockActions("trig-btn"), 0)
	if got := wait(t, e.f.acks, "ack"); got != "env-btn" {
		t.Errorf("got ack %q, want env-btn", got)
	}
	d := wait(t, e.h.got, "handler")
	if d.act == nil {
		t.Fatalf("got message %+v, want an action", d.msg)
	}
	want := bot.Action{EventID: "trig-btn", Platform: bot.Slack, Workspace: testTeam, Channel: "C1",
		Thread: "1700000001.000001", MessageID: "1700000003.000001", User: "U5", ID: bot.ActionBreakdown,
		Value: "region", Time: time.Unix(1700000004, 500000000).UTC()}
	if diff := cmp.Diff(want, *d.act); diff != "" {
		t.Errorf("action mismatch (-want +got):\n%s", diff)
	}
	if err := d.out.Reply(t.Context(), bot.Reply{Headline: "GMV by region"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, posts, _, _ := e.f.snapshot(); len(posts) != 1 || posts[0].ThreadTS != "1700000001.000001" {
		t.Errorf("got posts %+v, want one in thread 1700000001.000001", posts)
	}
}

func TestSocketModeRedeliveryKeepsEventID(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	ev := eventEnvelope("EvSame", map[string]any{"type": "app_mention", "user": "U1", "channel": "C1",
		"text": "<@UBOT> GMV", "ts": "1.5"})
	e.f.send("events_api", "env-a", ev, 0)
	e.f.send("events_api", "env-b", ev, 1)
	first, second := wait(t, e.h.got, "first delivery"), wait(t, e.h.got, "redelivery")
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if first.msg.EventID != "EvSame" || second.msg.EventID != "EvSame" {
		t.Errorf("got event ids %q and %q, want EvSame twice", first.msg.EventID, second.msg.EventID)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"retry_attempt":1`) {
		t.Errorf("the redelivery's attempt is not in the debug log:\n%s", logs)
	}
}

func TestSocketModeRateLimitedReplyLands(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	stop := e.runSocket(t)
	e.f.rateLimit("chat.postMessage", 7, 2)
	e.f.send("events_api", "env-1", eventEnvelope("Ev1", map[string]any{"type": "app_mention", "user": "U1",
		"channel": "C1", "text": "<@UBOT> GMV", "ts": "1.5"}), 0)
	d := wait(t, e.h.got, "handler")
	if err := d.out.Reply(t.Context(), bot.Reply{Headline: "GMV 1.2M"}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second, 2 * time.Second}, e.sleeps.got()); diff != "" {
		t.Errorf("waits mismatch (-want +got):\n%s", diff)
	}
	calls, posts, _, _ := e.f.snapshot()
	if len(posts) != 1 || posts[0].ThreadTS != "1.5" {
		t.Errorf("got posts %+v, want the reply in thread 1.5", posts)
	}
	want := []string{"auth.test", "apps.connections.open", "chat.postMessage (429)", "chat.postMessage (429)", "chat.postMessage"}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
}

func TestRateLimitGivesUpLoudly(t *testing.T) {
	e := newTestEnv(t, ModeSocket)
	e.f.rateLimit("chat.postMessage", 1, 1, 1, 1, 1)
	out := e.a.responder("C1", "1.5", "1.5", "EvGiveUp")
	err := out.Reply(t.Context(), bot.Reply{Headline: "GMV 1.2M"})
	if err == nil {
		t.Fatal("Reply succeeded, want an error after the retries")
	}
	if _, ok := errors.AsType[*slack.RateLimitedError](err); !ok {
		t.Errorf("got %v, want a rate limit error", err)
	}
	if got := len(e.sleeps.got()); got != DefaultMaxRetries {
		t.Errorf("got %d waits, want %d", got, DefaultMaxRetries)
	}
	logs := e.logs.String()
	for _, want := range []string{`"level":"ERROR"`, "giving up after rate limits", `"channel":"C1"`, `"thread":"1.5"`, `"event_id":"EvGiveUp"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if _, posts, _, _ := e.f.snapshot(); len(posts) != 0 {
		t.Errorf("got posts %+v, want none", posts)
	}
}

func TestRunRefusesBadToken(t *testing.T) {
	f := newFakeSlack(t)
	a, err := New(Options{BotToken: "xoxb-wrong", AppToken: testAppToken, APIURL: f.apiURL(),
		Logger: slog.New(slog.DiscardHandler)}, newFakeHandler())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	err = a.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("got %v, want an invalid_auth error", err)
	}
}

func TestRunRefusesBadAppToken(t *testing.T) {
	f := newFakeSlack(t)
	a, err := New(Options{BotToken: testBotToken, AppToken: "xapp-wrong", APIURL: f.apiURL(),
		Logger: slog.New(slog.DiscardHandler)}, newFakeHandler())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	err = a.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("got %v, want an invalid_auth error", err)
	}
}
