package warehouse

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports guards the direction of dependencies: package warehouse, which
// the compiler and the bot import, links no database driver (those live in
// the driver packages) and nothing outside the standard library but sqlx.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			std := !strings.Contains(strings.SplitN(path, "/", 2)[0], ".")
			if !std && path != "github.com/jmoiron/sqlx" {
				t.Errorf("%s imports %q; want only the standard library and sqlx", name, path)
			}
			if name == "dialect.go" {
				t.Errorf("dialect.go imports %q; want no imports", path)
			}
		}
	}
}
