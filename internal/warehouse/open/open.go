// Package open opens a warehouse from a DSN, choosing the driver package
// (postgres, mysql or sqlite) by the DSN's form. It exists apart from
// package warehouse so that the driver packages can import warehouse
// without a cycle, and so that code that only needs warehouse's types (the
// compiler, the bot) does not link every driver.
package open

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/mysql"
	"github.com/metricbot/metricbot/internal/warehouse/postgres"
	"github.com/metricbot/metricbot/internal/warehouse/sqlite"
)

// Dialect returns the dialect a DSN names:
//
//   - postgres://... or postgresql://... is PostgreSQL;
//   - mysql://user:pass@host:port/db?... is MySQL or MariaDB;
//   - sqlite:///abs/path.db, sqlite:relative.db, or a path ending in .db,
//     .sqlite or .sqlite3 is SQLite.
//
// Its error does not quote the DSN, which may hold a password.
func Dialect(dsn string) (warehouse.Dialect, error) {
	scheme, _, hasScheme := strings.Cut(dsn, ":")
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return warehouse.Postgres, nil
	case "mysql":
		return warehouse.MySQL, nil
	case "sqlite":
		return warehouse.SQLite, nil
	}
	if sqlite.IsPath(dsn) {
		return warehouse.SQLite, nil
	}
	if hasScheme && !strings.Contains(scheme, "/") && len(scheme) < 20 {
		return "", &warehouse.Error{Kind: warehouse.Config, Op: "open warehouse",
			Err: fmt.Errorf("unsupported dsn scheme %q (want postgres, mysql or sqlite)", scheme)}
	}
	return "", &warehouse.Error{Kind: warehouse.Config, Op: "open warehouse",
		Err: fmt.Errorf("dsn is not a postgres://, mysql:// or sqlite: url nor a .db/.sqlite path")}
}

// DSN opens the warehouse named by dsn for read-only queries (see the
// driver packages for what each engine does). It pings the warehouse
// within opts.ConnectTimeout and fails with a *warehouse.Error of kind
// Unavailable, Auth or Config when it is down, refuses the credentials or
// the DSN is wrong.
func DSN(ctx context.Context, dsn string, opts warehouse.Options) (*warehouse.DB, error) {
	d, err := Dialect(dsn)
	if err != nil {
		return nil, err
	}
	switch d {
	case warehouse.Postgres:
		return postgres.Open(ctx, dsn, opts)
	case warehouse.MySQL:
		return mysql.Open(ctx, dsn, opts)
	default:
		return sqlite.Open(ctx, dsn, opts)
	}
}

// Writable opens the warehouse named by dsn read-write, for creating and
// loading tables in tests and demos. Never hand it to the query path.
func Writable(ctx context.Context, dsn string) (*sqlx.DB, error) {
	d, err := Dialect(dsn)
	if err != nil {
		return nil, err
	}
	switch d {
	case warehouse.Postgres:
		return postgres.OpenWritable(ctx, dsn)
	case warehouse.MySQL:
		return mysql.OpenWritable(ctx, dsn)
	default:
		return sqlite.OpenWritable(ctx, dsn)
	}
}
