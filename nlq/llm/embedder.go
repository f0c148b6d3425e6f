package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// EmbedderConfig says which OpenAI-compatible embeddings endpoint to use.
type EmbedderConfig struct {
	BaseURL   string // e.g. "http://127.0.0.1:8080/v1"; the client appends "/embeddings"
	APIKey    string // sent as a bearer token; printed as <secret>
	Model     string
	Dims      int           // ask for this many dimensions (models that support it); 0 for the model's own
	BatchSize int           // texts per request; default 64
	Timeout   time.Duration // per request; default 30s
}

// Validate reports every missing setting at once.
func (c EmbedderConfig) Validate() error {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("embeddings base_url is required"))
	}
	if c.APIKey == "" {
		errs = append(errs, errors.New("embeddings api_key is required"))
	}
	if c.Model == "" {
		errs = append(errs, errors.New("embeddings model is required"))
	}
	if c.Dims < 0 || c.BatchSize < 0 {
		errs = append(errs, errors.New("embeddings dims and batch_size must not be negative"))
	}
	return errors.Join(errs...)
}

// LogValue keeps the API key out of logs.
func (c EmbedderConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("api_key", "<secret>"),
		slog.String("model", c.Model), slog.Int("dims", c.Dims))
}

// String keeps the API key out of printed values.
func (c EmbedderConfig) String() string {
	return fmt.Sprintf("{BaseURL:%s APIKey:<secret> Model:%s Dims:%d}", c.BaseURL, c.Model, c.Dims)
}

// EmbeddingCache keeps vectors by content hash (see ContentHash). The state stores implement
// it with an embeddings table.
type EmbeddingCache interface {
	CachedEmbeddings(ctx context.Context, hashes []string) (map[string][]float32, error)
	CacheEmbeddings(ctx context.Context, vecs map[string][]float32) error
}

// EmbedError is a failed call to the embeddings endpoint.
type EmbedError struct {
	StatusCode int  // HTTP status, 0 when no response arrived
	Temporary  bool // worth retrying: no response, 408, 429 or 5xx
	Err        error
}

func (e *EmbedError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("embeddings endpoint answered %d: %v", e.StatusCode, e.Err)
	}
	return fmt.Sprintf("embeddings endpoint: %v", e.Err)
}

// Unwrap returns the client's error.
func (e *EmbedError) Unwrap() error { return e.Err }

// Embedder turns texts into vectors through an OpenAI-compatible embeddings endpoint, in
// batches, and never sends a text it has embedded before with the same model: vectors are
// cached by ContentHash. It is safe for concurrent use.
type Embedder struct {
	client *openai.Client
	cfg    EmbedderConfig
	cache  EmbeddingCache
	log    *slog.Logger
}

// NewEmbedder returns an Embedder for cfg. cache may be nil for an in-memory one; log may be
// nil for slog.Default().
func NewEmbedder(cfg EmbedderConfig, cache EmbeddingCache, log *slog.Logger) (*Embedder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configure embedder: %w", err)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cache == nil {
		cache = NewMemoryCache()
	}
	if log == nil {
		log = slog.Default()
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	return &Embedder{client: openai.NewClientWithConfig(oc), cfg: cfg, cache: cache, log: log}, nil
}

// ContentHash is the cache key of text embedded by model: hex SHA-256 of both.
func ContentHash(model, text string) string {
	h := sha256.New()
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil))
}

// Embed returns one vector per text, in order. Texts found in the cache are not sent; the
// others are sent in batches, each distinct text once, and cached. An empty text is an error,
// as it is for the endpoint. A failing cache is logged and bypassed.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	hashes := make([]string, len(texts))
	for i, t := range texts {
		if t == "" {
			return nil, fmt.Errorf("embed: text %d is empty", i)
		}
		hashes[i] = ContentHash(e.cfg.Model, t)
	}
	known, err := e.cache.CachedEmbeddings(ctx, hashes)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("embed: read cache: %w", err)
		}
		e.log.Warn("embedding cache unavailable; embedding without it", "err", err)
		known = map[string][]float32{}
	}
	var missing []string // distinct texts to send
	seen := map[string]bool{}
	for i, t := range texts {
		if _, ok := known[hashes[i]]; !ok && !seen[hashes[i]] {
			seen[hashes[i]] = true
			missing = append(missing, t)
		}
	}
	fresh := map[string][]float32{}
	for start := 0; start < len(missing); start += e.cfg.BatchSize {
		batch := missing[start:min(start+e.cfg.BatchSize, len(missing))]
		vecs, err := e.request(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("embed %d texts with %s: %w", len(batch), e.cfg.Model, err)
		}
		for i, t := range batch {
			h := ContentHash(e.cfg.Model, t)
			fresh[h], known[h] = vecs[i], vecs[i]
		}
	}
	if len(fresh) > 0 {
		if err := e.cache.CacheEmbeddings(ctx, fresh); err != nil {
			e.log.Warn("embedding cache write failed", "err", err, "vectors", len(fresh))
		}
	}
	out := make([][]float32, len(texts))
	for i, h := range hashes {
		out[i] = known[h]
	}
	return out, nil
}

func (e *Embedder) request(ctx context.Context, batch []string) ([][]float32, error) {
	resp, err := e.client.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
		Input:      batch,
		Model:      openai.EmbeddingModel(e.cfg.Model),
		Dimensions: e.cfg.Dims,
	})
	if err != nil {
		return nil, classifyEmbedError(err)
	}
	if len(resp.Data) != len(batch) {
		return nil, fmt.Errorf("got %d embeddings for %d texts", len(resp.Data), len(batch))
	}
	vecs := make([][]float32, len(batch))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(batch) || vecs[d.Index] != nil {
			return nil, fmt.Errorf("embedding index %d out of range or repeated", d.Index)
		}
		if len(d.Embedding) == 0 || e.cfg.Dims > 0 && len(d.Embedding) != e.cfg.Dims {
			return nil, fmt.Errorf("embedding %d has %d dimensions, want %d", d.Index, len(d.Embedding), e.cfg.Dims)
		}
		vecs[d.Index] = d.Embedding
	}
	return vecs, nil
}

func classifyEmbedError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	temporary := status == 0 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
	return &EmbedError{StatusCode: status, Temporary: temporary, Err: err}
}

// MemoryCache is an EmbeddingCache in a map, for running without a state store. It is safe
// for concurrent use.
type MemoryCache struct {
	mu   sync.Mutex
	vecs map[string][]float32
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{vecs: map[string][]float32{}} }

// CachedEmbeddings returns the vectors it holds among hashes.
func (m *MemoryCache) CachedEmbeddings(ctx context.Context, hashes []string) (map[string][]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]float32{}
	for _, h := range hashes {
		if v, ok := m.vecs[h]; ok {
			out[h] = v
		}
	}
	return out, nil
}

// CacheEmbeddings stores vectors by hash.
func (m *MemoryCache) CacheEmbeddings(ctx context.Context, vecs map[string][]float32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, v := range vecs {
		m.vecs[h] = v
	}
	return nil
}
