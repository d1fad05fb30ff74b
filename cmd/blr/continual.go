package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/bayesrule/blr/continual"
	"github.com/bayesrule/blr/plot"
	"github.com/bayesrule/blr/train"
)

func init() {
	commands["continual"] = command{"continual learning: posterior as prior (ivon, vogn) vs Adam fine-tuning and joint training on permuted or split MNIST", runContinual}
	commands["merge"] = command{"merge posteriors learnt on disjoint shards of MNIST (blr.MergeDiag) and compare with training on all the data", runMerge}
}

const continualUsage = `usage: blr continual [--data permuted-mnist|split-mnist] [--tasks T]
                      [--optimizer ivon,vogn,adam] [--joint adam|none] [--epochs E]
                      [--batch B] [--hidden 100,100] [--seed S] [--train-size N]
                      [--test-size N] [--test-samples S] [--data-dir DIR] [--out DIR]

Learns T tasks one after another and prints the average accuracy over the
tasks seen after each task, for each method, and each method's accuracy
matrix acc[t][j] (accuracy on task j after training task t).

Methods (--optimizer, comma-separated): a Bayesian optimizer (ivon, vogn,
vadam, ogn, iblr-diag) learns with posterior as prior: after each task its
posterior N(m, diag(P)⁻¹) becomes the next task's prior (blr.Diag.SetPrior).
A point estimate (adam, sgd, ...) fine-tunes: the weights carry over, nothing
else. NAME-ft (e.g. ivon-ft) fine-tunes a Bayesian optimizer without the
prior. --joint trains on all tasks seen so far at once (the upper bound).

permuted-mnist: task 1 is MNIST, task j ≥ 2 permutes its pixels; one 10-way
head. split-mnist: digit pairs {0,1} … {8,9}, task-incremental with one
2-way head per task (loss and prediction on the task's own head).

The protocol (see go doc ./continual) is fixed: the defaults are MLP
784-100-100-10, 5 epochs per task, batches of 128, each optimizer's default
learning rate with a cosine decay restarted at every task, all 60 000
training and 10 000 test images per task, the posterior average over 10
networks for the Bayesian optimizers and the mean weights for the others.
--train-size and --test-size keep the first N MNIST images (quick runs).

Writes DIR/results.json (the configuration and every accuracy) and
DIR/continual.png (average accuracy and task-1 accuracy against the number
of tasks seen).

flags:
`

func runContinual(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("continual", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, continualUsage)
		fs.PrintDefaults()
	}
	cfg := continual.DefaultConfig()
	fs.StringVar(&cfg.Data, "data", cfg.Data, "benchmark: permuted-mnist or split-mnist")
	fs.IntVar(&cfg.Tasks, "tasks", cfg.Tasks, "number of tasks T (split-mnist: at most 5)")
	methods := fs.String("optimizer", strings.Join(cfg.Methods, ","), "sequential `methods`, comma-separated (NAME-ft: a Bayesian optimizer without the prior)")
	joint := fs.String("joint", cfg.Joint, "`optimizer` of the joint-training upper bound, or none")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs per task")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "minibatch size")
	hidden := fs.String("hidden", train.FormatHidden(cfg.Hidden), "the MLP's hidden `widths`, comma-separated (none: no hidden layer)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the initial weights, minibatch orders and noise")
	fs.IntVar(&cfg.TrainSize, "train-size", 0, "keep the first `N` MNIST training images (0: all 60 000)")
	fs.IntVar(&cfg.TestSize, "test-size", 0, "keep the first `N` MNIST test images (0: all 10 000)")
	fs.IntVar(&cfg.TestSamples, "test-samples", cfg.TestSamples, "networks S of the Bayesian optimizers' posterior average (0: mean weights)")
	dataDir := fs.String("data-dir", "", "`DIR` holding MNIST's four IDX files (default: the GoMNIST module)")
	out := fs.String("out", ".", "`DIR` for results.json and continual.png")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Methods = nil
	if strings.TrimSpace(*methods) != "" { // none: Validate asks for one
		for _, m := range strings.Split(*methods, ",") {
			if m = strings.TrimSpace(m); m == "" {
				return fmt.Errorf("--optimizer %q: an empty name in the list", *methods)
			}
			cfg.Methods = append(cfg.Methods, m)
		}
	}
	cfg.Joint = strings.TrimSpace(*joint)
	if cfg.Joint == "none" {
		cfg.Joint = ""
	}
	h, err := train.ParseHidden(*hidden)
	if err != nil {
		return err
	}
	cfg.Hidden = h
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	b, err := continual.Load(cfg, *dataDir)
	if err != nil {
		return err
	}
	var log io.Writer = stderr
	if *quiet {
		log = nil
	}
	res, err := continual.Run(cfg, b, log)
	if err != nil {
		return err
	}
	printContinual(stdout, res)
	jsonPath := filepath.Join(*out, "results.json")
	if err := res.WriteFile(jsonPath); err != nil {
		return err
	}
	pngPath := filepath.Join(*out, "continual.png")
	if err := plotContinual(pngPath, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", jsonPath, pngPath)
	return nil
}

