// Package config reads metricbot's configuration file: a strict YAML document (unknown keys are
// errors) with defaults, validated as a whole, whose secrets come from the environment and never
// print.
//
// With no file at all, metricbot runs on the built-in demo: the demo catalog, a generated SQLite
// warehouse and SQLite state under the user's cache directory.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Secret is a value that must never reach logs or output: it formats as <secret>.
type Secret string

const hidden = "<secret>"

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return hidden
}

// GoString implements fmt.GoStringer, so %#v hides it too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText implements encoding.TextMarshaler (JSON and slog use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret's value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Config is the whole configuration. The zero value, after Defaults, is the demo.
type Config struct {
	// Catalog is the catalog directory. Empty means the built-in demo catalog.
	Catalog string `yaml:"catalog,omitempty"`
	// Warehouse says where metrics are computed. An empty DSN means the demo warehouse.
	Warehouse Warehouse `yaml:"warehouse,omitempty"`
	// DataDir holds the demo warehouse and the embedded state database. Default: the user's
	// cache directory plus /metricbot.
	DataDir string `yaml:"data_dir,omitempty"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level,omitempty"`
	// State is where the bot remembers conversations, events, alerts and notes.
	State State `yaml:"state,omitempty"`
	// LLM optionally configures an OpenAI-compatible model for questions the rules cannot read.
	LLM LLM `yaml:"llm,omitempty"`
	// Slack and Lark connect the chat surfaces.
	Slack Slack `yaml:"slack,omitempty"`
	Lark  Lark  `yaml:"lark,omitempty"`
	// Server is the HTTP listener for health, metrics and HTTP event callbacks.
	Server Server `yaml:"server,omitempty"`
	// Alerts turns on the daily alert check, delivery to owners and escalation in serve.
	Alerts Alerts `yaml:"alerts,omitempty"`
	// Digests configures scheduled digests and the weekly review in serve.
	Digests Digests `yaml:"digests,omitempty"`
}

// Digests configures the scheduler of serve. Subscriptions made in chat are always delivered;
// these add subscriptions from a file and the weekly review.
type Digests struct {
	// Subscriptions is a YAML file of subscriptions (docs/digests.md), delivered alongside the
	// ones created in chat.
	Subscriptions string `yaml:"subscriptions,omitempty"`
	// ReviewChannel gets the weekly review of alerts (a Slack channel id or a Lark chat id);
	// empty means no scheduled review.
	ReviewChannel string `yaml:"review_channel,omitempty"`
	// ReviewCron is when the review is posted, in the catalog's time zone (default "0 9 * * 1",
	// Mondays at 09:00).
	ReviewCron string `yaml:"review_cron,omitempty"`
	// Lang is the review's language, zh (default) or en.
	Lang string `yaml:"lang,omitempty"`
}

// Alerts configures the alert loop of serve.
type Alerts struct {
	// Enabled runs the daily check, delivery and hourly escalation.
	Enabled bool `yaml:"enabled,omitempty"`
	// Platform is where alerts go, slack or lark; default the one that is configured (Slack
	// when both are).
	Platform string `yaml:"platform,omitempty"`
	// CheckAt is the time of day ("HH:MM", in the catalog's time zone) of the daily check, after
	// the warehouse's data for yesterday is in. Default "09:00".
	CheckAt string `yaml:"check_at,omitempty"`
	// RemindAfter is how long an alert may stay unacknowledged before its owner is reminded
	// (default 4h); EscalateAfter is when the owner of the parent metric, or FallbackChannel,
	// is told (default 24h).
	RemindAfter   time.Duration `yaml:"remind_after,omitempty"`
	EscalateAfter time.Duration `yaml:"escalate_after,omitempty"`
	// FallbackChannel gets escalations without a reachable parent owner, and alerts of metrics
	// with neither owner nor channel.
	FallbackChannel string `yaml:"fallback_channel,omitempty"`
}

// State configures the state store.
type State struct {
	// DSN is a postgres:// URL; empty means an SQLite file state.db in the data directory.
	DSN    Secret `yaml:"dsn,omitempty"`
	DSNEnv string `yaml:"dsn_env,omitempty"`
}

// LLM configures the optional LLM planner. It is off unless BaseURL or the API key is set.
type LLM struct {
	BaseURL   string        `yaml:"base_url,omitempty"`
	Model     string        `yaml:"model,omitempty"`
	APIKey    Secret        `yaml:"api_key,omitempty"`
	APIKeyEnv string        `yaml:"api_key_env,omitempty"` // default METRICBOT_LLM_API_KEY
	Timeout   time.Duration `yaml:"timeout,omitempty"`
	// EmbeddingModel, when set, embeds catalog terms and verified examples through the same
	// endpoint for retrieval (env METRICBOT_LLM_EMBEDDING_MODEL); EmbeddingDims is its vector
	// size, needed for the pgvector index when the state store is PostgreSQL. Without a model the
	// candidates are found by lexical matching.
	EmbeddingModel string `yaml:"embedding_model,omitempty"`
	EmbeddingDims  int    `yaml:"embedding_dims,omitempty"`
}

