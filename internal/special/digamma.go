// Package special holds the special functions blr needs more accurately than
// its dependencies give them.
//
// gonum's mathext.Digamma (v0.17.0) stops its asymptotic series after four
// terms at x ≥ 7, which leaves an absolute error of about 5e-11 near small
// arguments (ψ(1) = −γ − 5.3e-11); the exponential families' expectation
// parameters (E[log θ] of the Gamma, Beta and Dirichlet families) carry it, and
// their λ → μ → λ round trips lost up to 2e-10 relative at integer shapes.
// Digamma here is accurate to a few units in the last place.
package special

import "math"

// asymptotic holds B₂ₖ/(2k) for k = 1…7, the coefficients of the asymptotic
// series ψ(x) ~ ln x − 1/(2x) − Σₖ B₂ₖ/(2k x²ᵏ) (DLMF 5.11.2): 1/12, −1/120,
// 1/252, −1/240, 1/132, −691/32760, 1/12.
var asymptotic = [...]float64{
	1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12,
}

// shift is where the series takes over: at x ≥ 10 the first omitted term,
// 3617/(8160 x¹⁶), is below 5e-17.
const shift = 10

// Digamma returns ψ(x) = Γ′(x)/Γ(x). For x > 0 it raises x to at least 10 by
// ψ(x) = ψ(x+1) − 1/x (DLMF 5.5.2) and sums the asymptotic series there; for
// x < 0 it uses the reflection ψ(x) = ψ(1−x) − π cot(πx) (DLMF 5.5.4). At the
// poles it returns −Inf for +0, +Inf for −0 and NaN for the negative
// integers; ψ(+Inf) = +Inf, and ψ(−Inf) and ψ(NaN) are NaN.
func Digamma(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, -1):
		return math.NaN()
	case math.IsInf(x, 1):
		return x
	case x == 0:
		return math.Copysign(math.Inf(1), -x)
	case x < 0:
		if x == math.Floor(x) {
			return math.NaN()
		}
		// cot(πx) from the fractional part, where tan is accurate.
		_, frac := math.Modf(x)
		return Digamma(1-x) - math.Pi/math.Tan(math.Pi*frac)
	}
	var acc float64
	for ; x < shift; x++ {
		acc -= 1 / x
	}
	inv2 := 1 / (x * x)
	var series float64
	for k := len(asymptotic) - 1; k >= 0; k-- {
		series = series*inv2 + asymptotic[k]
	}
	return acc + (math.Log(x) - 0.5/x - series*inv2)
}
