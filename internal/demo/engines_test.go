package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	_ "github.com/lib/pq"
)

// Loading the same data into PostgreSQL and MariaDB must give exactly what SQLite holds.

const (
	defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultMySQLDSN    = "root@tcp(127.0.0.1:3306)/"
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// unreachable fails the test when CI is "true" and skips it loudly otherwise.
func unreachable(t *testing.T, service string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is unreachable: %v", service, err)
	}
	t.Skipf("SKIPPED: %s is unreachable (%v); with CI=true this is a failure", service, err)
}

func databaseName() string {
	return "mb_demo_" + strings.ToLower(rand.Text()[:12])
}

func ping(db *sql.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// freshPostgres creates a new PostgreSQL database for the test and drops it afterwards.
// METRICBOT_TEST_POSTGRES overrides the server URL (its database is only used to connect).
func freshPostgres(t *testing.T) *sql.DB {
	t.Helper()
	url := envOr("METRICBOT_TEST_POSTGRES", defaultPostgresURL)
	admin, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(admin); err != nil {
		admin.Close()
		unreachable(t, "PostgreSQL at "+url, err)
	}
	name := databaseName()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	i := strings.LastIndex(url, "/")
	j := strings.Index(url[i:], "?")
	rest := ""
	if j >= 0 {
		rest = url[i+j:]
	}
	db, err := sql.Open("postgres", url[:i+1]+name+rest)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	return db
}

// freshMySQL creates a new MySQL/MariaDB database (utf8mb4) for the test and drops it
// afterwards. METRICBOT_TEST_MYSQL overrides the server DSN, which must end in "/".
func freshMySQL(t *testing.T) *sql.DB {
	t.Helper()
	dsn := envOr("METRICBOT_TEST_MYSQL", defaultMySQLDSN)
	admin, err := sql.Open("mysql", dsn+"?charset=utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(admin); err != nil {
		admin.Close()
		unreachable(t, "MariaDB/MySQL at "+dsn, err)
	}
	name := databaseName()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	db, err := sql.Open("mysql", dsn+name+"?charset=utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	return db
}

// tableStats summarises every demo table in a way that must agree across engines: row
// counts, sums of numeric columns in cents, date ranges, text lengths in characters, and the
// text of the small tables.
func tableStats(t *testing.T, db *sql.DB, dialect string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for _, tb := range schema {
		var exprs, keys []string
		exprs = append(exprs, "COUNT(*)")
		keys = append(keys, tb.name+".count")
		for _, c := range tb.columns {
			switch c.typ {
			case tInt, tMoney:
				exprs = append(exprs, "SUM("+c.name+")")
				keys = append(keys, tb.name+"."+c.name+".sum")
			case tDate:
				for _, agg := range []string{"MIN", "MAX"} {
					e := agg + "(" + c.name + ")"
					switch dialect {
					case Postgres:
						e = "to_char(" + e + ", 'YYYY-MM-DD')"
					case MySQL:
						e = "DATE_FORMAT(" + e + ", '%Y-%m-%d')"
					}
					exprs = append(exprs, e)
					keys = append(keys, tb.name+"."+c.name+"."+strings.ToLower(agg))
				}
				exprs = append(exprs, "COUNT(DISTINCT "+c.name+")")
				keys = append(keys, tb.name+"."+c.name+".distinct")
			case tText:
				fn := "length"
				if dialect == MySQL {
					fn = "CHAR_LENGTH"
				}
				exprs = append(exprs, "SUM("+fn+"("+c.name+"))")
				keys = append(keys, tb.name+"."+c.name+".chars")
			}
		}
		q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + tb.name
		vals := make([]sql.NullString, len(exprs))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := db.QueryRow(q).Scan(ptrs...); err != nil {
			t.Fatalf("%s: query %q: %v", dialect, q, err)
		}
		for i, k := range keys {
			v := vals[i].String
			if strings.HasSuffix(k, ".sum") {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s: %s: %v", dialect, k, err)
				}
				v = strconv.FormatInt(int64(math.Round(f*100)), 10) // cents
			}
			out[k] = v
		}
	}
	// The text of the reference tables, to catch encoding damage.
	for _, q := range []struct{ key, q string }{
		{"stores.text", "SELECT store_name, city, province FROM stores ORDER BY store_id"},
		{"stores.region", "SELECT store_name, region, region FROM stores ORDER BY store_id"},
		{"channels.text", "SELECT channel_name, channel_type, channel_type FROM channels ORDER BY channel_id"},
		{"products.text", "SELECT product_name, product_name, product_name FROM products ORDER BY product_id"},
		{"orders.types", "SELECT customer_type, status, COUNT(*) FROM orders GROUP BY customer_type, status ORDER BY customer_type, status"},
	} {
		rows, err := db.Query(q.q)
		if err != nil {
			t.Fatalf("%s: query %q: %v", dialect, q.q, err)
		}
		var b strings.Builder
		for rows.Next() {
			var a, c, d string
			if err := rows.Scan(&a, &c, &d); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s/%s/%s;", a, c, d)
		}
		rows.Close()
		out[q.key] = b.String()
	}
	return out
}

func TestEnginesAgree(t *testing.T) {
	want := tableStats(t, smallDB(t), SQLite)
	if want["orders.count"] == "0" {
		t.Fatal("small SQLite warehouse has no orders")
	}
	engines := []struct {
		dialect string
		open    func(*testing.T) *sql.DB
	}{
		{Postgres, freshPostgres},
		{MySQL, freshMySQL},
	}
	for _, e := range engines {
		t.Run(e.dialect, func(t *testing.T) {
			db := e.open(t)
			if err := Generate(context.Background(), db, e.dialect, smallOptions); err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if diff := cmp.Diff(want, tableStats(t, db, e.dialect)); diff != "" {
				t.Errorf("%s against SQLite (-sqlite +%s):\n%s", e.dialect, e.dialect, diff)
			}
			// Generating again replaces the tables rather than adding to them.
			if err := Generate(context.Background(), db, e.dialect, smallOptions); err != nil {
				t.Fatalf("second Generate: %v", err)
			}
			var n string
			if err := db.QueryRow("SELECT COUNT(*) FROM orders").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want["orders.count"] {
				t.Errorf("orders after generating twice: got %s, want %s", n, want["orders.count"])
			}
		})
	}
}
