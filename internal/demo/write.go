package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// colType is a logical column type, mapped per dialect.
type colType int

const (
	tInt colType = iota
	tText
	tDate
	tMoney
)

type column struct {
	name string
	typ  colType
}

type tableDef struct {
	name    string
	columns []column
	// pk lists the primary key columns; a single integer key is the first column.
	pk []string
}

// schema is the demo warehouse, in load order. Names are fixed: the demo catalog refers to them.
var schema = []tableDef{
	{"stores", []column{{"store_id", tInt}, {"store_name", tText}, {"city", tText}, {"province", tText},
		{"region", tText}, {"opened_date", tDate}}, []string{"store_id"}},
	{"channels", []column{{"channel_id", tInt}, {"channel_name", tText}, {"channel_type", tText}}, []string{"channel_id"}},
	{"categories", []column{{"category_id", tInt}, {"category_name", tText}}, []string{"category_id"}},
	{"products", []column{{"product_id", tInt}, {"product_name", tText}, {"category_id", tInt},
		{"unit_price", tMoney}, {"unit_cost", tMoney}}, []string{"product_id"}},
	{"customers", []column{{"customer_id", tInt}, {"signup_date", tDate}, {"home_city", tText}}, []string{"customer_id"}},
	{"orders", []column{{"order_id", tInt}, {"order_date", tDate}, {"store_id", tInt}, {"channel_id", tInt},
		{"customer_id", tInt}, {"customer_type", tText}, {"status", tText}, {"shipping_fee", tMoney}}, []string{"order_id"}},
	{"order_lines", []column{{"line_id", tInt}, {"order_id", tInt}, {"product_id", tInt}, {"quantity", tInt},
		{"unit_price", tMoney}, {"amount", tMoney}, {"cost_amount", tMoney}}, []string{"line_id"}},
	{"refunds", []column{{"refund_id", tInt}, {"order_id", tInt}, {"line_id", tInt}, {"product_id", tInt},
		{"refund_date", tDate}, {"amount", tMoney}}, []string{"refund_id"}},
	{"store_traffic", []column{{"traffic_date", tDate}, {"store_id", tInt}, {"channel_id", tInt}, {"visitors", tInt}},
		[]string{"traffic_date", "store_id", "channel_id"}},
}

// indexes are created after the rows are loaded: the date columns and the keys that queries
// join on or filter by. store_traffic is covered by its primary key on the date.
var indexes = []struct{ table, column string }{
	{"products", "category_id"},
	{"customers", "signup_date"},
	{"orders", "order_date"},
	{"orders", "store_id"},
	{"orders", "customer_id"},
	{"order_lines", "order_id"},
	{"order_lines", "product_id"},
	{"refunds", "refund_date"},
	{"refunds", "order_id"},
	{"refunds", "line_id"},
	{"store_traffic", "store_id"},
}

// dialect holds what differs between the engines.
type dialect struct {
	name      string
	types     map[colType]string
	suffix    string // appended to CREATE TABLE
	dollar    bool   // $1 placeholders instead of ?
	maxRows   int    // rows per INSERT
	maxParams int    // bound parameters per statement
	ddlInTx   bool   // DDL is transactional
	money     func(cents int64) any
}

func decimalMoney(cents int64) any {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + strconv.FormatInt(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100)
}

func dialectFor(name string) (dialect, error) {
	switch name {
	case Postgres:
		return dialect{name: name, types: map[colType]string{tInt: "INTEGER", tText: "TEXT", tDate: "DATE",
			tMoney: "NUMERIC(14,2)"}, dollar: true, maxRows: 1000, maxParams: 65535, ddlInTx: true,
			money: decimalMoney}, nil
	case MySQL:
		return dialect{name: name, types: map[colType]string{tInt: "INTEGER", tText: "VARCHAR(64)", tDate: "DATE",
			tMoney: "DECIMAL(14,2)"}, suffix: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", maxRows: 1000,
			maxParams: 65535, money: decimalMoney}, nil
	case SQLite:
		return dialect{name: name, types: map[colType]string{tInt: "INTEGER", tText: "TEXT", tDate: "TEXT",
			tMoney: "REAL"}, maxRows: 500, maxParams: 32766, ddlInTx: true,
			money: func(c int64) any { return float64(c) / 100 }}, nil
	}
	return dialect{}, fmt.Errorf("%w %q (want %q, %q or %q)", ErrUnknownDialect, name, Postgres, MySQL, SQLite)
}

func (d dialect) createTable(t tableDef) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", t.name)
	for i, c := range t.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s NOT NULL", c.name, d.types[c.typ])
		if len(t.pk) == 1 && t.pk[0] == c.name {
			b.WriteString(" PRIMARY KEY")
		}
	}
	if len(t.pk) > 1 {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(t.pk, ", "))
	}
	b.WriteString(")")
	b.WriteString(d.suffix)
	return b.String()
}

