package train_test

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
)

// oneHotSet is a synthetic 28×28 set of n images: image i has the single
// pixel i mod 784 set to 1 and label i mod 10.
func oneHotSet(n int, name string) *data.Set {
	s := &data.Set{X: make([]float32, n*train.ImageSize), Y: make([]int, n), N: n, D: train.ImageSize,
		Classes: train.Classes, H: 28, W: 28, Name: name}
	for i := range n {
		s.Y[i] = i % train.Classes
		s.X[i*train.ImageSize+(i*37)%train.ImageSize] = 1
	}
	return s
}

// zeroPosterior is an ivon (diagonal Gaussian) posterior over the MLP
// 784-hidden-10 with zero means and precisions, to be filled in.
func zeroPosterior(t *testing.T, hidden int) *train.Posterior {
	t.Helper()
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Hidden, cfg.Optimizer = "mlp", []int{hidden}, "ivon"
	net, err := train.NewPredictionNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := net.NumParams()
	return &train.Posterior{Config: cfg, DataSize: 100, Family: train.FamilyOf("ivon"),
		Mean: make([]float32, n), Precision: make([]float32, n)}
}

// biasPosterior is an ivon (diagonal Gaussian) posterior over the MLP
// 784-2-10 whose weights are all 0 with precision 1e30 except the last 10,
// the output biases, which have mean bias and precision prec: every image
// then gets softmax of the output biases.
func biasPosterior(t *testing.T, bias []float32, prec float32) *train.Posterior {
	t.Helper()
	p := zeroPosterior(t, 2)
	n := len(p.Mean)
	for j := range n {
		p.Precision[j] = 1e30
	}
	copy(p.Mean[n-train.Classes:], bias)
	for j := n - train.Classes; j < n; j++ {
		p.Precision[j] = prec
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	return p
}

// softmax returns the softmax of z in float64, computed directly.
func softmax(z []float32) []float64 {
	p := make([]float64, len(z))
	var sum float64
	for c, v := range z {
		p[c] = math.Exp(float64(v))
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}

// entropy is −Σ p log p in nats (0 log 0 = 0).
func entropy(p []float64) float64 {
	var h float64
	for _, v := range p {
		if v > 0 {
			h -= v * math.Log(v)
		}
	}
	return h
}

// TestPredictOracle pins Predict on a bias-only posterior, whose every
// network predicts softmax(its output biases) for any image: with samples =
// 0 the probabilities are softmax(mean biases) and the mutual information 0;
// with S samples they are Σₛ wₛ softmax(θₛ biases) over the draws
// SampleWeights gives, Expected is Σₛ wₛ H[softmax(θₛ biases)], Entropy
// H[p̄] and MutualInfo their difference, all recomputed here in float64,
// and Class is the arg max.
func TestPredictOracle(t *testing.T) {
	bias := []float32{0.5, -1, 2, 0, 0.25, -0.5, 1, 1.5, -2, 0.1}
	const seed = 11
	set := oneHotSet(5, "images")
	for _, S := range []int{0, 1, 3, 4} {
		p := biasPosterior(t, bias, 0.5)
		pr, err := p.Predict(set.X, S, seed)
		if err != nil {
			t.Fatal(err)
		}
		// The oracle predictive.
		want := make([]float64, train.Classes)
		var exp float64
		if S == 0 {
			want = softmax(bias)
			exp = entropy(want)
		} else {
			var wsum float64
			for s := range S {
				theta, w, err := p.SampleWeights(nil, s, S, seed)
				if err != nil {
					t.Fatal(err)
				}
				ps := softmax(theta[len(theta)-train.Classes:])
				for c := range want {
					want[c] += w * ps[c]
				}
				exp += w * entropy(ps)
				wsum += w
			}
			if math.Abs(wsum-1) > 1e-12 {
				t.Errorf("S=%d: sample weights sum to %v", S, wsum)
			}
		}
		h := entropy(want)
		best := 0
		for c := range want {
			if want[c] > want[best] {
				best = c
			}
		}
		if pr.N != set.N || pr.Samples != S {
			t.Errorf("S=%d: N %d Samples %d", S, pr.N, pr.Samples)
		}
		for i := range set.N {
			for c := range train.Classes {
				if got := pr.Probs[i*train.Classes+c]; math.Abs(got-want[c]) > 1e-6 {
					t.Errorf("S=%d image %d class %d: p %v, want %v", S, i, c, got, want[c])
				}
			}
			if math.Abs(pr.Entropy[i]-h) > 1e-6 || math.Abs(pr.Expected[i]-exp) > 1e-6 ||
				math.Abs(pr.MutualInfo[i]-max(0, h-exp)) > 1e-6 {
				t.Errorf("S=%d image %d: H %v E %v MI %v, want %v %v %v", S, i, pr.Entropy[i], pr.Expected[i], pr.MutualInfo[i], h, exp, h-exp)
			}
			if c, v := pr.Class(i); c != best || v != pr.Probs[i*train.Classes+best] {
				t.Errorf("S=%d image %d: Class %d %v, want %d", S, i, c, v, best)
			}
		}
		if S > 1 && !(h-exp > 1e-3) {
			t.Errorf("S=%d: the draws do not disagree (MI %v); the test is too weak", S, h-exp)
		}
	}
}

// randomPosterior is an ivon posterior over the MLP 784-4-10 with means
// drawn uniformly from [−1.5, 1.5) and precision prec everywhere, so that
// the one-hot images of oneHotSet get different predictions.
func randomPosterior(t *testing.T, prec float32, seed uint64) *train.Posterior {
	t.Helper()
	p := zeroPosterior(t, 4)
	r := rand.New(rand.NewPCG(seed, 3))
	for j := range p.Mean {
		p.Mean[j] = float32(3*r.Float64() - 1.5)
		p.Precision[j] = prec
	}
	return p
}

// oracleScores computes the metrics of probabilities p (rows of 10) with
// labels y by plain loops: accuracy (first arg max), mean NLL, ECE over 10
// equal-width bins (bin = min(⌊10·conf⌋, 9), weighted |acc − conf|), Brier
// summed over classes and averaged, and the mean entropy.
func oracleScores(p []float64, y []int) (acc, nll, ece, brier, meanH float64) {
	n := len(y)
	var binN [10]int
	var binAcc, binConf [10]float64
	for i := range n {
		row := p[i*train.Classes : (i+1)*train.Classes]
		best := 0
		for c := range row {
			if row[c] > row[best] {
				best = c
			}
		}
		hit := 0.0
		if best == y[i] {
			hit = 1
		}
		acc += hit
		nll -= math.Log(row[y[i]])
		b := min(int(math.Floor(10*row[best])), 9)
		binN[b]++
		binAcc[b] += hit
		binConf[b] += row[best]
		for c, v := range row {
			d := v
			if c == y[i] {
				d = v - 1
			}
			brier += d * d
		}
		meanH += entropy(row)
	}
	for b := range binN {
		if binN[b] > 0 {
			ece += math.Abs(binAcc[b]-binConf[b]) / float64(n)
		}
	}
	fn := float64(n)
	return acc / fn, nll / fn, ece, brier / fn, meanH / fn
}

// auroc is P(pos > neg) + ½P(pos = neg) by enumerating all pairs.
func auroc(pos, neg []float64) float64 {
	var s float64
	for _, a := range pos {
		for _, b := range neg {
			switch {
			case a > b:
				s++
			case a == b:
				s += 0.5
			}
		}
	}
	return s / float64(len(pos)*len(neg))
}

// TestEvaluateOracle pins Posterior.Evaluate's scores of both predictives
// (mean weights and the average over S networks) to the accuracy, NLL, ECE,
// Brier and mean entropy recomputed by loops from Predict's probabilities,
// and the OOD AUROCs of the entropy and, for S > 1, of the mutual
// information to pair enumeration, on 300 test images (more than one
// evaluation chunk) and 70 OOD images.
func TestEvaluateOracle(t *testing.T) {
	test, ood := oneHotSet(300, "test"), oneHotSet(70, "ood")
	for i := range ood.X {
		ood.X[i] *= 0.3
	}
	const seed = 5
	for _, S := range []int{0, 1, 3} {
		p := randomPosterior(t, 2, 9)
		e, err := p.Evaluate(test, ood, S, seed)
		if err != nil {
			t.Fatal(err)
		}
		if e.Samples != S || e.Test != "test" || e.OOD != "ood" {
			t.Errorf("S=%d: evaluation header %+v", S, e)
		}
		check := func(name string, samples int, got train.Scores) {
			pt, err := p.Predict(test.X, samples, seed)
			if err != nil {
				t.Fatal(err)
			}
			po, err := p.Predict(ood.X, samples, seed)
			if err != nil {
				t.Fatal(err)
			}
			acc, nll, ece, brier, mh := oracleScores(pt.Probs, test.Y)
			if got.N != test.N || math.Abs(got.Accuracy-acc) > 1e-12 || math.Abs(got.NLL-nll) > 1e-9 ||
				math.Abs(got.ECE-ece) > 1e-9 || math.Abs(got.Brier-brier) > 1e-9 || math.Abs(got.MeanEntropy-mh) > 1e-9 {
				t.Errorf("S=%d %s: scores %+v, want acc %v nll %v ece %v brier %v H %v", S, name, got.Summary, acc, nll, ece, brier, mh)
			}
			if acc == 0 || acc == 1 || ece < 1e-3 {
				t.Errorf("S=%d %s: degenerate predictive (acc %v, ece %v)", S, name, acc, ece)
			}
			if want := auroc(po.Entropy, pt.Entropy); got.OODAUROC == nil || math.Abs(*got.OODAUROC-want) > 1e-12 {
				t.Errorf("S=%d %s: OOD AUROC %v, want %v", S, name, got.OODAUROC, want)
			}
			if samples <= 1 {
				if got.OODAUROCMutualInfo != nil {
					t.Errorf("S=%d %s: MI AUROC %v with one network", S, name, *got.OODAUROCMutualInfo)
				}
			} else if want := auroc(po.MutualInfo, pt.MutualInfo); got.OODAUROCMutualInfo == nil || math.Abs(*got.OODAUROCMutualInfo-want) > 1e-12 {
				t.Errorf("S=%d %s: MI AUROC %v, want %v", S, name, got.OODAUROCMutualInfo, want)
			}
		}
		check("mean", 0, e.Mean)
		if S > 0 {
			check("average", S, e.Average)
			if e.Reported() != e.Average || e.Predictive() != "posterior-average" {
				t.Errorf("S=%d: reported %q", S, e.Predictive())
			}
		} else if e.Reported() != e.Mean || e.Predictive() != "mean-weights" || e.Average != (train.Scores{}) {
			t.Errorf("S=0: reported %q, average %+v", e.Predictive(), e.Average)
		}
	}
}

// TestHiddenParamLimit pins the MLP's weight count against MaxParams = 2²⁶
// at the boundary: 784-h-10 has 785h + 10(h+1) weights (84 413 fits, 84 414
// does not) and 784-1000-h₂-10 has 785 000 + 1001h₂ + 10(h₂+1) (65 602
// fits, 65 603 does not), counts worked out by hand.
func TestHiddenParamLimit(t *testing.T) {
	for _, tc := range []struct {
		hidden []int
		ok     bool
	}{
		{[]int{84413}, true},
		{[]int{84414}, false},
		{[]int{1000, 65602}, true},
		{[]int{1000, 65603}, false},
	} {
		c := train.DefaultConfig()
		c.Model, c.Hidden = "mlp", tc.hidden
		err := c.Validate()
		var ce *train.ConfigError
		if tc.ok && err != nil {
			t.Errorf("hidden %v: %v", tc.hidden, err)
		}
		if !tc.ok && (!errors.As(err, &ce) || ce.Field != "hidden") {
			t.Errorf("hidden %v: error %v, want a ConfigError on hidden", tc.hidden, err)
		}
	}
}

// TestClassTies pins Prediction.Class on hand-written rows: the first of
// tied maxima wins, with its probability.
func TestClassTies(t *testing.T) {
	pr := &train.Prediction{N: 3, Probs: []float64{
		0.3, 0.1, 0.3, 0, 0, 0, 0.3, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5,
		0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
	}}
	for i, want := range []struct {
		c int
		p float64
	}{{0, 0.3}, {8, 0.5}, {0, 0.1}} {
		if c, p := pr.Class(i); c != want.c || p != want.p {
			t.Errorf("row %d: Class = %d, %v, want %d, %v", i, c, p, want.c, want.p)
		}
	}
}

// TestNewReportFields pins metrics.json's assembly from a hand-built
// evaluation: the test_* fields and OOD AUROCs come from the posterior
// average when test_samples > 0 and from the mean weights otherwise, both
// predictives are kept, posterior_average and ood_set are null without
// samples or an OOD set, and images_per_second is images / seconds (0 for
// no time).
func TestNewReportFields(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	mean := train.Scores{OODAUROC: f(0.61), OODAUROCMutualInfo: nil}
	mean.N, mean.Accuracy, mean.NLL, mean.ECE, mean.Brier, mean.MeanEntropy = 50, 0.8, 0.7, 0.06, 0.3, 0.9
	avg := train.Scores{OODAUROC: f(0.72), OODAUROCMutualInfo: f(0.83)}
	avg.N, avg.Accuracy, avg.NLL, avg.ECE, avg.Brier, avg.MeanEntropy = 50, 0.82, 0.6, 0.04, 0.28, 1.1
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Hidden, cfg.Optimizer, cfg.Epochs, cfg.Batch, cfg.Seed = "mlp", []int{16, 8}, "ivon", 3, 32, 42
	for _, tc := range []struct {
		name    string
		e       train.Evaluation
		want    train.Scores
		pred    string
		elapsed time.Duration
		ips     float64
	}{
		{"average", train.Evaluation{Test: "t", OOD: "o", Samples: 4, Mean: mean, Average: avg}, avg, "posterior-average", 2 * time.Second, 600},
		{"one sample", train.Evaluation{Test: "t", OOD: "o", Samples: 1, Mean: mean, Average: avg}, avg, "posterior-average", time.Nanosecond, 1.2e12},
		{"mean", train.Evaluation{Test: "t", Samples: 0, Mean: mean}, mean, "mean-weights", 0, 0},
	} {
		r := train.NewReport(cfg, 400, 37, &tc.e, 1200, tc.elapsed)
		g := r.EvalReport
		if g.TestAcc != tc.want.Accuracy || g.TestNLL != tc.want.NLL || g.TestECE != tc.want.ECE || g.TestBrier != tc.want.Brier ||
			g.OODAUROC != tc.want.OODAUROC || g.OODAUROCMI != tc.want.OODAUROCMutualInfo {
			t.Errorf("%s: test fields %+v, want those of %+v", tc.name, g, tc.want)
		}
		if g.Predictive != tc.pred || g.TestSamples != tc.e.Samples || g.TestSet != "t" || g.TestExamples != 50 {
			t.Errorf("%s: predictive %q samples %d set %q examples %d", tc.name, g.Predictive, g.TestSamples, g.TestSet, g.TestExamples)
		}
		m := g.MeanWeights
		if m.Acc != 0.8 || m.NLL != 0.7 || m.ECE != 0.06 || m.Brier != 0.3 || m.MeanEntropy != 0.9 || m.OODAUROC != mean.OODAUROC || m.OODAUROCMutualInfo != nil {
			t.Errorf("%s: mean_weights %+v", tc.name, m)
		}
		if tc.e.Samples > 0 {
			a := g.PosteriorAverage
			if a == nil || a.Acc != 0.82 || a.NLL != 0.6 || a.ECE != 0.04 || a.Brier != 0.28 || a.MeanEntropy != 1.1 || a.OODAUROCMutualInfo != avg.OODAUROCMutualInfo {
				t.Errorf("%s: posterior_average %+v", tc.name, a)
			}
		} else if g.PosteriorAverage != nil {
			t.Errorf("%s: posterior_average %+v, want null", tc.name, g.PosteriorAverage)
		}
		if (tc.e.OOD == "") != (g.OODSet == nil) || (g.OODSet != nil && *g.OODSet != "o") {
			t.Errorf("%s: ood_set %v", tc.name, g.OODSet)
		}
		if r.TrainSeconds != tc.elapsed.Seconds() || r.ImagesPerSecond != tc.ips {
			t.Errorf("%s: %v s, %v images/s, want %v and %v", tc.name, r.TrainSeconds, r.ImagesPerSecond, tc.elapsed.Seconds(), tc.ips)
		}
		if r.Model != "mlp 784-16-8-10" || r.Optimizer != "ivon" || r.Family != train.FamilyGaussian || r.Epochs != 3 || r.Batch != 32 ||
			r.Seed != 42 || r.Steps != 37 || r.TrainExamples != 400 || r.History == nil || len(r.History) != 0 {
			t.Errorf("%s: run fields %+v", tc.name, r)
		}
	}
}

// TestMixtureSampleWeights pins the posterior average of a mixture: network
// s is a draw of component s mod K (SampleComponent), near that component's
// mean when its precision is huge, with weight π_c / n_c / Σ_{k<min(S,K)} π_k
// where n_c = #{s < S : s mod K = c}, all counted here by enumeration.
func TestMixtureSampleWeights(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Hidden, cfg.Optimizer, cfg.Components = "mlp", []int{2}, "mixture", 3
	net, err := train.NewPredictionNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := net.NumParams()
	pi := []float64{0.5, 0.2, 0.3}
	p := &train.Posterior{Config: cfg, DataSize: 10, Family: train.FamilyOf("mixture"), Weights: pi}
	for k := range pi {
		m, prec := make([]float32, n), make([]float32, n)
		for j := range n {
			m[j] = float32(k + 1)
			prec[j] = 1e30
		}
		p.Means, p.Precisions = append(p.Means, m), append(p.Precisions, prec)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	for _, S := range []int{1, 2, 3, 4, 5, 7} {
		count := make([]int, len(pi))
		for s := range S {
			count[s%len(pi)]++
		}
		var norm float64
		for k := range min(S, len(pi)) {
			norm += pi[k]
		}
		var total float64
		for s := range S {
			c := s % len(pi)
			theta, w, err := p.SampleWeights(nil, s, S, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.SampleComponent(s); got != c {
				t.Errorf("S=%d s=%d: component %d, want %d", S, s, got, c)
			}
			if want := pi[c] / float64(count[c]) / norm; math.Abs(w-want) > 1e-15 {
				t.Errorf("S=%d s=%d: weight %v, want %v", S, s, w, want)
			}
			if len(theta) != n || math.Abs(float64(theta[0])-float64(c+1)) > 1e-6 || math.Abs(float64(theta[n-1])-float64(c+1)) > 1e-6 {
				t.Errorf("S=%d s=%d: draw not at component %d's mean", S, s, c)
			}
			total += w
		}
		if math.Abs(total-1) > 1e-12 {
			t.Errorf("S=%d: weights sum to %v", S, total)
		}
	}
}

// TestEpochBookkeeping pins a run's accounting on 100 synthetic images in
// batches of 32 (32, 32, 32, 4): each epoch's loss is Σ lossᵢ·nᵢ / Σ nᵢ of
// its steps (as the progress callback reports them), the same in Epoch's
// EpochInfo and in History, with the epoch's step and example counts;
// Throughput counts every example trained on and Elapsed the epoch's
// training time; one step of one example gives that step's loss; and the
// cosine schedule's step size is lr·½(1 + cos(πs/T)) with the configured
// lr.
func TestEpochBookkeeping(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Hidden, cfg.Optimizer = "mlp", []int{2}, "adam"
	cfg.Epochs, cfg.Batch, cfg.Seed, cfg.TestSamples = 2, 32, 3, 0
	cfg.LR, cfg.Schedule = 0.004, "cosine"
	tr, err := train.New(cfg, oneHotSet(100, "train"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	T := tr.TotalSteps()
	if T != 8 || tr.StepsPerEpoch() != 4 {
		t.Fatalf("%d steps, %d per epoch; want 8 and 4", T, tr.StepsPerEpoch())
	}
	for _, s := range []int{0, 1, 3, 4, 7, 8} {
		if got, want := tr.LRAt(s), 0.004*0.5*(1+math.Cos(math.Pi*float64(s)/8)); math.Abs(got-want) > 1e-15 {
			t.Errorf("LRAt(%d) = %v, want %v", s, got, want)
		}
	}
	var images int64
	for e := 1; e <= 2; e++ {
		var sum float64
		var steps, examples int
		_, before := tr.Throughput()
		ei, err := tr.Epoch(func(si train.StepInfo) {
			sum += si.Loss * float64(si.Examples)
			steps++
			examples += si.Examples
		})
		if err != nil {
			t.Fatal(err)
		}
		images += int64(examples)
		if _, after := tr.Throughput(); ei.Elapsed != after-before || ei.Elapsed <= 0 {
			t.Errorf("epoch %d: Elapsed %v, want the training time %v", e, ei.Elapsed, after-before)
		}
		want := sum / float64(examples)
		if ei.Epoch != e || ei.Steps != 4 || steps != 4 || ei.Examples != 100 || examples != 100 || math.Abs(ei.Loss-want) > 1e-12*math.Abs(want) {
			t.Errorf("epoch %d: %+v (callback: %d steps, %d examples, loss %v)", e, ei, steps, examples, want)
		}
		h := tr.History()
		if len(h) != e {
			t.Fatalf("epoch %d: %d history records", e, len(h))
		}
		if r := h[e-1]; r.Epoch != e || r.Steps != 4 || math.Abs(r.TrainLoss-want) > 1e-12*math.Abs(want) {
			t.Errorf("epoch %d: history %+v, want loss %v", e, r, want)
		}
	}
	if got, _ := tr.Throughput(); got != images || images != 200 {
		t.Errorf("Throughput images %d, want %d = 200", got, images)
	}
	// One example, one step: the epoch's loss is that step's.
	cfg.Batch, cfg.Epochs, cfg.Schedule = 1, 1, ""
	one, err := train.New(cfg, oneHotSet(1, "one"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var loss float64
	ei, err := one.Epoch(func(si train.StepInfo) { loss = si.Loss })
	if err != nil {
		t.Fatal(err)
	}
	if ei.Steps != 1 || ei.Examples != 1 || ei.Loss != loss || loss == 0 {
		t.Errorf("one example: %+v, want loss %v", ei, loss)
	}
}

// TestEngineErrorShowsOffAsZero pins how an engine's refusal of blr.Off
// (an explicit zero) is reported: a *ConfigError naming the flag with the
// value 0, as the command line wrote it, not the sentinel −1.
func TestEngineErrorShowsOffAsZero(t *testing.T) {
	for _, tc := range []struct {
		opt, field string
		set        func(*train.Config)
	}{
		{"ivon", "lr", func(c *train.Config) { c.LR = blr.Off }},
		{"adam", "lr", func(c *train.Config) { c.LR = blr.Off }},
		{"ivon", "hess-init", func(c *train.Config) { c.HessInit = blr.Off }},
		{"vogn", "temperature", func(c *train.Config) { c.Temperature = blr.Off }},
	} {
		cfg := train.DefaultConfig()
		cfg.Model, cfg.Hidden, cfg.Optimizer, cfg.Epochs, cfg.Batch = "mlp", []int{2}, tc.opt, 1, 10
		tc.set(&cfg)
		_, err := train.New(cfg, oneHotSet(20, "x"), io.Discard)
		var ce *train.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Value != 0.0 || !strings.Contains(err.Error(), tc.field+" = 0:") {
			t.Errorf("%s %s: error %#v, want a ConfigError on %s with the value 0", tc.opt, tc.field, err, tc.field)
		}
	}
}

// TestReportWriteFile pins Report.WriteFile: the file holds the report's
// JSON (read back here with encoding/json into a map, keys by hand: the
// test_* values, a null posterior_average and an empty, not null,
// history), and a report that JSON cannot hold (a NaN) is an error that
// leaves no file.
func TestReportWriteFile(t *testing.T) {
	var e train.Evaluation
	e.Test, e.Mean.N, e.Mean.Accuracy, e.Mean.NLL = "t", 4, 0.75, 0.5
	r := train.NewReport(train.DefaultConfig(), 10, 3, &e, 30, time.Second)
	r.History = nil
	path := filepath.Join(t.TempDir(), "metrics.json")
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	h, ok := m["history"].([]any)
	if m["test_acc"] != 0.75 || m["test_nll"] != 0.5 || m["steps"] != 3.0 || m["images_per_second"] != 30.0 ||
		m["posterior_average"] != nil || !ok || len(h) != 0 || b[len(b)-1] != '\n' {
		t.Errorf("metrics.json: %s", b)
	}
	bad := r
	bad.TestNLL = math.NaN()
	nan := filepath.Join(t.TempDir(), "nan.json")
	if err := bad.WriteFile(nan); err == nil {
		t.Error("a NaN NLL was written")
	}
	if _, err := os.Stat(nan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after the failed write: %v", err)
	}
}

// TestPosteriorMetadataRanges pins the metadata checks of ReadPosterior on
// files re-encoded with one value changed: an algorithm other than the
// configuration's optimizer or none, a data size outside [1, 2⁴⁰] and a step
// outside [0, 2⁴⁰] are refused; the unchanged file and the bounds
// themselves are read.
func TestPosteriorMetadataRanges(t *testing.T) {
	p := biasPosterior(t, make([]float32, train.Classes), 1)
	dir := t.TempDir()
	orig := filepath.Join(dir, "p.safetensors")
	if err := p.WriteFile(orig); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(checkpoint.Meta)
		ok   bool
	}{
		{"unchanged", func(checkpoint.Meta) {}, true},
		{"other algorithm", func(m checkpoint.Meta) { m[checkpoint.KeyAlgorithm] = "vogn" }, false},
		{"no algorithm", func(m checkpoint.Meta) { delete(m, checkpoint.KeyAlgorithm) }, false},
		{"data size 0", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyDataSize, 0) }, false},
		{"data size 1", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyDataSize, 1) }, true},
		{"data size 2^40", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyDataSize, 1<<40) }, true},
		{"data size 2^40+1", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyDataSize, 1<<40+1) }, false},
		{"step -1", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyStep, -1) }, false},
		{"step 0", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyStep, 0) }, true},
		{"step 2^40+1", func(m checkpoint.Meta) { m.SetInt(checkpoint.KeyStep, 1<<40+1) }, false},
	} {
		f, err := checkpoint.ReadFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		tc.edit(f.Meta)
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".safetensors")
		if err := checkpoint.WriteFile(path, f); err != nil {
			t.Fatal(err)
		}
		_, err = train.ReadPosterior(path)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: read without an error", tc.name)
		}
	}
}

