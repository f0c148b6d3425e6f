// Package answertest builds the answer stack over a small generated demo warehouse, for tests of
// the packages that answer questions (answer, bot, the chat adapters).
package answertest

import (
	"context"
	"testing"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/warehouse"
	"github.com/metricbot/metricbot/internal/warehouse/warehousetest"
)

// End is the last day of the fixture's data; Now is 09:00 the day after, in the catalog's zone.
var End = catalog.NewDate(2026, 11, 30)

// Fixture is a demo catalog, a small demo warehouse in a temporary SQLite file, and the parts
// that answer questions over it.
type Fixture struct {
	Catalog   *catalog.Catalog
	Warehouse *warehouse.DB
	Engine    *engine.Engine
	Parsers   *answer.Parsers
	Charts    *chart.Renderer
}

// Demo generates days of demo data (5% of the full volume) ending at End, from seed.
func Demo(t testing.TB, days int, seed uint64) *Fixture {
	t.Helper()
	ctx := context.Background()
	c, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	dsn := warehousetest.SQLite(t)
	if err := demo.Generate(ctx, warehousetest.Writable(t, dsn).DB, "sqlite", demo.Options{End: End.Time(time.UTC), Days: days, Scale: 0.05, Seed: seed}); err != nil {
		t.Fatalf("generate demo data: %v", err)
	}
	wh := warehousetest.Open(t, dsn, warehouse.Options{})
	eng := engine.New(engine.Static{C: c}, wh, nil)
	parsers, err := answer.NewParsers(ctx, engine.Static{C: c}, eng, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	charts, err := chart.New(chart.RendererOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &Fixture{Catalog: c, Warehouse: wh, Engine: eng, Parsers: parsers, Charts: charts}
}

// Answerer returns an answerer over the fixture; opts.Charts defaults to the fixture's.
func (f *Fixture) Answerer(opts answer.Options) *answer.Answerer {
	if opts.Charts == nil {
		opts.Charts = f.Charts
	}
	return answer.New(f.Parsers, f.Engine, opts)
}

// Now is 09:00 on the day after End in the catalog's time zone.
func (f *Fixture) Now() time.Time { return End.AddDays(1).Time(f.Catalog.Location).Add(9 * time.Hour) }
