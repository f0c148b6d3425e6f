package retrieve

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Lexical is an in-process index that matches character n-grams: unigrams and bigrams of Han,
// Hiragana, Katakana and Hangul runs (so "华东区销售额" matches "华东" and "销售额" with no word
// segmentation) and padded bigrams of other words (so "gmv" matches "GMV" and "revenue" matches
// "revenues"). A hit's score is the share of the query's IDF weight it covers, damped by how
// much else the item says. Lexical is safe for concurrent use.
type Lexical struct {
	mu       sync.RWMutex
	items    []Item
	grams    [][]string // distinct grams of each item, sorted
	dead     []bool     // replaced items awaiting compaction
	ndead    int
	byKey    map[itemKey]int
	postings map[string][]int32
	scores   sync.Pool // *[]float32 accumulators, zeroed; wrong-sized ones are dropped
}

var _ Index = (*Lexical)(nil)

// NewLexical returns an empty lexical index.
func NewLexical() *Lexical {
	return &Lexical{byKey: map[itemKey]int{}, postings: map[string][]int32{}}
}

// Upsert adds items or replaces those with the same Kind and Key.
func (l *Lexical) Upsert(ctx context.Context, items []Item) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, it := range items {
		k := itemKey{it.Kind, it.Key}
		if old, ok := l.byKey[k]; ok {
			l.dead[old] = true
			l.ndead++
		}
		idx := len(l.items)
		gs := grams(it.Text + " " + it.Key)
		sort.Strings(gs)
		l.items = append(l.items, it)
		l.grams = append(l.grams, gs)
		l.dead = append(l.dead, false)
		l.byKey[k] = idx
		for _, g := range gs {
			l.postings[g] = append(l.postings[g], int32(idx))
		}
	}
	if l.ndead > 1000 && l.ndead > len(l.items)/2 {
		l.compact()
	}
	return nil
}

// compact drops replaced items and rebuilds the postings. The caller holds the write lock.
func (l *Lexical) compact() {
	items, gs := l.items, l.grams
	l.items, l.grams, l.dead, l.ndead = nil, nil, nil, 0
	l.byKey = map[itemKey]int{}
	l.postings = map[string][]int32{}
	live := map[itemKey]int{}
	for i, it := range items {
		live[itemKey{it.Kind, it.Key}] = i // the last one is the live one
	}
	for i, it := range items {
		if live[itemKey{it.Kind, it.Key}] != i {
			continue
		}
		idx := len(l.items)
		l.items = append(l.items, it)
		l.grams = append(l.grams, gs[i])
		l.dead = append(l.dead, false)
		l.byKey[itemKey{it.Kind, it.Key}] = idx
		for _, g := range gs[i] {
			l.postings[g] = append(l.postings[g], int32(idx))
		}
	}
}

// Len returns the number of live items.
func (l *Lexical) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.items) - l.ndead
}

// Search returns up to k items sharing the most informative n-grams with query.
func (l *Lexical) Search(ctx context.Context, query string, k int, kinds ...Kind) ([]Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	qgrams := grams(query)
	l.mu.RLock()
	defer l.mu.RUnlock()
	n := float64(len(l.items) - l.ndead)
	type qg struct {
		gram string
		post []int32
		idf  float32
	}
	var rare, common []qg
	var total float32
	for _, g := range qgrams {
		post := l.postings[g]
		idf := float32(math.Log(1 + (n+1)/float64(len(post)+1)))
		total += idf
		switch {
		case len(post) == 0:
		case float64(len(post)) > n/20:
			common = append(common, qg{g, post, idf})
		default:
			rare = append(rare, qg{g, post, idf})
		}
	}
	if len(rare)+len(common) == 0 || total == 0 {
		return []Hit{}, nil
	}
	accp, _ := l.scores.Get().(*[]float32)
	if accp == nil || len(*accp) != len(l.items) {
		buf := make([]float32, len(l.items))
		accp = &buf
	}
	acc := *accp
	var touched []int32
	accumulate := func(qs []qg) {
		for _, q := range qs {
			for _, d := range q.post {
				if acc[d] == 0 {
					touched = append(touched, d)
				}
				acc[d] += q.idf
			}
		}
	}
	accumulate(rare)
	ks := kindSet(kinds)
	eligible := 0
	for _, d := range touched {
		if !l.dead[d] && ks.has(l.items[d].Kind) {
			eligible++
		}
	}
	if eligible >= k {
		// Grams that occur in more than one item in twenty carry little weight, and walking
		// their long posting lists dominates the cost: add them only to the candidates the
		// informative grams found.
		for _, d := range touched {
			for _, q := range common {
				if hasGram(l.grams[d], q.gram) {
					acc[d] += q.idf
				}
			}
		}
	} else {
		accumulate(common)
	}
	top := topK{k: k}
	for _, d := range touched {
		s := acc[d]
		acc[d] = 0
		if l.dead[d] || !ks.has(l.items[d].Kind) {
			continue
		}
		coverage := float64(s / total)
		// Prefer items that say little besides what was asked: a metric named "GMV" over a
		// long description that mentions it.
		extra := float64(len(l.grams[d]))
		top.push(scored{score: coverage / (1 + 0.05*math.Log1p(extra)), idx: int(d)})
	}
	l.scores.Put(accp)
	return top.hits(l.items), nil
}

// grams returns the distinct n-grams of s.
func grams(s string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	var run []rune
	cjk := false
	flush := func() {
		if len(run) == 0 {
			return
		}
		if cjk {
			for i, r := range run {
				add(string(r))
				if i+1 < len(run) {
					add(string(run[i : i+2]))
				}
			}
		} else {
			padded := append(append([]rune{'^'}, run...), '$')
			for i := 0; i+1 < len(padded); i++ {
				add(string(padded[i : i+2]))
			}
		}
		run = run[:0]
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case isCJK(r):
			if !cjk {
				flush()
				cjk = true
			}
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if cjk {
				flush()
				cjk = false
			}
			run = append(run, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// hasGram reports whether the sorted grams contain g.
func hasGram(sorted []string, g string) bool {
	i := sort.SearchStrings(sorted, g)
	return i < len(sorted) && sorted[i] == g
}
