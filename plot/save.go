package plot

import (
	"bytes"
	"fmt"

	"github.com/bayesrule/blr/checkpoint"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// savePNG encodes img as a PNG and writes it to path atomically
// (checkpoint.WriteAtomic: a temporary file in the same directory, synced,
// renamed over path).
func savePNG(path string, img *vgimg.Canvas) error {
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("plot: encoding %s: %w", path, err)
	}
	if err := checkpoint.WriteAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// Figure draws a grid of gonum plots (rows of columns; nil leaves a tile
// empty) on a white background, aligned so that their data areas have equal
// sizes, and writes it as a PNG to path, width × height inches. It is the
// building block of this package's figures, exported for one-off figures.
// A plot whose axis ranges are not set (no data), not finite or beyond
// ±2·MaxValue gives an error; an axis range that is a single value (or
// narrower than 10⁻¹⁰ of its magnitude) is widened to ±10⁻³·max(1, |v|)
// around its centre (a factor 1 ± 10⁻³ on a log axis), since gonum's own
// padding of ±1 vanishes in rounding at |v| ≥ 2⁵³. A panic inside gonum
// while drawing is returned as an error (guard), and no file is written.
func Figure(path string, plots [][]*plot.Plot, width, height float64) error {
	if err := checkSize(width, height); err != nil {
		return err
	}
	rows := len(plots)
	if rows == 0 || len(plots[0]) == 0 {
		return fmt.Errorf("plot: Figure: no plots")
	}
	cols := len(plots[0])
	for i, r := range plots {
		if len(r) != cols {
			return fmt.Errorf("plot: Figure: row %d has %d plots, row 0 has %d", i, len(r), cols)
		}
		for j, p := range r {
			// An axis without data (Min > Max or infinite) would hang the
			// rasteriser on NaN coordinates, one of infinite width gonum's
			// tick search.
			if p != nil {
				if err := fixAxes(p, fmt.Sprintf("plot: Figure: plot [%d][%d]", i, j)); err != nil {
					return err
				}
			}
		}
	}
	img := vgimg.New(vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch)
	err := guard("Figure", func() {
		dc := draw.New(img)
		fillWhite(dc)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(10),
			PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
		canvases := plot.Align(plots, tiles, dc)
		for i, r := range plots {
			for j, p := range r {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	})
	if err != nil {
		return err
	}
	return savePNG(path, img)
}
