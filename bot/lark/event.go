package lark

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	larkcard "github.com/larksuite/oapi-sdk-go/v3/card"
	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/metricbot/metricbot/bot"
)

// errBadToken rejects an HTTP event whose verification token is not the app's.
var errBadToken = errors.New("invalid verification token")

// errRefused is what the SDK (and so Lark) is told when the handler refused an event; the
// details are logged, not sent back.
var errRefused = errors.New("event not accepted, try again later")

// ignored says why an event is not for the bot; it is logged at debug level.
type ignored string

func (i ignored) Error() string { return "ignored: " + string(i) }

// onMessage handles im.message.receive_v1.
func (a *Adapter) onMessage(ctx context.Context, ev *larkim.P2MessageReceiveV1) error {
	if err := a.checkToken(ctx, ev.EventV2Base); err != nil {
		return err
	}
	var botID string
	if msg := ev.Event; msg != nil && msg.Message != nil && str(msg.Message.ChatType) != "p2p" {
		id, err := a.botID(ctx)
		if err != nil {
			a.log.ErrorContext(ctx, "lark: look up the bot's open_id", "event_id", eventID(ev.EventV2Base), "err", err)
			return errRefused
		}
		botID = id
	}
	m, err := messageFromEvent(ev, botID, a.opts.Now())
	var why ignored
	if errors.As(err, &why) {
		a.log.DebugContext(ctx, "lark: event not for the bot", "event_id", eventID(ev.EventV2Base), "why", string(why))
		return nil
	}
	if err != nil {
		a.log.WarnContext(ctx, "lark: read message event", "event_id", eventID(ev.EventV2Base), "err", err)
		return nil
	}
	out := a.responder(m.EventID, m.Channel, m.MessageID, m.Thread)
	if err := a.h.HandleMessage(ctx, m, out); err != nil {
		a.log.ErrorContext(ctx, "lark: handle message", "event_id", m.EventID, "chat_id", m.Channel, "message_id", m.MessageID, "err", err)
		return errRefused
	}
	return nil
}

// onCardAction handles card.action.trigger, a click on a reply's button.
func (a *Adapter) onCardAction(ctx context.Context, ev *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
	if err := a.checkToken(ctx, ev.EventV2Base); err != nil {
		return nil, err
	}
	act, err := actionFromEvent(ev, a.opts.Now())
	var why ignored
	if errors.As(err, &why) {
		a.log.DebugContext(ctx, "lark: card action not for the bot", "event_id", eventID(ev.EventV2Base), "why", string(why))
		return &callback.CardActionTriggerResponse{}, nil
	}
	if err != nil {
		a.log.WarnContext(ctx, "lark: read card action", "event_id", eventID(ev.EventV2Base), "err", err)
		return &callback.CardActionTriggerResponse{}, nil
	}
	out := a.responder(act.EventID, act.Channel, act.MessageID, act.Thread)
	if err := a.h.HandleAction(ctx, act, out); err != nil {
		a.log.ErrorContext(ctx, "lark: handle card action", "event_id", act.EventID, "chat_id", act.Channel, "message_id", act.MessageID, "err", err)
		return nil, errRefused
	}
	return &callback.CardActionTriggerResponse{}, nil
}

// onLegacyCardAction handles a click delivered by the legacy card callback.
func (a *Adapter) onLegacyCardAction(ctx context.Context, c *larkcard.CardAction) (any, error) {
	act, err := actionFromLegacy(c, a.opts.Now())
	var why ignored
	if errors.As(err, &why) {
		a.log.DebugContext(ctx, "lark: card action not for the bot", "why", string(why))
		return map[string]any{}, nil
	}
	if err != nil {
		a.log.WarnContext(ctx, "lark: read card action", "err", err)
		return map[string]any{}, nil
	}
	out := a.responder(act.EventID, act.Channel, act.MessageID, act.Thread)
	if err := a.h.HandleAction(ctx, act, out); err != nil {
		a.log.ErrorContext(ctx, "lark: handle card action", "event_id", act.EventID, "chat_id", act.Channel, "message_id", act.MessageID, "err", err)
		return nil, errRefused
	}
	return map[string]any{}, nil
}

