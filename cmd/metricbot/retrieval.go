package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/engine"
	"github.com/metricbot/metricbot/internal/retrieve"
	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/postgres"
	"github.com/metricbot/metricbot/nlq/llm"
)

// examples lists the questions people confirmed with 👍, with their governed queries.
type examples interface {
	VerifiedQuestions(ctx context.Context, limit int) ([]store.Question, error)
}

// liveIndex is the retrieval index the LLM planner picks its candidates from. It re-indexes the
// catalog when a reload changes it and picks up newly verified examples every few minutes. It is
// safe for concurrent use.
type liveIndex struct {
	idx      retrieve.Index
	catalogs engine.Catalogs
	ex       examples
	log      *slog.Logger
	every    time.Duration

	mu        sync.Mutex
	built     *catalog.Catalog
	refreshed time.Time
}

var _ llm.Retriever = (*liveIndex)(nil)

// newRetrieval picks the index (pgvector when the state store is PostgreSQL with the extension
// and an embedding model is configured, else in-process cosine over the embeddings, else lexical)
// and fills it.
func newRetrieval(ctx context.Context, a *app, st stateStore) (*liveIndex, error) {
	log := a.log.With("component", "retrieve")
	var emb retrieve.Embedder
	var vec retrieve.Index
	if model := a.cfg.LLM.EmbeddingModel; model != "" {
		var cache llm.EmbeddingCache
		if c, ok := st.(llm.EmbeddingCache); ok {
			cache = c // unchanged texts are never embedded twice, across restarts and replicas
		}
		e, err := llm.NewEmbedder(llm.EmbedderConfig{BaseURL: a.cfg.LLM.BaseURL, APIKey: a.cfg.LLM.APIKey.Reveal(), Model: model, Dims: a.cfg.LLM.EmbeddingDims}, cache, log)
		if err != nil {
			return nil, err
		}
		emb = e
		if pg, ok := st.(*postgres.Store); ok && a.cfg.LLM.EmbeddingDims > 0 {
			vi, err := postgres.NewVectorIndex(ctx, pg, e, a.cfg.LLM.EmbeddingDims, log)
			switch {
			case errors.Is(err, postgres.ErrNoPgvector):
				log.Warn("the state database has no pgvector; using in-process retrieval")
			case err != nil:
				return nil, err
			default:
				vec = vi
			}
		}
	}
	l := &liveIndex{idx: retrieve.New(retrieve.Options{Vector: vec, Embedder: emb, Logger: log}),
		catalogs: a.catalogs, ex: st, log: log, every: 10 * time.Minute}
	if err := l.sync(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Search implements llm.Retriever.
func (l *liveIndex) Search(ctx context.Context, query string, k int, kinds ...retrieve.Kind) ([]retrieve.Hit, error) {
	if err := l.sync(ctx); err != nil {
		l.log.Warn("refresh retrieval index; searching what is indexed", "err", err)
	}
	return l.idx.Search(ctx, query, k, kinds...)
}

// sync indexes the catalog in force and the verified examples when the catalog changed or the
// examples are older than l.every.
func (l *liveIndex) sync(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.catalogs.Current()
	if c == l.built && time.Since(l.refreshed) < l.every {
		return nil
	}
	items := llm.CatalogItems(c)
	qs, exErr := l.ex.VerifiedQuestions(ctx, 500)
	for _, q := range qs {
		items = append(items, retrieve.Item{Kind: retrieve.KindExample, Key: strconv.FormatInt(int64(q.ID), 10), Text: q.Text, Payload: q.Query})
	}
	if err := l.idx.Upsert(ctx, items); err != nil {
		return err
	}
	l.built, l.refreshed = c, time.Now()
	return exErr
}
