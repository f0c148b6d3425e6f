package lark

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark/larktest"
)

var png = []byte("\x89PNG\r\n\x1a\nfake-chart")

// cardElements decodes a sent card's elements.
func cardElements(t *testing.T, content string) []map[string]any {
	t.Helper()
	var c struct {
		Elements []map[string]any `json:"elements"`
	}
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		t.Fatalf("card is not JSON: %v", err)
	}
	return c.Elements
}

func imageKeys(t *testing.T, content string) []string {
	var keys []string
	for _, el := range cardElements(t, content) {
		if el["tag"] == "img" {
			keys = append(keys, el["img_key"].(string))
		}
	}
	return keys
}

func TestReplyPostsCardInThread(t *testing.T) {
	f := newFixture(t, nil)
	out := f.a.responder("ev_1", "oc_chat", "om_q", "om_root")
	reply := goldenReplies[0].reply
	reply.Chart = &bot.Image{PNG: png, Title: "GMV", AltText: "bar chart"}
	if err := out.Reply(testCtx(t), reply); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	images := f.srv.Images()
	if len(images) != 1 {
		t.Fatalf("got %d uploads, want 1", len(images))
	}
	if diff := cmp.Diff(larktest.Image{Key: images[0].Key, ImageType: "message", Data: png}, images[0]); diff != "" {
		t.Errorf("upload (-want +got):\n%s", diff)
	}
	replies := f.srv.Replies()
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1", len(replies))
	}
	got := replies[0]
	want := larktest.Reply{ParentID: "om_q", MessageID: got.MessageID, MsgType: "interactive", Content: got.Content,
		ReplyInThread: true, UUID: got.UUID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reply (-want +got):\n%s", diff)
	}
	if got.UUID == "" {
		t.Error("reply has no idempotency uuid")
	}
	if diff := cmp.Diff([]string{images[0].Key}, imageKeys(t, got.Content)); diff != "" {
		t.Errorf("card image keys (-want +got):\n%s", diff)
	}
	if got := f.srv.TokenRequests(); got != 1 {
		t.Errorf("got %d tenant token requests, want 1 (cached)", got)
	}
}

func TestReplyRetries(t *testing.T) {
	reset := http.Header{"X-Ogw-Ratelimit-Reset": {"3"}}
	tests := []struct {
		name      string
		fail      func(*larktest.Server)
		wantErr   error // nil for success
		wantCalls int
		wantWaits []time.Duration
	}{
		{
			name:      "rate limited twice then sent",
			fail:      func(s *larktest.Server) { s.FailNext(larktest.OpReply, 2, 429, larktest.CodeRateLimited) },
			wantCalls: 3,
			wantWaits: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name:      "rate limit code in a 200 answer",
			fail:      func(s *larktest.Server) { s.FailNext(larktest.OpReply, 1, 200, larktest.CodeRateLimited) },
			wantCalls: 2,
			wantWaits: []time.Duration{500 * time.Millisecond},
		},
		{
			name: "server asks for a longer wait",
			fail: func(s *larktest.Server) {
				s.FailNextWithHeader(larktest.OpReply, 1, 429, larktest.CodeRateLimited, reset)
			},
			wantCalls: 2,
			wantWaits: []time.Duration{3 * time.Second},
		},
		{
			name:      "server error retried",
			fail:      func(s *larktest.Server) { s.FailNext(larktest.OpReply, 1, 503, 1) },
			wantCalls: 2,
			wantWaits: []time.Duration{500 * time.Millisecond},
		},
		{
			name:      "rate limited for good",
			fail:      func(s *larktest.Server) { s.FailNext(larktest.OpReply, 10, 429, larktest.CodeRateLimited) },
			wantErr:   ErrRateLimited,
			wantCalls: 4,
			wantWaits: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second},
		},
		{
			name:      "bad request not retried",
			fail:      func(s *larktest.Server) { s.FailNext(larktest.OpReply, 1, 400, larktest.CodeInvalidParam) },
			wantErr:   &APIError{},
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			tt.fail(f.srv)
			err := f.a.responder("ev_1", "oc_chat", "om_q", "om_q").Reply(testCtx(t), bot.Reply{Headline: "GMV 1.2万"})
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				if got := len(f.srv.Replies()); got != 1 {
					t.Errorf("got %d replies, want 1", got)
				}
			case *APIError:
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("got %v, want an *APIError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
			if err != nil && !strings.Contains(err.Error(), "om_q") {
				t.Errorf("error %q does not name the message", err)
			}
			if got := f.srv.Calls(larktest.OpReply); got != tt.wantCalls {
				t.Errorf("got %d calls, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantWaits, f.sleep.Waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if tt.wantCalls > 1 && !strings.Contains(f.logs.String(), "event_id=ev_1") {
				t.Errorf("retry log lacks the event id:\n%s", f.logs)
			}
		})
	}
}

