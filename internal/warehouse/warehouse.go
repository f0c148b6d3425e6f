// Package warehouse runs compiled SQL on a customer's warehouse: read-only,
// bounded in time and rows, with results normalised so that the same query
// gives the same Go values on PostgreSQL, MySQL/MariaDB and SQLite, and with
// failures classified into a few kinds that say whether a retry makes sense.
//
// This package holds the engine-neutral parts (DB, Result, Error). The
// engine-specific parts live in the driver packages postgres, mysql and
// sqlite, each of which returns a *DB; the package open chooses one of them
// from a DSN.
package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
)

// Default limits applied when Options leaves a field zero.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxRows        = 100000
	DefaultConnectTimeout = 5 * time.Second
	DefaultMaxOpenConns   = 8
)

// Options bounds how a DB talks to its warehouse. The zero value is usable:
// every zero field takes its default.
type Options struct {
	// Timeout bounds one Query, both as a server-side statement timeout and
	// as a context deadline. Default 30s.
	Timeout time.Duration
	// MaxRows is the largest result Query returns; a larger result fails
	// with ErrTooManyRows. Default 100000.
	MaxRows int
	// MaxOpenConns bounds the connection pool. Default 8.
	MaxOpenConns int
	// ConnectTimeout bounds dialling the server and the ping done when
	// opening. Default 5s.
	ConnectTimeout time.Duration
	// TimeZone, when set, is the session time zone (an IANA name such as
	// "Asia/Shanghai", or for MySQL an offset such as "+08:00") in which
	// timestamps with a zone are shown and compared. PostgreSQL sets it on
	// every query. MySQL sets it when the server knows the zone (named zones
	// need the server's time zone tables; offsets always work) and otherwise
	// logs a warning and keeps the server's zone. SQLite has no session zone
	// and ignores it.
	TimeZone string
	// Logger receives connection events. Default: discard.
	Logger *slog.Logger
}

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = DefaultMaxOpenConns
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Engine is the part of a DB that differs between warehouse engines. The
// driver packages implement it; other callers never need it.
type Engine interface {
	// Dialect names the engine's SQL dialect.
	Dialect() Dialect
	// Begin starts a read-only transaction on db in which a statement is
	// stopped by the server after timeout, where the engine supports that.
	Begin(ctx context.Context, db *sql.DB, timeout time.Duration) (*sql.Tx, error)
	// ValueType says how to normalise values of a column whose
	// driver-reported type (sql.ColumnType.DatabaseTypeName) is typeName.
	ValueType(typeName string) ValueType
	// Classify returns the kind of a driver error, or Unknown when the
	// engine does not recognise it.
	Classify(err error) Kind
}

// DB runs read-only queries on one warehouse. It is safe for concurrent use
// by multiple goroutines; each Query borrows a connection from a pool of at
// most Options.MaxOpenConns.
type DB struct {
	db   *sqlx.DB
	eng  Engine
	opts Options
	now  func() time.Time
}

// New returns a DB that runs queries on db through eng. It is meant for the
// driver packages, which open db with the engine's read-only settings;
// opts is completed with WithDefaults.
func New(db *sqlx.DB, eng Engine, opts Options) *DB {
	opts = opts.WithDefaults()
	db.SetMaxOpenConns(opts.MaxOpenConns)
	db.SetMaxIdleConns(opts.MaxOpenConns)
	return &DB{db: db, eng: eng, opts: opts, now: time.Now}
}

// Dialect returns the SQL dialect of the warehouse.
func (d *DB) Dialect() Dialect { return d.eng.Dialect() }

// Options returns the options in effect, defaults filled in.
func (d *DB) Options() Options { return d.opts }

// SQLX returns the underlying connection pool, for tests and diagnostics.
// Statements run on it directly bypass Query's read-only transaction,
// timeout and row cap (only SQLite's connections are read-only by
// themselves), so the answer path must never use it. To load data, use
// the driver package's OpenWritable.
func (d *DB) SQLX() *sqlx.DB { return d.db }

