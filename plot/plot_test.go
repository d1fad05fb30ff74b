package plot

import (
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bayesrule/blr/metrics"
	gplot "gonum.org/v1/plot"
)

// outDir is where the figures go: BLR_PLOT_DIR when set (to look at them),
// else a temporary directory.
func outDir(t *testing.T) string {
	if d := os.Getenv("BLR_PLOT_DIR"); d != "" {
		return d
	}
	return t.TempDir()
}

// checkPNG decodes the file and checks its size in pixels.
func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
}

func TestCurves(t *testing.T) {
	dir := outDir(t)
	x := make([]float64, 200)
	y1, y2, e := make([]float64, 200), make([]float64, 200), make([]float64, 200)
	for i := range x {
		x[i] = float64(i + 1)
		y1[i] = 3 * math.Sqrt(x[i])
		y2[i] = 0.1 * x[i]
		e[i] = 0.1 * y1[i]
	}
	y2[0] = 0 // left out on the log axes
	curves := []Curve{{Name: "√t", X: x, Y: y1, Err: e}, {Name: "t/10", X: x, Y: y2, Dashed: true}}
	path := filepath.Join(dir, "curves.png")
	err := Curves(path, []Panel{
		{Title: "linear", XLabel: "t", YLabel: "R(t)", Curves: curves, Legend: LegendTopLeft},
		{Title: "log-log", XLabel: "t", YLabel: "R(t)", Curves: curves, LogX: true, LogY: true, Legend: LegendBottomRight},
	}, 9, 3.5)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 9*96, int(3.5*96))
}

func TestReliability(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	var sets []ReliabilitySeries
	for _, tc := range []struct {
		name string
		temp float64 // > 1 overconfident
	}{{"overconfident", 3}, {"calibrated", 1}} {
		p := make([]float64, 2*n)
		y := make([]int, n)
		for i := range n {
			q := rnd.Float64()                        // true probability of class 1
			s := 1 / (1 + math.Pow((1-q)/q, tc.temp)) // reported
			p[2*i], p[2*i+1] = 1-s, s
			if rnd.Float64() < q {
				y[i] = 1
			}
		}
		bins, err := metrics.ReliabilityBins(p, 2, y)
		if err != nil {
			t.Fatal(err)
		}
		ece, _ := metrics.ECE(p, 2, y)
		if d := math.Abs(ece - BinsECE(bins)); d > 1e-12 {
			t.Errorf("%s: BinsECE %g, metrics.ECE %g", tc.name, BinsECE(bins), ece)
		}
		sets = append(sets, ReliabilitySeries{Name: tc.name, Bins: bins})
	}
	path := filepath.Join(outDir(t), "reliability.png")
	if err := Reliability(path, "synthetic", sets, 5, 5.5); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 5*96, int(5.5*96))
}

func TestHistograms(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	in, out := make([]float64, 500), make([]float64, 200)
	for i := range in {
		in[i] = math.Abs(0.1 * rnd.NormFloat64())
	}
	for i := range out {
		out[i] = math.Min(math.Ln2, 0.5+0.1*rnd.NormFloat64())
	}
	path := filepath.Join(outDir(t), "histograms.png")
	if err := Histograms(path, "predictive entropy", "entropy (nats)", []Sample{{"in distribution", in}, {"out of distribution", out}}, 30, 6, 4); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 6*96, 4*96)
}

