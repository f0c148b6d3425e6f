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
		if neg, ok := strings.CutPrefix(s, "-"); ok {
			return "-¥" + neg
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

// SignedPercent formats a ratio with its sign ("+12.3%", "-4.0%"); a change that rounds to zero
// is "0.0%", never "-0.0%".
func SignedPercent(v float64) string {
	s := Percent(v, 1)
	switch {
	case s == "0.0%" || s == "-0.0%":
		return "0.0%"
	case v > 0:
		return "+" + s
	}
	return s
}

// PercentagePoints formats a change of a rate (0.0123 = 1.23 percentage points) with its sign and
// one decimal, or two when it is under a tenth of a point, so a small move does not read as
// "+0.0"; zh "+1.2个百分点", en "+1.2 pp".
func PercentagePoints(d float64, lang string) string {
	pp := d * 100
	decimals := 1
	if math.Abs(pp) < 0.05 {
		decimals = 2
	}
	s := strconv.FormatFloat(pp, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	} else if pp > 0 {
		s = "+" + s
	}
	if lang == "zh" {
		return s + "个百分点"
	}
	return s + " pp"
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
	for i, u := range units {
		if a >= u.size {
			n := sig3(v / u.size)
			// 999,950 rounds to "1000K": say "1M" instead (and 1万万 is 1亿).
			if i > 0 && math.Abs(mustFloat(n))*u.size >= units[i-1].size {
				return sig3(v/units[i-1].size) + units[i-1].name
			}
			return n + u.name
		}
	}
	s := trim(strconv.FormatFloat(v, 'f', 2, 64))
	if lang == "zh" && len(units) > 0 && math.Abs(mustFloat(s)) >= units[len(units)-1].size {
		return sig3(v/units[len(units)-1].size) + units[len(units)-1].name
	}
	if lang != "zh" && math.Abs(mustFloat(s)) >= 1e3 {
		return sig3(v/1e3) + "K"
	}
	return s
}

func mustFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
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
