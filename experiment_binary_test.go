package blr_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/internal/table"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/nn"
)

// The experiments of binary networks, dropout and mixtures on MNIST and
// Fashion-MNIST. They take minutes, so they run only when asked:
//
//	BLR_EXPERIMENT=bayesbinn go test -run TestExperiment -v -timeout 2h .
//	BLR_EXPERIMENT=mixture   go test -run TestExperiment -v -timeout 2h .
//	BLR_EXPERIMENT=dropout   go test -run TestExperiment -v -timeout 2h .
//
// BLR_EPOCHS, BLR_HIDDEN (e.g. 256,256) and BLR_SEED override the defaults.

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envHidden(def []int) []int {
	s := os.Getenv("BLR_HIDDEN")
	if s == "" {
		return def
	}
	var h []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return def
		}
		h = append(h, v)
	}
	return h
}

// expMLP builds 784-hidden-10 with ReLU; with bn, a batch norm without
// affine parameters (eps 1e-4, momentum 0.15, as BayesBiNN's MLP) after
// every dense layer, the last included; with p > 0, a non-inverted
// Dropout(p) before every dense layer but the first.
func expMLP(hidden []int, bn bool, p float64) (*nn.Network[float32], error) {
	var layers []nn.Layer
	for i, h := range hidden {
		if p > 0 && i > 0 {
			layers = append(layers, nn.Dropout{P: p})
		}
		layers = append(layers, nn.Dense{Out: h})
		if bn {
			layers = append(layers, nn.BatchNorm{Eps: 1e-4, Momentum: 0.15})
		}
		layers = append(layers, nn.ReLU{})
	}
	if p > 0 && len(hidden) > 0 {
		layers = append(layers, nn.Dropout{P: p})
	}
	layers = append(layers, nn.Dense{Out: 10})
	if bn {
		layers = append(layers, nn.BatchNorm{Eps: 1e-4, Momentum: 0.15})
	}
	return nn.New[float32](nn.Vec(784), nn.SoftmaxCrossEntropy{}, layers...)
}

// expRun holds a training set and its minibatch stream.
type expRun struct {
	set   *data.Set
	bt    *data.Batcher
	batch nn.Batch[float32]
}

func newExpRun(t *testing.T, set *data.Set, b int, seed uint64) *expRun {
	bt, err := data.NewBatcher(set.N, b, seed)
	if err != nil {
		t.Fatal(err)
	}
	return &expRun{set: set, bt: bt}
}

// next loads the next minibatch; false at the end of an epoch.
func (r *expRun) next() bool {
	idx, ok := r.bt.Next()
	if !ok {
		return false
	}
	d := r.set.D
	x := make([]float32, len(idx)*d)
	y := make([]int, len(idx))
	for k, i := range idx {
		copy(x[k*d:(k+1)*d], r.set.X[i*d:(i+1)*d])
		y[k] = r.set.Y[i]
	}
	r.batch = nn.Batch[float32]{X: x, Labels: y}
	return true
}

func (r *expRun) oracle(net *nn.Network[float32]) blr.Oracle[float32] {
	return blr.OracleFunc[float32](func(theta, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
		return net.Loss(grad, theta, r.batch)
	})
}

// predictAdd adds w·softmax(f(x; params)) over the test set to probs, the
// network in evaluation mode.
func predictAdd(t *testing.T, net *nn.Network[float32], params []float32, test *data.Set, probs []float64, w float64) {
	net.SetTraining(false)
	defer net.SetTraining(true)
	const chunk = 1000
	for lo := 0; lo < test.N; lo += chunk {
		hi := min(lo+chunk, test.N)
		z, err := net.Forward(params, test.X[lo*test.D:hi*test.D], hi-lo)
		if err != nil {
			t.Fatal(err)
		}
		for i := range hi - lo {
			row := z[i*10 : (i+1)*10]
			mx := math.Inf(-1)
			for _, v := range row {
				mx = math.Max(mx, float64(v))
			}
			var s float64
			var e [10]float64
			for c, v := range row {
				e[c] = math.Exp(float64(v) - mx)
				s += e[c]
			}
			for c := range 10 {
				probs[(lo+i)*10+c] += w * e[c] / s
			}
		}
	}
}

