package plot

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bayesrule/blr/metrics"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// within runs f and fails the test if it panics or runs past a deadline
// (gonum's tick search used to loop forever on an infinite range); a hung
// f is left running.
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("PANIC: %v", r)
			}
		}()
		done <- f()
	}()
	select {
	case err := <-done:
		if err != nil && strings.HasPrefix(err.Error(), "PANIC") {
			t.Fatal(err)
		}
		return err
	case <-time.After(d):
		t.Fatalf("no answer after %v: a hang", d)
		return nil
	}
}

// TestDegenerateRanges feeds every figure of the package data whose range
// is degenerate: a single point, all-equal huge values, values near
// ±math.MaxFloat64, NaN, ±Inf, nothing. Each must draw a PNG or give an
// error (want, when set, is in it), never panic or hang, and write no file
// when it fails.
func TestDegenerateRanges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	curve := func(x, y []float64) func(string) error {
		return func(p string) error {
			return Curves(p, []Panel{{Title: "t", Curves: []Curve{{Name: "loss", X: x, Y: y}}}}, 5, 4)
		}
	}
	logCurve := func(x, y, e []float64) func(string) error {
		return func(p string) error {
			return Curves(p, []Panel{{LogX: true, LogY: true, Curves: []Curve{{Name: "loss", X: x, Y: y, Err: e}}}}, 5, 4)
		}
	}
	lines := func(x, y []float64) func(string) error {
		return func(p string) error {
			return Lines(p, "t", "x", "y", []Series{{Name: "s", X: x, Y: y}}, 5, 4)
		}
	}
	hist := func(v []float64) func(string) error {
		return func(p string) error { return Histograms(p, "t", "x", []Sample{{"a", v}}, 10, 5, 4) }
	}
	okZ := [][]float64{{0, 1}, {0.5, 0.5}}
	heat := func(g Grid, pts Points) func(string) error {
		if g.Z == nil {
			g.Z = okZ
		}
		return func(p string) error { return Heatmap2D(p, []HeatPanel{{Grid: g, Points: pts}}, "p", 6, 4) }
	}
	unit := Grid{XMin: 0, XMax: 1, YMin: 0, YMax: 1}
	rel := func(bins ...metrics.Bin) func(string) error {
		return func(p string) error { return Reliability(p, "t", []ReliabilitySeries{{"a", bins}}, 5, 5) }
	}
	bin := metrics.Bin{Lo: 0.5, Hi: 0.6, Count: 3, Correct: 2, SumConf: 1.6, Confidence: 0.53, Accuracy: 0.67}
	figure := func(scale gplot.Normalizer, xmin, xmax float64) func(string) error {
		return func(p string) error {
			pl := gplot.New()
			if scale != nil {
				pl.X.Scale = scale
				pl.X.Tick.Marker = gplot.LogTicks{}
			}
			pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = xmin, xmax, 0, 1
			return Figure(p, [][]*gplot.Plot{{pl}}, 5, 4)
		}
	}
	f := func(v ...float64) []float64 { return v }
	for _, tc := range []struct {
		name, want string // want "": draws
		draw       func(string) error
	}{
		{"curves single point", "", curve(f(1), f(0.5))},
		{"curves single 1e16", "", curve(f(1), f(1e16))},
		{"curves single 7.6e16", "", curve(f(1), f(7.6e16))},
		{"curves equal 1e16", "", curve(f(1, 2), f(1e16, 1e16))},
		{"curves equal 1e17", "", curve(f(1, 2, 3), f(1e17, 1e17, 1e17))},
		{"curves equal -1e17", "", curve(f(1, 2), f(-1e17, -1e17))},
		{"curves epoch 1e17", "", curve(f(1e17), f(0.3))},
		{"curves nearly equal 1e16", "", curve(f(1, 2), f(1e16, 1e16+2))},
		{"curves nearly equal 1", "", curve(f(1, 2), f(1, math.Nextafter(1, 2)))},
		{"curves subnormal", "", curve(f(1, 2), f(0, 5e-324))},
		{"curves 1e300", "", curve(f(1, 2), f(-1e300, 1e300))},
		{"curves ±9e307", "point 0 = (1, 9e+307): y = 9e+307 is beyond ±1e+300", curve(f(1, 2), f(9e307, -9e307))},
		{"curves 9e307 flat", "beyond ±1e+300", curve(f(1), f(9e307))},
		{"curves x 9e307", "x = -9e+307 is beyond", curve(f(-9e307, 9e307), f(1, 2))},
		{"curves NaN", `"loss": point 1 = (2, NaN) is not finite`, curve(f(1, 2), f(1, nan))},
		{"curves +Inf", "is not finite", curve(f(1), f(inf))},
		{"curves -Inf", "is not finite", curve(f(-inf), f(1))},
		{"curves empty", "no points", curve(nil, nil)},
		{"curves band beyond", "band 1 ± 1e+301 (error 0): edge -1e+301 is beyond", func(p string) error {
			return Curves(p, []Panel{{Curves: []Curve{{Name: "loss", X: f(1, 2), Y: f(1, 1), Err: f(1e301, 0)}}}}, 5, 4)
		}},
		{"log single point", "", logCurve(f(1), f(0.5), nil)},
		{"log equal 1e17", "", logCurve(f(1, 2), f(1e17, 1e17), nil)},
		{"log x equal", "", logCurve(f(3, 3), f(1, 2), nil)},
		{"log 1e300 flat", "", logCurve(f(1), f(1e300), nil)},
		{"log tiny", "below 1e-300", logCurve(f(1, 2), f(1e-310, 1), nil)},
		{"log wide band", "", logCurve(f(1, 2), f(1e-200, 1), f(1, 1e10))},
		{"log 9e307", "beyond", logCurve(f(1, 2), f(9e307, 1), nil)},

		{"lines single point", "", lines(f(1), f(1))},
		{"lines equal 1e16", "", lines(f(1, 2), f(1e16, 1e16))},
		{"lines equal 1e17", "", lines(f(1e17, 1e17), f(1e17, 1e17))},
		{"lines ±9e307", "beyond", lines(f(1, 2), f(9e307, -9e307))},
		{"lines NaN", "not finite", lines(f(1, 2), f(nan, 1))},
		{"lines Inf", "not finite", lines(f(1, inf), f(1, 1))},
		{"lines empty", "no points", lines(nil, nil)},
		{"lines no series", "no points", func(p string) error { return Lines(p, "", "", "", nil, 5, 4) }},
		{"lines size", "size 5 × 1e+06", func(p string) error { return Lines(p, "", "", "", nil, 5, 1e6) }},

		{"histogram single", "", hist(f(0.3))},
		{"histogram equal 1e16", "", hist(f(1e16, 1e16))},
		{"histogram equal 1e17", "", hist(f(1e17, 1e17, 1e17))},
		{"histogram zeros", "", hist(f(0, 0))},
		{"histogram subnormal", "", hist(f(0, 5e-324))},
		{"histogram 1e300", "", hist(f(-1e300, 1e300))},
		{"histogram ±9e307", `sample "a" value 0 = 9e+307 is beyond`, hist(f(9e307, -9e307))},
		{"histogram NaN", "not finite", hist(f(nan))},
		{"histogram -Inf", "not finite", hist(f(1, -inf))},
		{"histogram empty", "is empty", hist(nil)},

		{"heatmap no points", "", heat(unit, Points{})},
		{"heatmap single point", "", heat(unit, Points{X: f(0.5), Y: f(0.5), Labels: []int{1}})},
		{"heatmap far point", "", heat(unit, Points{X: f(1e17), Y: f(-1e300), Labels: []int{0}})},
		{"heatmap point 9e307", "x = 9e+307 is beyond", heat(unit, Points{X: f(9e307), Y: f(0), Labels: []int{0}})},
		{"heatmap point NaN", "not finite", heat(unit, Points{X: f(0), Y: f(nan), Labels: []int{0}})},
		{"heatmap point Inf", "not finite", heat(unit, Points{X: f(inf), Y: f(0), Labels: []int{0}})},
		{"heatmap flat range", "is empty", heat(Grid{XMin: 1e17, XMax: 1e17, YMin: 0, YMax: 1}, Points{})},
		{"heatmap narrow range", "narrower", heat(Grid{XMin: 1e16, XMax: 1e16 + 2, YMin: 0, YMax: 1}, Points{})},
		{"heatmap huge range", "beyond", heat(Grid{XMin: -9e307, XMax: 9e307, YMin: 0, YMax: 1}, Points{})},
		{"heatmap wide range", "", heat(Grid{XMin: -1e300, XMax: 1e300, YMin: 1e16, YMax: 1e17}, Points{})},
		{"heatmap NaN range", "not finite", heat(Grid{XMin: nan, XMax: 1, YMin: 0, YMax: 1}, Points{})},
		{"heatmap Inf range", "not finite", heat(Grid{XMin: 0, XMax: inf, YMin: 0, YMax: 1}, Points{})},

		{"reliability single bin", "", rel(bin)},
		{"reliability no bins", "", rel()},
		{"reliability huge confidence", "Confidence = 1e+17", rel(metrics.Bin{Lo: 0, Hi: 1, Count: 1, Correct: 1, Confidence: 1e17, Accuracy: 1})},
		{"reliability 9e307", "Accuracy = -9e+307", rel(metrics.Bin{Lo: 0, Hi: 1, Count: 1, Accuracy: -9e307})},
		{"reliability bin edges", "Hi = 1e+16", rel(metrics.Bin{Lo: 0, Hi: 1e16})},
		{"reliability NaN", "non-finite", rel(metrics.Bin{Lo: 0, Hi: 1, Count: 1, Confidence: nan})},
		{"reliability Inf", "non-finite", rel(metrics.Bin{Lo: 0, Hi: inf})},
		{"reliability overflow", "overflow", rel(metrics.Bin{Lo: 0, Hi: 0.5, Count: math.MaxInt}, metrics.Bin{Lo: 0.5, Hi: 1, Count: math.MaxInt})},

		{"figure flat 1e16", "", figure(nil, 1e16, 1e16)},
		{"figure flat 1e17 log", "", figure(gplot.LogScale{}, 1e17, 1e17)},
		{"figure ±9e307", "beyond", figure(nil, -9e307, 9e307)},
		{"figure max float", "beyond", figure(nil, -math.MaxFloat64, math.MaxFloat64)},
		{"figure NaN", "axis ranges", figure(nil, nan, nan)},
		{"figure Inf", "axis ranges", figure(nil, 0, inf)},
		{"figure log at 0", "log axis", figure(gplot.LogScale{}, 0, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.png")
			err := within(t, 20*time.Second, func() error { return tc.draw(path) })
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v, want a figure", err)
			case tc.want == "":
				if _, err := os.Stat(path); err != nil {
					t.Fatal(err)
				}
			case err == nil || !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			default:
				if _, err := os.Stat(path); err == nil {
					t.Error("a file was written")
				}
			}
		})
	}
}

