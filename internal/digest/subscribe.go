package digest

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/store"
)

// Problems ParseSubscribe reports, wrapped in a *ParseError; check them with errors.Is.
var (
	// ErrNoMetric means the text names no metric at all.
	ErrNoMetric = errors.New("no metric")
	// ErrUnknownMetric means a word where a metric was expected matches no metric.
	ErrUnknownMetric = errors.New("unknown metric")
	// ErrBadTime means a time of day that does not exist, such as 25:00.
	ErrBadTime = errors.New("invalid time of day")
	// ErrBadSchedule means a day of the week or of the month that could not be read.
	ErrBadSchedule = errors.New("invalid schedule")
	// ErrNotSubscribe means the text is not a subscribe command.
	ErrNotSubscribe = errors.New("not a subscribe command")
)

// ParseError says what part of a chat command could not be read. Message gives the polite
// sentence to show in chat; Error is for logs.
type ParseError struct {
	Err         error    // one of the Err* sentinels above
	Input       string   // the piece of text that could not be read
	Suggestions []string // close metric names, for ErrUnknownMetric
}

func (e *ParseError) Error() string {
	s := fmt.Sprintf("read subscription: %v", e.Err)
	if e.Input != "" {
		s += fmt.Sprintf(" %q", e.Input)
	}
	if len(e.Suggestions) > 0 {
		s += fmt.Sprintf(" (did you mean %q?)", strings.Join(e.Suggestions, `" or "`))
	}
	return s
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

// Message returns the problem as a polite sentence in lang ("zh" or "en").
func (e *ParseError) Message(lang string) string {
	zh := lang != "en"
	switch {
	case errors.Is(e.Err, ErrUnknownMetric):
		if zh {
			s := fmt.Sprintf("我不认识指标「%s」", e.Input)
			if len(e.Suggestions) > 0 {
				s += fmt.Sprintf(" (你是不是想找 %s?)", strings.Join(e.Suggestions, "、"))
			}
			return s + "。发送「指标列表」查看所有指标。"
		}
		s := fmt.Sprintf("I don't know the metric '%s'", e.Input)
		if len(e.Suggestions) > 0 {
			s += fmt.Sprintf(" (did you mean %s?)", strings.Join(e.Suggestions, " or "))
		}
		return s + `. Send "list" to see all metrics.`
	case errors.Is(e.Err, ErrNoMetric):
		return msg(lang, "请告诉我要订阅哪个指标, 例如「订阅 销售额 每天 9:00」。",
			`Which metric should I send? For example "subscribe gmv daily 9:00".`)
	case errors.Is(e.Err, ErrBadTime):
		return msg(lang, fmt.Sprintf("我看不懂时间「%s」, 请写成 9:00 或 21:30 这样。", e.Input),
			fmt.Sprintf("I couldn't read the time '%s'; please write it like 9:00, 9am or 21:30.", e.Input))
	case errors.Is(e.Err, ErrBadSchedule):
		return msg(lang, fmt.Sprintf("我看不懂日期「%s」, 可以写「每天」「每周一」「每月1号」。", e.Input),
			fmt.Sprintf("I couldn't read the day '%s'; try daily, weekly on Monday or monthly on the 1st.", e.Input))
	}
	return msg(lang, `订阅的写法: 订阅 销售额 每天 9:00`, `To subscribe: subscribe gmv daily 9:00`)
}

// Self stands for the sender in a subscription parsed from "subscribe me to ...": the digest
// goes to them as a direct message. Bind replaces it with the sender's id.
const Self = "@self"

// Bind completes a parsed subscription with where the command came from: the platform, the
// channel, and the user who sent it. A subscription for Self, or any subscription made in a
// direct chat, goes to the user; otherwise it goes to the channel.
func Bind(sub store.Subscription, platform, channel, user string, direct bool) store.Subscription {
	sub.Platform, sub.CreatedBy = platform, user
	if sub.User == Self || direct {
		sub.User, sub.Channel = user, ""
	} else {
		sub.User, sub.Channel = "", channel
	}
	return sub
}

var (
	reCommand = regexp.MustCompile(`^(?:/?metric\s+)?(?:给我|帮我|请)?\s*(?:subscribe\b|sub\b|订阅)(?:一下)?\s*`)
	reToMe    = regexp.MustCompile(`^(?:me\s+)?(?:to\s+)?`)
	reMeZH    = regexp.MustCompile(`(?:^给我|发给我|私信(?:给)?我|^我)\s*`)
	// reSchedule finds where the schedule starts: a frequency word or a time of day.
	reSchedule = regexp.MustCompile(`每天|每日|天天|每周|每星期|每个星期|每礼拜|每月|每个月|工作日|周[一二三四五六日天]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|` +
		`上午|下午|早上|晚上|中午|\d{1,2}\s*[:：]\s*\d{1,2}|\d{1,2}\s*点|` +
		`\b(?:daily|every|each|weekly|monthly|weekdays?|on|at|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?)\b|\b\d{1,2}\s*(?:am|pm)\b`)
	reClock   = regexp.MustCompile(`(上午|下午|早上|晚上|中午)?\s*(\d{1,3})\s*[:：]\s*(\d{1,3})\s*(am|pm)?`)
	reDian    = regexp.MustCompile(`(上午|下午|早上|晚上|中午)?\s*(\d{1,3})\s*点\s*(半|(\d{1,2})\s*分?)?`)
	reAmPm    = regexp.MustCompile(`\b(\d{1,3})\s*(am|pm)\b`)
	reAt      = regexp.MustCompile(`\bat\s+(\d{1,3})\b`)
	reMonthly = regexp.MustCompile(`每月|每个月|\bmonthly\b|\b(?:every|each|of the|a)\s+month\b`)
	reDom     = regexp.MustCompile(`(\d{1,3})\s*(?:号|日)|\b(\d{1,3})\s*(?:st|nd|rd|th)\b|\bon\s+(?:the\s+)?(\d{1,3})\b|\bday\s+(\d{1,3})\b`)
	reWeekZH  = regexp.MustCompile(`(?:周|星期|礼拜)([一二三四五六日天1-7])`)
	reWeekEN  = regexp.MustCompile(`\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b`)
	reWeekly  = regexp.MustCompile(`每周|每星期|每个星期|每礼拜|\bweekly\b|\b(?:every|each)\s+week\b`)
	reWorkday = regexp.MustCompile(`工作日|\bweekdays?\b`)
	reOnWord  = regexp.MustCompile(`\bon\s+([a-z]+)\b`)
	reSplit   = regexp.MustCompile(`\s*(?:[,，、;；/+&]|\band\b|和|及|与)\s*`)
)

// ParseSubscribe reads a subscribe command in Chinese or English, for example
// "subscribe 销售额 每天 9:00", "订阅 销售额 每周一 9点", "subscribe me to gmv weekly on Monday 9am"
// or "订阅 gmv,订单数 每月1号 10:00", and returns the subscription with its metrics, a cron
// spec in the catalog's time zone, and lang. Platform, channel and user are left for Bind.
//
// A schedule without a time means 9:00; "weekly" without a day means Monday; "monthly" without a
// day means the 1st; no schedule at all means daily. Problems come back as a *ParseError.
func ParseSubscribe(text string, c *catalog.Catalog, lang string) (store.Subscription, error) {
	t := catalog.Normalize(text)
	loc := reCommand.FindStringIndex(t)
	if loc == nil {
		return store.Subscription{}, &ParseError{Err: ErrNotSubscribe}
	}
	toMe := false
	if m := reMeZH.FindStringIndex(t[:loc[1]]); m != nil {
		toMe = true
	}
	t = t[loc[1]:]
	if m := reToMe.FindString(t); strings.HasPrefix(m, "me") {
		toMe = true
		t = t[len(m):]
	} else {
		t = t[len(m):]
	}
	if m := reMeZH.FindStringIndex(t); m != nil {
		toMe = true
		t = t[:m[0]] + " " + t[m[1]:]
	}
	if lang == "" {
		lang = detectLang(text)
	}
	metricPart, schedPart := t, ""
	if m := reSchedule.FindStringIndex(t); m != nil {
		metricPart, schedPart = t[:m[0]], t[m[0]:]
	}
	metrics, err := parseMetrics(metricPart, c)
	if err != nil {
		return store.Subscription{}, err
	}
	spec, err := parseSchedule(schedPart)
	if err != nil {
		return store.Subscription{}, err
	}
	sub := store.Subscription{Metrics: metrics, Cron: spec, TimeZone: c.TimeZone, Language: lang}
	if toMe {
		sub.User = Self
	}
	return sub, nil
}

func detectLang(s string) string {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return "zh"
		}
	}
	return "en"
}

