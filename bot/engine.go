package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/nlq"
)

// Store is what the engine keeps between messages: which events it has answered, each thread's
// conversation, the question log and feedback. Both state stores implement it.
type Store interface {
	ClaimEvent(ctx context.Context, key store.EventKey, lease time.Duration) (bool, error)
	MarkAnswered(ctx context.Context, key store.EventKey) error
	Conversation(ctx context.Context, key store.ThreadKey) (store.Conversation, error)
	SaveConversation(ctx context.Context, c store.Conversation) error
	LogQuestion(ctx context.Context, q store.Question) (store.Question, error)
	Question(ctx context.Context, id store.QuestionID) (store.Question, error)
	RecordFeedback(ctx context.Context, f store.Feedback) error
}

// Answerer answers questions; *answer.Answerer implements it.
type Answerer interface {
	Answer(ctx context.Context, question string, nc nlq.Context) *answer.Answer
	FromParse(ctx context.Context, res nlq.Result) *answer.Answer
	Catalog() *catalog.Catalog
	SQL(q catalog.Query) (string, error)
}

// Options configure an Engine.
type Options struct {
	// Workers answer questions concurrently (default 4); Queue bounds the questions waiting
	// (default 64). A full queue gets a polite "busy" reply.
	Workers, Queue int
	// Deadline bounds the work on one question (default 60s).
	Deadline time.Duration
	// PerUser limits each user's questions (default 10 a minute, bursts of 5).
	PerUser rate.Limit
	Burst   int
	// Lease is how long a claimed event stays claimed before another replica may take it over
	// (default 2 minutes).
	Lease time.Duration
	// Now reads the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Observer, if set, is told about every answered question (for metrics).
	Observer Observer
	// Alerts takes feedback in alert threads; default the Store, when it implements
	// AlertStore.
	Alerts AlertStore
	// NoteAuthors are catalog owner ids whose replies in any alert's thread are cause notes,
	// besides the owners of the metric and of its parent.
	NoteAuthors []string
	// Subscriptions, if set, answers digest subscription commands ("订阅 销售额 每天 9:00")
	// before a message is read as a question.
	Subscriptions SubscriptionCommands
}

// SubscriptionCommands answers subscription commands; ok is false when m is not one.
// *digest.Chat implements it.
type SubscriptionCommands interface {
	Handle(ctx context.Context, m Message, lang string) (r Reply, ok bool, err error)
}

// Observer is told about answered questions.
type Observer interface {
	QuestionAnswered(status, path string, took time.Duration)
}

// Engine is the conversation engine: it implements Handler for every adapter. It deduplicates
// redelivered events, keeps each thread's context so follow-ups build on the last question,
// answers commands and button clicks, and answers on a bounded pool of workers. It is safe for
// concurrent use.
type Engine struct {
	ans    Answerer
	store  Store
	alerts AlertStore // nil: no alert feedback
	opts   Options
	log    *slog.Logger
	jobs   chan func(context.Context)

	mu     sync.Mutex
	limits map[string]*rate.Limiter
}

var _ Handler = (*Engine)(nil)

// NewEngine returns an Engine; call Run to start its workers.
func NewEngine(ans Answerer, st Store, opts Options) *Engine {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Queue <= 0 {
		opts.Queue = 64
	}
	if opts.Deadline <= 0 {
		opts.Deadline = time.Minute
	}
	if opts.PerUser == 0 {
		opts.PerUser = rate.Every(6 * time.Second)
	}
	if opts.Burst <= 0 {
		opts.Burst = 5
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	alerts := opts.Alerts
	if as, ok := st.(AlertStore); ok && alerts == nil {
		alerts = as
	}
	return &Engine{ans: ans, store: st, alerts: alerts, opts: opts, log: opts.Logger,
		jobs: make(chan func(context.Context), opts.Queue), limits: map[string]*rate.Limiter{}}
}

// Run answers queued work until ctx ends, then waits for the questions in progress.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range e.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-e.jobs:
					job(ctx)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// ErrBusy is returned when the queue is full; the user has been told.
var ErrBusy = errors.New("bot: too many questions in progress")

// enqueue queues work with a per-question deadline, or tells the user the bot is busy.
func (e *Engine) enqueue(ctx context.Context, out Responder, lang string, work func(ctx context.Context)) error {
	job := func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, e.opts.Deadline)
		defer cancel()
		work(ctx)
	}
	select {
	case e.jobs <- job:
		return nil
	default:
		e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "现在问题有点多, 请稍后再问一次。", "I'm answering a lot of questions right now; please ask again in a minute.")})
		return ErrBusy
	}
}

