package blr_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
)

// teacher is a logistic-regression problem whose labels come from binary
// weights: 200 examples, y = 1 when x·w* + noise > 0.
func teacher() (oracle blr.Oracle[float64], wStar []float64) {
	wStar = []float64{1, -1, 1, 1, -1}
	rnd := rand.New(rand.NewPCG(1, 1))
	const n = 200
	x := make([][]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = make([]float64, len(wStar))
		var s float64
		for j := range wStar {
			x[i][j] = rnd.NormFloat64()
			s += x[i][j] * wStar[j]
		}
		if s+0.5*rnd.NormFloat64() > 0 {
			y[i] = 1
		}
	}
	oracle = blr.OracleFunc[float64](func(w, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
		clear(grad)
		var loss float64
		for i, xi := range x {
			var s float64
			for j, v := range xi {
				s += w[j] * v
			}
			p := 1 / (1 + math.Exp(-s))
			loss += math.Log1p(math.Exp(-math.Abs(s))) + math.Max(s, 0) - y[i]*s
			for j, v := range xi {
				grad[j] += (p - y[i]) * v / n
			}
		}
		return loss / n, nil
	})
	return oracle, wStar
}

// BayesBiNN learns a posterior over binary weights. Here it uses the exact
// relaxed estimator at temperature 0.3 with 8 samples; the mode network
// sign λ recovers the teacher's weights, and p(wⱼ = +1) says how sure the
// posterior is.
func ExampleBayesBiNN() {
	oracle, wStar := teacher()
	params := []float64{0.1, 0.1, -0.1, 0.1, 0.1} // the signs start λ at ±10·0.1
	opt, err := blr.BayesBiNN(params, blr.BinaryConfig{
		DataSize: 200, LR: 0.05, Temperature: 0.3, Eps: blr.Off, Samples: 8, InitScale: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rnd := rand.New(rand.NewPCG(2, 3))
	for range 300 {
		if _, err := opt.Step(oracle, rnd); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("teacher      ", wStar)
	fmt.Println("mode network ", params)
	var p []string
	for _, l := range opt.Latent() {
		p = append(p, fmt.Sprintf("%.2f", 1/(1+math.Exp(-2*l))))
	}
	fmt.Println("p(w = +1)    ", p)
	// Output:
	// teacher       [1 -1 1 1 -1]
	// mode network  [1 -1 1 1 -1]
	// p(w = +1)     [1.00 0.00 1.00 1.00 0.00]
}

// STE keeps latent real weights λ and trains the binary network sign λ with
// the gradient at the binary weights passed straight through to λ.
func ExampleSTE() {
	oracle, _ := teacher()
	params := []float64{0.05, 0.02, -0.01, -0.03, 0.04} // λ starts here
	opt, err := blr.STE(params, blr.BinaryConfig{LR: 0.1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 100 {
		if _, err := opt.Step(oracle, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("binary weights", params)
	// Output:
	// binary weights [1 -1 1 1 -1]
}

// Dropout as the rule: non-inverted dropout-SGD, whose oracle is the network
// with dropout layers in training mode. Variance reports the mixture
// components' σ² that make its step the rule's.
func ExampleNewDropout() {
	// Two weights read unit 0 (dropped with p = 0.5), the third is a bias.
	params := []float64{0.2, -0.4, 0.1}
	opt, err := blr.NewDropout(params, blr.DropoutConfig{
		DataSize: 1000, LR: 0.1, Rate: 0.5, Group: []int{0, 0, -1}, P: []float64{0.5},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("σ² = %.1e\n", opt.Variance(nil))
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		fmt.Println("a network from q:", opt.Sample(nil, rnd))
	}
	// Output:
	// σ² = [1.0e-04 1.0e-04 2.0e-04]
	// a network from q: [0.2 -0.4 0.1]
	// a network from q: [0 0 0.1]
	// a network from q: [0.2 -0.4 0.1]

}

// MixtureIVON trains K diagonal-Gaussian components at once; under the
// responsibility approximation each is an IVON run. On a double well each
// component finds its own minimum.
func ExampleMixtureIVON() {
	// ℓ(θ) = (θ² − 1)² per example, minima at ±1.
	oracle := blr.OracleFunc[float64](func(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
		t := theta[0]
		grad[0] = 4 * t * (t*t - 1)
		return (t*t - 1) * (t*t - 1), nil
	})
	params := [][]float64{{-0.5}, {0.7}}
	mix, err := blr.MixtureIVON(params, blr.Config{DataSize: 100, LR: 0.05, Beta2: 0.99, HessInit: 1, PriorPrecision: blr.Off})
	if err != nil {
		fmt.Println(err)
		return
	}
	noise := &blr.FastNormals[float64]{Key: 1}
	for range 2000 {
		if _, err := mix.Step(oracle, noise); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("means %.1f %.1f\n", params[0][0], params[1][0])
	// Output:
	// means -1.0 1.0
}
