package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/bayesrule/blr/internal/gemm"
)

// convCases are convolution shapes for the batched-path checks: LeNet-5's
// two layers, strides, paddings, 1×1 kernels, odd sizes, and an inner
// dimension Cin·K·K above gemm's cache block.
var convCases = []struct {
	in   Shape
	conv Conv2D
}{
	{Shape{C: 1, H: 28, W: 28}, Conv2D{Out: 6, Size: 5, Pad: 2}},
	{Shape{C: 6, H: 14, W: 14}, Conv2D{Out: 16, Size: 5}},
	{Shape{C: 2, H: 7, W: 6}, Conv2D{Out: 3, Size: 3, Stride: 2, Pad: 1}},
	{Shape{C: 3, H: 5, W: 8}, Conv2D{Out: 2, Size: 2, Stride: 3, Pad: 2}},
	{Shape{C: 2, H: 4, W: 4}, Conv2D{Out: 2, Size: 1}},
	{Shape{C: 3, H: 9, W: 11}, Conv2D{Out: 5, Size: 3}},
	{Shape{C: 4, H: 6, W: 6}, Conv2D{Out: 7, Size: 3, Pad: 1}},
	{Shape{C: 1, H: 8, W: 5}, Conv2D{Out: 1, Size: 2, Pad: 3}},
	{Shape{C: 17, H: 6, W: 6}, Conv2D{Out: 20, Size: 4}},
	{Shape{C: 2, H: 5, W: 40}, Conv2D{Out: 7, Size: 3, Pad: 1}},
	{Shape{C: 3, H: 6, W: 7}, Conv2D{Out: 8, Size: 3, Pad: 2}},
	{Shape{C: 1, H: 3, W: 4}, Conv2D{Out: 260, Size: 2}},
	{Shape{C: 2, H: 9, W: 17}, Conv2D{Out: 32, Size: 3}},
	{Shape{C: 1, H: 4, W: 18}, Conv2D{Out: 16, Size: 3}},
}

// convRef is the per-example computation the batched layer replaced: for
// each example its own im2col matrix (ckk×hw), the product with W into a
// bias-filled output, the example's weight gradient added to a per-half sum
// (the halves then added), and the input gradient as Wᵀδ then col2im.
type convRef[F Float] struct {
	y, dx, grad, sq []F
}

func refConv[F Float](c Conv2D, in Shape, p, x, dy []F, batch int, scale F) convRef[F] {
	out, err := c.outShape(in, "conv")
	if err != nil {
		panic(err)
	}
	k, s, pad := c.Size, c.stride(), c.Pad
	ckk, hw := in.C*k*k, out.H*out.W
	nw := c.Out * ckk
	w, b := p[:nw], p[nw:]
	r := convRef[F]{
		y: make([]F, batch*out.Size()), dx: make([]F, batch*in.Size()),
		grad: make([]F, nw+c.Out), sq: make([]F, nw+c.Out),
	}
	cols := make([]F, ckk*hw)
	dcols := make([]F, ckk*hw)
	gn := make([]F, nw)
	var g, sq [2][]F
	for h := range 2 {
		g[h], sq[h] = make([]F, nw+c.Out), make([]F, nw+c.Out)
	}
	for n := range batch {
		h := 0
		if n >= batch/2 {
			h = 1
		}
		xn := x[n*in.Size() : (n+1)*in.Size()]
		for ch := range in.C {
			for ki := range k {
				for kj := range k {
					row := cols[((ch*k+ki)*k+kj)*hw:][:hw]
					for oy := range out.H {
						for ox := range out.W {
							iy, ix := oy*s+ki-pad, ox*s+kj-pad
							v := F(0)
							if iy >= 0 && iy < in.H && ix >= 0 && ix < in.W {
								v = xn[(ch*in.H+iy)*in.W+ix]
							}
							row[oy*out.W+ox] = v
						}
					}
				}
			}
		}
		yn := r.y[n*out.Size() : (n+1)*out.Size()]
		for co := range c.Out {
			for i := range hw {
				yn[co*hw+i] = b[co]
			}
		}
		gemm.Serial(false, false, c.Out, hw, ckk, 1, w, ckk, cols, hw, 1, yn, hw)
		dyn := dy[n*out.Size() : (n+1)*out.Size()]
		gemm.Serial(false, true, c.Out, ckk, hw, 1, dyn, hw, cols, hw, 0, gn, ckk)
		for co := range c.Out {
			var t F
			for _, v := range dyn[co*hw : (co+1)*hw] {
				t += v
			}
			g[h][nw+co] += t
			sq[h][nw+co] += t * t
		}
		for i, v := range gn {
			g[h][i] += v
			sq[h][i] += v * v
		}
		gemm.Serial(true, false, ckk, hw, c.Out, 1, w, ckk, dyn, hw, 0, dcols, hw)
		dxn := r.dx[n*in.Size() : (n+1)*in.Size()]
		for ch := range in.C {
			for ki := range k {
				for kj := range k {
					row := dcols[((ch*k+ki)*k+kj)*hw:][:hw]
					for oy := range out.H {
						for ox := range out.W {
							iy, ix := oy*s+ki-pad, ox*s+kj-pad
							if iy >= 0 && iy < in.H && ix >= 0 && ix < in.W {
								dxn[(ch*in.H+iy)*in.W+ix] += row[oy*out.W+ox]
							}
						}
					}
				}
			}
		}
	}
	for i := range r.grad {
		r.grad[i] = scale * (g[0][i] + g[1][i])
		r.sq[i] = scale * (sq[0][i] + sq[1][i])
	}
	return r
}

