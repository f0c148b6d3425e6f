package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody bounds the size of a request from Slack.
const maxBody = 1 << 20

// HTTPHandler returns the handler for Slack's HTTP deliveries: Events API callbacks (JSON),
// interactivity payloads (a form with "payload") and slash commands (a form with "command").
// Point the app's Event Subscriptions, Interactivity and slash command request URLs at it; one
// path serves all three. Every request must carry a valid signature made with the signing
// secret and a timestamp within the replay window, or it is refused with 401. Accepted
// deliveries are answered at once (Slack wants an answer within 3 seconds) and handled on the
// adapter's workers; when they are all busy the answer is 503, and Slack delivers again.
func (a *Adapter) HTTPHandler() http.Handler {
	return http.HandlerFunc(a.serveSlack)
}

func (a *Adapter) serveSlack(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		a.log.Warn("slack: refused an unsigned or stale request", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	// Work started from a request outlives it: the answer goes out before the work is done.
	ctx := context.WithoutCancel(r.Context())
	var j job
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			a.log.Warn("slack: parse events api request", "err", err)
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		if ev.Type == slackevents.URLVerification {
			ch, _ := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
			if ch == nil {
				http.Error(w, "bad challenge", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, ch.Challenge)
			return
		}
		if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
			var id string
			if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
				id = cb.EventID
			}
			a.log.Debug("slack: redelivery", "event_id", id, "retry_num", n,
				"retry_reason", r.Header.Get("X-Slack-Retry-Reason"))
		}
		j = a.eventsAPIJob(ctx, ev)
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if payload := form.Get("payload"); payload != "" {
			var cb slack.InteractionCallback
			if err := json.Unmarshal([]byte(payload), &cb); err != nil {
				a.log.Warn("slack: parse interaction payload", "err", err)
				http.Error(w, "bad payload", http.StatusBadRequest)
				return
			}
			j = a.interactionJob(cb)
		} else if form.Get("command") != "" {
			j = a.slashJob(slashCommand(form))
		} else {
			http.Error(w, "unknown request", http.StatusBadRequest)
			return
		}
	default:
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	if j != nil {
		select {
		case a.workers <- struct{}{}:
			a.start(ctx, j)
		default:
			a.log.Error("slack: all workers busy; asking Slack to deliver again", "path", r.URL.Path)
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// errStaleRequest is returned by verify for a timestamp outside the replay window.
var errStaleRequest = errors.New("request timestamp outside the replay window")

// verify checks the request's timestamp against the injected clock and its signature with
// slack-go's verifier (which also bounds the timestamp by the wall clock).
func (a *Adapter) verify(h http.Header, body []byte) error {
	ts, err := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil {
		return slack.ErrMissingHeaders
	}
	if d := a.opts.Now().Sub(time.Unix(ts, 0)).Abs(); d > a.opts.ReplayWindow {
		return errStaleRequest
	}
	sv, err := slack.NewSecretsVerifier(h, a.opts.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// slashCommand reads a slash command from its form.
func slashCommand(f url.Values) slack.SlashCommand {
	return slack.SlashCommand{
		TeamID:      f.Get("team_id"),
		TeamDomain:  f.Get("team_domain"),
		ChannelID:   f.Get("channel_id"),
		ChannelName: f.Get("channel_name"),
		UserID:      f.Get("user_id"),
		UserName:    f.Get("user_name"),
		Command:     f.Get("command"),
		Text:        f.Get("text"),
		ResponseURL: f.Get("response_url"),
		TriggerID:   f.Get("trigger_id"),
		APIAppID:    f.Get("api_app_id"),
	}
}
