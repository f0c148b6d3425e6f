package bot_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/answer/answertest"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
)

// alertThread is where the test alert was posted: the metric's channel.
const (
	alertChannel = "C0SALES"
	alertThread  = "1700000000.000100"
)

// alertFixture is a state store with one delivered alert (gmv 华东, 2026-11-18) and a clock.
type alertFixture struct {
	path  string
	clock *storetest.Clock
	st    *sqlite.Store
	alert store.Alert
}

func newAlertFixture(t *testing.T, c *catalog.Catalog) *alertFixture {
	t.Helper()
	f := &alertFixture{path: filepath.Join(t.TempDir(), "state.db"), clock: storetest.NewClock(time.Date(2026, 11, 19, 2, 0, 0, 0, time.UTC))}
	f.st = f.open(t)
	day := catalog.NewDate(2026, 11, 18)
	a, _, err := f.st.RaiseAlert(t.Context(), store.Alert{Rule: "gmv.channel_drop", Metric: "gmv", Slice: json.RawMessage(`{"region":"华东"}`),
		PeriodStart: day.Time(c.Location), PeriodEnd: day.AddDays(1).Time(c.Location), Kind: "anomaly",
		Value: 10700, ExpectedLow: 12300, ExpectedHigh: 18800, Owner: "wang_fang"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddAlertThread(t.Context(), store.AlertThread{Alert: a.ID, Platform: "slack", Channel: alertChannel, Thread: alertThread}); err != nil {
		t.Fatal(err)
	}
	f.alert = a
	return f
}

// open opens another store (a restarted process) on the fixture's file.
func (f *alertFixture) open(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), f.path, sqlite.Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func threadReply(id, user, text string) bot.Message {
	return bot.Message{EventID: id, Platform: bot.Slack, Workspace: "T1", Channel: alertChannel, Thread: alertThread,
		MessageID: "1700000001." + id, User: user, Text: text, Overheard: true}
}

// realAnswerer answers from the demo warehouse, showing the notes in st.
func realAnswerer(t *testing.T, _ *catalog.Catalog, st answer.AlertSource) *answer.Answerer {
	t.Helper()
	return answertest.Demo(t, 40, 3).Answerer(answer.Options{Alerts: st})
}

func TestOwnerReplyBecomesCauseNoteShownInLaterAnswers(t *testing.T) {
	c := demoCatalog(t)
	f := newAlertFixture(t, c)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, c.Location)
	e := bot.NewEngine(realAnswerer(t, c, f.st), f.st, bot.Options{Workers: 1, Now: func() time.Time { return now }})
	start(t, e)

	out := newRecorder()
	if err := e.HandleMessage(t.Context(), threadReply("Ev1", "U0WANGFANG", "支付通道故障, 14:00 恢复"), out); err != nil {
		t.Fatal(err)
	}
	got := out.next(t)
	if want := "已记录原因说明 (@王芳): 支付通道故障, 14:00 恢复"; got.Headline != want {
		t.Errorf("confirmation: got %q, want %q", got.Headline, want)
	}
	notes, err := f.st.AlertCauseNotes(t.Context(), f.alert.ID)
	if err != nil || len(notes) != 1 || notes[0].Author != "wang_fang" || notes[0].Text != "支付通道故障, 14:00 恢复" {
		t.Fatalf("notes: got %+v, %v; want one by wang_fang", notes, err)
	}
	a, _ := f.st.Alert(t.Context(), f.alert.ID)
	if a.Status != store.AlertAcknowledged {
		t.Errorf("status after the owner's note: got %s, want acknowledged", a.Status)
	}

	// A later question covering that day shows the note.
	q := newRecorder()
	if err := e.HandleMessage(t.Context(), msgOf("Ev2", "1700000099.000001", "11月18日销售额多少"), q); err != nil {
		t.Fatal(err)
	}
	ans := q.next(t)
	if want := "原因说明: 11月18日 华东 销售额下降 31%, @王芳: 支付通道故障, 14:00 恢复"; !strings.Contains(strings.Join(ans.Context, "\n"), want) {
		t.Errorf("answer context %q lacks %q", ans.Context, want)
	}
	// And a why question answers with the alert and the note.
	w := newRecorder()
	if err := e.HandleMessage(t.Context(), msgOf("Ev3", "1700000099.000002", "11月18日销售额为什么下降?"), w); err != nil {
		t.Fatal(err)
	}
	why := w.next(t)
	if !strings.Contains(why.Headline, "有 1 条预警") || !strings.Contains(strings.Join(why.Text, "\n"), "@王芳: 支付通道故障") {
		t.Errorf("why answer: got %q %q", why.Headline, why.Text)
	}
}

func TestOthersRepliesAreComments(t *testing.T) {
	c := demoCatalog(t)
	f := newAlertFixture(t, c)
	e := bot.NewEngine(&fakeAnswerer{c: c}, f.st, bot.Options{Workers: 1})
	start(t, e)
	out := newRecorder()
	if err := e.HandleMessage(t.Context(), threadReply("Ev1", "U0SOMEONE", "华南也这样吗?"), out); err != nil {
		t.Fatal(err)
	}
	if got := out.next(t); !strings.Contains(got.Headline, "已记为评论") {
		t.Errorf("confirmation: got %q", got.Headline)
	}
	comments, _ := f.st.Comments(t.Context(), f.alert.ID)
	notes, _ := f.st.AlertCauseNotes(t.Context(), f.alert.ID)
	if len(comments) != 1 || comments[0].Author != "slack:U0SOMEONE" || len(notes) != 0 {
		t.Errorf("got comments %+v and notes %+v, want one comment by slack:U0SOMEONE and no note", comments, notes)
	}
	// The parent metric's owner may explain too: visitors' owner zhang_wei is not gmv's parent
	// owner, so here the owner list is extended instead.
	e2 := bot.NewEngine(&fakeAnswerer{c: c}, f.st, bot.Options{Workers: 1, NoteAuthors: []string{"zhang_wei"}})
	start(t, e2)
	out2 := newRecorder()
	if err := e2.HandleMessage(t.Context(), threadReply("Ev2", "U0ZHANGWEI", "流量正常, 是转化问题"), out2); err != nil {
		t.Fatal(err)
	}
	out2.next(t)
	if notes, _ := f.st.AlertCauseNotes(t.Context(), f.alert.ID); len(notes) != 1 || notes[0].Author != "zhang_wei" {
		t.Errorf("got notes %+v, want one by zhang_wei", notes)
	}
}

func TestOverheardChatterOutsideAlertThreadsIsIgnored(t *testing.T) {
	c := demoCatalog(t)
	f := newAlertFixture(t, c)
	e := bot.NewEngine(&fakeAnswerer{c: c}, f.st, bot.Options{Workers: 1})
	start(t, e)
	out := newRecorder()
	m := threadReply("Ev1", "U0WANGFANG", "lunch?")
	m.Thread = "1700000000.999999"
	if err := e.HandleMessage(t.Context(), m, out); err != nil {
		t.Fatal(err)
	}
	// A later addressed message is answered; the chatter got nothing.
	if err := e.HandleMessage(t.Context(), msgOf("Ev2", "1700000099.000001", "GMV"), out); err != nil {
		t.Fatal(err)
	}
	if got := out.next(t); got.Headline != "answer to GMV" {
		t.Errorf("got %q, want the answer to the addressed message only", got.Headline)
	}
	if _, err := f.st.Event(t.Context(), store.EventKey{Platform: "slack", EventID: "Ev1"}); err == nil {
		t.Error("chatter was claimed as an event; want it left alone")
	}
}

func TestAlertButtonsChangeStatus(t *testing.T) {
	c := demoCatalog(t)
	f := newAlertFixture(t, c)
	e := bot.NewEngine(&fakeAnswerer{c: c}, f.st, bot.Options{Workers: 1})
	start(t, e)
	id := strconv.FormatInt(int64(f.alert.ID), 10)
	click := func(ev, action, user string) bot.Reply {
		out := newRecorder()
		err := e.HandleAction(t.Context(), bot.Action{EventID: ev, Platform: bot.Slack, Channel: alertChannel, Thread: alertThread,
			MessageID: alertThread, User: user, ID: action, Value: id}, out)
		if err != nil {
			t.Fatal(err)
		}
		return out.next(t)
	}
	if got := click("A1", bot.ActionAlertAck, "U0WANGFANG"); got.Headline != "@王芳 已确认: 11月18日 华东 销售额下降 31%" {
		t.Errorf("ack: got %q", got.Headline)
	}
	if got := click("A2", bot.ActionAlertAddCause, "U0WANGFANG"); !strings.Contains(got.Headline, "请 @王芳 直接在本帖回复原因") {
		t.Errorf("add cause: got %q", got.Headline)
	}
	if got := click("A3", bot.ActionAlertDismiss, "U0LILEI"); !strings.Contains(got.Headline, "@李雷 标记为不是异常") {
		t.Errorf("dismiss: got %q", got.Headline)
	}
	click("A4", bot.ActionAlertResolve, "U0OTHER")
	hist, err := f.st.AlertHistory(t.Context(), f.alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hist {
		got = append(got, string(h.From)+">"+string(h.To)+" by "+h.Actor)
	}
	want := []string{">open by metricbot", "open>acknowledged by wang_fang", "acknowledged>dismissed by li_lei", "dismissed>resolved by slack:U0OTHER"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// blockingResponder stands for a process that dies while confirming: Reply waits until the
// process is stopped.
type blockingResponder struct{ reached chan struct{} }

func (b *blockingResponder) Reply(ctx context.Context, _ bot.Reply) error {
	close(b.reached)
	<-ctx.Done()
	return ctx.Err()
}

func TestKilledAfterStoringThenRedeliveredStoresOneNote(t *testing.T) {
	c := demoCatalog(t)
	f := newAlertFixture(t, c)
	reply := threadReply("EvCrash", "U0WANGFANG", "支付通道故障, 14:00 恢复")

	// First process: the note is stored, then the process is killed while confirming, before
	// the event is marked answered.
	e1 := bot.NewEngine(&fakeAnswerer{c: c}, f.st, bot.Options{Workers: 1})
	ctx, kill := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e1.Run(ctx); close(done) }()
	br := &blockingResponder{reached: make(chan struct{})}
	if err := e1.HandleMessage(ctx, reply, br); err != nil {
		t.Fatal(err)
	}
	<-br.reached
	kill()
	<-done
	if ev, err := f.st.Event(t.Context(), store.EventKey{Platform: "slack", EventID: "EvCrash"}); err != nil || ev.Status != store.EventClaimed {
		t.Fatalf("event after the kill: got %+v, %v; want claimed, not answered", ev, err)
	}

	// The platform redelivers after the claim's lease ran out; a restarted process handles it.
	f.clock.Add(3 * time.Minute)
	st2 := f.open(t)
	e2 := bot.NewEngine(&fakeAnswerer{c: c}, st2, bot.Options{Workers: 1})
	start(t, e2)
	out := newRecorder()
	if err := e2.HandleMessage(t.Context(), reply, out); err != nil {
		t.Fatal(err)
	}
	if got := out.next(t); !strings.HasPrefix(got.Headline, "已记录原因说明") {
		t.Errorf("confirmation after redelivery: got %q", got.Headline)
	}
	notes, err := st2.AlertCauseNotes(t.Context(), f.alert.ID)
	if err != nil || len(notes) != 1 {
		t.Errorf("got %d notes (%v), want exactly 1", len(notes), err)
	}
	if ev, _ := st2.Event(t.Context(), store.EventKey{Platform: "slack", EventID: "EvCrash"}); ev.Status != store.EventAnswered {
		t.Errorf("event after redelivery: got %s, want answered", ev.Status)
	}
	// A further redelivery is a duplicate: no reply, no note.
	if err := e2.HandleMessage(t.Context(), reply, out); err != nil {
		t.Fatal(err)
	}
	if err := e2.HandleMessage(t.Context(), msgOf("EvNext", "1700000099.000001", "GMV"), out); err != nil {
		t.Fatal(err)
	}
	if got := out.next(t); got.Headline != "answer to GMV" {
		t.Errorf("got %q, want no reply to the duplicate", got.Headline)
	}
	if notes, _ := st2.AlertCauseNotes(t.Context(), f.alert.ID); len(notes) != 1 {
		t.Errorf("got %d notes after a duplicate, want 1", len(notes))
	}
}
