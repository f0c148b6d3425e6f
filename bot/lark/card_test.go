package lark

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/bot"
)

var goldenReplies = []struct {
	name     string
	reply    bot.Reply
	imageKey string
}{
	{
		name: "answer",
		reply: bot.Reply{
			Lang:     "zh",
			Headline: "上个月华东区销售额 1,234.5万元, 环比 +12.3%",
			Text:     []string{"*华东* 领先其他区域。", "比目标高 3.2%, <at id=all></at> 不会提醒任何人。"},
			Table: &bot.Table{
				Columns: []string{"区域", "销售额", "环比"},
				Rows:    [][]string{{"华东", "1,234.5万", "+12.3%"}, {"华北", "987.6万", "-2.1%"}},
				Numeric: []bool{false, true, true},
			},
			Chart:   &bot.Image{PNG: []byte("\x89PNG"), Name: "gmv-by-region.png", Title: "销售额 按区域", AltText: "柱状图: 销售额按区域"},
			Context: []string{"口径: 已支付订单金额, 不含退款", "期间: 2026-02-01 至 2026-02-28", "数据更新于 2026-03-02 06:00"},
			Buttons: []bot.Button{
				{ID: bot.ActionShowSQL, Label: "查看 SQL", Value: "q-42"},
				{ID: bot.ActionBreakdown, Label: "按品类拆分", Value: "category", Style: "primary"},
				{ID: bot.ActionThumbsDown, Label: "不对", Value: "q-42", Style: "danger"},
			},
		},
		imageKey: "img_v3_chart",
	},
	{
		name:  "headline only",
		reply: bot.Reply{Lang: "en", Headline: "Noted: *cause* saved for GMV on 2026-03-01."},
	},
	{
		name: "error with ref",
		reply: bot.Reply{
			Lang:    "en",
			Text:    []string{"The warehouse did not answer in time. Please try again in a minute."},
			Context: []string{"Closest metrics: *gmv*, *orders*"},
			Ref:     "r-7f3a",
		},
	},
	{
		name: "long table without headline",
		reply: bot.Reply{
			Lang: "en",
			Table: &bot.Table{
				Columns: []string{"day", "orders"},
				Rows: [][]string{{"03-01", "10"}, {"03-02", "11"}, {"03-03", "12"}, {"03-04", "13"}, {"03-05", "14"}, {"03-06", "15"},
					{"03-07", "16"}, {"03-08", "17"}, {"03-09", "18"}, {"03-10", "19"}, {"03-11", "20"}, {"03-12"}},
				Numeric: []bool{false, true},
			},
		},
	},
}

func TestRenderCardGolden(t *testing.T) {
	for _, tt := range goldenReplies {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderCard(tt.reply, tt.imageKey, "om_q")
			if err != nil {
				t.Fatalf("renderCard: %v", err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("card is not JSON: %v", err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", "card_"+nonWord.ReplaceAllString(tt.name, "_")+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
				t.Errorf("card %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestRenderCardEmpty(t *testing.T) {
	_, err := renderCard(bot.Reply{Lang: "en", Chart: &bot.Image{PNG: []byte("x")}}, "", "om_q")
	if !errors.Is(err, errEmptyReply) {
		t.Errorf("got %v, want errEmptyReply", err)
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*GMV* up", "**GMV** up"},
		{"a * b * c", "a * b * c"},
		{"*x*", "**x**"},
		{"3*4", "3*4"},
		{"<at id=all></at>", "&lt;at id=all&gt;&lt;/at&gt;"},
		{"<font color='red'>x</font>", "&lt;font color='red'&gt;x&lt;/font&gt;"},
	}
	for _, tt := range tests {
		if got := markdown(tt.in); got != tt.want {
			t.Errorf("markdown(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkRenderCard(b *testing.B) {
	r := goldenReplies[0]
	for b.Loop() {
		if _, err := renderCard(r.reply, r.imageKey, "om_q"); err != nil {
			b.Fatal(err)
		}
	}
}
