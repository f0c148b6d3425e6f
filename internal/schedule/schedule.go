// Package schedule runs metricbot's timed work: the digests people subscribe to and jobs such as
// the alert evaluation and the weekly review. Several replicas may run a Scheduler against one
// state store; each digest slot and each job slot still runs once.
//
// # Slots and the delivery log
//
// A subscription's cron spec, read in its time zone, defines its slots. For every subscription,
// each tick looks at the most recent slot at or before now. If the state store has no delivery
// for (subscription, slot), the scheduler claims it with ClaimDelivery, whose unique key lets
// exactly one replica win, composes the digest, posts it and records the outcome with
// FinishDelivery. A restart therefore never resends: the sent delivery is in the store.
//
// A slot is on time while it is at most Grace old. A slot found later (the bot was down) is sent
// once, marked late, and only if it is the most recent one; older slots missed during the same
// downtime are recorded as skipped and never sent. A failed delivery is retried on later ticks
// until MaxAttempts, as long as it is still the most recent slot.
//
// A subscription made in chat counts from its CreatedAt: slots before it are not owed. A
// subscription from the configuration file has no creation time, so a late slot is sent only
// when an earlier delivery of it is on record, proving it was running before the downtime;
// a configured subscription seen for the first time starts with its next on-time slot.
//
// # Jobs
//
// A Job is any other scheduled work. Each slot of a job is claimed with ClaimSlot and marked
// done with FinishSlot, so it runs once across replicas; a job whose run fails (or whose replica
// dies) is run again by one replica after the lease.
//
// The store offers no "skipped" delivery state yet, so a skipped slot is recorded as failed with
// a Detail starting with SkippedPrefix; the scheduler never retries those.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/internal/store"
)

// Store is the part of the state store the scheduler uses; the SQLite and PostgreSQL stores
// implement it.
type Store interface {
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	ClaimDelivery(ctx context.Context, sub store.SubscriptionID, slot time.Time, holder string, late bool, lease time.Duration) (bool, error)
	FinishDelivery(ctx context.Context, sub store.SubscriptionID, slot time.Time, holder string, status store.DeliveryStatus, detail string) error
	Delivery(ctx context.Context, sub store.SubscriptionID, slot time.Time) (store.Delivery, error)
	ClaimSlot(ctx context.Context, job string, slot time.Time, holder string, lease time.Duration) (bool, error)
	FinishSlot(ctx context.Context, job string, slot time.Time, holder string) error
}

// Composer writes the digest of a subscription for a slot; *digest.Digester implements it.
type Composer interface {
	Subscription(ctx context.Context, sub store.Subscription, slot time.Time) (bot.Reply, error)
}

// Poster sends a reply to a channel or, for a subscription to a person, to their direct
// messages. The chat adapters implement it (behind a router by platform).
type Poster interface {
	Post(ctx context.Context, to bot.Destination, r bot.Reply) (bot.Posted, error)
}

// Job is scheduled work other than digests.
type Job struct {
	// Name keys the job's slots in the store; keep it stable.
	Name string
	// Spec is a cron spec (five fields, descriptors such as @hourly, optional CRON_TZ= prefix).
	Spec string
	// TimeZone is the zone Spec is read in when it has no CRON_TZ= prefix; default UTC.
	TimeZone string
	// MaxLate is how old a slot may be and still run; default the scheduler's Grace plus twice
	// its Lease, so a run that failed is tried again once the lease ran out. Set it to the job's
	// period to catch up once after a longer downtime.
	MaxLate time.Duration
	// Run does the work for one slot. An error leaves the slot to be run again after the lease.
	Run func(ctx context.Context, slot time.Time) error
}

// SkippedPrefix starts the Detail of a delivery recorded as skipped.
const SkippedPrefix = "skipped: "

