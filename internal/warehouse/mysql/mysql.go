// Package mysql connects metricbot to a MySQL-compatible warehouse (MySQL,
// MariaDB) through go-sql-driver/mysql: it translates mysql:// URLs into the
// driver's config, detects the server flavour once, sets up each query's
// read-only transaction with the flavour's statement timeout, maps column
// types to normalised values and classifies server errors.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/metricbot/metricbot/internal/warehouse"
)

var _ warehouse.Engine = (*engine)(nil)

// Flavour is the family of a MySQL-compatible server, which decides how a
// statement timeout is set.
type Flavour string

// The flavours told apart at open time.
const (
	// FlavourMySQL uses max_execution_time in milliseconds (SELECT only).
	FlavourMySQL Flavour = "mysql"
	// FlavourMariaDB uses max_statement_time in seconds.
	FlavourMariaDB Flavour = "mariadb"
)

// Server error numbers this package classifies.
const (
	errDBAccessDenied         = 1044
	errAccessDenied           = 1045
	errBadDB                  = 1049
	errNoTablesUsed           = 1096
	errHostNotPrivileged      = 1130
	errTooManyConnections     = 1040
	errServerShutdown         = 1053
	errLockWaitTimeout        = 1205
	errUnknownTimeZone        = 1298
	errQueryInterrupted       = 1317
	errAccessDeniedNoPassword = 1698
	errReadOnlyTransaction    = 1792
	errConnectionKilled       = 1927
	errStatementTimeout       = 1969 // MariaDB max_statement_time
	errQueryTimeout           = 3024 // MySQL max_execution_time
)

// Open connects to the MySQL or MariaDB warehouse at dsn, a URL such as
// mysql://user:pass@host:3306/db?tls=preferred, checks that it answers and
// accepts the credentials within opts.ConnectTimeout, and detects the
// server flavour. Errors are *warehouse.Error and never contain the
// password.
func Open(ctx context.Context, dsn string, opts warehouse.Options) (*warehouse.DB, error) {
	opts = opts.WithDefaults()
	const op = "open mysql"
	cfg, err := ParseURL(dsn)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	if opts.TimeZone != "" && !zonePattern.MatchString(opts.TimeZone) {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: fmt.Errorf("time zone %q is not a zone name or offset", opts.TimeZone)}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = opts.ConnectTimeout
	}
	cfg.Logger = driverLogger{opts.Logger}
	x, err := connect(cfg)
	if err != nil {
		return nil, warehouse.Scrub(&warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}, cfg.Passwd)
	}
	x.SetConnMaxLifetime(30 * time.Minute)
	x.SetConnMaxIdleTime(5 * time.Minute)
	eng := &engine{}
	db := warehouse.New(x, eng, opts)
	fail := func(err error) (*warehouse.DB, error) {
		db.Close()
		return nil, warehouse.Scrub(reop(err, op), cfg.Passwd)
	}
	if err := db.Ping(ctx); err != nil {
		return fail(err)
	}
	pctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	var version string
	if err := x.GetContext(pctx, &version, "SELECT VERSION()"); err != nil {
		return fail(err)
	}
	eng.flavour = FlavourMySQL
	if strings.Contains(strings.ToLower(version), "mariadb") {
		eng.flavour = FlavourMariaDB
	}
	if opts.TimeZone != "" {
		_, err := x.ExecContext(pctx, "SET time_zone = '"+opts.TimeZone+"'")
		switch me, _ := errors.AsType[*mysql.MySQLError](err); {
		case err == nil:
			eng.timeZone = opts.TimeZone
		case me != nil && me.Number == errUnknownTimeZone:
			// Without the server's zone tables a zone with no daylight saving time (most of
			// Asia) is the same as its fixed offset.
			if off, ok := fixedOffset(opts.TimeZone, time.Now()); ok {
				if _, err := x.ExecContext(pctx, "SET time_zone = '"+off+"'"); err == nil {
					eng.timeZone = off
					opts.Logger.Debug("mysql time zone tables not loaded; using the zone's fixed offset", "time_zone", opts.TimeZone, "offset", off)
					break
				}
			}
			opts.Logger.Warn("mysql time zone unknown to the server; keeping the server zone (load the zone tables or use an offset such as +08:00)",
				"time_zone", opts.TimeZone)
		default:
			return fail(err)
		}
	}
	opts.Logger.Debug("warehouse opened", "dialect", warehouse.MySQL, "flavour", eng.flavour,
		"version", version, "addr", cfg.Addr, "database", cfg.DBName, "user", cfg.User)
	return db, nil
}