// TestPredictSampleLimit pins the bounds of Predict's samples: MaxSamples
// networks are allowed (their weights 1/S then sum to 1 and the
// probabilities to 1 per image), MaxSamples+1 and −1 are a *ConfigError on
// test-samples.
func TestPredictSampleLimit(t *testing.T) {
	p := biasPosterior(t, []float32{1, 0, 0, 0, 0, 0, 0, 0, 0, -1}, 4)
	x := oneHotSet(1, "x").X
	pr, err := p.Predict(x, train.MaxSamples, 1)
	if err != nil {
		t.Fatalf("MaxSamples: %v", err)
	}
	var sum float64
	for _, v := range pr.Probs {
		sum += v
	}
	if pr.Samples != train.MaxSamples || math.Abs(sum-1) > 1e-9 {
		t.Errorf("MaxSamples: %d samples, probabilities sum to %v", pr.Samples, sum)
	}
	for _, s := range []int{train.MaxSamples + 1, -1} {
		_, err := p.Predict(x, s, 1)
		var ce *train.ConfigError
		if !errors.As(err, &ce) || ce.Field != "test-samples" || ce.Value != s {
			t.Errorf("samples %d: error %v, want a ConfigError on test-samples", s, err)
		}
	}
}

// writeIDX writes an unsigned-byte IDX file by hand (00 00 08 ndims, the
// big-endian sizes, the bytes).
func writeIDX(t *testing.T, path string, dims []uint32, body []byte) {
	t.Helper()
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	if err := os.WriteFile(path, append(b, body...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadDataValidation pins LoadData's sets on a hand-written MNIST
// directory of 20 training and 5 test images, image i with the single pixel
// i lit: without validation, the training set and the test set cut to
// TestSize; with Validation 0.25, round(0.25·20) = 5 training images held
// out, cut to TestSize = 3, disjoint from the 15 left to train on, all of
// them training images with their own labels.
func TestLoadDataValidation(t *testing.T) {
	dir := t.TempDir()
	for _, part := range []struct {
		img, lbl string
		n, shift int
	}{{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", 20, 0}, {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 5, 100}} {
		px := make([]byte, part.n*train.ImageSize)
		lb := make([]byte, part.n)
		for i := range part.n {
			px[i*train.ImageSize+part.shift+i] = 255
			lb[i] = byte((i + part.shift) % 10)
		}
		writeIDX(t, filepath.Join(dir, part.img), []uint32{uint32(part.n), 28, 28}, px)
		writeIDX(t, filepath.Join(dir, part.lbl), []uint32{uint32(part.n)}, lb)
	}
	// lit returns the lit pixel of each image, checking the labels.
	lit := func(s *data.Set) []int {
		var out []int
		for i := range s.N {
			k := -1
			for j, v := range s.X[i*s.D : (i+1)*s.D] {
				if v > 0 {
					k = j
				}
			}
			if k < 0 || s.Y[i] != k%10 {
				t.Fatalf("%s image %d: pixel %d, label %d", s.Name, i, k, s.Y[i])
			}
			out = append(out, k)
		}
		return out
	}
	cfg := train.DefaultConfig()
	cfg.TestSize = 3
	tr, ev, err := train.LoadData(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := lit(ev); tr.N != 20 || !reflect.DeepEqual(got, []int{100, 101, 102}) {
		t.Errorf("no validation: %d training images, test pixels %v", tr.N, got)
	}
	cfg.Validation = 0.25
	tr, ev, err = train.LoadData(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if tr == nil || ev == nil || tr.N != 15 || ev.N != 3 {
		t.Fatalf("validation: sets %v and %v, want 15 and 3 images", tr, ev)
	}
	seen := map[int]bool{}
	for _, k := range append(lit(tr), lit(ev)...) {
		if k >= 20 || seen[k] {
			t.Errorf("validation: pixel %d is not a training image or is used twice", k)
		}
		seen[k] = true
	}
}

// TestEpochEvalPointOnly pins the per-epoch evaluation without full: after
// each epoch of an adam run (whose "precision" is no posterior, so no
// sample may be drawn) the history holds the point predictive's accuracy
// and NLL on the evaluation set, recomputed here by loops from Predict's
// probabilities, and no full evaluation.
func TestEpochEvalPointOnly(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Hidden, cfg.Optimizer = "mlp", []int{3}, "adam"
	cfg.Epochs, cfg.Batch, cfg.Seed, cfg.TestSamples = 2, 16, 4, 0
	tr, err := train.New(cfg, oneHotSet(40, "train"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	eval := oneHotSet(30, "eval")
	tr.SetEpochEval(eval, nil, false)
	for e := range 2 {
		if _, err := tr.Epoch(nil); err != nil {
			t.Fatalf("epoch %d: %v", e+1, err)
		}
		pr, err := tr.Posterior().Predict(eval.X, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		acc, nll, _, _, _ := oracleScores(pr.Probs, eval.Y)
		h := tr.History()
		r := h[len(h)-1]
		if r.TestAcc == nil || r.TestNLL == nil || *r.TestAcc != acc || math.Abs(*r.TestNLL-nll) > 1e-9 || r.Eval != nil {
			t.Errorf("epoch %d: record %+v, want acc %v nll %v and no full evaluation", e+1, r, acc, nll)
		}
	}
}
