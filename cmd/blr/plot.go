package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/nn"
	"github.com/bayesrule/blr/plot"
	"github.com/bayesrule/blr/train"
)

func init() {
	commands["plot"] = command{"figures of a training run (reliability, entropy in/out of distribution, curves) or of a small Bayesian network on two moons (blr plot moons)", runPlot}
}

const plotUsage = `usage: blr plot --run DIR [--out DIR2] [--test-samples K] [--seed S] [--test-size N]
                [--data-dir DIR] [--ood auto|none] [--ood-dir DIR]
       blr plot moons [--out DIR] [flags]   (blr plot moons --help lists them)

blr plot --run DIR draws the figures of a run that blr train --out DIR wrote.
It reads DIR/posterior.safetensors and DIR/metrics.json, predicts the run's
test set (and its out-of-distribution partner, MNIST ↔ Fashion-MNIST, when
installed) with the posterior's point network (the mean weights for a
Gaussian) and with the posterior average over --test-samples networks, and
writes into --out (default DIR):

  reliability.png  reliability diagrams of both predictives, ECE in the legend
  entropy.png      histograms of the predictive entropy on the test set and on
                   the OOD set, per predictive, the entropy AUROC in the title
  curves.png       the training loss per epoch (metrics.json's "history") and,
                   when the run evaluated after each epoch, the test NLL and
                   accuracy; skipped with a note when there is no history
                   or when it holds a value beyond ±1e300 (a run that
                   diverged to near the float64 limit); equal values,
                   however large, are drawn on an axis padded around them

--test-samples and --seed default to the run's, so that the figures show
the predictives whose metrics metrics.json reports.

flags:
`

