package special

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// Constants to 36 digits: Euler's γ and ln 2.
const (
	eulerGamma = 0.577215664901532860606512090082402431
	ln2        = 0.693147180559945309417232121458176568
)

// tol is the accepted error of Digamma: 1e-15·max(1, |ψ|), some 5·10⁴ times
// below gonum's 5e-11 at small arguments.
func tol(want float64) float64 { return 1e-15 * math.Max(1, math.Abs(want)) }

// harmonic returns Σ_{k=1}^{n} 1/(a·k + b) exactly, rounded to float64.
func harmonic(n int, a, b int64) float64 {
	s := new(big.Rat)
	for k := int64(1); k <= int64(n); k++ {
		s.Add(s, big.NewRat(1, a*k+b))
	}
	f, _ := s.Float64()
	return f
}

// TestDigammaClosedForms checks ψ against closed forms (DLMF 5.4): ψ(n) =
// H_{n−1} − γ, ψ(n+½) = −γ − 2 ln 2 + Σ_{k≤n} 2/(2k−1), ψ(¼) = −γ − π/2 −
// 3 ln 2, ψ(⅓) = −γ − π/(2√3) − (3/2) ln 3, the positive root x₀ and the
// reflection at −½ and −3/2; the sums are exact rationals.
func TestDigammaClosedForms(t *testing.T) {
	type tc struct {
		name    string
		x, want float64
	}
	cases := []tc{
		{"1/4", 0.25, -4.22745353337626540808953014609668358},
		{"1/3", 1.0 / 3, -3.13203378002080632299641907428733240},
		{"root x0", 1.46163214496836234126265954232572132, 0},
		{"-1/2", -0.5, 2 - eulerGamma - 2*ln2},
		{"-3/2", -1.5, 2 - eulerGamma - 2*ln2 + 2.0/3},
	}
	for _, n := range []int{1, 2, 3, 5, 7, 9, 10, 11, 20, 100, 1000} {
		cases = append(cases, tc{"integer", float64(n), harmonic(n-1, 1, 0) - eulerGamma})
		cases = append(cases, tc{"half-integer", float64(n) + 0.5, 2*harmonic(n, 2, -1) - eulerGamma - 2*ln2})
	}
	cases = append(cases, tc{"1/2", 0.5, -eulerGamma - 2*ln2})
	for _, c := range cases {
		got := Digamma(c.x)
		if err := math.Abs(got - c.want); !(err <= tol(c.want)) {
			t.Errorf("%s: ψ(%v) = %.17g, want %.17g (error %.2g)", c.name, c.x, got, c.want, err)
		}
	}
}

// TestDigammaIdentities checks identities Digamma does not use, at
// log-uniform arguments in [1e-3, 1e6]: the duplication formula ψ(2x) =
// ½ψ(x) + ½ψ(x+½) + ln 2 (DLMF 5.5.8) and the triplication formula ψ(3x) =
// ⅓(ψ(x) + ψ(x+⅓) + ψ(x+⅔)) + ln 3.
func TestDigammaIdentities(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		x := math.Exp(math.Log(1e-3) + rnd.Float64()*math.Log(1e9))
		if want, got := 0.5*Digamma(x)+0.5*Digamma(x+0.5)+ln2, Digamma(2*x); !(math.Abs(got-want) <= 2*tol(want)) {
			t.Errorf("ψ(2x) at x = %v: %.17g, duplication gives %.17g", x, got, want)
		}
		if want, got := (Digamma(x)+Digamma(x+1.0/3)+Digamma(x+2.0/3))/3+math.Log(3), Digamma(3*x); !(math.Abs(got-want) <= 3*tol(want)) {
			t.Errorf("ψ(3x) at x = %v: %.17g, triplication gives %.17g", x, got, want)
		}
	}
}

// TestDigammaLarge: where gonum's series is accurate (x ≥ 100, its first
// omitted term below 1e-18) the two agree to 1e-15.
func TestDigammaLarge(t *testing.T) {
	for _, x := range []float64{100, 1234.5, 1e5, 1e10, 1e100, 1e300} {
		if got, want := Digamma(x), mathext.Digamma(x); !(math.Abs(got-want) <= tol(want)) {
			t.Errorf("ψ(%v) = %.17g, gonum %.17g", x, got, want)
		}
	}
}

// TestDigammaSpecial: the poles, the infinities and NaN, and an argument
// so small that ψ(x) ≈ −1/x overflows.
func TestDigammaSpecial(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{0, math.Inf(-1)}, {math.Copysign(0, -1), math.Inf(1)},
		{-1, math.NaN()}, {-7, math.NaN()}, {math.Inf(-1), math.NaN()}, {math.NaN(), math.NaN()},
		{math.Inf(1), math.Inf(1)}, {1e-310, math.Inf(-1)},
	} {
		got := Digamma(c.x)
		if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("ψ(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got, want := Digamma(1e-300), -1e300; math.Abs(got-want) > 1e-15*1e300 {
		t.Errorf("ψ(1e-300) = %v, want ≈ %v", got, want)
	}
}
