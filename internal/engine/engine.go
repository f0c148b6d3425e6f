// Package engine answers governed queries: it compiles a query against the current catalog for
// the warehouse's dialect, runs it read-only, and returns the rows with their column roles.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/compile"
	"github.com/metricbot/metricbot/internal/warehouse"
)

// Warehouse runs read-only SQL. *warehouse.DB implements it.
type Warehouse interface {
	Dialect() warehouse.Dialect
	Query(ctx context.Context, query string, args ...any) (*warehouse.Result, error)
}

var _ Warehouse = (*warehouse.DB)(nil)

// Catalogs gives the catalog in force. A reloading watcher implements it, and so does Static.
type Catalogs interface {
	Current() *catalog.Catalog
}

// Static is a catalog that never changes.
type Static struct{ C *catalog.Catalog }

// Current returns s.C.
func (s Static) Current() *catalog.Catalog { return s.C }

// Engine answers governed queries. It is safe for concurrent use.
type Engine struct {
	catalogs Catalogs
	wh       Warehouse
	log      *slog.Logger
	now      func() time.Time

	mu    sync.Mutex
	fresh map[string]freshness // source -> last date with data, cached briefly
}

type freshness struct {
	last catalog.Date
	at   time.Time
}

// freshFor is how long a source's last date is cached.
const freshFor = time.Minute

// New returns an Engine over the given catalogs and warehouse.
func New(catalogs Catalogs, wh Warehouse, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{catalogs: catalogs, wh: wh, log: log, now: time.Now, fresh: map[string]freshness{}}
}

// Catalog returns the catalog in force.
func (e *Engine) Catalog() *catalog.Catalog { return e.catalogs.Current() }

// Dialect returns the warehouse's dialect.
func (e *Engine) Dialect() warehouse.Dialect { return e.wh.Dialect() }

// Result is the answer to a governed query.
type Result struct {
	Statement *compile.Statement
	Columns   []compile.Column
	Rows      [][]any
	// Elapsed is the time the warehouse took.
	Elapsed time.Duration
}

// Compile compiles q for the warehouse without running it.
func (e *Engine) Compile(q catalog.Query) (*compile.Statement, error) {
	return compile.SQL(e.Catalog(), q, compile.Dialect(e.wh.Dialect()))
}

// Run compiles and runs q. Errors from compiling are *catalog.QueryError (the query is wrong);
// errors from the warehouse are *warehouse.Error.
func (e *Engine) Run(ctx context.Context, q catalog.Query) (*Result, error) {
	st, err := e.Compile(q)
	if err != nil {
		return nil, err
	}
	start := e.now()
	res, err := e.wh.Query(ctx, st.SQL, st.Args...)
	elapsed := e.now().Sub(start)
	if err != nil {
		e.log.Error("warehouse query failed", "err", err, "query", q.String(), "elapsed", elapsed)
		return nil, fmt.Errorf("run query: %w", err)
	}
	if len(res.Columns) != len(st.Columns) {
		return nil, fmt.Errorf("run query: warehouse returned %d columns, compiled %d", len(res.Columns), len(st.Columns))
	}
	e.log.Debug("query answered", "query", q.String(), "rows", len(res.Rows), "elapsed", elapsed)
	return &Result{Statement: st, Columns: st.Columns, Rows: res.Rows, Elapsed: elapsed}, nil
}

// Values returns the distinct stored values of a categorical dimension, as text. It satisfies the
// language layer's value source.
func (e *Engine) Values(ctx context.Context, dimension string) ([]string, error) {
	st, err := compile.Values(e.Catalog(), dimension, compile.Dialect(e.wh.Dialect()), 0)
	if err != nil {
		return nil, err
	}
	res, err := e.wh.Query(ctx, st.SQL)
	if err != nil {
		return nil, fmt.Errorf("read values of %s: %w", dimension, err)
	}
	out := make([]string, 0, len(res.Rows))
	for _, r := range res.Rows {
		out = append(out, fmt.Sprint(r[0]))
	}
	sort.Strings(out) // engines collate differently
	return out, nil
}

// DataEnd returns the last day with data for all of metrics: the earliest of the last dates of the
// sources they aggregate. ok is false when a source has no rows.
func (e *Engine) DataEnd(ctx context.Context, metrics []string) (end catalog.Date, ok bool, err error) {
	c := e.Catalog()
	sources := map[string]bool{}
	for _, name := range metrics {
		if m, found := c.Metric(name); found {
			for _, s := range c.BaseSources(m) {
				sources[s] = true
			}
		}
	}
	for s := range sources {
		last, found, err := e.sourceEnd(ctx, c, s)
		if err != nil || !found {
			return catalog.Date{}, false, err
		}
		if !ok || last.Before(end) {
			end, ok = last, true
		}
	}
	return end, ok, nil
}

func (e *Engine) sourceEnd(ctx context.Context, c *catalog.Catalog, source string) (catalog.Date, bool, error) {
	e.mu.Lock()
	f, cached := e.fresh[source]
	e.mu.Unlock()
	if cached && time.Since(f.at) < freshFor {
		return f.last, true, nil
	}
	st, err := compile.Freshness(c, source, compile.Dialect(e.wh.Dialect()))
	if err != nil {
		return catalog.Date{}, false, err
	}
	res, err := e.wh.Query(ctx, st.SQL)
	if err != nil {
		return catalog.Date{}, false, fmt.Errorf("read freshness of %s: %w", source, err)
	}
	if len(res.Rows) == 0 || res.Rows[0][0] == nil {
		return catalog.Date{}, false, nil
	}
	text := fmt.Sprint(res.Rows[0][0])
	if len(text) < 10 {
		return catalog.Date{}, false, fmt.Errorf("read freshness of %s: unexpected value %q", source, text)
	}
	last, err := catalog.ParseDate(text[:10])
	if err != nil {
		return catalog.Date{}, false, fmt.Errorf("read freshness of %s: %w", source, err)
	}
	e.mu.Lock()
	e.fresh[source] = freshness{last: last, at: time.Now()}
	e.mu.Unlock()
	return last, true, nil
}
