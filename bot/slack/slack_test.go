package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/metricbot/metricbot/bot"
)

func TestNewValidatesEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{name: "nothing", opts: Options{}, want: []string{
			"socket mode needs an app-level token (SLACK_APP_TOKEN)",
			"a bot token is needed (SLACK_BOT_TOKEN)",
		}},
		{name: "swapped tokens", opts: Options{BotToken: testAppToken, AppToken: testBotToken}, want: []string{
			`the app-level token must start with "xapp-"`,
			`the bot token must start with "xoxb-"`,
		}},
		{name: "http without secret", opts: Options{Mode: ModeHTTP, BotToken: testBotToken}, want: []string{
			"http mode needs a signing secret (SLACK_SIGNING_SECRET)",
		}},
		{name: "bad values", opts: Options{Mode: "rtm", BotToken: testBotToken, APIURL: "http://x/api",
			Command: "metric", ReplayWindow: time.Hour, Workers: -1, MaxRetries: -2}, want: []string{
			`mode "rtm" is not "socket" or "http"`,
			`api url "http://x/api" must end with /`,
			`command "metric" must start with /`,
			"replay window 1h0m0s is not between 0 and 5m0s",
			"workers -1 is negative",
			"max retries -2 is negative",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts, newFakeHandler())
			if !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("got %v, want ErrInvalidOptions", err)
			}
			oe, ok := errors.AsType[*OptionsError](err)
			if !ok {
				t.Fatalf("got %T, want *OptionsError", err)
			}
			if diff := cmp.Diff(tt.want, oe.Problems); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := New(Options{BotToken: testBotToken, AppToken: testAppToken}, nil); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("nil handler: got %v, want ErrInvalidOptions", err)
	}
	if _, err := New(Options{BotToken: testBotToken, AppToken: testAppToken}, newFakeHandler()); err != nil {
		t.Errorf("valid options: got %v", err)
	}
}

func TestOptionsHideSecrets(t *testing.T) {
	o := Options{BotToken: testBotToken, AppToken: testAppToken, SigningSecret: testSecret, Mode: ModeHTTP}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("options", "opts", o)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("options", "opts", o)
	fmt.Fprintf(&buf, "%v %+v %#v %s", o, o, o, o)
	out := buf.String()
	for _, secret := range []string{testBotToken, testAppToken, testSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains a secret:\n%s", out)
		}
	}
	if !strings.Contains(out, hidden) {
		t.Errorf("output does not mark the secrets as %s:\n%s", hidden, out)
	}
}

func TestStripMention(t *testing.T) {
	tests := []struct {
		text, botID, want string
	}{
		{"<@UBOT> GMV last week", "UBOT", "GMV last week"},
		{"GMV <@UBOT|metricbot> last week", "UBOT", "GMV last week"},
		{"<@UBOT> ask <@U2> about GMV", "UBOT", "ask <@U2> about GMV"},
		{"<@UBOT2> is someone else", "UBOT", "<@UBOT2> is someone else"},
		{"<@UBOT> line one\nline two", "UBOT", "line one\nline two"},
		{"<@UXYZ> GMV", "", "GMV"},
		{"GMV <@UXYZ>", "", "GMV <@UXYZ>"},
	}
	for _, tt := range tests {
		if got := stripMention(tt.text, tt.botID); got != tt.want {
			t.Errorf("stripMention(%q, %q): got %q, want %q", tt.text, tt.botID, got, tt.want)
		}
	}
}

func TestTSTime(t *testing.T) {
	tests := []struct {
		ts   string
		want time.Time
	}{
		{"1700000000.000100", time.Unix(1700000000, 100000).UTC()},
		{"1700000000", time.Unix(1700000000, 0).UTC()},
		{"", time.Time{}},
		{"x.1", time.Time{}},
	}
	for _, tt := range tests {
		if got := tsTime(tt.ts); !got.Equal(tt.want) {
			t.Errorf("tsTime(%q): got %v, want %v", tt.ts, got, tt.want)
		}
	}
}

func TestInteractionActionsIgnoresOtherInteractions(t *testing.T) {
	now := func() time.Time { return time.Unix(5, 0) }
	for _, typ := range []slack.InteractionType{slack.InteractionTypeViewSubmission, slack.InteractionTypeShortcut} {
		if got := interactionActions(slack.InteractionCallback{Type: typ}, now); len(got) != 0 {
			t.Errorf("%s: got %+v, want no actions", typ, got)
		}
	}
}

// fakeAPI is an in-memory api for the cases the local server cannot stage cheaply.
type fakeAPI struct {
	addErr, removeErr, postErr error
	posts                      int
	removed                    int
}

