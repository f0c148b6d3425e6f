package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/metricbot/metricbot/bot/terminal"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/review"
)

// cmdReview prints the review of the alerts raised in the state store since --since.
func cmdReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		f     common
		since string
		now   string
		lang  string
	)
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&since, "since", "7d", "start of the review: a `duration` back from now (24h, 7d, 2w) or a date YYYY-MM-DD")
	fs.StringVar(&now, "now", "", "end of the review: a `date` (YYYY-MM-DD, taken as 09:00) or an RFC 3339 instant; default now")
	fs.StringVar(&lang, "lang", "zh", "`language`: zh or en")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metricbot review [--since 7d] [--now 2026-12-01] [--lang zh]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if lang != "zh" && lang != "en" {
		return &exitError{2, fmt.Sprintf("review: --lang %q must be zh or en", lang)}
	}
	a, err := f.load(stderr)
	if err != nil {
		return err
	}
	defer a.close()
	c := a.catalogs.Current()
	// Alerts carry the real time they were raised, so the review ends now unless told otherwise,
	// also on the demo.
	clock, err := parseNow(now, c.Location, catalog.DateOf(time.Now().In(c.Location)))
	if err != nil {
		return &exitError{2, err.Error()}
	}
	end := clock()
	start, err := review.ParseSince(since, end, c.Location)
	if err != nil {
		return &exitError{2, "review: --" + err.Error()}
	}
	if !start.Before(end) {
		return &exitError{2, fmt.Sprintf("review: --since %s is not before --now %s", start.Format(time.RFC3339), end.Format(time.RFC3339))}
	}
	st, err := openDigestState(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := review.Build(ctx, st, c, start, end, lang)
	if err != nil {
		return err
	}
	return terminal.Render(stdout, r)
}
