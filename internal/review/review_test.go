package review_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/review"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, shanghai)
}

// fill raises alerts and changes their status at fake times, as owners would over a week.
func fill(t *testing.T) (*sqlite.Store, map[string]store.AlertID) {
	t.Helper()
	clock := storetest.NewClock(at(11, 20, 8, 0))
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"), sqlite.Options{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	set := func(tm time.Time) { clock.Add(tm.Sub(clock.Now())) }
	ids := map[string]store.AlertID{}
	raise := func(name, metric, owner, slice string, when time.Time) {
		set(when)
		day := catalog0(when)
		a, _, err := st.RaiseAlert(t.Context(), store.Alert{Rule: name, Metric: metric, Slice: json.RawMessage(slice), PeriodStart: day,
			PeriodEnd: day.Add(24 * time.Hour), Kind: "anomaly", Value: 1, ExpectedLow: 2, ExpectedHigh: 3, Owner: owner})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = a.ID
	}
	status := func(name string, to store.AlertStatus, actor string, when time.Time) {
		set(when)
		if _, err := st.SetAlertStatus(t.Context(), ids[name], to, actor, ""); err != nil {
			t.Fatal(err)
		}
	}
	note := func(name, metric, text string, when time.Time) {
		set(when)
		a, err := st.Alert(t.Context(), ids[name])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddCauseNote(t.Context(), store.CauseNote{Alert: a.ID, Metric: metric, PeriodStart: a.PeriodStart, PeriodEnd: a.PeriodEnd,
			Author: "ou_wang_fang", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	raise("old", "gmv", "wang_fang", `{"region":"华南"}`, at(11, 20, 8, 0)) // before the week, still open
	raise("drop", "gmv", "wang_fang", `{"region":"华东","channel":"小程序"}`, at(11, 25, 10, 0))
	status("drop", store.AlertAcknowledged, "ou_wang_fang", at(11, 25, 12, 0))
	note("drop", "gmv", "支付通道故障, 14:00 恢复", at(11, 25, 12, 30))
	status("drop", store.AlertResolved, "ou_wang_fang", at(11, 26, 9, 0))
	raise("spike", "refund_rate", "zhang_wei", `{"category":"家电"}`, at(11, 26, 8, 0))
	status("spike", store.AlertDismissed, "ou_zhang_wei", at(11, 26, 9, 0))
	raise("drift", "visitors", "zhang_wei", `{"region":"西南"}`, at(11, 27, 8, 0))
	note("old", "gmv", "华南门店装修", at(11, 27, 9, 0))
	raise("again", "gmv", "wang_fang", `{}`, at(11, 28, 8, 0))
	status("again", store.AlertAcknowledged, "ou_wang_fang", at(11, 28, 12, 0))
	return st, ids
}

func catalog0(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai)
}

func TestSummarize(t *testing.T) {
	st, ids := fill(t)
	now := at(12, 1, 9, 0)
	since, err := review.ParseSince("7d", now, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	s, err := review.Summarize(t.Context(), st, since, now)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Raised, Acknowledged, Resolved, Dismissed int
		MedianAck                                 time.Duration
		ByMetric, ByOwner                         []review.Group
		Causes                                    []string
		StillOpen                                 []store.AlertID
	}
	got := short{Raised: s.Raised, Acknowledged: s.Acknowledged, Resolved: s.Resolved, Dismissed: s.Dismissed, MedianAck: s.MedianAck,
		ByMetric: s.ByMetric, ByOwner: s.ByOwner}
	for _, c := range s.Causes {
		got.Causes = append(got.Causes, c.Note.Text)
	}
	for _, a := range s.StillOpen {
		got.StillOpen = append(got.StillOpen, a.ID)
	}
	want := short{
		Raised: 4, Acknowledged: 3, Resolved: 1, Dismissed: 1,
		MedianAck: 2 * time.Hour, // 2h (drop), 1h (spike), 4h (again)
		ByMetric: []review.Group{
			{Key: "gmv", Raised: 2, Acknowledged: 2, Resolved: 1, Open: 1},
			{Key: "refund_rate", Raised: 1, Acknowledged: 1, Dismissed: 1},
			{Key: "visitors", Raised: 1, Open: 1},
		},
		ByOwner: []review.Group{
			{Key: "wang_fang", Raised: 2, Acknowledged: 2, Resolved: 1, Open: 1},
			{Key: "zhang_wei", Raised: 2, Acknowledged: 1, Dismissed: 1, Open: 1},
		},
		Causes:    []string{"支付通道故障, 14:00 恢复", "华南门店装修"},
		StillOpen: []store.AlertID{ids["old"], ids["drift"], ids["again"]},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if !s.HasMedian || s.AckShare() != 0.75 {
		t.Errorf("ack share: got %v (median known %v), want 0.75", s.AckShare(), s.HasMedian)
	}
}

func TestBuild(t *testing.T) {
	st, _ := fill(t)
	c, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	now := at(12, 1, 9, 0)
	tests := []struct {
		lang     string
		contains []string
	}{
		{"zh", []string{"预警复盘 · 2026-11-24 至 2026-12-01: 共 4 条预警, 已响应 3 条 (75.0%), 响应时间中位数 2小时, 已解决 1, 误报 1; 仍未关闭 3 条",
			"按负责人: 王芳 2 条 (已响应 2); 张伟 2 条 (已响应 1)", "销售额 · 渠道=小程序, 大区=华东 · 2026-11-25: 支付通道故障, 14:00 恢复 (王芳)",
			"访客数 · 大区=西南 · 2026-11-27 · 待处理, 负责人 张伟, 已过 4天", "销售额  王芳"}},
		{"en", []string{"Alert review · 2026-11-24 to 2026-12-01: 4 alerts raised, 3 acknowledged (75.0%), median time to acknowledge 2h, 1 resolved, 1 dismissed as false alarms; 3 still open",
			"GMV · total · 2026-11-28 · acknowledged, owner 王芳, for 3 days"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			r, err := review.Build(t.Context(), st, c, now.Add(-7*24*time.Hour), now, tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			text := r.Headline + "\n" + strings.Join(r.Text, "\n")
			for _, row := range r.Table.Rows {
				text += "\n" + strings.Join(row, "  ")
			}
			for _, s := range tc.contains {
				if !strings.Contains(text, s) {
					t.Errorf("review lacks %q:\n%s", s, text)
				}
			}
		})
	}
}

func TestEmptyReview(t *testing.T) {
	st, _ := fill(t)
	c, _ := demo.Catalog()
	r, err := review.Build(t.Context(), st, c, at(10, 1, 0, 0), at(10, 8, 0, 0), "en")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Alert review · 2026-10-01 to 2026-10-07: 0 alerts raised; 3 still open"; r.Headline != want {
		t.Errorf("headline: got %q, want %q", r.Headline, want)
	}
	if r.Table != nil {
		t.Errorf("table: got %v, want none", r.Table)
	}
}

func TestParseSince(t *testing.T) {
	now := at(12, 1, 9, 0)
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"7d", at(11, 24, 9, 0), false},
		{"2w", at(11, 17, 9, 0), false},
		{"24h", at(11, 30, 9, 0), false},
		{"2026-11-01", at(11, 1, 0, 0), false},
		{"0d", time.Time{}, true},
		{"last week", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := review.ParseSince(tc.in, now, shanghai)
		if (err != nil) != tc.err {
			t.Errorf("ParseSince(%q): got error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err != nil && !errors.Is(err, review.ErrBadSince) {
			t.Errorf("ParseSince(%q): got %v, want ErrBadSince", tc.in, err)
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q): got %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d      time.Duration
		zh, en string
	}{
		{45 * time.Minute, "45分钟", "45m"},
		{2*time.Hour + 30*time.Minute, "2小时30分", "2h30m"},
		{3 * time.Hour, "3小时", "3h"},
		{84 * time.Hour, "3.5天", "3.5 days"},
	}
	for _, tc := range tests {
		if got := review.Duration(tc.d, "zh"); got != tc.zh {
			t.Errorf("Duration(%v, zh): got %q, want %q", tc.d, got, tc.zh)
		}
		if got := review.Duration(tc.d, "en"); got != tc.en {
			t.Errorf("Duration(%v, en): got %q, want %q", tc.d, got, tc.en)
		}
	}
}
