package nn

import (
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/bayesrule/blr/internal/gemm"
)

const (
	opForward = iota
	opBackward
	opWeights
)

// Sizes of the pieces the batched products are cut into. They depend on the
// shapes only, so results do not depend on GOMAXPROCS.
const (
	// convWidth is the most columns (examples × output pixels) per piece
	// of the products, which take as many whole examples as fit, at least
	// one; the pieces stay in L2. A forward piece of one example is written
	// straight into the output.
	convWidth = 1024
)

// convPerExample makes every piece one example. OpenBLAS runs products
// above a size threshold on its own threads (OPENBLAS_NUM_THREADS), even
// when the two halves already run in parallel, and its threads then compete
// with them for the cores: pieces of one example keep the products near the
// sizes of the per-example computation this layer replaced.
var convPerExample = gemm.Backend() == "openblas"

// conv implements [Conv2D] of stride above 1 (newConv takes convDirect for
// stride 1; its tests compare the two on stride 1) with im2col over pieces
// of whole examples:
// the im2col matrix of examples n0 … n1−1 has (n1−n0)·xs columns, column
// (n−n0)·xs+p being output pixel p of example n, and rows ckk (the
// unrolled input), then one row of ones (it yields the bias gradient), then
// zero rows up to rp. The forward pass and the input gradient are products
// over pieces, split between two fixed halves of the batch. The weight and
// bias gradient is a product with the batch in its inner dimension, summed
// piece by piece over the whole batch, split between the halves by rows of
// the im2col matrix so that no partial sums need adding; each half unrolls
// its own rows again rather than keeping the matrix from the forward pass
// (which would not stay in cache).
//
// Stride-1 layers take the direct convolution (convdirect.go); this one
// serves the other strides, and stride 1 only as the tests' reference (or
// where the direct kernels' int32 offsets would overflow), so it has no
// fast paths of its own for stride 1.
type conv[F Float] struct {
	cin, h, w, cout, k, s, pad, ho, wo int
	ckk, hw, inSize, outSize           int
	xs                                 int  // columns per example: hw
	chunk                              int  // examples per piece of the im2col matrix
	wt                                 bool // the weight gradient is formed transposed, rp×cp
	rp, cp                             int  // rows of the im2col matrix and of dyp, padded with zero rows (see newConv)
	direct                             bool // pieces of one example in the compact layout, cp = cout: dy serves as dyp

	x     []F    // input of the last forward (not owned)
	width int    // the leading dimension of dyp, padLd(batch·xs)
	dyp   []F    // cp × batch·xs: the output gradient, channel by channel, then zero rows (unless direct)
	acc   []F    // the weight and bias gradient, unscaled: cp×rp, or rp×cp when wt
	y, dx []F    //
	pc    [2][]F // per half: rows of the im2col matrix of one piece, rp × chunk·xs
	yp    [2][]F // per half: cout × chunk·xs, one piece of the forward product
	dcols [2][]F // per half: ckk × chunk·xs, one piece of the input gradient's columns; zero between pieces
	sq    [2][]F // per half: Σ of its examples' squared gradients, cout·ckk + cout
	gn    [2][]F // per half: one example's weight and bias gradient, cout×(ckk+1)

	run runner
	// the call being run by part
	op    int
	p, dy []F
	batch int
	ps    pass[F]
}

// newConv returns the implementation of l for input shape in: the direct
// one (convdirect.go) for stride 1, im2col otherwise.
func newConv[F Float](l Conv2D, in, out Shape) layer[F] {
	if l.stride() == 1 {
		if c := newConvDirect[F](l, in, out); c != nil {
			return c
		}
	}
	return newConvIm2col[F](l, in, out)
}

