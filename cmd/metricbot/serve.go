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
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/lark"
	"github.com/metricbot/metricbot/bot/slack"
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
	st, err := openState(ctx, a)
	if err != nil {
		return err
	}
	defer st.Close()
	metrics := telemetry.New()
	eng := bot.NewEngine(ans, st, bot.Options{Logger: a.log.With("component", "bot"), Observer: metrics})

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
	if a.watcher != nil {
		g.Go(func() error { return a.watcher.Run(ctx) })
	}
	connected := 0
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
		connected++
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
