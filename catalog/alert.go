package catalog

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// AlertKind is what an alert rule watches for.
type AlertKind string

// The alert kinds.
const (
	// Threshold alerts when a value is above Above or below Below.
	Threshold AlertKind = "threshold"
	// Change alerts when the percent change against Compare goes beyond Change.
	Change AlertKind = "change"
	// Target alerts when month-to-date pace (or a whole month's attainment) of the monthly target
	// falls below Attainment.
	Target AlertKind = "target"
	// Anomaly alerts when a day's value leaves the expected band learnt from history.
	Anomaly AlertKind = "anomaly"
)

// AlertDirection says which moves of a metric an alert rule reports.
type AlertDirection string

// The alert directions.
const (
	Up   AlertDirection = "up"
	Down AlertDirection = "down"
	Both AlertDirection = "both"
)

// Sensitivity sets how wide an anomaly rule's expected band is: high sensitivity means a narrow
// band and more alerts.
type Sensitivity string

// The sensitivity levels.
const (
	Low    Sensitivity = "low"
	Medium Sensitivity = "medium"
	High   Sensitivity = "high"
)

// TargetMode says what a target rule compares with the monthly target.
type TargetMode string

// The target modes.
const (
	// Pace compares the month to date with the target's share for the days elapsed.
	Pace TargetMode = "pace"
	// Attainment compares the whole month with its target, once the month is complete.
	Attainment TargetMode = "attainment"
)

// AlertRule is one alert rule of a metric. The fields that apply depend on Kind; the loader
// rejects the others. docs/alerts.md describes each kind.
type AlertRule struct {
	// Name identifies the rule within its metric; default the kind. ID returns metric.name.
	Name string    `yaml:"name,omitempty" json:"name,omitempty"`
	Kind AlertKind `yaml:"kind" json:"kind"`
	// By evaluates the rule separately for each combination of values of these dimensions.
	By []string `yaml:"by,omitempty" json:"by,omitempty"`
	// Top keeps only the Top slices with the largest values over the recent history (needs By).
	Top int `yaml:"top,omitempty" json:"top,omitempty"`
	// Direction is which moves alert: up, down or both (default both).
	Direction AlertDirection `yaml:"direction,omitempty" json:"direction,omitempty"`
	// Grain is the period of threshold and change rules: day (default), week or month.
	Grain Grain `yaml:"grain,omitempty" json:"grain,omitempty"`

	// Threshold rules.
	Above *float64 `yaml:"above,omitempty" json:"above,omitempty"`
	Below *float64 `yaml:"below,omitempty" json:"below,omitempty"`

	// Change rules: Change is a fraction (0.2 alerts on a change beyond 20%); Compare is
	// previous_period (default) or same_period_last_year.
	Change  float64    `yaml:"change,omitempty" json:"change,omitempty"`
	Compare Comparison `yaml:"compare,omitempty" json:"compare,omitempty"`

	// Target rules: Attainment is a fraction (0.9 alerts below 90% of target); Mode is pace
	// (default) or attainment.
	Attainment float64    `yaml:"attainment,omitempty" json:"attainment,omitempty"`
	Mode       TargetMode `yaml:"mode,omitempty" json:"mode,omitempty"`

	// Anomaly rules.
	Sensitivity Sensitivity `yaml:"sensitivity,omitempty" json:"sensitivity,omitempty"`
	// MinHistory is the number of usable past days an anomaly rule needs (default 28).
	MinHistory int `yaml:"min_history,omitempty" json:"min_history,omitempty"`

	// LatencyDays is how many of the latest days are never evaluated because their data may be
	// incomplete: with 1, the run on the 10th evaluates the 8th at the latest.
	LatencyDays int `yaml:"latency_days,omitempty" json:"latency_days,omitempty"`
	meta

	metric string
}

// ID returns the rule's identifier, unique in the catalog: metric.name.
func (r *AlertRule) ID() string { return r.metric + "." + r.Name }

// Metric returns the name of the metric the rule belongs to.
func (r *AlertRule) Metric() string { return r.metric }

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (r *AlertRule) UnmarshalYAML(n *yaml.Node) error {
	type plain AlertRule
	return decodeMeta(n, (*plain)(r), &r.meta)
}

var (
	validAlertKinds  = []string{string(Threshold), string(Change), string(Target), string(Anomaly)}
	validDirections  = []string{string(Up), string(Down), string(Both)}
	validSensitivity = []string{string(Low), string(Medium), string(High)}
)

