// Package postgres connects metricbot to a PostgreSQL warehouse through
// lib/pq: it opens the pool, sets up each query's read-only transaction with
// a statement timeout and time zone, maps column types to normalised values
// and classifies PostgreSQL errors.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/metricbot/metricbot/internal/warehouse"
)

var _ warehouse.Engine = (*engine)(nil)

// Open connects to the PostgreSQL warehouse at dsn, a URL such as
// postgres://user:pass@host:5432/db?sslmode=disable (sslmode defaults to
// prefer), and checks that it answers and accepts the credentials within
// opts.ConnectTimeout. Errors are *warehouse.Error and never contain the
// password.
func Open(ctx context.Context, dsn string, opts warehouse.Options) (*warehouse.DB, error) {
	opts = opts.WithDefaults()
	const op = "open postgres"
	cfg, err := parse(dsn, opts.ConnectTimeout)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	x, err := connect(cfg)
	if err != nil {
		return nil, warehouse.Scrub(&warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}, cfg.Password)
	}
	x.SetConnMaxLifetime(30 * time.Minute)
	x.SetConnMaxIdleTime(5 * time.Minute)
	db := warehouse.New(x, &engine{timeZone: opts.TimeZone}, opts)
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, warehouse.Scrub(reop(err, op), cfg.Password)
	}
	if opts.TimeZone != "" {
		// Runs the whole query path once, so a bad zone fails here.
		if _, err := db.Query(ctx, "SELECT 1"); err != nil {
			db.Close()
			return nil, warehouse.Scrub(reop(err, op), cfg.Password)
		}
	}
	opts.Logger.Debug("warehouse opened", "dialect", warehouse.Postgres,
		"host", cfg.Host, "port", cfg.Port, "database", cfg.Database, "user", cfg.User)
	return db, nil
}

// OpenWritable connects to dsn like Open but returns a plain read-write
// pool, for creating and loading tables in tests and demos.
func OpenWritable(ctx context.Context, dsn string) (*sqlx.DB, error) {
	const op = "open writable postgres"
	cfg, err := parse(dsn, warehouse.DefaultConnectTimeout)
	if err != nil {
		return nil, &warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}
	}
	x, err := connect(cfg)
	if err != nil {
		return nil, warehouse.Scrub(&warehouse.Error{Kind: warehouse.Config, Op: op, Err: err}, cfg.Password)
	}
	pctx, cancel := context.WithTimeout(ctx, warehouse.DefaultConnectTimeout)
	defer cancel()
	if err := x.PingContext(pctx); err != nil {
		x.Close()
		kind := Classify(err)
		if kind == warehouse.Unknown {
			kind = warehouse.Unavailable
		}
		return nil, warehouse.Scrub(&warehouse.Error{Kind: kind, Op: op, Err: err}, cfg.Password)
	}
	return x, nil
}

func connect(cfg pq.Config) (*sqlx.DB, error) {
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(c), "postgres"), nil
}

// parse turns a postgres:// or postgresql:// URL (or a lib/pq key=value
// string) into a driver config. Its errors never quote the DSN.
func parse(dsn string, connectTimeout time.Duration) (pq.Config, error) {
	var password string
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			// url.Error quotes the whole URL, password included.
			if ue, ok := errors.AsType[*url.Error](err); ok {
				err = ue.Err
			}
			return pq.Config{}, fmt.Errorf("parse dsn: %w", err)
		}
		if u.Scheme != "postgres" && u.Scheme != "postgresql" {
			return pq.Config{}, fmt.Errorf("parse dsn: scheme %q is not postgres", u.Scheme)
		}
		password, _ = u.User.Password()
	}
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return pq.Config{}, warehouse.Scrub(fmt.Errorf("parse dsn: %w", err), password)
	}
	if cfg.SSLMode == "" {
		cfg.SSLMode = pq.SSLModePrefer
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = "metricbot"
	}
	return cfg, nil
}

