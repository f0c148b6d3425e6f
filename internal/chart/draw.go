package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution of the images: sizes in points are drawn at 96/72
// pixels per point, so a 12 pt label is 16 px high, readable when a
// chat client shrinks an 800 px wide image to fit a message.
const dpi = 96

// Text sizes and spacing, in points.
const (
	titleSize  = vg.Length(16)
	labelSize  = vg.Length(12)
	margin     = vg.Length(10)
	headerGap  = vg.Length(8)
	thumbWidth = vg.Length(22)
)

// Colours: dark text, muted axes and grid, and a palette of series colours
// that stay apart for common colour-vision deficiencies as far as eight
// colours allow.
var (
	inkColor   = color.RGBA{R: 0x26, G: 0x26, B: 0x26, A: 0xff}
	mutedColor = color.RGBA{R: 0x5f, G: 0x5f, B: 0x5f, A: 0xff}
	axisColor  = color.RGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}
	gridColor  = color.RGBA{R: 0xe6, G: 0xe6, B: 0xe6, A: 0xff}
	palette    = []color.RGBA{
		{R: 0x1f, G: 0x6f, B: 0xd1, A: 0xff}, // blue
		{R: 0xe8, G: 0x7b, B: 0x1e, A: 0xff}, // orange
		{R: 0x2c, G: 0xa0, B: 0x4a, A: 0xff}, // green
		{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}, // red
		{R: 0x7b, G: 0x4f, B: 0xc9, A: 0xff}, // purple
		{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
		{R: 0x00, G: 0x97, B: 0xa7, A: 0xff}, // teal
		{R: 0x75, G: 0x75, B: 0x75, A: 0xff}, // grey
	}
	negativeColor = color.RGBA{R: 0xd6, G: 0x4a, B: 0x3b, A: 0xff}
	bandColor     = color.NRGBA{R: 0x1f, G: 0x6f, B: 0xd1, A: 0x30}
)

// pixels converts a size in pixels to a vg length at dpi.
func pixels(px int) vg.Length {
	return vg.Length(px) * vg.Inch / dpi
}

// canvasSize returns the image size for opts, applying the defaults and
// checking the limits.
func canvasSize(opts Options, defaultHeight int) (w, h int, err error) {
	w, h = opts.Width, opts.Height
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = defaultHeight
	}
	if w < MinWidth || w > MaxSide {
		return 0, 0, fmt.Errorf("%w: width %d px outside %d..%d", ErrInvalidOptions, w, MinWidth, MaxSide)
	}
	if h < MinHeight || h > MaxSide {
		return 0, 0, fmt.Errorf("%w: height %d px outside %d..%d", ErrInvalidOptions, h, MinHeight, MaxSide)
	}
	return w, h, nil
}

// textStyle returns a text style in the renderer's font.
func (r *Renderer) textStyle(size vg.Length, c color.Color, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(r.typeface, size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: r.fonts,
	}
}

// newPlot returns a plot whose every text is drawn in the renderer's font
// rather than in gonum/plot's global default font, which has no CJK glyphs.
func (r *Renderer) newPlot() *plot.Plot {
	p := plot.New()
	p.TextHandler = r.fonts
	p.Title.TextStyle = r.textStyle(titleSize, inkColor, draw.XCenter, draw.YTop)
	p.Legend.TextStyle = r.textStyle(labelSize, inkColor, draw.XLeft, draw.YCenter)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = r.textStyle(labelSize, mutedColor, draw.XCenter, draw.YBottom)
		a.Tick.Label = r.textStyle(labelSize, mutedColor, a.Tick.Label.XAlign, a.Tick.Label.YAlign)
		a.LineStyle.Color = axisColor
		a.Tick.LineStyle.Color = axisColor
		a.Tick.Length = vg.Points(4)
	}
	return p
}