// Options configure a Scheduler.
type Options struct {
	// Holder names this replica in claims; default "scheduler".
	Holder string
	// Config are subscriptions from the configuration file (negative IDs, see
	// digest.ConfigID), delivered alongside those in the store.
	Config []store.Subscription
	Jobs   []Job
	// Grace is how old a slot may be and still count as on time; default 5 minutes.
	Grace time.Duration
	// Lease bounds how long a claim stays with a replica that does not finish it; default
	// 10 minutes.
	Lease time.Duration
	// MaxAttempts bounds the tries of one delivery; default 3.
	MaxAttempts int
	// Lookback bounds how far back missed slots are looked for; default 35 days.
	Lookback time.Duration
	// Interval is the longest sleep between ticks, so new subscriptions are picked up; default
	// one minute.
	Interval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx ends; default a timer. Tests inject one that moves a fake
	// clock.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Scheduler delivers digests and runs jobs on their schedules. It is safe for concurrent use,
// and any number of Schedulers may share a store.
type Scheduler struct {
	st     Store
	comp   Composer
	post   Poster
	opts   Options
	log    *slog.Logger
	parser cron.Parser

	mu    sync.Mutex
	specs map[string]cron.Schedule
}

// New returns a Scheduler.
func New(st Store, comp Composer, post Poster, opts Options) *Scheduler {
	if opts.Holder == "" {
		opts.Holder = "scheduler"
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Minute
	}
	if opts.Lease <= 0 {
		opts.Lease = 10 * time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.Lookback <= 0 {
		opts.Lookback = 35 * 24 * time.Hour
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{st: st, comp: comp, post: post, opts: opts, log: log.With("holder", opts.Holder),
		parser: cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor),
		specs:  map[string]cron.Schedule{}}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run ticks until ctx ends, sleeping until the next slot of any subscription or job (at most
// Interval). Problems with one subscription or job are logged and do not stop the others; Run
// returns only ctx's error.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		next, err := s.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("scheduler tick", "err", err)
		}
		d := s.opts.Interval
		if !next.IsZero() {
			d = min(d, max(next.Sub(s.opts.Now()), time.Second))
		}
		if err := s.opts.Sleep(ctx, d); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// Tick does the work due at Now and returns the time of the next slot after it (zero when
// nothing is scheduled). The error joins the problems of the subscriptions and jobs that
// failed; the others were still done.
func (s *Scheduler) Tick(ctx context.Context) (time.Time, error) {
	now := s.opts.Now()
	var errs []error
	var next time.Time
	later := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	subs, err := s.st.Subscriptions(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("list subscriptions: %w", err))
	}
	subs = append(append([]store.Subscription(nil), s.opts.Config...), subs...)
	for _, sub := range subs {
		n, err := s.subscription(ctx, sub, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("subscription %d: %w", sub.ID, err))
		}
		later(n)
	}
	for _, j := range s.opts.Jobs {
		n, err := s.job(ctx, j, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", j.Name, err))
		}
		later(n)
	}
	return next, errors.Join(errs...)
}

// schedule parses spec (cached) and returns it with the zone to read it in.
func (s *Scheduler) schedule(spec, zone string) (cron.Schedule, *time.Location, error) {
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, nil, fmt.Errorf("time zone %q: %w", zone, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sch, ok := s.specs[spec]
	if !ok {
		sch, err = s.parser.Parse(spec)
		if err != nil {
			return nil, nil, fmt.Errorf("schedule %q: %w", spec, err)
		}
		s.specs[spec] = sch
	}
	return sch, loc, nil
}

// maxSlots bounds the slots examined per subscription and tick.
const maxSlots = 64

// slots returns up to maxSlots of the most recent slots in (from, to], oldest first, and the
// first slot after to.
func slots(sch cron.Schedule, loc *time.Location, from, to time.Time) (due []time.Time, next time.Time) {
	t := from.In(loc)
	for {
		n := sch.Next(t)
		if n.IsZero() || n.After(to) {
			return due, n
		}
		if len(due) == maxSlots {
			copy(due, due[1:])
			due = due[:maxSlots-1]
		}
		due = append(due, n)
		t = n
	}
}

func (s *Scheduler) subscription(ctx context.Context, sub store.Subscription, now time.Time) (time.Time, error) {
	sch, loc, err := s.schedule(sub.Cron, sub.TimeZone)
	if err != nil {
		return time.Time{}, err
	}
	from := now.Add(-s.opts.Lookback)
	configured := sub.ID < 0
	if !configured && sub.CreatedAt.After(from) {
		// Slots exactly at the creation time count; earlier ones are not owed.
		from = sub.CreatedAt.Add(-time.Nanosecond)
	}
	due, next := slots(sch, loc, from, now)
	if len(due) == 0 {
		return next, nil
	}
	latest := due[len(due)-1]
	d, err := s.st.Delivery(ctx, sub.ID, latest)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return next, err
	}
	if found && !s.retry(d) {
		return next, nil
	}
	onTime := now.Sub(latest) <= s.opts.Grace
	late := !onTime || (found && d.Late)

	var missed []time.Time
	evidence := false
	if !found {
		// Walk back to the last slot on record; the ones in between were missed.
		for i := len(due) - 2; i >= 0; i-- {
			_, err := s.st.Delivery(ctx, sub.ID, due[i])
			if err == nil {
				evidence = true
				break
			}
			if !errors.Is(err, store.ErrNotFound) {
				return next, err
			}
			missed = append(missed, due[i])
		}
	}
	if configured && !onTime && !found && !evidence {
		return next, nil // never ran before: start with the next slot
	}
	if configured && !evidence {
		missed = nil
	}
	var errs []error
	for _, slot := range missed {
		if err := s.skip(ctx, sub, slot, latest); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.deliver(ctx, sub, latest, late, loc, now); err != nil {
		errs = append(errs, err)
	}
	return next, errors.Join(errs...)
}

// retry reports whether a delivery on record should be attempted again.
func (s *Scheduler) retry(d store.Delivery) bool {
	switch d.Status {
	case store.DeliverySent:
		return false
	case store.DeliveryFailed:
		return !strings.HasPrefix(d.Detail, SkippedPrefix) && d.Attempts < s.opts.MaxAttempts
	}
	return true // claimed: ClaimDelivery takes it over only when the lease ran out
}

// skip records a missed slot as skipped.
func (s *Scheduler) skip(ctx context.Context, sub store.Subscription, slot, instead time.Time) error {
	won, err := s.st.ClaimDelivery(ctx, sub.ID, slot, s.opts.Holder, true, s.opts.Lease)
	if err != nil || !won {
		return err
	}
	detail := SkippedPrefix + "missed while metricbot was not running; sent the slot of " + instead.UTC().Format(time.RFC3339) + " instead"
	if err := s.st.FinishDelivery(ctx, sub.ID, slot, s.opts.Holder, store.DeliveryFailed, detail); err != nil {
		return err
	}
	s.log.Info("digest slot skipped", "subscription", sub.ID, "slot", slot)
	return nil
}

// deliver claims, composes, posts and records one slot.
func (s *Scheduler) deliver(ctx context.Context, sub store.Subscription, slot time.Time, late bool, loc *time.Location, now time.Time) error {
	won, err := s.st.ClaimDelivery(ctx, sub.ID, slot, s.opts.Holder, late, s.opts.Lease)
	if err != nil || !won {
		return err
	}
	to := bot.Destination{Platform: bot.Platform(sub.Platform), Channel: sub.Channel, User: sub.User}
	r, err := s.comp.Subscription(ctx, sub, slot)
	if err == nil {
		if late {
			r.Headline = LateMark(slot.In(loc), now.In(loc), sub.Language) + " " + r.Headline
		}
		_, err = s.post.Post(ctx, to, r)
	}
	status, detail := store.DeliverySent, ""
	if err != nil {
		status, detail = store.DeliveryFailed, err.Error()
		s.log.Error("digest delivery failed", "subscription", sub.ID, "slot", slot, "err", err)
	} else {
		s.log.Info("digest sent", "subscription", sub.ID, "slot", slot, "late", late, "to", to.String())
	}
	// The outcome must be recorded even when ctx ended during the post.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := s.st.FinishDelivery(fctx, sub.ID, slot, s.opts.Holder, status, detail); ferr != nil {
		return fmt.Errorf("record delivery of %s: %w", slot.UTC().Format(time.RFC3339), ferr)
	}
	return nil
}

// LateMark is the note put before a late digest's headline: "(late: scheduled 09:00)", with
// the date when the slot was on another day than now.
func LateMark(slot, now time.Time, lang string) string {
	at := slot.Format("15:04")
	if slot.Year() != now.Year() || slot.YearDay() != now.YearDay() {
		at = slot.Format("2006-01-02 15:04")
	}
	if lang == "en" {
		return "(late: scheduled " + at + ")"
	}
	return "(迟发: 原定 " + at + ")"
}

func (s *Scheduler) job(ctx context.Context, j Job, now time.Time) (time.Time, error) {
	sch, loc, err := s.schedule(j.Spec, j.TimeZone)
	if err != nil {
		return time.Time{}, err
	}
	maxLate := j.MaxLate
	if maxLate <= 0 {
		maxLate = s.opts.Grace + 2*s.opts.Lease
	}
	due, next := slots(sch, loc, now.Add(-maxLate-time.Nanosecond), now)
	if len(due) == 0 {
		return next, nil
	}
	slot := due[len(due)-1]
	won, err := s.st.ClaimSlot(ctx, j.Name, slot, s.opts.Holder, s.opts.Lease)
	if err != nil || !won {
		return next, err
	}
	if err := j.Run(ctx, slot); err != nil {
		// Left claimed: after the lease one replica runs it again.
		return next, fmt.Errorf("run slot %s: %w", slot.UTC().Format(time.RFC3339), err)
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.st.FinishSlot(fctx, j.Name, slot, s.opts.Holder); err != nil {
		return next, fmt.Errorf("finish slot %s: %w", slot.UTC().Format(time.RFC3339), err)
	}
	s.log.Info("job done", "job", j.Name, "slot", slot)
	return next, nil
}
