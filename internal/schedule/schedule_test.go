package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/schedule"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/postgres"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

var (
	quiet                   = slog.New(slog.NewTextHandler(io.Discard, nil))
	_     schedule.Composer = (*digest.Digester)(nil)
	_     schedule.Store    = (*sqlite.Store)(nil)
	_     schedule.Store    = (*postgres.Store)(nil)
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at returns a time in Shanghai on 2026-12-<day>.
func at(day, hour, minute, second int) time.Time {
	return time.Date(2026, 12, day, hour, minute, second, 0, shanghai)
}

// testStore is the store the tests need: the scheduler's methods plus creating subscriptions.
type testStore interface {
	schedule.Store
	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
}

func openSQLite(t *testing.T, path string, now func() time.Time) testStore {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Now: now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// composer writes a one-line digest naming the subscription and slot.
type composer struct {
	mu   sync.Mutex
	fail error
}

func (c *composer) Subscription(_ context.Context, sub store.Subscription, slot time.Time) (bot.Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return bot.Reply{}, c.fail
	}
	return bot.Reply{Lang: sub.Language, Headline: fmt.Sprintf("digest %d %s", sub.ID, slot.UTC().Format(time.RFC3339))}, nil
}

type post struct {
	Platform, Channel, Headline string
}

// poster records posts; it fails the next failN posts.
type poster struct {
	mu    sync.Mutex
	posts []post
	failN int
}

func (p *poster) Post(_ context.Context, to bot.Destination, r bot.Reply) (bot.Posted, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failN > 0 {
		p.failN--
		return bot.Posted{}, errors.New("slack: channel_not_found")
	}
	target := to.Channel
	if target == "" {
		target = to.User
	}
	p.posts = append(p.posts, post{string(to.Platform), target, r.Headline})
	return bot.Posted{Platform: to.Platform, Channel: target}, nil
}

func (p *poster) got() []post {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]post(nil), p.posts...)
}

type fixture struct {
	clock *storetest.Clock
	path  string
	comp  *composer
	post  *poster
}

func newFixture(t *testing.T, start time.Time) *fixture {
	return &fixture{clock: storetest.NewClock(start), path: filepath.Join(t.TempDir(), "state.db"), comp: &composer{}, post: &poster{}}
}

// scheduler starts a replica: a new store handle and a new Scheduler, as after a restart.
func (f *fixture) scheduler(t *testing.T, holder string, opts schedule.Options) (*schedule.Scheduler, testStore) {
	st := openSQLite(t, f.path, f.clock.Now)
	opts.Holder, opts.Now, opts.Logger = holder, f.clock.Now, quiet
	return schedule.New(st, f.comp, f.post, opts), st
}

func (f *fixture) set(t time.Time) { f.clock.Add(t.Sub(f.clock.Now())) }

func tick(t *testing.T, s *schedule.Scheduler) time.Time {
	t.Helper()
	next, err := s.Tick(t.Context())
	if err != nil {
		t.Fatalf("tick: %v", err)
	}
	return next
}

