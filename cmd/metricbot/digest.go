package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/metricbot/metricbot/bot/terminal"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/review"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/postgres"
	"github.com/metricbot/metricbot/internal/store/sqlite"
)

// digestState is what digest and review read from the state store; openState returns a store
// that has it.
type digestState interface {
	digest.Sources
	review.Store
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	Close() error
}

var (
	_ digestState = (*sqlite.Store)(nil)
	_ digestState = (*postgres.Store)(nil)
)

// openDigestState opens the state store for digest and review.
func openDigestState(ctx context.Context, a *app) (digestState, error) {
	st, err := openState(ctx, a)
	if err != nil {
		return nil, err
	}
	ds, ok := st.(digestState)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("state store %T cannot list subscriptions and alerts", st)
	}
	return ds, nil
}

// cmdDigest prints a digest now (--dry-run) or lists the subscriptions (--list). Sending on
// schedule is the scheduler's work in serve.
func cmdDigest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		f       common
		dryRun  bool
		list    bool
		metrics string
		grain   string
		lang    string
		now     string
		chartTo string
		subFile string
	)
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.BoolVar(&dryRun, "dry-run", false, "print the digest of --metrics instead of sending anything")
	fs.BoolVar(&list, "list", false, "list the subscriptions in the state store (and in --subscriptions)")
	fs.StringVar(&metrics, "metrics", "", "comma-separated metric `names` for --dry-run")
	fs.StringVar(&grain, "grain", "day", "digest `grain`: day, week or month")
	fs.StringVar(&lang, "lang", "zh", "`language`: zh or en")
	fs.StringVar(&now, "now", "", "today's `date` (YYYY-MM-DD) or instant (RFC 3339); default now, on the demo the day after --demo-end")
	fs.StringVar(&chartTo, "chart", "", "write the digest's chart to this PNG `file`")
	fs.StringVar(&subFile, "subscriptions", "", "subscriptions `file` (YAML) to check and list with --list")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metricbot digest --dry-run --metrics gmv,order_count [--grain day] [--lang zh] [--now 2026-12-01] [--chart FILE]")
		fmt.Fprintln(stderr, "       metricbot digest --list [--subscriptions FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dryRun == list {
		fs.Usage()
		return &exitError{2, "digest: give exactly one of --dry-run and --list"}
	}
	if lang != "zh" && lang != "en" {
		return &exitError{2, fmt.Sprintf("digest: --lang %q must be zh or en", lang)}
	}
	a, err := f.load(stderr)
	if err != nil {
		return err
	}
	defer a.close()
	c := a.catalogs.Current()
	if list {
		return listSubscriptions(ctx, a, c, subFile, lang, stdout)
	}

	g := catalog.Grain(grain)
	if g != catalog.Day && g != catalog.Week && g != catalog.Month {
		return &exitError{2, fmt.Sprintf("digest: --grain %q must be day, week or month", grain)}
	}
	var names []string
	for _, n := range strings.Split(metrics, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return &exitError{2, "digest: --dry-run needs --metrics"}
	}
	for _, n := range names {
		if _, ok := c.Metric(n); !ok {
			return &exitError{2, fmt.Sprintf("digest: %v", &catalog.NotFoundError{Kind: "metric", Name: n, Suggestions: catalog.Suggest(n, digestMetricNames(c))})}
		}
	}
	if err := a.openWarehouse(ctx, &f); err != nil {
		return err
	}
	clock, err := parseNow(now, c.Location, a.today())
	if err != nil {
		return &exitError{2, err.Error()}
	}
	st, err := openDigestState(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	charts, err := chart.New(chart.RendererOptions{Logger: a.log})
	if err != nil {
		return err
	}
	req := digest.Request{Metrics: names, Grain: g, Lang: lang, Now: clock(), Charts: charts, DataEnd: a.demoEnd}
	r, err := digest.Compose(ctx, a.metricsEngine(), c, st, req)
	if err != nil {
		return err
	}
	if chartTo != "" && r.Chart != nil {
		if err := os.WriteFile(chartTo, r.Chart.PNG, 0o644); err != nil {
			return fmt.Errorf("write chart: %w", err)
		}
	}
	return terminal.Render(stdout, r)
}

// listSubscriptions prints the subscriptions in the state store and, when given, in a
// subscriptions file (which it checks against the catalog).
func listSubscriptions(ctx context.Context, a *app, c *catalog.Catalog, file, lang string, stdout io.Writer) error {
	var subs []store.Subscription
	if file != "" {
		cfg, err := digest.LoadConfig(file, c)
		if err != nil {
			return err
		}
		subs = append(subs, cfg...)
	}
	st, err := openDigestState(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	stored, err := st.Subscriptions(ctx)
	if err != nil {
		return err
	}
	subs = append(subs, stored...)
	r := digest.List(c, subs, lang)
	if len(subs) > 0 {
		// The command line sees every target, so name them with their platform.
		for i, s := range subs {
			r.Table.Rows[i][3] = s.Platform + " " + r.Table.Rows[i][3]
		}
	}
	return terminal.Render(stdout, r)
}

func digestMetricNames(c *catalog.Catalog) []string {
	out := make([]string, len(c.Metrics))
	for i, m := range c.Metrics {
		out[i] = m.Name
	}
	return out
}
