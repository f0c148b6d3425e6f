package chart

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "write sample PNGs to testdata/ for a human to look at")

// newTestRenderer returns a Renderer with the embedded font.
func newTestRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(RendererOptions{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// decode decodes a PNG produced by the renderer.
func decode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	return img
}

// wan formats like the bot does for Chinese readers: 12000 -> "1.2万".
func wan(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e8:
		return trimZero(fmt.Sprintf("%.2f", v/1e8)) + "亿"
	case a >= 1e4:
		return trimZero(fmt.Sprintf("%.1f", v/1e4)) + "万"
	default:
		return trimZero(fmt.Sprintf("%.1f", v))
	}
}

func trimZero(s string) string {
	for len(s) > 1 && s[len(s)-1] == '0' && bytes.ContainsRune([]byte(s), '.') {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// daily returns n days of a weekly-seasonal series labelled 11-01, 11-02...
func daily(n int, base, trend float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		season := 1 + 0.12*math.Sin(float64(i)*2*math.Pi/7)
		pts[i] = Point{
			Label: fmt.Sprintf("11-%02d", i+1),
			Value: math.Round((base + trend*float64(i)) * season),
		}
	}
	return pts
}

// regions returns a breakdown by region with Chinese names.
func regions() []Point {
	return []Point{
		{Label: "华东", Value: 4_820_000},
		{Label: "华南", Value: 3_910_000},
		{Label: "华北", Value: 3_120_000},
		{Label: "华中", Value: 2_050_000},
		{Label: "西南", Value: 1_730_000},
		{Label: "东北", Value: 980_000},
		{Label: "西北", Value: 610_000},
	}
}

// sample is a chart a human should look at after a change.
type sample struct {
	name   string
	render func(r *Renderer) ([]byte, error)
	w, h   int
}

func samples() []sample {
	return []sample{
		{name: "line_trend", w: 800, h: 480, render: func(r *Renderer) ([]byte, error) {
			return r.Line([]Series{
				{Name: "本期 11-01~11-30", Points: daily(30, 1_150_000, 6_000)},
				{Name: "上期 10-02~10-31", Points: daily(30, 1_080_000, 2_000), Dashed: true},
			}, Options{Title: "华东区 GMV 近30天（对比上期）", YFormat: wan})
		}},
		{name: "line_band", w: 800, h: 480, render: func(r *Renderer) ([]byte, error) {
			pts := daily(21, 52_000, 150)
			pts[8].Missing = true
			pts[19].Value = 31_000
			lower, upper := make([]float64, len(pts)), make([]float64, len(pts))
			for i := range pts {
				mid := (52_000 + 150*float64(i)) * (1 + 0.12*math.Sin(float64(i)*2*math.Pi/7))
				lower[i], upper[i] = mid*0.85, mid*1.15
			}
			return r.Line([]Series{{Name: "订单量", Points: pts}},
				Options{Title: "订单量异常：11-20 低于预期区间", YFormat: wan,
					Band: &Band{Name: "预期区间", Lower: lower, Upper: upper}})
		}},
		{name: "line_monthly", w: 800, h: 480, render: func(r *Renderer) ([]byte, error) {
			pts := make([]Point, 12)
			for i := range pts {
				pts[i] = Point{Label: fmt.Sprintf("%04d-%02d", 2025+(i+11)/12, (i+11)%12+1), Value: 0.031 + 0.002*float64(i%5)}
			}
			return r.Line([]Series{{Name: "转化率", Points: pts}}, Options{Title: "Conversion rate, monthly",
				YFormat: func(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }})
		}},
		{name: "bar_regions", w: 800, h: 480, render: func(r *Renderer) ([]byte, error) {
			return r.Bar(regions(), Options{Title: "上月销售额 按大区", YFormat: wan, ValueLabels: true})
		}},
		{name: "bar_top20", w: 800, h: barFrame + barPitch*20, render: func(r *Renderer) ([]byte, error) {
			pts := make([]Point, 20)
			for i := range pts {
				pts[i] = Point{Label: fmt.Sprintf("门店%02d 上海徐汇", i+1), Value: float64(200_000 - 8_500*i)}
			}
			pts[0].Label = "上海浦东新区陆家嘴中心旗舰店（直营，含线上订单）"
			pts[7].Missing = true
			return r.Bar(pts, Options{Title: "门店 GMV Top 20（11月）", YFormat: wan, ValueLabels: true})
		}},
		{name: "bar_negative", w: 800, h: 480, render: func(r *Renderer) ([]byte, error) {
			return r.Bar([]Point{
				{Label: "小程序", Value: 182_000},
				{Label: "App", Value: 96_500},
				{Label: "门店", Value: -41_200},
				{Label: "抖音直播", Value: 12_300},
				{Label: "天猫旗舰店", Value: -133_000},
			}, Options{Title: "GMV 环比变化 按渠道", YFormat: wan, ValueLabels: true})
		}},
	}
}

// TestSamples renders every sample, checks its size, and with -update
// writes it to testdata/ for review.
func TestSamples(t *testing.T) {
	r := newTestRenderer(t)
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			data, err := s.render(r)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			b := decode(t, data).Bounds()
			if b.Dx() != s.w || b.Dy() != s.h {
				t.Errorf("got %dx%d image, want %dx%d", b.Dx(), b.Dy(), s.w, s.h)
			}
			if *update {
				if err := os.WriteFile(filepath.Join("testdata", s.name+".png"), data, 0o644); err != nil {
					t.Fatalf("write sample: %v", err)
				}
			}
		})
	}
}

