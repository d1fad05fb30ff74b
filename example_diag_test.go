package blr_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/bayesrule/blr"
)

// IVON learns the posterior of a quadratic loss ℓ(θ) = Σⱼ ½aⱼθⱼ² + bⱼθⱼ per
// example: with one example and a unit prior (δ = P₀/N = 1) the posterior
// has mean −b/(a+1) and Hessian a.
func ExampleIVON() {
	a, b := []float64{1, 4}, []float64{1, -2}
	weights := make([]float64, 2) // the mean: IVON updates it in place
	opt, err := blr.IVON(weights, blr.Config{DataSize: 1, PriorPrecision: 1, LR: 0.2, Beta2: 0.99, HessInit: 1, Samples: 64})
	if err != nil {
		fmt.Println(err)
		return
	}
	oracle := blr.OracleFunc[float64](func(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
		for j, t := range theta {
			grad[j] = a[j]*t + b[j]
		}
		return 0, nil
	})
	rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(1, 2))}
	for t := range 4000 {
		if t >= 3000 { // decay the step size at the end
			_ = opt.SetLR(0.2 * (1 - 0.99*float64(t-3000)/1000))
		}
		if _, err := opt.Step(oracle, rnd); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("mean %.1f (want -0.5 0.4)\n", weights)
	fmt.Printf("Hessian %.0f (want 1 4)\n", opt.Hessian())
	fmt.Printf("precision N(h+δ) %.0f\n", opt.Precision(nil))
	// Output:
	// mean [-0.5 0.4] (want -0.5 0.4)
	// Hessian [1 4] (want 1 4)
	// precision N(h+δ) [2 5]
}

// Adam here is torch's Adam: weight decay (PriorPrecision/DataSize) enters
// the gradient and both moments.
func ExampleAdam() {
	w := []float32{1, -1}
	opt, err := blr.Adam(w, blr.Config{LR: 0.1, DataSize: 100, PriorPrecision: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	// ℓ_avg(θ) = ½‖θ − (3, 2)‖².
	oracle := blr.OracleFunc[float32](func(theta, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
		grad[0], grad[1] = theta[0]-3, theta[1]-2
		return 0, nil
	})
	for range 500 {
		if _, err := opt.Step(oracle, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	// The minimiser of ½‖θ − c‖² + ½·0.01‖θ‖² is c/1.01.
	fmt.Printf("%.3f\n", w)
	// Output:
	// [2.970 1.980]
}

// New builds an optimizer by the name `--optimizer` uses. A user who gives
// only the data size and the planned number of steps gets Beta2 chosen so
// that the Hessian can learn; an old setting that cannot is warned about.
func ExampleNew() {
	fmt.Println(blr.Names())
	opt, err := blr.New("ivon", make([]float32, 10), blr.Config{DataSize: 60000, Steps: 4690})
	if err != nil {
		fmt.Println(err)
		return
	}
	o := opt.Options()
	fmt.Printf("%s: lr %g, h0 %g, beta2 %.5f, prior precision %g\n", opt.Name(), o.LR, o.HessInit, o.Beta2, o.PriorPrecision)
	_, _ = blr.New("ivon", make([]float32, 10), blr.Config{DataSize: 60000, Steps: 4690, Beta2: 0.99999, Warn: os.Stdout})
	// Output:
	// [adam adamw iblr-diag ivon ogn rmsprop sgd vadam vogn]
	// ivon: lr 0.3, h0 0.01, beta2 0.99787, prior precision 50
	// blr: Beta2 = 0.99999 with Steps = 4690 gives (1−β₂)·T = 0.0469 < 5: the Hessian estimate moves only 4.6% of the way from HessInit, so the posterior cannot learn; use Beta2 ≤ 0.998934 (blr.Beta2For(4690) = 0.997868)
}

// Continual learning: the posterior after task A (its mean and precision)
// becomes the prior of task B, weight by weight.
func ExampleDiag_SetPrior() {
	const n = 100.0
	quad := func(c []float64) blr.Oracle[float64] { // ℓ_avg = ½‖θ − c‖²
		return blr.OracleFunc[float64](func(theta, grad, curv []float64, _ blr.CurvatureKind) (float64, error) {
			for j := range theta {
				grad[j] = theta[j] - c[j]
				curv[j] = 1
			}
			return 0, nil
		})
	}
	newOpt := func(w []float64) *blr.Diag[float64] {
		opt, err := blr.NewDiag(w, blr.DiagOptions{
			DataSize: n, PriorPrecision: 1, LR: 0.5, Beta2: 0.5, HessInit: 1,
			Curvature: blr.CurvExactDiag, Samples: 1, Temperature: 1,
		})
		if err != nil {
			panic(err)
		}
		return opt
	}
	w := []float64{0, 0}
	a := newOpt(w)
	for range 100 {
		_, _ = a.Step(quad([]float64{1, 1}), nil)
	}
	fmt.Printf("after A %.2f, precision %.0f\n", a.Mean(), a.Precision(nil))
	b := newOpt(w) // go on from task A's mean (w is shared: B now owns it)
	if err := b.SetPrior(a.Mean(), a.Precision(nil)); err != nil {
		fmt.Println(err)
		return
	}
	for range 100 {
		_, _ = b.Step(quad([]float64{3, -1}), nil)
	}
	// Equal data sizes and curvatures: B's posterior is about halfway.
	fmt.Printf("after B %.2f, precision %.0f\n", b.Mean(), b.Precision(nil))
	// Output:
	// after A [0.99 0.99], precision [101 101]
	// after B [1.99 0.00], precision [201 201]
}

// HessianWarning explains why a posterior cannot learn in a short run.
func ExampleHessianWarning() {
	fmt.Println(blr.HessianWarning(0.999, 10000) == "")
	fmt.Println(blr.Beta2For(469 * 10))
	// Output:
	// true
	// 0.997867803837953
}
