package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr/internal/randn"
	"github.com/bayesrule/blr/nn"
)

// One step's worth of what VOGN asks of the network: draw θ = m + σ⊙ε, then
// the loss, the gradient and the empirical Fisher diagonal at θ.
func ExampleNetwork_EmpiricalFisherDiag() {
	net, err := nn.MLP[float32](4, []int{8}, 3, nil)
	if err != nil {
		panic(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	mean := make([]float32, net.NumParams())
	if err := net.Init(mean, rnd); err != nil {
		panic(err)
	}
	std := make([]float32, len(mean))
	for i := range std {
		std[i] = 0.01
	}
	theta := make([]float32, len(mean))
	randn.Sample(theta, mean, std, rnd.Uint64())

	b := nn.Batch[float32]{
		X:      []float32{1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0},
		Labels: []int{0, 2, 1},
	}
	fisher, grad := make([]float32, len(mean)), make([]float32, len(mean))
	loss, err := net.EmpiricalFisherDiag(fisher, grad, theta, b)
	if err != nil {
		panic(err)
	}
	fmt.Println(net.NumParams(), loss > 0 && !math.IsInf(loss, 0))
	// Output: 67 true
}
