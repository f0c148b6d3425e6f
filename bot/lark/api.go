package lark

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/metricbot/metricbot/bot"
)

// ErrRateLimited matches (errors.Is) an APIError for which Lark answered HTTP 429 or its
// rate-limit code 99991400, after the bounded retries gave up.
var ErrRateLimited = errors.New("lark rate limit")

// errEmptyReply is a reply with nothing to show.
var errEmptyReply = errors.New("reply has nothing to show")

// codeRateLimited is the open platform's "request trigger frequency limit".
const codeRateLimited = 99991400

// Backoff between attempts: base doubling per attempt, capped; a server-sent reset time wins
// up to maxRetryAfter.
const (
	backoffBase   = 500 * time.Millisecond
	backoffCap    = 8 * time.Second
	maxRetryAfter = 30 * time.Second
)

// APIError is a non-zero code from the open platform.
type APIError struct {
	Status int    // HTTP status
	Code   int    // Lark's error code
	Msg    string // Lark's message
	LogID  string // Lark's request log id, for their support
	// RetryAfter is the wait the server asked for, if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("code %d: %s (http %d", e.Code, e.Msg, e.Status)
	if e.LogID != "" {
		s += ", log id " + e.LogID
	}
	return s + ")"
}

// Is makes errors.Is(err, ErrRateLimited) true for rate-limit answers.
func (e *APIError) Is(target error) bool { return target == ErrRateLimited && e.rateLimited() }

func (e *APIError) rateLimited() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == codeRateLimited
}

// tokenRejected says Lark did not accept the tenant token; a new one may work.
func (e *APIError) tokenRejected() bool {
	return e.Code == codeTokenInvalid || e.Code == codeTokenExpired
}

// Retryable says whether the same request may succeed later: rate limits, server errors, and a
// rejected tenant token (retried with a new one).
func (e *APIError) Retryable() bool { return e.rateLimited() || e.Status >= 500 || e.tokenRejected() }

// codeErr turns a failed answer into an *APIError.
func codeErr(resp *larkcore.ApiResp, ce larkcore.CodeError) error {
	e := &APIError{Code: ce.Code, Msg: ce.Msg}
	if resp != nil {
		e.Status = resp.StatusCode
		e.LogID = resp.LogId()
		e.RetryAfter = retryAfter(resp.Header)
	}
	return e
}

// callErr classifies an error the SDK returned: a code from the tenant token call becomes an
// *APIError too.
func callErr(err error) error {
	var ce larkcore.CodeError
	if errors.As(err, &ce) {
		return fmt.Errorf("get tenant access token: %w", &APIError{Code: ce.Code, Msg: ce.Msg})
	}
	return err
}

// retryAfter reads the wait a rate-limited answer asks for: Lark's x-ogw-ratelimit-reset or the
// standard Retry-After, in seconds.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"X-Ogw-Ratelimit-Reset", "Retry-After"} {
		if s, err := strconv.Atoi(h.Get(k)); err == nil && s > 0 {
			return time.Duration(s) * time.Second
		}
	}
	return 0
}

func retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable()
	}
	var st *larkcore.ServerTimeoutError
	var df *larkcore.DialFailedError
	var ct *larkcore.ClientTimeoutError
	return errors.As(err, &st) || errors.As(err, &df) || errors.As(err, &ct)
}

// backoff is the wait after the given failed attempt (1-based).
func backoff(attempt int, err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.tokenRejected() {
		return 0 // nothing to wait for: the next attempt fetches a new token
	}
	d := backoffBase << (attempt - 1)
	if d > backoffCap || d <= 0 {
		d = backoffCap
	}
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = min(ae.RetryAfter, maxRetryAfter)
	}
	return d
}

// retry calls call until it succeeds, fails for good, or MaxAttempts calls were made, sleeping
// between attempts with the injected sleeper; it stops when ctx ends.
func (a *Adapter) retry(ctx context.Context, op string, attrs []any, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if attempt >= a.opts.MaxAttempts || !retryable(err) {
			return err
		}
		d := backoff(attempt, err)
		a.log.WarnContext(ctx, "lark: call failed, retrying",
			append([]any{"op", op, "attempt", attempt, "wait", d, "err", err}, attrs...)...)
		if d == 0 {
			tokens.reset()
			continue
		}
		if serr := a.opts.Sleep(ctx, d); serr != nil {
			return fmt.Errorf("%w (stopped retrying: %v)", err, serr)
		}
	}
}

