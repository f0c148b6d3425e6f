package warehouse

// Dialect names a SQL dialect that metricbot can compile for and run on.
// The compiler imports it; this file must stay free of imports.
type Dialect string

// The dialects metricbot supports. MySQL covers MariaDB too.
const (
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
	SQLite   Dialect = "sqlite"
)