func TestSize(t *testing.T) {
	r := newTestRenderer(t)
	line := []Series{{Name: "GMV", Points: daily(7, 100, 1)}}
	tests := []struct {
		name         string
		bar          bool
		points       int
		opts         Options
		wantW, wantH int
	}{
		{name: "line default", opts: Options{}, wantW: 800, wantH: 480},
		{name: "line custom", opts: Options{Width: 640, Height: 360}, wantW: 640, wantH: 360},
		{name: "line single point", opts: Options{Width: 300, Height: 200}, wantW: 300, wantH: 200},
		{name: "line smallest", opts: Options{Width: MinWidth, Height: MinHeight}, wantW: MinWidth, wantH: MinHeight},
		{name: "bar default", bar: true, points: 7, opts: Options{}, wantW: 800, wantH: 480},
		{name: "bar grows with bars", bar: true, points: 30, opts: Options{}, wantW: 800, wantH: barFrame + barPitch*30},
		{name: "bar explicit height wins", bar: true, points: 30, opts: Options{Height: 500}, wantW: 800, wantH: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				data []byte
				err  error
			)
			if tt.bar {
				pts := make([]Point, tt.points)
				for i := range pts {
					pts[i] = Point{Label: fmt.Sprintf("品类%d", i), Value: float64(100 - i)}
				}
				data, err = r.Bar(pts, tt.opts)
			} else if tt.name == "line single point" {
				data, err = r.Line([]Series{{Name: "GMV", Points: daily(1, 100, 0)}}, tt.opts)
			} else {
				data, err = r.Line(line, tt.opts)
			}
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			b := decode(t, data).Bounds()
			if b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Errorf("got %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.wantW, tt.wantH)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	r := newTestRenderer(t)
	ok := daily(5, 100, 0)
	many := make([]Point, MaxLinePoints+1)
	tooManyBars := make([]Point, MaxBars+1)
	allMissing := []Point{{Label: "a", Missing: true}, {Label: "b", Missing: true}}
	// A NaN in a missing point is fine: it is not drawn.
	missingNaN := []Point{{Label: "a", Value: 1}, {Label: "b", Value: math.NaN(), Missing: true}}
	band := func(lower, upper []float64) Options { return Options{Band: &Band{Lower: lower, Upper: upper}} }
	five := func(v float64) []float64 { return []float64{v, v, v, v, v} }

	lineTests := []struct {
		name   string
		series []Series
		opts   Options
		want   error
	}{
		{name: "no series", series: nil, want: ErrEmpty},
		{name: "empty series", series: []Series{{Name: "x"}}, want: ErrEmpty},
		{name: "all missing", series: []Series{{Points: allMissing}}, want: ErrEmpty},
		{name: "nan", series: []Series{{Points: []Point{{Value: 1}, {Value: math.NaN()}}}}, want: ErrInvalidValue},
		{name: "inf", series: []Series{{Points: []Point{{Value: math.Inf(-1)}}}}, want: ErrInvalidValue},
		{name: "too many points", series: []Series{{Points: many}}, want: ErrTooMany},
		{name: "too many series", series: make([]Series, MaxSeries+1), want: ErrTooMany},
		{name: "band too short", series: []Series{{Points: ok}}, opts: band([]float64{1}, []float64{2}), want: ErrInvalidOptions},
		{name: "band inverted", series: []Series{{Points: ok}}, opts: band(five(3), five(2)), want: ErrInvalidOptions},
		{name: "band nan", series: []Series{{Points: ok}}, opts: band(five(math.NaN()), five(2)), want: ErrInvalidValue},
		{name: "too wide", series: []Series{{Points: ok}}, opts: Options{Width: MaxSide + 1}, want: ErrInvalidOptions},
		{name: "too small", series: []Series{{Points: ok}}, opts: Options{Height: 10}, want: ErrInvalidOptions},
		{name: "negative size", series: []Series{{Points: ok}}, opts: Options{Width: -1}, want: ErrInvalidOptions},
		{name: "missing nan is fine", series: []Series{{Points: missingNaN}}, want: nil},
		{name: "band fits", series: []Series{{Points: ok}}, opts: band(five(90), five(110)), want: nil},
	}
	for _, tt := range lineTests {
		t.Run("line/"+tt.name, func(t *testing.T) {
			data, err := r.Line(tt.series, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if (err == nil) != (data != nil) {
				t.Errorf("got %d bytes with error %v, want bytes exactly when no error", len(data), err)
			}
		})
	}

	barTests := []struct {
		name   string
		points []Point
		opts   Options
		want   error
	}{
		{name: "no points", points: nil, want: ErrEmpty},
		{name: "all missing", points: allMissing, want: ErrEmpty},
		{name: "nan", points: []Point{{Label: "华东", Value: math.NaN()}}, want: ErrInvalidValue},
		{name: "inf", points: []Point{{Label: "华东", Value: math.Inf(1)}}, want: ErrInvalidValue},
		{name: "too many", points: tooManyBars, want: ErrTooMany},
		{name: "too tall", points: ok, opts: Options{Height: MaxSide + 1}, want: ErrInvalidOptions},
		{name: "missing nan is fine", points: missingNaN, want: nil},
		{name: "all zero", points: []Point{{Label: "a"}, {Label: "b"}}, want: nil},
	}
	for _, tt := range barTests {
		t.Run("bar/"+tt.name, func(t *testing.T) {
			data, err := r.Bar(tt.points, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if (err == nil) != (data != nil) {
				t.Errorf("got %d bytes with error %v, want bytes exactly when no error", len(data), err)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	r := newTestRenderer(t)
	_, err := r.Line([]Series{{Name: "GMV", Points: []Point{{Label: "11-01", Value: math.NaN()}}}}, Options{})
	got := fmt.Sprint(err)
	want := `render line chart: series "GMV" point 0 ("11-01"): value is NaN or infinite`
	if got != want {
		t.Errorf("got error %q, want %q", got, want)
	}
}

// darkPixels counts pixels in rect darker than a mid grey.
func darkPixels(img image.Image, rect image.Rectangle) int {
	n := 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if (r+g+b)/3 < 0x8000 {
				n++
			}
		}
	}
	return n
}

// diffPixels counts pixels that differ between a and b within rect.
func diffPixels(a, b image.Image, rect image.Rectangle) int {
	n := 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}

// cjkEvidence renders the same bar chart with Chinese category labels, with
// other Chinese labels, and with blank labels, and returns how many pixels
// of the label column differ between them. A font without CJK glyphs draws
// all three the same (nothing, or identical .notdef boxes), so both counts
// are then zero or the two Chinese renderings are identical.
func cjkEvidence(t *testing.T, r *Renderer) (vsBlank, vsOther int) {
	t.Helper()
	render := func(a, b string) image.Image {
		data, err := r.Bar([]Point{{Label: a, Value: 10}, {Label: b, Value: 8}}, Options{Width: 400, Height: 240})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		return decode(t, data)
	}
	zh := render("华东", "华南")
	other := render("西北", "东北")
	blank := render("\u3000\u3000", "\u3000\u3000") // ideographic spaces: same width, no ink
	// The category labels sit in the left part of the image.
	labels := image.Rect(0, 0, 120, 240)
	return diffPixels(zh, blank, labels), diffPixels(zh, other, labels)
}

func TestChineseRenders(t *testing.T) {
	t.Run("embedded font draws distinct CJK glyphs", func(t *testing.T) {
		vsBlank, vsOther := cjkEvidence(t, newTestRenderer(t))
		if vsBlank < 100 {
			t.Errorf("got %d pixels differing between 华东 and blank labels, want at least 100", vsBlank)
		}
		if vsOther < 100 {
			t.Errorf("got %d pixels differing between 华东 and 西北 labels, want at least 100", vsOther)
		}
	})
	t.Run("a Latin-only font fails the same check", func(t *testing.T) {
		// Proves the check above can fail: Liberation Sans has no CJK glyphs.
		path := filepath.Join(t.TempDir(), "LiberationSans-Regular.ttf")
		if err := os.WriteFile(path, liberationsansregular.TTF, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := New(RendererOptions{FontPath: path})
		if err != nil {
			t.Fatalf("New with Liberation Sans: %v", err)
		}
		_, vsOther := cjkEvidence(t, r)
		if vsOther != 0 {
			t.Errorf("got %d pixels differing between 华东 and 西北 in a Latin font, want 0", vsOther)
		}
	})
	t.Run("title ink", func(t *testing.T) {
		r := newTestRenderer(t)
		pts := []Point{{Label: "a", Value: 1}}
		with, err := r.Bar(pts, Options{Title: "华东区销售额", Width: 400, Height: 240})
		if err != nil {
			t.Fatal(err)
		}
		without, err := r.Bar(pts, Options{Title: "\u3000", Width: 400, Height: 240})
		if err != nil {
			t.Fatal(err)
		}
		title := image.Rect(0, 0, 400, 34)
		got := darkPixels(decode(t, with), title) - darkPixels(decode(t, without), title)
		if got < 100 {
			t.Errorf("got %d more dark pixels in the title area with a Chinese title, want at least 100", got)
		}
	})
}

func TestEmbeddedFontCoverage(t *testing.T) {
	face, err := embeddedFont()
	if err != nil {
		t.Fatalf("parse embedded font: %v", err)
	}
	// Words a metrics bot puts on charts, and the punctuation it uses.
	for _, s := range []string{
		"0123456789,.%-+()",
		"销售额订单量客单价转化率毛利率退款率", "华东华南华北华中西南东北西北港澳台",
		"本期上期同比环比预期区间万亿元…—（）：", "GMV vs last week",
	} {
		if !hasGlyphs(face, s) {
			t.Errorf("embedded font lacks a glyph in %q", s)
		}
	}
}

func TestNewFontPath(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "wqy.ttf")
	if err := os.WriteFile(good, embeddedFontData, 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.ttf")
	if err := os.WriteFile(garbage, []byte("not a font at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr error
	}{
		{name: "font file", path: good},
		{name: "garbage", path: garbage, wantErr: ErrFont},
		{name: "absent", path: filepath.Join(dir, "absent.ttf"), wantErr: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(RendererOptions{FontPath: tt.path})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if _, err := r.Bar(regions(), Options{}); err != nil {
				t.Errorf("render with font %s: %v", tt.path, err)
			}
		})
	}
}

func TestNewWarnsWithoutChineseGlyphs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "LiberationSans-Regular.ttf")
	if err := os.WriteFile(path, liberationsansregular.TTF, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	if _, err := New(RendererOptions{FontPath: path, Logger: logger}); err != nil {
		t.Fatalf("New: %v", err)
	}
	var rec struct {
		Level    string `json:"level"`
		FontPath string `json:"font_path"`
	}
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("got log %q, want one JSON record: %v", logs.String(), err)
	}
	want := struct {
		Level    string `json:"level"`
		FontPath string `json:"font_path"`
	}{Level: "WARN", FontPath: path}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("log record mismatch (-want +got):\n%s", diff)
	}
}

// colourPixels counts pixels close to c (within tol per channel).
func colourPixels(img image.Image, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(int(r>>8), int(c.R), tol) && near(int(g>>8), int(c.G), tol) && near(int(bl>>8), int(c.B), tol) {
				n++
			}
		}
	}
	return n
}

func near(a, b, tol int) bool { return a-b <= tol && b-a <= tol }

func TestDashedDiffers(t *testing.T) {
	r := newTestRenderer(t)
	render := func(dashed bool) image.Image {
		data, err := r.Line([]Series{
			{Name: "本期", Points: daily(30, 1000, 5)},
			{Name: "上期", Points: daily(30, 800, 5), Dashed: dashed},
		}, Options{})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		return decode(t, data)
	}
	solid, dashed := render(false), render(true)
	if got := diffPixels(solid, dashed, solid.Bounds()); got < 500 {
		t.Errorf("got %d differing pixels between solid and dashed comparison, want at least 500", got)
	}
	// The comparison series has the second palette colour; dashes leave gaps.
	solidInk, dashedInk := colourPixels(solid, palette[1], 10), colourPixels(dashed, palette[1], 10)
	if solidInk == 0 || float64(dashedInk) > 0.85*float64(solidInk) {
		t.Errorf("got %d comparison-coloured pixels dashed and %d solid, want dashed below 85%% of solid",
			dashedInk, solidInk)
	}
}

func TestMissingIsAGap(t *testing.T) {
	r := newTestRenderer(t)
	render := func(missing bool) image.Image {
		pts := []Point{{Label: "a", Value: 100}, {Label: "b", Value: 100}, {Label: "c", Value: 100},
			{Label: "d", Value: 100}, {Label: "e", Value: 100}}
		if missing {
			pts[2] = Point{Label: "c", Missing: true}
		}
		data, err := r.Line([]Series{{Points: pts}}, Options{Width: 500, Height: 300})
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		return decode(t, data)
	}
	for _, tt := range []struct {
		name    string
		missing bool
		wantInk bool
	}{
		{name: "present point is drawn", missing: false, wantInk: true},
		{name: "missing point is a gap", missing: true, wantInk: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img := render(tt.missing)
			// Find the horizontal extent of the series colour, then look at
			// the column in its middle, where the third of five points is.
			b := img.Bounds()
			minX, maxX := b.Max.X, b.Min.X
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if isColour(img.At(x, y), palette[0]) {
						minX, maxX = min(minX, x), max(maxX, x)
					}
				}
			}
			mid := (minX + maxX) / 2
			ink := 0
			for y := b.Min.Y; y < b.Max.Y; y++ {
				if isColour(img.At(mid, y), palette[0]) {
					ink++
				}
			}
			if got := ink > 0; got != tt.wantInk {
				t.Errorf("got %d series pixels in column %d (series spans %d..%d), want ink %v",
					ink, mid, minX, maxX, tt.wantInk)
			}
		})
	}
}

