package prompts

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// sample is a small question with candidates in both languages.
func sample(lang, question string) Planner {
	return Planner{
		Lang:     lang,
		Question: question,
		Today:    "2026-12-01",
		Weekday:  "Tuesday",
		Timezone: "Asia/Shanghai",
		Previous: `{"metrics":["gmv"],"time_range":{"start":"2026-11-01","end":"2026-12-01"}}`,
		Metrics: []Metric{
			{Name: "gmv", Label: "销售额 / GMV", Description: "Sum of the amount charged on paid order lines.",
				Synonyms: []string{"营业额", "revenue"}, Unit: "CNY", DefaultPeriod: "last_30_days"},
			{Name: "order_count", Label: "订单数 / orders"},
		},
		Dimensions: []Dimension{
			{Name: "region", Label: "大区 / region", Synonyms: []string{"区域", "area"},
				Values: []Value{{Value: "华东", Aliases: []string{"East China", "east"}}, {Value: "华北"}}},
			{Name: "channel", Label: "渠道 / channel"},
		},
		Examples: []Example{{Question: "上个月华东区销售额多少", Query: `{"metrics":["gmv"]}`}},
	}
}

func TestRenderGolden(t *testing.T) {
	bare := sample("en", "GMV yesterday")
	bare.Previous, bare.Dimensions, bare.Examples = "", nil, nil
	tests := []struct {
		golden string
		name   string
		data   any
	}{
		{"system.golden", System, sample("zh", "x")},
		{"user_zh.golden", User, sample("zh", "那华东的呢")},
		{"user_en_bare.golden", User, bare},
		{"repair.golden", Repair, RepairData{Problems: []string{`unknown metric "sales_total"`, "no metric"}}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got, err := Render(tt.name, tt.data)
			if err != nil {
				t.Fatalf("Render(%s): %v", tt.name, err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if got != string(want) {
				t.Errorf("Render(%s) = \n%s\nwant (from %s)\n%s", tt.name, got, path, want)
			}
		})
	}
}

func TestRenderFails(t *testing.T) {
	tests := []struct {
		name     string
		tmpl     string
		data     any
		wantSent error
	}{
		{"unknown template", "nope.tmpl", nil, ErrUnknown},
		{"missing key", User, map[string]any{"Question": "x"}, nil},
		{"wrong data type", Repair, struct{ Other int }{1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.tmpl, tt.data)
			if err == nil {
				t.Fatalf("Render(%s) = %q, want an error", tt.tmpl, got)
			}
			if tt.wantSent != nil && !errors.Is(err, tt.wantSent) {
				t.Errorf("Render(%s) error = %v, want %v", tt.tmpl, err, tt.wantSent)
			}
		})
	}
}

func TestEveryTemplateIsTested(t *testing.T) {
	var got []string
	for _, tm := range templates.Templates() {
		if tm.Name() != "prompts" {
			got = append(got, tm.Name())
		}
	}
	if len(got) != 3 {
		t.Errorf("embedded templates = %q, want exactly system, user and repair (add a golden case for a new one)", got)
	}
}
