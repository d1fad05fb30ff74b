package infer

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

func newMix(t testing.TB, w []float64, means [][]float64, precs [][]float64) *expfam.Mixture {
	var comps []*expfam.FullGaussian
	for k := range means {
		d := len(means[k])
		c, err := expfam.NewFullGaussian(means[k], mat.NewSymDense(d, precs[k]))
		if err != nil {
			t.Fatal(err)
		}
		comps = append(comps, c)
	}
	q, err := expfam.NewMixture(w, comps, false)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// gridKL is KL(q‖p) = ∫q(log q − log p) by the midpoint rule on a 2-D box,
// for densities with negligible mass outside it.
func gridKL(q, p *expfam.Mixture, lo, hi float64, n int) float64 {
	h := (hi - lo) / float64(n)
	var kl float64
	th := make([]float64, 2)
	for i := range n {
		th[0] = lo + (float64(i)+0.5)*h
		for j := range n {
			th[1] = lo + (float64(j)+0.5)*h
			lq := q.LogProb(th)
			if lq < -50 {
				continue
			}
			kl += math.Exp(lq) * (lq - p.LogProb(th))
		}
	}
	return kl * h * h
}

func targetMixture(t testing.TB) *expfam.Mixture {
	return newMix(t, []float64{0.35, 0.65},
		[][]float64{{-2, 0}, {2, 1}},
		[][]float64{{2, 0.5, 0.5, 1}, {1, -0.3, -0.3, 1.5}})
}

func fitMixture(t testing.TB, model blr.Gradienter, q *expfam.Mixture, steps, samples int, rate blr.Schedule, seed uint64) {
	rule, err := MixtureVI(model, samples, blr.HessExact, rate)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(seed, 17))
	var st blr.State
	for i := range steps {
		if _, err := rule.Step(q, &st, rnd); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

// TestMixtureVIRecoversTarget: the mixture rule with K = 2 fitted to a
// target that is itself a 2-component Gaussian mixture recovers it: the KL
// divergence (by quadrature on a grid) falls below 1e-4 nats (from 0.7).
func TestMixtureVIRecoversTarget(t *testing.T) {
	p := targetMixture(t)
	q := newMix(t, []float64{0.5, 0.5}, [][]float64{{-1, 0.5}, {1, 0.5}}, [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}})
	before := gridKL(q, p, -9, 9, 300)
	fitMixture(t, MixtureLoss{p}, q, 600, 10, blr.RobbinsMonro{Rho0: 0.5, Tau: 20, Kappa: 0.6}, 1)
	after := gridKL(q, p, -9, 9, 300)
	t.Logf("KL(q‖p): %.4f before, %.2e after; weights %.4f (target 0.35, 0.65)", before, after, q.Weights(nil))
	if !(after < 1e-4) {
		t.Errorf("KL after fitting %.3g ≥ 1e-4", after)
	}
}

// TestMixtureVIBeatsGaussian: on the bimodal double banana the mixture's
// ELBO beats the single Gaussian's (K = 1, the same rule) by more than 10
// standard errors.
func TestMixtureVIBeatsGaussian(t *testing.T) {
	target := DoubleBanana{A: 2, B: 0.4, W: 1}
	rate := blr.RobbinsMonro{Rho0: 0.3, Tau: 20, Kappa: 0.6}
	one := newMix(t, []float64{1}, [][]float64{{0.5, 0}}, [][]float64{{1, 0, 0, 1}})
	two := newMix(t, []float64{0.5, 0.5}, [][]float64{{-1, 0}, {1, 0.2}}, [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}})
	fitMixture(t, target, one, 500, 10, rate, 2)
	fitMixture(t, target, two, 500, 10, rate, 3)
	rnd := rand.New(rand.NewPCG(5, 5))
	e1, se1, err := MixtureELBO(target, one, 20000, rnd)
	if err != nil {
		t.Fatal(err)
	}
	e2, se2, _ := MixtureELBO(target, two, 20000, rnd)
	t.Logf("ELBO: single Gaussian %.4f ± %.4f, mixture of 2 %.4f ± %.4f", e1, se1, e2, se2)
	if !(e2-e1 > 10*math.Hypot(se1, se2)) {
		t.Errorf("mixture ELBO %.4f does not beat the Gaussian's %.4f by 10 SE", e2, e1)
	}
}

