// Package demo generates metricbot's built-in demo warehouse: two years of daily sales of a
// fictional Chinese retail chain (stores, channels, products, customers, orders, order lines,
// refunds and store traffic), deterministic from a seed, with weekly and yearly seasonality,
// the 618 and 双11 promotions and three planted incidents for the anomaly detector to find.
//
// Generate loads the data into any database/sql handle for PostgreSQL, MySQL/MariaDB or
// SQLite; Ensure keeps a cached SQLite file per set of options. docs/demo.md describes the
// business, the tables and the incidents.
package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver for Ensure
)

// generatorVersion is part of every cache key: bump it whenever the generated data changes,
// so that Ensure regenerates stale cache files.
const generatorVersion = 1

// The dialects Generate accepts.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	SQLite   = "sqlite"
)

// Limits of the options.
const (
	maxDays  = 3660
	maxScale = 20
)

var (
	// ErrInvalidOptions is returned (wrapped) for options out of range.
	ErrInvalidOptions = errors.New("invalid demo options")
	// ErrUnknownDialect is returned (wrapped) for a dialect other than Postgres, MySQL or SQLite.
	ErrUnknownDialect = errors.New("unknown sql dialect")
)

// Options selects what to generate. The zero value of every field but End means its default.
type Options struct {
	// End is the last day of the data, a civil date: only its year, month and day in its own
	// location are used, so time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) is the usual form.
	// It is required; the bot passes yesterday.
	End time.Time
	// Days is the number of days ending at End, 730 by default.
	Days int
	// Stores limits the chain to its first n stores, picked by region in turn so that n >= 7
	// covers all seven regions; 0 means all stores.
	Stores int
	// Seed seeds the random generator; 0 is a seed like any other.
	Seed uint64
	// Scale multiplies traffic and hence orders; 0 means 1. Tests use 0.05.
	Scale float64
}

// normalize fills in defaults and checks ranges.
func (o Options) normalize() (Options, error) {
	if o.End.IsZero() {
		return o, fmt.Errorf("%w: end date is required", ErrInvalidOptions)
	}
	o.End = dateOf(o.End).Time()
	if o.Days == 0 {
		o.Days = defaultDays
	}
	if o.Days < 1 || o.Days > maxDays {
		return o, fmt.Errorf("%w: days %d out of range 1..%d", ErrInvalidOptions, o.Days, maxDays)
	}
	if o.Stores == 0 {
		o.Stores = len(storeDefs)
	}
	if o.Stores < 1 || o.Stores > len(storeDefs) {
		return o, fmt.Errorf("%w: stores %d out of range 1..%d", ErrInvalidOptions, o.Stores, len(storeDefs))
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if math.IsNaN(o.Scale) || o.Scale < 0 || o.Scale > maxScale {
		return o, fmt.Errorf("%w: scale %g out of range (0, %d]", ErrInvalidOptions, o.Scale, maxScale)
	}
	return o, nil
}

// cacheKey identifies normalized options and the generator version.
func (o Options) cacheKey() string {
	s := fmt.Sprintf("demo v%d end=%s days=%d stores=%d seed=%d scale=%s", generatorVersion,
		dateOf(o.End), o.Days, o.Stores, o.Seed, strconv.FormatFloat(o.Scale, 'g', -1, 64))
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// Generate creates the demo tables in db, dropping existing demo tables of the same names
// first, and loads the data for opts in batches of multi-row INSERTs. dialect is Postgres,
// MySQL (also MariaDB) or SQLite. On PostgreSQL and SQLite everything happens in one
// transaction; MySQL commits its DDL implicitly, so there only the rows are loaded in one.
// Generate is safe for concurrent use on different databases.
func Generate(ctx context.Context, db *sql.DB, dialect string, opts Options) error {
	d, err := dialectFor(dialect)
	if err != nil {
		return fmt.Errorf("generate demo data: %w", err)
	}
	o, err := opts.normalize()
	if err != nil {
		return fmt.Errorf("generate demo data: %w", err)
	}
	if err := load(ctx, db, d, build(o)); err != nil {
		return fmt.Errorf("generate demo data into %s: %w", dialect, err)
	}
	return nil
}

// Ensure returns the path of the cached SQLite demo warehouse for opts under dir, generating
// it first if it is missing. The file name carries a hash of the generator version and the
// options. A new file is generated under a temporary name in dir and renamed into place, so
// concurrent callers, in this process or others, all end with a complete file.
func Ensure(ctx context.Context, dir string, opts Options) (path string, err error) {
	o, err := opts.normalize()
	if err != nil {
		return "", fmt.Errorf("ensure demo warehouse: %w", err)
	}
	path = filepath.Join(dir, "demo-"+o.cacheKey()+".sqlite")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("ensure demo warehouse: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("ensure demo warehouse: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "demo-"+o.cacheKey()+"-*.tmp")
	if err != nil {
		return "", fmt.Errorf("ensure demo warehouse: %w", err)
	}
	tmpPath := tmp.Name()
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("ensure demo warehouse: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmpPath)
		}
	}()
	if err := generateFile(ctx, tmpPath, o); err != nil {
		return "", fmt.Errorf("ensure demo warehouse %s: %w", path, err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return "", fmt.Errorf("ensure demo warehouse: %w", err)
	}
	return path, nil
}

// generateFile writes the demo warehouse into the SQLite file at path, without a rollback
// journal or syncs: a failure leaves a file that the caller discards.
func generateFile(ctx context.Context, path string, o Options) (err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	db.SetMaxOpenConns(1)
	d, _ := dialectFor(SQLite)
	return load(ctx, db, d, build(o))
}
