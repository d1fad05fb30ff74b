package gemm

import (
	"fmt"
	"runtime"
	"testing"
)

// Benchmarks set GOMAXPROCS themselves (sub-benchmarks procs=1 and procs=2):
// the -cpu flag does not reach sub-benchmarks reliably.

// benchShapes are the products of one training step of a 784-500-300-10 MLP
// at batch 128 (forward X·Wᵀ, weight gradient δᵀX, input gradient δ·W) and of
// LeNet-5's convolutions as im2col products.
var benchShapes = []shape{
	{tB: true, m: 128, n: 500, k: 784},  // forward, layer 1
	{tB: true, m: 128, n: 300, k: 500},  // forward, layer 2
	{tA: true, m: 500, n: 784, k: 128},  // weight gradient, layer 1
	{tA: true, m: 300, n: 500, k: 128},  // weight gradient, layer 2
	{m: 128, n: 500, k: 300},            // input gradient, layer 2
	{m: 128, n: 784, k: 500},            // 128×784×500, plain
	{m: 6, n: 128 * 784, k: 25},         // LeNet conv1 forward
	{m: 16, n: 128 * 100, k: 150},       // LeNet conv2 forward
	{tB: true, m: 16, n: 150, k: 12800}, // LeNet conv2 weight gradient
	{tA: true, m: 150, n: 12800, k: 16}, // LeNet conv2 input gradient
}

func benchGemm[F Float](b *testing.B, s shape, mul func(tA, tB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int)) {
	ar, ac := s.m, s.k
	if s.tA {
		ar, ac = s.k, s.m
	}
	br, bc := s.k, s.n
	if s.tB {
		br, bc = s.n, s.k
	}
	a := make([]F, ar*ac)
	bb := make([]F, br*bc)
	c := make([]F, s.m*s.n)
	for i := range a {
		a[i] = F(i%7) - 3
	}
	for i := range bb {
		bb[i] = F(i%5) - 2
	}
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for b.Loop() {
				mul(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bb, bc, 0, c, s.n)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func benchName(s shape) string {
	t := func(x bool) string {
		if x {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s_%dx%dx%d", t(s.tA), t(s.tB), s.m, s.n, s.k)
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(benchName(s), func(b *testing.B) { benchGemm(b, s, Sgemm) })
	}
}

func BenchmarkDgemm(b *testing.B) {
	for _, s := range benchShapes[:6] {
		b.Run(benchName(s), func(b *testing.B) { benchGemm(b, s, Dgemm) })
	}
}

// BenchmarkSgemmGoKernel is BenchmarkSgemm with the plain-Go micro-kernel.
func BenchmarkSgemmGoKernel(b *testing.B) {
	for _, s := range benchShapes[:6] {
		b.Run(benchName(s), func(b *testing.B) {
			benchGemm(b, s, func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, bb []float32, ldb int, beta float32, c []float32, ldc int) {
				blocked(&goImpl32, call[float32]{nil, tA, tB, m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc, false}, setS, false)
			})
		})
	}
}
