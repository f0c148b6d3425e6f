package chart

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// markerLimit is the most points per series for which every point gets a
// marker; longer series show markers only on isolated points.
const markerLimit = 16

// Line renders a trend chart as a PNG image.
//
// The X axis shows the points' labels in order: the first series supplies
// them, and other series are aligned by position, so a comparison period
// (last week, last year) is drawn above the current period's dates. Labels
// are thinned when there are too many to read, always keeping the last one.
// Dashed series are drawn dashed; a legend appears when there is more than
// one series or a named band. Missing points leave a gap.
//
// Line returns an error wrapping ErrEmpty when there is no point to draw,
// ErrInvalidValue for NaN or infinite values (mark such points Missing),
// ErrTooMany beyond MaxSeries or MaxLinePoints, and ErrInvalidOptions for a
// bad size or band.
func (r *Renderer) Line(series []Series, opts Options) ([]byte, error) {
	png, err := r.line(series, opts)
	if err != nil {
		return nil, fmt.Errorf("render line chart: %w", err)
	}
	return png, nil
}

func (r *Renderer) line(series []Series, opts Options) ([]byte, error) {
	w, h, err := canvasSize(opts, DefaultHeight)
	if err != nil {
		return nil, err
	}
	n, err := checkLine(series, opts.Band)
	if err != nil {
		return nil, err
	}
	format := opts.YFormat
	if format == nil {
		format = plainNumber
	}

	p := r.newPlot()
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal = draw.LineStyle{Color: gridColor, Width: vg.Points(0.75)}
	p.Add(grid)

	var legend []legendEntry
	if b := opts.Band; b != nil {
		ring := make(plotter.XYs, 0, 2*n)
		for i := range n {
			ring = append(ring, plotter.XY{X: float64(i), Y: b.Upper[i]})
		}
		for i := n - 1; i >= 0; i-- {
			ring = append(ring, plotter.XY{X: float64(i), Y: b.Lower[i]})
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("draw band: %w", err)
		}
		poly.Color = bandColor
		poly.LineStyle.Width = 0
		p.Add(poly)
		if b.Name != "" {
			legend = append(legend, legendEntry{name: b.Name, thumb: poly})
		}
	}

	// Draw the first series last, on top of the comparison.
	entries := make([]legendEntry, len(series))
	for i := len(series) - 1; i >= 0; i-- {
		s := series[i]
		ls := draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(2.25)}
		if s.Dashed {
			ls.Width = vg.Points(2)
			ls.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		}
		glyph := draw.GlyphStyle{Color: ls.Color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		for _, seg := range segments(s.Points) {
			xys := make(plotter.XYs, 0, seg[1]-seg[0])
			for j := seg[0]; j < seg[1]; j++ {
				xys = append(xys, plotter.XY{X: float64(j), Y: s.Points[j].Value})
			}
			if len(xys) > 1 {
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, fmt.Errorf("draw series %q: %w", s.Name, err)
				}
				l.LineStyle = ls
				p.Add(l)
			}
			if len(xys) == 1 || len(s.Points) <= markerLimit {
				sc, err := plotter.NewScatter(xys)
				if err != nil {
					return nil, fmt.Errorf("draw series %q: %w", s.Name, err)
				}
				sc.GlyphStyle = glyph
				p.Add(sc)
			}
		}
		entries[i] = legendEntry{name: s.Name, thumb: &plotter.Line{LineStyle: ls}}
	}
	if len(series) > 1 || len(legend) > 0 {
		legend = append(entries, legend...)
	}

	lo, hi := lineRange(series, opts.Band)
	p.Y.Min, p.Y.Max = lo, hi
	p.Y.Tick.Marker = valueTicks{format: format, target: 5}
	p.Y.LineStyle.Width = 0
	p.Y.Tick.Length = 0
	p.X.Min, p.X.Max = 0, float64(n-1)

	labels := xLabels(series, n)
	p.X.Tick.Marker = plot.ConstantTicks(categoryTicks(labels, n))

	img, area := newCanvas(w, h)
	area = r.drawHeader(area, opts.Title, legend)

	// Thin the X labels to what fits the data area's width.
	dataW := p.DataCanvas(area).Size().X
	labelW := vg.Length(0)
	for _, l := range labels {
		labelW = max(labelW, p.X.Tick.Label.Width(l))
	}
	gap := p.X.Tick.Label.Width("  ")
	maxLabels := int(dataW / (labelW + gap))
	p.X.Tick.Marker = plot.ConstantTicks(categoryTicks(labels, maxLabels))

	p.Draw(area)
	return encodePNG(img)
}