func isColour(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	return near(int(r>>8), int(want.R), 40) && near(int(g>>8), int(want.G), 40) && near(int(b>>8), int(want.B), 40)
}

func TestSegments(t *testing.T) {
	p := Point{Value: 1}
	m := Point{Missing: true}
	tests := []struct {
		name   string
		points []Point
		want   [][2]int
	}{
		{name: "empty", points: nil, want: nil},
		{name: "all present", points: []Point{p, p, p}, want: [][2]int{{0, 3}}},
		{name: "all missing", points: []Point{m, m}, want: nil},
		{name: "gap in middle", points: []Point{p, p, m, p, p}, want: [][2]int{{0, 2}, {3, 5}}},
		{name: "isolated point", points: []Point{m, p, m, m, p, p}, want: [][2]int{{1, 2}, {4, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, segments(tt.points)); diff != "" {
				t.Errorf("segments mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCategoryTicks(t *testing.T) {
	labelled := func(n, maxLabels int) []string {
		labels := make([]string, n)
		for i := range labels {
			labels[i] = fmt.Sprint(i)
		}
		var got []string
		for _, tk := range categoryTicks(labels, maxLabels) {
			if !tk.IsMinor() {
				got = append(got, tk.Label)
			}
		}
		return got
	}
	tests := []struct {
		name         string
		n, maxLabels int
		want         []string
	}{
		{name: "all fit", n: 5, maxLabels: 10, want: []string{"0", "1", "2", "3", "4"}},
		{name: "thinned keeps last", n: 10, maxLabels: 4, want: []string{"0", "3", "6", "9"}},
		{name: "thirty days into ten", n: 30, maxLabels: 10,
			want: []string{"2", "5", "8", "11", "14", "17", "20", "23", "26", "29"}},
		{name: "no room still labels the last", n: 5, maxLabels: 0, want: []string{"4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labelled(tt.n, tt.maxLabels)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("labelled ticks mismatch (-want +got):\n%s", diff)
			}
			if len(got) > max(tt.maxLabels, 1) {
				t.Errorf("got %d labels, want at most %d", len(got), tt.maxLabels)
			}
		})
	}
}

func TestRanges(t *testing.T) {
	pts := func(vs ...float64) []Point {
		out := make([]Point, len(vs))
		for i, v := range vs {
			out[i] = Point{Value: v}
		}
		return out
	}
	tests := []struct {
		name           string
		bar            bool
		points         []Point
		band           *Band
		wantLo, wantHi float64
	}{
		{name: "bar starts at zero", bar: true, points: pts(80, 95, 100), wantLo: 0, wantHi: 100},
		{name: "bar includes zero for negatives", bar: true, points: pts(-30, 45), wantLo: -40, wantHi: 60},
		{name: "bar all negative", bar: true, points: pts(-5, -12), wantLo: -12.5, wantHi: 0},
		{name: "line hugs the data", points: pts(1000, 1200), wantLo: 950, wantHi: 1250},
		{name: "line positive stays above zero", points: pts(1, 100), wantLo: 0, wantHi: 125},
		{name: "line flat", points: pts(50, 50), wantLo: 44, wantHi: 56},
		{name: "line includes band", points: pts(100, 100), band: &Band{Lower: []float64{60, 60}, Upper: []float64{140, 140}},
			wantLo: 40, wantHi: 160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lo, hi float64
			if tt.bar {
				lo, hi = barRange(tt.points)
			} else {
				lo, hi = lineRange([]Series{{Points: tt.points}}, tt.band)
			}
			if lo != tt.wantLo || hi != tt.wantHi {
				t.Errorf("got range [%g, %g], want [%g, %g]", lo, hi, tt.wantLo, tt.wantHi)
			}
		})
	}
}

func TestValueTicks(t *testing.T) {
	got := valueTicks{format: wan, target: 5}.Ticks(0, 5_000_000)
	var labels []string
	for _, tk := range got {
		labels = append(labels, tk.Label)
	}
	want := []string{"0", "100万", "200万", "300万", "400万", "500万"}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Errorf("tick labels mismatch (-want +got):\n%s", diff)
	}
}

func TestPlainNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{7, "7"},
		{2.5, "2.5"},
		{1234.56, "1,235"},
		{-9876543, "-9,876,543"},
		{0.0312, "0.0312"},
		{0.30000000000000004, "0.3"},
		{100, "100"},
	}
	for _, tt := range tests {
		if got := plainNumber(tt.in); got != tt.want {
			t.Errorf("plainNumber(%v): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConcurrent renders from many goroutines at once; run with -race.
func TestConcurrent(t *testing.T) {
	r := newTestRenderer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = r.Line([]Series{{Name: "本期", Points: daily(14, 100, 1)}}, Options{Title: "并发"})
			} else {
				_, err = r.Bar(regions(), Options{Title: "并发", ValueLabels: true})
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent render: %v", err)
		}
	}
}
