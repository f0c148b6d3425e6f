package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleReplies are the replies whose Block Kit JSON is kept in testdata/<name>.json.
func sampleReplies() map[string]bot.Reply {
	long := bot.Table{Columns: []string{"day", "orders"}, Numeric: []bool{false, true}}
	for i := range 400 {
		long.Rows = append(long.Rows, []string{fmt.Sprintf("2026-%02d-%02d", i/28%12+1, i%28+1), fmt.Sprintf("%d", 1000+i*37)})
	}
	return map[string]bot.Reply{
		"en_full": {
			Lang:     "en",
			Headline: "GMV last week: $1.23M, +12.3% week over week",
			Text:     []string{"*East* drove most of the change (+$96K).", "Orders & AOV both rose; see <details> below."},
			Table: &bot.Table{
				Columns: []string{"region", "GMV", "change"},
				Rows:    [][]string{{"East", "$512.0K", "+23.1%"}, {"North", "$301.5K", "+4.0%"}, {"West", "$98.2K", "-1.2%"}},
				Numeric: []bool{false, true, true},
			},
			Context: []string{"GMV = sum(order_amount) of paid orders", "Period: 2026-11-23 to 2026-11-29 (Mon-Sun)",
				"Data as of 2026-11-30 06:00"},
			Buttons: []bot.Button{
				{ID: bot.ActionShowSQL, Label: "Show SQL", Value: "q-42"},
				{ID: bot.ActionBreakdown, Label: "By channel", Value: "channel", Style: "primary"},
				{ID: bot.ActionBreakdown, Label: "By category", Value: "category"},
				{ID: bot.ActionThumbsDown, Label: "Wrong", Value: "q-42", Style: "danger"},
			},
		},
		"zh_cjk_table": {
			Lang:     "zh",
			Headline: "上个月华东区销售额 1,234.5万元, 环比 +12.3%",
			Table: &bot.Table{
				Columns: []string{"品类", "销售额", "环比"},
				Rows:    [][]string{{"女装", "523.1万", "+15.2%"}, {"数码家电", "402.7万", "+8.9%"}, {"Food", "308.7万", "-2.1%"}},
				Numeric: []bool{false, true, true},
			},
			Context: []string{"口径: 已支付订单金额之和", "负责人备注: 11月18日华东支付故障, 14:00 已修复"},
			Ref:     "a1b2c3",
		},
		"long_table": {Headline: "Orders per day", Table: &long},
		"text_only":  {Text: []string{"I know these metrics: *GMV*, *orders*, *AOV*. Which one did you mean?"}},
	}
}

func TestGoldenBlocks(t *testing.T) {
	for name, r := range sampleReplies() {
		t.Run(name, func(t *testing.T) {
			blocks := renderBlocks(r)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(map[string]any{"text": fallbackText(r), "blocks": blocks}); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("blocks mismatch (-want +got):\n%s", diff)
			}
			checkLimits(t, blocks)
		})
	}
}

// checkLimits checks the Block Kit limits Slack enforces with invalid_blocks.
func checkLimits(t *testing.T, blocks any) {
	t.Helper()
	raw, _ := json.Marshal(blocks)
	var bs []map[string]any
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatal(err)
	}
	actionIDs := map[string]bool{}
	for i, b := range bs {
		switch b["type"] {
		case "header":
			if n := utf8.RuneCountInString(b["text"].(map[string]any)["text"].(string)); n > maxHeaderText {
				t.Errorf("block %d: header of %d characters", i, n)
			}
		case "section":
			if n := utf8.RuneCountInString(b["text"].(map[string]any)["text"].(string)); n > maxSectionText {
				t.Errorf("block %d: section of %d characters", i, n)
			}
		case "context":
			if n := len(b["elements"].([]any)); n > maxContextItems {
				t.Errorf("block %d: context with %d elements", i, n)
			}
		case "actions":
			for _, el := range b["elements"].([]any) {
				id := el.(map[string]any)["action_id"].(string)
				if actionIDs[id] {
					t.Errorf("block %d: repeated action_id %q", i, id)
				}
				actionIDs[id] = true
			}
		}
	}
}

