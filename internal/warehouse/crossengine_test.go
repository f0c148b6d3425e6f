package warehouse_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jmoiron/sqlx"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

// salesDDL creates the same table on each engine with that engine's
// spelling of each type.
var salesDDL = map[warehouse.Dialect]string{
	warehouse.Postgres: `CREATE TABLE sales (id INTEGER, big BIGINT, small SMALLINT, amount NUMERIC(12,2),
		ratio REAL, score DOUBLE PRECISION, name VARCHAR(50), note TEXT, day DATE, at TIMESTAMP,
		missing INTEGER, day_text TEXT)`,
	warehouse.MySQL: `CREATE TABLE sales (id INT, big BIGINT, small SMALLINT, amount DECIMAL(12,2),
		ratio FLOAT, score DOUBLE, name VARCHAR(50), note TEXT, day DATE, at DATETIME,
		missing INT, day_text TEXT)`,
	warehouse.SQLite: `CREATE TABLE sales (id INTEGER, big BIGINT, small SMALLINT, amount DECIMAL(12,2),
		ratio REAL, score DOUBLE, name VARCHAR(50), note TEXT, day DATE, at DATETIME,
		missing INTEGER, day_text TEXT)`,
}

var salesRows = [][]any{
	{1, int64(9007199254740993), -3, "1234.50", 1.1, 2.5, "华东区", "备注 note", "2024-03-01", "2024-03-01 10:20:30", nil, "2024-03-01"},
	{2, int64(0), 0, "100.00", 0.5, -0.25, "East China", "", "2024-02-29", "2024-02-29 23:59:59", nil, "2024-02-29"},
}

// rebind writes ?-placeholders the way dialect d wants them.
func rebind(d warehouse.Dialect, q string) string {
	if d == warehouse.Postgres {
		return sqlx.Rebind(sqlx.DOLLAR, q)
	}
	return q
}

