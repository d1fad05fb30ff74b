package expfam_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

func mix2(t *testing.T, fixed bool) *expfam.Mixture {
	t.Helper()
	a, err := expfam.NewFullGaussian([]float64{-1, 0.5}, mat.NewSymDense(2, []float64{2, 0.3, 0.3, 1}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := expfam.NewFullGaussian([]float64{1.5, -0.5}, mat.NewSymDense(2, []float64{1, -0.2, -0.2, 3}))
	if err != nil {
		t.Fatal(err)
	}
	q, err := expfam.NewMixture([]float64{0.3, 0.7}, []*expfam.FullGaussian{a, b}, fixed)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestMixtureGradHessLogProb checks ∇log q and ∇²log q against finite
// differences of LogProb.
func TestMixtureGradHessLogProb(t *testing.T) {
	q := mix2(t, false)
	for _, th := range [][]float64{{0, 0}, {-1, 0.5}, {2, 1}, {0.3, -0.7}} {
		g := make([]float64, 2)
		h := make([]float64, 4)
		lp := q.GradHessLogProb(g, h, th)
		if math.Abs(lp-q.LogProb(th)) > 1e-14 {
			t.Errorf("log q: %g vs %g", lp, q.LogProb(th))
		}
		wantG := fd.Gradient(nil, q.LogProb, th, &fd.Settings{Formula: fd.Central})
		var wantH mat.SymDense
		fd.Hessian(&wantH, q.LogProb, th, &fd.Settings{Formula: fd.Central})
		for i := range 2 {
			if math.Abs(g[i]-wantG[i]) > 1e-6 {
				t.Errorf("θ=%v: ∇log q[%d] = %g, fd %g", th, i, g[i], wantG[i])
			}
			for j := range 2 {
				if math.Abs(h[i*2+j]-wantH.At(i, j)) > 1e-4 {
					t.Errorf("θ=%v: ∇²log q[%d,%d] = %g, fd %g", th, i, j, h[i*2+j], wantH.At(i, j))
				}
			}
		}
	}
}

// TestMixtureEntropy compares the Monte Carlo entropy with 1-D quadrature.
func TestMixtureEntropy(t *testing.T) {
	a, _ := expfam.NewFullGaussian([]float64{-1}, mat.NewSymDense(1, []float64{4}))
	b, _ := expfam.NewFullGaussian([]float64{1}, mat.NewSymDense(1, []float64{1}))
	q, err := expfam.NewMixture([]float64{0.4, 0.6}, []*expfam.FullGaussian{a, b}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := quad.Fixed(func(x float64) float64 {
		lp := q.LogProb([]float64{x})
		return -math.Exp(lp) * lp
	}, -12, 12, 2000, nil, 0)
	h, se := q.EntropyMC(40000, rand.New(rand.NewPCG(3, 4)))
	if math.Abs(h-want) > 4*se {
		t.Errorf("entropy MC %g ± %g, quadrature %g", h, se, want)
	}
	// A mixture of identical components is that component.
	c, _ := expfam.NewMixture([]float64{0.5, 0.5}, []*expfam.FullGaussian{b, b}, false)
	if d := math.Abs(c.LogProb([]float64{0.3}) - b.LogProb([]float64{0.3})); d > 1e-15 {
		t.Errorf("log q of identical components differs by %g", d)
	}
}

// TestMixtureK1IsGaussianRule: with one component the mixture rule is the
// Gaussian rule exactly (the mean step uses the updated precision).
func TestMixtureK1IsGaussianRule(t *testing.T) {
	model := quadratic{a: []float64{3, 1, 1, 2}, b: []float64{1, -1}}
	g, _ := expfam.NewFullGaussian([]float64{0.5, 0.5}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	q, err := expfam.NewMixture([]float64{1}, []*expfam.FullGaussian{g.Clone().(*expfam.FullGaussian)}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, full := range []bool{false, true} {
		q.Responsibility = !full
		qg := g.Clone().(*expfam.FullGaussian)
		qm := q.Clone().(*expfam.Mixture)
		rule := blr.Rule{Estimator: &blr.Delta{Model: model}, Rate: blr.Constant(0.3)}
		var s1, s2 blr.State
		for range 10 {
			if _, err := rule.Step(qg, &s1, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := rule.Step(qm, &s2, nil); err != nil {
				t.Fatal(err)
			}
		}
		a, b := qg.Natural(nil), qm.Natural(nil)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-12*math.Max(1, math.Abs(a[i])) {
				t.Fatalf("full=%v: λ[%d] = %g (mixture) vs %g (Gaussian)", full, i, b[i], a[i])
			}
		}
	}
}

// quadratic is ℓ(θ) = ½θᵀAθ + bᵀθ.
type quadratic struct{ a, b []float64 }

func (q quadratic) Grad(g, th []float64) float64 {
	d := len(th)
	var f float64
	for i := range d {
		g[i] = q.b[i]
		for j := range d {
			g[i] += q.a[i*d+j] * th[j]
		}
		f += 0.5*th[i]*(g[i]-q.b[i]) + q.b[i]*th[i]
	}
	return f
}

func (q quadratic) Hess(h, _ []float64) { copy(h, q.a) }

func TestMixtureDomain(t *testing.T) {
	b, _ := expfam.NewFullGaussian([]float64{1}, mat.NewSymDense(1, []float64{1}))
	for _, w := range [][]float64{{0.5, 0.6}, {0, 1}, {-0.1, 1.1}, {math.NaN(), 1}, {1}} {
		if _, err := expfam.NewMixture(w, []*expfam.FullGaussian{b, b}, false); !errors.Is(err, expfam.ErrDomain) {
			t.Errorf("weights %v: err %v, want ErrDomain", w, err)
		}
	}
	q := mix2(t, false)
	before := q.Natural(nil)
	bad := append([]float64(nil), before...)
	bad[len(bad)-1] = 1 // component 2's λ₂ block: positive ⇒ S not PD
	if err := q.SetNatural(bad); !errors.Is(err, expfam.ErrDomain) {
		t.Fatalf("SetNatural of a non-PD component: err %v", err)
	}
	after := q.Natural(nil)
	for i := range before {
		if math.Float64bits(before[i]) != math.Float64bits(after[i]) {
			t.Fatalf("λ[%d] changed on a refused SetNatural", i)
		}
	}
}

// TestMixtureNilComponent: a nil component is refused with an error naming
// its index (it used to dereference nil), whichever position it holds.
func TestMixtureNilComponent(t *testing.T) {
	g, err := expfam.NewFullGaussian([]float64{0, 0}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		w     []float64
		comps []*expfam.FullGaussian
		want  string
	}{
		{[]float64{1}, []*expfam.FullGaussian{nil}, "nil component at index = 0"},
		{[]float64{0.5, 0.5}, []*expfam.FullGaussian{g, nil}, "nil component at index = 1"},
		{[]float64{0.5, 0.5}, []*expfam.FullGaussian{nil, g}, "nil component at index = 0"},
	} {
		q, err := expfam.NewMixture(tc.w, tc.comps, false)
		if q != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewMixture(%v, %v) = %v, %v; want an error mentioning %q", tc.w, tc.comps, q, err, tc.want)
		}
	}
}

// TestMixtureNilComponentDomain: a nil component is a *expfam.DomainError, as the
// other invalid components are.
func TestMixtureNilComponentDomain(t *testing.T) {
	g, err := expfam.NewFullGaussian([]float64{0}, mat.NewSymDense(1, []float64{1}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = expfam.NewMixture([]float64{0.5, 0.5}, []*expfam.FullGaussian{g, nil}, false)
	var de *expfam.DomainError
	if !errors.As(err, &de) || !errors.Is(err, expfam.ErrDomain) || de.Value != 1 {
		t.Fatalf("err = %v, want a *expfam.DomainError for index 1", err)
	}
}
