package blr_test

import (
	"fmt"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// bowl is ℓ(θ) = ½‖θ − (1, −2)‖².
type bowl struct{}

func (bowl) Grad(grad, theta []float64) float64 {
	grad[0], grad[1] = theta[0]-1, theta[1]+2
	return 0.5 * (grad[0]*grad[0] + grad[1]*grad[1])
}

// A Gaussian with fixed covariance I and the delta method: the rule is
// gradient descent, θ ← θ − ρ∇ℓ(θ), with no shrinkage toward zero.
func Example_gradientDescent() {
	q, err := expfam.NewFixedGaussian([]float64{0, 0}, []float64{1, 1})
	if err != nil {
		panic(err)
	}
	rule := blr.Rule{Estimator: &blr.Delta{Model: bowl{}}, Rate: blr.Constant(0.5)}
	var state blr.State
	for range 3 {
		if _, err := rule.Step(q, &state, nil); err != nil {
			panic(err)
		}
		fmt.Printf("%.4f\n", q.Mean(nil))
	}
	// Output:
	// [0.5000 -1.0000]
	// [0.7500 -1.5000]
	// [0.8750 -1.7500]
}

// doubleWell is ℓ(θ) = (θ² − 1)², with minima at ±1 where ℓ″ = 8.
type doubleWell struct{}

func (doubleWell) Grad(g, th []float64) float64 {
	g[0] = 4 * th[0] * (th[0]*th[0] - 1)
	return (th[0]*th[0] - 1) * (th[0]*th[0] - 1)
}

func (doubleWell) Hess(h, th []float64) { h[0] = 12*th[0]*th[0] - 4 }

// Multimodal optimisation: a mixture of two Gaussians, each component an
// online-Newton run, finds both minima at once with the Hessian there as
// its precision.
func ExampleMultimodal() {
	one := mat.NewSymDense(1, []float64{1})
	rule, q, err := blr.Multimodal(doubleWell{}, [][]float64{{-2}, {2}}, []*mat.SymDense{one, one}, 0.5, false)
	if err != nil {
		panic(err)
	}
	var state blr.State
	for range 60 {
		if _, err := rule.Step(q, &state, nil); err != nil {
			panic(err)
		}
	}
	for k := range q.NumComponents() {
		c := q.Component(k).(*expfam.FullGaussian)
		fmt.Printf("component %d: mean %+.6f, precision %.6f\n", k, c.Mean(nil)[0], c.Precision(nil).At(0, 0))
	}
	// Output:
	// component 0: mean -1.000000, precision 8.000000
	// component 1: mean +1.000000, precision 8.000000
}
