package table

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"github.com/bayesrule/blr/infer"
	"github.com/bayesrule/blr/internal/special"
	"gonum.org/v1/gonum/mat"
)

func init() {
	register(Row{
		Name: "Expectation-maximisation", Family: "q(z) categorical (ρ = 1) × q(θ) Gaussian",
		Approximation: "delta method for θ, ρ = 1 (a Newton step on Q)",
		Reference:     "classic EM on a Gaussian mixture: means only (Q quadratic, ≤ 1e-12) and means, variances, weights with the inner Newton loop converged",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-10,
		Check: checkEM,
	})
	register(Row{
		Name: "Stochastic VI", Family: "mean-field: Dirichlet × Normal-Gamma × categorical",
		Approximation: "local ρ = 1, global Robbins–Monro steps on (N/M)-scaled minibatches; here full batch, ρ = 1",
		Reference:     "coordinate-ascent VB for a Bayesian Gaussian mixture (Bishop PRML §10.2)",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-12,
		Check: checkSVI,
	})
	register(Row{
		Name: "VMP", Family: "mean-field: Gaussian × Gamma",
		Approximation: "exact (conjugate) messages, ρ = 1 for every node in turn",
		Reference:     "the coordinate updates of Bishop PRML §10.1.3, iterate by iterate",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-12,
		Check: checkVMP,
	})
	register(Row{
		Name: "Non-conjugate VMP", Family: "Gaussian (full)",
		Approximation: "exact expectations by Gauss–Hermite quadrature, ρ = 1",
		Reference:     "one NCVMP update (Knowles & Minka 2011) for Bayesian logistic regression, 1000-node rule",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-10,
		Check: checkNCVMP,
	})
	register(Row{
		Name: "Non-conjugate VI (mixture of Gaussians)", Family: "mixture of 2 full Gaussians with learnt weights",
		Approximation: "Monte Carlo (Bonnet/Price per component), positivity-preserving update",
		Reference:     "KL(q‖p) → 0 (grid quadrature) for a target that is itself a 2-component mixture",
		Kind:          Statistical, Metric: Abs, Tolerance: 1e-3,
		Check: checkMixtureVI,
	})
}

// mixData1 draws n points of a 1-D mixture with means ±2 and unit variance.
func mixData1(n int, seed uint64) [][]float64 {
	rnd := rand.New(rand.NewPCG(seed, 99))
	x := make([][]float64, n)
	for i := range x {
		c := -2.0
		if rnd.IntN(3) > 0 {
			c = 1.5
		}
		x[i] = []float64{c + 0.8*rnd.NormFloat64()}
	}
	return x
}

// plainEM1 is classic EM for a 1-D Gaussian mixture (Bishop PRML §9.2.2),
// written plainly; with meansOnly the variances and weights are kept.
func plainEM1(x [][]float64, w, mu, v []float64, meansOnly bool) {
	k := len(w)
	r := make([][]float64, len(x))
	for i := range x {
		r[i] = make([]float64, k)
		var s float64
		for c := range k {
			d := x[i][0] - mu[c]
			r[i][c] = w[c] / math.Sqrt(2*math.Pi*v[c]) * math.Exp(-0.5*d*d/v[c])
			s += r[i][c]
		}
		for c := range k {
			r[i][c] /= s
		}
	}
	for c := range k {
		var nk, sx float64
		for i := range x {
			nk += r[i][c]
			sx += r[i][c] * x[i][0]
		}
		mu[c] = sx / nk
		if meansOnly {
			continue
		}
		var sv float64
		for i := range x {
			d := x[i][0] - mu[c]
			sv += r[i][c] * d * d
		}
		v[c] = sv / nk
		w[c] = nk / float64(len(x))
	}
}

func checkEM() (float64, error) {
	x := mixData1(300, 1)
	var dev float64
	for _, variant := range []infer.EMVariant{infer.MeansOnly, infer.Full} {
		w, mu, v := []float64{0.5, 0.5}, []float64{-0.5, 0.5}, []float64{1, 1}
		em, err := infer.NewEM(x, infer.GMM{Weights: append([]float64(nil), w...), Means: [][]float64{{mu[0]}, {mu[1]}}, Variances: [][]float64{{1}, {1}}}, variant)
		if err != nil {
			return 0, err
		}
		var vdev float64
		for range 30 {
			if _, err := em.Iterate(); err != nil {
				return 0, err
			}
			plainEM1(x, w, mu, v, variant == infer.MeansOnly)
			g := em.GMM()
			for c := range 2 {
				vdev = math.Max(vdev, relDev([]float64{g.Weights[c], g.Means[c][0], g.Variances[c][0]}, []float64{w[c], mu[c], v[c]}))
			}
		}
		if variant == infer.MeansOnly && !(vdev <= 1e-12) {
			return vdev, fmt.Errorf("means-only deviation %.3g > 1e-12", vdev)
		}
		dev = math.Max(dev, vdev)
	}
	return dev, nil
}