// checkToken compares an HTTP event's verification token with the app's. The SDK checks it only
// for unencrypted events (encrypted ones are signed instead); checking it always costs nothing.
// Long-connection events are authenticated by the connection itself.
func (a *Adapter) checkToken(ctx context.Context, base *larkevent.EventV2Base) error {
	if ctx.Value(viaHTTP{}) == nil || a.opts.VerificationToken == "" {
		return nil
	}
	var token string
	if base != nil && base.Header != nil {
		token = base.Header.Token
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(a.opts.VerificationToken)) != 1 {
		a.log.WarnContext(ctx, "lark: event with a wrong verification token", "event_id", eventID(base))
		return errBadToken
	}
	return nil
}

// messageFromEvent translates a received message into a bot.Message. botID is the bot's open_id
// (needed for group chats, where only messages that mention the bot are for it). It returns an
// ignored error for messages that are not for the bot.
func messageFromEvent(ev *larkim.P2MessageReceiveV1, botID string, now time.Time) (bot.Message, error) {
	if ev == nil || ev.Event == nil || ev.Event.Message == nil {
		return bot.Message{}, errors.New("message event without a message")
	}
	msg := ev.Event.Message
	if s := ev.Event.Sender; s != nil {
		if t := str(s.SenderType); t == "app" || t == "bot" {
			return bot.Message{}, ignored("sent by an app")
		}
	}
	direct := str(msg.ChatType) == "p2p"
	mentioned := false
	names := map[string]string{} // placeholder key -> replacement text
	for _, mention := range msg.Mentions {
		if mention == nil || mention.Key == nil {
			continue
		}
		if mention.Id != nil && botID != "" && str(mention.Id.OpenId) == botID {
			mentioned = true
			names[*mention.Key] = ""
			continue
		}
		names[*mention.Key] = "@" + str(mention.Name)
	}
	// A reply in a group thread without a mention may be feedback on an alert the bot posted
	// there: it is passed on as overheard, and the engine ignores it unless the thread is an
	// alert's. (Lark only sends such messages to apps granted im:message.group_msg.)
	overheard := !direct && !mentioned && str(msg.RootId) != ""
	if !direct && !mentioned && !overheard {
		return bot.Message{}, ignored("group message that does not mention the bot")
	}
	text, err := messageText(str(msg.MessageType), str(msg.Content), names)
	if err != nil {
		return bot.Message{}, err
	}
	id := str(msg.MessageId)
	if id == "" || str(msg.ChatId) == "" {
		return bot.Message{}, errors.New("message event without a message id or chat id")
	}
	thread := str(msg.RootId)
	if thread == "" {
		thread = id
	}
	m := bot.Message{
		EventID:   eventID(ev.EventV2Base),
		Platform:  bot.Lark,
		Workspace: tenantKey(ev.EventV2Base),
		Channel:   str(msg.ChatId),
		Thread:    thread,
		MessageID: id,
		Text:      text,
		Direct:    direct,
		Overheard: overheard,
		Time:      millis(str(msg.CreateTime), now),
	}
	if s := ev.Event.Sender; s != nil && s.SenderId != nil {
		m.User = str(s.SenderId.OpenId)
	}
	return m, nil
}

// messageText returns the text of a text or post message, with the mention placeholders
// ("@_user_1") replaced from names.
func messageText(msgType, content string, names map[string]string) (string, error) {
	switch msgType {
	case "text":
		var c struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(content), &c); err != nil {
			return "", fmt.Errorf("decode text message content: %w", err)
		}
		return tidy(replaceMentions(c.Text, names)), nil
	case "post":
		return postText(content, names)
	default:
		return "", ignored(fmt.Sprintf("message type %q", msgType))
	}
}

// replaceMentions replaces the placeholders, longest first so "@_user_1" does not eat the
// start of "@_user_10".
func replaceMentions(s string, names map[string]string) string {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, names[k])
	}
	return s
}

// post is the content of a received rich-text message: a title and lines of elements.
type post struct {
	Title   string `json:"title"`
	Content [][]struct {
		Tag      string `json:"tag"`
		Text     string `json:"text"`
		UserID   string `json:"user_id"`
		UserName string `json:"user_name"`
	} `json:"content"`
}