func (f *fakeAPI) AuthTestContext(context.Context) (*slack.AuthTestResponse, error) {
	return &slack.AuthTestResponse{UserID: testBotUser}, nil
}

func (f *fakeAPI) PostMessageContext(context.Context, string, ...slack.MsgOption) (string, string, error) {
	f.posts++
	return "C1", "1.9", f.postErr
}

func (f *fakeAPI) UploadFileContext(context.Context, slack.UploadFileParameters) (*slack.FileSummary, error) {
	return &slack.FileSummary{ID: "F1"}, nil
}

func (f *fakeAPI) AddReactionContext(context.Context, string, slack.ItemRef) error { return f.addErr }

func (f *fakeAPI) RemoveReactionContext(context.Context, string, slack.ItemRef) error {
	f.removed++
	return f.removeErr
}

func (f *fakeAPI) OpenConversationContext(context.Context, *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	return &slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "D1"}}}, false, false, nil
}

var _ api = (*fakeAPI)(nil)

func fakeAdapter(t *testing.T, c api, logs *logBuffer) *Adapter {
	t.Helper()
	opts := Options{BotToken: testBotToken, AppToken: testAppToken,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Sleep:  func(ctx context.Context, d time.Duration) error { return ctx.Err() }}.withDefaults()
	return newAdapter(opts, newFakeHandler(), c)
}

func TestWorkingReactionErrors(t *testing.T) {
	tests := []struct {
		name        string
		addErr      error
		wantErr     bool
		wantRemoved int
	}{
		{name: "added", wantRemoved: 1},
		{name: "already there", addErr: slack.SlackErrorResponse{Err: "already_reacted"}, wantRemoved: 1},
		{name: "refused", addErr: slack.SlackErrorResponse{Err: "missing_scope"}, wantErr: true, wantRemoved: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeAPI{addErr: tt.addErr}
			out := fakeAdapter(t, c, &logBuffer{}).responder("C1", "1.5", "1.5", "Ev1")
			err := out.Working(t.Context())
			if (err != nil) != tt.wantErr {
				t.Errorf("Working: got %v, want error %v", err, tt.wantErr)
			}
			if err := out.Reply(t.Context(), bot.Reply{Headline: "x"}); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			if c.removed != tt.wantRemoved {
				t.Errorf("got %d removals, want %d", c.removed, tt.wantRemoved)
			}
		})
	}
}

func TestReplyErrorsAreLoggedWithContextNotTokens(t *testing.T) {
	logs := &logBuffer{}
	c := &fakeAPI{postErr: slack.SlackErrorResponse{Err: "channel_not_found"}}
	out := fakeAdapter(t, c, logs).responder("C404", "1.5", "", "EvX")
	err := out.Reply(t.Context(), bot.Reply{Headline: "x"})
	if slackError(err) != "channel_not_found" {
		t.Errorf("got %v, want channel_not_found", err)
	}
	if c.posts != 1 {
		t.Errorf("got %d posts, want 1 (no retry for a refusal)", c.posts)
	}
	got := logs.String()
	for _, want := range []string{`"channel":"C404"`, `"thread":"1.5"`, `"event_id":"EvX"`, "channel_not_found"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, testBotToken) {
		t.Errorf("log contains the token:\n%s", got)
	}
}

func TestEmptyReply(t *testing.T) {
	c := &fakeAPI{}
	out := fakeAdapter(t, c, &logBuffer{}).responder("C1", "1.5", "", "Ev1")
	if err := out.Reply(t.Context(), bot.Reply{Text: []string{" "}}); !errors.Is(err, ErrEmptyReply) {
		t.Errorf("got %v, want ErrEmptyReply", err)
	}
	if c.posts != 0 {
		t.Errorf("got %d posts, want none", c.posts)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	a := fakeAdapter(t, &fakeAPI{}, &logBuffer{})
	err := a.retry(ctx, "chat.postMessage", nil, func(context.Context) error {
		calls++
		return &slack.RateLimitedError{RetryAfter: time.Second}
	})
	if _, ok := errors.AsType[*slack.RateLimitedError](err); !ok || calls != 1 {
		t.Errorf("got %v after %d calls, want the rate limit error after 1 call", err, calls)
	}
}

func TestReplyOverBlockLimitPostsSeveralMessages(t *testing.T) {
	c := &fakeAPI{}
	out := fakeAdapter(t, c, &logBuffer{}).responder("C1", "1.5", "", "Ev1")
	var r bot.Reply
	for i := range 60 {
		r.Text = append(r.Text, fmt.Sprint("paragraph ", i))
	}
	if err := out.Reply(t.Context(), r); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if c.posts != 2 {
		t.Errorf("got %d posts, want 2", c.posts)
	}
}