// newCanvas returns an image canvas of w x h pixels and the drawing area
// inside its margins.
func newCanvas(w, h int) (*vgimg.Canvas, draw.Canvas) {
	img := vgimg.NewWith(vgimg.UseWH(pixels(w), pixels(h)), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	return img, draw.Crop(dc, margin, -margin, margin, -margin)
}

// legendEntry is one item of a chart's legend.
type legendEntry struct {
	name  string
	thumb plot.Thumbnailer
}

// drawHeader draws the title and a horizontal legend along the top of c and
// returns the area left below them for the plot.
func (r *Renderer) drawHeader(c draw.Canvas, title string, entries []legendEntry) draw.Canvas {
	if title != "" {
		sty := r.textStyle(titleSize, inkColor, draw.XLeft, draw.YTop)
		title = fitText(sty, title, c.Size().X)
		c.FillText(sty, vg.Point{X: c.Min.X, Y: c.Max.Y}, title)
		c.Max.Y -= sty.Height(title) + headerGap
	}
	if len(entries) == 0 {
		return c
	}
	sty := r.textStyle(labelSize, inkColor, draw.XLeft, draw.YCenter)
	rowH := sty.Height("国")
	gap := sty.Width(" ")
	x, y := c.Min.X, c.Max.Y-rowH/2
	for _, e := range entries {
		name := fitText(sty, e.name, c.Size().X-thumbWidth-gap)
		w := thumbWidth + gap + sty.Width(name)
		if x > c.Min.X && x+w > c.Max.X {
			x, y = c.Min.X, y-rowH-vg.Points(2)
		}
		thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y - rowH*0.3},
			Max: vg.Point{X: x + thumbWidth, Y: y + rowH*0.3},
		}}
		e.thumb.Thumbnail(&thumb)
		c.FillText(sty, vg.Point{X: x + thumbWidth + gap, Y: y}, name)
		x += w + 3*gap
	}
	c.Max.Y = y - rowH/2 - headerGap
	return c
}

// fitText shortens s with an ellipsis until it is at most maxW wide in sty.
func fitText(sty text.Style, s string, maxW vg.Length) string {
	if sty.Width(s) <= maxW {
		return s
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		t := strings.TrimSpace(string(runes[:n])) + "…"
		if sty.Width(t) <= maxW {
			return t
		}
	}
	return "…"
}

// encodePNG encodes the canvas image. BestSpeed compression keeps encoding
// to a few milliseconds; the flat colours of a chart compress well anyway.
func encodePNG(c *vgimg.Canvas) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// niceStep returns a round step (1, 2, 2.5 or 5 times a power of ten) that
// splits [lo, hi] into about target intervals.
func niceStep(lo, hi float64, target int) float64 {
	span := hi - lo
	if span <= 0 || target < 1 {
		return 1
	}
	raw := span / float64(target)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw*0.999 {
			return m * mag
		}
	}
	return 10 * mag
}

// snapRange widens [lo, hi] to multiples of a nice step, so that the
// outermost grid lines frame the data.
func snapRange(lo, hi float64, target int) (float64, float64) {
	step := niceStep(lo, hi, target)
	return math.Floor(lo/step+1e-9) * step, math.Ceil(hi/step-1e-9) * step
}

// valueTicks labels the value axis at round numbers in the caller's format.
type valueTicks struct {
	format func(float64) string
	target int
}

var _ plot.Ticker = valueTicks{}

// Ticks returns labelled ticks at multiples of a nice step within [lo, hi].
func (t valueTicks) Ticks(lo, hi float64) []plot.Tick {
	step := niceStep(lo, hi, t.target)
	first := math.Ceil(lo/step - 1e-9)
	var ticks []plot.Tick
	for k := first; k*step <= hi+step*1e-9; k++ {
		v := k * step
		if v == 0 {
			v = 0 // no "-0"
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: t.format(v)})
	}
	return ticks
}

// categoryTicks returns one tick per position 0..len(labels)-1; at most
// maxLabels of them carry their label, counted back from the last so that
// the latest period is always labelled.
func categoryTicks(labels []string, maxLabels int) []plot.Tick {
	n := len(labels)
	maxLabels = max(maxLabels, 1)
	step := 1
	if n > maxLabels {
		step = (n + maxLabels - 1) / maxLabels
	}
	ticks := make([]plot.Tick, n)
	for i, l := range labels {
		ticks[i].Value = float64(i)
		if (n-1-i)%step == 0 {
			ticks[i].Label = l
			if l == "" {
				ticks[i].Label = " " // keep it a major tick
			}
		}
	}
	return ticks
}

// plainNumber formats v with thousands separators and at most two decimals
// (four significant digits below 1), the default when Options.YFormat is nil.
func plainNumber(v float64) string {
	abs := math.Abs(v)
	var s string
	switch {
	case abs >= 1000:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case abs >= 1 || abs == 0:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 4, 64)
		if strings.ContainsAny(s, "e") {
			s = strconv.FormatFloat(v, 'f', 6, 64)
		}
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// checkValue reports whether v can be drawn.
func checkValue(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ErrInvalidValue
	}
	return nil
}
