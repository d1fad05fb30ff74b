package expfam_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// A fixed-covariance Gaussian with Σ = I turns the rule into gradient
// descent: ∇_μH = 0, so λ ← λ − ρ∇ℓ(m) moves the mean with no shrinkage.
func ExampleFixedGaussian() {
	q, err := expfam.NewFixedGaussian([]float64{1, -2}, []float64{1, 1})
	if err != nil {
		panic(err)
	}
	grad := []float64{0.5, -1} // ∇ℓ(m)
	const rho = 0.1
	lam := q.Natural(nil)
	est := q.MuGrad(nil, grad, nil)
	ent := q.EntropyGrad(nil)
	for i := range lam {
		lam[i] -= rho * (est[i] - ent[i])
	}
	if err := q.SetNatural(lam); err != nil {
		panic(err)
	}
	fmt.Printf("m = %.2f\n", q.Mean(nil))
	// Output:
	// m = [0.95 -1.90]
}

// A negative curvature estimate would make the plain update's precision
// negative; the iBLR update (Retract) keeps it positive.
func ExampleDiagGaussian_Retract() {
	q, err := expfam.NewDiagGaussian([]float64{0}, []float64{1})
	if err != nil {
		panic(err)
	}
	const rho = 0.9
	// The rule's direction d = ∇_μE_q[ℓ] − ∇_μH for gradient 0.2, Hessian −5.
	dir := q.MuGrad(nil, []float64{0.2}, []float64{-5})
	ent := q.EntropyGrad(nil)
	for i := range dir {
		dir[i] -= ent[i]
	}
	plain := q.Natural(nil)
	for i := range plain {
		plain[i] -= rho * dir[i]
	}
	fmt.Println("plain step:", q.Clone().SetNatural(plain))
	next, err := q.Retract(nil, dir, rho)
	if err != nil {
		panic(err)
	}
	if err := q.SetNatural(next); err != nil {
		panic(err)
	}
	fmt.Printf("iBLR precision: %.2f\n", q.Precision(nil))
	// Output:
	// plain step: expfam: DiagGaussian precision[0] = -4.4: want a finite value > 0 (precision = −2λ₂)
	// iBLR precision: [10.18]
}

func ExampleFullGaussian() {
	prec := mat.NewSymDense(2, []float64{
		2, 0.5,
		0.5, 1,
	})
	q, err := expfam.NewFullGaussian([]float64{1, -1}, prec)
	if err != nil {
		panic(err)
	}
	fmt.Printf("dim λ = %d, entropy = %.4f\n", q.Dim(), q.Entropy())
	fmt.Printf("λ = %.2f\n", q.Natural(nil))
	fmt.Printf("covariance = %.4f\n", mat.Formatted(q.Covariance(nil), mat.Prefix("             ")))
	theta := q.Sample(nil, rand.New(rand.NewPCG(1, 2)))
	fmt.Printf("log q(θ) ≤ log q(m): %v\n", q.LogProb(theta) <= q.LogProb(q.Mean(nil)))
	// Output:
	// dim λ = 6, entropy = 2.5581
	// λ = [1.50 -0.50 -1.00 -0.25 -0.25 -0.50]
	// covariance = ⎡ 0.5714  -0.2857⎤
	//              ⎣-0.2857   1.1429⎦
	// log q(θ) ≤ log q(m): true
}
