// Package slack connects metricbot to Slack. It receives app mentions, direct messages, the
// /metric slash command and button clicks, over Socket Mode or over HTTP (Events API,
// interactivity and slash command requests signed with the app's signing secret), translates
// them into bot.Message and bot.Action, hands them to a bot.Handler, and renders the neutral
// bot.Reply it gets back as Block Kit messages and chart uploads in the question's thread.
//
// The adapter never decides what to say and never runs a query: it only translates and renders.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/metricbot/metricbot/bot"
)

// Modes of receiving events.
const (
	// ModeSocket receives events over a Socket Mode websocket; no public URL is needed.
	ModeSocket = "socket"
	// ModeHTTP receives events as signed HTTP requests (Events API, interactivity, slash
	// commands) on HTTPAddr or on whatever server mounts HTTPHandler.
	ModeHTTP = "http"
)

// Defaults for Options.
const (
	DefaultReplayWindow = 5 * time.Minute
	DefaultCommand      = "/metric"
	DefaultWorkers      = 8
	DefaultEventTimeout = 30 * time.Second
	DefaultMaxRetries   = 3
	// DefaultWorkingReaction is the reaction that shows the bot is working on a question.
	DefaultWorkingReaction = "hourglass_flowing_sand"
)

// maxReplayWindow is the bound slack-go's verifier enforces against the wall clock; a longer
// window could never be honoured.
const maxReplayWindow = 5 * time.Minute

// Options configures an Adapter. Secrets are passed in by the caller (usually from the
// environment) and never printed: Options formats and logs them as <secret>.
type Options struct {
	// BotToken is the bot user OAuth token (xoxb-...), used for every Web API call.
	BotToken string
	// AppToken is the app-level token (xapp-...) with connections:write, needed in socket mode.
	AppToken string
	// SigningSecret verifies HTTP requests from Slack; needed in http mode.
	SigningSecret string
	// Mode is ModeSocket (the default) or ModeHTTP.
	Mode string
	// APIURL is the Slack Web API base URL, ending in "/" (GovSlack, a proxy, or a test
	// server). Empty means slack-go's default.
	APIURL string
	// HTTPAddr is where Run serves HTTPHandler in http mode ("127.0.0.1:8080"). Leave it empty
	// to mount HTTPHandler on a server of your own.
	HTTPAddr string
	// Command is the slash command that asks a question. Default "/metric".
	Command string
	// ReplayWindow bounds how old (or how far in the future) a signed request's timestamp may
	// be. Default and maximum 5 minutes.
	ReplayWindow time.Duration
	// Workers bounds how many events are handed to the Handler at once. Default 8.
	Workers int
	// EventTimeout bounds the work on one event before and while the Handler is called.
	// Default 30s.
	EventTimeout time.Duration
	// MaxRetries bounds the retries of a Web API call that Slack rate-limited. Default 3.
	MaxRetries int
	// WorkingReaction is the reaction added while the bot works on a question. Default
	// "hourglass_flowing_sand".
	WorkingReaction string
	// Logger receives the adapter's logs. Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx ends; it paces retries after rate limits. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

const hidden = "<secret>"

func hide(s string) string {
	if s == "" {
		return ""
	}
	return hidden
}

// LogValue implements slog.LogValuer: the options without their secrets.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", o.Mode),
		slog.String("bot_token", hide(o.BotToken)),
		slog.String("app_token", hide(o.AppToken)),
		slog.String("signing_secret", hide(o.SigningSecret)),
		slog.String("api_url", o.APIURL),
		slog.String("http_addr", o.HTTPAddr),
		slog.String("command", o.Command),
		slog.Duration("replay_window", o.ReplayWindow),
		slog.Int("workers", o.Workers),
	)
}

// String implements fmt.Stringer without the secrets.
func (o Options) String() string {
	return fmt.Sprintf("slack.Options{Mode:%q BotToken:%q AppToken:%q SigningSecret:%q APIURL:%q HTTPAddr:%q Command:%q}",
		o.Mode, hide(o.BotToken), hide(o.AppToken), hide(o.SigningSecret), o.APIURL, o.HTTPAddr, o.Command)
}

// GoString implements fmt.GoStringer, so %#v hides the secrets too.
func (o Options) GoString() string { return o.String() }

// ErrInvalidOptions is matched (errors.Is) by the *OptionsError that New returns.
var ErrInvalidOptions = errors.New("invalid slack options")

// OptionsError lists every problem New found in the options.
type OptionsError struct {
	Problems []string
}

func (e *OptionsError) Error() string {
	return "slack options: " + strings.Join(e.Problems, "; ")
}

// Is reports whether target is ErrInvalidOptions.
func (e *OptionsError) Is(target error) bool { return target == ErrInvalidOptions }

