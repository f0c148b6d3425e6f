package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/alert"
	"github.com/metricbot/metricbot/internal/format"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/nlq"
)

// whyWords mark a question about the cause of a move; moveWords say which way it moved. Both
// are removed before the rest is parsed as an ordinary question about the metric and period.
var (
	whyWords  = []string{"是什么原因", "什么原因", "的原因", "为什么", "为啥", "原因", "why did", "why was", "why is", "why"}
	moveWords = []string{"下降了", "下降", "下跌了", "下跌", "降了", "减少了", "减少", "上升了", "上升", "上涨了", "上涨", "涨了", "增长了", "增长",
		"go down", "go up", "drop", "dropped", "fall", "fell", "rise", "rose", "so low", "so high", "这么低", "这么高"}
)

// whyQuestion reports whether question asks why a metric moved, and returns the question
// without the why and move words.
func whyQuestion(question string) (string, bool) {
	low := strings.ToLower(question)
	found := false
	for _, w := range whyWords {
		if strings.Contains(low, w) {
			found = true
			low = strings.ReplaceAll(low, w, " ")
		}
	}
	if !found {
		return "", false
	}
	for _, w := range moveWords {
		low = strings.ReplaceAll(low, w, " ")
	}
	low = strings.NewReplacer("?", " ", "？", " ", "了", " ", "呢", " ").Replace(low)
	return strings.Join(strings.Fields(low), " "), true
}

// why answers "11月18日销售额为什么下降?": the alerts on the metric in the period with their
// top contributors and cause notes, or, with no alert on record, says so and compares the period
// with the previous one.
func (a *Answerer) why(ctx context.Context, res nlq.Result) *Answer {
	c := a.eng.Catalog()
	q := *res.Query
	lang := res.Lang
	if lang == "" {
		lang = "zh"
	}
	metric := q.Metrics[0]
	m, _ := c.Metric(metric)
	from, to := q.Range.Start.Time(loc(c)), q.Range.End.Time(loc(c))
	alerts, byAlert, loose, err := a.periodAlerts(ctx, metric, from, to, &q)
	if err != nil {
		a.log.Warn("load alerts for a why question; answering with the comparison", "err", err)
	}
	period := PeriodText(c, from, to, lang)
	if len(alerts) == 0 && len(loose) == 0 {
		cmp := q
		cmp.Compare = catalog.PreviousPeriod
		ans := a.FromParse(ctx, nlq.Result{Kind: nlq.Answer, Query: &cmp, Lang: lang, Notes: res.Notes})
		if ans.Status == StatusAnswer {
			ans.Lines = append([]string{ans.Headline}, ans.Lines...)
			ans.Headline = fmt.Sprintf(msg(lang, "%s %s没有预警记录, 也没有负责人写过原因说明。与上期相比:", "There is no alert and no cause note on %[2]s for %[1]s. Compared with the previous period:"),
				period, m.Label.In(lang))
			ans.Text = ans.render()
		}
		return ans
	}
	ans := &Answer{Status: StatusAnswer, Lang: lang, Path: "rule", Rows: [][]any{}, Query: &q, Metrics: q.Metrics, Notes: res.Notes}
	ans.Headline = fmt.Sprintf(msg(lang, "%s %s有 %d 条预警:", "%[2]s had %[3]d alert(s) on %[1]s:"), period, m.Label.In(lang), len(alerts))
	if len(alerts) == 0 {
		ans.Headline = fmt.Sprintf(msg(lang, "%s %s没有预警, 但负责人写过原因说明:", "%[2]s had no alert on %[1]s, but its owner noted a cause:"), period, m.Label.In(lang))
	}
	for _, al := range alerts {
		line := fmt.Sprintf(msg(lang, "• %s: 实际 %s, 预期 %s–%s", "• %s: %s, expected %s–%s"), AlertText(c, al, lang),
			format.Value(al.Value, m, lang), format.Value(al.ExpectedLow, m, lang), format.Value(al.ExpectedHigh, m, lang))
		ans.Lines = append(ans.Lines, line)
		if top := a.contributors(ctx, c, m, al, 3, lang); len(top) > 0 {
			ans.Lines = append(ans.Lines, msg(lang, "  主要贡献: ", "  Top contributors: ")+strings.Join(top, msg(lang, "; ", "; ")))
		}
		ns := byAlert[al.ID]
		if len(ns) == 0 {
			ans.Lines = append(ans.Lines, msg(lang, "  负责人还没有说明原因。", "  The owner has not noted a cause yet."))
		}
		for _, n := range ns {
			ans.Lines = append(ans.Lines, fmt.Sprintf("  @%s: %s", AuthorName(c, n.Author), n.Text))
		}
	}
	for _, n := range loose {
		ans.Lines = append(ans.Lines, "• "+NoteText(c, nil, n, lang))
	}
	ans.Context = a.context(c, &q, lang, res.Notes, ans.DataEnd)
	ans.Text = ans.render()
	return ans
}

