package blr_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

// linearPosterior is one conjugate step (ρ = 1) of the rule for Bayesian
// linear regression on rows [lo, hi) of x, y from the prior: the exact
// posterior of that shard.
func linearPosterior(t *testing.T, prior *expfam.FullGaussian, x [][]float64, y []float64, tau float64) *expfam.FullGaussian {
	t.Helper()
	d := len(x[0])
	xd := mat.NewDense(len(x), d, nil)
	for i, r := range x {
		xd.SetRow(i, r)
	}
	lik, err := glm.NewLinear(xd, y, tau, 0)
	if err != nil {
		t.Fatal(err)
	}
	q := prior.Clone().(*expfam.FullGaussian)
	rule := blr.Rule{Prior: prior, Estimator: blr.Exact{Likelihood: lik}, Rate: blr.Constant(1)}
	if _, err := rule.Step(q, &blr.State{}, nil); err != nil {
		t.Fatal(err)
	}
	return q
}

// closedForm returns the exact posterior S = S₀ + τXᵀX,
// m = S⁻¹(S₀m₀ + τXᵀy) by a direct Cholesky solve.
func closedForm(t *testing.T, prior *expfam.FullGaussian, x [][]float64, y []float64, tau float64) ([]float64, *mat.SymDense) {
	t.Helper()
	d := len(x[0])
	s := prior.Precision(nil)
	b := mat.NewVecDense(d, nil)
	b.MulVec(s, mat.NewVecDense(d, prior.Mean(nil)))
	for i, r := range x {
		xv := mat.NewVecDense(d, r)
		s.SymRankOne(s, tau, xv)
		b.AddScaledVec(b, tau*y[i], xv)
	}
	var ch mat.Cholesky
	if !ch.Factorize(s) {
		t.Fatal("closed-form precision not PD")
	}
	var m mat.VecDense
	if err := ch.SolveVecTo(&m, b); err != nil {
		t.Fatal(err)
	}
	return m.RawVector().Data, s
}

func relDiffVec(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / math.Max(den, math.SmallestNonzeroFloat64)
}

func relDiffSym(a, b mat.Symmetric) float64 {
	n := a.SymmetricDim()
	var num, den float64
	for i := range n {
		for j := range n {
			num = math.Max(num, math.Abs(a.At(i, j)-b.At(i, j)))
			den = math.Max(den, math.Abs(b.At(i, j)))
		}
	}
	return num / den
}

// condition returns the 2-norm condition number of a symmetric PD matrix.
func condition(s mat.Symmetric) float64 {
	var eig mat.EigenSym
	if !eig.Factorize(s, false) {
		return math.Inf(1)
	}
	v := eig.Values(nil)
	return v[len(v)-1] / v[0]
}

// TestMergeFullLinearRegression splits a Bayesian linear regression into K
// shards, learns each shard's posterior by one conjugate rule step from a
// common (non-isotropic, non-zero-mean) prior, merges them, and compares the
// merge with the full-data posterior (by the rule and in closed form).
func TestMergeFullLinearRegression(t *testing.T) {
	for _, ds := range []struct {
		name string
		skew bool
	}{{"standardised", false}, {"ill-conditioned", true}} {
		t.Run(ds.name, func(t *testing.T) { mergeLinear(t, ds.skew) })
	}
}

