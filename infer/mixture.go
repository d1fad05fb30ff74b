package infer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

// MixtureFamily is what MixtureMC needs of q: its Gaussian components and
// the gradient and Hessian of log q (expfam.Mixture is one).
type MixtureFamily interface {
	expfam.Componentwise
	// GradHessLogProb writes ∇log q(θ) and, if hess is non-nil, ∇²log q(θ),
	// and returns log q(θ).
	GradHessLogProb(grad, hess, theta []float64) float64
}

// MixtureMC is the Monte Carlo estimator of the mixture rule (Lin, Khan &
// Schmidt, ICML 2019; Khan & Rue 2023, §5.4) for q = Σₖ πₖ N(mₖ, Sₖ⁻¹): for
// each component k it draws θ₁..θ_S ~ qₖ and estimates
//
//	gₖ = E_{qₖ}[∇(ℓ + log q)]  (Bonnet),
//	Hₖ = E_{qₖ}[∇²(ℓ + log q)]  (Price: ∇²ℓ from the model, or
//	     E_{qₖ}[sym(Sₖ(θ−mₖ)∇ℓᵀ)] with HessPrice; ∇²log q exactly),
//	fₖ = E_{qₖ}[ℓ + log q],
//
// and writes component k's block as qₖ.MuGrad(gₖ, Hₖ) and the weight block
// as fₖ − f_K. Since these include log q, it implements
// blr.EntropyEstimator: the rule does not add the family's EntropyGrad. Its
// draws come from the rnd passed to Estimate, so a fixed seed gives
// bit-identical runs. Not safe for concurrent use.
type MixtureMC struct {
	// Model gives ℓ and ∇ℓ (Grad returns ℓ(θ)); with Hessian = HessExact it
	// must also be a blr.Hessianer.
	Model blr.Gradienter
	// Samples is S, the draws per component; > 0.
	Samples int
	// Hessian is blr.HessExact (the model's Hessian) or blr.HessPrice.
	Hessian blr.HessianKind

	theta, diff, a, gl, glq, g, hl, hlq, h, m []float64
	f                                         []float64
}

// IncludesEntropy implements blr.EntropyEstimator.
func (e *MixtureMC) IncludesEntropy() bool { return true }

// Estimate implements blr.Estimator.
func (e *MixtureMC) Estimate(dst []float64, q expfam.Family, rnd *rand.Rand) ([]float64, error) {
	if e.Model == nil {
		return nil, inputErr("MixtureMC.Model", nil, "required")
	}
	if e.Samples <= 0 {
		return nil, inputErr("MixtureMC.Samples", e.Samples, "want > 0")
	}
	if rnd == nil {
		return nil, inputErr("rnd", nil, "MixtureMC needs a random source")
	}
	mix, ok := q.(MixtureFamily)
	if !ok {
		return nil, inputErr("family", fmt.Sprintf("%T", q), "MixtureMC needs a mixture of Gaussians (expfam.Mixture)")
	}
	var hessian blr.Hessianer
	switch e.Hessian {
	case blr.HessExact:
		if hessian, ok = e.Model.(blr.Hessianer); !ok {
			return nil, inputErr("MixtureMC.Model", fmt.Sprintf("%T", e.Model), "HessExact needs Hess(hess, theta); or use HessPrice")
		}
	case blr.HessPrice:
	default:
		return nil, inputErr("MixtureMC.Hessian", e.Hessian, "want HessExact or HessPrice")
	}
	if dst == nil {
		dst = make([]float64, q.Dim())
	}
	k := mix.NumComponents()
	w := mix.WeightDim()
	c0 := mix.Component(0)
	d := c0.ParamDim()
	for _, b := range []*[]float64{&e.theta, &e.diff, &e.a, &e.gl, &e.glq, &e.g, &e.m} {
		*b = grow(*b, d)
	}
	for _, b := range []*[]float64{&e.hl, &e.hlq, &e.h} {
		*b = grow(*b, d*d)
	}
	e.f = grow(e.f, k)
	inv := 1 / float64(e.Samples)
	off := w
	for c := range k {
		comp := mix.Component(c)
		if comp.Layout() != expfam.FullHessian {
			return nil, inputErr(fmt.Sprintf("component %d", c), fmt.Sprintf("%T", comp), "MixtureMC needs full-Gaussian components")
		}
		comp.Mean(e.m)
		clear(e.g)
		clear(e.h)
		var f float64
		for range e.Samples {
			theta := comp.Sample(e.theta, rnd)
			l := e.Model.Grad(e.gl, theta)
			lq := mix.GradHessLogProb(e.glq, e.hlq, theta)
			f += l + lq
			for i := range d {
				e.g[i] += e.gl[i] + e.glq[i]
			}
			if hessian != nil {
				hessian.Hess(e.hl, theta)
				for i := range e.h {
					e.h[i] += e.hl[i] + e.hlq[i]
				}
				continue
			}
			for i := range d {
				e.diff[i] = theta[i] - e.m[i]
			}
			comp.PrecisionMul(e.a, e.diff)
			for i := range d {
				for j := range d {
					e.h[i*d+j] += 0.5*(e.a[i]*e.gl[j]+e.gl[i]*e.a[j]) + e.hlq[i*d+j]
				}
			}
		}
		for i := range e.g {
			e.g[i] *= inv
		}
		for i := range e.h {
			e.h[i] *= inv
		}
		e.f[c] = f * inv
		n := comp.Dim()
		comp.MuGrad(dst[off:off+n], e.g, e.h)
		off += n
	}
	for i := range w {
		dst[i] = e.f[i] - e.f[k-1]
	}
	return dst, nil
}

