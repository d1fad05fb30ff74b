package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bayesrule/blr/checkpoint"
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
	})
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no data", nil, "need the training data"},
		{"missing file", []string{"--x", "/nonexistent/x", "--y", f["y.txt"]}, "nonexistent"},
		{"unknown model", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--model", "svm"}, "Model"},
		{"unknown method", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--method", "mcmc"}, "Method"},
		{"zero prior", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--prior-precision", "0"}, "PriorPrecision"},
		{"three labels for logistic", []string{"--x", f["x.txt"], "--y", f["y3.txt"]}, "labels"},
		{"label count", []string{"--x", f["x.txt"], "--y", f["ybad.txt"]}, "rows"},
		{"non-numeric cell", []string{"--x", f["xnan.txt"], "--y", f["y.txt"]}, "zero"},
		{"test columns", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x3.txt"], "--test-y", f["y2.txt"]}, "feature columns"},
		{"unseen test label", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"], "--test-y", f["ynew.txt"]}, "not one of the training labels"},
		{"test-frac 1.5", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-frac", "1.5"}, "test-frac"},
		{"half a test set", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--test-x", f["x.txt"]}, "both"},
		{"both inputs", []string{"--data", f["x.txt"], "--x", f["x.txt"], "--y", f["y.txt"]}, "either"},
		{"compare with method", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--compare", "--method", "vi"}, "--compare"},
		{"mlp too large for full vi", []string{"--x", f["x.txt"], "--y", f["y.txt"], "--model", "mlp", "--method", "vi", "--hidden", "2000"}, "MaxMLPFullParams"},
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
		})
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
