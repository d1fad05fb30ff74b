// Package demo holds the computations behind `blr demo`: small experiments
// that show a claim of the talk with numbers and a picture.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

// FlatLoss is a 1-D loss with a sharp, deep minimum near θ = −1 and a flat,
// shallow one at θ = 2:
//
//	ℓ(θ) = a(θ − 2)² − b·exp(−(θ + 1)²/(2w²)).
//
// Its Gaussian smoothing E_{N(m,σ²)}[ℓ] has a closed form, so the rule's
// expectation is exact here (no sampling).
type FlatLoss struct {
	A, B, W float64
}

// DefaultFlat is the loss of `blr demo flat`.
var DefaultFlat = FlatLoss{A: 0.05, B: 1.5, W: 0.05}

// Loss is ℓ(θ).
func (f FlatLoss) Loss(theta float64) float64 {
	return f.A*(theta-2)*(theta-2) - f.B*math.Exp(-(theta+1)*(theta+1)/(2*f.W*f.W))
}

// Smoothed is E_{N(m,σ²)}[ℓ(θ)].
func (f FlatLoss) Smoothed(m, variance float64) float64 {
	v := f.W*f.W + variance
	return f.A*((m-2)*(m-2)+variance) - f.B*f.W/math.Sqrt(v)*math.Exp(-(m+1)*(m+1)/(2*v))
}

// SmoothedGrad is d/dm E_{N(m,σ²)}[ℓ(θ)] = E_q[ℓ′(θ)].
func (f FlatLoss) SmoothedGrad(m, variance float64) float64 {
	v := f.W*f.W + variance
	return 2*f.A*(m-2) + f.B*f.W/math.Sqrt(v)*(m+1)/v*math.Exp(-(m+1)*(m+1)/(2*v))
}

// Grad implements blr.Gradienter for the point loss.
func (f FlatLoss) Grad(grad, theta []float64) float64 {
	grad[0] = f.SmoothedGrad(theta[0], 0)
	return f.Loss(theta[0])
}

// smoothedEstimator gives the exact E_q[∇ℓ] for a 1-D fixed-variance Gaussian.
type smoothedEstimator struct {
	f        FlatLoss
	variance float64
}

func (e smoothedEstimator) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	g, ok := q.(*expfam.FixedGaussian)
	if !ok || g.ParamDim() != 1 {
		return nil, fmt.Errorf("demo: want a 1-D fixed-variance Gaussian, got %T", q)
	}
	m := g.Mean(nil)[0]
	return g.MuGrad(dst, []float64{e.f.SmoothedGrad(m, e.variance)}, nil), nil
}

// FlatResult is where a run ended.
type FlatResult struct {
	Variance float64 // σ² of q; 0 is gradient descent
	Start    float64
	Mean     float64
}

// RunFlat runs the rule with q = N(m, σ²) (σ² fixed) and exact expectations
// from start for steps steps of size ρ; σ² = 0 is plain gradient descent
// (the delta method). The rule's natural parameter is m/σ², so a step of ρ
// moves m by ρσ²·E_q[ℓ′]: the rule runs with ρ = α/σ² (α ≤ σ²) so that
// the mean moves at the speed of gradient descent with step α for every σ².
func RunFlat(f FlatLoss, variance, start, alpha float64, steps int) (float64, error) {
	v := variance
	if v == 0 {
		v = 1
	}
	q, err := expfam.NewFixedGaussian([]float64{start}, []float64{v})
	if err != nil {
		return 0, err
	}
	var est blr.Estimator = smoothedEstimator{f: f, variance: variance}
	rule := blr.Rule{Estimator: est, Rate: blr.Constant(alpha / v)}
	var st blr.State
	for range steps {
		if _, err := rule.Step(q, &st, nil); err != nil {
			return 0, err
		}
	}
	return q.Mean(nil)[0], nil
}

// FlatSweep runs RunFlat for each variance from each start.
func FlatSweep(f FlatLoss, variances, starts []float64) ([]FlatResult, error) {
	var out []FlatResult
	for _, v := range variances {
		for _, s := range starts {
			m, err := RunFlat(f, v, s, 0.01, 20000)
			if err != nil {
				return nil, fmt.Errorf("variance %g, start %g: %w", v, s, err)
			}
			out = append(out, FlatResult{Variance: v, Start: s, Mean: m})
		}
	}
	return out, nil
}
