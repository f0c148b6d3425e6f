package digest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/chart"
	"github.com/metricbot/metricbot/internal/store"
)

// Catalogs gives the catalog in force; engine.Catalogs and a reloading watcher implement it.
type Catalogs interface {
	Current() *catalog.Catalog
}

// Digester composes the digest of a subscription for one schedule slot. It is what
// internal/schedule calls. It is safe for concurrent use when its parts are.
type Digester struct {
	Runner   Runner
	Catalogs Catalogs
	Sources  Sources
	// Charts renders the trend chart; nil sends digests without one.
	Charts *chart.Renderer
	// DataEnd, if set, returns the last day with complete data.
	DataEnd func() catalog.Date
}

// Subscription composes sub's digest as of slot: the grain follows the schedule (see GrainOf)
// and the period is the last complete one before the slot's date, so a digest sent late still
// covers the period it was scheduled for.
func (d *Digester) Subscription(ctx context.Context, sub store.Subscription, slot time.Time) (bot.Reply, error) {
	req := Request{Metrics: sub.Metrics, Grain: GrainOf(sub.Cron), Lang: sub.Language, Now: slot, Charts: d.Charts}
	if d.DataEnd != nil {
		req.DataEnd = d.DataEnd()
	}
	r, err := Compose(ctx, d.Runner, d.Catalogs.Current(), d.Sources, req)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("digest of subscription %d: %w", sub.ID, err)
	}
	return r, nil
}

// cronFields splits a five-field spec, dropping a CRON_TZ= or TZ= prefix.
func cronFields(spec string) []string {
	f := strings.Fields(spec)
	if len(f) > 0 && (strings.HasPrefix(f[0], "CRON_TZ=") || strings.HasPrefix(f[0], "TZ=")) {
		f = f[1:]
	}
	return f
}

// GrainOf returns the digest grain a schedule implies: month when it names days of the month,
// week when it names one day of the week, and day otherwise (every day, or working days).
func GrainOf(spec string) catalog.Grain {
	switch strings.TrimSpace(spec) {
	case "@weekly":
		return catalog.Week
	case "@monthly":
		return catalog.Month
	}
	f := cronFields(spec)
	if len(f) != 5 {
		return catalog.Day
	}
	if f[2] != "*" && f[2] != "?" {
		return catalog.Month
	}
	if _, err := strconv.Atoi(f[4]); err == nil {
		return catalog.Week
	}
	if len(f[4]) == 3 && f[4] != "*" && !strings.ContainsAny(f[4], ",-/") {
		return catalog.Week // MON, TUE, ...
	}
	return catalog.Day
}

// Describe writes a schedule for people: "每天 09:00", "every Monday 09:00", "每月1日 10:00";
// other specs are shown as they are.
func Describe(spec, lang string) string {
	f := cronFields(spec)
	if len(f) != 5 || f[3] != "*" {
		return spec
	}
	mi, err1 := strconv.Atoi(f[0])
	h, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return spec
	}
	at := fmt.Sprintf("%02d:%02d", h, mi)
	switch {
	case f[2] == "*" && f[4] == "*":
		return msg(lang, "每天 ", "daily at ") + at
	case f[2] == "*" && f[4] == "1-5":
		return msg(lang, "工作日 ", "weekdays at ") + at
	case f[2] == "*":
		d, err := strconv.Atoi(f[4])
		if err != nil || d < 0 || d > 7 {
			return spec
		}
		zh := []string{"日", "一", "二", "三", "四", "五", "六", "日"}[d]
		en := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}[d]
		return msg(lang, "每周"+zh+" "+at, "every "+en+" at "+at)
	case f[4] == "*":
		d, err := strconv.Atoi(f[2])
		if err != nil {
			return spec
		}
		return msg(lang, fmt.Sprintf("每月%d日 %s", d, at), fmt.Sprintf("monthly on day %d at %s", d, at))
	}
	return spec
}

// SubscriptionStore keeps subscriptions; the state stores implement it.
type SubscriptionStore interface {
	CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	DeleteSubscription(ctx context.Context, id store.SubscriptionID) error
}

// Chat answers the subscription commands: subscribe, list and unsubscribe. The conversation
// engine hands it a message first; it says whether the message was one of its commands. It is
// safe for concurrent use when its store is.
type Chat struct {
	Store    SubscriptionStore
	Catalogs Catalogs
}

var (
	reList   = regexp.MustCompile(`^(?:/?metric\s+)?(?:subscriptions|list subscriptions|my subscriptions|show subscriptions|订阅列表|我的订阅|查看订阅|所有订阅)$`)
	reRemove = regexp.MustCompile(`^(?:/?metric\s+)?(?:unsubscribe|取消订阅|退订)\s*#?\s*(\S*)$`)
)

// IsCommand reports whether text is a subscription command, so the engine can route it here
// before reading it as a question.
func IsCommand(text string) bool {
	t := catalog.Normalize(text)
	return reList.MatchString(t) || reRemove.MatchString(t) || reCommand.MatchString(t)
}

