package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/fit"
	"gonum.org/v1/gonum/mat"
)

func init() {
	commands["fit"] = command{"fit a Bayesian GLM on a table (map, laplace, vi, vi-diag, vogn, ivon) or --compare them", runFit}
}

const fitUsage = `usage: blr fit (--x FILE --y FILE | --data FILE [--label NAME|INDEX])
               [--test-x FILE --test-y FILE | --test-frac F] [--seed S]
               [--model logistic|multinomial|linear|mlp]
               [--method map|laplace|vi|vi-diag|vogn|ivon | --compare]
               [--prior-precision D] [--no-intercept] [--standardize]
               [--out FILE] [--json] [more flags below]

Fits the model to the training table and prints the test metrics
(classification: accuracy, NLL, ECE, Brier; regression: RMSE and the mean
log predictive density), the ELBO or the log evidence where the method has
one, and writes the posterior (a safetensors file) to --out.

Tables are comma- or whitespace-separated numbers, with or without a header
line; --data also reads LIBSVM files and scikit-learn's bundled CSVs (whose
first line is "n_samples,n_features,class names…"). Without a test table,
--test-frac of the rows (default 0.2), drawn with --seed, are held out.
Labels: logistic takes any two values (the larger is class 1), multinomial
any set of values (sorted, they become classes 0…K−1).

The prior is N(0, δ⁻¹) on every weight, δ = --prior-precision on the
sum-of-losses scale; the intercept (the last coefficient; of each class
block for multinomial) gets δ too unless --intercept-precision says
otherwise. Linear regression learns the noise precision τ (prior
N(0, 100) on log τ, which follows the intercept in the mean) unless
--noise-precision gives it.

Methods: map (Newton: the delta-method full-Gaussian rule, ρ = 1), laplace
(the Gaussian at the MAP with the Hessian as precision), vi (full-Gaussian
VI: the rule with exact Gaussian expectations and the iBLR update), vi-diag
(the same, mean field), vogn and ivon (the diagonal deep-learning engines
on minibatches). For mlp, vi is full-Gaussian VI over all the network's
weights by Monte Carlo with the Gauss–Newton matrix (at most 3000 weights;
slow for large networks), and the default method is vi-diag. Predictive:
binary logistic integrates the sigmoid over the Gaussian score exactly by
quadrature (default); multinomial averages
--test-samples Monte Carlo draws of the scores (default) or uses the
multiclass probit approximation.

--json prints one JSON object on stdout (notes go to stderr):
test_acc, test_nll, test_ece, test_brier or test_rmse, test_loglik,
test_nll; mean; method; elbo and log_evidence where they apply.

flags:
`

// fitFlags are the parsed flags of blr fit.
type fitFlags struct {
	x, y, testX, testY, dataFile, label string
	testFrac                            float64
	seed                                uint64
	model, method, predictive           string
	prior, interceptPrior, noise        float64
	noIntercept, standardize            bool
	classes                             int
	trainSamples, testSamples           int
	maxIter, epochs, batch              int
	tol, lr                             float64
	out                                 string
	json, compare, regression           bool
	hidden                              int
	set                                 map[string]bool
}