// checkLine validates the series and band and returns the number of X
// positions, the length of the longest series.
func checkLine(series []Series, band *Band) (int, error) {
	if len(series) == 0 {
		return 0, fmt.Errorf("%w: no series", ErrEmpty)
	}
	if len(series) > MaxSeries {
		return 0, fmt.Errorf("%w: %d series, at most %d", ErrTooMany, len(series), MaxSeries)
	}
	n, drawn := 0, 0
	for _, s := range series {
		if len(s.Points) > MaxLinePoints {
			return 0, fmt.Errorf("%w: series %q has %d points, at most %d", ErrTooMany, s.Name, len(s.Points), MaxLinePoints)
		}
		n = max(n, len(s.Points))
		for j, pt := range s.Points {
			if pt.Missing {
				continue
			}
			if err := checkValue(pt.Value); err != nil {
				return 0, fmt.Errorf("series %q point %d (%q): %w", s.Name, j, pt.Label, err)
			}
			drawn++
		}
	}
	if drawn == 0 {
		return 0, fmt.Errorf("%w: every point is missing", ErrEmpty)
	}
	if band == nil {
		return n, nil
	}
	if len(band.Lower) != n || len(band.Upper) != n {
		return 0, fmt.Errorf("%w: band has %d lower and %d upper bounds for %d points",
			ErrInvalidOptions, len(band.Lower), len(band.Upper), n)
	}
	for i := range n {
		if err := checkValue(band.Lower[i]); err != nil {
			return 0, fmt.Errorf("band lower bound %d: %w", i, err)
		}
		if err := checkValue(band.Upper[i]); err != nil {
			return 0, fmt.Errorf("band upper bound %d: %w", i, err)
		}
		if band.Lower[i] > band.Upper[i] {
			return 0, fmt.Errorf("%w: band lower bound %d (%g) above upper bound (%g)",
				ErrInvalidOptions, i, band.Lower[i], band.Upper[i])
		}
	}
	return n, nil
}

// segments returns the [start, end) index ranges of consecutive points that
// are not missing.
func segments(points []Point) [][2]int {
	var segs [][2]int
	start := -1
	for i, pt := range points {
		switch {
		case pt.Missing && start >= 0:
			segs = append(segs, [2]int{start, i})
			start = -1
		case !pt.Missing && start < 0:
			start = i
		}
	}
	if start >= 0 {
		segs = append(segs, [2]int{start, len(points)})
	}
	return segs
}

// xLabels returns the label of each X position: the first series' label,
// or for positions beyond it the label of the first series that has one.
func xLabels(series []Series, n int) []string {
	labels := make([]string, n)
	for i := range labels {
		for _, s := range series {
			if i < len(s.Points) {
				labels[i] = s.Points[i].Label
				break
			}
		}
	}
	return labels
}

// lineRange returns the value axis range of a line chart: the drawn values
// and band with some room above and below, widened to round numbers. It
// does not go below zero when no value does, so that positive metrics keep
// a positive axis.
func lineRange(series []Series, band *Band) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, pt := range s.Points {
			if !pt.Missing {
				lo, hi = math.Min(lo, pt.Value), math.Max(hi, pt.Value)
			}
		}
	}
	if band != nil {
		for i := range band.Lower {
			lo, hi = math.Min(lo, band.Lower[i]), math.Max(hi, band.Upper[i])
		}
	}
	nonNegative := lo >= 0
	if lo == hi {
		pad := math.Abs(lo) * 0.1
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
	} else {
		pad := (hi - lo) * 0.08
		lo, hi = lo-pad, hi+pad
	}
	if nonNegative && lo < 0 {
		lo = 0
	}
	return snapRange(lo, hi, 5)
}
