package answer_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/answer/answertest"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/nlq"
)

// setupWithAlerts is setup with a state store holding one alert on 2026-11-18 (gmv, 华东,
// -31%) and the owner's cause note on it.
func setupWithAlerts(t *testing.T) (*answer.Answerer, *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	f := answertest.Demo(t, 70, 3)
	c := f.Catalog
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	day := catalog.NewDate(2026, 11, 18)
	a, _, err := st.RaiseAlert(ctx, store.Alert{Rule: "gmv.channel_drop", Metric: "gmv", Slice: json.RawMessage(`{"region":"华东"}`),
		PeriodStart: day.Time(c.Location), PeriodEnd: day.AddDays(1).Time(c.Location), Kind: "anomaly",
		Value: 10700, ExpectedLow: 12300, ExpectedHigh: 18800, Owner: "wang_fang"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCauseNote(ctx, store.CauseNote{Alert: a.ID, Metric: "gmv", PeriodStart: a.PeriodStart, PeriodEnd: a.PeriodEnd,
		Author: "wang_fang", Text: "支付通道故障, 14:00 恢复"}); err != nil {
		t.Fatal(err)
	}
	return f.Answerer(answer.Options{Alerts: st}), st
}

func TestCauseNotesInAnswersAndWhy(t *testing.T) {
	a, _ := setupWithAlerts(t)
	tests := []struct {
		question string
		where    string // "context" or "text"
		contains []string
		absent   []string
	}{
		{"11月18日销售额多少", "context", []string{"原因说明: 11月18日 华东 销售额下降 31%, @王芳: 支付通道故障, 14:00 恢复"}, nil},
		{"11月份销售额", "context", []string{"@王芳: 支付通道故障"}, nil},
		{"11月19日销售额多少", "context", nil, []string{"支付通道故障"}},
		{"11月18日华南销售额多少", "context", nil, []string{"支付通道故障"}},
		{"11月18日销售额为什么下降?", "text", []string{"11月18日 销售额有 1 条预警", "11月18日 华东 销售额下降 31%: 实际", "主要贡献: ", "渠道 小程序 -100.0% (占变化 29%)", "@王芳: 支付通道故障, 14:00 恢复"}, nil},
		{"why did GMV drop on Nov 18", "text", []string{"GMV had 1 alert(s) on Nov 18", "Top contributors: ", "channel 小程序 -100.0% (29% of the change)", "@王芳: 支付通道故障"}, nil},
		{"11月10日销售额为什么下降?", "text", []string{"11月10日 销售额没有预警记录", "环比"}, []string{"支付通道故障"}},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			ans := a.Answer(context.Background(), tt.question, nlq.Context{Now: now})
			if ans.Status != answer.StatusAnswer {
				t.Fatalf("got status %s (%s), want answer", ans.Status, ans.Headline)
			}
			got := ans.Text
			if tt.where == "context" {
				got = strings.Join(ans.Context, "\n")
			}
			for _, want := range tt.contains {
				if !strings.Contains(got, want) {
					t.Errorf("got %s:\n%s\nwant it to contain %q", tt.where, got, want)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(got, bad) {
					t.Errorf("got %s:\n%s\nwant no %q", tt.where, got, bad)
				}
			}
		})
	}
}

func TestAnswersWithoutAlertSourceShowNoNotes(t *testing.T) {
	a, _ := setup(t)
	ans := a.Answer(context.Background(), "11月18日销售额为什么下降?", nlq.Context{Now: now})
	if strings.Contains(ans.Text, "预警") {
		t.Errorf("got %q, want no alert text without an alert source", ans.Text)
	}
}
