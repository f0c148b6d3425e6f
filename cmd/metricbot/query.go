package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/compile"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/format"
)

// list is a repeatable flag whose values may also be comma-separated.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }
func (l *list) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// multi is a repeatable flag kept whole (filter values may contain commas only as separators).
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ";") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type queryFlags struct {
	common
	metrics, by       list
	filters, having   multi
	grain, from, to   string
	compare, order    string
	top, bottom       int
	limit             int
	share             bool
	jsonQuery, output string
	dryRun            bool
	dialect           string
}

func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f queryFlags
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Var(&f.metrics, "metric", "metric `name` (repeatable or comma-separated)")
	fs.Var(&f.by, "by", "group by `dimension` (repeatable or comma-separated)")
	fs.Var(&f.filters, "filter", "dimension filter: `dim=v1,v2`, dim!=v (exclude), dim~text (contains); repeatable")
	fs.Var(&f.having, "having", "metric value filter: `metric>N` (also >=, <, <=); repeatable")
	fs.StringVar(&f.grain, "grain", "", "time `grain`: day, week, month, quarter or year")
	fs.StringVar(&f.from, "from", "", "first `day` of the period, inclusive (default: 30 days before --to)")
	fs.StringVar(&f.to, "to", "", "`day` after the period, exclusive (default: today; on the demo, the day after --demo-end)")
	fs.StringVar(&f.compare, "compare", "", "compare with: previous (环比) or yoy (同比)")
	fs.StringVar(&f.order, "order", "", "order by result `column`, with a leading - for descending")
	fs.IntVar(&f.top, "top", 0, "the top `N` groups by the first metric")
	fs.IntVar(&f.bottom, "bottom", 0, "the bottom `N` groups by the first metric")
	fs.IntVar(&f.limit, "limit", 0, "at most `N` rows")
	fs.BoolVar(&f.share, "share", false, "add each group's share of the total")
	fs.StringVar(&f.jsonQuery, "json", "", "the governed query as `JSON` instead of flags")
	fs.StringVar(&f.output, "format", "table", "output `format`: table or json")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the SQL and its parameters without running it")
	fs.StringVar(&f.dialect, "dialect", "", "with --dry-run: SQL `dialect` postgres, mysql or sqlite (default: the warehouse's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Sprintf("query: unexpected argument %q (flags only; see metricbot query -h)", fs.Arg(0))}
	}
	if f.output != "table" && f.output != "json" {
		return &exitError{2, fmt.Sprintf("query: --format %q must be table or json", f.output)}
	}
	a, err := f.load(stderr)
	if err != nil {
		return err
	}
	defer a.close()
	cat := a.catalogs.Current()

	needWarehouse := !f.dryRun || f.dialect == ""
	if needWarehouse {
		if err := a.openWarehouse(ctx, &f.common); err != nil {
			return err
		}
	} else if a.cfg.Demo() {
		end, err := demoEnd(f.demoEnd, cat.Location)
		if err != nil {
			return err
		}
		a.demoEnd = end
	}
	q, err := f.build(cat, a.today())
	if err != nil {
		return &exitError{2, "query: " + err.Error()}
	}
	if f.dryRun {
		dialect := compile.Dialect(f.dialect)
		if f.dialect == "" {
			dialect = compile.Dialect(a.wh.Dialect())
		}
		st, err := compile.SQL(cat, q, dialect)
		if err != nil {
			return &exitError{1, err.Error()}
		}
		return printDryRun(stdout, st, f.output)
	}
	eng := a.metricsEngine()
	res, err := eng.Run(ctx, q)
	if err != nil {
		if f.output == "json" {
			_ = writeJSON(stdout, map[string]any{"status": "error", "error": err.Error(), "query": q})
		}
		return &exitError{1, err.Error()}
	}
	if f.output == "json" {
		return writeJSON(stdout, map[string]any{
			"status":     "ok",
			"query":      q,
			"dialect":    res.Statement.Dialect,
			"sql":        res.Statement.SQL,
			"args":       res.Statement.Args,
			"columns":    res.Columns,
			"rows":       jsonRows(res.Rows),
			"elapsed_ms": res.Elapsed.Milliseconds(),
		})
	}
	printTable(stdout, cat, res)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonRows makes sure rows encode as arrays even when empty.
func jsonRows(rows [][]any) [][]any {
	if rows == nil {
		return [][]any{}
	}
	return rows
}

func printDryRun(w io.Writer, st *compile.Statement, output string) error {
	if output == "json" {
		return writeJSON(w, map[string]any{"status": "ok", "query": st.Query, "dialect": st.Dialect, "sql": st.SQL, "args": st.Args, "columns": st.Columns})
	}
	fmt.Fprintf(w, "-- dialect: %s\n%s;\n", st.Dialect, st.SQL)
	for i, a := range st.Args {
		fmt.Fprintf(w, "-- $%d = %#v\n", i+1, a)
	}
	return nil
}

