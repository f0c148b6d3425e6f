package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/postgres"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

const secret = "Sup3r-S3cret-pw"

// withUser returns dsn with its user and password replaced.
func withUser(t *testing.T, dsn, user, password string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %q: %v", dsn, err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// requireServer skips (or fails under CI) when the test server is down, for
// tests that reach it without warehousetest.Postgres.
func requireServer(t *testing.T) {
	t.Helper()
	x, err := postgres.OpenWritable(context.Background(), warehousetest.PostgresURL())
	if err != nil {
		warehousetest.Unreachable(t, "PostgreSQL", err)
	}
	x.Close()
}

// TestOpenFailures checks that Open fails fast with the right kind, and
// that neither the error nor the log ever shows the password.
func TestOpenFailures(t *testing.T) {
	t.Parallel()
	requireServer(t)
	base := warehousetest.PostgresURL()
	tests := []struct {
		name string
		dsn  string
		want warehouse.Kind
	}{
		{"role that does not exist", withUser(t, base, "mb_no_such_role", secret), warehouse.Auth},
		{"database that does not exist", strings.Replace(withUser(t, base, "postgres", secret), "/test?", "/mb_no_such_db?", 1), warehouse.Config},
		{"closed port", fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/test?sslmode=disable", secret, warehousetest.ClosedPort(t)), warehouse.Unavailable},
		{"malformed port", "postgres://postgres:" + secret + "@127.0.0.1:port/test", warehouse.Config},
		{"bad sslmode", "postgres://postgres:" + secret + "@127.0.0.1/test?sslmode=sometimes", warehouse.Config},
		{"unknown time zone", withUser(t, base, "postgres", secret), warehouse.Config},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			opts := warehouse.Options{
				ConnectTimeout: 3 * time.Second,
				Logger:         slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			}
			if tt.name == "unknown time zone" {
				opts.TimeZone = "Mars/Olympus_Mons"
			}
			db, err := postgres.Open(context.Background(), tt.dsn, opts)
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded, want kind %v", tt.want)
			}
			t.Logf("Open: %v", err)
			var we *warehouse.Error
			if !errors.As(err, &we) || we.Kind != tt.want {
				t.Errorf("Open err = %v (kind %v), want kind %v", err, warehouse.KindOf(err), tt.want)
			}
			if !strings.HasPrefix(err.Error(), "open postgres: ") {
				t.Errorf("err = %q, want prefix %q", err, "open postgres: ")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
				t.Errorf("err = %q shows the password", err)
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("log shows the password:\n%s", logs.String())
			}
		})
	}
}

// TestOpenLogsNoPassword opens successfully (the test server trusts local
// connections, so any password is accepted) and checks the log.
func TestOpenLogsNoPassword(t *testing.T) {
	t.Parallel()
	dsn := warehousetest.Postgres(t)
	var logs bytes.Buffer
	db, err := postgres.Open(context.Background(), withUser(t, dsn, "postgres", secret), warehouse.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if !strings.Contains(logs.String(), "warehouse opened") {
		t.Errorf("log = %q, want a warehouse opened line", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("log shows the password:\n%s", logs.String())
	}
	if got := db.Dialect(); got != warehouse.Postgres {
		t.Errorf("Dialect() = %q, want %q", got, warehouse.Postgres)
	}
}

// TestTimeZone checks that timestamptz values and their dates follow
// Options.TimeZone.
func TestTimeZone(t *testing.T) {
	t.Parallel()
	dsn := warehousetest.Postgres(t)
	warehousetest.Exec(t, dsn,
		`CREATE TABLE events (at TIMESTAMPTZ)`,
		`INSERT INTO events VALUES ('2024-02-29 20:30:00+00')`,
	)
	const q = `SELECT at, at::date AS day, current_setting('TimeZone') AS zone FROM events`
	tests := []struct {
		zone string
		want [][]any
	}{
		{"UTC", [][]any{{"2024-02-29 20:30:00", "2024-02-29", "UTC"}}},
		{"Asia/Shanghai", [][]any{{"2024-03-01 04:30:00", "2024-03-01", "Asia/Shanghai"}}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			db := warehousetest.Open(t, dsn, warehouse.Options{TimeZone: tt.zone})
			got, err := db.Query(context.Background(), q)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Rows); diff != "" {
				t.Errorf("rows in %s (-want +got):\n%s", tt.zone, diff)
			}
		})
	}
}

// TestStatementTimeoutIsLocal checks that a query runs read-only with its
// statement timeout, and that the SET LOCAL ends with its transaction
// instead of staying on the pooled connection.
func TestStatementTimeoutIsLocal(t *testing.T) {
	t.Parallel()
	dsn := warehousetest.Postgres(t)
	db := warehousetest.Open(t, dsn, warehouse.Options{Timeout: 1500 * time.Millisecond, MaxOpenConns: 1})
	got, err := db.Query(context.Background(), `SELECT current_setting('statement_timeout') AS inside, current_setting('transaction_read_only') AS ro`)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if diff := cmp.Diff([][]any{{"1500ms", "on"}}, got.Rows); diff != "" {
		t.Errorf("settings inside Query (-want +got):\n%s", diff)
	}
	var after string
	if err := db.SQLX().Get(&after, `SELECT current_setting('statement_timeout')`); err != nil {
		t.Fatalf("read setting after Query: %v", err)
	}
	if after != "0" {
		t.Errorf("statement_timeout after Query = %q, want %q (SET LOCAL leaked)", after, "0")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		code pqerror.Code
		want warehouse.Kind
	}{
		{pqerror.InvalidPassword, warehouse.Auth},
		{pqerror.InvalidAuthorizationSpecification, warehouse.Auth},
		{pqerror.QueryCanceled, warehouse.Timeout},
		{pqerror.ReadOnlySQLTransaction, warehouse.BadQuery},
		{pqerror.Code("42601"), warehouse.BadQuery}, // syntax error
		{pqerror.Code("42P01"), warehouse.BadQuery}, // undefined table
		{pqerror.Code("42501"), warehouse.BadQuery}, // insufficient privilege
		{pqerror.Code("22012"), warehouse.BadQuery}, // division by zero
		{pqerror.InvalidCatalogName, warehouse.Config},
		{pqerror.TooManyConnections, warehouse.Unavailable},
		{pqerror.AdminShutdown, warehouse.Unavailable},
		{pqerror.CannotConnectNow, warehouse.Unavailable},
		{pqerror.Code("XX000"), warehouse.Unknown},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", &pq.Error{Code: tt.code, Message: "m"})
			if got := postgres.Classify(err); got != tt.want {
				t.Errorf("Classify(%s) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
	if got := postgres.Classify(errors.New("not pq")); got != warehouse.Unknown {
		t.Errorf("Classify(non-pq) = %v, want %v", got, warehouse.Unknown)
	}
}