// withDefaults returns the options with defaults filled in.
func (o Options) withDefaults() Options {
	if o.Mode == "" {
		o.Mode = ModeSocket
	}
	if o.Command == "" {
		o.Command = DefaultCommand
	}
	if o.ReplayWindow == 0 {
		o.ReplayWindow = DefaultReplayWindow
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.EventTimeout == 0 {
		o.EventTimeout = DefaultEventTimeout
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.WorkingReaction == "" {
		o.WorkingReaction = DefaultWorkingReaction
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	return o
}

// validate reports every problem with the (defaulted) options at once.
func (o Options) validate() error {
	var p []string
	switch o.Mode {
	case ModeSocket:
		if o.AppToken == "" {
			p = append(p, "socket mode needs an app-level token (SLACK_APP_TOKEN)")
		} else if !strings.HasPrefix(o.AppToken, "xapp-") {
			p = append(p, `the app-level token must start with "xapp-"`)
		}
	case ModeHTTP:
		if o.SigningSecret == "" {
			p = append(p, "http mode needs a signing secret (SLACK_SIGNING_SECRET)")
		}
	default:
		p = append(p, fmt.Sprintf("mode %q is not %q or %q", o.Mode, ModeSocket, ModeHTTP))
	}
	if o.BotToken == "" {
		p = append(p, "a bot token is needed (SLACK_BOT_TOKEN)")
	} else if !strings.HasPrefix(o.BotToken, "xoxb-") {
		p = append(p, `the bot token must start with "xoxb-"`)
	}
	if o.APIURL != "" && !strings.HasSuffix(o.APIURL, "/") {
		p = append(p, fmt.Sprintf("api url %q must end with /", o.APIURL))
	}
	if !strings.HasPrefix(o.Command, "/") {
		p = append(p, fmt.Sprintf("command %q must start with /", o.Command))
	}
	if o.ReplayWindow < 0 || o.ReplayWindow > maxReplayWindow {
		p = append(p, fmt.Sprintf("replay window %s is not between 0 and %s", o.ReplayWindow, maxReplayWindow))
	}
	if o.Workers < 0 {
		p = append(p, fmt.Sprintf("workers %d is negative", o.Workers))
	}
	if o.EventTimeout < 0 {
		p = append(p, fmt.Sprintf("event timeout %s is negative", o.EventTimeout))
	}
	if o.MaxRetries < 0 {
		p = append(p, fmt.Sprintf("max retries %d is negative", o.MaxRetries))
	}
	if len(p) > 0 {
		return &OptionsError{Problems: p}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// api is the part of slack-go's Web API client that the adapter uses.
type api interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
	AddReactionContext(ctx context.Context, name string, item slack.ItemRef) error
	RemoveReactionContext(ctx context.Context, name string, item slack.ItemRef) error
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
}

var _ api = (*slack.Client)(nil)

// Adapter connects a bot.Handler to Slack. It is safe for concurrent use; Run is called once.
type Adapter struct {
	opts    Options
	h       bot.Handler
	log     *slog.Logger
	client  *slack.Client // nil when a test injected api
	api     api
	workers chan struct{}
	wg      sync.WaitGroup

	mu    sync.Mutex
	botID string // the bot's own user id, learnt from auth.test
}

// New validates the options and returns an adapter that hands events to h.
func New(opts Options, h bot.Handler) (*Adapter, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, &OptionsError{Problems: []string{"a handler is needed"}}
	}
	clientOpts := []slack.Option{slack.OptionLog(slogOutput{opts.Logger})}
	if opts.APIURL != "" {
		clientOpts = append(clientOpts, slack.OptionAPIURL(opts.APIURL))
	}
	if opts.AppToken != "" {
		clientOpts = append(clientOpts, slack.OptionAppLevelToken(opts.AppToken))
	}
	c := slack.New(opts.BotToken, clientOpts...)
	a := newAdapter(opts, h, c)
	a.client = c
	return a, nil
}

// newAdapter builds an adapter on any api implementation; opts must be defaulted and valid.
func newAdapter(opts Options, h bot.Handler, c api) *Adapter {
	return &Adapter{
		opts:    opts,
		h:       h,
		log:     opts.Logger.With("component", "slack"),
		api:     c,
		workers: make(chan struct{}, opts.Workers),
	}
}

// Run receives events until ctx ends. In socket mode it opens the Socket Mode connection
// (reconnecting as slack-go does); in http mode it serves HTTPHandler on HTTPAddr, or, with no
// HTTPAddr, leaves serving to whoever mounted HTTPHandler and only waits. It checks the bot
// token first (auth.test), waits for the events it dispatched before it returns, and returns
// nil when ctx ends.
func (a *Adapter) Run(ctx context.Context) error {
	if _, err := a.self(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return fmt.Errorf("slack: check bot token: %w", err)
	}
	defer a.wg.Wait()
	switch a.opts.Mode {
	case ModeHTTP:
		return a.serveHTTP(ctx)
	default:
		return a.runSocket(ctx)
	}
}

func (a *Adapter) serveHTTP(ctx context.Context) error {
	if a.opts.HTTPAddr == "" {
		// HTTPHandler is mounted on the caller's server; Run only owns the dispatched work.
		<-ctx.Done()
		return nil
	}
	srv := &http.Server{
		Addr:              a.opts.HTTPAddr,
		Handler:           a.HTTPHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", a.opts.HTTPAddr)
	if err != nil {
		return fmt.Errorf("slack: serve http: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("slack: serving events over http", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("slack: serve http on %s: %w", a.opts.HTTPAddr, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("slack: shut down http server: %w", err)
	}
	<-errc
	return nil
}

func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.client, socketmode.OptionLog(slogOutput{a.log}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- sm.RunContext(ctx)
		cancel()
	}()
	for {
		select {
		case <-ctx.Done():
			err := <-errc
			if err == nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case evt := <-sm.Events:
			if err := a.socketEvent(ctx, sm, evt); err != nil {
				cancel()
				<-errc
				return err
			}
		}
	}
}

// socketEvent acknowledges a Socket Mode envelope at once and dispatches its content.
func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("slack: connecting")
		return nil
	case socketmode.EventTypeConnected:
		a.log.Info("slack: connected over socket mode")
		return nil
	case socketmode.EventTypeHello, socketmode.EventTypeDisconnect:
		a.log.Debug("slack: socket mode control message", "type", string(evt.Type))
		return nil
	case socketmode.EventTypeInvalidAuth:
		return errors.New("slack: socket mode: the app-level token was refused")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError,
		socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		a.log.Warn("slack: socket mode trouble", "type", string(evt.Type), "err", socketErr(evt.Data))
		return nil
	}
	if evt.Request == nil {
		return nil
	}
	req := evt.Request
	if err := sm.AckCtx(ctx, req.EnvelopeID, nil); err != nil {
		a.log.Error("slack: acknowledge envelope", "envelope_id", req.EnvelopeID, "err", err)
	}
	if req.RetryAttempt > 0 {
		a.log.Debug("slack: redelivery", "envelope_id", req.EnvelopeID,
			"retry_attempt", req.RetryAttempt, "retry_reason", req.RetryReason)
	}
	var j job
	switch data := evt.Data.(type) {
	case slackevents.EventsAPIEvent:
		j = a.eventsAPIJob(ctx, data)
	case slack.SlashCommand:
		j = a.slashJob(data)
	case slack.InteractionCallback:
		j = a.interactionJob(data)
	default:
		a.log.Debug("slack: ignored socket mode request", "type", string(evt.Type))
	}
	if j == nil {
		return nil
	}
	// Wait for a worker off the event loop, so that the envelopes behind this one are
	// acknowledged at once too.
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		select {
		case a.workers <- struct{}{}:
			a.start(ctx, j)
		case <-ctx.Done():
			a.log.Error("slack: shutting down before an acknowledged event was handled", "envelope_id", req.EnvelopeID)
		}
	}()
	return nil
}

func socketErr(data any) any {
	switch d := data.(type) {
	case *slack.ConnectionErrorEvent:
		return d.ErrorObj
	case *slack.IncomingEventError:
		return d.ErrorObj
	case *socketmode.ErrorWriteFailed:
		return d.Cause
	case *socketmode.ErrorBadMessage:
		return d.Cause
	}
	return data
}

// job is the work on one event after it was acknowledged.
type job func(ctx context.Context)

// start runs j on a worker slot the caller already took; the slot is released when j ends.
func (a *Adapter) start(ctx context.Context, j job) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer func() { <-a.workers }()
		ctx, cancel := context.WithTimeout(ctx, a.opts.EventTimeout)
		defer cancel()
		j(ctx)
	}()
}

