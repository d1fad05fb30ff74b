package expfam

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// testGauss is what the shared property tests need from each Gaussian family.
type testGauss interface {
	Gaussian
	LogPartition() float64
}

// gaussFamilies draw seeded random members from the stated ranges:
// D ∈ [1, 4]; means uniform in [−3, 3]; fixed variances and diagonal
// precisions log-uniform in [0.1, 10]; full precisions S = AAᵀ/D + cI with A
// standard normal and c log-uniform in [0.1, 10] (condition numbers up to
// about 10³).
var gaussFamilies = []struct {
	name string
	gen  func(r *rand.Rand) testGauss
}{
	{"fixed", func(r *rand.Rand) testGauss {
		d := 1 + r.IntN(4)
		q, err := NewFixedGaussian(uniform(r, d, -3, 3), logUniform(r, d, 0.1, 10))
		if err != nil {
			panic(err)
		}
		return q
	}},
	{"diag", func(r *rand.Rand) testGauss {
		d := 1 + r.IntN(4)
		q, err := NewDiagGaussian(uniform(r, d, -3, 3), logUniform(r, d, 0.1, 10))
		if err != nil {
			panic(err)
		}
		return q
	}},
	{"full", func(r *rand.Rand) testGauss {
		d := 1 + r.IntN(4)
		q, err := NewFullGaussian(uniform(r, d, -3, 3), randSPD(r, d))
		if err != nil {
			panic(err)
		}
		return q
	}},
}

func uniform(r *rand.Rand, n int, lo, hi float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = lo + (hi-lo)*r.Float64()
	}
	return x
}

func logUniform(r *rand.Rand, n int, lo, hi float64) []float64 {
	x := uniform(r, n, math.Log(lo), math.Log(hi))
	for i := range x {
		x[i] = math.Exp(x[i])
	}
	return x
}

// randSPD returns AAᵀ/D + cI with A standard normal and c log-uniform in [0.1, 10].
func randSPD(r *rand.Rand, d int) *mat.SymDense {
	a := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			a.Set(i, j, r.NormFloat64())
		}
	}
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1/float64(d), a)
	c := logUniform(r, 1, 0.1, 10)[0]
	for i := range d {
		s.SetSym(i, i, s.At(i, i)+c)
	}
	return s
}

// covariance returns q's covariance as a dense symmetric matrix.
func covariance(q Gaussian) *mat.SymDense {
	switch q := q.(type) {
	case *FixedGaussian:
		return diagSym(q.Variance(nil))
	case *DiagGaussian:
		return diagSym(q.Variance(nil))
	case *FullGaussian:
		return q.Covariance(nil)
	}
	panic("unknown family")
}

// precision returns q's precision as a dense symmetric matrix.
func precision(q Gaussian) *mat.SymDense {
	switch q := q.(type) {
	case *FixedGaussian:
		v := q.Variance(nil)
		for i := range v {
			v[i] = 1 / v[i]
		}
		return diagSym(v)
	case *DiagGaussian:
		return diagSym(q.Precision(nil))
	case *FullGaussian:
		return q.Precision(nil)
	}
	panic("unknown family")
}

func diagSym(v []float64) *mat.SymDense {
	s := mat.NewSymDense(len(v), nil)
	for i, x := range v {
		s.SetSym(i, i, x)
	}
	return s
}

func condSym(s *mat.SymDense) float64 {
	var ch mat.Cholesky
	if !ch.Factorize(s) {
		return math.Inf(1)
	}
	var ev mat.EigenSym
	ev.Factorize(s, false)
	v := ev.Values(nil)
	return v[len(v)-1] / v[0]
}

// refNormal is an independent reference for N(m, Σ) built from dense LU
// factorisations (gonum's distmv would need golang.org/x/tools in go.sum).
type refNormal struct {
	m      []float64
	cov    *mat.Dense
	prec   *mat.Dense
	logDet float64 // log det Σ
}

func newRef(q Gaussian) refNormal {
	d := q.ParamDim()
	cov := mat.NewDense(d, d, nil)
	cov.Copy(covariance(q))
	var prec mat.Dense
	if err := prec.Inverse(cov); err != nil {
		panic(err)
	}
	ld, sign := mat.LogDet(cov)
	if sign <= 0 {
		panic("covariance not PD")
	}
	return refNormal{m: q.Mean(nil), cov: cov, prec: &prec, logDet: ld}
}

