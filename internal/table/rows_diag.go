package table

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

// The rows of the diagonal-Gaussian engine (blr.Diag): each runs a named
// optimizer beside the classic recursion written plainly below, on the same
// minibatches and the same random numbers, in float64.

func init() {
	register(Row{
		Name: "SGD-with-minibatches", Family: "Gaussian (fixed covariance)", Approximation: "delta method, minibatch gradient",
		Reference: "plain minibatch SGD with L2 weight decay, 100 steps", Kind: Exact, Metric: Rel, Tolerance: 1e-12,
		Check: CheckSGDMinibatch,
	})
	register(Row{
		Name: "RMSprop", Family: "Gaussian (diagonal)", Approximation: "delta method, ĝ² Hessian, √ scaling, ε, α ≠ ρ",
		Reference: "torch.optim.RMSprop recursion (eps outside √, weight decay), 100 steps", Kind: Heuristic, Metric: Rel, Tolerance: 1e-12,
		Check: CheckRMSprop,
	})
	register(Row{
		Name: "Adam", Family: "Gaussian (diagonal)", Approximation: "delta method, ĝ² Hessian, √ scaling, momentum, debiasing, ε",
		Reference: "torch.optim.Adam (L2 weight decay) and AdamW recursions, 100 steps", Kind: Heuristic, Metric: Rel, Tolerance: 1e-12,
		Check: CheckAdam,
	})
	register(Row{
		Name: "OGN", Family: "Gaussian (diagonal)", Approximation: "delta method, Gauss-Newton diagonal, full batch, α = 1, β₂ = 0",
		Reference: "Newton/Gauss-Newton on L2 logistic regression whose Hessian is diagonal, 10 steps", Kind: Exact, Metric: Rel, Tolerance: 1e-12,
		Check: CheckOGN,
	})
	register(Row{
		Name: "VOGN", Family: "Gaussian (diagonal)", Approximation: "MC (2 samples), empirical Fisher, α ≠ ρ",
		Reference: "VOGN of Khan et al. 2018 as the vadam repository writes it (P ← βP + (1−β)(N·ĥ + λ), m ← m − α(Nĝ + λm)/P), same ε, 100 steps", Kind: Heuristic, Metric: Rel, Tolerance: 1e-12,
		Check: CheckVOGN,
	})
	register(Row{
		Name: "Vadam", Family: "Gaussian (diagonal)", Approximation: "MC (3 samples), ĝ² Hessian, √ scaling, momentum, debiasing",
		Reference: "Vadam's published recursion (Khan et al. 2018; vadam repository), same ε, 100 steps", Kind: Heuristic, Metric: Rel, Tolerance: 1e-12,
		Check: CheckVadam,
	})
	register(Row{
		Name: "IVON", Family: "Gaussian (diagonal)", Approximation: "MC (64 samples), Price Hessian, iBLR, momentum, debiasing",
		Reference: "the known posterior of ℓ = Σⱼ½aⱼθⱼ² + bⱼθⱼ: mean −b/(a+δ), Hessian a (deviation |m − m*|/max(1,|m*|))", Kind: Limit, Metric: Rel, Tolerance: 0.02,
		Check: CheckIVON,
	})
	register(Row{
		Name: "Diagonal engine = Rule.Step", Family: "Gaussian (diagonal)", Approximation: "delta and MC (shared samples), plain and iBLR",
		Reference: "blr.Rule.Step on expfam.DiagGaussian; deviation |Δ|/max(1,|m|,|step|)", Kind: Exact, Metric: Rel, Tolerance: 1e-13,
		Check: CheckEngineIsRule,
	})
}

// GradFunc writes into g the minibatch-mean gradient at p for step t = 1, 2, ….
type GradFunc func(t int, p, g []float64)

// Problem is a seeded logistic-regression problem with a fixed sequence of
// minibatches, for the optimizer rows.
type Problem struct {
	X       [][]float64 // examples, the last feature an intercept
	Y       []float64   // labels in {0, 1}
	Batches [][]int     // Batches[t−1] is the minibatch of step t
}

