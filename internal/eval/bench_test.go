package eval

import (
	"fmt"
	"testing"

	"github.com/metricbot/metricbot/internal/compile"
)

// BenchmarkCompareRows scores a 1,000-row breakdown with comparison, the largest answers the dev
// set produces being a few hundred rows.
func BenchmarkCompareRows(b *testing.B) {
	cols := []compile.Column{{Name: "product", Role: compile.RoleDimension}, {Name: "time", Role: compile.RoleTime},
		{Name: "gmv", Role: compile.RoleValue}, {Name: "gmv_previous", Role: compile.RolePrevious},
		{Name: "gmv_pct_change", Role: compile.RolePctChange}}
	var got, want [][]any
	for i := range 1000 {
		key := fmt.Sprintf("p%03d", i)
		got = append(got, []any{key, "2026-11-01", float64(i) * 1.5, int64(i), 0.5})
		want = append(want, []any{key, "2026-11-01", float64(i) * 1.5, float64(i)})
	}
	// Reverse the expected rows so matching is not in order.
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i]
	}
	b.ReportAllocs()
	for b.Loop() {
		names, rows := project(cols, got)
		if p := compareRows(names, rows, want, 4); p != nil {
			b.Fatal(p)
		}
	}
}