func parseFitFlags(args []string, stderr io.Writer) (*fitFlags, error) {
	fs := newFlags("fit", stderr)
	f := &fitFlags{}
	fs.StringVar(&f.x, "x", "", "training features `FILE`")
	fs.StringVar(&f.y, "y", "", "training labels or targets `FILE` (one column)")
	fs.StringVar(&f.testX, "test-x", "", "test features `FILE`")
	fs.StringVar(&f.testY, "test-y", "", "test labels or targets `FILE`")
	fs.StringVar(&f.dataFile, "data", "", "one `FILE` with features and labels (table, LIBSVM or scikit-learn CSV)")
	fs.StringVar(&f.label, "label", "", "the label column of --data: a header `NAME`, an INDEX (0-based; negative from the end), first or last (default last)")
	fs.Float64Var(&f.testFrac, "test-frac", 0, "hold out this `FRACTION` of the rows as the test set (default 0.2 when no test files are given)")
	fs.Uint64Var(&f.seed, "seed", 1, "`SEED` of the split and of every random draw")
	fs.StringVar(&f.model, "model", "logistic", "`MODEL`: logistic, multinomial, linear or mlp")
	fs.StringVar(&f.method, "method", "vi", "`METHOD`: map, laplace, vi, vi-diag, vogn or ivon (mlp: default vi-diag)")
	fs.StringVar(&f.predictive, "predictive", "", "`P`: quadrature, probit or sample (default: quadrature for logistic, sample for multinomial)")
	fs.Float64Var(&f.prior, "prior-precision", 1, fmt.Sprintf("prior precision `D` of each weight, on the sum-of-losses scale (at most %g)", fit.MaxPrecision))
	fs.Float64Var(&f.interceptPrior, "intercept-precision", 0, fmt.Sprintf("prior precision `D0` of the intercept, at most %g (default: --prior-precision; not with --no-intercept)", fit.MaxPrecision))
	fs.Float64Var(&f.noise, "noise-precision", 0, fmt.Sprintf("linear model and mlp --regression: known noise precision `TAU`, at most %g (default: learnt, with a N(0, 100) prior on log τ; mlp 1)", fit.MaxPrecision))
	fs.BoolVar(&f.noIntercept, "no-intercept", false, "drop the intercept")
	fs.BoolVar(&f.standardize, "standardize", false, "standardise the features with the training split's mean and standard deviation")
	fs.IntVar(&f.classes, "classes", 0, fmt.Sprintf("multinomial and mlp classifier: number of classes `K`, 2 … %d; for multinomial also K × (features + intercept) ≤ %d parameters and rows × K² ≤ %d (default: from the labels)", fit.MaxClasses, fit.MaxParams, fit.MaxScoreEntries))
	fs.IntVar(&f.trainSamples, "train-samples", 0, fmt.Sprintf("Monte Carlo draws `S` per example where training expectations are sampled, at most %d (default 256)", fit.MaxSamples))
	fs.IntVar(&f.testSamples, "test-samples", 0, fmt.Sprintf("Monte Carlo draws `S` per test row of the sample predictive, at most %d (default 2000; mlp 200)", fit.MaxTestSamples))
	fs.IntVar(&f.maxIter, "max-iter", 0, fmt.Sprintf("iteration cap `N` of map, laplace (default 100), vi and vi-diag (default 10000), at most %d", fit.MaxIterations))
	fs.Float64Var(&f.tol, "tol", 0, "relative convergence tolerance `TOL` (default 1e-10)")
	fs.IntVar(&f.epochs, "epochs", 0, fmt.Sprintf("vogn, ivon and the mlp's methods: passes `N` over the data, at most %d (default 200)", fit.MaxEpochs))
	fs.IntVar(&f.batch, "batch-size", 0, fmt.Sprintf("vogn, ivon and the mlp's methods: minibatch size `B`, at most %d (default 32)", fit.MaxBatchSize))
	fs.Float64Var(&f.lr, "lr", 0, "vogn, ivon and the mlp's methods: mean step size `ALPHA` (default 0.1; mlp 0.01)")
	fs.IntVar(&f.hidden, "hidden", 0, fmt.Sprintf("mlp: width `H` of the hidden layer, at most %d, and the network at most %d weights (default 32)", fit.MaxHidden, fit.MaxMLPParams))
	fs.BoolVar(&f.regression, "regression", false, "mlp: a regression network (Gaussian noise of --noise-precision, default 1) instead of a classifier")
	fs.StringVar(&f.out, "out", "", "write the posterior to `FILE` (safetensors)")
	fs.BoolVar(&f.json, "json", false, "print only one JSON object on stdout")
	fs.BoolVar(&f.compare, "compare", false, "run every method on the same split and print one table")
	set, err := parseFlags(fs, fitUsage, args, "flags start with --")
	if err != nil {
		return nil, err
	}
	f.set = set
	return f, nil
}

// fitTable is a split of the data ready for fit.
type fitTable struct {
	xTrain, xTest *mat.Dense
	yTrain, yTest []float64
	classValues   []float64 // the label values of classes 0…K−1
	scaler        *data.Scaler
	features      []string
	source        string
}

