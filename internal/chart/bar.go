package chart

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bar layout, in pixels unless noted.
const (
	// barPitch is the vertical room per bar when the height grows with
	// the number of bars.
	barPitch = 26
	// barFrame is the room for the title, the value axis and margins.
	barFrame = 110
	// barThickness is the bar's share of its category's room.
	barThickness = 0.68
	// maxCategoryShare is the largest share of the width that category
	// labels may take; longer labels are shortened with an ellipsis.
	maxCategoryShare = 0.32
)

// missingMark labels a bar whose value is missing.
const missingMark = "—"

// Bar renders a breakdown or top-N chart as a PNG image: horizontal bars,
// one per point, top to bottom in the given order, with the category labels
// on the left where long Chinese names fit. The value axis always includes
// zero; negative values extend left in another colour. With
// Options.ValueLabels each bar's value is written at its end, formatted by
// Options.YFormat. A missing point keeps its row, without a bar.
//
// When Options.Height is zero the image is 480 px high or taller, so that
// every bar gets readable room.
//
// Bar returns an error wrapping ErrEmpty when there is no value to draw,
// ErrInvalidValue for NaN or infinite values, ErrTooMany beyond MaxBars and
// ErrInvalidOptions for a bad size.
func (r *Renderer) Bar(points []Point, opts Options) ([]byte, error) {
	png, err := r.bar(points, opts)
	if err != nil {
		return nil, fmt.Errorf("render bar chart: %w", err)
	}
	return png, nil
}

func (r *Renderer) bar(points []Point, opts Options) ([]byte, error) {
	if err := checkBar(points); err != nil {
		return nil, err
	}
	w, h, err := canvasSize(opts, min(max(DefaultHeight, barFrame+barPitch*len(points)), MaxSide))
	if err != nil {
		return nil, err
	}
	format := opts.YFormat
	if format == nil {
		format = plainNumber
	}

	p := r.newPlot()
	n := len(points)

	// Categories: the first point at the top.
	catStyle := p.Y.Tick.Label
	maxCatW := pixels(w) * maxCategoryShare
	ticks := make([]plot.Tick, n)
	for i, pt := range points {
		ticks[i] = plot.Tick{Value: float64(n - 1 - i), Label: fitText(catStyle, pt.Label, maxCatW)}
		if ticks[i].Label == "" {
			ticks[i].Label = " "
		}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Length = 0
	p.Y.LineStyle.Width = 0
	p.Y.Padding = 0
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5

	bars := &hbars{
		points:     points,
		labelStyle: r.textStyle(labelSize, inkColor, draw.XLeft, draw.YCenter),
		baseline:   draw.LineStyle{Color: axisColor, Width: vg.Points(1)},
	}
	if opts.ValueLabels {
		bars.labels = make([]string, n)
		for i, pt := range points {
			bars.labels[i] = missingMark
			if !pt.Missing {
				bars.labels[i] = format(pt.Value)
			}
		}
	}

	grid := newGrid()
	p.Add(grid, bars)

	lo, hi := barRange(points)
	p.X.Min, p.X.Max = lo, hi
	p.X.Tick.Marker = valueTicks{format: format, target: 6}
	p.X.LineStyle.Width = 0
	p.X.Tick.Length = 0

	img, area := newCanvas(w, h)
	area = r.drawHeader(area, opts.Title, nil)
	if opts.ValueLabels {
		dataW := p.DataCanvas(area).Size().X
		p.X.Min, p.X.Max = bars.roomForLabels(lo, hi, dataW)
	}
	p.Draw(area)
	return encodePNG(img)
}

// checkBar validates the points of a bar chart.
func checkBar(points []Point) error {
	if len(points) == 0 {
		return fmt.Errorf("%w: no points", ErrEmpty)
	}
	if len(points) > MaxBars {
		return fmt.Errorf("%w: %d bars, at most %d", ErrTooMany, len(points), MaxBars)
	}
	drawn := 0
	for i, pt := range points {
		if pt.Missing {
			continue
		}
		if err := checkValue(pt.Value); err != nil {
			return fmt.Errorf("point %d (%q): %w", i, pt.Label, err)
		}
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("%w: every point is missing", ErrEmpty)
	}
	return nil
}

// barRange returns the value axis range of a bar chart: the values and
// zero, widened to round numbers.
func barRange(points []Point) (lo, hi float64) {
	for _, pt := range points {
		if !pt.Missing {
			lo, hi = math.Min(lo, pt.Value), math.Max(hi, pt.Value)
		}
	}
	if lo == hi { // all zero
		hi = 1
	}
	return snapRange(lo, hi, 5)
}

// newGrid returns vertical grid lines at the value axis ticks.
func newGrid() plot.Plotter {
	return gridLines{style: draw.LineStyle{Color: gridColor, Width: vg.Points(0.75)}}
}

// gridLines draws a vertical line at each labelled tick of the X axis.
type gridLines struct {
	style draw.LineStyle
}

var _ plot.Plotter = gridLines{}

// Plot implements plot.Plotter.
func (g gridLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if tk.IsMinor() {
			continue
		}
		x := trX(tk.Value)
		if c.ContainsX(x) {
			c.StrokeLine2(g.style, x, c.Min.Y, x, c.Max.Y)
		}
	}
}