var (
	filterRe = regexp.MustCompile(`^\s*([a-z][a-z0-9_]*)\s*(!=|=|~)\s*(.+)$`)
	havingRe = regexp.MustCompile(`^\s*([a-z][a-z0-9_]*)\s*(>=|<=|>|<)\s*(-?[0-9.]+(?:e[0-9]+)?)\s*$`)
)

// build turns the flags into a governed query.
func (f *queryFlags) build(c *catalog.Catalog, today catalog.Date) (catalog.Query, error) {
	var q catalog.Query
	if f.jsonQuery != "" {
		dec := json.NewDecoder(strings.NewReader(f.jsonQuery))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			return q, fmt.Errorf("--json: %v", err)
		}
		return q, nil
	}
	q.Metrics = f.metrics
	q.GroupBy = f.by
	q.Grain = catalog.Grain(f.grain)
	q.Share = f.share
	q.Limit = f.limit
	end := today
	if f.to != "" {
		d, err := catalog.ParseDate(f.to)
		if err != nil {
			return q, fmt.Errorf("--to: %v", err)
		}
		end = d
	}
	start := end.AddDays(-30)
	if f.from != "" {
		d, err := catalog.ParseDate(f.from)
		if err != nil {
			return q, fmt.Errorf("--from: %v", err)
		}
		start = d
	}
	q.Range = catalog.TimeRange{Start: start, End: end}
	switch f.compare {
	case "":
	case "previous", "previous_period", "环比", "mom", "wow":
		q.Compare = catalog.PreviousPeriod
	case "yoy", "same_period_last_year", "同比":
		q.Compare = catalog.YearOverYear
	default:
		return q, fmt.Errorf("--compare %q must be previous or yoy", f.compare)
	}
	for _, s := range f.filters {
		m := filterRe.FindStringSubmatch(s)
		if m == nil {
			return q, fmt.Errorf("--filter %q: want dim=v1,v2, dim!=v or dim~text", s)
		}
		op := map[string]catalog.FilterOp{"=": catalog.OpIn, "!=": catalog.OpNotIn, "~": catalog.OpContains}[m[2]]
		var values []string
		for _, v := range strings.Split(m[3], ",") {
			v = strings.TrimSpace(v)
			if d, ok := c.Dimension(m[1]); ok && op != catalog.OpContains {
				if canon, ok := d.Resolve(v); ok {
					v = canon
				}
			}
			values = append(values, v)
		}
		q.Filters = append(q.Filters, catalog.Filter{Dimension: m[1], Op: op, Values: values})
	}
	for _, s := range f.having {
		m := havingRe.FindStringSubmatch(s)
		if m == nil {
			return q, fmt.Errorf("--having %q: want metric>N (or >=, <, <=)", s)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return q, fmt.Errorf("--having %q: %v", s, err)
		}
		op := map[string]catalog.CmpOp{">": catalog.GT, ">=": catalog.GTE, "<": catalog.LT, "<=": catalog.LTE}[m[2]]
		q.Having = append(q.Having, catalog.Having{Metric: m[1], Op: op, Value: v})
	}
	if f.top > 0 && f.bottom > 0 {
		return q, fmt.Errorf("--top and --bottom exclude each other")
	}
	if f.order != "" {
		by, desc := strings.CutPrefix(f.order, "-")
		q.OrderBy = []catalog.Order{{By: by, Desc: desc}}
	}
	if (f.top > 0 || f.bottom > 0) && len(q.Metrics) > 0 {
		if f.order == "" {
			q.OrderBy = []catalog.Order{{By: q.Metrics[0], Desc: f.top > 0}}
		}
		q.Limit = max(f.top, f.bottom)
	}
	return q, nil
}

// printTable writes the result as an aligned table, values formatted by their metric.
func printTable(w io.Writer, c *catalog.Catalog, res *engine.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var head []string
	for _, col := range res.Columns {
		head = append(head, col.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cell(c, res.Columns[i], v)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(w, "(%d rows, %s, %s)\n", len(res.Rows), res.Statement.Query.Range, res.Elapsed.Round(1e6))
}

func cell(c *catalog.Catalog, col compile.Column, v any) string {
	if v == nil {
		return "—"
	}
	var x float64
	switch n := v.(type) {
	case int64:
		x = float64(n)
	case float64:
		x = n
	default:
		return fmt.Sprint(v)
	}
	switch col.Role {
	case compile.RolePctChange:
		return format.SignedPercent(x)
	case compile.RoleShare:
		return format.Percent(x, 1)
	}
	if m, ok := c.Metric(col.Metric); ok {
		return format.Exact(x, m)
	}
	return fmt.Sprint(v)
}
