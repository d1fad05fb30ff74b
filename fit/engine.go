package fit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// rowOracle is a blr.Oracle on a minibatch of rows chosen by setRows.
type rowOracle interface {
	blr.Oracle[float64]
	setRows(rows []int)
}

// engine runs blr.VOGN or blr.IVON (the diagonal-Gaussian deep-learning
// engine of package blr) on minibatches of the table: Epochs passes, each in
// the order data.EpochOrder(N, Seed, epoch), BatchSize rows per step, one
// Monte Carlo sample per step, mean step LR, β₂ from the planned number of
// steps (blr.Beta2For), the prior set per coordinate on the summed-loss
// scale (so the intercept and noise priors are those of the other methods).
// VOGN uses the empirical Fisher (per-example squared gradients), IVON the
// Price estimate. It returns the final Gaussian N(m, diag(N(h+δ))⁻¹).
func (p *problem) engine(y []float64) (*expfam.DiagGaussian, int, error) {
	d, t, err := p.runEngine(p.opt.Method, p.start(y), &oracle{p: p, g: make([]float64, p.dim)})
	if err != nil {
		return nil, t, err
	}
	q, err := expfam.NewDiagGaussian(d.Mean(), d.Precision(nil))
	if err != nil {
		return nil, t, fmt.Errorf("fit: %s posterior: %w", p.opt.Method, err)
	}
	return q, t, nil
}

// runEngine runs the named engine from params (which it updates) with the
// oracle for Epochs passes of minibatches. method is vogn, ivon, or for the
// MLP map (OGN with the Gauss–Newton diagonal, the delta method) and
// vi-diag (iBLR-diag, the rule itself with ρ = LR and the Gauss–Newton
// diagonal at each sample).
func (p *problem) runEngine(method Method, params []float64, or rowOracle) (*blr.Diag[float64], int, error) {
	n := p.n
	batch := min(p.opt.BatchSize, n)
	perEpoch := (n + batch - 1) / batch
	steps := p.opt.Epochs * perEpoch
	cfg := blr.Config{
		DataSize:       float64(n),
		PriorPrecision: p.opt.PriorPrecision,
		LR:             p.opt.LR,
		Steps:          steps,
	}
	var (
		opt *blr.Diag[float64]
		err error
	)
	switch method {
	case MethodVOGN:
		opt, err = blr.VOGN(params, cfg)
	case MethodIVON:
		// Tables are small: h₀ = 0.5 keeps the first samples' standard
		// deviation 1/√(N(h₀+δ)) small (the library default 0.01 is
		// validated for N ≥ 10⁴ images).
		cfg.HessInit = 0.5
		opt, err = blr.IVON(params, cfg)
	case MethodVIDiag:
		opt, err = blr.IBLRDiag(params, blr.Config{DataSize: cfg.DataSize, PriorPrecision: cfg.PriorPrecision, LR: cfg.LR, Steps: steps, Curvature: blr.CurvGGNDiag})
	default: // the MLP's MAP and the Laplace start
		cfg.Curvature = blr.CurvGGNDiag
		opt, err = blr.OGN(params, cfg)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("fit: %s: %w", method, err)
	}
	if err := opt.SetPrior(nil, p.delta); err != nil {
		return nil, 0, fmt.Errorf("fit: %s prior: %w", method, err)
	}
	noise := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(p.opt.Seed, 0x1e57))}
	t := 0
	for epoch := range p.opt.Epochs {
		order := data.EpochOrder(n, p.opt.Seed, epoch)
		for lo := 0; lo < n; lo += batch {
			or.setRows(order[lo:min(lo+batch, n)])
			if _, err := opt.Step(or, noise); err != nil {
				return nil, t, fmt.Errorf("fit: %s step %d: %w", method, t, err)
			}
			t++
		}
	}
	return opt, t, nil
}

// oracle evaluates the minibatch-mean data loss of a GLM for the engine,
// with per-example squared gradients when asked (the empirical Fisher).
type oracle struct {
	p    *problem
	rows []int
	g    []float64
}

func (o *oracle) setRows(rows []int) { o.rows = rows }

// Eval implements blr.Oracle.
func (o *oracle) Eval(theta, grad, curv []float64, kind blr.CurvatureKind) (float64, error) {
	if curv != nil && kind != blr.CurvEmpiricalFisher {
		return 0, fmt.Errorf("fit: curvature %v is not available for tables", kind)
	}
	clear(grad)
	clear(curv)
	var loss float64
	for _, i := range o.rows {
		loss += o.p.exampleGrad(o.g, i, theta)
		for j, v := range o.g {
			grad[j] += v
			if curv != nil {
				curv[j] += v * v
			}
		}
	}
	inv := 1 / float64(len(o.rows))
	for j := range grad {
		grad[j] *= inv
	}
	for j := range curv {
		curv[j] *= inv
	}
	return loss * inv, nil
}

// exampleGrad writes ∇ℓᵢ(θ) (the data term of example i) into g and
// returns ℓᵢ(θ).
func (p *problem) exampleGrad(g []float64, i int, theta []float64) float64 {
	x := p.x.RawRowView(i)
	switch {
	case p.logistic != nil || p.linear != nil:
		var s float64
		for j, v := range x {
			s += v * theta[j]
		}
		var f, d1 float64
		if p.logistic != nil {
			f, d1, _ = p.logistic.ScoreLoss(i, s)
		} else {
			f, d1, _ = p.linear.ScoreLoss(i, s)
		}
		for j, v := range x {
			g[j] = d1 * v
		}
		return f
	case p.noise != nil:
		d := p.cols
		var s float64
		for j, v := range x {
			s += v * theta[j]
		}
		r := p.noise.Y[i] - s
		tau := math.Exp(theta[d])
		for j, v := range x {
			g[j] = -tau * r * v
		}
		g[d] = 0.5*tau*r*r - 0.5
		return 0.5*tau*r*r - 0.5*theta[d]
	default: // multinomial
		k, d := p.classes, p.cols
		f := make([]float64, k)
		pr := make([]float64, k)
		w := mat.NewDense(k, d, theta)
		for c := range k {
			f[c] = mat.Dot(w.RowView(c), mat.NewVecDense(d, x))
		}
		y := p.labels[i]
		logZ := expfam.Softmax(pr, f)
		for c := range k {
			r := pr[c]
			if c == y {
				r--
			}
			for j, v := range x {
				g[c*d+j] = r * v
			}
		}
		return logZ - f[y]
	}
}
