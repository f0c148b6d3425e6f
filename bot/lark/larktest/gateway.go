package larktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"
)

// gateway is the long-connection side: the endpoint that hands out a websocket URL, and the
// websocket that pushes events as protobuf frames and reads the client's acknowledgements.
type gateway struct {
	s        *Server
	upgrader websocket.Upgrader

	mu      sync.Mutex
	conn    *websocket.Conn
	ready   chan struct{} // closed when the first connection is up
	waiting map[string]chan []byte
	seq     int
	pings   int
	closed  bool

	writeMu sync.Mutex
}

const serviceID = 7

func newGateway(s *Server) *gateway {
	return &gateway{s: s, ready: make(chan struct{}), waiting: map[string]chan []byte{}}
}

// endpoint answers POST /callback/ws/endpoint: check the app's credentials, hand out the
// websocket URL and the client configuration.
func (g *gateway) endpoint(w http.ResponseWriter, r *http.Request) {
	var req larkws.BootstrapRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": CodeInvalidParam, "msg": "invalid request"})
		return
	}
	if req.AppID != g.s.AppID || req.AppSecret != g.s.AppSecret {
		writeJSON(w, http.StatusOK, map[string]any{"code": CodeWSCredentialInvalid, "msg": "app id or app secret invalid"})
		return
	}
	url := "ws" + strings.TrimPrefix(g.s.URL(), "http") + "/ws?device_id=fake-device&service_id=" + strconv.Itoa(serviceID)
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok", "data": map[string]any{
		"URL": url,
		// No reconnects: a test that loses its connection ends instead of waiting.
		"ClientConfig": map[string]any{"ReconnectCount": 0, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120},
	}})
}

// accept upgrades GET /ws and reads the client's frames until it goes away.
func (g *gateway) accept(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("device_id") == "" {
		http.Error(w, "no device id", http.StatusForbidden)
		return
	}
	conn, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		conn.Close()
		return
	}
	first := g.conn == nil
	g.conn = conn
	if first {
		close(g.ready)
	}
	g.mu.Unlock()
	g.read(conn)
}

func (g *gateway) read(conn *websocket.Conn) {
	defer conn.Close()
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var f larkws.Frame
		if err := f.Unmarshal(msg); err != nil {
			continue
		}
		headers := larkws.Headers(f.Headers)
		switch larkws.FrameType(f.Method) {
		case larkws.FrameTypeControl:
			if larkws.MessageType(headers.GetString(larkws.HeaderType)) == larkws.MessageTypePing {
				g.mu.Lock()
				g.pings++
				g.mu.Unlock()
				pong := larkws.Frame{Method: int32(larkws.FrameTypeControl), Service: serviceID,
					Headers: []larkws.Header{{Key: larkws.HeaderType, Value: string(larkws.MessageTypePong)}}}
				_ = g.write(conn, &pong)
			}
		case larkws.FrameTypeData:
			id := headers.GetString(larkws.HeaderMessageID)
			g.mu.Lock()
			ch := g.waiting[id]
			delete(g.waiting, id)
			g.mu.Unlock()
			if ch != nil {
				ch <- f.Payload
			}
		}
	}
}

func (g *gateway) write(conn *websocket.Conn, f *larkws.Frame) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	g.writeMu.Lock()
	defer g.writeMu.Unlock()
	return conn.WriteMessage(websocket.BinaryMessage, b)
}

func (g *gateway) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.conn != nil {
		g.conn.Close()
	}
}

// WSResponse is the client's acknowledgement of an event pushed over the long connection.
type WSResponse struct {
	Code int               `json:"code"` // an HTTP status: 200, or 500 when the handler failed
	Data []byte            `json:"data"` // the handler's answer, such as a card action's response
	Head map[string]string `json:"headers"`
}

// SendEvent pushes one event (its JSON, as Lark sends it) over the long connection once the
// client is connected, and returns the client's acknowledgement.
func (s *Server) SendEvent(ctx context.Context, event []byte) (WSResponse, error) {
	g := s.gw
	select {
	case <-g.ready:
	case <-ctx.Done():
		return WSResponse{}, fmt.Errorf("wait for the long connection: %w", ctx.Err())
	}
	g.mu.Lock()
	conn := g.conn
	g.seq++
	id := fmt.Sprintf("msg-%d", g.seq)
	ch := make(chan []byte, 1)
	g.waiting[id] = ch
	seq := g.seq
	g.mu.Unlock()
	f := larkws.Frame{
		SeqID:   uint64(seq),
		LogID:   uint64(seq),
		Service: serviceID,
		Method:  int32(larkws.FrameTypeData),
		Headers: []larkws.Header{
			{Key: larkws.HeaderType, Value: string(larkws.MessageTypeEvent)},
			{Key: larkws.HeaderMessageID, Value: id},
			{Key: larkws.HeaderTraceID, Value: "trace-" + id},
			{Key: larkws.HeaderSum, Value: "1"},
			{Key: larkws.HeaderSeq, Value: "0"},
		},
		Payload: event,
	}
	if err := g.write(conn, &f); err != nil {
		return WSResponse{}, fmt.Errorf("push event: %w", err)
	}
	select {
	case p := <-ch:
		var resp WSResponse
		if err := json.Unmarshal(p, &resp); err != nil {
			return WSResponse{}, fmt.Errorf("decode acknowledgement: %w", err)
		}
		return resp, nil
	case <-ctx.Done():
		return WSResponse{}, fmt.Errorf("wait for the acknowledgement: %w", ctx.Err())
	}
}

// Pings is how many pings the long-connection client sent.
func (s *Server) Pings() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.pings
}