func runFit(args []string, stdout, stderr io.Writer) error {
	f, err := parseFitFlags(args, stderr)
	if err != nil {
		return err
	}
	opt := fit.Options{
		Model:              fit.Model(f.model),
		Method:             fit.Method(f.method),
		PriorPrecision:     f.prior,
		InterceptPrecision: f.interceptPrior,
		NoIntercept:        f.noIntercept,
		NoisePrecision:     f.noise,
		Classes:            f.classes,
		Predictive:         fit.Predictive(f.predictive),
		TrainSamples:       f.trainSamples,
		TestSamples:        f.testSamples,
		Seed:               f.seed,
		MaxIter:            f.maxIter,
		Tol:                f.tol,
		Epochs:             f.epochs,
		BatchSize:          f.batch,
		LR:                 f.lr,
		Hidden:             f.hidden,
		Regression:         f.regression,
	}
	if err := checkFitFlags(f); err != nil {
		return err
	}
	if opt.Model == fit.ModelMLP && !f.set["method"] {
		opt.Method = fit.MethodVIDiag // full VI of a network is slow (D×D)
	}
	// Refuse bad options before any file is read.
	if err := opt.Validate(); err != nil {
		return fitFlagError(err)
	}
	tb, err := loadFitTable(f, opt.Model, stderr)
	if err != nil {
		return err
	}
	if f.compare {
		if f.set["method"] {
			return errors.New("--compare runs every method; drop --method")
		}
		rows := fit.Compare(tb.xTrain, tb.yTrain, tb.xTest, tb.yTest, opt, nil)
		return printCompare(rows, tb, f, stdout, stderr)
	}
	post, err := fit.Fit(tb.xTrain, tb.yTrain, opt)
	if err != nil {
		return fitError(err)
	}
	for _, n := range post.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	met, err := post.Evaluate(tb.xTest, tb.yTest)
	if err != nil {
		return err
	}
	if f.out != "" {
		if err := writePosterior(f.out, post, tb); err != nil {
			return err
		}
	}
	if f.json {
		return json.NewEncoder(stdout).Encode(resultJSON(post, met, tb))
	}
	printResult(stdout, post, met, tb)
	if f.out != "" {
		fmt.Fprintf(stdout, "posterior written to %s\n", f.out)
	}
	return nil
}

// fitOptionFlags names the flag of each fit.Options field that has one.
var fitOptionFlags = map[string]string{
	"Model":              "model",
	"Method":             "method",
	"PriorPrecision":     "prior-precision",
	"InterceptPrecision": "intercept-precision",
	"NoIntercept":        "no-intercept",
	"NoisePrecision":     "noise-precision",
	"Classes":            "classes",
	"Predictive":         "predictive",
	"TrainSamples":       "train-samples",
	"TestSamples":        "test-samples",
	"Seed":               "seed",
	"MaxIter":            "max-iter",
	"Tol":                "tol",
	"Epochs":             "epochs",
	"BatchSize":          "batch-size",
	"LR":                 "lr",
	"Hidden":             "hidden",
	"Regression":         "regression",
}

// fitError is fitFlagError, and for a fit whose steps diverged (a
// non-finite value) it adds the flags to look at.
func fitError(err error) error {
	if errors.Is(err, blr.ErrNonFinite) {
		return fmt.Errorf("%w (a smaller --lr usually helps, or a --prior-precision nearer the data's scale)", err)
	}
	return fitFlagError(err)
}

// fitFlagError rewrites a *fit.OptionError about a field that has a flag to
// name the flag: "--classes 99999999999: want …" (a boolean flag without its
// value: "--regression: …"). Other errors pass unchanged.
func fitFlagError(err error) error {
	var oe *fit.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	name, ok := fitOptionFlags[oe.Field]
	if !ok {
		return err
	}
	if _, isBool := oe.Value.(bool); isBool {
		return fmt.Errorf("--%s: %s", name, oe.Reason)
	}
	return fmt.Errorf("--%s %v: %s", name, oe.Value, oe.Reason)
}

