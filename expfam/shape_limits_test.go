package expfam_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
)

// TestShapeLimits: a shape or concentration whose natural parameter
// (value − 1) rounds to −1, or one above MaxShape, is refused by the
// constructor and by SetNatural with a *DomainError naming the field and
// value. Gamma(1e-17, 1) used to be accepted with λ₀ = −1 (shape 0), so
// Sample panicked inside gonum and Entropy was NaN; Beta, Gamma and
// Dirichlet with a concentration of 1e308 gave a NaN Entropy.
func TestShapeLimits(t *testing.T) {
	newGamma := func(a float64) error { _, err := expfam.NewGamma(a, 1); return err }
	newBeta := func(a float64) error { _, err := expfam.NewBeta(a, 1); return err }
	newDir := func(a float64) error { _, err := expfam.NewDirichlet([]float64{1, a}); return err }
	newNG := func(a float64) error { _, err := expfam.NewNormalGamma(0, 1, a, 1); return err }
	for _, tc := range []struct {
		name string
		f    func(float64) error
		v    float64
		want string
	}{
		{"NewGamma", newGamma, 1e-17, "Gamma shape = 1e-17: must exceed 2⁻⁵⁴"},
		{"NewGamma", newGamma, 0x1p-54, "Gamma shape = 5.55"},
		{"NewGamma", newGamma, 1e308, "Gamma shape = 1e+308: must be positive and at most 1e+300 (MaxShape)"},
		{"NewGamma", newGamma, math.Inf(1), "Gamma shape = +Inf"},
		{"NewBeta", newBeta, 1e-17, "Beta alpha = 1e-17: must exceed 2⁻⁵⁴"},
		{"NewBeta", newBeta, 1e308, "Beta alpha = 1e+308: must be positive and at most 1e+300"},
		{"NewDirichlet", newDir, 1e-17, "Dirichlet alpha[1] = 1e-17: must exceed 2⁻⁵⁴"},
		{"NewDirichlet", newDir, 1e308, "Dirichlet alpha[1] = 1e+308: must be positive and at most 1e+300"},
		{"NewNormalGamma", newNG, 1e308, "NormalGamma λ[2] (a−½) = 1e+308: the shape a must be at most 1e+300"},
	} {
		err := tc.f(tc.v)
		famCheckErr(t, fmt.Sprintf("%s(%g)", tc.name, tc.v), err, tc.want)
		if err != nil && !errors.Is(err, expfam.ErrDomain) {
			t.Errorf("%s(%g): %v does not wrap ErrDomain", tc.name, tc.v, err)
		}
	}

	g, _ := expfam.NewGamma(2, 1)
	b, _ := expfam.NewBeta(2, 1)
	d, _ := expfam.NewDirichlet([]float64{2, 1})
	for _, tc := range []struct {
		q    expfam.Family
		lam  []float64
		want string
	}{
		{g, []float64{1e308, -1}, "Gamma λ[0] (shape−1) = 1e+308: must be finite, > -1 and at most 1e+300 (MaxShape)"},
		{g, []float64{-1, -1}, "Gamma λ[0] (shape−1) = -1"},
		{b, []float64{1, 1e308}, "Beta λ[1] (beta−1) = 1e+308"},
		{d, []float64{1e308, 0}, "Dirichlet λ[0] (alpha−1) = 1e+308"},
	} {
		before := tc.q.Natural(nil)
		famCheckErr(t, fmt.Sprintf("%T.SetNatural(%v)", tc.q, tc.lam), tc.q.SetNatural(tc.lam), tc.want)
		if after := tc.q.Natural(nil); after[0] != before[0] || after[1] != before[1] {
			t.Errorf("%T: a refused SetNatural changed λ from %v to %v", tc.q, before, after)
		}
	}

	// The smallest and largest accepted shapes give a finite entropy and,
	// for the Gamma, a sample.
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, a := range []float64{0x1p-53, 1e-16, expfam.MaxShape} {
		g, err := expfam.NewGamma(a, 1)
		if err != nil {
			t.Fatalf("NewGamma(%g, 1): %v", a, err)
		}
		if h := g.Entropy(); math.IsNaN(h) || math.IsInf(h, 0) {
			t.Errorf("Gamma(%g, 1).Entropy() = %g", a, h)
		}
		if x := g.Sample(nil, rnd)[0]; math.IsNaN(x) || x < 0 {
			t.Errorf("Gamma(%g, 1).Sample = %g", a, x)
		}
		bq, err := expfam.NewBeta(a, 1)
		if err != nil {
			t.Fatalf("NewBeta(%g, 1): %v", a, err)
		}
		dq, err := expfam.NewDirichlet([]float64{a, 1})
		if err != nil {
			t.Fatalf("NewDirichlet(%g, 1): %v", a, err)
		}
		for name, h := range map[string]float64{"Beta": bq.Entropy(), "Dirichlet": dq.Entropy()} {
			if math.IsNaN(h) || math.IsInf(h, 0) {
				t.Errorf("%s(%g, 1).Entropy() = %g", name, a, h)
			}
		}
	}
}

// TestCategoricalExtremeLogits: for logits as far apart as (1e308, −1e308),
// where λₖ − A overflows to −Inf, Entropy and KL are finite (they were NaN:
// 0·(−Inf)); the classes whose probability underflows contribute 0.
func TestCategoricalExtremeLogits(t *testing.T) {
	q, err := expfam.NewCategoricalNatural([]float64{1e308, -1e308})
	if err != nil {
		t.Fatal(err)
	}
	if h := q.Entropy(); h != 0 {
		t.Errorf("Entropy() = %g, want 0 (all the mass on class 0)", h)
	}
	if kl := q.KL(q); kl != 0 {
		t.Errorf("KL(q ‖ q) = %g, want 0", kl)
	}
	p, _ := expfam.NewCategoricalNatural([]float64{-1e308, 1e308})
	if kl := p.KL(q); !math.IsInf(kl, 1) {
		t.Errorf("KL(p ‖ q) with disjoint supports = %g, want +Inf", kl)
	}
	u, _ := expfam.NewCategoricalNatural([]float64{0, 0})
	if kl := q.KL(u); math.Abs(kl-math.Log(3)) > 1e-15 {
		t.Errorf("KL(q ‖ uniform) = %g, want log 3", kl)
	}
}
