package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/nlq"
)

// Answerer answers a question; *answer.Answerer implements it.
type Answerer interface {
	Answer(ctx context.Context, question string, nc nlq.Context) *answer.Answer
}

// Warehouse runs the expected SQL read-only; *warehouse.DB implements it.
type Warehouse interface {
	Query(ctx context.Context, query string, args ...any) (*warehouse.Result, error)
}

var (
	_ Answerer  = (*answer.Answerer)(nil)
	_ Warehouse = (*warehouse.DB)(nil)
)

// Options configure Run.
type Options struct {
	// Location reads each case's now; nil means UTC. Pass the catalog's location.
	Location *time.Location
	// Clock measures answer latency; nil means time.Now.
	Clock func() time.Time
}

// Report is the outcome of a run.
type Report struct {
	Total    int     `json:"total"`
	Passed   int     `json:"passed"`
	Accuracy float64 `json:"accuracy"`
	ByIntent []Group `json:"by_intent"`
	ByLang   []Group `json:"by_lang"`
	// ByPath splits the questions by who read them: "rule" or "llm" (the Answer's Path).
	ByPath []Group `json:"by_path"`
	// Latency is the time to answer a question (parse, compile and warehouse query), not counting
	// the expected SQL.
	Latency  Latency   `json:"latency"`
	Failures []Failure `json:"failures"`
}

// Group is the accuracy of one intent or language.
type Group struct {
	Name     string  `json:"name"`
	Total    int     `json:"total"`
	Passed   int     `json:"passed"`
	Accuracy float64 `json:"accuracy"`
}

// Latency summarises answer times.
type Latency struct {
	P50 time.Duration `json:"-"`
	P95 time.Duration `json:"-"`
	Max time.Duration `json:"-"`
}

// MarshalJSON writes the latencies in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return json.Marshal(struct {
		P50 float64 `json:"p50_ms"`
		P95 float64 `json:"p95_ms"`
		Max float64 `json:"max_ms"`
	}{ms(l.P50), ms(l.P95), ms(l.Max)})
}

// Failure is a case that did not pass, with what differed.
type Failure struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Intent   string   `json:"intent"`
	Lang     string   `json:"lang"`
	Status   string   `json:"status"`
	Problems []string `json:"problems"`
	// Headline is the start of the answer's text, to see what the bot said.
	Headline string `json:"headline,omitempty"`
}

// Run answers every case and scores it. It stops early only when ctx ends, returning the report
// so far with ctx's error.
func Run(ctx context.Context, cases []Case, ans Answerer, wh Warehouse, opts Options) (*Report, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	rep := &Report{Failures: []Failure{}}
	intents := map[string]*Group{}
	langs := map[string]*Group{}
	paths := map[string]*Group{}
	var times []time.Duration
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			rep.finish(intents, langs, paths, times)
			return rep, err
		}
		problems, got, took := runCase(ctx, c, ans, wh, loc, clock)
		times = append(times, took)
		pass := len(problems) == 0
		rep.Total++
		path := "none"
		if got != nil && got.Path != "" {
			path = got.Path
		}
		for _, g := range []*Group{group(intents, c.Intent), group(langs, c.Lang), group(paths, path)} {
			g.Total++
			if pass {
				g.Passed++
			}
		}
		if pass {
			rep.Passed++
			continue
		}
		f := Failure{ID: c.ID, Question: c.Question, Intent: c.Intent, Lang: c.Lang, Problems: problems}
		if got != nil {
			f.Status = string(got.Status)
			f.Headline = got.Headline
			if r := []rune(f.Headline); len(r) > 160 {
				f.Headline = string(r[:160]) + "…"
			}
		}
		rep.Failures = append(rep.Failures, f)
	}
	rep.finish(intents, langs, paths, times)
	return rep, nil
}

func group(m map[string]*Group, name string) *Group {
	g, ok := m[name]
	if !ok {
		g = &Group{Name: name}
		m[name] = g
	}
	return g
}

