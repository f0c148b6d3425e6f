package slack

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"golang.org/x/text/width"

	"github.com/metricbot/metricbot/bot"
)

// Block Kit limits that rendering respects.
const (
	maxBlocks         = 50   // blocks in one message
	maxSectionText    = 3000 // characters in a section's text
	maxHeaderText     = 150  // characters in a header
	maxContextItems   = 10   // elements in a context block
	maxActionElements = 25   // elements in an actions block
	maxButtonLabel    = 75   // characters in a button's text
)

// renderBlocks renders a reply, without its chart, as Block Kit blocks: a header for the
// headline, sections for the paragraphs, the table as an aligned monospace code block, a
// context block for the small print and an actions block for the buttons. A reply can need more
// than maxBlocks blocks; the caller posts them as several messages.
func renderBlocks(r bot.Reply) []slack.Block {
	var blocks []slack.Block
	if h := strings.TrimSpace(r.Headline); h != "" {
		plain := strings.ReplaceAll(h, "*", "")
		if utf8.RuneCountInString(plain) <= maxHeaderText && !strings.Contains(plain, "\n") {
			blocks = append(blocks, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, plain, true, false)))
		} else {
			for _, part := range splitText(escape(h), maxSectionText) {
				blocks = append(blocks, section(part))
			}
		}
	}
	for _, p := range r.Text {
		if strings.TrimSpace(p) == "" {
			continue
		}
		for _, part := range splitText(escape(p), maxSectionText) {
			blocks = append(blocks, section(part))
		}
	}
	if r.Table != nil {
		for _, part := range renderTable(*r.Table, maxSectionText) {
			blocks = append(blocks, section(part))
		}
	}
	small := make([]string, 0, len(r.Context)+1)
	for _, c := range r.Context {
		if strings.TrimSpace(c) != "" {
			small = append(small, escape(c))
		}
	}
	if r.Ref != "" {
		label := "Ref"
		if r.Lang == "zh" {
			label = "参考号"
		}
		small = append(small, label+": `"+escape(r.Ref)+"`")
	}
	if len(small) > 0 {
		if len(small) > maxContextItems {
			last := strings.Join(small[maxContextItems-1:], "\n")
			small = append(small[:maxContextItems-1], last)
		}
		elems := make([]slack.MixedElement, 0, len(small))
		for _, s := range small {
			elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, truncate(s, maxSectionText), false, false))
		}
		blocks = append(blocks, slack.NewContextBlock("", elems...))
	}
	blocks = append(blocks, buttonBlocks(r.Buttons)...)
	return blocks
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

// buttonBlocks renders buttons as actions blocks. Slack wants action ids unique within a
// message, so a repeated button id gets a "#n" suffix that buttonID removes again.
func buttonBlocks(buttons []bot.Button) []slack.Block {
	var blocks []slack.Block
	var elems []slack.BlockElement
	seen := map[string]int{}
	for _, b := range buttons {
		if b.ID == "" {
			continue
		}
		seen[b.ID]++
		actionID := b.ID
		if n := seen[b.ID]; n > 1 {
			actionID += "#" + strconv.Itoa(n)
		}
		label := b.Label
		if strings.TrimSpace(label) == "" {
			label = b.ID
		}
		btn := slack.NewButtonBlockElement(actionID, b.Value,
			slack.NewTextBlockObject(slack.PlainTextType, truncate(label, maxButtonLabel), true, false))
		switch b.Style {
		case "primary":
			btn.WithStyle(slack.StylePrimary)
		case "danger":
			btn.WithStyle(slack.StyleDanger)
		}
		elems = append(elems, btn)
		if len(elems) == maxActionElements {
			blocks = append(blocks, slack.NewActionBlock("", elems...))
			elems = nil
		}
	}
	if len(elems) > 0 {
		blocks = append(blocks, slack.NewActionBlock("", elems...))
	}
	return blocks
}

// buttonID returns the bot button id behind a Slack action id (see buttonBlocks).
func buttonID(actionID string) string {
	id, _, _ := strings.Cut(actionID, "#")
	return id
}

