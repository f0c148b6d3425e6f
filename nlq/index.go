package nlq

import (
	"math/bits"
	"sort"
	"strings"
	"unicode"

	"github.com/metricbot/metricbot/catalog"
)

// entryKind says what a dictionary term names.
type entryKind uint8

const (
	entMetric entryKind = iota + 1
	entDimension
	entValue
	entKeyword
)

// entry is one meaning of a dictionary term.
type entry struct {
	kind  entryKind
	name  string // metric or dimension name
	value string // stored dimension value, for entValue
	kw    *keyword
}

// fuzzyTerm is a Latin-script term kept for typo-tolerant lookup.
type fuzzyTerm struct {
	key   string
	n     int    // length in runes
	mask  uint64 // letters and digits present
	words int
}

// dict is the term index: every metric and dimension name, label and synonym, every value and
// alias, and the generic keywords, keyed by normalised text. Lookup at a position of the question
// tries, longest first, only the term lengths that occur for the rune found there, so it costs a
// few map probes whatever the size of the catalog.
type dict struct {
	terms map[string][]entry
	lens  map[rune][]int // first rune -> distinct term lengths in runes, longest first
	fuzzy map[int][]fuzzyTerm
	// metricKeys are the metric terms, sorted, for prefix search.
	metricKeys []string
	// short are the three-letter Latin catalog terms, for shortTypo.
	short []string
}

func newDict() *dict {
	return &dict{terms: map[string][]entry{}, lens: map[rune][]int{}, fuzzy: map[int][]fuzzyTerm{}}
}

// add records term as a name for e.
func (d *dict) add(term string, e entry) {
	key := catalog.Normalize(term)
	if key == "" {
		return
	}
	for _, old := range d.terms[key] {
		if old.kind == e.kind && old.name == e.name && old.value == e.value && old.kw == e.kw {
			return
		}
	}
	if _, seen := d.terms[key]; !seen {
		rs := []rune(key)
		n := len(rs)
		ls := d.lens[rs[0]]
		i := sort.Search(len(ls), func(i int) bool { return ls[i] <= n })
		if i == len(ls) || ls[i] != n {
			ls = append(ls, 0)
			copy(ls[i+1:], ls[i:])
			ls[i] = n
			d.lens[rs[0]] = ls
		}
		if e.kind != entKeyword && latinTerm(key) && n == 3 {
			d.short = append(d.short, key)
		}
		if e.kind != entKeyword && latinTerm(key) && n >= 4 {
			d.fuzzy[n] = append(d.fuzzy[n], fuzzyTerm{key: key, n: n, mask: runeMask(key), words: strings.Count(key, " ") + 1})
		}
		if e.kind == entMetric {
			d.metricKeys = append(d.metricKeys, key)
		}
	}
	d.terms[key] = append(d.terms[key], e)
}

// finish prepares the index for lookups once every term is added.
func (d *dict) finish() { sort.Strings(d.metricKeys) }

// latinTerm reports whether s is written in ASCII letters, digits and spaces only.
func latinTerm(s string) bool {
	letters := false
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
		if unicode.IsLetter(r) {
			letters = true
		}
	}
	return letters
}

func runeMask(s string) uint64 {
	var m uint64
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			m |= 1 << (r - 'a')
		case r >= '0' && r <= '9':
			m |= 1 << (26 + r - '0')
		}
	}
	return m
}

// text is a normalised question: its runes, the same text as a string, and the byte offset of
// every rune, so that lookups slice the string without allocating.
type text struct {
	r   []rune
	s   string
	off []int
}

func newText(s string) text {
	rs := normalizeQuestion(s)
	str := string(rs)
	off := make([]int, 0, len(rs)+1)
	for i := range str {
		off = append(off, i)
	}
	off = append(off, len(str))
	return text{r: rs, s: str, off: off}
}

// sub returns runes [i, j) of the text as a string.
func (t text) sub(i, j int) string { return t.s[t.off[i]:t.off[j]] }

// longest returns the entries of the longest term at position i and its length in runes.
func (d *dict) longest(t text, i int) ([]entry, int) {
	for _, n := range d.lens[t.r[i]] {
		if i+n > len(t.r) {
			continue
		}
		es, ok := d.terms[t.sub(i, i+n)]
		if !ok {
			continue
		}
		if isLatin(t.r[i]) && !wordStart(t.r, i) {
			continue
		}
		if isLatin(t.r[i+n-1]) && !wordEnd(t.r, i+n) {
			continue
		}
		return es, n
	}
	return nil, 0
}

// typoLimit is the edit distance tolerated for a Latin term of n runes: none below 4, one up to 7,
// two from 8.
func typoLimit(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	}
	return 2
}

// closest returns the catalog entries of the Latin term nearest to s within the typo limit, and
// the distance. Candidates are read only from the length buckets in reach and filtered by the set
// of letters they use before any edit distance is computed.
func (d *dict) closest(s string) ([]entry, int) {
	n := len([]rune(s))
	k := typoLimit(n)
	if k == 0 {
		return nil, 0
	}
	mask := runeMask(s)
	best, bestD := "", k+1
	for l := n - k; l <= n+k; l++ {
		for _, f := range d.fuzzy[l] {
			if bits.OnesCount64(f.mask^mask) > 2*k {
				continue
			}
			if dist := catalog.Distance(s, f.key); dist < bestD && dist <= typoLimit(f.n) {
				best, bestD = f.key, dist
			}
		}
	}
	if best == "" {
		return nil, 0
	}
	return d.terms[best], bestD
}

// shortTypo returns the entries of the one three-letter Latin catalog term that s (three letters)
// misspells by one substituted letter or two swapped neighbours (gvm -> gmv), or nil when no term
// or more than one is that close.
func (d *dict) shortTypo(s string) []entry {
	if len(s) != 3 || !latinTerm(s) {
		return nil
	}
	found := ""
	for _, k := range d.short {
		if catalog.Distance(s, k) == 1 {
			if found != "" && found != k {
				return nil
			}
			found = k
		}
	}
	if found == "" {
		return nil
	}
	return catalogEntries(d.terms[found])
}

// withPrefix returns the metric terms that start with p.
func (d *dict) withPrefix(p string) []string {
	i := sort.SearchStrings(d.metricKeys, p)
	var out []string
	for ; i < len(d.metricKeys) && strings.HasPrefix(d.metricKeys[i], p); i++ {
		out = append(out, d.metricKeys[i])
		if len(out) >= 50 {
			break
		}
	}
	return out
}

// normalizeQuestion folds a question the way catalog.Normalize folds terms (half-width, lower
// case, one space for runs of spaces, underscores and hyphens) but keeps a hyphen between two
// digits (2024-03-05) and maps Chinese sentence punctuation to its ASCII form.
func normalizeQuestion(s string) []rune {
	in := []rune(s)
	out := make([]rune, 0, len(in))
	space := false
	for i, r := range in {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		case r == '。':
			r = '.'
		case r == '—' || r == '–':
			r = '-'
		}
		if r == '-' && i > 0 && i+1 < len(in) && isDigit(in[i-1]) && isDigit(halfRune(in[i+1])) {
			out = append(out, r)
			space = false
			continue
		}
		if unicode.IsSpace(r) || r == '_' || r == '-' {
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, unicode.ToLower(r))
	}
	return out
}

func halfRune(r rune) rune {
	if r >= '\uFF01' && r <= '\uFF5E' {
		return r - 0xFEE0
	}
	return r
}
