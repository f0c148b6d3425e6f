package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/metricbot/metricbot/catalog"
)

func cmdCatalog(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metricbot catalog validate [DIR] | list | show NAME  [flags]")
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return &exitError{2, ""}
	}
	sub, rest := args[0], args[1:]
	// Positional arguments may come before or after the flags.
	var pos []string
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos = append(pos, rest[0])
			rest = rest[1:]
		}
	}
	switch sub {
	case "validate":
		if len(pos) > 1 {
			return &exitError{2, "catalog validate takes one directory"}
		}
		if len(pos) == 1 {
			c.catalog = pos[0]
		}
	case "list":
		if len(pos) > 0 {
			return &exitError{2, "catalog list takes no arguments"}
		}
	case "show":
		if len(pos) != 1 {
			return &exitError{2, "catalog show takes one metric or dimension name"}
		}
	default:
		fs.Usage()
		return &exitError{2, fmt.Sprintf("unknown catalog command %q", sub)}
	}
	a, err := c.load(stderr)
	if err != nil {
		var ve *catalog.ValidationError
		if sub == "validate" && errors.As(err, &ve) {
			for _, p := range ve.Problems {
				fmt.Fprintln(stdout, p)
			}
			return &exitError{1, fmt.Sprintf("catalog is invalid: %d problem(s)", len(ve.Problems))}
		}
		return err
	}
	cat := a.catalogs.Current()
	switch sub {
	case "validate":
		where := a.cfg.Catalog
		if where == "" {
			where = "built-in demo catalog"
		}
		fmt.Fprintf(stdout, "%s: ok: %d metrics, %d dimensions, %d sources, %d owners\n", where, len(cat.Metrics), len(cat.Dimensions), len(cat.Sources), len(cat.Owners))
	case "list":
		listCatalog(stdout, cat)
	case "show":
		return showCatalog(stdout, cat, pos[0])
	}
	return nil
}

func listCatalog(w io.Writer, c *catalog.Catalog) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tLABEL\tTYPE\tOWNER\tDESCRIPTION")
	for _, m := range c.Metrics {
		fmt.Fprintf(tw, "%s\t%s / %s\t%s\t%s\t%s\n", m.Name, m.Label.ZH, m.Label.EN, m.Type, m.Owner, shorten(m.Description.In("zh"), 40))
	}
	fmt.Fprintln(tw, "\nDIMENSION\tLABEL\tSOURCE\tPARENT\t")
	for _, d := range c.Dimensions {
		fmt.Fprintf(tw, "%s\t%s / %s\t%s.%s\t%s\t\n", d.Name, d.Label.ZH, d.Label.EN, d.Source, d.Column, d.Parent)
	}
	tw.Flush()
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func showCatalog(w io.Writer, c *catalog.Catalog, name string) error {
	if m, ok := c.Metric(name); ok {
		fmt.Fprintf(w, "metric %s: %s / %s (%s)\n", m.Name, m.Label.ZH, m.Label.EN, m.Type)
		fmt.Fprintf(w, "  定义: %s\n  definition: %s\n", m.Description.ZH, m.Description.EN)
		switch m.Type {
		case catalog.Simple:
			fmt.Fprintf(w, "  computed as: %s(%s) over source %s", m.Agg, m.Expr, m.Source)
			for _, f := range m.Filter {
				fmt.Fprintf(w, ", where %s%s %s %s", f.Dimension, f.Column, f.Op, strings.Join(f.Values, "|"))
			}
			fmt.Fprintln(w)
		case catalog.Ratio:
			fmt.Fprintf(w, "  computed as: %s / %s (ratio of the sums in each group)\n", m.Numerator.Metric, m.Denominator.Metric)
		case catalog.Derived:
			fmt.Fprintf(w, "  computed as: %s\n", m.Formula)
		case catalog.Cumulative:
			fmt.Fprintf(w, "  computed as: %s accumulated %s %d\n", m.Base, m.Window, m.Days)
		}
		if o, ok := c.Owner(m.Owner); ok {
			fmt.Fprintf(w, "  owner: %s (%s)\n", o.Name, o.Email)
		}
		if m.Format != "" || m.Unit != "" {
			fmt.Fprintf(w, "  format: %s %s  favourable: %s\n", m.Format, m.Unit, m.Direction)
		}
		if len(m.Synonyms) > 0 {
			fmt.Fprintf(w, "  synonyms: %s\n", strings.Join(m.Synonyms, ", "))
		}
		var dims []string
		for _, d := range c.DimensionsOf(m) {
			dims = append(dims, d.Name)
		}
		fmt.Fprintf(w, "  dimensions: %s\n", strings.Join(dims, ", "))
		if d := m.Decomposition; d != nil {
			if len(d.Factors) > 0 {
				fmt.Fprintf(w, "  decomposes as: %s\n", strings.Join(d.Factors, " x "))
			} else {
				fmt.Fprintf(w, "  decomposes as: %s\n", strings.Join(d.Children, " + "))
			}
		}
		if len(m.Targets) > 0 {
			fmt.Fprintf(w, "  targets: %v\n", m.Targets)
		}
		fmt.Fprintf(w, "  defined at: %s\n", m.Position())
		return nil
	}
	if d, ok := c.Dimension(name); ok {
		fmt.Fprintf(w, "dimension %s: %s / %s (%s)\n  column: %s.%s\n", d.Name, d.Label.ZH, d.Label.EN, d.Type, d.Source, d.Column)
		if d.Parent != "" {
			fmt.Fprintf(w, "  parent: %s\n", d.Parent)
		}
		for _, v := range d.Values {
			fmt.Fprintf(w, "  value %s: %s\n", v.Value, strings.Join(append([]string{v.Label.EN}, v.Aliases...), ", "))
		}
		fmt.Fprintf(w, "  defined at: %s\n", d.Position())
		return nil
	}
	var names []string
	for _, m := range c.Metrics {
		names = append(names, m.Name)
	}
	for _, d := range c.Dimensions {
		names = append(names, d.Name)
	}
	return &exitError{1, fmt.Sprintf("no metric or dimension %q%s", name, suggestion(catalog.Suggest(name, names)))}
}

func suggestion(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", s[0])
}
