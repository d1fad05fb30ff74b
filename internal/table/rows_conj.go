package table

import (
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

func init() { conjugateExtra = checkConjugatePairs }

// checkConjugatePairs: Beta–Bernoulli and Gamma–Poisson, one ρ = 1 step from
// a start far from the answer, against the textbook posterior parameters.
func checkConjugatePairs() (float64, error) {
	y := []float64{1, 0, 1, 1, 0, 1, 1, 1, 0, 1}
	var sum float64
	for _, v := range y {
		sum += v
	}
	n := float64(len(y))
	prior, err := expfam.NewBeta(2, 3)
	if err != nil {
		return 0, err
	}
	q, err := expfam.NewBeta(40, 0.2)
	if err != nil {
		return 0, err
	}
	rule := blr.Rule{Prior: prior, Estimator: blr.Exact{Likelihood: expfam.BernoulliObs{Y: y}}, Rate: blr.Constant(1)}
	if _, err := rule.Step(q, new(blr.State), nil); err != nil {
		return 0, err
	}
	a, b := q.Params()
	dev := relDev([]float64{a, b}, []float64{2 + sum, 3 + n - sum})

	counts := []float64{3, 0, 2, 5, 1, 4}
	var cs float64
	for _, c := range counts {
		cs += c
	}
	gp, err := expfam.NewGamma(1.5, 0.5)
	if err != nil {
		return 0, err
	}
	gq, err := expfam.NewGamma(0.3, 20)
	if err != nil {
		return 0, err
	}
	rule = blr.Rule{Prior: gp, Estimator: blr.Exact{Likelihood: expfam.PoissonObs{Y: counts}}, Rate: blr.Constant(1)}
	if _, err := rule.Step(gq, new(blr.State), nil); err != nil {
		return 0, err
	}
	shape, rate := gq.Params()
	dev = math.Max(dev, relDev([]float64{shape, rate}, []float64{1.5 + cs, 0.5 + float64(len(counts))}))
	return dev, nil
}
