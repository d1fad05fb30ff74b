package expfam_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/special"
)

func dirichletRandomAlpha(r *rand.Rand, k int) []float64 {
	a := make([]float64, k)
	for j := range a {
		a[j] = famLogUniform(r, 0.1, 1e3)
	}
	return a
}

func dirichletCase() famCase {
	return famCase{
		name: "Dirichlet",
		random: func(r *rand.Rand) famUnderTest {
			q, err := expfam.NewDirichlet(dirichletRandomAlpha(r, 2+r.IntN(5)))
			famMust(err)
			return q
		},
		fixed: func() []famUnderTest {
			a, _ := expfam.NewDirichlet([]float64{0.5, 2, 3})
			b, _ := expfam.NewDirichlet([]float64{4, 1, 0.7})
			return []famUnderTest{a, b}
		},
		stats: func(dst, th []float64) {
			for j := range dst {
				dst[j] = math.Log(th[j])
			}
		},
		thetaMoments: func(f famUnderTest) (mean, vari []float64) {
			al := f.(*expfam.Dirichlet).Alpha(nil)
			var a0 float64
			for _, a := range al {
				a0 += a
			}
			for _, a := range al {
				mean = append(mean, a/a0)
				vari = append(vari, a*(a0-a)/(a0*a0*(a0+1)))
			}
			return mean, vari
		},
		kl: func(q, p famUnderTest) float64 { return q.(*expfam.Dirichlet).KL(p.(*expfam.Dirichlet)) },
		bad: [][]float64{
			{-1, 0, 0}, {0, -3, 0}, {math.NaN(), 0, 0}, {0, math.Inf(1), 0},
			{0, 0, math.Inf(-1)}, {1e308, 1e308, 0},
		},
	}
}

// TestDirichletAgainstGonum checks KL, entropy and log density against their
// textbook closed forms. (gonum's distmv.Dirichlet would serve, but distmv
// needs a go.sum entry for golang.org/x/tools that the module lacks.)
func TestDirichletClosedForms(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var maxH, maxKL, maxLP float64
	for range 1000 {
		k := 2 + r.IntN(5)
		aq, ap := dirichletRandomAlpha(r, k), dirichletRandomAlpha(r, k)
		q, err := expfam.NewDirichlet(aq)
		famMust(err)
		p, err := expfam.NewDirichlet(ap)
		famMust(err)
		// KL = ln Γ(α₀) − Σ ln Γ(αⱼ) − ln Γ(α₀′) + Σ ln Γ(αⱼ′)
		//    + Σ (αⱼ − αⱼ′)(ψ(αⱼ) − ψ(α₀)).
		var sq, sp float64
		for j := range aq {
			sq += aq[j]
			sp += ap[j]
		}
		l0q, _ := math.Lgamma(sq)
		l0p, _ := math.Lgamma(sp)
		kl := l0q - l0p
		ks := math.Abs(l0q) + math.Abs(l0p) // magnitude of the terms
		for j := range aq {
			lq, _ := math.Lgamma(aq[j])
			lp, _ := math.Lgamma(ap[j])
			c := (aq[j] - ap[j]) * (special.Digamma(aq[j]) - special.Digamma(sq))
			kl += lp - lq + c
			ks += math.Abs(lq) + math.Abs(lp) + math.Abs(c)
		}
		maxKL = math.Max(maxKL, famCheckClose(t, "Dirichlet KL", q.KL(p), kl, 1e-13*(1+ks)))

		// H = ln B(α) + (α₀ − K)ψ(α₀) − Σ(αⱼ − 1)ψ(αⱼ).
		var a0, lnB, sum, hs float64
		for _, a := range aq {
			a0 += a
			l, _ := math.Lgamma(a)
			lnB += l
			sum += (a - 1) * special.Digamma(a)
			hs += math.Abs(l) + math.Abs((a-1)*special.Digamma(a))
		}
		l0, _ := math.Lgamma(a0)
		lnB -= l0
		h := lnB + (a0-float64(k))*special.Digamma(a0) - sum
		hs += math.Abs(l0) + math.Abs((a0-float64(k))*special.Digamma(a0))
		maxH = math.Max(maxH, famCheckClose(t, "Dirichlet entropy", q.Entropy(), h, 1e-13*hs))

		x := q.Sample(nil, r)
		if q.LogProb(x) > math.Inf(-1) {
			lp := -lnB // Σ(αⱼ−1) ln θⱼ − ln B(α)
			for j := range x {
				lp += (aq[j] - 1) * math.Log(x[j])
			}
			ls := math.Abs(lnB)
			for j := range x {
				ls += math.Abs((aq[j] - 1) * math.Log(x[j]))
			}
			maxLP = math.Max(maxLP, famCheckClose(t, "Dirichlet LogProb", q.LogProb(x), lp, 1e-13*(1+ls)))
		}
	}
	t.Logf("max |Δ|: entropy %.2g, KL %.2g, LogProb %.2g", maxH, maxKL, maxLP)
}

// TestNewDirichletErrors checks that bad parameters are refused with the
// field, index and value in the message.
func TestNewDirichletErrors(t *testing.T) {
	for _, tc := range []struct {
		a    []float64
		want string
	}{
		{[]float64{1}, "len(alpha) = 1"},
		{[]float64{1, 0}, "alpha[1] = 0"},
		{[]float64{1, 2, -3}, "alpha[2] = -3"},
		{[]float64{math.NaN(), 2}, "alpha[0] = NaN"},
		{[]float64{1e308, 1e308}, "alpha[0] = 1e+308: must be positive and at most 1e+300 (MaxShape)"},
		{[]float64{6e299, 6e299}, "alpha0 = 1.2e+300: the sum of the concentrations must be at most 1e+300 (MaxShape)"},
	} {
		_, err := expfam.NewDirichlet(tc.a)
		famCheckErr(t, fmt.Sprintf("NewDirichlet(%v)", tc.a), err, tc.want)
	}
	q, _ := expfam.NewDirichlet([]float64{1, 2, 3})
	_, err := q.NaturalFromExpectation(nil, []float64{-1, 0.5, -1})
	famCheckErr(t, "NaturalFromExpectation", err, "μ[1] (E log θ) = 0.5")
	_, err = q.NaturalFromExpectation(nil, []float64{-1, -1, -0.1})
	famCheckErr(t, "NaturalFromExpectation", err, "Σ exp μ")
	for _, x := range [][]float64{{0.5, 0.5, 0}, {0.2, 0.2, 0.2}, {-0.1, 0.6, 0.5}} {
		if q.LogProb(x) != math.Inf(-1) {
			t.Errorf("LogProb(%v) is not −Inf", x)
		}
	}
	al := q.Alpha(nil)
	if al[0] != 1 || al[1] != 2 || al[2] != 3 || q.K() != 3 {
		t.Errorf("Alpha = %v, K = %d", al, q.K())
	}
}
