package digest_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
)

func TestChatCommands(t *testing.T) {
	c := demoCatalog(t)
	clock := storetest.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"), sqlite.Options{Now: clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ch := &digest.Chat{Store: st, Catalogs: engine.Static{C: c}}
	inSales := bot.Message{Platform: bot.Slack, Channel: "C0SALES", User: "U0WANGFANG"}
	inOps := bot.Message{Platform: bot.Slack, Channel: "C0OPS", User: "U0LILEI"}
	direct := bot.Message{Platform: bot.Slack, Channel: "D1", User: "U0WANGFANG", Direct: true}
	with := func(m bot.Message, text string) bot.Message { m.Text = text; return m }

	steps := []struct {
		m        bot.Message
		lang     string
		ok       bool
		headline string
	}{
		{with(inSales, "订阅 销售额 每天 9:00"), "", true, "好的, 已订阅 #1: 销售额, 每天 09:00 (Asia/Shanghai) 发到本频道。"},
		{with(inSales, "subscribe me to gmv weekly on Monday 9am"), "", true, "Done: subscription #2 sends GMV every Monday at 09:00 (Asia/Shanghai) to you (direct message)."},
		{with(inOps, "订阅 gmv,订单数 每月1号 10:00"), "", true, "好的, 已订阅 #3: 销售额、订单数, 每月1日 10:00 (Asia/Shanghai) 发到本频道。"},
		{with(inSales, "subscribe gvm daily"), "en", true, "I don't know the metric 'gvm' (did you mean gmv?)"},
		{with(inSales, "订阅列表"), "", true, "共 1 个订阅:"},
		{with(direct, "my subscriptions"), "", true, "Subscriptions here (1):"},
		{with(inSales, "unsubscribe 3"), "en", true, "There is no subscription #3 here"},
		{with(inOps, "取消订阅 3"), "", true, "已取消订阅 #3 (销售额、订单数)。"},
		{with(inOps, "取消订阅"), "", true, "请告诉我要取消的订阅编号"},
		{with(inOps, "上周销售额多少"), "", false, ""},
	}
	for i, s := range steps {
		r, ok, err := ch.Handle(t.Context(), s.m, s.lang)
		if err != nil {
			t.Fatalf("step %d %q: %v", i, s.m.Text, err)
		}
		if ok != s.ok {
			t.Errorf("step %d %q: got handled %v, want %v", i, s.m.Text, ok, s.ok)
		}
		if !strings.HasPrefix(r.Headline, s.headline) {
			t.Errorf("step %d %q: got %q, want prefix %q", i, s.m.Text, r.Headline, s.headline)
		}
	}
	// "my subscriptions" in the direct chat lists the one made with "me".
	r, _, err := ch.Handle(t.Context(), with(direct, "subscriptions"), "en")
	if err != nil {
		t.Fatal(err)
	}
	if r.Table == nil || len(r.Table.Rows) != 1 || r.Table.Rows[0][2] != "every Monday at 09:00 Asia/Shanghai" {
		t.Errorf("direct list: got %+v", r.Table)
	}
	subs, err := st.Subscriptions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []store.Subscription
	for _, s := range subs {
		s.CreatedAt = time.Time{}
		got = append(got, s)
	}
	want := []store.Subscription{
		{ID: 1, Platform: "slack", Channel: "C0SALES", Metrics: []string{"gmv"}, Cron: "0 9 * * *", TimeZone: "Asia/Shanghai", Language: "zh", CreatedBy: "U0WANGFANG"},
		{ID: 2, Platform: "slack", User: "U0WANGFANG", Metrics: []string{"gmv"}, Cron: "0 9 * * 1", TimeZone: "Asia/Shanghai", Language: "en", CreatedBy: "U0WANGFANG"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored subscriptions (-want +got):\n%s", diff)
	}
}

func TestIsCommand(t *testing.T) {
	tests := map[string]bool{
		"subscribe gmv daily": true, "订阅 销售额 每天 9:00": true, "/metric subscribe gmv": true, "unsubscribe 2": true,
		"取消订阅 2": true, "订阅列表": true, "subscriptions": true,
		"上周销售额多少": false, "subscription revenue last month": false, "gmv by region": false,
	}
	for text, want := range tests {
		if got := digest.IsCommand(text); got != want {
			t.Errorf("IsCommand(%q): got %v, want %v", text, got, want)
		}
	}
}

func TestReadConfig(t *testing.T) {
	c := demoCatalog(t)
	good := `subscriptions:
  - name: sales-daily
    platform: slack
    channel: C0SALES
    metrics: [gmv, order_count]
    schedule: "0 9 * * *"
  - name: refunds-weekly
    platform: lark
    user: ou_zhang_wei
    metrics: [refund_rate]
    schedule: "30 8 * * 1"
    time_zone: UTC
    language: en
`
	subs, err := digest.ReadConfig(strings.NewReader(good), "subscriptions.yaml", c)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Subscription{
		{ID: digest.ConfigID("sales-daily"), Platform: "slack", Channel: "C0SALES", Metrics: []string{"gmv", "order_count"}, Cron: "0 9 * * *",
			TimeZone: "Asia/Shanghai", Language: "zh", CreatedBy: "config:sales-daily"},
		{ID: digest.ConfigID("refunds-weekly"), Platform: "lark", User: "ou_zhang_wei", Metrics: []string{"refund_rate"}, Cron: "30 8 * * 1",
			TimeZone: "UTC", Language: "en", CreatedBy: "config:refunds-weekly"},
	}
	if diff := cmp.Diff(want, subs); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
	for _, s := range subs {
		if s.ID >= 0 {
			t.Errorf("config subscription %s: got ID %d, want negative", s.CreatedBy, s.ID)
		}
	}

	bad := `subscriptions:
  - name: a
    platform: teams
    channel: C1
    user: U1
    metrics: [gvm]
    schedule: "0 25 * * *"
    language: fr
  - name: a
    platform: slack
    channel: C1
    metrics: [gmv]
    schedule: "0 9 * * *"
    time_zone: Mars/Olympus
`
	_, err = digest.ReadConfig(strings.NewReader(bad), "subscriptions.yaml", c)
	var ce *digest.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *digest.ConfigError", err)
	}
	wantProblems := []string{
		`line 2: platform "teams" must be slack or lark`,
		`line 2: give exactly one of channel and user`,
		`line 2: unknown metric "gvm" (did you mean "gmv"?)`,
		`line 2: schedule "0 25 * * *"`,
		`line 2: language "fr" must be zh or en`,
		`line 9: subscription "a" is defined twice`,
		`line 9: time_zone "Mars/Olympus"`,
	}
	if len(ce.Problems) != len(wantProblems) {
		t.Fatalf("problems: got %d %q, want %d", len(ce.Problems), ce.Problems, len(wantProblems))
	}
	for i, w := range wantProblems {
		if !strings.HasPrefix(ce.Problems[i], w) {
			t.Errorf("problem %d: got %q, want prefix %q", i, ce.Problems[i], w)
		}
	}
	if _, err := digest.ReadConfig(strings.NewReader("subscriptions:\n  - name: x\n    colour: red\n"), "s.yaml", c); err == nil {
		t.Errorf("unknown key: got nil error")
	}
}