// postText flattens a post's text, links and mentions into plain text; images, emoji and the
// like are dropped. Content may also be wrapped in a locale ({"zh_cn": {...}}).
func postText(content string, names map[string]string) (string, error) {
	var p post
	if err := json.Unmarshal([]byte(content), &p); err != nil || (p.Title == "" && p.Content == nil) {
		var byLocale map[string]post
		if err2 := json.Unmarshal([]byte(content), &byLocale); err2 != nil {
			if err == nil {
				err = err2
			}
			return "", fmt.Errorf("decode post message content: %w", err)
		}
		locales := make([]string, 0, len(byLocale))
		for l := range byLocale {
			locales = append(locales, l)
		}
		sort.Strings(locales)
		if len(locales) > 0 {
			p = byLocale[locales[0]]
		}
	}
	var lines []string
	if p.Title != "" {
		lines = append(lines, p.Title)
	}
	for _, line := range p.Content {
		var b strings.Builder
		for _, el := range line {
			switch el.Tag {
			case "text", "a", "md", "code_block":
				b.WriteString(replaceMentions(el.Text, names))
			case "at":
				if name, ok := names[el.UserID]; ok {
					b.WriteString(name)
				} else if el.UserName != "" {
					b.WriteString("@" + el.UserName)
				}
			}
		}
		lines = append(lines, b.String())
	}
	return tidy(strings.Join(lines, "\n")), nil
}

// tidy collapses the blanks left by removed mentions and trims each line.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// buttonValue is the value a reply's button carries back in card.action.trigger.
type buttonValue struct {
	Action string `json:"action"`
	Value  string `json:"value"`
	// Thread is the thread of the reply that carries the button, so the click continues it.
	Thread string `json:"thread,omitempty"`
}

// actionFromEvent translates a button click (card.action.trigger) into a bot.Action.
func actionFromEvent(ev *callback.CardActionTriggerEvent, now time.Time) (bot.Action, error) {
	if ev == nil || ev.Event == nil || ev.Event.Action == nil {
		return bot.Action{}, errors.New("card action without an action")
	}
	act := bot.Action{EventID: eventID(ev.EventV2Base), Workspace: tenantKey(ev.EventV2Base), Time: now}
	if ev.EventV2Base != nil && ev.EventV2Base.Header != nil {
		act.Time = millis(ev.EventV2Base.Header.CreateTime, now)
	}
	if c := ev.Event.Context; c != nil {
		act.Channel = c.OpenChatID
		act.MessageID = c.OpenMessageID
	}
	if op := ev.Event.Operator; op != nil {
		act.User = op.OpenID
		if act.Workspace == "" && op.TenantKey != nil {
			act.Workspace = *op.TenantKey
		}
	}
	return completeAction(act, ev.Event.Action.Value)
}

// actionFromLegacy translates a click delivered by the legacy card callback (the message card
// request URL) into a bot.Action. That callback has no event id; its per-click card token stands
// in for one.
func actionFromLegacy(c *larkcard.CardAction, now time.Time) (bot.Action, error) {
	if c == nil || c.Action == nil {
		return bot.Action{}, errors.New("card action without an action")
	}
	act := bot.Action{Workspace: c.TenantKey, Channel: c.OpenChatId, MessageID: c.OpenMessageID, User: c.OpenID, Time: now}
	if c.Token != "" {
		act.EventID = "card:" + c.Token
	}
	return completeAction(act, c.Action.Value)
}

// completeAction fills in the button's value.
func completeAction(act bot.Action, val map[string]any) (bot.Action, error) {
	act.Platform = bot.Lark
	act.ID, _ = val["action"].(string)
	if act.ID == "" {
		return bot.Action{}, ignored("button without a metricbot action")
	}
	if act.MessageID == "" {
		return bot.Action{}, errors.New("card action without the card's message id")
	}
	act.Value = valueString(val["value"])
	act.Thread, _ = val["thread"].(string)
	if act.Thread == "" {
		act.Thread = act.MessageID
	}
	return act, nil
}

func valueString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

func eventID(b *larkevent.EventV2Base) string {
	if b == nil || b.Header == nil {
		return ""
	}
	return b.Header.EventID
}

func tenantKey(b *larkevent.EventV2Base) string {
	if b == nil || b.Header == nil {
		return ""
	}
	return b.Header.TenantKey
}

// millis reads Lark's millisecond timestamps, falling back to now.
func millis(s string, now time.Time) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return now
	}
	return time.UnixMilli(ms).UTC()
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
