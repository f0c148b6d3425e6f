package open_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/open"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

const secret = "Sup3r-S3cret-pw"

func TestDialect(t *testing.T) {
	tests := []struct {
		dsn     string
		want    warehouse.Dialect
		wantErr bool
	}{
		{dsn: "postgres://u:p@h:5432/db", want: warehouse.Postgres},
		{dsn: "postgresql://h/db?sslmode=disable", want: warehouse.Postgres},
		{dsn: "mysql://root@127.0.0.1:3306/test", want: warehouse.MySQL},
		{dsn: "sqlite:///var/lib/metricbot/demo.db", want: warehouse.SQLite},
		{dsn: "sqlite:demo.db", want: warehouse.SQLite},
		{dsn: "demo.db", want: warehouse.SQLite},
		{dsn: "/data/warehouse.sqlite", want: warehouse.SQLite},
		{dsn: "sqlserver://sa:" + secret + "@h/db", wantErr: true},
		{dsn: "user:" + secret + "@tcp(127.0.0.1:3306)/test", wantErr: true},
		{dsn: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := open.Dialect(tt.dsn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Dialect(%q) err = %v, want error %v", tt.dsn, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Dialect(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if err != nil {
				if k := warehouse.KindOf(err); k != warehouse.Config {
					t.Errorf("Dialect(%q) kind = %v, want %v", tt.dsn, k, warehouse.Config)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err = %q shows the password", err)
				}
			}
		})
	}
}

// TestUnreachable checks that a closed port fails at once with
// Unavailable, for both server engines.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	port := warehousetest.ClosedPort(t)
	for _, dsn := range []string{
		fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/test?sslmode=disable", secret, port),
		fmt.Sprintf("mysql://root:%s@127.0.0.1:%d/test", secret, port),
	} {
		d, _ := open.Dialect(dsn)
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			// The deadline only guards against a hang; a refused
			// connection fails long before it.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db, err := open.DSN(ctx, dsn, warehouse.Options{})
			if err == nil {
				db.Close()
				t.Fatalf("DSN(closed port) succeeded, want Unavailable")
			}
			var we *warehouse.Error
			if k := warehouse.KindOf(err); k != warehouse.Unavailable {
				t.Errorf("DSN(closed port) kind = %v (%v), want %v", k, err, warehouse.Unavailable)
			}
			if !errors.As(err, &we) || !we.Temporary() {
				t.Errorf("DSN(closed port) err = %v, want a temporary *warehouse.Error", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("err = %q shows the password", err)
			}
		})
	}
}

// TestDSNAndWritable opens each engine through the dispatcher, loads a row
// through Writable and reads it back through DSN.
func TestDSNAndWritable(t *testing.T) {
	t.Parallel()
	warehousetest.Each(t, func(t *testing.T, d warehouse.Dialect, dsn string) {
		t.Parallel()
		w, err := open.Writable(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Writable: %v", err)
		}
		defer w.Close()
		w.MustExec(`CREATE TABLE regions (name VARCHAR(20))`)
		w.MustExec(`INSERT INTO regions VALUES ('华南')`)

		db, err := open.DSN(context.Background(), dsn, warehouse.Options{})
		if err != nil {
			t.Fatalf("DSN: %v", err)
		}
		defer db.Close()
		if got := db.Dialect(); got != d {
			t.Errorf("Dialect() = %q, want %q", got, d)
		}
		if err := db.Ping(context.Background()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		got, err := db.Query(context.Background(), `SELECT name FROM regions`)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		want := &warehouse.Result{Columns: []string{"name"}, Rows: [][]any{{"华南"}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Query mismatch (-want +got):\n%s", diff)
		}
	})
}
