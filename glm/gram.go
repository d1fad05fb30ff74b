package glm

import (
	"math"
	"runtime"
	"sync"

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
	buf, parts []float64
	bufs       [][]float64
}

// parallelFlops is the size n·d² from which weighted splits the rows into
// chunks computed concurrently.
const parallelFlops = 1 << 22

// weighted writes Xᵀdiag(w)X into dst (D×D row-major, both triangles).
// With every wᵢ ≥ 0 it forms √wᵢ xᵢ and uses a symmetric rank-k update;
// otherwise a general product of diag(w)X with X.
//
// Large problems (N·D² ≥ 2²²) are split into a number of row chunks fixed
// by N and D alone; the chunks' partial sums are computed concurrently (up
// to GOMAXPROCS at a time) and added in chunk order, so the result is
// bit-identical whatever the number of threads.
func (g *gram) weighted(dst []float64, x *mat.Dense, w []float64) {
	n, d := x.Dims()
	if len(dst) != d*d || len(w) != n {
		panic(ErrShape)
	}
	nonneg := true
	for _, v := range w {
		if !(v >= 0) {
			nonneg = false
			break
		}
	}
	chunks := 1
	if n*d*d >= parallelFlops {
		chunks = min(64, n/gramBlock, max(1, (1<<23)/(d*d)))
	}
	if chunks <= 1 {
		clear(dst)
		g.buf = resize(g.buf, min(gramBlock, n)*d)
		accumulate(dst, x, w, 0, n, nonneg, g.buf)
		symmetrise(dst, d, nonneg)
		return
	}
	g.parts = resize(g.parts, chunks*d*d)
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if cap(g.bufs) < workers {
		g.bufs = make([][]float64, workers)
	}
	g.bufs = g.bufs[:workers]
	var wg sync.WaitGroup
	for k := range workers {
		g.bufs[k] = resize(g.bufs[k], gramBlock*d)
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for c := k; c < chunks; c += workers {
				part := g.parts[c*d*d : (c+1)*d*d]
				clear(part)
				lo, hi := c*n/chunks, (c+1)*n/chunks
				accumulate(part, x, w, lo, hi, nonneg, g.bufs[k])
			}
		}(k)
	}
	wg.Wait()
	clear(dst)
	for c := range chunks {
		for i, v := range g.parts[c*d*d : (c+1)*d*d] {
			dst[i] += v
		}
	}
	symmetrise(dst, d, nonneg)
}

// accumulate adds Σ_{lo≤i<hi} wᵢxᵢxᵢᵀ into dst (only its upper triangle
// when nonneg), gramBlock rows at a time through buf.
func accumulate(dst []float64, x *mat.Dense, w []float64, lo, hi int, nonneg bool, buf []float64) {
	_, d := x.Dims()
	raw := x.RawMatrix()
	for b := lo; b < hi; b += gramBlock {
		e := min(b+gramBlock, hi)
		for i := b; i < e; i++ {
			src := raw.Data[i*raw.Stride : i*raw.Stride+d]
			out := buf[(i-b)*d : (i-b+1)*d]
			r := w[i]
			if nonneg {
				r = math.Sqrt(r)
			}
			for j, v := range src {
				out[j] = r * v
			}
		}
		blk := blas64.General{Rows: e - b, Cols: d, Stride: d, Data: buf[:(e-b)*d]}
		if nonneg {
			blas64.Syrk(blas.Trans, 1, blk, 1, blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: dst})
			continue
		}
		xb := blas64.General{Rows: e - b, Cols: d, Stride: raw.Stride, Data: raw.Data[b*raw.Stride:]}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, blk, xb, 1, blas64.General{Rows: d, Cols: d, Stride: d, Data: dst})
	}
}

// symmetrise fills the lower triangle from the upper one (after a rank-k
// update), or averages the two (after a general product, where they agree
// in exact arithmetic).
func symmetrise(dst []float64, d int, upperOnly bool) {
	for i := range d {
		for j := i + 1; j < d; j++ {
			if upperOnly {
				dst[j*d+i] = dst[i*d+j]
				continue
			}
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
