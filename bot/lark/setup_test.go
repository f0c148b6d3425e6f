package lark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark/larktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testSecret     = "s3cr3t-app-secret-value"
	testToken      = "v3rif1cation-token-value"
	testEncryptKey = "encrypt-key-value-0123"
	testTenant     = "tenant_1"
)

var fixedNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// recorder is a fake bot.Handler that keeps what it is given.
type recorder struct {
	mu       sync.Mutex
	messages []bot.Message
	actions  []bot.Action
	outs     []bot.Responder
	err      error
	got      chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 100)} }

func (r *recorder) HandleMessage(_ context.Context, m bot.Message, out bot.Responder) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.messages = append(r.messages, m)
	r.outs = append(r.outs, out)
	r.got <- struct{}{}
	return nil
}

func (r *recorder) HandleAction(_ context.Context, a bot.Action, out bot.Responder) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.actions = append(r.actions, a)
	r.outs = append(r.outs, out)
	r.got <- struct{}{}
	return nil
}

func (r *recorder) Messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.messages...)
}

func (r *recorder) Actions() []bot.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Action(nil), r.actions...)
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sleeper records the waits instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
	err   error
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	if s.err != nil {
		return s.err
	}
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// appID is unique per test: the SDK caches tenant tokens process-wide by app id and secret, so
// tests that share an app id would share tokens issued by another test's fake server.
// The counter keeps ids apart when tests run again in the same process (-count).
func appID(t testing.TB) string {
	return fmt.Sprintf("cli_%s_%d", strings.Trim(nonWord.ReplaceAllString(t.Name(), "_"), "_"), appSeq.Add(1))
}

var appSeq atomic.Int64

type fixture struct {
	srv   *larktest.Server
	a     *Adapter
	h     *recorder
	logs  *syncBuffer
	sleep *sleeper
}

// newFixture starts a fake open platform and an adapter pointed at it; edit changes the options.
func newFixture(t testing.TB, edit func(*Options)) *fixture {
	t.Helper()
	id := appID(t)
	srv := larktest.NewServer(id, testSecret)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, h: newRecorder(), logs: &syncBuffer{}, sleep: &sleeper{}}
	opts := Options{
		AppID:             id,
		AppSecret:         testSecret,
		VerificationToken: testToken,
		EncryptKey:        testEncryptKey,
		BaseURL:           srv.URL(),
		Logger:            slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:               func() time.Time { return fixedNow },
		Sleep:             f.sleep.Sleep,
	}
	if edit != nil {
		edit(&opts)
	}
	a, err := New(opts, f.h)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.a = a
	return f
}

// testCtx bounds a test that waits on goroutines; it is a safety net, not a speed target.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type mention struct{ key, openID, name string }

// messageEvent is an im.message.receive_v1 event as Lark sends it (schema 2.0).
func messageEvent(eventID, chatType, messageID, rootID, msgType, content string, mentions ...mention) []byte {
	var ms []map[string]any
	for _, m := range mentions {
		ms = append(ms, map[string]any{"key": m.key, "id": map[string]any{"open_id": m.openID, "union_id": "on_" + m.openID},
			"name": m.name, "tenant_key": testTenant})
	}
	msg := map[string]any{
		"message_id": messageID, "chat_id": "oc_chat", "chat_type": chatType, "message_type": msgType,
		"content": content, "create_time": "1772443800000", "mentions": ms,
	}
	if rootID != "" {
		msg["root_id"] = rootID
		msg["parent_id"] = rootID
	}
	return mustJSON(map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": eventID, "token": testToken, "create_time": "1772443800123",
			"event_type": "im.message.receive_v1", "tenant_key": testTenant, "app_id": "cli_x"},
		"event": map[string]any{
			"sender":  map[string]any{"sender_id": map[string]any{"open_id": "ou_asker", "user_id": "u1"}, "sender_type": "user", "tenant_key": testTenant},
			"message": msg,
		},
	})
}

// textContent is a text message's content.
func textContent(s string) string { return string(mustJSON(map[string]string{"text": s})) }

// cardActionEvent is a card.action.trigger callback for a click on a reply's button.
func cardActionEvent(eventID string, value map[string]any) []byte {
	return mustJSON(map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": eventID, "token": testToken, "create_time": "1772443900000",
			"event_type": "card.action.trigger", "tenant_key": testTenant, "app_id": "cli_x"},
		"event": map[string]any{
			"operator": map[string]any{"tenant_key": testTenant, "open_id": "ou_clicker"},
			"token":    "c-update-token",
			"action":   map[string]any{"value": value, "tag": "button"},
			"host":     "im_message",
			"context":  map[string]any{"open_message_id": "om_card", "open_chat_id": "oc_chat"},
		},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var errBusy = errors.New("queue full")
