package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "metricbot.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	t.Setenv("MB_TEST_DSN", "postgres://u:hunter2@db:5432/w")
	tests := []struct {
		name, body, wantErr string
	}{
		{"empty file is the demo", "", ""},
		{"full", "catalog: ./cat\nwarehouse:\n  dsn_env: MB_TEST_DSN\n  timeout: 5s\nlog_level: debug\n", ""},
		{"unknown key", "catalgo: ./cat\n", "field catalgo not found"},
		{"bad level", "log_level: loud\n", `log_level "loud"`},
		{"unset env", "catalog: x\nwarehouse: {dsn_env: MB_TEST_UNSET}\n", "MB_TEST_UNSET, which is not set"},
		{"warehouse without catalog", "warehouse: {dsn_env: MB_TEST_DSN}\n", "needs a catalog"},
		{"alerts", "alerts: {enabled: true, platform: lark, check_at: \"08:30\", remind_after: 2h, escalate_after: 12h, fallback_channel: oc_ops}\n", ""},
		{"alerts bad platform", "alerts: {enabled: true, platform: teams}\n", `alerts.platform "teams"`},
		{"alerts bad time", "alerts: {enabled: true, check_at: \"9am\"}\n", `alerts.check_at "9am"`},
		{"alerts escalate before remind", "alerts: {enabled: true, remind_after: 8h, escalate_after: 4h}\n", "must be later than"},
		{"alerts unknown key", "alerts: {enabled: true, remind: 1h}\n", "field remind not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Load: got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestHideSecrets proves the warehouse DSN never reaches logs or printed output.
func TestHideSecrets(t *testing.T) {
	t.Setenv("MB_TEST_DSN", "postgres://u:hunter2@db:5432/w")
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-hunter2")
	t.Setenv("SLACK_APP_TOKEN", "xapp-hunter2")
	t.Setenv("LARK_APP_ID", "cli_x")
	t.Setenv("LARK_APP_SECRET", "hunter2-lark")
	t.Setenv("METRICBOT_LLM_API_KEY", "sk-hunter2")
	t.Setenv("METRICBOT_LLM_MODEL", "m")
	c, err := Load(write(t, "catalog: ./cat\nwarehouse: {dsn_env: MB_TEST_DSN}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.BotToken.Reveal() != "xoxb-hunter2" || c.LLM.APIKey.Reveal() != "sk-hunter2" || c.Lark.AppSecret.Reveal() != "hunter2-lark" {
		t.Fatalf("secrets not read from the environment: %+v", c)
	}
	if c.Warehouse.DSN.Reveal() != "postgres://u:hunter2@db:5432/w" {
		t.Fatalf("DSN not read from the environment: got %q", c.Warehouse.DSN.Reveal())
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c, "dsn", c.Warehouse.DSN, "slack", c.Slack, "llm", c.LLM)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", c, "dsn", c.Warehouse.DSN)
	fmt.Fprintf(&buf, "%v %+v %#v %s", c, c, c, c.Warehouse.DSN)
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("secret leaked:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "<secret>") {
		t.Errorf("output does not show <secret>:\n%s", buf.String())
	}
}
