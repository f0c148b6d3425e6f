// Package migrate applies numbered SQL migrations to a database at start-up.
//
// Migrations are files named NNNN_description.sql in an fs.FS (embedded by each store
// implementation with go:embed). Each is applied in its own transaction together with the row
// that records it in the schema_migrations table, so a crash leaves either all of a migration or
// none of it. A database that records a version newer than the newest file is refused with a
// *store.SchemaTooNewError.
//
// We wrote this small runner instead of using golang-migrate: it needs about sixty lines, while
// golang-migrate brings its own driver packages and dependencies, records a single "dirty" version
// rather than the history, and does not refuse a newer schema with a message of our choosing.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/metricbot/metricbot/internal/store"
)

// Migration is one numbered SQL script.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load reads the migrations in dir of fsys, sorted by version. Versions must be unique.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("read migrations: file %q does not start with a positive version number", e.Name())
		}
		if prev, ok := seen[v]; ok {
			return nil, fmt.Errorf("read migrations: files %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// DB is what Apply needs: a *sql.DB, or a *sql.Conn when the caller holds a session lock.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// Apply brings db up to the newest of ms and returns the version it ended at. bind renders the
// n-th (1-based) query placeholder for the database's driver, e.g. "?" or "$1".
//
// Apply is safe to call from several processes at once on PostgreSQL only when the caller
// serializes it (the postgres store holds an advisory lock on the Conn it passes); on SQLite
// the first writer wins and the others wait on the file lock and then see the recorded versions.
func Apply(ctx context.Context, db DB, ms []Migration, bind func(n int) string) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	current, err := version(ctx, db)
	if err != nil {
		return 0, err
	}
	if current > known {
		return current, &store.SchemaTooNewError{Database: current, Binary: known}
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		if err := applyOne(ctx, db, m, bind); err != nil {
			return current, err
		}
		current = m.Version
	}
	return current, nil
}

func version(ctx context.Context, db DB) (int, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func applyOne(ctx context.Context, db DB, m Migration, bind func(int) string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("apply migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	// Another process may have applied it since we looked.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = `+bind(1), m.Version).Scan(&n); err != nil {
		return fmt.Errorf("apply migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("apply migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (`+bind(1)+`, `+bind(2)+`)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", m.Name, err)
	}
	return nil
}
