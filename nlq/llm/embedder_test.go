package llm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/retrieve/retrievetest"
	"github.com/metricbot/metricbot/nlq/llm"
)

func newEmbedder(t *testing.T, srv *retrievetest.Server, cfg llm.EmbedderConfig, cache llm.EmbeddingCache) *llm.Embedder {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL
	}
	if cfg.Model == "" {
		cfg.Model = "test-embed"
	}
	e, err := llm.NewEmbedder(cfg, cache, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEmbedBatchesAndCaches(t *testing.T) {
	srv := retrievetest.NewServer(t, 16)
	cache := llm.NewMemoryCache()
	e := newEmbedder(t, srv, llm.EmbedderConfig{APIKey: "sk-test", BatchSize: 2}, cache)
	texts := []string{"销售额 sales", "GMV 成交总额", "订单数", "销售额 sales", "访客数"}

	got, err := e.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]float32, len(texts))
	for i, tx := range texts {
		want[i] = retrievetest.HashEmbed(tx, 16)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("vectors (-want +got):\n%s", diff)
	}
	steps := []struct {
		name         string
		texts        []string
		wantRequests int // cumulative
		wantTexts    int // cumulative
	}{
		{"first call: 4 distinct texts in batches of 2", nil, 2, 4},
		{"same texts again: all cached", texts, 2, 4},
		{"one changed text is re-embedded", []string{"销售额 sales", "订单数 含退款", "访客数"}, 3, 5},
	}
	for _, st := range steps {
		if st.texts != nil {
			if _, err := e.Embed(t.Context(), st.texts); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		r, n := srv.Counts()
		if r != st.wantRequests || n != st.wantTexts {
			t.Errorf("%s: got %d requests %d texts, want %d %d", st.name, r, n, st.wantRequests, st.wantTexts)
		}
	}

	// A new Embedder with the same cache (a restart with a persistent store) sends nothing.
	e2 := newEmbedder(t, srv, llm.EmbedderConfig{APIKey: "sk-test"}, cache)
	if _, err := e2.Embed(t.Context(), texts); err != nil {
		t.Fatal(err)
	}
	if r, _ := srv.Counts(); r != 3 {
		t.Errorf("after restart with the same cache: got %d requests, want still 3", r)
	}
	// Another model is another cache key.
	e3 := newEmbedder(t, srv, llm.EmbedderConfig{APIKey: "sk-test", Model: "other-model"}, cache)
	if _, err := e3.Embed(t.Context(), texts[:1]); err != nil {
		t.Fatal(err)
	}
	if r, _ := srv.Counts(); r != 4 {
		t.Errorf("another model: got %d requests, want 4", r)
	}
}

func TestEmbedErrors(t *testing.T) {
	srv := retrievetest.NewServer(t, 8)
	tests := []struct {
		name          string
		cfg           llm.EmbedderConfig
		texts         []string
		down          bool
		wantStatus    int
		wantTemporary bool
		wantIn        string
	}{
		{name: "rejected token", cfg: llm.EmbedderConfig{APIKey: " "}, texts: []string{"x"}, wantStatus: 401, wantIn: "missing bearer token"},
		{name: "server down", cfg: llm.EmbedderConfig{APIKey: "sk"}, texts: []string{"x"}, down: true, wantStatus: 503, wantTemporary: true},
		{name: "nothing listening", cfg: llm.EmbedderConfig{APIKey: "sk", BaseURL: "http://127.0.0.1:1/v1"}, texts: []string{"x"}, wantTemporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetDown(tt.down)
			defer srv.SetDown(false)
			e := newEmbedder(t, srv, tt.cfg, nil)
			_, err := e.Embed(t.Context(), tt.texts)
			var ee *llm.EmbedError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an EmbedError", err)
			}
			if ee.StatusCode != tt.wantStatus || ee.Temporary != tt.wantTemporary {
				t.Errorf("got status %d temporary %v, want %d %v", ee.StatusCode, ee.Temporary, tt.wantStatus, tt.wantTemporary)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("got %q, want it to contain %q", err, tt.wantIn)
			}
		})
	}
	e := newEmbedder(t, srv, llm.EmbedderConfig{APIKey: "sk"}, nil)
	if _, err := e.Embed(t.Context(), []string{"ok", ""}); err == nil || !strings.Contains(err.Error(), "text 1 is empty") {
		t.Errorf("empty text: got %v, want it refused before any request", err)
	}
}

func TestFakeServerRejectsLikeTheRealOne(t *testing.T) {
	// The embedder never sends these, so the fake's checks are exercised directly.
	srv := retrievetest.NewServer(t, 4)
	tests := []struct {
		name, auth, body string
		want             int
	}{
		{"no auth", "", `{"model":"m","input":["a"]}`, 401},
		{"empty bearer", "Bearer ", `{"model":"m","input":["a"]}`, 401},
		{"empty list", "Bearer k", `{"model":"m","input":[]}`, 400},
		{"empty string", "Bearer k", `{"model":"m","input":["a",""]}`, 400},
		{"no input", "Bearer k", `{"model":"m"}`, 400},
		{"single string", "Bearer k", `{"model":"m","input":"a"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/embeddings", strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestEmbedderConfigHidesKey(t *testing.T) {
	cfg := llm.EmbedderConfig{BaseURL: "http://127.0.0.1:9/v1", APIKey: "sk-very-secret", Model: "m"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("embedder", "config", cfg)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("embedder", "config", cfg)
	fmt.Fprintf(&buf, "%v %+v %s", cfg, cfg, cfg)
	if strings.Contains(buf.String(), "sk-very-secret") {
		t.Errorf("the API key reached the output:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "<secret>") {
		t.Errorf("output does not mark the key as <secret>:\n%s", buf.String())
	}
}

func TestEmbedderConfigValidate(t *testing.T) {
	err := llm.EmbedderConfig{Dims: -1}.Validate()
	for _, want := range []string{"base_url is required", "api_key is required", "model is required", "must not be negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to report %q", err, want)
		}
	}
	if err := (llm.EmbedderConfig{BaseURL: "u", APIKey: "k", Model: "m"}).Validate(); err != nil {
		t.Errorf("valid config: got %v", err)
	}
}

type brokenCache struct{ reads, writes int }

func (b *brokenCache) CachedEmbeddings(context.Context, []string) (map[string][]float32, error) {
	b.reads++
	return nil, errors.New("store down")
}

func (b *brokenCache) CacheEmbeddings(context.Context, map[string][]float32) error {
	b.writes++
	return errors.New("store down")
}

func TestEmbedWithBrokenCache(t *testing.T) {
	srv := retrievetest.NewServer(t, 8)
	cache := &brokenCache{}
	e := newEmbedder(t, srv, llm.EmbedderConfig{APIKey: "sk"}, cache)
	got, err := e.Embed(t.Context(), []string{"华东"})
	if err != nil {
		t.Fatalf("embed with the cache down: %v", err)
	}
	if diff := cmp.Diff([][]float32{retrievetest.HashEmbed("华东", 8)}, got); diff != "" {
		t.Errorf("vectors (-want +got):\n%s", diff)
	}
	if cache.reads != 1 || cache.writes != 1 {
		t.Errorf("got %d reads %d writes, want 1 1", cache.reads, cache.writes)
	}
}
