// Package sqlite connects metricbot to a SQLite warehouse file through the
// pure-Go modernc.org/sqlite driver: it opens the file read-only for
// queries (and read-write only through OpenWritable), maps declared column
// types to normalised values and classifies SQLite result codes.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/metricbot/metricbot/internal/warehouse"
)

var _ warehouse.Engine = engine{}

// busyTimeout is how long a connection waits for another one's lock (a
// loader writing the file) before failing with SQLITE_BUSY. The query's
// context ends the wait sooner.
const busyTimeout = "5000"

// Path returns the file path named by a SQLite DSN: sqlite:///abs/path.db,
// sqlite://relative.db, sqlite:relative.db, or a bare path ending in .db,
// .sqlite or .sqlite3.
func Path(dsn string) (string, error) {
	var p string
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		p = strings.TrimPrefix(dsn, "sqlite://")
	case strings.HasPrefix(dsn, "sqlite:"):
		p = strings.TrimPrefix(dsn, "sqlite:")
	case IsPath(dsn):
		p = dsn
	default:
		return "", fmt.Errorf("parse dsn: %q is not a sqlite dsn", dsn)
	}
	if p == "" {
		return "", errors.New("parse dsn: empty sqlite path")
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("parse dsn: sqlite path %q has parameters; none are supported", p)
	}
	return p, nil
}

// IsPath reports whether dsn is a bare file path that names a SQLite file
// by its extension.
func IsPath(dsn string) bool {
	switch strings.ToLower(filepath.Ext(dsn)) {
	case ".db", ".sqlite", ".sqlite3":
		return !strings.Contains(dsn, "://")
	}
	return false
}

// uri builds the driver's file: URI for path with SQLite URI parameters.
func uri(path, query string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve %q: %w", path, err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: query}
	return u.String(), nil
}

// Open opens the SQLite file named by dsn read-only (mode=ro, so no
// statement can write to it, and query_only) with a pool of
// opts.MaxOpenConns connections, so several goroutines can query it at
// once. SQLite has no statement timeout: the query's context deadline
// interrupts it. The file must exist.
func Open(ctx context.Context, dsn string, opts warehouse.Options) (*warehouse.DB, error) {
	opts = opts.WithDefaults()
	const op = "open sqlite"
	p, err := Path(dsn)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	if _, err := os.Stat(p); err != nil {
		kind := warehouse.Unavailable
		if errors.Is(err, fs.ErrNotExist) {
			kind = warehouse.Config
		}
		return nil, &warehouse.Error{Kind: kind, Op: op, Err: err}
	}
	name, err := uri(p, "mode=ro&_query_only=1&_busy_timeout="+busyTimeout)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	x, err := sqlx.Open("sqlite", name)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	db := warehouse.New(x, engine{}, opts)
	if err := db.Ping(ctx); err != nil {
		db.Close()
		e, _ := errors.AsType[*warehouse.Error](err)
		return nil, &warehouse.Error{Kind: e.Kind, Op: op, Err: e.Err}
	}
	opts.Logger.Debug("warehouse opened", "dialect", warehouse.SQLite, "path", p)
	return db, nil
}

// OpenWritable opens (creating if needed) the SQLite file named by dsn for
// creating and loading tables, with a single connection so that loaders
// never race for the write lock. Store dates as 'YYYY-MM-DD' text and
// timestamps as 'YYYY-MM-DD HH:MM:SS' text, in columns declared DATE and
// DATETIME (or TEXT).
func OpenWritable(ctx context.Context, dsn string) (*sqlx.DB, error) {
	const op = "open writable sqlite"
	p, err := Path(dsn)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	name, err := uri(p, "_busy_timeout="+busyTimeout+"&_time_format=sqlite")
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	x, err := sqlx.Open("sqlite", name)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	x.SetMaxOpenConns(1)
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		kind := Classify(err)
		if kind == warehouse.Unknown {
			kind = warehouse.Unavailable
		}
		return nil, &warehouse.Error{Kind: kind, Op: op, Err: err}
	}
	return x, nil
}

// engine is the SQLite warehouse.Engine.
type engine struct{}

func (engine) Dialect() warehouse.Dialect { return warehouse.SQLite }

// Begin starts a read-only (deferred) transaction. SQLite has no
// server-side timeout; the context passed by the DB carries the deadline.
func (engine) Begin(ctx context.Context, db *sql.DB, _ time.Duration) (*sql.Tx, error) {
	return db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

func (engine) Classify(err error) warehouse.Kind { return Classify(err) }

// Classify returns the kind of a modernc.org/sqlite error, by its primary
// result code, or warehouse.Unknown when err holds no *sqlite.Error.
func Classify(err error) warehouse.Kind {
	se, ok := errors.AsType[*sqlite.Error](err)
	if !ok {
		return warehouse.Unknown
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_ERROR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM,
		sqlite3.SQLITE_AUTH, sqlite3.SQLITE_RANGE, sqlite3.SQLITE_MISMATCH,
		sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_CONSTRAINT:
		// Syntax, no such table or column, writes refused by mode=ro or
		// query_only, wrong arguments.
		return warehouse.BadQuery
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PROTOCOL:
		return warehouse.Unavailable
	case sqlite3.SQLITE_INTERRUPT:
		return warehouse.Canceled
	case sqlite3.SQLITE_NOTADB:
		return warehouse.Config
	}
	return warehouse.Unknown
}

// ValueType maps a declared column type to a normalised value type,
// following SQLite's affinity rules (a type containing INT is an integer,
// CHAR/CLOB/TEXT text, BLOB binary, REAL/FLOA/DOUB real) and then the
// conventional names: DATE, DATETIME/TIMESTAMP, TIME, DECIMAL/NUMERIC. An
// expression has no declared type and keeps the driver's value.
func (engine) ValueType(decl string) warehouse.ValueType {
	if decl == "" {
		return warehouse.Dynamic
	}
	t := strings.ToUpper(decl)
	switch {
	case strings.Contains(t, "INT"):
		return warehouse.Int
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return warehouse.Text
	case strings.Contains(t, "BLOB"):
		return warehouse.Bytes
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return warehouse.Float
	}
	base, _, _ := strings.Cut(t, "(")
	switch strings.TrimSpace(base) {
	case "DATE":
		return warehouse.Date
	case "DATETIME", "TIMESTAMP":
		return warehouse.Timestamp
	case "TIME":
		return warehouse.TimeOfDay
	case "DECIMAL", "NUMERIC", "NUMBER", "MONEY":
		return warehouse.Float
	case "BOOLEAN", "BOOL":
		return warehouse.Int
	}
	return warehouse.Dynamic
}
