package answer

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/nlq"
)

// Parsers keeps a question parser built from the catalog in force and the dimension values in the
// warehouse. It rebuilds when the catalog changes and, while Run runs, when the values are
// refreshed. It is safe for concurrent use.
type Parsers struct {
	catalogs engine.Catalogs
	values   nlq.ValueSource
	log      *slog.Logger
	every    time.Duration

	mu     sync.Mutex
	cur    *nlq.Parser
	builtC *catalog.Catalog
}

// NewParsers builds the first parser. values may be nil (catalog aliases only). every is how
// often Run re-reads the values (default one hour).
func NewParsers(ctx context.Context, catalogs engine.Catalogs, values nlq.ValueSource, every time.Duration, log *slog.Logger) (*Parsers, error) {
	if every <= 0 {
		every = time.Hour
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Parsers{catalogs: catalogs, values: values, log: log, every: every}
	if err := p.rebuild(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Parsers) rebuild(ctx context.Context) error {
	c := p.catalogs.Current()
	start := time.Now()
	np, err := nlq.New(ctx, c, p.values, nlq.Options{Logger: p.log})
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.cur, p.builtC = np, c
	p.mu.Unlock()
	p.log.Debug("question parser built", "metrics", len(c.Metrics), "elapsed", time.Since(start))
	return nil
}

// Current returns the parser for the catalog in force, rebuilding it first if the catalog has
// changed. If the rebuild fails the previous parser is kept.
func (p *Parsers) Current(ctx context.Context) *nlq.Parser {
	p.mu.Lock()
	stale := p.builtC != p.catalogs.Current()
	cur := p.cur
	p.mu.Unlock()
	if stale {
		if err := p.rebuild(ctx); err != nil {
			p.log.Error("rebuild question parser; keeping the previous one", "err", err)
			return cur
		}
		p.mu.Lock()
		cur = p.cur
		p.mu.Unlock()
	}
	return cur
}

// Run refreshes the dimension values every period until ctx ends.
func (p *Parsers) Run(ctx context.Context) error {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := p.rebuild(ctx); err != nil {
				p.log.Warn("refresh dimension values; keeping the previous ones", "err", err)
			}
		}
	}
}
