package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/retrieve"
	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/nlq/llm"
	"github.com/metricbot/metricbot/nlq/llm/llmtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const testKey = "sk-planner-test-0123456789"

var (
	demoOnce    sync.Once
	demoCatalog *catalog.Catalog
	demoParser  *nlq.Parser
	demoErr     error
)

// loadDemo returns the demo catalog and a rule parser for it.
func loadDemo(t testing.TB) (*catalog.Catalog, *nlq.Parser) {
	t.Helper()
	demoOnce.Do(func() {
		demoCatalog, demoErr = demo.Catalog()
		if demoErr == nil {
			demoParser, demoErr = nlq.New(context.Background(), demoCatalog, nil, nlq.Options{})
		}
	})
	if demoErr != nil {
		t.Fatalf("load demo catalog: %v", demoErr)
	}
	return demoCatalog, demoParser
}

// now is 2026-12-01 10:00 in Asia/Shanghai, a Tuesday.
func now() time.Time {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
}

func date(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

var november = catalog.TimeRange{Start: date("2026-11-01"), End: date("2026-12-01")}

// sleeps records the waits the planner asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

func newPlanner(t testing.TB, cfg llm.Config, log *slog.Logger, opts ...llm.Option) *llm.Planner {
	t.Helper()
	if cfg.Model == "" {
		cfg.Model = "test-model"
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	p, err := llm.New(cfg, log, opts...)
	if err != nil {
		t.Fatalf("llm.New: %v", err)
	}
	return p
}

// question is one the rule parser refuses: 营收 is no synonym in the demo catalog.
const question = "上个月华东的营收情况跟去年比怎么样"

const goodArgs = `{"action":"answer","metrics":["gmv"],"filters":{"region":{"op":"in","values":["华东"]}},
 "time_range":{"start":"2026-11-01","end":"2026-12-01"},"compare":"same_period_last_year"}`

var goodQuery = &catalog.Query{
	Metrics: []string{"gmv"},
	Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东"}}},
	Range:   november,
	Compare: catalog.YearOverYear,
}

func call(args string) llmtest.Reply { return llmtest.Call(llm.ToolName, args) }

func optionMetrics(opts []nlq.Option) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Metric)
	}
	return out
}

