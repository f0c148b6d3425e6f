package warehousetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/metricbot/metricbot/internal/warehouse"
)

// recorder is a testing.TB that records Fatalf and Skipf instead of
// stopping the goroutine.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = format }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = format }

func TestUnreachable(t *testing.T) {
	tests := []struct {
		ci        string
		wantFatal bool
	}{
		{"true", true},
		{"", false},
		{"false", false},
		{"1", false},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			Unreachable(r, "PostgreSQL at 127.0.0.1:5432", errors.New("connection refused"))
			if got := r.fatal != ""; got != tt.wantFatal {
				t.Errorf("Fatalf called = %v, want %v", got, tt.wantFatal)
			}
			if got := r.skip != ""; got == tt.wantFatal {
				t.Errorf("Skipf called = %v, want %v", got, !tt.wantFatal)
			}
			if msg := r.fatal + r.skip; !strings.Contains(msg, "%s") {
				t.Errorf("message %q does not name the service", msg)
			}
		})
	}
}

func TestName(t *testing.T) {
	a, b := Name(), Name()
	if a == b {
		t.Errorf("Name() twice = %q, want different names", a)
	}
	if !strings.HasPrefix(a, "mb_") || len(a) != len("mb_")+16 {
		t.Errorf("Name() = %q, want mb_ and 16 hex digits", a)
	}
}

func TestEachGivesIsolatedDatabases(t *testing.T) {
	seen := map[string]bool{}
	Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		if seen[dsn] {
			t.Errorf("dsn %s handed out twice", redact(dsn))
		}
		seen[dsn] = true
		Exec(t, dsn, `CREATE TABLE isolation_probe (a INTEGER)`)
	})
}