func newConvIm2col[F Float](l Conv2D, in, out Shape) *conv[F] {
	c := &conv[F]{cin: in.C, h: in.H, w: in.W, cout: l.Out, k: l.Size, s: l.stride(), pad: l.Pad, ho: out.H, wo: out.W}
	c.ckk = c.cin * c.k * c.k
	c.hw = c.ho * c.wo
	c.inSize = in.Size()
	c.outSize = out.Size()
	c.xs = c.hw
	c.chunk = max(1, convWidth/c.xs)
	if convPerExample {
		c.chunk = 1
	}
	// The dot-product kernels of gemm work on 4×3 blocks of the result,
	// several times faster per value than on leftover rows and columns.
	// The weight gradient is dyp·colsᵀ (cout × ckk+1) or its transpose;
	// the rows of both are padded with zeros to whole blocks, in the
	// orientation that needs less padding.
	r := c.ckk + 1
	up := func(n, to int) int { return (n + to - 1) / to * to }
	c.wt = up(r, 4)*up(c.cout, 3) < up(c.cout, 4)*up(r, 3)
	if c.wt {
		c.rp, c.cp = up(r, 4), up(c.cout, 3)
	} else {
		c.rp, c.cp = up(r, 3), up(c.cout, 4)
	}
	c.direct = c.chunk == 1 && c.cp == c.cout
	c.run = newRunner()
	return c
}

func (l *conv[F]) blocks() []block { return []block{{"W", l.cout * l.ckk}, {"b", l.cout}} }

func (l *conv[F]) reserve(batch int) {
	width := padLd[F](batch * l.xs)
	if !l.direct {
		l.dyp = grow(l.dyp, l.cp*width)
	}
	l.acc = grow(l.acc, l.cp*l.rp)
	l.y = grow(l.y, batch*l.outSize)
	l.dx = grow(l.dx, batch*l.inSize)
	piece := padLd[F](min(l.chunk, batch) * l.xs)
	for h := range 2 {
		l.pc[h] = grow(l.pc[h], l.rp*piece)
		l.yp[h] = grow(l.yp[h], l.cout*piece)
		l.dcols[h] = grow(l.dcols[h], l.ckk*piece)
		l.sq[h] = grow(l.sq[h], l.cout*l.ckk+l.cout)
		l.gn[h] = grow(l.gn[h], l.cout*(l.ckk+1))
	}
}

func (l *conv[F]) forward(p, x []F, batch int, _ bool) []F {
	l.op, l.p, l.x, l.batch = opForward, p, x, batch
	l.run.run(l)
	l.p = nil
	return l.y[:batch*l.outSize]
}

func (l *conv[F]) backward(p, dy []F, batch int, ps pass[F]) []F {
	l.op, l.p, l.dy, l.batch, l.ps = opBackward, p, dy, batch, ps
	l.width = padLd[F](batch * l.xs)
	if !l.direct || ps.needDx || ps.sq != nil {
		l.run.run(l)
	}
	if ps.grad != nil {
		l.op = opWeights
		l.run.run(l)
	}
	l.p, l.dy = nil, nil
	nw := l.cout * l.ckk
	if ps.grad != nil {
		for co := range l.cout {
			g := ps.grad[co*l.ckk : (co+1)*l.ckk]
			if l.wt {
				for j := range g {
					g[j] = ps.scale * l.acc[j*l.cp+co]
				}
				ps.grad[nw+co] = ps.scale * l.acc[l.ckk*l.cp+co]
				continue
			}
			a := l.acc[co*l.rp : (co+1)*l.rp]
			for j := range g {
				g[j] = ps.scale * a[j]
			}
			ps.grad[nw+co] = ps.scale * a[l.ckk]
		}
	}
	if ps.sq != nil {
		s0, s1 := l.sq[0][:nw+l.cout], l.sq[1][:nw+l.cout]
		for i := range ps.sq {
			ps.sq[i] += ps.scale * (s0[i] + s1[i])
		}
	}
	if !ps.needDx {
		return nil
	}
	return l.dx[:batch*l.inSize]
}