// TestAxisRange checks that every (nearly) single-valued range it pads
// comes out with min < max, finite, and that gonum's tick marks accept it.
func TestAxisRange(t *testing.T) {
	for _, v := range []float64{0, 5e-324, 1e-300, 1e-100, 1e-20, 0.5, 1, 1 << 53, 1e16, 7.6e16, 1e17, 1e100, 1e300} {
		for _, sign := range []float64{1, -1} {
			v := sign * v
			for _, r := range [][2]float64{{v, v}, {v, math.Nextafter(v, math.Inf(1))}} {
				lo, hi, err := axisRange(r[0], r[1], false)
				if err != nil || !(lo < hi) || !finite(lo) || !finite(hi) || lo > r[0] || hi < r[1] {
					t.Errorf("axisRange(%g, %g) = [%g, %g], %v", r[0], r[1], lo, hi, err)
					continue
				}
				if lo2, hi2, err := axisRange(lo, hi, false); err != nil || lo2 != lo || hi2 != hi {
					t.Errorf("axisRange(%g, %g) = [%g, %g], %v: want it unchanged", lo, hi, lo2, hi2, err)
				}
				within(t, 10*time.Second, func() error { gplot.DefaultTicks{}.Ticks(lo, hi); return nil })
				if v > 0 && v >= MinLogValue {
					lo, hi, err := axisRange(r[0], r[1], true)
					if err != nil || !(lo > 0 && lo < hi) || !finite(hi) {
						t.Errorf("log axisRange(%g, %g) = [%g, %g], %v", r[0], r[1], lo, hi, err)
						continue
					}
					within(t, 10*time.Second, func() error { gplot.LogTicks{}.Ticks(lo, hi); return nil })
				}
			}
		}
	}
}

// panicker is a plotter that panics when drawn.
type panicker struct{}

func (panicker) Plot(draw.Canvas, *gplot.Plot) { panic("boom") }

// TestGuard checks that a panic inside gonum's drawing comes back from
// each drawing path as an error, and no file is written.
func TestGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.png")
	p := gplot.New()
	p.Add(panicker{}, plotter.NewGrid())
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	err := within(t, 10*time.Second, func() error { return Figure(path, [][]*gplot.Plot{{p}}, 5, 4) })
	if err == nil || !strings.Contains(err.Error(), "drawing failed: boom") {
		t.Errorf("error %v, want one saying the drawing failed", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a file was written")
	}
	if err := guard("x", func() {}); err != nil {
		t.Errorf("guard of a quiet draw: %v", err)
	}
}
