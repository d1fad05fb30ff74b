package plot_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/bayesrule/blr/plot"
)

// Training curves, one panel on linear and one on log axes.
func ExampleCurves() {
	dir, err := os.MkdirTemp("", "blr-plot")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var steps, loss []float64
	for t := 1; t <= 100; t++ {
		steps = append(steps, float64(t))
		loss = append(loss, 1/math.Sqrt(float64(t)))
	}
	curves := []plot.Curve{{Name: "training loss", X: steps, Y: loss}}
	err = plot.Curves(filepath.Join(dir, "loss.png"), []plot.Panel{
		{Title: "loss", XLabel: "step", YLabel: "loss", Curves: curves},
		{Title: "loss (log-log)", XLabel: "step", YLabel: "loss", Curves: curves, LogX: true, LogY: true},
	}, 8, 3)
	fmt.Println(err)
	// Output: <nil>
}

// A colour map of a predictive probability with labelled points over it.
func ExampleHeatmap2D() {
	dir, err := os.MkdirTemp("", "blr-plot")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	xs, ys := plot.Linspace(-2, 2, 50), plot.Linspace(-2, 2, 50)
	g := plot.Grid{XMin: -2, XMax: 2, YMin: -2, YMax: 2, Z: make([][]float64, len(ys))}
	for r, y := range ys {
		g.Z[r] = make([]float64, len(xs))
		for c, x := range xs {
			g.Z[r][c] = 1 / (1 + math.Exp(-3*(x+y))) // p(class 1)
		}
	}
	pts := plot.Points{X: []float64{-1, 1}, Y: []float64{-1, 1}, Labels: []int{0, 1}}
	err = plot.Heatmap2D(filepath.Join(dir, "p.png"), []plot.HeatPanel{{Title: "p(y = 1 | x)", Grid: g, Points: pts}}, "probability", 6, 4.5)
	fmt.Println(err)
	// Output: <nil>
}
