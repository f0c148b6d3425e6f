package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/sqlite"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

func TestPath(t *testing.T) {
	tests := []struct {
		dsn     string
		want    string
		wantErr bool
	}{
		{dsn: "sqlite:///var/lib/metricbot/demo.db", want: "/var/lib/metricbot/demo.db"},
		{dsn: "sqlite://demo.db", want: "demo.db"},
		{dsn: "sqlite:demo.db", want: "demo.db"},
		{dsn: "sqlite:data/demo", want: "data/demo"},
		{dsn: "demo.db", want: "demo.db"},
		{dsn: "/srv/warehouse.sqlite", want: "/srv/warehouse.sqlite"},
		{dsn: "./w.SQLITE3", want: "./w.SQLITE3"},
		{dsn: "sqlite:", wantErr: true},
		{dsn: "sqlite:demo.db?mode=rw", wantErr: true},
		{dsn: "demo.csv", wantErr: true},
		{dsn: "postgres://h/x.db", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := sqlite.Path(tt.dsn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Path(%q) err = %v, want error %v", tt.dsn, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Path(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "nope.db")
	db, err := sqlite.Open(context.Background(), dsn, warehouse.Options{})
	if err == nil {
		db.Close()
		t.Fatalf("Open(%q) succeeded, want an error", dsn)
	}
	if got := warehouse.KindOf(err); got != warehouse.Config {
		t.Errorf("Open(missing) kind = %v (%v), want %v", got, err, warehouse.Config)
	}
	// Opening read-only must not have created the file.
	if _, err := sqlite.Open(context.Background(), dsn, warehouse.Options{}); err == nil {
		t.Errorf("second Open(missing) succeeded: the first created the file")
	}
}

// TestDeclaredTypes checks how declared column types, including the
// loose ones SQLite accepts, normalise.
func TestDeclaredTypes(t *testing.T) {
	dsn := warehousetest.SQLite(t)
	warehousetest.Exec(t, dsn,
		`CREATE TABLE t (i INTEGER, ui UNSIGNED BIG INT, d DECIMAL(10,2), n NUMERIC, r REAL, f FLOAT,
			vc VARCHAR(10), nc NCHAR(5), tx TEXT, dt DATE, ts DATETIME, tm TIMESTAMP, b BLOB, bo BOOLEAN, untyped)`,
		// d and n hold integral values, which SQLite stores as integers.
		`INSERT INTO t VALUES (1, 2, 100, 7, 1.5, 2, 'a', 'b', 'c', '2024-03-01', '2024-03-01 10:20:30',
			'2024-03-01 10:20:30.250', x'0102', 1, 'free')`,
	)
	db := warehousetest.Open(t, dsn, warehouse.Options{})
	got, err := db.Query(context.Background(), `SELECT *, i + 1 AS expr_int, r * 2 AS expr_real, dt AS dt_again FROM t`)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	want := [][]any{{int64(1), int64(2), 100.0, 7.0, 1.5, 2.0, "a", "b", "c", "2024-03-01", "2024-03-01 10:20:30",
		"2024-03-01 10:20:30", []byte{1, 2}, int64(1), "free", int64(2), 3.0, "2024-03-01"}}
	if diff := cmp.Diff(want, got.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// load1000 creates a SQLite warehouse holding a 1000-row table.
func load1000(tb testing.TB) string {
	tb.Helper()
	dsn := warehousetest.SQLite(tb)
	w := warehousetest.Writable(tb, dsn)
	tx := w.MustBegin()
	tx.MustExec(`CREATE TABLE orders (id INTEGER, region TEXT, amount DECIMAL(12,2), day DATE)`)
	for i := range 1000 {
		tx.MustExec(`INSERT INTO orders VALUES (?, ?, ?, ?)`, i, fmt.Sprintf("区域%d", i%7), float64(i)+0.25, fmt.Sprintf("2024-03-%02d", i%28+1))
	}
	if err := tx.Commit(); err != nil {
		tb.Fatalf("load orders: %v", err)
	}
	return dsn
}

// BenchmarkQuery measures a 1000-row result, normalisation included.
func BenchmarkQuery(b *testing.B) {
	dsn := load1000(b)
	db := warehousetest.Open(b, dsn, warehouse.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := db.Query(ctx, `SELECT id, region, amount, day FROM orders`)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) != 1000 {
			b.Fatalf("got %d rows, want 1000", len(res.Rows))
		}
	}
}

// BenchmarkQueryParallel measures the same query from several goroutines
// sharing one DB, as the bot does.
func BenchmarkQueryParallel(b *testing.B) {
	dsn := load1000(b)
	db := warehousetest.Open(b, dsn, warehouse.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Query(ctx, `SELECT id, region, amount, day FROM orders`); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
