//go:build amd64 && !purego && !(openblas && cgo)

package gemm

import "github.com/bayesrule/blr/internal/vec"

// The assembly micro-kernels (kernel_amd64.s) need AVX2 and FMA; without
// them the plain-Go kernels run.
var (
	s32 = goImpl32
	d64 = goImpl64
)

// hasAVX2FMA reports whether the CPU and the operating system support AVX2
// and FMA (CPUID leaves 1 and 7, and the YMM state enabled in XCR0).
var hasAVX2FMA = vec.HasAVX2FMA()

func init() {
	if hasAVX2FMA {
		s32 = impl[float32]{mr: 6, nr: 16, kc: 256, mc: 96, nc: 4096, kern: kernAVX32,
			dot: &dotImpl[float32]{lanes: 8, k4x3: dotAVX32, k1: dot1AVX32}}
		d64 = impl[float64]{mr: 6, nr: 8, kc: 256, mc: 48, nc: 2048, kern: kernAVX64,
			dot: &dotImpl[float64]{lanes: 4, k4x3: dotAVX64, k1: dot1AVX64}}
	}
}

// kernAVX32 is the 6×16 float32 micro-kernel.
func kernAVX32(kc int, a, b []float32, ldb int, c []float32, ldc int) {
	_ = a[6*kc-1]
	_ = b[(kc-1)*ldb+15]
	_ = c[5*ldc+15]
	if ldb == 16 {
		sgemmKernel6x16(kc, &a[0], &b[0], &c[0], ldc)
		return
	}
	sgemmKernel6x16B(kc, &a[0], &b[0], ldb, &c[0], ldc)
}

// kernAVX64 is the 6×8 float64 micro-kernel.
func kernAVX64(kc int, a, b []float64, ldb int, c []float64, ldc int) {
	_ = a[6*kc-1]
	_ = b[(kc-1)*ldb+7]
	_ = c[5*ldc+7]
	if ldb == 8 {
		dgemmKernel6x8(kc, &a[0], &b[0], &c[0], ldc)
		return
	}
	dgemmKernel6x8B(kc, &a[0], &b[0], ldb, &c[0], ldc)
}

func dotAVX32(kv int, a []float32, lda int, b []float32, ldb int, c []float32) {
	_ = c[11]
	_ = a[3*lda+8*kv-1]
	_ = b[2*ldb+8*kv-1]
	sdot4x3(kv, &a[0], lda, &b[0], ldb, &c[0])
}

func dot1AVX32(kv int, a, b []float32) float32 {
	_ = a[8*kv-1]
	_ = b[8*kv-1]
	var s float32
	sdot1(kv, &a[0], &b[0], &s)
	return s
}

func dotAVX64(kv int, a []float64, lda int, b []float64, ldb int, c []float64) {
	_ = c[11]
	_ = a[3*lda+4*kv-1]
	_ = b[2*ldb+4*kv-1]
	ddot4x3(kv, &a[0], lda, &b[0], ldb, &c[0])
}

func dot1AVX64(kv int, a, b []float64) float64 {
	_ = a[4*kv-1]
	_ = b[4*kv-1]
	var s float64
	ddot1(kv, &a[0], &b[0], &s)
	return s
}

// sdot4x3 writes the 4×3 dot products of rows of a and b over 8·k8 values.
//
//go:noescape
func sdot4x3(k8 int, a *float32, lda int, b *float32, ldb int, c *float32)

// sdot1 writes one dot product over 8·k8 values.
//
//go:noescape
func sdot1(k8 int, a, b *float32, c *float32)

// ddot4x3 writes the 4×3 dot products of rows of a and b over 4·k4 values.
//
//go:noescape
func ddot4x3(k4 int, a *float64, lda int, b *float64, ldb int, c *float64)

// ddot1 writes one dot product over 4·k4 values.
//
//go:noescape
func ddot1(k4 int, a, b *float64, c *float64)

// sgemmKernel6x16 adds A·B to the 6×16 tile of C at c, where A is a packed
// 6×kc panel and B a packed kc×16 panel; kc ≥ 1.
//
//go:noescape
func sgemmKernel6x16(kc int, a, b, c *float32, ldc int)

// dgemmKernel6x8 adds A·B to the 6×8 tile of C at c, where A is a packed 6×kc
// panel and B a packed kc×8 panel; kc ≥ 1.
//
//go:noescape
func dgemmKernel6x8(kc int, a, b, c *float64, ldc int)

// sgemmKernel6x16B is sgemmKernel6x16 with row p of B at b + p·ldb.
//
//go:noescape
func sgemmKernel6x16B(kc int, a, b *float32, ldb int, c *float32, ldc int)

// dgemmKernel6x8B is dgemmKernel6x8 with row p of B at b + p·ldb.
//
//go:noescape
func dgemmKernel6x8B(kc int, a, b *float64, ldb int, c *float64, ldc int)
