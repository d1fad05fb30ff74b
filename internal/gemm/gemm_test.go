package gemm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// naive is the textbook triple loop in float64 with, alongside, the sum of
// absolute values of the terms, which bounds the rounding error of any
// summation order.
func naive[F Float](tA, tB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) (want, bound []float64) {
	want = make([]float64, m*n)
	bound = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, abs float64
			for p := range k {
				var av, bv F
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			cij := 0.0
			if beta != 0 {
				cij = float64(beta) * float64(c[i*ldc+j])
			}
			want[i*n+j] = float64(alpha)*s + cij
			bound[i*n+j] = math.Abs(float64(alpha))*abs + math.Abs(cij)
		}
	}
	return want, bound
}

type shape struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float64
	pad         int // extra columns in every leading dimension
}

// shapes covers the edges of the register tiles (4, 6, 8, 16), of the cache
// blocks (kc = 256, mc = 48…128), both transposes, and α, β special values.
func shapes() []shape {
	var out []shape
	dims := [][3]int{
		{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 4, 0}, {0, 5, 5}, {6, 16, 1},
		{6, 16, 17}, {7, 17, 5}, {12, 32, 4}, {13, 33, 63}, {4, 4, 4}, {5, 3, 2},
		{97, 49, 257}, {128, 10, 300}, {50, 129, 130}, {200, 3, 513}, {3, 300, 40},
		{130, 70, 1}, {25, 6, 784},
	}
	ab := [][2]float64{{1, 0}, {0.5, 1}, {-2, 0.25}, {0, 3}}
	for i, d := range dims {
		for t := range 4 {
			s := ab[(i+t)%len(ab)]
			out = append(out, shape{tA: t&1 != 0, tB: t&2 != 0, m: d[0], n: d[1], k: d[2], alpha: s[0], beta: s[1], pad: (i + t) % 3})
		}
	}
	return out
}

func (s shape) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,α=%g,β=%g,pad=%d", s.tA, s.tB, s.m, s.n, s.k, s.alpha, s.beta, s.pad)
}

// operands returns random A, B, C for s with their leading dimensions.
func operands[F Float](s shape, rnd *rand.Rand) (a []F, lda int, b []F, ldb int, c []F, ldc int) {
	ar, ac := s.m, s.k
	if s.tA {
		ar, ac = s.k, s.m
	}
	br, bc := s.k, s.n
	if s.tB {
		br, bc = s.n, s.k
	}
	lda, ldb, ldc = max(ac, 1)+s.pad, max(bc, 1)+s.pad, max(s.n, 1)+s.pad
	fill := func(r, ld int) []F {
		x := make([]F, r*ld)
		for i := range x {
			x[i] = F(rnd.NormFloat64())
		}
		return x
	}
	return fill(ar, lda), lda, fill(br, ldb), ldb, fill(s.m, ldc), ldc
}

// checkAgainstNaive runs mul on s and compares with the triple loop within
// 4·(k+2)·ε times the bound on the terms; padding columns of C must be left
// untouched.
func checkAgainstNaive[F Float](t *testing.T, s shape, eps float64, mul func(tA, tB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int)) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(uint64(s.m*1000+s.n), uint64(s.k)))
	a, lda, b, ldb, c, ldc := operands[F](s, rnd)
	want, bound := naive(s.tA, s.tB, s.m, s.n, s.k, F(s.alpha), a, lda, b, ldb, F(s.beta), c, ldc)
	orig := append([]F(nil), c...)
	mul(s.tA, s.tB, s.m, s.n, s.k, F(s.alpha), a, lda, b, ldb, F(s.beta), c, ldc)
	tol := 4 * float64(s.k+2) * eps
	for i := range s.m {
		for j := range ldc {
			got := float64(c[i*ldc+j])
			if j >= s.n {
				if c[i*ldc+j] != orig[i*ldc+j] {
					t.Fatalf("%v: padding C[%d,%d] changed from %v to %v", s, i, j, orig[i*ldc+j], got)
				}
				continue
			}
			w := want[i*s.n+j]
			if d := math.Abs(got - w); d > tol*bound[i*s.n+j]+1e-300 {
				t.Fatalf("%v: C[%d,%d] = %v, want %v (|Δ| = %g > %g)", s, i, j, got, w, d, tol*bound[i*s.n+j])
			}
		}
	}
}

func TestSgemm(t *testing.T) {
	for _, s := range shapes() {
		t.Run(s.String(), func(t *testing.T) { checkAgainstNaive(t, s, 0x1p-24, Sgemm) })
	}
}

func TestDgemm(t *testing.T) {
	for _, s := range shapes() {
		t.Run(s.String(), func(t *testing.T) { checkAgainstNaive(t, s, 0x1p-53, Dgemm) })
	}
}

// TestGemmGeneric checks the generic entry points, on named float types too.
func TestGemmGeneric(t *testing.T) {
	type f32 float32
	type f64 float64
	for _, s := range shapes() {
		checkAgainstNaive(t, s, 0x1p-24, Gemm[f32])
		checkAgainstNaive(t, s, 0x1p-53, Gemm[f64])
		checkAgainstNaive(t, s, 0x1p-24, Serial[f32])
		checkAgainstNaive(t, s, 0x1p-53, Serial[float64])
	}
}

// TestSerialMatchesGemm checks that Serial and Gemm give the same bits on a
// product that Gemm splits.
func TestSerialMatchesGemm(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, s := range []shape{{m: 128, n: 300, k: 500, alpha: 1}, {tB: true, m: 6, n: 5000, k: 301, alpha: 1}} {
		rnd := rand.New(rand.NewPCG(3, 4))
		a, lda, b, ldb, c0, ldc := operands[float32](s, rnd)
		c1, c2 := append([]float32(nil), c0...), append([]float32(nil), c0...)
		Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c1, ldc)
		Serial(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c2, ldc)
		for i := range c1 {
			if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
				t.Fatalf("%v: Gemm c[%d] = %v, Serial %v", s, i, c1[i], c2[i])
			}
		}
	}
}