// NewProblem draws n examples with d features (plus an intercept), and the
// minibatches of size bs for the given number of steps (a fresh permutation
// per epoch).
func NewProblem(n, d, bs, steps int, seed uint64) *Problem {
	rnd := rand.New(rand.NewPCG(seed, 0xd1a6))
	w := make([]float64, d+1)
	for j := range w {
		w[j] = rnd.NormFloat64()
	}
	p := &Problem{X: make([][]float64, n), Y: make([]float64, n)}
	for i := range n {
		x := make([]float64, d+1)
		var s float64
		for j := range d {
			x[j] = rnd.NormFloat64()
			s += w[j] * x[j]
		}
		x[d] = 1
		s += w[d]
		p.X[i] = x
		if rnd.Float64() < 1/(1+math.Exp(-s)) {
			p.Y[i] = 1
		}
	}
	var perm []int
	for len(p.Batches) < steps {
		if len(perm) < bs {
			perm = rnd.Perm(n)
		}
		p.Batches = append(p.Batches, perm[:bs])
		perm = perm[bs:]
	}
	return p
}

// Dim is the number of weights.
func (p *Problem) Dim() int { return len(p.X[0]) }

// Eval writes the minibatch-mean gradient of the logistic loss at w on step
// t's minibatch into grad, and, when non-nil, the mean per-example squared
// gradient (empirical Fisher) into ef and the Hessian (= GGN) diagonal into
// hd. It returns the mean loss.
func (p *Problem) Eval(t int, w, grad, ef, hd []float64) float64 {
	batch := p.Batches[t-1]
	clear(grad)
	if ef != nil {
		clear(ef)
	}
	if hd != nil {
		clear(hd)
	}
	var loss float64
	for _, i := range batch {
		x := p.X[i]
		var s float64
		for j, v := range x {
			s += w[j] * v
		}
		mu := 1 / (1 + math.Exp(-s))
		r := mu - p.Y[i]
		loss += math.Log1p(math.Exp(-math.Abs(s))) + math.Max(s, 0) - p.Y[i]*s
		for j, v := range x {
			grad[j] += r * v
			if ef != nil {
				ef[j] += r * v * r * v
			}
			if hd != nil {
				hd[j] += mu * (1 - mu) * v * v
			}
		}
	}
	m := float64(len(batch))
	for j := range grad {
		grad[j] /= m
		if ef != nil {
			ef[j] /= m
		}
		if hd != nil {
			hd[j] /= m
		}
	}
	return loss / m
}

// Grad is Eval's gradient as a GradFunc.
func (p *Problem) Grad(t int, w, g []float64) { p.Eval(t, w, g, nil, nil) }

// Oracle returns the engine's oracle for step *t of the problem.
func (p *Problem) Oracle(t *int) blr.Oracle[float64] {
	return blr.OracleFunc[float64](func(theta, grad, curv []float64, kind blr.CurvatureKind) (float64, error) {
		switch kind {
		case blr.CurvEmpiricalFisher:
			return p.Eval(*t, theta, grad, curv, nil), nil
		case blr.CurvGGNDiag, blr.CurvExactDiag:
			return p.Eval(*t, theta, grad, nil, curv), nil
		case blr.CurvMCFisher:
			return 0, fmt.Errorf("table: the logistic problem has no MC Fisher")
		}
		return p.Eval(*t, theta, grad, nil, nil), nil
	})
}

// RunEngine takes steps with d on p (step t uses minibatch t) and returns
// the means after each step.
func RunEngine(d *blr.Diag[float64], p *Problem, steps int, rnd blr.Normals[float64]) ([][]float64, error) {
	t := 0
	o := p.Oracle(&t)
	var out [][]float64
	for t = 1; t <= steps; t++ {
		if _, err := d.Step(o, rnd); err != nil {
			return nil, err
		}
		out = append(out, append([]float64(nil), d.Mean()...))
	}
	return out, nil
}

// TrajectoryDev is the largest over steps and coordinates of
// |a−b|/max(1,|b|).
func TrajectoryDev(a, b [][]float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var dev float64
	for t := range a {
		if len(a[t]) != len(b[t]) {
			return math.Inf(1)
		}
		noteCompared(len(a[t]))
		for j := range a[t] {
			d := math.Abs(a[t][j]-b[t][j]) / math.Max(1, math.Abs(b[t][j]))
			if !(d <= dev) {
				dev = d
			}
		}
	}
	return dev
}