// Enabled reports whether an LLM is configured.
func (l LLM) Enabled() bool { return l.BaseURL != "" || l.APIKey != "" }

// Slack configures the Slack app. Tokens default to SLACK_BOT_TOKEN, SLACK_APP_TOKEN and
// SLACK_SIGNING_SECRET.
type Slack struct {
	BotToken      Secret `yaml:"-"`
	AppToken      Secret `yaml:"-"`
	SigningSecret Secret `yaml:"-"`
	BotTokenEnv   string `yaml:"bot_token_env,omitempty"`
	AppTokenEnv   string `yaml:"app_token_env,omitempty"`
	SigningEnv    string `yaml:"signing_secret_env,omitempty"`
	// Mode is socket (default; no public URL needed) or http (Events API).
	Mode string `yaml:"mode,omitempty"`
	// APIURL overrides the Slack API base URL (GovSlack, proxies, tests).
	APIURL string `yaml:"api_url,omitempty"`
}

// Enabled reports whether Slack is configured.
func (s Slack) Enabled() bool { return s.BotToken != "" }

// Lark configures the Lark / Feishu app. Secrets default to LARK_APP_ID, LARK_APP_SECRET,
// LARK_VERIFICATION_TOKEN and LARK_ENCRYPT_KEY.
type Lark struct {
	AppID             string `yaml:"-"`
	AppSecret         Secret `yaml:"-"`
	VerificationToken Secret `yaml:"-"`
	EncryptKey        Secret `yaml:"-"`
	AppIDEnv          string `yaml:"app_id_env,omitempty"`
	AppSecretEnv      string `yaml:"app_secret_env,omitempty"`
	TokenEnv          string `yaml:"verification_token_env,omitempty"`
	EncryptKeyEnv     string `yaml:"encrypt_key_env,omitempty"`
	// Mode is ws (long connection, default) or http (event callback).
	Mode string `yaml:"mode,omitempty"`
	// Domain is feishu (mainland China, default) or lark (international); BaseURL overrides it.
	Domain  string `yaml:"domain,omitempty"`
	BaseURL string `yaml:"base_url,omitempty"`
}

// Enabled reports whether Lark is configured.
func (l Lark) Enabled() bool { return l.AppID != "" && l.AppSecret != "" }

// Server configures the HTTP listener.
type Server struct {
	// Addr is the listen address for /healthz, /metrics and HTTP event callbacks (default
	// 127.0.0.1:8080).
	Addr string `yaml:"addr,omitempty"`
}

// Warehouse configures the warehouse connection.
type Warehouse struct {
	// DSN is postgres://..., mysql://... or sqlite:PATH. It usually holds a password, so it is a
	// secret; prefer DSNEnv.
	DSN Secret `yaml:"dsn,omitempty"`
	// DSNEnv names an environment variable holding the DSN.
	DSNEnv string `yaml:"dsn_env,omitempty"`
	// Timeout bounds each query. Default 30s.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// MaxRows bounds each result. Default 100000.
	MaxRows int `yaml:"max_rows,omitempty"`
}

