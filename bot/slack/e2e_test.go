package slack

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/answer/answertest"
	"github.com/metricbot/metricbot/internal/store/sqlite"
)

// TestEndToEnd runs a question through the whole bot: Socket Mode at a fake Slack, the real
// conversation engine, parser, compiler and a SQLite warehouse with demo data, and the SQLite
// state store. The answer and its chart land in the thread, a follow-up in the thread is answered
// from context, and a redelivery of the first event gets no second answer.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	fx := answertest.Demo(t, 70, 5)
	ans := fx.Answerer(answer.Options{})
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := fx.Now()
	logs := &logBuffer{}
	be := bot.NewEngine(ans, st, bot.Options{Workers: 2, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { be.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	f := newFakeSlack(t)
	a, err := New(Options{BotToken: testBotToken, AppToken: testAppToken, Mode: ModeSocket, APIURL: f.apiURL(),
		Logger: slog.New(slog.DiscardHandler), Sleep: func(context.Context, time.Duration) error { return nil }}, be)
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{f: f, a: a, logs: &logBuffer{}}
	env.runSocket(t)

	question := map[string]any{"type": "app_mention", "user": "U123", "channel": "C1",
		"text": "<@UBOT> 上个月各大区的销售额", "ts": "1700000001.000100"}
	f.send("events_api", "env-1", eventEnvelope("Ev1", question), 0)
	first := waitPosts(t, f, 1)
	if first[0].ThreadTS != "1700000001.000100" || !strings.Contains(string(first[0].Blocks), "销售额按大区") {
		t.Fatalf("first answer: thread %q, blocks %s", first[0].ThreadTS, first[0].Blocks)
	}
	waitShares(t, f, 1, "1700000001.000100")

	follow := map[string]any{"type": "app_mention", "user": "U123", "channel": "C1",
		"text": "<@UBOT> 按渠道拆一下", "ts": "1700000005.000100", "thread_ts": "1700000001.000100"}
	f.send("events_api", "env-2", eventEnvelope("Ev2", follow), 0)
	second := waitPosts(t, f, 2)
	if second[1].ThreadTS != "1700000001.000100" || !strings.Contains(string(second[1].Blocks), "销售额按大区和渠道") {
		t.Fatalf("follow-up: thread %q, blocks %s", second[1].ThreadTS, second[1].Blocks)
	}

	// Slack redelivers the first event: the engine has answered it and stays silent.
	f.send("events_api", "env-3", eventEnvelope("Ev1", question), 1)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "duplicate event ignored") {
		if time.Now().After(deadline) {
			t.Fatalf("the redelivered event was not recognised; engine logs:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, posts, _, _ := f.snapshot(); len(posts) != 2 {
		t.Fatalf("got %d posts after the redelivery, want 2", len(posts))
	}
}

func waitPosts(t *testing.T, f *fakeSlack, n int) []fakePost {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, posts, _, _ := f.snapshot(); len(posts) >= n {
			return posts
		}
		if time.Now().After(deadline) {
			calls, _, _, _ := f.snapshot()
			t.Fatalf("timed out waiting for %d posts; calls so far: %v", n, calls)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitShares(t *testing.T, f *fakeSlack, n int, thread string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, _, _, shared := f.snapshot()
		if len(shared) >= n {
			if shared[0].ThreadTS != thread {
				t.Fatalf("chart shared in thread %q, want %q", shared[0].ThreadTS, thread)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the chart upload")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
