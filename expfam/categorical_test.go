package expfam_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/bayesrule/blr/expfam"
)

func categoricalCase() famCase {
	return famCase{
		name: "Categorical",
		random: func(r *rand.Rand) famUnderTest {
			lam := make([]float64, 1+r.IntN(7))
			for j := range lam {
				lam[j] = -6 + 12*r.Float64()
			}
			q, err := expfam.NewCategoricalNatural(lam)
			famMust(err)
			return q
		},
		fixed: func() []famUnderTest {
			a, _ := expfam.NewCategorical([]float64{0.2, 0.5, 0.3})
			b, _ := expfam.NewCategorical([]float64{0.6, 0.1, 0.3})
			return []famUnderTest{a, b}
		},
		stats: func(dst, th []float64) {
			for j := range dst {
				dst[j] = 0
				if th[0] == float64(j) {
					dst[j] = 1
				}
			}
		},
		thetaMoments: func(f famUnderTest) (mean, vari []float64) {
			var m, m2 float64
			for k, p := range f.(*expfam.Categorical).Probs(nil) {
				m += float64(k) * p
				m2 += float64(k*k) * p
			}
			return []float64{m}, []float64{m2 - m*m}
		},
		kl: func(q, p famUnderTest) float64 { return q.(*expfam.Categorical).KL(p.(*expfam.Categorical)) },
		bad: [][]float64{
			{math.NaN(), 0}, {0, math.Inf(1)}, {math.Inf(-1), 0},
		},
	}
}

// TestCategoricalAgainstGonum checks Entropy and LogProb against
// distuv.Categorical and KL against its plain closed form.
func TestCategoricalAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var maxH, maxKL, maxLP float64
	for range 1000 {
		c := categoricalCase()
		q := c.random(r).(*expfam.Categorical)
		p := c.random(r).(*expfam.Categorical)
		for p.Dim() != q.Dim() {
			p = c.random(r).(*expfam.Categorical)
		}
		pq, pp := q.Probs(nil), p.Probs(nil)
		g := distuv.NewCategorical(pq, nil)
		maxH = math.Max(maxH, famCheckClose(t, "Categorical entropy", q.Entropy(), g.Entropy(), 1e-13*(1+g.Entropy())))
		var kl float64
		for k := range pq {
			kl += pq[k] * math.Log(pq[k]/pp[k])
		}
		maxKL = math.Max(maxKL, famCheckClose(t, "Categorical KL", q.KL(p), kl, 1e-12*(1+kl)))
		x := q.Sample(nil, r)
		lp := g.LogProb(x[0])
		maxLP = math.Max(maxLP, famCheckClose(t, "Categorical LogProb", q.LogProb(x), lp, 1e-13*(1+math.Abs(lp))))
		var s float64
		for _, v := range pq {
			s += v
		}
		famCheckClose(t, "Σπ", s, 1, 1e-15*float64(len(pq)))
	}
	t.Logf("max |Δ|: entropy %.2g, KL %.2g, LogProb %.2g", maxH, maxKL, maxLP)
}

// TestCategoricalExtreme checks log-sum-exp stability for logits of ±800.
func TestCategoricalExtreme(t *testing.T) {
	for _, tc := range []struct {
		lam  []float64
		a, h float64 // A(λ) and H(q)
	}{
		{[]float64{800, -800}, 800, 0},
		{[]float64{-800, -800}, 0, 0},
		{[]float64{800, 800}, 800 + math.Log(2), math.Log(2)},
		{[]float64{-1e300, 1e300, 0}, 1e300, 0},
	} {
		q, err := expfam.NewCategoricalNatural(tc.lam)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprint(tc.lam)
		famCheckClose(t, name+" A", q.LogPartition(), tc.a, 1e-15*math.Abs(tc.a))
		famCheckClose(t, name+" H", q.Entropy(), tc.h, 0x1p-52*(1+math.Abs(tc.a)))
		if kl := q.KL(q); kl != 0 {
			t.Errorf("%s: KL(q‖q) = %g", name, kl)
		}
		for k, p := range q.Probs(nil) {
			if !(p >= 0 && p <= 1) {
				t.Errorf("%s: π[%d] = %g", name, k, p)
			}
		}
	}
}

// TestNewCategoricalErrors checks that bad parameters are refused with the
// field, index and value in the message, and the index convention of θ.
func TestNewCategoricalErrors(t *testing.T) {
	for _, tc := range []struct {
		p    []float64
		want string
	}{
		{[]float64{1}, "len(p) = 1"},
		{[]float64{0.5, 0, 0.5}, "p[1] = 0"},
		{[]float64{0.5, math.NaN()}, "p[1] = NaN"},
		{[]float64{-0.5, 1.5}, "p[0] = -0.5"},
		{[]float64{0.5, 0.6}, "sum(p) = 1.1"},
	} {
		_, err := expfam.NewCategorical(tc.p)
		famCheckErr(t, fmt.Sprintf("NewCategorical(%v)", tc.p), err, tc.want)
	}
	_, err := expfam.NewCategoricalNatural(nil)
	famCheckErr(t, "NewCategoricalNatural(nil)", err, "len(λ) = 0")
	q, err := expfam.NewCategorical([]float64{0.25, 0.75})
	if err != nil {
		t.Fatal(err)
	}
	if q.K() != 2 || q.Dim() != 1 || q.ParamDim() != 1 {
		t.Errorf("K, Dim, ParamDim = %d, %d, %d, want 2, 1, 1", q.K(), q.Dim(), q.ParamDim())
	}
	famCheckClose(t, "λ", q.Natural(nil)[0], math.Log(1.0/3), 1e-15)
	famCheckClose(t, "log q(1)", q.LogProb([]float64{1}), math.Log(0.75), 1e-15)
	for _, x := range []float64{-1, 0.5, 2, math.NaN()} {
		if q.LogProb([]float64{x}) != math.Inf(-1) {
			t.Errorf("LogProb(%g) is not −Inf", x)
		}
	}
	_, err = q.NaturalFromExpectation(nil, []float64{1})
	famCheckErr(t, "NaturalFromExpectation", err, "sum(μ) = 1")
}

func TestSoftmax(t *testing.T) {
	for _, f := range [][]float64{{0}, {1, 2, 3}, {-5, 0.5, 2, -1}, {1000, 999, -1000}} {
		p := make([]float64, len(f))
		logZ := expfam.Softmax(p, f)
		// The reference: the same sums in higher range, by shifting with f[0].
		var z float64
		for _, v := range f {
			z += math.Exp(v - f[0])
		}
		want := f[0] + math.Log(z)
		if math.Abs(logZ-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("Softmax(%v) log-normaliser %v, want %v", f, logZ, want)
		}
		var sum float64
		for c, v := range f {
			sum += p[c]
			if w := math.Exp(v - want); math.Abs(p[c]-w) > 1e-12 {
				t.Errorf("Softmax(%v)[%d] = %v, want %v", f, c, p[c], w)
			}
		}
		if math.Abs(sum-1) > 1e-14 {
			t.Errorf("Softmax(%v) sums to %v", f, sum)
		}
	}
}
