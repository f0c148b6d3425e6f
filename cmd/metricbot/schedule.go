package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/review"
	"github.com/metricbot/metricbot/internal/schedule"
	"github.com/metricbot/metricbot/internal/store"
)

// scheduleStore is what the scheduler, the digests and the review read and write.
type scheduleStore interface {
	schedule.Store
	digest.Sources
	review.Store
}

// newScheduler builds the scheduler of serve: digests of the subscriptions made in chat and in
// the subscriptions file, the weekly review when a review channel is configured, and jobs (the
// alert check and escalation). Each slot runs once across replicas.
func newScheduler(a *app, st stateStore, router bot.Router, now func() time.Time, jobs []schedule.Job) (*schedule.Scheduler, error) {
	ss := scheduleStore(st)
	cat := a.catalogs.Current()
	charts, err := chart.New(chart.RendererOptions{Logger: a.log})
	if err != nil {
		return nil, err
	}
	d := &digest.Digester{Runner: a.metricsEngine(), Catalogs: a.catalogs, Sources: ss, Charts: charts}
	if !a.demoEnd.IsZero() {
		end := a.demoEnd
		d.DataEnd = func() catalog.Date { return end }
	}
	var config []store.Subscription
	if path := a.cfg.Digests.Subscriptions; path != "" {
		if config, err = digest.LoadConfig(path, cat); err != nil {
			return nil, err
		}
	}
	if ch := a.cfg.Digests.ReviewChannel; ch != "" {
		platform := bot.Slack
		if _, ok := router[bot.Slack]; !ok {
			platform = bot.Lark
		}
		lang := a.cfg.Digests.Lang
		jobs = append(jobs, schedule.Job{
			Name: "weekly-review", Spec: a.cfg.Digests.ReviewCron, TimeZone: cat.TimeZone,
			Run: func(ctx context.Context, slot time.Time) error {
				r, err := review.Build(ctx, ss, a.catalogs.Current(), slot.AddDate(0, 0, -7), slot, lang)
				if err != nil {
					return err
				}
				_, err = router.Post(ctx, bot.Destination{Platform: platform, Channel: ch}, r)
				return err
			},
		})
	}
	host, _ := os.Hostname()
	return schedule.New(ss, d, router, schedule.Options{
		Holder: fmt.Sprintf("%s/%d", host, os.Getpid()), Config: config, Jobs: jobs, Now: now,
		Logger: a.log.With("component", "schedule"),
	}), nil
}
