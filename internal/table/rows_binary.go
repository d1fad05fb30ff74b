package table

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/nn"
	"gonum.org/v1/gonum/integrate/quad"
)

// The rows of binary weights (STE, BinaryConnect, BayesBiNN) and of dropout:
// each runs the engine of the root package beside a plain implementation
// written here.

func init() {
	register(Row{
		Name: "STE", Family: "Bernoulli on {−1,+1} (λ = latent weights)",
		Approximation: "delta method at w = sign λ, minibatch gradient, entropy term dropped",
		Reference:     "plain STE λ ← λ − η∇_wℓ_avg(sign λ), η = ρN, same minibatches, 100 steps",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-12,
		Check: CheckSTE,
	})
	register(Row{
		Name: "BinaryConnect (rule, delta at sign)", Family: "Bernoulli on {−1,+1}, Bernoulli prior λ₀",
		Approximation: "delta method at w = sign λ, minibatch gradient; the rule λ ← (1−ρ)λ − ρ(N∇ℓ_avg − λ₀)",
		Reference:     "BinaryConnect with latent weight decay λ ← λ − η(ĝ + (λ−λ₀)/N), η = ρN, 100 steps",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-12,
		Check: CheckBinaryConnect,
	})
	register(Row{
		Name: "BayesBiNN", Family: "Bernoulli on {−1,+1} (d = 2)",
		Approximation: "Gumbel-softmax estimator, exact relaxed form (ε = 0), τ = 1, 0.3, 0.1",
		Reference:     "the relaxed objective's exact gradient by 2-D quadrature (score form), at λ = (0.2, 0.5); deviation in standard errors; the relaxed gradient's bias to the exact ∇_μ must fall with τ",
		Kind:          Statistical, Metric: SE, Tolerance: 4,
		Check: CheckBayesBiNN,
	})
	register(Row{
		Name: "BayesBiNN (exact ∇_μ by enumeration)", Family: "Bernoulli on {−1,+1} (d = 10), Bernoulli prior",
		Approximation: "none: ∂E_q[ℓ]/∂μⱼ = ½(E[ℓ|wⱼ=+1] − E[ℓ|wⱼ=−1]) over the 2ᵈ states",
		Reference:     "blr.Rule.Step on expfam.Bernoulli with ∇_μ by the score form Σ_w ℓ(w)q(w)wⱼ/(1+μⱼwⱼ), 10 steps",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-12,
		Check: CheckBayesBiNNExact,
	})
	register(Row{
		Name: "Dropout", Family: "mixture p·N(0,σ²I) + (1−p)·N(m,σ²I) per unit's weights",
		Approximation: "delta (σ → 0 in the sample), one sample per example, responsibility approximation",
		Reference:     "non-inverted dropout-SGD on the mean loss, same per-example masks, α = ρσ²N/(1−p), 20 steps",
		Kind:          Exact, Metric: Rel, Tolerance: 1e-12,
		Check: CheckDropout,
	})
}

// binaryProblem is a logistic regression on 6 features and an intercept
// with binary weights, N = 96, minibatches of 16.
func binaryProblem(steps int) (*Problem, []float64) {
	p := NewProblem(96, 6, 16, steps, 77)
	rnd := rand.New(rand.NewPCG(77, 1))
	lam := make([]float64, p.Dim())
	for j := range lam {
		lam[j] = 0.5 * rnd.NormFloat64()
	}
	return p, lam
}

// RunBinary steps b on p (step t on minibatch t) and returns λ after each
// step.
func RunBinary(b *blr.Binary[float64], p *Problem, steps int, rnd *rand.Rand) ([][]float64, error) {
	t := 0
	o := p.Oracle(&t)
	var out [][]float64
	for t = 1; t <= steps; t++ {
		if _, err := b.Step(o, rnd); err != nil {
			return nil, err
		}
		out = append(out, append([]float64(nil), b.Latent()...))
	}
	return out, nil
}

// sign is sign(x) with sign(0) = +1.
func sign(x float64) float64 {
	if x >= 0 {
		return 1
	}
	return -1
}

