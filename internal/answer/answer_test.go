package answer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/answer/answertest"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/nlq"
)

func setup(t *testing.T) (*answer.Answerer, *warehouse.DB) {
	t.Helper()
	f := answertest.Demo(t, 70, 3)
	end := answertest.End
	return f.Answerer(answer.Options{DataEnd: func() catalog.Date { return end }}), f.Warehouse
}

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestAnswers(t *testing.T) {
	a, _ := setup(t)
	tests := []struct {
		question string
		status   answer.Status
		contains []string
		chart    bool
	}{
		{"上个月华东区销售额多少?", answer.StatusAnswer, []string{"2026-11-01 至 2026-11-30 销售额", "筛选: 大区 = 华东", "口径 · 销售额", "数据截至 2026-11-30"}, false},
		{"GMV by channel last week vs the week before", answer.StatusAnswer, []string{"GMV by channel", "vs previous period", "Compared with (previous period): 2026-11-16 to 2026-11-22"}, true},
		{"近30天退款率趋势", answer.StatusAnswer, []string{"退款率趋势(按天)", "最近一期 2026-11-30"}, true},
		{"上个月毛利率", answer.StatusAnswer, []string{"毛利率", "%"}, false},
		{"退款率怎么算的?", answer.StatusDefine, []string{"退款金额(按退款日期) / 销售额(按下单日期)", "负责人: 张伟"}, false},
		{"销售", answer.StatusClarify, []string{"销售额", "销量"}, false},
		{"上周火星的销售额", answer.StatusAnswer, []string{"没有用上的词: 火星"}, false},
		{"近3天每天销售额 环比", answer.StatusAnswer, []string{"最近一期 2026-11-30 为", "对比 2026-11-27: 环比"}, true},
		{"近30天各大区销售额按周趋势", answer.StatusAnswer, []string{"合计"}, true},
		{"近4周每周访客数趋势", answer.StatusAnswer, []string{"最近一期 2026-11-30 (不完整, 只含 1/7 天)", "不完整的周期: 2026-11-02 (6/7 天)、2026-11-30 (1/7 天)"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.question, func(t *testing.T) {
			got := a.Answer(context.Background(), tc.question, nlq.Context{Now: now})
			if got.Status != tc.status {
				t.Fatalf("status %s, want %s:\n%s", got.Status, tc.status, got.Text)
			}
			for _, s := range tc.contains {
				if !strings.Contains(got.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, got.Text)
				}
			}
			if (got.Chart != nil) != tc.chart {
				t.Errorf("chart present = %v, want %v", got.Chart != nil, tc.chart)
			}
			if strings.Contains(strings.ToUpper(got.Text), "SELECT") {
				t.Errorf("reply text contains SQL:\n%s", got.Text)
			}
		})
	}
	t.Run("comparison is consistent", func(t *testing.T) {
		got := a.Answer(context.Background(), "上个月销售额环比", nlq.Context{Now: now})
		row := got.Rows[0]
		cur, prev, change := row[0].(float64), row[1].(float64), row[2].(float64)
		if d := cur - prev - change; d > 1e-6 || d < -1e-6 {
			t.Errorf("value %v - previous %v != change %v", cur, prev, change)
		}
	})
}

// TestWarehouseFailure checks that a failing warehouse gives a polite reply with a reference id
// and no driver or SQL text.
func TestWarehouseFailure(t *testing.T) {
	a, wh := setup(t)
	wh.Close()
	got := a.Answer(context.Background(), "上个月销售额", nlq.Context{Now: now})
	if got.Status != answer.StatusError || got.Ref == "" {
		t.Fatalf("got status %s ref %q, want an error with a reference", got.Status, got.Ref)
	}
	for _, leak := range []string{"sql", "closed", "database", "SELECT"} {
		if strings.Contains(strings.ToLower(got.Text), strings.ToLower(leak)) {
			t.Errorf("reply leaks %q:\n%s", leak, got.Text)
		}
	}
	if !strings.Contains(got.Text, got.Ref) {
		t.Errorf("reply does not give the reference %s:\n%s", got.Ref, got.Text)
	}
}

// TestPeriodStopsWithTheData checks that a period running past the data is cut where the data
// stops, so the comparison covers the same days; the data's end is read from the warehouse.
func TestPeriodStopsWithTheData(t *testing.T) {
	f := answertest.Demo(t, 400, 3)
	a := f.Answerer(answer.Options{})
	later := time.Date(2026, 12, 3, 9, 0, 0, 0, f.Catalog.Location)
	got := a.Answer(context.Background(), "今年销售额同比", nlq.Context{Now: later})
	if got.Status != answer.StatusAnswer {
		t.Fatalf("status %s: %s", got.Status, got.Text)
	}
	for _, want := range []string{"2026-01-01 至 2026-11-30", "对比(同比): 2025-01-01 至 2025-11-30", "数据只到 2026-11-30", "数据截至 2026-11-30"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, got.Text)
		}
	}
	if got.DataEnd != "2026-11-30" {
		t.Errorf("DataEnd = %q, want 2026-11-30", got.DataEnd)
	}
}
