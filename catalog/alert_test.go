package catalog_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

func TestAlertRules(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{name: "valid rules of every kind", src: `dimensions:
  - {name: store_name, label: store, source: stores, column: store_name}
metrics:
  - name: paid
    label: paid
    description: Paid amount.
    type: simple
    source: orders
    agg: sum
    expr: paid
    targets: {2026-11: 100}
    alerts:
      - {kind: anomaly, by: [region], top: 3, direction: down, sensitivity: high, min_history: 21, latency_days: 1}
      - {kind: threshold, above: 10, below: 1}
      - {kind: change, change: 0.2, compare: same_period_last_year, grain: week}
      - {kind: target, attainment: 0.9, mode: attainment}
`},
		{name: "every problem at once", src: `dimensions:
  - {name: store_name, label: store, source: stores, column: store_name}
metrics:
  - name: paid
    label: paid
    description: Paid amount.
    type: simple
    source: orders
    agg: count_distinct
    expr: order_id
    dimensions: [region]
    alerts:
      - {kind: anomoly}
      - {kind: anomaly, by: [regoin], direction: sideways, sensitivity: hihg}
      - {kind: anomaly, by: [store_name], top: 2}
      - {kind: threshold, top: 2}
      - {kind: change, change: 0.1, compare: last_week}
      - {kind: target, attainment: 0.9, by: [region]}
      - {name: t, kind: threshold, above: 1, below: 5, sensitivity: low, grain: quarter}
      - {name: t, kind: anomaly, min_history: 7, latency_days: -1}
`, want: []string{
			`f.yaml:13:16: metric "paid": alert "anomoly": kind "anomoly" must be one of threshold, change, target, anomaly (did you mean "anomaly"?)`,
			`f.yaml:14:29: metric "paid": alert "anomaly": unknown dimension "regoin" (did you mean "region"?)`,
			`f.yaml:14:50: metric "paid": alert "anomaly": direction "sideways" must be up, down or both`,
			`f.yaml:14:73: metric "paid": alert "anomaly": sensitivity "hihg" must be low, medium or high (did you mean "high"?)`,
			`f.yaml:15:9: metric "paid": alert "anomaly": duplicate rule name (first defined at f.yaml:14:9); give each rule of a metric its own name`,
			`f.yaml:15:29: metric "paid": alert "anomaly": metric "paid" cannot be broken down by "store_name"`,
			`f.yaml:16:16: metric "paid": alert "threshold": a threshold rule needs above, below or both`,
			`f.yaml:16:32: metric "paid": alert "threshold": top needs by: the slices to pick the top ones from`,
			`f.yaml:17:46: metric "paid": alert "change": compare "last_week" must be previous_period or same_period_last_year`,
			`f.yaml:18:16: metric "paid": alert "target": a target rule needs the metric's targets`,
			`f.yaml:18:16: metric "paid": alert "target": a target rule needs an additive metric (a sum or count), and "paid" is count_distinct`,
			`f.yaml:18:45: metric "paid": alert "target": targets are set for the whole metric, so a target rule cannot have by`,
			`f.yaml:19:53: metric "paid": alert "t": below 5 is greater than above 1, so every value would alert`,
			`f.yaml:19:69: metric "paid": alert "t": sensitivity applies only to anomaly rules`,
			`f.yaml:19:81: metric "paid": alert "t": grain "quarter" must be day, week or month`,
			`f.yaml:20:16: metric "paid": alert "t": duplicate rule name (first defined at f.yaml:19:9); give each rule of a metric its own name`,
			`f.yaml:20:47: metric "paid": alert "t": min_history must be between 14 and 56 days (the band learns from the last 8 weeks)`,
			`f.yaml:20:64: metric "paid": alert "t": latency_days must be between 0 and 31`,
		}},
		{name: "unknown key", src: `metrics:
  - name: paid
    label: paid
    description: Paid amount.
    type: simple
    source: orders
    agg: sum
    expr: paid
    alerts:
      - {kind: anomaly, sensitvity: low}
`, want: []string{`f.yaml:10:25: unknown field "sensitvity" (did you mean "sensitivity"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.Parse(map[string]string{"base.yaml": base, "f.yaml": tt.src})
			if diff := cmp.Diff(tt.want, problems(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertRuleDefaults(t *testing.T) {
	c, err := catalog.Parse(map[string]string{"base.yaml": base, "f.yaml": `metrics:
  - name: paid
    label: paid
    description: Paid amount.
    type: simple
    source: orders
    agg: sum
    expr: paid
    alerts:
      - {kind: anomaly}
      - {kind: change, change: 0.3}
`})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := c.Metric("paid")
	a, ch := m.Alerts[0], m.Alerts[1]
	got := []any{a.ID(), a.Metric(), a.Direction, a.Sensitivity, a.MinHistory, a.Grain, ch.ID(), ch.Compare, a.Position().Line}
	want := []any{"paid.anomaly", "paid", catalog.Both, catalog.Medium, 28, catalog.Day, "paid.change", catalog.PreviousPeriod, 10}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// TestAlertSchemaMatchesLoader keeps the schema's alert definition in step with AlertRule.
func TestAlertSchemaMatchesLoader(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(yamlKeys(reflect.TypeOf(catalog.AlertRule{})), sortedKeys(schema.Defs["alert"].Properties)); diff != "" {
		t.Errorf("alert: schema properties (-loader +schema):\n%s", diff)
	}
}
