//go:build amd64 && !purego

package vec

// Enabled reports whether the kernels run: the CPU has AVX2 and FMA and
// the operating system saves the YMM state.
var Enabled = HasAVX2FMA()

// HasAVX2FMA reports whether the CPU has AVX2 and FMA and the operating
// system saves the YMM state (CPUID leaves 1 and 7, XCR0); internal/gemm's
// assembly kernels ask the same question.
func HasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state saved by the OS
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0 // AVX2
}

//go:noescape
func adamAVX2(n int, m, gr, h, gbar, sm, sh, sg *float32, c *AdamConsts, flags int) int

//go:noescape
func ivonAVX2(n int, m, gr, u, h, gbar, sm, sh, sg *float32, c *IVONConsts, flags int) int

//go:noescape
func drawAVX2(n int, theta, u, eps, h, m *float32, c *DrawConsts, flags int) int

//go:noescape
func axpyRowsAVX2(n int, dst, m *float32, ld int, idx *int32, val *float32, nt int)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

//go:noescape
func flushAVX2(n int, x *float32)
