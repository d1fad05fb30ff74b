package nn

import (
	"math"
	"math/rand/v2"
)

// batchNorm implements [BatchNorm] over channels; an example is c channels
// of hw values.
type batchNorm[F Float] struct {
	c, hw     int
	affine    bool
	mom, eps  float64
	rmean     []F // running averages: views into the network's buffers
	rvar      []F
	mean      []float64 // the statistics of the last forward
	invStd    []float64
	s1, s2    []float64 // per-channel sums
	xhat, y   []F
	dx        []F
	batchStat bool // whether the last forward used batch statistics
}

func (l *batchNorm[F]) blocks() []block {
	if !l.affine {
		return nil
	}
	return []block{{"gamma", l.c}, {"beta", l.c}}
}

func (l *batchNorm[F]) reserve(batch int) {
	l.mean = grow(l.mean, l.c)
	l.invStd = grow(l.invStd, l.c)
	l.s1 = grow(l.s1, l.c)
	l.s2 = grow(l.s2, l.c)
	n := batch * l.c * l.hw
	l.xhat = grow(l.xhat, n)
	l.y = grow(l.y, n)
	l.dx = grow(l.dx, n)
}

func (l *batchNorm[F]) forward(p, x []F, batch int, train bool) []F {
	size := l.c * l.hw
	l.batchStat = train
	if train {
		cnt := float64(batch * l.hw)
		clear(l.s1)
		for n := range batch {
			xn := x[n*size : (n+1)*size]
			for c := range l.c {
				var s float64
				for _, v := range xn[c*l.hw : (c+1)*l.hw] {
					s += float64(v)
				}
				l.s1[c] += s
			}
		}
		for c := range l.c {
			l.mean[c] = l.s1[c] / cnt
		}
		clear(l.s2)
		for n := range batch {
			xn := x[n*size : (n+1)*size]
			for c := range l.c {
				m := l.mean[c]
				var s float64
				for _, v := range xn[c*l.hw : (c+1)*l.hw] {
					d := float64(v) - m
					s += d * d
				}
				l.s2[c] += s
			}
		}
		for c := range l.c {
			v := l.s2[c] / cnt
			l.invStd[c] = 1 / math.Sqrt(v+l.eps)
			unbiased := v
			if cnt > 1 {
				unbiased = l.s2[c] / (cnt - 1)
			}
			l.rmean[c] = F((1-l.mom)*float64(l.rmean[c]) + l.mom*l.mean[c])
			l.rvar[c] = F((1-l.mom)*float64(l.rvar[c]) + l.mom*unbiased)
		}
	} else {
		for c := range l.c {
			l.mean[c] = float64(l.rmean[c])
			l.invStd[c] = 1 / math.Sqrt(float64(l.rvar[c])+l.eps)
		}
	}
	xhat := l.xhat[:batch*size]
	for n := range batch {
		for c := range l.c {
			m, s := l.mean[c], l.invStd[c]
			off := n*size + c*l.hw
			for i, v := range x[off : off+l.hw] {
				xhat[off+i] = F((float64(v) - m) * s)
			}
		}
	}
	if !l.affine {
		return xhat
	}
	gamma, beta := p[:l.c], p[l.c:]
	y := l.y[:batch*size]
	for n := range batch {
		for c := range l.c {
			off := n*size + c*l.hw
			g, b := gamma[c], beta[c]
			for i, v := range xhat[off : off+l.hw] {
				y[off+i] = g*v + b
			}
		}
	}
	return y
}

func (l *batchNorm[F]) backward(p, dy []F, batch int, ps pass[F]) []F {
	size := l.c * l.hw
	xhat := l.xhat[:batch*size]
	if l.affine && (ps.grad != nil || ps.sq != nil) {
		// Per example and channel: Σ_pix dy·x̂ (for γ) and Σ_pix dy (for β).
		if ps.grad != nil {
			clear(l.s1)
			clear(l.s2)
		}
		for n := range batch {
			for c := range l.c {
				off := n*size + c*l.hw
				var sg, sb float64
				for i, v := range dy[off : off+l.hw] {
					sg += float64(v) * float64(xhat[off+i])
					sb += float64(v)
				}
				if ps.grad != nil {
					l.s1[c] += sg
					l.s2[c] += sb
				}
				if ps.sq != nil {
					ps.sq[c] += ps.scale * F(sg*sg)
					ps.sq[l.c+c] += ps.scale * F(sb*sb)
				}
			}
		}
		if ps.grad != nil {
			for c := range l.c {
				ps.grad[c] = ps.scale * F(l.s1[c])
				ps.grad[l.c+c] = ps.scale * F(l.s2[c])
			}
		}
	}
	if !ps.needDx {
		return nil
	}
	dx := l.dx[:batch*size]
	gamma := func(c int) float64 {
		if l.affine {
			return float64(p[c])
		}
		return 1
	}
	if !l.batchStat || ps.frozen {
		for n := range batch {
			for c := range l.c {
				k := gamma(c) * l.invStd[c]
				off := n*size + c*l.hw
				for i, v := range dy[off : off+l.hw] {
					dx[off+i] = F(k * float64(v))
				}
			}
		}
		return dx
	}
	// Through the batch statistics: with d = γ·dy,
	// dx = (d − mean(d) − x̂·mean(d·x̂))/σ, means over batch and pixels.
	clear(l.s1)
	clear(l.s2)
	for n := range batch {
		for c := range l.c {
			off := n*size + c*l.hw
			var s1, s2 float64
			for i, v := range dy[off : off+l.hw] {
				s1 += float64(v)
				s2 += float64(v) * float64(xhat[off+i])
			}
			l.s1[c] += s1
			l.s2[c] += s2
		}
	}
	cnt := float64(batch * l.hw)
	for n := range batch {
		for c := range l.c {
			g := gamma(c)
			m1, m2, s := l.s1[c]/cnt, l.s2[c]/cnt, l.invStd[c]
			off := n*size + c*l.hw
			for i, v := range dy[off : off+l.hw] {
				dx[off+i] = F(g * s * (float64(v) - m1 - float64(xhat[off+i])*m2))
			}
		}
	}
	return dx
}

// initParams sets γ to 1 and β to 0.
func (l *batchNorm[F]) initParams(p []F, _ *rand.Rand) {
	if !l.affine {
		return
	}
	for c := range l.c {
		p[c] = 1
		p[l.c+c] = 0
	}
}