// Handle answers a subscription command in m, in lang. ok is false when m is not such a
// command. A command that cannot be read gets a polite reply saying why; err is only for a
// failing store, and the caller turns it into an apology with a reference.
func (ch *Chat) Handle(ctx context.Context, m bot.Message, lang string) (r bot.Reply, ok bool, err error) {
	t := catalog.Normalize(m.Text)
	if lang == "" {
		lang = detectLang(m.Text)
	}
	c := ch.Catalogs.Current()
	switch {
	case reList.MatchString(t):
		subs, err := ch.Store.Subscriptions(ctx)
		if err != nil {
			return bot.Reply{}, true, fmt.Errorf("list subscriptions: %w", err)
		}
		return List(c, Here(subs, string(m.Platform), m.Channel, m.User, m.Direct), lang), true, nil
	case reRemove.MatchString(t):
		arg := reRemove.FindStringSubmatch(t)[1]
		id, perr := strconv.ParseInt(arg, 10, 64)
		if perr != nil || id <= 0 {
			return bot.Reply{Lang: lang, Headline: msg(lang, "请告诉我要取消的订阅编号, 例如「取消订阅 3」; 发送「订阅列表」查看编号。",
				`Which subscription? For example "unsubscribe 3"; send "subscriptions" to see the numbers.`)}, true, nil
		}
		return ch.remove(ctx, m, store.SubscriptionID(id), lang)
	case reCommand.MatchString(t):
		sub, perr := ParseSubscribe(m.Text, c, lang)
		var pe *ParseError
		if errors.As(perr, &pe) {
			return bot.Reply{Lang: lang, Headline: pe.Message(lang)}, true, nil
		}
		if perr != nil {
			return bot.Reply{}, true, perr
		}
		sub = Bind(sub, string(m.Platform), m.Channel, m.User, m.Direct)
		sub, err := ch.Store.CreateSubscription(ctx, sub)
		if err != nil {
			return bot.Reply{}, true, fmt.Errorf("create subscription: %w", err)
		}
		where := msg(lang, "本频道", "this channel")
		if sub.User != "" {
			where = msg(lang, "你 (私信)", "you (direct message)")
		}
		return bot.Reply{Lang: lang,
			Headline: fmt.Sprintf(msg(lang, "好的, 已订阅 #%d: %s, %s (%s) 发到%s。", "Done: subscription #%d sends %s %s (%s) to %s."),
				sub.ID, metricLabels(c, sub.Metrics, lang), Describe(sub.Cron, lang), sub.TimeZone, where),
			Context: []string{msg(lang, fmt.Sprintf("发送「取消订阅 %d」可以取消。", sub.ID), fmt.Sprintf(`Send "unsubscribe %d" to stop it.`, sub.ID))},
		}, true, nil
	}
	return bot.Reply{}, false, nil
}

func (ch *Chat) remove(ctx context.Context, m bot.Message, id store.SubscriptionID, lang string) (bot.Reply, bool, error) {
	subs, err := ch.Store.Subscriptions(ctx)
	if err != nil {
		return bot.Reply{}, true, fmt.Errorf("remove subscription %d: %w", id, err)
	}
	for _, s := range Here(subs, string(m.Platform), m.Channel, m.User, m.Direct) {
		if s.ID != id {
			continue
		}
		err := ch.Store.DeleteSubscription(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return bot.Reply{}, true, fmt.Errorf("remove subscription %d: %w", id, err)
		}
		return bot.Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang, "已取消订阅 #%d (%s)。", "Subscription #%d (%s) is cancelled."),
			id, metricLabels(ch.Catalogs.Current(), s.Metrics, lang))}, true, nil
	}
	return bot.Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang, "这里没有编号为 %d 的订阅; 发送「订阅列表」查看。",
		"There is no subscription #%d here; send \"subscriptions\" to see them."), id)}, true, nil
}

// Here returns the subscriptions that deliver where a message came from: to the user in a
// direct chat, to the channel otherwise.
func Here(subs []store.Subscription, platform, channel, user string, direct bool) []store.Subscription {
	var out []store.Subscription
	for _, s := range subs {
		if s.Platform != platform {
			continue
		}
		if (direct && s.User == user && s.User != "") || (!direct && s.Channel == channel && s.Channel != "") {
			out = append(out, s)
		}
	}
	return out
}

// List writes subscriptions as a table in lang.
func List(c *catalog.Catalog, subs []store.Subscription, lang string) bot.Reply {
	if len(subs) == 0 {
		return bot.Reply{Lang: lang, Headline: msg(lang, "这里还没有订阅。试试「订阅 销售额 每天 9:00」。",
			`There are no subscriptions here yet. Try "subscribe gmv daily 9:00".`)}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].ID < subs[j].ID })
	t := &bot.Table{Columns: []string{"#", msg(lang, "指标", "metrics"), msg(lang, "时间", "schedule"), msg(lang, "发给", "to"), msg(lang, "语言", "language")}}
	for _, s := range subs {
		id := strconv.FormatInt(int64(s.ID), 10)
		if s.ID < 0 {
			id = msg(lang, "配置", "config")
		}
		to := s.Channel
		if s.User != "" {
			to = "@" + s.User
		}
		t.Rows = append(t.Rows, []string{id, metricLabels(c, s.Metrics, lang), Describe(s.Cron, lang) + " " + s.TimeZone, to, s.Language})
	}
	return bot.Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang, "共 %d 个订阅:", "Subscriptions here (%d):"), len(subs)), Table: t,
		Context: []string{msg(lang, "发送「取消订阅 编号」取消; 配置文件中的订阅请在配置里修改。",
			`Send "unsubscribe N" to cancel one; subscriptions from the configuration file are changed there.`)}}
}

func metricLabels(c *catalog.Catalog, names []string, lang string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if m, ok := c.Metric(n); ok {
			out[i] = m.Label.In(lang)
		}
	}
	return strings.Join(out, msg(lang, "、", ", "))
}
