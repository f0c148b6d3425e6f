package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// meta records where a definition was written, for error messages.
type meta struct {
	pos  Pos
	keys map[string]Pos // position of each key's value
}

// Position returns where the definition starts in its catalog file.
func (m meta) Position() Pos { return m.pos }

// at returns the position of the value of key, or of the definition when key is absent.
func (m meta) at(key string) Pos {
	if p, ok := m.keys[key]; ok {
		p.File = m.pos.File
		return p
	}
	return m.pos
}

func (m *meta) setFile(f string) { m.pos.File = f }

// decodeMeta decodes n into v (a plain alias of the definition type) and records positions in m.
func decodeMeta(n *yaml.Node, v any, m *meta) error {
	if err := n.Decode(v); err != nil {
		return err
	}
	m.pos = Pos{Line: n.Line, Column: n.Column}
	if n.Kind == yaml.MappingNode {
		m.keys = make(map[string]Pos, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := n.Content[i+1]
			m.keys[n.Content[i].Value] = Pos{Line: v.Line, Column: v.Column}
		}
	}
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (o *Owner) UnmarshalYAML(n *yaml.Node) error {
	type plain Owner
	return decodeMeta(n, (*plain)(o), &o.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	type plain Source
	return decodeMeta(n, (*plain)(s), &s.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler. On is a column name or a list of column names.
func (j *Join) UnmarshalYAML(n *yaml.Node) error {
	type plain struct {
		To string    `yaml:"to"`
		On yaml.Node `yaml:"on"`
	}
	var p plain
	if err := decodeMeta(n, &p, &j.meta); err != nil {
		return err
	}
	j.To = p.To
	switch p.On.Kind {
	case yaml.ScalarNode:
		j.On = []string{p.On.Value}
	case yaml.SequenceNode:
		return p.On.Decode(&j.On)
	}
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (d *Dimension) UnmarshalYAML(n *yaml.Node) error {
	type plain Dimension
	return decodeMeta(n, (*plain)(d), &d.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler. A value may be written as a bare string.
func (v *Value) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v.Value = n.Value
		v.pos = Pos{Line: n.Line, Column: n.Column}
		return nil
	}
	type plain Value
	return decodeMeta(n, (*plain)(v), &v.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (m *Metric) UnmarshalYAML(n *yaml.Node) error {
	type plain Metric
	return decodeMeta(n, (*plain)(m), &m.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (c *Condition) UnmarshalYAML(n *yaml.Node) error {
	type plain Condition
	return decodeMeta(n, (*plain)(c), &c.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler. A part may be written as a bare metric name.
func (p *Part) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		p.Metric = n.Value
		p.pos = Pos{Line: n.Line, Column: n.Column}
		return nil
	}
	type plain Part
	return decodeMeta(n, (*plain)(p), &p.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (d *Decomposition) UnmarshalYAML(n *yaml.Node) error {
	type plain Decomposition
	return decodeMeta(n, (*plain)(d), &d.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler, recording positions.
func (e *Event) UnmarshalYAML(n *yaml.Node) error {
	type plain Event
	return decodeMeta(n, (*plain)(e), &e.meta)
}

// UnmarshalYAML implements yaml.Unmarshaler: a plain string sets both languages.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		t.ZH, t.EN = n.Value, n.Value
		return nil
	}
	type plain Text
	return n.Decode((*plain)(t))
}

// UnmarshalYAML implements yaml.Unmarshaler: a list, or a mapping from language to list.
func (s *Synonyms) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		var byLang map[string][]string
		if err := n.Decode(&byLang); err != nil {
			return err
		}
		langs := make([]string, 0, len(byLang))
		for l := range byLang {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			*s = append(*s, byLang[l]...)
		}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// file is the shape of one catalog file. Every section is optional; a catalog directory's files
// are merged.
type file struct {
	Version    int          `yaml:"version,omitempty"`
	TimeZone   string       `yaml:"timezone,omitempty"`
	Owners     []*Owner     `yaml:"owners,omitempty"`
	Sources    []*Source    `yaml:"sources,omitempty"`
	Dimensions []*Dimension `yaml:"dimensions,omitempty"`
	Metrics    []*Metric    `yaml:"metrics,omitempty"`
	Events     []*Event     `yaml:"events,omitempty"`

	tzPos Pos // position of the timezone value
}

// Load reads every .yaml and .yml file under dir (recursively), merges them and validates the
// result. A failure to validate returns a *ValidationError listing every problem.
func Load(dir string) (*Catalog, error) {
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS is like Load but reads from fsys; prefix is prepended to file names in positions.
func LoadFS(fsys fs.FS, prefix string) (*Catalog, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog %s: %w", prefix, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("load catalog %s: no .yaml files found", prefix)
	}
	sort.Strings(names)
	shown := make([]string, len(names))
	srcs := make([][]byte, len(names))
	for i, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load catalog: %w", err)
		}
		shown[i], srcs[i] = name, src
		if prefix != "" {
			shown[i] = filepath.Join(prefix, name)
		}
	}
	files, ps := parseFiles(shown, srcs)
	if len(ps.list) > 0 {
		return nil, ps.err()
	}
	return build(files)
}

// parseFiles decodes files concurrently, at most GOMAXPROCS at a time: YAML decoding dominates the
// time to load a large catalog. It returns the decoded files and the problems in name order.
func parseFiles(names []string, srcs [][]byte) ([]*file, *problems) {
	parsed := make([]*file, len(names))
	found := make([]problems, len(names))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			parsed[i] = parseFile(names[i], srcs[i], &found[i])
		}()
	}
	wg.Wait()
	var ps problems
	var files []*file
	for i, f := range parsed {
		ps.list = append(ps.list, found[i].list...)
		if f != nil {
			files = append(files, f)
		}
	}
	return files, &ps
}

// Parse validates a catalog given as YAML documents keyed by file name. It is Load without a
// file system, for tests and tools.
func Parse(docs map[string]string) (*Catalog, error) {
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	srcs := make([][]byte, len(names))
	for i, n := range names {
		srcs[i] = []byte(docs[n])
	}
	files, ps := parseFiles(names, srcs)
	if len(ps.list) > 0 {
		return nil, ps.err()
	}
	return build(files)
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

// parseFile decodes one file, adding syntax, unknown-key and type problems to ps.
func parseFile(name string, src []byte, ps *problems) *file {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		addYAMLError(name, err, ps)
		return nil
	}
	if len(doc.Content) == 0 {
		return &file{} // empty file
	}
	root := doc.Content[0]
	n := len(ps.list)
	checkKeys(name, root, reflect.TypeOf(file{}), ps)
	var f file
	if err := root.Decode(&f); err != nil {
		addYAMLError(name, err, ps)
	}
	if len(ps.list) > n {
		return nil
	}
	f.setFile(name)
	f.tzPos = Pos{File: name}
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "timezone" {
				v := root.Content[i+1]
				f.tzPos = Pos{File: name, Line: v.Line, Column: v.Column}
			}
		}
	}
	return &f
}

func addYAMLError(name string, err error, ps *problems) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		pos := Pos{File: name}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			pos.Line, _ = strconv.Atoi(sm[1])
			pos.Column, _ = strconv.Atoi(sm[2])
			m = sm[3]
		}
		ps.add(pos, "%s", m)
	}
}

func (f *file) setFile(name string) {
	for _, o := range f.Owners {
		o.setFile(name)
	}
	for _, s := range f.Sources {
		s.setFile(name)
		for _, j := range s.Joins {
			j.setFile(name)
		}
	}
	for _, d := range f.Dimensions {
		d.setFile(name)
		for _, v := range d.Values {
			v.setFile(name)
		}
	}
	for _, m := range f.Metrics {
		m.setFile(name)
		for _, c := range m.Filter {
			c.setFile(name)
		}
		for _, p := range []*Part{m.Numerator, m.Denominator} {
			if p != nil {
				p.setFile(name)
				for _, c := range p.Filter {
					c.setFile(name)
				}
			}
		}
		if m.Decomposition != nil {
			m.Decomposition.setFile(name)
		}
	}
	for _, e := range f.Events {
		e.setFile(name)
	}
}

var (
	synonymsType = reflect.TypeOf(Synonyms{})
	partType     = reflect.TypeOf(Part{})
	valueType    = reflect.TypeOf(Value{})
)

// checkKeys reports mapping keys that do not name a field of t, recursively, with "did you mean"
// suggestions. Unknown keys are errors: a misspelt key would otherwise be silently ignored.
func checkKeys(name string, n *yaml.Node, t reflect.Type, ps *problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == synonymsType:
		return
	case (t == partType || t == valueType) && n.Kind == yaml.ScalarNode:
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Struct:
			fields := yamlFields(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				ft, ok := fields[k.Value]
				if !ok {
					known := make([]string, 0, len(fields))
					for f := range fields {
						known = append(known, f)
					}
					sort.Strings(known)
					ps.add(Pos{name, k.Line, k.Column}, "unknown field %q%s", k.Value, didYouMean(Suggest(k.Value, known)))
					continue
				}
				checkKeys(name, v, ft, ps)
			}
		case reflect.Map:
			for i := 1; i < len(n.Content); i += 2 {
				checkKeys(name, n.Content[i], t.Elem(), ps)
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for _, c := range n.Content {
				checkKeys(name, c, t.Elem(), ps)
			}
		}
	}
}

// fieldCache holds yamlFields results by type: checkKeys asks for every mapping it visits.
var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// yamlFields maps the YAML keys of struct t to their field types. The result must not be modified.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if !f.IsExported() || tag == "-" || tag == "" {
			continue
		}
		out[strings.Split(tag, ",")[0]] = f.Type
	}
	fieldCache.Store(t, out)
	return out
}
