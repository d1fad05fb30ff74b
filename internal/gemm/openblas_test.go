//go:build openblas && cgo

package gemm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
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
