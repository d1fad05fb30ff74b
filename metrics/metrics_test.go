package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The hand-worked example: 4 examples, 3 classes.
var (
	handP = []float64{
		0.7, 0.2, 0.1, // predicts 0, label 0: correct, conf .7 (bin 7)
		0.1, 0.6, 0.3, // predicts 1, label 2: wrong,   conf .6 (bin 6)
		0.4, 0.35, 0.25, // predicts 0, label 0: correct, conf .4 (bin 4)
		0.05, 0.05, 0.9, // predicts 2, label 2: correct, conf .9 (bin 9)
	}
	handY = []int{0, 2, 0, 2}
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestHandComputed(t *testing.T) {
	ent4 := -(2*0.05*math.Log(0.05) + 0.9*math.Log(0.9))
	tests := []struct {
		name string
		f    func() (float64, error)
		want float64
	}{
		{"accuracy", func() (float64, error) { return Accuracy(handP, 3, handY) }, 0.75},
		{"nll", func() (float64, error) { return NLL(handP, 3, handY) }, -(math.Log(0.7) + math.Log(0.3) + math.Log(0.4) + math.Log(0.9)) / 4},
		{"ece", func() (float64, error) { return ECE(handP, 3, handY) }, (0.3 + 0.6 + 0.6 + 0.1) / 4},
		{"brier", func() (float64, error) { return Brier(handP, 3, handY) }, (0.14 + 0.86 + 0.545 + 0.015) / 4},
		{"entropy[3]", func() (float64, error) {
			h, err := PredictiveEntropy(handP, 3)
			if err != nil {
				return 0, err
			}
			return h[3], nil
		}, ent4},
		{"nll floor", func() (float64, error) { return NLL([]float64{1, 0}, 2, []int{1}) }, -math.Log(ProbFloor)},
		{"perfect brier", func() (float64, error) { return Brier([]float64{0, 1}, 2, []int{1}) }, 0},
		{"worst brier", func() (float64, error) { return Brier([]float64{1, 0}, 2, []int{1}) }, 2},
		{"ece conf 1", func() (float64, error) { return ECE([]float64{1, 0}, 2, []int{1}) }, 1},
		{"auroc ties", func() (float64, error) { return AUROC([]float64{3, 2}, []float64{1, 2}) }, 0.875},
		{"auroc perfect", func() (float64, error) { return AUROC([]float64{5, 6}, []float64{1, 2, 3}) }, 1},
		{"auroc reversed", func() (float64, error) { return AUROC([]float64{0}, []float64{1, 2}) }, 0},
		{"auroc all tied", func() (float64, error) { return AUROC([]float64{1, 1}, []float64{1}) }, 0.5},
		{"auroc inf", func() (float64, error) { return AUROC([]float64{math.Inf(1)}, []float64{math.Inf(-1), 0}) }, 1},
		{"rmse", func() (float64, error) { return RMSE([]float64{1, 2, 3}, []float64{1, 4, 0}) }, math.Sqrt(13.0 / 3)},
		{"gauss ll", func() (float64, error) { return GaussianLogLik([]float64{0, 1}, []float64{1, 4}, []float64{1, 1}) },
			(-0.5*math.Log(2*math.Pi) - 0.5 - 0.5*math.Log(8*math.Pi)) / 2},
		{"mixture ll", func() (float64, error) {
			return GaussianMixtureLogLik([][]float64{{0}, {2}}, [][]float64{{1}, {1}}, []float64{0})
		}, math.Log(0.5/math.Sqrt(2*math.Pi) + 0.5*math.Exp(-2)/math.Sqrt(2*math.Pi))},
	}
	for _, tc := range tests {
		got, err := tc.f()
		if err != nil || !near(got, tc.want, 1e-14) {
			t.Errorf("%s = %.17g, %v; want %.17g", tc.name, got, err, tc.want)
		}
	}
}

func TestReliabilityBinsHand(t *testing.T) {
	bs, err := ReliabilityBins(handP, 3, handY)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != NumBins {
		t.Fatalf("%d bins", len(bs))
	}
	want := map[int][3]float64{4: {1, 1, 0.4}, 6: {1, 0, 0.6}, 7: {1, 1, 0.7}, 9: {1, 1, 0.9}} // count, accuracy, confidence
	for b, bin := range bs {
		if !near(bin.Lo, float64(b)/10, 1e-15) || !near(bin.Hi, float64(b+1)/10, 1e-15) {
			t.Errorf("bin %d spans [%v, %v)", b, bin.Lo, bin.Hi)
		}
		w := want[b]
		if float64(bin.Count) != w[0] || bin.Accuracy != w[1] || !near(bin.Confidence, w[2], 1e-15) {
			t.Errorf("bin %d = %+v, want count %v accuracy %v confidence %v", b, bin, w[0], w[1], w[2])
		}
	}
}

// TestBinEdges pins the convention bin = min(⌊10·conf⌋, 9) at the edges.
func TestBinEdges(t *testing.T) {
	for _, tc := range []struct {
		conf float64
		bin  int
	}{{0, 0}, {0.0999, 0}, {0.1, 1}, {0.3, 3}, {0.5, 5}, {0.7, 7}, {0.95, 9}, {1, 9}, {1 + ProbTolerance, 9}} {
		if got := binOf(tc.conf); got != tc.bin {
			t.Errorf("binOf(%v) = %d, want %d", tc.conf, got, tc.bin)
		}
	}
}

// randomProbs returns n random probability rows of c classes and labels.
func randomProbs(rng *rand.Rand, n, c int) ([]float64, []int) {
	p := make([]float64, n*c)
	y := make([]int, n)
	for i := range n {
		s := 0.0
		sharp := 1 + 5*rng.Float64()
		for k := range c {
			v := math.Exp(sharp * rng.NormFloat64())
			p[i*c+k] = v
			s += v
		}
		for k := range c {
			p[i*c+k] /= s
		}
		y[i] = rng.IntN(c)
	}
	return p, y
}

// TestECEOracle compares ECE and ReliabilityBins with a plain loop that
// scans the bins one by one.
func TestECEOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		n, c := 1+rng.IntN(500), 2+rng.IntN(9)
		p, y := randomProbs(rng, n, c)
		oracle := 0.0
		for b := 0; b < 10; b++ {
			correct, conf := 0.0, 0.0
			for i := 0; i < n; i++ {
				best := 0
				for k := 1; k < c; k++ {
					if p[i*c+k] > p[i*c+best] {
						best = k
					}
				}
				cf := p[i*c+best]
				bin := int(math.Floor(10 * cf))
				if bin > 9 {
					bin = 9
				}
				if bin != b {
					continue
				}
				conf += cf
				if best == y[i] {
					correct++
				}
			}
			oracle += math.Abs(correct - conf)
		}
		oracle /= float64(n)
		got, err := ECE(p, c, y)
		if err != nil || !near(got, oracle, 1e-12) {
			t.Fatalf("trial %d: ECE = %v, %v; oracle %v", trial, got, err, oracle)
		}
		bs, _ := ReliabilityBins(p, c, y)
		fromBins, count := 0.0, 0
		for _, b := range bs {
			fromBins += float64(b.Count) / float64(n) * math.Abs(b.Accuracy-b.Confidence)
			count += b.Count
		}
		if count != n || !near(fromBins, oracle, 1e-12) {
			t.Fatalf("trial %d: bins give %v over %d examples, oracle %v", trial, fromBins, count, oracle)
		}
		s, err := Evaluate(p, c, y)
		acc, _ := Accuracy(p, c, y)
		nll, _ := NLL(p, c, y)
		br, _ := Brier(p, c, y)
		if err != nil || s.ECE != got || s.Accuracy != acc || s.NLL != nll || s.Brier != br || s.N != n {
			t.Fatalf("Evaluate = %+v, %v", s, err)
		}
	}
}

