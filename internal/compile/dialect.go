package compile

import (
	"fmt"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// Dialect names the SQL dialect to compile for. Its values are the warehouse dialects' names;
// the compiler keeps its own type so that it depends on no database package.
type Dialect string

// The supported dialects. MySQL covers MySQL 8 and MariaDB, and keeps to SQL that TiDB, Doris and
// StarRocks also accept.
const (
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
	SQLite   Dialect = "sqlite"
)

// Dialects lists the supported dialects.
var Dialects = []Dialect{Postgres, MySQL, SQLite}

// sqlDialect is what differs between SQL dialects.
type sqlDialect interface {
	// quote quotes an identifier.
	quote(id string) string
	// placeholder returns the n-th (1-based) bind parameter.
	placeholder(n int) string
	// bucket returns an expression for the first day of col's bucket of grain g, as the text
	// YYYY-MM-DD.
	bucket(col string, g catalog.Grain) string
	// date casts a bound parameter holding YYYY-MM-DD to a value comparable with date columns.
	date(param string) string
	// text casts a bound parameter to text where the dialect cannot infer its type.
	text(param string) string
	// float makes a numeric expression floating point before a division.
	float(expr string) string
	// null is a NULL that UNION can combine with any numeric column (PostgreSQL types an
	// untyped NULL column as text when two branches have only NULLs).
	null() string
}

func dialectOf(d Dialect) (sqlDialect, error) {
	switch d {
	case Postgres:
		return postgres{}, nil
	case MySQL:
		return mysql{}, nil
	case SQLite:
		return sqlite{}, nil
	}
	return nil, fmt.Errorf("unknown dialect %q (want postgres, mysql or sqlite)", d)
}

type postgres struct{}

func (postgres) quote(id string) string   { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
func (postgres) placeholder(n int) string { return fmt.Sprintf("$%d", n) }
func (postgres) date(p string) string     { return "CAST(" + p + " AS DATE)" }
func (postgres) text(p string) string     { return "CAST(" + p + " AS TEXT)" }
func (postgres) float(e string) string    { return "CAST(" + e + " AS DOUBLE PRECISION)" }
func (postgres) null() string             { return "CAST(NULL AS NUMERIC)" }
func (postgres) bucket(col string, g catalog.Grain) string {
	return fmt.Sprintf("to_char(date_trunc('%s', CAST(%s AS TIMESTAMP)), 'YYYY-MM-DD')", g, col)
}

type mysql struct{}

func (mysql) quote(id string) string { return "`" + strings.ReplaceAll(id, "`", "``") + "`" }
func (mysql) placeholder(int) string { return "?" }
func (mysql) date(p string) string   { return "CAST(" + p + " AS DATE)" }
func (mysql) text(p string) string   { return "CAST(" + p + " AS CHAR)" }
func (mysql) float(e string) string  { return "(" + e + ") * 1e0" }
func (mysql) null() string           { return "NULL" }
func (mysql) bucket(col string, g catalog.Grain) string {
	switch g {
	case catalog.Week:
		return fmt.Sprintf("DATE_FORMAT(DATE_SUB(DATE(%s), INTERVAL WEEKDAY(%s) DAY), '%%Y-%%m-%%d')", col, col)
	case catalog.Month:
		return fmt.Sprintf("DATE_FORMAT(%s, '%%Y-%%m-01')", col)
	case catalog.Quarter:
		return fmt.Sprintf("CONCAT(YEAR(%s), '-', LPAD(QUARTER(%s) * 3 - 2, 2, '0'), '-01')", col, col)
	case catalog.Year:
		return fmt.Sprintf("DATE_FORMAT(%s, '%%Y-01-01')", col)
	}
	return fmt.Sprintf("DATE_FORMAT(%s, '%%Y-%%m-%%d')", col)
}

type sqlite struct{}

func (sqlite) quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
func (sqlite) placeholder(int) string { return "?" }
func (sqlite) date(p string) string   { return p }
func (sqlite) text(p string) string   { return p }
func (sqlite) float(e string) string  { return "CAST(" + e + " AS REAL)" }
func (sqlite) null() string           { return "NULL" }
func (sqlite) bucket(col string, g catalog.Grain) string {
	switch g {
	case catalog.Week:
		return fmt.Sprintf("date(%s, '-' || ((CAST(strftime('%%w', %s) AS INTEGER) + 6) %% 7) || ' days')", col, col)
	case catalog.Month:
		return fmt.Sprintf("strftime('%%Y-%%m-01', %s)", col)
	case catalog.Quarter:
		return fmt.Sprintf("strftime('%%Y', %s) || '-' || printf('%%02d', ((CAST(strftime('%%m', %s) AS INTEGER) - 1) / 3) * 3 + 1) || '-01'", col, col)
	case catalog.Year:
		return fmt.Sprintf("strftime('%%Y-01-01', %s)", col)
	}
	return fmt.Sprintf("date(%s)", col)
}