func (l *conv[F]) part(h int) {
	switch l.op {
	case opForward:
		l.forwardPart(h)
	case opBackward:
		l.backwardPart(h)
	case opWeights:
		l.weightsPart(h)
	}
}

// padLd returns the leading dimension for rows of n values: n rounded up to
// whole cache lines, and to an odd number of them, so that the rows read
// or written together fall in different sets of the cache rather than all
// in one (which a multiple of the page size would do).
func padLd[F Float](n int) int {
	line := 64 / int(unsafe.Sizeof(F(0)))
	ld := (n + line - 1) / line * line
	if (ld/line)%2 == 0 {
		ld += line
	}
	return ld
}

// fill sets every element of s to v, by doubling copies.
func fill[F Float](s []F, v F) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for n := 1; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
}

// unroll writes rows a0 … a1−1 of the im2col matrix of examples
// n0 … n1−1 into dst, row r at dst[(r−a0)·ld:].
func (l *conv[F]) unroll(dst []F, ld, n0, n1, a0, a1 int) {
	for n := n0; n < n1; n++ {
		l.im2col(dst[(n-n0)*l.xs:], ld, l.x[n*l.inSize:(n+1)*l.inSize], a0, a1)
	}
	wd := (n1 - n0) * l.xs
	if a0 <= l.ckk && l.ckk < a1 {
		o := dst[(l.ckk-a0)*ld:][:wd]
		fill(o, 1)
	}
	for r := max(a0, l.ckk+1); r < a1; r++ {
		clear(dst[(r-a0)*ld:][:wd])
	}
}

// forwardPart multiplies W by the im2col matrix of the examples of half h,
// a piece of whole examples at a time.
func (l *conv[F]) forwardPart(h int) {
	lo, hi := halves(l.batch, h)
	nw := l.cout * l.ckk
	w, b := l.p[:nw], l.p[nw:]
	for n0 := lo; n0 < hi; n0 += l.chunk {
		n1 := min(hi, n0+l.chunk)
		wd := (n1 - n0) * l.xs
		ldp := padLd[F](wd)
		pc := l.pc[h]
		l.unroll(pc, ldp, n0, n1, 0, l.ckk)
		if n1 == n0+1 {
			// One example: straight into y.
			yn := l.y[n0*l.outSize : (n0+1)*l.outSize]
			for co, bv := range b {
				fill(yn[co*l.hw:(co+1)*l.hw], bv)
			}
			gemm.Serial(false, false, l.cout, l.hw, l.ckk, 1, w, l.ckk, pc, ldp, 1, yn, l.hw)
			continue
		}
		yp := l.yp[h][:l.cout*ldp]
		for co, bv := range b {
			fill(yp[co*ldp:co*ldp+wd], bv)
		}
		gemm.Serial(false, false, l.cout, wd, l.ckk, 1, w, l.ckk, pc, ldp, 1, yp, ldp)
		for n := n0; n < n1; n++ {
			yn := l.y[n*l.outSize : (n+1)*l.outSize]
			off := (n - n0) * l.xs
			for co := range l.cout {
				copy(yn[co*l.hw:(co+1)*l.hw], yp[co*ldp+off:][:l.xs])
			}
		}
	}
}