// PlainSTE is the straight-through estimator with latent weights:
// w = sign λ; λ ← λ − η(∇_wℓ_avg(w) + decay·(λ − λ₀)). decay = 0 is STE,
// decay = 1/N BinaryConnect with latent weight decay.
func PlainSTE(lam0 []float64, steps int, grad GradFunc, eta, decay, prior float64) [][]float64 {
	lam := append([]float64(nil), lam0...)
	w := make([]float64, len(lam))
	g := make([]float64, len(lam))
	var out [][]float64
	for t := 1; t <= steps; t++ {
		for j, l := range lam {
			w[j] = sign(l)
		}
		grad(t, w, g)
		for j := range lam {
			lam[j] -= eta * (g[j] + decay*(lam[j]-prior))
		}
		out = append(out, append([]float64(nil), lam...))
	}
	return out
}

// CheckSTE: the entropy-free rule with the delta method at sign λ equals
// plain STE with η = ρN.
func CheckSTE() (float64, error) {
	const steps = 100
	p, lam := binaryProblem(steps)
	n := float64(len(p.X))
	const eta = 0.05
	params := append([]float64(nil), lam...)
	b, err := blr.STE(params, blr.BinaryConfig{DataSize: n, LR: eta})
	if err != nil {
		return 0, err
	}
	got, err := RunBinary(b, p, steps, nil)
	if err != nil {
		return 0, err
	}
	want := PlainSTE(lam, steps, p.Grad, eta, 0, 0)
	if moved := TrajectoryDev([][]float64{lam}, want[steps-1:]); moved < 1e-3 {
		return 0, fmt.Errorf("the latent weights moved only %g", moved)
	}
	return TrajectoryDev(got, want), nil
}

// CheckBinaryConnect: the rule λ ← (1−ρ)λ − ρ(N∇ℓ_avg(sign λ) − λ₀) equals
// BinaryConnect with latent weight decay 1/N toward λ₀ and η = ρN.
func CheckBinaryConnect() (float64, error) {
	const steps, rho, prior = 100, 5e-4, 0.2
	p, lam := binaryProblem(steps)
	n := float64(len(p.X))
	params := append([]float64(nil), lam...)
	pp := 1 / (1 + math.Exp(-2*prior)) // p(w = +1) = sigmoid(2λ₀)
	b, err := blr.BinaryConnect(params, blr.BinaryConfig{DataSize: n, LR: rho, PriorProb: pp})
	if err != nil {
		return 0, err
	}
	got, err := RunBinary(b, p, steps, nil)
	if err != nil {
		return 0, err
	}
	want := PlainSTE(lam, steps, p.Grad, rho*n, 1/n, prior)
	return TrajectoryDev(got, want), nil
}

// scoreEnum is ∇_μ E_q[Σᵢℓᵢ] for a product of Bernoullis by the score form
// ∂E_q[f]/∂μⱼ = Σ_w f(w) q(w) wⱼ/(1+μⱼwⱼ), q(w) = ∏ₖ(1+μₖwₖ)/2, summing
// the loss of all N examples at each of the 2ᵈ states.
type scoreEnum struct {
	loss func(w []float64) float64 // Σᵢℓᵢ(w)
}

func (e scoreEnum) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	d := q.Dim()
	if dst == nil {
		dst = make([]float64, d)
	}
	mu := q.Expectation(nil)
	clear(dst)
	w := make([]float64, d)
	for s := range 1 << d {
		qw := 1.0
		for j := range d {
			w[j] = -1
			if s>>j&1 == 1 {
				w[j] = 1
			}
			qw *= (1 + mu[j]*w[j]) / 2
		}
		f := e.loss(w)
		for j := range d {
			dst[j] += f * qw * w[j] / (1 + mu[j]*w[j])
		}
	}
	return dst, nil
}

// CheckBayesBiNNExact: the binary engine with the exact enumeration
// estimator and a Bernoulli prior equals blr.Rule on expfam.Bernoulli with
// an independent enumeration (the score form), on the full-batch loss.
func CheckBayesBiNNExact() (float64, error) {
	run, err := runBayesBiNNExact()
	if err != nil {
		return 0, err
	}
	return TrajectoryDev(run.got, run.want), nil
}

// Settings of the BayesBiNN enumeration row: d weights, the steps, ρ and
// the prior's natural parameter.
const (
	bbnExactD, bbnExactSteps   = 10, 10
	bbnExactRho, bbnExactPrior = 0.3, -0.1
)

