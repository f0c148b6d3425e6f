package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/nlq"
)

// The commands the engine answers without reading the text as a question.
const (
	cmdHelp    = "help"
	cmdList    = "list"
	cmdSQL     = "sql"
	cmdExplain = "explain"
)

// command recognises a command at the start of text. An empty text (a bare mention) is help.
func command(text string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(strings.TrimLeft(text, "/")))
	switch t {
	case "", "help", "?", "？", "帮助", "怎么用", "使用说明", "hi", "hello", "你好":
		return cmdHelp, true
	case "list", "metrics", "list metrics", "指标", "指标列表", "有哪些指标", "所有指标":
		return cmdList, true
	case "sql", "show sql", "看sql", "查看sql", "显示sql":
		return cmdSQL, true
	}
	for _, p := range []string{"explain ", "解释", "define "} {
		if strings.HasPrefix(t, p) && len(strings.TrimSpace(t[len(p):])) > 0 {
			return cmdExplain, true
		}
	}
	return "", false
}

func (e *Engine) runCommand(ctx context.Context, cmd, text, lang string, conv store.Conversation) Reply {
	c := e.ans.Catalog()
	switch cmd {
	case cmdList:
		r := Reply{Lang: lang, Headline: fmt.Sprintf(msg(lang, "共有 %d 个指标:", "%d metrics are defined:"), len(c.Metrics))}
		t := &Table{Columns: []string{msg(lang, "指标", "metric"), msg(lang, "名称", "name"), msg(lang, "负责人", "owner")}}
		for _, m := range c.Metrics {
			owner := m.Owner
			if o, ok := c.Owner(m.Owner); ok {
				owner = o.Name
			}
			t.Rows = append(t.Rows, []string{m.Label.In(lang), m.Name, owner})
		}
		r.Table = t
		r.Context = []string{msg(lang, "问「某指标怎么算的?」查看口径。", "Ask \"what does <metric> mean?\" for a definition.")}
		return r
	case cmdSQL:
		return e.showSQL(ctx, "", conv, lang)
	case cmdExplain:
		t := strings.TrimSpace(text)
		for _, p := range []string{"explain ", "Explain ", "解释", "define ", "Define "} {
			t = strings.TrimPrefix(t, p)
		}
		q := msg(lang, t+"是什么意思?", "what does "+t+" mean?")
		ans := e.ans.Answer(ctx, q, nlq.Context{Now: e.opts.Now(), Lang: lang})
		return e.render(ans, 0)
	}
	return e.help(lang)
}

// help explains what the bot does, with example questions drawn from the catalog.
func (e *Engine) help(lang string) Reply {
	c := e.ans.Catalog()
	r := Reply{Lang: lang, Headline: msg(lang,
		"我是指标助手: 用中文或英文问业务指标, 我按统一的指标口径回答, 附上对比、口径、期间和图表。",
		"I answer business questions in English or Chinese from the governed metric catalog, with the comparison, definition, period and a chart.")}
	var examples []string
	if len(c.Metrics) > 0 {
		m := c.Metrics[0]
		examples = append(examples, fmt.Sprintf(msg(lang, "上个月%s多少?", "%s last month?"), m.Label.In(lang)))
		if ds := c.DimensionsOf(m); len(ds) > 0 {
			examples = append(examples, fmt.Sprintf(msg(lang, "上周各%s的%s, 环比", "%s by %s last week vs the week before"), ds[0].Label.In(lang), m.Label.In(lang)))
			if lang == "en" {
				examples[len(examples)-1] = fmt.Sprintf("%s by %s last week vs the week before", m.Label.In(lang), ds[0].Label.In(lang))
			}
		}
		examples = append(examples, fmt.Sprintf(msg(lang, "近30天%s趋势", "%s trend over the last 30 days"), m.Label.In(lang)))
		examples = append(examples, fmt.Sprintf(msg(lang, "%s怎么算的?", "what does %s mean?"), m.Label.In(lang)))
	}
	if len(c.Metrics) > 1 {
		m := c.Metrics[1]
		examples = append(examples, fmt.Sprintf(msg(lang, "今年%s同比", "%s this year vs last year"), m.Label.In(lang)))
	}
	for _, ex := range examples {
		r.Text = append(r.Text, "• "+ex)
	}
	r.Context = []string{msg(lang,
		"在同一个帖子里追问 (「那上个月呢?」「按渠道拆一下」) 会沿用上一个问题。命令: 指标列表 · 解释 <指标> · sql",
		"Follow-ups in the same thread (\"what about last year?\", \"by channel\") build on the last question. Commands: list · explain <metric> · sql")}
	return r
}
