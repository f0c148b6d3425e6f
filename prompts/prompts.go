// Package prompts holds the text sent to the LLM planner: the system prompt, the user message
// with the question and its candidates, and the message that asks for a repair after a rejected
// query. The templates are embedded with go:embed and parsed once when the program starts, so a
// broken template stops the program at once; executing them fails on any missing key.
//
// The rendered prompts are kept as golden files under testdata; after changing a template, run
// `go test ./prompts -update` and review the diff.
package prompts

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// The template names.
const (
	System = "system.tmpl"
	User   = "user.tmpl"
	Repair = "repair.tmpl"
)

var templates = template.Must(template.New("prompts").
	Option("missingkey=error").
	Funcs(template.FuncMap{"join": strings.Join}).
	ParseFS(files, "*.tmpl"))

// ErrUnknown is returned by Render for a template name that is not embedded.
var ErrUnknown = errors.New("no such prompt template")

// Planner is the data of the system and user prompts: one question and the candidates the LLM
// may choose among.
type Planner struct {
	// Lang is the language to reply in, "zh" or "en".
	Lang     string
	Question string
	// Today is the current date in the catalog's time zone (YYYY-MM-DD) and Weekday its day of
	// the week.
	Today    string
	Weekday  string
	Timezone string
	// Previous is the conversation's previous governed query as JSON, or empty.
	Previous   string
	Metrics    []Metric
	Dimensions []Dimension
	Examples   []Example
}

// Metric is a candidate metric.
type Metric struct {
	Name          string
	Label         string
	Description   string
	Synonyms      []string
	Unit          string
	DefaultPeriod string
}

// Dimension is a candidate dimension with its candidate values.
type Dimension struct {
	Name     string
	Label    string
	Synonyms []string
	Values   []Value
}

// Value is a candidate value of a dimension, with its other names.
type Value struct {
	Value   string
	Aliases []string
}

// Example is a verified question with its governed query as JSON.
type Example struct {
	Question string
	Query    string
}

// RepairData is the data of the repair prompt: the problems found with the rejected query.
type RepairData struct {
	Problems []string
}

// Render executes the template called name (System, User or Repair) with data.
func Render(name string, data any) (string, error) {
	t := templates.Lookup(name)
	if t == nil {
		return "", fmt.Errorf("render prompt %q: %w", name, ErrUnknown)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render prompt %q: %w", name, err)
	}
	return b.String(), nil
}
