package gemm

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/bayesrule/blr/internal/vec"
)

// ErrShape is wrapped by the panic value of every call whose dimensions,
// leading dimensions or slice lengths are inconsistent.
var ErrShape = errors.New("gemm: inconsistent dimensions")

// Float is the set of element types [Gemm] accepts.
type Float interface{ ~float32 | ~float64 }

// Sgemm computes C ← α·op(A)·op(B) + β·C in float32, where op(A) is m×k,
// op(B) is k×n and C is m×n, all row-major. op(A) is A when transA is false
// (A stored m×k, lda ≥ k) and Aᵀ when it is true (A stored k×m, lda ≥ m);
// likewise for B (stored k×n with ldb ≥ n, or n×k with ldb ≥ k). C is stored
// with ldc ≥ n. When β is zero C is not read (NaNs in C do not propagate).
// It panics with an error wrapping [ErrShape] when the arguments are
// inconsistent.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	check(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemm(false, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm is [Sgemm] in float64.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	check(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	dgemm(false, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemm is [Sgemm] or [Dgemm], chosen by the size of F.
func Gemm[F Float](transA, transB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	if unsafe.Sizeof(alpha) == 4 {
		Sgemm(transA, transB, m, n, k, float32(alpha), vec.As32(a), lda, vec.As32(b), ldb, float32(beta), vec.As32(c), ldc)
		return
	}
	Dgemm(transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
}

// Serial is [Gemm] computed on the calling goroutine only, for callers that
// already run products in parallel (for example one per example of a batch).
// Its results are bit-identical to those of [Gemm].
func Serial[F Float](transA, transB bool, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	check(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		sgemm(true, transA, transB, m, n, k, float32(alpha), vec.As32(a), lda, vec.As32(b), ldb, float32(beta), vec.As32(c), ldc)
		return
	}
	dgemm(true, transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
}

// as64 reinterprets a slice of an 8-byte float type as []float64.
func as64[F Float](x []F) []float64 {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// check panics unless the arguments describe valid row-major operands.
func check(transA, transB bool, m, n, k, na, lda, nb, ldb, nc, ldc int) {
	if m < 0 {
		shapePanic("m", m, "must be ≥ 0")
	}
	if n < 0 {
		shapePanic("n", n, "must be ≥ 0")
	}
	if k < 0 {
		shapePanic("k", k, "must be ≥ 0")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMat("a", "lda", ar, ac, na, lda)
	checkMat("b", "ldb", br, bc, nb, ldb)
	checkMat("c", "ldc", m, n, nc, ldc)
}

// checkMat checks one rows×cols operand stored with leading dimension ld in a
// slice of length length.
func checkMat(name, ldName string, rows, cols, length, ld int) {
	if ld < max(1, cols) {
		shapePanic(ldName, ld, fmt.Sprintf("must be ≥ max(1, %d)", cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; length < need {
		shapePanic("len("+name+")", length, fmt.Sprintf("must be ≥ %d for a %d×%d matrix with leading dimension %d", need, rows, cols, ld))
	}
}

func shapePanic(field string, value int, reason string) {
	panic(fmt.Errorf("%w: %s = %d %s", ErrShape, field, value, reason))
}
