package catalog

import (
	"sort"
	"strings"
	"unicode"
)

// Normalize folds s for matching names and aliases: full-width forms to half-width, lower case,
// and runs of spaces, hyphens and underscores to a single space.
func Normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		r = halfWidth(r)
		if unicode.IsSpace(r) || r == '_' || r == '-' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Distance returns the edit distance between a and b in runes, counting an insertion, a deletion,
// a substitution or a swap of two adjacent runes as one edit (optimal string alignment).
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	rows := make([][]int, len(ra)+1)
	for i := range rows {
		rows[i] = make([]int, len(rb)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(ra)][len(rb)]
}

// Suggest returns up to three candidates closest to name, closest first, among those within an
// edit distance of about a third of the name's length. An empty name has no suggestions.
func Suggest(name string, candidates []string) []string {
	n := Normalize(name)
	if n == "" {
		return nil
	}
	limit := max(1, len([]rune(n))/3)
	type scored struct {
		s string
		d int
	}
	var best []scored
	for _, c := range candidates {
		nc := Normalize(c)
		d := Distance(n, nc)
		if strings.HasPrefix(nc, n) || strings.HasPrefix(n, nc) {
			d = min(d, limit)
		}
		if d <= limit && nc != n {
			best = append(best, scored{c, d})
		}
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].d < best[j].d })
	out := make([]string, 0, 3)
	for i := 0; i < len(best) && i < 3; i++ {
		out = append(out, best[i].s)
	}
	return out
}

// halfWidth maps full-width ASCII forms (Ａ, １, ？) and the ideographic space to their
// half-width equivalents.
func halfWidth(r rune) rune {
	switch {
	case r == '\u3000':
		return ' '
	case r >= '\uFF01' && r <= '\uFF5E':
		return r - 0xFEE0
	}
	return r
}