// checkFitFlags catches flag combinations that make no sense before any file
// is read.
func checkFitFlags(f *fitFlags) error {
	if f.dataFile != "" && (f.x != "" || f.y != "") {
		return errors.New("give either --data or --x and --y, not both")
	}
	if f.dataFile == "" {
		if f.x == "" || f.y == "" {
			return errors.New("need the training data: --x FILE --y FILE, or --data FILE (see blr fit --help)")
		}
		if f.label != "" {
			return errors.New("--label goes with --data")
		}
	}
	if (f.testX == "") != (f.testY == "") {
		return errors.New("give both --test-x and --test-y, or neither")
	}
	if f.testX != "" && f.set["test-frac"] {
		return errors.New("give either test files or --test-frac, not both")
	}
	if f.set["test-frac"] && !(f.testFrac > 0 && f.testFrac < 1) {
		return fmt.Errorf("--test-frac %g: want a fraction in (0, 1)", f.testFrac)
	}
	// Flags the model would ignore (fit.Options.Validate refuses the
	// non-zero ones too; here a given 0 is refused as well).
	model := fit.Model(f.model)
	classifier := model == fit.ModelMultinomial || (model == fit.ModelMLP && !f.regression)
	switch {
	case !slices.Contains(fit.Models, model):
		// an unknown --model: Validate names it
	case f.set["classes"] && !classifier:
		return fmt.Errorf("--classes %d: applies to --model multinomial and the mlp classifier only", f.classes)
	case f.set["intercept-precision"] && f.noIntercept:
		return fmt.Errorf("--intercept-precision %g: there is no intercept with --no-intercept", f.interceptPrior)
	case f.set["hidden"] && model != fit.ModelMLP:
		return fmt.Errorf("--hidden %d: applies to --model mlp only", f.hidden)
	}
	return nil
}

// loadFitTable reads the training (and test) data, splits, codes the labels
// for the model and standardises.
func loadFitTable(f *fitFlags, model fit.Model, stderr io.Writer) (*fitTable, error) {
	var train, test *data.Labeled
	var err error
	if f.dataFile != "" {
		train, err = loadDataFile(f.dataFile, f.label, stderr)
	} else {
		train, err = data.LoadXY(f.x, f.y)
	}
	if err != nil {
		return nil, err
	}
	if f.testX != "" {
		if test, err = data.LoadXY(f.testX, f.testY); err != nil {
			return nil, err
		}
		if len(test.X) > 0 && len(train.X) > 0 && len(test.X[0]) != len(train.X[0]) {
			return nil, fmt.Errorf("%s has %d feature columns, %s has %d", f.testX, len(test.X[0]), train.Name, len(train.X[0]))
		}
	} else {
		frac := f.testFrac
		if frac == 0 {
			frac = 0.2
			fmt.Fprintf(stderr, "note: no test set given: holding out 20%% of the rows (seed %d)\n", f.seed)
		}
		if train, test, err = splitLabeled(train, frac, f.seed); err != nil {
			return nil, err
		}
	}
	tb := &fitTable{features: train.Features, source: train.Name}
	coding := model
	if model == fit.ModelMLP && !f.regression {
		coding = fit.ModelMultinomial // class indices
	}
	tb.yTrain, tb.yTest, tb.classValues, err = codeLabels(coding, train.Y, test.Y, f.classes)
	if err != nil {
		return nil, err
	}
	xTrain, xTest := train.X, test.X
	if f.standardize {
		var s data.Scaler
		if xTrain, xTest, s, err = data.Standardize(xTrain, xTest); err != nil {
			return nil, err
		}
		tb.scaler = &s
	}
	if tb.xTrain, err = dense(xTrain, "training features"); err != nil {
		return nil, err
	}
	if tb.xTest, err = dense(xTest, "test features"); err != nil {
		return nil, err
	}
	return tb, nil
}

// loadDataFile reads one labelled file: scikit-learn's CSV layout when its
// first line says so, otherwise LoadLabeled.
func loadDataFile(path, label string, stderr io.Writer) (*data.Labeled, error) {
	if isSklearnCSV(path) {
		if label != "" && label != "last" && label != "-1" {
			return nil, fmt.Errorf("%s is in scikit-learn's CSV layout, whose label is the last column; drop --label %s", path, label)
		}
		fmt.Fprintf(stderr, "note: reading %s in scikit-learn's CSV layout\n", path)
		return data.ReadSklearnCSVFile(path)
	}
	d, err := data.LoadLabeled(path, label)
	return d, sklearnHint(err)
}

// sklearnLibraryHint is the advice package data gives Go callers when a
// table's first line looks like scikit-learn's line of counts.
const sklearnLibraryHint = "use ReadSklearnCSV or SkipRows: 1"

