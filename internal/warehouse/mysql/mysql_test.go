package mysql_test

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

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/mysql"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

const secret = "Sup3r-S3cret-pw"

// parsed holds the fields of a driver config that TestParseURL checks.
type parsed struct {
	User, Passwd, Net, Addr, DBName string
	ReadTimeout                     time.Duration
	MultiStatements, ParseTime      bool
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		want parsed
	}{
		{
			name: "full",
			dsn:  "mysql://metric:" + url.QueryEscape("p@ss:w/rd?#%") + "@db.internal:3307/sales?readTimeout=5s",
			want: parsed{User: "metric", Passwd: "p@ss:w/rd?#%", Net: "tcp", Addr: "db.internal:3307", DBName: "sales", ReadTimeout: 5 * time.Second},
		},
		{
			name: "default port",
			dsn:  "mysql://root@127.0.0.1/test",
			want: parsed{User: "root", Net: "tcp", Addr: "127.0.0.1:3306", DBName: "test"},
		},
		{
			name: "no host",
			dsn:  "mysql:///test",
			want: parsed{Net: "tcp", Addr: "127.0.0.1:3306", DBName: "test"},
		},
		{
			name: "ipv6 host",
			dsn:  "mysql://root@[::1]/test",
			want: parsed{User: "root", Net: "tcp", Addr: "[::1]:3306", DBName: "test"},
		},
		{
			name: "unix socket",
			dsn:  "mysql://root@localhost/test?socket=/run/mysqld/mysqld.sock",
			want: parsed{User: "root", Net: "unix", Addr: "/run/mysqld/mysqld.sock", DBName: "test"},
		},
		{
			name: "unsafe options are overridden",
			dsn:  "mysql://root@127.0.0.1:3306/test?multiStatements=true&parseTime=true",
			want: parsed{User: "root", Net: "tcp", Addr: "127.0.0.1:3306", DBName: "test"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := mysql.ParseURL(tt.dsn)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.dsn, err)
			}
			got := parsed{User: cfg.User, Passwd: cfg.Passwd, Net: cfg.Net, Addr: cfg.Addr, DBName: cfg.DBName,
				ReadTimeout: cfg.ReadTimeout, MultiStatements: cfg.MultiStatements, ParseTime: cfg.ParseTime}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseURL(%q) mismatch (-want +got):\n%s", tt.dsn, diff)
			}
			if formatted := cfg.FormatDSN(); !strings.Contains(formatted, "charset=utf8mb4") {
				t.Errorf("FormatDSN() = %q, want charset=utf8mb4", formatted)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
	}{
		{"wrong scheme", "postgres://root:" + secret + "@127.0.0.1/test"},
		{"malformed port", "mysql://root:" + secret + "@127.0.0.1:port/test"},
		{"bad parameter", "mysql://root:" + secret + "@127.0.0.1/test?readTimeout=soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mysql.ParseURL(tt.dsn)
			if err == nil {
				t.Fatalf("ParseURL(%q) = nil error, want one", tt.dsn)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("err = %q shows the password", err)
			}
		})
	}
}

// requireServer skips (or fails under CI) when the test server is down,
// for tests that reach it without warehousetest.MariaDB.
func requireServer(t *testing.T) {
	t.Helper()
	x, err := mysql.OpenWritable(context.Background(), warehousetest.MySQLURL())
	if err != nil {
		warehousetest.Unreachable(t, "MariaDB", err)
	}
	x.Close()
}

func withUser(t *testing.T, dsn, user, password string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %q: %v", dsn, err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// TestOpenFailures checks that Open fails fast with the right kind and
// that neither the error nor the log shows the password.
func TestOpenFailures(t *testing.T) {
	t.Parallel()
	requireServer(t)
	base := warehousetest.MySQLURL()
	tests := []struct {
		name string
		dsn  string
		zone string
		want warehouse.Kind
	}{
		{"wrong password", withUser(t, base, "root", secret), "", warehouse.Auth},
		{"unknown user", withUser(t, base, "mb_no_such_user", secret), "", warehouse.Auth},
		{"unknown database", strings.Replace(base, "/test", "/mb_no_such_db", 1), "", warehouse.Config},
		{"closed port", fmt.Sprintf("mysql://root:%s@127.0.0.1:%d/test", secret, warehousetest.ClosedPort(t)), "", warehouse.Unavailable},
		{"time zone that is not a zone", base, "Asia/Shanghai'; DROP TABLE x; --", warehouse.Config},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			db, err := mysql.Open(context.Background(), tt.dsn, warehouse.Options{
				ConnectTimeout: 3 * time.Second,
				TimeZone:       tt.zone,
				Logger:         slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded, want kind %v", tt.want)
			}
			t.Logf("Open: %v", err)
			if got := warehouse.KindOf(err); got != tt.want {
				t.Errorf("Open err = %v (kind %v), want kind %v", err, got, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "open mysql: ") {
				t.Errorf("err = %q, want prefix %q", err, "open mysql: ")
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), secret) {
				t.Errorf("err = %q shows the password", err)
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("log shows the password:\n%s", logs.String())
			}
		})
	}
}

