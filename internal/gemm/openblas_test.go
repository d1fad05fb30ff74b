//go:build openblas && cgo

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"
)

// TestOpenBLASThreads documents OpenBLAS's determinism on the shapes of a
// training step: with a fixed number of OpenBLAS threads the products are
// bit-identical from call to call and for GOMAXPROCS 1 and 2, but with 1
// and 2 threads some differ in the last bits (OpenBLAS 0.3.21 blocks the
// inner dimension differently), so across thread counts they only agree to
// rounding.
func TestOpenBLASThreads(t *testing.T) {
	defer setThreads(threads())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range append(benchShapes, shape{tB: true, m: 6, n: 25, k: 784}, shape{m: 3, n: 1, k: 500}) {
		s.alpha = 1
		rnd := rand.New(rand.NewPCG(1, 2))
		a, lda, b, ldb, c0, ldc := operands[float32](s, rnd)
		want, bound := naive(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c0, ldc)
		run := func(threads, procs int) []float32 {
			setThreads(threads)
			runtime.GOMAXPROCS(procs)
			c := append([]float32(nil), c0...)
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, ldc)
			return c
		}
		for _, threads := range []int{1, 2} {
			x, y := run(threads, 1), run(threads, 2)
			for i := range x {
				if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
					t.Fatalf("%v, %d threads: c[%d] = %v, then %v", s, threads, i, x[i], y[i])
				}
			}
		}
		x, y := run(1, 2), run(2, 2)
		differ := 0
		tol := 4 * float64(s.k+2) * 0x1p-24
		for i := range x {
			if x[i] != y[i] {
				differ++
			}
			r, c := i/ldc, i%ldc
			if c >= s.n {
				continue
			}
			for _, v := range []float32{x[i], y[i]} {
				if d := math.Abs(float64(v) - want[r*s.n+c]); d > tol*bound[r*s.n+c] {
					t.Fatalf("%v: c[%d] = %v, want %v", s, i, v, want[r*s.n+c])
				}
			}
		}
		if differ > 0 {
			t.Logf("%v: %d of %d values differ between 1 and 2 OpenBLAS threads", s, differ, len(x))
		}
	}
}

// splitShapes are the products that nn.Dense makes (forward X·Wᵀ with β = 1,
// weight gradient and its square δᵀX, input gradient δ·W) for the MLP
// 784-500-300-10 and LeNet-5's dense layers 400-120-84-10, at batches 128,
// 100, 7 and 1, then random shapes and leading dimensions.
func splitShapes(rnd *rand.Rand) []shape {
	var out []shape
	for _, batch := range []int{128, 100, 7, 1} {
		for _, l := range [][2]int{{784, 500}, {500, 300}, {300, 10}, {400, 120}, {120, 84}, {84, 10}} {
			in, o := l[0], l[1]
			out = append(out,
				shape{tB: true, m: batch, n: o, k: in, alpha: 1, beta: 1},
				shape{tA: true, m: o, n: in, k: batch, alpha: 1.0 / float64(batch), beta: 0},
				shape{tA: true, m: o, n: in, k: batch, alpha: 1.0 / float64(batch), beta: 1},
				shape{m: batch, n: in, k: o, alpha: 1, beta: 0})
		}
	}
	for range 400 {
		s := shape{tA: rnd.IntN(2) == 1, tB: rnd.IntN(2) == 1, m: 1 + rnd.IntN(600), n: 1 + rnd.IntN(600), k: 1 + rnd.IntN(900), pad: rnd.IntN(3)}
		s.alpha = []float64{1, 0.5, -1.25}[rnd.IntN(3)]
		s.beta = []float64{0, 1, 0.75}[rnd.IntN(3)]
		out = append(out, s)
	}
	return out
}

// splitDiffers computes s in float32 whole (one OpenBLAS call) and forced
// into the halves that split makes (each one call, the second on a helper)
// and reports whether any bit of C differs, whether split cut it (ok) and
// whether both halves are at least blasHalfWork.
func splitDiffers(s shape, rnd *rand.Rand) (differ, ok, big bool) {
	a, lda, b, ldb, c0, ldc := operands[float32](s, rnd)
	whole := append([]float32(nil), c0...)
	x := call[float32]{&blas32, s.tA, s.tB, s.m, s.n, s.k, float32(s.alpha), a, lda, b, ldb, float32(s.beta), whole, ldc, false}
	cblasS(&x)
	parts := append([]float32(nil), c0...)
	x.c = parts
	f, g, ok := split(&blas32, x)
	halves(x, setS, true)
	big = f.m*f.n*s.k >= blasHalfWork && g.m*g.n*s.k >= blasHalfWork
	return !bitsEqual(whole, parts), ok, big
}

