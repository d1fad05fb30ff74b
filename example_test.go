package blr_test

import (
	"fmt"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// newtonQuadratic is ℓ(θ) = ½θᵀAθ − bᵀθ with A = [[4, 1], [1, 3]], b = (1, 2).
type newtonQuadratic struct{}

func (newtonQuadratic) Grad(grad, theta []float64) float64 {
	a0, a1 := 4*theta[0]+theta[1], theta[0]+3*theta[1] // Aθ
	grad[0], grad[1] = a0-1, a1-2
	return 0.5*(theta[0]*a0+theta[1]*a1) - (theta[0] + 2*theta[1])
}

func (newtonQuadratic) Hess(hess, _ []float64) { copy(hess, []float64{4, 1, 1, 3}) }

// With a full Gaussian, the delta method and ρ = 1, one step of the rule is
// a Newton step: S′ = ∇²ℓ(m) and m′ = m − S′⁻¹∇ℓ(m), the minimiser A⁻¹b of a
// quadratic.
func ExampleRule() {
	q, err := expfam.NewFullGaussian([]float64{10, -7}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if err != nil {
		panic(err)
	}
	rule := blr.Rule{
		Estimator: &blr.Delta{Model: newtonQuadratic{}},
		Rate:      blr.Constant(1),
	}
	var state blr.State
	if _, err := rule.Step(q, &state, nil); err != nil {
		panic(err)
	}
	fmt.Printf("m = %.4f (A⁻¹b = [1/11 7/11])\n", q.Mean(nil))
	fmt.Printf("S = %v\n", mat.Formatted(q.Precision(nil), mat.Prefix("    ")))
	// Output:
	// m = [0.0909 0.6364] (A⁻¹b = [1/11 7/11])
	// S = ⎡4  1⎤
	//     ⎣1  3⎦
}
