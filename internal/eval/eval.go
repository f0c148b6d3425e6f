// Package eval measures how well metricbot answers a set of questions whose right answers are
// known, and reports accuracy overall, by intent and by language, with every failure and the
// answer latency.
//
// # Question sets
//
// A question set is a JSONL file: one JSON object per line; blank lines and lines starting with
// "#" or "//" are skipped. Unknown keys are errors, so a misspelt expectation cannot silently pass.
//
//	{"id": "zh-breakdown-001",
//	 "question": "上个月各大区的销售额",
//	 "now": "2026-12-01",
//	 "lang": "zh",
//	 "intent": "breakdown",
//	 "previous": {governed query, optional: the conversation's previous query, for follow-ups},
//	 "expect": {
//	   "status": "answer",
//	   "query": {"metrics": ["gmv"], "group_by": ["region"],
//	             "time_range": {"start": "2026-11-01", "end": "2026-12-01"}},
//	   "sql": "SELECT s.region, SUM(l.amount) FROM order_lines l JOIN orders o ... GROUP BY s.region"}}
//
// The fields:
//   - id: unique within the set.
//   - question: the text as a person would type it.
//   - now: the current day (YYYY-MM-DD, read as 09:00 in the catalog's time zone) or an RFC 3339
//     instant. Relative periods ("上个月", "last 7 days") are read against it.
//   - lang: "zh" or "en", the language of the question, for the report.
//   - intent: value, breakdown, topn, trend, compare, share, filter, having, multi, define,
//     clarify, refuse or followup, for the report.
//   - previous: optional governed query (the JSON form of catalog.Query) the question follows up.
//   - expect.status: answer, clarify, refuse or define.
//   - expect.query: a partial governed query; only the keys given are checked, each for equality:
//     metrics, group_by, grain, time_range (end exclusive), compare, filters, having, limit,
//     share, order_by. Filters are compared as a set, each filter's values as a set, and "eq"
//     counts as "in" with one value. Give a key with its empty value ("grain": "", "limit": 0,
//     "filters": []) to check that the answer has none.
//   - expect.sql: hand-written SQL over the warehouse's tables that returns the expected rows:
//     one column for each of the answer's key columns (group-by dimensions in order, then the
//     time bucket's first day as YYYY-MM-DD) and value columns (for each metric its value, then
//     its comparison-period value when the query compares). Rows are compared as a multiset,
//     numbers within a relative 1e-9; the answer's change and share columns are not compared.
//   - expect.metric: for define, the metric whose definition is expected.
//   - expect.options: for clarify, metric names that must all be among the options offered (an
//     option offers its metric and every metric of its query).
//
// A question passes when its status matches and every expectation given holds.
//
// # The development set
//
// testdata/dev.jsonl (embedded, see Dev) holds over 300 questions over the demo, two thirds in
// Chinese, typed as in chat, covering every intent, metric, dimension and the usual period
// expressions, read on 2026-12-01 (the demo generated with --demo-end 2026-11-30) unless a case
// says otherwise. Its SQL is written for the demo's SQLite warehouse, by hand, with the periods
// worked out from the conventions in package nlq's documentation; testdata/devgen holds the
// script that writes it, which never calls the parser or the compiler. testdata/smoke.jsonl is a
// ten-question subset for tests.
package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/metricbot/metricbot/catalog"
)

// Intents lists the intents a case may have, in report order.
var Intents = []string{"value", "breakdown", "topn", "trend", "compare", "share", "filter", "having",
	"multi", "define", "clarify", "refuse", "followup"}

// Statuses lists the statuses a case may expect.
var Statuses = []string{"answer", "clarify", "refuse", "define"}

// Case is one question with its expected answer.
type Case struct {
	ID       string         `json:"id"`
	Question string         `json:"question"`
	Now      string         `json:"now"`
	Lang     string         `json:"lang"`
	Intent   string         `json:"intent"`
	Previous *catalog.Query `json:"previous,omitempty"`
	Expect   Expect         `json:"expect"`
	// Line is the case's line number in its file.
	Line int `json:"-"`
}

