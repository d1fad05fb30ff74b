package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	gpalette "gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Grid is a regular grid of values in [0, 1] (probabilities) over the
// rectangle [XMin, XMax] × [YMin, YMax]: Z[r][c] is the value at
// x = Linspace(XMin, XMax, cols)[c], y = Linspace(YMin, YMax, rows)[r]
// (row 0 at YMin).
type Grid struct {
	XMin, XMax, YMin, YMax float64
	Z                      [][]float64
}

// Linspace returns n ≥ 2 evenly spaced values from lo to hi inclusive (n = 1
// gives lo; n < 1 gives nil).
func Linspace(lo, hi float64, n int) []float64 {
	if n < 1 {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		if n == 1 {
			out[i] = lo
			break
		}
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// Points are labelled two-class data points drawn over a heat map: label 0
// as circles, label 1 as triangles.
type Points struct {
	X, Y   []float64
	Labels []int // 0 or 1
}

// HeatPanel is one heat map with its points.
type HeatPanel struct {
	Title  string
	Grid   Grid
	Points Points
	// XLabel and YLabel default to "x₁" and "x₂".
	XLabel, YLabel string
}

func (g Grid) check() error {
	rows := len(g.Z)
	if rows < 2 {
		return fmt.Errorf("grid has %d rows: want ≥ 2", rows)
	}
	cols := len(g.Z[0])
	if cols < 2 {
		return fmt.Errorf("grid has %d columns: want ≥ 2", cols)
	}
	for r, row := range g.Z {
		if len(row) != cols {
			return fmt.Errorf("grid row %d has %d values, row 0 has %d", r, len(row), cols)
		}
		for c, v := range row {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("grid value Z[%d][%d] = %g: want a value in [0, 1]", r, c, v)
			}
		}
	}
	for _, v := range []float64{g.XMin, g.XMax, g.YMin, g.YMax} {
		if !finite(v) {
			return fmt.Errorf("grid range [%g, %g] × [%g, %g] is not finite", g.XMin, g.XMax, g.YMin, g.YMax)
		}
		if err := checkValue(v, false); err != nil {
			return fmt.Errorf("grid range [%g, %g] × [%g, %g]: %w", g.XMin, g.XMax, g.YMin, g.YMax, err)
		}
	}
	if !(g.XMax > g.XMin) || !(g.YMax > g.YMin) {
		return fmt.Errorf("grid range [%g, %g] × [%g, %g] is empty", g.XMin, g.XMax, g.YMin, g.YMax)
	}
	if flat(g.XMin, g.XMax) || flat(g.YMin, g.YMax) {
		return fmt.Errorf("grid range [%g, %g] × [%g, %g] is narrower than %g of its magnitude: want a wider range", g.XMin, g.XMax, g.YMin, g.YMax, flatShare)
	}
	return nil
}

// gridXYZ adapts Grid to plotter.GridXYZ.
type gridXYZ struct {
	g      Grid
	dx, dy float64
}

func newGridXYZ(g Grid) gridXYZ {
	return gridXYZ{g: g, dx: (g.XMax - g.XMin) / float64(len(g.Z[0])-1), dy: (g.YMax - g.YMin) / float64(len(g.Z)-1)}
}

func (g gridXYZ) Dims() (c, r int)   { return len(g.g.Z[0]), len(g.g.Z) }
func (g gridXYZ) Z(c, r int) float64 { return g.g.Z[r][c] }
func (g gridXYZ) X(c int) float64    { return g.g.XMin + float64(c)*g.dx }
func (g gridXYZ) Y(r int) float64    { return g.g.YMin + float64(r)*g.dy }
func (g gridXYZ) Min() float64       { return 0 }
func (g gridXYZ) Max() float64       { return 1 }

// probColors is the diverging blue–red map of probabilities: 0 blue,
// 0.5 light grey, 1 red.
func probColors() gpalette.ColorMap {
	cm := moreland.SmoothBlueRed()
	cm.SetMin(0)
	cm.SetMax(1)
	return cm
}

// Heatmap2D writes heat maps of probabilities side by side to path, width ×
// height inches, with a shared colour bar labelled zLabel on the right: a
// colour map of each grid (blue 0, grey ½, red 1), the ½ level as a black
// contour, and the labelled points over it (class 0 white circles, class 1
// black triangles). A grid with fewer than 2 rows or columns, ragged rows,
// a value outside [0, 1], a range that is empty, narrower than 10⁻¹⁰ of its
// magnitude or beyond ±MaxValue, points of mismatched lengths, a
// coordinate that is not finite or beyond ±MaxValue, or a label other than
// 0 or 1 give an error naming the panel. A panic inside gonum while drawing
// is returned as an error (guard).
func Heatmap2D(path string, panels []HeatPanel, zLabel string, width, height float64) error {
	if len(panels) == 0 {
		return fmt.Errorf("plot: Heatmap2D: no panels")
	}
	if err := checkSize(width, height); err != nil {
		return err
	}
	cm := probColors()
	pal := cm.Palette(256)
	plots := make([]*plot.Plot, len(panels)+1)
	for i, pn := range panels {
		p, err := heatPanel(pn, pal)
		if err != nil {
			return fmt.Errorf("plot: panel %d (%q): %w", i, pn.Title, err)
		}
		plots[i] = p
	}
	// The colour bar is a narrow extra column.
	cb := plot.New()
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	cb.HideX()
	cb.Y.Label.Text = zLabel
	cb.Y.Tick.Marker = unitTicks{}
	cb.Y.Padding = 0
	cb.Title.Text = " "
	plots[len(panels)] = cb

	// Each panel's axes hold its grid's cells (half a cell past the outer
	// grid points) and its points, as gonum's Add sets them; the grid is
	// not flat, so fixAxes keeps those ranges and only checks them.
	for i, p := range plots {
		if err := fixAxes(p, fmt.Sprintf("plot: Heatmap2D: plot %d", i)); err != nil {
			return err
		}
	}
	img := vgimg.New(vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch)
	if err := guard("Heatmap2D", func() { drawHeat(img, plots) }); err != nil {
		return err
	}
	return savePNG(path, img)
}

// drawHeat draws the panels and the colour bar (plots' last) on img.
func drawHeat(img *vgimg.Canvas, plots []*plot.Plot) {
	dc := draw.New(img)
	fillWhite(dc)
	// Lay the panels and an equally wide colour-bar tile out on a canvas
	// that runs past the image's right edge, then draw the colour bar in a
	// narrow strip at the left of its tile, inside the image.
	n := len(plots) - 1
	cb := plots[n]
	stripW := vg.Length(0.95) * vg.Inch
	panelsW := dc.Max.X - dc.Min.X - stripW
	virtual := dc
	virtual.Max.X = dc.Min.X + panelsW*vg.Length(n+1)/vg.Length(n)
	tiles := draw.Tiles{Rows: 1, Cols: n + 1, PadX: vg.Points(14), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4)}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, virtual)
	for i := range n {
		plots[i].Draw(canvases[0][i])
	}
	strip := canvases[0][n]
	strip.Max.X = dc.Max.X - vg.Points(6)
	strip.Min.X = strip.Max.X - stripW + vg.Points(10)
	cb.Draw(strip)
}

