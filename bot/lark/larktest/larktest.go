// Package larktest is an in-process fake of the Lark / Feishu open platform for tests: an HTTP
// server that speaks the wire protocol the official SDK uses (tenant access token, message
// reply, image upload, reactions, bot info and the long-connection gateway), plus helpers that
// encrypt and sign HTTP event callbacks the way Lark does.
//
// The fake is honest about the parts the adapter depends on: every answer is Lark's envelope
// {"code":0,"msg":"success","data":{...}}, a wrong app secret or a missing or stale tenant
// token gets Lark's error code, bad input gets a non-zero code with HTTP 400, and a reply with an
// idempotency key (uuid) that was already used returns the first message instead of a new one.
package larktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Lark's error codes that the fake answers.
const (
	CodeOK                  = 0
	CodeAppSecretInvalid    = 10014
	CodeInvalidParam        = 230001
	CodeTokenMissing        = 99991661
	CodeTokenInvalid        = 99991663
	CodeRateLimited         = 99991400
	CodeImageInvalid        = 234011
	CodeMessageNotFound     = 230011
	CodeInvalidReceiveID    = 230013
	CodeWSCredentialInvalid = 1000040345
)

// Reply is a reply the fake accepted.
type Reply struct {
	ParentID      string // the message replied to
	MessageID     string // the new message's id
	MsgType       string
	Content       string
	ReplyInThread bool
	UUID          string
}

// Message is a new message the fake accepted (im.v1.message.create).
type Message struct {
	ReceiveIDType string // "chat_id", "open_id", ...
	ReceiveID     string
	ChatID        string // the chat it landed in; for an open_id, the bot's p2p chat with that user
	MessageID     string
	MsgType       string
	Content       string
	UUID          string
}

// Image is an uploaded image.
type Image struct {
	Key       string
	ImageType string
	Data      []byte
}

// Reaction is a reaction the bot added.
type Reaction struct {
	MessageID string
	EmojiType string
}

// failure is a canned error answer.
type failure struct {
	status, code int
	header       http.Header
}

// Server is a fake open platform. It is safe for concurrent use.
type Server struct {
	AppID     string
	AppSecret string
	BotOpenID string

	srv *httptest.Server

	mu        sync.Mutex
	token     string
	tokenReqs int
	seq       int
	replies   []Reply
	messages  []Message
	images    []Image
	reactions []Reaction
	uuids     map[string]string
	failures  map[string][]failure
	calls     map[string]int

	gw *gateway
}

// NewServer starts a fake for one app; Close it when done.
func NewServer(appID, appSecret string) *Server {
	s := &Server{
		AppID:     appID,
		AppSecret: appSecret,
		BotOpenID: "ou_bot",
		uuids:     map[string]string{},
		failures:  map[string][]failure{},
		calls:     map[string]int{},
	}
	s.gw = newGateway(s)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /open-apis/auth/v3/tenant_access_token/internal", s.tenantToken)
	mux.HandleFunc("POST /open-apis/im/v1/messages/{id}/reply", s.authed(OpReply, s.reply))
	mux.HandleFunc("POST /open-apis/im/v1/messages", s.authed(OpCreate, s.create))
	mux.HandleFunc("POST /open-apis/im/v1/images", s.authed(OpImage, s.image))
	mux.HandleFunc("POST /open-apis/im/v1/messages/{id}/reactions", s.authed(OpReaction, s.reaction))
	mux.HandleFunc("GET /open-apis/bot/v3/info", s.authed(OpBotInfo, s.botInfo))
	mux.HandleFunc("POST /callback/ws/endpoint", s.gw.endpoint)
	mux.HandleFunc("GET /ws", s.gw.accept)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "msg": "404 page not found: " + r.URL.Path})
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the base URL to give the SDK (lark.WithOpenBaseUrl, ws.WithDomain).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and the gateway's connections.
func (s *Server) Close() {
	s.gw.close()
	s.srv.Close()
}

// Operations that FailNext and Calls name.
const (
	OpReply    = "reply"
	OpCreate   = "create"
	OpImage    = "image"
	OpReaction = "reaction"
	OpBotInfo  = "bot info"
)

// FailNext makes the next n calls of op answer HTTP status with Lark code, before any other
// check. A rate limit is FailNext(op, n, 429, CodeRateLimited).
func (s *Server) FailNext(op string, n, status, code int) {
	s.FailNextWithHeader(op, n, status, code, nil)
}

// FailNextWithHeader is FailNext with response headers, such as x-ogw-ratelimit-reset.
func (s *Server) FailNextWithHeader(op string, n, status, code int, h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[op] = append(s.failures[op], failure{status: status, code: code, header: h})
	}
}

