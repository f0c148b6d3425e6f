package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/nlq"
)

// fakeAnswerer answers every question with a query on the first metric, and records the previous
// query it was given so follow-ups can be checked.
type fakeAnswerer struct {
	c        *catalog.Catalog
	mu       sync.Mutex
	previous []*catalog.Query
}

func (f *fakeAnswerer) Catalog() *catalog.Catalog { return f.c }
func (f *fakeAnswerer) SQL(q catalog.Query) (string, error) {
	return "SELECT compiled FROM " + q.Metrics[0], nil
}

func (f *fakeAnswerer) Answer(_ context.Context, question string, nc nlq.Context) *answer.Answer {
	f.mu.Lock()
	f.previous = append(f.previous, nc.Previous)
	f.mu.Unlock()
	q := &catalog.Query{Metrics: []string{"gmv"}, Range: catalog.TimeRange{Start: catalog.NewDate(2026, 11, 1), End: catalog.NewDate(2026, 12, 1)}}
	if nc.Previous != nil {
		q.GroupBy = append(append([]string(nil), nc.Previous.GroupBy...), "channel")
	}
	return &answer.Answer{Status: answer.StatusAnswer, Lang: nc.Lang, Headline: "answer to " + question, Query: q, Path: "rule", Metrics: q.Metrics}
}

func (f *fakeAnswerer) FromParse(_ context.Context, res nlq.Result) *answer.Answer {
	return &answer.Answer{Status: answer.StatusAnswer, Lang: res.Lang, Headline: "chosen " + strings.Join(res.Query.GroupBy, ","), Query: res.Query}
}

// recorder is a Responder that records replies.
type recorder struct {
	mu      sync.Mutex
	replies []bot.Reply
	working int
	got     chan bot.Reply
}

func newRecorder() *recorder { return &recorder{got: make(chan bot.Reply, 16)} }

func (r *recorder) Reply(_ context.Context, rep bot.Reply) error {
	r.mu.Lock()
	r.replies = append(r.replies, rep)
	r.mu.Unlock()
	r.got <- rep
	return nil
}

func (r *recorder) Working(context.Context) error {
	r.mu.Lock()
	r.working++
	r.mu.Unlock()
	return nil
}

func (r *recorder) next(t *testing.T) bot.Reply {
	t.Helper()
	select {
	case rep := <-r.got:
		return rep
	case <-time.After(10 * time.Second):
		t.Fatal("no reply within 10s")
	}
	return bot.Reply{}
}

func demoCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load("../internal/demo/catalog")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func start(t *testing.T, e *bot.Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func msgOf(id, thread, text string) bot.Message {
	return bot.Message{EventID: id, Platform: bot.Slack, Workspace: "T1", Channel: "C1", Thread: thread, MessageID: thread, User: "U1", Text: text}
}

func TestFollowUpAndDedup(t *testing.T) {
	fa := &fakeAnswerer{c: demoCatalog(t)}
	path := filepath.Join(t.TempDir(), "state.db")
	st := openStore(t, path)
	e := bot.NewEngine(fa, st, bot.Options{Workers: 1})
	start(t, e)
	out := newRecorder()
	ctx := context.Background()

	if err := e.HandleMessage(ctx, msgOf("Ev1", "100.1", "上个月销售额"), out); err != nil {
		t.Fatal(err)
	}
	first := out.next(t)
	if first.Headline != "answer to 上个月销售额" {
		t.Errorf("got headline %q", first.Headline)
	}
	var ids []string
	for _, b := range first.Buttons {
		ids = append(ids, b.ID)
	}
	if got, want := strings.Join(ids, ","), "breakdown,show_sql,thumbs_up,thumbs_down"; got != want {
		t.Errorf("buttons: got %s, want %s", got, want)
	}
	if out.working != 1 {
		t.Errorf("progress shown %d times, want 1", out.working)
	}

	// A redelivery of the same event gets no second answer, even from a new engine (a restart)
	// on the same store.
	e2 := bot.NewEngine(fa, openStore(t, path), bot.Options{Workers: 1})
	start(t, e2)
	e2.HandleMessage(ctx, msgOf("Ev1", "100.1", "上个月销售额"), out)
	e.HandleMessage(ctx, msgOf("Ev2", "100.1", "按渠道拆一下"), out)
	second := out.next(t)
	if second.Headline != "answer to 按渠道拆一下" {
		t.Fatalf("got %q; the redelivered event was answered again or the follow-up was lost", second.Headline)
	}
	select {
	case extra := <-out.got:
		t.Fatalf("unexpected extra reply %q", extra.Headline)
	case <-time.After(100 * time.Millisecond):
	}
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if len(fa.previous) != 2 || fa.previous[0] != nil || fa.previous[1] == nil || fa.previous[1].Metrics[0] != "gmv" {
		t.Errorf("previous queries given to the answerer: %v; want none, then the first answer's", fa.previous)
	}
}

func TestCommandsAndActions(t *testing.T) {
	fa := &fakeAnswerer{c: demoCatalog(t)}
	st := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	e := bot.NewEngine(fa, st, bot.Options{Workers: 1})
	start(t, e)
	out := newRecorder()
	ctx := context.Background()

	e.HandleMessage(ctx, msgOf("E1", "1.0", ""), out)
	if h := out.next(t); !strings.Contains(h.Headline, "指标助手") || len(h.Text) < 3 {
		t.Errorf("bare mention: got %+v, want help with examples", h)
	}
	e.HandleMessage(ctx, msgOf("E2", "1.0", "指标列表"), out)
	if l := out.next(t); l.Table == nil || len(l.Table.Rows) != len(fa.c.Metrics) {
		t.Errorf("list: got %+v", l)
	}
	e.HandleMessage(ctx, msgOf("E3", "2.0", "上个月销售额"), out)
	ans := out.next(t)
	qid := ans.Buttons[len(ans.Buttons)-1].Value

	e.HandleAction(ctx, bot.Action{EventID: "A1", Platform: bot.Slack, Workspace: "T1", Channel: "C1", Thread: "2.0", User: "U2", ID: bot.ActionShowSQL, Value: qid}, out)
	if s := out.next(t); len(s.Text) == 0 || !strings.Contains(s.Text[0], "SELECT compiled FROM gmv") {
		t.Errorf("show sql: got %+v", s)
	}
	e.HandleAction(ctx, bot.Action{EventID: "A2", Platform: bot.Slack, Workspace: "T1", Channel: "C1", Thread: "2.0", User: "U2", ID: bot.ActionBreakdown, Value: "region"}, out)
	if b := out.next(t); b.Headline != "chosen region" {
		t.Errorf("breakdown: got %q", b.Headline)
	}
	// 👎 and a correction in the thread are stored with the question.
	e.HandleAction(ctx, bot.Action{EventID: "A3", Platform: bot.Slack, Workspace: "T1", Channel: "C1", Thread: "2.0", User: "U2", ID: bot.ActionThumbsDown, Value: qid}, out)
	out.next(t)
	e.HandleMessage(ctx, bot.Message{EventID: "E4", Platform: bot.Slack, Workspace: "T1", Channel: "C1", Thread: "2.0", User: "U2", Text: "应该是净销售额"}, out)
	out.next(t)
	fb, err := st.Feedback(ctx, parseID(t, qid))
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 1 || fb[0].Vote != store.VoteDown || fb[0].Correction != "净销售额" {
		t.Errorf("feedback: got %+v, want one vote down with the correction", fb)
	}
}

func TestRateLimitAndStoreDown(t *testing.T) {
	fa := &fakeAnswerer{c: demoCatalog(t)}
	st := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := bot.NewEngine(fa, &failingStore{Store: st}, bot.Options{Workers: 1, Burst: 2, Now: func() time.Time { return now }})
	start(t, e)
	out := newRecorder()
	ctx := context.Background()
	for i, id := range []string{"R1", "R2", "R3"} {
		e.HandleMessage(ctx, msgOf(id, "9.0", "销售额"), out)
		r := out.next(t)
		if i < 2 && !strings.HasPrefix(r.Headline, "answer to") {
			t.Errorf("question %d: got %q; a store that is down must not stop answers", i, r.Headline)
		}
		if i == 2 && !strings.Contains(r.Headline, "稍等") {
			t.Errorf("question 3 within the burst: got %q, want the rate-limit reply", r.Headline)
		}
	}
}

// failingStore fails every write, as a store that went away would.
type failingStore struct{ *sqlite.Store }

var errDown = errors.New("store is down")

func (f *failingStore) ClaimEvent(context.Context, store.EventKey, time.Duration) (bool, error) {
	return false, errDown
}
func (f *failingStore) SaveConversation(context.Context, store.Conversation) error { return errDown }
func (f *failingStore) LogQuestion(context.Context, store.Question) (store.Question, error) {
	return store.Question{}, errDown
}
func (f *failingStore) Conversation(context.Context, store.ThreadKey) (store.Conversation, error) {
	return store.Conversation{}, errDown
}

func parseID(t *testing.T, s string) store.QuestionID {
	t.Helper()
	var n int64
	for _, r := range s {
		n = n*10 + int64(r-'0')
	}
	return store.QuestionID(n)
}

type subs struct{}

func (subs) Handle(_ context.Context, m bot.Message, lang string) (bot.Reply, bool, error) {
	if strings.HasPrefix(m.Text, "订阅") {
		return bot.Reply{Lang: lang, Headline: "已订阅"}, true, nil
	}
	if strings.HasPrefix(m.Text, "退订") {
		return bot.Reply{}, true, errors.New("store down")
	}
	return bot.Reply{}, false, nil
}

func TestSubscriptionCommands(t *testing.T) {
	fa := &fakeAnswerer{c: demoCatalog(t)}
	st := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	e := bot.NewEngine(fa, st, bot.Options{Workers: 1, Subscriptions: subs{}})
	start(t, e)
	out := newRecorder()
	ctx := context.Background()
	e.HandleMessage(ctx, msgOf("S1", "5.0", "订阅 销售额 每天 9:00"), out)
	if r := out.next(t); r.Headline != "已订阅" {
		t.Errorf("subscribe: got %q", r.Headline)
	}
	e.HandleMessage(ctx, msgOf("S2", "5.0", "退订 3"), out)
	if r := out.next(t); r.Ref == "" || strings.Contains(r.Headline, "store down") {
		t.Errorf("failing store: got %+v; want an apology with a reference and no internal error", r)
	}
	e.HandleMessage(ctx, msgOf("S3", "5.0", "上个月销售额"), out)
	if r := out.next(t); !strings.HasPrefix(r.Headline, "answer to") {
		t.Errorf("a question went to the subscription handler: %q", r.Headline)
	}
}