// TorchSGD is torch.optim.SGD's recursion (dampening 0, no Nesterov):
// g ← ∇ + wd·p; buf ← g on the first step, μ·buf + g after; p ← p − lr·buf.
func TorchSGD(p0 []float64, steps int, grad GradFunc, lr, momentum, wd float64) [][]float64 {
	p := append([]float64(nil), p0...)
	g := make([]float64, len(p))
	buf := make([]float64, len(p))
	var out [][]float64
	for t := 1; t <= steps; t++ {
		grad(t, p, g)
		for j := range p {
			gj := g[j] + wd*p[j]
			if momentum != 0 {
				if t == 1 {
					buf[j] = gj
				} else {
					buf[j] = momentum*buf[j] + gj
				}
				gj = buf[j]
			}
			p[j] -= lr * gj
		}
		out = append(out, append([]float64(nil), p...))
	}
	return out
}

// TorchRMSprop is torch.optim.RMSprop's recursion (no momentum, not
// centred): g ← ∇ + wd·p; v ← αv + (1−α)g²; p ← p − lr·g/(√v + eps).
func TorchRMSprop(p0 []float64, steps int, grad GradFunc, lr, alpha, eps, wd float64) [][]float64 {
	p := append([]float64(nil), p0...)
	g := make([]float64, len(p))
	v := make([]float64, len(p))
	var out [][]float64
	for t := 1; t <= steps; t++ {
		grad(t, p, g)
		for j := range p {
			gj := g[j] + wd*p[j]
			v[j] = alpha*v[j] + (1-alpha)*gj*gj
			p[j] -= lr * gj / (math.Sqrt(v[j]) + eps)
		}
		out = append(out, append([]float64(nil), p...))
	}
	return out
}

// TorchAdam is torch.optim.Adam's recursion (amsgrad off) and, with
// decoupled set, torch.optim.AdamW's:
//
//	AdamW: p ← p·(1 − lr·wd);  Adam: g ← ∇ + wd·p;
//	m ← m + (1−β₁)(g − m);  v ← β₂v + (1−β₂)g²;
//	p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + eps).
func TorchAdam(p0 []float64, steps int, grad GradFunc, lr, beta1, beta2, eps, wd float64, decoupled bool) [][]float64 {
	p := append([]float64(nil), p0...)
	g := make([]float64, len(p))
	m := make([]float64, len(p))
	v := make([]float64, len(p))
	var out [][]float64
	for t := 1; t <= steps; t++ {
		grad(t, p, g)
		bc1 := 1 - math.Pow(beta1, float64(t))
		bc2 := 1 - math.Pow(beta2, float64(t))
		stepSize := lr / bc1
		for j := range p {
			gj := g[j]
			if decoupled {
				p[j] *= 1 - lr*wd
			} else {
				gj += wd * p[j]
			}
			m[j] += (1 - beta1) * (gj - m[j])
			v[j] = beta2*v[j] + (1-beta2)*gj*gj
			denom := math.Sqrt(v[j])/math.Sqrt(bc2) + eps
			p[j] -= stepSize * m[j] / denom
		}
		out = append(out, append([]float64(nil), p...))
	}
	return out
}

// VadamReference is Vadam's published recursion (Khan et al. 2018, as the
// vadam repository computes it), with prior precision λ, λ̃ = λ/N and s₀ = 0:
//
//	θₖ = m + εₖ/√(N·s + λ);  ĝ = mean ∇(θₖ);  ĝ² = mean ∇(θₖ)²;
//	ḡ ← β₁ḡ + (1−β₁)(ĝ + λ̃m);  s ← β₂s + (1−β₂)ĝ²;
//	m ← m − lr·(ḡ/(1−β₁ᵗ)) / (√(s/(1−β₂ᵗ)) + λ̃).
//
// The εₖ are drawn in order from rnd, D at a time.
func VadamReference(m0 []float64, steps, samples int, grad GradFunc, n, lambda, lr, beta1, beta2 float64, rnd *rand.Rand) [][]float64 {
	d := len(m0)
	m := append([]float64(nil), m0...)
	s, gbar := make([]float64, d), make([]float64, d)
	theta, g, gs, gsq := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	eps := make([]float64, d)
	lt := lambda / n
	var out [][]float64
	for t := 1; t <= steps; t++ {
		clear(gs)
		clear(gsq)
		for range samples {
			for j := range eps {
				eps[j] = rnd.NormFloat64()
			}
			for j := range theta {
				theta[j] = m[j] + eps[j]/math.Sqrt(n*s[j]+lambda)
			}
			grad(t, theta, g)
			for j := range g {
				gs[j] += g[j]
				gsq[j] += g[j] * g[j]
			}
		}
		bc1 := 1 - math.Pow(beta1, float64(t))
		bc2 := 1 - math.Pow(beta2, float64(t))
		for j := range m {
			gh := gs[j] / float64(samples)
			gbar[j] = beta1*gbar[j] + (1-beta1)*(gh+lt*m[j])
			s[j] = beta2*s[j] + (1-beta2)*gsq[j]/float64(samples)
			m[j] -= lr * (gbar[j] / bc1) / (math.Sqrt(s[j]/bc2) + lt)
		}
		out = append(out, append([]float64(nil), m...))
	}
	return out
}