func TestPlanScripts(t *testing.T) {
	c, parser := loadDemo(t)
	nc := nlq.Context{Now: now()}
	rule := parser.Parse(question, nc)
	if rule.Kind != nlq.Refuse {
		t.Fatalf("rule reading of %q is %s, want refuse (the test relies on it)", question, rule.Kind)
	}
	tests := []struct {
		name         string
		script       []llmtest.Reply
		timeout      time.Duration
		key          string
		wantErr      error
		wantKind     nlq.Kind
		wantQuery    *catalog.Query
		wantConf     float64
		wantOptions  []string // option metrics, for Clarify
		wantRequests int
		wantSleeps   []time.Duration
	}{
		{name: "correct tool call", script: []llmtest.Reply{call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.8, wantRequests: 1},
		{name: "alias of a value is read as the stored value",
			script:   []llmtest.Reply{call(strings.Replace(goodArgs, `"华东"`, `"East China"`, 1))},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.8, wantRequests: 1},
		{name: "made-up metric, repaired",
			script:   []llmtest.Reply{call(strings.Replace(goodArgs, `"gmv"`, `"revenue_total"`, 1)), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.6, wantRequests: 2},
		{name: "made-up metric twice: ask with the top candidates",
			script: []llmtest.Reply{
				call(strings.Replace(goodArgs, `"gmv"`, `"revenue_total"`, 1)),
				call(strings.Replace(goodArgs, `"gmv"`, `"revenue_total"`, 1))},
			wantKind: nlq.Clarify, wantConf: 0.3, wantOptions: []string{"gmv", "shipping_fee", "order_count"}, wantRequests: 2},
		{name: "made-up value, repaired",
			script:   []llmtest.Reply{call(strings.Replace(goodArgs, `"华东"`, `"火星"`, 1)), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.6, wantRequests: 2},
		{name: "query that fails validation, repaired",
			script:   []llmtest.Reply{call(strings.Replace(goodArgs, `"2026-12-01"`, `"2026-10-01"`, 1)), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.6, wantRequests: 2},
		{name: "malformed JSON, repaired",
			script:   []llmtest.Reply{call(`{"action":"answer","metrics":["gmv"`), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.6, wantRequests: 2},
		{name: "malformed JSON twice: ask",
			script:   []llmtest.Reply{call(`{"metrics": gmv}`), call(`not json`)},
			wantKind: nlq.Clarify, wantConf: 0.3, wantOptions: []string{"gmv", "shipping_fee", "order_count"}, wantRequests: 2},
		{name: "text instead of a tool call, repaired",
			script:   []llmtest.Reply{llmtest.Text("销售额是 100 万"), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.6, wantRequests: 2},
		{name: "clarifying question from the LLM",
			script: []llmtest.Reply{call(`{"action":"clarify","question":"您指的是销售额还是运费收入?",
				"options":["gmv","shipping_fee"],"filters":{"region":{"values":["华东"]}},
				"time_range":{"start":"2026-11-01","end":"2026-12-01"}}`)},
			wantKind: nlq.Clarify, wantConf: 0.5, wantOptions: []string{"gmv", "shipping_fee"}, wantRequests: 1},
		{name: "slow reply past the timeout", script: []llmtest.Reply{llmtest.Hang()}, timeout: 50 * time.Millisecond,
			wantErr: llm.ErrTimeout, wantRequests: 1},
		{name: "429 with Retry-After is retried once",
			script:   []llmtest.Reply{llmtest.Error(429, "2", "rate limited"), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.8, wantRequests: 2, wantSleeps: []time.Duration{2 * time.Second}},
		{name: "429 asking for a long wait is not retried",
			script:  []llmtest.Reply{llmtest.Error(429, "120", "rate limited")},
			wantErr: llm.ErrRateLimited, wantRequests: 1},
		{name: "429 twice gives up",
			script:  []llmtest.Reply{llmtest.Error(429, "1", "rate limited"), llmtest.Error(429, "1", "rate limited")},
			wantErr: llm.ErrRateLimited, wantRequests: 2, wantSleeps: []time.Duration{time.Second}},
		{name: "500 is retried, then an error",
			script:  []llmtest.Reply{llmtest.Error(500, "", "boom"), llmtest.Error(500, "", "boom")},
			wantErr: llm.ErrServer, wantRequests: 2, wantSleeps: []time.Duration{500 * time.Millisecond}},
		{name: "500 then a correct reply",
			script:   []llmtest.Reply{llmtest.Error(503, "", "overloaded"), call(goodArgs)},
			wantKind: nlq.Answer, wantQuery: goodQuery, wantConf: 0.8, wantRequests: 2, wantSleeps: []time.Duration{500 * time.Millisecond}},
		{name: "wrong key is refused and not retried", key: "sk-wrong", wantErr: llm.ErrAuth},
		{name: "other 4xx is not retried", script: []llmtest.Reply{llmtest.Error(400, "", "context too long")},
			wantErr: llm.ErrRejected, wantRequests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, testKey, tt.script...)
			sl := &sleeps{}
			p := newPlanner(t, llm.Config{BaseURL: srv.URL, APIKey: tt.key, Timeout: tt.timeout}, nil, llm.WithSleep(sl.sleep))
			got, err := p.Plan(t.Context(), c, question, nc, rule)
			if n := len(srv.Requests()); n != tt.wantRequests {
				t.Errorf("got %d requests, want %d", n, tt.wantRequests)
			}
			if diff := cmp.Diff(tt.wantSleeps, sl.got()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Plan error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if got.Kind != tt.wantKind || got.Confidence != tt.wantConf || got.Lang != "zh" {
				t.Errorf("got kind %s confidence %v lang %q, want %s %v zh (text %q)", got.Kind, got.Confidence, got.Lang, tt.wantKind, tt.wantConf, got.Text)
			}
			if diff := cmp.Diff(tt.wantQuery, got.Query); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOptions, optionMetrics(got.Options)); diff != "" {
				t.Errorf("option metrics (-want +got):\n%s", diff)
			}
			for _, o := range got.Options {
				if o.Label == "" || o.Query == nil || o.Query.Validate(c) != nil {
					t.Errorf("option %+v: want a label and a valid query", o)
				}
			}
			if got.Kind == nlq.Clarify && got.Text == "" {
				t.Error("clarify without a question")
			}
			if got.Kind == nlq.Answer && !slices.Contains(got.Notes, "由大模型(LLM)理解问题") {
				t.Errorf("notes %q do not say the LLM read the question", got.Notes)
			}
		})
	}
}

func TestPlanRepairSendsProblemsBack(t *testing.T) {
	c, parser := loadDemo(t)
	nc := nlq.Context{Now: now()}
	bad := strings.Replace(goodArgs, `"gmv"`, `"revenue_total"`, 1)
	tests := []struct {
		name      string
		first     llmtest.Reply
		wantRoles []string
		wantIn    string // in the last message
	}{
		{"tool call answered with a tool result", call(bad), []string{"system", "user", "assistant", "tool"}, `"revenue_total" is not among the candidate metrics`},
		{"text answered with a user message", llmtest.Text("hello"), []string{"system", "user", "assistant", "user"}, "did not call plan_query"},
		{"malformed arguments", call(`{"metrics":`), []string{"system", "user", "assistant", "tool"}, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, testKey, tt.first, call(goodArgs))
			p := newPlanner(t, llm.Config{BaseURL: srv.URL}, nil)
			if _, err := p.Plan(t.Context(), c, question, nc, parser.Parse(question, nc)); err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("got %d requests, want 2", len(reqs))
			}
			var roles []string
			for _, m := range reqs[1].Messages {
				roles = append(roles, m.Role)
			}
			if diff := cmp.Diff(tt.wantRoles, roles); diff != "" {
				t.Fatalf("repair request roles (-want +got):\n%s", diff)
			}
			last := reqs[1].Messages[len(roles)-1]
			if !strings.Contains(last.Content, tt.wantIn) {
				t.Errorf("repair message %q does not contain %q", last.Content, tt.wantIn)
			}
			if last.Role == "tool" && last.ToolCallID != "call_1" {
				t.Errorf("tool result answers call %q, want call_1", last.ToolCallID)
			}
			if string(reqs[1].ToolChoice) != string(reqs[0].ToolChoice) || len(reqs[1].Tools) != 1 {
				t.Error("the repair request must offer and force the same tool")
			}
		})
	}
}

// schemaEnums pulls the enumerations out of plan_query's parameter schema.
type schemaEnums struct {
	Metrics []string
	GroupBy []string
	Values  map[string][]string // filter values by dimension
}

func readSchema(t *testing.T, raw json.RawMessage) schemaEnums {
	t.Helper()
	var s struct {
		Properties struct {
			Metrics struct{ Items struct{ Enum []string } }
			GroupBy struct{ Items struct{ Enum []string } } `json:"group_by"`
			Filters struct {
				Properties map[string]struct {
					Properties struct {
						Values struct{ Items struct{ Enum []string } }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("read tool schema: %v", err)
	}
	out := schemaEnums{Metrics: s.Properties.Metrics.Items.Enum, GroupBy: s.Properties.GroupBy.Items.Enum, Values: map[string][]string{}}
	for d, f := range s.Properties.Filters.Properties {
		out.Values[d] = f.Properties.Values.Items.Enum
	}
	return out
}

// promptCandidates reads the candidates listed in the user message.
func promptCandidates(user string) schemaEnums {
	out := schemaEnums{Values: map[string][]string{}}
	section, dim := "", ""
	for _, line := range strings.Split(user, "\n") {
		switch {
		case strings.HasPrefix(line, "Candidate metrics"):
			section = "m"
		case strings.HasPrefix(line, "Candidate dimensions"):
			section = "d"
		case line == "":
			section = ""
		case strings.HasPrefix(line, "- ") && section != "":
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "- "), ":")
			if section == "m" {
				out.Metrics = append(out.Metrics, name)
			} else {
				out.GroupBy, dim = append(out.GroupBy, name), name
			}
		case strings.HasPrefix(line, "  values: ") && section == "d":
			for _, v := range strings.Split(strings.TrimPrefix(line, "  values: "), "; ") {
				v, _, _ = strings.Cut(v, " (")
				out.Values[dim] = append(out.Values[dim], v)
			}
		}
	}
	return out
}

func TestRequestShape(t *testing.T) {
	c, parser := loadDemo(t)
	prev := &catalog.Query{Metrics: []string{"refund_rate"}, Range: november,
		Filters: []catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"天猫"}}}}
	tests := []struct {
		golden      string
		question    string
		prev        *catalog.Query
		wantMetrics []string // must be among the candidates
		wantValues  map[string][]string
	}{
		{"request_refused.golden", question, nil, []string{"gmv", "shipping_fee", "order_count"},
			map[string][]string{"region": {"华东"}}},
		{"request_followup_en.golden", "and what about the east, money wise", prev, []string{"refund_rate"},
			map[string][]string{"channel": {"天猫"}, "region": {"华东"}}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			nc := nlq.Context{Now: now(), Previous: tt.prev}
			srv := llmtest.NewServer(t, testKey, call(goodArgs))
			p := newPlanner(t, llm.Config{BaseURL: srv.URL, Model: "qwen-test"}, nil)
			if _, err := p.Plan(t.Context(), c, tt.question, nc, parser.Parse(tt.question, nc)); err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			req := reqs[0]
			if req.Model != "qwen-test" {
				t.Errorf("model = %q, want qwen-test", req.Model)
			}
			if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
				t.Fatalf("messages = %+v, want system then user", req.Messages)
			}
			if len(req.Tools) != 1 || req.Tools[0].Type != "function" || req.Tools[0].Function.Name != llm.ToolName {
				t.Fatalf("tools = %+v, want only %s", req.Tools, llm.ToolName)
			}
			if got, want := compact(t, req.ToolChoice), `{"type":"function","function":{"name":"plan_query"}}`; got != want {
				t.Errorf("tool_choice = %s, want %s", got, want)
			}
			user := req.Messages[1].Content
			got, listed := readSchema(t, req.Tools[0].Function.Parameters), promptCandidates(user)
			if diff := cmp.Diff(listed, got); diff != "" {
				t.Errorf("schema enums differ from the candidates in the prompt (-prompt +schema):\n%s", diff)
			}
			for _, m := range tt.wantMetrics {
				if !slices.Contains(got.Metrics, m) {
					t.Errorf("metric enum %q lacks %q", got.Metrics, m)
				}
			}
			for d, vs := range tt.wantValues {
				for _, v := range vs {
					if !slices.Contains(got.Values[d], v) {
						t.Errorf("values of %s %q lack %q", d, got.Values[d], v)
					}
				}
			}
			if len(got.Metrics) > llm.DefaultMaxCandidates || len(got.GroupBy) > llm.DefaultMaxCandidates {
				t.Errorf("%d metrics and %d dimensions offered, want at most %d each", len(got.Metrics), len(got.GroupBy), llm.DefaultMaxCandidates)
			}
			if tt.prev != nil && !strings.Contains(user, tt.prev.String()) {
				t.Errorf("user message does not show the previous query %s", tt.prev)
			}
			var schema bytes.Buffer
			json.Indent(&schema, req.Tools[0].Function.Parameters, "", "  ")
			golden(t, tt.golden, fmt.Sprintf("== system\n%s\n== user\n%s\n== plan_query parameters\n%s\n",
				req.Messages[0].Content, user, schema.String()))
		})
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("compact %s: %v", raw, err)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("rendered request differs from %s (-want +got):\n%s", path, cmp.Diff(string(want), got))
	}
}

