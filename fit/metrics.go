package fit

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr/metrics"
	"gonum.org/v1/gonum/mat"
)

// Metrics are a posterior's scores on a test table. Classification fills
// Accuracy, NLL, ECE and Brier; regression fills RMSE, LogLik and NLL
// (= −LogLik).
type Metrics struct {
	N              int
	Classification bool
	// Accuracy is the fraction of rows whose most probable class (the lowest
	// index on ties) is the label.
	Accuracy float64
	// NLL is the mean negative log predictive probability (density for
	// regression), in nats.
	NLL float64
	// ECE is the expected calibration error over 10 equal-width bins of the
	// top-class probability, bin = min(⌊10·conf⌋, 9).
	ECE float64
	// Brier is the mean over rows of Σ_c (p_c − 1[y = c])².
	Brier float64
	// RMSE is the root mean squared error of the predictive mean.
	RMSE float64
	// LogLik is the mean log predictive density.
	LogLik float64
}

// Evaluate scores the posterior on a test table (features without the
// intercept, labels coded as for Fit).
func (p *Posterior) Evaluate(x *mat.Dense, y []float64) (Metrics, error) {
	if p.Options.Model == ModelLinear || p.Options.Regression {
		mean, logp, err := p.PredictRegression(x, y)
		if err != nil {
			return Metrics{}, err
		}
		return regressionMetrics(mean, logp, y), nil
	}
	if err := checkX("test x", x); err != nil {
		return Metrics{}, err
	}
	n, _ := x.Dims()
	model := p.Options.Model
	if model == ModelMLP {
		model = ModelMultinomial // class indices, as for Fit
	}
	labels, _, err := checkLabels("test y", y, n, model, p.Classes)
	if err != nil {
		return Metrics{}, err
	}
	probs, err := p.PredictProba(x)
	if err != nil {
		return Metrics{}, err
	}
	return ClassificationMetrics(probs, labels, p.Classes)
}

func regressionMetrics(mean, logp, y []float64) Metrics {
	m := Metrics{N: len(y)}
	var se, ll float64
	for i, v := range y {
		r := v - mean[i]
		se += r * r
		ll += logp[i]
	}
	n := float64(len(y))
	m.RMSE = math.Sqrt(se / n)
	m.LogLik = ll / n
	m.NLL = -m.LogLik
	return m
}

// ClassificationMetrics scores predictive probabilities probs (N×K
// row-major) against labels in [0, K) with package metrics: accuracy, NLL
// (mean nats, probabilities floored at metrics.ProbFloor), ECE (10
// equal-width bins of the top-class probability) and the Brier score summed
// over classes. Invalid input gives a *DataError.
func ClassificationMetrics(probs []float64, labels []int, k int) (Metrics, error) {
	m := Metrics{N: len(labels), Classification: true}
	var err error
	for _, c := range []struct {
		dst *float64
		f   func([]float64, int, []int) (float64, error)
	}{{&m.Accuracy, metrics.Accuracy}, {&m.NLL, metrics.NLL}, {&m.ECE, metrics.ECE}, {&m.Brier, metrics.Brier}} {
		if *c.dst, err = c.f(probs, k, labels); err != nil {
			return Metrics{}, &DataError{Field: "predictive probabilities", Value: fmt.Sprintf("%d rows, %d classes", len(labels), k), Reason: err.Error()}
		}
	}
	return m, nil
}
