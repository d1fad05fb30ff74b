// Package gemm multiplies dense row-major matrices,
//
//	C ← α·op(A)·op(B) + β·C,  op(X) = X or Xᵀ,
//
// in float32 ([Sgemm]) and float64 ([Dgemm]), with the argument order of the
// BLAS routine of the same name (transA, transB, m, n, k, alpha, a, lda, b,
// ldb, beta, c, ldc) but row-major storage: element (i, j) of a matrix with
// leading dimension ld is at index i*ld + j.
//
// Two implementations exist:
//
//   - The default is written in Go and needs no cgo (it builds with
//     CGO_ENABLED=0). It is the classic blocked algorithm (Goto and van de
//     Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
//     34(3), 2008, doi:10.1145/1356052.1356053): the operands are packed into
//     contiguous panels that fit the caches and a register-blocked
//     micro-kernel multiplies the panels. On amd64 CPUs with AVX2 and FMA the
//     micro-kernel is a small Go-assembly routine (6×16 float32 tiles, 6×8
//     float64 tiles); elsewhere, or when built with -tags purego, it is plain
//     Go (2×4 register blocking, which fits the sixteen floating-point
//     registers of amd64 without spilling, and packing). Two shortcuts
//     serve the thin products of per-example convolution gradients: when
//     few rows of A reuse it, an untransposed B is read in place instead of
//     packed, and A·Bᵀ with a small output (≤ 16 rows or columns) and a long
//     inner dimension is computed as dot products of rows (assembly, 4×3
//     blocks), with no packing at all.
//   - With -tags openblas the calls go to cblas_sgemm and cblas_dgemm of
//     OpenBLAS through cgo (Debian package libopenblas-dev). OpenBLAS takes
//     its thread count from OPENBLAS_NUM_THREADS, not from GOMAXPROCS.
//
// # Determinism
//
// The Go implementation splits the rows or the columns of C between up to
// two goroutines but never the inner dimension k, and the k dimension is
// always cut into the same blocks in the same order; which kernel computes a
// product depends on its shape only, and an element's operations do not
// depend on the register tile it falls in. Every element of C is therefore
// computed by the same sequence of floating-point operations whatever
// GOMAXPROCS is, and results are bit-identical for GOMAXPROCS = 1 and 2 (the
// tests check this). Results differ between the assembly kernels (fused
// multiply-add) and the plain Go kernel in the last bits, and between
// kernels chosen for different shapes.
//
// With -tags openblas results are bit-identical for a fixed
// OPENBLAS_NUM_THREADS, whatever GOMAXPROCS is, but not across thread
// counts: OpenBLAS 0.3.21 sums large products in a different order with 1
// and 2 threads (measured; see TestOpenBLASThreads).
// With one OpenBLAS thread and GOMAXPROCS > 1, a float32 product of at least
// 2²² multiply-adds is split like the Go one (two single-threaded OpenBLAS
// calls on two goroutines), bit-identical to one call (TestBLASSplitBits);
// float64 products are never split, since there OpenBLAS's sums depend on
// where a row falls in its tiles.
//
// # Errors
//
// Dimensions, leading dimensions and slice lengths are a programmer's
// responsibility, as in BLAS: a call that violates them panics with an error
// that wraps [ErrShape] and names the offending argument and its value.
// Matrices must not overlap C.
package gemm
