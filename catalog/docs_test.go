package catalog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/metricbot/metricbot/catalog"
)

// docBlock returns the first fenced code block of language lang after heading in docs/catalog.md.
func docBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/catalog.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("docs/catalog.md has no heading %q", heading)
	}
	s = s[i:]
	start := strings.Index(s, "```"+lang+"\n")
	if start < 0 {
		t.Fatalf("no %s block after %q", lang, heading)
	}
	s = s[start+len("```"+lang+"\n"):]
	end := strings.Index(s, "```")
	if end < 0 {
		t.Fatalf("unterminated block after %q", heading)
	}
	return s[:end]
}

// TestDocsMinimalCatalog keeps the minimal example of docs/catalog.md valid for the loader and the
// schema.
func TestDocsMinimalCatalog(t *testing.T) {
	src := docBlock(t, "## A minimal catalog", "yaml")
	c, err := catalog.Parse(map[string]string{"catalog.yaml": src})
	if err != nil {
		t.Fatalf("the minimal catalog in docs/catalog.md is invalid: %v", err)
	}
	if got, want := len(c.Metrics), 2; got != want {
		t.Errorf("got %d metrics, want %d", got, want)
	}
	if err := validateYAML(t, compileSchema(t), []byte(src)); err != nil {
		t.Errorf("the minimal catalog in docs/catalog.md does not match the schema: %v", err)
	}
}

// TestDocsGovernedQuery keeps the governed query example of docs/catalog.md decodable, valid
// against the demo catalog, and equal to the query's JSON form.
func TestDocsGovernedQuery(t *testing.T) {
	src := docBlock(t, "## The governed query", "json")
	dec := json.NewDecoder(strings.NewReader(src))
	dec.DisallowUnknownFields()
	var q catalog.Query
	if err := dec.Decode(&q); err != nil {
		t.Fatalf("decode the documented query: %v", err)
	}
	if err := q.Validate(demo(t)); err != nil {
		t.Errorf("the documented query is invalid: %v", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(src)); err != nil {
		t.Fatal(err)
	}
	if got, want := q.String(), compact.String(); got != want {
		t.Errorf("got JSON form\n%s\nwant the documented\n%s", got, want)
	}
}