func daily(t *testing.T, st testStore, lang string) store.Subscription {
	t.Helper()
	sub, err := st.CreateSubscription(t.Context(), store.Subscription{Platform: "slack", Channel: "C1", Metrics: []string{"gmv"},
		Cron: "0 9 * * *", TimeZone: "Asia/Shanghai", Language: lang, CreatedBy: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestOnTimeAndRestartDoesNotResend(t *testing.T) {
	f := newFixture(t, at(1, 8, 0, 0))
	s, st := f.scheduler(t, "a", schedule.Options{})
	sub := daily(t, st, "en")

	f.set(at(1, 8, 59, 0))
	if next := tick(t, s); !next.Equal(at(1, 9, 0, 0)) {
		t.Errorf("next slot: got %v, want %v", next, at(1, 9, 0, 0))
	}
	if got := f.post.got(); len(got) != 0 {
		t.Fatalf("posts before the slot: got %v, want none", got)
	}
	f.set(at(1, 9, 0, 20))
	tick(t, s)
	tick(t, s)
	want := []post{{"slack", "C1", fmt.Sprintf("digest %d 2026-12-01T01:00:00Z", sub.ID)}}
	if diff := cmp.Diff(want, f.post.got()); diff != "" {
		t.Fatalf("posts (-want +got):\n%s", diff)
	}

	// Restart a minute later: a new process with a new store handle sends nothing again.
	f.set(at(1, 9, 1, 0))
	restarted, _ := f.scheduler(t, "a", schedule.Options{})
	tick(t, restarted)
	if got := f.post.got(); len(got) != 1 {
		t.Errorf("posts after restart: got %d, want 1", len(got))
	}
	d, err := st.Delivery(t.Context(), sub.ID, at(1, 9, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.DeliverySent || d.Late || d.Attempts != 1 {
		t.Errorf("delivery: got status %s late %v attempts %d, want sent, on time, 1 attempt", d.Status, d.Late, d.Attempts)
	}
}

func TestMissedSlotIsSentOnceLate(t *testing.T) {
	f := newFixture(t, at(1, 8, 0, 0))
	s, st := f.scheduler(t, "a", schedule.Options{})
	sub := daily(t, st, "en")
	f.set(at(1, 9, 0, 5))
	tick(t, s)

	// Down from 12-01 after the send until 12-04 10:00: the 12-02, 12-03 and 12-04 slots were
	// missed. Only 12-04 is sent, once, marked late.
	f.set(at(4, 10, 0, 0))
	for _, holder := range []string{"a", "b"} {
		r, _ := f.scheduler(t, holder, schedule.Options{})
		tick(t, r)
		tick(t, r)
	}
	posts := f.post.got()
	if len(posts) != 2 {
		t.Fatalf("posts: got %d (%v), want 2", len(posts), posts)
	}
	want := fmt.Sprintf("(late: scheduled 09:00) digest %d 2026-12-04T01:00:00Z", sub.ID)
	if posts[1].Headline != want {
		t.Errorf("late post: got %q, want %q", posts[1].Headline, want)
	}
	tests := []struct {
		slot    time.Time
		status  store.DeliveryStatus
		late    bool
		skipped bool
	}{
		{at(1, 9, 0, 0), store.DeliverySent, false, false},
		{at(2, 9, 0, 0), store.DeliveryFailed, true, true},
		{at(3, 9, 0, 0), store.DeliveryFailed, true, true},
		{at(4, 9, 0, 0), store.DeliverySent, true, false},
	}
	for _, tc := range tests {
		d, err := st.Delivery(t.Context(), sub.ID, tc.slot)
		if err != nil {
			t.Fatalf("delivery of %v: %v", tc.slot, err)
		}
		if d.Status != tc.status || d.Late != tc.late || strings.HasPrefix(d.Detail, schedule.SkippedPrefix) != tc.skipped {
			t.Errorf("delivery of %v: got status %s late %v detail %q, want %s late %v skipped %v", tc.slot, d.Status, d.Late, d.Detail, tc.status, tc.late, tc.skipped)
		}
	}

	// The next day is on time again.
	f.set(at(5, 9, 1, 0))
	tick(t, s)
	posts = f.post.got()
	if len(posts) != 3 || strings.HasPrefix(posts[2].Headline, "(") {
		t.Errorf("next day: got %v, want a third post without a late mark", posts)
	}
}

func TestSubscriptionCreatedAfterTodaysSlot(t *testing.T) {
	f := newFixture(t, at(1, 9, 30, 0))
	s, st := f.scheduler(t, "a", schedule.Options{})
	daily(t, st, "zh")
	f.set(at(1, 9, 31, 0))
	tick(t, s)
	if got := f.post.got(); len(got) != 0 {
		t.Fatalf("posts: got %v, want none (today's slot was before the subscription)", got)
	}
	f.set(at(2, 9, 0, 0))
	tick(t, s)
	if got := f.post.got(); len(got) != 1 {
		t.Errorf("posts next day: got %d, want 1", len(got))
	}
}

func TestConfiguredSubscription(t *testing.T) {
	cfg := store.Subscription{ID: -42, Platform: "lark", User: "ou_1", Metrics: []string{"gmv"}, Cron: "30 8 * * 1",
		TimeZone: "Asia/Shanghai", Language: "zh", CreatedBy: "config:weekly"}
	// 2026-12-07 is a Monday.
	f := newFixture(t, at(7, 10, 0, 0))
	s, st := f.scheduler(t, "a", schedule.Options{Config: []store.Subscription{cfg}})
	tick(t, s)
	if got := f.post.got(); len(got) != 0 {
		t.Fatalf("first start after the slot: got %v, want nothing (no earlier delivery on record)", got)
	}
	f.set(at(14, 8, 30, 0))
	tick(t, s)
	// Down for two weeks; back on Tuesday 12-29: the Monday 12-28 slot is sent late.
	f.set(at(29, 7, 0, 0))
	r, _ := f.scheduler(t, "b", schedule.Options{Config: []store.Subscription{cfg}})
	tick(t, r)
	tick(t, r)
	want := []post{
		{"lark", "ou_1", "digest -42 2026-12-14T00:30:00Z"},
		{"lark", "ou_1", "(迟发: 原定 2026-12-28 08:30) digest -42 2026-12-28T00:30:00Z"},
	}
	if diff := cmp.Diff(want, f.post.got()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	d, err := st.Delivery(t.Context(), -42, at(21, 8, 30, 0))
	if err != nil || !strings.HasPrefix(d.Detail, schedule.SkippedPrefix) {
		t.Errorf("12-21 slot: got %+v, %v, want recorded as skipped", d, err)
	}
}

func TestFailedDeliveryIsRetriedUpToMaxAttempts(t *testing.T) {
	tests := []struct {
		name      string
		failN     int
		wantPosts int
		wantState store.DeliveryStatus
		wantTries int
	}{
		{"succeeds on second try", 1, 1, store.DeliverySent, 2},
		{"gives up after three", 10, 0, store.DeliveryFailed, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, at(1, 8, 0, 0))
			f.post.failN = tc.failN
			s, st := f.scheduler(t, "a", schedule.Options{})
			sub := daily(t, st, "en")
			for i := range 5 {
				f.set(at(1, 9, i, 0))
				s.Tick(t.Context()) // failures are recorded, not returned
			}
			if got := len(f.post.got()); got != tc.wantPosts {
				t.Errorf("posts: got %d, want %d", got, tc.wantPosts)
			}
			d, err := st.Delivery(t.Context(), sub.ID, at(1, 9, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.wantState || d.Attempts != tc.wantTries {
				t.Errorf("delivery: got %s after %d attempts, want %s after %d", d.Status, d.Attempts, tc.wantState, tc.wantTries)
			}
		})
	}
}

func TestComposeFailureIsRecorded(t *testing.T) {
	f := newFixture(t, at(1, 8, 0, 0))
	f.comp.fail = errors.New("compose digest: trend: warehouse timeout")
	s, st := f.scheduler(t, "a", schedule.Options{MaxAttempts: 1})
	sub := daily(t, st, "en")
	f.set(at(1, 9, 0, 0))
	tick(t, s)
	d, err := st.Delivery(t.Context(), sub.ID, at(1, 9, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.DeliveryFailed || !strings.Contains(d.Detail, "warehouse timeout") {
		t.Errorf("delivery: got %s %q, want failed with the cause", d.Status, d.Detail)
	}
	if got := f.post.got(); len(got) != 0 {
		t.Errorf("posts: got %v, want none", got)
	}
}

// replicas runs three schedulers, each with its own store handle on one database, through two
// weeks in half-hour steps with a three-day outage, ticking concurrently, and checks that every
// slot was posted exactly once.
func replicas(t *testing.T, open func(t *testing.T, now func() time.Time) testStore) {
	clock := storetest.NewClock(at(1, 0, 0, 0))
	comp, post := &composer{}, &poster{}
	const n = 3
	scheds := make([]*schedule.Scheduler, n)
	var first testStore
	for i := range scheds {
		st := open(t, clock.Now)
		if i == 0 {
			first = st
		}
		scheds[i] = schedule.New(st, comp, post, schedule.Options{Holder: fmt.Sprintf("replica-%d", i), Now: clock.Now, Logger: quiet})
	}
	specs := []string{"0 9 * * *", "30 8 * * 1", "0 10 1 * *", "0 */6 * * *"}
	for i, spec := range specs {
		if _, err := first.CreateSubscription(t.Context(), store.Subscription{Platform: "slack", Channel: fmt.Sprintf("C%d", i),
			Metrics: []string{"gmv"}, Cron: spec, TimeZone: "Asia/Shanghai", Language: "en"}); err != nil {
			t.Fatal(err)
		}
	}
	end := at(15, 0, 0, 0)
	outage := [2]time.Time{at(5, 12, 0, 0), at(8, 12, 0, 0)}
	for clock.Now().Before(end) {
		clock.Add(30 * time.Minute)
		if now := clock.Now(); now.After(outage[0]) && now.Before(outage[1]) {
			continue
		}
		var wg sync.WaitGroup
		for _, s := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Tick(t.Context()); err != nil {
					t.Errorf("tick at %v: %v", clock.Now(), err)
				}
			}()
		}
		wg.Wait()
	}
	count := map[string]int{}
	for _, p := range post.got() {
		count[p.Channel+" "+p.Headline]++
	}
	var dup []string
	for k, c := range count {
		if c != 1 {
			dup = append(dup, fmt.Sprintf("%s x%d", k, c))
		}
	}
	sort.Strings(dup)
	if len(dup) > 0 {
		t.Errorf("posted more than once: %v", dup)
	}
	// Daily 9:00: 14 slots; 12-06 and 12-07 are skipped and 12-08 is sent late at 12:00: 12.
	// Monday 8:30: 12-07 (sent late on 12-08) and 12-14: 2. The 1st at 10:00: 1.
	// Every 6 hours: 57 slots from 12-01 00:00 to 12-15 00:00, of which the 11 between 12-05
	// 18:00 and 12-08 06:00 are skipped (at 12-08 12:00 the latest slot is on time): 46.
	perChannel := map[string]int{}
	for _, p := range post.got() {
		perChannel[p.Channel]++
	}
	want := map[string]int{"C0": 12, "C1": 2, "C2": 1, "C3": 46}
	if diff := cmp.Diff(want, perChannel); diff != "" {
		t.Errorf("posts per channel (-want +got):\n%s", diff)
	}
}

func TestReplicasSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	replicas(t, func(t *testing.T, now func() time.Time) testStore { return openSQLite(t, path, now) })
}

func TestReplicasPostgres(t *testing.T) {
	t.Parallel()
	dsn := warehousetest.Postgres(t)
	replicas(t, func(t *testing.T, now func() time.Time) testStore {
		st, err := postgres.Open(t.Context(), dsn, postgres.Options{Now: now, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestJobRunsOncePerSlotAcrossReplicas(t *testing.T) {
	f := newFixture(t, at(7, 8, 59, 0))
	var mu sync.Mutex
	runs := map[time.Time]int{}
	failures := 1
	job := schedule.Job{Name: "weekly-review", Spec: "0 9 * * 1", TimeZone: "Asia/Shanghai", Run: func(_ context.Context, slot time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		runs[slot.UTC()]++
		if failures > 0 {
			failures--
			return errors.New("review: store unavailable")
		}
		return nil
	}}
	opts := schedule.Options{Jobs: []schedule.Job{job}, Lease: 10 * time.Minute}
	a, _ := f.scheduler(t, "a", opts)
	b, _ := f.scheduler(t, "b", opts)
	c, _ := f.scheduler(t, "c", opts)
	steps := []time.Duration{0, 2 * time.Minute, 5 * time.Minute, 11 * time.Minute, 20 * time.Minute}
	for _, d := range steps {
		f.set(at(7, 9, 0, 0).Add(d))
		for _, s := range []*schedule.Scheduler{a, b, c} {
			s.Tick(t.Context()) // the failed run is reported here and retried after the lease
		}
	}
	// The first run fails; the slot stays claimed until the lease ends, then one replica runs it
	// again and finishes it.
	want := map[time.Time]int{at(7, 9, 0, 0).UTC(): 2}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("runs per slot (-want +got):\n%s", diff)
	}
}

func TestRunSleepsUntilTheNextSlot(t *testing.T) {
	f := newFixture(t, at(1, 8, 58, 0))
	var sleeps []time.Duration
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := schedule.Options{Interval: time.Hour, Sleep: func(ctx context.Context, d time.Duration) error {
		sleeps = append(sleeps, d)
		f.clock.Add(d)
		if len(sleeps) == 3 {
			cancel()
		}
		return ctx.Err()
	}}
	s, st := f.scheduler(t, "a", opts)
	daily(t, st, "en")
	if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: got %v, want context.Canceled", err)
	}
	want := []time.Duration{2 * time.Minute, time.Hour, time.Hour}
	if diff := cmp.Diff(want, sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if got := len(f.post.got()); got != 1 {
		t.Errorf("posts: got %d, want 1", got)
	}
}

func TestLateMark(t *testing.T) {
	tests := []struct {
		slot, now time.Time
		lang      string
		want      string
	}{
		{at(4, 9, 0, 0), at(4, 10, 0, 0), "en", "(late: scheduled 09:00)"},
		{at(3, 9, 0, 0), at(4, 10, 0, 0), "en", "(late: scheduled 2026-12-03 09:00)"},
		{at(4, 9, 0, 0), at(4, 10, 0, 0), "zh", "(迟发: 原定 09:00)"},
	}
	for _, tc := range tests {
		if got := schedule.LateMark(tc.slot, tc.now, tc.lang); got != tc.want {
			t.Errorf("LateMark(%v, %v, %s): got %q, want %q", tc.slot, tc.now, tc.lang, got, tc.want)
		}
	}
}

func TestBadSubscriptionDoesNotStopOthers(t *testing.T) {
	f := newFixture(t, at(1, 8, 0, 0))
	s, st := f.scheduler(t, "a", schedule.Options{})
	if _, err := st.CreateSubscription(t.Context(), store.Subscription{Platform: "slack", Channel: "C9", Metrics: []string{"gmv"},
		Cron: "61 9 * * *", TimeZone: "Asia/Shanghai", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	daily(t, st, "en")
	f.set(at(1, 9, 0, 0))
	if _, err := s.Tick(t.Context()); err == nil || !strings.Contains(err.Error(), "61 9 * * *") {
		t.Errorf("tick: got %v, want an error naming the bad schedule", err)
	}
	if got := len(f.post.got()); got != 1 {
		t.Errorf("posts: got %d, want 1 from the good subscription", got)
	}
}

// BenchmarkQuietTick measures a tick with 100 daily subscriptions whose latest slot was already
// sent: the steady-state cost between slots (one delivery lookup per subscription).
func BenchmarkQuietTick(b *testing.B) {
	clock := storetest.NewClock(at(1, 8, 0, 0))
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "state.db"), sqlite.Options{Now: clock.Now, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for i := range 100 {
		if _, err := st.CreateSubscription(b.Context(), store.Subscription{Platform: "slack", Channel: fmt.Sprintf("C%d", i),
			Metrics: []string{"gmv"}, Cron: "0 9 * * *", TimeZone: "Asia/Shanghai", Language: "en"}); err != nil {
			b.Fatal(err)
		}
	}
	s := schedule.New(st, &composer{}, &poster{}, schedule.Options{Now: clock.Now, Logger: quiet})
	clock.Add(time.Hour + time.Minute)
	if _, err := s.Tick(b.Context()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Tick(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
