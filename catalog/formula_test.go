package catalog_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

func TestParseFormula(t *testing.T) {
	type (
		ref = catalog.Ref
		num = catalog.Num
		bin = catalog.Binary
		neg = catalog.Neg
	)
	for _, tt := range []struct {
		in   string
		want catalog.Expr
		refs []string
	}{
		{"gmv", ref("gmv"), []string{"gmv"}},
		{"gmv - cost", &bin{'-', ref("gmv"), ref("cost")}, []string{"gmv", "cost"}},
		{"a + b * c", &bin{'+', ref("a"), &bin{'*', ref("b"), ref("c")}}, []string{"a", "b", "c"}},
		{"(a + b) * c", &bin{'*', &bin{'+', ref("a"), ref("b")}, ref("c")}, []string{"a", "b", "c"}},
		{"a - b - c", &bin{'-', &bin{'-', ref("a"), ref("b")}, ref("c")}, []string{"a", "b", "c"}}, // left associative
		{"a / b / 2", &bin{'/', &bin{'/', ref("a"), ref("b")}, num(2)}, []string{"a", "b"}},
		{"-a * b", &bin{'*', &neg{ref("a")}, ref("b")}, []string{"a", "b"}},
		{"a - -b", &bin{'-', ref("a"), &neg{ref("b")}}, []string{"a", "b"}},
		{"--a", &neg{&neg{ref("a")}}, []string{"a"}},
		{"-(a + b)", &neg{&bin{'+', ref("a"), ref("b")}}, []string{"a", "b"}},
		{"b + a * b", &bin{'+', ref("b"), &bin{'*', ref("a"), ref("b")}}, []string{"b", "a"}},
		{"gross_profit / gmv * 100", &bin{'*', &bin{'/', ref("gross_profit"), ref("gmv")}, num(100)}, []string{"gross_profit", "gmv"}},
		{"0.5*x+.25", &bin{'+', &bin{'*', num(0.5), ref("x")}, num(0.25)}, []string{"x"}},
		{"  (( a ))  ", ref("a"), []string{"a"}},
	} {
		got, err := catalog.ParseFormula(tt.in)
		if err != nil {
			t.Errorf("ParseFormula(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseFormula(%q) (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.refs, catalog.Refs(got)); diff != "" {
			t.Errorf("Refs(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseFormulaErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `formula "": unexpected end`},
		{"a +", `formula "a +": unexpected end`},
		{"(a + b", `formula "(a + b": missing ) at column 7`},
		{"a b", `formula "a b": unexpected "b" at column 3`},
		{"a $ b", `formula "a $ b": unexpected "$" at column 3`},
		{"1.2.3 * a", `formula "1.2.3 * a": bad number "1.2.3" at column 1`},
		{"a * )", `formula "a * )": unexpected ")" at column 5`},
		{"a)", `formula "a)": unexpected ")" at column 2`},
		{"f(a)", `formula "f(a)": unexpected "(" at column 2`},
	} {
		_, err := catalog.ParseFormula(tt.in)
		if err == nil {
			t.Errorf("ParseFormula(%q): got no error, want %q", tt.in, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("ParseFormula(%q): got error %q, want %q", tt.in, got, tt.want)
		}
	}
}
