package expfam_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/special"
)

func gammaCase() famCase {
	return famCase{
		name: "Gamma",
		random: func(r *rand.Rand) famUnderTest {
			q, err := expfam.NewGamma(famLogUniform(r, 0.1, 1e3), famLogUniform(r, 1e-2, 1e2))
			famMust(err)
			return q
		},
		fixed: func() []famUnderTest {
			a, _ := expfam.NewGamma(0.5, 2)
			b, _ := expfam.NewGamma(7, 0.3)
			return []famUnderTest{a, b}
		},
		stats: func(dst, th []float64) { dst[0], dst[1] = math.Log(th[0]), th[0] },
		thetaMoments: func(f famUnderTest) (mean, vari []float64) {
			a, b := f.(*expfam.Gamma).Params()
			return []float64{a / b}, []float64{a / (b * b)}
		},
		kl: func(q, p famUnderTest) float64 { return q.(*expfam.Gamma).KL(p.(*expfam.Gamma)) },
		bad: [][]float64{
			{-1, -1}, {-2, -1}, {0, 0}, {0, 1}, {math.NaN(), -1}, {0, math.NaN()},
			{math.Inf(1), -1}, {0, math.Inf(-1)},
		},
	}
}

// TestGammaClosedForms checks, on 1,000 random members (shape in [0.1, 1e3],
// rate in [1e-2, 1e2]), the entropy and KL against their textbook closed forms
// and LogProb against distuv.Gamma.
func TestGammaClosedForms(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var maxH, maxKL, maxLP float64
	for range 1000 {
		a, b := famLogUniform(r, 0.1, 1e3), famLogUniform(r, 1e-2, 1e2)
		a2, b2 := famLogUniform(r, 0.1, 1e3), famLogUniform(r, 1e-2, 1e2)
		q, err := expfam.NewGamma(a, b)
		famMust(err)
		p, err := expfam.NewGamma(a2, b2)
		famMust(err)
		lga, _ := math.Lgamma(a)
		lga2, _ := math.Lgamma(a2)
		psi := special.Digamma(a)
		// H = a − ln b + ln Γ(a) + (1 − a) ψ(a).
		h := a - math.Log(b) + lga + (1-a)*psi
		hs := a + math.Abs(math.Log(b)) + math.Abs(lga) + math.Abs((1-a)*psi)
		maxH = math.Max(maxH, famCheckClose(t, "Gamma entropy", q.Entropy(), h, 1e-14*hs))
		// KL = (a−a₂)ψ(a) − ln Γ(a) + ln Γ(a₂) + a₂(ln b − ln b₂) + a(b₂ − b)/b.
		kl := (a-a2)*psi - lga + lga2 + a2*math.Log(b/b2) + a*(b2-b)/b
		ks := math.Abs((a-a2)*psi) + math.Abs(lga) + math.Abs(lga2) + math.Abs(a2*math.Log(b/b2)) + math.Abs(a*(b2-b)/b)
		maxKL = math.Max(maxKL, famCheckClose(t, "Gamma KL", q.KL(p), kl, 1e-14*ks))
		x := q.Sample(nil, r)
		lp := distuv.Gamma{Alpha: a, Beta: b}.LogProb(x[0])
		ls := math.Abs(lga) + math.Abs(a*math.Log(b)) + math.Abs((a-1)*math.Log(x[0])) + b*x[0]
		maxLP = math.Max(maxLP, famCheckClose(t, "Gamma LogProb", q.LogProb(x), lp, 1e-14*ls))
	}
	t.Logf("max |Δ|: entropy %.2g, KL %.2g, LogProb %.2g", maxH, maxKL, maxLP)
}

// TestGammaInversionRange logs the round-trip error of the shape inversion
// log a − ψ(a) = s. Up to a = 25 it asserts a relative error ≤ 1e-13 (with
// gonum's ψ, absolute error 5e-11, it was 6e-11 at a = 1 and 5e-10 at a = 7);
// beyond, where corrections point 6 says it degrades (≈ 1/(2a)), only ≤
// 1e-10·a·log a.
func TestGammaInversionRange(t *testing.T) {
	for _, a := range []float64{1e-3, 0.1, 0.5, 1, 1.5, 2, 3, 7, 10, 25, 1e3, 1e5, 1e7} {
		q, err := expfam.NewGamma(a, 2)
		if err != nil {
			t.Fatal(err)
		}
		back, err := q.NaturalFromExpectation(nil, q.Expectation(nil))
		if err != nil {
			t.Fatalf("a = %g: %v", a, err)
		}
		rel := math.Abs(back[0]+1-a) / a
		t.Logf("a = %g: relative shape error %.3g", a, rel)
		tol := 1e-13
		if a > 25 {
			tol = 1e-10 * a * math.Log(a)
		}
		if !(rel <= tol) {
			t.Errorf("a = %g: relative shape error %.3g", a, rel)
		}
	}
}

// TestNewGammaErrors checks that bad parameters are refused with the field
// and value in the message, and Gamma's expectation-domain errors.
func TestNewGammaErrors(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{
		{0, 1, "shape = 0"},
		{-1, 1, "shape = -1"},
		{math.NaN(), 1, "shape = NaN"},
		{1, 0, "rate = 0"},
		{1, math.Inf(1), "rate = +Inf"},
	} {
		_, err := expfam.NewGamma(tc.a, tc.b)
		famCheckErr(t, fmt.Sprintf("NewGamma(%g, %g)", tc.a, tc.b), err, tc.want)
	}
	q, _ := expfam.NewGamma(2, 3)
	if a, b := q.Params(); a != 2 || b != 3 {
		t.Errorf("Params = %g, %g, want 2, 3", a, b)
	}
	_, err := q.NaturalFromExpectation(nil, []float64{0, 1}) // E log θ = log E θ
	famCheckErr(t, "NaturalFromExpectation", err, "E log θ) = 0")
	_, err = q.NaturalFromExpectation(nil, []float64{0, -1})
	famCheckErr(t, "NaturalFromExpectation", err, "E θ) = -1")
	for _, x := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if q.LogProb([]float64{x}) != math.Inf(-1) {
			t.Errorf("LogProb(%g) is not −Inf", x)
		}
	}
}
