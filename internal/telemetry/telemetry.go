// Package telemetry exposes metricbot's own Prometheus metrics: questions answered by status and
// path, answer latency, LLM calls and warehouse errors.
package telemetry

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors on their own registry. It is safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	questions *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	llm       *prometheus.CounterVec
	warehouse *prometheus.CounterVec
}

// New registers the collectors, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metricbot_questions_total", Help: "Questions answered, by reply status and by path (rule or llm).",
		}, []string{"status", "path"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "metricbot_answer_seconds", Help: "Time to answer a question, by path.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"path"}),
		llm: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metricbot_llm_calls_total", Help: "Calls to the LLM planner, by outcome.",
		}, []string{"outcome"}),
		warehouse: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metricbot_warehouse_errors_total", Help: "Failed warehouse queries, by kind.",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.questions, m.latency, m.llm, m.warehouse,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// QuestionAnswered records one answered question.
func (m *Metrics) QuestionAnswered(status, path string, took time.Duration) {
	if path == "" {
		path = "none"
	}
	m.questions.WithLabelValues(status, path).Inc()
	m.latency.WithLabelValues(path).Observe(took.Seconds())
}

// LLMCall records one call to the LLM planner.
func (m *Metrics) LLMCall(outcome string) { m.llm.WithLabelValues(outcome).Inc() }

// WarehouseError records one failed warehouse query.
func (m *Metrics) WarehouseError(kind string) { m.warehouse.WithLabelValues(kind).Inc() }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
