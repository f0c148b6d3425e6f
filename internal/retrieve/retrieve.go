// Package retrieve finds the catalog entries and verified examples closest to a question: the
// candidates handed to the LLM planner (which may only choose among them) and its few-shot
// examples.
//
// Three indexes share one interface. The production one is pgvector (postgres.VectorIndex):
// embeddings in PostgreSQL under an HNSW index. Without pgvector, an in-process index does a
// brute-force cosine scan over the embedder's vectors (Vectors), and without an embeddings
// endpoint it matches character n-grams (Lexical), which needs no word segmentation and so
// works for Chinese. New picks one from what is available and logs which.
package retrieve

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
)

// Kind is what an item describes.
type Kind string

// Kinds of items.
const (
	KindMetric    Kind = "metric"
	KindDimension Kind = "dimension"
	KindValue     Kind = "value"   // a dimension value, e.g. region=华东
	KindExample   Kind = "example" // a verified question with its governed query
)

// Item is one indexed entry. Kind and Key identify it; upserting an item with the same Kind
// and Key replaces it.
type Item struct {
	Kind    Kind
	Key     string          // metric name, dimension name, "region=华东", or example id
	Text    string          // what is matched: labels, synonyms and description joined
	Payload json.RawMessage // returned with the hit, e.g. the governed query of an example
}

// Hit is a search result. Higher scores are closer; scores compare only within one index.
type Hit struct {
	Item  Item
	Score float64
}

// Index stores items and returns the ones closest to a query.
type Index interface {
	// Upsert adds items or replaces those with the same Kind and Key.
	Upsert(ctx context.Context, items []Item) error
	// Search returns up to k items closest to query, best first, restricted to kinds when
	// any are given.
	Search(ctx context.Context, query string, k int, kinds ...Kind) ([]Hit, error)
}

// Embedder turns texts into vectors, one per text, all of the same length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Options say what is available to New.
type Options struct {
	// Vector is the pgvector index, or nil when the database has no pgvector.
	Vector Index
	// Embedder computes embeddings, or is nil when no embeddings endpoint is configured.
	Embedder Embedder
	// Logger receives the line that says which index is in use; default slog.Default().
	Logger *slog.Logger
}

// New returns the best index available: pgvector when given, else brute-force cosine over
// the embedder's vectors, else lexical matching. An embedding index is wrapped so that, when
// the embeddings endpoint fails during a search, the search is answered lexically instead
// (logged as a warning), keeping the bot answering.
func New(opts Options) Index {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	switch {
	case opts.Vector != nil:
		log.Info("retrieval index selected", "index", "pgvector", "fallback", "lexical")
		return &fallback{primary: opts.Vector, secondary: NewLexical(), name: "pgvector", log: log}
	case opts.Embedder != nil:
		log.Info("retrieval index selected", "index", "in-process cosine", "reason", "no pgvector", "fallback", "lexical")
		return &fallback{primary: NewVectors(opts.Embedder), secondary: NewLexical(), name: "in-process cosine", log: log}
	default:
		log.Info("retrieval index selected", "index", "in-process lexical", "reason", "no embeddings endpoint")
		return NewLexical()
	}
}

// fallback searches primary and, when that fails, secondary. Both receive every upsert.
type fallback struct {
	primary, secondary Index
	name               string
	log                *slog.Logger
}

func (f *fallback) Upsert(ctx context.Context, items []Item) error {
	if err := f.secondary.Upsert(ctx, items); err != nil {
		return err
	}
	if err := f.primary.Upsert(ctx, items); err != nil {
		return fmt.Errorf("upsert into %s index: %w", f.name, err)
	}
	return nil
}

func (f *fallback) Search(ctx context.Context, query string, k int, kinds ...Kind) ([]Hit, error) {
	hits, err := f.primary.Search(ctx, query, k, kinds...)
	if err == nil {
		return hits, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	f.log.Warn("retrieval falling back to lexical matching", "index", f.name, "err", err)
	return f.secondary.Search(ctx, query, k, kinds...)
}

// kindSet is a filter over kinds; the empty set admits all.
type kindSet []Kind

func (ks kindSet) has(k Kind) bool {
	if len(ks) == 0 {
		return true
	}
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

type itemKey struct {
	kind Kind
	key  string
}

// topK keeps the k best (score, index) pairs seen. It is a min-heap on score.
type topK struct {
	k     int
	items []scored
}

type scored struct {
	score float64
	idx   int
}

func (t *topK) push(s scored) {
	if len(t.items) < t.k {
		t.items = append(t.items, s)
		for i := len(t.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.less(i, p) {
				break
			}
			t.items[i], t.items[p] = t.items[p], t.items[i]
			i = p
		}
		return
	}
	if s.score <= t.items[0].score {
		return
	}
	t.items[0] = s
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.items) && t.less(l, m) {
			m = l
		}
		if r < len(t.items) && t.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		t.items[i], t.items[m] = t.items[m], t.items[i]
		i = m
	}
}

func (t *topK) less(i, j int) bool { return t.items[i].score < t.items[j].score }

// hits returns the kept pairs as hits, best first; ties go to the smaller key for stable output.
func (t *topK) hits(items []Item) []Hit {
	out := make([]Hit, len(t.items))
	for i, s := range t.items {
		out[i] = Hit{Item: items[s.idx], Score: s.score}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		if out[i].Item.Kind != out[j].Item.Kind {
			return out[i].Item.Kind < out[j].Item.Kind
		}
		return out[i].Item.Key < out[j].Item.Key
	})
	return out
}
