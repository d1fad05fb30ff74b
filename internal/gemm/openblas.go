//go:build openblas && cgo

package gemm

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

func trans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

// sgemm calls cblas_sgemm. The serial flag is ignored: OpenBLAS chooses its
// threads from OPENBLAS_NUM_THREADS.
func sgemm(_, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if k == 0 || alpha == 0 {
		scale(beta, m, n, c, ldc) // a or b may be empty: no pointer to pass
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, trans(transA), trans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(&a[0]), C.blasint(lda), (*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}

// dgemm calls cblas_dgemm; see sgemm.
func dgemm(_, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if k == 0 || alpha == 0 {
		scale(beta, m, n, c, ldc)
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, trans(transA), trans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), (*C.double)(&a[0]), C.blasint(lda), (*C.double)(&b[0]), C.blasint(ldb),
		C.double(beta), (*C.double)(&c[0]), C.blasint(ldc))
}

// Backend names the implementation in use: "openblas" in this build.
func Backend() string { return "openblas" }

// setThreads sets the number of OpenBLAS threads (for tests).
func setThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// threads returns the number of OpenBLAS threads.
func threads() int { return int(C.openblas_get_num_threads()) }
