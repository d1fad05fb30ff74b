package nn

import (
	"math/rand/v2"
	"unsafe"
)

// maxPool implements [MaxPool]; examples are split between two halves.
type maxPool[F Float] struct {
	in, outS     Shape
	size, stride int
	x            []F
	y, dx        []F
	idx          []int32 // per output: index of the chosen input within its example
	relu         bool    // a ReLU before the pooling is applied here (see fuseReLUPool)
	chained      bool    // the convolution before runs this layer's halves (see chainPool)
	run          runner
	op, batch    int
	dy           []F
}

func (l *maxPool[F]) blocks() []block { return nil }

func (l *maxPool[F]) reserve(batch int) {
	l.y = grow(l.y, batch*l.outS.Size())
	l.idx = grow(l.idx, batch*l.outS.Size())
	l.dx = grow(l.dx, batch*l.in.Size())
}

func (l *maxPool[F]) forward(_, x []F, batch int, _ bool) []F {
	if l.chained {
		// Computed by the convolution's forward pass, from its output x.
		return l.y[:batch*l.outS.Size()]
	}
	l.op, l.x, l.batch = opForward, x, batch
	l.run.run(l)
	return l.y[:batch*l.outS.Size()]
}

func (l *maxPool[F]) backward(_, dy []F, batch int, ps pass[F]) []F {
	if l.chained {
		// The convolution's backward pass computes each half of dx just
		// before it uses it.
		l.op, l.dy, l.batch = opBackward, dy, batch
		return l.dx[:batch*l.in.Size()]
	}
	if !ps.needDx {
		return nil
	}
	l.op, l.dy, l.batch = opBackward, dy, batch
	l.run.run(l)
	l.dy = nil
	return l.dx[:batch*l.in.Size()]
}

func (l *maxPool[F]) part(h int) {
	lo, hi := halves(l.batch, h)
	for n := lo; n < hi; n++ {
		if l.op == opBackward {
			l.backwardExample(n)
		} else {
			l.forwardExample(n)
		}
	}
}

// backwardExample writes example n's input gradient.
func (l *maxPool[F]) backwardExample(n int) {
	ins, outs := l.in.Size(), l.outS.Size()
	dx := l.dx[n*ins : (n+1)*ins]
	idx := l.idx[n*outs : (n+1)*outs]
	dy := l.dy[n*outs : (n+1)*outs]
	if l.pool2ReLUBack(dx, l.in.W, dy, l.y[n*outs:(n+1)*outs], idx) {
		return
	}
	clear(dx)
	if l.relu {
		poolBackReLU(dx, dy, l.y[n*outs:(n+1)*outs], idx)
		return
	}
	for j, v := range dy {
		dx[idx[j]] += v
	}
}

// forwardExample pools example n.
func (l *maxPool[F]) forwardExample(n int) {
	ins, outs := l.in.Size(), l.outS.Size()
	hw, ohw := l.in.H*l.in.W, l.outS.H*l.outS.W
	x := l.x[n*ins : (n+1)*ins]
	y := l.y[n*outs : (n+1)*outs]
	idx := l.idx[n*outs : (n+1)*outs]
	if l.pool2ReLU(y, idx, x) {
		return
	}
	for c := range l.in.C {
		base := c * hw
		yc := y[c*ohw : (c+1)*ohw]
		ic := idx[c*ohw : (c+1)*ohw]
		if l.size == 2 && l.stride == 2 {
			l.pool2(yc, ic, x, base)
			continue
		}
		for oy := range l.outS.H {
			for ox := range l.outS.W {
				i0 := base + oy*l.stride*l.in.W + ox*l.stride
				best, bi := x[i0], i0
				for ki := range l.size {
					row := i0 + ki*l.in.W
					for kj := range l.size {
						if v := x[row+kj]; v > best {
							best, bi = v, row+kj
						}
					}
				}
				o := oy*l.outS.W + ox
				if l.relu {
					best = max(best, 0)
				}
				yc[o], ic[o] = best, int32(bi)
			}
		}
	}
}

// pool2 is the 2×2, stride-2 case for one channel starting at x[base]. The
// index of the maximum is chosen with integer selects rather than branches,
// which a random maximum position would mispredict half the time.
func (l *maxPool[F]) pool2(y []F, idx []int32, x []F, base int) {
	w := l.in.W
	for oy := range l.outS.H {
		r0 := base + 2*oy*w
		top := x[r0 : r0+w]
		bot := x[r0+w : r0+2*w]
		yr := y[oy*l.outS.W : (oy+1)*l.outS.W]
		ir := idx[oy*l.outS.W : (oy+1)*l.outS.W]
		for ox := range yr {
			a, b, c, d := top[2*ox], top[2*ox+1], bot[2*ox], bot[2*ox+1]
			m, k := a, int32(0)
			if b > m {
				k = 1
			}
			m = max(m, b)
			if c > m {
				k = int32(w)
			}
			m = max(m, c)
			if d > m {
				k = int32(w) + 1
			}
			m = max(m, d)
			yr[ox], ir[ox] = m, int32(r0+2*ox)+k
		}
		if l.relu {
			for ox, v := range yr {
				yr[ox] = max(v, 0)
			}
		}
	}
}

// poolIota holds the offsets of the first inputs of eight 2×2 windows.
var poolIota = [8]int32{0, 2, 4, 6, 8, 10, 12, 14}

