package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/alert"
	"github.com/metricbot/metricbot/internal/format"
)

type alertsFlags struct {
	common
	from, to    string
	now         string
	output      string
	noRootCause bool
}

// cmdAlerts runs "metricbot alerts check": a dry evaluation of the catalog's alert rules over a
// range of days, printed rather than raised.
func cmdAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return &exitError{2, "alerts: want a subcommand: metricbot alerts check --from DAY --to DAY [--format text|json]"}
	}
	var f alertsFlags
	fs := flag.NewFlagSet("alerts check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&f.from, "from", "", "first `day` to evaluate, inclusive (default: 7 days before --to)")
	fs.StringVar(&f.to, "to", "", "`day` after the last one evaluated (default: today; on the demo, the day after --demo-end)")
	fs.StringVar(&f.now, "now", "", "today's `date` (YYYY-MM-DD) or instant (RFC 3339): days after yesterday minus a rule's latency are not evaluated")
	fs.StringVar(&f.output, "format", "text", "output `format`: text or json")
	fs.BoolVar(&f.noRootCause, "no-root-cause", false, "skip the root-cause breakdowns (faster)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Sprintf("alerts check: unexpected argument %q", fs.Arg(0))}
	}
	if f.output != "text" && f.output != "json" {
		return &exitError{2, fmt.Sprintf("alerts check: --format %q must be text or json", f.output)}
	}
	a, err := f.load(stderr)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.openWarehouse(ctx, &f.common); err != nil {
		return err
	}
	cat := a.catalogs.Current()
	now, err := parseNow(f.now, cat.Location, a.today())
	if err != nil {
		return &exitError{2, "alerts check: " + err.Error()}
	}
	r, err := checkRange(f.from, f.to, catalog.DateOf(now().In(cat.Location)))
	if err != nil {
		return &exitError{2, "alerts check: " + err.Error()}
	}
	rules := 0
	for _, m := range cat.Metrics {
		rules += len(m.Alerts)
	}
	if rules == 0 {
		return &exitError{1, "alerts check: " + alert.ErrNoRules.Error()}
	}
	eng := a.metricsEngine()
	start := time.Now()
	got, err := alert.EvaluateRange(ctx, eng, cat, r, alert.Options{
		Now:         now,
		NoRootCause: f.noRootCause,
		Logger:      a.log.With("component", "alert"),
	})
	if err != nil {
		return &exitError{1, err.Error()}
	}
	var alerts, notes []alert.Alert
	for _, x := range got {
		if x.Annotated() {
			notes = append(notes, x)
		} else {
			alerts = append(alerts, x)
		}
	}
	if f.output == "json" {
		return writeJSON(stdout, map[string]any{
			"status":      "ok",
			"range":       r,
			"now":         now().Format(time.RFC3339),
			"rules":       rules,
			"alerts":      nonNil(alerts),
			"annotations": nonNil(notes),
			"elapsed_ms":  time.Since(start).Milliseconds(),
		})
	}
	printAlerts(stdout, cat, r, alerts, notes)
	return nil
}

func nonNil(a []alert.Alert) []alert.Alert {
	if a == nil {
		return []alert.Alert{}
	}
	return a
}

// checkRange reads --from and --to; --to defaults to today and --from to a week before --to.
func checkRange(from, to string, today catalog.Date) (catalog.TimeRange, error) {
	r := catalog.TimeRange{End: today}
	var err error
	if to != "" {
		if r.End, err = catalog.ParseDate(to); err != nil {
			return r, fmt.Errorf("--to: %w", err)
		}
	}
	r.Start = r.End.AddDays(-7)
	if from != "" {
		if r.Start, err = catalog.ParseDate(from); err != nil {
			return r, fmt.Errorf("--from: %w", err)
		}
	}
	if !r.Valid() {
		return r, errors.New("--from must be before --to")
	}
	if r.Days() > 3660 {
		return r, errors.New("the range is longer than ten years")
	}
	return r, nil
}

func printAlerts(w io.Writer, cat *catalog.Catalog, r catalog.TimeRange, alerts, notes []alert.Alert) {
	fmt.Fprintf(w, "%d alert(s) and %d annotation(s) for %s\n", len(alerts), len(notes), r)
	for _, a := range alerts {
		m, _ := cat.Metric(a.Metric)
		val := func(v float64) string { return format.Value(v, m, "en") }
		// Changes of a rate are in percentage points; of anything else, relative.
		change := func(cur, base, rel float64) string {
			if m.Format == catalog.Percent {
				return fmt.Sprintf("%+.2f pp", (cur-base)*100)
			}
			return format.SignedPercent(rel)
		}
		fmt.Fprintf(w, "\n%s  %s  %s [%s]  %s %s\n", a.Day, a.Metric, a.Slice, a.Rule, a.Kind, a.Direction)
		band := "expected " + val(a.Expected)
		if a.Low != nil && a.High != nil {
			band += fmt.Sprintf(" (%s .. %s)", val(*a.Low), val(*a.High))
		}
		fmt.Fprintf(w, "  value %s, %s, deviation %s", val(a.Value), band, change(a.Value, a.Expected, a.Deviation))
		if a.Score != 0 {
			fmt.Fprintf(w, " (%.1f sd)", a.Score)
		}
		fmt.Fprintln(w)
		if a.Owner != "" {
			fmt.Fprintf(w, "  owner %s %s\n", a.Owner, a.Channel)
		}
		rc := a.RootCause
		if rc == nil {
			continue
		}
		fmt.Fprintf(w, "  against %s: %s -> %s (%s)\n", rc.Baseline.Start, val(rc.Base), val(rc.Current), change(rc.Current, rc.Base, pct(rc.Current, rc.Base)))
		for _, c := range rc.Top {
			fmt.Fprintf(w, "    %-14s %-12s %5.0f%% of the change  (%s -> %s, %s)\n", c.Dimension, c.Value,
				c.Contribution*100, val(c.Base), val(c.Current), change(c.Current, c.Base, c.PctChange))
		}
		if len(rc.Factors) > 0 {
			var parts []string
			for _, f := range rc.Factors {
				parts = append(parts, fmt.Sprintf("%s %s (%.0f%%)", f.Metric, format.SignedPercent(f.PctChange), f.Share*100))
			}
			fmt.Fprintf(w, "  factors: %s\n", strings.Join(parts, ", "))
		}
		for _, n := range rc.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nannotated (declared events, not alerted):")
		for _, a := range notes {
			m, _ := cat.Metric(a.Metric)
			fmt.Fprintf(w, "  %s  %s  %s  %s: %s, expected %s (%s)\n", a.Day, a.Metric, a.Slice, a.Event.Label.In("en"),
				format.Value(a.Value, m, "en"), format.Value(a.Expected, m, "en"), format.SignedPercent(a.Deviation))
		}
	}
}

func pct(cur, base float64) float64 {
	if base == 0 {
		return 0
	}
	return cur/base - 1
}
