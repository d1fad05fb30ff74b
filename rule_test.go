package blr

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// quadModel is ℓ(θ) = ½θᵀAθ − bᵀθ (A symmetric, D×D row-major).
type quadModel struct {
	a, b []float64
}

func (m quadModel) dim() int { return len(m.b) }

func (m quadModel) Grad(grad, theta []float64) float64 {
	d := m.dim()
	var f float64
	for i := range d {
		var ai float64
		for j := range d {
			ai += m.a[i*d+j] * theta[j]
		}
		grad[i] = ai - m.b[i]
		f += theta[i] * (0.5*ai - m.b[i])
	}
	return f
}

func (m quadModel) Hess(hess, _ []float64) { copy(hess, m.a) }

func (m quadModel) HessDiag(hess, _ []float64) {
	d := m.dim()
	for i := range d {
		hess[i] = m.a[i*d+i]
	}
}

func (m quadModel) GaussNewton(ggn, _ []float64) { copy(ggn, m.a) }

// logisticModel is the logistic loss Σᵢ log(1 + exp(−yᵢxᵢᵀθ)) plus an
// optional Gaussian prior term ½(θ−m₀)ᵀdiag(p₀)(θ−m₀).
type logisticModel struct {
	x      [][]float64
	y      []float64
	m0, p0 []float64 // nil: no prior term
}

func (m logisticModel) Grad(grad, theta []float64) float64 {
	clear(grad)
	var f float64
	for i, xi := range m.x {
		var z float64
		for j, v := range xi {
			z += v * theta[j]
		}
		yz := m.y[i] * z
		f += math.Log1p(math.Exp(-yz))
		s := -m.y[i] / (1 + math.Exp(yz)) // d/dz log(1+e^{−yz})
		for j, v := range xi {
			grad[j] += s * v
		}
	}
	for j := range m.p0 {
		dt := theta[j] - m.m0[j]
		grad[j] += m.p0[j] * dt
		f += 0.5 * m.p0[j] * dt * dt
	}
	return f
}

func (m logisticModel) Hess(hess, theta []float64) {
	d := len(theta)
	clear(hess)
	for _, xi := range m.x {
		var z float64
		for j, v := range xi {
			z += v * theta[j]
		}
		p := 1 / (1 + math.Exp(-z))
		w := p * (1 - p)
		for j := range d {
			for k := range d {
				hess[j*d+k] += w * xi[j] * xi[k]
			}
		}
	}
	for j := range m.p0 {
		hess[j*d+j] += m.p0[j]
	}
}

func (m logisticModel) HessDiag(hess, theta []float64) {
	d := len(theta)
	full := make([]float64, d*d)
	m.Hess(full, theta)
	for j := range d {
		hess[j] = full[j*d+j]
	}
}

func newLogistic(r *rand.Rand, n, d int) logisticModel {
	m := logisticModel{x: make([][]float64, n), y: make([]float64, n)}
	for i := range n {
		m.x[i] = make([]float64, d)
		var z float64
		for j := range d {
			m.x[i][j] = r.NormFloat64()
			z += m.x[i][j] * float64(j+1) / float64(d)
		}
		m.y[i] = 1
		if r.Float64() > 1/(1+math.Exp(-z)) {
			m.y[i] = -1
		}
	}
	return m
}

// constEstimator fills the estimate with one value (NaN to test refusals).
type constEstimator float64

func (c constEstimator) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	if dst == nil {
		dst = make([]float64, q.Dim())
	}
	for i := range dst {
		dst[i] = float64(c)
	}
	return dst, nil
}

func spd(d int, diag float64, r *rand.Rand) *mat.SymDense {
	a := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			a.Set(i, j, r.NormFloat64())
		}
	}
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1/float64(d), a)
	for i := range d {
		s.SetSym(i, i, s.At(i, i)+diag)
	}
	return s
}

func symRaw(s *mat.SymDense) []float64 {
	d := s.SymmetricDim()
	out := make([]float64, d*d)
	for i := range d {
		for j := range d {
			out[i*d+j] = s.At(i, j)
		}
	}
	return out
}

