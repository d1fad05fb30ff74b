package nn

import "math/rand/v2"

// dropout implements [Dropout].
type dropout[F Float] struct {
	n        int
	p        float64
	inverted bool
	rnd      **rand.Rand // the network's generator
	fixed    []F         // mask set by SetDropoutMask (0/1), or nil
	mask     []F         // the multipliers of the last training forward
	y, dx    []F
	train    bool
}

func (l *dropout[F]) blocks() []block { return nil }

func (l *dropout[F]) reserve(batch int) {
	l.mask = grow(l.mask, batch*l.n)
	l.y = grow(l.y, batch*l.n)
	l.dx = grow(l.dx, batch*l.n)
}

// keepScale is the multiplier of a kept unit in training mode.
func (l *dropout[F]) keepScale() F {
	if l.inverted {
		return F(1 / (1 - l.p))
	}
	return 1
}

// evalScale is the multiplier of every unit in evaluation mode.
func (l *dropout[F]) evalScale() F {
	if l.inverted {
		return 1
	}
	return F(1 - l.p)
}

func (l *dropout[F]) forward(_, x []F, batch int, train bool) []F {
	l.train = train
	y := l.y[:batch*l.n]
	x = x[:len(y)]
	if !train {
		s := l.evalScale()
		for i, v := range x {
			y[i] = s * v
		}
		return y
	}
	mask := l.mask[:len(y)]
	keep := l.keepScale()
	switch {
	case l.fixed != nil:
		for i, z := range l.fixed[:len(y)] {
			mask[i] = z * keep
		}
	case l.p == 0:
		for i := range mask {
			mask[i] = keep
		}
	default:
		// A unit is kept when a uniform 53-bit integer falls below
		// (1−p)·2⁵³.
		thr := uint64((1 - l.p) * (1 << 53))
		r := *l.rnd
		for i := range mask {
			if r.Uint64()>>11 < thr {
				mask[i] = keep
			} else {
				mask[i] = 0
			}
		}
	}
	for i, v := range x {
		y[i] = v * mask[i]
	}
	return y
}

func (l *dropout[F]) backward(_, dy []F, batch int, ps pass[F]) []F {
	if !ps.needDx {
		return nil
	}
	dx := l.dx[:batch*l.n]
	dy = dy[:len(dx)]
	if !l.train {
		s := l.evalScale()
		for i, v := range dy {
			dx[i] = s * v
		}
		return dx
	}
	mask := l.mask[:len(dx)]
	for i, v := range dy {
		dx[i] = v * mask[i]
	}
	return dx
}

func (l *dropout[F]) initParams([]F, *rand.Rand) {}
