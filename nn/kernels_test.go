package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/internal/gemm"
)

// TestConvDirectMatchesIm2col checks the direct convolution (stride 1)
// against the im2col one on the stride-1 shapes of convCases: the outputs
// and input gradients are the same sums in the same order and must match
// exactly (but with OpenBLAS, which the im2col layer calls); the weight
// gradients and squares are summed in another order.
func TestConvDirectMatchesIm2col(t *testing.T) {
	exact := gemm.Backend() != "openblas"
	for _, tc := range convCases {
		if tc.conv.stride() != 1 {
			continue
		}
		for _, batch := range []int{1, 5, 40} {
			name := fmt.Sprintf("%v/%v/batch=%d", tc.in, tc.conv, batch)
			t.Run(name+"/float64", func(t *testing.T) { directVsIm2col[float64](t, tc.conv, tc.in, batch, 17, exact) })
			t.Run(name+"/float32", func(t *testing.T) { directVsIm2col[float32](t, tc.conv, tc.in, batch, 18, exact) })
		}
	}
}

// directVsIm2col compares the direct and the im2col layer on one batch
// (compareConv).
func directVsIm2col[F Float](t *testing.T, c Conv2D, in Shape, batch int, seed uint64, exact bool) {
	t.Helper()
	out, err := c.outShape(in, "conv")
	if err != nil {
		t.Fatal(err)
	}
	compareConv(t, c, in, batch, seed, exact, func(p, x, dy []F) convRef[F] {
		return runLayer(newConvDirect[F](c, in, out), p, x, dy, batch)
	}, func(p, x, dy []F) convRef[F] {
		return runLayer(newConvIm2col[F](c, in, out), p, x, dy, batch)
	})
}

// runLayer runs a convolution layer's forward and backward passes
// (gradient, squares and input gradient) on one batch, twice: the second
// run must give the same bits (the layer's scratch is reused).
func runLayer[F Float](l layer[F], p, x, dy []F, batch int) convRef[F] {
	l.reserve(batch)
	var r convRef[F]
	for range 2 {
		r = convRef[F]{grad: make([]F, len(p)), sq: make([]F, len(p))}
		r.y = append([]F(nil), l.forward(p, x, batch, true)...)
		r.dx = append([]F(nil), l.backward(p, dy, batch, pass[F]{grad: r.grad, sq: r.sq, scale: 1 / F(batch), needDx: true})...)
	}
	return r
}

// TestKernelsTiles checks tileKern with several tiles, a partial last tile,
// fewer rows than a tile, both store modes and k above one block against
// the sums written out.
func TestKernelsTiles(t *testing.T) {
	for _, k := range []int{1, 2, 7, 300} {
		for _, nt := range []int{1, 3} {
			for _, valid := range []int{1, 9, 16} {
				for _, rows := range []int{1, 4, 6} {
					testTile[float32](t, k, nt, valid, rows, 1e-5)
					testTile[float64](t, k, nt, valid, rows, 1e-13)
				}
			}
		}
	}
}

func testTile[F Float](t *testing.T, k, nt, valid, rows int, tol float64) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(uint64(k), uint64(nt*100+valid*10+rows)))
	a := randSlice[F](k*tileRows, rnd)
	b := randSlice[F](3*k+nt*tileCols+5, rnd)
	off := make([]int32, k)
	offMax := 0
	for i := range off {
		off[i] = int32(rnd.IntN(3*k + 5))
		offMax = max(offMax, int(off[i]))
	}
	ldc := nt*tileCols + 3
	bias := randSlice[F](tileRows, rnd)
	for _, mode := range []int{tileStore, tileBias, tileAdd} {
		c := randSlice[F](rows*ldc, rnd)
		c0 := append([]F(nil), c...)
		tileKern(k, a, b, off, offMax, c, ldc, bias, mode, nt, valid, rows)
		for r := range rows {
			for j := range ldc {
				want := c0[r*ldc+j]
				if j < (nt-1)*tileCols+valid {
					var s float64
					for tt := range k {
						s += float64(a[tt*tileRows+r]) * float64(b[int(off[tt])+j])
					}
					switch mode {
					case tileStore:
						want = F(s)
					case tileBias:
						want = F(s + float64(bias[r]))
					default:
						want = F(s + float64(c0[r*ldc+j]))
					}
				}
				got := c[r*ldc+j]
				if math.Abs(float64(got-want)) > tol*max(1, math.Sqrt(float64(k))) {
					t.Fatalf("k=%d nt=%d valid=%d rows=%d mode=%d: c[%d,%d] = %v, want %v", k, nt, valid, rows, mode, r, j, got, want)
				}
			}
		}
	}
}

// TestKernelsWdotGather checks wdotKern (both blocks) and gatherKern
// against the sums written out.
func TestKernelsWdotGather(t *testing.T) {
	testWdotGather[float32](t, 1e-5)
	testWdotGather[float64](t, 1e-13)
}