func TestMixtureVIDeterministic(t *testing.T) {
	run := func() []float64 {
		q := newMix(t, []float64{0.5, 0.5}, [][]float64{{-1, 0}, {1, 0}}, [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}})
		fitMixture(t, DoubleBanana{2, 0.4, 1}, q, 30, 3, blr.Constant(0.2), 9)
		return q.Natural(nil)
	}
	a, b := run(), run()
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("λ[%d]: %v then %v", i, a[i], b[i])
		}
	}
}

func TestMixtureVIBadInput(t *testing.T) {
	target := DoubleBanana{2, 0.4, 1}
	if _, err := MixtureVI(nil, 1, blr.HessExact, blr.Constant(0.1)); !errors.Is(err, ErrInput) {
		t.Errorf("nil model: %v", err)
	}
	if _, err := MixtureVI(target, 0, blr.HessExact, blr.Constant(0.1)); !errors.Is(err, ErrInput) {
		t.Errorf("0 samples: %v", err)
	}
	if _, err := MixtureVI(target, 1, blr.HessExact, nil); !errors.Is(err, ErrInput) {
		t.Errorf("nil rate: %v", err)
	}
	if _, err := MixtureVI(gradOnly{}, 1, blr.HessExact, blr.Constant(0.1)); !errors.Is(err, ErrInput) {
		t.Errorf("gradient-only model with HessExact: %v", err)
	}
	e := &MixtureMC{Model: target, Samples: 1}
	g, _ := expfam.NewFullGaussian([]float64{0, 0}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if _, err := e.Estimate(nil, g, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInput) {
		t.Errorf("a Gaussian q: %v", err)
	}
	q := newMix(t, []float64{0.5, 0.5}, [][]float64{{-1, 0}, {1, 0}}, [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}})
	if _, err := e.Estimate(nil, q, nil); !errors.Is(err, ErrInput) {
		t.Errorf("nil rnd: %v", err)
	}
	// A loss that returns NaN is refused by the rule, which leaves q unchanged.
	rule, _ := MixtureVI(nanLoss{}, 2, blr.HessPrice, blr.Constant(0.1))
	before := q.Natural(nil)
	var st blr.State
	if _, err := rule.Step(q, &st, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, blr.ErrNonFinite) {
		t.Errorf("NaN loss: %v", err)
	}
	for i, v := range q.Natural(nil) {
		if v != before[i] {
			t.Fatal("q changed by a refused step")
		}
	}
}

// TestMixtureVIPrice: the gradient-only (Price) variant also recovers the
// target mixture.
func TestMixtureVIPrice(t *testing.T) {
	p := targetMixture(t)
	q := newMix(t, []float64{0.5, 0.5}, [][]float64{{-1, 0.5}, {1, 0.5}}, [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}})
	rule, err := MixtureVI(gradOnly{MixtureLoss{p}}, 10, blr.HessPrice, blr.RobbinsMonro{Rho0: 0.5, Tau: 20, Kappa: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(4, 4))
	var st blr.State
	for i := range 800 {
		if _, err := rule.Step(q, &st, rnd); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	kl := gridKL(q, p, -9, 9, 300)
	t.Logf("Price variant: KL(q‖p) = %.2e", kl)
	if !(kl < 1e-2) {
		t.Errorf("KL %.3g ≥ 1e-2", kl)
	}
}

type gradOnly struct{ l blr.Gradienter }

func (g gradOnly) Grad(grad, theta []float64) float64 {
	if g.l == nil {
		clear(grad)
		return 0
	}
	return g.l.Grad(grad, theta)
}

type nanLoss struct{}

func (nanLoss) Grad(grad, theta []float64) float64 {
	for i := range grad {
		grad[i] = math.NaN()
	}
	return math.NaN()
}
