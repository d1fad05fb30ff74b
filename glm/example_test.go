package glm_test

import (
	"fmt"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/glm"
	"gonum.org/v1/gonum/mat"
)

// Full-Gaussian variational inference for logistic regression is the
// Bayesian learning rule with exact Gaussian expectations: the Quadrature
// estimator integrates over each example's score, and the
// positivity-preserving rule with ρ = 1 iterates to the fixed point
// E_q[∇ℓ̄] = 0, S = E_q[∇²ℓ̄].
func ExampleQuadrature() {
	// One feature and an intercept column.
	x := mat.NewDense(6, 2, []float64{-2, 1, -1, 1, -0.5, 1, 0.5, 1, 1, 1, 2, 1})
	y := []float64{0, 1, 1, 0, 1, 1}
	model, err := glm.NewLogistic(x, y, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	q, err := expfam.NewFullGaussian([]float64{0, 0}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if err != nil {
		fmt.Println(err)
		return
	}
	est := &glm.Quadrature{Model: model}
	rule := blr.Rule{Estimator: est, Rate: blr.Constant(1), PositivityPreserving: true}
	var st blr.State
	for range 30 {
		if _, err := rule.Step(q, &st, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	_, g, _, _ := est.Moments(q)
	m := q.Mean(nil)
	fmt.Printf("mean %.4f %.4f, |E_q[∇ℓ̄]| < 1e-9: %v\n", m[0], m[1], max(abs(g[0]), abs(g[1])) < 1e-9)
	// Output:
	// mean 0.5204 0.4654, |E_q[∇ℓ̄]| < 1e-9: true
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
