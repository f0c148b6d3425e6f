package lark

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark/larktest"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/answer/answertest"
	"github.com/metricbot/metricbot/internal/store/sqlite"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestEndToEnd runs questions through the whole bot over Lark's long connection: the real SDK
// client at a fake gateway and open platform, the conversation engine, parser, compiler, a SQLite
// warehouse with demo data and the SQLite state store. The answer card with its chart is a reply
// in the question's thread, a follow-up in the thread is answered from context, and a resent
// event gets no second answer.
func TestEndToEnd(t *testing.T) {
	ctx := testCtx(t)
	fx := answertest.Demo(t, 70, 5)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := fx.Now()
	logs := &lockedBuffer{}
	be := bot.NewEngine(fx.Answerer(answer.Options{}), st, bot.Options{Workers: 2, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	runCtx, cancel := context.WithCancel(context.Background())
	engineDone := make(chan struct{})
	go func() { be.Run(runCtx); close(engineDone) }()

	id := appID(t)
	srv := larktest.NewServer(id, testSecret)
	t.Cleanup(srv.Close)
	a, err := New(Options{AppID: id, AppSecret: testSecret, BaseURL: srv.URL(), BotOpenID: "ou_bot",
		Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) error { return nil }}, be)
	if err != nil {
		t.Fatal(err)
	}
	adapterDone := make(chan error, 1)
	go func() { adapterDone <- a.Run(runCtx) }()
	defer func() { cancel(); <-adapterDone; <-engineDone }()

	question := messageEvent("ev_1", "group", "om_q", "", "text", textContent("@_user_1 上个月各大区的销售额"), botMention)
	if _, err := srv.SendEvent(ctx, question); err != nil {
		t.Fatalf("send question: %v", err)
	}
	replies := waitReplies(t, srv, 1)
	if replies[0].ParentID != "om_q" || !replies[0].ReplyInThread || !strings.Contains(replies[0].Content, "销售额按大区") {
		t.Fatalf("first answer: %+v", replies[0])
	}
	if len(srv.Images()) == 0 || !strings.Contains(replies[0].Content, srv.Images()[0].Key) {
		t.Errorf("the chart was not uploaded and shown in the card: images %d", len(srv.Images()))
	}

	follow := messageEvent("ev_2", "group", "om_f", "om_q", "text", textContent("@_user_1 按渠道拆一下"), botMention)
	if _, err := srv.SendEvent(ctx, follow); err != nil {
		t.Fatalf("send follow-up: %v", err)
	}
	replies = waitReplies(t, srv, 2)
	if !strings.Contains(replies[1].Content, "销售额按大区和渠道") {
		t.Fatalf("follow-up was not answered from the thread's context: %s", replies[1].Content)
	}

	if _, err := srv.SendEvent(ctx, question); err != nil { // Lark resends the first event
		t.Fatalf("resend: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "duplicate event ignored") {
		if time.Now().After(deadline) {
			t.Fatalf("the resent event was not recognised; engine logs:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(srv.Replies()); n != 2 {
		t.Fatalf("got %d replies after the resend, want 2", n)
	}
}

func waitReplies(t *testing.T, srv *larktest.Server, n int) []larktest.Reply {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if r := srv.Replies(); len(r) >= n {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d replies", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
