package llm

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/prompts"
)

// BenchmarkPrepare measures the work done before the LLM is called: retrieving candidates from
// the demo catalog's lexical index, rendering both prompts and encoding the tool schema.
func BenchmarkPrepare(b *testing.B) {
	c, err := demo.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rule := nlq.Result{Kind: nlq.Refuse, Suggestions: []string{"gmv", "shipping_fee", "order_count"}}
	b.ReportAllocs()
	for range b.N {
		idx, err := p.retriever(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		cs, err := pickCandidates(ctx, idx, c, "上个月华东的营收情况跟去年比怎么样", nil, rule, DefaultMaxCandidates)
		if err != nil {
			b.Fatal(err)
		}
		data := prompts.Planner{Lang: "zh", Question: "q", Today: "2026-12-01", Weekday: "Tuesday", Timezone: c.TimeZone}
		data.Metrics, data.Dimensions = cs.promptData(c)
		if _, err := prompts.Render(prompts.System, data); err != nil {
			b.Fatal(err)
		}
		if _, err := prompts.Render(prompts.User, data); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(toolSchema(cs)); err != nil {
			b.Fatal(err)
		}
	}
}
