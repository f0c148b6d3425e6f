package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/metricbot/metricbot/internal/eval"
)

// cmdEval runs a question set through the answerer and scores it against expected queries and
// rows computed by the set's own SQL on the same warehouse.
func cmdEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f askFlags
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.common.register(fs)
	fs.StringVar(&f.output, "format", "text", "output `format`: text or json")
	questions := fs.String("questions", "", "question set (`FILE`.jsonl, see package internal/eval); empty means the built-in development set for the demo")
	minAcc := fs.Float64("min", 0, "exit with status 1 when accuracy is below this `fraction` (0..1)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metricbot eval [--questions FILE.jsonl] [--min 0.95] [--format text|json] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{2, fmt.Sprintf("eval: unexpected argument %q", fs.Arg(0))}
	}
	if *minAcc < 0 || *minAcc > 1 {
		return &exitError{2, fmt.Sprintf("--min %v must be between 0 and 1", *minAcc)}
	}
	cases, err := loadCases(*questions)
	if err != nil {
		return err
	}
	a, ans, _, err := f.answerer(ctx, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := eval.Run(ctx, cases, ans, a.wh, eval.Options{Location: a.catalogs.Current().Location})
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if f.output == "json" {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if rep.Accuracy < *minAcc {
		return &exitError{1, fmt.Sprintf("eval: accuracy %.1f%% is below --min %.1f%%", 100*rep.Accuracy, 100**minAcc)}
	}
	return nil
}

// loadCases reads a question set file, or the built-in development set when path is empty.
func loadCases(path string) ([]eval.Case, error) {
	if path == "" {
		cases, err := eval.Dev()
		if err != nil {
			return nil, fmt.Errorf("built-in question set: %w", err)
		}
		return cases, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open question set: %w", err)
	}
	defer fh.Close()
	cases, err := eval.Load(fh)
	var se *eval.SetError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("question set %s: %w", path, err)
	}
	if err != nil {
		return nil, err
	}
	return cases, nil
}