// self returns the bot's own user id, asking auth.test once.
func (a *Adapter) self(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.botID != "" {
		return a.botID, nil
	}
	var id string
	err := a.retry(ctx, "auth.test", nil, func(ctx context.Context) error {
		r, err := a.api.AuthTestContext(ctx)
		if err != nil {
			return err
		}
		id = r.UserID
		return nil
	})
	if err != nil {
		return "", err
	}
	a.botID = id
	return id, nil
}

// retry calls fn, waiting and calling again while Slack answers with a rate limit, at most
// MaxRetries times. attrs describe the call for the logs.
func (a *Adapter) retry(ctx context.Context, op string, attrs []any, fn func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		wait, limited := rateLimited(err)
		if !limited {
			return err
		}
		if attempt >= a.opts.MaxRetries {
			a.log.Error("slack: giving up after rate limits", append([]any{"op", op, "attempts", attempt + 1, "err", err}, attrs...)...)
			return err
		}
		a.log.Warn("slack: rate limited, waiting", append([]any{"op", op, "retry_after", wait, "attempt", attempt + 1}, attrs...)...)
		if serr := a.opts.Sleep(ctx, wait); serr != nil {
			a.log.Error("slack: gave up waiting out a rate limit", append([]any{"op", op, "err", serr}, attrs...)...)
			return err
		}
	}
}

// rateLimited reports whether err is Slack's 429 and how long to wait before calling again.
func rateLimited(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		if rl.RetryAfter <= 0 {
			return time.Second, true
		}
		return rl.RetryAfter, true
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code == http.StatusTooManyRequests {
		return time.Second, true
	}
	return 0, false
}

// slogOutput adapts slog to slack-go's logger interface; slack-go only logs through it in
// debug mode, which the adapter leaves off.
type slogOutput struct{ l *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.l.Debug("slack-go: " + strings.TrimSpace(msg))
	return nil
}