func (n refNormal) entropy() float64 {
	return 0.5 * (float64(len(n.m))*(1+math.Log(2*math.Pi)) + n.logDet)
}

// kl is ½[tr(Σp⁻¹Σq) − D + log det Σp − log det Σq + (mp−mq)ᵀΣp⁻¹(mp−mq)].
func (n refNormal) kl(p refNormal) float64 {
	d := len(n.m)
	var prod mat.Dense
	prod.Mul(p.prec, n.cov)
	dm := mat.NewVecDense(d, nil)
	dm.SubVec(mat.NewVecDense(d, p.m), mat.NewVecDense(d, n.m))
	return 0.5 * (mat.Trace(&prod) - float64(d) + p.logDet - n.logDet + mat.Inner(dm, p.prec, dm))
}

func (n refNormal) logProb(x []float64) float64 {
	d := len(n.m)
	z := mat.NewVecDense(d, nil)
	z.SubVec(mat.NewVecDense(d, x), mat.NewVecDense(d, n.m))
	return -0.5 * (float64(d)*math.Log(2*math.Pi) + n.logDet + mat.Inner(z, n.prec, z))
}

// kl is the per-type KL divergence.
func kl(q, p Gaussian) float64 {
	switch q := q.(type) {
	case *FixedGaussian:
		return q.KL(p.(*FixedGaussian))
	case *DiagGaussian:
		return q.KL(p.(*DiagGaussian))
	case *FullGaussian:
		return q.KL(p.(*FullGaussian))
	}
	panic("unknown family")
}

// recoverNatural maps μ back to λ by the closed form (test only; the rule
// never does this): fixed λ = Σ⁻¹μ; otherwise Σ = μ₂ − μ₁μ₁ᵀ, S = Σ⁻¹,
// λ = [S μ₁, −½S].
func recoverNatural(q Gaussian, mu []float64) []float64 {
	d := q.ParamDim()
	switch q := q.(type) {
	case *FixedGaussian:
		v := q.Variance(nil)
		lam := make([]float64, d)
		for i := range lam {
			lam[i] = mu[i] / v[i]
		}
		return lam
	case *DiagGaussian:
		lam := make([]float64, 2*d)
		for i := range d {
			s := 1 / (mu[d+i] - mu[i]*mu[i])
			lam[i] = s * mu[i]
			lam[d+i] = -0.5 * s
		}
		return lam
	}
	sigma := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sigma.SetSym(i, j, mu[d+i*d+j]-mu[i]*mu[j])
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sigma) {
		panic("recovered covariance not PD")
	}
	var s mat.SymDense
	_ = ch.InverseTo(&s)
	lam := make([]float64, d+d*d)
	for i := range d {
		for j := range d {
			lam[i] += s.At(i, j) * mu[j]
			lam[d+i*d+j] = -0.5 * s.At(i, j)
		}
	}
	return lam
}

func maxAbs(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func maxAbsDiff(x, y []float64) float64 {
	if len(x) != len(y) {
		return math.Inf(1)
	}
	var m float64
	for i := range x {
		m = math.Max(m, math.Abs(x[i]-y[i]))
	}
	return m
}

func bitsEqual(x, y []float64) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return false
		}
	}
	return true
}

func TestGaussRoundTrip(t *testing.T) {
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			worst := 0.0
			for k := range 1000 {
				q := fam.gen(r)
				lam := q.Natural(nil)
				if err := q.SetNatural(lam); err != nil {
					t.Fatal(err)
				}
				if got := q.Natural(nil); !bitsEqual(got, lam) {
					t.Fatalf("#%d: SetNatural(λ); Natural() changed λ: %v → %v", k, lam, got)
				}
				back := recoverNatural(q, q.Expectation(nil))
				cond := condSym(precision(q))
				// λ → μ → λ passes through Σ = μ₂ − mmᵀ and its inverse.
				scale := cond * (1 + maxAbs(q.Mean(nil))*maxAbs(q.Mean(nil))*maxAbs(precision(q).RawSymmetric().Data))
				err := maxAbsDiff(back, lam) / math.Max(1, maxAbs(lam))
				worst = math.Max(worst, err/scale)
				if err > 1e-10*scale {
					t.Fatalf("#%d: λ→μ→λ relative error %g > 1e-10·%g\nλ = %v\nback = %v", k, err, scale, lam, back)
				}
			}
			t.Logf("worst error/scale: %.3g", worst)
		})
	}
}

