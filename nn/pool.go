package nn

import "math/rand/v2"

// maxPool implements [MaxPool]; examples are split between two halves.
type maxPool[F Float] struct {
	in, outS     Shape
	size, stride int
	x            []F
	y, dx        []F
	idx          []int32 // per output: index of the chosen input within its example
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
	l.op, l.x, l.batch = opForward, x, batch
	l.run.run(l)
	return l.y[:batch*l.outS.Size()]
}

func (l *maxPool[F]) backward(_, dy []F, batch int, ps pass[F]) []F {
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
	ins, outs := l.in.Size(), l.outS.Size()
	if l.op == opBackward {
		for n := lo; n < hi; n++ {
			dx := l.dx[n*ins : (n+1)*ins]
			clear(dx)
			idx := l.idx[n*outs : (n+1)*outs]
			for j, v := range l.dy[n*outs : (n+1)*outs] {
				dx[idx[j]] += v
			}
		}
		return
	}
	hw, ohw := l.in.H*l.in.W, l.outS.H*l.outS.W
	for n := lo; n < hi; n++ {
		x := l.x[n*ins : (n+1)*ins]
		y := l.y[n*outs : (n+1)*outs]
		idx := l.idx[n*outs : (n+1)*outs]
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
					yc[o], ic[o] = best, int32(bi)
				}
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
	}
}

func (l *maxPool[F]) initParams([]F, *rand.Rand) {}
