package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TemporaryError wraps a failure that may succeed when tried again: a dropped connection, a
// database that is restarting, a busy lock, a serialization failure.
type TemporaryError struct {
	Err error
}

func (e *TemporaryError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *TemporaryError) Unwrap() error { return e.Err }

// Temporary marks err as worth retrying. It returns nil for a nil err.
func Temporary(err error) error {
	if err == nil {
		return nil
	}
	return &TemporaryError{Err: err}
}

// IsRetryable reports whether err, or an error it wraps, is a TemporaryError.
func IsRetryable(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// Retrier calls a function until it succeeds, fails permanently, or the context ends, backing
// off exponentially between attempts. The zero value uses the defaults documented on each
// field. A Retrier is safe for concurrent use.
type Retrier struct {
	Initial  time.Duration // first wait; default 100ms
	Max      time.Duration // longest wait; default 30s
	Attempts int           // give up after this many calls; 0 means until ctx ends

	// Sleep waits for d or until ctx ends; default a timer. Tests inject one that records.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Do calls fn until it returns nil or an error that is not retryable, or until ctx ends or
// the attempts run out. It returns fn's last error, wrapped with the number of attempts when it
// gave up on a retryable one.
func (r Retrier) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	wait := r.Initial
	if wait <= 0 {
		wait = 100 * time.Millisecond
	}
	maxWait := r.Max
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	sleep := r.Sleep
	if sleep == nil {
		sleep = sleepContext
	}
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !IsRetryable(err) {
			return err
		}
		if r.Attempts > 0 && attempt >= r.Attempts {
			return fmt.Errorf("give up after %d attempts: %w", attempt, err)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("stop retrying after %d attempts: %w (last error: %w)", attempt, serr, err)
		}
		wait *= 2
		if wait > maxWait {
			wait = maxWait
		}
	}
}

// Retry calls fn with the default Retrier: until it succeeds, fails permanently or ctx ends.
// Use it for writes that must not be lost, such as cause notes and alert status changes.
func Retry(ctx context.Context, fn func(ctx context.Context) error) error {
	return Retrier{}.Do(ctx, fn)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