// finish computes the accuracies, orders the groups and summarises latency.
func (r *Report) finish(intents, langs, paths map[string]*Group, times []time.Duration) {
	r.Accuracy = ratio(r.Passed, r.Total)
	r.ByIntent = groups(intents, Intents)
	r.ByLang = groups(langs, []string{"zh", "en"})
	r.ByPath = groups(paths, []string{"rule", "llm"})
	slices.Sort(times)
	r.Latency = Latency{P50: percentile(times, 0.50), P95: percentile(times, 0.95)}
	if len(times) > 0 {
		r.Latency.Max = times[len(times)-1]
	}
}

func groups(m map[string]*Group, order []string) []Group {
	var out []Group
	for _, g := range m {
		g.Accuracy = ratio(g.Passed, g.Total)
		out = append(out, *g)
	}
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if d := rank(a.Name) - rank(b.Name); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// runCase answers one case and returns what differed from the expectation, with the answer.
func runCase(ctx context.Context, c Case, ans Answerer, wh Warehouse, loc *time.Location, clock func() time.Time) (problems []string, got *answer.Answer, took time.Duration) {
	now, err := ParseNow(c.Now, loc)
	if err != nil {
		return []string{err.Error()}, nil, 0
	}
	start := clock()
	got = ans.Answer(ctx, c.Question, nlq.Context{Now: now, Previous: c.Previous})
	took = clock().Sub(start)
	status := string(got.Status)
	e := c.Expect
	if status != e.Status {
		p := fmt.Sprintf("status: got %s, want %s", status, e.Status)
		if got.Query != nil {
			p += "; query " + got.Query.String()
		}
		return []string{p}, got, took
	}
	switch e.Status {
	case "answer":
		problems = append(problems, checkQuery(got.Query, e.Query, got.DataEnd)...)
		if e.SQL != "" {
			res, err := wh.Query(ctx, e.SQL)
			if err != nil {
				problems = append(problems, fmt.Sprintf("expected sql failed: %v", err))
			} else {
				names, rows := project(got.Columns, got.Rows)
				problems = append(problems, compareRows(names, rows, res.Rows, len(res.Columns))...)
			}
		}
		if len(problems) > 0 && got.Query != nil {
			problems = append(problems, "got query "+got.Query.String())
		}
	case "define":
		if !slices.Contains(got.Metrics, e.Metric) {
			problems = append(problems, fmt.Sprintf("metric: got %s, want %q", show(got.Metrics), e.Metric))
		}
	case "clarify":
		problems = append(problems, checkOptions(got, e.Options)...)
	}
	return problems, got, took
}

// WriteText writes the report for people: accuracy, the groups, latency and every failure.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "accuracy: %d/%d = %.1f%%\n", r.Passed, r.Total, 100*r.Accuracy)
	for _, sec := range []struct {
		title string
		gs    []Group
	}{{"by intent", r.ByIntent}, {"by language", r.ByLang}, {"by path", r.ByPath}} {
		fmt.Fprintf(&b, "\n%s:\n", sec.title)
		for _, g := range sec.gs {
			fmt.Fprintf(&b, "  %-10s %4d/%-4d %6.1f%%\n", g.Name, g.Passed, g.Total, 100*g.Accuracy)
		}
	}
	fmt.Fprintf(&b, "\nlatency: p50 %s, p95 %s, max %s\n", round(r.Latency.P50), round(r.Latency.P95), round(r.Latency.Max))
	if len(r.Failures) > 0 {
		fmt.Fprintf(&b, "\nfailures (%d):\n", len(r.Failures))
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "\n%s [%s, %s] %s\n", f.ID, f.Intent, f.Lang, f.Question)
		for _, p := range f.Problems {
			fmt.Fprintf(&b, "    %s\n", p)
		}
		if f.Headline != "" {
			fmt.Fprintf(&b, "    bot said: %s\n", strings.ReplaceAll(f.Headline, "\n", " "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}
