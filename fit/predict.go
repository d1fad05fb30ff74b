package fit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

// testDesign checks x against the fitted feature count and appends the
// intercept column.
func (p *Posterior) testDesign(x *mat.Dense) (*mat.Dense, error) {
	if err := checkX("test x", x); err != nil {
		return nil, err
	}
	if _, c := x.Dims(); c != p.Features {
		return nil, &DataError{Field: "test x columns", Value: c, Reason: fmt.Sprintf("the model was fitted on %d features", p.Features)}
	}
	return design(x, p.Options.NoIntercept), nil
}

// pointEstimate reports whether the predictive plugs in the mean (MAP).
func (p *Posterior) pointEstimate() bool { return p.Options.Method == MethodMAP }

// PredictProba returns the predictive class probabilities of the rows of x
// (features only), N×K row-major (K = 2 for logistic regression: the
// probabilities of classes 0 and 1), by the predictive Options.Predictive
// names; MAP plugs in its point estimate. For the multinomial model the
// rows are at most MaxScoreEntries/K² (a *DataError otherwise).
func (p *Posterior) PredictProba(x *mat.Dense) ([]float64, error) {
	if p.Options.Model == ModelLinear || p.Options.Regression {
		return nil, &OptionError{Field: "Model", Value: p.Options.Model, Reason: "a regression model has no class probabilities"}
	}
	if p.prob.mlp != nil {
		if err := checkX("test x", x); err != nil {
			return nil, err
		}
		probs, _, _, err := p.mlpPredict(x, nil)
		return probs, err
	}
	xd, err := p.testDesign(x)
	if err != nil {
		return nil, err
	}
	n, _ := xd.Dims()
	k := p.Classes
	if p.prob.multinomial != nil && !p.pointEstimate() {
		if err := checkScoreEntries("test x rows", n, k); err != nil {
			return nil, err
		}
	}
	out := make([]float64, n*k)
	if p.pointEstimate() {
		if p.prob.multinomial != nil {
			return p.prob.multinomial.Predict(out, xd, p.Mean), nil
		}
		p1 := p.prob.logistic.Predict(nil, xd, p.Mean)
		return binary(out, p1), nil
	}
	cov, err := p.Covariance()
	if err != nil {
		return nil, err
	}
	seed := p.Options.Seed
	if p.prob.multinomial != nil {
		switch p.Options.Predictive {
		case PredictProbit:
			return glm.PredictSoftmaxProbit(out, xd, p.Mean, cov, k), nil
		default:
			return glm.PredictSoftmaxSample(out, xd, p.Mean, cov, k, p.Options.TestSamples, seed)
		}
	}
	var p1 []float64
	switch p.Options.Predictive {
	case PredictProbit:
		p1 = glm.PredictProbit(nil, xd, p.Mean, cov)
	case PredictSample:
		p1, err = glm.PredictSample(nil, xd, p.Mean, cov, p.Options.TestSamples, rand.New(rand.NewPCG(seed, 0x7e57)))
		if err != nil {
			return nil, err
		}
	default:
		p1 = glm.PredictQuadrature(nil, xd, p.Mean, cov)
	}
	return binary(out, p1), nil
}

// binary writes (1−p, p) rows into out.
func binary(out, p1 []float64) []float64 {
	for i, v := range p1 {
		out[2*i], out[2*i+1] = 1-v, v
	}
	return out
}

// PredictRegression returns, for the rows of x (features only) and their
// targets y, the predictive means and log predictive densities
// log p(yᵢ|xᵢ, data): Gaussian with variance xᵢᵀΣxᵢ + 1/τ for known noise
// (1/τ alone for MAP), a quadrature over the noise for learnt noise.
func (p *Posterior) PredictRegression(x *mat.Dense, y []float64) (mean, logp []float64, err error) {
	if p.Options.Model != ModelLinear && !p.Options.Regression {
		return nil, nil, &OptionError{Field: "Model", Value: p.Options.Model, Reason: "not a regression model"}
	}
	if p.prob.mlp != nil {
		if err := checkX("test x", x); err != nil {
			return nil, nil, err
		}
		n, _ := x.Dims()
		if _, _, err := checkLabels("test y", y, n, ModelLinear, 0); err != nil {
			return nil, nil, err
		}
		_, mean, logp, err = p.mlpPredict(x, y)
		return mean, logp, err
	}
	xd, err := p.testDesign(x)
	if err != nil {
		return nil, nil, err
	}
	n, d := xd.Dims()
	if _, _, err := checkLabels("test y", y, n, ModelLinear, 0); err != nil {
		return nil, nil, err
	}
	logp = make([]float64, n)
	var cov *mat.SymDense
	if p.pointEstimate() {
		cov = mat.NewSymDense(len(p.Mean), nil)
	} else if cov, err = p.Covariance(); err != nil {
		return nil, nil, err
	}
	if p.prob.learnTau {
		logp, mean = glm.PredictiveLogDensity(logp, nil, xd, y, p.Mean, cov)
		return mean, logp, nil
	}
	mean, v := glm.ScoreMoments(nil, nil, xd, p.Mean[:d], cov)
	tau := p.Options.NoisePrecision
	for i := range n {
		s2 := v[i] + 1/tau
		r := y[i] - mean[i]
		logp[i] = -0.5*math.Log(2*math.Pi*s2) - 0.5*r*r/s2
	}
	return mean, logp, nil
}
