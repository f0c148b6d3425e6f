package warehouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
)

func TestErrorTemporary(t *testing.T) {
	tests := []struct {
		kind Kind
		want bool
	}{
		{Unknown, false},
		{Unavailable, true},
		{Auth, false},
		{Timeout, true},
		{Canceled, false},
		{TooManyRows, false},
		{BadQuery, false},
		{Config, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			e := &Error{Kind: tt.kind, Op: "query postgres", Err: errors.New("boom")}
			if got := e.Temporary(); got != tt.want {
				t.Errorf("Temporary() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrorMessageAndChain(t *testing.T) {
	cause := &hiddenError{msg: "statement timeout after 5s", cause: context.DeadlineExceeded}
	err := fmt.Errorf("answer gmv: %w", &Error{Kind: Timeout, Op: "query postgres", Err: cause})
	if got, want := err.Error(), "answer gmv: query postgres: statement timeout after 5s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, DeadlineExceeded) = false, want true")
	}
	if got := KindOf(err); got != Timeout {
		t.Errorf("KindOf = %v, want %v", got, Timeout)
	}
	if got := KindOf(errors.New("plain")); got != Unknown {
		t.Errorf("KindOf(plain) = %v, want %v", got, Unknown)
	}
	if got, want := (&Error{Kind: Auth, Op: "open mysql"}).Error(), "open mysql: auth"; got != want {
		t.Errorf("Error() without cause = %q, want %q", got, want)
	}
}

func TestClassifyNetwork(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, Unknown},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, Unavailable},
		{"wrapped refused", fmt.Errorf("connect: %w", syscall.ECONNREFUSED), Unavailable},
		{"reset", syscall.ECONNRESET, Unavailable},
		{"eof", io.ErrUnexpectedEOF, Unavailable},
		{"bad conn", driver.ErrBadConn, Unavailable},
		{"dns", &net.DNSError{Err: "no such host", Name: "warehouse.invalid"}, Unavailable},
		{"other", errors.New("syntax error"), Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyNetwork(tt.err); got != tt.want {
				t.Errorf("ClassifyNetwork(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestScrub(t *testing.T) {
	const secret = "hunter2-Secret"
	leaky := &Error{Kind: Unavailable, Op: "open postgres", Err: fmt.Errorf("dial postgres://u:%s@db: %w", secret, syscall.ECONNREFUSED)}
	tests := []struct {
		name     string
		err      error
		secret   string
		wantMsg  string
		wantKind Kind
	}{
		{"no secret", leaky, "", leaky.Error(), Unavailable},
		{"secret absent", &Error{Kind: Auth, Op: "open mysql", Err: errors.New("access denied")}, secret, "open mysql: access denied", Auth},
		{"secret replaced, kind kept", leaky, secret, "open postgres: dial postgres://u:<secret>@db: connection refused", Unavailable},
		{"plain error", errors.New("x " + secret), secret, "x <secret>", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Scrub(tt.err, tt.secret)
			if got.Error() != tt.wantMsg {
				t.Errorf("Scrub().Error() = %q, want %q", got.Error(), tt.wantMsg)
			}
			if tt.secret != "" && strings.Contains(got.Error(), tt.secret) {
				t.Errorf("Scrub().Error() = %q still holds the secret", got.Error())
			}
			if k := KindOf(got); k != tt.wantKind {
				t.Errorf("KindOf(Scrub()) = %v, want %v", k, tt.wantKind)
			}
		})
	}
}

func TestOptionsWithDefaults(t *testing.T) {
	got := Options{}.WithDefaults()
	if got.Timeout != DefaultTimeout || got.MaxRows != DefaultMaxRows ||
		got.MaxOpenConns != DefaultMaxOpenConns || got.ConnectTimeout != DefaultConnectTimeout || got.Logger == nil {
		t.Errorf("Options{}.WithDefaults() = %+v, want every default set", got)
	}
	kept := Options{Timeout: 7, MaxRows: 3, MaxOpenConns: 2, ConnectTimeout: 9, TimeZone: "Asia/Shanghai"}.WithDefaults()
	if kept.Timeout != 7 || kept.MaxRows != 3 || kept.MaxOpenConns != 2 || kept.ConnectTimeout != 9 || kept.TimeZone != "Asia/Shanghai" {
		t.Errorf("WithDefaults changed set fields: %+v", kept)
	}
}