// runConv runs the layer's forward and backward passes (gradient, squares
// and input gradient) on one batch.
func runConv[F Float](c Conv2D, in Shape, p, x, dy []F, batch int, scale F) convRef[F] {
	out, err := c.outShape(in, "conv")
	if err != nil {
		panic(err)
	}
	l := newConv[F](c, in, out)
	l.reserve(batch)
	r := convRef[F]{grad: make([]F, len(p)), sq: make([]F, len(p))}
	r.y = append([]F(nil), l.forward(p, x, batch, true)...)
	r.dx = append([]F(nil), l.backward(p, dy, batch, pass[F]{grad: r.grad, sq: r.sq, scale: scale, needDx: true})...)
	return r
}

func randSlice[F Float](n int, rnd *rand.Rand) []F {
	s := make([]F, n)
	for i := range s {
		s[i] = F(rnd.NormFloat64())
	}
	return s
}

// closeTo reports whether got is within tol·max(1, |want|) of want,
// elementwise; exact asks for identical values.
func closeTo[F Float](t *testing.T, what string, got, want []F, tol float64, exact bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if exact && g != w || math.Abs(g-w) > tol*max(1, math.Abs(w)) || math.IsNaN(g) {
			t.Fatalf("%s[%d] = %v, per-example computation %v (exact %v)", what, i, g, w, exact)
		}
	}
}

// TestConvBatchedMatchesPerExample checks the batched convolution against
// the per-example computation it replaced. The output and the input
// gradient are summed in the same order and must match exactly (with the
// Go kernels; OpenBLAS may block the two shapes differently); the weight
// and bias gradients and the squared per-example gradients are summed in
// another order and must match to rounding.
func TestConvBatchedMatchesPerExample(t *testing.T) {
	exact := gemm.Backend() != "openblas"
	for _, tc := range convCases {
		for _, batch := range []int{1, 2, 3, 7, 37} {
			name := fmt.Sprintf("%v/%v/batch=%d", tc.in, tc.conv, batch)
			ref := func(p, x, dy []float64) convRef[float64] {
				return refConv(tc.conv, tc.in, p, x, dy, batch, 1/float64(batch))
			}
			t.Run(name+"/float64", func(t *testing.T) {
				compareConv(t, tc.conv, tc.in, batch, 7, exact, func(p, x, dy []float64) convRef[float64] {
					return runConv(tc.conv, tc.in, p, x, dy, batch, 1/float64(batch))
				}, ref)
			})
			t.Run(name+"/float32", func(t *testing.T) {
				compareConv(t, tc.conv, tc.in, batch, 8, exact, func(p, x, dy []float32) convRef[float32] {
					return runConv(tc.conv, tc.in, p, x, dy, batch, 1/float32(batch))
				}, func(p, x, dy []float32) convRef[float32] {
					return refConv(tc.conv, tc.in, p, x, dy, batch, 1/float32(batch))
				})
			})
		}
	}
}

