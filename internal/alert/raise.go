package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/store"
)

// Raiser records alerts. The state stores implement it.
type Raiser interface {
	RaiseAlert(ctx context.Context, a store.Alert) (store.Alert, bool, error)
}

// Record returns a as the state store keeps it. Period bounds are midnight in the catalog's time
// zone (UTC for an alert not made by Evaluate); an unbounded side of the band is stored as the
// expected value.
func (a *Alert) Record() store.Alert {
	loc := a.loc
	if loc == nil {
		loc = time.UTC
	}
	low, high := a.Expected, a.Expected
	if a.Low != nil {
		low = *a.Low
	}
	if a.High != nil {
		high = *a.High
	}
	return store.Alert{
		Rule:         a.Rule,
		Metric:       a.Metric,
		Slice:        json.RawMessage(a.Slice.Key()),
		PeriodStart:  a.Period.Start.Time(loc),
		PeriodEnd:    a.Period.End.Time(loc),
		Kind:         string(a.Kind),
		Value:        a.Value,
		ExpectedLow:  low,
		ExpectedHigh: high,
		Owner:        a.Owner,
	}
}

// Raise records each alert that is not an annotation, and returns those that were new: an alert
// already raised for the same rule, slice and period (by an earlier run or another replica) is
// left alone. It stops at the first error; the alerts raised before it stay raised, and running
// Raise again with the same alerts is safe.
func Raise(ctx context.Context, s Raiser, alerts []Alert) ([]store.Alert, error) {
	var created []store.Alert
	for i := range alerts {
		a := &alerts[i]
		if a.Annotated() {
			continue
		}
		got, isNew, err := s.RaiseAlert(ctx, a.Record())
		if err != nil {
			return created, fmt.Errorf("raise alert %s %s %s: %w", a.Rule, a.Slice, a.Day, err)
		}
		if isNew {
			created = append(created, got)
		}
	}
	return created, nil
}

// Dismissals returns an Options.Dismissed function that reports the days of the given stored
// alerts that were dismissed as not an anomaly, so that they are left out of future baselines.
// loc is the catalog's time zone.
func Dismissals(alerts []store.Alert, loc *time.Location) func(rule string, slice Slice, day catalog.Date) bool {
	if loc == nil {
		loc = time.UTC
	}
	type key struct {
		rule, slice string
		day         catalog.Date
	}
	set := map[key]bool{}
	for _, a := range alerts {
		if a.Status != store.AlertDismissed {
			continue
		}
		canon, err := store.CanonicalJSON(a.Slice)
		if err != nil {
			continue
		}
		slice := string(canon)
		if slice == "null" {
			slice = "{}"
		}
		start, end := catalog.DateOf(a.PeriodStart.In(loc)), catalog.DateOf(a.PeriodEnd.In(loc))
		for d := start; d.Before(end); d = d.AddDays(1) {
			set[key{a.Rule, slice, d}] = true
		}
	}
	return func(rule string, s Slice, day catalog.Date) bool {
		return set[key{rule, s.Key(), day}]
	}
}
