package telemetry

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	m := New()
	m.QuestionAnswered("answer", "rule", 30*time.Millisecond)
	m.QuestionAnswered("error", "", time.Second)
	m.LLMCall("timeout")
	m.WarehouseError("timeout")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`metricbot_questions_total{path="rule",status="answer"} 1`,
		`metricbot_questions_total{path="none",status="error"} 1`,
		`metricbot_answer_seconds_bucket{path="rule",le="0.05"} 1`,
		`metricbot_llm_calls_total{outcome="timeout"} 1`,
		`metricbot_warehouse_errors_total{kind="timeout"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