// MixtureVI returns the rule of non-conjugate variational inference with a
// mixture of Gaussians (Lin, Khan & Schmidt 2019; Khan & Rue 2023, §5.4):
// the estimator MixtureMC, the step sizes rate and the positivity-preserving
// update (expfam.Mixture implements Retract, so every Sₖ stays positive
// definite). Each step is, for every component and for the weights,
//
//	Sₖ′ = Sₖ + ρĜₖ + ½ρ²ĜₖSₖ⁻¹Ĝₖ (Ĝₖ = Hₖ),  mₖ′ = mₖ − ρSₖ′⁻¹gₖ,
//	log(πₖ/π_K)′ = log(πₖ/π_K) − ρ(fₖ − f_K).
//
// Start it on an expfam.Mixture (weights not fixed, to learn them).
func MixtureVI(model blr.Gradienter, samples int, hessian blr.HessianKind, rate blr.Schedule) (*blr.Rule, error) {
	if model == nil {
		return nil, inputErr("model", nil, "required")
	}
	if samples <= 0 {
		return nil, inputErr("samples", samples, "want > 0")
	}
	if rate == nil {
		return nil, inputErr("rate", nil, "required")
	}
	if hessian == blr.HessExact {
		if _, ok := model.(blr.Hessianer); !ok {
			return nil, inputErr("model", fmt.Sprintf("%T", model), "HessExact needs Hess(hess, theta); or use blr.HessPrice")
		}
	} else if hessian != blr.HessPrice {
		return nil, inputErr("hessian", hessian, "want blr.HessExact or blr.HessPrice")
	}
	return &blr.Rule{Estimator: &MixtureMC{Model: model, Samples: samples, Hessian: hessian}, Rate: rate, PositivityPreserving: true}, nil
}

// MixtureELBO estimates the ELBO E_q[−ℓ(θ) − log q(θ)] of a mixture q for the
// loss ℓ (an unnormalised −log p) from n draws; it returns the estimate and
// its standard error.
func MixtureELBO(model blr.Gradienter, q *expfam.Mixture, n int, rnd *rand.Rand) (elbo, se float64, err error) {
	if model == nil || q == nil || rnd == nil {
		return 0, 0, inputErr("model, q, rnd", "nil", "all required")
	}
	if n < 2 {
		return 0, 0, inputErr("n", n, "want at least 2 draws")
	}
	d := q.ParamDim()
	theta := make([]float64, d)
	g := make([]float64, d)
	var s, s2 float64
	for range n {
		q.Sample(theta, rnd)
		v := -model.Grad(g, theta) - q.LogProb(theta)
		s += v
		s2 += v * v
	}
	mean := s / float64(n)
	return mean, math.Sqrt(math.Max(s2/float64(n)-mean*mean, 0) / float64(n-1)), nil
}

// MixtureLoss is ℓ(θ) = −log p(θ) for a target density p that is itself a
// mixture of Gaussians, with its gradient and Hessian; a test target for
// MixtureVI (its KL from q is 0 when q = p).
type MixtureLoss struct {
	P *expfam.Mixture
}

// Grad implements blr.Gradienter.
func (l MixtureLoss) Grad(grad, theta []float64) float64 {
	v := l.P.GradHessLogProb(grad, nil, theta)
	for i := range grad {
		grad[i] = -grad[i]
	}
	return -v
}

// Hess implements blr.Hessianer.
func (l MixtureLoss) Hess(hess, theta []float64) {
	g := make([]float64, len(theta))
	l.P.GradHessLogProb(g, hess, theta)
	for i := range hess {
		hess[i] = -hess[i]
	}
}

// DoubleBanana is a bimodal two-dimensional target, two curved modes at
// θ₁ = ±A:
//
//	ℓ(θ) = (θ₁² − A²)²/(2W) + (θ₂ − B(θ₁² − A²))²/2,
//
// the negative log of an unnormalised density (W > 0 sets the modes' width
// along θ₁, B their bend).
type DoubleBanana struct {
	A, B, W float64
}

// Grad implements blr.Gradienter.
func (t DoubleBanana) Grad(grad, theta []float64) float64 {
	x, y := theta[0], theta[1]
	u := x*x - t.A*t.A
	r := y - t.B*u
	grad[0] = 2*x*u/t.W - 2*t.B*x*r
	grad[1] = r
	return u*u/(2*t.W) + r*r/2
}

// Hess implements blr.Hessianer.
func (t DoubleBanana) Hess(hess, theta []float64) {
	x, y := theta[0], theta[1]
	u := x*x - t.A*t.A
	r := y - t.B*u
	hess[0] = (2*u+4*x*x)/t.W - 2*t.B*r + 4*t.B*t.B*x*x
	hess[1] = -2 * t.B * x
	hess[2] = hess[1]
	hess[3] = 1
}
