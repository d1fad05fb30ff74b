// Command sweep runs grids of training runs of package train's models with
// the optimizers of package blr and prints one JSON line per run: the
// settings, the metrics on the validation split (or, with -test, on the test
// set) and, with -stats, the spread of the learned curvature h after every
// epoch. It is the tool behind bench/validation.md; it is not part of
// `go test ./...`.
//
// Every list flag takes comma-separated values and the runs cover their
// Cartesian product, so that the data are loaded once:
//
//	go run ./bench/sweep -opt ivon -lr 0.05,0.1,0.2 -delta 1e-4,1e-3 -epochs 2
//
// With no schedule and no clipping a run is the same run as `blr train`
// with the same flags: the same initial weights, minibatch order and weight
// noise (the streams of package train), the same β₂ (Beta2For of the
// planned steps) and the same evaluation. Hyperparameters left at "0" take
// the optimizer's defaults, as in blr.Config.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/nn"
	"github.com/bayesrule/blr/train"
)

// The seed streams of package train (trainer.go), so that a run here starts
// from the weights and draws the noise `blr train` would.
const (
	streamInit  = 0x696e6974
	streamNoise = 0x6e6f697365
	streamLabel = 0x6c6162656c
)

func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// floats parses a comma-separated list of numbers.
func floats(s string) []float64 {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sweep: %q: %v\n", f, err)
			os.Exit(2)
		}
		out = append(out, v)
	}
	return out
}

