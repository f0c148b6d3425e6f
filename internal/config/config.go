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
	if c.Catalog == "" && c.Warehouse.DSN != "" {
		errs = append(errs, errors.New("a warehouse needs a catalog: set catalog to the directory of its YAML files"))
	}
	return errors.Join(errs...)
}

// Demo reports whether c runs on the built-in demo.
func (c *Config) Demo() bool { return c.Warehouse.DSN == "" }
