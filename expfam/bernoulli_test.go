package expfam_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/bayesrule/blr/expfam"
)

func bernoulliCase() famCase {
	return famCase{
		name: "Bernoulli",
		random: func(r *rand.Rand) famUnderTest {
			lam := make([]float64, 1+r.IntN(8))
			for j := range lam {
				lam[j] = -6 + 12*r.Float64()
			}
			q, err := expfam.NewBernoulliNatural(lam)
			famMust(err)
			return q
		},
		fixed: func() []famUnderTest {
			a, _ := expfam.NewBernoulliNatural([]float64{0.3, -1.2, 2.5})
			b, _ := expfam.NewBernoulliNatural([]float64{-0.5, 0.1, 4})
			return []famUnderTest{a, b}
		},
		stats: func(dst, th []float64) { copy(dst, th) },
		thetaMoments: func(f famUnderTest) (mean, vari []float64) {
			q := f.(*expfam.Bernoulli)
			return q.Expectation(nil), q.Variance(nil)
		},
		kl: func(q, p famUnderTest) float64 { return q.(*expfam.Bernoulli).KL(p.(*expfam.Bernoulli)) },
		bad: [][]float64{
			{math.NaN(), 0, 0}, {0, math.Inf(1), 0}, {0, 0, math.Inf(-1)},
		},
	}
}

// TestBernoulliAgainstGonum checks Entropy, LogProb and Probs against
// distuv.Bernoulli (on {0, 1} with w = 2x − 1) and KL against its plain
// closed form, on 1,000 random members with |λ| ≤ 6.
func TestBernoulliAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var maxH, maxKL, maxLP float64
	for range 1000 {
		c := bernoulliCase()
		q := c.random(r).(*expfam.Bernoulli)
		p := c.random(r).(*expfam.Bernoulli)
		for p.Dim() != q.Dim() {
			p = c.random(r).(*expfam.Bernoulli)
		}
		pq, pp := q.Probs(nil), p.Probs(nil)
		var h, kl float64
		for j := range pq {
			h += distuv.Bernoulli{P: pq[j]}.Entropy()
			a, b := pq[j], pp[j]
			kl += a*math.Log(a/b) + (1-a)*math.Log((1-a)/(1-b))
		}
		maxH = math.Max(maxH, famCheckClose(t, "Bernoulli entropy", q.Entropy(), h, 1e-12*(1+h)))
		maxKL = math.Max(maxKL, famCheckClose(t, "Bernoulli KL", q.KL(p), kl, 1e-11*(1+kl)))
		w := q.Sample(nil, r)
		var lp float64
		for j := range w {
			lp += distuv.Bernoulli{P: pq[j]}.LogProb((w[j] + 1) / 2)
		}
		maxLP = math.Max(maxLP, famCheckClose(t, "Bernoulli LogProb", q.LogProb(w), lp, 1e-12*(1+math.Abs(lp))))
		lam := q.Natural(nil)
		for j := range pq {
			famCheckClose(t, "sigmoid(2λ)", pq[j], 1/(1+math.Exp(-2*lam[j])), 1e-15)
		}
	}
	t.Logf("max |Δ|: entropy %.2g, KL %.2g, LogProb %.2g", maxH, maxKL, maxLP)
}

// TestBernoulliExtreme checks that nothing overflows or turns NaN for large
// |λ| (BayesBiNN's range and beyond, corrections point 5): entropy ≈
// e(1 + 2|λ|) and sech²λ ≈ 4e with e = exp(−2|λ|), exactly 0 where e
// underflows.
func TestBernoulliExtreme(t *testing.T) {
	for _, l := range []float64{19, -19, 40, -400, 1e5, 1e300, -math.MaxFloat64, 5e-324, -1e-9} {
		t.Run(fmt.Sprint(l), func(t *testing.T) {
			q, err := expfam.NewBernoulliNatural([]float64{l})
			if err != nil {
				t.Fatal(err)
			}
			a := math.Abs(l)
			e := math.Exp(-2 * a)
			// For |λ| ≥ 19, e < 1e-16 and the first-order forms are exact to
			// rounding; near 0, H = log 2 and sech² = 1.
			h, v := e+a*(2*e), 4*e
			if a < 1 {
				h, v = math.Ln2, 1
			}
			famCheckClose(t, "entropy", q.Entropy(), h, 1e-10*h)
			famCheckClose(t, "sech²λ", q.Variance(nil)[0], v, 1e-10*v)
			famCheckClose(t, "A(λ)", q.LogPartition(), a+math.Log1p(e), 1e-15*a)
			if mu := q.Expectation(nil)[0]; math.Abs(mu) > 1 || math.IsNaN(mu) {
				t.Errorf("μ = %g", mu)
			}
			p, _ := expfam.NewBernoulliNatural([]float64{-l / 2})
			if kl := q.KL(p); !(kl >= 0) || math.IsInf(kl, 0) {
				t.Errorf("KL(q‖p) = %g, want finite ≥ 0", kl)
			}
			if kl := q.KL(q); kl != 0 {
				t.Errorf("KL(q‖q) = %g", kl)
			}
			s := math.Copysign(1, l)
			if lp := q.LogProb([]float64{s}); !(lp <= 0) || math.IsInf(lp, 0) {
				t.Errorf("log q(sign λ) = %g", lp)
			}
			if lp := q.LogProb([]float64{-s}); math.IsNaN(lp) || lp > 0 {
				t.Errorf("log q(−sign λ) = %g", lp)
			}
			w := q.Sample(nil, rand.New(rand.NewPCG(1, 1)))
			if w[0] != 1 && w[0] != -1 {
				t.Errorf("sample %g", w[0])
			}
		})
	}
}

// TestNewBernoulliErrors checks that bad parameters are refused with the
// field, index and value in the message, and that NewBernoulli inverts Probs.
func TestNewBernoulliErrors(t *testing.T) {
	for _, tc := range []struct {
		p    []float64
		want string
	}{
		{[]float64{0.5, 0}, "p[1] = 0"},
		{[]float64{1}, "p[0] = 1"},
		{[]float64{0.2, 0.3, -0.1}, "p[2] = -0.1"},
		{[]float64{math.NaN()}, "p[0] = NaN"},
	} {
		_, err := expfam.NewBernoulli(tc.p)
		famCheckErr(t, fmt.Sprintf("NewBernoulli(%v)", tc.p), err, tc.want)
		if !errors.Is(err, expfam.ErrDomain) {
			t.Errorf("NewBernoulli(%v): %v does not wrap ErrDomain", tc.p, err)
		}
	}
	_, err := expfam.NewBernoulliNatural([]float64{1, math.Inf(1)})
	famCheckErr(t, "NewBernoulliNatural", err, "λ[1] = +Inf")
	p := []float64{0.1, 0.5, 0.999}
	q, err := expfam.NewBernoulli(p)
	if err != nil {
		t.Fatal(err)
	}
	for j, got := range q.Probs(nil) {
		famCheckClose(t, fmt.Sprintf("Probs[%d]", j), got, p[j], 1e-15)
	}
	_, err = q.NaturalFromExpectation(nil, []float64{0, 1, 0})
	famCheckErr(t, "NaturalFromExpectation", err, "μ[1] = 1")
	if q.LogProb([]float64{1, 0, 1}) != math.Inf(-1) {
		t.Error("LogProb off the support is not −Inf")
	}
}
