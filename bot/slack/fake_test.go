package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Test credentials. They are not real; the fake checks them as Slack would.
const (
	testBotToken = "xoxb-1111-2222-testbottoken"
	testAppToken = "xapp-1-A111-333-testapptoken"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	testBotUser  = "UBOT"
	testTeam     = "T01"
)

// fakeSlack is a local server speaking the part of Slack's Web API wire protocol the adapter
// uses, plus Socket Mode's websocket. It answers like Slack: HTTP 200 with {"ok":false,"error":...}
// for refused calls, 429 with Retry-After when told to rate-limit.
type fakeSlack struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	calls     []string // methods in the order they were served (ok or not)
	posts     []fakePost
	reactions []fakeReaction
	files     map[string]*fakeFile
	shared    []fakeShare
	limits    map[string][]int // method -> Retry-After seconds of the next 429 answers
	nextTS    int
	nextFile  int
	conn      *websocket.Conn
	connected chan struct{}
	acks      chan string
}

type fakePost struct {
	Channel  string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
	TS       string
}

type fakeReaction struct {
	Op        string // "add" or "remove"
	Name      string
	Channel   string
	Timestamp string
}

type fakeFile struct {
	Name     string
	Length   int
	AltText  string
	Data     []byte
	Uploaded bool
}

type fakeShare struct {
	ID       string
	Title    string
	Channel  string
	ThreadTS string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{
		t:         t,
		files:     map[string]*fakeFile{},
		limits:    map[string][]int{},
		nextTS:    100,
		connected: make(chan struct{}, 4),
		acks:      make(chan string, 64),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth.test", f.authTest)
	mux.HandleFunc("POST /api/chat.postMessage", f.postMessage)
	mux.HandleFunc("POST /api/conversations.open", f.conversationsOpen)
	mux.HandleFunc("POST /api/reactions.add", f.reaction("add"))
	mux.HandleFunc("POST /api/reactions.remove", f.reaction("remove"))
	mux.HandleFunc("POST /api/files.getUploadURLExternal", f.getUploadURL)
	mux.HandleFunc("POST /upload/{id}", f.upload)
	mux.HandleFunc("POST /api/files.completeUploadExternal", f.completeUpload)
	mux.HandleFunc("POST /api/files.upload", func(w http.ResponseWriter, r *http.Request) {
		f.record("files.upload")
		writeJSON(w, map[string]any{"ok": false, "error": "method_deprecated"})
	})
	mux.HandleFunc("POST /api/apps.connections.open", f.connectionsOpen)
	mux.HandleFunc("GET /socket", f.socket)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			_ = f.conn.Close()
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

// apiURL is the base URL to give slack-go.
func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

// rateLimit makes the next len(secs) calls of method answer 429 with those Retry-After values.
func (f *fakeSlack) rateLimit(method string, secs ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits[method] = append(f.limits[method], secs...)
}

func (f *fakeSlack) record(method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, method)
}

func (f *fakeSlack) snapshot() (calls []string, posts []fakePost, reactions []fakeReaction, shared []fakeShare) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...), append([]fakePost(nil), f.posts...),
		append([]fakeReaction(nil), f.reactions...), append([]fakeShare(nil), f.shared...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code string) {
	writeJSON(w, map[string]any{"ok": false, "error": code})
}

// limited answers 429 if the method is due to be rate-limited.
func (f *fakeSlack) limited(w http.ResponseWriter, method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.limits[method]
	if len(q) == 0 {
		return false
	}
	f.limits[method] = q[1:]
	f.calls = append(f.calls, method+" (429)")
	w.Header().Set("Retry-After", strconv.Itoa(q[0]))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
	return true
}

// token returns the request's token: Slack takes it from "Authorization: Bearer" or, for
// form-encoded calls, from the "token" field (slack-go sends form calls that way).
func token(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return tok
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return r.PostFormValue("token")
	}
	return ""
}

// authed checks the token like Slack does and answers the error when it is wrong.
func (f *fakeSlack) authed(w http.ResponseWriter, r *http.Request, want string) bool {
	switch tok := token(r); {
	case tok == "":
		fail(w, "not_authed")
		return false
	case tok != want:
		fail(w, "invalid_auth")
		return false
	}
	return true
}

func (f *fakeSlack) authTest(w http.ResponseWriter, r *http.Request) {
	if f.limited(w, "auth.test") || !f.authed(w, r, testBotToken) {
		return
	}
	f.record("auth.test")
	writeJSON(w, map[string]any{"ok": true, "url": "https://example.invalid/", "team": "Acme",
		"user": "metricbot", "team_id": testTeam, "user_id": testBotUser, "bot_id": "B01"})
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	if f.limited(w, "chat.postMessage") || !f.authed(w, r, testBotToken) {
		return
	}
	f.record("chat.postMessage")
	p := fakePost{Channel: r.PostFormValue("channel"), ThreadTS: r.PostFormValue("thread_ts"), Text: r.PostFormValue("text")}
	if p.Channel == "" {
		fail(w, "channel_not_found")
		return
	}
	if b := r.PostFormValue("blocks"); b != "" {
		var blocks []map[string]any
		if err := json.Unmarshal([]byte(b), &blocks); err != nil || len(blocks) == 0 || len(blocks) > 50 {
			fail(w, "invalid_blocks")
			return
		}
		for _, bl := range blocks {
			if _, ok := bl["type"].(string); !ok {
				fail(w, "invalid_blocks")
				return
			}
		}
		p.Blocks = json.RawMessage(b)
	}
	if p.Text == "" && p.Blocks == nil {
		fail(w, "no_text")
		return
	}
	f.mu.Lock()
	f.nextTS++
	p.TS = fmt.Sprintf("1700000000.%06d", f.nextTS)
	f.posts = append(f.posts, p)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS,
		"message": map[string]any{"type": "message", "text": p.Text, "ts": p.TS, "thread_ts": p.ThreadTS}})
}

