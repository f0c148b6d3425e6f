// Package format writes metric values for people: 1.23万 and 4.56亿 in Chinese, 12.3K and 4.56M in
// English, percentages, currency and counts, following the metric's declared format.
package format

import (
	"math"
	"strconv"
	"strings"

	"github.com/metricbot/metricbot/catalog"
)

// Value formats v as metric m's values are shown in lang ("zh" or "en"), compactly: large
// numbers use 万/亿 or K/M/B with three significant digits.
func Value(v float64, m *catalog.Metric, lang string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	switch m.Format {
	case catalog.Percent:
		return Percent(v, decimals(m, 1))
	case catalog.Currency:
		s := Compact(v, lang)
		if lang == "zh" {
			return s + "元"
		}
		return "¥" + s
	}
	return Compact(v, lang)
}

func decimals(m *catalog.Metric, def int) int {
	if m.Decimals != nil {
		return *m.Decimals
	}
	return def
}

// Percent formats a ratio (0.1234) as a percentage ("12.3%").
func Percent(v float64, decimals int) string {
	return strconv.FormatFloat(v*100, 'f', decimals, 64) + "%"
}

// SignedPercent formats a ratio with its sign ("+12.3%", "-4.0%").
func SignedPercent(v float64) string {
	s := Percent(v, 1)
	if v >= 0 {
		return "+" + s
	}
	return s
}

// Compact formats v with at most three significant digits and a unit: 1.23万, 4.56亿 (zh) or
// 12.3K, 4.56M, 7.8B (en). Values under 10,000 (zh) or 1,000 (en) keep up to two decimals.
func Compact(v float64, lang string) string {
	a := math.Abs(v)
	type unit struct {
		size float64
		name string
	}
	units := []unit{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}}
	if lang == "zh" {
		units = []unit{{1e12, "万亿"}, {1e8, "亿"}, {1e4, "万"}}
	}
	for _, u := range units {
		if a >= u.size {
			return sig3(v/u.size) + u.name
		}
	}
	return trim(strconv.FormatFloat(v, 'f', 2, 64))
}

// sig3 formats x (at least 1 in magnitude) with three significant digits.
func sig3(x float64) string {
	a := math.Abs(x)
	d := 2
	switch {
	case a >= 100:
		d = 0
	case a >= 10:
		d = 1
	}
	return trim(strconv.FormatFloat(x, 'f', d, 64))
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// Exact formats v in full with thousands separators and the metric's decimals (2 for currency
// and numbers, 0 for counts), for tables.
func Exact(v float64, m *catalog.Metric) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	switch m.Format {
	case catalog.Percent:
		return Percent(v, decimals(m, 2))
	case catalog.CountFmt:
		return Grouped(v, decimals(m, 0))
	}
	return Grouped(v, decimals(m, 2))
}

// Grouped formats v with the given decimals and commas between thousands.
func Grouped(v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}