func expScore(t *testing.T, probs []float64, test *data.Set) metrics.Summary {
	s, err := metrics.Evaluate(probs, 10, test.Y)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExperiment(t *testing.T) {
	switch os.Getenv("BLR_EXPERIMENT") {
	case "bayesbinn":
		experimentBayesBiNN(t)
	case "mixture":
		experimentMixture(t)
	case "dropout":
		experimentDropout(t)
	default:
		t.Skip("set BLR_EXPERIMENT to bayesbinn, mixture or dropout")
	}
}

// experimentBayesBiNN trains BayesBiNN (published settings: τ = ε = 1e-10,
// λ₀ = ±10, ρ = 1e-4 with a cosine decay, one sample, batch 100) on an MLP
// with batch norm without affine parameters on MNIST, and reports after
// every epoch the test accuracy of the mode network and of the posterior
// average over 10 sampled binary networks.
func experimentBayesBiNN(t *testing.T) {
	train, test, err := data.LoadMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	epochs := envInt("BLR_EPOCHS", 5)
	hidden := envHidden([]int{256, 256})
	seed := uint64(envInt("BLR_SEED", 1))
	lr := 1e-4
	if v, err := strconv.ParseFloat(os.Getenv("BLR_LR"), 64); err == nil && v > 0 {
		lr = v
	}
	net, err := expMLP(hidden, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	params := make([]float32, net.NumParams())
	if err := net.Init(params, rand.New(rand.NewPCG(seed, 1))); err != nil {
		t.Fatal(err)
	}
	envFloat := func(name string, def float64) float64 {
		if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
			return v
		}
		return def
	}
	// BLR_TAU, BLR_EPS (0: the exact relaxed estimator), BLR_INIT (λ₀
	// scale) and BLR_SAMPLES override the published settings.
	tau, eps, initScale := envFloat("BLR_TAU", 1e-10), envFloat("BLR_EPS", 1e-10), envFloat("BLR_INIT", 10)
	samples := envInt("BLR_SAMPLES", 1)
	if eps == 0 {
		eps = blr.Off
	}
	opt, err := blr.BayesBiNN(params, blr.BinaryConfig{DataSize: float64(train.N), LR: lr, Mask: weightMask(net),
		Temperature: tau, Eps: eps, InitScale: initScale, Samples: samples})
	if err != nil {
		t.Fatal(err)
	}
	run := newExpRun(t, train, 100, seed)
	rnd := rand.New(rand.NewPCG(seed, 2))
	steps := epochs * run.bt.BatchesPerEpoch()
	fmt.Printf("BayesBiNN MNIST MLP 784-%s-10 BN(no affine), %d binary weights, %d epochs, batch 100, lr %g cosine, τ = %g, ε = %g, λ₀ = ±%g, %d sample(s)\n",
		fmtInts(hidden), opt.Dim(), epochs, lr, tau, math.Max(eps, 0), initScale, samples)
	fmt.Println("epoch  train-loss  mode-acc  mode-nll  mode-ece  avg10-acc  avg10-nll  avg10-ece  uncertain  seconds")
	start := time.Now()
	for e := 1; e <= epochs; e++ {
		var sum float64
		var nb int
		for run.next() {
			s := opt.Steps()
			// Cosine decay of ρ from lr toward 0 over the run (BayesBiNN's
			// schedule ends at 1e-16).
			if err := opt.SetLR(math.Max(1e-16, lr*0.5*(1+math.Cos(math.Pi*float64(s)/float64(steps))))); err != nil {
				t.Fatal(err)
			}
			info, err := opt.Step(run.oracle(net), rnd)
			if err != nil {
				t.Fatal(err)
			}
			sum += info.Loss
			nb++
		}
		mode := make([]float64, test.N*10)
		predictAdd(t, net, params, test, mode, 1)
		avg := make([]float64, test.N*10)
		erd := rand.New(rand.NewPCG(seed, 3))
		w := make([]float32, len(params))
		for range 10 {
			opt.SampleNetwork(w, erd)
			predictAdd(t, net, w, test, avg, 0.1)
		}
		sm, sa := expScore(t, mode, test), expScore(t, avg, test)
		// The share of weights the posterior is unsure of: 1e-3 < p(w=+1) < 1−1e-3.
		var unsure int
		for _, l := range opt.Latent() {
			if math.Abs(float64(l)) < 0.5*math.Log(999) {
				unsure++
			}
		}
		fmt.Printf("%5d  %10.4f  %8.4f  %8.4f  %8.4f  %9.4f  %9.4f  %9.4f  %9.4f  %7.0f\n", e, sum/float64(nb), sm.Accuracy, sm.NLL, sm.ECE,
			sa.Accuracy, sa.NLL, sa.ECE, float64(unsure)/float64(opt.Dim()), time.Since(start).Seconds())
	}
}

// ivonConfig is the IVON setting of the mixture experiment: lr 0.1 (with a
// cosine decay, cosineLR), h₀ 0.5, weight decay δ = 1e-3 (prior precision
// 1e-3·N) and β₂ = 0.999. Chosen on the training loss alone: with
// β₂ = Beta2For(T) = 0.9957 or δ = 1/N the training loss of this MLP
// diverges after one to two epochs (h+δ falls to 1e-6 on some weights,
// whose steps then grow by α(h₀+δ)/(h+δ)).
func ivonConfig(n, steps int) blr.Config {
	return blr.Config{DataSize: float64(n), Steps: steps, Beta2: 0.999, PriorPrecision: 1e-3 * float64(n), LR: 0.1, HessInit: 0.5}
}

// cosineLR is lr·½(1+cos(πt/T)), kept above lr·1e-3.
func cosineLR(lr float64, t, steps int) float64 {
	return lr * math.Max(1e-3, 0.5*(1+math.Cos(math.Pi*float64(t)/float64(steps))))
}

// experimentMixture trains on Fashion-MNIST, MLP 784-hidden-10, batch 128,
// the same number of epochs: one IVON run; a mixture of K = 3 IVON
// components trained together (one data order); and K = 3 IVON runs trained
// independently (their own seeds and data orders). It reports accuracy,
// NLL and ECE of the posterior average (30 networks in total each).
func experimentMixture(t *testing.T) {
	train, test, err := data.LoadFashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	epochs := envInt("BLR_EPOCHS", 5)
	hidden := envHidden([]int{256, 256})
	seed := uint64(envInt("BLR_SEED", 1))
	const k, b, s = 3, 128, 30
	newNet := func() *nn.Network[float32] {
		net, err := expMLP(hidden, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	initParams := func(net *nn.Network[float32], sd uint64) []float32 {
		p := make([]float32, net.NumParams())
		if err := net.Init(p, rand.New(rand.NewPCG(sd, 1))); err != nil {
			t.Fatal(err)
		}
		return p
	}
	steps := epochs * ((train.N + b - 1) / b)
	cfg := ivonConfig(train.N, steps)
	fmt.Printf("Fashion-MNIST MLP 784-%s-10, %d epochs (%d steps), batch %d, IVON lr 0.1 cosine, h0 0.5, β2 0.999, δ 1e-3, posterior average over %d networks\n",
		fmtInts(hidden), epochs, steps, b, s)
	fmt.Println("method                      acc      nll      ece    seconds")
	report := func(name string, probs []float64, secs float64) {
		sm := expScore(t, probs, test)
		fmt.Printf("%-24s  %.4f  %.4f  %.4f  %7.0f\n", name, sm.Accuracy, sm.NLL, sm.ECE, secs)
	}
	// predictDiag adds the average over n samples of engine d to probs.
	predictDiag := func(net *nn.Network[float32], d *blr.Diag[float32], n int, key uint64, probs []float64, w float64) {
		th := make([]float32, d.Dim())
		noise := &blr.FastNormals[float32]{Key: key}
		for range n {
			d.Sample(th, noise)
			predictAdd(t, net, th, test, probs, w/float64(n))
		}
	}
	// trainIVON runs one IVON engine for the epochs with its own data order.
	trainIVON := func(sd uint64) (*nn.Network[float32], *blr.Diag[float32]) {
		net := newNet()
		d, err := blr.IVON(initParams(net, sd), cfg)
		if err != nil {
			t.Fatal(err)
		}
		run := newExpRun(t, train, b, sd)
		noise := &blr.FastNormals[float32]{Key: sd * 1000}
		for range epochs {
			for run.next() {
				if err := d.SetLR(cosineLR(0.1, d.Steps(), steps)); err != nil {
					t.Fatal(err)
				}
				if _, err := d.Step(run.oracle(net), noise); err != nil {
					t.Fatal(err)
				}
			}
		}
		return net, d
	}

	// One IVON run.
	start := time.Now()
	net1, one := trainIVON(seed)
	secs := time.Since(start).Seconds()
	probs := make([]float64, test.N*10)
	predictDiag(net1, one, s, 77, probs, 1)
	report("IVON (one run)", probs, secs)
	mean := make([]float64, test.N*10)
	predictAdd(t, net1, one.Mean(), test, mean, 1)
	report("IVON (one run, mean)", mean, secs)

	// The mixture, trained together.
	start = time.Now()
	net := newNet()
	ps := make([][]float32, k)
	for i := range ps {
		ps[i] = initParams(net, seed+uint64(i))
	}
	mix, err := blr.MixtureIVON(ps, cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := newExpRun(t, train, b, seed)
	noise := &blr.FastNormals[float32]{Key: seed * 1000}
	for range epochs {
		for run.next() {
			if err := mix.SetLR(cosineLR(0.1, mix.Component(0).Steps(), steps)); err != nil {
				t.Fatal(err)
			}
			if _, err := mix.Step(run.oracle(net), noise); err != nil {
				t.Fatal(err)
			}
		}
	}
	secs = time.Since(start).Seconds()
	clear(probs)
	for i := range k {
		predictDiag(net, mix.Component(i), s/k, 77+uint64(i), probs, 1/float64(k))
	}
	report(fmt.Sprintf("mixture K=%d (together)", k), probs, secs)

	// K independent runs.
	start = time.Now()
	clear(probs)
	for i := range k {
		neti, di := trainIVON(seed + 100 + uint64(i))
		predictDiag(neti, di, s/k, 77+uint64(i), probs, 1/float64(k))
	}
	report(fmt.Sprintf("%d independent IVON runs", k), probs, time.Since(start).Seconds())
}

// experimentDropout trains an MLP with non-inverted Dropout(0.2) before the
// hidden and output layers on Fashion-MNIST with blr.Dropout, and compares
// the deterministic prediction (evaluation-mode scaling by 1−p) with MC
// dropout (the average over 30 networks z⊙m drawn from q, evaluated on the
// network without dropout layers).
func experimentDropout(t *testing.T) {
	train, test, err := data.LoadFashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	epochs := envInt("BLR_EPOCHS", 5)
	hidden := envHidden([]int{256, 256})
	seed := uint64(envInt("BLR_SEED", 1))
	const p, b, s = 0.2, 128, 30
	net, err := expMLP(hidden, false, p)
	if err != nil {
		t.Fatal(err)
	}
	twin, err := expMLP(hidden, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	net.SetRand(rand.New(rand.NewPCG(seed, 4)))
	params := make([]float32, net.NumParams())
	if err := net.Init(params, rand.New(rand.NewPCG(seed, 1))); err != nil {
		t.Fatal(err)
	}
	group, pu, err := table.DropoutGroups(net)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := blr.NewDropout(params, blr.DropoutConfig{DataSize: float64(train.N), LR: 0.1, Group: group, P: pu})
	if err != nil {
		t.Fatal(err)
	}
	run := newExpRun(t, train, b, seed)
	start := time.Now()
	for range epochs {
		for run.next() {
			if _, err := opt.Step(run.oracle(net)); err != nil {
				t.Fatal(err)
			}
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("Fashion-MNIST MLP 784-%s-10, Dropout(%g) non-inverted before the hidden and output layers, dropout-SGD lr 0.1, %d epochs, batch %d (%.0f s)\n",
		fmtInts(hidden), p, epochs, b, secs)
	det := make([]float64, test.N*10)
	predictAdd(t, net, params, test, det, 1)
	mc := make([]float64, test.N*10)
	rnd := rand.New(rand.NewPCG(seed, 5))
	for range s {
		predictAdd(t, twin, opt.Sample(nil, rnd), test, mc, 1.0/s)
	}
	for _, r := range []struct {
		name  string
		probs []float64
	}{{"deterministic (scale 1−p)", det}, {fmt.Sprintf("MC dropout, %d networks", s), mc}} {
		sm := expScore(t, r.probs, test)
		fmt.Printf("%-28s acc %.4f  nll %.4f  ece %.4f\n", r.name, sm.Accuracy, sm.NLL, sm.ECE)
	}
}

func fmtInts(h []int) string {
	s := make([]string, len(h))
	for i, v := range h {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, "-")
}
