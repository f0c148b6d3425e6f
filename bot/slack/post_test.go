package slack

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
)

func postAdapter(t *testing.T, f *fakeSlack) *Adapter {
	t.Helper()
	a, err := New(Options{BotToken: testBotToken, AppToken: testAppToken, APIURL: f.apiURL(),
		Logger: slog.New(slog.DiscardHandler)}, newFakeHandler())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPostToChannelAndUser(t *testing.T) {
	alertReply := bot.Reply{Lang: "zh", Headline: "销售额 华东/小程序 2026-11-18 下降 31%",
		Text:  []string{"主要贡献: 品类 美妆 77%"},
		Chart: testChart,
		Buttons: []bot.Button{
			{ID: bot.ActionAlertAck, Label: "确认", Value: "42", Style: "primary"},
			{ID: bot.ActionAlertDismiss, Label: "不是异常", Value: "42"},
		}}
	tests := []struct {
		name        string
		to          bot.Destination
		wantChannel string
		wantCalls   []string
	}{
		{"channel", bot.Destination{Platform: bot.Slack, Channel: "C77"}, "C77",
			[]string{"chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"}},
		{"user", bot.Destination{Platform: bot.Slack, User: "U42"}, "D42",
			[]string{"conversations.open", "chat.postMessage", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			a := postAdapter(t, f)
			got, err := a.Post(t.Context(), tt.to, alertReply)
			if err != nil {
				t.Fatalf("Post: %v", err)
			}
			calls, posts, _, shared := f.snapshot()
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("calls mismatch (-want +got):\n%s", diff)
			}
			if len(posts) != 1 {
				t.Fatalf("got %d posts, want 1", len(posts))
			}
			want := bot.Posted{Platform: bot.Slack, Channel: tt.wantChannel, Thread: posts[0].TS}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if posts[0].Channel != tt.wantChannel || posts[0].ThreadTS != "" {
				t.Errorf("got post in %s/%q, want a new message in %s", posts[0].Channel, posts[0].ThreadTS, tt.wantChannel)
			}
			var blocks []map[string]any
			if err := json.Unmarshal(posts[0].Blocks, &blocks); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, b := range blocks {
				if b["type"] != "actions" {
					continue
				}
				for _, el := range b["elements"].([]any) {
					ids = append(ids, buttonID(el.(map[string]any)["action_id"].(string)))
				}
			}
			if diff := cmp.Diff([]string{bot.ActionAlertAck, bot.ActionAlertDismiss}, ids); diff != "" {
				t.Errorf("buttons mismatch (-want +got):\n%s", diff)
			}
			if len(shared) != 1 || shared[0].Channel != tt.wantChannel || shared[0].ThreadTS != posts[0].TS {
				t.Errorf("got chart shares %+v, want one in %s thread %s", shared, tt.wantChannel, posts[0].TS)
			}
		})
	}
}

func TestPostRefusesBadDestinations(t *testing.T) {
	tests := []struct {
		name string
		to   bot.Destination
		want error
	}{
		{"nothing", bot.Destination{Platform: bot.Slack}, ErrNoDestination},
		{"both", bot.Destination{Platform: bot.Slack, Channel: "C1", User: "U1"}, ErrNoDestination},
		{"other platform", bot.Destination{Platform: bot.Lark, Channel: "oc_1"}, ErrNoDestination},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			_, err := postAdapter(t, f).Post(t.Context(), tt.to, bot.Reply{Headline: "x"})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			if calls, _, _, _ := f.snapshot(); len(calls) != 0 {
				t.Errorf("got calls %v, want none", calls)
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		f := newFakeSlack(t)
		_, err := postAdapter(t, f).Post(t.Context(), bot.Destination{Platform: bot.Slack, User: "wang_fang"}, bot.Reply{Headline: "x"})
		if err == nil || !strings.Contains(err.Error(), "user_not_found") {
			t.Errorf("got %v, want user_not_found", err)
		}
	})
}
