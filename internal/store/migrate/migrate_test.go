package migrate_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/migrate"
)

func dollar(n int) string { return "$" + strconv.Itoa(n) }

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"sorted by number", fstest.MapFS{
			"m/0010_b.sql": {Data: []byte("B")}, "m/0002_a.sql": {Data: []byte("A")}, "m/README": {Data: []byte("x")},
		}, []int{2, 10}, ""},
		{"duplicate version", fstest.MapFS{"m/0001_a.sql": {}, "m/001_b.sql": {}}, nil, "share version 1"},
		{"no number", fstest.MapFS{"m/init.sql": {}}, nil, `"init.sql" does not start with a positive version number`},
		{"missing dir", fstest.MapFS{}, nil, "read migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := migrate.Load(tt.files, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("versions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApply(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	good := []migrate.Migration{
		{Version: 1, Name: "0001_a.sql", SQL: "CREATE TABLE a (x INTEGER)"},
		{Version: 2, Name: "0002_b.sql", SQL: "CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1)"},
	}
	if v, err := migrate.Apply(ctx, db, good, dollar); err != nil || v != 2 {
		t.Fatalf("apply: got %d, %v, want 2", v, err)
	}
	if v, err := migrate.Apply(ctx, db, good, dollar); err != nil || v != 2 {
		t.Fatalf("apply again: got %d, %v, want 2 and nothing done", v, err)
	}

	// A migration that fails half-way leaves nothing behind and is not recorded.
	bad := append(good, migrate.Migration{Version: 3, Name: "0003_bad.sql", SQL: "CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1)"})
	v, err := migrate.Apply(ctx, db, bad, dollar)
	if err == nil || !strings.Contains(err.Error(), "apply migration 0003_bad.sql") || v != 2 {
		t.Fatalf("apply failing migration: got %d, %v", v, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed migration: got %d (%v), want it rolled back", n, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&n); err != nil || n != 2 {
		t.Errorf("recorded version: got %d (%v), want 2", n, err)
	}

	// A binary that knows fewer migrations than the database refuses it.
	_, err = migrate.Apply(ctx, db, good[:1], dollar)
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Database != 2 || tooNew.Binary != 1 {
		t.Errorf("older binary: got %v, want SchemaTooNewError 2/1", err)
	}
}