func TestReplyStopsWhenContextEnds(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.FailNext(larktest.OpReply, 10, 429, larktest.CodeRateLimited)
	f.sleep.err = context.Canceled
	err := f.a.responder("ev_1", "oc_chat", "om_q", "om_q").Reply(testCtx(t), bot.Reply{Headline: "x"})
	if !errors.Is(err, ErrRateLimited) || !strings.Contains(err.Error(), "stopped retrying") {
		t.Errorf("got %v, want a rate limit error that stopped retrying", err)
	}
	if got := f.srv.Calls(larktest.OpReply); got != 1 {
		t.Errorf("got %d calls, want 1", got)
	}
}

func TestReplyWithWrongSecret(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AppSecret = "wrong-" + testSecret })
	err := f.a.responder("ev_1", "oc_chat", "om_q", "om_q").Reply(testCtx(t), bot.Reply{Headline: "x"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != larktest.CodeAppSecretInvalid {
		t.Fatalf("got %v, want an *APIError with code %d", err, larktest.CodeAppSecretInvalid)
	}
	if got := len(f.srv.Replies()); got != 0 {
		t.Errorf("got %d replies, want 0", got)
	}
	if logs := f.logs.String() + err.Error(); strings.Contains(logs, testSecret) {
		t.Errorf("the app secret reached the logs or the error:\n%s", logs)
	}
}

func TestSameEventRepliesOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := testCtx(t)
	// A redelivered event that slipped past dedupe gets a fresh responder: the same idempotency
	// key makes Lark post the answer once.
	for range 2 {
		if err := f.a.responder("ev_1", "oc_chat", "om_q", "om_q").Reply(ctx, bot.Reply{Headline: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	// A second, different reply to the same event is a new message.
	out := f.a.responder("ev_1", "oc_chat", "om_q", "om_q")
	out.Reply(ctx, bot.Reply{Headline: "x"})
	if err := out.Reply(ctx, bot.Reply{Headline: "y"}); err != nil {
		t.Fatal(err)
	}
	if got := len(f.srv.Replies()); got != 2 {
		t.Errorf("got %d replies, want 2", got)
	}
}

func TestReplyWithoutChartWhenUploadFails(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.FailNext(larktest.OpImage, 1, 400, larktest.CodeImageInvalid)
	err := f.a.responder("ev_1", "oc_chat", "om_q", "om_q").Reply(testCtx(t),
		bot.Reply{Headline: "GMV", Text: []string{"up"}, Chart: &bot.Image{PNG: png}})
	if err != nil {
		t.Fatalf("Reply: %v", err)
	}
	replies := f.srv.Replies()
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1", len(replies))
	}
	if keys := imageKeys(t, replies[0].Content); len(keys) != 0 {
		t.Errorf("got image keys %v, want none", keys)
	}
	if !strings.Contains(f.logs.String(), "upload chart failed") {
		t.Errorf("the failed upload was not logged:\n%s", f.logs)
	}
}

func TestWorkingAddsReaction(t *testing.T) {
	f := newFixture(t, nil)
	var out bot.Responder = f.a.responder("ev_1", "oc_chat", "om_q", "om_q")
	p, ok := out.(bot.Progress)
	if !ok {
		t.Fatal("responder does not implement bot.Progress")
	}
	if err := p.Working(testCtx(t)); err != nil {
		t.Fatalf("Working: %v", err)
	}
	if diff := cmp.Diff([]larktest.Reaction{{MessageID: "om_q", EmojiType: "OnIt"}}, f.srv.Reactions()); diff != "" {
		t.Errorf("reactions (-want +got):\n%s", diff)
	}
}

func TestBotIDLookedUpOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := testCtx(t)
	for range 2 {
		id, err := f.a.botID(ctx)
		if err != nil || id != "ou_bot" {
			t.Fatalf("got %q, %v; want ou_bot", id, err)
		}
	}
	if got := f.srv.Calls(larktest.OpBotInfo); got != 1 {
		t.Errorf("got %d bot info calls, want 1", got)
	}
}

func TestReplyFetchesNewTokenWhenRevoked(t *testing.T) {
	f := newFixture(t, nil)
	ctx := testCtx(t)
	out := f.a.responder("ev_1", "oc_chat", "om_q", "om_q")
	if err := out.Reply(ctx, bot.Reply{Headline: "one"}); err != nil {
		t.Fatal(err)
	}
	f.srv.RevokeToken()
	if err := out.Reply(ctx, bot.Reply{Headline: "two"}); err != nil {
		t.Fatalf("Reply after the token was revoked: %v", err)
	}
	if got := len(f.srv.Replies()); got != 2 {
		t.Errorf("got %d replies, want 2", got)
	}
	if got := f.srv.TokenRequests(); got != 2 {
		t.Errorf("got %d token requests, want 2", got)
	}
	if got := f.sleep.Waits(); len(got) != 0 {
		t.Errorf("waited %v before fetching a new token, want no wait", got)
	}
}
