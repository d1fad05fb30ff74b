package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/fit"
)

// writeFiles writes name → contents into a temporary directory and returns
// the paths.
func writeFiles(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// The small table of the contract check.
var fitFiles = map[string]string{
	"x.txt": "0 1\n1 0\n1 1\n0 0\n2 1\n1 2\n",
	"y.txt": "0\n1\n1\n0\n1\n1\n",
}

func labeledCSV() string {
	var b strings.Builder
	b.WriteString("a,b,label\n")
	rows := [][3]float64{{0.1, 1, 2}, {1.2, 0.3, 4}, {0.9, 1.1, 4}, {-0.2, 0.4, 2}, {2.1, 0.9, 4}, {1.0, 2.2, 4}, {-1.0, 0.1, 2}, {0.3, -0.5, 2}, {1.7, 1.4, 4}, {-0.6, 0.8, 2}}
	for _, r := range rows {
		b.WriteString(strings.Join([]string{ftoa(r[0]), ftoa(r[1]), ftoa(r[2])}, ","))
		b.WriteByte('\n')
	}
	return b.String()
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func sklearnCSV() string {
	return "9,2,zero,one,two\n" +
		"0.1,1.0,0\n0.2,0.9,0\n0.0,1.2,0\n1.0,0.1,1\n1.1,0.0,1\n0.9,0.2,1\n1.0,1.0,2\n1.1,0.9,2\n0.8,1.1,2\n"
}

func runFitCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"fit"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// TestFitJSONContract: --json prints exactly one JSON object on stdout with
// test_nll, mean, method and the classification metrics.
func TestFitJSONContract(t *testing.T) {
	f := writeFiles(t, map[string]string{"x.txt": fitFiles["x.txt"], "y.txt": fitFiles["y.txt"]})
	for _, method := range []string{"map", "laplace", "vi", "vi-diag", "vogn", "ivon"} {
		code, out, errs := runFitCLI(t, "--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"], "--test-y", f["y.txt"],
			"--model", "logistic", "--method", method, "--prior-precision", "1", "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", method, code, errs)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%s: stdout is not JSON: %v\n%s", method, err, out)
		}
		if dec.More() {
			t.Errorf("%s: more than one JSON value on stdout", method)
		}
		for _, k := range []string{"test_nll", "test_acc", "test_ece", "test_brier", "mean", "method"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no %q in %s", method, k, out)
			}
		}
		if mean, _ := m["mean"].([]any); len(mean) != 3 {
			t.Errorf("%s: mean %v: want 3 entries (2 weights, intercept last)", method, m["mean"])
		}
		if m["method"] != method {
			t.Errorf("method %v, want %s", m["method"], method)
		}
	}
}

// TestFitRegressionJSON: regression prints test_rmse and test_loglik.
func TestFitRegressionJSON(t *testing.T) {
	f := writeFiles(t, map[string]string{"x.txt": "1\n2\n3\n4\n5\n6\n7\n8\n", "y.txt": "1.1\n2.3\n2.8\n4.2\n5.1\n5.8\n7.2\n8.1\n"})
	for _, extra := range [][]string{nil, {"--noise-precision", "4"}} {
		args := append([]string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"], "--test-y", f["y.txt"], "--model", "linear", "--method", "vi", "--json"}, extra...)
		code, out, errs := runFitCLI(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"test_rmse", "test_loglik", "test_nll", "elbo", "mean"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%v: no %q", extra, k)
			}
		}
		if _, ok := m["test_acc"]; ok {
			t.Errorf("regression reports test_acc")
		}
	}
}

