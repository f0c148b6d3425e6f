// Package warehousetest gives tests a fresh, isolated warehouse on each
// engine: a new PostgreSQL database, a new MariaDB/MySQL database or a new
// SQLite file, dropped when the test ends.
//
// The servers are found at the addresses in MB_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable) and
// MB_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test); the user
// must be allowed to create databases. When the environment variable CI is
// "true" an unreachable server fails the test; otherwise the test is
// skipped with a message naming the server.
package warehousetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/mysql"
	"github.com/metricbot/metricbot/internal/warehouse/open"
	"github.com/metricbot/metricbot/internal/warehouse/postgres"
	"github.com/metricbot/metricbot/internal/warehouse/sqlite"
)

// Default server URLs, overridden by MB_TEST_POSTGRES_URL and
// MB_TEST_MYSQL_URL.
const (
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultMySQLURL    = "mysql://root@127.0.0.1:3306/test"
)

// setupTimeout bounds creating and dropping a test database.
const setupTimeout = 30 * time.Second

// PostgresURL returns the URL of the PostgreSQL server used by tests.
func PostgresURL() string { return env("MB_TEST_POSTGRES_URL", DefaultPostgresURL) }

// MySQLURL returns the URL of the MySQL or MariaDB server used by tests.
func MySQLURL() string { return env("MB_TEST_MYSQL_URL", DefaultMySQLURL) }

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Name returns a fresh database name such as "mb_3f9a0c1d2e4b5a69".
func Name() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "mb_" + hex.EncodeToString(b)
}

// Unreachable ends a test that needs service but cannot reach it: a
// failure when CI is "true", otherwise a skip that says so loudly.
func Unreachable(t testing.TB, service string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is unreachable and CI=true: %v", service, err)
		return
	}
	t.Skipf("SKIPPED: %s is unreachable (%v); start it, or set CI=true to make this a failure", service, err)
}

// Postgres creates a fresh database on the test PostgreSQL server, drops it
// (disconnecting any sessions) when the test ends, and returns its
// postgres:// URL.
func Postgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	admin, err := postgres.OpenWritable(ctx, PostgresURL())
	if err != nil {
		Unreachable(t, "PostgreSQL at "+redact(PostgresURL()), err)
	}
	name := Name()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create postgres database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop postgres database %s: %v", name, err)
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatalf("parse MB_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// MariaDB creates a fresh utf8mb4 database on the test MySQL/MariaDB server,
// drops it when the test ends, and returns its mysql:// URL.
func MariaDB(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	admin, err := mysql.OpenWritable(ctx, MySQLURL())
	if err != nil {
		Unreachable(t, "MariaDB at "+redact(MySQLURL()), err)
	}
	name := Name()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("create mysql database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop mysql database %s: %v", name, err)
		}
	})
	u, err := url.Parse(MySQLURL())
	if err != nil {
		t.Fatalf("parse MB_TEST_MYSQL_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// SQLite creates an empty SQLite database file in a temporary directory
// removed when the test ends, and returns its sqlite:// URL.
func SQLite(t testing.TB) string {
	t.Helper()
	dsn := "sqlite://" + filepath.ToSlash(filepath.Join(t.TempDir(), "warehouse.db"))
	x, err := sqlite.OpenWritable(context.Background(), dsn)
	if err != nil {
		t.Fatalf("create sqlite file: %v", err)
	}
	x.Close()
	return dsn
}

// Fresh returns a fresh database on the engine of dialect d (MariaDB for
// MySQL).
func Fresh(t testing.TB, d warehouse.Dialect) string {
	t.Helper()
	switch d {
	case warehouse.Postgres:
		return Postgres(t)
	case warehouse.MySQL:
		return MariaDB(t)
	case warehouse.SQLite:
		return SQLite(t)
	}
	t.Fatalf("warehousetest: unknown dialect %q", d)
	return ""
}

// Dialects lists the engines Each runs on.
var Dialects = []warehouse.Dialect{warehouse.Postgres, warehouse.MySQL, warehouse.SQLite}

// Each runs f as a subtest named after each dialect, with a fresh database
// on that engine. An unreachable server skips (or, under CI, fails) only
// its own subtest.
func Each(t *testing.T, f func(t *testing.T, d warehouse.Dialect, dsn string)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			f(t, d, Fresh(t, d))
		})
	}
}

// Writable opens dsn read-write for loading, closed when the test ends.
func Writable(t testing.TB, dsn string) *sqlx.DB {
	t.Helper()
	x, err := open.Writable(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open writable %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// Exec runs each statement on dsn through a writable connection, failing
// the test on the first error. Use it to create and fill tables.
func Exec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	x := Writable(t, dsn)
	for _, s := range stmts {
		if _, err := x.Exec(s); err != nil {
			t.Fatalf("exec %q: %v", s, err)
		}
	}
}

// Open opens dsn for read-only queries with opts, closed when the test
// ends.
func Open(t testing.TB, dsn string, opts warehouse.Options) *warehouse.DB {
	t.Helper()
	db, err := open.DSN(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ClosedPort returns a TCP port on 127.0.0.1 that nothing listens on (it
// was bound and released), for testing unreachable servers.
func ClosedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "<unparsable dsn>"
	}
	return u.Redacted()
}
