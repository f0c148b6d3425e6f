package alert_test

import (
	"context"
	"flag"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/alert"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/open"
)

var demoEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

var sweep = flag.Bool("sweep", false, "also measure the demo history at every sensitivity level")

var (
	demoOnce sync.Once
	demoDir  string
	demoPath string
	demoErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

// openDemo generates the demo warehouse ending 2026-11-30 into a temporary directory, once per
// test binary, and returns a fresh demo catalog and an engine over the warehouse.
func openDemo(t *testing.T) (*catalog.Catalog, *engine.Engine) {
	t.Helper()
	if testing.Short() {
		t.Skip("generating the demo warehouse takes seconds; skipped with -short")
	}
	ctx := context.Background()
	cat, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	demoOnce.Do(func() {
		if demoDir, demoErr = os.MkdirTemp("", "alert-demo-"); demoErr == nil {
			demoPath, demoErr = demo.Ensure(ctx, demoDir, demo.Options{End: demoEnd})
		}
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	path := demoPath
	wh, err := open.DSN(ctx, "sqlite:"+path, warehouse.Options{TimeZone: cat.TimeZone})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return cat, engine.New(engine.Static{C: cat}, wh, nil)
}

// nowAfter returns a clock at 09:00 on the day after the demo's last day.
func nowAfter(cat *catalog.Catalog) func() time.Time {
	t := catalog.DateOf(demoEnd).AddDays(1).Time(cat.Location).Add(9 * time.Hour)
	return func() time.Time { return t }
}

// incidentOf returns the planted incident an alert belongs to, or nil for a false alarm. An alert
// belongs to an incident when its slice does not contradict the incident's slice and it falls on
// the incident's days; a drift's lower level persists, so any later day on its slice belongs to
// it too. The metric may differ: an outage moves GMV, orders and conversion alike.
func incidentOf(a alert.Alert, incidents []demo.Incident) *demo.Incident {
	if inc := matchIncident(a, incidents, true); inc != nil {
		return inc
	}
	return matchIncident(a, incidents, false)
}

func matchIncident(a alert.Alert, incidents []demo.Incident, sameMetric bool) *demo.Incident {
	for i, inc := range incidents {
		if sameMetric && inc.Metric != a.Metric {
			continue
		}
		for k, v := range a.Slice {
			if w, ok := inc.Slice[k]; ok && w != v {
				goto next
			}
		}
		{
			start, end := catalog.DateOf(inc.Start), catalog.DateOf(inc.End)
			if inc.Name == "southwest_visitor_drift" {
				end = catalog.DateOf(demoEnd)
			}
			if !a.Day.Before(start) && !a.Day.After(end) {
				return &incidents[i]
			}
		}
	next:
	}
	return nil
}

func TestDemoNovember(t *testing.T) {
	cat, eng := openDemo(t)
	got, err := alert.EvaluateRange(context.Background(), eng, cat,
		catalog.TimeRange{Start: catalog.NewDate(2026, 11, 1), End: catalog.NewDate(2026, 12, 1)},
		alert.Options{Now: nowAfter(cat)})
	if err != nil {
		t.Fatal(err)
	}
	incidents := demo.Incidents(demoEnd)
	found := map[string]bool{}
	annotated11 := 0
	for _, a := range got {
		if a.Annotated() {
			if a.Day == catalog.NewDate(2026, 11, 11) {
				annotated11++
			}
			continue
		}
		if a.Day == catalog.NewDate(2026, 11, 11) {
			t.Errorf("got an alert on 11-11 (a declared event): %s %s", a.Metric, a.Slice)
		}
		inc := incidentOf(a, incidents)
		if inc == nil {
			t.Errorf("false alarm: %s %s %s value %g expected %g", a.Day, a.Metric, a.Slice, a.Value, a.Expected)
			continue
		}
		checkRootCause(t, a)
		switch {
		case inc.Name == "east_miniprogram_payment_outage" && a.Metric == "gmv":
			found[inc.Name] = true
			if a.Slice["region"] != "华东" || a.Slice["channel"] != "小程序" {
				t.Errorf("outage alert slice: got %s, want channel=小程序,region=华东", a.Slice)
			}
			if f := topFactor(a.RootCause); f != "conversion_rate" {
				t.Errorf("outage: got factor %q moved most, want conversion_rate (visitors were normal); factors %+v", f, a.RootCause.Factors)
			}
		case inc.Name == "appliance_refund_spike" && a.Metric == "refund_rate":
			found[inc.Name] = true
			if top := a.RootCause.Top; len(top) == 0 || top[0].Dimension != "category" || top[0].Value != "家电" {
				t.Errorf("refund spike: got top contributors %+v, want category 家电 first", top)
			} else if top[0].Rate <= top[0].Mix {
				t.Errorf("refund spike: got rate effect %g <= mix effect %g for 家电, want the rate to have moved", top[0].Rate, top[0].Mix)
			}
		case inc.Name == "southwest_visitor_drift" && a.Metric == "visitors":
			if a.Slice["region"] != "西南" {
				t.Errorf("drift alert slice: got %s, want region=西南", a.Slice)
			}
			if !a.Day.After(catalog.DateOf(inc.End)) {
				found[inc.Name] = true // detected while drifting
			}
		}
	}
	for _, inc := range incidents {
		if !found[inc.Name] {
			t.Errorf("incident %s (%s %v from %s) not reported", inc.Name, inc.Metric, inc.Slice, inc.Start.Format(time.DateOnly))
		}
	}
	if annotated11 == 0 {
		t.Errorf("got no annotation on 11-11, want the 双11 peak annotated")
	}
}

func topFactor(rc *alert.RootCause) string {
	if rc == nil {
		return ""
	}
	best, name := 0.0, ""
	for _, f := range rc.Factors {
		if math.Abs(f.Share) > best {
			best, name = math.Abs(f.Share), f.Metric
		}
	}
	return name
}

// checkRootCause checks that every breakdown's parts and remainder add up to the total change.
func checkRootCause(t *testing.T, a alert.Alert) {
	t.Helper()
	rc := a.RootCause
	if rc == nil {
		t.Errorf("%s %s %s: no root cause", a.Day, a.Metric, a.Slice)
		return
	}
	if len(rc.Breakdowns) == 0 {
		t.Errorf("%s %s %s: root cause has no breakdowns", a.Day, a.Metric, a.Slice)
	}
	for _, b := range rc.Breakdowns {
		sum, share := b.Other.Effect, b.Other.Contribution
		for _, p := range b.Parts {
			sum += p.Effect
			share += p.Contribution
		}
		if math.Abs(sum-rc.Change) > 1e-9*math.Max(1, math.Abs(rc.Change)) || math.Abs(share-1) > 1e-9 {
			t.Errorf("%s %s by %s: got parts adding up to %g (%g of the change), want %g (1)", a.Day, a.Metric, b.Dimension, sum, share, rc.Change)
		}
	}
}

// TestDemoHistory measures recall and false alarms of the demo's rules over the whole demo
// history (with -sweep also at every sensitivity level; see the log with -v), and requires the
// configured sensitivity to find every incident with no false alarm.
func TestDemoHistory(t *testing.T) {
	cat, eng := openDemo(t)
	incidents := demo.Incidents(demoEnd)
	r := catalog.TimeRange{Start: catalog.DateOf(demoEnd).AddDays(-729), End: catalog.DateOf(demoEnd).AddDays(1)}
	configured := map[string]catalog.Sensitivity{}
	for _, m := range cat.Metrics {
		for _, rule := range m.Alerts {
			configured[rule.ID()] = rule.Sensitivity
		}
	}
	levels := []catalog.Sensitivity{""}
	if *sweep {
		levels = append(levels, catalog.Low, catalog.Medium, catalog.High)
	}
	for _, level := range levels {
		name := string(level)
		if level == "" {
			name = "configured"
		}
		t.Run(name, func(t *testing.T) {
			// The catalog is immutable for its users; this test alone changes the rules' sensitivity
			// to measure the others, and restores it.
			for _, m := range cat.Metrics {
				for _, rule := range m.Alerts {
					rule.Sensitivity = configured[rule.ID()]
					if level != "" {
						rule.Sensitivity = level
					}
				}
			}
			got, err := alert.EvaluateRange(context.Background(), eng, cat, r, alert.Options{Now: nowAfter(cat), NoRootCause: true})
			if err != nil {
				t.Fatal(err)
			}
			detected := map[string]bool{}
			alerts, falseAlarms, annotations := 0, 0, 0
			for _, a := range got {
				if a.Annotated() {
					annotations++
					continue
				}
				alerts++
				inc := incidentOf(a, incidents)
				if inc == nil {
					falseAlarms++
					if level == "" {
						t.Errorf("false alarm: %s %s %s deviation %.3f score %.1f", a.Day, a.Metric, a.Slice, a.Deviation, a.Score)
					}
					continue
				}
				if a.Metric == inc.Metric {
					detected[inc.Name] = true
				}
			}
			t.Logf("sensitivity %s: recall %d/%d incidents, %d alerts, %d false alarms, %d annotations over %s",
				name, len(detected), len(incidents), alerts, falseAlarms, annotations, r)
			if level == "" && len(detected) != len(incidents) {
				t.Errorf("got %d of %d incidents detected, want all", len(detected), len(incidents))
			}
		})
	}
	for _, m := range cat.Metrics {
		for _, rule := range m.Alerts {
			rule.Sensitivity = configured[rule.ID()]
		}
	}
}