func (e *Engine) allow(user string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.limits[user]
	if !ok {
		l = rate.NewLimiter(e.opts.PerUser, e.opts.Burst)
		e.limits[user] = l
	}
	return l.AllowN(e.opts.Now(), 1)
}

// HandleMessage queues a message for answering. A redelivered event is answered once.
func (e *Engine) HandleMessage(ctx context.Context, m Message, out Responder) error {
	lang := guessLang(m.Text)
	if m.Overheard {
		// Not addressed to the bot: recorded if the thread is an alert's, else ignored, and
		// never answered with "slow down".
		if e.alerts == nil {
			return nil
		}
		return e.enqueue(ctx, out, lang, func(ctx context.Context) { e.message(ctx, m, out) })
	}
	if !e.allow(string(m.Platform) + "/" + m.User) {
		e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "问得有点快了, 请稍等片刻再问。", "You're asking faster than I can keep up; please wait a moment.")})
		return nil
	}
	return e.enqueue(ctx, out, lang, func(ctx context.Context) { e.message(ctx, m, out) })
}

// HandleAction queues a button click.
func (e *Engine) HandleAction(ctx context.Context, a Action, out Responder) error {
	return e.enqueue(ctx, out, "zh", func(ctx context.Context) { e.action(ctx, a, out) })
}

// claim records that this replica answers event id; false means it was answered (or is being
// answered) already. A store failure answers anyway: a duplicate is better than silence.
func (e *Engine) claim(ctx context.Context, p Platform, id string) (store.EventKey, bool) {
	key := store.EventKey{Platform: string(p), EventID: id}
	if id == "" {
		return key, true
	}
	first, err := e.store.ClaimEvent(ctx, key, e.opts.Lease)
	if err != nil {
		e.log.Error("claim event failed; answering without deduplication", "err", err, "event", id)
		return key, true
	}
	if !first {
		e.log.Info("duplicate event ignored", "platform", p, "event", id)
	}
	return key, first
}

func (e *Engine) answered(ctx context.Context, key store.EventKey) {
	if key.EventID == "" {
		return
	}
	// The answer is out: record it, retrying a store that is briefly away, so a redelivery
	// after a restart is not answered twice.
	if err := store.Retry(ctx, func(ctx context.Context) error { return e.store.MarkAnswered(ctx, key) }); err != nil {
		e.log.Error("mark event answered", "err", err, "event", key.EventID)
	}
}

func storeKey(k ThreadKey) store.ThreadKey {
	return store.ThreadKey{Platform: string(k.Platform), Workspace: k.Workspace, Channel: k.Channel, Thread: k.Thread}
}

// conversation loads a thread's context; a failure is logged and the question is answered
// without context.
func (e *Engine) conversation(ctx context.Context, k ThreadKey) store.Conversation {
	c, err := e.store.Conversation(ctx, storeKey(k))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.log.Error("load conversation; answering without context", "err", err, "thread", k.Thread)
	}
	c.Key = storeKey(k)
	return c
}

func previous(c store.Conversation) *catalog.Query {
	if len(c.LastQuery) == 0 {
		return nil
	}
	var q catalog.Query
	if err := json.Unmarshal(c.LastQuery, &q); err != nil {
		return nil
	}
	return &q
}

