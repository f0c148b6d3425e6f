package lark

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark/larktest"
)

// deliver sends one callback to the adapter's HTTP handler.
func deliver(t testing.TB, a *Adapter, event []byte, encryptKey string, tamper func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req, err := larktest.CallbackRequest("http://bot.invalid/lark/events", event, encryptKey, "1772443800", "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(req)
	}
	rec := httptest.NewRecorder()
	a.HTTPHandler().ServeHTTP(rec, req)
	return rec
}

func wantMessage(eventID, text string) bot.Message {
	return bot.Message{EventID: eventID, Platform: bot.Lark, Workspace: testTenant, Channel: "oc_chat", Thread: "om_q",
		MessageID: "om_q", User: "ou_asker", Text: text, Time: time.UnixMilli(1772443800000).UTC()}
}

func TestHTTPCallback(t *testing.T) {
	question := messageEvent("ev_1", "group", "om_q", "", "text", textContent("@_user_1 GMV 昨天"), botMention)
	withToken := func(b []byte, token string) []byte {
		return []byte(strings.Replace(string(b), testToken, token, 1))
	}
	tests := []struct {
		name       string
		encryptKey string // the app's encrypt key; "" for plain callbacks
		sendKey    string // the key the request is encrypted and signed with
		event      []byte
		tamper     func(*http.Request)
		wantStatus int
		wantBody   string // a substring of the answer
		want       []bot.Message
	}{
		{
			name: "encrypted and signed", encryptKey: testEncryptKey, sendKey: testEncryptKey, event: question,
			wantStatus: 200, want: []bot.Message{wantMessage("ev_1", "GMV 昨天")},
		},
		{
			name: "bad signature", encryptKey: testEncryptKey, sendKey: testEncryptKey, event: question,
			tamper:     func(r *http.Request) { r.Header.Set("X-Lark-Signature", strings.Repeat("0", 64)) },
			wantStatus: 500,
		},
		{
			name: "replayed with another nonce", encryptKey: testEncryptKey, sendKey: testEncryptKey, event: question,
			tamper:     func(r *http.Request) { r.Header.Set("X-Lark-Request-Nonce", "nonce-2") },
			wantStatus: 500,
		},
		{
			name: "encrypted with another key", encryptKey: testEncryptKey, sendKey: "another-key", event: question,
			wantStatus: 500,
		},
		{
			name: "plain event while the app encrypts", encryptKey: testEncryptKey, sendKey: "", event: question,
			wantStatus: 500,
		},
		{
			name: "encrypted with a wrong verification token", encryptKey: testEncryptKey, sendKey: testEncryptKey,
			event: withToken(question, "forged"), wantStatus: 500,
		},
		{
			name: "plain with the verification token", event: question,
			wantStatus: 200, want: []bot.Message{wantMessage("ev_1", "GMV 昨天")},
		},
		{
			name: "plain with a wrong verification token", event: withToken(question, "forged"),
			wantStatus: 500,
		},
		{
			name:       "url verification",
			event:      mustJSON(map[string]string{"challenge": "ch-123", "token": testToken, "type": "url_verification"}),
			wantStatus: 200, wantBody: `{"challenge":"ch-123"}`,
		},
		{
			name: "encrypted url verification", encryptKey: testEncryptKey, sendKey: testEncryptKey,
			event:      mustJSON(map[string]string{"challenge": "ch-456", "token": testToken, "type": "url_verification"}),
			wantStatus: 200, wantBody: `{"challenge":"ch-456"}`,
		},
		{
			name:       "url verification with a wrong token",
			event:      mustJSON(map[string]string{"challenge": "ch-123", "token": "forged", "type": "url_verification"}),
			wantStatus: 500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) {
				o.Mode = ModeHTTP
				o.EncryptKey = tt.encryptKey
				o.BotOpenID = "ou_bot"
			})
			rec := deliver(t, f.a, tt.event, tt.sendKey, tt.tamper)
			if rec.Code != tt.wantStatus {
				t.Errorf("got status %d (%s), want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("got body %s, want it to contain %s", rec.Body, tt.wantBody)
			}
			if diff := cmp.Diff(tt.want, f.h.Messages()); diff != "" {
				t.Errorf("handled messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHTTPCallbackResentEventKeepsItsID(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP; o.BotOpenID = "ou_bot" })
	ev := messageEvent("ev_same", "group", "om_q", "", "text", textContent("@_user_1 GMV"), botMention)
	for range 2 {
		if rec := deliver(t, f.a, ev, testEncryptKey, nil); rec.Code != 200 {
			t.Fatalf("got status %d (%s), want 200", rec.Code, rec.Body)
		}
	}
	want := []bot.Message{wantMessage("ev_same", "GMV"), wantMessage("ev_same", "GMV")}
	if diff := cmp.Diff(want, f.h.Messages()); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestHTTPCallbackCardAction(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP })
	rec := deliver(t, f.a, cardActionEvent("ev_click", map[string]any{"action": bot.ActionBreakdown, "value": "category", "thread": "om_q"}), testEncryptKey, nil)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "{}" {
		t.Errorf("got %d %s, want 200 {}", rec.Code, rec.Body)
	}
	want := []bot.Action{{EventID: "ev_click", Platform: bot.Lark, Workspace: testTenant, Channel: "oc_chat", Thread: "om_q",
		MessageID: "om_card", User: "ou_clicker", ID: bot.ActionBreakdown, Value: "category", Time: time.UnixMilli(1772443900000).UTC()}}
	if diff := cmp.Diff(want, f.h.Actions()); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

func TestHTTPCallbackAnswersThroughResponder(t *testing.T) {
	// The whole path: a signed callback, the bot's open_id looked up, the handler's reply posted.
	f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP })
	ev := messageEvent("ev_1", "group", "om_q", "om_root", "text", textContent("@_user_1 GMV"), botMention)
	if rec := deliver(t, f.a, ev, testEncryptKey, nil); rec.Code != 200 {
		t.Fatalf("got status %d (%s), want 200", rec.Code, rec.Body)
	}
	if len(f.h.outs) != 1 {
		t.Fatalf("handler got %d events, want 1", len(f.h.outs))
	}
	if err := f.h.outs[0].Reply(testCtx(t), bot.Reply{Headline: "GMV 1.2万", Buttons: []bot.Button{{ID: bot.ActionShowSQL, Label: "SQL"}}}); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	replies := f.srv.Replies()
	if len(replies) != 1 || replies[0].ParentID != "om_q" || !replies[0].ReplyInThread {
		t.Fatalf("got replies %+v, want one in the thread of om_q", replies)
	}
	if !strings.Contains(replies[0].Content, `"thread":"om_root"`) {
		t.Errorf("buttons do not carry the thread: %s", replies[0].Content)
	}
}

func TestHTTPCallbackHandlerRefuses(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP; o.BotOpenID = "ou_bot" })
	f.h.err = errBusy
	rec := deliver(t, f.a, messageEvent("ev_1", "p2p", "om_q", "", "text", textContent("GMV")), testEncryptKey, nil)
	if rec.Code != 500 {
		t.Errorf("got status %d, want 500 so that Lark delivers the event again", rec.Code)
	}
	if strings.Contains(rec.Body.String(), errBusy.Error()) {
		t.Errorf("the handler's error reached the answer: %s", rec.Body)
	}
	if logs := f.logs.String(); !strings.Contains(logs, "queue full") || !strings.Contains(logs, "event_id=ev_1") {
		t.Errorf("the refusal was not logged with the event id:\n%s", logs)
	}
}

