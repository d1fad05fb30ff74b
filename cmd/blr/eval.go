package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/bayesrule/blr/train"
)

const evalUsage = `usage: blr eval --posterior FILE [--data mnist|fashion-mnist] [--test-samples K]
                [--seed S] [--data-dir DIR] [--ood auto|none] [--json]

Evaluates a posterior saved by blr train (posterior.safetensors) on a test
set: accuracy, NLL (nats), ECE (10 bins), Brier score and the OOD AUROC of
the predictive entropy, for the mean weights and for the posterior average
over --test-samples networks. --data, --test-samples and --seed default to
the training run's, so that blr eval reproduces its metrics.json.

flags:
`

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", stderr)
	var (
		path, dataName, dataDir, ood, oodDir string
		samples, testSize                    int
		seed                                 uint64
		jsonOut                              bool
	)
	fs.StringVar(&path, "posterior", "", "the posterior `FILE` (posterior.safetensors of blr train)")
	fs.StringVar(&dataName, "data", "", "test `set`: mnist or fashion-mnist (default: the one the posterior was trained on)")
	fs.StringVar(&dataDir, "data-dir", "", "`DIR` holding the data set's IDX files")
	fs.IntVar(&samples, "test-samples", -1, "networks `S` in the posterior average; 0: the mean weights only (default: the training run's)")
	fs.Uint64Var(&seed, "seed", 0, "`seed` of the posterior samples (default: the training run's)")
	fs.StringVar(&ood, "ood", "auto", "out-of-distribution set: auto (the other image set, when installed) or none")
	fs.StringVar(&oodDir, "ood-dir", "", "`DIR` of the out-of-distribution set")
	fs.IntVar(&testSize, "test-size", 0, "use the first `N` test examples (0: all)")
	fs.BoolVar(&jsonOut, "json", false, "print the metrics as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), evalUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see blr eval --help)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if path == "" {
		return errors.New("--posterior FILE is required")
	}
	p, err := train.ReadPosterior(path)
	if err != nil {
		return err
	}
	if !set["data"] {
		dataName = p.Config.Data
	}
	if train.OODName(dataName) == "" {
		return fmt.Errorf("--data %q: unknown; want one of mnist, fashion-mnist", dataName)
	}
	if !set["test-samples"] {
		samples = p.Config.TestSamples
	}
	if samples < 0 || samples > train.MaxSamples {
		return fmt.Errorf("--test-samples %d: must lie in [0, %d] (0: the mean weights)", samples, train.MaxSamples)
	}
	if testSize < 0 {
		return fmt.Errorf("--test-size %d: must be ≥ 0 (0: the whole test set)", testSize)
	}
	if !set["seed"] {
		seed = p.Config.Seed
	}
	switch ood {
	case "auto", "none":
	default:
		return fmt.Errorf("--ood %q: want auto or none", ood)
	}
	oodSet, err := loadOOD(dataName, ood, oodDir, testSize, stderr)
	if err != nil {
		return err
	}
	test, err := train.LoadTestSet(dataName, dataDir, testSize)
	if err != nil {
		return dataError(err)
	}
	fmt.Fprintf(stderr, "blr eval: %s posterior of %s (%s, %d steps on %d examples of %s)\n",
		p.Config.Optimizer, train.ModelName(p.Config), path, p.Steps, p.DataSize, p.Config.Data)
	e, err := p.Evaluate(test, oodSet, samples, seed)
	if err != nil {
		return err
	}
	if jsonOut {
		return printJSON(stdout, train.NewEvalReport(e))
	}
	printEvaluation(stdout, e)
	return nil
}
