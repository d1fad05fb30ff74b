package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/bayesrule/blr/internal/gemm"
)

// BenchmarkStep times one training step in float32 at batch 128: forward,
// loss and gradient ("Loss"), or forward, loss, gradient and the empirical
// Fisher diagonal ("EmpiricalFisher", what VOGN needs), with GOMAXPROCS 1
// and 2 (set here: -cpu does not reach sub-benchmarks). It reports ms/step
// and images/s.
//
//	go test -run '^$' -bench Step -benchtime 20x ./nn/
func BenchmarkStep(b *testing.B) {
	mlp, err := MLP[float32](784, []int{500, 300}, 10, nil)
	if err != nil {
		b.Fatal(err)
	}
	lenet, err := LeNet5[float32]()
	if err != nil {
		b.Fatal(err)
	}
	const batch = 128
	for _, net := range []struct {
		name string
		n    *Network[float32]
	}{{"MLP-784-500-300-10", mlp}, {"LeNet5", lenet}} {
		n := net.n
		rnd := rand.New(rand.NewPCG(1, 2))
		params := make([]float32, n.NumParams())
		if err := n.Init(params, rnd); err != nil {
			b.Fatal(err)
		}
		data := randomBatch(n, batch, rnd)
		grad, fisher := make([]float32, len(params)), make([]float32, len(params))
		for _, what := range []string{"Loss", "EmpiricalFisher", "GGN"} {
			for _, procs := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/%s/procs=%d", net.name, gemm.Backend(), what, procs), func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					for b.Loop() {
						var err error
						switch what {
						case "Loss":
							_, err = n.Loss(grad, params, data)
						case "EmpiricalFisher":
							_, err = n.EmpiricalFisherDiag(fisher, grad, params, data)
						case "GGN":
							_, err = n.GGNDiag(fisher, grad, params, data)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					sec := b.Elapsed().Seconds() / float64(b.N)
					b.ReportMetric(sec*1e3, "ms/step")
					b.ReportMetric(batch/sec, "images/s")
				})
			}
		}
	}
}
