package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/store"
)

func TestRetrier(t *testing.T) {
	errDown := store.Temporary(errors.New("connection refused"))
	errBad := errors.New("syntax error")
	tests := []struct {
		name      string
		results   []error // what fn returns on each call; the last repeats
		attempts  int
		wantCalls int
		wantWaits []time.Duration
		wantErr   error
	}{
		{name: "success first time", results: []error{nil}, wantCalls: 1},
		{name: "retry then success", results: []error{errDown, errDown, errDown, nil}, wantCalls: 4,
			wantWaits: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}},
		{name: "permanent error stops", results: []error{errDown, errBad}, wantCalls: 2,
			wantWaits: []time.Duration{10 * time.Millisecond}, wantErr: errBad},
		{name: "attempts run out", results: []error{errDown}, attempts: 5, wantCalls: 5,
			wantWaits: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond}, wantErr: errDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var waits []time.Duration
			r := store.Retrier{
				Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, Attempts: tt.attempts,
				Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil },
			}
			calls := 0
			err := r.Do(context.Background(), func(ctx context.Context) error {
				res := tt.results[min(calls, len(tt.results)-1)]
				calls++
				return res
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls {
				t.Errorf("got %d calls, want %d", calls, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetrierStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	r := store.Retrier{Sleep: func(ctx context.Context, d time.Duration) error {
		cancel() // the context ends while we wait
		return ctx.Err()
	}}
	err := r.Do(ctx, func(ctx context.Context) error {
		calls++
		return store.Temporary(errors.New("database restarting"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if !store.IsRetryable(err) {
		t.Errorf("got IsRetryable false for %v, want the last store error kept", err)
	}
	if calls != 1 {
		t.Errorf("got %d calls, want 1", calls)
	}
}

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("x"), false},
		{store.Temporary(errors.New("x")), true},
		{fmt.Errorf("save note: %w", store.Temporary(errors.New("x"))), true},
		{store.ErrNotFound, false},
	}
	for _, tt := range tests {
		if got := store.IsRetryable(tt.err); got != tt.want {
			t.Errorf("IsRetryable(%v): got %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b": 1, "a": {"d": [1, 2], "c": "华东"}}`, `{"a":{"c":"华东","d":[1,2]},"b":1}`},
		{``, `null`},
		{`  `, `null`},
		{`12345678901234567890`, `12345678901234567890`},
	}
	for _, tt := range tests {
		got, err := store.CanonicalJSON(json.RawMessage(tt.in))
		if err != nil {
			t.Fatalf("CanonicalJSON(%q): %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("CanonicalJSON(%q): got %s, want %s", tt.in, got, tt.want)
		}
	}
	if _, err := store.CanonicalJSON(json.RawMessage(`{"a":`)); err == nil {
		t.Errorf("CanonicalJSON of broken json: got nil error, want one")
	}
}

func TestSchemaTooNewError(t *testing.T) {
	err := error(&store.SchemaTooNewError{Database: 7, Binary: 3})
	want := "database schema is at version 7 but this binary only knows up to version 3: upgrade metricbot or point it at another database"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}
