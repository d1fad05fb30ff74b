package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"github.com/bayesrule/blr/checkpoint"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one named curve.
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws the line dashed.
	Dashed bool
}

// palette is a colour-blind-safe set (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 0, 0, 255},
	color.RGBA{230, 159, 0, 255},
	color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 158, 115, 255},
	color.RGBA{213, 94, 0, 255},
	color.RGBA{0, 114, 178, 255},
	color.RGBA{204, 121, 167, 255},
	color.RGBA{240, 228, 66, 255},
}

// Lines writes the series as lines to path, width × height inches, in the
// format of path's extension (.png, .svg, .pdf, …; gonum's Plot.Save),
// written atomically. Series of mismatched lengths, a non-finite value, a
// value beyond ±MaxValue, or no points at all give an error naming the
// series; series whose values are all equal are drawn with the axis padded
// around them (as in Figure), and a panic inside gonum while drawing is
// returned as an error (guard).
func Lines(path, title, xlabel, ylabel string, series []Series, width, height float64) error {
	if err := checkSize(width, height); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	var n int
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(s.X))
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if err := checkPoint(x, y, false, false); err != nil {
				return fmt.Errorf("plot: series %q: point %d = %w", s.Name, j, err)
			}
			pts[j].X, pts[j].Y = x, y
		}
		n += len(pts)
		l, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plot: series %q: %w", s.Name, err)
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		thumbs := []plot.Thumbnailer{l}
		if len(pts) == 1 { // a line through one point is invisible: a dot
			dot, err := singleDot(pts, l.Color)
			if err != nil {
				return fmt.Errorf("plot: series %q: %w", s.Name, err)
			}
			p.Add(dot)
			thumbs = append(thumbs, dot)
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, thumbs...)
		}
	}
	if n == 0 {
		return fmt.Errorf("plot: Lines: no points to draw (%d series)", len(series))
	}
	// The axes hold the points, as gonum's Add sets them: padded when flat.
	if err := fixAxes(p, "plot: Lines"); err != nil {
		return err
	}
	p.Legend.Top = false
	p.Legend.Left = false
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	var buf bytes.Buffer
	var werr error
	err := guard("Lines", func() {
		var c io.WriterTo
		if c, werr = p.WriterTo(vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch, format); werr == nil {
			_, werr = c.WriteTo(&buf)
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("plot: %s: %w", path, werr)
	}
	if err := checkpoint.WriteAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
