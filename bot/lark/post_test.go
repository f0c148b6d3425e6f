package lark

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark/larktest"
)

func TestPostToChatAndUser(t *testing.T) {
	alertReply := bot.Reply{Lang: "zh", Headline: "销售额 华东/小程序 2026-11-18 下降 31%",
		Text:  []string{"主要贡献: 品类 美妆 77%"},
		Chart: &bot.Image{PNG: png, Title: "band"},
		Buttons: []bot.Button{
			{ID: bot.ActionAlertAck, Label: "确认", Value: "42", Style: "primary"},
			{ID: bot.ActionAlertResolve, Label: "已解决", Value: "42"},
		}}
	tests := []struct {
		name     string
		to       bot.Destination
		wantType string
		wantID   string
		wantChat string
	}{
		{"chat", bot.Destination{Platform: bot.Lark, Channel: "oc_sales"}, "chat_id", "oc_sales", "oc_sales"},
		{"user", bot.Destination{Platform: bot.Lark, User: "ou_wang"}, "open_id", "ou_wang", "oc_p2p_wang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			got, err := f.a.Post(testCtx(t), tt.to, alertReply)
			if err != nil {
				t.Fatalf("Post: %v", err)
			}
			msgs := f.srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("got %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.ReceiveIDType != tt.wantType || m.ReceiveID != tt.wantID || m.MsgType != "interactive" || m.UUID == "" {
				t.Errorf("got message %+v, want an interactive card to %s %s with a uuid", m, tt.wantType, tt.wantID)
			}
			if want := (bot.Posted{Platform: bot.Lark, Channel: tt.wantChat, Thread: m.MessageID}); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			images := f.srv.Images()
			if len(images) != 1 {
				t.Fatalf("got %d images, want 1", len(images))
			}
			if diff := cmp.Diff([]string{images[0].Key}, imageKeys(t, m.Content)); diff != "" {
				t.Errorf("card image keys (-want +got):\n%s", diff)
			}
			var actions []string
			for _, el := range cardElements(t, m.Content) {
				if el["tag"] != "action" {
					continue
				}
				for _, b := range el["actions"].([]any) {
					v := b.(map[string]any)["value"].(map[string]any)
					actions = append(actions, v["action"].(string)+"="+v["value"].(string))
					if th, ok := v["thread"]; ok && th != "" {
						t.Errorf("button carries thread %v, want none (the card is the thread root)", th)
					}
				}
			}
			if diff := cmp.Diff([]string{bot.ActionAlertAck + "=42", bot.ActionAlertResolve + "=42"}, actions); diff != "" {
				t.Errorf("buttons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPostRetriesWithOneUUID(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.FailNext(larktest.OpCreate, 1, http.StatusInternalServerError, 1)
	if _, err := f.a.Post(testCtx(t), bot.Destination{Platform: bot.Lark, Channel: "oc_sales"}, bot.Reply{Headline: "x"}); err != nil {
		t.Fatalf("Post: %v", err)
	}
	if got := f.srv.Calls(larktest.OpCreate); got != 2 {
		t.Errorf("got %d create calls, want 2", got)
	}
	if got := len(f.srv.Messages()); got != 1 {
		t.Errorf("got %d messages, want 1", got)
	}
}

func TestPostRefusesBadDestinations(t *testing.T) {
	tests := []struct {
		name string
		to   bot.Destination
	}{
		{"nothing", bot.Destination{Platform: bot.Lark}},
		{"both", bot.Destination{Platform: bot.Lark, Channel: "oc_1", User: "ou_1"}},
		{"other platform", bot.Destination{Platform: bot.Slack, Channel: "C1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if _, err := f.a.Post(testCtx(t), tt.to, bot.Reply{Headline: "x"}); !errors.Is(err, ErrNoDestination) {
				t.Errorf("got %v, want ErrNoDestination", err)
			}
			if got := f.srv.Calls(larktest.OpCreate); got != 0 {
				t.Errorf("got %d create calls, want 0", got)
			}
		})
	}
	t.Run("chat id that is not one", func(t *testing.T) {
		f := newFixture(t, nil)
		_, err := f.a.Post(testCtx(t), bot.Destination{Platform: bot.Lark, Channel: "#sales-metrics"}, bot.Reply{Headline: "x"})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != larktest.CodeInvalidReceiveID {
			t.Errorf("got %v, want API error %d", err, larktest.CodeInvalidReceiveID)
		}
	})
}
