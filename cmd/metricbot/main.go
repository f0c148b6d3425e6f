// Command metricbot answers business questions from a governed metric catalog, in chat and on the
// command line. With no configuration it runs on a built-in demo: a generated retail warehouse in
// SQLite and its catalog.
//
// Usage:
//
//	metricbot query --metric gmv --by region --from 2026-10-01 --to 2026-11-01 --compare previous
//	metricbot catalog validate DIR | list | show NAME
//
// Every subcommand accepts --config, --catalog, --warehouse, --demo-end and --log-level.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the catalog's time zone must load on machines without zoneinfo

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/config"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/reload"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/open"
)

const usage = `metricbot: a chat-first metrics assistant over a governed metric catalog.

Commands:
  ask       answer a question in Chinese or English: metricbot ask "上个月各大区的销售额"
  chat      answer questions line by line from standard input, with follow-ups
  serve     run the Slack and Lark bots (when configured) with /healthz, /metrics and /api/ask
  query     run a governed query given by flags or JSON, print a table or JSON
  catalog   validate | list | show NAME: inspect a catalog
  demo      load --warehouse DSN: load the demo data into PostgreSQL, MySQL/MariaDB or SQLite
  eval      score answers to a question set: metricbot eval --questions FILE.jsonl --min 0.95
  digest    print a digest now or list subscriptions: metricbot digest --dry-run --metrics gmv,order_count
  review    review the alerts raised and answered: metricbot review --since 7d
  alerts    check: evaluate the alert rules over days: metricbot alerts check --from D --to D

Common flags (every command):
  --config FILE       configuration file (YAML); none means the built-in demo
  --catalog DIR       catalog directory (overrides the config)
  --warehouse DSN     warehouse DSN: postgres://, mysql:// or sqlite:PATH (overrides the config)
  --demo-end DATE     last day of demo data, YYYY-MM-DD (default yesterday; env METRICBOT_DEMO_END)
  --log-level LEVEL   debug, info, warn or error

Run 'metricbot COMMAND -h' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries an exit status; its message has already been printed when msg is empty.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	var err error
	switch args[0] {
	case "query":
		err = cmdQuery(ctx, args[1:], stdout, stderr)
	case "catalog":
		err = cmdCatalog(ctx, args[1:], stdout, stderr)
	case "ask":
		err = cmdAsk(ctx, args[1:], stdout, stderr)
	case "chat":
		err = cmdChat(ctx, args[1:], os.Stdin, stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "eval":
		err = cmdEval(ctx, args[1:], stdout, stderr)
	case "digest":
		err = cmdDigest(ctx, args[1:], stdout, stderr)
	case "review":
		err = cmdReview(ctx, args[1:], stdout, stderr)
	case "alerts":
		err = cmdAlerts(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "metricbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, "metricbot:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "metricbot:", err)
	return 1
}

// common holds the flags every command accepts.
type common struct {
	config    string
	catalog   string
	warehouse string
	demoEnd   string
	logLevel  string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "configuration `file` (YAML); none means the built-in demo")
	fs.StringVar(&c.catalog, "catalog", "", "catalog `directory` (overrides the config)")
	fs.StringVar(&c.warehouse, "warehouse", "", "warehouse `DSN` (overrides the config)")
	fs.StringVar(&c.demoEnd, "demo-end", os.Getenv("METRICBOT_DEMO_END"), "last `day` of demo data, YYYY-MM-DD (default yesterday)")
	fs.StringVar(&c.logLevel, "log-level", "", "log `level`: debug, info, warn or error")
}

// app is what a command works with: configuration, logger, catalog and, when opened, the
// warehouse.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	catalogs engine.Catalogs
	watcher  *reload.Watcher // nil for the demo catalog
	demoEnd  catalog.Date    // zero unless on the demo warehouse
	wh       *warehouse.DB
	state    stateStore      // opened by commands that answer questions
	parsers  *answer.Parsers // likewise
	eng      *engine.Engine  // made once the warehouse is open; see metricsEngine
}

// metricsEngine returns the app's one engine over its catalog and warehouse, shared by the
// answers, digests and alerts of a command (so they share its freshness cache).
func (a *app) metricsEngine() *engine.Engine {
	if a.eng == nil {
		a.eng = engine.New(a.catalogs, a.wh, a.log.With("component", "engine"))
	}
	return a.eng
}

func (c *common) load(stderr io.Writer) (*app, error) {
	cfg, err := config.Load(c.config)
	if err != nil {
		return nil, err
	}
	if c.catalog != "" {
		cfg.Catalog = c.catalog
	}
	if c.warehouse != "" {
		cfg.Warehouse.DSN = config.Secret(c.warehouse)
	}
	if c.logLevel != "" {
		cfg.LogLevel = c.logLevel
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	a := &app{cfg: cfg, log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	if cfg.Catalog == "" {
		cat, err := demo.Catalog()
		if err != nil {
			return nil, fmt.Errorf("demo catalog: %w", err)
		}
		a.catalogs = engine.Static{C: cat}
	} else {
		w, err := reload.New(cfg.Catalog, a.log.With("component", "catalog"))
		if err != nil {
			return nil, err
		}
		a.watcher, a.catalogs = w, w
	}
	return a, nil
}

// openWarehouse opens the configured warehouse, generating the demo warehouse on first use.
func (a *app) openWarehouse(ctx context.Context, c *common) error {
	dsn := a.cfg.Warehouse.DSN.Reveal()
	if a.cfg.Demo() {
		end, err := demoEnd(c.demoEnd, a.catalogs.Current().Location)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(a.cfg.DataDir, 0o755); err != nil {
			return fmt.Errorf("demo data directory: %w", err)
		}
		start := time.Now()
		path, err := demo.Ensure(ctx, a.cfg.DataDir, demo.Options{End: end.Time(time.UTC)})
		if err != nil {
			return fmt.Errorf("demo warehouse: %w", err)
		}
		a.log.Debug("demo warehouse ready", "path", path, "end", end, "elapsed", time.Since(start))
		a.demoEnd = end
		dsn = "sqlite:" + path
	}
	wh, err := open.DSN(ctx, dsn, warehouse.Options{
		Timeout:  a.cfg.Warehouse.Timeout,
		MaxRows:  a.cfg.Warehouse.MaxRows,
		TimeZone: a.catalogs.Current().TimeZone,
		Logger:   a.log.With("component", "warehouse"),
	})
	if err != nil {
		return err
	}
	a.wh = wh
	return nil
}

func (a *app) close() {
	if a.state != nil {
		a.state.Close()
	}
	if a.wh != nil {
		a.wh.Close()
	}
}

// today returns the current date in the catalog's zone; on the demo, the day after its last day
// of data, so "last 7 days" means the demo's last week.
func (a *app) today() catalog.Date {
	if !a.demoEnd.IsZero() {
		return a.demoEnd.AddDays(1)
	}
	return catalog.DateOf(time.Now().In(a.catalogs.Current().Location))
}

// demoEnd parses --demo-end, defaulting to yesterday in loc.
func demoEnd(flagValue string, loc *time.Location) (catalog.Date, error) {
	if flagValue == "" {
		return catalog.DateOf(time.Now().In(loc)).AddDays(-1), nil
	}
	d, err := catalog.ParseDate(flagValue)
	if err != nil {
		return catalog.Date{}, fmt.Errorf("--demo-end: %w", err)
	}
	return d, nil
}
