package plot

import (
	"image/color"
	"math"
	"testing"

	"github.com/bayesrule/blr/metrics"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// TestAxisRangeExact pins axisRange's values against the documented
// formulas, recomputed here: a range that is not flat comes back as it is;
// a flat linear one is its centre ± 10⁻³·max(1, |v|); a flat logarithmic
// one is [lo·(1 − 10⁻³), hi·(1 + 10⁻³)].
func TestAxisRangeExact(t *testing.T) {
	next := math.Nextafter(7, 8)
	for _, tc := range []struct {
		lo, hi         float64
		log            bool
		wantLo, wantHi float64
	}{
		{1, 2, false, 1, 2},
		{-3, 4, false, -3, 4},
		{5, 5, false, 5 - 5e-3, 5 + 5e-3},
		{-5, -5, false, -5 - 5e-3, -5 + 5e-3},
		{0, 0, false, -1e-3, 1e-3},
		{0.25, 0.25, false, 0.25 - 1e-3, 0.25 + 1e-3},
		{7, next, false, 7 - 7e-3, 7 + 7e-3},
		{1, 10, true, 1, 10},
		{3, 3, true, 3 * 0.999, 3 * 1.001},
		{1e-5, 1e-5, true, 1e-5 * 0.999, 1e-5 * 1.001},
		{7, next, true, 7 * 0.999, next * 1.001},
	} {
		lo, hi, err := axisRange(tc.lo, tc.hi, tc.log)
		tol := 1e-14 * math.Max(1, math.Max(math.Abs(tc.wantLo), math.Abs(tc.wantHi)))
		if err != nil || math.Abs(lo-tc.wantLo) > tol || math.Abs(hi-tc.wantHi) > tol {
			t.Errorf("axisRange(%g, %g, log %v) = [%.17g, %.17g], %v; want [%.17g, %.17g]",
				tc.lo, tc.hi, tc.log, lo, hi, err, tc.wantLo, tc.wantHi)
		}
	}
}

// TestCheckValueBounds pins checkValue's limits: finite, |v| ≤ MaxValue,
// and on a log axis v ≥ MinLogValue unless v ≤ 0 (left out by the caller,
// not an error).
func TestCheckValueBounds(t *testing.T) {
	for _, tc := range []struct {
		v      float64
		log    bool
		wantOK bool
	}{
		{0, false, true},
		{0, true, true},
		{-1, true, true},
		{MinLogValue, true, true},
		{MinLogValue / 2, true, false},
		{MinLogValue / 2, false, true},
		{MaxValue, false, true},
		{-MaxValue, false, true},
		{2 * MaxValue, false, false},
		{math.NaN(), false, false},
		{math.Inf(-1), true, false},
	} {
		if err := checkValue(tc.v, tc.log); (err == nil) != tc.wantOK {
			t.Errorf("checkValue(%g, log %v) = %v, want ok %v", tc.v, tc.log, err, tc.wantOK)
		}
	}
}

// TestSetRangeCentreTick pins setRange's ticks: a range that is not padded
// keeps gonum's default ticks; a padded (flat) one gets a single tick at
// its value, labelled with 6 significant digits; a custom ticker is kept.
func TestSetRangeCentreTick(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         span
		log       bool
		marker    gplot.Ticker
		wantTick  bool
		wantValue float64
		wantLabel string
	}{
		{"linear, wide", span{1, 2}, false, gplot.DefaultTicks{}, false, 0, ""},
		{"log, wide", span{1, 100}, true, gplot.LogTicks{}, false, 0, ""},
		{"linear, flat", span{1.23456789, 1.23456789}, false, gplot.DefaultTicks{}, true, 1.23456789, "1.23457"},
		{"log, flat", span{4, 4}, true, gplot.LogTicks{}, true, 4, "4"},
		{"custom, flat", span{4, 4}, false, unitTicks{}, false, 0, ""},
	} {
		p := gplot.New()
		p.X.Tick.Marker = tc.marker
		if err := setRange(&p.X, tc.s, tc.log, "x"); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ct, isConst := p.X.Tick.Marker.(gplot.ConstantTicks)
		if !tc.wantTick {
			if isConst {
				t.Errorf("%s: ticks replaced by %v", tc.name, ct)
			}
			continue
		}
		if !isConst || len(ct) != 1 || ct[0].Value != tc.wantValue || ct[0].Label != tc.wantLabel {
			t.Errorf("%s: ticks %#v, want one at %g labelled %q", tc.name, p.X.Tick.Marker, tc.wantValue, tc.wantLabel)
		}
	}
}