// VOGNReference is VOGN as the vadam repository writes it (Khan et al.
// 2018; no momentum), in its own units: the precision P = N(h+δ),
//
//	θₖ = m + εₖ/√P;  ĝ, ĥ = means over samples of ∇ℓ_avg(θₖ) and of the
//	per-example squared gradients;  P ← βP + (1−β)(N·ĥ + λ);
//	m ← m − α(N·ĝ + λm)/P.
func VOGNReference(m0 []float64, steps, samples int, p *Problem, n, lambda, precInit, lr, beta float64, rnd *rand.Rand) [][]float64 {
	d := len(m0)
	m := append([]float64(nil), m0...)
	prec := make([]float64, d)
	for j := range prec {
		prec[j] = precInit
	}
	theta, g, ef, gs, hs, eps := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	var out [][]float64
	for t := 1; t <= steps; t++ {
		clear(gs)
		clear(hs)
		for range samples {
			for j := range eps {
				eps[j] = rnd.NormFloat64()
			}
			for j := range theta {
				theta[j] = m[j] + eps[j]/math.Sqrt(prec[j])
			}
			p.Eval(t, theta, g, ef, nil)
			for j := range g {
				gs[j] += g[j]
				hs[j] += ef[j]
			}
		}
		for j := range m {
			gh, hh := gs[j]/float64(samples), hs[j]/float64(samples)
			prec[j] = beta*prec[j] + (1-beta)*(n*hh+lambda)
			m[j] -= lr * (n*gh + lambda*m[j]) / prec[j]
		}
		out = append(out, append([]float64(nil), m...))
	}
	return out
}

// IVONReference is Algorithm 1 of Shen et al. (2024) written plainly, with
// ess λ = n, weight decay δ, h₀, Price Hessian, the step rescaled by h₀+δ
// and no clipping, on a gradient oracle grad(θ, g):
//
//	θₖ = m + εₖ/√(λ(h+δ));  ĝ = mean ∇(θₖ);  ĥ = mean ∇(θₖ)⊙εₖ·√(λ(h+δ));
//	g ← β₁g + (1−β₁)ĝ;  h ← β₂h + (1−β₂)ĥ + ½(1−β₂)²(h−ĥ)²/(h+δ);
//	m ← m − lr(h₀+δ)(g/(1−β₁ᵗ) + δm)/(h+δ).
func IVONReference(m0 []float64, steps, samples int, grad func(theta, g []float64), n, delta, h0, lr, beta1, beta2 float64, rnd *rand.Rand) (m, h []float64) {
	d := len(m0)
	m = append([]float64(nil), m0...)
	h = make([]float64, d)
	for j := range h {
		h[j] = h0
	}
	mom, theta, g, gs, hs, eps := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	for t := 1; t <= steps; t++ {
		clear(gs)
		clear(hs)
		for range samples {
			for j := range eps {
				eps[j] = rnd.NormFloat64()
			}
			for j := range theta {
				theta[j] = m[j] + eps[j]/math.Sqrt(n*(h[j]+delta))
			}
			grad(theta, g)
			for j := range g {
				gs[j] += g[j]
				hs[j] += g[j] * eps[j] * math.Sqrt(n*(h[j]+delta))
			}
		}
		bc1 := 1 - math.Pow(beta1, float64(t))
		for j := range m {
			gh, hh := gs[j]/float64(samples), hs[j]/float64(samples)
			mom[j] = beta1*mom[j] + (1-beta1)*gh
			dh := h[j] - hh
			h[j] = beta2*h[j] + (1-beta2)*hh + 0.5*(1-beta2)*(1-beta2)*dh*dh/(h[j]+delta)
			m[j] -= lr * (h0 + delta) * (mom[j]/bc1 + delta*m[j]) / (h[j] + delta)
		}
	}
	return m, h
}