func TestHeatmap2D(t *testing.T) {
	const rows, cols = 60, 80
	g := Grid{XMin: -2, XMax: 2, YMin: -1.5, YMax: 1.5, Z: make([][]float64, rows)}
	ys, xs := Linspace(g.YMin, g.YMax, rows), Linspace(g.XMin, g.XMax, cols)
	g2 := g
	g2.Z = make([][]float64, rows)
	for r := range rows {
		g.Z[r] = make([]float64, cols)
		g2.Z[r] = make([]float64, cols)
		for c := range cols {
			f := 3 * (xs[c]*xs[c] + ys[r]*ys[r] - 1) // a ring: saddle-free level set
			g.Z[r][c] = 1 / (1 + math.Exp(f))
			g2.Z[r][c] = 1 / (1 + math.Exp(4*xs[c]*ys[r])) // a saddle at the origin
		}
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	var pts Points
	for range 80 {
		x, y := 3.6*rnd.Float64()-1.8, 2.6*rnd.Float64()-1.3
		l := 0
		if x*x+y*y < 1 {
			l = 1
		}
		pts.X, pts.Y, pts.Labels = append(pts.X, x), append(pts.Y, y), append(pts.Labels, l)
	}
	path := filepath.Join(outDir(t), "heatmap.png")
	err := Heatmap2D(path, []HeatPanel{{Title: "ring", Grid: g, Points: pts}, {Title: "saddle", Grid: g2}}, "p(y = 1 | x)", 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 10*96, 4*96)
}

// TestSmallest draws every figure at the smallest size allowed, with many
// panels: cramped, but no panic.
func TestSmallest(t *testing.T) {
	dir := t.TempDir()
	g := Grid{XMin: 0, XMax: 1, YMin: 0, YMax: 1, Z: [][]float64{{0, 1}, {0.5, 0.5}}}
	c := Curve{Name: "a", X: []float64{1, 2}, Y: []float64{1, 3}, Err: []float64{0.5, 5}}
	bins := []metrics.Bin{{Lo: 0.5, Hi: 0.6, Count: 3, Correct: 2, SumConf: 1.6, Confidence: 0.53, Accuracy: 0.67}}
	for name, draw := range map[string]func(string) error{
		"curves": func(p string) error {
			cs := []Curve{c}
			return Curves(p, []Panel{{Curves: cs, LogY: true}, {Curves: cs}, {Curves: cs}, {Curves: cs, LogX: true}, {Curves: cs}}, MinInches, MinInches)
		},
		"heatmap": func(p string) error {
			return Heatmap2D(p, []HeatPanel{{Grid: g}, {Grid: g}, {Grid: g}}, "p", MinInches, MinInches)
		},
		"reliability": func(p string) error {
			return Reliability(p, "t", []ReliabilitySeries{{"a", bins}}, MinInches, MinInches)
		},
		"histograms": func(p string) error {
			return Histograms(p, "t", "x", []Sample{{"a", []float64{1, 1, 1}}}, 5, MinInches, MinInches)
		},
	} {
		if err := draw(filepath.Join(dir, name+".png")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBadInput checks that bad input gives an error naming the problem,
// never a panic, and writes no file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.png")
	nan := math.NaN()
	okGrid := Grid{XMin: 0, XMax: 1, YMin: 0, YMax: 1, Z: [][]float64{{0, 1}, {0.5, 0.5}}}
	for _, tc := range []struct {
		name, want string
		draw       func() error
	}{
		{"no panels", "no panels", func() error { return Curves(path, nil, 5, 4) }},
		{"length", `curve "a" has 2 x and 1 y`, func() error {
			return Curves(path, []Panel{{Curves: []Curve{{Name: "a", X: []float64{1, 2}, Y: []float64{1}}}}}, 5, 4)
		}},
		{"err length", `curve "a" has 1 y and 2 error`, func() error {
			return Curves(path, []Panel{{Curves: []Curve{{Name: "a", X: []float64{1}, Y: []float64{1}, Err: []float64{1, 2}}}}}, 5, 4)
		}},
		{"NaN", "is not finite", func() error {
			return Curves(path, []Panel{{Curves: []Curve{{Name: "a", X: []float64{1}, Y: []float64{nan}}}}}, 5, 4)
		}},
		{"log of nothing", "no point is positive", func() error {
			return Curves(path, []Panel{{LogY: true, Curves: []Curve{{Name: "a", X: []float64{1}, Y: []float64{0}}}}}, 5, 4)
		}},
		{"size", "size 0 × 4", func() error { return Curves(path, []Panel{{}}, 0, 4) }},
		{"empty panel", "no points", func() error { return Curves(path, []Panel{{Title: "e"}}, 5, 4) }},
		{"empty figure", "axis ranges", func() error { return Figure(path, [][]*gplot.Plot{{gplot.New()}}, 5, 4) }},
		{"huge", "size 5 × 1000", func() error { return Heatmap2D(path, []HeatPanel{{Grid: okGrid}}, "", 5, 1000) }},
		{"reliability empty", "no series", func() error { return Reliability(path, "", nil, 5, 5) }},
		{"reliability bin", "count 1, correct 2", func() error {
			return Reliability(path, "", []ReliabilitySeries{{Name: "x", Bins: []metrics.Bin{{Lo: 0, Hi: 1, Count: 1, Correct: 2}}}}, 5, 5)
		}},
		{"histogram bins", "bins = 0", func() error { return Histograms(path, "", "", []Sample{{"a", []float64{1}}}, 0, 5, 4) }},
		{"histogram empty", `sample "a" is empty`, func() error { return Histograms(path, "", "", []Sample{{"a", nil}}, 10, 5, 4) }},
		{"histogram inf", `sample "a" value 1 = +Inf`, func() error {
			return Histograms(path, "", "", []Sample{{"a", []float64{1, math.Inf(1)}}}, 10, 5, 4)
		}},
		{"heat value", "Z[1][0] = 1.5", func() error {
			g := okGrid
			g.Z = [][]float64{{0, 1}, {1.5, 0}}
			return Heatmap2D(path, []HeatPanel{{Grid: g}}, "", 5, 4)
		}},
		{"heat NaN", "Z[0][1] = NaN", func() error {
			g := okGrid
			g.Z = [][]float64{{0, nan}, {1, 0}}
			return Heatmap2D(path, []HeatPanel{{Grid: g}}, "", 5, 4)
		}},
		{"heat ragged", "row 1 has 1 values", func() error {
			g := okGrid
			g.Z = [][]float64{{0, 1}, {1}}
			return Heatmap2D(path, []HeatPanel{{Grid: g}}, "", 5, 4)
		}},
		{"heat range", "is empty", func() error {
			g := okGrid
			g.XMax = g.XMin
			return Heatmap2D(path, []HeatPanel{{Grid: g}}, "", 5, 4)
		}},
		{"heat label", "label 2", func() error {
			return Heatmap2D(path, []HeatPanel{{Grid: okGrid, Points: Points{X: []float64{0}, Y: []float64{0}, Labels: []int{2}}}}, "", 5, 4)
		}},
		{"heat points", "1 x, 0 y", func() error {
			return Heatmap2D(path, []HeatPanel{{Grid: okGrid, Points: Points{X: []float64{0}, Labels: []int{0}}}}, "", 5, 4)
		}},
		{"missing dir", "no such file", func() error {
			return Curves(filepath.Join(dir, "nope", "x.png"), []Panel{{Curves: []Curve{{X: []float64{1}, Y: []float64{1}}}}}, 5, 4)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.draw()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if _, err := os.Stat(path); err == nil {
				t.Errorf("a file was written")
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}
