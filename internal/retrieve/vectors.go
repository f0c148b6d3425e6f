package retrieve

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Vectors is an in-process index that embeds each item's text and answers a search by
// comparing the query's embedding with every item's (cosine similarity, brute force). It is
// the fallback when PostgreSQL has no pgvector; at 110,000 items of 256 dimensions a scan takes
// a few milliseconds. Items whose text did not change are not embedded again. Vectors is safe
// for concurrent use.
type Vectors struct {
	embed Embedder

	mu    sync.RWMutex
	dims  int
	items []Item
	vecs  []float32 // len(items)*dims, each row unit length
	byKey map[itemKey]int
}

var _ Index = (*Vectors)(nil)

// NewVectors returns an empty index that embeds with e.
func NewVectors(e Embedder) *Vectors {
	return &Vectors{embed: e, byKey: map[itemKey]int{}}
}

// Upsert embeds the items whose text is new or changed and stores them.
func (v *Vectors) Upsert(ctx context.Context, items []Item) error {
	v.mu.RLock()
	var todo []Item
	for _, it := range items {
		if i, ok := v.byKey[itemKey{it.Kind, it.Key}]; ok && v.items[i].Text == it.Text {
			continue
		}
		todo = append(todo, it)
	}
	v.mu.RUnlock()
	if len(todo) == 0 {
		return v.setPayloads(items)
	}
	texts := make([]string, len(todo))
	for i, it := range todo {
		texts[i] = it.Text
	}
	vecs, err := v.embed.Embed(ctx, texts)
	if err != nil {
		return fmt.Errorf("embed %d items: %w", len(texts), err)
	}
	if len(vecs) != len(todo) {
		return fmt.Errorf("embed %d items: got %d vectors", len(todo), len(vecs))
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, it := range todo {
		if err := v.put(it, vecs[i]); err != nil {
			return err
		}
	}
	return v.setPayloadsLocked(items)
}

// Add stores items with vectors computed elsewhere, e.g. loaded from the embeddings cache.
func (v *Vectors) Add(items []Item, vecs [][]float32) error {
	if len(items) != len(vecs) {
		return fmt.Errorf("add vectors: %d items but %d vectors", len(items), len(vecs))
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, it := range items {
		if err := v.put(it, vecs[i]); err != nil {
			return err
		}
	}
	return nil
}

// put stores one item. The caller holds the write lock.
func (v *Vectors) put(it Item, vec []float32) error {
	if v.dims == 0 {
		v.dims = len(vec)
	}
	if len(vec) != v.dims || v.dims == 0 {
		return fmt.Errorf("store %s %q: vector has %d dimensions, index has %d", it.Kind, it.Key, len(vec), v.dims)
	}
	k := itemKey{it.Kind, it.Key}
	i, ok := v.byKey[k]
	if !ok {
		i = len(v.items)
		v.items = append(v.items, it)
		v.vecs = append(v.vecs, make([]float32, v.dims)...)
		v.byKey[k] = i
	}
	v.items[i] = it
	normalize(v.vecs[i*v.dims:(i+1)*v.dims], vec)
	return nil
}

func (v *Vectors) setPayloads(items []Item) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.setPayloadsLocked(items)
}

// setPayloadsLocked refreshes payloads of items whose text did not change.
func (v *Vectors) setPayloadsLocked(items []Item) error {
	for _, it := range items {
		if i, ok := v.byKey[itemKey{it.Kind, it.Key}]; ok {
			v.items[i].Payload = it.Payload
		}
	}
	return nil
}

// Len returns the number of items.
func (v *Vectors) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.items)
}

// Search embeds query and returns the k items with the most similar vectors.
func (v *Vectors) Search(ctx context.Context, query string, k int, kinds ...Kind) ([]Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	qv, err := v.embed.Embed(ctx, []string{query})
	if err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	if len(qv) != 1 {
		return nil, fmt.Errorf("embed query: got %d vectors", len(qv))
	}
	return v.SearchVector(qv[0], k, kinds...)
}

// SearchVector returns the k items most similar to q.
func (v *Vectors) SearchVector(q []float32, k int, kinds ...Kind) ([]Hit, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if len(v.items) == 0 {
		return []Hit{}, nil
	}
	if len(q) != v.dims {
		return nil, fmt.Errorf("search: query has %d dimensions, index has %d", len(q), v.dims)
	}
	unit := make([]float32, len(q))
	normalize(unit, q)
	ks := kindSet(kinds)

	// Split the scan across the CPUs; each part keeps its own top k.
	parts := min(runtime.GOMAXPROCS(0), max(1, len(v.items)/8192))
	tops := make([]topK, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(v.items)/parts, (p+1)*len(v.items)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			top := topK{k: k}
			for i := lo; i < hi; i++ {
				if !ks.has(v.items[i].Kind) {
					continue
				}
				top.push(scored{score: float64(dot(unit, v.vecs[i*v.dims:(i+1)*v.dims])), idx: i})
			}
			tops[p] = top
		}()
	}
	wg.Wait()
	all := topK{k: k}
	for _, t := range tops {
		for _, s := range t.items {
			all.push(s)
		}
	}
	return all.hits(v.items), nil
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// normalize writes src scaled to unit length into dst; a zero vector stays zero.
func normalize(dst, src []float32) {
	var n float64
	for _, x := range src {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		copy(dst, src)
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for i, x := range src {
		dst[i] = x * inv
	}
}