// pool2ReLU is the 2×2, stride-2 pooling of one example followed by the
// ReLU in float32 by the assembly kernel, with the outputs and indices of
// pool2 (but for NaNs: a window with a NaN gives a NaN, possibly with
// another index). It reports false, doing nothing, when the kernel does
// not apply: no fused ReLU, another window, an odd height, or no kernel.
func (l *maxPool[F]) pool2ReLU(y []F, idx []int32, x []F) bool {
	if !l.relu || l.size != 2 || l.stride != 2 || l.in.H%2 != 0 || pool32 == nil || unsafe.Sizeof(x[0]) != 4 {
		return false
	}
	wo := l.outS.W
	rem := wo % 8
	_ = x[l.in.Size()-1]
	_ = y[l.outS.Size()-1]
	_ = idx[l.outS.Size()-1]
	pool32(l.in.C*l.in.H/2, wo/8, rem, (*float32)(unsafe.Pointer(&x[0])), l.in.W,
		(*float32)(unsafe.Pointer(&y[0])), &idx[0], &poolIota[0], &tileMask[tileCols-2*rem], &tileMask[tileCols-rem])
	return true
}

// kernelBack reports whether pool2ReLUBack applies.
func (l *maxPool[F]) kernelBack() bool {
	var z F
	return l.relu && l.size == 2 && l.stride == 2 && l.in.H%2 == 0 && poolB32 != nil && unsafe.Sizeof(z) == 4
}

// pool2ReLUBack is the gradient of pool2ReLU for one example, by the
// assembly kernel, with the bits of poolBackReLU, into dx with rows of ld ≥
// W values (the values past W are not written). It reports false, doing
// nothing, where pool2ReLU does.
func (l *maxPool[F]) pool2ReLUBack(dx []F, ld int, dy, y []F, idx []int32) bool {
	if !l.kernelBack() {
		return false
	}
	wo := l.outS.W
	rem := wo % 8
	rows := l.in.C * l.in.H
	_ = dx[(rows-1)*ld+l.in.W-1]
	_ = dy[l.outS.Size()-1]
	_ = y[l.outS.Size()-1]
	_ = idx[l.outS.Size()-1]
	if l.in.W%2 != 0 {
		// The last column is in no window.
		for r := range rows {
			dx[r*ld+l.in.W-1] = 0
		}
	}
	poolB32(rows/2, wo/8, rem, (*float32)(unsafe.Pointer(&dx[0])), l.in.W, ld,
		(*float32)(unsafe.Pointer(&dy[0])), (*float32)(unsafe.Pointer(&y[0])), &idx[0], &poolIota[0],
		&tileMask[tileCols-2*rem], &tileMask[tileCols-rem])
	return true
}

// poolBackReLU adds each output gradient dy[j] to dx[idx[j]] where the
// output y[j] = max(·, 0) is positive, and +0 elsewhere: the gradient of a
// ReLU followed by max pooling. The first maximal input of a window whose
// maximum is positive is also the first maximal input after the ReLU, and
// its ReLU derivative is 1, so the sums are those of the two layers. The
// mask is built on the bits, as in reluMask.
func poolBackReLU[F Float](dx, dy, y []F, idx []int32) {
	y = y[:len(dy)]
	idx = idx[:len(dy)]
	if unsafe.Sizeof(dx[0]) == 4 {
		g, a := asBits[uint32](dy), asBits[uint32](y)
		for j, v := range g {
			m := keep32(v, a[j])
			dx[idx[j]] += *(*F)(unsafe.Pointer(&m))
		}
		return
	}
	g, a := asBits[uint64](dy), asBits[uint64](y)
	for j, v := range g {
		m := keep64(v, a[j])
		dx[idx[j]] += *(*F)(unsafe.Pointer(&m))
	}
}

// chainPool lets every direct convolution followed by a max-pooling layer
// (with a fused ReLU between them, or none) run the pooling's halves of
// the batch itself, each right after its own half in the same goroutine:
// the forward pass pools the outputs of half h while they are in this
// core's cache, and the backward pass forms the pooling's input gradient
// of half h just before the convolution uses it. It saves two hand-offs
// between the goroutines per pass; the arithmetic is unchanged.
func chainPool[F Float](layers []layer[F]) {
	for i, l := range layers {
		c, ok := l.(*convDirect[F])
		if !ok {
			continue
		}
		j := i + 1
		if j < len(layers) {
			if r, ok := layers[j].(*relu[F]); ok && r.fused {
				j++
			}
		}
		if j < len(layers) {
			if p, ok := layers[j].(*maxPool[F]); ok {
				c.pool, p.chained = p, true
			}
		}
	}
}

// fuseReLUPool lets every max-pooling layer that directly follows a ReLU
// apply the ReLU itself: max is monotone, so max(max(x₁, …), 0) equals the
// maximum of max(xᵢ, 0), and the pooling touches a quarter (for 2×2
// windows) of the values the ReLU would. The ReLU then passes values and
// gradients through unchanged. Outputs and gradients keep their bits.
func fuseReLUPool[F Float](layers []layer[F]) {
	for i := 1; i < len(layers); i++ {
		r, ok := layers[i-1].(*relu[F])
		p, ok2 := layers[i].(*maxPool[F])
		if ok && ok2 {
			r.fused, p.relu = true, true
		}
	}
}

func (l *maxPool[F]) initParams([]F, *rand.Rand) {}
