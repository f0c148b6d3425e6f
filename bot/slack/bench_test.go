package slack

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
)

func BenchmarkRenderBlocks(b *testing.B) {
	r := sampleReplies()["en_full"]
	for b.Loop() {
		renderBlocks(r)
	}
}

func BenchmarkRenderLongTable(b *testing.B) {
	t := *sampleReplies()["long_table"].Table
	for b.Loop() {
		renderTable(t, maxSectionText)
	}
}

// discardHandler accepts every message and drops it.
type discardHandler struct{}

func (discardHandler) HandleMessage(context.Context, bot.Message, bot.Responder) error { return nil }
func (discardHandler) HandleAction(context.Context, bot.Action, bot.Responder) error   { return nil }

// BenchmarkHTTPEvent measures verifying, parsing and dispatching one signed app_mention: the
// work between Slack's request and the adapter's 200.
func BenchmarkHTTPEvent(b *testing.B) {
	now := time.Now()
	opts := Options{BotToken: testBotToken, SigningSecret: testSecret, Mode: ModeHTTP,
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}.withDefaults()
	a := newAdapter(opts, discardHandler{}, &fakeAPI{})
	h := a.HTTPHandler()
	body := mustJSON(b, eventEnvelope("EvBench", map[string]any{"type": "app_mention", "user": "U1",
		"channel": "C1", "text": "<@UBOT> GMV last week by region", "ts": "1700000001.000001"}))
	proto := signedRequest(b, "http://127.0.0.1", "application/json", body, now, testSecret)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(body))
		req.Header = proto.Header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d", rec.Code)
		}
		a.wg.Wait()
	}
}
