package lark

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptionsValidate(t *testing.T) {
	good := Options{AppID: "cli_1", AppSecret: "s"}
	tests := []struct {
		name string
		edit func(*Options)
		want []string // substrings of the error; none for valid options
	}{
		{name: "long connection needs only the app", edit: func(*Options) {}},
		{name: "http with token", edit: func(o *Options) { o.Mode = ModeHTTP; o.VerificationToken = "v" }},
		{name: "lark domain", edit: func(o *Options) { o.Domain = "Lark" }},
		{
			name: "every problem at once",
			edit: func(o *Options) {
				*o = Options{Mode: "poll", Domain: "slack", BaseURL: "open.feishu.cn", MaxAttempts: -1}
			},
			want: []string{"app id is empty", "app secret is empty", `mode "poll"`, `domain "slack"`, "base url", "max attempts"},
		},
		{
			name: "http without token",
			edit: func(o *Options) { o.Mode = ModeHTTP },
			want: []string{"LARK_VERIFICATION_TOKEN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.edit(&o)
			err := o.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got nil, want an error naming %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestOptionsBaseURL(t *testing.T) {
	tests := []struct {
		o    Options
		want string
	}{
		{Options{}, FeishuBaseURL},
		{Options{Domain: "feishu"}, FeishuBaseURL},
		{Options{Domain: "lark"}, LarkBaseURL},
		{Options{Domain: "lark", BaseURL: "http://127.0.0.1:9/"}, "http://127.0.0.1:9"},
	}
	for _, tt := range tests {
		if got := tt.o.baseURL(); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.o, got, tt.want)
		}
	}
}

func TestOptionsFromEnv(t *testing.T) {
	env := map[string]string{"LARK_APP_ID": "cli_1", "LARK_APP_SECRET": "s", "LARK_VERIFICATION_TOKEN": "v",
		"LARK_ENCRYPT_KEY": "k", "LARK_DOMAIN": "lark", "LARK_MODE": "http", "LARK_BOT_OPEN_ID": "ou_b"}
	got := OptionsFromEnv(func(k string) string { return env[k] })
	want := Options{AppID: "cli_1", AppSecret: "s", VerificationToken: "v", EncryptKey: "k", Domain: "lark", Mode: "http", BotOpenID: "ou_b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

func TestOptionsHideSecrets(t *testing.T) {
	o := Options{AppID: "cli_1", AppSecret: testSecret, VerificationToken: testToken, EncryptKey: testEncryptKey}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("starting", "lark", o)
	for _, s := range []string{fmt.Sprint(o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o), logs.String()} {
		for _, secret := range []string{testSecret, testToken, testEncryptKey} {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q shows in %s", secret, s)
			}
		}
		if !strings.Contains(s, "cli_1") {
			t.Errorf("app id missing from %s", s)
		}
	}
}

func TestAdapterLogsNoSecrets(t *testing.T) {
	// A whole run with a wrong secret, through the SDK's own logging at debug level.
	f := newFixture(t, func(o *Options) { o.AppSecret = "wrong-" + testSecret })
	ctx := testCtx(t)
	_ = f.a.Run(ctx)
	_ = f.a.responder("ev_1", "oc_chat", "om_q", "om_q").Reply(ctx, testReplyForLogs)
	logs := f.logs.String()
	if logs == "" {
		t.Fatal("nothing was logged")
	}
	for _, secret := range []string{testSecret, testToken, testEncryptKey} {
		if strings.Contains(logs, secret) {
			t.Errorf("secret %q reached the logs:\n%s", secret, logs)
		}
	}
}

var testReplyForLogs = goldenReplies[1].reply
