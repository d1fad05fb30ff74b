package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Sample is a named set of values, e.g. predictive entropies on one data set.
type Sample struct {
	Name   string
	Values []float64
}

// Histograms writes overlaid histograms of the samples to path (width ×
// height inches), on common bins over the samples' joint range and
// normalised to densities, so that samples of different sizes compare:
// e.g. the predictive entropy in and out of distribution. Each is drawn as a
// step outline over a translucent fill. bins < 1, an empty sample, a
// non-finite value or one beyond ±MaxValue gives an error naming the
// sample; samples whose values are all equal are drawn in a range padded
// around them (as in Figure).
func Histograms(path, title, xlabel string, samples []Sample, bins int, width, height float64) error {
	return HistogramPanels(path, []HistPanel{{Title: title, XLabel: xlabel, Samples: samples}}, bins, width, height)
}

// HistPanel is one panel of overlaid histograms.
type HistPanel struct {
	Title, XLabel string
	Samples       []Sample
}

// HistogramPanels writes panels of overlaid histograms side by side, as
// Histograms does for one; all panels share the bins (over the joint range
// of every sample) and the y range, so that they compare at a glance.
func HistogramPanels(path string, panels []HistPanel, bins int, width, height float64) error {
	if len(panels) == 0 {
		return fmt.Errorf("plot: Histograms: no panels")
	}
	if bins < 1 || bins > 10000 {
		return fmt.Errorf("plot: Histograms: bins = %d: want 1 … 10000", bins)
	}
	if err := checkSize(width, height); err != nil {
		return err
	}
	data := newSpan()
	for _, pn := range panels {
		if len(pn.Samples) == 0 {
			return fmt.Errorf("plot: Histograms: panel %q has no samples", pn.Title)
		}
		for _, s := range pn.Samples {
			if len(s.Values) == 0 {
				return fmt.Errorf("plot: Histograms: sample %q is empty", s.Name)
			}
			for i, v := range s.Values {
				if err := checkValue(v, false); err != nil {
					return fmt.Errorf("plot: Histograms: sample %q value %d = %w", s.Name, i, err)
				}
				data.add(v)
			}
		}
	}
	// Equal values (or nearly) get room around them, and one tick.
	lo, hi, err := axisRange(data.lo, data.hi, false)
	if err != nil {
		return fmt.Errorf("plot: Histograms: %w", err)
	}
	padded := lo != data.lo || hi != data.hi
	if lo > 0 && lo < 0.25*(hi-lo) {
		lo = 0 // non-negative values (entropies): start the axis at 0
	}
	w := (hi - lo) / float64(bins)
	plots := make([]*plot.Plot, len(panels))
	var top float64
	for k, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.Title
		p.X.Label.Text = pn.XLabel
		p.Y.Label.Text = "density"
		p.X.Min, p.X.Max = lo, hi
		if padded {
			centreTick(&p.X, data.lo/2+data.hi/2)
		}
		p.Y.Min = 0
		p.Add(plotter.NewGrid())
		var lines []*plotter.Line
		for s, sm := range pn.Samples {
			counts := make([]float64, bins)
			for _, v := range sm.Values {
				b := max(0, min(int((v-lo)/w), bins-1))
				counts[b]++
			}
			// A closed step outline: from the axis up each bin and back down.
			pts := plotter.XYs{{X: lo, Y: 0}}
			for b, c := range counts {
				d := c / (float64(len(sm.Values)) * w)
				top = max(top, d)
				x0, x1 := lo+float64(b)*w, lo+float64(b+1)*w
				pts = append(pts, plotter.XY{X: x0, Y: d}, plotter.XY{X: x1, Y: d})
			}
			pts = append(pts, plotter.XY{X: hi, Y: 0})
			l, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("plot: sample %q: %w", sm.Name, err)
			}
			col := palette[(s+1)%len(palette)]
			r, g, b, _ := col.RGBA()
			l.FillColor = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 70}
			l.Color = col
			l.Width = vg.Points(1.8)
			lines = append(lines, l)
			p.Legend.Add(fmt.Sprintf("%s (n = %d)", sm.Name, len(sm.Values)), l)
		}
		for _, l := range lines {
			p.Add(l)
		}
		placeLegend(p, LegendTopRight)
		plots[k] = p
	}
	for _, p := range plots {
		p.Y.Max = 1.15 * top // the same scale, with headroom for the legend
	}
	return Figure(path, [][]*plot.Plot{plots}, width, height)
}
