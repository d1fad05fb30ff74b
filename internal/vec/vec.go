package vec

import (
	"math"
	"unsafe"
)

// Float is the element type of the callers' generic slices.
type Float interface{ ~float32 | ~float64 }

// Is32 reports whether F is 4 bytes wide, the float32 that the kernels take.
func Is32[F Float]() bool {
	var z F
	return unsafe.Sizeof(z) == 4
}

// As32 reinterprets x, of a 4-byte F (Is32), as []float32; an empty x gives
// nil.
func As32[F Float](x []F) []float32 {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// Const is one constant broadcast to the eight lanes of a vector, as the
// kernels read it.
type Const [8]float32

// Set broadcasts v.
func (c *Const) Set(v float32) {
	for i := range c {
		c[i] = v
	}
}

// AdamConsts are the constants of the Adam, AdamW and RMSprop update: the
// scalar prior precision δ, the step size α, β₂, ρ = 1−β₂, β₁, 1−β₁ and the
// debiasing factors 1/(1−β₁ᵗ) and 1/(1−β₂ᵗ), and ε.
type AdamConsts struct {
	Delta, Alpha, Beta2, Rho, Beta1, OneMinusBeta1, InvB1, InvB2, Eps Const
}

// IVONConsts are the constants of the IVON (iBLR) update: δ, ρ, ½, 1, β₁,
// 1−β₁, 1/(1−β₁ᵗ), ε, the clipping bounds ±c and α.
type IVONConsts struct {
	Delta, Rho, Half, One, Beta1, OneMinusBeta1, InvB1, Eps, Clip, NegClip, Alpha Const
}

// DrawConsts are the constants of the draw: N/τ and δ.
type DrawConsts struct {
	NT, Delta Const
}

// Adam runs, over the first entries of m, the engine's Adam update (see
// blr's updateAdam): with dec = δm, ĝ = g (+ dec when inGrad),
// h′ = β₂h + ρĝ², ḡ′ = β₁ḡ + (1−β₁)ĝ (with momentum, gbar not nil),
// m′ = m (− α·dec when not inGrad) − α(ḡ′·invB1)/(√(h′·invB2) + ε); it keeps
// the old m, h and ḡ in sm, sh and sg (which may alias g) and writes the new
// ones in place, flushed as FlushTiny flushes them. It returns the number of entries done (see the package
// documentation). Every slice must be at least as long as m.
func Adam(m, g, h, gbar, sm, sh, sg []float32, c *AdamConsts, inGrad bool) int {
	n := len(m) &^ 7
	if !Enabled || n == 0 {
		return 0
	}
	_, _, _, _, _ = g[n-1], h[n-1], sm[n-1], sh[n-1], m[n-1]
	flags := 0
	if inGrad {
		flags |= 1
	}
	pg, psg := &h[0], &h[0] // unused without momentum
	if gbar != nil {
		_, _ = gbar[n-1], sg[n-1]
		pg, psg = &gbar[0], &sg[0]
		flags |= 2
	}
	return adamAVX2(n, &m[0], &g[0], &h[0], pg, &sm[0], &sh[0], psg, c, flags)
}

// IVON runs, over the first entries of m, the engine's IVON update (see
// blr's updateIVON): ĥ = u·g, s = h+δ, x = ρ(ĥ−h),
// h′ = ½s + ½(s+x)(1+x/s) − δ, ḡ′ = β₁ḡ + (1−β₁)g (with momentum),
// m′ = m − α·clip((ḡ′·invB1 + δm)/((h′+ε)+δ)); it keeps the old m, h and ḡ
// in sm, sh and sg (which may alias u and g) and writes the new ones in
// place, flushed as FlushTiny flushes them. It returns the number of entries
// done.
func IVON(m, g, u, h, gbar, sm, sh, sg []float32, c *IVONConsts) int {
	n := len(m) &^ 7
	if !Enabled || n == 0 {
		return 0
	}
	_, _, _, _, _, _ = g[n-1], u[n-1], h[n-1], sm[n-1], sh[n-1], m[n-1]
	flags := 0
	pg, psg := &h[0], &h[0]
	if gbar != nil {
		_, _ = gbar[n-1], sg[n-1]
		pg, psg = &gbar[0], &sg[0]
		flags |= 2
	}
	return ivonAVX2(n, &m[0], &g[0], &u[0], &h[0], pg, &sm[0], &sh[0], psg, c, flags)
}

// Draw runs, over the first entries of eps, the engine's draw (see blr's
// drawRange): p = N/τ·(h+δ), r = √p, θ = m + ε/r and, when u is not nil,
// u = ε·r; it checks that p is finite and positive. eps may alias theta or
// u. It returns the number of entries done.
func Draw(theta, u, eps, h, m []float32, c *DrawConsts) int {
	n := len(eps) &^ 7
	if !Enabled || n == 0 {
		return 0
	}
	_, _, _ = theta[n-1], h[n-1], m[n-1]
	pu, flags := &theta[0], 0
	if u != nil {
		_ = u[n-1]
		pu, flags = &u[0], 1
	}
	return drawAVX2(n, &theta[0], pu, &eps[0], &h[0], &m[0], c, flags)
}

// AxpyRows adds Σ_t val[t]·m[idx[t]·ld+j] to dst[j] for the first entries
// j of dst, one fused multiply-add per term in the order of t, and returns
// how many it did (a multiple of eight; the caller does the rest). It is
// the sparse product of a row of nonzeros (idx, val) with the matrix m of
// leading dimension ld. It panics if a row idx[t] of m is out of range.
func AxpyRows(dst, m []float32, ld int, idx []int32, val []float32) int {
	n := len(dst) &^ 7
	if !Enabled || n == 0 {
		return 0
	}
	val = val[:len(idx)]
	for _, k := range idx {
		if k < 0 || int(k)*ld+n > len(m) {
			panic("vec: AxpyRows: row out of range")
		}
	}
	if len(idx) == 0 {
		return n
	}
	axpyRowsAVX2(n, &dst[0], &m[0], ld, &idx[0], &val[0], len(idx))
	return n
}

// TinyBits are the bits of 2⁻¹⁰⁰ ≈ 7.9e-31, the float32 Tiny.
const TinyBits = (127 - 100) << 23

// Tiny returns the magnitude below which FlushTiny stores zeros: 2⁻¹⁰⁰ ≈
// 7.9e-31 for float32 and 2⁻⁹⁹⁶ for float64, 2²⁶ times the smallest normal
// number of F, so that no product of a stored value with a factor of 2⁻²⁶ ≈
// 1.5e-8 or more (a step size, a decay, an ε) is subnormal — and operations
// on subnormal numbers take a slow microcode path on x86.
func Tiny[F Float]() float64 {
	if Is32[F]() {
		return 0x1p-100
	}
	return 0x1p-996
}

// FlushTiny sets every entry of x whose magnitude is below Tiny — the
// subnormal numbers and the smallest normal ones — to the zero of its sign,
// and leaves the other entries, NaN and ±Inf included, as they are. For
// float32 it works on the bits (with AVX2 when Enabled), so it is itself
// never slowed by the values it removes.
func FlushTiny[F Float](x []F) {
	if !Is32[F]() {
		for j, v := range x {
			if a := math.Abs(float64(v)); a != 0 && a < Tiny[F]() {
				x[j] = F(math.Copysign(0, float64(v)))
			}
		}
		return
	}
	y := As32(x)
	n := len(y) &^ 7
	if Enabled && n > 0 {
		flushAVX2(n, &y[0])
	} else {
		n = 0
	}
	for j := n; j < len(y); j++ {
		if b := math.Float32bits(y[j]); b&0x7fffffff < TinyBits && b&0x7fffffff != 0 {
			y[j] = math.Float32frombits(b & 0x80000000)
		}
	}
}
