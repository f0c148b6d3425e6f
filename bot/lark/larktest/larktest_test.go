package larktest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"
)

// call posts a JSON body and returns Lark's code and the decoded answer.
func call(t *testing.T, url, token string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	code, _ := out["code"].(float64)
	return int(code), out
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	code, out := call(t, s.URL()+"/open-apis/auth/v3/tenant_access_token/internal", "", map[string]string{"app_id": s.AppID, "app_secret": s.AppSecret})
	if code != 0 {
		t.Fatalf("tenant token: got code %d, want 0", code)
	}
	return out["tenant_access_token"].(string)
}

// TestServerIsHonest checks the fake's answers to bad input, so that tests built on it can fail.
func TestServerIsHonest(t *testing.T) {
	s := NewServer("cli_fake", "secret")
	defer s.Close()
	tok := token(t, s)
	card := `{"elements":[{"tag":"markdown","content":"hi"}]}`
	reply := s.URL() + "/open-apis/im/v1/messages/om_1/reply"
	tests := []struct {
		name     string
		url      string
		token    string
		body     any
		wantCode int
	}{
		{"wrong app secret", s.URL() + "/open-apis/auth/v3/tenant_access_token/internal", "", map[string]string{"app_id": "cli_fake", "app_secret": "nope"}, CodeAppSecretInvalid},
		{"reply without token", reply, "", map[string]any{"msg_type": "interactive", "content": card}, CodeTokenMissing},
		{"reply with a wrong token", reply, "t-other", map[string]any{"msg_type": "interactive", "content": card}, CodeTokenInvalid},
		{"reply without msg_type", reply, tok, map[string]any{"content": card}, CodeInvalidParam},
		{"reply without content", reply, tok, map[string]any{"msg_type": "interactive"}, CodeInvalidParam},
		{"reply with a card without elements", reply, tok, map[string]any{"msg_type": "interactive", "content": `{"elements":[]}`}, CodeInvalidParam},
		{"reply to a bad message id", s.URL() + "/open-apis/im/v1/messages/x/reply", tok, map[string]any{"msg_type": "interactive", "content": card}, CodeMessageNotFound},
		{"reaction without emoji", s.URL() + "/open-apis/im/v1/messages/om_1/reactions", tok, map[string]any{}, CodeInvalidParam},
		{"good reply", reply, tok, map[string]any{"msg_type": "interactive", "content": card, "uuid": "u1"}, CodeOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, out := call(t, tt.url, tt.token, tt.body); got != tt.wantCode {
				t.Errorf("got code %d (%v), want %d", got, out, tt.wantCode)
			}
		})
	}
	// The same uuid again returns the first message and posts nothing new.
	_, out := call(t, reply, tok, map[string]any{"msg_type": "interactive", "content": card, "uuid": "u1"})
	if got := len(s.Replies()); got != 1 {
		t.Errorf("after a repeated uuid: got %d replies, want 1", got)
	}
	if got, want := out["data"].(map[string]any)["message_id"], s.Replies()[0].MessageID; got != want {
		t.Errorf("repeated uuid: got message %v, want %v", got, want)
	}
}

func TestServerImageUpload(t *testing.T) {
	s := NewServer("cli_fake", "secret")
	defer s.Close()
	tok := token(t, s)
	upload := func(imageType string, data []byte) int {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		_ = w.WriteField("image_type", imageType)
		f, _ := w.CreateFormFile("image", "chart.png")
		f.Write(data)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/open-apis/im/v1/images", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Code int }
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Code
	}
	png := []byte("\x89PNG\r\n\x1a\nrest")
	tests := []struct {
		name, imageType string
		data            []byte
		want            int
	}{
		{"png for a message", "message", png, CodeOK},
		{"bad image type", "sticker", png, CodeInvalidParam},
		{"not an image", "message", []byte("hello"), CodeImageInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := upload(tt.imageType, tt.data); got != tt.want {
				t.Errorf("got code %d, want %d", got, tt.want)
			}
		})
	}
	if got := len(s.Images()); got != 1 {
		t.Errorf("got %d images stored, want 1", got)
	}
}
