package retrieve_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/retrieve"
	"github.com/metricbot/metricbot/internal/retrieve/retrievetest"
)

// catalog is a small catalog in the shape the bot indexes.
var catalog = []retrieve.Item{
	{Kind: retrieve.KindMetric, Key: "gmv", Text: "GMV 成交总额 gross merchandise volume: total value of paid orders"},
	{Kind: retrieve.KindMetric, Key: "sales", Text: "销售额 sales revenue 营收: net sales after refunds"},
	{Kind: retrieve.KindMetric, Key: "orders", Text: "订单数 order count 单量: number of paid orders"},
	{Kind: retrieve.KindMetric, Key: "conversion_rate", Text: "转化率 conversion rate: orders divided by visitors"},
	{Kind: retrieve.KindMetric, Key: "visitors", Text: "访客数 UV unique visitors"},
	{Kind: retrieve.KindDimension, Key: "region", Text: "区域 大区 region area"},
	{Kind: retrieve.KindDimension, Key: "channel", Text: "渠道 channel: app, web, mini program"},
	{Kind: retrieve.KindValue, Key: "region=华东", Text: "华东 East China east"},
	{Kind: retrieve.KindValue, Key: "region=华南", Text: "华南 South China south"},
	{Kind: retrieve.KindValue, Key: "channel=app", Text: "App 应用 mobile app"},
	{Kind: retrieve.KindExample, Key: "q17", Text: "上个月华东区销售额多少", Payload: []byte(`{"metrics":["sales"]}`)},
}

func newIndexes(t *testing.T) map[string]retrieve.Index {
	idx := map[string]retrieve.Index{
		"lexical": retrieve.NewLexical(),
		"cosine":  retrieve.NewVectors(&retrievetest.Embedder{Dims: 256}),
	}
	for _, x := range idx {
		if err := x.Upsert(context.Background(), catalog); err != nil {
			t.Fatal(err)
		}
	}
	return idx
}

// TestLexicalFindsTheRightEntry checks the ranking of the lexical index, whose scoring is ours.
// (The cosine index's ranking is the embedding model's business; see TestCosineRanksBySimilarity.)
func TestLexicalFindsTheRightEntry(t *testing.T) {
	tests := []struct {
		query string
		k     int
		kinds []retrieve.Kind
		want  string // the best hit's key
	}{
		{"上个月华东区销售额多少?", 1, []retrieve.Kind{retrieve.KindMetric}, "sales"},
		{"上个月华东区销售额多少?", 1, []retrieve.Kind{retrieve.KindValue}, "region=华东"},
		{"上个月华东区销售额多少?", 1, []retrieve.Kind{retrieve.KindExample}, "q17"},
		{"GMV by channel last week", 1, []retrieve.Kind{retrieve.KindMetric}, "gmv"},
		{"GMV by channel last week", 1, []retrieve.Kind{retrieve.KindDimension}, "channel"},
		{"各渠道转化率", 1, []retrieve.Kind{retrieve.KindMetric}, "conversion_rate"},
		{"how many unique visitors", 1, nil, "visitors"},
		{"订单数按大区", 1, []retrieve.Kind{retrieve.KindDimension}, "region"},
	}
	for name, idx := range map[string]retrieve.Index{"lexical": newIndexes(t)["lexical"]} {
		for _, tt := range tests {
			t.Run(name+"/"+tt.query+"/"+fmt.Sprint(tt.kinds), func(t *testing.T) {
				hits, err := idx.Search(context.Background(), tt.query, 3, tt.kinds...)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) == 0 || hits[0].Item.Key != tt.want {
					t.Errorf("got %v, want %q first", retrievetest.Keys(hits), tt.want)
				}
				for _, h := range hits {
					if len(tt.kinds) > 0 && h.Item.Kind != tt.kinds[0] {
						t.Errorf("got a %s hit %q, want only %s", h.Item.Kind, h.Item.Key, tt.kinds[0])
					}
				}
				if !sort.SliceIsSorted(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score }) {
					t.Errorf("hits not best first: %v", hits)
				}
			})
		}
	}
}

