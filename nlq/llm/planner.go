package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/retrieve"
	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/prompts"
)

// Config says which OpenAI-compatible chat endpoint and model the planner uses.
type Config struct {
	// BaseURL is the API root the client appends "/chat/completions" to, such as
	// "http://127.0.0.1:11434/v1"; for Azure, the resource endpoint.
	BaseURL string
	Model   string
	// APIKey is sent as a bearer token (as the api-key header for Azure). It may be empty for
	// servers that need none. It is a secret: it prints as <secret> and is never logged.
	APIKey string
	// Timeout bounds each call to the endpoint; default 20s.
	Timeout time.Duration
	// MaxCandidates bounds the metrics, and separately the dimensions, offered; default 8.
	MaxCandidates int
	// Azure selects the Azure OpenAI protocol; APIVersion is its api-version (default the
	// client's).
	Azure      bool
	APIVersion string
}

// Defaults for Config.
const (
	DefaultTimeout       = 20 * time.Second
	DefaultMaxCandidates = 8
)

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("llm base_url is required"))
	}
	if c.Model == "" {
		errs = append(errs, errors.New("llm model is required"))
	}
	if c.Timeout < 0 || c.MaxCandidates < 0 {
		errs = append(errs, errors.New("llm timeout and max_candidates must not be negative"))
	}
	return errors.Join(errs...)
}

// LogValue keeps the API key out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("model", c.Model),
		slog.String("api_key", "<secret>"), slog.Duration("timeout", c.Timeout), slog.Bool("azure", c.Azure))
}

// String keeps the API key out of printed values.
func (c Config) String() string {
	return fmt.Sprintf("{BaseURL:%s Model:%s APIKey:<secret> Timeout:%s MaxCandidates:%d Azure:%t}",
		c.BaseURL, c.Model, c.Timeout, c.MaxCandidates, c.Azure)
}

// GoString keeps the API key out of %#v.
func (c Config) GoString() string { return "llm.Config" + c.String() }

// The environment variables read by ConfigFromEnv.
const (
	EnvBaseURL = "METRICBOT_LLM_BASE_URL"
	EnvModel   = "METRICBOT_LLM_MODEL"
	EnvAPIKey  = "METRICBOT_LLM_API_KEY"
)

// ConfigFromEnv reads EnvBaseURL, EnvModel and EnvAPIKey through getenv (os.Getenv). It reports
// false when no base URL is set: the planner is then off.
func ConfigFromEnv(getenv func(string) string) (Config, bool) {
	cfg := Config{BaseURL: getenv(EnvBaseURL), Model: getenv(EnvModel), APIKey: getenv(EnvAPIKey)}
	return cfg, cfg.BaseURL != ""
}

// Option adjusts a Planner.
type Option func(*Planner)

// WithIndex makes the planner find candidates with idx, which must hold CatalogItems of the
// catalogs passed to Plan (and any verified examples). Without it the planner matches the
// question lexically against each catalog (retrieve.Lexical), built once per catalog.
func WithIndex(idx Retriever) Option { return func(p *Planner) { p.index = idx } }

// WithSleep replaces the wait before a retry; it must return early with ctx's error when ctx
// ends. Tests use it to retry without waiting.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(p *Planner) { p.sleep = sleep }
}

// WithClock replaces the clock used when a question's context has no time, and to read
// Retry-After dates.
func WithClock(now func() time.Time) Option { return func(p *Planner) { p.now = now } }

// Planner reads questions that the rule parser is unsure of with an LLM, which may only choose
// among candidates retrieved from the catalog and answers through one tool call. It never sends
// warehouse rows: it has no access to the warehouse. It is safe for concurrent use.
type Planner struct {
	client *openai.Client
	cfg    Config
	log    *slog.Logger
	index  Retriever
	sleep  func(context.Context, time.Duration) error
	now    func() time.Time

	mu     sync.Mutex
	lexFor *catalog.Catalog
	lex    *retrieve.Lexical
}