// fakeIndex is a Retriever with fixed hits per kind.
type fakeIndex struct {
	hits map[retrieve.Kind][]retrieve.Hit
	err  error
}

func (f *fakeIndex) Search(ctx context.Context, query string, k int, kinds ...retrieve.Kind) ([]retrieve.Hit, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []retrieve.Hit
	for _, kind := range kinds {
		out = append(out, f.hits[kind]...)
	}
	return out[:min(k, len(out))], nil
}

func hit(kind retrieve.Kind, key, text, payload string) retrieve.Hit {
	return retrieve.Hit{Item: retrieve.Item{Kind: kind, Key: key, Text: text, Payload: json.RawMessage(payload)}}
}

func TestPlanWithIndex(t *testing.T) {
	c, _ := loadDemo(t)
	nc := nlq.Context{Now: now()}
	rule := nlq.Result{Kind: nlq.Refuse, Lang: "en"}
	idx := &fakeIndex{hits: map[retrieve.Kind][]retrieve.Hit{
		retrieve.KindExample: {
			hit(retrieve.KindExample, "q1", "GMV of East China last month", goodQuery.String()),
			hit(retrieve.KindExample, "q2", "old example", `{"metrics":["dropped_metric"],"time_range":{"start":"2026-01-01","end":"2026-02-01"}}`),
		},
		retrieve.KindMetric:    {hit(retrieve.KindMetric, "stale_metric", "", ""), hit(retrieve.KindMetric, "aov", "", "")},
		retrieve.KindValue:     {hit(retrieve.KindValue, "channel=天猫", "", ""), hit(retrieve.KindValue, "nowhere=x", "", "")},
		retrieve.KindDimension: {hit(retrieve.KindDimension, "category", "", "")},
	}}
	srv := llmtest.NewServer(t, testKey, call(goodArgs))
	p := newPlanner(t, llm.Config{BaseURL: srv.URL}, nil, llm.WithIndex(idx))
	got, err := p.Plan(t.Context(), c, "money in the east", nc, rule)
	if err != nil {
		t.Fatal(err)
	}
	if got.Lang != "en" || !slices.Contains(got.Notes, "read with the LLM") {
		t.Errorf("lang %q notes %q, want en and a note that the LLM read it", got.Lang, got.Notes)
	}
	req := srv.Requests()[0]
	enums := readSchema(t, req.Tools[0].Function.Parameters)
	want := schemaEnums{
		Metrics: []string{"gmv", "aov"},
		GroupBy: []string{"region", "channel", "category"},
		Values: map[string][]string{
			"region":   {"华东", "华北", "华南", "华中", "西南", "西北", "东北"},
			"channel":  {"天猫", "门店", "小程序", "京东", "抖音"},
			"category": {"家电", "食品", "服装", "美妆", "家居", "数码"},
		},
	}
	if diff := cmp.Diff(want, enums); diff != "" {
		t.Errorf("candidates from the index (-want +got):\n%s", diff)
	}
	user := req.Messages[1].Content
	if !strings.Contains(user, "GMV of East China last month -> "+goodQuery.String()) || strings.Contains(user, "old example") {
		t.Errorf("user message should show the valid example only:\n%s", user)
	}

	idx.err = errors.New("index down")
	if _, err := p.Plan(t.Context(), c, "money", nc, rule); !errors.Is(err, idx.err) {
		t.Errorf("Plan with a failing index: error %v, want it to wrap %v", err, idx.err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("a failed retrieval must not call the LLM: %d requests, want 1", n)
	}
}

func TestPlanGivesUpWithRuleReadings(t *testing.T) {
	c, _ := loadDemo(t)
	nc := nlq.Context{Now: now()}
	ruleQ := &catalog.Query{Metrics: []string{"units"}, Range: november}
	tests := []struct {
		name string
		rule nlq.Result
		want []string // option metrics ("" for the rule's own reading)
	}{
		{"low-confidence answer is offered first", nlq.Result{Kind: nlq.Answer, Query: ruleQ, Confidence: 0.5, Lang: "zh"},
			[]string{"", "gmv", "aov"}},
		{"rule options are kept", nlq.Result{Kind: nlq.Clarify, Lang: "zh", Options: []nlq.Option{
			{Label: "销量", Metric: "units", Query: ruleQ},
			{Label: "销售额", Metric: "gmv", Query: &catalog.Query{Metrics: []string{"gmv"}, Range: november}}}},
			[]string{"units", "gmv", "aov"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := call(`{"action":"answer","metrics":["nope"],"time_range":{"start":"2026-11-01","end":"2026-12-01"}}`)
			srv := llmtest.NewServer(t, testKey, bad, bad)
			idx := &fakeIndex{hits: map[retrieve.Kind][]retrieve.Hit{
				retrieve.KindMetric: {hit(retrieve.KindMetric, "gmv", "", ""), hit(retrieve.KindMetric, "aov", "", "")}}}
			p := newPlanner(t, llm.Config{BaseURL: srv.URL}, nil, llm.WithIndex(idx))
			got, err := p.Plan(t.Context(), c, "销", nc, tt.rule)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != nlq.Clarify {
				t.Fatalf("kind %s, want clarify", got.Kind)
			}
			if diff := cmp.Diff(tt.want, optionMetrics(got.Options)); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if got.Options[0].Query.Range != november {
				t.Errorf("first option period %s, want the rule's %s", got.Options[0].Query.Range, november)
			}
		})
	}
}

func TestPlanContextCancelled(t *testing.T) {
	c, parser := loadDemo(t)
	nc := nlq.Context{Now: now()}
	srv := llmtest.NewServer(t, testKey, llmtest.Error(429, "5", "slow down"))
	p := newPlanner(t, llm.Config{BaseURL: srv.URL}, nil)
	// The caller's deadline is sooner than the Retry-After: no retry, and no wait.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := p.Plan(ctx, c, question, nc, parser.Parse(question, nc))
	if !errors.Is(err, llm.ErrRateLimited) {
		t.Errorf("Plan error = %v, want rate limited", err)
	}
	var ce *llm.CallError
	if !errors.As(err, &ce) || ce.RetryAfter != 5*time.Second || ce.StatusCode != 429 {
		t.Errorf("Plan error = %#v, want a CallError with status 429 and RetryAfter 5s", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("got %d requests, want 1", n)
	}

	cancelled, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if _, err := p.Plan(cancelled, c, question, nc, parser.Parse(question, nc)); !errors.Is(err, context.Canceled) {
		t.Errorf("Plan with a cancelled context: error %v, want context.Canceled", err)
	}
}

func TestNeedsLLM(t *testing.T) {
	q := &catalog.Query{Metrics: []string{"gmv"}, Range: november}
	tests := []struct {
		name string
		rule nlq.Result
		want bool
	}{
		{"confident answer", nlq.Result{Kind: nlq.Answer, Query: q, Confidence: 1}, false},
		{"typo-corrected answer", nlq.Result{Kind: nlq.Answer, Query: q, Confidence: 0.85}, false},
		{"closest-metric guess", nlq.Result{Kind: nlq.Answer, Query: q, Confidence: 0.7}, true},
		{"unexplained words", nlq.Result{Kind: nlq.Answer, Query: q, Confidence: 1, Unexplained: []string{"老板"}}, true},
		{"clarify", nlq.Result{Kind: nlq.Clarify, Confidence: 0.6}, true},
		{"refuse", nlq.Result{Kind: nlq.Refuse}, true},
		{"definition", nlq.Result{Kind: nlq.Define, Confidence: 0.5, Unexplained: []string{"x"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := llm.NeedsLLM(tt.rule); got != tt.want {
				t.Errorf("NeedsLLM(%+v) = %v, want %v", tt.rule, got, tt.want)
			}
		})
	}
}

func TestNeedsLLMOnRuleReadings(t *testing.T) {
	_, parser := loadDemo(t)
	tests := []struct {
		q    string
		want bool
	}{
		{"上个月华东区销售额", false},
		{"GMV by region last month", false},
		{"销售额怎么算", false},
		{question, true},
		{"老板想知道上周卖得好不好", true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			r := parser.Parse(tt.q, nlq.Context{Now: now()})
			if got := llm.NeedsLLM(r); got != tt.want {
				t.Errorf("NeedsLLM(Parse(%q)) = %v (kind %s, confidence %v, unexplained %q), want %v", tt.q, got, r.Kind, r.Confidence, r.Unexplained, tt.want)
			}
		})
	}
}

func TestConfigHidesKey(t *testing.T) {
	c, parser := loadDemo(t)
	cfg := llm.Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", APIKey: testKey}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("configured", "llm", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logs.String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("the API key leaked into %q", s)
		}
	}
	// Nor do the planner's own logs carry it, through success, retries and repairs.
	nc := nlq.Context{Now: now()}
	srv := llmtest.NewServer(t, testKey, llmtest.Error(500, "", "boom"), call(`{"metrics":`), call(goodArgs),
		llmtest.Error(500, "", "boom"), llmtest.Error(500, "", "boom"))
	cfg.BaseURL = srv.URL
	p := newPlanner(t, cfg, log, llm.WithSleep((&sleeps{}).sleep))
	for range 2 {
		p.Plan(t.Context(), c, question, nc, parser.Parse(question, nc))
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("expected retry logs, got:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("the API key leaked into the planner's logs:\n%s", logs.String())
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     llm.Config
		wantErr []string
	}{
		{"complete", llm.Config{BaseURL: "http://127.0.0.1:11434/v1", Model: "qwen2.5"}, nil},
		{"azure", llm.Config{BaseURL: "http://127.0.0.1:1", Model: "gpt-4o", APIKey: "k", Azure: true, APIVersion: "2024-06-01"}, nil},
		{"empty", llm.Config{}, []string{"base_url is required", "model is required"}},
		{"negative", llm.Config{BaseURL: "x", Model: "m", Timeout: -1}, []string{"must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := llm.New(tt.cfg, nil)
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New: got no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{llm.EnvBaseURL: "http://127.0.0.1:8000/v1", llm.EnvModel: "deepseek-chat", llm.EnvAPIKey: "k"}
	got, ok := llm.ConfigFromEnv(func(k string) string { return env[k] })
	want := llm.Config{BaseURL: "http://127.0.0.1:8000/v1", Model: "deepseek-chat", APIKey: "k"}
	if !ok || got != want {
		t.Errorf("ConfigFromEnv = %v, %v, want %v, true", got, ok, want)
	}
	if _, ok := llm.ConfigFromEnv(func(string) string { return "" }); ok {
		t.Error("ConfigFromEnv with no base URL reports the planner on")
	}
}

func TestCatalogItems(t *testing.T) {
	c, _ := loadDemo(t)
	items := llm.CatalogItems(c)
	count := map[retrieve.Kind]int{}
	keys := map[string]bool{}
	for _, it := range items {
		count[it.Kind]++
		keys[string(it.Kind)+":"+it.Key] = true
		if it.Text == "" {
			t.Errorf("item %s %s has no text", it.Kind, it.Key)
		}
	}
	values := 0
	for _, d := range c.Dimensions {
		values += len(d.Values)
	}
	want := map[retrieve.Kind]int{retrieve.KindMetric: len(c.Metrics), retrieve.KindDimension: len(c.Dimensions), retrieve.KindValue: values}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("item counts (-want +got):\n%s", diff)
	}
	var sample []string
	for _, k := range []string{"metric:gmv", "dimension:region", "value:region=华东", "value:channel=天猫"} {
		if !keys[k] {
			sample = append(sample, k)
		}
	}
	sort.Strings(sample)
	if len(sample) > 0 {
		t.Errorf("items lack %q", sample)
	}
}

func TestPlanAzure(t *testing.T) {
	c, parser := loadDemo(t)
	nc := nlq.Context{Now: now()}
	srv := llmtest.NewAzureServer(t, testKey, call(goodArgs))
	p := newPlanner(t, llm.Config{BaseURL: srv.URL, Model: "gpt-4o", Azure: true, APIVersion: "2024-06-01"}, nil)
	got, err := p.Plan(t.Context(), c, question, nc, parser.Parse(question, nc))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(goodQuery, got.Query); diff != "" {
		t.Errorf("query over Azure (-want +got):\n%s", diff)
	}
}