func TestRenderTableAlignsWideCharacters(t *testing.T) {
	tests := []struct {
		name  string
		table bot.Table
		want  string
	}{
		{
			name: "cjk counts double",
			table: bot.Table{Columns: []string{"地区", "GMV"}, Rows: [][]string{{"华东", "1.2万"}, {"North", "30"}},
				Numeric: []bool{false, true}},
			want: "```\n" +
				"地区     GMV\n" +
				"-----  -----\n" +
				"华东   1.2万\n" +
				"North     30\n" +
				"```",
		},
		{
			name:  "ragged rows and markup are escaped after alignment",
			table: bot.Table{Columns: []string{"a", "b"}, Rows: [][]string{{"<x>"}, {"&", "y", "extra"}}},
			want: "```\n" +
				"a    b\n" +
				"---  -  -----\n" +
				"&lt;x&gt;\n" +
				"&amp;    y  extra\n" +
				"```",
		},
		{
			name:  "no header",
			table: bot.Table{Rows: [][]string{{"1", "22"}}, Numeric: []bool{true, true}},
			want:  "```\n1  22\n```",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderTable(tt.table, maxSectionText)
			if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
				t.Errorf("table mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderTableSplitsLongTables(t *testing.T) {
	r := sampleReplies()["long_table"]
	parts := renderTable(*r.Table, maxSectionText)
	if len(parts) < 2 {
		t.Fatalf("got %d parts, want the table split", len(parts))
	}
	rows := 0
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > maxSectionText {
			t.Errorf("part %d has %d characters, want at most %d", i, n, maxSectionText)
		}
		lines := strings.Split(p, "\n")
		if lines[0] != "```" || lines[len(lines)-1] != "```" || !strings.HasPrefix(lines[1], "day") {
			t.Errorf("part %d is not a fenced block with the header: %q", i, lines[:2])
		}
		rows += len(lines) - 4
	}
	if rows != len(r.Table.Rows) {
		t.Errorf("got %d rows over all parts, want %d", rows, len(r.Table.Rows))
	}
}

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 3}, {"华东", 4}, {"１２", 4}, {"e\u0301", 1}, {"1.2万元", 7}, {"한국", 4}, {"ｶﾅ", 2},
	}
	for _, tt := range tests {
		if got := displayWidth(tt.in); got != tt.want {
			t.Errorf("displayWidth(%q): got %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"short", "abc", 10, []string{"abc"}},
		{"at a line break", "aaaa\nbbbb\ncc", 10, []string{"aaaa\nbbbb", "cc"}},
		{"hard cut by characters", "华东华东华东", 4, []string{"华东华东", "华东"}},
		{"keeps escapes whole", "abcdef&amp;x", 8, []string{"abcdef", "&amp;x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, splitText(tt.in, tt.limit)); diff != "" {
				t.Errorf("splitText mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestButtonIDRoundTrip(t *testing.T) {
	blocks := buttonBlocks([]bot.Button{{ID: bot.ActionBreakdown}, {ID: bot.ActionBreakdown}, {ID: bot.ActionShowSQL}})
	raw, _ := json.Marshal(blocks)
	var got []string
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatal(err)
	}
	for _, el := range bs[0].Elements {
		got = append(got, el.ActionID+"="+buttonID(el.ActionID))
	}
	want := []string{"breakdown=breakdown", "breakdown#2=breakdown", "show_sql=show_sql"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("action ids mismatch (-want +got):\n%s", diff)
	}
}

func TestManyButtonsAndContextStayWithinLimits(t *testing.T) {
	var r bot.Reply
	for i := range 30 {
		r.Buttons = append(r.Buttons, bot.Button{ID: bot.ActionBreakdown, Label: strings.Repeat("x", 100), Value: fmt.Sprint(i)})
	}
	for i := range 14 {
		r.Context = append(r.Context, fmt.Sprint("note ", i))
	}
	r.Headline = strings.Repeat("长", 200)
	blocks := renderBlocks(r)
	checkLimits(t, blocks)
	raw, _ := json.Marshal(blocks)
	for _, want := range []string{"note 13", `"breakdown#30"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("blocks lack %s", want)
		}
	}
}
