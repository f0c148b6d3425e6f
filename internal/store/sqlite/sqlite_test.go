package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/sqlite"
	"github.com/metricbot/metricbot/internal/store/storetest"
)

var (
	_     storetest.Store = (*sqlite.Store)(nil)
	quiet                 = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func openPath(t *testing.T, path string, now func() time.Time) storetest.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Now: now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "data", "state.db")
		return func(t *testing.T, now func() time.Time) storetest.Store { return openPath(t, path, now) }
	})
}

func TestKilledProcess(t *testing.T) {
	storetest.RunKilled(t, filepath.Join(t.TempDir(), "state.db"), openPath)
}

// latestVersion is the number of the newest migration in migrations/.
const latestVersion = 2

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = sqlite.Open(t.Context(), path, sqlite.Options{Logger: quiet})
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) {
		t.Fatalf("open newer database: got %v, want SchemaTooNewError", err)
	}
	if tooNew.Database != 9999 || tooNew.Binary != latestVersion {
		t.Errorf("got versions %d/%d, want 9999/%d", tooNew.Database, tooNew.Binary, latestVersion)
	}
	if !strings.Contains(err.Error(), "version 9999") || !strings.Contains(err.Error(), fmt.Sprintf("up to version %d", latestVersion)) {
		t.Errorf("error %q does not name both versions", err)
	}
}

func TestOpenTwiceAppliesMigrationsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	for range 2 {
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.DB().GetContext(t.Context(), &n, `SELECT COUNT(*) FROM schema_migrations`); err != nil {
			t.Fatal(err)
		}
		if n != latestVersion {
			t.Errorf("got %d recorded migrations, want %d", n, latestVersion)
		}
		s.Close()
	}
}

func TestOpenUnusablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte(strings.Repeat("not a sqlite database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"parent is a file", filepath.Join(file, "state.db")},
		{"not a database", file},
		{"query in path", filepath.Join(dir, "a?b.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sqlite.Open(context.Background(), tt.path, sqlite.Options{Logger: quiet})
			if err == nil {
				t.Fatalf("got nil error, want one")
			}
			if !strings.HasPrefix(err.Error(), "open sqlite store") {
				t.Errorf("got %q, want it to say it was opening the sqlite store", err)
			}
		})
	}
}

func TestBusyIsRetryable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	holder, err := sqlite.Open(t.Context(), path, sqlite.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	waiter, err := sqlite.Open(t.Context(), path, sqlite.Options{Logger: quiet, BusyTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	tx, err := holder.DB().BeginTx(t.Context(), nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	_, err = waiter.ClaimEvent(t.Context(), store.EventKey{Platform: "slack", EventID: "E"}, time.Minute)
	if !store.IsRetryable(err) {
		t.Errorf("write while another writer holds the lock: got %v, want a retryable error", err)
	}
}

func TestReplicasOpenTogether(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := sqlite.Open(t.Context(), path, sqlite.Options{Logger: quiet})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("open by a replica starting at the same time: %v", err)
		}
	}
}