// contributors splits an alert's change over the values of up to three dimensions (against the
// same days a week earlier for a daily alert, else the previous period) and describes the
// values that made most of it: "品类 美妆 -93% (占变化 77%)". Ratio metrics, whose change does not
// split by difference, get none; a failed query is logged and shows none.
func (a *Answerer) contributors(ctx context.Context, c *catalog.Catalog, m *catalog.Metric, al store.Alert, n int, lang string) []string {
	if !m.Additive() {
		// Only sums and counts split into parts that add up to the change; distinct counts,
		// averages, ratios and derived metrics do not.
		return nil
	}
	l := loc(c)
	cur := catalog.TimeRange{Start: catalog.DateOf(al.PeriodStart.In(l)), End: catalog.DateOf(al.PeriodEnd.In(l))}
	base := cur.Previous()
	if cur.Days() == 1 {
		base = catalog.TimeRange{Start: cur.Start.AddDays(-7), End: cur.End.AddDays(-7)}
	}
	var slice map[string]string
	_ = json.Unmarshal(al.Slice, &slice)
	var filters []catalog.Filter
	for k, v := range slice {
		filters = append(filters, catalog.Filter{Dimension: k, Op: catalog.OpIn, Values: []string{v}})
	}
	total := func(r catalog.TimeRange) (float64, bool) {
		res, err := a.eng.Run(ctx, catalog.Query{Metrics: []string{m.Name}, Filters: filters, Range: r})
		if err != nil || len(res.Rows) == 0 {
			a.log.Warn("contributors: read the total", "err", err, "metric", m.Name)
			return 0, false
		}
		v := res.Rows[0][len(res.Rows[0])-1]
		if v == nil {
			return 0, true // no rows in the slice that period: nothing sold
		}
		return number(v)
	}
	tb, ok1 := total(base)
	tc, ok2 := total(cur)
	if !ok1 || !ok2 {
		return nil
	}
	var bs []alert.Breakdown
	used := 0
	for _, d := range c.DimensionsOf(m) {
		if used == 3 {
			break
		}
		if d.Type == catalog.TimeDim || d.Parent != "" {
			continue
		}
		if _, inSlice := slice[d.Name]; inSlice {
			continue
		}
		used++
		items := map[string]*alert.Item{}
		var order []string
		for i, r := range []catalog.TimeRange{base, cur} {
			res, err := a.eng.Run(ctx, catalog.Query{Metrics: []string{m.Name}, GroupBy: []string{d.Name}, Filters: filters, Range: r})
			if err != nil {
				a.log.Warn("contributors query failed", "err", err, "metric", m.Name, "dimension", d.Name)
				return nil
			}
			for _, row := range res.Rows {
				key := fmt.Sprint(row[0])
				v, _ := number(row[len(row)-1])
				it := items[key]
				if it == nil {
					it = &alert.Item{Value: key}
					items[key] = it
					order = append(order, key)
				}
				if i == 0 {
					it.Base = v
				} else {
					it.Cur = v
				}
			}
		}
		list := make([]alert.Item, 0, len(order))
		for _, k := range order {
			list = append(list, *items[k])
		}
		b := alert.SplitAdditive(d.Name, list, tb, tc, 3)
		bs = append(bs, b)
	}
	var out []string
	for _, ct := range alert.Rank(bs, n) {
		out = append(out, fmt.Sprintf(msg(lang, "%s %s %s (占变化 %s)", "%s %s %s (%s of the change)"), label(c, ct.Dimension, lang), ct.Value,
			format.SignedPercent(ct.PctChange), format.Percent(ct.Contribution, 0)))
	}
	return out
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}