func TestCosineRanksBySimilarity(t *testing.T) {
	idx := newIndexes(t)["cosine"]
	for _, it := range catalog {
		for _, kinds := range [][]retrieve.Kind{nil, {it.Kind}} {
			hits, err := idx.Search(context.Background(), it.Text, 3, kinds...)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 3 && len(kinds) == 0 || len(hits) == 0 || hits[0].Item.Key != it.Key {
				t.Errorf("query %q kinds %v: got %v, want %q first", it.Text, kinds, retrievetest.Keys(hits), it.Key)
				continue
			}
			if hits[0].Score < 0.999 || hits[0].Score <= hits[len(hits)-1].Score && len(hits) > 1 {
				t.Errorf("query %q: got scores %v, want 1 for the same text, decreasing", it.Text, hits)
			}
			for _, h := range hits {
				if len(kinds) > 0 && h.Item.Kind != it.Kind {
					t.Errorf("query %q: got a %s hit, want only %s", it.Text, h.Item.Kind, it.Kind)
				}
			}
		}
	}
}

func TestSearchReturnsKAndPayload(t *testing.T) {
	for name, idx := range newIndexes(t) {
		t.Run(name, func(t *testing.T) {
			hits, err := idx.Search(context.Background(), "上个月华东区销售额多少", 2, retrieve.KindExample)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"q17"}, retrievetest.Keys(hits)); diff != "" {
				t.Errorf("examples (-want +got):\n%s", diff)
			}
			if string(hits[0].Item.Payload) != `{"metrics":["sales"]}` {
				t.Errorf("payload: got %s", hits[0].Item.Payload)
			}
			all, err := idx.Search(context.Background(), "orders visitors region 华东 sales", 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 5 {
				t.Errorf("got %d hits, want 5", len(all))
			}
			none, err := idx.Search(context.Background(), "gmv", 0)
			if err != nil || len(none) != 0 {
				t.Errorf("k=0: got %v, %v, want no hits", none, err)
			}
		})
	}
}

func TestUpsertReplaces(t *testing.T) {
	emb := &retrievetest.Embedder{Dims: 64}
	for name, idx := range map[string]retrieve.Index{"lexical": retrieve.NewLexical(), "cosine": retrieve.NewVectors(emb)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := idx.Upsert(ctx, []retrieve.Item{{Kind: retrieve.KindMetric, Key: "m", Text: "退款金额 refund amount"}}); err != nil {
				t.Fatal(err)
			}
			if err := idx.Upsert(ctx, []retrieve.Item{{Kind: retrieve.KindMetric, Key: "m", Text: "客单价 average order value"}}); err != nil {
				t.Fatal(err)
			}
			hits, err := idx.Search(ctx, "客单价", 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 1 || hits[0].Item.Text != "客单价 average order value" {
				t.Errorf("got %+v, want the one replaced item", hits)
			}
		})
	}
}

