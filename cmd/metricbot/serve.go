package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark"
	"github.com/metricbot/metricbot/bot/slack"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/alert"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/notify"
	"github.com/metricbot/metricbot/internal/schedule"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/telemetry"
	"github.com/metricbot/metricbot/nlq"
)

const connectHelp = `No chat platform is configured, so metricbot serves only its HTTP endpoints.
To connect:
  Slack: set SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-..., Socket Mode); see docs/slack.md
  Lark/Feishu: set LARK_APP_ID and LARK_APP_SECRET (and LARK_DOMAIN=lark outside mainland China); see docs/lark.md
Try it without a workspace: metricbot chat, or GET %s/api/ask?q=上个月各大区的销售额
`

// cmdServe runs the bot: the chat adapters that are configured, the conversation engine, the
// catalog watcher and an HTTP server with /healthz, /metrics, /api/ask and the HTTP event
// endpoints.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f askFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	addr := fs.String("addr", "", "HTTP listen `address` (overrides server.addr; default 127.0.0.1:8080)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, ans, now, err := f.answerer(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	if *addr != "" {
		a.cfg.Server.Addr = *addr
	}
	st := a.state
	metrics := telemetry.New()
	eng := bot.NewEngine(ans, st, bot.Options{Logger: a.log.With("component", "bot"), Observer: metrics,
		Subscriptions: &digest.Chat{Store: st, Catalogs: a.catalogs}})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := a.wh.Ping(ctx); err != nil {
			a.log.Warn("health check: warehouse", "err", err)
			http.Error(w, "warehouse unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", metrics.Handler())
	mux.HandleFunc("GET /api/ask", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		if q == "" {
			http.Error(w, "missing q", http.StatusBadRequest)
			return
		}
		start := time.Now()
		res := ans.Answer(r.Context(), q, nlq.Context{Now: now(), Lang: r.URL.Query().Get("lang")})
		metrics.QuestionAnswered(string(res.Status), res.Path, time.Since(start))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(res)
	})

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return eng.Run(ctx) })
	g.Go(func() error { return a.parsers.Run(ctx) }) // re-reads dimension values hourly
	if a.watcher != nil {
		g.Go(func() error { return a.watcher.Run(ctx) })
	}
	connected := 0
	posters := map[bot.Platform]bot.Poster{}
	if c := a.cfg.Slack; c.Enabled() {
		sa, err := slack.New(slack.Options{BotToken: c.BotToken.Reveal(), AppToken: c.AppToken.Reveal(), SigningSecret: c.SigningSecret.Reveal(),
			Mode: c.Mode, APIURL: c.APIURL, Logger: a.log.With("component", "slack")}, eng)
		if err != nil {
			return err
		}
		if c.Mode == "http" {
			mux.Handle("POST /slack/events", sa.HTTPHandler())
		}
		g.Go(func() error { return sa.Run(ctx) })
		posters[bot.Slack] = sa
		connected++
	}
	if c := a.cfg.Lark; c.Enabled() {
		la, err := lark.New(lark.Options{AppID: c.AppID, AppSecret: c.AppSecret.Reveal(), VerificationToken: c.VerificationToken.Reveal(),
			EncryptKey: c.EncryptKey.Reveal(), Mode: c.Mode, Domain: c.Domain, BaseURL: c.BaseURL, Logger: a.log.With("component", "lark")}, eng)
		if err != nil {
			return err
		}
		if c.Mode == "http" {
			mux.Handle("POST /lark/events", la.HTTPHandler())
		}
		g.Go(func() error { return la.Run(ctx) })
		posters[bot.Lark] = la
		connected++
	}
	var jobs []schedule.Job
	if a.cfg.Alerts.Enabled {
		loop, err := newAlertLoop(a, st, posters, now)
		if err != nil {
			return err
		}
		jobs = loop.jobs()
	}
	if connected > 0 {
		sched, err := newScheduler(a, st, bot.Router(posters), now, jobs)
		if err != nil {
			return err
		}
		g.Go(func() error { return sched.Run(ctx) })
	}
	ln, err := net.Listen("tcp", a.cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Server.Addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	base := "http://" + ln.Addr().String()
	if connected == 0 {
		fmt.Fprintf(stdout, connectHelp, base)
	}
	a.log.Info("metricbot serving", "addr", base, "platforms", connected)
	return g.Wait()
}

// alertStore is what the alert loop needs of the state store; both stores implement it.
type alertStore interface {
	notify.Store
	alert.Raiser
}

