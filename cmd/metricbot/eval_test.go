package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalArgs are the flags every eval test runs with: the demo warehouse ending 2026-11-30, which
// is generated once into the user's cache directory and reused.
var evalArgs = []string{"--demo-end", "2026-11-30", "--log-level", "error"}

func TestEvalSmoke(t *testing.T) {
	args := append([]string{"eval", "--questions", filepath.Join("..", "..", "internal", "eval", "testdata", "smoke.jsonl"),
		"--min", "0.9", "--format", "json"}, evalArgs...)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	var rep struct {
		Total    int     `json:"total"`
		Passed   int     `json:"passed"`
		Accuracy float64 `json:"accuracy"`
		Failures []struct {
			ID       string   `json:"id"`
			Problems []string `json:"problems"`
		} `json:"failures"`
		Latency struct {
			P50 float64 `json:"p50_ms"`
		} `json:"latency"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("decode report: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if code != 0 {
		t.Errorf("got exit status %d, want 0; failures: %+v\nstderr:\n%s", code, rep.Failures, stderr.String())
	}
	if got, want := rep.Total, 10; got != want {
		t.Errorf("got %d questions scored, want %d", got, want)
	}
	if rep.Accuracy < 0.9 {
		t.Errorf("got accuracy %.2f, want at least 0.9; failures: %+v", rep.Accuracy, rep.Failures)
	}
	if rep.Latency.P50 <= 0 {
		t.Errorf("got p50 latency %v ms, want it measured", rep.Latency.P50)
	}
}

func TestEvalBelowMin(t *testing.T) {
	// The expectation is wrong on purpose: the question has an answer, not a refusal.
	set := `{"id": "wrong", "question": "上个月销售额", "now": "2026-12-01", "lang": "zh", "intent": "refuse", "expect": {"status": "refuse"}}` + "\n"
	path := filepath.Join(t.TempDir(), "wrong.jsonl")
	if err := os.WriteFile(path, []byte(set), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		min      string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{"below min fails", "0.5", 1, []string{"accuracy: 0/1 = 0.0%", "wrong [refuse, zh] 上个月销售额", "status: got answer, want refuse"}, "below --min 50.0%"},
		{"min zero passes", "0", 0, []string{"accuracy: 0/1 = 0.0%"}, ""},
		{"min out of range", "2", 2, nil, "--min 2 must be between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"eval", "--questions", path, "--min", tt.min}, evalArgs...)
			if got := run(context.Background(), args, &stdout, &stderr); got != tt.wantCode {
				t.Errorf("got exit status %d, want %d\nstderr:\n%s", got, tt.wantCode, stderr.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			if tt.wantErr != "" && !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, stderr.String())
			}
		})
	}
}

func TestEvalBadQuestionSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(path, []byte(`{"id": "x", "question": "q", "now": "2026-12-01", "lang": "zh", "intent": "value", "expect": {"status": "answer"}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"eval", "--questions", path}, evalArgs...)
	if got, want := run(context.Background(), args, &stdout, &stderr), 1; got != want {
		t.Errorf("got exit status %d, want %d", got, want)
	}
	if want := "line 1 (x): an answer needs expect.sql"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
}
