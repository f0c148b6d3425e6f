package lark

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/metricbot/metricbot/bot"
)

func decodeMessage(t testing.TB, b []byte) *larkim.P2MessageReceiveV1 {
	t.Helper()
	var ev larkim.P2MessageReceiveV1
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}

var botMention = mention{"@_user_1", "ou_bot", "metricbot"}

func TestMessageFromEvent(t *testing.T) {
	sent := time.UnixMilli(1772443800000).UTC()
	base := bot.Message{EventID: "ev_1", Platform: bot.Lark, Workspace: testTenant, Channel: "oc_chat",
		Thread: "om_q", MessageID: "om_q", User: "ou_asker", Time: sent}
	with := func(edit func(*bot.Message)) bot.Message {
		m := base
		edit(&m)
		return m
	}
	tests := []struct {
		name    string
		event   []byte
		want    bot.Message
		ignored bool
	}{
		{
			name:  "group message that mentions the bot",
			event: messageEvent("ev_1", "group", "om_q", "", "text", textContent("@_user_1 上个月华东区销售额多少?"), botMention),
			want:  with(func(m *bot.Message) { m.Text = "上个月华东区销售额多少?" }),
		},
		{
			name: "mention in the middle, another user kept by name",
			event: messageEvent("ev_1", "group", "om_q", "", "text", textContent("GMV @_user_1 by channel, cc @_user_2"),
				botMention, mention{"@_user_2", "ou_amy", "Amy"}),
			want: with(func(m *bot.Message) { m.Text = "GMV by channel, cc @Amy" }),
		},
		{
			name: "@_user_1 does not eat @_user_10",
			event: messageEvent("ev_1", "group", "om_q", "", "text", textContent("@_user_1 owner of @_user_10?"),
				botMention, mention{"@_user_10", "ou_ten", "Ten"}),
			want: with(func(m *bot.Message) { m.Text = "owner of @Ten?" }),
		},
		{
			name:    "group message without the bot",
			event:   messageEvent("ev_1", "group", "om_q", "", "text", textContent("@_user_2 lunch?"), mention{"@_user_2", "ou_amy", "Amy"}),
			ignored: true,
		},
		{
			name:  "direct message needs no mention",
			event: messageEvent("ev_1", "p2p", "om_q", "", "text", textContent("GMV yesterday")),
			want:  with(func(m *bot.Message) { m.Text = "GMV yesterday"; m.Direct = true }),
		},
		{
			name:  "reply in a thread keeps the root",
			event: messageEvent("ev_1", "group", "om_q", "om_root", "text", textContent("@_user_1 那按品类拆一下"), botMention),
			want:  with(func(m *bot.Message) { m.Text = "那按品类拆一下"; m.Thread = "om_root" }),
		},
		{
			name:  "reply in a group thread without a mention is overheard",
			event: messageEvent("ev_1", "group", "om_q", "om_alert", "text", textContent("支付通道故障, 14:00 恢复")),
			want: with(func(m *bot.Message) {
				m.Text = "支付通道故障, 14:00 恢复"
				m.Thread = "om_alert"
				m.Overheard = true
			}),
		},
		{
			name: "rich text post",
			event: messageEvent("ev_1", "group", "om_q", "", "post", string(mustJSON(map[string]any{
				"title": "周报",
				"content": [][]map[string]any{
					{{"tag": "at", "user_id": "@_user_1", "user_name": "metricbot"}, {"tag": "text", "text": " 上周 GMV "}},
					{{"tag": "text", "text": "按渠道, "}, {"tag": "a", "text": "口径", "href": "https://example.invalid"}, {"tag": "img", "image_key": "img_1"}},
				},
			})), botMention),
			want: with(func(m *bot.Message) { m.Text = "周报\n上周 GMV\n按渠道, 口径" }),
		},
		{
			name: "post wrapped in a locale",
			event: messageEvent("ev_1", "p2p", "om_q", "", "post", string(mustJSON(map[string]any{
				"zh_cn": map[string]any{"title": "", "content": [][]map[string]any{{{"tag": "text", "text": "订单数"}}}},
			}))),
			want: with(func(m *bot.Message) { m.Text = "订单数"; m.Direct = true }),
		},
		{
			name:    "image message",
			event:   messageEvent("ev_1", "p2p", "om_q", "", "image", `{"image_key":"img_1"}`),
			ignored: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := messageFromEvent(decodeMessage(t, tt.event), "ou_bot", fixedNow)
			var why ignored
			if tt.ignored {
				if !errors.As(err, &why) {
					t.Fatalf("got %+v, %v; want ignored", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want a message", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageFromEventRejectsAppSenders(t *testing.T) {
	var raw map[string]any
	json.Unmarshal(messageEvent("ev_1", "p2p", "om_q", "", "text", textContent("hi")), &raw)
	raw["event"].(map[string]any)["sender"].(map[string]any)["sender_type"] = "app"
	_, err := messageFromEvent(decodeMessage(t, mustJSON(raw)), "ou_bot", fixedNow)
	var why ignored
	if !errors.As(err, &why) {
		t.Errorf("got %v, want ignored", err)
	}
}

func TestActionFromEvent(t *testing.T) {
	clicked := time.UnixMilli(1772443900000).UTC()
	tests := []struct {
		name    string
		value   map[string]any
		want    bot.Action
		ignored bool
	}{
		{
			name:  "button of a reply in a thread",
			value: map[string]any{"action": bot.ActionShowSQL, "value": "q-42", "thread": "om_q"},
			want: bot.Action{EventID: "ev_a", Platform: bot.Lark, Workspace: testTenant, Channel: "oc_chat", Thread: "om_q",
				MessageID: "om_card", User: "ou_clicker", ID: bot.ActionShowSQL, Value: "q-42", Time: clicked},
		},
		{
			name:  "without a thread the card's message starts one",
			value: map[string]any{"action": bot.ActionThumbsUp, "value": ""},
			want: bot.Action{EventID: "ev_a", Platform: bot.Lark, Workspace: testTenant, Channel: "oc_chat", Thread: "om_card",
				MessageID: "om_card", User: "ou_clicker", ID: bot.ActionThumbsUp, Time: clicked},
		},
		{
			name:    "another app's button",
			value:   map[string]any{"key": "x"},
			ignored: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev callback.CardActionTriggerEvent
			if err := json.Unmarshal(cardActionEvent("ev_a", tt.value), &ev); err != nil {
				t.Fatal(err)
			}
			got, err := actionFromEvent(&ev, fixedNow)
			var why ignored
			if tt.ignored {
				if !errors.As(err, &why) {
					t.Fatalf("got %+v, %v; want ignored", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("action (-want +got):\n%s", diff)
			}
		})
	}
}

func BenchmarkMessageFromEvent(b *testing.B) {
	ev := decodeMessage(b, messageEvent("ev_1", "group", "om_q", "om_root", "text",
		textContent("@_user_1 上个月华东区销售额多少, 按渠道 @_user_2"), botMention, mention{"@_user_2", "ou_amy", "Amy"}))
	for b.Loop() {
		if _, err := messageFromEvent(ev, "ou_bot", fixedNow); err != nil {
			b.Fatal(err)
		}
	}
}