func (e *Engine) message(ctx context.Context, m Message, out Responder) {
	if a, ok := e.alertOf(ctx, m); ok {
		e.alertReply(ctx, m, a, out)
		return
	}
	if m.Overheard {
		return
	}
	key, first := e.claim(ctx, m.Platform, m.EventID)
	if !first {
		return
	}
	defer e.answered(ctx, key)
	text := strings.TrimSpace(m.Text)
	lang := guessLang(text)
	conv := e.conversation(ctx, m.Key())
	if cmd, ok := command(text); ok {
		e.reply(ctx, out, e.runCommand(ctx, cmd, text, lang, conv))
		return
	}
	if e.opts.Subscriptions != nil {
		r, ok, err := e.opts.Subscriptions.Handle(ctx, m, lang)
		if err != nil {
			ref := answer.NewRef()
			e.log.Error("subscription command failed", "err", err, "ref", ref)
			r = Reply{Lang: lang, Ref: ref, Headline: fmt.Sprintf(msg(lang, "抱歉, 订阅没有保存成功, 请稍后再试 (参考编号 %s)。", "Sorry, I couldn't save that subscription; please try again later (reference %s)."), ref)}
		}
		if ok || err != nil {
			e.reply(ctx, out, r)
			return
		}
	}
	if p, ok := out.(Progress); ok {
		if err := p.Working(ctx); err != nil {
			e.log.Debug("show progress", "err", err)
		}
	}
	if correction, ok := correctionText(text); ok && lastVotedDown(conv) {
		e.recordCorrection(ctx, m, conv, correction, lang)
		e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "收到, 已记录您的纠正, 数据团队会据此改进。", "Thanks, I've recorded your correction for the data team.")})
		return
	}
	start := e.opts.Now()
	ans := e.ans.Answer(ctx, text, nlq.Context{Now: start, Previous: previous(conv), Lang: lang})
	took := e.opts.Now().Sub(start)
	if e.opts.Observer != nil {
		e.opts.Observer.QuestionAnswered(string(ans.Status), ans.Path, took)
	}
	qid := e.logQuestion(ctx, m, ans, took)
	e.reply(ctx, out, e.render(ans, qid))
	e.remember(ctx, conv, text, ans)
}

func (e *Engine) logQuestion(ctx context.Context, m Message, ans *answer.Answer, took time.Duration) store.QuestionID {
	var qj json.RawMessage
	if ans.Query != nil {
		qj, _ = json.Marshal(ans.Query)
	}
	status := map[answer.Status]string{answer.StatusAnswer: "answered", answer.StatusDefine: "answered",
		answer.StatusClarify: "clarified", answer.StatusRefuse: "refused", answer.StatusError: "failed"}[ans.Status]
	q, err := e.store.LogQuestion(ctx, store.Question{Platform: string(m.Platform), User: m.User, Channel: m.Channel,
		Text: m.Text, Query: qj, Status: status, Path: ans.Path, Latency: took, CreatedAt: e.opts.Now()})
	if err != nil {
		e.log.Error("log question", "err", err)
		return 0
	}
	return q.ID
}

// remember appends the exchange to the thread's conversation and keeps the last answered query
// for follow-ups.
func (e *Engine) remember(ctx context.Context, conv store.Conversation, text string, ans *answer.Answer) {
	now := e.opts.Now()
	conv.Turns = append(conv.Turns, store.Turn{Role: "user", Text: text, At: now})
	bt := store.Turn{Role: "bot", Text: ans.Headline, At: now}
	if ans.Query != nil && ans.Status == answer.StatusAnswer {
		qj, _ := json.Marshal(ans.Query)
		bt.Query = qj
		conv.LastQuery = qj
	}
	conv.Turns = append(conv.Turns, bt)
	if len(conv.Turns) > 40 {
		conv.Turns = conv.Turns[len(conv.Turns)-40:]
	}
	conv.UpdatedAt = now
	if err := e.store.SaveConversation(ctx, conv); err != nil {
		e.log.Error("save conversation", "err", err, "thread", conv.Key.Thread)
	}
}

// reply sends r, logging a failure with context (the adapter has already retried).
func (e *Engine) reply(ctx context.Context, out Responder, r Reply) {
	if err := out.Reply(ctx, r); err != nil {
		e.log.Error("send reply", "err", err, "headline", r.Headline)
	}
}

