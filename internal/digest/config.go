package digest

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/store"
)

// ConfigFile is the format of a subscriptions file:
//
//	subscriptions:
//	  - name: sales-daily          # required, unique: the delivery log is keyed by it
//	    platform: slack            # slack or lark
//	    channel: C0SALES           # or user: U0WANGFANG for a direct message
//	    metrics: [gmv, order_count]
//	    schedule: "0 9 * * *"      # cron: minute hour day-of-month month day-of-week
//	    time_zone: Asia/Shanghai   # default: the catalog's time zone
//	    language: zh               # zh (default) or en
type ConfigFile struct {
	Subscriptions []ConfigSubscription `yaml:"subscriptions"`
}

// ConfigSubscription is one subscription in a subscriptions file.
type ConfigSubscription struct {
	Name     string   `yaml:"name"`
	Platform string   `yaml:"platform"`
	Channel  string   `yaml:"channel,omitempty"`
	User     string   `yaml:"user,omitempty"`
	Metrics  []string `yaml:"metrics"`
	Schedule string   `yaml:"schedule"`
	TimeZone string   `yaml:"time_zone,omitempty"`
	Language string   `yaml:"language,omitempty"`

	line int
}

// ConfigError lists every problem of a subscriptions file, with line numbers.
type ConfigError struct {
	File     string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("read subscriptions %s: %s", e.File, strings.Join(e.Problems, "; "))
}

// ConfigPrefix starts the CreatedBy of every subscription read from a file; the rest is its name.
const ConfigPrefix = "config:"

// ConfigID returns the subscription ID of the configured subscription with the given name: a
// negative number derived from the name, so it never collides with the positive IDs of
// subscriptions made in chat and stays the same across restarts and replicas. Renaming a
// configured subscription starts a new delivery log.
func ConfigID(name string) store.SubscriptionID {
	h := fnv.New64a()
	h.Write([]byte(name))
	return store.SubscriptionID(-int64(h.Sum64()>>2) - 1)
}

// LoadConfig reads a subscriptions file and checks it against c. Unknown keys, unknown metrics,
// bad schedules, zones and languages are reported together in a *ConfigError.
func LoadConfig(path string, c *catalog.Catalog) ([]store.Subscription, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read subscriptions: %w", err)
	}
	defer f.Close()
	return ReadConfig(f, path, c)
}

// ReadConfig is LoadConfig from a reader; name is used in problems.
func ReadConfig(r io.Reader, name string, c *catalog.Catalog) ([]store.Subscription, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read subscriptions %s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, &ConfigError{File: name, Problems: []string{err.Error()}}
	}
	var file ConfigFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ConfigError{File: name, Problems: []string{err.Error()}}
	}
	// Line numbers of the list entries, for the problems below.
	if len(doc.Content) > 0 && doc.Content[0].Kind == yaml.MappingNode {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "subscriptions" {
				for j, item := range root.Content[i+1].Content {
					if j < len(file.Subscriptions) {
						file.Subscriptions[j].line = item.Line
					}
				}
			}
		}
	}
	ce := &ConfigError{File: name}
	bad := func(cs ConfigSubscription, format string, args ...any) {
		ce.Problems = append(ce.Problems, fmt.Sprintf("line %d: %s", cs.line, fmt.Sprintf(format, args...)))
	}
	seen := map[string]bool{}
	var out []store.Subscription
	for _, cs := range file.Subscriptions {
		if cs.Name == "" {
			bad(cs, "subscription has no name")
		} else if seen[cs.Name] {
			bad(cs, "subscription %q is defined twice", cs.Name)
		}
		seen[cs.Name] = true
		if cs.Platform != "slack" && cs.Platform != "lark" {
			bad(cs, "platform %q must be slack or lark", cs.Platform)
		}
		if (cs.Channel == "") == (cs.User == "") {
			bad(cs, "give exactly one of channel and user")
		}
		if len(cs.Metrics) == 0 {
			bad(cs, "no metrics")
		}
		if len(cs.Metrics) > MaxMetrics {
			bad(cs, "%d metrics, at most %d", len(cs.Metrics), MaxMetrics)
		}
		for _, m := range cs.Metrics {
			if _, ok := c.Metric(m); !ok {
				bad(cs, "%v", &catalog.NotFoundError{Kind: "metric", Name: m, Suggestions: catalog.Suggest(m, metricNames(c))})
			}
		}
		if _, err := cron.ParseStandard(cs.Schedule); err != nil {
			bad(cs, "schedule %q: %v", cs.Schedule, err)
		}
		if cs.TimeZone == "" {
			cs.TimeZone = c.TimeZone
		}
		if _, err := time.LoadLocation(cs.TimeZone); err != nil {
			bad(cs, "time_zone %q: %v", cs.TimeZone, err)
		}
		if cs.Language == "" {
			cs.Language = "zh"
		}
		if cs.Language != "zh" && cs.Language != "en" {
			bad(cs, "language %q must be zh or en", cs.Language)
		}
		out = append(out, store.Subscription{ID: ConfigID(cs.Name), Platform: cs.Platform, Channel: cs.Channel, User: cs.User,
			Metrics: cs.Metrics, Cron: cs.Schedule, TimeZone: cs.TimeZone, Language: cs.Language, CreatedBy: ConfigPrefix + cs.Name})
	}
	if len(ce.Problems) > 0 {
		return nil, ce
	}
	return out, nil
}

func metricNames(c *catalog.Catalog) []string {
	out := make([]string, len(c.Metrics))
	for i, m := range c.Metrics {
		out[i] = m.Name
	}
	return out
}
