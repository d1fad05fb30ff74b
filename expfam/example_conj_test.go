package expfam_test

import (
	"fmt"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

// One step of the Bayesian learning rule with ρ = 1 and a conjugate
// likelihood gives the exact posterior, from any starting point: here the
// Beta–Bernoulli update Beta(a₀ + Σy, b₀ + N − Σy).
func ExampleBeta() {
	prior, _ := expfam.NewBeta(2, 2)
	q, _ := expfam.NewBeta(0.5, 7) // any start
	rule := blr.Rule{
		Prior:     prior,
		Estimator: blr.Exact{Likelihood: expfam.BernoulliObs{Y: []float64{1, 0, 1, 1, 1}}},
		Rate:      blr.Constant(1),
	}
	if _, err := rule.Step(q, &blr.State{}, nil); err != nil {
		fmt.Println(err)
		return
	}
	a, b := q.Params()
	fmt.Printf("posterior Beta(%g, %g), mean %.4f\n", a, b, a/(a+b))
	// Output:
	// posterior Beta(6, 3), mean 0.6667
}
