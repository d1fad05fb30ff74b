package nn

import (
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/gemm"
)

// dense implements [Dense]: y = x·Wᵀ + b on a batch of rows. A batch of
// mostly zero inputs takes the sparse path (sparse.go).
type dense[F Float] struct {
	in, out int
	x       []F // input of the last forward (not owned)
	x2ok    bool
	y, dx   []F
	x2, dy2 []F // squares for the per-example trick
	acc     []F

	// The sparse path: whether the last forward took it, the batch's
	// nonzeros, and Wᵀ (the forward) or dWᵀ (the weight gradient), in×out.
	sparse bool
	nz     csr[F]
	wt     []F
	run    runner
	// the sparse pass being run by part
	op    int
	p, dy []F
	batch int
	scale F
	grad  []F
}

// The passes of the sparse path, each split by rows of its result.
const (
	opTransposeW  = iota // Wᵀ into wt
	opSparseY            // y = b + Σ x_ik·Wᵀ_k
	opSparseDW           // dWᵀ_k = Σ_i x_ik·δ_i into wt
	opTransposeDW        // grad = scale·(dWᵀ)ᵀ
)

func (l *dense[F]) part(h int) {
	switch l.op {
	case opTransposeW:
		lo, hi := halves(l.in, h)
		transpose(l.wt, l.p[:l.out*l.in], l.out, l.in, lo, hi, 1)
	case opSparseY:
		lo, hi := halves(l.batch, h)
		b := l.p[l.out*l.in:]
		for i := lo; i < hi; i++ {
			y := l.y[i*l.out : (i+1)*l.out]
			copy(y, b)
			t0, t1 := l.nz.ptr[i], l.nz.ptr[i+1]
			axpyRows(y, l.wt, l.out, l.nz.idx[t0:t1], l.nz.val[t0:t1])
		}
	case opSparseDW:
		lo, hi := halves(l.in, h)
		for k := lo; k < hi; k++ {
			acc := l.wt[k*l.out : (k+1)*l.out]
			clear(acc)
			t0, t1 := l.nz.cptr[k], l.nz.cptr[k+1]
			axpyRows(acc, l.dy, l.out, l.nz.cidx[t0:t1], l.nz.cval[t0:t1])
		}
	case opTransposeDW:
		lo, hi := halves(l.out, h)
		transpose(l.grad, l.wt, l.in, l.out, lo, hi, l.scale)
	}
}

func (l *dense[F]) blocks() []block { return []block{{"W", l.out * l.in}, {"b", l.out}} }

func (l *dense[F]) reserve(batch int) {
	l.y = grow(l.y, batch*l.out)
	l.dx = grow(l.dx, batch*l.in)
	l.acc = grow(l.acc, l.out)
}

func (l *dense[F]) forward(p, x []F, batch int, _ bool) []F {
	w, b := p[:l.out*l.in], p[l.out*l.in:]
	y := l.y[:batch*l.out]
	l.x, l.x2ok = x, false
	l.sparse = l.nz.build(x, batch, l.in)
	if l.sparse {
		l.wt = grow(l.wt, l.in*l.out)
		l.p, l.batch = p, batch
		l.op = opTransposeW
		l.run.run(l)
		l.op = opSparseY
		l.run.run(l)
		l.p = nil
		return y
	}
	for i := range batch {
		copy(y[i*l.out:(i+1)*l.out], b)
	}
	gemm.Gemm(false, true, batch, l.out, l.in, 1, x, l.in, w, l.in, 1, y, l.out)
	return y
}

func (l *dense[F]) backward(p, dy []F, batch int, ps pass[F]) []F {
	nw := l.out * l.in
	x := l.x
	if ps.grad != nil {
		if l.sparse {
			l.nz.columns(batch, l.in)
			l.dy, l.grad, l.scale = dy[:batch*l.out], ps.grad[:nw], ps.scale
			l.op = opSparseDW
			l.run.run(l)
			l.op = opTransposeDW
			l.run.run(l)
			l.dy, l.grad = nil, nil
		} else {
			gemm.Gemm(true, false, l.out, l.in, batch, ps.scale, dy, l.out, x, l.in, 0, ps.grad[:nw], l.in)
		}
		colSums(ps.grad[nw:], dy, batch, l.out, ps.scale)
	}
	if ps.sq != nil {
		if !l.x2ok {
			l.x2 = grow(l.x2, batch*l.in)
			square(l.x2, x[:batch*l.in])
			l.x2ok = true
		}
		l.dy2 = grow(l.dy2, batch*l.out)
		square(l.dy2, dy[:batch*l.out])
		// Σᵢ (δᵢxᵢᵀ)⊙(δᵢxᵢᵀ) = (δ⊙δ)ᵀ(x⊙x): one product gives every
		// per-example square at once.
		gemm.Gemm(true, false, l.out, l.in, batch, ps.scale, l.dy2, l.out, l.x2, l.in, 1, ps.sq[:nw], l.in)
		colSums(l.acc, l.dy2, batch, l.out, ps.scale)
		for j, v := range l.acc {
			ps.sq[nw+j] += v
		}
	}
	if !ps.needDx {
		return nil
	}
	dx := l.dx[:batch*l.in]
	gemm.Gemm(false, false, batch, l.in, l.out, 1, dy, l.out, p[:nw], l.in, 0, dx, l.in)
	return dx
}

// initParams draws W from U(−√(6/in), √(6/in)) (He et al. 2015, uniform
// form) and sets b to zero.
func (l *dense[F]) initParams(p []F, rnd *rand.Rand) {
	s := math.Sqrt(6 / float64(l.in))
	for i := range l.out * l.in {
		p[i] = F(s * (2*rnd.Float64() - 1))
	}
	clear(p[l.out*l.in:])
}

// colSums writes scale·Σᵢ m[i, :] for the rows×cols matrix m into dst,
// summing the rows in order.
func colSums[F Float](dst, m []F, rows, cols int, scale F) {
	acc := dst[:cols]
	clear(acc)
	for i := range rows {
		row := m[i*cols : (i+1)*cols]
		for j, v := range row {
			acc[j] += v
		}
	}
	if scale != 1 {
		for j := range acc {
			acc[j] *= scale
		}
	}
}

// square writes x⊙x into dst.
func square[F Float](dst, x []F) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * v
	}
}
