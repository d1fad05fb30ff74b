//go:build openblas && cgo

package gemm

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "runtime"

func trans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

// blasSplitWork is the least m·n·k of a float32 product that sgemm splits
// between two goroutines when OpenBLAS runs single-threaded, and blasHalfWork
// the least m·n·k of each half. Below blasSplitWork the hand-off costs about
// as much as it saves (measured on the products of a training step with
// BenchmarkBLASSplit); blasHalfWork keeps the halves out of the small-matrix
// kernels OpenBLAS 0.3.21 uses below about 10⁶, which sum in another order.
const (
	blasSplitWork = 1 << 22
	blasHalfWork  = 1 << 20
)

// blas32 hands whole calls to cblas_sgemm. Its tile only rounds split's
// cuts: 8 rows, and 16 columns (64 bytes) so that the second half of B and
// C starts at the same offset within a cache line as the first.
var blas32 = impl[float32]{mr: 8, nr: 16, whole: cblasS}

// sgemm calls cblas_sgemm. When OpenBLAS runs one thread (with more it
// threads the product itself, and its idle workers would spin against a
// helper goroutine), GOMAXPROCS leaves a second core, the call is not serial
// and the product is at least blasSplitWork, C is cut in two along its larger
// dimension by halves and split, and the halves are two single-threaded
// cblas_sgemm calls, one on a helper goroutine. The result is bit-identical
// to one call (TestBLASSplitBits): OpenBLAS blocks k by k alone, and in
// float32 an element's sum does not depend on the row or column it is in.
func sgemm(serial, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if k == 0 || alpha == 0 {
		scale(beta, m, n, c, ldc) // a or b may be empty: no pointer to pass
		return
	}
	x := call[float32]{&blas32, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false}
	if serial || m*n*k < blasSplitWork || runtime.GOMAXPROCS(0) < 2 || threads() != 1 {
		cblasS(&x)
		return
	}
	first, second, ok := split(&blas32, x)
	if !ok || first.m*first.n*k < blasHalfWork || second.m*second.n*k < blasHalfWork {
		cblasS(&x)
		return
	}
	halves(x, setS, true)
}

// dgemm calls cblas_dgemm, never split: in float64 OpenBLAS 0.3.21's
// skylakex kernels sum an element in an order that depends on where its row
// and column fall in the kernel's tiles, so halves differ from the whole
// product in the last bits (measured on most shapes that TestBLASSplitBits
// tries).
func dgemm(_, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if k == 0 || alpha == 0 {
		scale(beta, m, n, c, ldc)
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, trans(transA), trans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), (*C.double)(&a[0]), C.blasint(lda), (*C.double)(&b[0]), C.blasint(ldb),
		C.double(beta), (*C.double)(&c[0]), C.blasint(ldc))
}

// cblasS computes x with one cblas_sgemm call (x.k > 0).
func cblasS(x *call[float32]) {
	C.cblas_sgemm(C.CblasRowMajor, trans(x.tA), trans(x.tB), C.blasint(x.m), C.blasint(x.n), C.blasint(x.k),
		C.float(x.alpha), (*C.float)(&x.a[0]), C.blasint(x.lda), (*C.float)(&x.b[0]), C.blasint(x.ldb),
		C.float(x.beta), (*C.float)(&x.c[0]), C.blasint(x.ldc))
}

// Backend names the implementation in use: "openblas" in this build.
func Backend() string { return "openblas" }

// setThreads sets the number of OpenBLAS threads (for tests).
func setThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// threads returns the number of OpenBLAS threads.
func threads() int { return int(C.openblas_get_num_threads()) }