func testWdotGather[F Float](t *testing.T, tol float64) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, blk := range [][2]int{{4, 3}, {6, 2}} {
		rows, cols := blk[0], blk[1]
		const nex, kv, lda, bstr = 3, 5, 45, 77
		astr := rows*lda + 2
		a := randSlice[F](nex*astr, rnd)
		b := randSlice[F](nex*bstr+40, rnd)
		o := []int32{3, 30, 17}
		acc := randSlice[F](rows*cols*lanes, rnd)
		acc0 := append([]F(nil), acc...)
		wdotKern(rows, cols, nex, kv, a, lda, astr, b, o, bstr, acc)
		for r := range rows {
			for q := range cols {
				for l := range lanes {
					i := (r*cols+q)*lanes + l
					s := float64(acc0[i])
					for n := range nex {
						for v := range kv {
							s += float64(a[n*astr+r*lda+v*lanes+l]) * float64(b[n*bstr+int(o[q])+v*lanes+l])
						}
					}
					if math.Abs(float64(acc[i])-s) > tol*10 {
						t.Fatalf("wdot %d×%d: acc[%d] = %v, want %v", rows, cols, i, acc[i], s)
					}
				}
			}
		}
	}
	src := randSlice[F](800, rnd)
	d := []int32{0, 7, 100, 3}
	for _, nv := range []int{1, 7, 8, 19} {
		dst := make([]F, nv*lanes+3)
		gatherKern(nv, dst, src, d)
		for i, got := range dst {
			var want F
			if i < nv*lanes {
				for _, o := range d {
					want += src[int(o)+i]
				}
			}
			if got != want {
				t.Fatalf("gather nv=%d: dst[%d] = %v, want %v", nv, i, got, want)
			}
		}
	}
}

// TestReLUPoolFused checks that a max-pooling layer applying the ReLU before
// it (fuseReLUPool, and the assembly kernel for 2×2 windows in float32)
// gives the bits of the two layers, outputs and input gradients, on values
// with many ties, zeros of both signs and negative windows.
func TestReLUPoolFused(t *testing.T) {
	cases := []struct {
		in   Shape
		pool MaxPool
	}{
		{Shape{C: 6, H: 28, W: 28}, MaxPool{Size: 2}},
		{Shape{C: 16, H: 10, W: 10}, MaxPool{Size: 2}},
		{Shape{C: 2, H: 6, W: 35}, MaxPool{Size: 2}},
		{Shape{C: 3, H: 7, W: 9}, MaxPool{Size: 2}},
		{Shape{C: 2, H: 6, W: 9}, MaxPool{Size: 2}},
		{Shape{C: 2, H: 7, W: 8}, MaxPool{Size: 3, Stride: 2}},
	}
	for _, tc := range cases {
		testReLUPool[float32](t, tc.in, tc.pool)
		testReLUPool[float64](t, tc.in, tc.pool)
	}
}

func testReLUPool[F Float](t *testing.T, in Shape, mp MaxPool) {
	t.Helper()
	out, err := mp.outShape(in, "pool")
	if err != nil {
		t.Fatal(err)
	}
	const batch = 5
	rnd := rand.New(rand.NewPCG(3, uint64(in.W)))
	x := make([]F, batch*in.Size())
	for i := range x {
		switch v := rnd.IntN(9); v {
		case 0:
			x[i] = F(math.Copysign(0, -1))
		default:
			x[i] = F(v-5) * 0.5
		}
	}
	dy := randSlice[F](batch*out.Size(), rnd)
	for i := range dy {
		if rnd.IntN(5) == 0 {
			dy[i] = F(math.Copysign(0, -1))
		}
	}
	var res [2][2][]F
	for i, fused := range []bool{false, true} {
		r := &relu[F]{n: in.Size(), run: newRunner()}
		p := &maxPool[F]{in: in, outS: out, size: mp.Size, stride: mp.stride(), run: newRunner()}
		if fused {
			fuseReLUPool([]layer[F]{r, p})
		}
		r.reserve(batch)
		p.reserve(batch)
		y := p.forward(nil, r.forward(nil, x, batch, true), batch, true)
		dx := r.backward(nil, p.backward(nil, dy, batch, pass[F]{needDx: true}), batch, pass[F]{needDx: true})
		res[i] = [2][]F{append([]F(nil), y...), append([]F(nil), dx...)}
	}
	for k, what := range []string{"y", "dx"} {
		a, b := res[0][k], res[1][k]
		for i := range a {
			if a[i] != b[i] || math.Signbit(float64(a[i])) != math.Signbit(float64(b[i])) {
				t.Fatalf("%v %v: %s[%d] = %v unfused, %v fused", in, mp, what, i, a[i], b[i])
			}
		}
	}
}