// backwardPart lays out the output gradient of the examples of half h
// channel by channel, forms their input gradients (a product, then col2im)
// and, when wanted, the sum of their squared per-example gradients.
func (l *conv[F]) backwardPart(h int) {
	lo, hi := halves(l.batch, h)
	ps := l.ps
	nw := l.cout * l.ckk
	for n := lo; n < hi && !l.direct; n++ {
		ld := l.width
		dyn := l.dy[n*l.outSize : (n+1)*l.outSize]
		for co := range l.cout {
			copy(l.dyp[co*ld+n*l.xs:][:l.xs], dyn[co*l.hw:(co+1)*l.hw])
		}
		for co := l.cout; co < l.cp; co++ {
			clear(l.dyp[co*ld+n*l.xs:][:l.xs])
		}
	}
	if ps.sq != nil {
		r := l.ckk + 1
		sq, gn := l.sq[h][:nw+l.cout], l.gn[h][:l.cout*r]
		clear(sq)
		ldp := padLd[F](l.xs)
		for n := lo; n < hi; n++ {
			// Example n's own weight and bias gradient (the bias from the
			// row of ones), then its square.
			l.unroll(l.pc[h], ldp, n, n+1, 0, r)
			dyn, ld := l.dyPiece(n)
			gemm.Serial(false, true, l.cout, r, l.xs, 1, dyn, ld, l.pc[h], ldp, 0, gn, r)
			for co := range l.cout {
				g := gn[co*r : (co+1)*r]
				s := sq[co*l.ckk : (co+1)*l.ckk]
				for j, v := range g[:l.ckk] {
					s[j] += v * v
				}
				sq[nw+co] += g[l.ckk] * g[l.ckk]
			}
		}
	}
	if !ps.needDx {
		return
	}
	w := l.p[:nw]
	for n0 := lo; n0 < hi; n0 += l.chunk {
		n1 := min(hi, n0+l.chunk)
		wd := (n1 - n0) * l.xs
		ldp := padLd[F](wd)
		// dcols is kept all zero between pieces (col2im clears what it
		// reads), so the product adds to it rather than clearing it first.
		dc := l.dcols[h][:l.ckk*ldp]
		dyn, ld := l.dyPiece(n0)
		gemm.Serial(true, false, l.ckk, wd, l.cout, 1, w, l.ckk, dyn, ld, 1, dc, ldp)
		for n := n0; n < n1; n++ {
			l.col2im(l.dx[n*l.inSize:(n+1)*l.inSize], dc[(n-n0)*l.xs:], ldp)
		}
	}
}

// dyPiece returns the output gradient from example n0 on, laid out channel
// by channel, and its leading dimension.
func (l *conv[F]) dyPiece(n0 int) ([]F, int) {
	if l.direct {
		return l.dy[n0*l.outSize:], l.hw
	}
	return l.dyp[n0*l.xs:], l.width
}

// weightsPart computes half h of the weight and bias gradient Σₙ δₙcolsₙᵀ
// (or of its transpose), the sum over the batch running along the inner
// dimension of the product, one piece of examples at a time: the half
// unrolls its rows of the piece's im2col matrix and adds their products
// with the piece's output gradient. The halves split the rows at a
// boundary of the kernels' blocks.
func (l *conv[F]) weightsPart(h int) {
	ba := 3 // the kernels' block along the rows of the im2col matrix
	if l.wt {
		ba = 4
	}
	mid := min(l.rp, (l.rp/ba+1)/2*ba)
	a0, a1 := 0, mid
	if h == 1 {
		a0, a1 = mid, l.rp
	}
	if a0 == a1 {
		return
	}
	pc := l.pc[h]
	for n0 := 0; n0 < l.batch; n0 += l.chunk {
		n1 := min(l.batch, n0+l.chunk)
		wd := (n1 - n0) * l.xs
		ldp := padLd[F](wd)
		l.unroll(pc, ldp, n0, n1, a0, a1)
		beta := F(1)
		if n0 == 0 {
			beta = 0
		}
		dyp, ld := l.dyPiece(n0)
		if l.wt {
			gemm.Serial(false, true, a1-a0, l.cp, wd, 1, pc, ldp, dyp, ld, beta, l.acc[a0*l.cp:], l.cp)
		} else {
			gemm.Serial(false, true, l.cp, a1-a0, wd, 1, dyp, ld, pc, ldp, beta, l.acc[a0:], l.rp)
		}
	}
}

