package infer

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

func sym1(v float64) *mat.SymDense { return mat.NewSymDense(1, []float64{v}) }

// bishopModel builds Bishop's PRML §10.1.3 model: μ | τ ~ N(μ₀, (λ₀τ)⁻¹),
// τ ~ Gamma(a₀, b₀), xₙ ~ N(μ, τ⁻¹), with q(μ)q(τ) started at
// N(0, 1) and Gamma(a₀, eτ·a₀)… so that E[τ] = eτ.
func bishopModel(t testing.TB, x []float64, mu0, lam0, a0, b0, etau float64) (*Graph, *Node, *Node) {
	g := &Graph{}
	mu, err := g.Gaussian("μ", []float64{0}, sym1(1))
	if err != nil {
		t.Fatal(err)
	}
	tau, err := g.Gamma("τ", 1, 1/etau)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		g.Normal(mu, Observed{mu0}, tau, lam0),
		g.GammaPrior(tau, a0, b0),
		g.Normal(Observed(x), mu, tau, 1),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return g, mu, tau
}

// TestVMPBishop: VMP's iterates equal the classic coordinate updates of
// PRML §10.1.3 exactly:
// μ_N = (λ₀μ₀+Nx̄)/(λ₀+N), λ_N = (λ₀+N)E[τ], a_N = a₀+(N+1)/2,
// b_N = b₀ + ½E_μ[Σ(xₙ−μ)² + λ₀(μ−μ₀)²]; the ELBO never decreases.
func TestVMPBishop(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 3))
	x := make([]float64, 25)
	for i := range x {
		x[i] = 1.5 + 0.7*rnd.NormFloat64()
	}
	const mu0, lam0, a0, b0 = 0.3, 2.0, 1.5, 0.8
	g, mu, tau := bishopModel(t, x, mu0, lam0, a0, b0, 0.5)
	n := float64(len(x))
	var sum float64
	for _, v := range x {
		sum += v
	}
	xbar := sum / n
	etau := 0.5
	var dev float64
	prev := math.Inf(-1)
	for it := range 20 {
		if err := g.Sweep(mu, tau); err != nil {
			t.Fatal(err)
		}
		// The classic updates, written plainly.
		muN := (lam0*mu0 + n*xbar) / (lam0 + n)
		lamN := (lam0 + n) * etau
		aN := a0 + (n+1)/2
		emu2 := muN*muN + 1/lamN
		var ss float64
		for _, v := range x {
			ss += v*v - 2*v*muN + emu2
		}
		bN := b0 + 0.5*(ss+lam0*(emu2-2*mu0*muN+mu0*mu0))
		etau = aN / bN

		qm := mu.Q().(*expfam.FullGaussian)
		a, b := tau.Q().(*expfam.Gamma).Params()
		for _, p := range [][2]float64{{qm.Mean(nil)[0], muN}, {qm.Precision(nil).At(0, 0), lamN}, {a, aN}, {b, bN}} {
			dev = math.Max(dev, relErr(p[0], p[1]))
		}
		e := g.ELBO()
		if e < prev-1e-12*math.Abs(prev) {
			t.Errorf("sweep %d: ELBO fell from %.15g to %.15g", it, prev, e)
		}
		prev = e
	}
	if dev > 1e-12 {
		t.Errorf("max relative deviation from PRML §10.1.3 %.3g > 1e-12", dev)
	}
	t.Logf("VMP vs PRML §10.1.3: max relative deviation %.3g; final ELBO %.6f", dev, prev)
}