// Expect is what a case expects.
type Expect struct {
	Status  string       `json:"status"`
	Query   *QueryExpect `json:"query,omitempty"`
	SQL     string       `json:"sql,omitempty"`
	Metric  string       `json:"metric,omitempty"`
	Options []string     `json:"options,omitempty"`
}

// QueryExpect is a partial governed query: a nil field is not checked.
type QueryExpect struct {
	Metrics   *[]string           `json:"metrics,omitempty"`
	GroupBy   *[]string           `json:"group_by,omitempty"`
	Grain     *catalog.Grain      `json:"grain,omitempty"`
	TimeRange *catalog.TimeRange  `json:"time_range,omitempty"`
	Compare   *catalog.Comparison `json:"compare,omitempty"`
	Filters   *[]catalog.Filter   `json:"filters,omitempty"`
	Having    *[]catalog.Having   `json:"having,omitempty"`
	Limit     *int                `json:"limit,omitempty"`
	Share     *bool               `json:"share,omitempty"`
	OrderBy   *[]catalog.Order    `json:"order_by,omitempty"`
}

// ErrInvalidSet is returned (wrapped in a *SetError) when a question set has problems.
var ErrInvalidSet = errors.New("invalid question set")

// SetError lists every problem found in a question set, each with its line.
type SetError struct {
	Problems []string
}

func (e *SetError) Error() string {
	return fmt.Sprintf("%d problem(s) in question set: %s", len(e.Problems), strings.Join(e.Problems, "; "))
}

// Unwrap lets errors.Is match ErrInvalidSet.
func (e *SetError) Unwrap() error { return ErrInvalidSet }

// Load reads a question set and checks every case (see Check). All problems are reported at once
// in a *SetError.
func Load(r io.Reader) ([]Case, error) {
	var cases []Case
	var problems []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' || bytes.HasPrefix(line, []byte("//")) {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var c Case
		if err := dec.Decode(&c); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: decode: %v", n, err))
			continue
		}
		c.Line = n
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read question set: %w", err)
	}
	problems = append(problems, Check(cases)...)
	if len(problems) > 0 {
		return cases, &SetError{Problems: problems}
	}
	return cases, nil
}

// Check returns every problem with a list of cases: missing or duplicate ids, unknown intents,
// languages or statuses, an unreadable now, an answer without sql, a define without metric.
func Check(cases []Case) []string {
	var out []string
	ids := map[string]int{}
	for _, c := range cases {
		bad := func(format string, args ...any) {
			out = append(out, fmt.Sprintf("line %d (%s): %s", c.Line, c.ID, fmt.Sprintf(format, args...)))
		}
		if c.ID == "" {
			bad("no id")
		} else if prev, ok := ids[c.ID]; ok {
			bad("id also used on line %d", prev)
		} else {
			ids[c.ID] = c.Line
		}
		if strings.TrimSpace(c.Question) == "" {
			bad("no question")
		}
		if _, err := ParseNow(c.Now, time.UTC); err != nil {
			bad("%v", err)
		}
		if c.Lang != "zh" && c.Lang != "en" {
			bad("lang %q must be zh or en", c.Lang)
		}
		if !slices.Contains(Intents, c.Intent) {
			bad("intent %q must be one of %s", c.Intent, strings.Join(Intents, ", "))
		}
		if c.Intent == "followup" && c.Previous == nil {
			bad("a followup needs previous")
		}
		e := c.Expect
		if !slices.Contains(Statuses, e.Status) {
			bad("expect.status %q must be one of %s", e.Status, strings.Join(Statuses, ", "))
		}
		switch e.Status {
		case "answer":
			if strings.TrimSpace(e.SQL) == "" {
				bad("an answer needs expect.sql")
			}
		case "define":
			if e.Metric == "" {
				bad("a define needs expect.metric")
			}
		case "clarify":
			if len(e.Options) == 0 {
				bad("a clarify needs expect.options")
			}
		}
		if e.Status != "answer" && (e.SQL != "" || e.Query != nil) {
			bad("expect.sql and expect.query only go with status answer")
		}
	}
	return out
}

// ParseNow reads a case's now: a date, taken as 09:00 that day in loc, or an RFC 3339 instant.
func ParseNow(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := catalog.ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("now %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return d.Time(loc).Add(9 * time.Hour), nil
}