// TestUnitTicks pins the ticks of the reliability diagram's axes: 0, 0.1,
// …, 1 within the range, labelled with one decimal at the even ones
// (unlabelled when blank).
func TestUnitTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		blank  bool
		want   []gplot.Tick
	}{
		{0, 1, false, []gplot.Tick{{Value: 0, Label: "0.0"}, {Value: 0.1}, {Value: 0.2, Label: "0.2"}, {Value: 0.3},
			{Value: 0.4, Label: "0.4"}, {Value: 0.5}, {Value: 0.6, Label: "0.6"}, {Value: 0.7}, {Value: 0.8, Label: "0.8"},
			{Value: 0.9}, {Value: 1, Label: "1.0"}}},
		{0.25, 0.6, false, []gplot.Tick{{Value: 0.3}, {Value: 0.4, Label: "0.4"}, {Value: 0.5}, {Value: 0.6, Label: "0.6"}}},
		{0.95, 1, true, []gplot.Tick{{Value: 1}}},
	} {
		got := unitTicks{blank: tc.blank}.Ticks(tc.lo, tc.hi)
		if len(got) != len(tc.want) {
			t.Errorf("[%g, %g]: %d ticks %v, want %v", tc.lo, tc.hi, len(got), got, tc.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i].Value-tc.want[i].Value) > 1e-15 || got[i].Label != tc.want[i].Label {
				t.Errorf("[%g, %g] tick %d: %+v, want %+v", tc.lo, tc.hi, i, got[i], tc.want[i])
			}
		}
	}
}

// TestLinspaceValues pins Linspace: n evenly spaced values lo … hi
// inclusive, n = 1 gives lo, n < 1 nil.
func TestLinspaceValues(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 1, 5, []float64{0, 0.25, 0.5, 0.75, 1}},
		{-2, 2, 3, []float64{-2, 0, 2}},
		{3, 1, 2, []float64{3, 1}},
		{4, 9, 1, []float64{4}},
		{4, 9, 0, nil},
	} {
		got := Linspace(tc.lo, tc.hi, tc.n)
		if len(got) != len(tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("Linspace(%g, %g, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-15 {
				t.Errorf("Linspace(%g, %g, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
				break
			}
		}
	}
}

// TestGridXYZCoordinates pins the heat map's cell centres: column c at
// XMin + c·(XMax−XMin)/(cols−1), row r at YMin + r·(YMax−YMin)/(rows−1),
// and Z(c, r) = Z[r][c], on a grid with different numbers of rows and
// columns.
func TestGridXYZCoordinates(t *testing.T) {
	g := Grid{XMin: -1, XMax: 3, YMin: 10, YMax: 16, Z: [][]float64{{0, 0.1, 0.2}, {0.3, 0.4, 0.5}, {0.6, 0.7, 0.8}, {0.9, 1, 0.05}}}
	xyz := newGridXYZ(g)
	if c, r := xyz.Dims(); c != 3 || r != 4 {
		t.Fatalf("dims %d × %d, want 3 columns, 4 rows", c, r)
	}
	for c, want := range []float64{-1, 1, 3} {
		if got := xyz.X(c); math.Abs(got-want) > 1e-12 {
			t.Errorf("X(%d) = %g, want %g", c, got, want)
		}
	}
	for r, want := range []float64{10, 12, 14, 16} {
		if got := xyz.Y(r); math.Abs(got-want) > 1e-12 {
			t.Errorf("Y(%d) = %g, want %g", r, got, want)
		}
	}
	if xyz.Z(2, 1) != 0.5 || xyz.Z(0, 3) != 0.9 {
		t.Errorf("Z(2, 1) = %g, Z(0, 3) = %g; want 0.5 and 0.9", xyz.Z(2, 1), xyz.Z(0, 3))
	}
}

