package lark

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/metricbot/metricbot/bot"
)

// Replies are interactive cards in the message card JSON 1.0 format ("elements" at the top,
// no "schema"). 1.0 renders on every Lark and Feishu client still in use, while 2.0 needs recent
// clients and shows older ones an upgrade notice; 1.0 also has the note element for the small
// print and the action element for buttons that the brief asks for, and it is what the SDK's
// own card package (larkcard) models. The table component works in 1.0 cards on current clients.

type card struct {
	Config   cardConfig  `json:"config"`
	Header   *cardHeader `json:"header,omitempty"`
	Elements []any       `json:"elements"`
}

type cardConfig struct {
	WideScreenMode bool `json:"wide_screen_mode"`
	EnableForward  bool `json:"enable_forward"`
}

type cardHeader struct {
	Title    cardText `json:"title"`
	Template string   `json:"template"`
}

type cardText struct {
	Tag     string `json:"tag"` // "plain_text" or "lark_md"
	Content string `json:"content"`
}

type markdownElement struct {
	Tag     string `json:"tag"` // "markdown"
	Content string `json:"content"`
}

type tableElement struct {
	Tag         string              `json:"tag"` // "table"
	PageSize    int                 `json:"page_size"`
	RowHeight   string              `json:"row_height"`
	HeaderStyle tableHeaderStyle    `json:"header_style"`
	Columns     []tableColumn       `json:"columns"`
	Rows        []map[string]string `json:"rows"`
}

type tableHeaderStyle struct {
	TextAlign       string `json:"text_align"`
	Bold            bool   `json:"bold"`
	BackgroundStyle string `json:"background_style"`
}

type tableColumn struct {
	Name            string `json:"name"`
	DisplayName     string `json:"display_name"`
	DataType        string `json:"data_type"`
	HorizontalAlign string `json:"horizontal_align"`
	Width           string `json:"width"`
}

type imageElement struct {
	Tag     string    `json:"tag"` // "img"
	ImgKey  string    `json:"img_key"`
	Alt     cardText  `json:"alt"`
	Title   *cardText `json:"title,omitempty"`
	Mode    string    `json:"mode"`
	Preview bool      `json:"preview"`
}

type noteElement struct {
	Tag      string     `json:"tag"` // "note"
	Elements []cardText `json:"elements"`
}

type actionElement struct {
	Tag     string          `json:"tag"` // "action"
	Actions []buttonElement `json:"actions"`
}

type buttonElement struct {
	Tag   string      `json:"tag"` // "button"
	Text  cardText    `json:"text"`
	Type  string      `json:"type"`
	Value buttonValue `json:"value"`
}

// maxPageSize is the largest page the card table component shows at once.
const maxPageSize = 10

// renderCard renders a reply as a card. imageKey is the uploaded chart's key ("" for none);
// thread is carried in the buttons' values so that a click continues the same thread.
func renderCard(r bot.Reply, imageKey, thread string) ([]byte, error) {
	c := card{Config: cardConfig{WideScreenMode: true, EnableForward: true}, Elements: []any{}}
	if len(r.Text) > 0 {
		paras := make([]string, 0, len(r.Text))
		for _, p := range r.Text {
			paras = append(paras, markdown(p))
		}
		c.Elements = append(c.Elements, markdownElement{Tag: "markdown", Content: strings.Join(paras, "\n\n")})
	}
	if t := r.Table; t != nil && len(t.Columns) > 0 {
		c.Elements = append(c.Elements, table(t))
	}
	if r.Chart != nil && imageKey != "" {
		img := imageElement{Tag: "img", ImgKey: imageKey, Alt: cardText{Tag: "plain_text", Content: r.Chart.AltText},
			Mode: "fit_horizontal", Preview: true}
		if img.Alt.Content == "" {
			img.Alt.Content = r.Chart.Title
		}
		if r.Chart.Title != "" {
			img.Title = &cardText{Tag: "lark_md", Content: markdown(r.Chart.Title)}
		}
		c.Elements = append(c.Elements, img)
	}
	small := make([]string, 0, len(r.Context)+1)
	for _, line := range r.Context {
		small = append(small, markdown(line))
	}
	if r.Ref != "" {
		label := "Ref"
		if r.Lang == "zh" {
			label = "参考编号"
		}
		small = append(small, fmt.Sprintf("%s: %s", label, markdown(r.Ref)))
	}
	if len(small) > 0 {
		c.Elements = append(c.Elements, noteElement{Tag: "note", Elements: []cardText{{Tag: "lark_md", Content: strings.Join(small, "\n")}}})
	}
	if len(r.Buttons) > 0 {
		act := actionElement{Tag: "action"}
		for _, b := range r.Buttons {
			act.Actions = append(act.Actions, buttonElement{
				Tag:   "button",
				Text:  cardText{Tag: "plain_text", Content: b.Label},
				Type:  buttonType(b.Style),
				Value: buttonValue{Action: b.ID, Value: b.Value, Thread: thread},
			})
		}
		c.Elements = append(c.Elements, act)
	}
	switch {
	case r.Headline != "" && len(c.Elements) == 0:
		// A one-line answer ("noted") reads better as text than as a title bar.
		c.Elements = append(c.Elements, markdownElement{Tag: "markdown", Content: markdown(r.Headline)})
	case r.Headline != "":
		c.Header = &cardHeader{Title: cardText{Tag: "plain_text", Content: r.Headline}, Template: "blue"}
	case len(c.Elements) == 0:
		return nil, errEmptyReply
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "&lt;" and "<" readable; Lark decodes JSON, not HTML
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func table(t *bot.Table) tableElement {
	el := tableElement{
		Tag:         "table",
		PageSize:    min(max(len(t.Rows), 1), maxPageSize),
		RowHeight:   "low",
		HeaderStyle: tableHeaderStyle{TextAlign: "left", Bold: true, BackgroundStyle: "grey"},
		Rows:        make([]map[string]string, 0, len(t.Rows)),
	}
	for i, name := range t.Columns {
		align := "left"
		if i < len(t.Numeric) && t.Numeric[i] {
			align = "right"
		}
		el.Columns = append(el.Columns, tableColumn{Name: columnKey(i), DisplayName: name, DataType: "text",
			HorizontalAlign: align, Width: "auto"})
	}
	for _, row := range t.Rows {
		m := make(map[string]string, len(t.Columns))
		for i := range t.Columns {
			if i < len(row) {
				m[columnKey(i)] = row[i]
			} else {
				m[columnKey(i)] = ""
			}
		}
		el.Rows = append(el.Rows, m)
	}
	return el
}

// columnKey names a table column; display names may be any text, keys must be identifiers.
func columnKey(i int) string { return fmt.Sprintf("c%d", i) }

func buttonType(style string) string {
	switch style {
	case "primary", "danger":
		return style
	default:
		return "default"
	}
}

// bold is *text* with no blank just inside the stars, so "a * b * c" stays as it is.
var bold = regexp.MustCompile(`\*([^*\s](?:[^*\n]*[^*\s])?)\*`)

// markdownEscaper escapes the characters that would let text become Lark markup tags such as
// <at id=all></at> or <font>. A stray "&" is left alone: at worst text that already spells an
// entity shows the character it names.
var markdownEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;")

// markdown turns the neutral reply markup (*bold* only) into Lark markdown, escaping everything
// else.
func markdown(s string) string {
	return bold.ReplaceAllString(markdownEscaper.Replace(s), "**$1**")
}