// bayesBiNNExactRun is what the BayesBiNN enumeration row compares: the
// problem, the start λ, and the engine's and the rule's natural parameters
// after each step.
type bayesBiNNExactRun struct {
	p         *Problem
	lam       []float64
	got, want [][]float64
}

func runBayesBiNNExact() (bayesBiNNExactRun, error) {
	const d, steps, rho, prior = bbnExactD, bbnExactSteps, bbnExactRho, bbnExactPrior
	p := NewProblem(40, d-1, 40, steps, 5)
	n := float64(len(p.X))
	rnd := rand.New(rand.NewPCG(5, 5))
	lam := make([]float64, d)
	for j := range lam {
		lam[j] = rnd.NormFloat64()
	}
	run := bayesBiNNExactRun{p: p, lam: lam}
	// The engine: the oracle is the full-batch mean loss (every minibatch is
	// all 40 examples).
	params := append([]float64(nil), lam...)
	b, err := blr.NewBinary(params, blr.BinaryOptions{DataSize: n, LR: rho, Estimator: blr.BinaryExact, Samples: 1, Entropy: true, PriorNatural: prior})
	if err != nil {
		return run, err
	}
	if run.got, err = RunBinary(b, p, steps, nil); err != nil {
		return run, err
	}
	// The generic rule.
	q, err := expfam.NewBernoulliNatural(lam)
	if err != nil {
		return run, err
	}
	pr := make([]float64, d)
	for j := range pr {
		pr[j] = prior
	}
	q0, err := expfam.NewBernoulliNatural(pr)
	if err != nil {
		return run, err
	}
	g := make([]float64, d)
	rule := blr.Rule{Prior: q0, Estimator: scoreEnum{loss: func(w []float64) float64 { return n * p.Eval(1, w, g, nil, nil) }}, Rate: blr.Constant(rho)}
	var st blr.State
	for range steps {
		if _, err := rule.Step(q, &st, nil); err != nil {
			return run, err
		}
		run.want = append(run.want, q.Natural(nil))
	}
	return run, nil
}

// GumbelLoss is the two-weight loss of the BayesBiNN checks: the mean
// logistic loss of four examples, ℓ(w) = (1/4)Σᵢ log(1 + exp(−yᵢ xᵢ·w)).
func GumbelLoss(w []float64) (float64, [2]float64) {
	xs := [4][2]float64{{1, 0.5}, {-0.3, 1}, {0.8, -1.2}, {-1, -0.4}}
	ys := [4]float64{1, 1, -1, 1}
	var l float64
	var g [2]float64
	for i, x := range xs {
		z := ys[i] * (x[0]*w[0] + x[1]*w[1])
		l += math.Max(-z, 0) + math.Log1p(math.Exp(-math.Abs(z)))
		s := 1 / (1 + math.Exp(z)) // σ(−z)
		g[0] -= s * ys[i] * x[0] / 4
		g[1] -= s * ys[i] * x[1] / 4
	}
	return l / 4, g
}

// gumbelOracle evaluates GumbelLoss.
var gumbelOracle = blr.OracleFunc[float64](func(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
	l, g := GumbelLoss(theta)
	grad[0], grad[1] = g[0], g[1]
	return l, nil
})

// logisticDensity is the density of δ = ½log(u/(1−u)), u ~ U(0,1), and its
// derivative: p(δ) = 2σ(1−σ), p′(δ) = 4σ(1−σ)(1−2σ), σ = sigmoid(2δ).
func logisticDensity(x float64) (p, dp float64) {
	s := 1 / (1 + math.Exp(-2*x))
	return 2 * s * (1 - s), 4 * s * (1 - s) * (1 - 2*s)
}

// quadNodes returns Gauss-Legendre nodes and weights over [c−18, c+18]
// with panels of width 1, refined to width τ/2 where |v| < 10τ (where
// tanh(v/τ) turns).
func quadNodes(c, tau float64) (xs, ws []float64) {
	var edges []float64
	for v := c - 18; v < c+18; v++ {
		edges = append(edges, v)
	}
	if tau < 1 {
		for k := -quadFine; k <= quadFine; k++ {
			edges = append(edges, float64(k)*tau/2)
		}
	}
	edges = append(edges, c+18)
	// Sort, drop out-of-range and near-duplicate edges.
	sortFloats(edges)
	var e []float64
	for _, v := range edges {
		if v < c-18 || v > c+18 {
			continue
		}
		if len(e) > 0 && v-e[len(e)-1] < 1e-9 {
			continue
		}
		e = append(e, v)
	}
	k := quadOrder
	x, w := make([]float64, k), make([]float64, k)
	for i := 1; i < len(e); i++ {
		quad.Legendre{}.FixedLocations(x, w, e[i-1], e[i])
		xs = append(xs, x...)
		ws = append(ws, w...)
	}
	return xs, ws
}