// mergeLinear runs the merge test on standard normal features or, with skew,
// on columns rescaled over four orders of magnitude with two nearly
// collinear ones.
func mergeLinear(t *testing.T, skew bool) {
	const n, d, noise = 240, 6, 0.5
	tau := 1 / (noise * noise)
	x, y, _ := data.LinearData(n, d, noise, 11)
	if skew {
		scale := []float64{1, 10, 100, 0.1, 0.01, 1}
		for _, r := range x {
			r[5] = r[0] + 1e-2*r[5]
			for j := range r {
				r[j] *= scale[j]
			}
		}
	}
	m0 := []float64{0.5, -0.3, 0, 0.2, 1, -1}
	p0 := mat.NewSymDense(d, nil)
	for i := range d {
		p0.SetSym(i, i, 2+0.5*float64(i))
		if i > 0 {
			p0.SetSym(i, i-1, 0.4)
		}
	}
	prior, err := expfam.NewFullGaussian(m0, p0)
	if err != nil {
		t.Fatal(err)
	}
	full := linearPosterior(t, prior, x, y, tau)
	cfMean, cfPrec := closedForm(t, prior, x, y, tau)
	kappa := condition(full.Precision(nil))
	tol := 1e-12 * kappa
	if d := relDiffVec(full.Mean(nil), cfMean); d > tol {
		t.Fatalf("full-data rule step vs closed form: mean rel dev %.3g > %.3g", d, tol)
	}
	for _, tc := range []struct {
		name string
		cuts []int // shard boundaries inside [0, n)
	}{
		{"K=1", nil},
		{"K=2 equal", []int{120}},
		{"K=3 unequal", []int{17, 150}},
		{"K=5", []int{48, 96, 144, 192}},
		{"K=8 tiny shards", []int{1, 2, 3, 10, 40, 41, 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bounds := append(append([]int{0}, tc.cuts...), n)
			var shards []*expfam.FullGaussian
			for k := range len(bounds) - 1 {
				lo, hi := bounds[k], bounds[k+1]
				shards = append(shards, linearPosterior(t, prior, x[lo:hi], y[lo:hi], tau))
			}
			merged, err := blr.MergeFull(prior, shards)
			if err != nil {
				t.Fatal(err)
			}
			dm := relDiffVec(merged.Mean(nil), full.Mean(nil))
			ds := relDiffSym(merged.Precision(nil), full.Precision(nil))
			dmc := relDiffVec(merged.Mean(nil), cfMean)
			dsc := relDiffSym(merged.Precision(nil), cfPrec)
			t.Logf("K=%d κ(S)=%.1f: vs rule full-data: mean %.2g precision %.2g; vs closed form: mean %.2g precision %.2g",
				len(shards), kappa, dm, ds, dmc, dsc)
			if ds > 1e-12 || dsc > 1e-12 {
				t.Errorf("precision rel dev %.3g / %.3g > 1e-12", ds, dsc)
			}
			if dm > tol || dmc > tol {
				t.Errorf("mean rel dev %.3g / %.3g > 1e-12·κ = %.3g", dm, dmc, tol)
			}
		})
	}
}