// fixedOffset returns zone's UTC offset as "+08:00" when the zone had the same offset all through
// this year and the last (no daylight saving time), so it can stand in for the zone's name.
func fixedOffset(zone string, now time.Time) (string, bool) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", false
	}
	_, first := time.Date(now.Year()-1, 1, 1, 0, 0, 0, 0, loc).Zone()
	for m := 0; m < 24; m++ {
		if _, off := time.Date(now.Year()-1, time.Month(1+m), 1, 0, 0, 0, 0, loc).Zone(); off != first {
			return "", false
		}
	}
	sign := "+"
	if first < 0 {
		sign, first = "-", -first
	}
	return fmt.Sprintf("%s%02d:%02d", sign, first/3600, first%3600/60), true
}

// OpenWritable connects to dsn like Open but returns a plain read-write
// pool, for creating and loading tables in tests and demos.
func OpenWritable(ctx context.Context, dsn string) (*sqlx.DB, error) {
	const op = "open writable mysql"
	cfg, err := ParseURL(dsn)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = warehouse.DefaultConnectTimeout
	}
	cfg.Logger = driverLogger{slog.New(slog.DiscardHandler)}
	x, err := connect(cfg)
	if err != nil {
		return nil, warehouse.Scrub(&warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}, cfg.Passwd)
	}
	pctx, cancel := context.WithTimeout(ctx, warehouse.DefaultConnectTimeout)
	defer cancel()
	if err := x.PingContext(pctx); err != nil {
		x.Close()
		kind := Classify(err)
		if kind == warehouse.Unknown {
			kind = warehouse.Unavailable
		}
		return nil, warehouse.Scrub(&warehouse.Error{Kind: kind, Op: op, Err: err}, cfg.Passwd)
	}
	return x, nil
}

func connect(cfg *mysql.Config) (*sqlx.DB, error) {
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(c), "mysql"), nil
}

// zonePattern accepts IANA names ("Asia/Shanghai"), offsets ("+08:00") and
// SYSTEM/UTC; anything else could not be a zone and is refused before it
// reaches SQL text.
var zonePattern = regexp.MustCompile(`^[A-Za-z0-9_+\-/:]{1,64}$`)