// metricTerms maps every normalised name, label and synonym to its metric.
func metricTerms(c *catalog.Catalog) map[string]string {
	terms := map[string]string{}
	for _, m := range c.Metrics {
		for _, s := range append([]string{m.Name, m.Label.ZH, m.Label.EN}, m.Synonyms...) {
			if n := catalog.Normalize(s); n != "" {
				if _, taken := terms[n]; !taken {
					terms[n] = m.Name
				}
			}
		}
	}
	return terms
}

// parseMetrics reads a list of metrics separated by commas, "and", 和 or spaces.
func parseMetrics(s string, c *catalog.Catalog) ([]string, error) {
	terms := metricTerms(c)
	keys := make([]string, 0, len(terms))
	for k := range terms {
		keys = append(keys, k)
	}
	// Longest first, so "gross margin" wins over "gross".
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, piece := range reSplit.Split(strings.TrimSpace(s), -1) {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		if name, ok := terms[piece]; ok {
			add(name)
			continue
		}
		// Several metrics separated by spaces, or a metric glued to Chinese text.
		rest := piece
		for rest != "" {
			rest = strings.TrimLeft(rest, " ")
			if rest == "" {
				break
			}
			matched := false
			for _, k := range keys {
				if strings.HasPrefix(rest, k) && boundary(rest, len(k)) {
					add(terms[k])
					rest = rest[len(k):]
					matched = true
					break
				}
			}
			if !matched {
				word := rest
				if i := strings.IndexByte(rest, ' '); i >= 0 {
					word = rest[:i]
				}
				if isFiller(word) {
					rest = rest[len(word):]
					continue
				}
				return nil, unknownMetric(word, c)
			}
		}
	}
	if len(out) == 0 {
		return nil, &ParseError{Err: ErrNoMetric}
	}
	return out, nil
}

