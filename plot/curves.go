package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Curve is one named line of a panel, with an optional band Y ± Err.
type Curve struct {
	Name string
	X, Y []float64
	// Err, when set (same length as Y), draws a translucent band Y ± Err,
	// e.g. a standard error over seeds.
	Err []float64
	// Dashed draws the line dashed.
	Dashed bool
}

// LegendPos places a panel's legend inside its axes.
type LegendPos int

// Legend positions; the zero value is the top right corner.
const (
	LegendTopRight LegendPos = iota
	LegendTopLeft
	LegendBottomRight
	LegendBottomLeft
)

// Panel is one set of axes of a figure.
type Panel struct {
	Title, XLabel, YLabel string
	// LogX and LogY use logarithmic axes; points (and band edges) that are
	// not > 0 on a log axis are left out.
	LogX, LogY bool
	Legend     LegendPos
	Curves     []Curve
}

// Curves writes a PNG of the panels side by side to path, width × height
// inches in all; use it for training curves, regret curves and the like.
// Curves of the same index share a colour across panels. A curve whose X
// and Y (or Err) lengths differ, a non-finite value, a value (or band edge)
// beyond ±MaxValue, a positive value below MinLogValue on a log axis, or a
// log axis with no positive value gives an error naming the panel and the
// curve. A panel whose values are all equal is drawn with its axis padded
// around them (Figure).
func Curves(path string, panels []Panel, width, height float64) error {
	if len(panels) == 0 {
		return fmt.Errorf("plot: Curves: no panels")
	}
	if err := checkSize(width, height); err != nil {
		return err
	}
	plots := make([]*plot.Plot, len(panels))
	for i, pn := range panels {
		p, err := curvePanel(pn)
		if err != nil {
			return fmt.Errorf("plot: panel %d (%q): %w", i, pn.Title, err)
		}
		plots[i] = p
	}
	return Figure(path, [][]*plot.Plot{plots}, width, height)
}

// Figure sizes, in inches (96 pixels each).
const (
	MinInches = 1
	MaxInches = 40
)

func checkSize(width, height float64) error {
	if !(width >= MinInches && width <= MaxInches) || !(height >= MinInches && height <= MaxInches) {
		return fmt.Errorf("plot: size %g × %g inches: want each in [%d, %d]", width, height, MinInches, MaxInches)
	}
	return nil
}

func fillWhite(dc draw.Canvas) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
}

// curvePanel builds one panel's plot.
func curvePanel(pn Panel) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	if pn.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if pn.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	ok := func(x, y float64) bool { return (!pn.LogX || x > 0) && (!pn.LogY || y > 0) }
	var n int
	var lines []*plotter.Line
	var dots []*plotter.Scatter
	xs, ys := newSpan(), newSpan()
	for i, c := range pn.Curves {
		if len(c.X) != len(c.Y) {
			return nil, fmt.Errorf("curve %q has %d x and %d y values", c.Name, len(c.X), len(c.Y))
		}
		if c.Err != nil && len(c.Err) != len(c.Y) {
			return nil, fmt.Errorf("curve %q has %d y and %d error values", c.Name, len(c.Y), len(c.Err))
		}
		col := palette[i%len(palette)]
		var pts plotter.XYs
		var upper, lower plotter.XYs
		for j := range c.X {
			x, y := c.X[j], c.Y[j]
			if !finite(x) || !finite(y) {
				return nil, fmt.Errorf("curve %q: point %d = (%g, %g) is not finite", c.Name, j, x, y)
			}
			if !ok(x, y) {
				continue
			}
			if err := checkPoint(x, y, pn.LogX, pn.LogY); err != nil {
				return nil, fmt.Errorf("curve %q: point %d = %w", c.Name, j, err)
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
			xs.add(x)
			ys.add(y)
			if c.Err != nil {
				e := math.Abs(c.Err[j])
				if !finite(e) {
					return nil, fmt.Errorf("curve %q: error %d = %g is not finite", c.Name, j, c.Err[j])
				}
				hi, lo := y+e, y-e
				if pn.LogY {
					if lo <= 0 {
						lo = y / (1 + e/y) // the same factor below as above
					}
					lo = math.Max(lo, MinLogValue) // the band is cut at the axis' floor
				}
				for _, v := range []float64{lo, hi} {
					if err := checkValue(v, pn.LogY); err != nil {
						return nil, fmt.Errorf("curve %q: band %g ± %g (error %d): edge %w", c.Name, y, e, j, err)
					}
				}
				ys.add(lo)
				ys.add(hi)
				upper = append(upper, plotter.XY{X: x, Y: hi})
				lower = append(lower, plotter.XY{X: x, Y: lo})
			}
		}
		n += len(pts)
		if len(pts) == 0 {
			continue
		}
		if len(upper) > 1 {
			band := append(upper, reversed(lower)...)
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, fmt.Errorf("curve %q band: %w", c.Name, err)
			}
			r, g, b, _ := col.RGBA()
			poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 60}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("curve %q: %w", c.Name, err)
		}
		l.Color = col
		l.Width = vg.Points(1.8)
		if c.Dashed {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		lines = append(lines, l)
		thumbs := []plot.Thumbnailer{l}
		if len(pts) == 1 { // a line through one point is invisible: a dot
			dot, err := singleDot(pts, col)
			if err != nil {
				return nil, fmt.Errorf("curve %q: %w", c.Name, err)
			}
			dots = append(dots, dot)
			thumbs = append(thumbs, dot)
		}
		if c.Name != "" {
			p.Legend.Add(c.Name, thumbs...)
		}
	}
	if n == 0 {
		if pn.LogX || pn.LogY {
			return nil, fmt.Errorf("no point is positive on the log axes")
		}
		return nil, fmt.Errorf("no points to draw")
	}
	for _, l := range lines { // lines above every band
		p.Add(l)
	}
	for _, d := range dots {
		p.Add(d)
	}
	if err := setRange(&p.X, xs, pn.LogX, "x"); err != nil {
		return nil, err
	}
	if err := setRange(&p.Y, ys, pn.LogY, "y"); err != nil {
		return nil, err
	}
	placeLegend(p, pn.Legend)
	return p, nil
}

func placeLegend(p *plot.Plot, pos LegendPos) {
	p.Legend.Top = pos == LegendTopRight || pos == LegendTopLeft
	p.Legend.Left = pos == LegendTopLeft || pos == LegendBottomLeft
	p.Legend.XOffs = vg.Points(-6)
	if p.Legend.Left {
		p.Legend.XOffs = vg.Points(6)
	}
	p.Legend.YOffs = vg.Points(-4)
	if !p.Legend.Top {
		p.Legend.YOffs = vg.Points(4)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.Padding = vg.Points(2)
}

// singleDot marks a curve of one point pts[0] with a dot of colour col.
func singleDot(pts plotter.XYs, col color.Color) (*plotter.Scatter, error) {
	dot, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	dot.Color, dot.Shape, dot.Radius = col, draw.CircleGlyph{}, vg.Points(3)
	return dot, nil
}

func reversed(xy plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(xy))
	for i, v := range xy {
		out[len(xy)-1-i] = v
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