// TestGaussGradLogPartition checks ∇A(λ) = μ by central differences in every
// coordinate of λ; for the full Gaussian's matrix block the direction is
// (E_ij + E_ji)/2, under which the derivative is μ₂[i,j].
func TestGaussGradLogPartition(t *testing.T) {
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			set := &fd.Settings{Formula: fd.Central, Step: 1e-5}
			for k := range 1000 {
				q := fam.gen(r)
				lam := q.Natural(nil)
				mu := q.Expectation(nil)
				p := q.Clone().(testGauss)
				d := q.ParamDim()
				trial := make([]float64, len(lam))
				for c := range lam {
					i, j := c, c // perturb λ[i] and λ[j] by h/2 each
					if _, ok := q.(*FullGaussian); ok && c >= d {
						row, col := (c-d)/d, (c-d)%d
						j = d + col*d + row
					}
					a := func(h float64) float64 {
						copy(trial, lam)
						trial[i] += h / 2
						trial[j] += h / 2
						if err := p.SetNatural(trial); err != nil {
							t.Fatalf("#%d: %v", k, err)
						}
						return p.LogPartition()
					}
					got := fd.Derivative(a, 0, set)
					if e := math.Abs(got - mu[c]); e > 1e-6*math.Max(1, math.Abs(mu[c])) {
						t.Fatalf("#%d coordinate %d: ∂A/∂λ = %.12g (central difference), μ = %.12g", k, c, got, mu[c])
					}
				}
			}
		})
	}
}

func TestGaussEntropyKL(t *testing.T) {
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			for k := range 1000 {
				q := fam.gen(r)
				var p testGauss
				for p = fam.gen(r); p.ParamDim() != q.ParamDim(); p = fam.gen(r) {
				}
				nq, np := newRef(q), newRef(p)
				if got, want := q.Entropy(), nq.entropy(); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Fatalf("#%d: entropy %.15g, reference %.15g", k, got, want)
				}
				if got, want := kl(q, p), nq.kl(np); math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
					t.Fatalf("#%d: KL %.15g, reference %.15g", k, got, want)
				}
				if got := kl(q, q); math.Abs(got) > 1e-12*float64(q.ParamDim()) {
					t.Fatalf("#%d: KL(q‖q) = %g", k, got)
				}
				theta := q.Sample(nil, r)
				if got, want := q.LogProb(theta), nq.logProb(theta); math.Abs(got-want) > 1e-11*math.Max(1, math.Abs(want)) {
					t.Fatalf("#%d: log q(θ) = %.15g, reference %.15g", k, got, want)
				}
			}
		})
	}
}

// TestGaussSampleMoments checks the sample mean and variance of each
// coordinate, and the sample covariance of the first two, within 4 standard
// errors.
func TestGaussSampleMoments(t *testing.T) {
	const n = 20000
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			for k := range 5 {
				var q testGauss
				for q = fam.gen(r); q.ParamDim() < 2; q = fam.gen(r) {
				}
				d := q.ParamDim()
				cov := covariance(q)
				m := q.Mean(nil)
				sum := make([]float64, d)
				sq := make([]float64, d)
				var cross float64
				theta := make([]float64, d)
				for range n {
					q.Sample(theta, r)
					for i, x := range theta {
						z := x - m[i]
						sum[i] += z
						sq[i] += z * z
					}
					cross += (theta[0] - m[0]) * (theta[1] - m[1])
				}
				for i := range d {
					v := cov.At(i, i)
					if e, se := sum[i]/n, math.Sqrt(v/n); math.Abs(e) > 4*se {
						t.Errorf("#%d coordinate %d: sample mean error %g > 4 SE (%g)", k, i, e, se)
					}
					if e, se := sq[i]/n-v, v*math.Sqrt(2.0/n); math.Abs(e) > 4*se {
						t.Errorf("#%d coordinate %d: sample variance error %g > 4 SE (%g)", k, i, e, se)
					}
				}
				c01, v0, v1 := cov.At(0, 1), cov.At(0, 0), cov.At(1, 1)
				if e, se := cross/n-c01, math.Sqrt((v0*v1+c01*c01)/n); math.Abs(e) > 4*se {
					t.Errorf("#%d: sample covariance error %g > 4 SE (%g)", k, e, se)
				}
			}
		})
	}
}