// New returns a Planner for cfg. log may be nil to discard logs.
func New(cfg Config, log *slog.Logger, opts ...Option) (*Planner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configure llm planner: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxCandidates == 0 {
		cfg.MaxCandidates = DefaultMaxCandidates
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var oc openai.ClientConfig
	if cfg.Azure {
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		if cfg.APIVersion != "" {
			oc.APIVersion = cfg.APIVersion
		}
	} else {
		oc = openai.DefaultConfig(cfg.APIKey)
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	oc.HTTPClient = &http.Client{Transport: headerTransport{base: http.DefaultTransport}}
	p := &Planner{client: openai.NewClientWithConfig(oc), cfg: cfg, log: log, sleep: sleepCtx, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// ConfidenceThreshold is the rule confidence below which NeedsLLM asks the LLM.
const ConfidenceThreshold = 0.75

// NeedsLLM reports whether a rule reading should be handed to the planner: it refused or asked,
// its confidence is below ConfidenceThreshold, or it left content words unexplained. Definition
// questions stay with the rules.
func NeedsLLM(rule nlq.Result) bool {
	switch rule.Kind {
	case nlq.Refuse, nlq.Clarify:
		return true
	case nlq.Define:
		return false
	}
	return rule.Confidence < ConfidenceThreshold || len(rule.Unexplained) > 0
}

// maxQuestionRunes bounds the question sent, as the rule parser bounds what it reads.
const maxQuestionRunes = 400

// Confidence of the planner's results.
const (
	confidenceFirst    = 0.8 // a valid query on the first reply
	confidenceRepaired = 0.6 // a valid query after the repair round
	confidenceClarify  = 0.5 // the LLM asked
	confidenceGaveUp   = 0.3 // neither reply was usable: the planner asks
)

// Plan reads question with the LLM. rule is the rule parser's reading, whose readings and
// metrics are among the candidates; nc gives today's date, the previous query and the reply
// language. The LLM's reply is validated like any other query; when it fails, the problems are
// sent back once for a repair, and when that fails too Plan returns a clarifying question offering
// the rule's readings or the closest candidates. An error (timeout, rate limit, server error
// after one retry, refused key, failed retrieval) means the caller should keep the rule reading.
func (p *Planner) Plan(ctx context.Context, c *catalog.Catalog, question string, nc nlq.Context, rule nlq.Result) (nlq.Result, error) {
	question = clip(question, maxQuestionRunes)
	lang := rule.Lang
	if lang == "" {
		lang = nc.Lang
	}
	if lang != "en" {
		lang = "zh"
	}
	now := nc.Now
	if now.IsZero() {
		now = p.now()
	}
	if c.Location != nil {
		now = now.In(c.Location)
	}
	today := catalog.DateOf(now)

	idx, err := p.retriever(ctx, c)
	if err != nil {
		return nlq.Result{}, err
	}
	cs, err := pickCandidates(ctx, idx, c, question, nc.Previous, rule, p.cfg.MaxCandidates)
	if err != nil {
		return nlq.Result{}, fmt.Errorf("plan question: %w", err)
	}
	data := prompts.Planner{Lang: lang, Question: question, Today: today.String(), Weekday: today.Weekday().String(),
		Timezone: c.TimeZone, Examples: cs.examples}
	data.Metrics, data.Dimensions = cs.promptData(c)
	if nc.Previous != nil {
		data.Previous = nc.Previous.String()
	}
	sys, err := prompts.Render(prompts.System, data)
	if err != nil {
		return nlq.Result{}, fmt.Errorf("plan question: %w", err)
	}
	user, err := prompts.Render(prompts.User, data)
	if err != nil {
		return nlq.Result{}, fmt.Errorf("plan question: %w", err)
	}
	schema, err := json.Marshal(toolSchema(cs))
	if err != nil {
		return nlq.Result{}, fmt.Errorf("plan question: encode tool schema: %w", err)
	}
	req := openai.ChatCompletionRequest{
		Model: p.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: sys},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name:        ToolName,
			Description: "Answer with the governed query that reads the question, or ask a clarifying question.",
			Parameters:  json.RawMessage(schema),
		}}},
		ToolChoice: openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: ToolName}},
	}
	log := p.log.With("model", p.cfg.Model, "metrics", len(cs.metrics), "dimensions", len(cs.dims))

	fallback := fallbackRange(rule, nc.Previous, today)
	for round := 0; round < 2; round++ {
		start := time.Now()
		msg, err := p.complete(ctx, req)
		if err != nil {
			return nlq.Result{}, fmt.Errorf("plan question with %s (round %d): %w", p.cfg.Model, round+1, err)
		}
		res, problems := p.read(c, cs, msg, fallback, lang)
		log.Debug("llm replied", "round", round, "elapsed", time.Since(start), "problems", len(problems))
		if problems == nil {
			if res.Kind == nlq.Answer {
				res.Confidence = confidenceFirst
				if round > 0 {
					res.Confidence = confidenceRepaired
				}
			}
			return res, nil
		}
		if round == 1 {
			log.Info("llm reply still invalid after repair; asking the user", "problems", problems)
			break
		}
		repair, err := prompts.Render(prompts.Repair, prompts.RepairData{Problems: problems})
		if err != nil {
			return nlq.Result{}, fmt.Errorf("plan question: %w", err)
		}
		req.Messages = append(req.Messages, repairMessages(msg, repair)...)
	}
	return giveUp(c, cs, rule, fallback, lang), nil
}