// Close closes the connection pool.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks that the warehouse answers within Options.ConnectTimeout.
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.opts.ConnectTimeout)
	defer cancel()
	if err := d.db.PingContext(ctx); err != nil {
		return d.classify(ctx, "ping "+string(d.Dialect()), "no answer within "+d.opts.ConnectTimeout.String(), err)
	}
	return nil
}

// Query runs one read-only statement with args bound to its placeholders
// ($1, $2, ... on PostgreSQL; ? on MySQL and SQLite) and returns its rows
// with normalised values (see Result). The statement
// runs inside a read-only transaction that is always rolled back, stops
// after Options.Timeout, and fails with ErrTooManyRows as soon as it yields
// more than Options.MaxRows rows. Errors are *Error.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*Result, error) {
	op := "query " + string(d.Dialect())
	timeout := d.opts.Timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(d.now()); left < timeout {
			timeout = max(left, time.Millisecond)
		}
	}
	// The server-side timeout fires first and leaves the connection usable;
	// the context deadline, a little later, is the backstop.
	qctx, cancel := context.WithTimeout(ctx, timeout+grace(timeout))
	defer cancel()

	start := d.now()
	res, err := d.query(qctx, timeout, query, args)
	if err != nil {
		if errors.Is(err, ErrTooManyRows) {
			return nil, &Error{Kind: TooManyRows, Op: op, Err: err}
		}
		return nil, d.classify(qctx, op, "statement timeout after "+timeout.String(), err)
	}
	d.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "warehouse query",
		slog.String("dialect", string(d.Dialect())),
		slog.Int("rows", len(res.Rows)),
		slog.Duration("elapsed", d.now().Sub(start)))
	return res, nil
}

func (d *DB) query(ctx context.Context, timeout time.Duration, query string, args []any) (*Result, error) {
	tx, err := d.eng.Begin(ctx, d.db.DB, timeout)
	if err != nil {
		return nil, err
	}
	// Read-only work has nothing to commit.
	defer tx.Rollback()

	// Preparing first makes the server reject a text holding several
	// statements, where the engine can tell (PostgreSQL, MySQL).
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()

	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: make([]string, len(cols))}
	types := make([]ValueType, len(cols))
	for i, c := range cols {
		res.Columns[i] = c.Name()
		types[i] = d.eng.ValueType(c.DatabaseTypeName())
	}

	scan := make([]any, len(cols))
	vals := make([]any, len(cols))
	for i := range scan {
		scan[i] = &vals[i]
	}
	for rows.Next() {
		if len(res.Rows) == d.opts.MaxRows {
			return nil, fmt.Errorf("more than %d rows: %w", d.opts.MaxRows, ErrTooManyRows)
		}
		if err := rows.Scan(scan...); err != nil {
			return nil, err
		}
		row := make([]any, len(cols))
		for i, v := range vals {
			if row[i], err = Normalize(types[i], v); err != nil {
				return nil, fmt.Errorf("column %q: %w", res.Columns[i], err)
			}
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// grace is how long after a server-side statement timeout the context
// deadline ends the query from the client side.
func grace(timeout time.Duration) time.Duration {
	return min(max(timeout/10, 100*time.Millisecond), 2*time.Second)
}

// classify wraps err, from an operation that ran under ctx, in an *Error of
// the right kind; timeoutMsg is its message when the kind is Timeout.
func (d *DB) classify(ctx context.Context, op, timeoutMsg string, err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	kind := d.eng.Classify(err)
	switch ctxErr := ctx.Err(); {
	case errors.Is(ctxErr, context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		kind = Timeout
	case errors.Is(ctxErr, context.Canceled) || errors.Is(err, context.Canceled):
		kind = Canceled
	case kind == Unknown:
		kind = ClassifyNetwork(err)
	}
	switch kind {
	case Timeout:
		err = &hiddenError{msg: timeoutMsg, cause: err}
	case Canceled:
		err = &hiddenError{msg: "canceled", cause: err}
	}
	return &Error{Kind: kind, Op: op, Err: err}
}