func checkSVI() (float64, error) {
	x := mixData1(200, 2)
	p := infer.GMMPrior{Alpha: 1, M0: 0, Kappa0: 0.1, A0: 2, B0: 1}
	means := [][]float64{{-1}, {1}}
	g, err := infer.NewBayesGMMAt(x, means, p, blr.Constant(1))
	if err != nil {
		return 0, err
	}
	batch := make([]int, len(x))
	for i := range batch {
		batch[i] = i
	}
	// Plain coordinate ascent (PRML §10.2, one Normal-Gamma per component).
	alpha := []float64{p.Alpha, p.Alpha}
	m := []float64{-1, 1}
	kappa := []float64{p.Kappa0, p.Kappa0}
	a := []float64{p.A0, p.A0}
	b := []float64{p.B0, p.B0}
	var dev float64
	for range 20 {
		if _, err := g.Step(batch); err != nil {
			return 0, err
		}
		a0 := alpha[0] + alpha[1]
		nk, sx, sxx := make([]float64, 2), make([]float64, 2), make([]float64, 2)
		for _, xi := range x {
			var r [2]float64
			for c := range 2 {
				r[c] = special.Digamma(alpha[c]) - special.Digamma(a0) + 0.5*(special.Digamma(a[c])-math.Log(b[c])) -
					0.5*(a[c]/b[c]*(xi[0]-m[c])*(xi[0]-m[c])+1/kappa[c])
			}
			mx := math.Max(r[0], r[1])
			e0, e1 := math.Exp(r[0]-mx), math.Exp(r[1]-mx)
			r[0], r[1] = e0/(e0+e1), e1/(e0+e1)
			for c := range 2 {
				nk[c] += r[c]
				sx[c] += r[c] * xi[0]
				sxx[c] += r[c] * xi[0] * xi[0]
			}
		}
		for c := range 2 {
			alpha[c] = p.Alpha + nk[c]
			kappa[c] = p.Kappa0 + nk[c]
			m[c] = (p.Kappa0*p.M0 + sx[c]) / kappa[c]
			a[c] = p.A0 + nk[c]/2
			b[c] = p.B0 + 0.5*(sxx[c]+p.Kappa0*p.M0*p.M0-kappa[c]*m[c]*m[c])
			gm, gk, ga, gb := g.Component(c, 0).Params()
			dev = math.Max(dev, relDev([]float64{gm, gk, ga, gb}, []float64{m[c], kappa[c], a[c], b[c]}))
		}
	}
	return dev, nil
}

func checkVMP() (float64, error) {
	rnd := rand.New(rand.NewPCG(3, 3))
	x := make([]float64, 30)
	var sum float64
	for i := range x {
		x[i] = 1 + 0.5*rnd.NormFloat64()
		sum += x[i]
	}
	const mu0, lam0, a0, b0 = 0.2, 1.5, 2.0, 1.0
	g := &infer.Graph{}
	mu, err := g.Gaussian("μ", []float64{0}, mat.NewSymDense(1, []float64{1}))
	if err != nil {
		return 0, err
	}
	tau, err := g.Gamma("τ", 1, 2) // E[τ] = 0.5
	if err != nil {
		return 0, err
	}
	for _, err := range []error{g.Normal(mu, infer.Observed{mu0}, tau, lam0), g.GammaPrior(tau, a0, b0), g.Normal(infer.Observed(x), mu, tau, 1)} {
		if err != nil {
			return 0, err
		}
	}
	n := float64(len(x))
	etau := 0.5
	var dev float64
	for range 15 {
		if err := g.Sweep(mu, tau); err != nil {
			return 0, err
		}
		muN := (lam0*mu0 + sum) / (lam0 + n)
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
		ga, gb := tau.Q().(*expfam.Gamma).Params()
		dev = math.Max(dev, relDev([]float64{qm.Mean(nil)[0], qm.Precision(nil).At(0, 0), ga, gb}, []float64{muN, lamN, aN, bN}))
	}
	return dev, nil
}