// render turns an answer into a neutral reply with buttons.
func (e *Engine) render(ans *answer.Answer, qid store.QuestionID) Reply {
	r := Reply{Lang: ans.Lang, Headline: ans.Headline, Text: ans.Lines, Context: ans.Context, Ref: ans.Ref}
	if ans.Table != nil && len(ans.Table.Rows) > 0 {
		t := *ans.Table
		if len(t.Rows) > 25 {
			t.Rows = t.Rows[:25]
			r.Context = append(r.Context, fmt.Sprintf(msg(ans.Lang, "表格只显示前 25 行 (共 %d 行)", "The table shows the first 25 of %d rows"), len(ans.Table.Rows)))
		}
		r.Table = &Table{Columns: t.Columns, Rows: t.Rows, Numeric: t.Numeric}
	}
	if ans.Chart != nil {
		r.Chart = &Image{PNG: ans.Chart, Name: "chart.png", Title: ans.ChartTitle, AltText: ans.ChartTitle}
	}
	if ans.Status == answer.StatusClarify {
		for i, o := range ans.Options {
			if i == 5 {
				break
			}
			b, _ := json.Marshal(o.Query)
			r.Buttons = append(r.Buttons, Button{ID: ActionChoose, Label: o.Label, Value: string(b)})
		}
		r.Text = nil
	}
	if ans.Status == answer.StatusAnswer && qid != 0 {
		id := strconv.FormatInt(int64(qid), 10)
		if d := e.suggestBreakdown(ans); d != nil {
			r.Buttons = append(r.Buttons, Button{ID: ActionBreakdown, Label: fmt.Sprintf(msg(ans.Lang, "按%s拆分", "By %s"), d.Label.In(ans.Lang)), Value: d.Name})
		}
		r.Buttons = append(r.Buttons,
			Button{ID: ActionShowSQL, Label: msg(ans.Lang, "查看 SQL", "Show SQL"), Value: id},
			Button{ID: ActionThumbsUp, Label: "👍", Value: id},
			Button{ID: ActionThumbsDown, Label: "👎", Value: id})
	}
	return r
}

// suggestBreakdown picks a dimension to offer: the child of a dimension already used, else the
// first dimension the metric can be broken down by that the query does not use.
func (e *Engine) suggestBreakdown(ans *answer.Answer) *catalog.Dimension {
	q := ans.Query
	if q == nil || len(q.Metrics) == 0 || len(q.GroupBy) > 1 {
		return nil
	}
	c := e.ans.Catalog()
	used := map[string]bool{}
	for _, g := range q.GroupBy {
		used[g] = true
	}
	for _, f := range q.Filters {
		used[f.Dimension] = true
	}
	var cands []*catalog.Dimension
	for _, d := range c.Dimensions {
		ok := true
		for _, name := range q.Metrics {
			m, _ := c.Metric(name)
			ok = ok && m != nil && c.CanGroupBy(m, d)
		}
		if ok && !used[d.Name] && d.Type != catalog.TimeDim {
			cands = append(cands, d)
		}
	}
	for _, d := range cands {
		if used[d.Parent] {
			return d
		}
	}
	for _, d := range cands {
		if d.Parent == "" {
			return d
		}
	}
	return nil
}

// ActionChoose picks one reading of a clarifying question; its value is the governed query.
const ActionChoose = "choose"

func (e *Engine) action(ctx context.Context, a Action, out Responder) {
	key, first := e.claim(ctx, a.Platform, a.EventID)
	if !first {
		return
	}
	defer e.answered(ctx, key)
	conv := e.conversation(ctx, a.Key())
	lang := "zh"
	if prev := lastBotLang(conv); prev != "" {
		lang = prev
	}
	switch a.ID {
	case ActionShowSQL:
		e.reply(ctx, out, e.showSQL(ctx, a.Value, conv, lang))
	case ActionThumbsUp, ActionThumbsDown:
		vote := store.VoteUp
		if a.ID == ActionThumbsDown {
			vote = store.VoteDown
		}
		id, _ := strconv.ParseInt(a.Value, 10, 64)
		fb := store.Feedback{Question: store.QuestionID(id), User: a.User, Vote: vote, CreatedAt: e.opts.Now()}
		if err := store.Retry(ctx, func(ctx context.Context) error { return e.store.RecordFeedback(ctx, fb) }); err != nil {
			e.log.Error("record feedback", "err", err, "question", id)
		}
		if vote == store.VoteUp {
			e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "谢谢反馈 👍", "Thanks for the feedback 👍")})
			return
		}
		conv.Turns = append(conv.Turns, store.Turn{Role: "vote", Text: a.Value, At: e.opts.Now()})
		if err := e.store.SaveConversation(ctx, conv); err != nil {
			e.log.Error("save conversation", "err", err)
		}
		e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang,
			"谢谢反馈。哪里不对? 在本帖回复「应该是……」告诉我您期望的指标或口径, 我会记录给数据团队。",
			"Thanks. What did you expect? Reply in this thread with \"I meant …\" and I'll pass it to the data team.")})
	case ActionBreakdown:
		prev := previous(conv)
		if prev == nil {
			e.reply(ctx, out, Reply{Lang: lang, Headline: msg(lang, "找不到上一个问题, 请重新提问。", "I can't find the previous question; please ask again.")})
			return
		}
		q := *prev
		q.GroupBy = append(append([]string(nil), q.GroupBy...), a.Value)
		q.Limit, q.OrderBy = 0, nil
		e.answerQuery(ctx, a, out, conv, q, lang)
	case ActionAlertAck, ActionAlertResolve, ActionAlertDismiss, ActionAlertAddCause:
		e.alertAction(ctx, a, out, lang)
	case ActionChoose:
		var q catalog.Query
		if err := json.Unmarshal([]byte(a.Value), &q); err != nil {
			e.log.Warn("bad choose action value", "err", err)
			return
		}
		e.answerQuery(ctx, a, out, conv, q, lang)
	default:
		e.log.Warn("unknown action", "id", a.ID)
	}
}

