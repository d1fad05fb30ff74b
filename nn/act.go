package nn

import (
	"math"
	"math/rand/v2"
	"unsafe"
)

// relu implements [ReLU].
type relu[F Float] struct {
	n     int
	y, dx []F
	run   runner
	// fused: the max-pooling layer that follows applies the ReLU (see
	// fuseReLUPool), so this layer passes values and gradients through.
	fused bool
	// The pass in flight for part: forward (x into y) or backward (dy
	// masked into dx), over len elements.
	back  bool
	x, dy []F
}

// reluSplit is the least number of elements worth splitting between the
// two goroutines (LeNet's first ReLU has 602 112 at batch 128).
const reluSplit = 1 << 15

func (l *relu[F]) part(h int) {
	n := len(l.x)
	if l.back {
		n = len(l.dy)
	}
	lo, hi := halves(n, h)
	if l.back {
		reluMask(l.dx[lo:hi], l.dy[lo:hi], l.y[lo:hi])
		return
	}
	reluForward(l.y[lo:hi], l.x[lo:hi])
}

// reluForward writes max(x, 0) to y.
func reluForward[F Float](y, x []F) {
	for i, v := range x[:len(y)] {
		y[i] = max(v, 0)
	}
}

func (l *relu[F]) blocks() []block { return nil }

func (l *relu[F]) reserve(batch int) {
	if l.fused {
		return
	}
	l.y = grow(l.y, batch*l.n)
	l.dx = grow(l.dx, batch*l.n)
}

func (l *relu[F]) forward(_, x []F, batch int, _ bool) []F {
	if l.fused {
		return x[:batch*l.n]
	}
	y := l.y[:batch*l.n]
	if len(y) < reluSplit || l.run.done == nil {
		reluForward(y, x)
		return y
	}
	l.back, l.x = false, x[:len(y)]
	l.run.run(l)
	l.x = nil
	return y
}

func (l *relu[F]) backward(_, dy []F, batch int, ps pass[F]) []F {
	if !ps.needDx {
		return nil
	}
	if l.fused {
		return dy[:batch*l.n]
	}
	dx := l.dx[:batch*l.n]
	if len(dx) < reluSplit || l.run.done == nil {
		reluMask(dx, dy[:len(dx)], l.y[:len(dx)])
		return dx
	}
	l.back, l.dy = true, dy[:len(dx)]
	l.run.run(l)
	l.dy = nil
	return dx
}

// reluMask writes dy where y > 0 and 0 elsewhere, for y = max(x, 0) ≥ 0.
// It works on the bits: y > 0 exactly when its bit pattern is nonzero, and
// the mask is built without a branch (a branch on the sign of random
// activations is mispredicted half the time).
func reluMask[F Float](dx, dy, y []F) {
	if unsafe.Sizeof(dx[0]) == 4 {
		d, g, a := asBits[uint32](dx), asBits[uint32](dy)[:len(dx)], asBits[uint32](y)[:len(dx)]
		for i, v := range g {
			d[i] = keep32(v, a[i])
		}
		return
	}
	d, g, a := asBits[uint64](dx), asBits[uint64](dy)[:len(dx)], asBits[uint64](y)[:len(dx)]
	for i, v := range g {
		d[i] = keep64(v, a[i])
	}
}

// keep32 is g where the float32 bits a are nonzero (a = max(x, 0) > 0) and
// 0 elsewhere, without a branch; keep64 is the same for float64 bits.
func keep32(g, a uint32) uint32 { return g & uint32(int32(-a)>>31) }

func keep64(g, a uint64) uint64 { return g & uint64(int64(-a)>>63) }

// asBits reinterprets x as the bits of its floats, U being the unsigned
// integer of the same size.
func asBits[U uint32 | uint64, F Float](x []F) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

func (l *relu[F]) initParams([]F, *rand.Rand) {}

// tanh implements [Tanh].
type tanh[F Float] struct {
	n     int
	y, dx []F
}

func (l *tanh[F]) blocks() []block { return nil }

func (l *tanh[F]) reserve(batch int) {
	l.y = grow(l.y, batch*l.n)
	l.dx = grow(l.dx, batch*l.n)
}

func (l *tanh[F]) forward(_, x []F, batch int, _ bool) []F {
	y := l.y[:batch*l.n]
	for i, v := range x[:len(y)] {
		y[i] = F(math.Tanh(float64(v)))
	}
	return y
}

func (l *tanh[F]) backward(_, dy []F, batch int, ps pass[F]) []F {
	if !ps.needDx {
		return nil
	}
	dx := l.dx[:batch*l.n]
	y := l.y[:len(dx)]
	for i, v := range dy[:len(dx)] {
		dx[i] = v * (1 - y[i]*y[i])
	}
	return dx
}

func (l *tanh[F]) initParams([]F, *rand.Rand) {}

// flatten implements [Flatten]: the data do not move.
type flatten[F Float] struct{}

func (flatten[F]) blocks() []block                          { return nil }
func (flatten[F]) reserve(int)                              {}
func (flatten[F]) forward(_, x []F, _ int, _ bool) []F      { return x }
func (flatten[F]) initParams([]F, *rand.Rand)               {}
func (flatten[F]) backward(_, dy []F, _ int, _ pass[F]) []F { return dy }
