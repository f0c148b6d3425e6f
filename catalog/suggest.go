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

// Distance returns the Levenshtein edit distance between a and b, counted in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Suggest returns up to three candidates closest to name, closest first, among those within an
// edit distance of about a third of the name's length.
func Suggest(name string, candidates []string) []string {
	n := Normalize(name)
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