// boundary reports whether a match of n bytes at the start of s ends at a word boundary: the end,
// a space, or a change to or from a Chinese character.
func boundary(s string, n int) bool {
	if n >= len(s) || s[n] == ' ' {
		return true
	}
	last, _ := lastRune(s[:n])
	next := []rune(s[n:])[0]
	return unicode.Is(unicode.Han, last) || unicode.Is(unicode.Han, next)
}

func lastRune(s string) (rune, bool) {
	r := []rune(s)
	if len(r) == 0 {
		return 0, false
	}
	return r[len(r)-1], true
}

// isFiller reports whether word carries no meaning in a subscribe command.
func isFiller(word string) bool {
	switch word {
	case "the", "digest", "report", "of", "for", "please", "指标", "的", "日报", "周报", "月报", "简报":
		return true
	}
	return false
}

func unknownMetric(word string, c *catalog.Catalog) error {
	var cands []string
	byCand := map[string]string{}
	for _, m := range c.Metrics {
		for _, s := range append([]string{m.Name, m.Label.ZH, m.Label.EN}, m.Synonyms...) {
			if s != "" {
				cands = append(cands, s)
				if _, ok := byCand[s]; !ok {
					byCand[s] = m.Name
				}
			}
		}
	}
	var sugg []string
	seen := map[string]bool{}
	for _, s := range catalog.Suggest(word, cands) {
		if name := byCand[s]; !seen[name] {
			seen[name] = true
			sugg = append(sugg, name)
		}
	}
	return &ParseError{Err: ErrUnknownMetric, Input: word, Suggestions: sugg}
}