func TestLexicalCompactsReplacedItems(t *testing.T) {
	idx := retrieve.NewLexical()
	ctx := context.Background()
	for round := range 5 {
		items := make([]retrieve.Item, 1000)
		for i := range items {
			items[i] = retrieve.Item{Kind: retrieve.KindValue, Key: fmt.Sprintf("store=%d", i), Text: fmt.Sprintf("门店 %d round %d", i, round)}
		}
		if err := idx.Upsert(ctx, items); err != nil {
			t.Fatal(err)
		}
	}
	if got := idx.Len(); got != 1000 {
		t.Errorf("got %d live items, want 1000", got)
	}
	hits, err := idx.Search(ctx, "门店 17 round 4", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Item.Text != "门店 17 round 4" {
		t.Errorf("got %+v, want the latest text of store 17", hits)
	}
}

func TestVectorsEmbedsOnlyChangedTexts(t *testing.T) {
	emb := &retrievetest.Embedder{Dims: 32}
	idx := retrieve.NewVectors(emb)
	ctx := context.Background()
	if err := idx.Upsert(ctx, catalog); err != nil {
		t.Fatal(err)
	}
	changed := append([]retrieve.Item(nil), catalog...)
	changed[0].Text += " 含税"
	changed[1].Payload = []byte(`{"v":2}`)
	if err := idx.Upsert(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if got, want := emb.Texts(), len(catalog)+1; got != want {
		t.Errorf("got %d texts embedded, want %d", got, want)
	}
	hits, err := idx.Search(ctx, catalog[1].Text, 1)
	if err != nil {
		t.Fatal(err)
	}
	if string(hits[0].Item.Payload) != `{"v":2}` {
		t.Errorf("payload after upsert: got %s, want the new one", hits[0].Item.Payload)
	}
	if err := idx.Add([]retrieve.Item{{Kind: retrieve.KindMetric, Key: "x"}}, [][]float32{{1, 2}}); err == nil {
		t.Errorf("add a vector of the wrong size: got nil error")
	}
}

func TestNewSelectsAndLogs(t *testing.T) {
	emb := &retrievetest.Embedder{Dims: 32}
	tests := []struct {
		name    string
		opts    retrieve.Options
		wantLog string
	}{
		{"nothing available", retrieve.Options{}, `index="in-process lexical"`},
		{"embedder only", retrieve.Options{Embedder: emb}, `index="in-process cosine"`},
		{"pgvector", retrieve.Options{Vector: retrieve.NewVectors(emb), Embedder: emb}, `index=pgvector`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.opts.Logger = slog.New(slog.NewTextHandler(&buf, nil))
			idx := retrieve.New(tt.opts)
			if !strings.Contains(buf.String(), "retrieval index selected") || !strings.Contains(buf.String(), tt.wantLog) {
				t.Errorf("log %q does not say %s", buf.String(), tt.wantLog)
			}
			if err := idx.Upsert(context.Background(), catalog); err != nil {
				t.Fatal(err)
			}
			hits, err := idx.Search(context.Background(), catalog[0].Text, 1, retrieve.KindMetric)
			if err != nil || len(hits) != 1 || hits[0].Item.Key != "gmv" {
				t.Errorf("search: got %v, %v, want gmv", retrievetest.Keys(hits), err)
			}
		})
	}
}

func TestEmbedderOutageFallsBackToLexical(t *testing.T) {
	emb := &retrievetest.Embedder{Dims: 32}
	var buf bytes.Buffer
	idx := retrieve.New(retrieve.Options{Embedder: emb, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err := idx.Upsert(context.Background(), catalog); err != nil {
		t.Fatal(err)
	}
	emb.Fail(errors.New("embeddings endpoint: 503"))
	hits, err := idx.Search(context.Background(), "销售额", 1, retrieve.KindMetric)
	if err != nil {
		t.Fatalf("search during outage: %v", err)
	}
	if diff := cmp.Diff([]string{"sales"}, retrievetest.Keys(hits)); diff != "" {
		t.Errorf("hits during outage (-want +got):\n%s", diff)
	}
	if !strings.Contains(buf.String(), "falling back to lexical") || !strings.Contains(buf.String(), "503") {
		t.Errorf("log %q does not report the fallback and its cause", buf.String())
	}
}

// Synthetic catalog at the scale of the issue: 10,000 metrics and 100,000 dimension values.
var (
	metricWords = []string{"销售额", "订单数", "客单价", "转化率", "退款", "毛利", "访客", "复购率", "库存", "配送时长",
		"sales", "orders", "refund", "margin", "visitors", "inventory", "delivery", "retention", "GMV", "AOV"}
	qualifiers = []string{"净", "含税", "线上", "线下", "新客", "老客", "日均", "累计", "net", "gross", "daily", "weekly", "app", "web"}
	regions    = []string{"华东", "华南", "华北", "西南", "东北", "西北", "华中", "East", "South", "North"}
)

func synthetic(nMetrics, nValues int) []retrieve.Item {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(ws []string) string { return ws[r.IntN(len(ws))] }
	items := make([]retrieve.Item, 0, nMetrics+nValues)
	for i := range nMetrics {
		text := fmt.Sprintf("%s%s %s %s metric %d", pick(qualifiers), pick(metricWords), pick(metricWords), pick(qualifiers), i)
		items = append(items, retrieve.Item{Kind: retrieve.KindMetric, Key: fmt.Sprintf("m%05d", i), Text: text})
	}
	for i := range nValues {
		text := fmt.Sprintf("%s%d号店 store %d %s", pick(regions), i%997, i, pick(regions))
		items = append(items, retrieve.Item{Kind: retrieve.KindValue, Key: fmt.Sprintf("store=%06d", i), Text: text})
	}
	return items
}

var benchQueries = []string{"上个月华东区净销售额多少", "GMV by channel last week", "新客复购率按门店", "华南88号店 订单数", "daily refund margin"}

func BenchmarkLexicalSearch(b *testing.B) {
	idx := retrieve.NewLexical()
	start := time.Now()
	if err := idx.Upsert(context.Background(), synthetic(10_000, 100_000)); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	benchSearch(b, idx)
	b.ReportMetric(float64(build.Milliseconds()), "ms-build")
}

func BenchmarkCosineSearch256(b *testing.B) {
	items := synthetic(10_000, 100_000)
	vecs := make([][]float32, len(items))
	for i, it := range items {
		vecs[i] = retrievetest.HashEmbed(it.Text, 256)
	}
	idx := retrieve.NewVectors(&retrievetest.Embedder{Dims: 256})
	if err := idx.Add(items, vecs); err != nil {
		b.Fatal(err)
	}
	benchSearch(b, idx)
}

// benchSearch measures Search with k=10, alternating metric-only and value-only filters, and
// reports p50 and p99 latency besides ns/op.
func benchSearch(b *testing.B, idx retrieve.Index) {
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		kind := retrieve.KindMetric
		if i%2 == 1 {
			kind = retrieve.KindValue
		}
		t0 := time.Now()
		hits, err := idx.Search(ctx, benchQueries[i%len(benchQueries)], 10, kind)
		lat = append(lat, time.Since(t0))
		if err != nil || len(hits) != 10 {
			b.Fatalf("search: %d hits, %v", len(hits), err)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "µs-p99")
}

// TestLexicalAtScale runs the lexical index over enough items that common grams take the
// candidate-only path, and checks the specific entries still come first.
func TestLexicalAtScale(t *testing.T) {
	idx := retrieve.NewLexical()
	items := append(synthetic(2_000, 20_000),
		retrieve.Item{Kind: retrieve.KindValue, Key: "store=target", Text: "华南88号店 旗舰店 flagship"},
		retrieve.Item{Kind: retrieve.KindMetric, Key: "target_metric", Text: "净销售额 含税 口径甲 net sales incl tax"})
	if err := idx.Upsert(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		kind  retrieve.Kind
		want  string
	}{
		{"华南88号店旗舰店的订单数", retrieve.KindValue, "store=target"},
		{"口径甲的净销售额", retrieve.KindMetric, "target_metric"},
		{"net sales incl tax", retrieve.KindMetric, "target_metric"},
	}
	for _, tt := range tests {
		hits, err := idx.Search(context.Background(), tt.query, 10, tt.kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 10 || hits[0].Item.Key != tt.want {
			t.Errorf("query %q: got %v, want 10 hits with %q first", tt.query, retrievetest.Keys(hits), tt.want)
		}
	}
}
