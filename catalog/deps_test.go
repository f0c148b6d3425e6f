package catalog_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection guards the architecture: the vocabulary and the core of the language
// layer and the compiler import no chat SDK, no LLM client and no database driver, and catalog
// imports nothing but the standard library and a YAML decoder.
func TestDependencyDirection(t *testing.T) {
	forbidden := []string{
		"github.com/slack-go/", "github.com/larksuite/", "github.com/sashabaranov/",
		"github.com/lib/pq", "github.com/go-sql-driver/", "modernc.org/sqlite", "github.com/jmoiron/sqlx",
		"github.com/pgvector/", "github.com/metricbot/metricbot/bot", "github.com/metricbot/metricbot/internal/store",
	}
	for _, pkg := range []string{"github.com/metricbot/metricbot/catalog", "github.com/metricbot/metricbot/nlq", "github.com/metricbot/metricbot/internal/compile"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
			if pkg == "github.com/metricbot/metricbot/catalog" && dep != pkg && dep != "go.yaml.in/yaml/v3" {
				t.Errorf("catalog depends on %s; it may import only the standard library and the YAML decoder", dep)
			}
		}
	}
}