// TestLevelSetSegments pins the ½ contour's marching squares on one cell
// of the unit square, drawn on a recording canvas of 100 × 100 points:
// the crossings are linear interpolations along the edges, and the two
// segments of a saddle keep the centre's side (the mean of the corners)
// together. The expected segments are worked out by hand.
func TestLevelSetSegments(t *testing.T) {
	type seg [2][2]float64 // end points in data units
	for _, tc := range []struct {
		name string
		z    [][]float64 // Z[r][c]: rows from the bottom
		want []seg
	}{
		// Corner (0,0) alone above ½: one segment across the corner.
		{"corner", [][]float64{{1, 0}, {0, 0}}, []seg{{{0.5, 0}, {0, 0.5}}}},
		// Left column above, right below: z falls from 0.8 to 0.3 along
		// x, so ½ is crossed at x = (0.8−0.5)/(0.8−0.3) = 0.6.
		{"vertical", [][]float64{{0.8, 0.3}, {0.8, 0.3}}, []seg{{{0.6, 0}, {0.6, 1}}}},
		// Saddle with the centre at ½ (the high side): the high corners
		// (0,0) and (1,1) are joined, cutting off the low (1,0) and (0,1).
		{"saddle, centre high", [][]float64{{1, 0}, {0, 1}}, []seg{{{0.5, 0}, {1, 0.5}}, {{0.5, 1}, {0, 0.5}}}},
		// Saddle with the centre 0.45 below ½: the high corners are cut off.
		{"saddle, centre low", [][]float64{{0.9, 0}, {0, 0.9}},
			[]seg{{{4.0 / 9, 0}, {0, 4.0 / 9}}, {{1, 5.0 / 9}, {5.0 / 9, 1}}}},
	} {
		g := Grid{XMin: 0, XMax: 1, YMin: 0, YMax: 1, Z: tc.z}
		ls := &levelSet{grid: newGridXYZ(g), level: 0.5, style: draw.LineStyle{Color: color.Black, Width: vg.Points(1)}}
		p := gplot.New()
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		rec := &recorder.Canvas{}
		c := draw.NewCanvas(rec, 100, 100)
		ls.Plot(c, p)
		var got []seg
		for _, a := range rec.Actions {
			s, ok := a.(*recorder.Stroke)
			if !ok {
				continue
			}
			if len(s.Path) != 2 {
				t.Fatalf("%s: a path of %d parts", tc.name, len(s.Path))
			}
			var e seg
			for i, pc := range s.Path {
				e[i] = [2]float64{float64(pc.Pos.X) / 100, float64(pc.Pos.Y) / 100}
			}
			got = append(got, e)
		}
		near := func(a, b [2]float64) bool { return math.Abs(a[0]-b[0]) < 1e-9 && math.Abs(a[1]-b[1]) < 1e-9 }
		same := func(a, b seg) bool {
			return near(a[0], b[0]) && near(a[1], b[1]) || near(a[0], b[1]) && near(a[1], b[0])
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: segments %v, want %v", tc.name, got, tc.want)
			continue
		}
		for _, w := range tc.want {
			found := false
			for _, s := range got {
				found = found || same(s, w)
			}
			if !found {
				t.Errorf("%s: segments %v lack %v", tc.name, got, w)
			}
		}
	}
}

// TestBinsECE pins BinsECE against a plain recomputation of
// Σ_b |correct_b − Σ conf_b| / N, including no examples (0) and a single
// example.
func TestBinsECE(t *testing.T) {
	for _, tc := range []struct {
		name string
		bins []metrics.Bin
		want float64
	}{
		{"none", nil, 0},
		{"empty bins", []metrics.Bin{{Lo: 0, Hi: 0.5}, {Lo: 0.5, Hi: 1}}, 0},
		{"one example, wrong", []metrics.Bin{{Count: 1, Correct: 0, SumConf: 0.7}}, 0.7},
		{"one example, right", []metrics.Bin{{Count: 1, Correct: 1, SumConf: 0.7}}, 0.3},
		{"two bins", []metrics.Bin{{Count: 4, Correct: 1, SumConf: 2.2}, {Count: 6, Correct: 6, SumConf: 5.4}}, (1.2 + 0.6) / 10},
	} {
		if got := BinsECE(tc.bins); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s: BinsECE = %g, want %g", tc.name, got, tc.want)
		}
	}
}

// TestPlaceLegend pins each LegendPos's corner: Top and Left, and the
// offsets of 6 and 4 points pointing into the plot from that corner.
func TestPlaceLegend(t *testing.T) {
	for _, tc := range []struct {
		pos       LegendPos
		top, left bool
	}{
		{LegendTopRight, true, false},
		{LegendTopLeft, true, true},
		{LegendBottomRight, false, false},
		{LegendBottomLeft, false, true},
	} {
		p := gplot.New()
		placeLegend(p, tc.pos)
		wantX, wantY := vg.Points(-6), vg.Points(-4)
		if tc.left {
			wantX = vg.Points(6)
		}
		if !tc.top {
			wantY = vg.Points(4)
		}
		if p.Legend.Top != tc.top || p.Legend.Left != tc.left || p.Legend.XOffs != wantX || p.Legend.YOffs != wantY {
			t.Errorf("position %d: top %v left %v offsets (%v, %v); want %v %v (%v, %v)",
				tc.pos, p.Legend.Top, p.Legend.Left, p.Legend.XOffs, p.Legend.YOffs, tc.top, tc.left, wantX, wantY)
		}
	}
}

// TestHeatPanelLabels pins heatPanel's axis labels: x₁ and x₂ unless the
// panel names its own.
func TestHeatPanelLabels(t *testing.T) {
	g := Grid{XMin: 0, XMax: 1, YMin: 0, YMax: 1, Z: [][]float64{{0, 1}, {1, 0}}}
	for _, tc := range []struct {
		x, y, wantX, wantY string
	}{
		{"", "", "x₁", "x₂"},
		{"a", "", "a", "x₂"},
		{"", "b", "x₁", "b"},
		{"a", "b", "a", "b"},
	} {
		p, err := heatPanel(HeatPanel{Grid: g, XLabel: tc.x, YLabel: tc.y}, probColors().Palette(16))
		if err != nil {
			t.Fatal(err)
		}
		if p.X.Label.Text != tc.wantX || p.Y.Label.Text != tc.wantY {
			t.Errorf("labels %q, %q: got %q, %q; want %q, %q", tc.x, tc.y, p.X.Label.Text, p.Y.Label.Text, tc.wantX, tc.wantY)
		}
	}
}
