package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
)

// checkPNG fails unless path is a non-empty PNG file.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Fatalf("%s: not a PNG (%d bytes)", path, len(b))
	}
}

// TestPlotRun trains a tiny run and draws its figures; the ECEs it prints
// are those of metrics.json (the same predictives and draws).
func TestPlotRun(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip(err)
	}
	run := t.TempDir()
	mustRun(t, tiny("--out", run, "--test-samples", "3")...)
	out := filepath.Join(t.TempDir(), "figs")
	stdout := mustRun(t, "plot", "--run", run, "--out", out)
	for _, f := range []string{"reliability.png", "entropy.png", "curves.png"} {
		checkPNG(t, filepath.Join(out, f))
	}
	m := readMetrics(t, run)
	for _, k := range []string{"mean_weights", "posterior_average"} {
		want := m[k].(map[string]any)["ece"].(float64)
		if !strings.Contains(stdout, fmt.Sprintf("ECE %.4f", want)) {
			t.Errorf("%s ECE %.4f not in the output:\n%s", k, want, stdout)
		}
	}
	if !strings.Contains(stdout, "posterior average (S = 3)") {
		t.Errorf("the run's --test-samples 3 not used:\n%s", stdout)
	}

	// Point network only, and a run without metrics.json: no curves.
	if err := os.Remove(filepath.Join(run, train.MetricsFile)); err != nil {
		t.Fatal(err)
	}
	out2 := t.TempDir()
	code, stdout, stderr := runCLI(t, "plot", "--run", run, "--out", out2, "--test-samples", "0", "--ood", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "posterior average") || !strings.Contains(stderr, "no curves.png") {
		t.Errorf("want the point network only and a note on the curves:\n%s\n%s", stdout, stderr)
	}
	checkPNG(t, filepath.Join(out2, "entropy.png"))
	if _, err := os.Stat(filepath.Join(out2, "curves.png")); err == nil {
		t.Error("curves.png written without a history")
	}
}

// TestPlotErrors checks that bad flags give errors naming the flag.
func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot"}, "--run"},
		{[]string{"plot", "--run", dir, "--ood", "maybe"}, `--ood "maybe"`},
		{[]string{"plot", "--run", dir, "--test-samples", "-2"}, "--test-samples -2"},
		{[]string{"plot", "--run", dir, "--test-size", "-1"}, "--test-size -1"},
		{[]string{"plot", "--run", dir}, "--run " + dir},
		{[]string{"plot", "extra"}, `"extra"`},
		{[]string{"plot", "moons", "--steps", "0"}, "--steps 0"},
		{[]string{"plot", "moons", "--prior-precision", "-1"}, "--prior-precision -1"},
		{[]string{"plot", "moons", "--prior-precision", "1e308"}, "--prior-precision 1e+308: want a value in (0, 1e+12]"},
		{[]string{"plot", "moons", "--hess-init", "1e308"}, "--hess-init 1e+308: want a value in (0, 1e+12]"},
		{[]string{"plot", "moons", "--samples", "0"}, "--samples 0"},
		{[]string{"plot", "moons", "--grid", "5"}, "--grid 5"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("blr %s: exit %d, want an error naming %s; got %q", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
}

// TestCurvePanels checks the curves drawn from a history, and the notes.
func TestCurvePanels(t *testing.T) {
	if _, note := curvePanels(nil, "x"); note == "" {
		t.Error("no note without metrics.json")
	}
	if _, note := curvePanels(&train.Report{}, "x"); note == "" {
		t.Error("no note without a history")
	}
	acc, nll := 0.9, 0.3
	r := &train.Report{History: []train.EpochRecord{
		{Epoch: 1, TrainLoss: 0.5, TestAcc: &acc, TestNLL: &nll},
		{Epoch: 2, TrainLoss: 0.4},
	}}
	panels, note := curvePanels(r, "x")
	if note != "" || len(panels) != 2 || len(panels[0].Curves) != 2 || len(panels[0].Curves[0].X) != 2 || len(panels[1].Curves[0].X) != 1 {
		t.Fatalf("panels %+v, note %q", panels, note)
	}
}

// TestPlotMoonsNN draws a small moons figure and checks that IVON's
// posterior average is less confident than Adam's point estimate far from
// the data, and that both fit the training points (in half the default
// steps, to be quick).
func TestPlotMoonsNN(t *testing.T) {
	c := defaultMoonsNN
	c.N, c.Steps, c.Samples, c.Grid = 200, 3000, 16, 30
	fit, err := fitMoonsNN(c)
	if err != nil {
		t.Fatal(err)
	}
	if fit.adamAcc < 0.95 || fit.ivonAcc < 0.85 { // IVON fits more slowly: 0.98 with the defaults
		t.Errorf("training accuracy: adam %.3f, ivon %.3f", fit.adamAcc, fit.ivonAcc)
	}
	// Confidence |p − ½| over the grid's outer ring.
	nx, ny := len(fit.gx), len(fit.gy)
	conf := func(p []float64) float64 {
		var s float64
		var n int
		for r := range ny {
			for col := range nx {
				if r == 0 || r == ny-1 || col == 0 || col == nx-1 {
					s += math.Abs(p[r*nx+col] - 0.5)
					n++
				}
			}
		}
		return s / float64(n)
	}
	if a, b := conf(fit.adamP), conf(fit.ivon); !(b < a-0.05) {
		t.Errorf("far from the data: adam confidence %.3f, ivon %.3f; want ivon clearly below", a, b)
	}
	out := t.TempDir()
	mustRun(t, "plot", "moons", "--out", out, "--n", "40", "--steps", "50", "--samples", "2", "--grid", "20")
	checkPNG(t, filepath.Join(out, "moons_nn.png"))
}

// TestPlotMixtureBatchNorm: blr plot predicts a mixture with batch norm as
// blr train does, each component with its own running statistics: the
// ECEs it prints are those of metrics.json.
func TestPlotMixtureBatchNorm(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip(err)
	}
	run := t.TempDir()
	mustRun(t, tiny("--optimizer", "mixture", "--batchnorm", "--components", "3", "--test-samples", "4", "--ood", "none", "--out", run)...)
	stdout := mustRun(t, "plot", "--run", run, "--out", t.TempDir(), "--ood", "none")
	m := readMetrics(t, run)
	for _, k := range []string{"mean_weights", "posterior_average"} {
		want := m[k].(map[string]any)["ece"].(float64)
		if !strings.Contains(stdout, fmt.Sprintf("ECE %.4f", want)) {
			t.Errorf("%s ECE %.4f not in the output:\n%s", k, want, stdout)
		}
	}
}