// TestAUROCOracle compares AUROC with the O(n²) count over all pairs, on
// scores with many ties.
func TestAUROCOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		np, nn := 1+rng.IntN(200), 1+rng.IntN(200)
		levels := 1 + rng.IntN(20) // few levels: many ties
		pos, neg := make([]float64, np), make([]float64, nn)
		for i := range pos {
			pos[i] = float64(rng.IntN(levels)) + 0.5
		}
		for i := range neg {
			neg[i] = float64(rng.IntN(levels))
		}
		if trial%2 == 1 {
			for i := range pos {
				pos[i] -= 0.5
			}
		}
		pairs := 0.0
		for _, a := range pos {
			for _, b := range neg {
				switch {
				case a > b:
					pairs++
				case a == b:
					pairs += 0.5
				}
			}
		}
		want := pairs / float64(np*nn)
		got, err := AUROC(pos, neg)
		if err != nil || got != want {
			t.Fatalf("trial %d: AUROC = %v, %v; pair count %v", trial, got, err, want)
		}
	}
}

func TestFloat64s(t *testing.T) {
	p32 := []float32{0.25, 0.75, 0.5, 0.5}
	got, err := Accuracy(Float64s(p32), 2, []int{1, 0}) // a tie predicts the first class
	if err != nil || got != 1 {
		t.Fatalf("Accuracy(float32 probs) = %v, %v", got, err)
	}
	// float32(0.9) widens to 0.89999997…, which lies in bin 8.
	bs, err := ReliabilityBins(Float64s([]float32{0.9, 0.1}), 2, []int{0})
	if err != nil || bs[8].Count != 1 {
		t.Fatalf("float32 0.9: bins %+v, %v", bs, err)
	}
}

func TestInputErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		f    func() error
		want string
	}{
		{"length", func() error { _, err := NLL([]float64{0.5, 0.5, 1}, 2, []int{0}); return err }, "metrics.NLL: len(p): 3 probabilities, want len(y)·classes = 1·2"},
		{"no examples", func() error { _, err := ECE(nil, 2, nil); return err }, "no examples"},
		{"classes", func() error { _, err := Accuracy([]float64{1}, 0, []int{0}); return err }, "0 classes"},
		{"label", func() error { _, err := Brier([]float64{0.5, 0.5}, 2, []int{2}); return err }, "y[0] = 2: label outside [0, 2)"},
		{"negative label", func() error { _, err := Brier([]float64{0.5, 0.5}, 2, []int{-1}); return err }, "label outside"},
		{"nan", func() error { _, err := ECE([]float64{0.5, 0.5, nan, 0.5}, 2, []int{0, 1}); return err }, "metrics.ECE: p[2] = NaN: probability is NaN"},
		{"negative", func() error { _, err := NLL([]float64{-0.1, 1.1}, 2, []int{0}); return err }, "outside [0, 1]"},
		{"sum", func() error { _, err := Evaluate([]float64{0.5, 0.6}, 2, []int{0}); return err }, "row 0 (example 0) sums to 1.1"},
		{"entropy length", func() error { _, err := PredictiveEntropy([]float64{1, 0, 1}, 2); return err }, "not a multiple"},
		{"entropy nan", func() error { _, err := PredictiveEntropy([]float64{nan, 1}, 2); return err }, "NaN"},
		{"entropy classes", func() error { _, err := PredictiveEntropy(nil, -1); return err }, "-1 classes"},
		{"bins", func() error { _, err := ReliabilityBins([]float64{1}, 1, []int{0, 0}); return err }, "len(p)"},
		{"auroc empty", func() error { _, err := AUROC(nil, []float64{1}); return err }, "need at least one of each"},
		{"auroc nan", func() error { _, err := AUROC([]float64{1}, []float64{nan}); return err }, "neg[0] = NaN"},
		{"rmse length", func() error { _, err := RMSE([]float64{1}, []float64{1, 2}); return err }, "1 and 2"},
		{"rmse empty", func() error { _, err := RMSE(nil, nil); return err }, "non-zero"},
		{"rmse nan", func() error { _, err := RMSE([]float64{nan}, []float64{1}); return err }, "pred[0] = NaN"},
		{"variance", func() error { _, err := GaussianLogLik([]float64{0}, []float64{0}, []float64{1}); return err }, "variance[0] = 0: variance must be positive"},
		{"variance length", func() error { _, err := GaussianLogLik([]float64{0}, nil, []float64{1}); return err }, "len(variance)"},
		{"mixture count", func() error { _, err := GaussianMixtureLogLik(nil, nil, []float64{1}); return err }, "0 and 0 samples"},
		{"mixture variance", func() error {
			_, err := GaussianMixtureLogLik([][]float64{{0}}, [][]float64{{math.Inf(1)}}, []float64{1})
			return err
		}, "variances[0][0] = +Inf"},
	}
	for _, tc := range tests {
		err := tc.f()
		var ie *InputError
		if err == nil || !errors.Is(err, ErrInput) || !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want an *InputError containing %q", tc.name, err, tc.want)
		}
	}
}

func TestMixtureStable(t *testing.T) {
	// Far in the tail each component's density underflows; log-sum-exp must
	// still give the right value.
	y := []float64{100}
	got, err := GaussianMixtureLogLik([][]float64{{0}, {0}}, [][]float64{{1}, {1}}, y)
	single, _ := GaussianLogLik([]float64{0}, []float64{1}, y)
	if err != nil || math.IsInf(got, 0) || !near(got, single, 1e-9) {
		t.Fatalf("mixture of two equal components = %v, %v; want %v", got, err, single)
	}
}