// alertLoop is the daily alert check (evaluate yesterday, raise, deliver) and the hourly
// escalation, run as scheduler jobs.
type alertLoop struct {
	a        *app
	st       alertStore
	eng      *engine.Engine
	n        *notify.Notifier
	now      func() time.Time
	checkAt  time.Duration // after midnight, catalog time
	platform bot.Platform
}

func newAlertLoop(a *app, st stateStore, posters map[bot.Platform]bot.Poster, now func() time.Time) (*alertLoop, error) {
	cfg := a.cfg.Alerts
	as, ok := st.(alertStore)
	if !ok {
		return nil, errors.New("alerts: the state store cannot record alerts")
	}
	platform := bot.Platform(cfg.Platform)
	if platform == "" {
		platform = bot.Slack
		if posters[bot.Slack] == nil {
			platform = bot.Lark
		}
	}
	post := posters[platform]
	if post == nil {
		return nil, fmt.Errorf("alerts: platform %s is not configured; configure it or set alerts.platform", platform)
	}
	checkAt := 9 * time.Hour
	if cfg.CheckAt != "" {
		t, err := time.Parse("15:04", cfg.CheckAt)
		if err != nil {
			return nil, fmt.Errorf("alerts: check_at: %w", err)
		}
		checkAt = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	eng := a.metricsEngine()
	charts, err := chart.New(chart.RendererOptions{Logger: a.log})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d", host, os.Getpid())
	n := notify.New(eng, as, post, notify.Options{Platform: platform, Charts: charts, History: eng,
		RemindAfter: cfg.RemindAfter, EscalateAfter: cfg.EscalateAfter, FallbackChannel: cfg.FallbackChannel,
		Holder: holder, Logger: a.log.With("component", "notify")})
	return &alertLoop{a: a, st: as, eng: eng, n: n, now: now, checkAt: checkAt, platform: platform}, nil
}

// jobs returns the daily check at check_at (evaluating yesterday) and the hourly escalation, for
// the scheduler, which runs each slot once across replicas.
func (l *alertLoop) jobs() []schedule.Job {
	tz := l.eng.Catalog().TimeZone
	h, m := int(l.checkAt/time.Hour), int(l.checkAt%time.Hour/time.Minute)
	return []schedule.Job{
		{Name: "alert-check", Spec: fmt.Sprintf("%d %d * * *", m, h), TimeZone: tz, MaxLate: 24 * time.Hour,
			Run: func(ctx context.Context, slot time.Time) error {
				loc := l.eng.Catalog().Location
				return l.check(ctx, catalog.DateOf(slot.In(loc)).AddDays(-1))
			}},
		{Name: "alert-escalation", Spec: "0 * * * *", TimeZone: tz,
			Run: func(ctx context.Context, slot time.Time) error { return l.n.Escalate(ctx, l.now()) }},
	}
}

// check evaluates day, records the new alerts and delivers them with their contributors, then
// delivers any alert an earlier run raised but never delivered.
func (l *alertLoop) check(ctx context.Context, day catalog.Date) error {
	c := l.eng.Catalog()
	all, err := l.st.Alerts(ctx, store.AlertFilter{})
	if err != nil {
		return fmt.Errorf("alert check: %w", err)
	}
	found, err := alert.Evaluate(ctx, l.eng, c, day, alert.Options{Now: l.now, Dismissed: alert.Dismissals(all, c.Location),
		Logger: l.a.log.With("component", "alert")})
	if err != nil {
		return fmt.Errorf("alert check %s: %w", day, err)
	}
	raised, err := alert.Raise(ctx, l.st, found)
	if err != nil {
		return fmt.Errorf("alert check %s: %w", day, err)
	}
	detail := map[string]*alert.Alert{}
	for i := range found {
		detail[found[i].Rule+" "+found[i].Slice.Key()] = &found[i]
	}
	var errs []error
	for _, a := range raised {
		canon, _ := store.CanonicalJSON(a.Slice)
		key := a.Rule + " " + string(canon)
		if string(canon) == "null" {
			key = a.Rule + " {}"
		}
		if err := l.n.Deliver(ctx, a, detail[key]); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := l.n.DeliverPending(ctx); err != nil {
		errs = append(errs, err)
	}
	l.a.log.Info("alert check done", "day", day.String(), "found", len(found), "raised", len(raised), "platform", l.platform)
	return errors.Join(errs...)
}