// printContinual writes the table of average accuracies (rows: tasks seen;
// columns: methods) and each method's accuracy matrix.
func printContinual(w io.Writer, r *continual.Result) {
	c := r.Config
	size := func(n int, all string) string {
		if n == 0 {
			return all
		}
		return fmt.Sprintf("first %d", n)
	}
	fmt.Fprintf(w, "%s, %d tasks, %s, %d epochs per task, batch %d, seed %d; MNIST training images: %s, test images: %s\n",
		r.Benchmark, c.Tasks, r.Model, c.Epochs, c.Batch, c.Seed, size(c.TrainSize, "all 60000"), size(c.TestSize, "all 10000"))
	for _, m := range r.Methods {
		pred := "mean weights"
		if m.Predictive == continual.PredictiveAverage {
			pred = fmt.Sprintf("posterior average, S=%d", c.TestSamples)
		}
		fmt.Fprintf(w, "  %-12s %s; %s; %.0fs\n", m.Name, m.Mode, pred, m.Seconds)
	}
	fmt.Fprintf(w, "\naverage accuracy over the tasks seen (%%)\n%-11s", "tasks seen")
	for _, m := range r.Methods {
		fmt.Fprintf(w, " %12s", m.Name)
	}
	fmt.Fprintln(w)
	for t := range r.Tasks {
		fmt.Fprintf(w, "%-11d", t+1)
		for _, m := range r.Methods {
			fmt.Fprintf(w, " %12.2f", 100*m.Avg[t])
		}
		fmt.Fprintln(w)
	}
	for _, m := range r.Methods {
		fmt.Fprintf(w, "\n%s: accuracy (%%) on task j (columns) after task t (rows)\n%-7s", m.Name, "t \\ j")
		for j := range r.Tasks {
			fmt.Fprintf(w, " %7d", j+1)
		}
		fmt.Fprintln(w)
		for t, row := range m.Acc {
			fmt.Fprintf(w, "%-7d", t+1)
			for _, v := range row {
				fmt.Fprintf(w, " %7.2f", 100*v)
			}
			fmt.Fprintln(w)
		}
	}
	for _, m := range r.Methods {
		if len(m.Warnings) > 0 {
			fmt.Fprintf(w, "\n%s: %d optimizer warnings (see results.json), e.g. %s\n", m.Name, len(m.Warnings), m.Warnings[0])
		}
	}
	fmt.Fprintln(w)
}

// plotContinual draws the average accuracy and the first task's accuracy
// against the number of tasks seen.
func plotContinual(path string, r *continual.Result) error {
	var avg, first []plot.Curve
	for _, m := range r.Methods {
		x := make([]float64, len(m.Avg))
		y := make([]float64, len(m.Avg))
		y1 := make([]float64, len(m.Avg))
		for t := range m.Avg {
			x[t], y[t], y1[t] = float64(t+1), 100*m.Avg[t], 100*m.Acc[t][0]
		}
		dashed := m.Mode == "joint"
		avg = append(avg, plot.Curve{Name: m.Name, X: x, Y: y, Dashed: dashed})
		first = append(first, plot.Curve{Name: m.Name, X: x, Y: y1, Dashed: dashed})
	}
	return plot.Curves(path, []plot.Panel{
		{Title: r.Benchmark + ": average accuracy over tasks seen", XLabel: "tasks seen", YLabel: "accuracy (%)", Curves: avg, Legend: plot.LegendBottomLeft},
		{Title: "accuracy on task 1", XLabel: "tasks seen", YLabel: "accuracy (%)", Curves: first, Legend: plot.LegendBottomLeft},
	}, 11, 4.5)
}