// The quadrature's panels: Gauss-Legendre of order quadOrder, fine panels
// of width τ/2 out to |v| = quadFine·τ/2.
var quadOrder, quadFine = 10, 16

func sortFloats(a []float64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// RelaxedGradQuad is the exact gradient in μ of the relaxed objective
// R(λ) = E_δ[ℓ(tanh((λ+δ)/τ))] for GumbelLoss at λ (d = 2), by 2-D
// quadrature of the score form ∂R/∂λⱼ = −∫ ℓ(tanh(v/τ)) p′(vⱼ−λⱼ) p(v₋ⱼ−λ₋ⱼ) dv,
// times dλ/dμ = 1/(1−μ²). It is independent of the pathwise form the
// estimator uses.
func RelaxedGradQuad(lam [2]float64, tau float64) [2]float64 {
	x0, w0 := quadNodes(lam[0], tau)
	x1, w1 := quadNodes(lam[1], tau)
	t1 := make([]float64, len(x1))
	p1, dp1 := make([]float64, len(x1)), make([]float64, len(x1))
	for i, v := range x1 {
		t1[i] = math.Tanh(v / tau)
		p1[i], dp1[i] = logisticDensity(v - lam[1])
	}
	var g [2]float64
	w := make([]float64, 2)
	for i, v := range x0 {
		w[0] = math.Tanh(v / tau)
		p0, dp0 := logisticDensity(v - lam[0])
		for k := range x1 {
			w[1] = t1[k]
			l, _ := GumbelLoss(w)
			c := w0[i] * w1[k] * l
			g[0] -= c * dp0 * p1[k]
			g[1] -= c * p0 * dp1[k]
		}
	}
	for j := range 2 {
		c := math.Cosh(lam[j])
		g[j] *= c * c // 1/(1−μ²) = cosh²λ
	}
	return g
}

// DiscreteGrad is the exact ∇_μ E_q[ℓ] for GumbelLoss by enumeration.
func DiscreteGrad(lam [2]float64) [2]float64 {
	var g [2]float64
	w := make([]float64, 2)
	for s := range 4 {
		p := 1.0
		for j := range 2 {
			w[j] = -1
			if s>>j&1 == 1 {
				w[j] = 1
			}
			p *= (1 + math.Tanh(lam[j])*w[j]) / 2
		}
		l, _ := GumbelLoss(w)
		for j := range 2 {
			g[j] += 0.5 * w[j] * p / ((1 + math.Tanh(lam[j])*w[j]) / 2) * l
		}
	}
	return g
}

// GumbelVsRelaxed draws the engine's Gumbel estimate (ε = 0) S times at λ
// and returns, per coordinate, the sample mean, its standard error, and the
// quadrature value it estimates.
func GumbelVsRelaxed(lam [2]float64, tau float64, samples int, seed uint64) (mean, se, want [2]float64, err error) {
	params := []float64{lam[0], lam[1]}
	b, err := blr.NewBinary(params, blr.BinaryOptions{DataSize: 1, LR: 1, Estimator: blr.BinaryGumbel, Samples: 1, Temperature: tau})
	if err != nil {
		return mean, se, want, err
	}
	rnd := rand.New(rand.NewPCG(seed, 11))
	var sum, sq [2]float64
	g := make([]float64, 2)
	for range samples {
		if _, _, err := b.Estimate(g, gumbelOracle, rnd); err != nil {
			return mean, se, want, err
		}
		for j := range 2 {
			sum[j] += g[j]
			sq[j] += g[j] * g[j]
		}
	}
	s := float64(samples)
	for j := range 2 {
		mean[j] = sum[j] / s
		v := (sq[j] - s*mean[j]*mean[j]) / (s - 1)
		se[j] = math.Sqrt(v / s)
	}
	return mean, se, RelaxedGradQuad(lam, tau), nil
}

// BayesBiNNTemperatures are the fixed temperatures of the BayesBiNN checks.
var BayesBiNNTemperatures = []float64{1, 0.3, 0.1}

// BayesBiNNLambda is where the BayesBiNN row evaluates the estimator. The
// bias of the relaxed gradient is O(τ) as τ → 0 but need not fall
// monotonically for τ ≳ 0.5: at λ = (0.4, −0.7) its largest entry is 0.0234
// at τ = 1 and 0.0242 at τ = 0.3 (then 0.0093 at τ = 0.1).
var BayesBiNNLambda = [2]float64{0.2, 0.5}

// CheckBayesBiNN: at each τ the Gumbel estimator (S = 4000/τ samples)
// matches the relaxed objective's exact gradient within standard errors,
// and the relaxed gradient's bias to the exact discrete ∇_μ falls as τ
// falls (at BayesBiNNLambda). It returns the largest |mean − exact|/SE.
func CheckBayesBiNN() (float64, error) {
	lam := BayesBiNNLambda
	exact := DiscreteGrad(lam)
	var dev float64
	prevBias := math.Inf(1)
	for i, tau := range BayesBiNNTemperatures {
		mean, se, want, err := GumbelVsRelaxed(lam, tau, int(4000/tau), uint64(100+i))
		if err != nil {
			return 0, err
		}
		var bias float64
		noteCompared(2)
		for j := range 2 {
			dev = math.Max(dev, math.Abs(mean[j]-want[j])/se[j])
			bias = math.Max(bias, math.Abs(want[j]-exact[j]))
		}
		if !(bias < prevBias) {
			return 0, fmt.Errorf("the relaxed gradient's bias %g at τ = %g did not fall below %g", bias, tau, prevBias)
		}
		prevBias = bias
	}
	return dev, nil
}

// DropoutGroups maps each parameter of net to the dropout unit whose mask
// multiplies it: for every Dropout layer, the weights of the next Dense
// layer that read its units (column i of W reads unit i), with only ReLU,
// Tanh or Flatten between (they map 0 to 0, so a mask on their input is a
// mask on their output). Other parameters get −1. P lists each unit's drop
// probability. A Dropout layer followed by anything else is refused.
func DropoutGroups[F nn.Float](net *nn.Network[F]) (group []int, p []float64, err error) {
	layers := net.Layers()
	blocks := net.Layout()
	group = make([]int, net.NumParams())
	for j := range group {
		group[j] = -1
	}
	for i, l := range layers {
		d, ok := l.(nn.Dropout)
		if !ok || d.P == 0 {
			continue
		}
		next := -1
	scan:
		for k := i + 1; k < len(layers); k++ {
			switch layers[k].(type) {
			case nn.ReLU, nn.Tanh, nn.Flatten:
			case nn.Dense:
				next = k
				break scan
			default:
				return nil, nil, fmt.Errorf("table: dropout layer %d feeds %T; only a Dense layer (through ReLU, Tanh or Flatten) is supported", i, layers[k])
			}
		}
		if next < 0 {
			return nil, nil, fmt.Errorf("table: dropout layer %d feeds no Dense layer", i)
		}
		out := layers[next].(nn.Dense).Out
		for _, blk := range blocks {
			if blk.Layer != next || blk.Name != "Dense.W" {
				continue
			}
			in := blk.Len / out
			base := len(p)
			for u := range in {
				_ = u
				p = append(p, d.P)
			}
			for o := range out {
				for u := range in {
					group[blk.Offset+o*in+u] = base + u
				}
			}
		}
	}
	return group, p, nil
}

// CheckDropout: the mixture rule at the weight level — per-example samples
// w̃ᵢ = zᵢ⊙m (σ → 0), responsibilities zᵢ, the step mⱼ ← mⱼ −
// ρσⱼ²((N/M)Σᵢ zᵢⱼ/(1−pⱼ) ∇ⱼℓᵢ(w̃ᵢ) + P₀mⱼ), σⱼ² = α(1−pⱼ)/(ρN) — equals
// blr.Dropout, whose oracle is an nn network with non-inverted dropout
// layers fed the same masks.
func CheckDropout() (float64, error) {
	const (
		n, m, steps = 40, 8, 20
		alpha, rho  = 0.2, 0.5
		p0          = 2.0
	)
	ps := [2]float64{0.3, 0.5}
	drop, err := nn.New[float64](nn.Vec(5), nn.SoftmaxCrossEntropy{},
		nn.Dropout{P: ps[0]}, nn.Dense{Out: 6}, nn.ReLU{}, nn.Dropout{P: ps[1]}, nn.Dense{Out: 3})
	if err != nil {
		return 0, err
	}
	twin, err := nn.New[float64](nn.Vec(5), nn.SoftmaxCrossEntropy{}, nn.Dense{Out: 6}, nn.ReLU{}, nn.Dense{Out: 3})
	if err != nil {
		return 0, err
	}
	rnd := rand.New(rand.NewPCG(9, 9))
	x := make([]float64, n*5)
	y := make([]int, n)
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	for i := range y {
		y[i] = rnd.IntN(3)
	}
	m0 := make([]float64, drop.NumParams())
	if err := drop.Init(m0, rnd); err != nil {
		return 0, err
	}
	group, pu, err := DropoutGroups(drop)
	if err != nil {
		return 0, err
	}
	// Masks and minibatches of every step, drawn once.
	type stepData struct {
		idx    []int
		z0, z1 []float64 // M×5 and M×6 keep masks
	}
	var data []stepData
	for range steps {
		sd := stepData{idx: rnd.Perm(n)[:m], z0: make([]float64, m*5), z1: make([]float64, m*6)}
		for i := range sd.z0 {
			if rnd.Float64() >= ps[0] {
				sd.z0[i] = 1
			}
		}
		for i := range sd.z1 {
			if rnd.Float64() >= ps[1] {
				sd.z1[i] = 1
			}
		}
		data = append(data, sd)
	}
	batch := func(sd stepData) nn.Batch[float64] {
		b := nn.Batch[float64]{X: make([]float64, m*5), Labels: make([]int, m)}
		for r, i := range sd.idx {
			copy(b.X[r*5:(r+1)*5], x[i*5:(i+1)*5])
			b.Labels[r] = y[i]
		}
		return b
	}

	// blr.Dropout on the dropout network.
	params := append([]float64(nil), m0...)
	opt, err := blr.NewDropout(params, blr.DropoutConfig{DataSize: n, LR: alpha, Rate: rho, PriorPrecision: p0, Group: group, P: pu})
	if err != nil {
		return 0, err
	}
	var got [][]float64
	for _, sd := range data {
		if err := drop.SetDropoutMask(0, sd.z0); err != nil {
			return 0, err
		}
		if err := drop.SetDropoutMask(3, sd.z1); err != nil {
			return 0, err
		}
		b := batch(sd)
		o := blr.OracleFunc[float64](func(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
			return drop.Loss(grad, theta, b)
		})
		if _, err := opt.Step(o); err != nil {
			return 0, err
		}
		got = append(got, append([]float64(nil), params...))
	}

	// The mixture rule at the weight level, on the network without dropout.
	sigma2 := make([]float64, len(m0))
	for j := range sigma2 {
		pj := 0.0
		if group[j] >= 0 {
			pj = pu[group[j]]
		}
		sigma2[j] = alpha * (1 - pj) / (rho * n)
	}
	mean := append([]float64(nil), m0...)
	wt := make([]float64, len(mean))
	gi := make([]float64, len(mean))
	acc := make([]float64, len(mean))
	var want [][]float64
	for _, sd := range data {
		b := batch(sd)
		clear(acc)
		for r := range m {
			// z for example r: unit u < 5 is input unit u, else hidden unit u−5.
			z := func(u int) float64 {
				if u < 5 {
					return sd.z0[r*5+u]
				}
				return sd.z1[r*6+u-5]
			}
			for j, u := range group {
				wt[j] = mean[j]
				if u >= 0 {
					wt[j] *= z(u)
				}
			}
			one := nn.Batch[float64]{X: b.X[r*5 : (r+1)*5], Labels: b.Labels[r : r+1]}
			if _, err := twin.Loss(gi, wt, one); err != nil {
				return 0, err
			}
			for j, u := range group {
				resp, pj := 1.0, 0.0
				if u >= 0 {
					resp, pj = z(u), pu[u]
				}
				acc[j] += resp / (1 - pj) * gi[j]
			}
		}
		for j := range mean {
			mean[j] -= rho * sigma2[j] * (n/m*acc[j] + p0*mean[j])
		}
		want = append(want, append([]float64(nil), mean...))
	}
	return TrajectoryDev(got, want), nil
}