// alertRules validates m's alert rules and fills in their defaults. It runs after every metric
// was checked, so it may ask which dimensions m can be broken down by.
func (v *validator) alertRules(m *Metric) {
	c := v.c
	seen := map[string]Pos{}
	for _, r := range m.Alerts {
		r.pos.File = m.pos.File
		r.metric = m.Name
		bad := func(key, format string, args ...any) {
			v.add(r.at(key), "metric %q: alert %q: "+format, append([]any{m.Name, r.Name}, args...)...)
		}
		if r.Name == "" {
			r.Name = string(r.Kind)
		}
		if prev, dup := seen[r.Name]; dup {
			bad("name", "duplicate rule name (first defined at %s); give each rule of a metric its own name", prev)
		}
		seen[r.Name] = r.pos
		if !contains(validAlertKinds, string(r.Kind)) {
			bad("kind", "kind %q must be one of %s%s", r.Kind, strings.Join(validAlertKinds, ", "), didYouMean(Suggest(string(r.Kind), validAlertKinds)))
		}
		switch r.Direction {
		case "":
			r.Direction = Both
		case Up, Down, Both:
		default:
			bad("direction", "direction %q must be up, down or both%s", r.Direction, didYouMean(Suggest(string(r.Direction), validDirections)))
		}
		byDims := map[string]bool{}
		for _, dn := range r.By {
			d, ok := c.dimensions[dn]
			switch {
			case !ok:
				bad("by", "unknown dimension %q%s", dn, didYouMean(Suggest(dn, keys(c.dimensions))))
			case byDims[dn]:
				bad("by", "dimension %q listed twice", dn)
			case d.Type == TimeDim:
				bad("by", "dimension %q is a time dimension; alerts are already per period", dn)
			case !c.CanGroupBy(m, d):
				bad("by", "metric %q cannot be broken down by %q%s", m.Name, dn, didYouMean(Suggest(dn, names(c.DimensionsOf(m)))))
			}
			byDims[dn] = true
		}
		if r.Top < 0 {
			bad("top", "top must be positive")
		} else if r.Top > 0 && len(r.By) == 0 {
			bad("top", "top needs by: the slices to pick the top ones from")
		}
		if r.LatencyDays < 0 || r.LatencyDays > 31 {
			bad("latency_days", "latency_days must be between 0 and 31")
		}
		if r.Kind != Anomaly && r.Sensitivity != "" {
			bad("sensitivity", "sensitivity applies only to anomaly rules")
		}
		if r.Kind != Anomaly && r.MinHistory != 0 {
			bad("min_history", "min_history applies only to anomaly rules")
		}
		if r.Kind != Threshold && (r.Above != nil || r.Below != nil) {
			bad("kind", "above and below apply only to threshold rules")
		}
		if r.Kind != Change && (r.Change != 0 || r.Compare != "") {
			bad("kind", "change and compare apply only to change rules")
		}
		if r.Kind != Target && (r.Attainment != 0 || r.Mode != "") {
			bad("kind", "attainment and mode apply only to target rules")
		}
		if r.Kind == Target || r.Kind == Anomaly {
			if r.Grain != "" && r.Grain != Day {
				bad("grain", "%s rules are evaluated daily; grain applies to threshold and change rules", r.Kind)
			}
		}
		if r.Grain == "" {
			r.Grain = Day
		} else if r.Grain != Day && r.Grain != Week && r.Grain != Month {
			bad("grain", "grain %q must be day, week or month", r.Grain)
		}
		switch r.Kind {
		case Threshold:
			if r.Above == nil && r.Below == nil {
				bad("kind", "a threshold rule needs above, below or both")
			}
			if r.Above != nil && r.Below != nil && *r.Below > *r.Above {
				bad("below", "below %g is greater than above %g, so every value would alert", *r.Below, *r.Above)
			}
		case Change:
			if r.Change <= 0 {
				bad("change", "a change rule needs change, a positive fraction (0.2 for 20%%)")
			}
			switch r.Compare {
			case "":
				r.Compare = PreviousPeriod
			case PreviousPeriod, YearOverYear:
			default:
				bad("compare", "compare %q must be previous_period or same_period_last_year", r.Compare)
			}
		case Target:
			if r.Attainment <= 0 || r.Attainment > 2 {
				bad("attainment", "a target rule needs attainment, a fraction of the target such as 0.9")
			}
			switch r.Mode {
			case "":
				r.Mode = Pace
			case Pace, Attainment:
			default:
				bad("mode", "mode %q must be pace or attainment", r.Mode)
			}
			if len(m.Targets) == 0 {
				bad("kind", "a target rule needs the metric's targets")
			}
			if !m.Additive() {
				bad("kind", "a target rule needs an additive metric (a sum or count), and %q is %s", m.Name, describeType(m))
			}
			if len(r.By) > 0 {
				bad("by", "targets are set for the whole metric, so a target rule cannot have by")
			}
		case Anomaly:
			switch r.Sensitivity {
			case "":
				r.Sensitivity = Medium
			case Low, Medium, High:
			default:
				bad("sensitivity", "sensitivity %q must be low, medium or high%s", r.Sensitivity, didYouMean(Suggest(string(r.Sensitivity), validSensitivity)))
			}
			if r.MinHistory == 0 {
				r.MinHistory = 28
			} else if r.MinHistory < 14 || r.MinHistory > 56 {
				bad("min_history", "min_history must be between 14 and 56 days (the band learns from the last 8 weeks)")
			}
		}
	}
}

func describeType(m *Metric) string {
	if m.Type == Simple {
		return string(m.Agg)
	}
	return string(m.Type)
}

func names(ds []*Dimension) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}