// hbars draws horizontal bars from zero, the first point at the top, and
// optionally a value label at the end of each bar.
type hbars struct {
	points     []Point
	labels     []string // nil: no value labels
	labelStyle text.Style
	baseline   draw.LineStyle
}

var _ plot.Plotter = (*hbars)(nil)

// labelPad is the space between a bar's end and its value label.
const labelPad = vg.Length(4)

// Plot implements plot.Plotter.
func (b *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(b.points)
	x0 := trX(0)
	for i, pt := range b.points {
		pos := float64(n - 1 - i)
		yLo, yHi := trY(pos-barThickness/2), trY(pos+barThickness/2)
		end := x0
		if !pt.Missing {
			end = trX(pt.Value)
			var clr color.Color = palette[0]
			if pt.Value < 0 {
				clr = negativeColor
			}
			rect := []vg.Point{{X: x0, Y: yLo}, {X: x0, Y: yHi}, {X: end, Y: yHi}, {X: end, Y: yLo}}
			c.FillPolygon(clr, c.ClipPolygonXY(rect))
		}
		if b.labels == nil {
			continue
		}
		sty := b.labelStyle
		// YCenter centres the glyphs' ascent; lift by half the descent so
		// that digits and CJK sit visually centred on the bar.
		at := vg.Point{X: end + labelPad, Y: (yLo+yHi)/2 + sty.FontExtents().Descent/2}
		if !pt.Missing && pt.Value < 0 {
			sty.XAlign = draw.XRight
			at.X = end - labelPad
		}
		c.FillText(sty, at, b.labels[i])
	}
	c.StrokeLine2(b.baseline, x0, c.Min.Y, x0, c.Max.Y)
}

// roomForLabels widens [lo, hi] so that each value label fits beside the
// end of its bar in a data area dataW wide. The room a label needs in data
// units depends on the range being computed, so a few rounds of widening
// settle it.
func (b *hbars) roomForLabels(lo, hi float64, dataW vg.Length) (float64, float64) {
	newLo, newHi := lo, hi
	for range 4 {
		perPoint := (newHi - newLo) / float64(dataW) // data units per length unit
		wantLo, wantHi := lo, hi
		for i, pt := range b.points {
			w := float64(b.labelStyle.Width(b.labels[i])+2*labelPad) * perPoint
			switch {
			case pt.Missing:
				wantHi = math.Max(wantHi, w)
			case pt.Value < 0:
				wantLo = math.Min(wantLo, pt.Value-w)
			default:
				wantHi = math.Max(wantHi, pt.Value+w)
			}
		}
		// Absurdly long labels must not squeeze the bars away.
		limit := 3 * (hi - lo)
		newLo, newHi = math.Max(wantLo, lo-limit), math.Min(wantHi, hi+limit)
	}
	return newLo, newHi
}
