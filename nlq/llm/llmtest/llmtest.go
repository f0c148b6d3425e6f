// Package llmtest provides a fake OpenAI-compatible chat completions server for tests: it checks
// the bearer token and the request's shape, records every request, and answers from a script of
// replies (a tool call, plain text, an HTTP error, or no answer until the client gives up).
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Request is a chat completions request as the server received it.
type Request struct {
	Model      string          `json:"model"`
	Messages   []Message       `json:"messages"`
	Tools      []Tool          `json:"tools"`
	ToolChoice json.RawMessage `json:"tool_choice"`
}

// Message is one message of a request.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls"`
	ToolCallID string     `json:"tool_call_id"`
}

// ToolCall is a tool call made by the assistant.
type ToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// Tool is a tool offered in a request, with its parameters' JSON Schema left raw.
type Tool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

// Reply answers one request.
type Reply func(w http.ResponseWriter, r *http.Request)

// Server is a fake chat completions endpoint at URL (which ends in /v1). It is safe for
// concurrent use.
type Server struct {
	URL string
	// Key is the bearer token the server requires.
	Key string

	t        testing.TB
	azure    bool
	mu       sync.Mutex
	script   []Reply
	requests []Request
}

// NewServer starts a server that requires key and answers with script, one reply per request in
// order. It is closed when the test ends. A request beyond the script fails the test.
func NewServer(t testing.TB, key string, script ...Reply) *Server {
	s := &Server{Key: key, t: t, script: script}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/v1"
	return s
}

// NewAzureServer is NewServer speaking the Azure OpenAI protocol: URL is the resource endpoint,
// requests go to /openai/deployments/{deployment}/chat/completions with an api-version, and key
// is expected in the api-key header.
func NewAzureServer(t testing.TB, key string, script ...Reply) *Server {
	s := &Server{Key: key, t: t, script: script, azure: true}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// Requests returns the requests accepted so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	route, auth := r.URL.Path == "/v1/chat/completions", r.Header.Get("Authorization") == "Bearer "+s.Key
	if s.azure {
		route = strings.HasPrefix(r.URL.Path, "/openai/deployments/") && strings.HasSuffix(r.URL.Path, "/chat/completions") &&
			r.URL.Query().Get("api-version") != ""
		auth = r.Header.Get("api-key") == s.Key
	}
	if r.Method != http.MethodPost || !route {
		Error(http.StatusNotFound, "", "no route "+r.Method+" "+r.URL.String())(w, r)
		return
	}
	if !auth {
		Error(http.StatusUnauthorized, "", "invalid api key")(w, r)
		return
	}
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		Error(http.StatusBadRequest, "", fmt.Sprintf("bad request body (err %v)", err))(w, r)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var reply Reply
	if len(s.script) > 0 {
		reply, s.script = s.script[0], s.script[1:]
	}
	s.mu.Unlock()
	if reply == nil {
		s.t.Errorf("llmtest: request %d has no scripted reply", len(s.Requests()))
		Error(http.StatusInternalServerError, "", "no scripted reply")(w, r)
		return
	}
	reply(w, r)
}

// Call replies with one call of tool name with the given arguments (sent as they are, so they
// may be malformed).
func Call(name, arguments string) Reply {
	return func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": "call_1", "type": "function", "function": map[string]any{"name": name, "arguments": arguments},
		}}}, "tool_calls")
	}
}

// Text replies with a plain assistant message and no tool call.
func Text(content string) Reply {
	return func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, map[string]any{"role": "assistant", "content": content}, "stop")
	}
}

// Error replies with an HTTP error in the OpenAI error format, with a Retry-After header when
// retryAfter is not empty.
func Error(status int, retryAfter, message string) Reply {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": message, "type": "server_error"}})
	}
}

// Hang sends nothing until the client gives up (its timeout or cancellation closes the
// connection).
func Hang() Reply {
	return func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
}

func writeMessage(w http.ResponseWriter, msg map[string]any, finish string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "fake",
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	})
}