// TestGaussMuGrad checks the Bonnet and Price conversion on a quadratic
// f(θ) = ½θᵀAθ − bᵀθ, given g = E_q[∇f] = Am − b and H = A. For the full
// family E_q[f] = ½⟨A, μ₂⟩ − bᵀμ₁, so ∇_μE_q[f] = [−b, ½A]; a diagonal q sees
// diag A, giving [g − diag(A)⊙m, ½diag A]; for the fixed family μ = m and
// ∇_m E_q[f] = g.
func TestGaussMuGrad(t *testing.T) {
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, 10))
			for k := range 100 {
				q := fam.gen(r)
				d := q.ParamDim()
				a := randSPD(r, d)
				b := uniform(r, d, -1, 1)
				m := q.Mean(nil)
				g := make([]float64, d) // E_q[∇f] = Am − b
				for i := range d {
					for j := range d {
						g[i] += a.At(i, j) * m[j]
					}
					g[i] -= b[i]
				}
				var h, want []float64
				switch q.Layout() {
				case NoHessian:
					want = g
				case DiagHessian:
					h = make([]float64, d)
					want = make([]float64, 2*d)
					for i := range d {
						h[i] = a.At(i, i)
						want[i] = g[i] - h[i]*m[i]
						want[d+i] = 0.5 * h[i]
					}
				case FullHessian:
					h = make([]float64, d*d)
					want = make([]float64, d+d*d)
					for i := range d {
						want[i] = -b[i]
						for j := range d {
							h[i*d+j] = a.At(i, j)
							want[d+i*d+j] = 0.5 * a.At(i, j)
						}
					}
				}
				got := q.MuGrad(nil, g, h)
				if e := maxAbsDiff(got, want); e > 1e-12*math.Max(1, maxAbs(want)) {
					t.Fatalf("#%d: MuGrad = %v, want %v", k, got, want)
				}
			}
		})
	}
}

func TestGaussPrecisionMul(t *testing.T) {
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			for k := range 100 {
				q := fam.gen(r)
				d := q.ParamDim()
				v := uniform(r, d, -1, 1)
				s := precision(q)
				want := make([]float64, d)
				for i := range d {
					for j := range d {
						want[i] += s.At(i, j) * v[j]
					}
				}
				if got := q.PrecisionMul(nil, v); maxAbsDiff(got, want) > 1e-13*math.Max(1, maxAbs(want)) {
					t.Fatalf("#%d: S v = %v, want %v", k, got, want)
				}
			}
		})
	}
}

func TestGaussCloneIndependent(t *testing.T) {
	for _, fam := range gaussFamilies {
		t.Run(fam.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(13, 14))
			q := fam.gen(r)
			before := q.Natural(nil)
			c := q.Clone().(testGauss)
			lam := c.Natural(nil)
			lam[0] += 1
			if err := c.SetNatural(lam); err != nil {
				t.Fatal(err)
			}
			if !bitsEqual(q.Natural(nil), before) {
				t.Fatal("changing the clone changed the original")
			}
			if bitsEqual(c.Natural(nil), before) {
				t.Fatal("the clone did not change")
			}
			if c.Entropy() != q.Entropy() {
				t.Fatalf("entropy of the clone %g, original %g", c.Entropy(), q.Entropy())
			}
		})
	}
}

