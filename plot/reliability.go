package plot

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/bayesrule/blr/metrics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// ReliabilitySeries is one model's confidence bins (metrics.ReliabilityBins).
type ReliabilitySeries struct {
	Name string
	Bins []metrics.Bin
}

// BinsECE returns the expected calibration error of bins,
// Σ_b |#correct_b − Σ_{i∈b} confᵢ| / N, the metrics package's convention.
func BinsECE(bins []metrics.Bin) float64 {
	var gap float64
	var n int
	for _, b := range bins {
		d := float64(b.Correct) - b.SumConf
		if d < 0 {
			d = -d
		}
		gap += d
		n += b.Count
	}
	if n == 0 {
		return 0
	}
	return gap / float64(n)
}

// unitTicks marks 0, 0.2, …, 1 with one decimal (or no labels), so that
// stacked panels have equally wide tick labels and line up.
type unitTicks struct{ blank bool }

// Ticks implements plot.Ticker.
func (u unitTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		if v < lo-1e-9 || v > hi+1e-9 {
			continue
		}
		label := ""
		if i%2 == 0 && !u.blank {
			label = fmt.Sprintf("%.1f", v)
		}
		ts = append(ts, plot.Tick{Value: v, Label: label})
	}
	return ts
}

// Reliability writes a reliability diagram to path (width × height inches):
// above, each series' accuracy against its mean confidence per non-empty bin
// with the diagonal of perfect calibration; below, the share of examples in
// each bin as bars. The title gets each series' ECE. Bins whose counts are
// negative, whose Correct exceeds Count, whose counts add up past
// math.MaxInt, or whose Lo, Hi, Confidence or Accuracy is not in [0, 1]
// (or Lo > Hi) give an error. A panic inside gonum while drawing is
// returned as an error (guard).
func Reliability(path, title string, series []ReliabilitySeries, width, height float64) error {
	if len(series) == 0 {
		return fmt.Errorf("plot: Reliability: no series")
	}
	if err := checkSize(width, height); err != nil {
		return err
	}
	top := plot.New()
	bottom := plot.New()
	var eces []string
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, 1
		p.Y.Min, p.Y.Max = 0, 1
		p.Y.Tick.Marker = unitTicks{}
		p.X.Padding, p.Y.Padding = 0, 0
		p.Add(plotter.NewGrid())
	}
	top.X.Tick.Marker = unitTicks{blank: true}
	bottom.X.Tick.Marker = unitTicks{}
	top.Y.Label.Text = "accuracy"
	bottom.Y.Label.Text = "share of examples"
	bottom.X.Label.Text = "confidence (top predicted probability)"
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return err
	}
	diag.Color = color.Gray{Y: 120}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	top.Add(diag)
	top.Legend.Add("perfect calibration", diag)
	k := len(series)
	for s, sr := range series {
		col := palette[(s+1)%len(palette)]
		var pts plotter.XYs
		var total int
		for i, b := range sr.Bins {
			if b.Count < 0 || b.Correct < 0 || b.Correct > b.Count {
				return fmt.Errorf("plot: series %q bin %d: count %d, correct %d", sr.Name, i, b.Count, b.Correct)
			}
			if !finite(b.Confidence) || !finite(b.Accuracy) || !finite(b.Lo) || !finite(b.Hi) {
				return fmt.Errorf("plot: series %q bin %d has a non-finite value", sr.Name, i)
			}
			// The axes show [0, 1]; far outside it a point or bar would
			// reach the rasteriser as an infinite coordinate.
			for _, f := range []struct {
				name string
				v    float64
			}{{"Lo", b.Lo}, {"Hi", b.Hi}, {"Confidence", b.Confidence}, {"Accuracy", b.Accuracy}} {
				if !(f.v >= -unitSlack && f.v <= 1+unitSlack) {
					return fmt.Errorf("plot: series %q bin %d: %s = %g: want a value in [0, 1]", sr.Name, i, f.name, f.v)
				}
			}
			if b.Lo > b.Hi {
				return fmt.Errorf("plot: series %q bin %d: Lo = %g > Hi = %g", sr.Name, i, b.Lo, b.Hi)
			}
			if total > math.MaxInt-b.Count {
				return fmt.Errorf("plot: series %q bin %d: count %d makes the total overflow", sr.Name, i, b.Count)
			}
			total += b.Count
			if b.Count > 0 {
				pts = append(pts, plotter.XY{X: b.Confidence, Y: b.Accuracy})
			}
		}
		if len(pts) > 0 {
			l, sc, err := plotter.NewLinePoints(pts)
			if err != nil {
				return fmt.Errorf("plot: series %q: %w", sr.Name, err)
			}
			l.Color, l.Width = col, vg.Points(1.8)
			sc.Color, sc.Shape, sc.Radius = col, glyphShapes[s%len(glyphShapes)], vg.Points(3.5)
			top.Add(l, sc)
			top.Legend.Add(fmt.Sprintf("%s (ECE %.3f)", sr.Name, BinsECE(sr.Bins)), l, sc)
		}
		eces = append(eces, fmt.Sprintf("%s %.3f", sr.Name, BinsECE(sr.Bins)))
		if total == 0 {
			continue
		}
		// Bars: series s takes the s-th slice of each bin's width.
		for _, b := range sr.Bins {
			if b.Count == 0 {
				continue
			}
			w := (b.Hi - b.Lo) * 0.8 / float64(k)
			x0 := b.Lo + (b.Hi-b.Lo)*0.1 + float64(s)*w
			h := float64(b.Count) / float64(total)
			bar, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x0 + w, Y: 0}, {X: x0 + w, Y: h}, {X: x0, Y: h}})
			if err != nil {
				return err
			}
			bar.Color = col
			bar.LineStyle.Width = vg.Points(0.5)
			bar.LineStyle.Color = color.Black
			bottom.Add(bar)
		}
	}
	top.Title.Text = title
	if title != "" {
		top.Title.Text += "\n"
	}
	top.Title.Text += "ECE: " + strings.Join(eces, ", ")
	placeLegend(top, LegendTopLeft)
	img := vgimg.New(vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch)
	err = guard("Reliability", func() {
		dc := draw.New(img)
		fillWhite(dc)
		pad := vg.Points(6)
		inner := draw.Crop(dc, pad, -pad, pad, -pad)
		h := inner.Max.Y - inner.Min.Y
		split := inner.Min.Y + 0.3*h
		bottom.Draw(draw.Crop(inner, 0, 0, 0, split-inner.Max.Y))
		top.Draw(draw.Crop(inner, 0, 0, split-inner.Min.Y+vg.Points(4), 0))
	})
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

// unitSlack is how far past [0, 1] a bin's confidence or accuracy may lie
// (rounding in SumConf/Count).
const unitSlack = 1e-9

// glyphShapes tell series apart without colour.
var glyphShapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{}}
