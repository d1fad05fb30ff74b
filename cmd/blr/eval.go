package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bayesrule/blr/train"
)

const evalUsage = `usage: blr eval --posterior FILE[,FILE...] [--data mnist|fashion-mnist] [--test-samples K]
                [--seed S] [--data-dir DIR] [--ood auto|none] [--json]

Evaluates a posterior saved by blr train (posterior.safetensors) on a test
set: accuracy, NLL (nats), ECE (10 bins), Brier score and the OOD AUROC of
the predictive entropy (and of the networks' mutual information, where the
predictive has several), for the point network and for the posterior average
over --test-samples networks. The point network and the samples follow the
posterior's family: the mean weights and θ = m + ε/√P (Gaussian); the mode
network sign λ and binary networks drawn from sigmoid(2λ) (binary); the
mean (1−p)·m and MC dropout, networks z⊙m on the network without dropout
layers (dropout); the component means and draws of the components, weighted
by π (mixture). --data, --test-samples and --seed default to the (first)
training run's, so that blr eval reproduces its metrics.json.

Several comma-separated files evaluate their equally weighted ensemble (for
example K runs of different seeds): the average of the members' point
predictives, and of their posterior averages.

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
	fs.StringVar(&path, "posterior", "", "the posterior `FILE` (posterior.safetensors of blr train); several, comma-separated, for their ensemble")
	fs.StringVar(&dataName, "data", "", "test `set`: mnist or fashion-mnist (default: the one the posterior was trained on)")
	fs.StringVar(&dataDir, "data-dir", "", "`DIR` holding the data set's IDX files")
	fs.IntVar(&samples, "test-samples", -1, "networks `S` in the posterior average; 0: the point network only (default: the training run's)")
	fs.Uint64Var(&seed, "seed", 0, "`seed` of the posterior samples (default: the training run's)")
	fs.StringVar(&ood, "ood", "auto", "out-of-distribution set: auto (the other image set, when installed) or none")
	fs.StringVar(&oodDir, "ood-dir", "", "`DIR` of the out-of-distribution set")
	fs.IntVar(&testSize, "test-size", 0, "use the first `N` test examples (0: all)")
	fs.BoolVar(&jsonOut, "json", false, "print the metrics as JSON")
	set, err := parseFlags(fs, evalUsage, args, "flags only; see blr eval --help")
	if err != nil {
		return err
	}
	if path == "" {
		return errors.New("--posterior FILE is required")
	}
	var ps []*train.Posterior
	for _, file := range strings.Split(path, ",") {
		if file = strings.TrimSpace(file); file == "" {
			return fmt.Errorf("--posterior %q: an empty file name in the list", path)
		}
		q, err := train.ReadPosterior(file)
		if err != nil {
			return pathFlag("--posterior", err)
		}
		if len(ps) > 0 && q.Config.Data != ps[0].Config.Data && !set["data"] {
			return fmt.Errorf("--posterior %s: trained on %s, the first posterior on %s (pass --data to evaluate them on one set)", file, q.Config.Data, ps[0].Config.Data)
		}
		ps = append(ps, q)
	}
	p := ps[0]
	if !set["data"] {
		dataName = p.Config.Data
	}
	if train.OODName(dataName) == "" {
		return fmt.Errorf("--data %q: unknown; want one of mnist, fashion-mnist", dataName)
	}
	samples, seed, err = runSampling(set, p.Config, samples, seed)
	if err != nil {
		return err
	}
	if testSize < 0 {
		return fmt.Errorf("--test-size %d: must be ≥ 0 (0: the whole test set)", testSize)
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
	test, err := loadTestSet(dataName, dataDir, testSize)
	if err != nil {
		return dataError(err)
	}
	for _, q := range ps {
		fmt.Fprintf(stderr, "blr eval: %s posterior (%s) of %s (%d steps on %d examples of %s, seed %d)\n",
			q.Config.Optimizer, q.Family, train.ModelName(q.Config), q.Steps, q.DataSize, q.Config.Data, q.Config.Seed)
	}
	family := p.Family
	if len(ps) > 1 {
		fmt.Fprintf(stderr, "blr eval: the ensemble of these %d posteriors, equally weighted\n", len(ps))
		family = "ensemble"
	}
	e, err := train.EvaluateEnsemble(ps, test, oodSet, samples, seed)
	if err != nil {
		return err
	}
	if jsonOut {
		return printJSON(stdout, train.NewEvalReport(e))
	}
	printEvaluation(stdout, e, family)
	return nil
}

// runSampling returns the number of networks of the posterior average and
// their seed: the --test-samples and --seed given, else those of the
// training run c (so that a saved posterior scores as its run did). A count
// outside [0, MaxSamples] is an error naming --test-samples.
func runSampling(set map[string]bool, c train.Config, samples int, seed uint64) (int, uint64, error) {
	if !set["test-samples"] {
		samples = c.TestSamples
	}
	if samples < 0 || samples > train.MaxSamples {
		return 0, 0, fmt.Errorf("--test-samples %d: must lie in [0, %d] (0: the point network only)", samples, train.MaxSamples)
	}
	if !set["seed"] {
		seed = c.Seed
	}
	return samples, seed, nil
}
