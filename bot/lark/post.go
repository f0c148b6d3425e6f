package lark

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/metricbot/metricbot/bot"
)

var _ bot.Poster = (*Adapter)(nil)

// ErrNoDestination is returned by Post for a destination with neither a chat nor a user, or for
// another platform's destination.
var ErrNoDestination = errors.New("no lark destination")

// Post starts a new thread: it sends r as an interactive card to a chat (receive_id_type
// chat_id) or to a user's direct chat with the bot (open_id), with the chart uploaded first and
// shown in the card. It returns the chat and the new message's id, which is the root of the
// thread its replies belong to. One idempotency key is used for all retries of the call, so a
// retried request never posts twice. A chart that cannot be uploaded is left out.
func (a *Adapter) Post(ctx context.Context, to bot.Destination, r bot.Reply) (bot.Posted, error) {
	if (to.Platform != "" && to.Platform != bot.Lark) || (to.Channel == "") == (to.User == "") {
		return bot.Posted{}, fmt.Errorf("lark: post to %s: %w", to, ErrNoDestination)
	}
	idType, id := larkim.CreateMessageV1ReceiveIDTypeChatId, to.Channel
	if to.User != "" {
		idType, id = larkim.CreateMessageV1ReceiveIDTypeOpenId, to.User
	}
	attrs := []any{"receive_id_type", idType, "receive_id", id}
	var imageKey string
	if r.Chart != nil && len(r.Chart.PNG) > 0 {
		key, err := a.uploadImage(ctx, r.Chart.PNG, attrs)
		if err != nil {
			a.log.WarnContext(ctx, "lark: upload chart failed, posting without it", append(attrs, "err", err)...)
		}
		imageKey = key
	}
	// The buttons carry no thread: a click on them continues the thread of the card itself.
	content, err := renderCard(r, imageKey, "")
	if err != nil {
		return bot.Posted{}, fmt.Errorf("lark: render message to %s: %w", to, err)
	}
	b := make([]byte, 16)
	rand.Read(b)
	uuid := hex.EncodeToString(b)
	var posted bot.Posted
	err = a.retry(ctx, "create message", attrs, func(ctx context.Context) error {
		req := larkim.NewCreateMessageReqBuilder().
			ReceiveIdType(idType).
			Body(larkim.NewCreateMessageReqBodyBuilder().
				ReceiveId(id).
				MsgType(larkim.MsgTypeInteractive).
				Content(string(content)).
				Uuid(uuid).
				Build()).
			Build()
		resp, err := a.client.Im.V1.Message.Create(ctx, req)
		if err != nil {
			return callErr(err)
		}
		if !resp.Success() {
			return codeErr(resp.ApiResp, resp.CodeError)
		}
		if resp.Data == nil || str(resp.Data.MessageId) == "" {
			return errors.New("no message_id in the answer")
		}
		chat := str(resp.Data.ChatId)
		if chat == "" {
			chat = to.Channel
		}
		posted = bot.Posted{Platform: bot.Lark, Channel: chat, Thread: str(resp.Data.MessageId)}
		return nil
	})
	if err != nil {
		return bot.Posted{}, fmt.Errorf("lark: post to %s: %w", to, err)
	}
	return posted, nil
}
