package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
)

// signedRequest builds a request to the adapter's HTTP handler as Slack would sign it.
func signedRequest(t testing.TB, serverURL, contentType, body string, ts time.Time, secret string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, serverURL+"/slack/events", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + stamp + ":" + body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHTTPEventsAPI(t *testing.T) {
	mention := eventEnvelope("EvHTTP", map[string]any{"type": "app_mention", "user": "U1", "channel": "C1",
		"text": "<@UBOT> GMV", "ts": "1700000001.000001"})
	wantMention := bot.Message{EventID: "EvHTTP", Platform: bot.Slack, Workspace: testTeam, Channel: "C1",
		Thread: "1700000001.000001", MessageID: "1700000001.000001", User: "U1", Text: "GMV",
		Time: time.Unix(1700000001, 1000).UTC()}
	tests := []struct {
		name        string
		body        string
		contentType string
		skew        time.Duration // request timestamp minus the adapter's clock
		clockAhead  time.Duration // adapter's clock minus the wall clock
		secret      string
		unsigned    bool
		wantStatus  int
		wantBody    string
		want        *bot.Message
	}{
		{name: "valid signature", body: mustJSON(t, mention), wantStatus: 200, want: &wantMention},
		{name: "bad signature", body: mustJSON(t, mention), secret: "not-the-secret", wantStatus: 401, wantBody: "invalid signature\n"},
		{name: "unsigned", body: mustJSON(t, mention), unsigned: true, wantStatus: 401},
		{name: "stale timestamp", body: mustJSON(t, mention), skew: -6 * time.Minute, wantStatus: 401},
		{name: "future timestamp", body: mustJSON(t, mention), skew: 6 * time.Minute, wantStatus: 401},
		{name: "stale by the injected clock though fresh by the wall clock", body: mustJSON(t, mention),
			skew: -6 * time.Minute, clockAhead: 6 * time.Minute, wantStatus: 401},
		{name: "url verification", body: `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
			wantStatus: 200, wantBody: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
		{name: "not json", body: "{", wantStatus: 400},
		{name: "unknown content type", body: "x", contentType: "text/plain", wantStatus: 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, ModeHTTP)
			wall := e.now
			e.now = wall.Add(tt.clockAhead)
			srv := httptest.NewServer(e.a.HTTPHandler())
			defer srv.Close()
			secret := tt.secret
			if secret == "" {
				secret = testSecret
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			req := signedRequest(t, srv.URL, ct, tt.body, e.now.Add(tt.skew), secret)
			if tt.unsigned {
				req.Header.Del("X-Slack-Signature")
			}
			status, body := do(t, req)
			e.a.wg.Wait()
			if status != tt.wantStatus {
				t.Errorf("got status %d, want %d (body %q)", status, tt.wantStatus, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("got body %q, want %q", body, tt.wantBody)
			}
			var got *bot.Message
			if len(e.h.got) > 0 {
				got = (<-e.h.got).msg
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("delivered message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHTTPRedeliveryKeepsEventID(t *testing.T) {
	e := newTestEnv(t, ModeHTTP)
	srv := httptest.NewServer(e.a.HTTPHandler())
	defer srv.Close()
	body := mustJSON(t, eventEnvelope("EvRetry", map[string]any{"type": "message", "channel_type": "im",
		"user": "U9", "channel": "D1", "text": "GMV", "ts": "1.5"}))
	for attempt := range 2 {
		req := signedRequest(t, srv.URL, "application/json", body, e.now, testSecret)
		if attempt > 0 {
			req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(attempt))
			req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if status, b := do(t, req); status != 200 {
			t.Fatalf("attempt %d: got status %d (%q), want 200", attempt, status, b)
		}
	}
	e.a.wg.Wait()
	var ids []string
	for len(e.h.got) > 0 {
		ids = append(ids, (<-e.h.got).msg.EventID)
	}
	if diff := cmp.Diff([]string{"EvRetry", "EvRetry"}, ids); diff != "" {
		t.Errorf("delivered event ids mismatch (-want +got):\n%s", diff)
	}
	logs := e.logs.String()
	for _, want := range []string{`"retry_num":"1"`, `"retry_reason":"http_timeout"`, `"event_id":"EvRetry"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug log lacks %s:\n%s", want, logs)
		}
	}
}

func TestHTTPSlashCommandAndButton(t *testing.T) {
	e := newTestEnv(t, ModeHTTP)
	srv := httptest.NewServer(e.a.HTTPHandler())
	defer srv.Close()

	cmdForm := url.Values{"token": {"unused"}, "team_id": {testTeam}, "channel_id": {"C7"}, "user_id": {"U5"},
		"command": {"/metric"}, "text": {"GMV last week"}, "trigger_id": {"trig-http"},
		"response_url": {"https://example.invalid/commands/2"}}.Encode()
	if status, b := do(t, signedRequest(t, srv.URL, "application/x-www-form-urlencoded", cmdForm, e.now, testSecret)); status != 200 || b != "" {
		t.Fatalf("slash command: got %d %q, want 200 and an empty body", status, b)
	}
	e.a.wg.Wait()
	d := wait(t, e.h.got, "slash command")
	_, posts, _, _ := e.f.snapshot()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want the question", len(posts))
	}
	want := bot.Message{EventID: "trig-http", Platform: bot.Slack, Workspace: testTeam, Channel: "C7",
		Thread: posts[0].TS, MessageID: posts[0].TS, User: "U5", Text: "GMV last week", Command: "/metric", Time: e.now}
	if diff := cmp.Diff(want, *d.msg); diff != "" {
		t.Errorf("slash command message mismatch (-want +got):\n%s", diff)
	}

	btnForm := url.Values{"payload": {mustJSON(t, blockActions("trig-btn-http"))}}.Encode()
	if status, b := do(t, signedRequest(t, srv.URL, "application/x-www-form-urlencoded", btnForm, e.now, testSecret)); status != 200 {
		t.Fatalf("button: got %d %q, want 200", status, b)
	}
	e.a.wg.Wait()
	d = wait(t, e.h.got, "button")
	if d.act == nil || d.act.ID != bot.ActionBreakdown || d.act.Thread != "1700000001.000001" || d.act.EventID != "trig-btn-http" {
		t.Errorf("got action %+v, want breakdown in thread 1700000001.000001", d.act)
	}
}