// compareConv draws the parameters, inputs and output gradients of one
// batch (seeded by batch and seed) and compares got with want: the outputs
// and input gradients within 1e-13 (float64) or 1e-5 (float32), bit for bit
// when exact; the weight gradients and squares, summed in another order,
// within 1e-12 or 2e-4 (sums of up to batch·Ho·Wo terms of size ~1).
func compareConv[F Float](t *testing.T, c Conv2D, in Shape, batch int, seed uint64, exact bool, got, want func(p, x, dy []F) convRef[F]) {
	t.Helper()
	out, err := c.outShape(in, "conv")
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(uint64(batch), seed))
	p := randSlice[F](c.Out*in.C*c.Size*c.Size+c.Out, rnd)
	x := randSlice[F](batch*in.Size(), rnd)
	dy := randSlice[F](batch*out.Size(), rnd)
	g, w := got(p, x, dy), want(p, x, dy)
	tight, loose := 1e-13, 1e-12
	if unsafe.Sizeof(p[0]) == 4 {
		tight, loose = 1e-5, 2e-4
	}
	closeTo(t, "y", g.y, w.y, tight, exact)
	closeTo(t, "dx", g.dx, w.dx, tight, exact)
	closeTo(t, "grad", g.grad, w.grad, loose, false)
	closeTo(t, "sq", g.sq, w.sq, loose, false)
}

// TestConvGOMAXPROCS checks that the batched convolution gives the same
// bits with GOMAXPROCS 1 and 2, and when the layer, sized for a larger
// batch, runs a smaller one after it.
func TestConvGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range convCases {
		out, err := tc.conv.outShape(tc.in, "conv")
		if err != nil {
			t.Fatal(err)
		}
		np := tc.conv.Out*tc.in.C*tc.conv.Size*tc.conv.Size + tc.conv.Out
		const batch = 9
		rnd := rand.New(rand.NewPCG(1, 9))
		p := randSlice[float32](np, rnd)
		x := randSlice[float32](batch*tc.in.Size(), rnd)
		dy := randSlice[float32](batch*out.Size(), rnd)
		var res [2]convRef[float32]
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			res[i] = runConv(tc.conv, tc.in, p, x, dy, batch, 1/float32(batch))
		}
		// A layer reserved for 20 examples, run on 20 then on 9.
		l := newConv[float32](tc.conv, tc.in, out)
		l.reserve(20)
		x20 := randSlice[float32](20*tc.in.Size(), rnd)
		dy20 := randSlice[float32](20*out.Size(), rnd)
		l.forward(p, x20, 20, true)
		l.backward(p, dy20, 20, pass[float32]{grad: make([]float32, np), needDx: true, scale: 1})
		again := convRef[float32]{grad: make([]float32, np), sq: make([]float32, np)}
		again.y = append([]float32(nil), l.forward(p, x, batch, true)...)
		again.dx = append([]float32(nil), l.backward(p, dy, batch, pass[float32]{grad: again.grad, sq: again.sq, scale: 1 / float32(batch), needDx: true})...)
		for _, other := range []convRef[float32]{res[1], again} {
			for _, f := range []struct {
				name string
				a, b []float32
			}{{"y", res[0].y, other.y}, {"dx", res[0].dx, other.dx}, {"grad", res[0].grad, other.grad}, {"sq", res[0].sq, other.sq}} {
				for i := range f.a {
					if math.Float32bits(f.a[i]) != math.Float32bits(f.b[i]) {
						t.Fatalf("%v %v: %s[%d] = %v and %v", tc.in, tc.conv, f.name, i, f.a[i], f.b[i])
					}
				}
			}
		}
	}
}
