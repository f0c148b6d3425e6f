package eval

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/compile"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/nlq"
)

func TestDevSet(t *testing.T) {
	cases, err := Dev()
	if err != nil {
		t.Fatalf("load dev set: %v", err)
	}
	if got, want := len(cases), 300; got < want {
		t.Errorf("got %d questions, want at least %d", got, want)
	}
	zh, intents := 0, map[string]int{}
	metrics := map[string]bool{}
	for _, c := range cases {
		if c.Lang == "zh" {
			zh++
			if !hasHan(c.Question) {
				t.Errorf("%s: lang zh but no Chinese in %q", c.ID, c.Question)
			}
		}
		intents[c.Intent]++
		if c.Expect.Query != nil && c.Expect.Query.Metrics != nil {
			for _, m := range *c.Expect.Query.Metrics {
				metrics[m] = true
			}
		}
		metrics[c.Expect.Metric] = true
	}
	if got := float64(zh) / float64(len(cases)); got < 0.6 {
		t.Errorf("got %.1f%% Chinese questions, want at least 60%%", 100*got)
	}
	for _, in := range Intents {
		if intents[in] < 10 {
			t.Errorf("intent %s: got %d questions, want at least 10", in, intents[in])
		}
	}
	demo := []string{"gmv", "order_count", "aov", "units", "cost", "gross_profit", "gross_margin", "shipping_fee",
		"refund_amount", "refund_rate", "new_customers", "active_customers", "visitors", "conversion_rate",
		"avg_item_price", "max_line_amount", "min_line_amount", "online_order_share", "gmv_mtd", "gmv_ytd",
		"active_customers_30d"}
	for _, m := range demo {
		if !metrics[m] {
			t.Errorf("no question about metric %s", m)
		}
	}
}

