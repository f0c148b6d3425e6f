// Package sqlite is the embedded state store: one SQLite file under the data directory,
// through the pure-Go modernc.org/sqlite driver, so metricbot runs with no database server.
//
// The file is opened in WAL mode with synchronous=FULL, so a write is on disk when its method
// returns (WAL with synchronous=NORMAL survives a process crash but may lose the last commits
// on power loss, and cause notes and delivery records are worth an fsync). Each Store keeps one
// connection and starts its transactions with BEGIN IMMEDIATE, so writers queue on the file lock
// (busy_timeout) instead of failing to upgrade a read lock. Several Stores, in one process or
// several, may share a file.
package sqlite

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/migrate"
	"github.com/metricbot/metricbot/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options configure a Store. The zero value is usable.
type Options struct {
	// Now is the clock for timestamps and leases; default time.Now.
	Now func() time.Time
	// BusyTimeout is how long a writer waits for another writer; default 5s.
	BusyTimeout time.Duration
	// Logger receives start-up messages; default slog.Default().
	Logger *slog.Logger
}

// Store is the SQLite state store. It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
}

// Open opens (creating if needed) the database file at path, creating its directory, and
// applies the embedded migrations. It fails with a *store.SchemaTooNewError when the file was
// migrated by a newer metricbot.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite store: invalid path %q", path)
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	dsn := path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	db, err := sqlx.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	v, err := migrate.Apply(ctx, db.DB, ms, func(n int) string { return "$" + strconv.Itoa(n) })
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, classify(err))
	}
	opts.Logger.Info("state store opened", "backend", "sqlite", "path", path, "schema_version", v)
	return &Store{Store: sqlstore.New(db, dialect, opts.Now)}, nil
}

var dialect = sqlstore.Dialect{
	Time:     func(t time.Time) any { return t.UnixMicro() },
	Classify: classify,
}

// classify marks busy and locked databases as worth retrying.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return store.Temporary(err)
		}
	}
	return err
}