func words(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// setting is one point of the grid.
type setting struct {
	Opt      string  `json:"opt"`
	Seed     uint64  `json:"seed"`
	LR       float64 `json:"lr"`
	Delta    float64 `json:"delta"` // per example, P₀ = δN; 0: default
	Beta1    float64 `json:"beta1"`
	Beta2    float64 `json:"beta2"`
	B2Factor float64 `json:"b2_factor"` // β₂ = 1 − f/T when > 0
	HessInit float64 `json:"hess_init"`
	Clip     float64 `json:"clip"`
	Schedule string  `json:"schedule"`
	Samples  int     `json:"train_samples"`
	Temp     float64 `json:"temperature,omitempty"`
	Curv     string  `json:"curvature,omitempty"`
	FanIn    float64 `json:"fanin,omitempty"`    // > 0: weights' prior precision FanIn·fan_in (summed scale)
	TempEnd  float64 `json:"temp_end,omitempty"` // > 0: τ from Temp to TempEnd on a log-cosine schedule
}

// result is one JSON line.
type result struct {
	setting
	Data        string          `json:"data"`
	Model       string          `json:"model"`
	Epochs      int             `json:"epochs"`
	N           int             `json:"n"`
	Steps       int             `json:"steps"`
	Eval        string          `json:"eval"`
	Engine      json.RawMessage `json:"engine,omitempty"`
	Diverged    string          `json:"diverged,omitempty"`
	Losses      []float64       `json:"epoch_loss"`
	HStats      [][5]float64    `json:"h_q,omitempty"` // per epoch: min, 10%, 50%, 90%, max of h
	TestSamples int             `json:"test_samples"`
	Acc         float64         `json:"acc"`
	NLL         float64         `json:"nll"`
	ECE         float64         `json:"ece"`
	AUROC       *float64        `json:"auroc,omitempty"`
	MeanAcc     float64         `json:"mean_acc"`
	MeanNLL     float64         `json:"mean_nll"`
	MeanECE     float64         `json:"mean_ece"`
	Other       []other         `json:"other,omitempty"` // -last-temp and -glm-temp
	Seconds     float64         `json:"seconds"`
}

type run struct {
	net    *nn.Network[float32]
	set    *data.Set
	x      []float32
	labels []int
	batch  nn.Batch[float32]
	rnd    *rand.Rand
}

func (r *run) gather(idx []int) {
	d := r.set.D
	n := len(idx)
	r.x, r.labels = r.x[:0], r.labels[:0]
	for _, i := range idx {
		r.x = append(r.x, r.set.X[i*d:(i+1)*d]...)
		r.labels = append(r.labels, r.set.Y[i])
	}
	r.batch = nn.Batch[float32]{X: r.x[:n*d], Labels: r.labels}
}

func (r *run) Eval(theta, grad, curv []float32, kind blr.CurvatureKind) (float64, error) {
	switch kind {
	case blr.CurvEmpiricalFisher:
		return r.net.EmpiricalFisherDiag(curv, grad, theta, r.batch)
	case blr.CurvMCFisher:
		return r.net.MCFisherDiag(curv, grad, theta, r.batch, r.rnd)
	case blr.CurvGGNDiag:
		return r.net.GGNDiag(curv, grad, theta, r.batch)
	}
	return r.net.Loss(grad, theta, r.batch)
}

func quantiles(h []float32) [5]float64 {
	s := slices.Clone(h)
	slices.Sort(s)
	q := func(p float64) float64 { return float64(s[int(p*float64(len(s)-1))]) }
	return [5]float64{q(0), q(0.1), q(0.5), q(0.9), q(1)}
}

func main() {
	var (
		dataName  = flag.String("data", "mnist", "mnist or fashion-mnist")
		model     = flag.String("model", "mlp", "mlp or lenet")
		epochs    = flag.Int("epochs", 2, "epochs")
		batch     = flag.Int("batch", 128, "batch size")
		trainSize = flag.Int("train-size", 0, "first N training examples (0: all)")
		testSize  = flag.Int("test-size", 0, "first N test examples (0: all), only with -test")
		val       = flag.Float64("val", 0.1, "validation fraction held out of the training set")
		test      = flag.Bool("test", false, "train on the whole training set and evaluate on the TEST set (only after the settings are written down)")
		testS     = flag.Int("test-samples", -1, "posterior-average samples (-1: train.DefaultTestSamples)")
		ood       = flag.Bool("ood", true, "evaluate the OOD AUROC (the other image set's test set)")
		dataDir   = flag.String("data-dir", "", "directory of the data set's IDX files (default: its default place)")
		oodDir    = flag.String("ood-dir", "", "directory of the OOD set's IDX files (default: its default place)")
		stats     = flag.Bool("stats", false, "record quantiles of h after every epoch")
		opts      = flag.String("opt", "ivon", "optimizers")
		seeds     = flag.String("seed", "1", "seeds")
		lrs       = flag.String("lr", "0", "learning rates (0: default)")
		deltas    = flag.String("delta", "0", "prior precision per example δ = P₀/N (0: default)")
		b1s       = flag.String("beta1", "0", "β₁ (0: default, -1: off)")
		b2s       = flag.String("beta2", "0", "β₂ (0: default)")
		b2fs      = flag.String("b2-factor", "0", "β₂ = 1 − f/T when f > 0 (overrides -beta2)")
		h0s       = flag.String("hess-init", "0", "h₀ (0: default)")
		clips     = flag.String("clip", "0", "ClipRadius (0: none; ivon and vogn)")
		scheds    = flag.String("schedule", "constant", "constant or cosine (to 0 over the run)")
		samples   = flag.Int("train-samples", 1, "MC samples per step")
		temps     = flag.String("temperature", "0", "Temperature τ (0: default; diagnosis only, not a CLI flag)")
		curvs     = flag.String("curvature", "", "curvature estimate: '' (default), ggn-diag, empirical-fisher, mc-fisher, price")
		tempEnd   = flag.Float64("temp-end", 0, "τ at the end of a log-cosine temperature schedule from -temperature (0: constant)")
		fanins    = flag.String("fanin", "0", "c > 0: a per-weight prior, precision c·fan_in for the weights of every dense and convolution layer (c = 0.5: the variance 2/fan_in of He's initialisation), P₀ for the biases")
	)
	flag.Parse()
	if *test && *val > 0 {
		*val = 0
	}
	if !*test && *val <= 0 {
		fmt.Fprintln(os.Stderr, "sweep: refusing to evaluate on the test set without -test")
		os.Exit(2)
	}
	cfg := train.Config{Data: *dataName, Model: *model, TrainSize: *trainSize, TestSize: *testSize, Validation: *val, Seed: 1, Optimizer: "ivon", Epochs: 1, Batch: 128, TrainSamples: 1}
	if *model == "mlp" {
		cfg.Hidden = train.DefaultHidden
	}
	var oodSet *data.Set
	if *ood {
		var err error
		if oodSet, err = train.LoadOOD(*dataName, *oodDir, *testSize); err != nil {
			fmt.Fprintln(os.Stderr, "sweep:", err)
			os.Exit(1)
		}
	}
	// The validation split depends on the seed (data.Set.Split with
	// cfg.Seed): load it per seed.
	type sets struct{ tr, ev *data.Set }
	loaded := map[uint64]sets{}
	load := func(seed uint64) sets {
		if s, ok := loaded[seed]; ok {
			return s
		}
		c := cfg
		c.Seed = seed
		tr, ev, err := train.LoadData(c, *dataDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sweep:", err)
			os.Exit(1)
		}
		loaded[seed] = sets{tr, ev}
		return loaded[seed]
	}
	var grid []setting
	for _, o := range words(*opts) {
		for _, sd := range floats(*seeds) {
			for _, lr := range floats(*lrs) {
				for _, dl := range floats(*deltas) {
					for _, b1 := range floats(*b1s) {
						for _, b2 := range floats(*b2s) {
							for _, b2f := range floats(*b2fs) {
								for _, h0 := range floats(*h0s) {
									for _, cl := range floats(*clips) {
										for _, sc := range words(*scheds) {
											for _, tp := range floats(*temps) {
												for _, cv := range words(*curvs) {
													for _, fi := range floats(*fanins) {
														grid = append(grid, setting{o, uint64(sd), lr, dl, b1, b2, b2f, h0, cl, sc, *samples, tp, cv, fi, *tempEnd})
													}
												}
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, s := range grid {
		ss := load(s.Seed)
		res := one(s, cfg, ss.tr, ss.ev, oodSet, *epochs, *batch, *testS, *stats)
		res.Data, res.Model, res.Epochs = *dataName, *model, *epochs
		res.Eval = ss.ev.Name
		if err := enc.Encode(res); err != nil {
			panic(err)
		}
	}
}

func one(s setting, cfg train.Config, tr, ev, ood *data.Set, epochs, batchSize, testSamples int, stats bool) result {
	start := time.Now()
	res := result{setting: s, N: tr.N}
	cfg.Optimizer, cfg.Seed, cfg.Epochs, cfg.Batch = s.Opt, s.Seed, epochs, batchSize
	var net *nn.Network[float32]
	var err error
	if cfg.Model == "lenet" {
		net, err = nn.LeNet5[float32]()
	} else {
		net, err = nn.MLP[float32](train.ImageSize, cfg.Hidden, train.Classes, nil)
	}
	if err != nil {
		panic(err)
	}
	bt, err := data.NewBatcher(tr.N, batchSize, s.Seed)
	if err != nil {
		panic(err)
	}
	T := bt.BatchesPerEpoch() * epochs
	res.Steps = T
	opt := func(v float64) float64 {
		if v < 0 {
			return blr.Off
		}
		return v
	}
	bc := blr.Config{
		DataSize: float64(tr.N), LR: s.LR, Beta1: opt(s.Beta1), Beta2: s.Beta2,
		HessInit: s.HessInit, ClipRadius: s.Clip, Steps: T, Warn: os.Stderr,
	}
	if s.Samples > 1 {
		bc.Samples = s.Samples
	}
	bc.Temperature = s.Temp
	switch s.Curv {
	case "ggn-diag":
		bc.Curvature = blr.CurvGGNDiag
	case "empirical-fisher":
		bc.Curvature = blr.CurvEmpiricalFisher
	case "mc-fisher":
		bc.Curvature = blr.CurvMCFisher
	case "price":
		bc.Curvature = blr.CurvPrice
	}
	if s.Delta > 0 {
		bc.PriorPrecision = s.Delta * float64(tr.N)
	} else if s.Delta < 0 {
		bc.PriorPrecision = blr.Off
	}
	if s.B2Factor > 0 {
		bc.Beta2 = 1 - s.B2Factor/float64(T)
	}
	params := make([]float32, net.NumParams())
	d, err := blr.New(s.Opt, params, bc)
	if err != nil {
		res.Diverged = "config: " + err.Error()
		return res
	}
	if err := net.Init(d.Mean(), rand.New(rand.NewPCG(s.Seed, streamInit))); err != nil {
		panic(err)
	}
	if s.FanIn > 0 {
		if err := d.SetPrior(nil, fanInPrior(net, s.FanIn, d.Options().PriorPrecision)); err != nil {
			res.Diverged = "config: " + err.Error()
			return res
		}
	}
	o := d.Options()
	o.Warn = nil
	if b, err := json.Marshal(struct {
		LR, PriorPrecision, Beta1, Beta2, HessInit, ClipRadius float64
	}{o.LR, o.PriorPrecision, o.Beta1, o.Beta2, o.HessInit, o.ClipRadius}); err == nil {
		res.Engine = b
	}
	r := &run{net: net, set: tr, rnd: rand.New(rand.NewPCG(s.Seed, streamLabel))}
	net.SetRand(r.rnd)
	noise := &blr.FastNormals[float32]{Key: mix64(s.Seed ^ streamNoise)}
	lr0 := d.LR()
	step := 0
	for e := 0; e < epochs && res.Diverged == ""; e++ {
		var sum float64
		var n int
		for idx, ok := bt.Next(); ok; idx, ok = bt.Next() {
			if s.Schedule == "cosine" {
				if err := d.SetLR(lr0 * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(T)))); err != nil {
					panic(err)
				}
			}
			if s.TempEnd > 0 {
				c := 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(T)))
				if err := d.SetTemperature(math.Exp(math.Log(s.TempEnd) + c*(math.Log(s.Temp)-math.Log(s.TempEnd)))); err != nil {
					panic(err)
				}
			}
			r.gather(idx)
			info, err := d.Step(r, noise)
			if err != nil {
				res.Diverged = fmt.Sprintf("step %d: %v", step, err)
				break
			}
			sum += info.Loss * float64(len(idx))
			n += len(idx)
			step++
		}
		res.Losses = append(res.Losses, sum/math.Max(float64(n), 1))
		if stats && d.Hessian() != nil {
			res.HStats = append(res.HStats, quantiles(d.Hessian()))
		}
	}
	if res.Diverged != "" {
		res.Seconds = time.Since(start).Seconds()
		return res
	}
	if testSamples < 0 {
		testSamples = train.DefaultTestSamples(s.Opt)
	}
	res.TestSamples = testSamples
	p := &train.Posterior{Config: cfg, DataSize: tr.N, Steps: step, Family: train.FamilyOf(s.Opt), Mean: d.Mean(), Precision: d.Precision(nil)}
	ev2, err := p.Evaluate(ev, ood, testSamples, s.Seed)
	if err != nil {
		res.Diverged = "eval: " + err.Error()
		return res
	}
	rep := ev2.Reported()
	res.Acc, res.NLL, res.ECE, res.AUROC = rep.Accuracy, rep.NLL, rep.ECE, rep.OODAUROC
	res.MeanAcc, res.MeanNLL, res.MeanECE = ev2.Mean.Accuracy, ev2.Mean.NLL, ev2.Mean.ECE
	if res.Other, err = otherPredictives(d, net, p, ev, ood, testSamples, s.Seed); err != nil {
		res.Diverged = "eval: " + err.Error()
	}
	res.Seconds = time.Since(start).Seconds()
	return res
}

// fanInPrior is the per-weight prior precision c·fan_in for the weights of
// every dense and convolution layer (a weight block followed by its bias
// block: fan_in = len(W)/len(b)) and p0 for every other parameter.
func fanInPrior(net *nn.Network[float32], c, p0 float64) []float32 {
	prec := make([]float32, net.NumParams())
	for i := range prec {
		prec[i] = float32(p0)
	}
	lay := net.Layout()
	for i, b := range lay {
		if strings.HasSuffix(b.Name, ".W") && i+1 < len(lay) && lay[i+1].Layer == b.Layer {
			fan := float64(b.Len / lay[i+1].Len)
			for j := b.Offset; j < b.Offset+b.Len; j++ {
				prec[j] = float32(c * fan)
			}
		}
	}
	return prec
}