// TestKernels runs every compiled-in blocked implementation, the plain-Go
// one included, whichever one the build uses for Sgemm and Dgemm.
func TestKernels(t *testing.T) {
	impls32 := map[string]*impl[float32]{"go": &goImpl32, "default": &s32}
	impls64 := map[string]*impl[float64]{"go": &goImpl64, "default": &d64}
	for name, im := range impls32 {
		for _, s := range shapes() {
			checkAgainstNaive(t, s, 0x1p-24, func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
				if m == 0 || n == 0 {
					return
				}
				blocked(im, call[float32]{nil, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false}, setS, false)
			})
		}
		_ = name
	}
	for name, im := range impls64 {
		for _, s := range shapes() {
			checkAgainstNaive(t, s, 0x1p-53, func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
				if m == 0 || n == 0 {
					return
				}
				blocked(im, call[float64]{nil, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false}, setD, false)
			})
		}
		_ = name
	}
}

// TestBetaZeroIgnoresC checks that β = 0 overwrites NaNs in C.
func TestBetaZeroIgnoresC(t *testing.T) {
	for _, k := range []int{0, 3, 300} {
		a := make([]float32, 9*max(k, 1))
		b := make([]float32, max(k, 1)*20)
		for i := range a {
			a[i] = 1
		}
		for i := range b {
			b[i] = 2
		}
		c := make([]float32, 9*20)
		for i := range c {
			c[i] = float32(math.NaN())
		}
		Sgemm(false, false, 9, 20, k, 1, a, max(k, 1), b, 20, 0, c, 20)
		for i, v := range c {
			if v != float32(2*k) {
				t.Fatalf("k=%d: c[%d] = %v, want %v", k, i, v, 2*k)
			}
		}
	}
}

// TestDeterministicAcrossGOMAXPROCS checks bit-identical results for
// GOMAXPROCS 1 and 2 on shapes large enough to be split.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range []shape{
		{m: 128, n: 500, k: 784, alpha: 1}, {tA: true, m: 300, n: 784, k: 128, alpha: 0.5, beta: 1},
		{tB: true, m: 131, n: 37, k: 600, alpha: 1}, {m: 6, n: 12800, k: 150, alpha: 1},
		{tB: true, m: 6, n: 5000, k: 301, alpha: 1, beta: 0.5}, // dot-product kernels, split
	} {
		rnd := rand.New(rand.NewPCG(1, 2))
		a, lda, b, ldb, c0, ldc := operands[float32](s, rnd)
		var out [2][]float32
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			c := append([]float32(nil), c0...)
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, float32(s.alpha), a, lda, b, ldb, float32(s.beta), c, ldc)
			out[i] = c
		}
		for i := range out[0] {
			if math.Float32bits(out[0][i]) != math.Float32bits(out[1][i]) {
				t.Fatalf("%v: c[%d] = %v with GOMAXPROCS=1, %v with 2", s, i, out[0][i], out[1][i])
			}
		}
	}
}

func TestShapePanics(t *testing.T) {
	a := make([]float32, 12)
	tests := []struct {
		name                         string
		tA, tB                       bool
		m, n, k, lda, ldb, ldc, lenC int
	}{
		{name: "negative m", m: -1, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, lenC: 4},
		{name: "negative n", m: 2, n: -1, k: 2, lda: 2, ldb: 2, ldc: 2, lenC: 4},
		{name: "negative k", m: 2, n: 2, k: -1, lda: 2, ldb: 2, ldc: 2, lenC: 4},
		{name: "lda < k", m: 2, n: 2, k: 3, lda: 2, ldb: 2, ldc: 2, lenC: 4},
		{name: "lda < m transposed", tA: true, m: 3, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, lenC: 6},
		{name: "ldb < k transposed", tB: true, m: 2, n: 2, k: 3, lda: 3, ldb: 2, ldc: 2, lenC: 4},
		{name: "ldc < n", m: 2, n: 3, k: 2, lda: 2, ldb: 3, ldc: 2, lenC: 6},
		{name: "short c", m: 2, n: 2, k: 2, lda: 2, ldb: 2, ldc: 2, lenC: 3},
		{name: "short a", m: 5, n: 2, k: 3, lda: 3, ldb: 2, ldc: 2, lenC: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !errors.Is(err, ErrShape) {
					t.Fatalf("recovered %v, want an error wrapping ErrShape", r)
				}
			}()
			Sgemm(tt.tA, tt.tB, tt.m, tt.n, tt.k, 1, a, tt.lda, a, tt.ldb, 0, make([]float32, tt.lenC), tt.ldc)
		})
	}
}

// TestZeroAllocs checks that a warm product allocates nothing.
func TestZeroAllocs(t *testing.T) {
	a := make([]float32, 128*784)
	b := make([]float32, 784*500)
	c := make([]float32, 128*500)
	f := func() { Sgemm(false, true, 128, 500, 784, 1, a, 784, b, 784, 0, c, 500) }
	// Warm at GOMAXPROCS 1, as AllocsPerRun measures: warmed with two
	// goroutines, the workers' buffers would be sized for halves, and each
	// would grow once on the whole product.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	if n := testing.AllocsPerRun(5, f); n != 0 {
		t.Errorf("Sgemm allocates %v times per call, want 0", n)
	}
}