// TestLeNetFusedBits checks that LeNet-5 with its ReLUs fused into the
// poolings and the poolings chained to the convolutions (fuseReLUPool,
// chainPool) gives the bits of the same network run layer by layer: loss,
// gradient and empirical Fisher, in float32 and float64.
func TestLeNetFusedBits(t *testing.T) {
	testLeNetFused[float32](t)
	testLeNetFused[float64](t)
}

func testLeNetFused[F Float](t *testing.T) {
	var res [2][2][]F
	var loss [2]float64
	for i, plain := range []bool{false, true} {
		n, err := LeNet5[F]()
		if err != nil {
			t.Fatal(err)
		}
		if plain {
			unfuse(n)
		}
		rnd := rand.New(rand.NewPCG(7, 8))
		params := make([]F, n.NumParams())
		if err := n.Init(params, rnd); err != nil {
			t.Fatal(err)
		}
		b := randomBatch(n, 37, rnd)
		res[i] = [2][]F{make([]F, len(params)), make([]F, len(params))}
		if loss[i], err = n.EmpiricalFisherDiag(res[i][0], res[i][1], params, b); err != nil {
			t.Fatal(err)
		}
	}
	if loss[0] != loss[1] {
		t.Fatalf("loss %v fused, %v plain", loss[0], loss[1])
	}
	for j, what := range []string{"Fisher", "gradient"} {
		for k := range res[0][j] {
			if res[0][j][k] != res[1][j][k] {
				t.Fatalf("%s[%d] = %v fused, %v plain", what, k, res[0][j][k], res[1][j][k])
			}
		}
	}
}

// TestKernelsTileT checks tileTKern, both kernels (up to five and six
// pixels) and every store mode, against the sums written out.
func TestKernelsTileT(t *testing.T) {
	for _, k := range []int{1, 3, 150, 1600} {
		for rows := 1; rows <= tileRows; rows++ {
			testTileT[float32](t, k, rows, 1e-5)
			testTileT[float64](t, k, rows, 1e-13)
		}
	}
}

func testTileT[F Float](t *testing.T, k, rows int, tol float64) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(uint64(k), uint64(rows)))
	a := randSlice[F](k*tileCols, rnd)
	b := randSlice[F](2*k+20, rnd)
	off := make([]int32, k)
	offMax := 0
	for i := range off {
		off[i] = int32(rnd.IntN(2*k + 10))
		offMax = max(offMax, int(off[i]))
	}
	const ldc = 9
	bias := randSlice[F](tileCols, rnd)
	tmp := make([]F, tileRows*tileCols)
	for _, mode := range []int{tileStore, tileBias, tileAdd} {
		c := randSlice[F](tileCols*ldc, rnd)
		c0 := append([]F(nil), c...)
		tileTKern(k, a, b, off, offMax, c, ldc, bias, mode, tmp, rows)
		for j := range tileCols {
			for r := range ldc {
				want := c0[j*ldc+r]
				if r < rows {
					var s float64
					for tt := range k {
						s += float64(a[tt*tileCols+j]) * float64(b[int(off[tt])+r])
					}
					switch mode {
					case tileStore:
						want = F(s)
					case tileBias:
						want = F(s + float64(bias[j]))
					default:
						want = F(s + float64(c0[j*ldc+r]))
					}
				}
				if got := c[j*ldc+r]; math.Abs(float64(got-want)) > tol*max(1, math.Sqrt(float64(k))) {
					t.Fatalf("k=%d rows=%d mode=%d: c[%d,%d] = %v, want %v", k, rows, mode, j, r, got, want)
				}
			}
		}
	}
}

// TestConvDirectRandomShapes checks the direct convolution against the
// im2col one on random stride-1 shapes (channels, image sizes, kernel
// sizes, padding and output channels that are not multiples of the tiles),
// float64: outputs and input gradients within 1e-13, weight gradients and
// squares within 1e-12. The first shape is the one whose panel of W once
// ran past the packed buffer (15 channels: 3 panels of 6 need 18 rows).
func TestConvDirectRandomShapes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	n := 300
	if testing.Short() {
		n = 60
	}
	for i := range n {
		in, conv := Shape{C: 3, H: 5, W: 11}, Conv2D{Out: 15, Size: 3}
		if i > 0 {
			in = Shape{C: 1 + rnd.IntN(4), H: 1 + rnd.IntN(14), W: 1 + rnd.IntN(14)}
			conv = Conv2D{Out: 1 + rnd.IntN(40), Size: 1 + rnd.IntN(5), Pad: rnd.IntN(3)}
		}
		if _, err := conv.outShape(in, "conv"); err != nil {
			continue // the kernel does not fit
		}
		batch := 1 + rnd.IntN(6)
		t.Run(fmt.Sprintf("%v/%v/batch=%d", in, conv, batch), func(t *testing.T) {
			directVsIm2col[float64](t, conv, in, batch, uint64(i), false)
		})
	}
}
