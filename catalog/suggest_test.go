package catalog_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"GMV", "gmv"},
		{"ＧＭＶ", "gmv"},                             // full-width letters
		{"２０２６年", "2026年"},                         // full-width digits
		{"Gross_Margin-Rate", "gross margin rate"}, // _ and - are spaces
		{"  a \u3000\t b  ", "a b"},                // ideographic space, runs collapse, trimmed
		{"华东区", "华东区"},
		{"销售额？", "销售额?"},
		{"--x--", "x"},
		{"", ""},
	} {
		if got := catalog.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"gmv", "gmv", 0},
		{"gmv", "gvm", 1}, // a transposition is one edit
		{"region", "regoin", 1},
		{"ab", "ba", 1},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"销售额", "销售", 1}, // runes, not bytes
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
	} {
		if got := catalog.Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := catalog.Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"region", "province", "city", "order_count", "orders", "gmv", "gmv_mtd", "gross_margin"}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"regoin", []string{"region"}},
		{"REGION ", nil}, // the same name after normalising is not a suggestion
		{"gvm", []string{"gmv"}},
		{"order", []string{"order_count", "orders"}}, // a prefix counts as close as the limit; ties keep candidate order
		{"ordres", []string{"orders"}},
		{"gm", []string{"gmv", "gmv_mtd"}},
		{"proivnce", []string{"province"}},
		{"zzz", nil},
		{"", nil},
		{"Order-Count", nil},
	} {
		got := catalog.Suggest(tt.name, names)
		if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
			t.Errorf("Suggest(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
	if got := catalog.Suggest("a", []string{"ab", "ac", "ad", "ae"}); len(got) != 3 {
		t.Errorf("got %d suggestions %v, want at most 3", len(got), got)
	}
}

// cmpEmpty treats nil and empty slices as equal.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
})
