package format

import (
	"testing"

	"github.com/metricbot/metricbot/catalog"
)

func TestCompact(t *testing.T) {
	tests := []struct {
		v    float64
		lang string
		want string
	}{
		{12345, "zh", "1.23万"},
		{456000000, "zh", "4.56亿"},
		{9999, "zh", "9999"},
		{12.5, "zh", "12.5"},
		{-123456, "zh", "-12.3万"},
		{12345, "en", "12.3K"},
		{4560000, "en", "4.56M"},
		{7.8e9, "en", "7.8B"},
		{999.994, "en", "999.99"},
		{0, "en", "0"},
		{123456789, "en", "123M"},
	}
	for _, tc := range tests {
		if got := Compact(tc.v, tc.lang); got != tc.want {
			t.Errorf("Compact(%v, %s) = %q, want %q", tc.v, tc.lang, got, tc.want)
		}
	}
}

func TestValueAndExact(t *testing.T) {
	money := &catalog.Metric{Format: catalog.Currency}
	pct := &catalog.Metric{Format: catalog.Percent}
	count := &catalog.Metric{Format: catalog.CountFmt}
	tests := []struct {
		got, want string
	}{
		{Value(1234567, money, "zh"), "123万元"},
		{Value(1234567, money, "en"), "¥1.23M"},
		{Value(0.0345, pct, "zh"), "3.5%"},
		{Exact(1234567.891, money), "1,234,567.89"},
		{Exact(-1234.5, money), "-1,234.50"},
		{Exact(1234567, count), "1,234,567"},
		{Exact(0.03456, pct), "3.46%"},
		{SignedPercent(0.1234), "+12.3%"},
		{SignedPercent(-0.04), "-4.0%"},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("case %d: got %q, want %q", i, tc.got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	got := Table([]string{"大区", "gmv"}, [][]string{{"华东", "1.2万"}, {"East", "300"}}, []bool{false, true})
	want := "大区    gmv\n华东  1.2万\nEast    300"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if Width("华东ab") != 6 {
		t.Errorf("Width(华东ab) = %d, want 6", Width("华东ab"))
	}
}

func TestEdges(t *testing.T) {
	money := &catalog.Metric{Format: catalog.Currency}
	tests := []struct{ got, want string }{
		{Compact(999950, "en"), "1M"},
		{Compact(99995000, "zh"), "1亿"},
		{Compact(9999.996, "zh"), "1万"},
		{Compact(999.996, "en"), "1K"},
		{Compact(9999.5, "zh"), "9999.5"},
		{Compact(-999950, "en"), "-1M"},
		{Value(-1234, money, "en"), "-¥1.23K"},
		{SignedPercent(-0.0004), "0.0%"},
		{SignedPercent(0.0004), "0.0%"},
		{PercentagePoints(0.000333, "zh"), "+0.03个百分点"},
		{PercentagePoints(-0.0142, "en"), "-1.4 pp"},
		{PercentagePoints(-0.00001, "en"), "0.00 pp"},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("case %d: got %q, want %q", i, tc.got, tc.want)
		}
	}
}
