package lark

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
)

// These tests run the SDK's real long-connection client against the fake gateway in larktest:
// the endpoint call, the websocket, the protobuf frames and the acknowledgements.

func TestLongConnectionDeliversEvents(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.EncryptKey = ""; o.VerificationToken = "" })
	ctx := testCtx(t)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.a.Run(runCtx) }()

	ack, err := f.srv.SendEvent(ctx, messageEvent("ev_ws", "group", "om_q", "", "text", textContent("@_user_1 GMV 昨天"), botMention))
	if err != nil {
		t.Fatalf("SendEvent: %v", err)
	}
	if ack.Code != 200 {
		t.Errorf("message ack: got code %d, want 200", ack.Code)
	}
	if diff := cmp.Diff([]bot.Message{wantMessage("ev_ws", "GMV 昨天")}, f.h.Messages()); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}

	ack, err = f.srv.SendEvent(ctx, cardActionEvent("ev_click", map[string]any{"action": bot.ActionThumbsUp, "value": "q-1", "thread": "om_q"}))
	if err != nil {
		t.Fatalf("SendEvent: %v", err)
	}
	if ack.Code != 200 || string(ack.Data) != "{}" {
		t.Errorf("card ack: got %d %q, want 200 {}", ack.Code, ack.Data)
	}
	if got := f.h.Actions(); len(got) != 1 || got[0].ID != bot.ActionThumbsUp || got[0].Thread != "om_q" {
		t.Errorf("got actions %+v, want one thumbs_up in om_q", got)
	}

	f.h.mu.Lock()
	f.h.err = errBusy
	f.h.mu.Unlock()
	ack, err = f.srv.SendEvent(ctx, messageEvent("ev_busy", "p2p", "om_q2", "", "text", textContent("GMV")))
	if err != nil {
		t.Fatalf("SendEvent: %v", err)
	}
	if ack.Code != 500 {
		t.Errorf("refused event ack: got code %d, want 500 so that Lark resends it", ack.Code)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: got %v, want nil", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return after its context ended")
	}
	if f.srv.Pings() == 0 {
		t.Error("the client never pinged the gateway")
	}
}

func TestLongConnectionWrongSecret(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AppSecret = "wrong" })
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() { done <- f.a.Run(ctx) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "long connection") {
			t.Errorf("got %v, want a long connection error", err)
		}
	case <-ctx.Done():
		t.Fatal("Run kept retrying a wrong app secret")
	}
}

func TestRunInHTTPModeWaits(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Mode = ModeHTTP })
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := f.a.Run(ctx); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}
