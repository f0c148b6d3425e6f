package answer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/nlq/llm"
)

type staticParser struct{ p *nlq.Parser }

func (s staticParser) Current(context.Context) *nlq.Parser { return s.p }

// fakeWarehouse answers every query with one row of the given columns.
type fakeWarehouse struct {
	cols    []string
	queries int
}

func (f *fakeWarehouse) Dialect() warehouse.Dialect { return warehouse.SQLite }

func (f *fakeWarehouse) Query(ctx context.Context, query string, args ...any) (*warehouse.Result, error) {
	f.queries++
	row := make([]any, len(f.cols))
	for i := range row {
		row[i] = float64(100 + i)
	}
	return &warehouse.Result{Columns: f.cols, Rows: [][]any{row}}, nil
}

// fakePlanner returns a fixed reading or error and counts its calls.
type fakePlanner struct {
	res   nlq.Result
	err   error
	calls int
}

func (f *fakePlanner) Plan(ctx context.Context, c *catalog.Catalog, question string, nc nlq.Context, rule nlq.Result) (nlq.Result, error) {
	f.calls++
	return f.res, f.err
}

func TestPlannedAnswer(t *testing.T) {
	c, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	parser, err := nlq.New(t.Context(), c, nil, nlq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	nc := nlq.Context{Now: time.Date(2026, 12, 1, 10, 0, 0, 0, loc)}
	nov := catalog.TimeRange{Start: catalog.NewDate(2026, 11, 1), End: catalog.NewDate(2026, 12, 1)}
	llmQuery := &catalog.Query{Metrics: []string{"gmv"}, Range: nov,
		Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东"}}}}
	ruleQuery := &catalog.Query{Metrics: []string{"gmv"}, Range: nov}
	always := func(nlq.Result) bool { return true }
	never := func(nlq.Result) bool { return false }
	tests := []struct {
		name      string
		question  string
		planner   *fakePlanner
		need      func(nlq.Result) bool
		wantCalls int
		wantPath  string
		wantQuery *catalog.Query
		want      answer.Status
	}{
		{"planner's reading is answered", "上个月华东的营收", &fakePlanner{res: nlq.Result{Kind: nlq.Answer, Query: llmQuery, Lang: "zh"}},
			always, 1, "llm", llmQuery, answer.StatusAnswer},
		{"planner failure keeps the rule reading", "上个月销售额", &fakePlanner{err: errors.New("llm down")},
			always, 1, "rule", ruleQuery, answer.StatusAnswer},
		{"not needed: planner not called", "上个月销售额", &fakePlanner{res: nlq.Result{Kind: nlq.Answer, Query: llmQuery}},
			never, 0, "rule", ruleQuery, answer.StatusAnswer},
		{"no planner configured", "上个月销售额", nil, always, 0, "rule", ruleQuery, answer.StatusAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wh := &fakeWarehouse{cols: tt.wantQuery.Columns(c)}
			// A fixed data end: the fake warehouse answers only the metric query.
			end := catalog.NewDate(2026, 11, 30)
			a := answer.New(staticParser{parser}, engine.New(engine.Static{C: c}, wh, nil), answer.Options{DataEnd: func() catalog.Date { return end }})
			pl := &answer.Planned{Answerer: a, Need: tt.need}
			if tt.planner != nil {
				pl.P = tt.planner
			}
			got := pl.Answer(t.Context(), tt.question, nc)
			calls := 0
			if tt.planner != nil {
				calls = tt.planner.calls
			}
			if calls != tt.wantCalls || got.Path != tt.wantPath || got.Status != tt.want {
				t.Errorf("got %d planner calls, path %q, status %s (%s), want %d, %q, %s", calls, got.Path, got.Status, got.Headline, tt.wantCalls, tt.wantPath, tt.want)
			}
			if diff := cmp.Diff(tt.wantQuery, got.Query); diff != "" {
				t.Errorf("query answered (-want +got):\n%s", diff)
			}
			if wh.queries != 1 {
				t.Errorf("warehouse got %d queries, want 1", wh.queries)
			}
		})
	}
}

var _ answer.Planner = (*llm.Planner)(nil)