// retriever returns the configured index, or a lexical one over c's items.
func (p *Planner) retriever(ctx context.Context, c *catalog.Catalog) (Retriever, error) {
	if p.index != nil {
		return p.index, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lexFor != c {
		lex := retrieve.NewLexical()
		if err := lex.Upsert(ctx, CatalogItems(c)); err != nil {
			return nil, fmt.Errorf("index catalog for the llm planner: %w", err)
		}
		p.lexFor, p.lex = c, lex
	}
	return p.lex, nil
}

// repairMessages returns the messages that send problems back: the assistant's reply, then a
// tool result for each of its tool calls (the API requires one per call), or a user message when
// it made none.
func repairMessages(reply openai.ChatCompletionMessage, repair string) []openai.ChatCompletionMessage {
	reply.Role = openai.ChatMessageRoleAssistant
	out := []openai.ChatCompletionMessage{reply}
	if len(reply.ToolCalls) == 0 {
		return append(out, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser,
			Content: repair + "\nAnswer only by calling the " + ToolName + " tool."})
	}
	for i, tc := range reply.ToolCalls {
		content := repair
		if i > 0 {
			content = "ignored: call " + ToolName + " once"
		}
		out = append(out, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: tc.ID,
			Name: tc.Function.Name, Content: content})
	}
	return out
}