// TestFitDataAndOut: --data with a named label column, --standardize, a
// held-out split and --out, whose checkpoint reads back.
func TestFitDataAndOut(t *testing.T) {
	f := writeFiles(t, map[string]string{"d.csv": labeledCSV()})
	out := filepath.Join(t.TempDir(), "post.safetensors")
	code, stdout, errs := runFitCLI(t, "--data", f["d.csv"], "--label", "label", "--standardize", "--test-frac", "0.3", "--seed", "5", "--method", "laplace", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"accuracy", "log evidence", "posterior written"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	ck, err := checkpoint.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ck.Float64("mean", 3); err != nil {
		t.Error(err)
	}
	if _, err := ck.Float64("precision", 3, 3); err != nil {
		t.Error(err)
	}
	if _, err := ck.Float64("feature_scale", 2); err != nil {
		t.Error(err)
	}
	var hp map[string]any
	if err := ck.Meta.JSON(checkpoint.KeyHyperparameters, &hp); err != nil {
		t.Fatal(err)
	}
	if hp["model"] != "logistic" || hp["class_values"] == nil {
		t.Errorf("hyperparameters %v", hp)
	}
}

// TestFitSklearnCompare: a file in scikit-learn's layout is recognised and
// --compare prints one row per method.
func TestFitSklearnCompare(t *testing.T) {
	f := writeFiles(t, map[string]string{"s.csv": sklearnCSV()})
	code, out, errs := runFitCLI(t, "--data", f["s.csv"], "--model", "multinomial", "--test-frac", "0.34", "--compare", "--epochs", "10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "scikit-learn") {
		t.Errorf("no note about the layout: %s", errs)
	}
	for _, m := range []string{"map", "laplace", "vi", "vi-diag", "vogn", "ivon", "ELBO", "ECE"} {
		if !strings.Contains(out, m) {
			t.Errorf("table lacks %q:\n%s", m, out)
		}
	}
	code, out, _ = runFitCLI(t, "--data", f["s.csv"], "--model", "multinomial", "--test-frac", "0.34", "--compare", "--epochs", "10", "--json")
	var m map[string][]map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || len(m["compare"]) != 6 {
		t.Errorf("--compare --json: exit %d, %s", code, out)
	}
}

// TestFitDeterministic: the same command twice prints the same bytes.
func TestFitDeterministic(t *testing.T) {
	f := writeFiles(t, map[string]string{"d.csv": labeledCSV()})
	for _, method := range []string{"vi", "ivon"} {
		args := []string{"--data", f["d.csv"], "--test-frac", "0.3", "--seed", "7", "--method", method, "--predictive", "sample", "--json"}
		_, a, _ := runFitCLI(t, args...)
		_, b, _ := runFitCLI(t, args...)
		if a != b || a == "" {
			t.Errorf("%s: two runs differ:\n%s\n%s", method, a, b)
		}
	}
}

// TestFitBadInput: clear errors, exit status 1 or 2, no panic.
func TestFitBadInput(t *testing.T) {
	f := writeFiles(t, map[string]string{
		"x.txt":    fitFiles["x.txt"],
		"y.txt":    fitFiles["y.txt"],
		"y3.txt":   "0\n1\n2\n0\n1\n1\n",
		"ybad.txt": "0\n1\n1\n",
		"xnan.txt": "0 1\n1 zero\n1 1\n0 0\n2 1\n1 2\n",
		"x3.txt":   "0 1 1\n1 0 1\n",
		"y2.txt":   "0\n1\n",
		"ynew.txt": "0\n5\n1\n0\n1\n1\n",
		"y1.txt":   "0\n0\n0\n0\n0\n0\n",
		// scikit-learn's line of counts with a wrong n_features.
		"sk.csv": "6,3,a,b\n0.1,0.2,0\n0.3,-0.1,1\n-0.2,0.5,0\n0.7,0.1,1\n0.2,0.2,0\n0.9,0.4,1\n",
		// 1000 rows of one feature and three classes.
		"rows.csv": "x,y\n" + strings.Repeat("0.1,0\n0.5,1\n0.9,2\n0.3,0\n0.7,1\n", 200),
	})
	xy := []string{"--x", f["x.txt"], "--y", f["y.txt"]}
	with := func(args ...string) []string { return append(append([]string(nil), xy...), args...) }
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no data", nil, "need the training data"},
		{"missing file", []string{"--x", "/nonexistent/x", "--y", f["y.txt"]}, "nonexistent"},
		{"unknown model", with("--model", "svm"), `--model "svm": unknown`},
		{"unknown method", with("--method", "mcmc"), `--method "mcmc": unknown`},
		{"zero prior", with("--prior-precision", "0"), "--prior-precision 0: "},
		{"three labels for logistic", []string{"--x", f["x.txt"], "--y", f["y3.txt"]}, "labels take 3 values (0, 1, 2): --model logistic needs exactly two"},
		{"one label for multinomial", []string{"--x", f["x.txt"], "--y", f["y1.txt"], "--model", "multinomial"}, "--classes K"},
		{"sklearn counts that do not fit", []string{"--data", f["sk.csv"]}, "sk.csv:1: "},
		// Limits, refused before any allocation or loop of their size.
		{"classes 99999999999", with("--model", "multinomial", "--classes", "99999999999"), "--classes 99999999999: "},
		{"classes 1000000000", with("--model", "multinomial", "--classes", "1000000000"), "--classes 1000000000: "},
		{"classes 1000000", with("--model", "multinomial", "--classes", "1000000"), "--classes 1000000: "},
		{"classes × columns", with("--model", "multinomial", "--classes", "2000"), "--classes 2000: 2000 classes × 3 coefficients"},
		{"classes × rows", []string{"--data", f["rows.csv"], "--model", "multinomial", "--classes", "500"}, "--classes 500: 800 rows × 500² classes"},
		{"mlp classes", with("--model", "mlp", "--classes", "99999999999"), "--classes 99999999999: "},
		{"mlp weights", with("--model", "mlp", "--classes", "4000", "--hidden", "65536"), "--hidden 65536: the MLP would have"},
		{"hidden 99999999999", with("--model", "mlp", "--hidden", "99999999999"), "--hidden 99999999999: "},
		{"test samples", with("--model", "multinomial", "--test-samples", "999999999999"), "--test-samples 999999999999: "},
		{"train samples", with("--model", "multinomial", "--train-samples", "5000"), "--train-samples 5000: "},
		{"epochs", with("--method", "ivon", "--epochs", "99999999999"), "--epochs 99999999999: "},
		{"max iter", with("--max-iter", "99999999999"), "--max-iter 99999999999: "},
		{"batch size", with("--method", "ivon", "--batch-size", "99999999999"), "--batch-size 99999999999: "},
		{"noise precision 1e308", with("--model", "linear", "--noise-precision", "1e308"), "--noise-precision 1e+308: "},
		{"prior precision 1e13", with("--prior-precision", "1e13"), "--prior-precision 1e+13: "},
		{"intercept precision Inf", with("--intercept-precision", "Inf"), "--intercept-precision +Inf: "},
		{"tol", with("--tol", "2"), "--tol 2: "},
		// Flags the model would ignore.
		{"classes for logistic", with("--classes", "5"), "--classes 5: "},
		{"classes for linear", with("--model", "linear", "--classes", "3"), "--classes 3: "},
		{"classes for the regression mlp", with("--model", "mlp", "--regression", "--classes", "3"), "--classes 3: "},
		{"intercept precision without intercept", with("--no-intercept", "--intercept-precision", "3"), "--intercept-precision 3: "},
		{"hidden for logistic", with("--hidden", "8"), "--hidden 8: "},
		{"noise precision for logistic", with("--noise-precision", "2"), "--noise-precision 2: "},
		{"regression for linear", with("--model", "linear", "--regression"), "--regression: "},
		{"no intercept for the mlp", with("--model", "mlp", "--no-intercept"), "--no-intercept: "},
		{"label count", []string{"--x", f["x.txt"], "--y", f["ybad.txt"]}, "rows"},
		{"non-numeric cell", []string{"--x", f["xnan.txt"], "--y", f["y.txt"]}, "zero"},
		{"test columns", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x3.txt"], "--test-y", f["y2.txt"]}, "feature columns"},
		{"unseen test label", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"], "--test-y", f["ynew.txt"]}, "not one of the training labels"},
		{"test-frac 1.5", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-frac", "1.5"}, "test-frac"},
		{"half a test set", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"]}, "both"},
		{"both inputs", []string{"--data", f["x.txt"], "--x", f["x.txt"], "--y", f["y.txt"]}, "either"},
		{"compare with method", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--compare", "--method", "vi"}, "--compare"},
		{"mlp too large for full vi", with("--model", "mlp", "--method", "vi", "--hidden", "2000"), "--hidden 2000: full-Gaussian VI"},
		{"stray argument", []string{"--x", f["x.txt"], "--y", f["y.txt"], "extra"}, "unexpected argument"},
		{"bad flag value", []string{"--prior-precision", "abc"}, "invalid value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			code, _, errs := runFitCLI(t, c.args...)
			if code == 0 {
				t.Fatalf("exit 0; stderr %s", errs)
			}
			if !strings.Contains(errs, c.want) {
				t.Errorf("stderr %q lacks %q", errs, c.want)
			}
			// The command line names flags, not the library's Go names.
			for _, goName := range []string{"Classes", "Precision", "Samples", "MaxIter", "Epochs", "BatchSize", "Hidden", "Regression", "NoIntercept",
				"ModelLinear", "ClassLabels", "ReadSklearnCSV", "SkipRows", "MaxMLPFullParams", "MaxParams"} {
				if strings.Contains(errs, goName) {
					t.Errorf("stderr %q names the Go name %q", errs, goName)
				}
			}
		})
	}
}

// TestFitFlagError: fitFlagError names the flag of a *fit.OptionError's
// field, leaves fields without a flag and other errors alone.
func TestFitFlagError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fit.OptionError{Field: "PriorPrecision", Value: 0.0, Reason: "r"}, "--prior-precision 0: r"},
		{&fit.OptionError{Field: "Method", Value: `"foo"`, Reason: "r"}, `--method "foo": r`},
		{&fit.OptionError{Field: "Classes", Value: -1, Reason: "r"}, "--classes -1: r"},
		{fmt.Errorf("wrapped: %w", &fit.OptionError{Field: "Epochs", Value: 7, Reason: "r"}), "--epochs 7: r"},
		{&fit.OptionError{Field: "Regression", Value: true, Reason: "r"}, "--regression: r"},
		{&fit.OptionError{Field: "NoisePriorPrecision", Value: -1.0, Reason: "r"}, "fit: NoisePriorPrecision = -1: r"},
		{errors.New("other"), "other"},
	} {
		if got := fitFlagError(tc.err).Error(); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.err, got, tc.want)
		}
	}
	// Every field of fit.Options named in the map exists.
	typ := reflect.TypeOf(fit.Options{})
	for field := range fitOptionFlags {
		if _, ok := typ.FieldByName(field); !ok {
			t.Errorf("fitOptionFlags names %q, which fit.Options lacks", field)
		}
	}
}