func sameBitsRule(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func maxRelDiff(a, b []float64) float64 {
	var scale, diff float64
	for i := range a {
		scale = math.Max(scale, math.Abs(b[i]))
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
	}
	return diff / math.Max(1, scale)
}

// TestRuleStepTransactional: every refused step returns its typed error and
// leaves λ and State.T bit-identical.
func TestRuleStepTransactional(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	negDef := quadModel{a: []float64{-3, 1, 1, -2}, b: []float64{1, 1}}
	fullQ := func() expfam.Family {
		q, err := expfam.NewFullGaussian([]float64{0.5, -1}, mat.NewSymDense(2, []float64{2, 0.3, 0.3, 1}))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	diagQ := func() expfam.Family {
		q, err := expfam.NewDiagGaussian([]float64{0.5, -1}, []float64{2, 1})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	fixedQ := func() expfam.Family {
		q, err := expfam.NewFixedGaussian([]float64{0.5, -1}, []float64{1, 1})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	good := quadModel{a: []float64{2, 0.5, 0.5, 1}, b: []float64{1, -1}}
	cases := []struct {
		name   string
		q      func() expfam.Family
		rule   Rule
		rnd    *rand.Rand
		want   error
		target any    // a pointer to the typed error
		field  string // a substring of the error's field, if any
	}{
		{"NaN estimate", fullQ, Rule{Estimator: constEstimator(math.NaN()), Rate: Constant(0.5)}, nil, ErrNonFinite, new(*NonFiniteError), "estimate"},
		{"Inf estimate", diagQ, Rule{Estimator: constEstimator(math.Inf(-1)), Rate: Constant(0.5)}, nil, ErrNonFinite, new(*NonFiniteError), "estimate"},
		{"rate 0", fullQ, Rule{Estimator: &Delta{Model: good}, Rate: Constant(0)}, nil, ErrConfig, new(*ConfigError), "rate"},
		{"rate −0.1", fullQ, Rule{Estimator: &Delta{Model: good}, Rate: Constant(-0.1)}, nil, ErrConfig, new(*ConfigError), "rate"},
		{"rate 1.5", diagQ, Rule{Estimator: &Delta{Model: good}, Rate: Constant(1.5)}, nil, ErrConfig, new(*ConfigError), "rate"},
		{"rate NaN", fixedQ, Rule{Estimator: &Delta{Model: good}, Rate: Constant(math.NaN())}, nil, ErrConfig, new(*ConfigError), "rate"},
		{"no rate", fullQ, Rule{Estimator: &Delta{Model: good}}, nil, ErrConfig, new(*ConfigError), "Rate"},
		{"no estimator", fullQ, Rule{Rate: Constant(0.5)}, nil, ErrConfig, new(*ConfigError), "Estimator"},
		{"full not PD", fullQ, Rule{Estimator: &Delta{Model: negDef}, Rate: Constant(0.9)}, nil, expfam.ErrDomain, new(*expfam.DomainError), "precision"},
		{"diag not PD", diagQ, Rule{Estimator: &Delta{Model: negDef}, Rate: Constant(0.9)}, nil, expfam.ErrDomain, new(*expfam.DomainError), "precision"},
		{"MC not PD", fullQ, Rule{Estimator: &MonteCarlo{Model: negDef, Samples: 3}, Rate: Constant(0.9)}, r, expfam.ErrDomain, new(*expfam.DomainError), "precision"},
		{"iBLR on a fixed Gaussian", fixedQ, Rule{Estimator: &Delta{Model: good}, Rate: Constant(0.5), PositivityPreserving: true}, nil, ErrConfig, new(*ConfigError), "PositivityPreserving"},
		{"MC without rnd", fullQ, Rule{Estimator: &MonteCarlo{Model: good, Samples: 1}, Rate: Constant(0.5)}, nil, ErrConfig, new(*ConfigError), "rnd"},
		{"MC with 0 samples", fullQ, Rule{Estimator: &MonteCarlo{Model: good}, Rate: Constant(0.5)}, r, ErrConfig, new(*ConfigError), "Samples"},
		{"MC without Hessian", fullQ, Rule{Estimator: &MonteCarlo{Model: logisticGradOnly{}, Samples: 1}, Rate: Constant(0.5)}, r, ErrConfig, new(*ConfigError), "Model"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q()
			var s State
			// One good step first, so that T and the buffers are not fresh.
			warm := Rule{Estimator: &Delta{Model: good}, Rate: Constant(0.25)}
			if _, err := warm.Step(q, &s, nil); err != nil {
				t.Fatal(err)
			}
			lam, tBefore := q.Natural(nil), s.T
			_, err := c.rule.Step(q, &s, c.rnd)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want one wrapping %v", err, c.want)
			}
			if !errors.As(err, c.target) {
				t.Fatalf("err = %v (%T), want %T", err, err, c.target)
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("err = %q does not name %q", err, c.field)
			}
			if !sameBitsRule(q.Natural(nil), lam) || s.T != tBefore {
				t.Fatalf("a refused step changed q or the state: T %d → %d", tBefore, s.T)
			}
		})
	}
}

// logisticGradOnly has a gradient and no curvature.
type logisticGradOnly struct{}

func (logisticGradOnly) Grad(grad, theta []float64) float64 {
	copy(grad, theta)
	return 0
}

// TestRuleGradientDescent: a fixed-covariance Gaussian with Σ = I and the
// delta method is gradient descent, bit for bit, with no shrinkage
// (corrections, point 1).
func TestRuleGradientDescent(t *testing.T) {
	model := quadModel{a: []float64{3, 1, 0, 1, 2, 0.5, 0, 0.5, 1}, b: []float64{1, -2, 0.5}}
	m := []float64{4, -3, 2}
	q, err := expfam.NewFixedGaussian(m, []float64{1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	rule := Rule{Estimator: &Delta{Model: model}, Rate: Constant(0.2)}
	var s State
	g := make([]float64, 3)
	for step := range 50 {
		if _, err := rule.Step(q, &s, nil); err != nil {
			t.Fatal(err)
		}
		model.Grad(g, m)
		for i := range m {
			m[i] -= 0.2 * g[i]
		}
		if got := q.Mean(nil); !sameBitsRule(got, m) {
			t.Fatalf("step %d: rule m = %v, gradient descent %v", step, got, m)
		}
	}
}

// TestRuleVONForms: the generic λ update equals the closed-form variational
// online Newton update S′ = (1−ρ)S + ρH, m′ = m − ρS′⁻¹∇ℓ(m).
func TestRuleVONForms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	model := newLogistic(r, 40, 3)
	model.m0, model.p0 = []float64{0, 0, 0}, []float64{1, 1, 1}
	s0 := spd(3, 2, r)
	q, err := expfam.NewFullGaussian([]float64{0.3, -0.2, 0.1}, s0)
	if err != nil {
		t.Fatal(err)
	}
	const rho = 0.3
	rule := Rule{Estimator: &Delta{Model: model}, Rate: Constant(rho)}
	var st State
	m := q.Mean(nil)
	s := mat.DenseCopyOf(s0)
	g, h := make([]float64, 3), make([]float64, 9)
	for step := range 30 {
		if _, err := rule.Step(q, &st, nil); err != nil {
			t.Fatal(err)
		}
		model.Grad(g, m)
		model.Hess(h, m)
		s.Scale(1-rho, s)
		var hs mat.Dense
		hs.Scale(rho, mat.NewDense(3, 3, h))
		s.Add(s, &hs)
		var dm mat.VecDense
		if err := dm.SolveVec(s, mat.NewVecDense(3, g)); err != nil {
			t.Fatal(err)
		}
		for i := range m {
			m[i] -= rho * dm.AtVec(i)
		}
		if e := maxRelDiff(q.Mean(nil), m); e > 1e-12 {
			t.Fatalf("step %d: mean differs by %g", step, e)
		}
		if e := maxRelDiff(symRaw(q.Precision(nil)), s.RawMatrix().Data); e > 1e-12 {
			t.Fatalf("step %d: precision differs by %g", step, e)
		}
	}
}

// TestRuleVONDiag: the diagonal rule with a prior equals the closed form
// s′ = (1−ρ)s + ρ(ĥ + s₀), m′ = m − ρ(ĝ + s₀⊙(m − m₀))/s′, plain and (with
// the correction ½ρ²(ĥ + s₀ − s)²/s added to s′) iBLR.
func TestRuleVONDiag(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	model := newLogistic(r, 40, 3)
	m0, s0 := []float64{0.2, -0.1, 0}, []float64{2, 1, 3}
	for _, iblr := range []bool{false, true} {
		q, err := expfam.NewDiagGaussian([]float64{0.3, -0.2, 0.1}, []float64{1, 2, 0.5})
		if err != nil {
			t.Fatal(err)
		}
		prior, err := expfam.NewDiagGaussian(m0, s0)
		if err != nil {
			t.Fatal(err)
		}
		const rho = 0.3
		rule := Rule{Prior: prior, Estimator: &Delta{Model: model}, Rate: Constant(rho), PositivityPreserving: iblr}
		var st State
		m, s := q.Mean(nil), q.Precision(nil)
		g, h := make([]float64, 3), make([]float64, 3)
		for step := range 30 {
			if _, err := rule.Step(q, &st, nil); err != nil {
				t.Fatal(err)
			}
			model.Grad(g, m)
			model.HessDiag(h, m)
			for i := range m {
				gg := h[i] + s0[i] - s[i]
				sn := s[i] + rho*gg
				if iblr {
					sn += 0.5 * rho * rho * gg * gg / s[i]
				}
				s[i] = sn
				m[i] -= rho * (g[i] + s0[i]*(m[i]-m0[i])) / sn
			}
			if e := maxRelDiff(q.Mean(nil), m); e > 1e-13 {
				t.Fatalf("iBLR %v step %d: mean differs by %g", iblr, step, e)
			}
			if e := maxRelDiff(q.Precision(nil), s); e > 1e-13 {
				t.Fatalf("iBLR %v step %d: precision differs by %g", iblr, step, e)
			}
		}
	}
}

// TestRulePriorForm: λ ← λ − ρ(∇_μE[L_N] + λ − λ₀) with the prior as a member
// of q's family gives the same iterates as the no-prior form with R inside
// the loss (corrections, point 2).
func TestRulePriorForm(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const d = 3
	data := newLogistic(r, 50, d)
	m0, p0 := []float64{0.5, -0.5, 0.2}, []float64{2, 1, 0.5}
	withR := data
	withR.m0, withR.p0 = m0, p0
	cases := []struct {
		name  string
		q     func() (q, prior expfam.Family)
		iBLR  bool
		rho   float64
		steps int
	}{
		{"full", fullPair(m0, p0), false, 0.5, 20},
		{"full iBLR", fullPair(m0, p0), true, 0.7, 20},
		{"diag", diagPair(m0, p0), false, 0.5, 20},
		{"diag iBLR", diagPair(m0, p0), true, 0.7, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qa, prior := c.q()
			qb := qa.Clone()
			ra := Rule{Estimator: &Delta{Model: withR}, Rate: Constant(c.rho), PositivityPreserving: c.iBLR}
			rb := Rule{Prior: prior, Estimator: &Delta{Model: data}, Rate: Constant(c.rho), PositivityPreserving: c.iBLR}
			var sa, sb State
			for step := range c.steps {
				if _, err := ra.Step(qa, &sa, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := rb.Step(qb, &sb, nil); err != nil {
					t.Fatal(err)
				}
				if e := maxRelDiff(qb.Natural(nil), qa.Natural(nil)); e > 1e-12 {
					t.Fatalf("step %d: λ differs by %g", step, e)
				}
			}
		})
	}
}

func fullPair(m0, p0 []float64) func() (expfam.Family, expfam.Family) {
	return func() (expfam.Family, expfam.Family) {
		d := len(m0)
		pm := mat.NewSymDense(d, nil)
		start := mat.NewSymDense(d, nil)
		for i := range d {
			pm.SetSym(i, i, p0[i])
			start.SetSym(i, i, 1)
		}
		start.SetSym(0, 1, 0.2)
		prior, err := expfam.NewFullGaussian(m0, pm)
		if err != nil {
			panic(err)
		}
		q, err := expfam.NewFullGaussian([]float64{1, 1, -1}, start)
		if err != nil {
			panic(err)
		}
		return q, prior
	}
}

func diagPair(m0, p0 []float64) func() (expfam.Family, expfam.Family) {
	return func() (expfam.Family, expfam.Family) {
		prior, err := expfam.NewDiagGaussian(m0, p0)
		if err != nil {
			panic(err)
		}
		q, err := expfam.NewDiagGaussian([]float64{1, 1, -1}, []float64{1, 3, 0.5})
		if err != nil {
			panic(err)
		}
		return q, prior
	}
}

// TestRuleNewtonStep: with the delta method and ρ = 1 one step on a quadratic
// lands on its minimiser with S = A (Newton's method).
func TestRuleNewtonStep(t *testing.T) {
	model := quadModel{a: []float64{4, 1, 1, 3}, b: []float64{1, 2}}
	q, err := expfam.NewFullGaussian([]float64{10, -7}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	rule := Rule{Estimator: &Delta{Model: model}, Rate: Constant(1)}
	if _, err := rule.Step(q, &State{}, nil); err != nil {
		t.Fatal(err)
	}
	want := []float64{1.0 / 11, 7.0 / 11} // A⁻¹b
	if e := maxRelDiff(q.Mean(nil), want); e > 1e-15 {
		t.Fatalf("m = %v, want %v", q.Mean(nil), want)
	}
	if e := maxRelDiff(symRaw(q.Precision(nil)), model.a); e != 0 {
		t.Fatalf("S = %v, want %v", symRaw(q.Precision(nil)), model.a)
	}
}

// TestRuleIBLRKeepsPD: the reference's worked example through Rule.Step:
// the plain step is refused with ErrDomain, the iBLR step is taken.
func TestRuleIBLRKeepsPD(t *testing.T) {
	model := quadModel{a: []float64{-3, 1, 1, 0.5}, b: []float64{0.1, 0.2}}
	newQ := func() expfam.Family {
		q, err := expfam.NewFullGaussian([]float64{0.5, -1}, mat.NewSymDense(2, []float64{2, 0.3, 0.3, 1}))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	plain := Rule{Estimator: &Delta{Model: model}, Rate: Constant(0.9)}
	if _, err := plain.Step(newQ(), &State{}, nil); !errors.Is(err, expfam.ErrDomain) {
		t.Fatalf("plain step: err = %v, want ErrDomain", err)
	}
	ib := plain
	ib.PositivityPreserving = true
	q := newQ()
	var s State
	for step := range 10 {
		if _, err := ib.Step(q, &s, nil); err != nil {
			t.Fatalf("iBLR step %d: %v", step, err)
		}
	}
	if s.T != 10 {
		t.Fatalf("T = %d, want 10", s.T)
	}
}
