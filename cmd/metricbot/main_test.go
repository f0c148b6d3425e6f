package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/nlq/llm"
	"github.com/metricbot/metricbot/nlq/llm/llmtest"
)

// configFile points every command at a data directory (dataDir) shared by the tests of this
// package, so the demo warehouse is generated once.
var configFile, dataDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "metricbot-cmd-test")
	if err != nil {
		panic(err)
	}
	configFile, dataDir = filepath.Join(dir, "metricbot.yaml"), filepath.Join(dir, "data")
	if err := os.WriteFile(configFile, []byte("data_dir: "+dataDir+"\nlog_level: warn\n"), 0o644); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// mb runs the command line with the shared config and a fixed demo end.
func mb(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--config", configFile, "--demo-end", "2026-11-30")
	if len(args) > 0 && args[0] == "chat" {
		old := os.Stdin
		r, w, _ := os.Pipe()
		w.WriteString(stdin)
		w.Close()
		os.Stdin = r
		defer func() { os.Stdin = old }()
	}
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestQueryJSON(t *testing.T) {
	out, errs, code := mb(t, "", "query", "--metric", "gmv,order_count", "--by", "region", "--from", "2026-11-01", "--to", "2026-12-01", "--compare", "previous", "--top", "3", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Status  string
		SQL     string
		Columns []struct{ Name string }
		Rows    [][]any
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.Status != "ok" || got.SQL == "" || len(got.Rows) != 3 || got.Columns[0].Name != "region" {
		t.Errorf("got %+v", got)
	}
	if got.Rows[0][0] != "华东" {
		t.Errorf("top region: got %v, want 华东", got.Rows[0][0])
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"query", "--metric", "gvm"}, `unknown metric "gvm" (did you mean "gmv"?)`},
		{[]string{"query", "--metric", "visitors", "--by", "category"}, `cannot be broken down by "category"`},
		{[]string{"query", "--metric", "gmv", "--from", "2026-13-01"}, `--from`},
		{[]string{"query", "--metric", "gmv", "--compare", "sideways"}, `--compare`},
		{[]string{"catalog", "show", "refnd_rate"}, `did you mean "refund_rate"?`},
		{[]string{"nonsense"}, `unknown command`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errs, code := mb(t, "", tc.args...)
			if code == 0 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want a failure mentioning %q", code, errs, tc.want)
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	out, errs, code := mb(t, "", "query", "--metric", "aov", "--by", "region", "--dry-run", "--dialect", "mysql")
	if code != 0 || !strings.Contains(out, "`region`") || !strings.Contains(out, "-- $1 = ") {
		t.Errorf("exit %d, stderr %s, out:\n%s", code, errs, out)
	}
}

func TestCatalogValidate(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "m.yaml"), []byte("metrics:\n  - name: x\n    labl: y\n"), 0o644)
	out, _, code := mb(t, "", "catalog", "validate", dir)
	if code != 1 || !strings.Contains(out, "m.yaml:3:5: unknown field \"labl\" (did you mean \"label\"?)") {
		t.Errorf("exit %d, out:\n%s", code, out)
	}
	out, errs, code := mb(t, "", "catalog", "validate")
	if code != 0 || !strings.Contains(out, "ok: ") {
		t.Errorf("demo catalog: exit %d %s %s", code, out, errs)
	}
}

