// Package lark connects metricbot to Lark (international) and Feishu (mainland China) through the
// official open-platform SDK. It receives events over the SDK's long connection (or an HTTP
// callback), translates messages that address the bot into bot.Message and card button clicks
// into bot.Action, hands them to a bot.Handler, and renders each bot.Reply as an interactive card
// in the question's thread. It never decides what to say.
package lark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	sdk "github.com/larksuite/oapi-sdk-go/v3"
	larkcard "github.com/larksuite/oapi-sdk-go/v3/card"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/ws"

	"github.com/metricbot/metricbot/bot"
)

// Event delivery modes.
const (
	// ModeWebSocket receives events over the SDK's long connection; no public URL is needed.
	ModeWebSocket = "ws"
	// ModeHTTP receives events on HTTPHandler, which Lark calls at the app's request URL.
	ModeHTTP = "http"
)

// Domains, shorthands for the open-platform base URL.
const (
	DomainFeishu = "feishu"
	DomainLark   = "lark"
)

// The open-platform base URLs of the two tenants' clouds.
const (
	FeishuBaseURL = "https://open.feishu.cn"
	LarkBaseURL   = "https://open.larksuite.com"
)

// maxEventBody bounds an HTTP event callback's body; Lark's events are a few kilobytes.
const maxEventBody = 1 << 20

// Options configures an Adapter. AppSecret, VerificationToken and EncryptKey are secrets: String
// and LogValue hide them.
type Options struct {
	AppID     string
	AppSecret string
	// VerificationToken is the event subscription's verification token. It is required in HTTP
	// mode, where it answers the url_verification challenge and authenticates unencrypted events.
	VerificationToken string
	// EncryptKey is the event subscription's encrypt key; when set, HTTP events arrive encrypted
	// (AES-256-CBC) and signed (X-Lark-Signature), and both are checked.
	EncryptKey string
	// Mode is ModeWebSocket (the default) or ModeHTTP.
	Mode string
	// BaseURL is the open-platform base URL; it wins over Domain.
	BaseURL string
	// Domain is DomainFeishu (the default) or DomainLark.
	Domain string
	// BotOpenID is the bot's own open_id, used to tell whether a group message mentions the bot.
	// When empty it is read once from /open-apis/bot/v3/info.
	BotOpenID string
	// WorkingEmoji is the reaction that Working adds to the question; default "OnIt".
	WorkingEmoji string
	// MaxAttempts bounds the calls of one API request when Lark rate-limits or fails; default 4.
	MaxAttempts int
	// HTTPClient makes the API calls; default a client with a 30 second timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Sleep waits between retries and returns early with ctx's error; default a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

const hidden = "<secret>"

func hide(s string) string {
	if s == "" {
		return ""
	}
	return hidden
}

// String describes the options with the secrets hidden.
func (o Options) String() string {
	return fmt.Sprintf("lark.Options{AppID:%q AppSecret:%s VerificationToken:%s EncryptKey:%s Mode:%q BaseURL:%q Domain:%q}",
		o.AppID, hide(o.AppSecret), hide(o.VerificationToken), hide(o.EncryptKey), o.Mode, o.BaseURL, o.Domain)
}

// GoString is String, so %#v hides the secrets too.
func (o Options) GoString() string { return o.String() }

// LogValue implements slog.LogValuer with the secrets hidden.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("app_id", o.AppID),
		slog.String("app_secret", hide(o.AppSecret)),
		slog.String("verification_token", hide(o.VerificationToken)),
		slog.String("encrypt_key", hide(o.EncryptKey)),
		slog.String("mode", o.Mode),
		slog.String("base_url", o.BaseURL),
		slog.String("domain", o.Domain),
	)
}

// OptionsFromEnv reads the settings from the environment variables LARK_APP_ID,
// LARK_APP_SECRET, LARK_VERIFICATION_TOKEN, LARK_ENCRYPT_KEY, LARK_DOMAIN, LARK_BASE_URL,
// LARK_MODE and LARK_BOT_OPEN_ID, through getenv (os.Getenv in production).
func OptionsFromEnv(getenv func(string) string) Options {
	return Options{
		AppID:             getenv("LARK_APP_ID"),
		AppSecret:         getenv("LARK_APP_SECRET"),
		VerificationToken: getenv("LARK_VERIFICATION_TOKEN"),
		EncryptKey:        getenv("LARK_ENCRYPT_KEY"),
		Domain:            getenv("LARK_DOMAIN"),
		BaseURL:           getenv("LARK_BASE_URL"),
		Mode:              getenv("LARK_MODE"),
		BotOpenID:         getenv("LARK_BOT_OPEN_ID"),
	}
}

// Validate reports every problem with the options at once.
func (o Options) Validate() error {
	var errs []error
	if o.AppID == "" {
		errs = append(errs, errors.New("app id is empty (set LARK_APP_ID)"))
	}
	if o.AppSecret == "" {
		errs = append(errs, errors.New("app secret is empty (set LARK_APP_SECRET)"))
	}
	switch o.Mode {
	case "", ModeWebSocket:
	case ModeHTTP:
		if o.VerificationToken == "" {
			errs = append(errs, errors.New(`mode "http" needs the verification token (set LARK_VERIFICATION_TOKEN)`))
		}
	default:
		errs = append(errs, fmt.Errorf("mode %q is neither %q nor %q", o.Mode, ModeWebSocket, ModeHTTP))
	}
	switch strings.ToLower(o.Domain) {
	case "", DomainFeishu, DomainLark:
	default:
		errs = append(errs, fmt.Errorf("domain %q is neither %q nor %q", o.Domain, DomainFeishu, DomainLark))
	}
	if o.BaseURL != "" && !strings.HasPrefix(o.BaseURL, "http://") && !strings.HasPrefix(o.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("base url %q is not an http(s) url", o.BaseURL))
	}
	if o.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("max attempts %d is negative", o.MaxAttempts))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("lark options: %w", errors.Join(errs...))
}