// heatPanel builds one heat map with its ½ contour and points.
func heatPanel(pn HeatPanel, pal gpalette.Palette) (*plot.Plot, error) {
	g := pn.Grid
	if err := g.check(); err != nil {
		return nil, err
	}
	pts := pn.Points
	if len(pts.X) != len(pts.Y) || len(pts.X) != len(pts.Labels) {
		return nil, fmt.Errorf("points: %d x, %d y and %d labels", len(pts.X), len(pts.Y), len(pts.Labels))
	}
	var cls [2]plotter.XYs
	for i := range pts.X {
		x, y, l := pts.X[i], pts.Y[i], pts.Labels[i]
		if !finite(x) || !finite(y) {
			return nil, fmt.Errorf("point %d = (%g, %g) is not finite", i, x, y)
		}
		if err := checkPoint(x, y, false, false); err != nil {
			return nil, fmt.Errorf("point %d = %w", i, err)
		}
		if l != 0 && l != 1 {
			return nil, fmt.Errorf("point %d has label %d: want 0 or 1", i, l)
		}
		cls[l] = append(cls[l], plotter.XY{X: x, Y: y})
	}
	p := plot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text, p.Y.Label.Text = pn.XLabel, pn.YLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = "x₁"
	}
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "x₂"
	}
	grid := newGridXYZ(g)
	hm := plotter.NewHeatMap(grid, pal)
	hm.Min, hm.Max = 0, 1
	hm.Rasterized = true
	p.Add(hm)
	p.Add(&levelSet{grid: grid, level: 0.5, style: draw.LineStyle{Color: color.Black, Width: vg.Points(1.5)}})
	// Class 0: white circles; class 1: black triangles; both outlined.
	styles := [2]struct {
		fill, edge color.Color
		shape      draw.GlyphDrawer
		outline    draw.GlyphDrawer
	}{
		{color.White, color.Black, draw.CircleGlyph{}, draw.RingGlyph{}},
		{color.Black, color.White, draw.PyramidGlyph{}, draw.TriangleGlyph{}},
	}
	for c := range 2 {
		if len(cls[c]) == 0 {
			continue
		}
		fill, err := plotter.NewScatter(cls[c])
		if err != nil {
			return nil, err
		}
		fill.GlyphStyle = draw.GlyphStyle{Color: styles[c].fill, Shape: styles[c].shape, Radius: vg.Points(2.6)}
		edge, err := plotter.NewScatter(cls[c])
		if err != nil {
			return nil, err
		}
		edge.GlyphStyle = draw.GlyphStyle{Color: styles[c].edge, Shape: styles[c].outline, Radius: vg.Points(2.6)}
		p.Add(fill, edge)
		p.Legend.Add(fmt.Sprintf("class %d", c), fill, edge)
	}
	p.X.Padding, p.Y.Padding = 0, 0
	placeLegend(p, LegendTopLeft)
	p.Legend.ThumbnailWidth = vg.Points(10)
	return p, nil
}

