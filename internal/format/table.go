package format

import "strings"

// Width is the number of terminal columns s takes: wide (CJK) characters take two.
func Width(s string) int {
	n := 0
	for _, r := range s {
		if wide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func wide(r rune) bool {
	return (r >= 0x1100 && r <= 0x115F) || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) || (r >= 0xFFE0 && r <= 0xFFE6)
}

// Table lays out a table as aligned text, numeric columns right-aligned, CJK characters counted
// as two columns wide.
func Table(columns []string, rows [][]string, numeric []bool) string {
	widths := make([]int, len(columns))
	for i, c := range columns {
		widths[i] = Width(c)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], Width(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			if i >= len(widths) {
				break
			}
			pad := strings.Repeat(" ", widths[i]-Width(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(numeric) && numeric[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		b.WriteString("\n")
	}
	line(columns)
	for _, r := range rows {
		line(r)
	}
	return strings.TrimRight(b.String(), "\n")
}