// Calls is how many requests op received, failed ones included.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// TokenRequests is how many tenant tokens were asked for.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// RevokeToken makes the current tenant token invalid, as resetting the app secret does: calls
// with it get CodeTokenInvalid until the client asks for a new one.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = "revoked"
}

// Replies returns the accepted replies in order.
func (s *Server) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reply(nil), s.replies...)
}

// Messages returns the accepted new messages in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Images returns the uploaded images in order.
func (s *Server) Images() []Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Image(nil), s.images...)
}

// Reactions returns the added reactions in order.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reaction(nil), s.reactions...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Tt-Logid", "log-fake")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "msg": msg})
}

func ok(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"code": CodeOK, "msg": "success", "data": data})
}

func (s *Server) tenantToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AppID == "" {
		fail(w, http.StatusBadRequest, 10003, "invalid param")
		return
	}
	s.mu.Lock()
	s.tokenReqs++
	if req.AppID != s.AppID || req.AppSecret != s.AppSecret {
		s.mu.Unlock()
		fail(w, http.StatusBadRequest, CodeAppSecretInvalid, "app secret invalid")
		return
	}
	s.seq++
	s.token = fmt.Sprintf("t-fake-%d", s.seq)
	token := s.token
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200})
}

// authed counts the call, answers a queued failure, and checks the tenant token.
func (s *Server) authed(op string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[op]++
		var f *failure
		if q := s.failures[op]; len(q) > 0 {
			f = &q[0]
			s.failures[op] = q[1:]
		}
		token := s.token
		s.mu.Unlock()
		if f != nil {
			for k, vs := range f.header {
				w.Header()[k] = vs
			}
			msg := "request trigger frequency limit"
			if f.code != CodeRateLimited {
				msg = "internal error"
			}
			fail(w, f.status, f.code, msg)
			return
		}
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "Bearer ") || auth == "Bearer " {
			fail(w, http.StatusBadRequest, CodeTokenMissing, "Missing access token for authorization. Please make a request with token attached.")
			return
		}
		if token == "" || strings.TrimPrefix(auth, "Bearer ") != token {
			fail(w, http.StatusBadRequest, CodeTokenInvalid, "Invalid access token for authorization. Please make a request with token attached.")
			return
		}
		next(w, r)
	}
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request) {
	parent := r.PathValue("id")
	var req struct {
		Content       *string `json:"content"`
		MsgType       *string `json:"msg_type"`
		ReplyInThread bool    `json:"reply_in_thread"`
		UUID          string  `json:"uuid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid request body: "+err.Error())
		return
	}
	if req.MsgType == nil || *req.MsgType == "" {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "The request you send is not a valid {msg_type} or {receive_id_type}")
		return
	}
	if req.Content == nil || *req.Content == "" {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid message content: content is empty")
		return
	}
	if !strings.HasPrefix(parent, "om_") {
		fail(w, http.StatusBadRequest, CodeMessageNotFound, "invalid message_id")
		return
	}
	if msg := checkContent(*req.MsgType, *req.Content); msg != "" {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid message content: "+msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, seen := s.uuids[req.UUID]; seen && req.UUID != "" {
		ok(w, map[string]any{"message_id": id, "parent_id": parent, "msg_type": *req.MsgType})
		return
	}
	s.seq++
	id := fmt.Sprintf("om_reply_%d", s.seq)
	if req.UUID != "" {
		s.uuids[req.UUID] = id
	}
	s.replies = append(s.replies, Reply{ParentID: parent, MessageID: id, MsgType: *req.MsgType, Content: *req.Content,
		ReplyInThread: req.ReplyInThread, UUID: req.UUID})
	ok(w, map[string]any{"message_id": id, "parent_id": parent, "root_id": parent, "msg_type": *req.MsgType,
		"body": map[string]any{"content": *req.Content}})
}

// create sends a new message, as im.v1.message.create does: receive_id_type must be one Lark
// knows, the receive_id must look like one of that type (chat ids start with "oc_", open ids
// with "ou_"), and a repeated uuid returns the first message.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	idType := r.URL.Query().Get("receive_id_type")
	var req struct {
		ReceiveID string  `json:"receive_id"`
		Content   *string `json:"content"`
		MsgType   *string `json:"msg_type"`
		UUID      string  `json:"uuid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid request body: "+err.Error())
		return
	}
	prefix := map[string]string{"chat_id": "oc_", "open_id": "ou_", "union_id": "on_", "user_id": "", "email": ""}
	want, known := prefix[idType]
	switch {
	case !known || req.MsgType == nil || *req.MsgType == "":
		fail(w, http.StatusBadRequest, CodeInvalidParam, "The request you send is not a valid {msg_type} or {receive_id_type}")
		return
	case req.ReceiveID == "":
		fail(w, http.StatusBadRequest, CodeInvalidParam, "field validation failed: receive_id is required")
		return
	case !strings.HasPrefix(req.ReceiveID, want):
		fail(w, http.StatusBadRequest, CodeInvalidReceiveID, "invalid receive_id")
		return
	case req.Content == nil || *req.Content == "":
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid message content: content is empty")
		return
	}
	if msg := checkContent(*req.MsgType, *req.Content); msg != "" {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid message content: "+msg)
		return
	}
	chat := req.ReceiveID
	if idType != "chat_id" {
		chat = "oc_p2p_" + strings.TrimPrefix(req.ReceiveID, want)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, seen := s.uuids[req.UUID]; seen && req.UUID != "" {
		ok(w, map[string]any{"message_id": id, "chat_id": chat, "msg_type": *req.MsgType})
		return
	}
	s.seq++
	id := fmt.Sprintf("om_msg_%d", s.seq)
	if req.UUID != "" {
		s.uuids[req.UUID] = id
	}
	s.messages = append(s.messages, Message{ReceiveIDType: idType, ReceiveID: req.ReceiveID, ChatID: chat, MessageID: id,
		MsgType: *req.MsgType, Content: *req.Content, UUID: req.UUID})
	ok(w, map[string]any{"message_id": id, "chat_id": chat, "msg_type": *req.MsgType, "body": map[string]any{"content": *req.Content}})
}