const mergeUsage = `usage: blr merge [--shards K] [--optimizer ivon|vogn|...] [--epochs E] [--batch B]
                  [--hidden 100,100] [--seed S] [--train-size N] [--test-size N]
                  [--test-samples S] [--data-dir DIR] [--out DIR]

Deals MNIST's training set at random into K disjoint shards, learns a
posterior on each with a Bayesian optimizer from the same initial weights and
the same prior N(0, P₀⁻¹), merges them with blr.MergeDiag (a product of
experts: λ = Σₖλₖ − (K−1)λ₀) and compares the merged posterior's test
accuracy with each shard's, with the plain average of the shards' means and
with one posterior learnt on all the data (the same epochs). Settings as in
blr continual. Writes DIR/merge.json.

flags:
`

func runMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, mergeUsage)
		fs.PrintDefaults()
	}
	cfg := continual.DefaultMergeConfig()
	fs.IntVar(&cfg.Shards, "shards", cfg.Shards, "number K of disjoint shards")
	fs.StringVar(&cfg.Optimizer, "optimizer", cfg.Optimizer, "Bayesian `optimizer` of every posterior")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs per shard (and on all the data)")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "minibatch size")
	hidden := fs.String("hidden", train.FormatHidden(cfg.Hidden), "the MLP's hidden `widths`, comma-separated (none: no hidden layer)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the shards, the initial weights, minibatch orders and noise")
	fs.IntVar(&cfg.TrainSize, "train-size", 0, "keep the first `N` MNIST training images (0: all 60 000)")
	fs.IntVar(&cfg.TestSize, "test-size", 0, "keep the first `N` MNIST test images (0: all 10 000)")
	fs.IntVar(&cfg.TestSamples, "test-samples", cfg.TestSamples, "networks S of the posterior average (0: mean weights only)")
	dataDir := fs.String("data-dir", "", "`DIR` holding MNIST's four IDX files (default: the GoMNIST module)")
	out := fs.String("out", ".", "`DIR` for merge.json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	h, err := train.ParseHidden(*hidden)
	if err != nil {
		return err
	}
	cfg.Hidden = h
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	trainSet, testSet, err := train.LoadSets("mnist", *dataDir, cfg.TrainSize, cfg.TestSize)
	if err != nil {
		return err
	}
	res, err := continual.Merge(cfg, trainSet, testSet, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merging %d %s posteriors of %s on MNIST (%d training images in %d shards, %d test images), %d epochs, batch %d, seed %d\n",
		cfg.Shards, cfg.Optimizer, res.Model, res.TrainN, cfg.Shards, res.TestN, cfg.Epochs, cfg.Batch, cfg.Seed)
	fmt.Fprintf(stdout, "\n%-26s %14s %20s\n", "test accuracy (%)", "mean weights", fmt.Sprintf("posterior avg S=%d", cfg.TestSamples))
	row := func(name string, a continual.Accuracy) {
		avg := "-"
		if !math.IsNaN(a.Average) {
			avg = fmt.Sprintf("%.2f", 100*a.Average)
		}
		fmt.Fprintf(stdout, "%-26s %14.2f %20s\n", name, 100*a.Mean, avg)
	}
	for s, a := range res.Shards {
		row(fmt.Sprintf("shard %d (%d images)", s+1, res.ShardN[s]), a)
	}
	row("merged (MergeDiag)", res.Merged)
	row("average of shard means", res.Average)
	row(fmt.Sprintf("all data (%d images)", res.TrainN), res.All)
	if res.Floored > 0 {
		fmt.Fprintf(stdout, "\n%d shard precisions below the prior's were raised to it before merging\n", res.Floored)
	}
	path := filepath.Join(*out, "merge.json")
	if err := res.WriteFile(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}