// Load reads the configuration file at path, applies defaults and validates it. An empty path
// returns the demo configuration.
func Load(path string) (*Config, error) {
	c := &Config{}
	if path != "" {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(src))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	if err := c.Defaults(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Defaults fills in default values and reads secrets named by *_env keys from the environment.
func (c *Config) Defaults() error {
	if c.DataDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		c.DataDir = dir + string(os.PathSeparator) + "metricbot"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.Warehouse.DSNEnv != "" && c.Warehouse.DSN == "" {
		c.Warehouse.DSN = Secret(os.Getenv(c.Warehouse.DSNEnv))
	}
	if c.State.DSNEnv != "" && c.State.DSN == "" {
		c.State.DSN = Secret(os.Getenv(c.State.DSNEnv))
	}
	env := func(name, def string) string {
		if name == "" {
			name = def
		}
		return os.Getenv(name)
	}
	if c.LLM.APIKey == "" {
		c.LLM.APIKey = Secret(env(c.LLM.APIKeyEnv, "METRICBOT_LLM_API_KEY"))
	}
	if c.LLM.BaseURL == "" {
		c.LLM.BaseURL = os.Getenv("METRICBOT_LLM_BASE_URL")
	}
	if c.LLM.Model == "" {
		c.LLM.Model = os.Getenv("METRICBOT_LLM_MODEL")
	}
	if c.LLM.EmbeddingModel == "" {
		c.LLM.EmbeddingModel = os.Getenv("METRICBOT_LLM_EMBEDDING_MODEL")
	}
	if c.LLM.Timeout == 0 {
		c.LLM.Timeout = 20 * time.Second
	}
	c.Slack.BotToken = Secret(env(c.Slack.BotTokenEnv, "SLACK_BOT_TOKEN"))
	c.Slack.AppToken = Secret(env(c.Slack.AppTokenEnv, "SLACK_APP_TOKEN"))
	c.Slack.SigningSecret = Secret(env(c.Slack.SigningEnv, "SLACK_SIGNING_SECRET"))
	if c.Slack.Mode == "" {
		c.Slack.Mode = "socket"
	}
	c.Lark.AppID = env(c.Lark.AppIDEnv, "LARK_APP_ID")
	c.Lark.AppSecret = Secret(env(c.Lark.AppSecretEnv, "LARK_APP_SECRET"))
	c.Lark.VerificationToken = Secret(env(c.Lark.TokenEnv, "LARK_VERIFICATION_TOKEN"))
	c.Lark.EncryptKey = Secret(env(c.Lark.EncryptKeyEnv, "LARK_ENCRYPT_KEY"))
	if c.Lark.Mode == "" {
		c.Lark.Mode = "ws"
	}
	if c.Lark.Domain == "" {
		c.Lark.Domain = os.Getenv("LARK_DOMAIN")
	}
	if c.Lark.Domain == "" {
		c.Lark.Domain = "feishu"
	}
	if c.Digests.ReviewCron == "" {
		c.Digests.ReviewCron = "0 9 * * 1"
	}
	if c.Digests.Lang == "" {
		c.Digests.Lang = "zh"
	}
	if c.Server.Addr == "" {
		c.Server.Addr = "127.0.0.1:8080"
	}
	if c.Warehouse.Timeout == 0 {
		c.Warehouse.Timeout = 30 * time.Second
	}
	if c.Warehouse.MaxRows == 0 {
		c.Warehouse.MaxRows = 100000
	}
	return nil
}

// Validate reports every problem with c at once.
func (c *Config) Validate() error {
	var errs []error
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.Warehouse.DSNEnv != "" && c.Warehouse.DSN == "" {
		errs = append(errs, fmt.Errorf("warehouse.dsn_env names %s, which is not set", c.Warehouse.DSNEnv))
	}
	if c.Warehouse.Timeout < 0 {
		errs = append(errs, errors.New("warehouse.timeout must be positive"))
	}
	if c.Warehouse.MaxRows < 0 {
		errs = append(errs, errors.New("warehouse.max_rows must be positive"))
	}
	if c.State.DSNEnv != "" && c.State.DSN == "" {
		errs = append(errs, fmt.Errorf("state.dsn_env names %s, which is not set", c.State.DSNEnv))
	}
	if d := c.State.DSN.Reveal(); d != "" && !strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") {
		errs = append(errs, errors.New("state.dsn must be a postgres:// URL (leave it empty for the embedded SQLite state)"))
	}
	if a := c.Alerts; a.Enabled {
		if a.Platform != "" && a.Platform != "slack" && a.Platform != "lark" {
			errs = append(errs, fmt.Errorf("alerts.platform %q must be slack or lark", a.Platform))
		}
		if a.CheckAt != "" {
			if _, err := time.Parse("15:04", a.CheckAt); err != nil {
				errs = append(errs, fmt.Errorf("alerts.check_at %q must be HH:MM", a.CheckAt))
			}
		}
		if a.RemindAfter < 0 || a.EscalateAfter < 0 {
			errs = append(errs, errors.New("alerts.remind_after and alerts.escalate_after must be positive"))
		}
		if a.RemindAfter > 0 && a.EscalateAfter > 0 && a.EscalateAfter <= a.RemindAfter {
			errs = append(errs, fmt.Errorf("alerts.escalate_after (%s) must be later than alerts.remind_after (%s)", a.EscalateAfter, a.RemindAfter))
		}
	}
	if c.LLM.Enabled() && c.LLM.Model == "" {
		errs = append(errs, errors.New("llm.model (or METRICBOT_LLM_MODEL) is required when an LLM is configured"))
	}
	switch c.Slack.Mode {
	case "socket":
		if c.Slack.Enabled() && c.Slack.AppToken == "" {
			errs = append(errs, errors.New("slack socket mode needs an app-level token (SLACK_APP_TOKEN, xapp-...)"))
		}
	case "http":
		if c.Slack.Enabled() && c.Slack.SigningSecret == "" {
			errs = append(errs, errors.New("slack http mode needs the signing secret (SLACK_SIGNING_SECRET)"))
		}
	default:
		errs = append(errs, fmt.Errorf("slack.mode %q must be socket or http", c.Slack.Mode))
	}
	switch c.Lark.Mode {
	case "ws", "http":
	default:
		errs = append(errs, fmt.Errorf("lark.mode %q must be ws or http", c.Lark.Mode))
	}
	switch c.Lark.Domain {
	case "feishu", "lark":
	default:
		errs = append(errs, fmt.Errorf("lark.domain %q must be feishu or lark", c.Lark.Domain))
	}
	if c.Digests.Lang != "zh" && c.Digests.Lang != "en" {
		errs = append(errs, fmt.Errorf("digests.lang %q must be zh or en", c.Digests.Lang))
	}
	if c.Catalog == "" && c.Warehouse.DSN != "" {
		errs = append(errs, errors.New("a warehouse needs a catalog: set catalog to the directory of its YAML files"))
	}
	return errors.Join(errs...)
}

// Demo reports whether c runs on the built-in demo.
func (c *Config) Demo() bool { return c.Warehouse.DSN == "" }
