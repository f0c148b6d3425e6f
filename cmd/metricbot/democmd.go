package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/warehouse/open"
)

// cmdDemo loads the demo data into a warehouse of your own, so the bot can be tried on a real
// PostgreSQL or MySQL-compatible engine with the demo catalog.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var scale float64
	var days int
	var replace bool
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	fs.Float64Var(&scale, "scale", 1, "volume relative to the built-in demo (0.05 = 5%)")
	fs.IntVar(&days, "days", 730, "days of data ending at --demo-end")
	fs.BoolVar(&replace, "replace", false, "drop and reload demo tables that already exist (this deletes them)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metricbot demo load --warehouse DSN [--demo-end DATE] [--scale F] [--days N] [--replace]")
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "load" {
		fs.Usage()
		return &exitError{2, ""}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if c.warehouse == "" {
		return &exitError{2, "demo load: --warehouse DSN is required (the demo's own SQLite file needs no loading)"}
	}
	dialect, err := open.Dialect(c.warehouse)
	if err != nil {
		return err
	}
	cat, err := demoCatalogLocation()
	if err != nil {
		return err
	}
	end, err := demoEnd(c.demoEnd, cat)
	if err != nil {
		return err
	}
	db, err := open.Writable(ctx, c.warehouse)
	if err != nil {
		return err
	}
	defer db.Close()
	if !replace {
		for _, table := range demoTables {
			if _, err := db.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE 1 = 0"); err == nil {
				return &exitError{1, fmt.Sprintf("demo load: the warehouse already has a table %s; loading would drop it. Use an empty database, or --replace to drop and reload the demo tables", table)}
			}
		}
	}
	start := time.Now()
	if err := demo.Generate(ctx, db.DB, string(dialect), demo.Options{End: end.Time(time.UTC), Days: days, Scale: scale}); err != nil {
		return fmt.Errorf("demo load: %w", err)
	}
	fmt.Fprintf(stdout, "loaded %d days of demo data ending %s into the %s warehouse in %s\n"+
		"try: metricbot ask \"上个月各大区的销售额\" --catalog <the demo catalog: internal/demo/catalog> --warehouse <the same DSN>\n",
		days, end, dialect, time.Since(start).Round(time.Millisecond))
	return nil
}

// demoTables are the tables the demo generator creates (and drops first).
var demoTables = []string{"stores", "channels", "categories", "products", "customers", "orders", "order_lines", "refunds", "store_traffic"}

// demoCatalogLocation returns the demo catalog's time zone.
func demoCatalogLocation() (*time.Location, error) {
	c, err := demo.Catalog()
	if err != nil {
		return nil, err
	}
	return c.Location, nil
}