// fallbackText is the message's plain text, shown in notifications and by screen readers.
func fallbackText(r bot.Reply) string {
	if h := strings.TrimSpace(r.Headline); h != "" {
		return truncate(escape(h), maxSectionText)
	}
	for _, p := range r.Text {
		if strings.TrimSpace(p) != "" {
			return truncate(escape(p), maxSectionText)
		}
	}
	if r.Chart != nil && r.Chart.Title != "" {
		return truncate(escape(r.Chart.Title), maxSectionText)
	}
	return ""
}

// renderTable renders t as monospace code blocks with aligned columns, each at most limit
// characters; a long table is split by rows and every part repeats the header. Wide (CJK)
// characters count as two columns, as a monospace font draws them.
func renderTable(t bot.Table, limit int) []string {
	ncol := len(t.Columns)
	for _, row := range t.Rows {
		ncol = max(ncol, len(row))
	}
	if ncol == 0 {
		return nil
	}
	cell := func(row []string, i int) string {
		if i < len(row) {
			return strings.ReplaceAll(row[i], "\n", " ")
		}
		return ""
	}
	widths := make([]int, ncol)
	for i := range ncol {
		widths[i] = displayWidth(cell(t.Columns, i))
		for _, row := range t.Rows {
			widths[i] = max(widths[i], displayWidth(cell(row, i)))
		}
	}
	line := func(row []string) string {
		var b strings.Builder
		for i := range ncol {
			if i > 0 {
				b.WriteString("  ")
			}
			c := cell(row, i)
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			if i < len(t.Numeric) && t.Numeric[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		return escape(strings.TrimRight(b.String(), " "))
	}
	var head []string
	if len(t.Columns) > 0 {
		rule := make([]string, ncol)
		for i, w := range widths {
			rule[i] = strings.Repeat("-", w)
		}
		head = []string{line(t.Columns), strings.Join(rule, "  ")}
	}
	const fence = "```"
	// size counts the characters of the lines so far, with their line breaks and the closing
	// fence.
	headSize := len(fence) + 1 + len(fence)
	for _, h := range head {
		headSize += utf8.RuneCountInString(h) + 1
	}
	open := func() []string { return append([]string{fence}, head...) }
	var parts []string
	cur, size, rows := open(), headSize, 0
	for _, row := range t.Rows {
		l := line(row)
		n := utf8.RuneCountInString(l) + 1
		if rows > 0 && size+n > limit {
			parts = append(parts, strings.Join(append(cur, fence), "\n"))
			cur, size, rows = open(), headSize, 0
		}
		cur = append(cur, l)
		size += n
		rows++
	}
	if rows > 0 || len(parts) == 0 {
		parts = append(parts, strings.Join(append(cur, fence), "\n"))
	}
	return parts
}

// displayWidth is the number of monospace columns s takes: East Asian wide and fullwidth
// characters take two, combining marks and other zero-width characters none.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x300: // Latin text, the usual case: one column each.
			n++
		case r == '\u200b' || r == '\u200d' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r):
		case isWide(r):
			n += 2
		default:
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return true
	}
	return false
}

// escape makes text safe for Slack's mrkdwn: &, < and > are control characters there.
func escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// splitText splits s into parts of at most limit characters, at line breaks where it can.
func splitText(s string, limit int) []string {
	var parts []string
	for utf8.RuneCountInString(s) > limit {
		cut := runeOffset(s, limit)
		if i := strings.LastIndexByte(s[:cut], '\n'); i > 0 {
			cut = i
		}
		// Never split an escape such as &amp;.
		if i := strings.LastIndexByte(s[:cut], '&'); i >= 0 && !strings.Contains(s[i:cut], ";") && cut-i < 5 {
			cut = i
		}
		parts = append(parts, s[:cut])
		s = strings.TrimPrefix(s[cut:], "\n")
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}

// runeOffset returns the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

// truncate shortens s to at most limit characters, ending it with "…" when it cut.
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return s[:runeOffset(s, limit-1)] + "…"
}