// sklearnHint rewrites the Go advice in a *data.ParseError about
// scikit-learn's line of counts into what a user of blr fit can do.
func sklearnHint(err error) error {
	var pe *data.ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, sklearnLibraryHint) {
		return err
	}
	c := *pe
	c.Reason = strings.ReplaceAll(c.Reason, sklearnLibraryHint,
		"check that its second number, n_features, is the number of values on each row less one (--data then reads the file in that layout) or delete the line")
	return &c
}

// isSklearnCSV reports whether the first line of path is scikit-learn's
// "n_samples,n_features[,names…]" and the first data line has
// n_features+1 cells.
func isSklearnCSV(path string) bool {
	fh, err := os.Open(path)
	if err != nil {
		return false
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() {
		return false
	}
	head := strings.Split(strings.TrimSpace(sc.Text()), ",")
	if len(head) < 2 {
		return false
	}
	n, err1 := strconv.Atoi(head[0])
	p, err2 := strconv.Atoi(head[1])
	if err1 != nil || err2 != nil || n < 1 || p < 1 {
		return false
	}
	for k := 0; k < 2 && sc.Scan(); k++ {
		cells := strings.Split(strings.TrimSpace(sc.Text()), ",")
		if _, err := strconv.ParseFloat(strings.TrimSpace(cells[0]), 64); err != nil {
			continue // a header line of column names
		}
		return len(cells) == p+1
	}
	return false
}

// splitLabeled holds out round(frac·N) rows, chosen by a permutation drawn
// from seed, as the test set; both parts keep their original row order.
func splitLabeled(d *data.Labeled, frac float64, seed uint64) (*data.Labeled, *data.Labeled, error) {
	n := len(d.X)
	k := int(math.Round(frac * float64(n)))
	if k < 1 || k >= n {
		return nil, nil, fmt.Errorf("--test-frac %g of %d rows leaves %d test and %d training rows: need at least one of each", frac, n, k, n-k)
	}
	perm := rand.New(rand.NewPCG(seed, 0x5971)).Perm(n)
	isTest := make([]bool, n)
	for _, i := range perm[:k] {
		isTest[i] = true
	}
	train := &data.Labeled{Features: d.Features, Target: d.Target, Classes: d.Classes, Name: d.Name}
	test := &data.Labeled{Features: d.Features, Target: d.Target, Classes: d.Classes, Name: d.Name + " (held out)"}
	for i := range n {
		dst := train
		if isTest[i] {
			dst = test
		}
		dst.X = append(dst.X, d.X[i])
		dst.Y = append(dst.Y, d.Y[i])
	}
	return train, test, nil
}

// codeLabels maps the labels to what fit expects: 0/1 for logistic (the
// larger training value is 1), class indices for multinomial (the sorted
// training values), unchanged targets for regression. Test labels must be
// among the training values.
func codeLabels(model fit.Model, train, test []float64, classes int) (tr, te, values []float64, err error) {
	switch model {
	case fit.ModelLogistic:
		if _, vals := data.ClassLabels(train); len(vals) != 2 {
			hint := ""
			if len(vals) > 2 {
				hint = " (for more than two classes use --model multinomial)"
			}
			return nil, nil, nil, fmt.Errorf("the training labels take %s: --model logistic needs exactly two%s", labelValues(vals), hint)
		}
		tr, neg, pos, err := data.BinaryLabels(train)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("training labels for --model logistic: %w", err)
		}
		values = []float64{neg, pos}
		te, err = mapLabels(test, values)
		return tr, te, values, err
	case fit.ModelMultinomial:
		_, values = data.ClassLabels(train)
		if classes > 0 && len(values) > classes {
			return nil, nil, nil, fmt.Errorf("--classes %d, but the training labels take %d values", classes, len(values))
		}
		if classes == 0 && len(values) < 2 {
			return nil, nil, nil, fmt.Errorf("the training labels take %s: the model needs at least two classes (give their number with --classes K)", labelValues(values))
		}
		if tr, err = mapLabels(train, values); err != nil {
			return nil, nil, nil, err
		}
		te, err = mapLabels(test, values)
		return tr, te, values, err
	default:
		return train, test, nil, nil
	}
}