// CheckSGDMinibatch runs blr.SGD (μ = 0, weight decay P₀/N) beside plain
// minibatch SGD p ← p − lr(∇ + wd·p).
func CheckSGDMinibatch() (float64, error) {
	const steps, lr, n, p0 = 100, 0.5, 96, 3.0
	p := NewProblem(n, 5, 16, steps, 11)
	w0 := make([]float64, p.Dim())
	d, err := blr.SGD(append([]float64(nil), w0...), blr.Config{LR: lr, DataSize: n, PriorPrecision: p0})
	if err != nil {
		return 0, err
	}
	got, err := RunEngine(d, p, steps, nil)
	if err != nil {
		return 0, err
	}
	return TrajectoryDev(got, TorchSGD(w0, steps, p.Grad, lr, 0, p0/n)), nil
}

// CheckRMSprop runs blr.RMSprop beside torch's RMSprop recursion.
func CheckRMSprop() (float64, error) {
	const steps, lr, alpha, eps, n, p0 = 100, 0.01, 0.9, 1e-8, 96, 2.0
	p := NewProblem(n, 5, 16, steps, 12)
	w0 := make([]float64, p.Dim())
	d, err := blr.RMSprop(append([]float64(nil), w0...), blr.Config{LR: lr, Beta2: alpha, Eps: eps, DataSize: n, PriorPrecision: p0})
	if err != nil {
		return 0, err
	}
	got, err := RunEngine(d, p, steps, nil)
	if err != nil {
		return 0, err
	}
	return TrajectoryDev(got, TorchRMSprop(w0, steps, p.Grad, lr, alpha, eps, p0/n)), nil
}

// CheckAdam runs blr.Adam (weight decay as L2) and blr.AdamW beside torch's
// Adam and AdamW recursions; the deviation is the larger of the two.
func CheckAdam() (float64, error) {
	const steps, lr, b1, b2, eps, n, p0 = 100, 0.05, 0.9, 0.99, 1e-8, 96, 4.0
	p := NewProblem(n, 5, 16, steps, 13)
	w0 := make([]float64, p.Dim())
	var dev float64
	for _, decoupled := range []bool{false, true} {
		ctor := blr.Adam[float64]
		if decoupled {
			ctor = blr.AdamW[float64]
		}
		d, err := ctor(append([]float64(nil), w0...), blr.Config{LR: lr, Beta1: b1, Beta2: b2, Eps: eps, DataSize: n, PriorPrecision: p0})
		if err != nil {
			return 0, err
		}
		got, err := RunEngine(d, p, steps, nil)
		if err != nil {
			return 0, err
		}
		dev = math.Max(dev, TrajectoryDev(got, TorchAdam(w0, steps, p.Grad, lr, b1, b2, eps, p0/n, decoupled)))
	}
	return dev, nil
}

// separableProblem is logistic regression in which every example has one
// non-zero feature, so that its Hessian (= GGN) is diagonal and diagonal
// Gauss-Newton is Newton's method.
func separableProblem(n, d int, seed uint64) *Problem {
	rnd := rand.New(rand.NewPCG(seed, 0x5e9a))
	p := &Problem{X: make([][]float64, n), Y: make([]float64, n)}
	all := make([]int, n)
	for i := range n {
		x := make([]float64, d)
		j := i % d
		x[j] = rnd.NormFloat64() + 0.5
		p.X[i] = x
		if rnd.Float64() < 1/(1+math.Exp(-float64(j+1)*x[j])) {
			p.Y[i] = 1
		}
		all[i] = i
	}
	for range 100 {
		p.Batches = append(p.Batches, all)
	}
	return p
}

// NewtonDiagReference is Newton's method on the mean loss plus ½δ‖w‖² for a
// problem whose Hessian is diagonal: w ← w − (∇ + δw)/(diag ∇² + δ).
func NewtonDiagReference(p *Problem, w0 []float64, steps int, delta float64) [][]float64 {
	d := len(w0)
	w := append([]float64(nil), w0...)
	g, hd := make([]float64, d), make([]float64, d)
	var out [][]float64
	for t := 1; t <= steps; t++ {
		p.Eval(t, w, g, nil, hd)
		for j := range w {
			w[j] -= (g[j] + delta*w[j]) / (hd[j] + delta)
		}
		out = append(out, append([]float64(nil), w...))
	}
	return out
}