// levelSet draws the curve where the grid crosses level, by marching
// squares: each cell's crossing points on its edges, found by linear
// interpolation, joined by straight segments (a saddle cell is split by the
// value at its centre).
type levelSet struct {
	grid  gridXYZ
	level float64
	style draw.LineStyle
}

// Plot implements plot.Plotter.
func (l *levelSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	cols, rows := l.grid.Dims()
	for r := 0; r+1 < rows; r++ {
		for q := 0; q+1 < cols; q++ {
			// Corners counter-clockwise from the bottom left.
			xs := [4]float64{l.grid.X(q), l.grid.X(q + 1), l.grid.X(q + 1), l.grid.X(q)}
			ys := [4]float64{l.grid.Y(r), l.grid.Y(r), l.grid.Y(r + 1), l.grid.Y(r + 1)}
			zs := [4]float64{l.grid.Z(q, r), l.grid.Z(q+1, r), l.grid.Z(q+1, r+1), l.grid.Z(q, r+1)}
			var cross []vg.Point
			for e := range 4 {
				a, b := e, (e+1)%4
				za, zb := zs[a]-l.level, zs[b]-l.level
				if (za < 0) == (zb < 0) {
					continue
				}
				t := za / (za - zb)
				x := xs[a] + t*(xs[b]-xs[a])
				y := ys[a] + t*(ys[b]-ys[a])
				cross = append(cross, vg.Point{X: trX(x), Y: trY(y)})
			}
			switch len(cross) {
			case 2:
				c.StrokeLine2(l.style, cross[0].X, cross[0].Y, cross[1].X, cross[1].Y)
			case 4:
				// Saddle: pair the crossings so that the centre's side is kept
				// together.
				centre := (zs[0]+zs[1]+zs[2]+zs[3])/4 - l.level
				if (centre < 0) == (zs[0]-l.level < 0) {
					c.StrokeLine2(l.style, cross[0].X, cross[0].Y, cross[1].X, cross[1].Y)
					c.StrokeLine2(l.style, cross[2].X, cross[2].Y, cross[3].X, cross[3].Y)
				} else {
					c.StrokeLine2(l.style, cross[0].X, cross[0].Y, cross[3].X, cross[3].Y)
					c.StrokeLine2(l.style, cross[1].X, cross[1].Y, cross[2].X, cross[2].Y)
				}
			}
		}
	}
}

// DataRange implements plot.DataRanger.
func (l *levelSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	return l.grid.g.XMin, l.grid.g.XMax, l.grid.g.YMin, l.grid.g.YMax
}
