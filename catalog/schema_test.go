package catalog_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/metricbot/metricbot/catalog"
)

// schemaPath is the published JSON Schema of one catalog file.
const schemaPath = "../docs/catalog.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("read %s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("catalog.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("catalog.schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	return sch
}

// yamlValue converts a YAML document to the values JSON decoding would give, the way an editor's
// YAML language server sees it: timestamps stay strings, numbers stay numbers.
func yamlValue(t *testing.T, n *yaml.Node) any {
	t.Helper()
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return yamlValue(t, n.Content[0])
	case yaml.AliasNode:
		return yamlValue(t, n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = yamlValue(t, n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = yamlValue(t, c)
		}
		return s
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			t.Fatalf("line %d: %v", n.Line, err)
		}
		return v
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			t.Fatalf("line %d: %v", n.Line, err)
		}
		return b
	case "!!null":
		return nil
	}
	return n.Value
}

func validateYAML(t *testing.T, sch *jsonschema.Schema, src []byte) error {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	return sch.Validate(yamlValue(t, &doc))
}

// TestSchemaAcceptsDemoCatalog validates every file of the demo catalog and of a generated catalog
// using every kind of metric against the schema.
func TestSchemaAcceptsCatalogs(t *testing.T) {
	sch := compileSchema(t)
	gen := t.TempDir()
	writeLargeCatalog(t, gen, 100)
	for _, dir := range []string{demoDir, gen} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no catalog files in %s: %v", dir, err)
		}
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateYAML(t, sch, src); err != nil {
				t.Errorf("%s does not match the schema: %v", p, err)
			}
		}
	}
}

func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	for _, tt := range []struct{ name, src string }{
		{"unknown top-level key", "timezone: UTC\nmetricz: []\n"},
		{"unknown metric key", "metrics:\n  - {name: a, label: a, description: a, type: derived, formula: b, lable: x}\n"},
		{"unknown join key", "sources:\n  - {name: a, table: a, joins: [{to: b, on: id, kind: left}]}\n"},
		{"unknown text language", "dimensions:\n  - {name: a, label: {zh: a, fr: a}, source: s, column: c}\n"},
		{"bad metric type", "metrics:\n  - {name: a, label: a, description: a, type: ration}\n"},
		{"bad agg", "metrics:\n  - {name: a, label: a, description: a, type: simple, source: s, agg: summ}\n"},
		{"simple metric without source", "metrics:\n  - {name: a, label: a, description: a, type: simple, agg: count}\n"},
		{"trailing window without days", "metrics:\n  - {name: a, label: a, description: a, type: cumulative, base: b, window: trailing}\n"},
		{"target key not a month", "metrics:\n  - {name: a, label: a, description: a, type: derived, formula: b, targets: {2026-13: 1}}\n"},
		{"filter with dimension and column", "metrics:\n  - {name: a, label: a, description: a, type: simple, source: s, agg: count, filter: [{dimension: d, column: c, values: [x]}]}\n"},
		{"event date with slashes", "events:\n  - {name: e, date: 11/11}\n"},
		{"metric name not snake_case", "metrics:\n  - {name: GMV, label: a, description: a, type: derived, formula: b}\n"},
		{"expr with a semicolon", "metrics:\n  - {name: a, label: a, description: a, type: simple, source: s, agg: sum, expr: 'x; drop'}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := validateYAML(t, sch, []byte(tt.src)); err == nil {
				t.Errorf("got %q valid, want a schema error", tt.src)
			}
		})
	}
}

// TestSchemaMatchesLoader compares the properties the schema allows for each definition with the
// YAML keys the loader accepts, so neither can change without the other.
func TestSchemaMatchesLoader(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			OneOf      []struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"oneOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	props := func(def string) []string {
		d, ok := schema.Defs[def]
		if !ok {
			t.Fatalf("schema has no $defs/%s", def)
		}
		m := d.Properties
		for _, alt := range d.OneOf { // text, value and part: the object alternative
			if len(alt.Properties) > 0 {
				m = alt.Properties
			}
		}
		return sortedKeys(m)
	}
	var decomposition struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(schema.Defs["metric"].Properties["decomposition"], &decomposition); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		def  string
		got  []string
		want any
	}{
		{"(root)", sortedKeys(schema.Properties), []string{"dimensions", "events", "metrics", "owners", "sources", "timezone", "version"}},
		{"owner", props("owner"), catalog.Owner{}},
		{"source", props("source"), catalog.Source{}},
		{"join", props("join"), catalog.Join{}},
		{"dimension", props("dimension"), catalog.Dimension{}},
		{"value", props("value"), catalog.Value{}},
		{"condition", props("condition"), catalog.Condition{}},
		{"part", props("part"), catalog.Part{}},
		{"metric", props("metric"), catalog.Metric{}},
		{"metric.decomposition", sortedKeys(decomposition.Properties), catalog.Decomposition{}},
		{"event", props("event"), catalog.Event{}},
		{"text", props("text"), catalog.Text{}},
	} {
		want, ok := tt.want.([]string)
		if !ok {
			want = yamlKeys(reflect.TypeOf(tt.want))
		}
		if diff := cmp.Diff(want, tt.got); diff != "" {
			t.Errorf("%s: schema properties (-loader +schema):\n%s", tt.def, diff)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// yamlKeys lists the YAML keys of struct type t.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if f.IsExported() && tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	sort.Strings(out)
	return out
}

func ExampleParse() {
	_, err := catalog.Parse(map[string]string{"metrics.yaml": `metrics:
  - name: gmv
    lable: GMV
`})
	fmt.Println(err)
	// Output: invalid catalog: metrics.yaml:3:5: unknown field "lable" (did you mean "label"?)
}