// CheckOGN runs blr.OGN with the full batch, α = 1, β₂ = 0 and the exact GGN
// diagonal beside Newton's method on a logistic regression whose Hessian is
// diagonal.
func CheckOGN() (float64, error) {
	const steps, n, p0 = 10, 90, 9.0
	p := separableProblem(n, 3, 14)
	w0 := make([]float64, p.Dim())
	d, err := blr.OGN(append([]float64(nil), w0...), blr.Config{DataSize: n, PriorPrecision: p0, LR: 1, Beta2: blr.Off, Curvature: blr.CurvGGNDiag})
	if err != nil {
		return 0, err
	}
	got, err := RunEngine(d, p, steps, nil)
	if err != nil {
		return 0, err
	}
	return TrajectoryDev(got, NewtonDiagReference(p, w0, steps, p0/n)), nil
}

// CheckVOGN runs blr.VOGN without momentum beside the vadam repository's
// VOGN recursion, with the same ε.
func CheckVOGN() (float64, error) {
	const steps, samples, n, lambda, h0, lr, beta = 100, 2, 96, 2.0, 0.2, 0.05, 0.95
	p := NewProblem(n, 5, 16, steps, 15)
	w0 := make([]float64, p.Dim())
	d, err := blr.VOGN(append([]float64(nil), w0...), blr.Config{
		DataSize: n, PriorPrecision: lambda, LR: lr, Beta1: blr.Off, Beta2: beta, HessInit: h0, Samples: samples,
	})
	if err != nil {
		return 0, err
	}
	got, err := RunEngine(d, p, steps, blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(15, 1))})
	if err != nil {
		return 0, err
	}
	want := VOGNReference(w0, steps, samples, p, n, lambda, n*(h0+lambda/n), lr, beta, rand.New(rand.NewPCG(15, 1)))
	return TrajectoryDev(got, want), nil
}

// CheckVadam runs blr.Vadam beside Vadam's published recursion with the
// same ε.
func CheckVadam() (float64, error) {
	const steps, samples, n, lambda, lr, b1, b2 = 100, 3, 96, 2.0, 0.02, 0.9, 0.999
	p := NewProblem(n, 5, 16, steps, 16)
	w0 := make([]float64, p.Dim())
	d, err := blr.Vadam(append([]float64(nil), w0...), blr.Config{
		DataSize: n, PriorPrecision: lambda, LR: lr, Beta1: b1, Beta2: b2, Samples: samples,
	})
	if err != nil {
		return 0, err
	}
	got, err := RunEngine(d, p, steps, blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(16, 1))})
	if err != nil {
		return 0, err
	}
	want := VadamReference(w0, steps, samples, p.Grad, n, lambda, lr, b1, b2, rand.New(rand.NewPCG(16, 1)))
	return TrajectoryDev(got, want), nil
}

// IVONQuadratic is the IVON test problem: the per-example loss
// ℓ(θ) = Σⱼ ½aⱼθⱼ² + bⱼθⱼ, identical for every example, so that the
// mean-loss gradient is a⊙θ + b and the posterior has Hessian a and mean
// −b/(a+δ).
var IVONQuadratic = struct{ A, B []float64 }{
	A: []float64{1, 2, 0.5, 4},
	B: []float64{1, -1, 0.5, 2},
}

// RunIVONQuadratic runs blr.IVON on IVONQuadratic with N = 1, P₀ = δ = 1,
// 64 samples, β = (0.9, 0.99) and lr 0.2 for 3000 steps, then 1000 steps
// with the lr decayed linearly to 0.002, and returns the mean, h, and the
// answers m* = −b/(a+δ) and a.
func RunIVONQuadratic(seed uint64) (m, h, mStar, a []float64, err error) {
	q := IVONQuadratic
	const n, p0, lr, samples = 1.0, 1.0, 0.2, 64
	delta := p0 / n
	d, err := blr.IVON(make([]float64, len(q.A)), blr.Config{
		DataSize: n, PriorPrecision: p0, LR: lr, Beta1: 0.9, Beta2: 0.99, HessInit: 1, Samples: samples,
	})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	o := blr.OracleFunc[float64](func(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
		var loss float64
		for j, th := range theta {
			grad[j] = q.A[j]*th + q.B[j]
			loss += 0.5*q.A[j]*th*th + q.B[j]*th
		}
		return loss, nil
	})
	rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(seed, 2))}
	const warm, decay = 3000, 1000
	for t := range warm + decay {
		if t >= warm {
			if err := d.SetLR(lr * (1 - 0.99*float64(t-warm)/decay)); err != nil {
				return nil, nil, nil, nil, err
			}
		}
		if _, err := d.Step(o, rnd); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	mStar = make([]float64, len(q.A))
	for j := range mStar {
		mStar[j] = -q.B[j] / (q.A[j] + delta)
	}
	return d.Mean(), d.Hessian(), mStar, q.A, nil
}