// read turns the LLM's reply into a result, or into the problems to send back.
func (p *Planner) read(c *catalog.Catalog, cs *candidates, msg openai.ChatCompletionMessage, fallback catalog.TimeRange, lang string) (nlq.Result, []string) {
	i := slices.IndexFunc(msg.ToolCalls, func(tc openai.ToolCall) bool { return tc.Function.Name == ToolName })
	if i < 0 {
		return nlq.Result{}, []string{"the reply did not call " + ToolName}
	}
	args, err := decodeArgs(msg.ToolCalls[i].Function.Arguments)
	if err != nil {
		p.log.Debug("llm arguments unreadable", "err", err, "arguments", compactJSON(msg.ToolCalls[i].Function.Arguments))
		return nlq.Result{}, []string{err.Error()}
	}
	note := inLang(lang, "由大模型(LLM)理解问题", "read with the LLM")
	switch args.Action {
	case actionAnswer:
		q, problems := args.query(c, cs, args.Metrics, catalog.TimeRange{})
		if problems != nil {
			return nlq.Result{}, problems
		}
		return nlq.Result{Kind: nlq.Answer, Query: q, Lang: lang, Notes: []string{note}}, nil
	case actionClarify:
		res := nlq.Result{Kind: nlq.Clarify, Lang: lang, Confidence: confidenceClarify, Notes: []string{note},
			Text: clip(args.Question, 300)}
		var problems []string
		for _, m := range args.Options {
			if len(res.Options) == maxOptions {
				break
			}
			q, probs := args.query(c, cs, []string{m}, fallback)
			if probs != nil {
				problems = append(problems, fmt.Sprintf("option %q: %s", m, strings.Join(probs, "; ")))
				continue
			}
			res.Options = append(res.Options, nlq.Option{Label: metricLabel(c, m, lang), Metric: m, Query: q})
		}
		if len(res.Options) == 0 {
			return nlq.Result{}, append(problems, "clarify needs at least one option among the candidate metrics")
		}
		if res.Text == "" {
			res.Text = inLang(lang, "您指的是哪个指标?", "Which metric do you mean?")
		}
		return res, nil
	}
	return nlq.Result{}, []string{fmt.Sprintf("action %q must be answer or clarify", args.Action)}
}

// giveUp asks the user after two unusable replies, offering the rule's readings or queries over
// the top candidate metrics.
func giveUp(c *catalog.Catalog, cs *candidates, rule nlq.Result, fallback catalog.TimeRange, lang string) nlq.Result {
	res := nlq.Result{Kind: nlq.Clarify, Lang: lang, Confidence: confidenceGaveUp,
		Text: inLang(lang, "没能确定问题的意思,您想看的是哪一个?", "I could not work out what you mean; which of these?")}
	seen := map[string]bool{}
	add := func(o nlq.Option) {
		if o.Query == nil || len(res.Options) == maxOptions || seen[o.Query.String()] || o.Query.Validate(c) != nil {
			return
		}
		seen[o.Query.String()] = true
		res.Options = append(res.Options, o)
	}
	if rule.Kind == nlq.Answer && rule.Query != nil {
		add(nlq.Option{Label: queryLabel(c, rule.Query, lang), Query: rule.Query})
	}
	for _, o := range rule.Options {
		add(o)
	}
	for _, m := range cs.metrics {
		if len(res.Options) >= 3 {
			break
		}
		add(nlq.Option{Label: metricLabel(c, m.Name, lang), Metric: m.Name,
			Query: &catalog.Query{Metrics: []string{m.Name}, Range: fallback}})
	}
	if len(res.Options) == 0 {
		return rule
	}
	return res
}

// fallbackRange is the period used when the LLM names none: the rule reading's, else the
// previous query's, else the last 30 complete days.
func fallbackRange(rule nlq.Result, prev *catalog.Query, today catalog.Date) catalog.TimeRange {
	switch {
	case rule.Query != nil && rule.Query.Range.Valid():
		return rule.Query.Range
	case prev != nil && prev.Range.Valid():
		return prev.Range
	}
	return catalog.TimeRange{Start: today.AddDays(-30), End: today}
}

func metricLabel(c *catalog.Catalog, name, lang string) string {
	if m, ok := c.Metric(name); ok {
		if l := m.Label.In(lang); l != "" {
			return l
		}
	}
	return name
}

// queryLabel names a query's metrics for an option.
func queryLabel(c *catalog.Catalog, q *catalog.Query, lang string) string {
	var labels []string
	for _, m := range q.Metrics {
		labels = append(labels, metricLabel(c, m, lang))
	}
	last := q.Range.End.AddDays(-1)
	period := q.Range.Start.String()
	if last != q.Range.Start {
		period += inLang(lang, " 至 ", " to ") + last.String()
	}
	return strings.Join(labels, inLang(lang, "、", ", ")) + " (" + period + ")"
}

// clip trims s and cuts it to n runes.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n]) + "…"
	}
	return s
}

func inLang(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}