func TestSmokeSet(t *testing.T) {
	fh, err := os.Open("testdata/smoke.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	cases, err := Load(fh)
	if err != nil {
		t.Fatalf("load smoke set: %v", err)
	}
	if len(cases) < 5 || len(cases) > 20 {
		t.Errorf("got %d smoke questions, want 5..20", len(cases))
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestLoadReportsEveryProblem(t *testing.T) {
	in := `# comment
{"id": "a", "question": "q", "now": "2026-12-01", "lang": "zh", "intent": "value", "expect": {"status": "answer", "sql": "SELECT 1"}}
{"id": "a", "question": "q", "now": "2026-12-01", "lang": "zh", "intent": "value", "expect": {"status": "answer", "sql": "SELECT 1"}}
{"id": "b", "question": "q", "now": "yesterday", "lang": "fr", "intent": "chitchat", "expect": {"status": "maybe"}}
{"id": "c", "question": "q", "now": "2026-12-01", "lang": "en", "intent": "value", "expect": {"status": "answer"}}
{"id": "d", "question": "q", "now": "2026-12-01", "lang": "en", "intent": "value", "expect": {"status": "answer", "sql": "SELECT 1", "qurey": {}}}
{"id": "e", "question": "q", "now": "2026-12-01", "lang": "en", "intent": "followup", "expect": {"status": "define"}}
`
	_, err := Load(strings.NewReader(in))
	var se *SetError
	if !errors.As(err, &se) {
		t.Fatalf("got error %v, want a *SetError", err)
	}
	if !errors.Is(err, ErrInvalidSet) {
		t.Errorf("errors.Is(err, ErrInvalidSet) = false")
	}
	want := []string{
		`line 6: decode`,
		`line 3 (a): id also used on line 2`,
		`line 4 (b): now "yesterday"`,
		`line 4 (b): lang "fr"`,
		`line 4 (b): intent "chitchat"`,
		`line 4 (b): expect.status "maybe"`,
		`line 5 (c): an answer needs expect.sql`,
		`line 7 (e): a followup needs previous`,
		`line 7 (e): a define needs expect.metric`,
	}
	for _, w := range want {
		if !slices.ContainsFunc(se.Problems, func(p string) bool { return strings.HasPrefix(p, w) }) {
			t.Errorf("no problem starting %q in:\n%s", w, strings.Join(se.Problems, "\n"))
		}
	}
	if got, want := len(se.Problems), len(want); got != want {
		t.Errorf("got %d problems, want %d:\n%s", got, want, strings.Join(se.Problems, "\n"))
	}
}

// fakeAnswerer returns canned answers by question and records the contexts it was given.
type fakeAnswerer struct {
	answers map[string]*answer.Answer
	got     []nlq.Context
}

func (f *fakeAnswerer) Answer(ctx context.Context, question string, nc nlq.Context) *answer.Answer {
	f.got = append(f.got, nc)
	if a, ok := f.answers[question]; ok {
		return a
	}
	return &answer.Answer{Status: answer.StatusRefuse}
}

// fakeWarehouse returns canned results by SQL text.
type fakeWarehouse map[string]*warehouse.Result

func (f fakeWarehouse) Query(ctx context.Context, query string, args ...any) (*warehouse.Result, error) {
	if r, ok := f[query]; ok {
		return r, nil
	}
	return nil, errors.New("no such table")
}

func date(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func TestScore(t *testing.T) {
	nov := catalog.TimeRange{Start: date("2026-11-01"), End: date("2026-12-01")}
	byRegion := &answer.Answer{
		Status: answer.StatusAnswer,
		Query: &catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region"}, Range: nov,
			Compare: catalog.PreviousPeriod, Share: true,
			Filters: []catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"天猫", "京东"}}}},
		Columns: []compile.Column{{Name: "region", Role: compile.RoleDimension},
			{Name: "gmv", Role: compile.RoleValue, Metric: "gmv"},
			{Name: "gmv_previous", Role: compile.RolePrevious, Metric: "gmv"},
			{Name: "gmv_change", Role: compile.RoleChange, Metric: "gmv"},
			{Name: "gmv_pct_change", Role: compile.RolePctChange, Metric: "gmv"},
			{Name: "gmv_share", Role: compile.RoleShare, Metric: "gmv"}},
		Rows: [][]any{{"华东", 300.0, int64(200), 100.0, 0.5, 0.75}, {"华北", 100.0, nil, nil, nil, 0.25}},
	}
	regionRows := &warehouse.Result{Columns: []string{"k", "v", "p"},
		Rows: [][]any{{"华北", int64(100), nil}, {"华东", 300.0 * (1 + 1e-12), 200.0}}}
	wh := fakeWarehouse{
		"rows ok":       regionRows,
		"rows wrong":    {Columns: []string{"k", "v", "p"}, Rows: [][]any{{"华东", 300.0, 200.0}, {"华南", 100.0, nil}}},
		"rows narrow":   {Columns: []string{"k", "v"}, Rows: [][]any{{"华东", 300.0}}},
		"rows rel 1e-6": {Columns: []string{"k", "v", "p"}, Rows: [][]any{{"华北", 100.0001, nil}, {"华东", 300.0, 200.0}}},
	}
	tests := []struct {
		name string
		ans  *answer.Answer
		exp  Expect
		want []string // prefixes of the problems, in order
	}{
		{"query and rows match", byRegion, Expect{Status: "answer", SQL: "rows ok", Query: &QueryExpect{
			Metrics: &[]string{"gmv"}, GroupBy: &[]string{"region"}, TimeRange: &nov,
			Compare: ptr(catalog.PreviousPeriod), Share: ptr(true), Limit: ptr(0), Grain: ptr(catalog.Grain("")),
			Filters: &[]catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"京东", "天猫"}}}}}, nil},
		{"eq filter counts as in", &answer.Answer{Status: answer.StatusAnswer, Query: &catalog.Query{Metrics: []string{"gmv"},
			Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpEq, Values: []string{"华东"}}}}},
			Expect{Status: "answer", Query: &QueryExpect{Filters: &[]catalog.Filter{{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东"}}}}}, nil},
		{"status differs", byRegion, Expect{Status: "clarify", Options: []string{"gmv"}}, []string{"status: got answer, want clarify"}},
		{"fields differ", byRegion, Expect{Status: "answer", Query: &QueryExpect{
			Metrics: &[]string{"gmv", "order_count"}, GroupBy: &[]string{}, Compare: ptr(catalog.YearOverYear),
			Filters:   &[]catalog.Filter{{Dimension: "channel", Op: catalog.OpNotIn, Values: []string{"京东", "天猫"}}},
			TimeRange: &catalog.TimeRange{Start: date("2026-10-01"), End: date("2026-11-01")}, Limit: ptr(5)}},
			[]string{"metrics: got [gmv], want [gmv, order_count]", "group_by: got [region], want []",
				"time_range: got 2026-11-01..2026-12-01, want 2026-10-01..2026-11-01", `compare: got "previous_period", want "same_period_last_year"`,
				"filters: got {channel in [天猫, 京东]}, want {channel not_in [京东, 天猫]}", "limit: got 0, want 5", "got query "}},
		{"rows differ", byRegion, Expect{Status: "answer", SQL: "rows wrong"},
			[]string{"rows: got 2, want 2; 1 expected rows missing, 1 unexpected", "  want (华南, 100, NULL)", "  got  (华北, 100, NULL)", "got query "}},
		{"numbers beyond tolerance", byRegion, Expect{Status: "answer", SQL: "rows rel 1e-6"},
			[]string{"rows: got 2, want 2; 1 expected rows missing", "  want (华北, 100.0001, NULL)", "  got  (华北, 100, NULL)", "got query "}},
		{"column count differs", byRegion, Expect{Status: "answer", SQL: "rows narrow"},
			[]string{"columns: got 3 (region, gmv, gmv_previous), want 2", "got query "}},
		{"expected sql fails", byRegion, Expect{Status: "answer", SQL: "SELECT nothing"},
			[]string{"expected sql failed: no such table", "got query "}},
		{"define right metric", &answer.Answer{Status: answer.StatusDefine, Metrics: []string{"aov"}},
			Expect{Status: "define", Metric: "aov"}, nil},
		{"define wrong metric", &answer.Answer{Status: answer.StatusDefine, Metrics: []string{"gmv"}},
			Expect{Status: "define", Metric: "aov"}, []string{`metric: got [gmv], want "aov"`}},
		{"clarify offers all wanted", &answer.Answer{Status: answer.StatusClarify, Options: []nlq.Option{
			{Metric: "gmv"}, {Metric: "units"}, {Query: &catalog.Query{Metrics: []string{"cost"}}}}},
			Expect{Status: "clarify", Options: []string{"units", "cost"}}, nil},
		{"clarify misses one", &answer.Answer{Status: answer.StatusClarify, Options: []nlq.Option{{Metric: "gmv"}}},
			Expect{Status: "clarify", Options: []string{"gmv", "units"}}, []string{"options: got [gmv], want all of [gmv, units]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Case{ID: "x", Question: "q", Now: "2026-12-01", Lang: "zh", Intent: "value", Expect: tt.exp}
			problems, _, _ := runCase(context.Background(), c, &fakeAnswerer{answers: map[string]*answer.Answer{"q": tt.ans}},
				wh, time.UTC, time.Now)
			if len(problems) != len(tt.want) {
				t.Fatalf("got problems\n%s\nwant %d:\n%s", strings.Join(problems, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range tt.want {
				if !strings.HasPrefix(problems[i], tt.want[i]) {
					t.Errorf("problem %d: got %q, want it to start %q", i, problems[i], tt.want[i])
				}
			}
		})
	}
}

func TestRunReport(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	prev := &catalog.Query{Metrics: []string{"gmv"}, Range: catalog.TimeRange{Start: date("2026-11-01"), End: date("2026-12-01")}}
	cases := []Case{
		{ID: "1", Question: "a", Now: "2026-12-01", Lang: "zh", Intent: "define", Expect: Expect{Status: "define", Metric: "gmv"}},
		{ID: "2", Question: "b", Now: "2026-11-20", Lang: "zh", Intent: "refuse", Expect: Expect{Status: "refuse"}},
		{ID: "3", Question: "c", Now: "2026-12-01", Lang: "en", Intent: "followup", Previous: prev, Expect: Expect{Status: "define", Metric: "aov"}},
		{ID: "4", Question: "d", Now: "2026-12-01", Lang: "en", Intent: "refuse", Expect: Expect{Status: "refuse"}},
	}
	ans := &fakeAnswerer{answers: map[string]*answer.Answer{
		"a": {Status: answer.StatusDefine, Metrics: []string{"gmv"}, Path: "rule"},
		"c": {Status: answer.StatusDefine, Metrics: []string{"gmv"}, Headline: "GMV is ...", Path: "rule"},
	}}
	// Each answer takes 10ms, 20ms, 30ms, 40ms on the fake clock.
	var ticks int
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		ticks++
		call := (ticks + 1) / 2 // calls 1,2 are case 1; 3,4 case 2...
		if ticks%2 == 1 {
			return base
		}
		return base.Add(time.Duration(call) * 10 * time.Millisecond)
	}
	rep, err := Run(context.Background(), cases, ans, fakeWarehouse{}, Options{Location: loc, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{
		Total: 4, Passed: 3, Accuracy: 0.75,
		ByIntent: []Group{{"define", 1, 1, 1}, {"refuse", 2, 2, 1}, {"followup", 1, 0, 0}},
		ByLang:   []Group{{"zh", 2, 2, 1}, {"en", 2, 1, 0.5}},
		ByPath:   []Group{{"rule", 2, 1, 0.5}, {"none", 2, 2, 1}},
		Latency:  Latency{P50: 20 * time.Millisecond, P95: 40 * time.Millisecond, Max: 40 * time.Millisecond},
		Failures: []Failure{{ID: "3", Question: "c", Intent: "followup", Lang: "en", Status: "define",
			Problems: []string{`metric: got [gmv], want "aov"`}, Headline: "GMV is ..."}},
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("report mismatch (-want +got):\n%s", diff)
	}
	if got, want := ans.got[1].Now, time.Date(2026, 11, 20, 9, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("case 2 now: got %v, want %v", got, want)
	}
	if ans.got[2].Previous != prev {
		t.Errorf("case 3: previous query not passed on")
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"accuracy: 3/4 = 75.0%", "followup      0/1", "latency: p50 20ms, p95 40ms", "3 [followup, en] c", `metric: got [gmv], want "aov"`} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text report lacks %q:\n%s", w, text.String())
		}
	}
}

func TestRunStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []Case{{ID: "1", Question: "a", Now: "2026-12-01", Lang: "zh", Intent: "refuse", Expect: Expect{Status: "refuse"}}}
	rep, err := Run(ctx, cases, &fakeAnswerer{}, fakeWarehouse{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if rep == nil || rep.Total != 0 {
		t.Errorf("got report %+v, want an empty one", rep)
	}
}
