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

func normalGammaRandom(r *rand.Rand) (m, kappa, a, b float64) {
	return -5 + 10*r.Float64(), famLogUniform(r, 1e-2, 1e2), famLogUniform(r, 0.1, 1e3), famLogUniform(r, 1e-2, 1e2)
}

func normalGammaCase() famCase {
	return famCase{
		name: "NormalGamma",
		random: func(r *rand.Rand) famUnderTest {
			q, err := expfam.NewNormalGamma(normalGammaRandom(r))
			famMust(err)
			return q
		},
		fixed: func() []famUnderTest {
			a, _ := expfam.NewNormalGamma(1, 2, 5, 3)
			b, _ := expfam.NewNormalGamma(-0.5, 0.5, 6, 2)
			return []famUnderTest{a, b}
		},
		stats: func(dst, th []float64) {
			x, tau := th[0], th[1]
			dst[0], dst[1], dst[2], dst[3] = tau*x, tau*x*x, math.Log(tau), tau
		},
		thetaMoments: func(f famUnderTest) (mean, vari []float64) {
			// x is Student-t with 2a degrees of freedom: Var x = b/(κ(a−1)).
			m, kappa, a, b := f.(*expfam.NormalGamma).Params()
			return []float64{m, a / b}, []float64{b / (kappa * (a - 1)), a / (b * b)}
		},
		kl: func(q, p famUnderTest) float64 { return q.(*expfam.NormalGamma).KL(p.(*expfam.NormalGamma)) },
		bad: [][]float64{
			{0, 0, 1, -1},             // κ = 0
			{0, 1, 1, -1},             // κ < 0
			{0, -1, -0.5, -1},         // a = 0
			{0, -1, 1, 0},             // b = 0
			{1, -0.5, 1, -0.5},        // b = 0.5 − 1·1/2 = 0
			{math.NaN(), -1, 1, -1},   // NaN
			{0, -1, 1, math.Inf(-1)},  // −Inf
			{0, -1, math.Inf(1), -1},  // +Inf
			{1e200, -1e-200, 1, -1e3}, // b = −Inf after the division
		},
	}
}

// TestNormalGammaClosedForms checks, on 1,000 random members, Params after the
// constructor, the entropy against H(τ) + E_τ H(x|τ) written out, the KL
// against KL(Gamma) + E_τ KL(normal) written out, and LogProb against
// distuv.Gamma + distuv.Normal.
func TestNormalGammaClosedForms(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var maxP, maxH, maxKL, maxLP float64
	for range 1000 {
		m, kappa, a, b := normalGammaRandom(r)
		q, err := expfam.NewNormalGamma(m, kappa, a, b)
		famMust(err)
		p, err := expfam.NewNormalGamma(normalGammaRandom(r))
		famMust(err)

		gm, gk, ga, gb := q.Params()
		// b comes back through −λ₃ − λ₀²/(2κ): cancellation of ½κm² against b.
		cb := (b + 0.5*kappa*m*m) / b
		for _, c := range []struct {
			name      string
			got, want float64
			tol       float64
		}{
			{"m", gm, m, 1e-15 * math.Abs(m)},
			{"κ", gk, kappa, 1e-15 * kappa},
			{"a", ga, a, 1e-15 * a},
			{"b", gb, b, 8e-16 * b * cb},
		} {
			maxP = math.Max(maxP, famCheckClose(t, "Params "+c.name, c.got, c.want, c.tol)/math.Abs(c.want))
		}
		// The closed forms below take the parameters q and p hold, so that
		// they test the formulas and not the conversion checked above.
		m, kappa, a, b = gm, gk, ga, gb
		m2, kappa2, a2, b2 := p.Params()

		lga, _ := math.Lgamma(a)
		psi := special.Digamma(a)
		hGamma := a - math.Log(b) + lga + (1-a)*psi
		// E_τ ½ln(2πe/(κτ)) with E ln τ = ψ(a) − ln b.
		hCond := distuv.Normal{Mu: 0, Sigma: 1}.Entropy() - 0.5*math.Log(kappa) - 0.5*(psi-math.Log(b))
		hs := a + 2*math.Abs(math.Log(b)) + math.Abs(lga) + math.Abs((1.5-a)*psi) + 2 + math.Abs(math.Log(kappa))
		maxH = math.Max(maxH, famCheckClose(t, "NormalGamma entropy", q.Entropy(), hGamma+hCond, 1e-14*hs))

		lga2, _ := math.Lgamma(a2)
		klGamma := (a-a2)*psi - lga + lga2 + a2*math.Log(b/b2) + a*(b2-b)/b
		// E_τ KL(N(m, 1/(κτ)) ‖ N(m₂, 1/(κ₂τ))) = ½[κ₂/κ − 1 − ln(κ₂/κ) + κ₂ E[τ] (m − m₂)²].
		klNormal := 0.5 * (kappa2/kappa - 1 - math.Log(kappa2/kappa) + kappa2*(a/b)*(m-m2)*(m-m2))
		ks := math.Abs((a-a2)*psi) + math.Abs(lga) + math.Abs(lga2) + math.Abs(a2*math.Log(b/b2)) + math.Abs(a*(b2-b)/b) + klNormal + kappa2/kappa
		maxKL = math.Max(maxKL, famCheckClose(t, "NormalGamma KL", q.KL(p), klGamma+klNormal, 1e-14*ks))

		th := q.Sample(nil, r)
		lp := distuv.Gamma{Alpha: a, Beta: b}.LogProb(th[1]) +
			distuv.Normal{Mu: m, Sigma: 1 / math.Sqrt(kappa*th[1])}.LogProb(th[0])
		d := th[0] - m
		ls := math.Abs(lga) + math.Abs(a*math.Log(b)) + math.Abs((a-0.5)*math.Log(th[1])) + b*th[1] + kappa*th[1]*d*d + 2 + math.Abs(math.Log(kappa))
		maxLP = math.Max(maxLP, famCheckClose(t, "NormalGamma LogProb", q.LogProb(th), lp, 1e-14*ls))
	}
	t.Logf("max: rel. Params %.2g; |Δ| entropy %.2g, KL %.2g, LogProb %.2g", maxP, maxH, maxKL, maxLP)
}

// TestNewNormalGammaErrors checks that bad parameters are refused with the
// field and value in the message.
func TestNewNormalGammaErrors(t *testing.T) {
	for _, tc := range []struct {
		m, kappa, a, b float64
		want           string
	}{
		{math.NaN(), 1, 1, 1, "m = NaN"},
		{0, 0, 1, 1, "kappa = 0"},
		{0, 1, -1, 1, "a = -1"},
		{0, 1, 1, math.Inf(1), "b = +Inf"},
	} {
		_, err := expfam.NewNormalGamma(tc.m, tc.kappa, tc.a, tc.b)
		famCheckErr(t, fmt.Sprintf("NewNormalGamma(%g, %g, %g, %g)", tc.m, tc.kappa, tc.a, tc.b), err, tc.want)
	}
	q, _ := expfam.NewNormalGamma(1, 2, 3, 4)
	_, err := q.NaturalFromExpectation(nil, []float64{1, 0.1, -1, 1}) // 1/κ = 0.1 − 1 < 0
	famCheckErr(t, "NaturalFromExpectation", err, "(1/κ) = -0.9")
	for _, th := range [][]float64{{0, 0}, {0, -1}, {math.NaN(), 1}, {math.Inf(1), 1}} {
		if q.LogProb(th) != math.Inf(-1) {
			t.Errorf("LogProb(%v) is not −Inf", th)
		}
	}
}
