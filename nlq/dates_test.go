package nlq

import (
	"testing"

	"github.com/metricbot/metricbot/catalog"
)

func TestDates(t *testing.T) {
	ds := dates{today: d("2026-12-01")} // a Tuesday
	tests := []struct {
		in         string
		start, end string // end exclusive
	}{
		{"今天", "2026-12-01", "2026-12-02"},
		{"today", "2026-12-01", "2026-12-02"},
		{"昨天", "2026-11-30", "2026-12-01"},
		{"yesterday", "2026-11-30", "2026-12-01"},
		{"前天", "2026-11-29", "2026-11-30"},
		{"本周", "2026-11-30", "2026-12-02"},
		{"this week", "2026-11-30", "2026-12-02"},
		{"上周", "2026-11-23", "2026-11-30"},
		{"last week", "2026-11-23", "2026-11-30"},
		{"本月", "2026-12-01", "2026-12-02"},
		{"mtd", "2026-12-01", "2026-12-02"},
		{"上个月", "2026-11-01", "2026-12-01"},
		{"last month", "2026-11-01", "2026-12-01"},
		{"本季度", "2026-10-01", "2026-12-02"},
		{"上季度", "2026-07-01", "2026-10-01"},
		{"今年", "2026-01-01", "2026-12-02"},
		{"ytd", "2026-01-01", "2026-12-02"},
		{"this year so far", "2026-01-01", "2026-12-02"},
		{"去年", "2025-01-01", "2026-01-01"},
		{"近7天", "2026-11-24", "2026-12-01"},
		{"last 7 days", "2026-11-24", "2026-12-01"},
		{"最近30天", "2026-11-01", "2026-12-01"},
		{"last 30 days", "2026-11-01", "2026-12-01"},
		{"过去半个月", "2026-11-16", "2026-12-01"},
		{"近两周", "2026-11-17", "2026-12-01"},
		{"近3个月", "2026-09-01", "2026-12-01"},
		{"past 2 quarters", "2026-04-01", "2026-10-01"},
		{"上半年", "2026-01-01", "2026-07-01"},
		{"下半年", "2026-07-01", "2026-12-02"},
		{"h1", "2026-01-01", "2026-07-01"},
		{"三季度", "2026-07-01", "2026-10-01"},
		{"第三季度", "2026-07-01", "2026-10-01"},
		{"q3", "2026-07-01", "2026-10-01"},
		{"q4", "2026-10-01", "2026-12-02"},
		{"q3 2024", "2024-07-01", "2024-10-01"},
		{"2024年q3", "2024-07-01", "2024-10-01"},
		{"2024年三季度", "2024-07-01", "2024-10-01"},
		{"2024年3月", "2024-03-01", "2024-04-01"},
		{"2024年3月5日", "2024-03-05", "2024-03-06"},
		{"3月5日", "2026-03-05", "2026-03-06"},
		{"3月5号", "2026-03-05", "2026-03-06"},
		{"12月5日", "2025-12-05", "2025-12-06"}, // not yet this year: the last one that started
		{"三月", "2026-03-01", "2026-04-01"},
		{"24年", "2024-01-01", "2025-01-01"},
		{"2023", "2023-01-01", "2024-01-01"},
		{"2023年", "2023-01-01", "2024-01-01"},
		{"march", "2026-03-01", "2026-04-01"},
		{"march 2024", "2024-03-01", "2024-04-01"},
		{"march 5", "2026-03-05", "2026-03-06"},
		{"2024-03-05", "2024-03-05", "2024-03-06"},
		{"2024-03", "2024-03-01", "2024-04-01"},
		{"since june", "2026-06-01", "2026-12-02"},
		{"6月以来", "2026-06-01", "2026-12-02"},
		{"自6月起", "2026-06-01", "2026-12-02"},
		{"3月到5月", "2026-03-01", "2026-06-01"},
		{"from march to may", "2026-03-01", "2026-06-01"},
		{"去年3月", "2025-03-01", "2025-04-01"},
		{"去年q4", "2025-10-01", "2026-01-01"},
		{"前年", "2024-01-01", "2025-01-01"},
		{"大前年", "2023-01-01", "2024-01-01"},
		{"大前天", "2026-11-28", "2026-11-29"},
		{"上上周", "2026-11-16", "2026-11-23"},
		{"the week before last", "2026-11-16", "2026-11-23"},
		{"上上个月", "2026-10-01", "2026-11-01"},
		{"上上季度", "2026-04-01", "2026-07-01"},
		{"3月5日当天", "2026-03-05", "2026-03-06"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			in := normalizeQuestion(tt.in)
			got, n, _ := ds.match(in, 0)
			if n != len(in) {
				t.Fatalf("match(%q) read %d of %d runes", tt.in, n, len(in))
			}
			if want := rng(tt.start, tt.end); got != want {
				t.Errorf("match(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestDatesEarlyInYear(t *testing.T) {
	// On 2026-05-10 the first half is still running and Q3 has not started.
	ds := dates{today: d("2026-05-10")}
	tests := []struct{ in, start, end string }{
		{"上半年", "2026-01-01", "2026-05-11"},
		{"q3", "2025-07-01", "2025-10-01"},
		{"june", "2025-06-01", "2025-07-01"},
		{"本周", "2026-05-04", "2026-05-11"}, // 2026-05-10 is a Sunday
	}
	for _, tt := range tests {
		in := normalizeQuestion(tt.in)
		got, n, _ := ds.match(in, 0)
		if want := rng(tt.start, tt.end); n != len(in) || got != want {
			t.Errorf("match(%q) = %v (read %d/%d), want %v", tt.in, got, n, len(in), want)
		}
	}
}

func TestNoDate(t *testing.T) {
	ds := dates{today: d("2026-12-01")}
	for _, in := range []string{"销售额", "may i ask", "前五", "100万", "region"} {
		if _, n, _ := ds.match(normalizeQuestion(in), 0); n != 0 {
			t.Errorf("match(%q) read %d runes as a date, want none", in, n)
		}
	}
}

func TestAmount(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"100万", 1e6}, {"1.5亿", 1.5e8}, {"1万", 1e4}, {"一百万", 1e6}, {"2.5k", 2500},
		{"3m", 3e6}, {"30 million", 3e7}, {"1,200", 1200}, {"5%", 0.05}, {"十五", 15}, {"两千", 2000},
	}
	for _, tt := range tests {
		got, n, _ := amount(normalizeQuestion(tt.in), 0)
		if n != len(normalizeQuestion(tt.in)) || got != tt.want {
			t.Errorf("amount(%q) = %v (read %d), want %v", tt.in, got, n, tt.want)
		}
	}
}

func TestEvents(t *testing.T) {
	evs := []*catalog.Event{
		{Name: "double_11", Label: catalog.Text{ZH: "双11", EN: "Singles' Day"}, Date: "11-11"},
		{Name: "launch", Label: catalog.Text{EN: "launch week"}, Date: "2026-09-14", Days: 5},
		{Name: "later", Label: catalog.Text{EN: "future fair"}, Date: "2027-03-01"},
	}
	tests := []struct {
		today, in  string
		start, end string // end exclusive; empty when no date is read
	}{
		{"2026-12-01", "双11", "2026-11-11", "2026-11-12"},
		{"2026-12-01", "双11当天", "2026-11-11", "2026-11-12"},
		{"2026-11-05", "双11", "2025-11-11", "2025-11-12"}, // not yet this year
		{"2026-12-01", "singles' day", "2026-11-11", "2026-11-12"},
		{"2026-12-01", "singles day", "2026-11-11", "2026-11-12"},
		{"2026-12-01", "double 11", "2026-11-11", "2026-11-12"},
		{"2026-12-01", "launch week", "2026-09-14", "2026-09-19"},
		{"2026-09-15", "launch week", "2026-09-14", "2026-09-16"}, // running: up to today
		{"2026-12-01", "future fair", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in+"@"+tt.today, func(t *testing.T) {
			ds := dates{today: d(tt.today), events: eventNames(evs)}
			in := normalizeQuestion(tt.in)
			got, n, _ := ds.match(in, 0)
			if tt.start == "" {
				if n != 0 {
					t.Fatalf("match(%q) = %v, want no date", tt.in, got)
				}
				return
			}
			if want := rng(tt.start, tt.end); n != len(in) || got != want {
				t.Errorf("match(%q) = %v (read %d/%d), want %v", tt.in, got, n, len(in), want)
			}
		})
	}
}