// labelValues describes the distinct label values: "one value (3)", "3
// values (0, 1, 2)", the first few of many.
func labelValues(vals []float64) string {
	if len(vals) == 0 {
		return "no values"
	}
	show := vals[:min(len(vals), 5)]
	s := make([]string, len(show))
	for i, v := range show {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	list := strings.Join(s, ", ")
	if len(vals) > len(show) {
		list += ", …"
	}
	if len(vals) == 1 {
		return "one value (" + list + ")"
	}
	return fmt.Sprintf("%d values (%s)", len(vals), list)
}

// mapLabels replaces every label by its index in values.
func mapLabels(y, values []float64) ([]float64, error) {
	out := make([]float64, len(y))
	for i, v := range y {
		k := sort.SearchFloat64s(values, v)
		if k == len(values) || values[k] != v {
			return nil, fmt.Errorf("test label y[%d] = %g is not one of the training labels %v", i, v, values)
		}
		out[i] = float64(k)
	}
	return out, nil
}

// dense copies rows into a matrix.
func dense(rows [][]float64, what string) (*mat.Dense, error) {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return nil, fmt.Errorf("the %s are empty", what)
	}
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			return nil, fmt.Errorf("the %s: row %d has %d columns, row 0 has %d", what, i, len(r), len(rows[0]))
		}
		m.SetRow(i, r)
	}
	return m, nil
}

// metricsJSON holds the test metrics that apply, for --json.
func metricsJSON(m fit.Metrics) map[string]any {
	out := map[string]any{"test_nll": m.NLL, "n_test": m.N}
	if m.Classification {
		out["test_acc"] = m.Accuracy
		out["test_ece"] = m.ECE
		out["test_brier"] = m.Brier
	} else {
		out["test_rmse"] = m.RMSE
		out["test_loglik"] = m.LogLik
	}
	return out
}

func resultJSON(post *fit.Posterior, met fit.Metrics, tb *fitTable) map[string]any {
	out := metricsJSON(met)
	out["method"] = string(post.Options.Method)
	out["model"] = string(post.Options.Model)
	out["mean"] = post.Mean
	out["iterations"] = post.Iterations
	out["converged"] = post.Converged
	out["n_train"], _ = tb.xTrain.Dims()
	if post.HasELBO {
		out["elbo"] = post.ELBO
		if post.ELBOStdErr > 0 {
			out["elbo_stderr"] = post.ELBOStdErr
		}
	}
	if post.HasLogEvidence {
		out["log_evidence"] = post.LogEvidence
	}
	if tb.classValues != nil {
		out["class_values"] = tb.classValues
	}
	return out
}

func printResult(w io.Writer, post *fit.Posterior, met fit.Metrics, tb *fitTable) {
	ntr, _ := tb.xTrain.Dims()
	layout := "intercept last"
	if post.Options.NoIntercept {
		layout = "no intercept"
	}
	if post.Options.Model == fit.ModelMLP {
		layout = "the network's weights and biases, layer by layer"
	}
	if post.Options.Model == fit.ModelLinear && post.Options.NoisePrecision == 0 {
		layout += ", then log τ"
		if post.Options.NoIntercept {
			layout = "log τ last"
		}
	}
	fmt.Fprintf(w, "model %s, method %s: %d training and %d test rows, %d parameters (%s)\n",
		post.Options.Model, post.Options.Method, ntr, met.N, len(post.Mean), layout)
	if met.Classification {
		fmt.Fprintf(w, "test: accuracy %.4f  NLL %.4f  ECE %.4f  Brier %.4f\n", met.Accuracy, met.NLL, met.ECE, met.Brier)
	} else {
		fmt.Fprintf(w, "test: RMSE %.4f  log-likelihood %.4f (mean per row)\n", met.RMSE, met.LogLik)
	}
	if post.HasELBO && post.ELBOStdErr > 0 {
		fmt.Fprintf(w, "ELBO %.4f ± %.4f (Monte Carlo)\n", post.ELBO, post.ELBOStdErr)
	} else if post.HasELBO {
		fmt.Fprintf(w, "ELBO %.6f\n", post.ELBO)
	}
	if post.HasLogEvidence {
		fmt.Fprintf(w, "log evidence (Laplace) %.6f\n", post.LogEvidence)
	}
	conv := "converged"
	if !post.Converged {
		conv = "NOT converged"
	}
	fmt.Fprintf(w, "%d iterations, %s\n", post.Iterations, conv)
	fmt.Fprintf(w, "posterior mean: %s\n", formatVec(post.Mean))
}

func formatVec(v []float64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(x, 'g', 6, 64))
	}
	b.WriteByte(']')
	return b.String()
}

