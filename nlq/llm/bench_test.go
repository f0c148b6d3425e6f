package llm_test

import (
	"slices"
	"testing"

	"github.com/metricbot/metricbot/nlq"
	"github.com/metricbot/metricbot/nlq/llm"
	"github.com/metricbot/metricbot/nlq/llm/llmtest"
)

// BenchmarkPlan measures the planner's own cost for one question: candidates, prompts, schema,
// the HTTP round trip to a local fake server that answers at once, and validation.
func BenchmarkPlan(b *testing.B) {
	c, parser := loadDemo(b)
	nc := nlq.Context{Now: now()}
	rule := parser.Parse(question, nc)
	srv := llmtest.NewServer(b, testKey, slices.Repeat([]llmtest.Reply{call(goodArgs)}, b.N+1)...)
	p := newPlanner(b, llm.Config{BaseURL: srv.URL}, nil)
	if _, err := p.Plan(b.Context(), c, question, nc, rule); err != nil { // builds the lexical index
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := p.Plan(b.Context(), c, question, nc, rule); err != nil {
			b.Fatal(err)
		}
	}
}