// TestMergeDiag merges per-coordinate conjugate Gaussian posteriors (known
// noise, independent coordinates) and compares with the full-data posterior
// in closed form.
func TestMergeDiag(t *testing.T) {
	const d = 4
	m0 := []float64{1, -2, 0, 0.5}
	s0 := []float64{0.5, 1, 2, 4}
	tau := []float64{1, 3, 0.2, 10}
	obs := [][]float64{ // shard k: observations of every coordinate
		{0.3, -1, 2.5, 0.1},
		{0.1, 0.4, -0.7, 0.2},
		{1.2, -0.2, 0.9, 0.05},
	}
	post := func(rows [][]float64) *expfam.DiagGaussian {
		m := make([]float64, d)
		s := make([]float64, d)
		for j := range d {
			s[j] = s0[j]
			lm := s0[j] * m0[j]
			for _, r := range rows {
				s[j] += tau[j]
				lm += tau[j] * r[j]
			}
			m[j] = lm / s[j]
		}
		q, err := expfam.NewDiagGaussian(m, s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	prior := post(nil)
	full := post(obs)
	var shards []*expfam.DiagGaussian
	for _, r := range obs {
		shards = append(shards, post([][]float64{r}))
	}
	merged, err := blr.MergeDiag(prior, shards)
	if err != nil {
		t.Fatal(err)
	}
	if dm, ds := relDiffVec(merged.Mean(nil), full.Mean(nil)), relDiffVec(merged.Precision(nil), full.Precision(nil)); dm > 1e-14 || ds > 1e-15 {
		t.Errorf("merged vs full: mean rel dev %.3g, precision %.3g", dm, ds)
	}
}

// TestMergeErrors checks that every bad argument gives an error naming it.
func TestMergeErrors(t *testing.T) {
	eye := func(d int, v float64) *mat.SymDense {
		s := mat.NewSymDense(d, nil)
		for i := range d {
			s.SetSym(i, i, v)
		}
		return s
	}
	full := func(d int, v float64) *expfam.FullGaussian {
		q, err := expfam.NewFullGaussian(make([]float64, d), eye(d, v))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	diag := func(d int, v float64) *expfam.DiagGaussian {
		s := make([]float64, d)
		for i := range s {
			s[i] = v
		}
		q, err := expfam.NewDiagGaussian(make([]float64, d), s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	for _, tc := range []struct {
		name   string
		merge  func() error
		target error
		field  string
	}{
		{"full nil prior", func() error { _, err := blr.MergeFull(nil, []*expfam.FullGaussian{full(2, 1)}); return err }, blr.ErrConfig, "prior"},
		{"full no shards", func() error { _, err := blr.MergeFull(full(2, 1), nil); return err }, blr.ErrConfig, "shards"},
		{"full nil shard", func() error { _, err := blr.MergeFull(full(2, 1), []*expfam.FullGaussian{full(2, 2), nil}); return err }, blr.ErrConfig, "shards[1]"},
		{"full dim mismatch", func() error { _, err := blr.MergeFull(full(2, 1), []*expfam.FullGaussian{full(3, 2)}); return err }, blr.ErrConfig, "shards[0] dimension = 3"},
		{"full not PD", func() error {
			_, err := blr.MergeFull(full(2, 1), []*expfam.FullGaussian{full(2, 0.2), full(2, 0.3)})
			return err
		}, expfam.ErrDomain, "precision"},
		{"diag nil prior", func() error { _, err := blr.MergeDiag(nil, []*expfam.DiagGaussian{diag(2, 1)}); return err }, blr.ErrConfig, "prior"},
		{"diag no shards", func() error { _, err := blr.MergeDiag(diag(2, 1), []*expfam.DiagGaussian{}); return err }, blr.ErrConfig, "shards"},
		{"diag nil shard", func() error { _, err := blr.MergeDiag(diag(2, 1), []*expfam.DiagGaussian{nil}); return err }, blr.ErrConfig, "shards[0]"},
		{"diag dim mismatch", func() error {
			_, err := blr.MergeDiag(diag(3, 1), []*expfam.DiagGaussian{diag(3, 2), diag(1, 2)})
			return err
		}, blr.ErrConfig, "shards[1] dimension = 1"},
		{"diag not PD", func() error {
			_, err := blr.MergeDiag(diag(2, 1), []*expfam.DiagGaussian{diag(2, 0.2), diag(2, 0.3)})
			return err
		}, expfam.ErrDomain, "precision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.merge()
			if !errors.Is(err, tc.target) {
				t.Fatalf("error %v, want one wrapping %v", err, tc.target)
			}
			if got := err.Error(); !strings.Contains(got, tc.field) {
				t.Errorf("error %q does not name %q", got, tc.field)
			}
		})
	}
}

// Two shards of a one-dimensional conjugate Gaussian model, each updated
// from the prior N(0, 1) with unit-precision observations, merge into the
// posterior of both observations: S = 2 + 3 − 1 = 4 (the prior and three
// observations), m = (2·0.5 + 3·1 − 0)/4 = 1.
func ExampleMergeFull() {
	gauss := func(m, s float64) *expfam.FullGaussian {
		q, err := expfam.NewFullGaussian([]float64{m}, mat.NewSymDense(1, []float64{s}))
		if err != nil {
			panic(err)
		}
		return q
	}
	prior := gauss(0, 1)
	a := gauss(0.5, 2) // prior × N(y=1; θ, 1)
	b := gauss(1, 3)   // prior × N(y=1; θ, 1) × N(y=2; θ, 1)
	merged, err := blr.MergeFull(prior, []*expfam.FullGaussian{a, b})
	if err != nil {
		panic(err)
	}
	fmt.Printf("m = %.4g, S = %.4g\n", merged.Mean(nil)[0], merged.Precision(nil).At(0, 0))
	// Output: m = 1, S = 4
}
