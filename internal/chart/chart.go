// Package chart renders metric charts as PNG images on the server: a line
// chart for trends, with the comparison period dashed and an optional expected
// band, and a horizontal bar chart for breakdowns and top-N lists.
//
// Drawing uses gonum.org/v1/plot with an embedded CJK font (WenQuanYi Micro
// Hei, subset to GB2312; see fonts/NOTICE), so Chinese titles and labels
// render on any host without system fonts. The package is neutral: it knows
// nothing about chat platforms or the metric catalog. Callers pass labels,
// values and a function that formats numbers for the reader's language.
package chart

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// Size limits, in pixels, and data limits for a chart.
const (
	DefaultWidth  = 800
	DefaultHeight = 480
	MinWidth      = 240
	MinHeight     = 160
	MaxSide       = 4096

	// MaxSeries is the most series a line chart draws.
	MaxSeries = 8
	// MaxLinePoints is the most points in one line series.
	MaxLinePoints = 1000
	// MaxBars is the most bars in a bar chart.
	MaxBars = 50
)

// Errors returned by Line and Bar, wrapped with details; check them with
// errors.Is.
var (
	// ErrEmpty means there is nothing to draw: no series, no points, or only
	// missing points.
	ErrEmpty = errors.New("no data to chart")
	// ErrInvalidValue means a point that is not marked Missing holds NaN or
	// an infinity. Such values usually come from a division by zero upstream;
	// mark the point Missing to draw a gap instead.
	ErrInvalidValue = errors.New("value is NaN or infinite")
	// ErrTooMany means more series, points or bars than the limits above.
	ErrTooMany = errors.New("too many points")
	// ErrInvalidOptions means options that cannot be honoured, such as a
	// size outside the limits or a band that does not fit the series.
	ErrInvalidOptions = errors.New("invalid chart options")
	// ErrFont means the font could not be parsed or lacks basic glyphs.
	ErrFont = errors.New("unusable chart font")
)

// Point is one value on a chart with its label: a date such as "11-01" on a
// line chart, a category such as "华东" on a bar chart.
type Point struct {
	Label string
	Value float64
	// Missing marks a point without data. A line chart leaves a gap there;
	// it is never drawn as zero.
	Missing bool
}

// Series is one line on a line chart.
type Series struct {
	// Name labels the series in the legend, e.g. "本周" or "last week".
	Name   string
	Points []Point
	// Dashed draws the series with a dashed line; use it for the comparison
	// period.
	Dashed bool
}

// Band is an expected range drawn as a shaded area behind the lines, for
// example the band outside which an alert fires.
type Band struct {
	// Name labels the band in the legend; empty leaves it out of the legend.
	Name string
	// Lower and Upper hold one bound per X position, in the order of the
	// points; both must have as many entries as the longest series.
	Lower, Upper []float64
}

// Options are the per-chart settings. The zero value draws an untitled
// 800x480 chart with plain number labels.
type Options struct {
	Title string
	// Width and Height are the image size in pixels; zero means 800x480.
	// A bar chart with many bars grows taller than 480 when Height is zero.
	Width, Height int
	// YFormat formats the numbers on the value axis (the Y axis of a line
	// chart, the X axis of a horizontal bar chart) and bar value labels,
	// e.g. 12000 -> "1.2万". Nil uses plain digits with thousands separators.
	YFormat func(float64) string
	// Band is an optional expected range for a line chart.
	Band *Band
	// ValueLabels writes each bar's value at the end of the bar.
	ValueLabels bool
}

// RendererOptions configure a Renderer.
type RendererOptions struct {
	// FontPath optionally names a TrueType font file (.ttf, or a .ttc whose
	// first face is used) that replaces the embedded GB2312 subset, e.g. the
	// full WenQuanYi Micro Hei for rare characters. CFF-outline fonts such as
	// Noto Sans CJK OTF are not supported by the rasteriser.
	FontPath string
	// Logger receives a warning when the configured font has no Chinese
	// glyphs. Nil discards logs.
	Logger *slog.Logger
}

// Renderer draws charts with one parsed font. It is safe for concurrent use:
// gonum/plot's font.Cache guards its map with a sync.RWMutex, and
// golang.org/x/image's sfnt.Font methods are safe to call concurrently as
// long as each call uses its own Buffer, which plot's font code does.
type Renderer struct {
	fonts    text.Plain
	typeface font.Font
}

//go:embed fonts/wqy-microhei-gb2312.ttf
var embeddedFontData []byte

// embeddedFont parses the embedded font once per process.
var embeddedFont = sync.OnceValues(func() (*opentype.Font, error) {
	f, err := parseFont(embeddedFontData)
	if err != nil {
		return nil, fmt.Errorf("embedded font fonts/wqy-microhei-gb2312.ttf: %w", err)
	}
	return f, nil
})

// New returns a Renderer using the embedded CJK font, or the font at
// opts.FontPath when set. It fails if the font cannot be read or parsed.
func New(opts RendererOptions) (*Renderer, error) {
	var (
		face *opentype.Font
		err  error
	)
	if opts.FontPath == "" {
		face, err = embeddedFont()
		if err != nil {
			return nil, fmt.Errorf("load chart font: %w", err)
		}
	} else {
		data, rerr := os.ReadFile(opts.FontPath)
		if rerr != nil {
			return nil, fmt.Errorf("load chart font %q: %w", opts.FontPath, rerr)
		}
		face, err = parseFont(data)
		if err != nil {
			return nil, fmt.Errorf("load chart font %q: %w", opts.FontPath, err)
		}
		if !hasGlyphs(face, "中文") && opts.Logger != nil {
			opts.Logger.Warn("chart font has no Chinese glyphs; Chinese labels will not render",
				"font_path", opts.FontPath)
		}
	}
	desc := font.Font{Typeface: "metricbot-chart"}
	cache := font.NewCache(font.Collection{{Font: desc, Face: face}})
	return &Renderer{fonts: text.Plain{Fonts: cache}, typeface: desc}, nil
}

// parseFont parses a TrueType font or the first face of a collection and
// checks that it can draw digits, which every chart needs.
func parseFont(data []byte) (*opentype.Font, error) {
	f, err := opentype.Parse(data)
	if err != nil {
		coll, cerr := opentype.ParseCollection(data)
		if cerr != nil {
			return nil, fmt.Errorf("%w: parse: %w", ErrFont, err)
		}
		if f, err = coll.Font(0); err != nil {
			return nil, fmt.Errorf("%w: parse first face of collection: %w", ErrFont, err)
		}
	}
	if !hasGlyphs(f, "0123456789") {
		return nil, fmt.Errorf("%w: no glyphs for digits", ErrFont)
	}
	return f, nil
}

// hasGlyphs reports whether f has a glyph for every rune of s.
func hasGlyphs(f *opentype.Font, s string) bool {
	var buf sfnt.Buffer
	for _, r := range s {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil || idx == 0 {
			return false
		}
	}
	return true
}
