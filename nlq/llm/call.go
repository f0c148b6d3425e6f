package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Kinds of failed calls, matched with errors.Is on a *CallError.
var (
	// ErrTimeout: no reply within Config.Timeout. Not retried: the person asking is waiting.
	ErrTimeout = errors.New("llm did not reply in time")
	// ErrRateLimited: the endpoint answered 429. Retried once after Retry-After.
	ErrRateLimited = errors.New("llm rate limit reached")
	// ErrServer: the endpoint answered 5xx, or 408. Retried once.
	ErrServer = errors.New("llm server error")
	// ErrUnreachable: no HTTP reply at all (connection refused or reset). Retried once.
	ErrUnreachable = errors.New("llm endpoint unreachable")
	// ErrAuth: the endpoint refused the API key (401 or 403). Not retried.
	ErrAuth = errors.New("llm endpoint refused the api key")
	// ErrRejected: the endpoint refused the request (another 4xx). Not retried.
	ErrRejected = errors.New("llm endpoint rejected the request")
	// ErrEmptyReply: the endpoint answered with no choice. Not retried.
	ErrEmptyReply = errors.New("llm reply has no choices")
)

// CallError is a failed call to the chat completions endpoint. errors.Is matches its Kind and
// the client's error.
type CallError struct {
	Kind       error // one of the Err variables above
	StatusCode int   // HTTP status, 0 when no reply arrived
	// RetryAfter is what the endpoint asked to wait before trying again, 0 when it said nothing.
	RetryAfter time.Duration
	Err        error
}

func (e *CallError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (status %d", e.StatusCode)
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind and the client's error.
func (e *CallError) Unwrap() []error { return []error{e.Kind, e.Err} }

// Temporary reports whether the call is worth one more try.
func (e *CallError) Temporary() bool {
	return e.Kind == ErrRateLimited || e.Kind == ErrServer || e.Kind == ErrUnreachable
}

// Retry bounds.
const (
	// defaultBackoff is the wait before the retry when the endpoint does not say how long.
	defaultBackoff = 500 * time.Millisecond
	// maxBackoff is the longest Retry-After honoured; a longer one is not waited for.
	maxBackoff = 10 * time.Second
)

// complete sends req, retrying once a temporary failure after a backoff that ends with ctx. Each
// try has its own Config.Timeout.
func (p *Planner) complete(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionMessage, error) {
	var err error
	for attempt := 1; ; attempt++ {
		var msg openai.ChatCompletionMessage
		msg, err = p.try(ctx, req)
		if err == nil {
			return msg, nil
		}
		var ce *CallError
		if attempt == 2 || !errors.As(err, &ce) || !ce.Temporary() {
			break
		}
		wait := defaultBackoff
		if ce.RetryAfter > 0 {
			wait = ce.RetryAfter
		}
		if wait > maxBackoff {
			break
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			break
		}
		p.log.Warn("llm call failed; retrying", "attempt", attempt, "wait", wait, "err", err)
		if serr := p.sleep(ctx, wait); serr != nil {
			return openai.ChatCompletionMessage{}, fmt.Errorf("wait to retry: %w (after %w)", serr, err)
		}
	}
	return openai.ChatCompletionMessage{}, err
}

// try makes one call within Config.Timeout.
func (p *Planner) try(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionMessage, error) {
	actx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	hdr := &replyHeader{}
	resp, err := p.client.CreateChatCompletion(context.WithValue(actx, replyHeaderKey{}, hdr), req)
	if err != nil {
		if ctx.Err() != nil {
			return openai.ChatCompletionMessage{}, ctx.Err()
		}
		return openai.ChatCompletionMessage{}, p.classify(err, actx.Err() != nil, hdr.retryAfter)
	}
	if len(resp.Choices) == 0 {
		return openai.ChatCompletionMessage{}, &CallError{Kind: ErrEmptyReply}
	}
	return resp.Choices[0].Message, nil
}

// classify turns a client error into a *CallError.
func (p *Planner) classify(err error, timedOut bool, retryAfter string) error {
	if timedOut {
		return &CallError{Kind: ErrTimeout, Err: err}
	}
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	ce := &CallError{StatusCode: status, Err: err}
	switch {
	case status == 0:
		ce.Kind = ErrUnreachable
	case status == http.StatusTooManyRequests:
		ce.Kind = ErrRateLimited
		ce.RetryAfter = parseRetryAfter(retryAfter, p.now())
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		ce.Kind = ErrAuth
	case status == http.StatusRequestTimeout || status >= 500:
		ce.Kind = ErrServer
		ce.RetryAfter = parseRetryAfter(retryAfter, p.now())
	default:
		ce.Kind = ErrRejected
	}
	return ce
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date. It returns 0 when the
// header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(s)*time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// replyHeader receives the Retry-After header of a reply; go-openai's errors do not carry
// headers, so the transport records it in the request's context.
type replyHeader struct{ retryAfter string }

type replyHeaderKey struct{}

type headerTransport struct{ base http.RoundTripper }

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		if h, ok := req.Context().Value(replyHeaderKey{}).(*replyHeader); ok {
			h.retryAfter = resp.Header.Get("Retry-After")
		}
	}
	return resp, err
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