// conversationsOpen opens a direct message with one user, as Slack does: the channel id is
// stable per user ("D" + user id); no users is users_list_not_supplied, an unknown-looking id is
// user_not_found.
func (f *fakeSlack) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	if f.limited(w, "conversations.open") || !f.authed(w, r, testBotToken) {
		return
	}
	f.record("conversations.open")
	users := r.PostFormValue("users")
	switch {
	case users == "" && r.PostFormValue("channel") == "":
		fail(w, "users_list_not_supplied")
		return
	case strings.Contains(users, ","):
		fail(w, "not_enough_users") // a multi-person DM; the adapter never asks for one
		return
	case !strings.HasPrefix(users, "U"):
		fail(w, "user_not_found")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + users[1:]}})
}

func (f *fakeSlack) reaction(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		method := "reactions." + op
		if f.limited(w, method) || !f.authed(w, r, testBotToken) {
			return
		}
		f.record(method)
		re := fakeReaction{Op: op, Name: r.PostFormValue("name"), Channel: r.PostFormValue("channel"), Timestamp: r.PostFormValue("timestamp")}
		if re.Name == "" {
			fail(w, "invalid_name")
			return
		}
		if re.Channel == "" || re.Timestamp == "" {
			fail(w, "no_item_specified")
			return
		}
		f.mu.Lock()
		f.reactions = append(f.reactions, re)
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true})
	}
}

func (f *fakeSlack) getUploadURL(w http.ResponseWriter, r *http.Request) {
	if f.limited(w, "files.getUploadURLExternal") || !f.authed(w, r, testBotToken) {
		return
	}
	f.record("files.getUploadURLExternal")
	name := r.PostFormValue("filename")
	n, err := strconv.Atoi(r.PostFormValue("length"))
	if name == "" || err != nil || n <= 0 {
		fail(w, "invalid_arguments")
		return
	}
	f.mu.Lock()
	f.nextFile++
	id := fmt.Sprintf("F%04d", f.nextFile)
	f.files[id] = &fakeFile{Name: name, Length: n, AltText: r.PostFormValue("alt_txt")}
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "upload_url": f.srv.URL + "/upload/" + id, "file_id": id})
}

func (f *fakeSlack) upload(w http.ResponseWriter, r *http.Request) {
	f.record("upload")
	if tok := token(r); tok != testBotToken {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	id := r.PathValue("id")
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(file)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	ff := f.files[id]
	if ff == nil {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	if len(data) != ff.Length {
		http.Error(w, "length mismatch", http.StatusBadRequest)
		return
	}
	ff.Data, ff.Uploaded = data, true
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

func (f *fakeSlack) completeUpload(w http.ResponseWriter, r *http.Request) {
	if f.limited(w, "files.completeUploadExternal") || !f.authed(w, r, testBotToken) {
		return
	}
	f.record("files.completeUploadExternal")
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(r.PostFormValue("files")), &files); err != nil || len(files) == 0 {
		fail(w, "invalid_arguments")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, fl := range files {
		ff := f.files[fl.ID]
		if ff == nil || !ff.Uploaded {
			fail(w, "file_not_found")
			return
		}
		f.shared = append(f.shared, fakeShare{ID: fl.ID, Title: fl.Title, Channel: r.PostFormValue("channel_id"), ThreadTS: r.PostFormValue("thread_ts")})
		out = append(out, map[string]any{"id": fl.ID, "title": fl.Title})
	}
	writeJSON(w, map[string]any{"ok": true, "files": out})
}

func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	if f.limited(w, "apps.connections.open") || !f.authed(w, r, testAppToken) {
		return
	}
	f.record("apps.connections.open")
	u, _ := url.Parse(f.srv.URL)
	u.Scheme = "ws"
	u.Path = "/socket"
	writeJSON(w, map[string]any{"ok": true, "url": u.String()})
}

// upgrader accepts the Origin slack-go's Socket Mode client sends.
var upgrader = websocket.Upgrader{CheckOrigin: func(r *http.Request) bool {
	return r.Header.Get("Origin") == "https://api.slack.com"
}}

func (f *fakeSlack) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.conn = conn
	err = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A01"}, "debug_info": map[string]any{"host": "fake"}})
	f.mu.Unlock()
	if err != nil {
		return
	}
	f.connected <- struct{}{}
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(msg, &ack) == nil && ack.EnvelopeID != "" {
			f.acks <- ack.EnvelopeID
		}
	}
}

// send writes a Socket Mode envelope to the connected client.
func (f *fakeSlack) send(envelopeType, envelopeID string, payload any, retryAttempt int) {
	f.t.Helper()
	env := map[string]any{"envelope_id": envelopeID, "type": envelopeType, "payload": payload,
		"accepts_response_payload": envelopeType != "events_api", "retry_attempt": retryAttempt}
	if retryAttempt > 0 {
		env["retry_reason"] = "timeout"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn == nil {
		f.t.Fatal("fake slack: no socket mode connection")
	}
	if err := f.conn.WriteJSON(env); err != nil {
		f.t.Fatalf("fake slack: write envelope: %v", err)
	}
}

// wait receives from ch or fails the test after a generous bound (the deliveries are local).
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
