package metrics_test

import (
	"fmt"

	"github.com/bayesrule/blr/metrics"
)

func ExampleEvaluate() {
	// Two examples, three classes, row-major.
	p := []float64{
		0.8, 0.1, 0.1,
		0.3, 0.6, 0.1,
	}
	y := []int{0, 2}
	s, err := metrics.Evaluate(p, 3, y)
	if err != nil {
		panic(err)
	}
	fmt.Printf("acc %.2f  nll %.4f  ece %.2f  brier %.2f\n", s.Accuracy, s.NLL, s.ECE, s.Brier)
	// Output: acc 0.50  nll 1.2629  ece 0.40  brier 0.66
}

func ExampleECE() {
	p := []float64{0.9, 0.1, 0.35, 0.65}
	ece, err := metrics.ECE(p, 2, []int{0, 0})
	fmt.Printf("%.3f %v\n", ece, err) // (|1−0.9| + |0−0.65|)/2
	// Output: 0.375 <nil>
}

func ExampleAUROC() {
	auc, err := metrics.AUROC([]float64{0.9, 0.4}, []float64{0.4, 0.1})
	fmt.Println(auc, err) // pairs: 1 + 1 + ½ + 1 out of 4
	// Output: 0.875 <nil>
}

func ExampleReliabilityBins() {
	p := metrics.Float64s([]float32{0.9375, 0.0625, 0.25, 0.75, 0.125, 0.875})
	bins, err := metrics.ReliabilityBins(p, 2, []int{0, 1, 0})
	if err != nil {
		panic(err)
	}
	for _, b := range bins {
		if b.Count > 0 {
			fmt.Printf("[%.1f, %.1f): n=%d conf=%.3f acc=%.2f\n", b.Lo, b.Hi, b.Count, b.Confidence, b.Accuracy)
		}
	}
	// Output:
	// [0.7, 0.8): n=1 conf=0.750 acc=1.00
	// [0.8, 0.9): n=1 conf=0.875 acc=0.00
	// [0.9, 1.0): n=1 conf=0.938 acc=1.00
}

func ExampleGaussianLogLik() {
	ll, err := metrics.GaussianLogLik([]float64{0}, []float64{1}, []float64{0})
	fmt.Printf("%.6f %v\n", ll, err) // −½ log 2π
	// Output: -0.918939 <nil>
}

func ExampleNLL() {
	_, err := metrics.NLL([]float64{0.5, 0.5}, 2, []int{0, 1})
	fmt.Println(err)
	// Output: metrics.NLL: len(p): 2 probabilities, want len(y)·classes = 2·2
}