// parseSchedule turns the schedule part of a command into a five-field cron spec.
func parseSchedule(s string) (string, error) {
	hour, minute, err := parseTime(s)
	if err != nil {
		return "", err
	}
	switch {
	case reMonthly.MatchString(s):
		day := 1
		if m := reDom.FindStringSubmatch(s); m != nil {
			raw := firstNonEmpty(m[1:]...)
			d, _ := strconv.Atoi(raw)
			if d < 1 || d > 31 {
				return "", &ParseError{Err: ErrBadSchedule, Input: strings.TrimSpace(m[0])}
			}
			day = d
		}
		return fmt.Sprintf("%d %d %d * *", minute, hour, day), nil
	case reWorkday.MatchString(s):
		return fmt.Sprintf("%d %d * * 1-5", minute, hour), nil
	}
	dow := -1
	if m := reWeekZH.FindStringSubmatch(s); m != nil {
		dow = strings.Index("日一二三四五六", m[1]) / len("一")
		switch m[1] {
		case "天":
			dow = 0
		case "1", "2", "3", "4", "5", "6", "7":
			d, _ := strconv.Atoi(m[1])
			dow = d % 7
		}
	} else if m := reWeekEN.FindStringSubmatch(s); m != nil {
		dow = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}[m[1]]
	} else if m := reOnWord.FindStringSubmatch(s); m != nil && reWeekly.MatchString(s) {
		return "", &ParseError{Err: ErrBadSchedule, Input: m[1]}
	}
	if dow < 0 && reWeekly.MatchString(s) {
		dow = 1
	}
	if dow >= 0 {
		return fmt.Sprintf("%d %d * * %d", minute, hour, dow), nil
	}
	return fmt.Sprintf("%d %d * * *", minute, hour), nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// parseTime finds the time of day in s; none means 9:00.
func parseTime(s string) (hour, minute int, err error) {
	bad := func(raw string) (int, int, error) {
		return 0, 0, &ParseError{Err: ErrBadTime, Input: strings.TrimSpace(raw)}
	}
	var part, raw, ampm string
	switch {
	case reClock.MatchString(s):
		m := reClock.FindStringSubmatch(s)
		raw, part, ampm = m[0], m[1], m[4]
		hour, _ = strconv.Atoi(m[2])
		minute, _ = strconv.Atoi(m[3])
		if len(m[3]) != 2 {
			return bad(raw)
		}
	case reDian.MatchString(s):
		m := reDian.FindStringSubmatch(s)
		raw, part = m[0], m[1]
		hour, _ = strconv.Atoi(m[2])
		switch {
		case m[3] == "半":
			minute = 30
		case m[4] != "":
			minute, _ = strconv.Atoi(m[4])
		}
	case reAmPm.MatchString(s):
		m := reAmPm.FindStringSubmatch(s)
		raw, ampm = m[0], m[2]
		hour, _ = strconv.Atoi(m[1])
	case reAt.MatchString(s):
		m := reAt.FindStringSubmatch(s)
		raw = m[0]
		hour, _ = strconv.Atoi(m[1])
	default:
		return 9, 0, nil
	}
	if minute < 0 || minute > 59 {
		return bad(raw)
	}
	switch {
	case ampm != "":
		if hour < 1 || hour > 12 {
			return bad(raw)
		}
		hour %= 12
		if ampm == "pm" {
			hour += 12
		}
	case part == "下午" || part == "晚上":
		if hour < 1 || hour > 12 {
			if hour > 12 && hour < 24 {
				break // 下午15点 is still 15:00
			}
			return bad(raw)
		}
		if hour < 12 {
			hour += 12
		}
	case part == "中午":
		if hour >= 1 && hour <= 2 {
			hour += 12
		}
	}
	if hour < 0 || hour > 23 {
		return bad(raw)
	}
	return hour, minute, nil
}

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}
