package glm

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// gramBlock is the number of rows scaled and multiplied at a time: large
// enough for the BLAS to be efficient, small enough for the scratch to stay
// in cache (about 400 KiB at D = 50).
const gramBlock = 1024

// gram accumulates weighted Gram matrices Xᵀdiag(w)X with reusable scratch.
type gram struct {
	buf []float64
}

// weighted writes Xᵀdiag(w)X into dst (D×D row-major, both triangles).
// With every wᵢ ≥ 0 it forms √wᵢ xᵢ and uses a symmetric rank-k update;
// otherwise a general product of diag(w)X with X.
func (g *gram) weighted(dst []float64, x *mat.Dense, w []float64) {
	n, d := x.Dims()
	if len(dst) != d*d || len(w) != n {
		panic(ErrShape)
	}
	for i := range dst {
		dst[i] = 0
	}
	nonneg := true
	for _, v := range w {
		if !(v >= 0) {
			nonneg = false
			break
		}
	}
	raw := x.RawMatrix()
	rows := min(gramBlock, n)
	if cap(g.buf) < rows*d {
		g.buf = make([]float64, rows*d)
	}
	buf := g.buf[:rows*d]
	if nonneg {
		c := blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: dst}
		for lo := 0; lo < n; lo += rows {
			hi := min(lo+rows, n)
			for i := lo; i < hi; i++ {
				r := math.Sqrt(w[i])
				src := raw.Data[i*raw.Stride : i*raw.Stride+d]
				out := buf[(i-lo)*d : (i-lo+1)*d]
				for j, v := range src {
					out[j] = r * v
				}
			}
			blk := blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: buf[:(hi-lo)*d]}
			blas64.Syrk(blas.Trans, 1, blk, 1, c)
		}
		for i := range d {
			for j := i + 1; j < d; j++ {
				dst[j*d+i] = dst[i*d+j]
			}
		}
		return
	}
	c := blas64.General{Rows: d, Cols: d, Stride: d, Data: dst}
	for lo := 0; lo < n; lo += rows {
		hi := min(lo+rows, n)
		for i := lo; i < hi; i++ {
			src := raw.Data[i*raw.Stride : i*raw.Stride+d]
			out := buf[(i-lo)*d : (i-lo+1)*d]
			for j, v := range src {
				out[j] = w[i] * v
			}
		}
		blk := blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: buf[:(hi-lo)*d]}
		xb := blas64.General{Rows: hi - lo, Cols: d, Stride: raw.Stride, Data: raw.Data[lo*raw.Stride:]}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, blk, xb, 1, c)
	}
	// Symmetrise: the product is symmetric in exact arithmetic.
	for i := range d {
		for j := i + 1; j < d; j++ {
			v := 0.5 * (dst[i*d+j] + dst[j*d+i])
			dst[i*d+j], dst[j*d+i] = v, v
		}
	}
}

// weightedDiag writes diag(Xᵀdiag(w)X) = Σᵢ wᵢ xᵢⱼ² into dst (length D).
func weightedDiag(dst []float64, x *mat.Dense, w []float64) {
	n, d := x.Dims()
	if len(dst) != d || len(w) != n {
		panic(ErrShape)
	}
	for j := range dst {
		dst[j] = 0
	}
	raw := x.RawMatrix()
	for i := range n {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		for j, v := range row {
			dst[j] += w[i] * v * v
		}
	}
}