func (d dialect) insert(t tableDef, rows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (", t.name)
	for i, c := range t.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	b.WriteString(") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range t.columns {
			if i > 0 {
				b.WriteString(", ")
			}
			n++
			if d.dollar {
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// execer is what both *sql.DB and *sql.Tx offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// load writes ds into db.
func load(ctx context.Context, db *sql.DB, d dialect, ds *dataset) (err error) {
	ddl := func(ex execer) error {
		for i := len(schema) - 1; i >= 0; i-- {
			if _, err := ex.ExecContext(ctx, "DROP TABLE IF EXISTS "+schema[i].name); err != nil {
				return fmt.Errorf("drop table %s: %w", schema[i].name, err)
			}
		}
		for _, t := range schema {
			if _, err := ex.ExecContext(ctx, d.createTable(t)); err != nil {
				return fmt.Errorf("create table %s: %w", t.name, err)
			}
		}
		return nil
	}
	if !d.ddlInTx {
		if err := ddl(db); err != nil {
			return err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if d.ddlInTx {
		if err := ddl(tx); err != nil {
			return err
		}
	}
	w := writer{ctx: ctx, ex: tx, d: d, dates: make(map[date]string)}
	if err := w.rows(ds); err != nil {
		return err
	}
	idx := func(ex execer) error {
		for _, ix := range indexes {
			q := fmt.Sprintf("CREATE INDEX idx_%s_%s ON %s (%s)", ix.table, ix.column, ix.table, ix.column)
			if _, err := ex.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("create index on %s(%s): %w", ix.table, ix.column, err)
			}
		}
		return nil
	}
	if d.ddlInTx {
		if err := idx(tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if !d.ddlInTx {
		return idx(db)
	}
	return nil
}

type writer struct {
	ctx   context.Context
	ex    execer
	d     dialect
	dates map[date]string
}

func (w *writer) date(d date) string {
	s, ok := w.dates[d]
	if !ok {
		s = d.String()
		w.dates[d] = s
	}
	return s
}

func table(name string) tableDef {
	for _, t := range schema {
		if t.name == name {
			return t
		}
	}
	panic("demo: no table " + name)
}

// rows loads every table.
func (w *writer) rows(ds *dataset) error {
	m := w.d.money
	steps := []struct {
		table string
		n     int
		row   func(i int, a []any) []any
	}{
		{"stores", len(ds.stores), func(i int, a []any) []any {
			s := ds.stores[i]
			return append(a, s.id, s.name, s.city, s.province, s.region, w.date(ds.last-date(s.openedAgo)))
		}},
		{"channels", len(channelDefs), func(i int, a []any) []any {
			c := channelDefs[i]
			return append(a, c.id, c.name, c.kind)
		}},
		{"categories", len(categoryDefs), func(i int, a []any) []any {
			c := categoryDefs[i]
			return append(a, c.id, c.name)
		}},
		{"products", len(ds.products), func(i int, a []any) []any {
			p := ds.products[i]
			return append(a, p.id, p.name, p.category, m(p.price), m(p.cost))
		}},
		{"customers", len(ds.customers), func(i int, a []any) []any {
			c := ds.customers[i]
			return append(a, int64(i+1), w.date(c.signup), c.city)
		}},
		{"orders", len(ds.orders), func(i int, a []any) []any {
			o := ds.orders[i]
			kind, status := "老客", "paid"
			if o.newCustomer {
				kind = "新客"
			}
			if o.cancelled {
				status = "cancelled"
			}
			return append(a, int64(i+1), w.date(o.day), int64(o.store), int64(o.channel), int64(o.customer),
				kind, status, m(int64(o.shipping)))
		}},
		{"order_lines", len(ds.lines), func(i int, a []any) []any {
			l := ds.lines[i]
			return append(a, int64(i+1), int64(l.order), int64(l.product), int64(l.qty), m(int64(l.price)),
				m(int64(l.amount)), m(int64(l.cost)))
		}},
		{"refunds", len(ds.refunds), func(i int, a []any) []any {
			r := ds.refunds[i]
			return append(a, int64(i+1), int64(r.order), int64(r.line), int64(r.product), w.date(r.day),
				m(int64(r.amount)))
		}},
		{"store_traffic", len(ds.traffic), func(i int, a []any) []any {
			t := ds.traffic[i]
			return append(a, w.date(t.day), int64(t.store), int64(t.channel), int64(t.visitors))
		}},
	}
	for _, s := range steps {
		if err := w.insertAll(table(s.table), s.n, s.row); err != nil {
			return err
		}
	}
	return nil
}

// insertAll inserts n rows in multi-row batches through prepared statements.
func (w *writer) insertAll(t tableDef, n int, row func(i int, a []any) []any) error {
	per := min(w.d.maxRows, w.d.maxParams/len(t.columns))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*len(t.columns))
	for start := 0; start < n; start += per {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		rows := min(per, n-start)
		args = args[:0]
		for i := start; i < start+rows; i++ {
			args = row(i, args)
		}
		var err error
		if rows == per {
			if full == nil {
				if full, err = w.ex.PrepareContext(w.ctx, w.d.insert(t, per)); err != nil {
					return fmt.Errorf("prepare insert into %s: %w", t.name, err)
				}
			}
			_, err = full.ExecContext(w.ctx, args...)
		} else {
			_, err = w.ex.ExecContext(w.ctx, w.d.insert(t, rows), args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
	}
	return nil
}