// TestVMPLinearRegressionARD: Bayesian linear regression with unknown noise
// precision β ~ Gamma(c₀, d₀) and ARD priors wⱼ ~ N(0, αⱼ⁻¹), αⱼ ~ Gamma(a₀, b₀):
// the iterates equal the plain mean-field updates (Bishop PRML §10.3 with
// ARD; Tipping 2001) and the ELBO never decreases.
func TestVMPLinearRegressionARD(t *testing.T) {
	const n, d = 60, 4
	rnd := rand.New(rand.NewPCG(4, 4))
	x := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	wTrue := []float64{1.5, 0, -2, 0}
	for i := range n {
		for j := range d {
			x.Set(i, j, rnd.NormFloat64())
			y[i] += wTrue[j] * x.At(i, j)
		}
		y[i] += 0.3 * rnd.NormFloat64()
	}
	const a0, b0, c0, d0 = 1e-2, 1e-4, 1e-2, 1e-4
	g := &Graph{}
	id := mat.NewSymDense(d, nil)
	for j := range d {
		id.SetSym(j, j, 1)
	}
	w, err := g.Gaussian("w", make([]float64, d), id)
	if err != nil {
		t.Fatal(err)
	}
	alphas := make([]*Node, d)
	for j := range alphas {
		if alphas[j], err = g.Gamma("α", 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := g.GammaPrior(alphas[j], a0, b0); err != nil {
			t.Fatal(err)
		}
	}
	beta, err := g.Gamma("β", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{g.ARD(w, nil, alphas...), g.GammaPrior(beta, c0, d0), g.Regression(x, y, w, beta, 0)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The plain updates.
	ea := []float64{1, 1, 1, 1}
	eb := 1.0
	var xtx mat.SymDense
	xtx.SymOuterK(1, x.T())
	var xty mat.VecDense
	xty.MulVec(x.T(), mat.NewVecDense(n, y))
	var dev float64
	prev := math.Inf(-1)
	order := append([]*Node{w}, append(alphas, beta)...)
	for it := range 30 {
		if err := g.Sweep(order...); err != nil {
			t.Fatal(err)
		}
		s := mat.NewSymDense(d, nil)
		s.ScaleSym(eb, &xtx)
		for j := range d {
			s.SetSym(j, j, s.At(j, j)+ea[j])
		}
		var cov mat.SymDense
		var chol mat.Cholesky
		if !chol.Factorize(s) {
			t.Fatal("S not PD")
		}
		if err := chol.InverseTo(&cov); err != nil {
			t.Fatal(err)
		}
		var m mat.VecDense
		m.MulVec(&cov, &xty)
		m.ScaleVec(eb, &m)
		an := make([]float64, d)
		bn := make([]float64, d)
		for j := range d {
			an[j] = a0 + 0.5
			bn[j] = b0 + 0.5*(m.AtVec(j)*m.AtVec(j)+cov.At(j, j))
			ea[j] = an[j] / bn[j]
		}
		var r mat.VecDense
		r.MulVec(x, &m)
		var sse float64
		for i := range n {
			sse += (y[i] - r.AtVec(i)) * (y[i] - r.AtVec(i))
		}
		var tr float64
		for i := range d {
			for j := range d {
				tr += xtx.At(i, j) * cov.At(i, j)
			}
		}
		cn := c0 + float64(n)/2
		dn := d0 + 0.5*(sse+tr)
		eb = cn / dn

		qm := w.Q().(*expfam.FullGaussian).Mean(nil)
		for j := range d {
			dev = math.Max(dev, relErr(qm[j], m.AtVec(j)))
			a, b := alphas[j].Q().(*expfam.Gamma).Params()
			dev = math.Max(dev, math.Max(relErr(a, an[j]), relErr(b, bn[j])))
		}
		c, dd := beta.Q().(*expfam.Gamma).Params()
		dev = math.Max(dev, math.Max(relErr(c, cn), relErr(dd, dn)))
		e := g.ELBO()
		if e < prev-1e-10*math.Abs(prev) {
			t.Errorf("sweep %d: ELBO fell from %.15g to %.15g", it, prev, e)
		}
		prev = e
	}
	if dev > 1e-11 {
		t.Errorf("max relative deviation from the plain updates %.3g > 1e-11", dev)
	}
	qm := w.Q().(*expfam.FullGaussian).Mean(nil)
	t.Logf("ARD regression: deviation %.3g, ELBO %.4f, w = %.3f, E[α] = %.3g", dev, prev, qm, ea)
	if math.Abs(qm[1]) > 0.1 || math.Abs(qm[3]) > 0.1 {
		t.Errorf("ARD did not prune the irrelevant weights: %v", qm)
	}
}

// TestVMPMixtureIsBatchVB: a Bayesian Gaussian mixture built in the engine
// (Dirichlet, Normal-Gamma and Categoricals nodes) gives the same iterates
// as full-batch SVI with ρ = 1 (itself checked against plain CAVI).
func TestVMPMixtureIsBatchVB(t *testing.T) {
	x := mixtureData(150, [][]float64{{-2, 0}, {2, 1}}, 0.7, 21)
	means := [][]float64{x[0], x[1]}
	p := testGMMPrior
	if _, err := NewBayesGMMAt(x, means, p, nil); err == nil {
		t.Fatal("nil rate accepted")
	}
	svi, err := NewBayesGMMAt(x, means, p, constOne{})
	if err != nil {
		t.Fatal(err)
	}
	g := &Graph{}
	pi, _ := g.Dirichlet("π", []float64{p.Alpha, p.Alpha})
	z, _ := g.Categoricals("z", len(x), 2)
	comps := make([][]*Node, 2)
	var order []*Node
	order = append(order, z, pi)
	for c := range 2 {
		for j := range 2 {
			n, err := g.NormalGamma("θ", means[c][j], p.Kappa0, p.A0, p.B0)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.NormalGammaPrior(n, p.M0, p.Kappa0, p.A0, p.B0); err != nil {
				t.Fatal(err)
			}
			comps[c] = append(comps[c], n)
			order = append(order, n)
		}
	}
	for _, err := range []error{g.DirichletPrior(pi, []float64{p.Alpha, p.Alpha}), g.Categorical(z, pi), g.GaussianMixture(x, z, comps)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var dev float64
	prev := math.Inf(-1)
	for it := range 20 {
		if err := g.Sweep(order...); err != nil {
			t.Fatal(err)
		}
		if _, err := svi.Step(allRows(len(x))); err != nil {
			t.Fatal(err)
		}
		a := pi.Q().(*expfam.Dirichlet).Alpha(nil)
		b := svi.pi.Alpha(nil)
		for c := range 2 {
			dev = math.Max(dev, relErr(a[c], b[c]))
			for j := range 2 {
				l1 := comps[c][j].Q().Natural(nil)
				l2 := svi.Component(c, j).Natural(nil)
				for i := range l1 {
					dev = math.Max(dev, relErr(l1[i], l2[i]))
				}
			}
		}
		e := g.ELBO()
		if e < prev-1e-10*math.Abs(prev) {
			t.Errorf("sweep %d: ELBO fell from %.15g to %.15g", it, prev, e)
		}
		prev = e
	}
	if dev > 1e-12 {
		t.Errorf("VMP mixture vs batch VB: max relative deviation %.3g > 1e-12", dev)
	}
	t.Logf("VMP mixture vs full-batch SVI: max relative deviation %.3g, ELBO %.4f", dev, prev)
}

type constOne struct{}

func (constOne) Rate(int) float64 { return 1 }

func TestVMPBadInput(t *testing.T) {
	g := &Graph{}
	mu, _ := g.Gaussian("μ", []float64{0}, sym1(1))
	tau, _ := g.Gamma("τ", 1, 1)
	other := &Graph{}
	foreign, _ := other.Gamma("τ'", 1, 1)
	for name, err := range map[string]error{
		"gamma prior a = 0":         g.GammaPrior(tau, 0, 1),
		"gamma prior b NaN":         g.GammaPrior(tau, 1, math.NaN()),
		"prior of the wrong kind":   g.GammaPrior(mu, 1, 1),
		"normal NaN data":           g.Normal(Observed{1, math.NaN()}, mu, tau, 1),
		"normal empty data":         g.Normal(Observed{}, mu, tau, 1),
		"normal scale 0":            g.Normal(Observed{1}, mu, tau, 0),
		"normal precision < 0":      g.Normal(Observed{1}, mu, Observed{-1}, 1),
		"normal mean Gamma":         g.Normal(Observed{1}, tau, tau, 1),
		"node of another graph":     g.Normal(Observed{1}, mu, foreign, 1),
		"ARD on a Gamma":            g.ARD(tau, nil, tau),
		"regression without data":   g.Regression(nil, nil, mu, tau, 0),
		"categorical without plate": g.Categorical(mu, tau),
		"mixture without data":      g.GaussianMixture(nil, mu, nil),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrInput) && !errors.Is(err, expfam.ErrDomain) {
			t.Errorf("%s: error %v wraps neither ErrInput nor expfam.ErrDomain", name, err)
		}
	}
	if _, err := g.Gamma("bad", -1, 1); err == nil {
		t.Error("Gamma node with shape −1 accepted")
	}
	if err := g.Update(foreign); !errors.Is(err, ErrInput) {
		t.Errorf("update of a foreign node: %v", err)
	}
}