// CheckIVON returns max |m − m*|/max(1,|m*|) after RunIVONQuadratic, or an
// error when h is more than 5% from a.
func CheckIVON() (float64, error) {
	m, h, mStar, a, err := RunIVONQuadratic(1)
	if err != nil {
		return 0, err
	}
	for j := range h {
		if math.Abs(h[j]-a[j]) > 0.05*a[j] {
			return 0, fmt.Errorf("IVON: h[%d] = %g, want a = %g within 5%%", j, h[j], a[j])
		}
	}
	return relDev(m, mStar), nil
}

// recordNormals is a Normals that keeps what it drew since the last reset,
// so that a test estimator can reuse the engine's samples.
type recordNormals struct {
	rnd  *rand.Rand
	seen [][]float64
}

// Fill implements blr.Normals, keeping a copy of the draws.
func (r *recordNormals) Fill(dst []float64) {
	for i := range dst {
		dst[i] = r.rnd.NormFloat64()
	}
	r.seen = append(r.seen, append([]float64(nil), dst...))
}

// sharedEstimator is a blr.Estimator that evaluates the problem at the
// engine's samples (θ = m + ε/√s from q), or at m when eps is empty, and
// returns ∇_μE_q[Σᵢℓᵢ] through DiagGaussian.MuGrad: the gradient and the
// curvature (the exact diagonal, or Price's ĝ⊙ε√s) are scaled by N from
// the mean loss to the sum.
type sharedEstimator struct {
	p     *Problem
	t     int
	n     float64
	price bool
	eps   [][]float64
}

// Estimate implements blr.Estimator.
func (e *sharedEstimator) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	dg, ok := q.(*expfam.DiagGaussian)
	if !ok {
		return nil, fmt.Errorf("sharedEstimator: want *expfam.DiagGaussian, got %T", q)
	}
	m, s := dg.Mean(nil), dg.Precision(nil)
	d := len(m)
	gs, hs, g, h, theta := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	points := e.eps
	if len(points) == 0 {
		points = [][]float64{nil}
	}
	for _, eps := range points {
		copy(theta, m)
		for j := range eps {
			theta[j] = m[j] + eps[j]/math.Sqrt(s[j])
		}
		e.p.Eval(e.t, theta, g, nil, h)
		for j := range g {
			gs[j] += g[j]
			if e.price {
				hs[j] += g[j] * eps[j] * math.Sqrt(s[j])
			} else {
				hs[j] += h[j]
			}
		}
	}
	k := float64(len(points))
	for j := range gs {
		gs[j] = e.n * (gs[j] / k)
		hs[j] = e.n * (hs[j] / k)
	}
	return dg.MuGrad(dst, gs, hs), nil
}

// EngineCase is one configuration of EngineVsRule.
type EngineCase struct {
	Name        string
	Sample      bool // MC with shared samples (else the delta method)
	Price       bool // Price curvature (else the exact Hessian diagonal)
	Samples     int
	Rho         float64
	Positivity  bool // iBLR
	VectorPrior bool // a per-weight prior with a non-zero mean
}

// EngineCases are the configurations CheckEngineIsRule runs.
var EngineCases = []EngineCase{
	{Name: "delta", Rho: 0.3},
	{Name: "delta iBLR", Rho: 0.5, Positivity: true},
	{Name: "MC exact Hessian", Sample: true, Samples: 2, Rho: 0.2},
	{Name: "MC Price iBLR", Sample: true, Price: true, Samples: 3, Rho: 0.2, Positivity: true},
	{Name: "MC Price iBLR vector prior", Sample: true, Price: true, Samples: 1, Rho: 0.1, Positivity: true, VectorPrior: true},
}

