package fit_test

import (
	"fmt"

	"github.com/bayesrule/blr/fit"
	"gonum.org/v1/gonum/mat"
)

// A one-feature logistic regression: the MAP, the Laplace Gaussian and
// full-Gaussian VI, whose ELBO is never below that of the Laplace Gaussian.
func ExampleFit() {
	x := mat.NewDense(8, 1, []float64{-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2})
	y := []float64{0, 0, 1, 0, 1, 1, 1, 1}
	for _, m := range []fit.Method{fit.MethodMAP, fit.MethodLaplace, fit.MethodVI} {
		post, err := fit.Fit(x, y, fit.Options{Model: fit.ModelLogistic, Method: m, PriorPrecision: 1})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-8s slope %.4f intercept %.4f", m, post.Mean[0], post.Mean[1])
		if post.HasELBO {
			fmt.Printf("  ELBO %.4f", post.ELBO)
		}
		fmt.Println()
	}
	// Output:
	// map      slope 1.0047 intercept 0.4232
	// laplace  slope 1.0047 intercept 0.4232  ELBO -4.5005
	// vi       slope 1.1531 intercept 0.4585  ELBO -4.4686
}

// Scoring a posterior on a test table.
func ExamplePosterior_Evaluate() {
	x := mat.NewDense(6, 1, []float64{-2, -1, -0.5, 0.5, 1, 2})
	y := []float64{0, 0, 1, 0, 1, 1}
	post, err := fit.Fit(x, y, fit.Options{Model: fit.ModelLogistic, Method: fit.MethodVI, PriorPrecision: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	met, err := post.Evaluate(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("accuracy %.3f, NLL %.3f, Brier %.3f\n", met.Accuracy, met.NLL, met.Brier)
	// Output:
	// accuracy 0.667, NLL 0.511, Brier 0.336
}