// botID returns the bot's open_id, asking /open-apis/bot/v3/info once.
func (a *Adapter) botID(ctx context.Context) (string, error) {
	a.mu.Lock()
	id := a.botOpenID
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var info struct {
		larkcore.CodeError
		Bot struct {
			OpenID string `json:"open_id"`
		} `json:"bot"`
	}
	err := a.retry(ctx, "bot info", nil, func(ctx context.Context) error {
		resp, err := a.client.Get(ctx, "/open-apis/bot/v3/info", nil, larkcore.AccessTokenTypeTenant)
		if err != nil {
			return callErr(err)
		}
		if err := json.Unmarshal(resp.RawBody, &info); err != nil {
			return fmt.Errorf("decode bot info (http %d): %w", resp.StatusCode, err)
		}
		if info.Code != 0 {
			return codeErr(resp, info.CodeError)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("get bot info: %w", err)
	}
	if info.Bot.OpenID == "" {
		return "", errors.New("get bot info: no open_id in the answer")
	}
	a.mu.Lock()
	a.botOpenID = info.Bot.OpenID
	a.mu.Unlock()
	return info.Bot.OpenID, nil
}

// responder answers one event in its thread. It is safe for concurrent use.
type responder struct {
	a                                  *Adapter
	eventID, chatID, messageID, thread string

	mu sync.Mutex
	n  int // replies sent so far, for their idempotency keys
}

var (
	_ bot.Responder = (*responder)(nil)
	_ bot.Progress  = (*responder)(nil)
)

func (a *Adapter) responder(eventID, chatID, messageID, thread string) *responder {
	return &responder{a: a, eventID: eventID, chatID: chatID, messageID: messageID, thread: thread}
}

func (r *responder) attrs() []any {
	return []any{"event_id", r.eventID, "chat_id", r.chatID, "message_id", r.messageID}
}

// Reply uploads the reply's chart, if any, and replies to the event's message in its thread with
// an interactive card. A chart that cannot be uploaded is logged and left out; the answer still
// goes out.
func (r *responder) Reply(ctx context.Context, rep bot.Reply) error {
	var imageKey string
	if rep.Chart != nil && len(rep.Chart.PNG) > 0 {
		key, err := r.a.uploadImage(ctx, rep.Chart.PNG, r.attrs())
		if err != nil {
			r.a.log.WarnContext(ctx, "lark: upload chart failed, replying without it", append(r.attrs(), "err", err)...)
		}
		imageKey = key
	}
	content, err := renderCard(rep, imageKey, r.thread)
	if err != nil {
		return fmt.Errorf("lark: render reply to message %s: %w", r.messageID, err)
	}
	uuid := r.nextUUID()
	err = r.a.retry(ctx, "reply", r.attrs(), func(ctx context.Context) error {
		req := larkim.NewReplyMessageReqBuilder().
			MessageId(r.messageID).
			Body(larkim.NewReplyMessageReqBodyBuilder().
				MsgType(larkim.MsgTypeInteractive).
				Content(string(content)).
				ReplyInThread(true).
				Uuid(uuid).
				Build()).
			Build()
		resp, err := r.a.client.Im.V1.Message.Reply(ctx, req)
		if err != nil {
			return callErr(err)
		}
		if !resp.Success() {
			return codeErr(resp.ApiResp, resp.CodeError)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("lark: reply to message %s in chat %s (event %s): %w", r.messageID, r.chatID, r.eventID, err)
	}
	return nil
}

// Working adds a reaction to the event's message.
func (r *responder) Working(ctx context.Context) error {
	err := r.a.retry(ctx, "add reaction", r.attrs(), func(ctx context.Context) error {
		req := larkim.NewCreateMessageReactionReqBuilder().
			MessageId(r.messageID).
			Body(larkim.NewCreateMessageReactionReqBodyBuilder().
				ReactionType(larkim.NewEmojiBuilder().EmojiType(r.a.opts.WorkingEmoji).Build()).
				Build()).
			Build()
		resp, err := r.a.client.Im.V1.MessageReaction.Create(ctx, req)
		if err != nil {
			return callErr(err)
		}
		if !resp.Success() {
			return codeErr(resp.ApiResp, resp.CodeError)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("lark: add reaction to message %s in chat %s (event %s): %w", r.messageID, r.chatID, r.eventID, err)
	}
	return nil
}

// nextUUID is the idempotency key of the next reply: Lark sends at most one message per key
// within an hour, so a retried call never posts twice.
func (r *responder) nextUUID() string {
	r.mu.Lock()
	r.n++
	n := r.n
	r.mu.Unlock()
	seed := r.eventID
	if seed == "" {
		seed = r.messageID
	}
	sum := sha256.Sum256([]byte(seed + "/" + strconv.Itoa(n)))
	return hex.EncodeToString(sum[:16])
}

// uploadImage uploads a PNG for use in a message and returns its image_key.
func (a *Adapter) uploadImage(ctx context.Context, png []byte, attrs []any) (string, error) {
	var key string
	err := a.retry(ctx, "upload image", attrs, func(ctx context.Context) error {
		req := larkim.NewCreateImageReqBuilder().
			Body(larkim.NewCreateImageReqBodyBuilder().
				ImageType(larkim.CreateImageImageTypeMessage).
				Image(bytes.NewReader(png)).
				Build()).
			Build()
		resp, err := a.client.Im.V1.Image.Create(ctx, req)
		if err != nil {
			return callErr(err)
		}
		if !resp.Success() {
			return codeErr(resp.ApiResp, resp.CodeError)
		}
		if resp.Data == nil || resp.Data.ImageKey == nil || *resp.Data.ImageKey == "" {
			return errors.New("no image_key in the answer")
		}
		key = *resp.Data.ImageKey
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("lark: upload image: %w", err)
	}
	return key, nil
}