// ParseURL translates mysql://user:pass@host:port/db?param=value into the
// driver's config. Query parameters are the driver's own (tls, timeout,
// readTimeout, ...) plus socket=/path for a Unix socket. Whatever the URL
// says, the config has multiStatements off, parseTime off and charset
// utf8mb4. Its errors never quote the password.
func ParseURL(dsn string) (*mysql.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Error quotes the whole URL, password included.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	if u.Scheme != "mysql" {
		return nil, fmt.Errorf("parse dsn: scheme %q is not mysql", u.Scheme)
	}
	q := u.Query()
	socket := q.Get("socket")
	q.Del("socket")
	// Only the parameters go through the driver's own parser, so its
	// errors cannot quote the password.
	cfg, err := mysql.ParseDSN("/?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("parse dsn parameters: %w", err)
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	switch {
	case socket != "":
		cfg.Net, cfg.Addr = "unix", socket
	case u.Host == "":
		cfg.Net, cfg.Addr = "tcp", "127.0.0.1:3306"
	case u.Port() == "":
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(u.Hostname(), "3306")
	default:
		cfg.Net, cfg.Addr = "tcp", u.Host
	}
	cfg.MultiStatements = false
	cfg.ParseTime = false
	if err := cfg.Apply(mysql.Charset("utf8mb4", "")); err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	return cfg, nil
}

// reop renames the operation of a *warehouse.Error, and turns a timeout
// while connecting into Unavailable: a server that does not answer is down.
func reop(err error, op string) error {
	e, ok := errors.AsType[*warehouse.Error](err)
	if !ok {
		kind := Classify(err)
		if kind == warehouse.Unknown {
			kind = warehouse.ClassifyNetwork(err)
		}
		e = &warehouse.Error{Kind: kind, Err: err}
	}
	kind := e.Kind
	if kind == warehouse.Timeout || kind == warehouse.Unknown {
		kind = warehouse.Unavailable
	}
	return &warehouse.Error{Kind: kind, Op: op, Err: e.Err}
}

// driverLogger sends the driver's complaints (bad idle connections and
// the like) to slog instead of stderr.
type driverLogger struct{ l *slog.Logger }

func (d driverLogger) Print(v ...any) { d.l.Warn("mysql driver", "msg", fmt.Sprint(v...)) }

// engine is the MySQL/MariaDB warehouse.Engine. Its fields are set once by
// Open before the DB is shared.
type engine struct {
	flavour  Flavour
	timeZone string // empty: reset to the server's zone
}

func (*engine) Dialect() warehouse.Dialect { return warehouse.MySQL }

// Begin runs START TRANSACTION READ ONLY, then sets the session's
// statement timeout, time zone and default read-only mode in one SET. The
// session-wide read-only mode matters because DDL such as CREATE TABLE
// commits the read-only transaction implicitly and would otherwise run in a
// writable one; setting it on every query undoes whatever an earlier query
// on the pooled connection did.
func (e *engine) Begin(ctx context.Context, db *sql.DB, timeout time.Duration) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	var set strings.Builder
	set.WriteString("SET SESSION ")
	if e.flavour == FlavourMariaDB {
		set.WriteString("tx_read_only = 1, max_statement_time = ")
		set.WriteString(strconv.FormatFloat(timeout.Seconds(), 'f', 3, 64))
	} else {
		set.WriteString("transaction_read_only = 1, max_execution_time = ")
		set.WriteString(strconv.FormatInt(max(timeout.Milliseconds(), 1), 10))
	}
	if e.timeZone != "" {
		// Checked against zonePattern by Open: no quote can appear.
		set.WriteString(", time_zone = '" + e.timeZone + "'")
	} else {
		set.WriteString(", time_zone = @@GLOBAL.time_zone")
	}
	if _, err := tx.ExecContext(ctx, set.String()); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

func (*engine) Classify(err error) warehouse.Kind { return Classify(err) }

// Classify returns the kind of a go-sql-driver/mysql error, or
// warehouse.Unknown when it does not recognise err.
func Classify(err error) warehouse.Kind {
	if errors.Is(err, mysql.ErrInvalidConn) {
		return warehouse.Unavailable
	}
	me, ok := errors.AsType[*mysql.MySQLError](err)
	if !ok {
		return warehouse.Unknown
	}
	switch me.Number {
	case errAccessDenied, errDBAccessDenied, errAccessDeniedNoPassword, errHostNotPrivileged:
		return warehouse.Auth
	case errQueryTimeout, errStatementTimeout, errLockWaitTimeout:
		return warehouse.Timeout
	case errQueryInterrupted:
		return warehouse.Canceled
	case errReadOnlyTransaction, errNoTablesUsed:
		return warehouse.BadQuery
	case errBadDB, errUnknownTimeZone:
		return warehouse.Config
	case errTooManyConnections, errServerShutdown, errConnectionKilled:
		return warehouse.Unavailable
	}
	switch string(me.SQLState[:2]) {
	case "42", "22", "25", "21", "0A":
		// Syntax, unknown table or column, missing privilege, bad data.
		return warehouse.BadQuery
	case "28":
		return warehouse.Auth
	case "08":
		return warehouse.Unavailable
	}
	return warehouse.Unknown
}

// ValueType maps go-sql-driver/mysql's type names to normalised value
// types. DECIMAL arrives as text and becomes float64; FLOAT arrives as
// float32 and becomes the float64 with the same shortest decimal form.
func (*engine) ValueType(typeName string) warehouse.ValueType {
	name := strings.TrimPrefix(typeName, "UNSIGNED ")
	switch name {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR":
		return warehouse.Int
	case "DECIMAL", "FLOAT", "DOUBLE":
		return warehouse.Float
	case "DATE":
		return warehouse.Date
	case "DATETIME", "TIMESTAMP":
		return warehouse.Timestamp
	case "TIME":
		return warehouse.TimeOfDay
	case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "BIT", "GEOMETRY":
		return warehouse.Bytes
	case "NULL":
		return warehouse.Dynamic
	}
	return warehouse.Text
}
