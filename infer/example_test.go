package infer_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/infer"
	"gonum.org/v1/gonum/mat"
)

// EM on a two-component mixture: the rule's iterates are classic EM's.
func ExampleEM() {
	rnd := rand.New(rand.NewPCG(1, 1))
	var x [][]float64
	for i := range 400 {
		c := -2.0
		if i%3 > 0 {
			c = 2
		}
		x = append(x, []float64{c + 0.5*rnd.NormFloat64()})
	}
	start := infer.GMM{Weights: []float64{0.5, 0.5}, Means: [][]float64{{-1}, {1}}, Variances: [][]float64{{1}, {1}}}
	em, err := infer.NewEM(x, start, infer.Full)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 20 {
		if _, err := em.Iterate(); err != nil {
			fmt.Println(err)
			return
		}
	}
	g := em.GMM()
	fmt.Printf("weights %.2f, means %.1f %.1f\n", g.Weights, g.Means[0][0], g.Means[1][0])
	// Output: weights [0.33 0.67], means -2.0 2.0
}

// VMP for the univariate Gaussian with unknown mean and precision
// (Bishop, PRML §10.1.3).
func ExampleGraph() {
	g := &infer.Graph{}
	mu, _ := g.Gaussian("μ", []float64{0}, mat.NewSymDense(1, []float64{1}))
	tau, _ := g.Gamma("τ", 1, 1)
	x := infer.Observed{4.9, 5.3, 5.1, 4.7, 5.0}
	_ = g.Normal(mu, infer.Observed{0}, tau, 0.01) // μ | τ ~ N(0, (0.01τ)⁻¹)
	_ = g.GammaPrior(tau, 1, 1)                    // τ ~ Gamma(1, 1)
	_ = g.Normal(x, mu, tau, 1)                    // xₙ ~ N(μ, τ⁻¹)
	for range 50 {
		if err := g.Sweep(mu, tau); err != nil {
			fmt.Println(err)
			return
		}
	}
	m := mu.Q().(*expfam.FullGaussian).Mean(nil)[0]
	fmt.Printf("E[μ] = %.3f\n", m)
	// Output: E[μ] = 4.990
}

// Non-conjugate VI with a mixture of two Gaussians on a bimodal target.
func ExampleMixtureVI() {
	target := infer.DoubleBanana{A: 2, B: 0.4, W: 1}
	var comps []*expfam.FullGaussian
	for _, m := range [][]float64{{-1, 0}, {1, 0}} {
		c, _ := expfam.NewFullGaussian(m, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
		comps = append(comps, c)
	}
	q, _ := expfam.NewMixture([]float64{0.5, 0.5}, comps, false)
	rule, err := infer.MixtureVI(target, 10, blr.HessExact, blr.RobbinsMonro{Rho0: 0.3, Tau: 20, Kappa: 0.6})
	if err != nil {
		fmt.Println(err)
		return
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var st blr.State
	for range 400 {
		if _, err := rule.Step(q, &st, rnd); err != nil {
			fmt.Println(err)
			return
		}
	}
	for k := range 2 {
		m := q.Component(k).Mean(nil)
		fmt.Printf("component %d near θ₁ = %+.0f\n", k, math.Round(m[0]))
	}
	// Output:
	// component 0 near θ₁ = -2
	// component 1 near θ₁ = +2
}
