// Package retrievetest provides deterministic embeddings for tests: an in-process embedder and
// an HTTP server that speaks the OpenAI-compatible embeddings protocol, both giving similar
// vectors to texts that share characters.
package retrievetest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/metricbot/metricbot/internal/retrieve"
)

// HashEmbed returns a unit vector of dims dimensions for text: a hashed bag of its lowercased
// characters and character bigrams, so texts sharing characters get similar vectors.
func HashEmbed(text string, dims int) []float32 {
	v := make([]float32, dims)
	add := func(s string, w float32) {
		h := fnv.New64a()
		h.Write([]byte(s))
		x := h.Sum64()
		sign := float32(1)
		if x>>63 == 1 {
			sign = -1
		}
		v[x%uint64(dims)] += sign * w
	}
	var prev rune
	for _, r := range strings.ToLower(text) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			prev = 0
			continue
		}
		add(string(r), 0.5)
		if prev != 0 {
			add(string([]rune{prev, r}), 1)
		}
		prev = r
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n > 0 {
		inv := float32(1 / math.Sqrt(n))
		for i := range v {
			v[i] *= inv
		}
	}
	return v
}

// Embedder embeds in process with HashEmbed. It is safe for concurrent use.
type Embedder struct {
	Dims int

	mu    sync.Mutex
	texts int
	err   error
}

// Embed returns HashEmbed of each text, or the error set by Fail.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return nil, e.err
	}
	e.texts += len(texts)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = HashEmbed(t, e.Dims)
	}
	return out, nil
}

// Fail makes later calls return err; nil restores them.
func (e *Embedder) Fail(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.err = err
}

// Texts returns how many texts were embedded.
func (e *Embedder) Texts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.texts
}

// Server is a fake OpenAI-compatible embeddings endpoint. Like the real service it rejects a
// request without a bearer token (401) and one with no input or an empty string (400).
type Server struct {
	URL  string // base URL for the client, ending in /v1
	Dims int

	mu       sync.Mutex
	requests int
	texts    int
	down     bool
}

// NewServer starts a Server that returns dims-dimensional HashEmbed vectors; it stops when
// the test ends.
func NewServer(t testing.TB, dims int) *Server {
	s := &Server{Dims: dims}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/v1"
	return s
}

// Counts returns the number of accepted requests and of texts embedded.
func (s *Server) Counts() (requests, texts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.texts
}

// SetDown makes the server answer 503 until called with false.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
	}
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		fail(http.StatusServiceUnavailable, "service unavailable")
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		fail(http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		fail(http.StatusUnauthorized, "missing bearer token")
		return
	}
	var req struct {
		Input any    `json:"input"`
		Model string `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(http.StatusBadRequest, "bad json: "+err.Error())
		return
	}
	var inputs []string
	switch in := req.Input.(type) {
	case string:
		inputs = []string{in}
	case []any:
		for _, x := range in {
			str, ok := x.(string)
			if !ok {
				fail(http.StatusBadRequest, "input must be strings")
				return
			}
			inputs = append(inputs, str)
		}
	}
	if len(inputs) == 0 {
		fail(http.StatusBadRequest, "input is empty")
		return
	}
	if req.Model == "" {
		fail(http.StatusBadRequest, "model is required")
		return
	}
	data := make([]map[string]any, len(inputs))
	for i, in := range inputs {
		if in == "" {
			fail(http.StatusBadRequest, fmt.Sprintf("input[%d] is empty", i))
			return
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": HashEmbed(in, s.Dims)}
	}
	s.mu.Lock()
	s.requests++
	s.texts += len(inputs)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)}})
}

// Keys returns the keys of hits in order, for comparing search results.
func Keys(hits []retrieve.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Item.Key)
	}
	return out
}
