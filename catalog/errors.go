package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a catalog file.
type Pos struct {
	File   string
	Line   int
	Column int
}

// String formats p as file:line:column, or file:line when the column is unknown.
func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Problem is one thing wrong with a catalog, at a position.
type Problem struct {
	Pos Pos
	Msg string
}

func (p Problem) String() string {
	if s := p.Pos.String(); s != "" {
		return s + ": " + p.Msg
	}
	return p.Msg
}

// ValidationError lists every problem found in a catalog, ordered by position.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if len(lines) == 1 {
		return "invalid catalog: " + lines[0]
	}
	return fmt.Sprintf("invalid catalog: %d problems:\n%s", len(lines), strings.Join(lines, "\n"))
}

// problems collects validation problems.
type problems struct{ list []Problem }

func (ps *problems) add(pos Pos, format string, args ...any) {
	ps.list = append(ps.list, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i].Pos, ps.list[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return &ValidationError{Problems: ps.list}
}

// Sentinel errors for looking things up in a catalog. Errors returned by lookups wrap these, so
// callers test with errors.Is.
var (
	ErrUnknownMetric    = errors.New("unknown metric")
	ErrUnknownDimension = errors.New("unknown dimension")
)

// NotFoundError reports a name that is not in the catalog, with the closest names.
type NotFoundError struct {
	Kind        string // "metric" or "dimension"
	Name        string
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("unknown %s %q%s", e.Kind, e.Name, didYouMean(e.Suggestions))
}

// Unwrap lets errors.Is match ErrUnknownMetric and ErrUnknownDimension.
func (e *NotFoundError) Unwrap() error {
	if e.Kind == "metric" {
		return ErrUnknownMetric
	}
	return ErrUnknownDimension
}

// didYouMean formats suggestions as ` (did you mean "a"?)`, or "" when there are none.
func didYouMean(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return fmt.Sprintf(" (did you mean %s or %s?)", strings.Join(q[:len(q)-1], ", "), q[len(q)-1])
}
