package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/bot/terminal"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/nlq/llm"
)

// askFlags are the flags of ask and chat.
type askFlags struct {
	common
	now    string
	output string
	lang   string
	chart  string
}

func (f *askFlags) register(fs *flag.FlagSet) {
	f.common.register(fs)
	fs.StringVar(&f.now, "now", "", "today's `date` (YYYY-MM-DD) or instant (RFC 3339) for reproducible runs; default now, on the demo the day after --demo-end")
	fs.StringVar(&f.output, "format", "text", "output `format`: text or json")
	fs.StringVar(&f.lang, "lang", "", "reply `language` when the question shows none: zh or en")
	fs.StringVar(&f.chart, "chart", "", "write the answer's chart to this PNG `file`")
}

// answerer opens everything an answer needs.
func (f *askFlags) answerer(ctx context.Context, stderr io.Writer) (*app, bot.Answerer, func() time.Time, error) {
	if f.output != "text" && f.output != "json" {
		return nil, nil, nil, &exitError{2, fmt.Sprintf("--format %q must be text or json", f.output)}
	}
	a, err := f.load(stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := a.openWarehouse(ctx, &f.common); err != nil {
		a.close()
		return nil, nil, nil, err
	}
	loc := a.catalogs.Current().Location
	now, err := parseNow(f.now, loc, a.today())
	if err != nil {
		a.close()
		return nil, nil, nil, &exitError{2, err.Error()}
	}
	eng := a.metricsEngine()
	parsers, err := answer.NewParsers(ctx, a.catalogs, eng, 0, a.log.With("component", "nlq"))
	if err != nil {
		a.close()
		return nil, nil, nil, fmt.Errorf("build question parser: %w", err)
	}
	a.parsers = parsers
	charts, err := chart.New(chart.RendererOptions{Logger: a.log})
	if err != nil {
		a.close()
		return nil, nil, nil, err
	}
	st, err := openState(ctx, a)
	if err != nil {
		a.close()
		return nil, nil, nil, err
	}
	a.state = st
	// Answers show the alerts and owners' cause notes of the periods they cover.
	opts := answer.Options{Charts: charts, Logger: a.log.With("component", "answer"), Alerts: st}
	if !a.demoEnd.IsZero() {
		end := a.demoEnd
		opts.DataEnd = func() catalog.Date { return end }
	}
	ans := answer.New(parsers, eng, opts)
	if !a.cfg.LLM.Enabled() {
		a.log.Debug("no LLM configured: questions are read by the rules alone")
		return a, ans, now, nil
	}
	idx, err := newRetrieval(ctx, a, st)
	if err != nil {
		a.close()
		return nil, nil, nil, fmt.Errorf("retrieval for the llm: %w", err)
	}
	planner, err := llm.New(llm.Config{BaseURL: a.cfg.LLM.BaseURL, Model: a.cfg.LLM.Model, APIKey: a.cfg.LLM.APIKey.Reveal(), Timeout: a.cfg.LLM.Timeout},
		a.log.With("component", "llm"), llm.WithClock(now), llm.WithIndex(idx))
	if err != nil {
		a.close()
		return nil, nil, nil, fmt.Errorf("llm: %w", err)
	}
	a.log.Info("LLM planner on for questions the rules are unsure of", "model", a.cfg.LLM.Model)
	return a, &answer.Planned{Answerer: ans, P: planner, Need: llm.NeedsLLM}, now, nil
}

// parseNow reads --now: a date (taken as 09:00 that day in loc) or an RFC 3339 instant. Empty
// means 09:00 on today.
func parseNow(s string, loc *time.Location, today catalog.Date) (func() time.Time, error) {
	if s == "" {
		if today == catalog.DateOf(time.Now().In(loc)) {
			return time.Now, nil
		}
		t := today.Time(loc).Add(9 * time.Hour)
		return func() time.Time { return t }, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return func() time.Time { return t }, nil
	}
	d, err := catalog.ParseDate(s)
	if err != nil {
		return nil, fmt.Errorf("--now %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	t := d.Time(loc).Add(9 * time.Hour)
	return func() time.Time { return t }, nil
}

func cmdAsk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f askFlags
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: metricbot ask [flags] "question"`)
		fs.PrintDefaults()
	}
	var words []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	question := strings.TrimSpace(strings.Join(words, " "))
	if question == "" {
		fs.Usage()
		return &exitError{2, "ask: no question"}
	}
	a, ans, now, err := f.answerer(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	res := ans.Answer(ctx, question, nlq.Context{Now: now(), Lang: f.lang})
	return f.print(stdout, res)
}

func (f *askFlags) print(w io.Writer, res *answer.Answer) error {
	if f.chart != "" && res.Chart != nil {
		if err := os.WriteFile(f.chart, res.Chart, 0o644); err != nil {
			return fmt.Errorf("write chart: %w", err)
		}
	}
	if f.output == "json" {
		return writeJSON(w, res)
	}
	fmt.Fprintln(w, res.Text)
	return nil
}

// cmdChat reads questions line by line and answers each through the conversation engine, as one
// thread, so follow-ups build on the previous question as they do in Slack and Lark.
func cmdChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var f askFlags
	var chartDir string
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&chartDir, "charts", "", "write each reply's chart into this `directory`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.output != "text" {
		return &exitError{2, "chat: --format must be text"}
	}
	a, ans, now, err := f.answerer(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	eng := bot.NewEngine(ans, a.state, bot.Options{Workers: 1, Now: now, Logger: a.log.With("component", "bot")})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()

	session := terminal.New(eng, stdout, terminal.Options{ChartDir: chartDir, Now: now})
	interactive := isTerminal(stdin)
	sc := bufio.NewScanner(stdin)
	for {
		if interactive {
			fmt.Fprint(stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		q := strings.TrimSpace(sc.Text())
		if q == "exit" || q == "quit" {
			break
		}
		if q == "" && interactive {
			continue
		}
		if !interactive {
			fmt.Fprintf(stdout, "> %s\n", q)
		}
		if err := session.Ask(ctx, q); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	return sc.Err()
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