func runPlot(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "moons" {
		return plotMoonsNN(args[1:], stdout, stderr)
	}
	fs := newFlags("plot", stderr)
	var (
		runDir, out, dataDir, ood, oodDir string
		samples, testSize                 int
		seed                              uint64
	)
	fs.StringVar(&runDir, "run", "", "the run's `DIR` (blr train --out DIR)")
	fs.StringVar(&out, "out", "", "`DIR` for the PNGs (default: the run's directory)")
	fs.IntVar(&samples, "test-samples", -1, "networks `S` in the posterior average; 0: the point network only (default: the run's)")
	fs.Uint64Var(&seed, "seed", 0, "`seed` of the posterior samples (default: the run's)")
	fs.IntVar(&testSize, "test-size", -1, "use the first `N` test examples (0: all; default: the run's)")
	fs.StringVar(&dataDir, "data-dir", "", "`DIR` holding the data set's IDX files")
	fs.StringVar(&ood, "ood", "auto", "out-of-distribution set: auto (the other image set, when installed) or none")
	fs.StringVar(&oodDir, "ood-dir", "", "`DIR` of the out-of-distribution set")
	set, err := parseFlags(fs, plotUsage, args, "flags only, or blr plot moons; see blr plot --help")
	if err != nil {
		return err
	}
	if runDir == "" {
		return errors.New("--run DIR is required (the directory of blr train --out DIR)")
	}
	switch ood {
	case "auto", "none":
	default:
		return fmt.Errorf("--ood %q: want auto or none", ood)
	}
	if set["test-samples"] && (samples < 0 || samples > train.MaxSamples) {
		return fmt.Errorf("--test-samples %d: must lie in [0, %d] (0: the point network only)", samples, train.MaxSamples)
	}
	if set["test-size"] && testSize < 0 {
		return fmt.Errorf("--test-size %d: must be ≥ 0 (0: the whole test set)", testSize)
	}
	p, err := train.ReadPosterior(filepath.Join(runDir, train.PosteriorFile))
	if err != nil {
		return fmt.Errorf("--run %s: %w", runDir, err)
	}
	report, err := readReport(filepath.Join(runDir, train.MetricsFile))
	if err != nil {
		return fmt.Errorf("--run %s: %w", runDir, err)
	}
	if samples, seed, err = runSampling(set, p.Config, samples, seed); err != nil {
		return err
	}
	if !set["test-size"] {
		testSize = p.Config.TestSize
	}
	if out == "" {
		out = runDir
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}

	test, err := runTestSet(p.Config, dataDir, testSize)
	if err != nil {
		return err
	}
	oodSet, err := loadOOD(p.Config.Data, ood, oodDir, testSize, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "blr plot: %s posterior (%s) of %s, %d steps on %d examples of %s; %d test examples of %s\n",
		p.Config.Optimizer, p.Family, train.ModelName(p.Config), p.Steps, p.DataSize, p.Config.Data, test.N, test.Name)

	preds, err := runPredictives(p, test, oodSet, samples, seed)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s, %s", p.Config.Optimizer, train.ModelName(p.Config))

	var rel []plot.ReliabilitySeries
	for _, pr := range preds {
		bins, err := metrics.ReliabilityBins(pr.test, train.Classes, test.Y)
		if err != nil {
			return err
		}
		rel = append(rel, plot.ReliabilitySeries{Name: pr.name, Bins: bins})
		fmt.Fprintf(stdout, "%-30s accuracy %.4f  ECE %.4f  mean entropy %.4f", pr.name+":", pr.acc, plot.BinsECE(bins), mean(pr.hIn))
		if pr.auroc != nil {
			fmt.Fprintf(stdout, "  OOD entropy %.4f  AUROC %.4f", mean(pr.hOut), *pr.auroc)
		}
		fmt.Fprintln(stdout)
	}
	relPath := filepath.Join(out, "reliability.png")
	title := fmt.Sprintf("%s: %d test images of %s", name, test.N, test.Name)
	if err := plot.Reliability(relPath, title, rel, 6.5, 6.5); err != nil {
		return err
	}
	written := []string{relPath}

	var panels []plot.HistPanel
	for _, pr := range preds {
		t := pr.name
		samples := []plot.Sample{{Name: "in distribution (" + test.Name + ")", Values: pr.hIn}}
		if pr.auroc != nil {
			t += fmt.Sprintf(": OOD AUROC %.3f", *pr.auroc)
			samples = append(samples, plot.Sample{Name: "out of distribution (" + oodSet.Name + ")", Values: pr.hOut})
		}
		panels = append(panels, plot.HistPanel{Title: t, XLabel: "predictive entropy (nats)", Samples: samples})
	}
	if oodSet == nil {
		fmt.Fprintf(stderr, "blr plot: no out-of-distribution set: entropy.png shows the test set alone\n")
	}
	entPath := filepath.Join(out, "entropy.png")
	if err := plot.HistogramPanels(entPath, panels, 40, 5.5*float64(len(panels)), 4.5); err != nil {
		return err
	}
	written = append(written, entPath)

	curves := filepath.Join(out, "curves.png")
	cp, note := curvePanels(report, name)
	if err := checkHistory(report); note == "" && err != nil {
		note = err.Error()
	}
	switch {
	case note != "":
		fmt.Fprintf(stderr, "blr plot: no curves.png: %s\n", note)
	default:
		if err := plot.Curves(curves, cp, 5*float64(len(cp)), 4.2); err != nil {
			return fmt.Errorf("curves.png (%s history of --run %s): %w", train.MetricsFile, runDir, err)
		}
		written = append(written, curves)
	}
	fmt.Fprint(stdout, "wrote")
	for i, w := range written {
		if i > 0 {
			fmt.Fprint(stdout, ",")
		}
		fmt.Fprintf(stdout, " %s", w)
	}
	fmt.Fprintln(stdout)
	return nil
}

