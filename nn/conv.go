package nn

import (
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/gemm"
)

const (
	opForward = iota
	opBackward
)

// conv implements [Conv2D] with im2col per example: the example's input is
// unrolled into a (Cin·K·K)×(Ho·Wo) matrix and the output is W times it.
// Examples are split between two halves of the batch.
type conv[F Float] struct {
	cin, h, w, cout, k, s, pad, ho, wo int
	ckk, hw, inSize, outSize           int

	x     []F // input of the last forward (not owned)
	cols  []F // batch × ckk × hw, kept for the backward pass
	y, dx []F
	dcols [2][]F // per half: ckk × hw
	g, sq [2][]F // per half: sums over its examples, cout·ckk + cout
	gn    [2][]F // per half: one example's weight gradient, cout × ckk

	run runner
	// the call being run by part
	op    int
	p, dy []F
	batch int
	ps    pass[F]
}

func newConv[F Float](l Conv2D, in, out Shape) *conv[F] {
	c := &conv[F]{cin: in.C, h: in.H, w: in.W, cout: l.Out, k: l.Size, s: l.stride(), pad: l.Pad, ho: out.H, wo: out.W}
	c.ckk = c.cin * c.k * c.k
	c.hw = c.ho * c.wo
	c.inSize = in.Size()
	c.outSize = out.Size()
	c.run = newRunner()
	return c
}

func (l *conv[F]) blocks() []block { return []block{{"W", l.cout * l.ckk}, {"b", l.cout}} }

func (l *conv[F]) reserve(batch int) {
	l.cols = grow(l.cols, batch*l.ckk*l.hw)
	l.y = grow(l.y, batch*l.outSize)
	l.dx = grow(l.dx, batch*l.inSize)
	for h := range 2 {
		l.dcols[h] = grow(l.dcols[h], l.ckk*l.hw)
		l.g[h] = grow(l.g[h], l.cout*l.ckk+l.cout)
		l.sq[h] = grow(l.sq[h], l.cout*l.ckk+l.cout)
		l.gn[h] = grow(l.gn[h], l.cout*l.ckk)
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
	l.run.run(l)
	l.p, l.dy = nil, nil
	nw := l.cout * l.ckk
	if ps.grad != nil {
		g0, g1 := l.g[0][:nw+l.cout], l.g[1][:nw+l.cout]
		for i := range ps.grad {
			ps.grad[i] = ps.scale * (g0[i] + g1[i])
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
	lo, hi := halves(l.batch, h)
	nw := l.cout * l.ckk
	w, b := l.p[:nw], l.p[nw:]
	ckkhw := l.ckk * l.hw
	if l.op == opForward {
		for n := lo; n < hi; n++ {
			cn := l.cols[n*ckkhw : (n+1)*ckkhw]
			l.im2col(cn, l.x[n*l.inSize:(n+1)*l.inSize])
			yn := l.y[n*l.outSize : (n+1)*l.outSize]
			for co, bv := range b {
				row := yn[co*l.hw : (co+1)*l.hw]
				for i := range row {
					row[i] = bv
				}
			}
			gemm.Serial(false, false, l.cout, l.hw, l.ckk, 1, w, l.ckk, cn, l.hw, 1, yn, l.hw)
		}
		return
	}
	ps := l.ps
	g, sq, gn := l.g[h][:nw+l.cout], l.sq[h][:nw+l.cout], l.gn[h][:nw]
	clear(g)
	clear(sq)
	for n := lo; n < hi; n++ {
		dyn := l.dy[n*l.outSize : (n+1)*l.outSize]
		cn := l.cols[n*ckkhw : (n+1)*ckkhw]
		if ps.grad != nil || ps.sq != nil {
			// Example n's own weight gradient, then its square; the sum
			// over examples is formed the same way whether or not the
			// squares are wanted, so the gradient does not depend on it.
			gemm.Serial(false, true, l.cout, l.ckk, l.hw, 1, dyn, l.hw, cn, l.hw, 0, gn, l.ckk)
			for co := range l.cout {
				var s F
				for _, v := range dyn[co*l.hw : (co+1)*l.hw] {
					s += v
				}
				g[nw+co] += s
				sq[nw+co] += s * s
			}
			for i, v := range gn {
				g[i] += v
				sq[i] += v * v
			}
		}
		if ps.needDx {
			dc := l.dcols[h][:ckkhw]
			gemm.Serial(true, false, l.ckk, l.hw, l.cout, 1, w, l.ckk, dyn, l.hw, 0, dc, l.hw)
			l.col2im(l.dx[n*l.inSize:(n+1)*l.inSize], dc)
		}
	}
}

// im2col unrolls one example x (cin×h×w) into cols (ckk×hw): row
// (c·k+ki)·k+kj holds x[c, oy·s+ki−pad, ox·s+kj−pad] for every output pixel,
// zero outside the image.
func (l *conv[F]) im2col(cols, x []F) {
	for c := range l.cin {
		img := x[c*l.h*l.w : (c+1)*l.h*l.w]
		for ki := range l.k {
			for kj := range l.k {
				row := cols[((c*l.k+ki)*l.k+kj)*l.hw:][:l.hw]
				lo, hi := l.validX(kj)
				for oy := range l.ho {
					d := row[oy*l.wo : (oy+1)*l.wo]
					iy := oy*l.s + ki - l.pad
					if iy < 0 || iy >= l.h {
						clear(d)
						continue
					}
					src := img[iy*l.w : (iy+1)*l.w]
					// Rows are short (tens of values): plain loops beat the
					// call behind clear.
					for ox := range d[:lo] {
						d[ox] = 0
					}
					for ox := hi; ox < len(d); ox++ {
						d[ox] = 0
					}
					if l.s == 1 {
						copy(d[lo:hi], src[lo+kj-l.pad:hi+kj-l.pad])
						continue
					}
					for ox := lo; ox < hi; ox++ {
						d[ox] = src[ox*l.s+kj-l.pad]
					}
				}
			}
		}
	}
}

// col2im adds the columns back into the input gradient of one example; it is
// the transpose of im2col.
func (l *conv[F]) col2im(dx, cols []F) {
	clear(dx)
	for c := range l.cin {
		img := dx[c*l.h*l.w : (c+1)*l.h*l.w]
		for ki := range l.k {
			for kj := range l.k {
				row := cols[((c*l.k+ki)*l.k+kj)*l.hw:][:l.hw]
				lo, hi := l.validX(kj)
				for oy := range l.ho {
					iy := oy*l.s + ki - l.pad
					if iy < 0 || iy >= l.h {
						continue
					}
					dst := img[iy*l.w : (iy+1)*l.w]
					src := row[oy*l.wo : (oy+1)*l.wo]
					if l.s == 1 {
						d := dst[lo+kj-l.pad : hi+kj-l.pad]
						for ox, v := range src[lo:hi] {
							d[ox] += v
						}
						continue
					}
					for ox := lo; ox < hi; ox++ {
						dst[ox*l.s+kj-l.pad] += src[ox]
					}
				}
			}
		}
	}
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