// checkContent checks that content is JSON of the shape its msg_type needs.
func checkContent(msgType, content string) string {
	var v map[string]any
	if err := json.Unmarshal([]byte(content), &v); err != nil {
		return "content is not a JSON object"
	}
	switch msgType {
	case "text":
		if _, ok := v["text"].(string); !ok {
			return "text message without text"
		}
	case "interactive":
		els, ok := v["elements"].([]any)
		if body, isV2 := v["body"].(map[string]any); isV2 {
			els, ok = body["elements"].([]any)
		}
		if !ok || len(els) == 0 {
			return "card without elements"
		}
		for _, el := range els {
			m, _ := el.(map[string]any)
			if tag, _ := m["tag"].(string); tag == "" {
				return "card element without a tag"
			}
		}
	default:
		return "unsupported msg_type " + msgType
	}
	return ""
}

func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "not a multipart form: "+err.Error())
		return
	}
	typ := r.FormValue("image_type")
	if typ != "message" && typ != "avatar" {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid image_type")
		return
	}
	f, _, err := r.FormFile("image")
	if err != nil {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "no image file")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		fail(w, http.StatusBadRequest, CodeImageInvalid, "image is empty")
		return
	}
	if !strings.HasPrefix(string(data), "\x89PNG\r\n\x1a\n") && !strings.HasPrefix(string(data), "\xff\xd8") {
		fail(w, http.StatusBadRequest, CodeImageInvalid, "unsupported image format")
		return
	}
	s.mu.Lock()
	s.seq++
	key := fmt.Sprintf("img_v3_fake_%d", s.seq)
	s.images = append(s.images, Image{Key: key, ImageType: typ, Data: data})
	s.mu.Unlock()
	ok(w, map[string]any{"image_key": key})
}

func (s *Server) reaction(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ReactionType struct {
			EmojiType string `json:"emoji_type"`
		} `json:"reaction_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ReactionType.EmojiType == "" {
		fail(w, http.StatusBadRequest, CodeInvalidParam, "invalid reaction_type")
		return
	}
	id := r.PathValue("id")
	if !strings.HasPrefix(id, "om_") {
		fail(w, http.StatusBadRequest, CodeMessageNotFound, "invalid message_id")
		return
	}
	s.mu.Lock()
	s.seq++
	rid := fmt.Sprintf("reaction_%d", s.seq)
	s.reactions = append(s.reactions, Reaction{MessageID: id, EmojiType: req.ReactionType.EmojiType})
	s.mu.Unlock()
	ok(w, map[string]any{"reaction_id": rid, "reaction_type": map[string]any{"emoji_type": req.ReactionType.EmojiType}})
}

func (s *Server) botInfo(w http.ResponseWriter, r *http.Request) {
	// This one old API answers outside the data envelope.
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok",
		"bot": map[string]any{"open_id": s.BotOpenID, "app_name": "metricbot", "activate_status": 2}})
}