// TestFitInterceptPrecisionOut: the checkpoint records the intercept's prior
// precision only when there is an intercept.
func TestFitInterceptPrecisionOut(t *testing.T) {
	f := writeFiles(t, map[string]string{"x.txt": fitFiles["x.txt"], "y.txt": fitFiles["y.txt"]})
	for _, noIntercept := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "post.safetensors")
		args := []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"], "--test-y", f["y.txt"], "--method", "map", "--prior-precision", "2", "--out", out}
		if noIntercept {
			args = append(args, "--no-intercept")
		}
		if code, _, errs := runFitCLI(t, args...); code != 0 {
			t.Fatalf("no intercept %v: exit %d: %s", noIntercept, code, errs)
		}
		ck, err := checkpoint.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var hp map[string]any
		if err := ck.Meta.JSON(checkpoint.KeyHyperparameters, &hp); err != nil {
			t.Fatal(err)
		}
		v, ok := hp["intercept_precision"]
		if noIntercept && ok {
			t.Errorf("no intercept: intercept_precision = %v recorded", v)
		}
		if !noIntercept && v != 2.0 {
			t.Errorf("intercept: intercept_precision = %v, want 2 (the prior precision)", v)
		}
	}
}

// TestFitMLP: the MLP runs from the command line, as a classifier and as a
// regression network.
func TestFitMLP(t *testing.T) {
	f := writeFiles(t, map[string]string{"d.csv": labeledCSV(), "x.txt": "1\n2\n3\n4\n5\n6\n7\n8\n", "y.txt": "1.1\n2.3\n2.8\n4.2\n5.1\n5.8\n7.2\n8.1\n"})
	code, out, errs := runFitCLI(t, "--data", f["d.csv"], "--model", "mlp", "--hidden", "4", "--epochs", "5", "--test-frac", "0.3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m["method"] != "vi-diag" || m["test_acc"] == nil || m["elbo_stderr"] == nil {
		t.Errorf("mlp classifier: %s", out)
	}
	code, out, errs = runFitCLI(t, "--x", f["x.txt"], "--y", f["y.txt"], "--model", "mlp", "--regression", "--method", "ivon", "--hidden", "4", "--epochs", "5", "--test-frac", "0.25")
	if code != 0 || !strings.Contains(out, "RMSE") {
		t.Errorf("mlp regression: exit %d: %s %s", code, out, errs)
	}
}

// TestFitDivergedNamesFlags: a fit whose steps diverge says which flags to
// look at.
func TestFitDivergedNamesFlags(t *testing.T) {
	err := fitError(fmt.Errorf("fit: ivon step 3: %w", &blr.NonFiniteError{Field: "mean", Value: math.Inf(1)}))
	if !errors.Is(err, blr.ErrNonFinite) || !strings.Contains(err.Error(), "a smaller --lr") {
		t.Fatalf("err = %v", err)
	}
}