func checkNCVMP() (float64, error) {
	x, y := logisticData(60, 2, 7)
	_, d := x.Dims()
	const delta = 1.0
	model, err := glm.NewLogistic(x, y, delta)
	if err != nil {
		return 0, err
	}
	rule, err := infer.NCVMP(model, 1)
	if err != nil {
		return 0, err
	}
	gh, err := glm.NewGaussHermite(1000)
	if err != nil {
		return 0, err
	}
	prec := identity(d, 2)
	prec.SetSym(0, 1, 0.3)
	q, err := expfam.NewFullGaussian([]float64{0.3, -0.2, 0.1}, prec)
	if err != nil {
		return 0, err
	}
	var st blr.State
	var dev float64
	for range 3 {
		// One NCVMP update (Knowles & Minka 2011): per factor, with
		// F(a, v) = E log σ(z s), s ~ N(a, v), differentiated through the
		// quadrature nodes, Λᵢ = −2∂F/∂v xᵢxᵢᵀ and ηᵢ = ∂F/∂a xᵢ + Λᵢm.
		m := q.Mean(nil)
		cov := q.Covariance(nil)
		s := make([]float64, d*d)
		eta := make([]float64, d)
		for j := range d {
			s[j*d+j] = delta
		}
		n, _ := x.Dims()
		for i := range n {
			xi := x.RawRowView(i)
			z := 2*y[i] - 1
			var a, v float64
			for j := range d {
				a += xi[j] * m[j]
				for k := range d {
					v += xi[j] * cov.At(j, k) * xi[k]
				}
			}
			sd := math.Sqrt(v)
			var da, dv float64
			for k, t := range gh.Z {
				g := z / (1 + math.Exp(z*(a+sd*t)))
				da += gh.W[k] * g
				dv += gh.W[k] * g * t / (2 * sd)
			}
			for j := range d {
				eta[j] += da*xi[j] - 2*dv*xi[j]*a
				for k := range d {
					s[j*d+k] -= 2 * dv * xi[j] * xi[k]
				}
			}
		}
		want, err := newtonStep(make([]float64, d), eta, s, -1) // S⁻¹η by LU
		if err != nil {
			return 0, err
		}
		if _, err := rule.Step(q, &st, nil); err != nil {
			return 0, err
		}
		dev = math.Max(dev, relDev(q.Mean(nil), want))
		dev = math.Max(dev, relDev(precisionOf(q.Natural(nil), d), s))
	}
	return dev, nil
}

func checkMixtureVI() (float64, error) {
	mk := func(w []float64, means [][]float64, precs [][]float64) (*expfam.Mixture, error) {
		var comps []*expfam.FullGaussian
		for k := range means {
			c, err := expfam.NewFullGaussian(means[k], mat.NewSymDense(2, precs[k]))
			if err != nil {
				return nil, err
			}
			comps = append(comps, c)
		}
		return expfam.NewMixture(w, comps, false)
	}
	p, err := mk([]float64{0.35, 0.65}, [][]float64{{-2, 0}, {2, 1}}, [][]float64{{2, 0.5, 0.5, 1}, {1, -0.3, -0.3, 1.5}})
	if err != nil {
		return 0, err
	}
	q, err := mk([]float64{0.5, 0.5}, [][]float64{{-1, 0.5}, {1, 0.5}}, [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}})
	if err != nil {
		return 0, err
	}
	rule, err := infer.MixtureVI(infer.MixtureLoss{P: p}, 10, blr.HessExact, blr.RobbinsMonro{Rho0: 0.5, Tau: 20, Kappa: 0.6})
	if err != nil {
		return 0, err
	}
	rnd := rand.New(rand.NewPCG(1, 17))
	var st blr.State
	for range 400 {
		if _, err := rule.Step(q, &st, rnd); err != nil {
			return 0, err
		}
	}
	// KL(q‖p) by the midpoint rule on [−9, 9]².
	const lo, hi, n = -9.0, 9.0, 240
	h := (hi - lo) / n
	var kl float64
	th := make([]float64, 2)
	for i := range n {
		th[0] = lo + (float64(i)+0.5)*h
		for j := range n {
			th[1] = lo + (float64(j)+0.5)*h
			lq := q.LogProb(th)
			if lq > -50 {
				kl += math.Exp(lq) * (lq - p.LogProb(th))
			}
		}
	}
	noteCompared(1) // the rule's q against the reference p, by their KL
	return kl * h * h, nil
}