func TestHTTPCallbackMethod(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP })
	rec := httptest.NewRecorder()
	f.a.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/lark/events", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("got %d, want 405", rec.Code)
	}
}

func BenchmarkHTTPCallback(b *testing.B) {
	f := newFixture(b, func(o *Options) { o.Mode = ModeHTTP; o.BotOpenID = "ou_bot" })
	ev := messageEvent("ev_1", "group", "om_q", "", "text", textContent("@_user_1 GMV 昨天"), botMention)
	req, err := larktest.CallbackRequest("http://bot.invalid/", ev, testEncryptKey, "1772443800", "n")
	if err != nil {
		b.Fatal(err)
	}
	body := mustBody(b, req)
	h := f.a.HTTPHandler()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header = req.Header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
		<-f.h.got
	}
}

func mustBody(b testing.TB, r *http.Request) string {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		b.Fatal(err)
	}
	return string(body)
}

func TestLegacyCardCallback(t *testing.T) {
	click := mustJSON(map[string]any{
		"open_id": "ou_clicker", "user_id": "u9", "open_message_id": "om_card", "open_chat_id": "oc_chat",
		"tenant_key": testTenant, "token": "c-legacy-1",
		"action": map[string]any{"value": map[string]any{"action": bot.ActionShowSQL, "value": "q-42", "thread": "om_q"}, "tag": "button"},
	})
	want := []bot.Action{{EventID: "card:c-legacy-1", Platform: bot.Lark, Workspace: testTenant, Channel: "oc_chat", Thread: "om_q",
		MessageID: "om_card", User: "ou_clicker", ID: bot.ActionShowSQL, Value: "q-42", Time: fixedNow}}
	tests := []struct {
		name       string
		body       []byte
		signWith   string
		wantStatus int
		wantBody   string
		want       []bot.Action
	}{
		{name: "signed click", body: click, signWith: testToken, wantStatus: 200, wantBody: "{}", want: want},
		{name: "signed with another token", body: click, signWith: "forged", wantStatus: 500},
		{
			name:     "challenge",
			body:     mustJSON(map[string]string{"challenge": "ch-9", "token": testToken, "type": "url_verification"}),
			signWith: "", wantStatus: 200, wantBody: `{"challenge":"ch-9"}`,
		},
		{
			name:     "challenge with a wrong token",
			body:     mustJSON(map[string]string{"challenge": "ch-9", "token": "forged", "type": "url_verification"}),
			signWith: "", wantStatus: 500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP; o.EncryptKey = "" })
			req, err := larktest.LegacyCardRequest("http://bot.invalid/lark/cards", tt.body, tt.signWith, "1772443800", "n1")
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			f.a.CardHandler().ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			if diff := cmp.Diff(tt.want, f.h.Actions()); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}