// im2col unrolls rows a0 … a1−1 (of the ckk) of one example x (cin×h×w)
// into cols (leading dimension ld, row r at cols[(r−a0)·ld:]): row
// (c·k+ki)·k+kj holds x[c, oy·s+ki−pad, ox·s+kj−pad] for every output
// pixel, zero outside the image.
func (l *conv[F]) im2col(cols []F, ld int, x []F, a0, a1 int) {
	wo := l.wo
	for c := range l.cin {
		img := x[c*l.h*l.w : (c+1)*l.h*l.w]
		for ki := range l.k {
			oy0, oy1 := l.validY(ki)
			for kj := range l.k {
				r := (c*l.k+ki)*l.k + kj
				if r < a0 || r >= a1 {
					continue
				}
				row := cols[(r-a0)*ld:][:l.hw]
				lo, hi := l.validX(kj)
				off := kj - l.pad
				clear(row[:oy0*wo])
				clear(row[oy1*wo:])
				for oy := oy0; oy < oy1; oy++ {
					d := row[oy*wo : (oy+1)*wo]
					src := img[(oy*l.s+ki-l.pad)*l.w:][:l.w]
					// Rows are short (tens of values): plain loops beat the
					// calls behind clear and copy.
					for ox := range d[:lo] {
						d[ox] = 0
					}
					for ox := hi; ox < len(d); ox++ {
						d[ox] = 0
					}
					for ox := lo; ox < hi; ox++ {
						d[ox] = src[ox*l.s+off]
					}
				}
			}
		}
	}
}

// col2im adds the columns (ckk rows of xs values with leading dimension
// ld) back into the input gradient of one example, and sets them to zero;
// it is the transpose of im2col.
func (l *conv[F]) col2im(dx, cols []F, ld int) {
	clear(dx)
	wo := l.wo
	for c := range l.cin {
		img := dx[c*l.h*l.w : (c+1)*l.h*l.w]
		for ki := range l.k {
			oy0, oy1 := l.validY(ki)
			for kj := range l.k {
				row := cols[((c*l.k+ki)*l.k+kj)*ld:][:l.hw]
				lo, hi := l.validX(kj)
				off := kj - l.pad
				for oy := oy0; oy < oy1; oy++ {
					dst := img[(oy*l.s+ki-l.pad)*l.w:][:l.w]
					src := row[oy*wo : (oy+1)*wo]
					for ox := lo; ox < hi; ox++ {
						dst[ox*l.s+off] += src[ox]
					}
				}
				clear(row)
			}
		}
	}
}

// validY returns the range of output rows oy whose input row oy·s+ki−pad
// lies inside the image.
func (l *conv[F]) validY(ki int) (lo, hi int) {
	off := ki - l.pad
	if off < 0 {
		lo = (-off + l.s - 1) / l.s
	}
	if l.h-1-off >= 0 {
		hi = min(l.ho, (l.h-1-off)/l.s+1)
	}
	lo = min(lo, l.ho)
	return lo, max(lo, hi)
}

// validX returns the range of output columns ox whose input column
// ox·s+kj−pad lies inside the image.
func (l *conv[F]) validX(kj int) (lo, hi int) {
	off := kj - l.pad
	lo = 0
	if off < 0 {
		lo = (-off + l.s - 1) / l.s
	}
	hi = 0
	if l.w-1-off >= 0 {
		hi = min(l.wo, (l.w-1-off)/l.s+1)
	}
	lo = min(lo, l.wo)
	return lo, max(lo, hi)
}

// initParams draws W from U(−√(6/fan_in), √(6/fan_in)) with fan_in =
// Cin·K·K and sets the biases to zero.
func (l *conv[F]) initParams(p []F, rnd *rand.Rand) {
	s := math.Sqrt(6 / float64(l.ckk))
	for i := range l.cout * l.ckk {
		p[i] = F(s * (2*rnd.Float64() - 1))
	}
	clear(p[l.cout*l.ckk:])
}