// baseURL is the open-platform base URL the options select.
func (o Options) baseURL() string {
	if o.BaseURL != "" {
		return strings.TrimRight(o.BaseURL, "/")
	}
	if strings.ToLower(o.Domain) == DomainLark {
		return LarkBaseURL
	}
	return FeishuBaseURL
}

// Adapter connects one Lark or Feishu app to a bot.Handler. It is safe for concurrent use.
type Adapter struct {
	opts       Options
	base       string
	h          bot.Handler
	log        *slog.Logger
	client     *sdk.Client
	dispatcher *dispatcher.EventDispatcher

	mu        sync.Mutex
	botOpenID string
}

// New checks the options and builds an Adapter that hands events to h. It does no I/O.
func New(opts Options, h bot.Handler) (*Adapter, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("lark: new adapter: handler is nil")
	}
	if opts.Mode == "" {
		opts.Mode = ModeWebSocket
	}
	if opts.WorkingEmoji == "" {
		opts.WorkingEmoji = "OnIt"
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 4
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	a := &Adapter{
		opts:      opts,
		base:      opts.baseURL(),
		h:         h,
		log:       opts.Logger.With("component", "lark"),
		botOpenID: opts.BotOpenID,
	}
	sdkLog := sdkLogger{a.log.With("source", "sdk")}
	a.client = sdk.NewClient(opts.AppID, opts.AppSecret,
		sdk.WithOpenBaseUrl(a.base),
		sdk.WithLogger(sdkLog),
		sdk.WithHttpClient(opts.HTTPClient),
		sdk.WithTokenCache(tokens),
	)
	a.dispatcher = dispatcher.NewEventDispatcher(opts.VerificationToken, opts.EncryptKey).
		OnP2MessageReceiveV1(a.onMessage).
		OnP2CardActionTrigger(a.onCardAction)
	a.dispatcher.InitConfig(larkevent.WithLogger(sdkLog))
	return a, nil
}

// Run receives events over the SDK's long connection until ctx ends, reconnecting as the SDK
// does. In HTTP mode it only waits for ctx: serve HTTPHandler instead. It returns nil when ctx
// ends and an error when the connection cannot be made (for example a wrong app secret).
func (a *Adapter) Run(ctx context.Context) error {
	if a.opts.Mode == ModeHTTP {
		<-ctx.Done()
		return nil
	}
	cli := ws.NewClient(a.opts.AppID, a.opts.AppSecret,
		ws.WithEventHandler(a.dispatcher),
		ws.WithDomain(a.base),
		ws.WithLogger(sdkLogger{a.log.With("source", "sdk-ws")}),
		ws.WithHttpClient(a.opts.HTTPClient),
	)
	a.log.InfoContext(ctx, "lark: connecting", "base_url", a.base, "app_id", a.opts.AppID)
	err := cli.Start(ctx)
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		return nil
	}
	return fmt.Errorf("lark: long connection to %s: %w", a.base, err)
}

// viaHTTP marks the context of an event that arrived on the HTTP callback.
type viaHTTP struct{}

// HTTPHandler serves Lark's HTTP event callback (the app's request URL): it answers the
// url_verification challenge, decrypts and checks the signature of encrypted events, checks the
// verification token, and dispatches im.message.receive_v1 and card.action.trigger.
func (a *Adapter) HTTPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBody))
		if err != nil {
			a.log.WarnContext(r.Context(), "lark: read event callback", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ctx := context.WithValue(r.Context(), viaHTTP{}, true)
		resp := a.dispatcher.Handle(ctx, &larkevent.EventReq{Header: r.Header, Body: body, RequestURI: r.RequestURI})
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		if _, err := w.Write(resp.Body); err != nil {
			a.log.DebugContext(r.Context(), "lark: write event callback response", "err", err)
		}
	})
}

// CardHandler serves the legacy card callback (the "message card request URL" of apps made
// before card.action.trigger): it answers its challenge, checks its signature (sha1 over
// timestamp, nonce, verification token and body) and hands button clicks to the handler. New
// apps receive clicks as card.action.trigger through Run or HTTPHandler and do not need it.
func (a *Adapter) CardHandler() http.Handler {
	h := larkcard.NewCardActionHandler(a.opts.VerificationToken, a.opts.EncryptKey, a.onLegacyCardAction)
	h.InitConfig(larkevent.WithLogger(sdkLogger{a.log.With("source", "sdk")}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBody))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		resp := h.Handle(r.Context(), &larkevent.EventReq{Header: r.Header, Body: body, RequestURI: r.RequestURI})
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(resp.Body)
	})
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// sdkLogger sends the SDK's log lines to slog.
type sdkLogger struct{ l *slog.Logger }

var _ larkcore.Logger = sdkLogger{}

func (s sdkLogger) Debug(ctx context.Context, args ...any) {
	s.l.DebugContext(ctx, fmt.Sprint(args...))
}
func (s sdkLogger) Info(ctx context.Context, args ...any) { s.l.InfoContext(ctx, fmt.Sprint(args...)) }
func (s sdkLogger) Warn(ctx context.Context, args ...any) { s.l.WarnContext(ctx, fmt.Sprint(args...)) }
func (s sdkLogger) Error(ctx context.Context, args ...any) {
	s.l.ErrorContext(ctx, fmt.Sprint(args...))
}