func bitsEqual[F Float](x, y []F) bool {
	for i := range x {
		if unsafe.Sizeof(x[i]) == 4 {
			if math.Float32bits(float32(x[i])) != math.Float32bits(float32(y[i])) {
				return false
			}
		} else if math.Float64bits(float64(x[i])) != math.Float64bits(float64(y[i])) {
			return false
		}
	}
	return true
}

// TestBLASSplitBits checks, with one OpenBLAS thread and GOMAXPROCS 2, that
// Sgemm and Dgemm (which may split) are bit-identical to Serial (which does
// not) on the products of nn.Dense and random shapes, and that in float32
// the halves that split makes are bit-identical to the whole product for
// every shape whose halves are at least blasHalfWork, whatever blasSplitWork
// is. Smaller halves that differ are logged.
func TestBLASSplitBits(t *testing.T) {
	defer setThreads(threads())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	setThreads(1)
	rnd := rand.New(rand.NewPCG(7, 8))
	tried, small := 0, 0
	for _, s := range splitShapes(rnd) {
		if d, ok, big := splitDiffers(s, rnd); ok {
			tried++
			if d && big {
				t.Errorf("%v (m·n·k = %d): halves differ from the whole product", s, s.m*s.n*s.k)
			} else if d {
				small++
				t.Logf("halves below blasHalfWork differ: %v (m·n·k = %d)", s, s.m*s.n*s.k)
			}
		}
		a, lda, b, ldb, c0, ldc := operands[float32](s, rnd)
		x, y := append([]float32(nil), c0...), append([]float32(nil), c0...)
		Sgemm(s.tA, s.tB, s.m, s.n, s.k, float32(s.alpha), a, lda, b, ldb, float32(s.beta), x, ldc)
		Serial(s.tA, s.tB, s.m, s.n, s.k, float32(s.alpha), a, lda, b, ldb, float32(s.beta), y, ldc)
		if !bitsEqual(x, y) {
			t.Errorf("%v: Sgemm differs from Serial", s)
		}
		a64, lda, b64, ldb, d0, ldc := operands[float64](s, rnd)
		x64, y64 := append([]float64(nil), d0...), append([]float64(nil), d0...)
		Dgemm(s.tA, s.tB, s.m, s.n, s.k, s.alpha, a64, lda, b64, ldb, s.beta, x64, ldc)
		Serial(s.tA, s.tB, s.m, s.n, s.k, s.alpha, a64, lda, b64, ldb, s.beta, y64, ldc)
		if !bitsEqual(x64, y64) {
			t.Errorf("%v: Dgemm differs from Serial", s)
		}
	}
	t.Logf("float32: %d shapes split by force, %d of them differ (halves below blasHalfWork)", tried, small)
}

// BenchmarkBLASSplit times the float32 products of a training step (nn.Dense
// at batch 128, MLP and LeNet-5) with one OpenBLAS thread and GOMAXPROCS 2,
// as one call (whole) and as two halves on two goroutines (split), for
// choosing blasSplitWork.
func BenchmarkBLASSplit(b *testing.B) {
	defer setThreads(threads())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	setThreads(1)
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, s := range splitShapes(rnd)[:24] {
		a, lda, bb, ldb, c, ldc := operands[float32](s, rnd)
		x := call[float32]{&blas32, s.tA, s.tB, s.m, s.n, s.k, float32(s.alpha), a, lda, bb, ldb, float32(s.beta), c, ldc, false}
		name := fmt.Sprintf("tA=%v,tB=%v,%dx%dx%d", s.tA, s.tB, s.m, s.n, s.k)
		b.Run(name+"/whole", func(b *testing.B) {
			for b.Loop() {
				cblasS(&x)
			}
		})
		b.Run(name+"/split", func(b *testing.B) {
			for b.Loop() {
				halves(x, setS, true)
			}
		})
	}
}
