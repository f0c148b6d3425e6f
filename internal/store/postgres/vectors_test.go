package postgres_test

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/retrieve"
	"github.com/metricbot/metricbot/internal/retrieve/retrievetest"
	"github.com/metricbot/metricbot/internal/store/postgres"
	"github.com/metricbot/metricbot/nlq/llm"
)

const dims = 64

const dropIndexes = `DROP INDEX retrieval_items_metric, retrieval_items_dimension, retrieval_items_value, retrieval_items_example`

// pgvectorStore opens a store on a fresh database of the pgvector test server
// (METRICBOT_TEST_PGVECTOR_DSN, set in CI after ../shared/ci/pgvector.sh start).
func pgvectorStore(t testing.TB) *postgres.Store {
	t.Helper()
	admin := os.Getenv("METRICBOT_TEST_PGVECTOR_DSN")
	const service = "PostgreSQL with pgvector (METRICBOT_TEST_PGVECTOR_DSN; start it with ../shared/ci/pgvector.sh setup && ../shared/ci/pgvector.sh start)"
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI but METRICBOT_TEST_PGVECTOR_DSN is empty", service)
		}
		t.Skipf("SKIPPING pgvector tests: %s is not set", service)
	}
	dsn := freshDatabase(t, admin, service)
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// vectorIndex returns an index in a fresh pgvector database, embedding through go-openai
// against a fake embeddings server, with the store as the embeddings cache.
func vectorIndex(t *testing.T) (*postgres.VectorIndex, *retrievetest.Server, *postgres.Store) {
	s := pgvectorStore(t)
	srv := retrievetest.NewServer(t, dims)
	emb, err := llm.NewEmbedder(llm.EmbedderConfig{BaseURL: srv.URL, APIKey: "sk-test", Model: "fake-embed", Dims: dims}, s, quiet)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := postgres.NewVectorIndex(t.Context(), s, emb, dims, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return idx, srv, s
}

var vcatalog = []retrieve.Item{
	{Kind: retrieve.KindMetric, Key: "gmv", Text: "GMV 成交总额 gross merchandise volume"},
	{Kind: retrieve.KindMetric, Key: "sales", Text: "销售额 sales revenue 营收"},
	{Kind: retrieve.KindMetric, Key: "orders", Text: "订单数 order count 单量"},
	{Kind: retrieve.KindDimension, Key: "region", Text: "区域 大区 region area"},
	{Kind: retrieve.KindValue, Key: "region=华东", Text: "华东 East China east"},
	{Kind: retrieve.KindValue, Key: "region=华南", Text: "华南 South China south"},
	{Kind: retrieve.KindExample, Key: "q17", Text: "上个月华东区销售额多少", Payload: []byte(`{"metrics":["sales"]}`)},
}

func TestVectorIndexSearch(t *testing.T) {
	idx, srv, _ := vectorIndex(t)
	ctx := t.Context()
	if err := idx.Upsert(ctx, vcatalog); err != nil {
		t.Fatal(err)
	}
	for _, it := range vcatalog {
		hits, err := idx.Search(ctx, it.Text, 2, it.Kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Item.Key != it.Key || hits[0].Score < 0.999 {
			t.Errorf("query %q: got %v, want %q first with score 1", it.Text, hits, it.Key)
		}
		for _, h := range hits {
			if h.Item.Kind != it.Kind {
				t.Errorf("query %q filtered to %s: got a %s", it.Text, it.Kind, h.Item.Kind)
			}
		}
	}
	hits, err := idx.Search(ctx, "上个月华东区销售额多少", 1, retrieve.KindExample)
	if err != nil {
		t.Fatal(err)
	}
	want := []retrieve.Hit{{Item: vcatalog[6], Score: hits[0].Score}}
	if diff := cmp.Diff(want, hits); diff != "" {
		t.Errorf("example hit (-want +got):\n%s", diff)
	}
	all, err := idx.Search(ctx, "华东 sales", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(vcatalog) {
		t.Errorf("unfiltered search for 100: got %d hits, want all %d", len(all), len(vcatalog))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Score > all[j].Score }) {
		t.Errorf("hits not best first: %v", all)
	}

	_, textsBefore := srv.Counts()
	changed := append([]retrieve.Item(nil), vcatalog...)
	changed[0].Text = "GMV 成交总额 含退款 gross merchandise volume"
	changed[1].Payload = []byte(`{"owner":"finance"}`)
	if err := idx.Upsert(ctx, changed); err != nil {
		t.Fatal(err)
	}
	_, textsAfter := srv.Counts()
	if got := textsAfter - textsBefore; got != 1 {
		t.Errorf("re-upsert with one changed text: got %d texts embedded, want 1", got)
	}
	hits, err = idx.Search(ctx, changed[1].Text, 1, retrieve.KindMetric)
	if err != nil {
		t.Fatal(err)
	}
	if string(hits[0].Item.Payload) != `{"owner":"finance"}` {
		t.Errorf("payload after re-upsert: got %s", hits[0].Item.Payload)
	}
}

func TestVectorIndexEmbeddingsCachedInStore(t *testing.T) {
	idx, srv, s := vectorIndex(t)
	if err := idx.Upsert(t.Context(), vcatalog); err != nil {
		t.Fatal(err)
	}
	// A second replica with its own embedder but the same store: the catalog is already
	// embedded, and so are queries seen before.
	emb2, err := llm.NewEmbedder(llm.EmbedderConfig{BaseURL: srv.URL, APIKey: "sk-test", Model: "fake-embed", Dims: dims}, s, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emb2.Embed(t.Context(), []string{vcatalog[0].Text, vcatalog[3].Text}); err != nil {
		t.Fatal(err)
	}
	requests, _ := srv.Counts()
	if requests != 1 {
		t.Errorf("got %d requests to the endpoint, want 1 (the first upsert)", requests)
	}
}

// TestVectorIndexFilteredSearchReturnsK loads many values and fewer metrics far from the query:
// one HNSW index over all kinds would hand the kind filter only values near the query and
// return fewer than k metrics (0 of 10 here without iterative scan; at the benchmark's scale
// even with it). The per-kind partial indexes return k.
func TestVectorIndexFilteredSearchReturnsK(t *testing.T) {
	idx, _, s := vectorIndex(t)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(7, 8))
	var items []retrieve.Item
	var vecs [][]float32
	for i := range 3000 {
		items = append(items, retrieve.Item{Kind: retrieve.KindValue, Key: fmt.Sprintf("store=%d", i), Text: fmt.Sprintf("store %d", i)})
		vecs = append(vecs, clustered(r, 0))
	}
	for i := range 300 { // the ratio of 10,000 metrics to 100,000 values
		items = append(items, retrieve.Item{Kind: retrieve.KindMetric, Key: fmt.Sprintf("m%d", i), Text: fmt.Sprintf("metric %d", i)})
		vecs = append(vecs, clustered(r, 1))
	}
	// Building the index once after loading is much faster than inserting into it.
	if _, err := s.DB().ExecContext(ctx, dropIndexes); err != nil {
		t.Fatal(err)
	}
	if err := idx.Load(ctx, items, vecs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, postgres.IndexDDL()+`ANALYZE retrieval_items`); err != nil {
		t.Fatal(err)
	}
	plan, err := idx.Explain(ctx, 10, retrieve.KindMetric)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "retrieval_items_metric") {
		t.Fatalf("the planner does not use the HNSW index, so this test shows nothing:\n%s", plan)
	}
	query := clustered(r, 0) // among the values, far from the metrics
	hits, err := idx.SearchVector(ctx, query, 10, retrieve.KindMetric)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 10 {
		t.Errorf("filtered search: got %d hits, want 10", len(hits))
	}
	for _, h := range hits {
		if h.Item.Kind != retrieve.KindMetric {
			t.Errorf("got a %s hit, want metrics only", h.Item.Kind)
		}
	}

}

// clustered returns a random unit-ish vector near the axis of cluster c.
func clustered(r *rand.Rand, c int) []float32 {
	v := make([]float32, dims)
	for i := range v {
		v[i] = float32(r.NormFloat64()) * 0.1
	}
	v[c] += 1
	return v
}

func TestVectorIndexRefusesOtherDimensions(t *testing.T) {
	_, _, s := vectorIndex(t)
	_, err := postgres.NewVectorIndex(t.Context(), s, &retrievetest.Embedder{Dims: 32}, 32, quiet)
	if err == nil || !strings.Contains(err.Error(), "64-dimensional") || !strings.Contains(err.Error(), "gives 32") {
		t.Errorf("open with other dimensions: got %v, want a message naming 64 and 32", err)
	}
}

// TestNoPgvectorIsReported runs on any server, with or without pgvector: a role that may create
// tables but not extensions in its database meets the same refusal as a server without the
// extension, so the test never has to skip.
func TestNoPgvectorIsReported(t *testing.T) {
	admin, err := sql.Open("postgres", adminDSN())
	if err == nil {
		err = admin.PingContext(t.Context())
	}
	if err != nil {
		unavailable(t, "PostgreSQL at 127.0.0.1:5432", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	crand.Read(b)
	role := "mb_novec_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), `CREATE ROLE `+role+` LOGIN`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), `DROP ROLE IF EXISTS `+role) })
	dsn := freshDatabase(t, adminDSN(), "PostgreSQL at 127.0.0.1:5432")
	owner, err := postgres.Open(t.Context(), dsn, postgres.Options{Logger: quiet}) // migrates as the owner
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.DB().ExecContext(t.Context(), `GRANT CREATE ON SCHEMA public TO `+role+`; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO `+role); err != nil {
		t.Fatal(err)
	}
	owner.Close()
	u, _ := url.Parse(dsn)
	u.User = url.User(role)
	s, err := postgres.Open(t.Context(), u.String(), postgres.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = postgres.NewVectorIndex(t.Context(), s, &retrievetest.Embedder{Dims: 8}, 8, quiet)
	if !errors.Is(err, postgres.ErrNoPgvector) {
		t.Fatalf("got %v, want ErrNoPgvector", err)
	}
	// What cmd/metricbot does with it: fall back to the in-process index, and say so.
	var buf bytes.Buffer
	idx := retrieve.New(retrieve.Options{Embedder: &retrievetest.Embedder{Dims: 8}, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if idx == nil || !strings.Contains(buf.String(), `index="in-process cosine"`) {
		t.Errorf("fallback log: got %q", buf.String())
	}
}

func TestVectorIndexBehindRetrieveNew(t *testing.T) {
	idx, srv, _ := vectorIndex(t)
	var buf bytes.Buffer
	ri := retrieve.New(retrieve.Options{Vector: idx, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if !strings.Contains(buf.String(), "index=pgvector") {
		t.Errorf("log %q does not say pgvector", buf.String())
	}
	if err := ri.Upsert(t.Context(), vcatalog); err != nil {
		t.Fatal(err)
	}
	srv.SetDown(true) // the embeddings endpoint fails: answers come from the lexical fallback
	hits, err := ri.Search(t.Context(), "销售额", 1, retrieve.KindMetric)
	if err != nil || len(hits) != 1 || hits[0].Item.Key != "sales" {
		t.Errorf("search with the endpoint down: got %v, %v, want sales", retrievetest.Keys(hits), err)
	}
}

// BenchmarkPgvectorSearch measures HNSW query latency at 10,000 metrics and 100,000 values
// of 256 dimensions, loaded with COPY and indexed after loading.
func BenchmarkPgvectorSearch(b *testing.B) {
	const bdims, nMetrics, nValues = 256, 10_000, 100_000
	s := pgvectorStore(b)
	ctx := context.Background()
	idx, err := postgres.NewVectorIndex(ctx, s, &retrievetest.Embedder{Dims: bdims}, bdims, quiet)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"销售额", "订单数", "客单价", "转化率", "退款", "毛利", "访客", "sales", "orders", "refund", "margin", "GMV"}
	regions := []string{"华东", "华南", "华北", "西南", "East", "South"}
	items := make([]retrieve.Item, 0, nMetrics+nValues)
	for i := range nMetrics {
		items = append(items, retrieve.Item{Kind: retrieve.KindMetric, Key: fmt.Sprintf("m%05d", i),
			Text: fmt.Sprintf("%s %s metric %d", words[r.IntN(len(words))], words[r.IntN(len(words))], i)})
	}
	for i := range nValues {
		items = append(items, retrieve.Item{Kind: retrieve.KindValue, Key: fmt.Sprintf("store=%06d", i),
			Text: fmt.Sprintf("%s%d号店 store %d", regions[r.IntN(len(regions))], i%997, i)})
	}
	vecs := make([][]float32, len(items))
	for i, it := range items {
		vecs[i] = retrievetest.HashEmbed(it.Text, bdims)
	}
	if _, err := s.DB().ExecContext(ctx, dropIndexes); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	for start := 0; start < len(items); start += 10_000 {
		end := min(start+10_000, len(items))
		if err := idx.Load(ctx, items[start:end], vecs[start:end]); err != nil {
			b.Fatal(err)
		}
	}
	load := time.Since(t0)
	t0 = time.Now()
	if _, err := s.DB().ExecContext(ctx, `SET maintenance_work_mem = '512MB';`+postgres.IndexDDL()+`ANALYZE retrieval_items`); err != nil {
		b.Fatal(err)
	}
	build := time.Since(t0)
	queries := make([][]float32, 50)
	for i := range queries {
		queries[i] = retrievetest.HashEmbed(items[r.IntN(len(items))].Text+" 上周", bdims)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		kind := retrieve.KindMetric
		if i%2 == 1 {
			kind = retrieve.KindValue
		}
		t1 := time.Now()
		hits, err := idx.SearchVector(ctx, queries[i%len(queries)], 10, kind)
		lat = append(lat, time.Since(t1))
		if err != nil || len(hits) != 10 {
			b.Fatalf("search: %d hits, %v", len(hits), err)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "µs-p99")
	b.ReportMetric(load.Seconds(), "s-load")
	b.ReportMetric(build.Seconds(), "s-index")
}