// loadSales creates and fills the sales table on dsn.
func loadSales(t *testing.T, d warehouse.Dialect, dsn string) *sqlx.DB {
	t.Helper()
	w := warehousetest.Writable(t, dsn)
	if _, err := w.Exec(salesDDL[d]); err != nil {
		t.Fatalf("create sales: %v", err)
	}
	ins := rebind(d, `INSERT INTO sales (id, big, small, amount, ratio, score, name, note, day, at, missing, day_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	for _, r := range salesRows {
		if _, err := w.Exec(ins, r...); err != nil {
			t.Fatalf("insert sales: %v", err)
		}
	}
	return w
}

// TestNormalisedValuesAgree runs the same queries on the three engines and
// checks they give identical Go values.
func TestNormalisedValuesAgree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sql  string
		args []any
		want *warehouse.Result
	}{
		{
			name: "every column type",
			sql:  `SELECT id, big, small, amount, ratio, score, name, note, day, at, missing, day_text FROM sales ORDER BY id`,
			want: &warehouse.Result{
				Columns: []string{"id", "big", "small", "amount", "ratio", "score", "name", "note", "day", "at", "missing", "day_text"},
				Rows: [][]any{
					{int64(1), int64(9007199254740993), int64(-3), 1234.5, 1.1, 2.5, "华东区", "备注 note", "2024-03-01", "2024-03-01 10:20:30", nil, "2024-03-01"},
					{int64(2), int64(0), int64(0), 100.0, 0.5, -0.25, "East China", "", "2024-02-29", "2024-02-29 23:59:59", nil, "2024-02-29"},
				},
			},
		},
		{
			name: "aggregates",
			sql:  `SELECT COUNT(*) AS n, SUM(amount) AS total, SUM(score) AS score, MAX(day) AS last_day, MAX(at) AS last_at, MIN(day_text) AS first_text FROM sales`,
			want: &warehouse.Result{
				Columns: []string{"n", "total", "score", "last_day", "last_at", "first_text"},
				Rows:    [][]any{{int64(2), 1334.5, 2.25, "2024-03-01", "2024-03-01 10:20:30", "2024-02-29"}},
			},
		},
		{
			name: "chinese text bound as a parameter",
			sql:  `SELECT name, amount FROM sales WHERE name = ?`,
			args: []any{"华东区"},
			want: &warehouse.Result{
				Columns: []string{"name", "amount"},
				Rows:    [][]any{{"华东区", 1234.5}},
			},
		},
		{
			name: "date range bound as parameters",
			sql:  `SELECT id FROM sales WHERE day >= ? AND day < ? ORDER BY id`,
			args: []any{"2024-03-01", "2024-04-01"},
			want: &warehouse.Result{Columns: []string{"id"}, Rows: [][]any{{int64(1)}}},
		},
		{
			name: "no rows",
			sql:  `SELECT id FROM sales WHERE id < 0`,
			want: &warehouse.Result{Columns: []string{"id"}},
		},
	}
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		loadSales(t, d, dsn)
		db := warehousetest.Open(t, dsn, warehouse.Options{Timeout: 10 * time.Second})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.Query(context.Background(), rebind(d, tt.sql), tt.args...)
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Query(%q) mismatch (-want +got):\n%s", tt.sql, diff)
				}
			})
		}
	})
}

// TestQueryIsReadOnly tries to write through Query in several ways and
// checks every attempt is refused and the data is unchanged.
func TestQueryIsReadOnly(t *testing.T) {
	t.Parallel()
	attempts := []string{
		`INSERT INTO sales (id) VALUES (99)`,
		`UPDATE sales SET id = 7`,
		`DELETE FROM sales`,
		`CREATE TABLE intruder (a INTEGER)`,
		`DROP TABLE sales`,
		`SELECT 1; INSERT INTO sales (id) VALUES (98)`,
		`SELECT 1; COMMIT; INSERT INTO sales (id) VALUES (97)`,
	}
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		w := loadSales(t, d, dsn)
		// One connection, so that whatever an attempt leaves on the session
		// is seen by the next one.
		db := warehousetest.Open(t, dsn, warehouse.Options{Timeout: 10 * time.Second, MaxOpenConns: 1})
		for _, q := range attempts {
			_, err := db.Query(context.Background(), q)
			if err == nil {
				t.Errorf("Query(%q) = nil error, want a refusal", q)
				continue
			}
			if got := warehouse.KindOf(err); got != warehouse.BadQuery {
				t.Errorf("Query(%q) kind = %v (%v), want %v", q, got, err, warehouse.BadQuery)
			}
		}
		var n int
		if err := w.Get(&n, `SELECT COUNT(*) FROM sales`); err != nil {
			t.Fatalf("count sales: %v", err)
		}
		if n != len(salesRows) {
			t.Errorf("sales has %d rows after the attempts, want %d", n, len(salesRows))
		}
		var ids []int64
		if err := w.Select(&ids, `SELECT id FROM sales ORDER BY id`); err != nil {
			t.Fatalf("select ids: %v", err)
		}
		if diff := cmp.Diff([]int64{1, 2}, ids); diff != "" {
			t.Errorf("sales ids changed (-want +got):\n%s", diff)
		}
		// A table named intruder must not exist: querying it fails.
		if _, err := w.Exec(`SELECT * FROM intruder`); err == nil {
			t.Errorf("table intruder exists, want it never created")
		}
	})
}

// countTo yields the integers 1..n on every engine.
func countTo(n string) string {
	return `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ` + n + `) SELECT n FROM s`
}

func TestMaxRows(t *testing.T) {
	t.Parallel()
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		db := warehousetest.Open(t, dsn, warehouse.Options{MaxRows: 10})
		got, err := db.Query(context.Background(), countTo("10"))
		if err != nil {
			t.Fatalf("Query of 10 rows with MaxRows 10: %v", err)
		}
		if len(got.Rows) != 10 {
			t.Errorf("got %d rows, want 10", len(got.Rows))
		}

		_, err = db.Query(context.Background(), countTo("1000000"))
		if !errors.Is(err, warehouse.ErrTooManyRows) {
			t.Fatalf("Query of 1000000 rows with MaxRows 10: err = %v, want ErrTooManyRows", err)
		}
		var we *warehouse.Error
		if !errors.As(err, &we) || we.Kind != warehouse.TooManyRows || we.Temporary() {
			t.Errorf("err = %#v, want a non-temporary *Error of kind TooManyRows", err)
		}
		if want := "query " + string(d) + ": more than 10 rows"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("err = %q, want prefix %q", err, want)
		}
	})
}

// slowQuery runs for much longer than the tests' 200ms timeout.
var slowQuery = map[warehouse.Dialect]string{
	warehouse.Postgres: `SELECT pg_sleep(5)`,
	warehouse.MySQL:    `SELECT SLEEP(5)`,
	warehouse.SQLite:   `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT COUNT(*) FROM s`,
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		db := warehousetest.Open(t, dsn, warehouse.Options{Timeout: 200 * time.Millisecond, MaxOpenConns: 1})
		_, err := db.Query(context.Background(), slowQuery[d])
		var we *warehouse.Error
		if !errors.As(err, &we) || we.Kind != warehouse.Timeout {
			t.Fatalf("slow query: err = %v, want kind Timeout", err)
		}
		if !we.Temporary() {
			t.Errorf("timeout Temporary() = false, want true")
		}
		if want := "query " + string(d) + ": statement timeout after 200ms"; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
		// The pool recovers: the next query on the one connection works.
		got, err := db.Query(context.Background(), `SELECT 1 AS one`)
		if err != nil {
			t.Fatalf("query after timeout: %v", err)
		}
		if diff := cmp.Diff([][]any{{int64(1)}}, got.Rows); diff != "" {
			t.Errorf("query after timeout (-want +got):\n%s", diff)
		}
	})
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		loadSales(t, d, dsn)
		db := warehousetest.Open(t, dsn, warehouse.Options{})
		canceled, cancel := context.WithCancel(context.Background())
		cancel()
		tests := []struct {
			name string
			ctx  context.Context
			sql  string
			want warehouse.Kind
		}{
			{"syntax error", context.Background(), `SELEC id FROM sales`, warehouse.BadQuery},
			{"unknown table", context.Background(), `SELECT id FROM no_such_table`, warehouse.BadQuery},
			{"unknown column", context.Background(), `SELECT no_such_column FROM sales`, warehouse.BadQuery},
			{"canceled context", canceled, `SELECT id FROM sales`, warehouse.Canceled},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.Query(tt.ctx, tt.sql)
				if got := warehouse.KindOf(err); got != tt.want {
					t.Errorf("Query(%q) kind = %v (err %v), want %v", tt.sql, got, err, tt.want)
				}
				if err != nil && !strings.HasPrefix(err.Error(), "query "+string(d)+": ") {
					t.Errorf("err = %q, want prefix %q", err, "query "+string(d)+": ")
				}
			})
		}
	})
}

// TestConcurrentQueries runs queries from several goroutines on one DB.
func TestConcurrentQueries(t *testing.T) {
	t.Parallel()
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		loadSales(t, d, dsn)
		db := warehousetest.Open(t, dsn, warehouse.Options{MaxOpenConns: 4})
		const workers, each = 8, 10
		errs := make(chan error, workers*each)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					res, err := db.Query(context.Background(), `SELECT COUNT(*) AS n FROM sales`)
					if err == nil && !cmp.Equal(res.Rows, [][]any{{int64(2)}}) {
						err = errors.New("unexpected rows " + cmp.Diff([][]any{{int64(2)}}, res.Rows))
					}
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent Query: %v", err)
			}
		}
	})
}