func printCompare(rows []fit.CompareRow, tb *fitTable, f *fitFlags, stdout, stderr io.Writer) error {
	rows = slices.Clone(rows)
	for i := range rows {
		if rows[i].Err != nil {
			rows[i].Err = fitFlagError(rows[i].Err)
		}
	}
	for _, r := range rows {
		if r.Posterior != nil {
			for _, n := range r.Posterior.Notes {
				fmt.Fprintf(stderr, "note: %s: %s\n", r.Method, n)
			}
		}
	}
	if f.json {
		var out []map[string]any
		for _, r := range rows {
			if r.Err != nil {
				out = append(out, map[string]any{"method": string(r.Method), "error": r.Err.Error()})
				continue
			}
			m := resultJSON(r.Posterior, r.Metrics, tb)
			m["seconds"] = r.Seconds
			out = append(out, m)
		}
		return json.NewEncoder(stdout).Encode(map[string]any{"compare": out})
	}
	ntr, _ := tb.xTrain.Dims()
	nte, _ := tb.xTest.Dims()
	fmt.Fprintf(stdout, "%s: model %s, δ = %g, %d training and %d test rows (* = not converged)\n", tb.source, f.model, f.prior, ntr, nte)
	return fit.WriteCompareTable(stdout, rows)
}

// writePosterior saves the posterior as a safetensors checkpoint: the mean,
// the precision (full or diagonal), the scaler when the features were
// standardised, and the settings in the metadata.
func writePosterior(path string, post *fit.Posterior, tb *fitTable) error {
	d := len(post.Mean)
	ck := &checkpoint.File{Kind: checkpoint.KindPosterior, Meta: checkpoint.Meta{}}
	ck.Tensors = append(ck.Tensors, checkpoint.NewFloat64("mean", post.Mean, d))
	family := "full-gaussian"
	switch {
	case post.Precision != nil:
		s := make([]float64, 0, d*d)
		for i := range d {
			for j := range d {
				s = append(s, post.Precision.At(i, j))
			}
		}
		ck.Tensors = append(ck.Tensors, checkpoint.NewFloat64("precision", s, d, d))
	default:
		family = "diag-gaussian"
		ck.Tensors = append(ck.Tensors, checkpoint.NewFloat64("precision", post.PrecisionDiag, d))
	}
	if post.Options.Method == fit.MethodMAP {
		family = "point (precision: the Hessian at the MAP)"
	}
	if tb.scaler != nil {
		p := len(tb.scaler.Mean)
		ck.Tensors = append(ck.Tensors, checkpoint.NewFloat64("feature_mean", tb.scaler.Mean, p), checkpoint.NewFloat64("feature_scale", tb.scaler.Scale, p))
	}
	ck.Meta[checkpoint.KeyAlgorithm] = string(post.Options.Method)
	ck.Meta[checkpoint.KeyFamily] = family
	n, _ := tb.xTrain.Dims()
	ck.Meta.SetInt(checkpoint.KeyDataSize, int64(n))
	hp := map[string]any{
		"model":           string(post.Options.Model),
		"prior_precision": post.Options.PriorPrecision,
		"intercept":       !post.Options.NoIntercept,
		"features":        post.Features,
		"classes":         post.Classes,
		"seed":            post.Options.Seed,
		"converged":       post.Converged,
		"iterations":      post.Iterations,
	}
	if !post.Options.NoIntercept {
		hp["intercept_precision"] = post.Options.InterceptPrecision
	}
	if post.Options.Model == fit.ModelMLP {
		hp["hidden"] = post.Options.Hidden
		hp["regression"] = post.Options.Regression
	}
	if post.Options.Model == fit.ModelLinear || post.Options.Regression {
		hp["noise_precision"] = post.Options.NoisePrecision
		hp["noise_prior_precision"] = post.Options.NoisePriorPrecision
	}
	if tb.classValues != nil {
		hp["class_values"] = tb.classValues
	}
	if post.HasELBO {
		hp["elbo"] = post.ELBO
	}
	if post.HasLogEvidence {
		hp["log_evidence"] = post.LogEvidence
	}
	if err := ck.Meta.SetJSON(checkpoint.KeyHyperparameters, hp); err != nil {
		return err
	}
	return checkpoint.WriteFile(path, ck)
}