// blockingHandler holds every message until release is closed.
type blockingHandler struct {
	started chan string
	release chan struct{}
}

func (h *blockingHandler) HandleMessage(ctx context.Context, m bot.Message, _ bot.Responder) error {
	h.started <- m.EventID
	<-h.release
	return nil
}

func (h *blockingHandler) HandleAction(context.Context, bot.Action, bot.Responder) error { return nil }

func TestHTTPAcknowledgesBeforeHandlingAndRefusesWhenBusy(t *testing.T) {
	f := newFakeSlack(t)
	h := &blockingHandler{started: make(chan string, 4), release: make(chan struct{})}
	now := time.Now()
	a, err := New(Options{BotToken: testBotToken, SigningSecret: testSecret, Mode: ModeHTTP, APIURL: f.apiURL(),
		Workers: 1, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}, h)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.HTTPHandler())
	defer srv.Close()
	defer a.wg.Wait()
	defer close(h.release)
	event := func(id string) string {
		return mustJSON(t, eventEnvelope(id, map[string]any{"type": "app_mention", "user": "U1", "channel": "C1",
			"text": "<@UBOT> GMV", "ts": "1.5"}))
	}
	// The handler is still holding the first event when its request is answered.
	if status, _ := do(t, signedRequest(t, srv.URL, "application/json", event("Ev1"), now, testSecret)); status != 200 {
		t.Fatalf("got status %d, want 200", status)
	}
	if got := wait(t, h.started, "handler"); got != "Ev1" {
		t.Errorf("got %q, want Ev1", got)
	}
	// With the only worker busy, Slack is asked to deliver again later.
	if status, _ := do(t, signedRequest(t, srv.URL, "application/json", event("Ev2"), now, testSecret)); status != 503 {
		t.Errorf("got status %d, want 503", status)
	}
}

func TestHTTPMethodNotAllowed(t *testing.T) {
	e := newTestEnv(t, ModeHTTP)
	rec := httptest.NewRecorder()
	e.a.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slack/events", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("got %d, want 405", rec.Code)
	}
}

func TestRunServesHTTP(t *testing.T) {
	e := newTestEnv(t, ModeHTTP)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e.a.opts.HTTPAddr = addr
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- e.a.Run(ctx) }()
	body := `{"token":"x","challenge":"abc","type":"url_verification"}`
	var status int
	var got string
	for range 100 { // the server may not be listening yet
		req := signedRequest(t, "http://"+addr, "application/json", body, e.now, testSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			select {
			case err := <-errc:
				t.Fatalf("Run ended: %v", err)
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, got = resp.StatusCode, string(b)
		break
	}
	if status != 200 || got != "abc" {
		t.Errorf("got %d %q, want 200 abc", status, got)
	}
	cancel()
	if err := wait(t, errc, "Run to return"); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestRunHTTPWithoutAddrLeavesServingToTheCaller(t *testing.T) {
	e := newTestEnv(t, ModeHTTP)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- e.a.Run(ctx) }()
	srv := httptest.NewServer(e.a.HTTPHandler())
	defer srv.Close()
	body := mustJSON(t, eventEnvelope("EvMounted", map[string]any{"type": "app_mention", "user": "U1",
		"channel": "C1", "text": "<@UBOT> GMV", "ts": "1.5"}))
	if status, _ := do(t, signedRequest(t, srv.URL, "application/json", body, e.now, testSecret)); status != 200 {
		t.Fatalf("got status %d, want 200", status)
	}
	if d := wait(t, e.h.got, "handler"); d.msg.EventID != "EvMounted" {
		t.Errorf("got %q, want EvMounted", d.msg.EventID)
	}
	cancel()
	if err := wait(t, errc, "Run to return"); err != nil {
		t.Errorf("Run: %v", err)
	}
}
