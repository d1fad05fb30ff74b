package nn

import (
	"math"
	"unsafe"

	"github.com/bayesrule/blr/internal/gemm"
	"github.com/bayesrule/blr/internal/vec"
)

// Sparse inputs of dense layers. A batch whose inputs are mostly zeros
// (MNIST's pixels are about 81% zeros) is multiplied over its nonzeros only:
// the forward pass y_i = b + Σ_k x_ik·Wᵀ_k and the weight gradient
// dWᵀ_k = Σ_i x_ik·δ_i are sums of rows of Wᵀ and of δ, one term per nonzero
// x_ik, instead of dense products. The choice is made per batch from its
// measured density alone (below sparseDensity), so it is deterministic; the
// work is split between the two goroutines by rows of the result, and each
// element is summed in the order of its terms, so the bits do not depend on
// GOMAXPROCS. The input gradient δ·W stays a dense product.

// sparseDensity is the largest fraction of nonzero inputs for which a dense
// layer takes the sparse path. Measured on the MLP 784-500-300-10 at batch
// 128 (MNIST, about 19% nonzeros), the sparse forward and weight gradient
// cost about a third of the dense products, transposes included; at 35% they
// still cost less than the dense products of OpenBLAS.
const sparseDensity = 0.35

// sparseMinIn is the least input width worth the sparse path.
const sparseMinIn = 64

// sparseOn enables the sparse path: with the Go products, not with
// OpenBLAS, whose AVX-512 kernels multiply the dense MLP batch faster than
// the sparse path (measured: forward and backward of the MLP on MNIST
// batches, 1.6–2.0 ms dense against 2.8 ms sparse with OpenBLAS; 4.2 ms
// dense against 3.6 ms sparse with the Go products). Tests set it.
var sparseOn = gemm.Backend() != "openblas"

// csr is a batch's nonzeros row by row (ptr[i]:ptr[i+1] in idx and val),
// and, once built, column by column (cptr, cidx: the rows, cval).
type csr[F Float] struct {
	ptr, idx   []int32
	val        []F
	cptr, cidx []int32
	cval       []F
}

// build fills c with the nonzeros of the rows×cols matrix x and reports
// whether their fraction is at most sparseDensity. The scan has no branch on
// the values (a branch on random zeros is mispredicted often): every entry
// is written at the next free place, which only a nonzero advances. It stops
// at the first row where the count passes the limit; c is then incomplete.
func (c *csr[F]) build(x []F, rows, cols int) bool {
	if !sparseOn || cols < sparseMinIn {
		return false
	}
	x = x[:rows*cols]
	c.ptr = grow(c.ptr, rows+1)
	c.idx = grow(c.idx, rows*cols+1)
	c.val = grow(c.val, rows*cols+1)
	limit := int(sparseDensity * float64(rows*cols))
	t := 0
	for i := range rows {
		c.ptr[i] = int32(t)
		idx, val := c.idx[t:t+cols+1], c.val[t:t+cols+1]
		n := 0
		for k, v := range x[i*cols : (i+1)*cols] {
			idx[n], val[n] = int32(k), v
			n += nonzero(v)
		}
		t += n
		if t > limit {
			return false // dense: the count only grows, so stop scanning
		}
	}
	c.ptr[rows] = int32(t)
	return true
}

// nonzero is 1 when v ≠ 0 (−0 counts as zero), else 0, without a branch.
func nonzero[F Float](v F) int {
	var b uint64
	if unsafe.Sizeof(v) == 4 {
		b = uint64(math.Float32bits(float32(v)) << 1)
	} else {
		b = math.Float64bits(float64(v)) << 1
	}
	return int((b | -b) >> 63)
}

// columns builds the column-by-column form from the row-by-row one: a
// counting sort by column, rows in increasing order within a column.
func (c *csr[F]) columns(rows, cols int) {
	nz := int(c.ptr[rows])
	c.cptr = grow(c.cptr, cols+1)
	c.cidx = grow(c.cidx, nz)
	c.cval = grow(c.cval, nz)
	clear(c.cptr)
	for _, k := range c.idx[:nz] {
		c.cptr[k+1]++
	}
	for k := range cols {
		c.cptr[k+1] += c.cptr[k]
	}
	next := c.cptr // advanced as entries are placed, then shifted back
	for i := range rows {
		for t := c.ptr[i]; t < c.ptr[i+1]; t++ {
			k := c.idx[t]
			p := next[k]
			c.cidx[p], c.cval[p] = int32(i), c.val[t]
			next[k]++
		}
	}
	for k := cols; k > 0; k-- {
		c.cptr[k] = c.cptr[k-1]
	}
	c.cptr[0] = 0
}

// axpyRows adds Σ_t val[t]·m[idx[t]·ld+j] to dst[j] for every j, in the
// order of t: with the AVX2 kernel (fused multiply-adds) for float32 where
// it runs, and row by row in Go for the rest.
func axpyRows[F Float](dst, m []F, ld int, idx []int32, val []F) {
	j0 := 0
	if vec.Enabled && vec.Is32[F]() {
		j0 = vec.AxpyRows(vec.As32(dst), vec.As32(m), ld, idx, vec.As32(val))
	}
	if j0 == len(dst) {
		return
	}
	d := dst[j0:]
	for t, k := range idx {
		v := val[t]
		row := m[int(k)*ld+j0:][:len(d)]
		for j, w := range row {
			d[j] += v * w
		}
	}
}

// transpose writes scale·srcᵀ into rows [r0, r1) of dst: src is
// rows×cols, dst cols×rows, and dst row r is column r of src. It reads four
// rows of src at a time and writes four consecutive values of each dst row,
// in blocks of 64 columns that keep the lines being written in cache.
func transpose[F Float](dst, src []F, rows, cols, r0, r1 int, scale F) {
	const bs = 64
	src, dst = src[:rows*cols], dst[:rows*cols]
	for j0 := r0; j0 < r1; j0 += bs {
		j1 := min(j0+bs, r1)
		i := 0
		for ; i+4 <= rows; i += 4 {
			a := src[i*cols+j0 : i*cols+j1]
			b := src[(i+1)*cols+j0 : (i+1)*cols+j1][:len(a)]
			c := src[(i+2)*cols+j0 : (i+2)*cols+j1][:len(a)]
			d := src[(i+3)*cols+j0 : (i+3)*cols+j1][:len(a)]
			for j, v := range a {
				o := dst[(j0+j)*rows+i : (j0+j)*rows+i+4 : (j0+j)*rows+i+4]
				o[0], o[1], o[2], o[3] = scale*v, scale*b[j], scale*c[j], scale*d[j]
			}
		}
		for ; i < rows; i++ {
			for j, v := range src[i*cols+j0 : i*cols+j1] {
				dst[(j0+j)*rows+i] = scale * v
			}
		}
	}
}

// density is the fraction of nonzero entries of x, for tests and the
// documentation's numbers.
func density[F Float](x []F) float64 {
	nz := 0
	for _, v := range x {
		if v != 0 {
			nz++
		}
	}
	return float64(nz) / math.Max(1, float64(len(x)))
}