// TestGaussSetNaturalRejects: a λ outside the domain gives an error wrapping
// ErrDomain and leaves q bit-for-bit unchanged.
func TestGaussSetNaturalRejects(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	fixed := func() testGauss { q, _ := NewFixedGaussian([]float64{1, -2}, []float64{1, 4}); return q }
	diag := func() testGauss { q, _ := NewDiagGaussian([]float64{1, -2}, []float64{2, 0.5}); return q }
	full := func() testGauss {
		q, _ := NewFullGaussian([]float64{1, -2}, mat.NewSymDense(2, []float64{2, 0.3, 0.3, 1}))
		return q
	}
	cases := []struct {
		name  string
		q     func() testGauss
		lam   []float64
		field string
	}{
		{"fixed NaN", fixed, []float64{nan, 0}, "natural[0]"},
		{"fixed Inf", fixed, []float64{0, -inf}, "natural[1]"},
		{"fixed mean overflow", func() testGauss { q, _ := NewFixedGaussian([]float64{0}, []float64{1e300}); return q }, []float64{1e10}, "mean[0]"},
		{"diag NaN mean block", diag, []float64{nan, 0, -1, -1}, "natural[0]"},
		{"diag NaN precision", diag, []float64{0, 0, -1, nan}, "precision[1]"},
		{"diag zero precision", diag, []float64{0, 0, 0, -1}, "precision[0]"},
		{"diag negative precision", diag, []float64{0, 0, -1, 0.5}, "precision[1]"},
		{"diag precision overflow", diag, []float64{0, 0, -1e308, -1}, "precision[0]"},
		{"diag mean overflow", diag, []float64{1e300, 0, -1e-300, -1}, "mean[0]"},
		{"full NaN mean block", full, []float64{nan, 0, -1, 0, 0, -1}, "natural[0]"},
		{"full NaN matrix", full, []float64{0, 0, -1, nan, 0, -1}, "natural[3]"},
		{"full Inf matrix", full, []float64{0, 0, -1, 0, 0, -inf}, "natural[5]"},
		{"full overflow", full, []float64{0, 0, -1, -1e308, -1e308, -1}, "precision[0,1]"},
		{"full not PD", full, []float64{0, 0, -1, -2, -2, -1}, "precision"},
		{"full negative definite", full, []float64{0, 0, 1, 0, 0, 1}, "precision"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q()
			before, mean := q.Natural(nil), q.Mean(nil)
			err := q.SetNatural(c.lam)
			if !errors.Is(err, ErrDomain) {
				t.Fatalf("SetNatural(%v) = %v, want an error wrapping ErrDomain", c.lam, err)
			}
			var de *DomainError
			if !errors.As(err, &de) || len(de.Field) < len(c.field) || de.Field[:len(c.field)] != c.field {
				t.Fatalf("error %v does not name the field %q", err, c.field)
			}
			if !bitsEqual(q.Natural(nil), before) || !bitsEqual(q.Mean(nil), mean) {
				t.Fatalf("q changed after a refused SetNatural")
			}
			// q still works.
			if err := q.SetNatural(before); err != nil {
				t.Fatalf("SetNatural of the old λ: %v", err)
			}
		})
	}
}

func TestGaussAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	full, err := NewFullGaussian(uniform(r, 50, -1, 1), randSPD(r, 50))
	if err != nil {
		t.Fatal(err)
	}
	// 200 > 64 exercises the blocked factorisation.
	fullBlocked, err := NewFullGaussian(uniform(r, 200, -1, 1), randSPD(r, 200))
	if err != nil {
		t.Fatal(err)
	}
	diag, err := NewDiagGaussian(uniform(r, 1000, -1, 1), logUniform(r, 1000, 0.1, 10))
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := NewFixedGaussian(uniform(r, 1000, -1, 1), logUniform(r, 1000, 0.1, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []testGauss{full, fullBlocked, diag, fixed} {
		lam := q.Natural(nil)
		dir := make([]float64, len(lam))
		for i := range dir {
			dir[i] = 0.01 * r.NormFloat64()
		}
		dst := make([]float64, len(lam))
		theta := make([]float64, q.ParamDim())
		g := make([]float64, q.ParamDim())
		var h []float64
		switch q.Layout() {
		case DiagHessian:
			h = make([]float64, q.ParamDim())
		case FullHessian:
			h = make([]float64, q.ParamDim()*q.ParamDim())
		}
		ops := map[string]func(){
			"SetNatural":   func() { _ = q.SetNatural(lam) },
			"Natural":      func() { q.Natural(dst) },
			"EntropyGrad":  func() { q.EntropyGrad(dst) },
			"MuGrad":       func() { q.MuGrad(dst, g, h) },
			"Sample":       func() { q.Sample(theta, r) },
			"PrecisionMul": func() { q.PrecisionMul(g, theta) },
			"LogProb":      func() { q.LogProb(theta) },
		}
		if rt, ok := q.(Retractor); ok {
			ops["Retract"] = func() {
				if _, err := rt.Retract(dst, dir, 0.5); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, op := range ops {
			op()
			if a := testing.AllocsPerRun(5, op); a != 0 {
				t.Errorf("%T(D=%d).%s: %v allocations per call", q, q.ParamDim(), name, a)
			}
		}
	}
}