// reop renames the operation of a *warehouse.Error, and turns a timeout
// while connecting into Unavailable: a server that does not answer is down.
func reop(err error, op string) error {
	e, ok := errors.AsType[*warehouse.Error](err)
	if !ok {
		return &warehouse.Error{Kind: warehouse.Unavailable, Op: op, Err: err}
	}
	kind := e.Kind
	if kind == warehouse.Timeout || kind == warehouse.Unknown {
		kind = warehouse.Unavailable
	}
	return &warehouse.Error{Kind: kind, Op: op, Err: e.Err}
}

// engine is the PostgreSQL warehouse.Engine.
type engine struct {
	timeZone string
}

func (*engine) Dialect() warehouse.Dialect { return warehouse.Postgres }

// Begin runs BEGIN READ ONLY, then sets the transaction's statement
// timeout and time zone with SET LOCAL, so nothing leaks into the pooled
// session.
func (e *engine) Begin(ctx context.Context, db *sql.DB, timeout time.Duration) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	set := "SET LOCAL statement_timeout = " + strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
	if e.timeZone != "" {
		set += "; SET LOCAL TimeZone = " + pq.QuoteLiteral(e.timeZone)
	}
	// No arguments: lib/pq sends this text with the simple protocol, which
	// takes both statements in one round trip.
	if _, err := tx.ExecContext(ctx, set); err != nil {
		tx.Rollback()
		if pe, ok := errors.AsType[*pq.Error](err); ok && pe.Code == pqerror.InvalidParameterValue {
			return nil, &warehouse.Error{Kind: warehouse.Config, Op: "set time zone postgres", Err: err}
		}
		return nil, err
	}
	return tx, nil
}

func (*engine) Classify(err error) warehouse.Kind { return Classify(err) }

// Classify returns the kind of a lib/pq error, or warehouse.Unknown when err
// holds no *pq.Error.
func Classify(err error) warehouse.Kind {
	pe, ok := errors.AsType[*pq.Error](err)
	if !ok {
		return warehouse.Unknown
	}
	switch pe.Code {
	case pqerror.QueryCanceled:
		return warehouse.Timeout
	case pqerror.ReadOnlySQLTransaction:
		return warehouse.BadQuery
	case pqerror.InvalidCatalogName:
		return warehouse.Config
	}
	switch pe.Code.Class() {
	case pqerror.ClassInvalidAuthorizationSpecification, pqerror.ClassInvalidRoleSpecification:
		return warehouse.Auth
	case pqerror.ClassSyntaxErrorOrAccessRuleViolation, pqerror.ClassDataException,
		pqerror.ClassFeatureNotSupported, pqerror.ClassInvalidSchemaName,
		pqerror.ClassInvalidTransactionState, pqerror.ClassCardinalityViolation,
		pqerror.ClassProgramLimitExceeded:
		return warehouse.BadQuery
	case pqerror.ClassConnectionException, pqerror.ClassInsufficientResources,
		pqerror.ClassOperatorIntervention:
		return warehouse.Unavailable
	case pqerror.ClassTransactionRollback:
		// Serialisation failures and deadlocks go away on retry.
		return warehouse.Unavailable
	}
	return warehouse.Unknown
}

// ValueType maps lib/pq's type names (upper-case PostgreSQL type names) to
// normalised value types. Unlisted types (uuid, json, interval, ...) come
// from lib/pq as text bytes and become strings.
func (*engine) ValueType(typeName string) warehouse.ValueType {
	switch typeName {
	case "INT2", "INT4", "INT8", "OID":
		return warehouse.Int
	case "NUMERIC", "FLOAT4", "FLOAT8":
		return warehouse.Float
	case "DATE":
		return warehouse.Date
	case "TIMESTAMP", "TIMESTAMPTZ":
		return warehouse.Timestamp
	case "TIME", "TIMETZ":
		return warehouse.TimeOfDay
	case "BOOL":
		return warehouse.Bool
	case "BYTEA":
		return warehouse.Bytes
	}
	return warehouse.Text
}