// EngineVsRule runs the engine in the configuration where it is the rule
// (α = ρ = 1−β₂, β₁ = 0, no √, no debiasing, no ε, no rescaling or clipping)
// in lockstep with blr.Rule.Step on expfam.DiagGaussian from the same
// state and with the same samples, for the given number of steps, and
// returns the largest |Δm|/max(1,|m|,|step|) and |Δh|/max(1,|h|,|Δh step|).
func EngineVsRule(c EngineCase, steps int) (float64, error) {
	const n, p0 = 64.0, 2.0
	p := NewProblem(int(n), 4, 16, steps, 21)
	dim := p.Dim()
	kind := blr.CurvExactDiag
	if c.Price {
		kind = blr.CurvPrice
	}
	samples := max(c.Samples, 1)
	w := make([]float64, dim)
	for j := range w {
		w[j] = 0.1 * float64(j+1)
	}
	eng, err := blr.NewDiag(w, blr.DiagOptions{
		DataSize: n, PriorPrecision: p0, LR: c.Rho, Beta2: 1 - c.Rho, HessInit: 0.3, Curvature: kind,
		Sample: c.Sample, Samples: samples, Temperature: 1, Decay: blr.DecayInStep, PositivityPreserving: c.Positivity,
	})
	if err != nil {
		return 0, err
	}
	priorMean, priorPrec := make([]float64, dim), make([]float64, dim)
	for j := range priorPrec {
		priorPrec[j] = p0
	}
	if c.VectorPrior {
		for j := range priorPrec {
			priorMean[j] = 0.2 - 0.1*float64(j)
			priorPrec[j] = 1 + float64(j)
		}
		if err := eng.SetPrior(priorMean, priorPrec); err != nil {
			return 0, err
		}
	}
	prec := make([]float64, dim)
	eng.Precision(prec)
	q, err := expfam.NewDiagGaussian(w, prec)
	if err != nil {
		return 0, err
	}
	prior, err := expfam.NewDiagGaussian(priorMean, priorPrec)
	if err != nil {
		return 0, err
	}
	est := &sharedEstimator{p: p, n: n, price: c.Price}
	rule := blr.Rule{Prior: prior, Estimator: est, Rate: blr.Constant(c.Rho), PositivityPreserving: c.Positivity}
	var state blr.State
	rec := &recordNormals{rnd: rand.New(rand.NewPCG(21, 3))}
	t := 0
	o := p.Oracle(&t)
	var dev float64
	m0 := make([]float64, dim)
	for t = 1; t <= steps; t++ {
		copy(m0, eng.Mean())
		rec.seen = rec.seen[:0]
		if _, err := eng.Step(o, rec); err != nil {
			return 0, err
		}
		est.t, est.eps = t, rec.seen
		if _, err := rule.Step(q, &state, nil); err != nil {
			return 0, err
		}
		qm, qs := q.Mean(nil), q.Precision(nil)
		for j := range qm {
			step := math.Abs(qm[j] - m0[j])
			dm := math.Abs(eng.Mean()[j]-qm[j]) / math.Max(1, math.Max(math.Abs(qm[j]), step))
			hRule := qs[j]/n - priorPrec[j]/n
			hEng := eng.Hessian()[j]
			dh := math.Abs(hEng-hRule) / math.Max(1, math.Abs(hRule))
			dev = math.Max(dev, math.Max(dm, dh))
		}
		noteCompared(2 * len(qm))
		if !(dev <= 1e-13) {
			return dev, nil
		}
		// Continue both from the rule's state, so each step is compared from
		// one state.
		copy(eng.Mean(), qm)
		for j := range qs {
			eng.Hessian()[j] = qs[j]/n - priorPrec[j]/n
		}
		eng.Precision(prec)
		if q, err = expfam.NewDiagGaussian(qm, prec); err != nil {
			return 0, err
		}
	}
	return dev, nil
}

// CheckEngineIsRule runs EngineVsRule on every EngineCase for 20 steps.
func CheckEngineIsRule() (float64, error) {
	var dev float64
	for _, c := range EngineCases {
		d, err := EngineVsRule(c, 20)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Name, err)
		}
		dev = math.Max(dev, d)
	}
	return dev, nil
}