// answerQuery answers a governed query chosen by a button; it is validated like any other.
func (e *Engine) answerQuery(ctx context.Context, a Action, out Responder, conv store.Conversation, q catalog.Query, lang string) {
	ans := e.ans.FromParse(ctx, nlq.Result{Kind: nlq.Answer, Query: &q, Lang: lang})
	qid := e.logQuestion(ctx, Message{Platform: a.Platform, User: a.User, Channel: a.Channel, Text: "[" + a.ID + "]"}, ans, 0)
	e.reply(ctx, out, e.render(ans, qid))
	e.remember(ctx, conv, "["+a.ID+"]", ans)
}

func (e *Engine) showSQL(ctx context.Context, value string, conv store.Conversation, lang string) Reply {
	var q *catalog.Query
	if id, err := strconv.ParseInt(value, 10, 64); err == nil && id > 0 {
		if rec, err := e.store.Question(ctx, store.QuestionID(id)); err == nil && len(rec.Query) > 0 {
			var x catalog.Query
			if json.Unmarshal(rec.Query, &x) == nil {
				q = &x
			}
		}
	}
	if q == nil {
		q = previous(conv)
	}
	if q == nil {
		return Reply{Lang: lang, Headline: msg(lang, "这个帖子里还没有可以显示 SQL 的回答。", "There is no answer with SQL in this thread yet.")}
	}
	sql, err := e.ans.SQL(*q)
	if err != nil {
		e.log.Error("compile for show sql", "err", err)
		return Reply{Lang: lang, Headline: msg(lang, "这个查询的 SQL 暂时无法生成。", "I couldn't compile that query's SQL.")}
	}
	return Reply{Lang: lang, Headline: msg(lang, "这个回答用的 SQL (由指标目录编译, 参数已绑定):", "The SQL behind this answer (compiled from the catalog; values are bound parameters):"),
		Text: []string{"```\n" + sql + "\n```"}}
}

func lastVotedDown(c store.Conversation) bool {
	return len(c.Turns) > 0 && c.Turns[len(c.Turns)-1].Role == "vote"
}

func lastBotLang(c store.Conversation) string {
	for i := len(c.Turns) - 1; i >= 0; i-- {
		if c.Turns[i].Role == "user" {
			return guessLang(c.Turns[i].Text)
		}
	}
	return ""
}

func (e *Engine) recordCorrection(ctx context.Context, m Message, conv store.Conversation, correction, lang string) {
	id, _ := strconv.ParseInt(conv.Turns[len(conv.Turns)-1].Text, 10, 64)
	if err := e.store.RecordFeedback(ctx, store.Feedback{Question: store.QuestionID(id), User: m.User, Vote: store.VoteDown, Correction: correction, CreatedAt: e.opts.Now()}); err != nil {
		e.log.Error("record correction", "err", err)
	}
	conv.Turns = append(conv.Turns, store.Turn{Role: "user", Text: m.Text, At: e.opts.Now()})
	if err := e.store.SaveConversation(ctx, conv); err != nil {
		e.log.Error("save conversation", "err", err)
	}
}

func correctionText(s string) (string, bool) {
	for _, p := range []string{"应该是", "我是说", "我想问的是", "i meant", "i mean", "should be"} {
		if strings.HasPrefix(strings.ToLower(s), p) {
			return strings.TrimSpace(s[len(p):]), true
		}
	}
	return "", false
}

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// guessLang says "zh" when s has any Han character, else "en".
func guessLang(s string) string {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return "zh"
		}
	}
	if strings.TrimSpace(s) == "" {
		return "zh"
	}
	return "en"
}
