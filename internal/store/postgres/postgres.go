// Package postgres is the production state store: PostgreSQL through github.com/jmoiron/sqlx
// and github.com/lib/pq, shared by any number of metricbot replicas.
//
// Replicas coordinate through the database alone. Work that must happen once (a chat event, a
// digest delivery, a scheduled job slot, an alert per rule, slice and period) is claimed with
// INSERT ... ON CONFLICT on a unique key, and an expired claim is taken over with a conditional
// UPDATE that PostgreSQL re-checks under the row lock, so exactly one replica wins; see the
// package store documentation for why this beats advisory locks. Migrations at start-up run
// under a session advisory lock so replicas starting together do not race on the DDL.
//
// The package also holds VectorIndex, the pgvector retrieval index.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/migrate"
	"github.com/metricbot/metricbot/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key held while migrating ("mbstore" in ASCII).
const migrationLock = 0x6d6273746f7265

// Options configure a Store. The zero value is usable.
type Options struct {
	// Now is the clock for timestamps and leases; default time.Now. Replicas should run with
	// synchronized clocks (NTP): leases compare their times.
	Now func() time.Time
	// ConnectTimeout bounds the first connection when the DSN sets none; default 5s.
	ConnectTimeout time.Duration
	// MaxOpenConns caps the pool; default 10.
	MaxOpenConns int
	// Logger receives start-up messages; default slog.Default().
	Logger *slog.Logger
}

// Store is the PostgreSQL state store. It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
}

// Open connects to the database named by dsn (a URL or key=value string for lib/pq) and
// applies the embedded migrations. An unreachable server is reported with its host and port
// (never the password) once the connect timeout passes. It fails with a
// *store.SchemaTooNewError when the database was migrated by a newer metricbot.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	db, where, err := connect(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	v, err := migrateLocked(ctx, db.DB)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres store at %s: %w", where, classify(err))
	}
	opts.Logger.Info("state store opened", "backend", "postgres", "server", where, "schema_version", v)
	return &Store{Store: sqlstore.New(db, dialect, opts.Now)}, nil
}

// connect opens and pings a pool. It returns "host:port/database" for messages.
func connect(ctx context.Context, dsn string, opts Options) (*sqlx.DB, string, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		// pq's parse errors may quote the DSN, password included: do not wrap them.
		return nil, "", errors.New("open postgres store: cannot parse the connection string")
	}
	where := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = opts.ConnectTimeout
		if cfg.ConnectTimeout <= 0 {
			cfg.ConnectTimeout = 5 * time.Second
		}
	}
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("open postgres store at %s: %w", where, err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 10
	}
	db.SetMaxOpenConns(opts.MaxOpenConns)
	db.SetMaxIdleConns(opts.MaxOpenConns)
	db.SetConnMaxLifetime(30 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("open postgres store at %s: %w", where, classify(err))
	}
	return db, where, nil
}

func migrateLocked(ctx context.Context, db *sql.DB) (int, error) {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return 0, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return 0, fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	return migrate.Apply(ctx, conn, ms, func(n int) string { return "$" + strconv.Itoa(n) })
}

var dialect = sqlstore.Dialect{
	Time:      func(t time.Time) any { return t },
	ForUpdate: " FOR UPDATE",
	Classify:  classify,
}

// classify marks failures worth retrying: lost or refused connections, a server that is
// shutting down or out of resources, serialization failures and deadlocks.
func classify(err error) error {
	if err == nil || store.IsRetryable(err) {
		return err
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch class := string(pqErr.Code.Class()); {
		case class == "08", class == "53", class == "57" && pqErr.Code != "57014", // 57014: query_canceled
			pqErr.Code == "40001", pqErr.Code == "40P01":
			return store.Temporary(err)
		}
		return err
	}
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.As(err, &netErr):
		return store.Temporary(err)
	}
	return err
}
