//go:build !openblas || !cgo

package gemm

func sgemm(serial, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	blocked(&s32, call[float32]{nil, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false}, setS, serial)
}

func dgemm(serial, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	blocked(&d64, call[float64]{nil, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false}, setD, serial)
}

// Backend names the implementation in use: "go-avx2" (Go with the assembly
// micro-kernels), "go" (plain Go) or "openblas".
func Backend() string {
	if s32.mr != goMR { // the only assembly kernels are for AVX2
		return "go-avx2"
	}
	return "go"
}
