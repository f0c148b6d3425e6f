package eval

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/compile"
)

// RelTol is the relative tolerance within which two numbers are equal.
const RelTol = 1e-9

// maxRowsShown bounds the missing and unexpected rows listed for one failure.
const maxRowsShown = 5

// checkQuery returns a problem for every field of want that differs from got. dataEnd is the
// last day with data the answer reported ("" when unknown): answers stop a period there, so the
// expected period is cut the same way.
func checkQuery(got *catalog.Query, want *QueryExpect, dataEnd string) []string {
	if want == nil {
		return nil
	}
	if got == nil {
		return []string{"query: got none"}
	}
	var out []string
	diff := func(field string, g, w any) {
		out = append(out, fmt.Sprintf("%s: got %s, want %s", field, show(g), show(w)))
	}
	if want.Metrics != nil && !slices.Equal(orEmpty(got.Metrics), orEmpty(*want.Metrics)) {
		diff("metrics", got.Metrics, *want.Metrics)
	}
	if want.GroupBy != nil && !slices.Equal(orEmpty(got.GroupBy), orEmpty(*want.GroupBy)) {
		diff("group_by", got.GroupBy, *want.GroupBy)
	}
	if want.Grain != nil && got.Grain != *want.Grain {
		diff("grain", got.Grain, *want.Grain)
	}
	if want.TimeRange != nil {
		w := *want.TimeRange
		if end, err := catalog.ParseDate(dataEnd); err == nil {
			if cut := end.AddDays(1); w.End.After(cut) && w.Start.Before(cut) {
				w.End = cut
			}
		}
		if got.Range != w {
			out = append(out, fmt.Sprintf("time_range: got %s, want %s", got.Range, w))
		}
	}
	if want.Compare != nil && got.Compare != *want.Compare {
		diff("compare", got.Compare, *want.Compare)
	}
	if want.Filters != nil && !sameFilters(got.Filters, *want.Filters) {
		diff("filters", got.Filters, *want.Filters)
	}
	if want.Having != nil && !sameHaving(got.Having, *want.Having) {
		diff("having", got.Having, *want.Having)
	}
	if want.Limit != nil && got.Limit != *want.Limit {
		diff("limit", got.Limit, *want.Limit)
	}
	if want.Share != nil && got.Share != *want.Share {
		diff("share", got.Share, *want.Share)
	}
	if want.OrderBy != nil && !slices.Equal(orEmpty(got.OrderBy), orEmpty(*want.OrderBy)) {
		diff("order_by", got.OrderBy, *want.OrderBy)
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// show writes v compactly for a failure message.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case catalog.Grain:
		return strconv.Quote(string(x))
	case catalog.Comparison:
		return strconv.Quote(string(x))
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case []catalog.Filter:
		var parts []string
		for _, f := range x {
			parts = append(parts, fmt.Sprintf("%s %s [%s]", f.Dimension, f.Op, strings.Join(f.Values, ", ")))
		}
		return "{" + strings.Join(parts, "; ") + "}"
	case []catalog.Having:
		var parts []string
		for _, h := range x {
			parts = append(parts, fmt.Sprintf("%s %s %s", h.Metric, h.Op, strconv.FormatFloat(h.Value, 'g', -1, 64)))
		}
		return "{" + strings.Join(parts, "; ") + "}"
	case []catalog.Order:
		var parts []string
		for _, o := range x {
			d := "asc"
			if o.Desc {
				d = "desc"
			}
			parts = append(parts, o.By+" "+d)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// filterKey is a filter in a form that compares equal regardless of value order; eq is in.
func filterKey(f catalog.Filter) string {
	op := f.Op
	if op == catalog.OpEq {
		op = catalog.OpIn
	}
	vals := slices.Clone(f.Values)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	return f.Dimension + "\x00" + string(op) + "\x00" + strings.Join(vals, "\x00")
}

func sameFilters(got, want []catalog.Filter) bool {
	return sameSet(got, want, filterKey)
}

func sameHaving(got, want []catalog.Having) bool {
	return sameSet(got, want, func(h catalog.Having) string {
		return h.Metric + "\x00" + string(h.Op) + "\x00" + strconv.FormatFloat(h.Value, 'g', -1, 64)
	})
}

func sameSet[T any](got, want []T, key func(T) string) bool {
	g := make([]string, len(got))
	for i, x := range got {
		g[i] = key(x)
	}
	w := make([]string, len(want))
	for i, x := range want {
		w[i] = key(x)
	}
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(slices.Compact(g), slices.Compact(w))
}

// checkOptions returns a problem when an expected metric is not among the options offered: an
// option offers its metric and every metric of its query.
func checkOptions(got *answer.Answer, want []string) []string {
	offered := map[string]bool{}
	var names []string
	offer := func(name string) {
		if name != "" && !offered[name] {
			offered[name] = true
			names = append(names, name)
		}
	}
	for _, o := range got.Options {
		offer(o.Metric)
		if o.Query != nil {
			for _, m := range o.Query.Metrics {
				offer(m)
			}
		}
	}
	var missing []string
	for _, m := range want {
		if !offered[m] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("options: got %s, want all of %s", show(names), show(want))}
}

// compared reports whether a result column takes part in the row comparison.
func compared(r compile.Role) bool {
	switch r {
	case compile.RoleDimension, compile.RoleTime, compile.RoleValue, compile.RolePrevious:
		return true
	}
	return false
}

// project keeps the compared columns of an answer's rows, in column order.
func project(cols []compile.Column, rows [][]any) (names []string, out [][]any) {
	var keep []int
	for i, c := range cols {
		if compared(c.Role) {
			keep = append(keep, i)
			names = append(names, c.Name)
		}
	}
	for _, row := range rows {
		p := make([]any, 0, len(keep))
		for _, i := range keep {
			if i < len(row) {
				p = append(p, row[i])
			} else {
				p = append(p, nil)
			}
		}
		out = append(out, p)
	}
	return names, out
}

// compareRows compares the answer's projected rows with the expected rows as multisets.
func compareRows(names []string, got, want [][]any, wantCols int) []string {
	if len(names) != wantCols {
		return []string{fmt.Sprintf("columns: got %d (%s), want %d from the expected sql", len(names), strings.Join(names, ", "), wantCols)}
	}
	// Rows can only match when their non-numeric values are equal, so candidates are looked up
	// by those; numbers are then compared within the tolerance.
	byKey := map[string][]int{}
	for i, g := range got {
		k := rowKey(g)
		byKey[k] = append(byKey[k], i)
	}
	used := make([]bool, len(got))
	var missing [][]any
	for _, w := range want {
		found := false
		for _, i := range byKey[rowKey(w)] {
			if !used[i] && sameRow(got[i], w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	var extra [][]any
	for i, g := range got {
		if !used[i] {
			extra = append(extra, g)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return nil
	}
	out := []string{fmt.Sprintf("rows: got %d, want %d; %d expected rows missing, %d unexpected (columns %s)",
		len(got), len(want), len(missing), len(extra), strings.Join(names, ", "))}
	for i, r := range missing {
		if i == maxRowsShown {
			out = append(out, fmt.Sprintf("  ... %d more missing", len(missing)-i))
			break
		}
		out = append(out, "  want "+showRow(r))
	}
	for i, r := range extra {
		if i == maxRowsShown {
			out = append(out, fmt.Sprintf("  ... %d more unexpected", len(extra)-i))
			break
		}
		out = append(out, "  got  "+showRow(r))
	}
	return out
}

// rowKey writes a row's non-numeric values; numbers and NULLs stand as a placeholder, so that
// rows equal within the tolerance share a key.
func rowKey(r []any) string {
	var b strings.Builder
	for _, v := range r {
		if _, ok := number(v); ok || v == nil {
			b.WriteString("\x01")
		} else if s, ok := v.(string); ok {
			b.WriteString(s)
		} else {
			fmt.Fprint(&b, v)
		}
		b.WriteByte(0)
	}
	return b.String()
}

func sameRow(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameValue(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameValue compares two normalised values: numbers of any type within RelTol, everything else
// by its text.
func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	x, xok := number(a)
	y, yok := number(b)
	if xok && yok {
		if x == y {
			return true
		}
		return math.Abs(x-y) <= RelTol*math.Max(math.Abs(x), math.Abs(y))
	}
	if xok != yok {
		return false
	}
	if s, ok := a.(string); ok {
		t, ok := b.(string)
		return ok && s == t
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

func showRow(r []any) string {
	parts := make([]string, len(r))
	for i, v := range r {
		switch x := v.(type) {
		case nil:
			parts[i] = "NULL"
		case float64:
			parts[i] = strconv.FormatFloat(x, 'g', 12, 64)
		default:
			parts[i] = fmt.Sprint(x)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