// readReport reads metrics.json; a missing file gives a nil report (the
// curves are then skipped), a corrupt one an error.
func readReport(path string) (*train.Report, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r train.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// checkHistory reports a history that curves.png cannot show: a value
// beyond ±plot.MaxValue (a run that diverged to near math.MaxFloat64),
// named by its record and field. A nil report passes.
func checkHistory(r *train.Report) error {
	if r == nil {
		return nil
	}
	for i, h := range r.History {
		fields := []struct {
			name string
			v    *float64
		}{{"train_loss", &h.TrainLoss}, {"test_acc", h.TestAcc}, {"test_nll", h.TestNLL}}
		for _, f := range fields {
			if f.v != nil && !(math.Abs(*f.v) <= plot.MaxValue) {
				return fmt.Errorf("%s history[%d] (epoch %d): %s = %g: curves.png draws values within ±%g only",
					train.MetricsFile, i, h.Epoch, f.name, *f.v, plot.MaxValue)
			}
		}
	}
	return nil
}

// runTestSet loads the set the run evaluated on: its test set, or the
// held-out part of its training set when it trained with --validation.
func runTestSet(cfg train.Config, dir string, size int) (*data.Set, error) {
	if cfg.Validation > 0 {
		c := cfg
		c.TestSize = size
		_, eval, err := loadData(c, dir)
		if err != nil {
			return nil, dataError(err)
		}
		return eval, nil
	}
	s, err := loadTestSet(cfg.Data, dir, size)
	if err != nil {
		return nil, dataError(err)
	}
	return s, nil
}

// predictive is one predictive's per-example results.
type predictive struct {
	name      string
	test      []float64 // N×Classes probabilities on the test set
	acc       float64
	hIn, hOut []float64 // predictive entropies on the test and OOD sets
	auroc     *float64  // entropy AUROC, OOD positive; nil without an OOD set
}

// runPredictives predicts test and ood (nil: none) with p's point networks
// and, when samples > 0, its posterior average over samples networks drawn
// with seed: the same draws as Posterior.Evaluate.
func runPredictives(p *train.Posterior, test, ood *data.Set, samples int, seed uint64) ([]predictive, error) {
	net, err := train.NewPredictionNetwork(p.Config)
	if err != nil {
		return nil, err
	}
	net.SetTraining(false)
	if b := net.Buffers(); len(b) > 0 || len(p.Buffers) > 0 {
		want := len(b) // one set of statistics per component (K for a mixture)
		if p.Family == train.FamilyMixture {
			want *= len(p.Means)
		}
		if len(p.Buffers) != want {
			return nil, fmt.Errorf("the posterior has %d batch-norm statistics, its model %d", len(p.Buffers), want)
		}
	}
	// useBuffers gives the network component k's batch-norm statistics.
	useBuffers := func(k int) {
		if b := p.ComponentBuffers(k); b != nil {
			copy(net.Buffers(), b)
		}
	}
	sets := []*data.Set{test}
	if ood != nil {
		sets = append(sets, ood)
	}
	for _, s := range sets {
		if s.D != net.InShape().Size() {
			return nil, fmt.Errorf("%s has %d features per example, the model takes %d", s.Name, s.D, net.InShape().Size())
		}
	}
	probs := func(thetas func(yield func([]float32, float64, int) error) error) ([][]float64, error) {
		out := make([][]float64, len(sets))
		for i, s := range sets {
			out[i] = make([]float64, s.N*train.Classes)
		}
		err := thetas(func(theta []float32, w float64, component int) error {
			useBuffers(component)
			if len(theta) != net.NumParams() {
				return fmt.Errorf("the posterior's networks have %d weights, its model %d", len(theta), net.NumParams())
			}
			for i, s := range sets {
				if err := train.AccumulateProbs(net, theta, s, out[i], w); err != nil {
					return err
				}
			}
			return nil
		})
		return out, err
	}
	point, err := probs(func(yield func([]float32, float64, int) error) error {
		nets, ws := p.PointWeights()
		if len(nets) == 0 {
			return fmt.Errorf("the %s posterior has no point network", p.Family)
		}
		for k, theta := range nets {
			if err := yield(theta, ws[k], k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	label := pointLabel(p.Family)
	label = label[:len(label)-1] // drop the colon
	res := []predictive{{name: label}}
	all := [][][]float64{point}
	if samples > 0 {
		avg, err := probs(func(yield func([]float32, float64, int) error) error {
			var theta []float32
			for s := range samples {
				var w float64
				var err error
				if theta, w, err = p.SampleWeights(theta, s, samples, seed); err != nil {
					return err
				}
				if err := yield(theta, w, p.SampleComponent(s)); err != nil {
					return fmt.Errorf("posterior sample %d: %w", s, err)
				}
			}
			return nil
		})
		if err != nil {
			if errors.Is(err, train.ErrImproper) {
				return nil, fmt.Errorf("--test-samples %d: %w (pass --test-samples 0 for the point network alone)", samples, err)
			}
			return nil, err
		}
		res = append(res, predictive{name: fmt.Sprintf("posterior average (S = %d)", samples)})
		all = append(all, avg)
	}
	for i := range res {
		r := &res[i]
		r.test = all[i][0]
		if r.acc, err = metrics.Accuracy(r.test, train.Classes, test.Y); err != nil {
			return nil, err
		}
		if r.hIn, err = metrics.PredictiveEntropy(r.test, train.Classes); err != nil {
			return nil, err
		}
		if ood == nil {
			continue
		}
		if r.hOut, err = metrics.PredictiveEntropy(all[i][1], train.Classes); err != nil {
			return nil, err
		}
		auc, err := metrics.AUROC(r.hOut, r.hIn)
		if err != nil {
			return nil, err
		}
		r.auroc = &auc
	}
	return res, nil
}

// curvePanels turns metrics.json's history into the panels of curves.png:
// the training loss (with the test NLL of the point predictive when the run
// evaluated after each epoch) and the test accuracy. note says why there
// are none.
func curvePanels(r *train.Report, name string) (panels []plot.Panel, note string) {
	if r == nil {
		return nil, "the run has no " + train.MetricsFile
	}
	if len(r.History) == 0 {
		return nil, train.MetricsFile + " has no history (a run from before per-epoch records)"
	}
	var ep, loss, nllX, nll, accX, acc []float64
	for _, h := range r.History {
		x := float64(h.Epoch)
		ep = append(ep, x)
		loss = append(loss, h.TrainLoss)
		if h.TestNLL != nil {
			nllX, nll = append(nllX, x), append(nll, *h.TestNLL)
		}
		if h.TestAcc != nil {
			accX, acc = append(accX, x), append(acc, *h.TestAcc)
		}
	}
	lossPanel := plot.Panel{Title: "loss: " + name, XLabel: "epoch", YLabel: "mean loss (nats)",
		Curves: []plot.Curve{{Name: "training (minibatch mean)", X: ep, Y: loss}}}
	if len(nll) > 0 {
		lossPanel.Curves = append(lossPanel.Curves, plot.Curve{Name: "test NLL (point network)", X: nllX, Y: nll, Dashed: true})
	}
	panels = append(panels, lossPanel)
	if len(acc) > 0 {
		panels = append(panels, plot.Panel{Title: "test accuracy (point network)", XLabel: "epoch", YLabel: "accuracy",
			Legend: plot.LegendBottomRight,
			Curves: []plot.Curve{{Name: "after each epoch", X: accX, Y: acc}}})
	}
	return panels, ""
}

// moonsNN is the setting of blr plot moons: a 2-64-64-2 ReLU MLP (float64)
// trained full-batch on data.TwoMoons, once with Adam and once with IVON.
type moonsNN struct {
	N       int     // training points
	Noise   float64 // data.TwoMoons noise
	Seed    uint64  // data, initial weights and weight noise
	Steps   int     // full-batch steps of each optimizer
	AdamLR  float64 // Adam's step size
	LR      float64 // IVON's step size α
	Prior   float64 // IVON's prior precision P₀ (summed-loss scale)
	H0      float64 // IVON's initial curvature h₀
	Samples int     // S, networks in IVON's posterior average
	Grid    int     // grid points along x₁
}

// defaultMoonsNN are IVON settings for a tiny data set, chosen by looking at
// the figure and the training fit (not at test data): with N = 300 the
// posterior standard deviation 1/√(N(h+δ)) is large, so h₀ = 1 keeps the
// first samples calm, P₀ = 5 (prior standard deviation 0.45) lets the
// weights reach the scale the fit needs, and α = 0.05 over 6000 full-batch
// steps lets h learn (β₂ follows from the steps) without the instability of
// larger steps. A smaller P₀ (1–4) lets the weights grow until the average
// is as confident as Adam; α = 0.2 diverges. The library defaults
// (h₀ = 0.01, P₀ = 50) are validated for N ≥ 10⁴ images.
var defaultMoonsNN = moonsNN{N: 300, Noise: 0.1, Seed: 1, Steps: 6000, AdamLR: 0.01, LR: 0.05, Prior: 5, H0: 1, Samples: 64, Grid: 140}

var moonsHidden = []int{64, 64}

func (c moonsNN) check() error {
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case c.N < 4 || c.N > 100000:
		return fmt.Errorf("--n %d: want 4 … 100000", c.N)
	case !(c.Noise >= 0) || c.Noise > 10:
		return fmt.Errorf("--noise %g: want 0 … 10", c.Noise)
	case c.Steps < 1 || c.Steps > 1000000:
		return fmt.Errorf("--steps %d: want 1 … 1000000", c.Steps)
	case !finitePos(c.AdamLR):
		return fmt.Errorf("--adam-lr %g: want a finite value > 0", c.AdamLR)
	case !finitePos(c.LR):
		return fmt.Errorf("--lr %g: want a finite value > 0", c.LR)
	case !finitePos(c.Prior) || c.Prior > blr.MaxPrecision:
		return fmt.Errorf("--prior-precision %g: want a value in (0, %g]", c.Prior, blr.MaxPrecision)
	case !finitePos(c.H0) || c.H0 > blr.MaxPrecision:
		return fmt.Errorf("--hess-init %g: want a value in (0, %g]", c.H0, blr.MaxPrecision)
	case c.Samples < 1 || c.Samples > train.MaxSamples:
		return fmt.Errorf("--samples %d: want 1 … %d", c.Samples, train.MaxSamples)
	case c.Grid < 10 || c.Grid > 1000:
		return fmt.Errorf("--grid %d: want 10 … 1000", c.Grid)
	}
	return nil
}

// moonsOracle is the full-batch loss of the network on the moons.
type moonsOracle struct {
	net   *nn.Network[float64]
	batch nn.Batch[float64]
}

// Eval implements blr.Oracle: the mean cross-entropy and its gradient.
func (o moonsOracle) Eval(theta, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
	return o.net.Loss(grad, theta, o.batch)
}

// moonsNNFit is the result of training both networks.
type moonsNNFit struct {
	xs          [][]float64 // training points
	ys          []float64
	adamLoss    float64 // final full-batch training loss at Adam's weights
	ivonLoss    float64 // … at IVON's mean
	adamAcc     float64 // training accuracy of Adam's network
	ivonAcc     float64 // … of IVON's posterior average
	gx, gy      []float64
	adamP, ivon []float64 // p(y=1|x) on the grid, row-major (row = y)
	warning     string
}

// fitMoonsNN trains the two networks and predicts the grid.
func fitMoonsNN(c moonsNN) (*moonsNNFit, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	xs, ys := data.TwoMoons(c.N, c.Noise, c.Seed)
	net, err := nn.MLP[float64](2, moonsHidden, 2, nil)
	if err != nil {
		return nil, err
	}
	batch := nn.Batch[float64]{X: make([]float64, 0, 2*c.N), Labels: make([]int, c.N)}
	for i, x := range xs {
		batch.X = append(batch.X, x[0], x[1])
		batch.Labels[i] = int(ys[i])
	}
	o := moonsOracle{net: net, batch: batch}
	init := make([]float64, net.NumParams())
	if err := net.Init(init, rand.New(rand.NewPCG(c.Seed, 0x6d6f6f6e73))); err != nil {
		return nil, err
	}
	fit := &moonsNNFit{xs: xs, ys: ys}
	// Adam: the point estimate.
	adamW := slices.Clone(init)
	adam, err := blr.New("adam", adamW, blr.Config{LR: c.AdamLR})
	if err != nil {
		return nil, fmt.Errorf("--adam-lr %g: %w", c.AdamLR, err)
	}
	normals := &blr.FastNormals[float64]{Key: c.Seed}
	for t := range c.Steps {
		if _, err := adam.Step(o, normals); err != nil {
			return nil, fmt.Errorf("adam step %d (try a smaller --adam-lr than %g): %w", t+1, c.AdamLR, err)
		}
	}
	// IVON: the posterior.
	var warn strings.Builder
	ivonM := slices.Clone(init)
	ivon, err := blr.New("ivon", ivonM, blr.Config{DataSize: float64(c.N), PriorPrecision: c.Prior, HessInit: c.H0, LR: c.LR, Steps: c.Steps, Warn: &warn})
	if err != nil {
		return nil, fmt.Errorf("ivon (--lr %g, --prior-precision %g, --hess-init %g): %w", c.LR, c.Prior, c.H0, err)
	}
	for t := range c.Steps {
		if _, err := ivon.Step(o, normals); err != nil {
			return nil, fmt.Errorf("ivon step %d (--lr %g, --prior-precision %g, --hess-init %g: a smaller --lr usually helps, or the others nearer their defaults): %w", t+1, c.LR, c.Prior, c.H0, err)
		}
	}
	fit.warning = warn.String()
	if fit.adamLoss, err = net.Loss(nil, adamW, batch); err != nil {
		return nil, err
	}
	if fit.ivonLoss, err = net.Loss(nil, ivonM, batch); err != nil {
		return nil, err
	}
	// The grid, as demo moons: row r is y = gy[r].
	ny := int(math.Round(float64(c.Grid) * (moonsYMax - moonsYMin) / (moonsXMax - moonsXMin)))
	fit.gx = plot.Linspace(moonsXMin, moonsXMax, c.Grid)
	fit.gy = plot.Linspace(moonsYMin, moonsYMax, ny)
	grid := make([]float64, 0, 2*c.Grid*ny)
	for _, y := range fit.gy {
		for _, x := range fit.gx {
			grid = append(grid, x, y)
		}
	}
	predict := func(theta []float64, x []float64, dst []float64, w float64) error {
		z, err := net.Forward(theta, x, len(x)/2)
		if err != nil {
			return err
		}
		for i := range dst {
			// p(y=1) = σ(z₁ − z₀), written to stay finite.
			d := z[2*i+1] - z[2*i]
			if math.IsNaN(d) {
				return errors.New("non-finite network output")
			}
			dst[i] += w / (1 + math.Exp(-d))
		}
		return nil
	}
	fit.adamP = make([]float64, c.Grid*ny)
	if err := predict(adamW, grid, fit.adamP, 1); err != nil {
		return nil, fmt.Errorf("adam: %w", err)
	}
	fit.ivon = make([]float64, c.Grid*ny)
	trainAdam := make([]float64, c.N)
	trainIVON := make([]float64, c.N)
	if err := predict(adamW, batch.X, trainAdam, 1); err != nil {
		return nil, err
	}
	theta := make([]float64, len(ivonM))
	sn := &blr.FastNormals[float64]{Key: c.Seed ^ 0x5a5a5a5a}
	for s := range c.Samples {
		ivon.Sample(theta, sn)
		if err := predict(theta, grid, fit.ivon, 1/float64(c.Samples)); err != nil {
			return nil, fmt.Errorf("ivon sample %d: %w", s, err)
		}
		if err := predict(theta, batch.X, trainIVON, 1/float64(c.Samples)); err != nil {
			return nil, fmt.Errorf("ivon sample %d: %w", s, err)
		}
	}
	acc := func(p []float64) float64 {
		var ok int
		for i, v := range p {
			if (v > 0.5) == (ys[i] == 1) {
				ok++
			}
		}
		return float64(ok) / float64(len(p))
	}
	fit.adamAcc, fit.ivonAcc = acc(trainAdam), acc(trainIVON)
	return fit, nil
}

const moonsNNUsage = `usage: blr plot moons [--out DIR] [flags]

Trains a small Bayesian neural network, a 2-64-64-2 ReLU MLP (package nn,
float64), full-batch on --n two-moons points (data.TwoMoons) twice: with Adam
(a point estimate) and with IVON (a diagonal Gaussian posterior). It writes
DIR/moons_nn.png: p(y = 1 | x) as a colour map on a window much wider than
the data, for Adam's weights beside IVON's posterior average over --samples
networks drawn from q. Adam is confident everywhere away from the boundary;
the posterior average grows uncertain (grey) away from the data.

The IVON settings suit a tiny data set and were chosen on the training data
and by looking at the figure: h₀ = 1 (--hess-init), P₀ = 5
(--prior-precision, a prior N(0, 0.2)), α = 0.05 (--lr), 6000 full-batch
steps (β₂ follows from them), one weight sample per step. A smaller P₀
(1–4) lets the weights grow until the posterior average is as confident as
Adam; α = 0.2 diverges. The library's
defaults (h₀ = 0.01, P₀ = 50) are validated for N ≥ 10⁴ images; with N =
300 they give a posterior that is either too wide to fit or too narrow to
show anything.

flags:
`

// plotMoonsNN is blr plot moons.
func plotMoonsNN(args []string, stdout, stderr io.Writer) error {
	c := defaultMoonsNN
	fs := newFlags("plot moons", stderr)
	out := fs.String("out", ".", "`DIR` for moons_nn.png")
	fs.IntVar(&c.N, "n", c.N, "training points")
	fs.Float64Var(&c.Noise, "noise", c.Noise, "noise of the moons")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the data, the initial weights and the weight noise")
	fs.IntVar(&c.Steps, "steps", c.Steps, "full-batch steps of each optimizer")
	fs.Float64Var(&c.AdamLR, "adam-lr", c.AdamLR, "Adam's step size")
	fs.Float64Var(&c.LR, "lr", c.LR, "IVON's step size α")
	fs.Float64Var(&c.Prior, "prior-precision", c.Prior, "IVON's prior precision P₀ on the summed loss (at most 1e12)")
	fs.Float64Var(&c.H0, "hess-init", c.H0, "IVON's initial curvature h₀ (at most 1e12)")
	fs.IntVar(&c.Samples, "samples", c.Samples, "networks S in IVON's posterior average")
	fs.IntVar(&c.Grid, "grid", c.Grid, "grid points along x₁")
	if _, err := parseFlags(fs, moonsNNUsage, args, "flags only; see blr plot moons --help"); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	fit, err := fitMoonsNN(c)
	if err != nil {
		return err
	}
	if fit.warning != "" {
		fmt.Fprint(stderr, fit.warning)
	}
	fmt.Fprintf(stdout, "two moons: %d points (noise %g), MLP 2-%s-2 (ReLU), %d full-batch steps\n", c.N, c.Noise, strings.ReplaceAll(train.FormatHidden(moonsHidden), ",", "-"), c.Steps)
	fmt.Fprintf(stdout, "adam (lr %g):                         training loss %.4f  training accuracy %.4f\n", c.AdamLR, fit.adamLoss, fit.adamAcc)
	fmt.Fprintf(stdout, "ivon (lr %g, P₀ %g, h₀ %g), S = %d: training loss at the mean %.4f  accuracy of the average %.4f\n",
		c.LR, c.Prior, c.H0, c.Samples, fit.ivonLoss, fit.ivonAcc)
	pts := plot.Points{}
	for i, p := range fit.xs {
		pts.X = append(pts.X, p[0])
		pts.Y = append(pts.Y, p[1])
		pts.Labels = append(pts.Labels, int(fit.ys[i]))
	}
	nx, ny := len(fit.gx), len(fit.gy)
	path := filepath.Join(*out, "moons_nn.png")
	err = plot.Heatmap2D(path, []plot.HeatPanel{
		{Title: "Adam (point estimate): p(y=1 | x, θ_Adam)", Grid: gridOf(fit.adamP, nx, ny), Points: pts},
		{Title: fmt.Sprintf("IVON (posterior average of %d networks)", c.Samples), Grid: gridOf(fit.ivon, nx, ny), Points: pts},
	}, "p(y = 1 | x)", 12, 4.6)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}