func TestAskJSON(t *testing.T) {
	out, errs, code := mb(t, "", "ask", "上个月华东区销售额多少?", "--now", "2026-12-01", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Status string
		Text   string
		Query  struct {
			Metrics []string
			Filters []struct {
				Dimension string
				Values    []string
			}
		}
		Rows [][]any
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "answer" || len(got.Rows) != 1 || got.Query.Metrics[0] != "gmv" || got.Query.Filters[0].Values[0] != "华东" {
		t.Errorf("got %+v", got)
	}
	if !strings.Contains(got.Text, "2026-11-01 至 2026-11-30") || !strings.Contains(got.Text, "口径") {
		t.Errorf("text lacks the period or the definition:\n%s", got.Text)
	}
}

func TestChatFollowUps(t *testing.T) {
	out, errs, code := mb(t, "上个月各大区的销售额\n按渠道拆一下\nwhat about last year?\n", "chat", "--now", "2026-12-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"销售额按大区 (7项)", "销售额按大区和渠道 (35项)", "2025-01-01 to 2025-12-31"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

// TestAskWithLLM checks the wiring of the LLM planner: a question the rules cannot read goes to
// the configured endpoint, whose tool call is validated and answered; no LLM is called for a
// question the rules read.
func TestAskWithLLM(t *testing.T) {
	srv := llmtest.NewServer(t, "sk-test", llmtest.Call(llm.ToolName,
		`{"action":"answer","metrics":["gmv"],"filters":{"region":{"op":"in","values":["华东"]}},"time_range":{"start":"2026-11-01","end":"2026-12-01"}}`))
	t.Setenv("METRICBOT_LLM_BASE_URL", srv.URL)
	t.Setenv("METRICBOT_LLM_MODEL", "test-model")
	t.Setenv("METRICBOT_LLM_API_KEY", "sk-test")

	out, errs, code := mb(t, "", "ask", "上个月各大区的销售额", "--now", "2026-12-01", "--format", "json")
	if code != 0 || !strings.Contains(out, `"path": "rule"`) || len(srv.Requests()) != 0 {
		t.Fatalf("a question the rules read went to the LLM (exit %d, %d requests): %s %s", code, len(srv.Requests()), out, errs)
	}
	// A question someone confirmed with 👍 is offered to the LLM as an example.
	st, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "state.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.LogQuestion(context.Background(), store.Question{Platform: "slack", User: "U1", Text: "how much money did the eastern business make last month",
		Query: json.RawMessage(`{"metrics":["gmv"],"filters":[{"dimension":"region","op":"in","values":["华东"]}],"time_range":{"start":"2026-11-01","end":"2026-12-01"}}`), Status: "answered", Path: "rule"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordFeedback(context.Background(), store.Feedback{Question: q.ID, User: "U1", Vote: store.VoteUp}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errs, code = mb(t, "", "ask", "how did the eastern business do in terms of money last month, roughly", "--now", "2026-12-01", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if len(srv.Requests()) != 1 || !strings.Contains(out, `"path": "llm"`) || !strings.Contains(out, `"华东"`) {
		t.Errorf("got %d LLM requests and answer:\n%s", len(srv.Requests()), out)
	}
	if reqs := srv.Requests(); len(reqs) == 1 && !strings.Contains(fmt.Sprint(reqs[0].Messages), "how much money did the eastern business make last month") {
		t.Errorf("the verified example was not offered to the LLM:\n%v", reqs[0].Messages)
	}
	if strings.Contains(out+errs, "sk-test") {
		t.Error("the API key leaked into the output")
	}
}

func TestLoopCommands(t *testing.T) {
	out, errs, code := mb(t, "", "digest", "--dry-run", "--metrics", "gmv,refund_rate", "--now", "2026-12-01")
	if code != 0 || !strings.Contains(out, "每日指标简报 · 2026-11-30") || !strings.Contains(out, "退款率") {
		t.Errorf("digest: exit %d, stderr %s, out:\n%s", code, errs, out)
	}
	out, errs, code = mb(t, "", "review", "--since", "7d", "--now", "2026-12-01")
	if code != 0 || !strings.Contains(out, "预警复盘") {
		t.Errorf("review: exit %d, stderr %s, out:\n%s", code, errs, out)
	}
	out, errs, code = mb(t, "", "alerts", "check", "--from", "2026-11-18", "--to", "2026-11-19", "--format", "json")
	if code != 0 || !strings.Contains(out, `"region": "华东"`) || !strings.Contains(out, `"channel": "小程序"`) {
		t.Errorf("alerts check: exit %d, stderr %s, out:\n%s", code, errs, out)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServe starts serve with no chat platform and checks its HTTP endpoints and shutdown.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--config", configFile, "--demo-end", "2026-11-30", "--now", "2026-12-01"}, &out, &errb)
	}()
	base := ""
	deadline := time.Now().Add(60 * time.Second)
	for base == "" {
		if m := regexp.MustCompile(`GET (http://127\.0\.0\.1:\d+)/api/ask`).FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	if got := get("/healthz"); strings.TrimSpace(got) != "ok" {
		t.Errorf("healthz: %q", got)
	}
	if got := get("/api/ask?q=" + url.QueryEscape("上个月销售额")); !strings.Contains(got, `"status":"answer"`) {
		t.Errorf("api/ask: %s", got)
	}
	if got := get("/metrics"); !strings.Contains(got, `metricbot_questions_total{path="rule",status="answer"} 1`) {
		t.Errorf("metrics lack the answered question:\n%s", got)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d after cancel: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

// TestDemoLoad loads a small demo into a warehouse of its own and queries it with the demo
// catalog, as a data team trying metricbot on their engine would.
func TestDemoLoad(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "wh.db")
	out, errs, code := mb(t, "", "demo", "load", "--warehouse", dsn, "--scale", "0.02", "--days", "40")
	if code != 0 || !strings.Contains(out, "loaded 40 days of demo data ending 2026-11-30") {
		t.Fatalf("demo load: exit %d: %s %s", code, out, errs)
	}
	out, errs, code = mb(t, "", "query", "--catalog", "../../internal/demo/catalog", "--warehouse", dsn,
		"--metric", "gmv", "--by", "region", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "json")
	if code != 0 || !strings.Contains(out, `"华东"`) {
		t.Errorf("query on the loaded warehouse: exit %d: %s %s", code, out, errs)
	}
	if _, errs, code := mb(t, "", "demo", "load", "--warehouse", dsn, "--days", "40"); code != 1 || !strings.Contains(errs, "already has a table") {
		t.Errorf("loading again without --replace: exit %d: %s", code, errs)
	}
	if _, errs, code := mb(t, "", "demo", "load", "--warehouse", dsn, "--days", "40", "--scale", "0.02", "--replace"); code != 0 {
		t.Errorf("loading again with --replace: exit %d: %s", code, errs)
	}
	if _, errs, code := mb(t, "", "demo", "load"); code != 2 || !strings.Contains(errs, "--warehouse DSN is required") {
		t.Errorf("demo load without a warehouse: exit %d: %s", code, errs)
	}
}
