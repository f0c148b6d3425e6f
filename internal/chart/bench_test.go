package chart

import "testing"

// BenchmarkLine renders 30 daily points in two series, the comparison
// dashed: the common trend answer. The target is under 50 ms per chart.
func BenchmarkLine(b *testing.B) {
	r := newTestRenderer(b)
	series := []Series{
		{Name: "本期", Points: daily(30, 1_150_000, 6_000)},
		{Name: "上期", Points: daily(30, 1_080_000, 2_000), Dashed: true},
	}
	opts := Options{Title: "华东区 GMV 近30天（对比上期）", YFormat: wan}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Line(series, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBar renders seven bars with value labels: the common breakdown
// answer. The target is under 50 ms per chart.
func BenchmarkBar(b *testing.B) {
	r := newTestRenderer(b)
	points := regions()
	opts := Options{Title: "上月销售额 按大区", YFormat: wan, ValueLabels: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Bar(points, opts); err != nil {
			b.Fatal(err)
		}
	}
}
