package demo

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testEnd is the end date the tests and docs/demo.md use.
var testEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// fullOptions is the full-size generation shared by the shape tests.
var fullOptions = Options{End: testEnd, Seed: 1}

// smallOptions is a small generation for the cheaper tests and the engine comparison.
var smallOptions = Options{End: testEnd, Days: 60, Scale: 0.05, Seed: 7}

var (
	testDir string

	full struct {
		once sync.Once
		db   *sql.DB
		err  error
	}
	small struct {
		once sync.Once
		db   *sql.DB
		err  error
	}
)

func TestMain(m *testing.M) {
	// METRICBOT_DEMO_SEED runs the shape tests on another seed.
	if s := os.Getenv("METRICBOT_DEMO_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "METRICBOT_DEMO_SEED:", err)
			os.Exit(2)
		}
		fullOptions.Seed = seed
	}
	dir, err := os.MkdirTemp("", "metricbot-demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDir = dir
	code := m.Run()
	for _, db := range []*sql.DB{full.db, small.db} {
		if db != nil {
			db.Close()
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// openReadOnly opens a demo SQLite file for queries.
func openReadOnly(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=cache_size(-262144)&_pragma=mmap_size(268435456)")
	if err != nil {
		return nil, err
	}
	return db, db.Ping()
}

// fullDB returns the full-size demo warehouse for fullOptions, generated once per test run
// through Ensure.
func fullDB(t *testing.T) *sql.DB {
	t.Helper()
	if testing.Short() {
		t.Skip("full-size demo generation is skipped in -short mode")
	}
	full.once.Do(func() {
		path, err := Ensure(context.Background(), testDir, fullOptions)
		if err != nil {
			full.err = err
			return
		}
		full.db, full.err = openReadOnly(path)
	})
	if full.err != nil {
		t.Fatalf("full-size demo warehouse: %v", full.err)
	}
	return full.db
}

// smallDB returns the demo warehouse for smallOptions, generated once per test run.
func smallDB(t *testing.T) *sql.DB {
	t.Helper()
	small.once.Do(func() {
		path, err := Ensure(context.Background(), testDir, smallOptions)
		if err != nil {
			small.err = err
			return
		}
		small.db, small.err = openReadOnly(path)
	})
	if small.err != nil {
		t.Fatalf("small demo warehouse: %v", small.err)
	}
	return small.db
}

// queryInt runs a query that returns one integer.
func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return n.Int64
}

// queryFloat runs a query that returns one number.
func queryFloat(t *testing.T, db *sql.DB, q string, args ...any) float64 {
	t.Helper()
	var f sql.NullFloat64
	if err := db.QueryRow(q, args...).Scan(&f); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return f.Float64
}