// readerUser creates a user with a password that may only SELECT from the
// database of dsn, dropped when the test ends, and returns its DSN.
func readerUser(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %q: %v", dsn, err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	user := warehousetest.Name()
	admin := warehousetest.Writable(t, warehousetest.MySQLURL())
	stmts := []string{
		"CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + secret + "'",
		"CREATE USER '" + user + "'@'localhost' IDENTIFIED BY '" + secret + "'",
		"GRANT SELECT ON " + db + ".* TO '" + user + "'@'%'",
		"GRANT SELECT ON " + db + ".* TO '" + user + "'@'localhost'",
	}
	t.Cleanup(func() {
		admin.Exec("DROP USER IF EXISTS '" + user + "'@'%'")
		admin.Exec("DROP USER IF EXISTS '" + user + "'@'localhost'")
	})
	for _, s := range stmts {
		if _, err := admin.Exec(s); err != nil {
			t.Fatalf("create reader user: %v", err)
		}
	}
	return withUser(t, dsn, user, secret)
}

// TestPasswordLoginLogsNoSecret logs in with a real password and checks
// the log, and that the server's own refusal of a write is BadQuery.
func TestPasswordLoginLogsNoSecret(t *testing.T) {
	t.Parallel()
	dsn := warehousetest.MariaDB(t)
	warehousetest.Exec(t, dsn, `CREATE TABLE t (a INT)`, `INSERT INTO t VALUES (1)`)
	var logs bytes.Buffer
	db, err := mysql.Open(context.Background(), readerUser(t, dsn), warehouse.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("Open as reader: %v", err)
	}
	defer db.Close()
	got, err := db.Query(context.Background(), `SELECT a FROM t`)
	if err != nil {
		t.Fatalf("Query as reader: %v", err)
	}
	if diff := cmp.Diff([][]any{{int64(1)}}, got.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "warehouse opened") {
		t.Errorf("log = %q, want a warehouse opened line", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("log shows the password:\n%s", logs.String())
	}
}

// TestSessionSettings checks the statement timeout and time zone a query
// runs with.
func TestSessionSettings(t *testing.T) {
	t.Parallel()
	dsn := warehousetest.MariaDB(t)
	admin := warehousetest.Writable(t, dsn)
	var version string
	var zones int
	if err := admin.Get(&version, `SELECT VERSION()`); err != nil {
		t.Fatalf("version: %v", err)
	}
	if err := admin.Get(&zones, `SELECT COUNT(*) FROM mysql.time_zone_name`); err != nil {
		t.Fatalf("count zones: %v", err)
	}
	timeoutVar := "@@max_execution_time"
	var wantTimeout any = int64(1500)
	if strings.Contains(strings.ToLower(version), "mariadb") {
		timeoutVar, wantTimeout = "@@max_statement_time", 1.5
	}
	tests := []struct {
		zone     string
		wantZone string
		wantWarn bool
	}{
		{"", "SYSTEM", false},
		{"+08:00", "+08:00", false},
		// Without the zone tables a zone without daylight saving time becomes its offset.
		{"Asia/Shanghai", map[bool]string{true: "Asia/Shanghai", false: "+08:00"}[zones > 0], false},
		{"Europe/Berlin", map[bool]string{true: "Europe/Berlin", false: "SYSTEM"}[zones > 0], zones == 0},
	}
	for _, tt := range tests {
		t.Run("zone "+tt.zone, func(t *testing.T) {
			var logs bytes.Buffer
			db, err := mysql.Open(context.Background(), dsn, warehouse.Options{
				Timeout:  1500 * time.Millisecond,
				TimeZone: tt.zone,
				Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
			})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			got, err := db.Query(context.Background(), `SELECT `+timeoutVar+` AS timeout, @@session.time_zone AS zone, @@tx_read_only AS ro`)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if diff := cmp.Diff([][]any{{wantTimeout, tt.wantZone, int64(1)}}, got.Rows); diff != "" {
				t.Errorf("session settings (-want +got):\n%s", diff)
			}
			if warned := strings.Contains(logs.String(), "level=WARN"); warned != tt.wantWarn {
				t.Errorf("warning logged = %v, want %v; log:\n%s", warned, tt.wantWarn, logs.String())
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want warehouse.Kind
	}{
		{"access denied", &gomysql.MySQLError{Number: 1045, SQLState: [5]byte{'2', '8', '0', '0', '0'}}, warehouse.Auth},
		{"db access denied", &gomysql.MySQLError{Number: 1044, SQLState: [5]byte{'4', '2', '0', '0', '0'}}, warehouse.Auth},
		{"mysql execution time", &gomysql.MySQLError{Number: 3024}, warehouse.Timeout},
		{"mariadb statement time", &gomysql.MySQLError{Number: 1969, SQLState: [5]byte{'7', '0', '1', '0', '0'}}, warehouse.Timeout},
		{"syntax", &gomysql.MySQLError{Number: 1064, SQLState: [5]byte{'4', '2', '0', '0', '0'}}, warehouse.BadQuery},
		{"no such table", &gomysql.MySQLError{Number: 1146, SQLState: [5]byte{'4', '2', 'S', '0', '2'}}, warehouse.BadQuery},
		{"read only transaction", &gomysql.MySQLError{Number: 1792, SQLState: [5]byte{'2', '5', '0', '0', '6'}}, warehouse.BadQuery},
		{"unknown database", &gomysql.MySQLError{Number: 1049, SQLState: [5]byte{'4', '2', '0', '0', '0'}}, warehouse.Config},
		{"too many connections", &gomysql.MySQLError{Number: 1040}, warehouse.Unavailable},
		{"invalid connection", fmt.Errorf("read: %w", gomysql.ErrInvalidConn), warehouse.Unavailable},
		{"other", errors.New("boom"), warehouse.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mysql.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
