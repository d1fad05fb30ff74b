package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
)

// tinyTrain are the flags of a quick run: 512 MNIST images, a 784-16-10 MLP,
// batches of 128, evaluated on 256 test images.
var tinyTrain = []string{"train", "--train-size", "512", "--test-size", "256", "--hidden", "16", "--batch", "128", "--seed", "3"}

// The tests run blr in this process many times on the same small sets:
// load each once.
func init() {
	type sets struct{ a, b *data.Set }
	var mu sync.Mutex
	cache := map[string]sets{}
	memo := func(key string, load func() (*data.Set, *data.Set, error)) (*data.Set, *data.Set, error) {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := cache[key]; ok {
			return s.a, s.b, nil
		}
		a, b, err := load()
		if err == nil {
			cache[key] = sets{a, b}
		}
		return a, b, err
	}
	ld, lt, lo := loadData, loadTestSet, loadOODSet
	loadData = func(cfg train.Config, dir string) (*data.Set, *data.Set, error) {
		return memo(fmt.Sprintf("data %+v %q", cfg, dir), func() (*data.Set, *data.Set, error) { return ld(cfg, dir) })
	}
	loadTestSet = func(name, dir string, size int) (*data.Set, error) {
		s, _, err := memo(fmt.Sprintf("test %q %q %d", name, dir, size), func() (*data.Set, *data.Set, error) {
			s, err := lt(name, dir, size)
			return s, nil, err
		})
		return s, err
	}
	loadOODSet = func(name, dir string, size int) (*data.Set, error) {
		s, _, err := memo(fmt.Sprintf("ood %q %q %d", name, dir, size), func() (*data.Set, *data.Set, error) {
			s, err := lo(name, dir, size)
			return s, nil, err
		})
		return s, err
	}
}

// runCLI runs blr with args and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("blr %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

func tiny(extra ...string) []string {
	return append(append([]string(nil), tinyTrain...), extra...)
}

func readMetrics(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	return m
}

// TestTrainMetricsJSON: blr train --out DIR writes metrics.json with the
// contract's keys, posterior.safetensors and state.safetensors, creating
// DIR.
func TestTrainMetricsJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "run")
	out := mustRun(t, tiny("--epochs", "1", "--out", dir)...)
	for _, want := range []string{"posterior average (S=10)", "mean weights", "accuracy", "NLL", "ECE", "Brier", "images/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	m := readMetrics(t, dir)
	for _, k := range []string{"test_acc", "test_nll", "test_ece", "test_brier", "train_seconds", "images_per_second"} {
		if _, ok := m[k].(float64); !ok {
			t.Errorf("metrics.json: %s = %v, want a number", k, m[k])
		}
	}
	if acc, _ := m["test_acc"].(float64); !(acc >= 0 && acc <= 1) {
		t.Errorf("test_acc %v is not a fraction", m["test_acc"])
	}
	v, ok := m["ood_auroc"]
	if !ok {
		t.Error("metrics.json lacks ood_auroc")
	} else if _, isNum := v.(float64); !isNum && v != nil {
		t.Errorf("ood_auroc = %v, want a number or null", v)
	}
	for _, f := range []string{"posterior.safetensors", "state.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestTrainOODNull: without the OOD set, ood_auroc is null.
func TestTrainOODNull(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, tiny("--epochs", "1", "--optimizer", "adam", "--ood", "none", "--out", dir)...)
	m := readMetrics(t, dir)
	if v, ok := m["ood_auroc"]; !ok || v != nil {
		t.Errorf("ood_auroc = %v (present %v), want null", v, ok)
	}
	if m["predictive"] != "mean-weights" || m["test_samples"] != 0.0 {
		t.Errorf("adam's default predictive: %v with %v samples", m["predictive"], m["test_samples"])
	}
}

// TestTrainBadFlags: bad input gives exit code 1 or 2 and a message that
// names the flag, never a panic.
func TestTrainBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--optimizer", "lbfgs"}, "--optimizer"},
		{[]string{"--data", "cifar10"}, "--data"},
		{[]string{"--model", "resnet"}, "--model"},
		{[]string{"--epochs", "0"}, "--epochs"},
		{[]string{"--epochs", "x"}, "-epochs"},
		{[]string{"--batch", "0"}, "--batch"},
		{[]string{"--batch", "-5"}, "--batch"},
		{[]string{"--hidden", "16,0"}, "--hidden"},
		{[]string{"--hidden", "a"}, "--hidden"},
		{[]string{"--hidden", "100000000,100000000"}, "--hidden"},
		{[]string{"--model", "lenet", "--hidden", "5"}, "--hidden"},
		{[]string{"--lr", "-1"}, "-lr"},
		{[]string{"--lr", "NaN"}, "-lr"},
		{[]string{"--lr", "Inf"}, "-lr"},
		{[]string{"--lr", "0"}, "--lr"},
		{[]string{"--beta1", "1"}, "--beta1"},
		{[]string{"--beta2", "2"}, "--beta2"},
		{[]string{"--hess-init", "0"}, "--hess-init"},
		{[]string{"--prior-precision", "abc"}, "-prior-precision"},
		{[]string{"--train-samples", "0"}, "--train-samples"},
		{[]string{"--optimizer", "adam", "--train-samples", "4"}, "--train-samples"},
		{[]string{"--test-samples", "-2"}, "--test-samples"},
		{[]string{"--stop-after-epoch", "5", "--epochs", "2"}, "--stop-after-epoch"},
		{[]string{"--stop-after-epoch", "-3"}, "--stop-after-epoch"},
		{[]string{"--validation", "1.5"}, "--validation"},
		{[]string{"--ood", "cifar"}, "--ood"},
		{[]string{"--frobnicate"}, "frobnicate"},
		{[]string{"extra"}, "extra"},
		{[]string{"--resume", "/nonexistent/run"}, "/nonexistent/run"},
		{[]string{"--components", "2"}, "--components"},
		{[]string{"--optimizer", "mixture", "--components", "100"}, "--components"},
		{[]string{"--dropout", "0.5"}, "--dropout"},
		{[]string{"--optimizer", "dropout", "--dropout", "1"}, "--dropout"},
		{[]string{"--optimizer", "dropout", "--hidden", "none"}, "--dropout"},
		{[]string{"--model", "lenet", "--hidden", "none", "--batchnorm"}, "--batchnorm"},
		{[]string{"--model", "lenet", "--hidden", "none", "--optimizer", "ste"}, "--model lenet: ste trains ±1 weights"},
		{[]string{"--model", "lenet", "--hidden", "none", "--optimizer", "bayesbinn"}, "--model lenet: bayesbinn trains ±1 weights"},
		{[]string{"--bayesbinn-eps", "-1"}, "-bayesbinn-eps"},
		{[]string{"--bayesbinn-eps", "NaN"}, "-bayesbinn-eps"},
		{[]string{"--bayesbinn-eps", "Inf"}, "-bayesbinn-eps"},
		{[]string{"--bayesbinn-eps", "tiny"}, "-bayesbinn-eps"},
		{[]string{"--bayesbinn-eps", "1e-10"}, "--bayesbinn-eps 1e-10"},
		{[]string{"--optimizer", "ste", "--bayesbinn-eps", "0"}, "--bayesbinn-eps 0"},
		{[]string{"--optimizer", "mixture", "--bayesbinn-eps", "1e-3"}, "--bayesbinn-eps 0.001"},
		{[]string{"--schedule", "step"}, "--schedule"},
		{[]string{"--clip-radius", "-1"}, "-clip-radius"},
		{[]string{"--clip-radius", "NaN"}, "-clip-radius"},
		{[]string{"--optimizer", "adam", "--clip-radius", "1"}, "--clip-radius 1"},
		{[]string{"--optimizer", "ogn", "--clip-radius", "1"}, "--clip-radius 1"},
		{[]string{"--optimizer", "bayesbinn", "--clip-radius", "1"}, "--clip-radius 1"},
		{[]string{"--optimizer", "dropout", "--clip-radius", "1"}, "--clip-radius 1"},
		{[]string{"--epoch-eval", "all"}, "--epoch-eval"},
		{[]string{"--temperature", "-1"}, "-temperature"},
		{[]string{"--optimizer", "ste", "--temperature", "0.5"}, "--temperature"},
		{[]string{"--optimizer", "ste", "--prior-precision", "1"}, "--prior-precision"},
		{[]string{"--optimizer", "bayesbinn", "--lr", "2"}, "--lr"},
		{[]string{"--optimizer", "dropout", "--beta1", "0.9"}, "--beta1"},
		{[]string{"--optimizer", "dropout", "--train-samples", "2"}, "--train-samples"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, tiny(tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("blr train %s: exit %d, stderr %q; want an error naming %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
		if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine") {
			t.Errorf("blr train %s panicked:\n%s", strings.Join(tc.args, " "), errs)
		}
	}
}

// TestTrainDataErrors: a missing data directory or file says what to do; a
// corrupt file is named.
func TestTrainDataErrors(t *testing.T) {
	code, _, errs := runCLI(t, tiny("--data-dir", filepath.Join(t.TempDir(), "none"), "--ood", "none")...)
	if code == 0 || !strings.Contains(errs, "--data-dir") || !strings.Contains(errs, "GoMNIST") {
		t.Errorf("missing directory: exit %d, %q", code, errs)
	}
	dir := t.TempDir()
	mnist, err := data.MNISTDir()
	if err != nil {
		t.Skip(err)
	}
	for _, f := range []string{data.TrainImagesFile, data.TrainLabelsFile, data.TestImagesFile} {
		b, err := os.ReadFile(filepath.Join(mnist, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errs = runCLI(t, tiny("--data-dir", dir, "--ood", "none")...)
	if code == 0 || !strings.Contains(errs, "t10k-labels") {
		t.Errorf("missing file: exit %d, %q", code, errs)
	}
	if err := os.WriteFile(filepath.Join(dir, data.TestLabelsFile), []byte("not an IDX file"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI(t, tiny("--data-dir", dir, "--ood", "none")...)
	if code == 0 || !strings.Contains(errs, "t10k-labels") || !strings.Contains(errs, "corrupt") {
		t.Errorf("corrupt file: exit %d, %q", code, errs)
	}
}

// withoutTimings drops the timing keys of metrics.json (and of its
// history's records).
func withoutTimings(m map[string]any) map[string]any {
	delete(m, "train_seconds")
	delete(m, "images_per_second")
	if h, ok := m["history"].([]any); ok {
		for _, r := range h {
			if r, ok := r.(map[string]any); ok {
				delete(r, "seconds")
			}
		}
	}
	return m
}

// TestTrainResume: a run stopped after epoch 1 of 2 and resumed (with --out
// the same directory, and with another one) ends with the bytes and metrics
// of the straight run; flags given again must agree.
func TestTrainResume(t *testing.T) {
	base := t.TempDir()
	straight, stopped, other := filepath.Join(base, "straight"), filepath.Join(base, "stopped"), filepath.Join(base, "other")
	run := tiny("--epochs", "2", "--optimizer", "vogn", "--test-samples", "2")
	mustRun(t, append(run, "--out", straight)...)
	mustRun(t, append(run, "--out", stopped, "--stop-after-epoch", "1")...)
	if _, err := os.Stat(filepath.Join(stopped, "metrics.json")); err == nil {
		t.Error("a stopped run wrote metrics.json")
	}
	code, _, errs := runCLI(t, "train", "--resume", stopped, "--epochs", "3")
	if code == 0 || !strings.Contains(errs, "--epochs 3") || !strings.Contains(errs, "2") {
		t.Errorf("resume with another --epochs: exit %d, %q", code, errs)
	}
	code, _, errs = runCLI(t, "train", "--resume", stopped, "--lr", "0.5")
	if code == 0 || !strings.Contains(errs, "--lr 0.5") {
		t.Errorf("resume with another --lr: exit %d, %q", code, errs)
	}
	mustRun(t, "train", "--resume", stopped, "--out", other, "--optimizer", "vogn", "--seed", "3")
	mustRun(t, "train", "--resume", stopped)
	want, err := os.ReadFile(filepath.Join(straight, "posterior.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	wantM := withoutTimings(readMetrics(t, straight))
	for _, dir := range []string{stopped, other} {
		got, err := os.ReadFile(filepath.Join(dir, "posterior.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: posterior.safetensors differs from the straight run's", dir)
		}
		if gotM := withoutTimings(readMetrics(t, dir)); !reflect.DeepEqual(gotM, wantM) {
			t.Errorf("%s: metrics differ:\n got %v\nwant %v", dir, gotM, wantM)
		}
	}
}

// TestEval: blr eval on a saved posterior reproduces the training run's
// metrics and takes --test-samples; bad input is refused.
func TestEval(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, tiny("--epochs", "1", "--test-samples", "3", "--out", dir)...)
	want := readMetrics(t, dir)
	post := filepath.Join(dir, "posterior.safetensors")
	out := mustRun(t, "eval", "--posterior", post, "--test-size", "256", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("blr eval --json: %v\n%s", err, out)
	}
	for _, k := range []string{"test_acc", "test_nll", "test_ece", "test_brier", "ood_auroc", "test_samples"} {
		if got[k] != want[k] {
			t.Errorf("%s: eval %v, train %v", k, got[k], want[k])
		}
	}
	out = mustRun(t, "eval", "--posterior", post, "--test-size", "256", "--test-samples", "0", "--ood", "none")
	if strings.Contains(out, "posterior average") || !strings.Contains(out, "mean weights") {
		t.Errorf("--test-samples 0 output:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "--posterior"},
		{[]string{"--posterior", filepath.Join(dir, "missing")}, "missing"},
		{[]string{"--posterior", filepath.Join(dir, "state.safetensors")}, "training-state"},
		{[]string{"--posterior", filepath.Join(dir, "metrics.json")}, "metrics.json"},
		{[]string{"--posterior", post, "--data", "cifar"}, "--data"},
		{[]string{"--posterior", post, "--test-samples", "-1"}, "--test-samples"},
		{[]string{"--posterior", post, "--ood", "x"}, "--ood"},
	} {
		code, _, errs := runCLI(t, append([]string{"eval"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("blr eval %s: exit %d, %q; want an error naming %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
	}
}

// TestHelperProcess is not a test: TestTrainKilled runs the test binary
// with BLR_HELPER_ARGS set to run blr in a child process it can kill.
func TestHelperProcess(t *testing.T) {
	args := os.Getenv("BLR_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process for TestTrainKilled")
	}
	os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

// TestTrainKilled: a `blr train --out DIR` killed (SIGKILL) at an arbitrary
// moment leaves a whole, resumable state in DIR, and resuming it ends with
// the straight run's posterior bytes.
func TestTrainKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs blr in child processes")
	}
	base := t.TempDir()
	args := tiny("--epochs", "30", "--optimizer", "ivon", "--test-samples", "1", "--ood", "none")
	straight := filepath.Join(base, "straight")
	mustRun(t, append(args, "--out", straight)...)
	want, err := os.ReadFile(filepath.Join(straight, "posterior.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for i, delay := range []time.Duration{0, 37 * time.Millisecond, 151 * time.Millisecond} {
		dir := filepath.Join(base, fmt.Sprint("killed", i))
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "BLR_HELPER_ARGS="+strings.Join(append(args, "--out", dir), "\x1f"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, "state.safetensors")); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		st, err := train.ReadState(dir)
		if err != nil {
			t.Fatalf("killed after %v: the state is not readable: %v", delay, err)
		}
		t.Logf("killed %v after the first checkpoint, at step %d of 120", delay, st.Step)
		mustRun(t, "train", "--resume", dir)
		got, err := os.ReadFile(filepath.Join(dir, "posterior.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("killed after %v and resumed: posterior differs from the straight run's", delay)
		}
	}
}

// TestTrainFamilies: every family trains through the CLI with the same
// outputs (metrics.json with the contract's keys, a history with one record
// per epoch, posterior.safetensors), and blr eval reproduces the run's
// metrics from the posterior file.
func TestTrainFamilies(t *testing.T) {
	cases := [][]string{
		{"--optimizer", "ste", "--ood", "none"},
		{"--optimizer", "binaryconnect", "--test-samples", "2", "--ood", "none"},
		{"--optimizer", "bayesbinn", "--batchnorm", "--lr", "0.01", "--temperature", "1", "--schedule", "cosine", "--test-samples", "3"},
		{"--optimizer", "dropout", "--dropout", "0.3", "--hidden", "16,8", "--test-samples", "3", "--ood", "none"},
		{"--optimizer", "mixture", "--components", "2", "--test-samples", "3", "--epoch-eval", "full"},
		{"--optimizer", "mixture", "--batchnorm", "--components", "3", "--test-samples", "4", "--ood", "none"},
		{"--optimizer", "ivon", "--batchnorm", "--test-samples", "2", "--epoch-eval", "none", "--ood", "none"},
	}
	for _, args := range cases {
		name := strings.Join(args[:2], " ")
		if slices.Contains(args, "--batchnorm") {
			name += " +batchnorm"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			mustRun(t, tiny(append(args, "--epochs", "2", "--out", dir)...)...)
			m := readMetrics(t, dir)
			for _, k := range []string{"test_acc", "test_nll", "test_ece", "test_brier", "train_seconds", "images_per_second"} {
				if _, ok := m[k].(float64); !ok {
					t.Errorf("metrics.json: %s = %v, want a number", k, m[k])
				}
			}
			if _, ok := m["ood_auroc"]; !ok {
				t.Error("metrics.json lacks ood_auroc")
			}
			hist, ok := m["history"].([]any)
			if !ok || len(hist) != 2 {
				t.Fatalf("history %v, want 2 records", m["history"])
			}
			last := hist[1].(map[string]any)
			_, hasAcc := last["test_acc"]
			_, hasEval := last["eval"]
			wantAcc := flagValue(args, "--epoch-eval") != "none"
			if last["epoch"] != 2.0 || hasAcc != wantAcc || hasEval != (flagValue(args, "--epoch-eval") == "full") {
				t.Errorf("last history record %v", last)
			}
			if wantAcc && last["test_acc"] != m["mean_weights"].(map[string]any)["acc"] {
				t.Errorf("epoch 2's test_acc %v, final point accuracy %v", last["test_acc"], m["mean_weights"])
			}
			eval := []string{"eval", "--posterior", filepath.Join(dir, "posterior.safetensors"), "--test-size", "256", "--json"}
			if flagValue(args, "--ood") == "none" {
				eval = append(eval, "--ood", "none")
			}
			out := mustRun(t, eval...)
			var got map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("blr eval --json: %v\n%s", err, out)
			}
			for _, k := range []string{"test_acc", "test_nll", "test_ece", "test_brier", "ood_auroc", "test_samples", "predictive"} {
				if got[k] != m[k] {
					t.Errorf("%s: eval %v, train %v", k, got[k], m[k])
				}
			}
		})
	}
}

// TestTrainResumeFamilies: the new optimizers stop and resume through the
// CLI to the straight run's bytes; their flags given again must agree.
func TestTrainResumeFamilies(t *testing.T) {
	for _, args := range [][]string{
		{"--optimizer", "bayesbinn", "--batchnorm", "--schedule", "cosine", "--lr", "0.01", "--test-samples", "2"},
		{"--optimizer", "mixture", "--components", "2", "--test-samples", "2"},
		{"--optimizer", "mixture", "--batchnorm", "--components", "3", "--schedule", "cosine", "--test-samples", "2"},
	} {
		t.Run(strings.Join(args[1:3], " "), func(t *testing.T) {
			base := t.TempDir()
			straight, stopped := filepath.Join(base, "straight"), filepath.Join(base, "stopped")
			run := tiny(append(args, "--epochs", "3", "--ood", "none")...)
			mustRun(t, append(run, "--out", straight)...)
			mustRun(t, append(run, "--out", stopped, "--stop-after-epoch", "1")...)
			for _, flag := range [][]string{{"--components", "4"}, {"--dropout", "0.5"}, {"--schedule", "constant"}, {"--temperature", "0.5"}} {
				if slices.Contains(args, flag[0]) || flag[0] == "--temperature" {
					code, _, errs := runCLI(t, "train", "--resume", stopped, flag[0], flag[1])
					if code == 0 || !strings.Contains(errs, flag[0]) {
						t.Errorf("resume with another %s: exit %d, %q", flag[0], code, errs)
					}
				}
			}
			mustRun(t, "train", "--resume", stopped, "--ood", "none")
			for _, f := range []string{"posterior.safetensors", "state.safetensors"} {
				want, err := os.ReadFile(filepath.Join(straight, f))
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(stopped, f))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the straight run's", f)
				}
			}
			if gotM, wantM := withoutTimings(readMetrics(t, stopped)), withoutTimings(readMetrics(t, straight)); !reflect.DeepEqual(gotM, wantM) {
				t.Errorf("metrics differ:\n got %v\nwant %v", gotM, wantM)
			}
		})
	}
}

// TestEvalEnsemble: blr eval with several posteriors evaluates their
// ensemble; a member of the ensemble alone gives its own metrics.
func TestEvalEnsemble(t *testing.T) {
	base := t.TempDir()
	var posts []string
	for _, seed := range []string{"3", "4"} {
		dir := filepath.Join(base, seed)
		mustRun(t, append(tiny("--epochs", "1", "--optimizer", "adam", "--ood", "none", "--out", dir), "--seed", seed)...)
		posts = append(posts, filepath.Join(dir, "posterior.safetensors"))
	}
	out := mustRun(t, "eval", "--posterior", strings.Join(posts, ","), "--test-size", "256", "--ood", "none")
	if !strings.Contains(out, "members' point networks") {
		t.Errorf("ensemble output:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--posterior", posts[0] + ","}, "--posterior"},
		{[]string{"--posterior", posts[0] + "," + filepath.Join(base, "missing")}, "missing"},
	} {
		code, _, errs := runCLI(t, append([]string{"eval"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("blr eval %s: exit %d, %q; want an error naming %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
	}
}

// flagValue returns the value that follows name in args ("" if absent).
func flagValue(args []string, name string) string {
	for i, a := range args[:max(len(args)-1, 0)] {
		if a == name {
			return args[i+1]
		}
	}
	return ""
}

// TestEpochEvalFailure: a per-epoch evaluation that cannot be done (sampling
// Adam's zero precision) is reported and dropped; the training goes on.
func TestEpochEvalFailure(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI(t, tiny("--epochs", "2", "--optimizer", "adam", "--test-samples", "2", "--epoch-eval", "full", "--ood", "none", "--out", dir)...)
	if !strings.Contains(errs, "going on without --epoch-eval") || !strings.Contains(errs, "epoch 2/2") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if st, err := train.ReadState(dir); err != nil || st.Step != 8 {
		t.Errorf("the run did not finish its steps: %v, %v", st, err)
	}
}

// TestTrainBayesBiNNEps: --bayesbinn-eps sets BayesBiNN's ε (0: the exact
// relaxed estimator), is stored with the run, and a resumed run checks it
// like the other settings.
func TestTrainBayesBiNNEps(t *testing.T) {
	f, err := parseTrainFlags([]string{"--optimizer", "bayesbinn", "--bayesbinn-eps", "0"}, io.Discard)
	if err != nil || f.cfg.BayesBiNNEps != blr.Off {
		t.Fatalf("--bayesbinn-eps 0: %v, ε %g; want blr.Off", err, f.cfg.BayesBiNNEps)
	}
	f, err = parseTrainFlags([]string{"--optimizer", "bayesbinn", "--bayesbinn-eps", "2.5e-6"}, io.Discard)
	if err != nil || f.cfg.BayesBiNNEps != 2.5e-6 {
		t.Fatalf("--bayesbinn-eps 2.5e-6: %v, ε %g", err, f.cfg.BayesBiNNEps)
	}
	if f, err = parseTrainFlags([]string{"--optimizer", "bayesbinn"}, io.Discard); err != nil || f.cfg.BayesBiNNEps != 0 {
		t.Fatalf("no --bayesbinn-eps: %v, ε %g; want 0 (the default)", err, f.cfg.BayesBiNNEps)
	}
	if !strings.Contains(trainUsage, "--bayesbinn-eps") {
		t.Error("the train help does not document --bayesbinn-eps")
	}
	base := t.TempDir()
	straight, stopped := filepath.Join(base, "straight"), filepath.Join(base, "stopped")
	run := tiny("--optimizer", "bayesbinn", "--temperature", "0.5", "--bayesbinn-eps", "0", "--test-samples", "2", "--epochs", "2", "--ood", "none")
	mustRun(t, append(run, "--out", straight)...)
	mustRun(t, append(run, "--out", stopped, "--stop-after-epoch", "1")...)
	st, err := train.ReadState(stopped)
	if err != nil {
		t.Fatal(err)
	}
	if st.Config.BayesBiNNEps != blr.Off {
		t.Errorf("stored ε %g, want blr.Off (an explicit 0)", st.Config.BayesBiNNEps)
	}
	for _, v := range []string{"1e-10", "0.001"} {
		code, _, errs := runCLI(t, "train", "--resume", stopped, "--bayesbinn-eps", v)
		if code == 0 || !strings.Contains(errs, "--bayesbinn-eps "+v) || !strings.Contains(errs, "resumed run's 0") {
			t.Errorf("resume with --bayesbinn-eps %s: exit %d, %q", v, code, errs)
		}
	}
	mustRun(t, "train", "--resume", stopped, "--bayesbinn-eps", "0", "--ood", "none")
	for _, name := range []string{"posterior.safetensors", "state.safetensors"} {
		want, err := os.ReadFile(filepath.Join(straight, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(stopped, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the straight run's", name)
		}
	}
	// A run with the default ε: --bayesbinn-eps 0 on resume is refused.
	def := filepath.Join(base, "default")
	mustRun(t, tiny("--optimizer", "bayesbinn", "--epochs", "2", "--stop-after-epoch", "1", "--ood", "none", "--out", def)...)
	code, _, errs := runCLI(t, "train", "--resume", def, "--bayesbinn-eps", "0")
	if code == 0 || !strings.Contains(errs, "--bayesbinn-eps 0 does not match the resumed run's default") {
		t.Errorf("resume of a default-ε run with --bayesbinn-eps 0: exit %d, %q", code, errs)
	}
}

// TestBinaryBatchNormDefault: the binary optimizers train the MLP with batch
// norm unless --batchnorm=false says otherwise (their ±1 weights learn
// nothing without it), the others without, and the settings line shows
// STE's step η as given, not the engine's η/N.
func TestBinaryBatchNormDefault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		bn   bool
		line string
	}{
		{[]string{"--optimizer", "ste"}, true, "ste --lr 300 --schedule"},
		{[]string{"--optimizer", "ste", "--lr", "7"}, true, "ste --lr 7 --schedule"},
		{[]string{"--optimizer", "binaryconnect", "--batchnorm=false"}, false, "binaryconnect --lr 0.001 --schedule"},
		{[]string{"--optimizer", "bayesbinn"}, true, "bayesbinn --lr 0.0001"},
		{[]string{"--optimizer", "adam"}, false, "adam --lr 0.001"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			code, _, errs := runCLI(t, tiny(append(tc.args, "--test-samples", "0", "--ood", "none", "--epoch-eval", "none", "--out", dir)...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			if !strings.Contains(errs, tc.line) {
				t.Errorf("settings line: want %q in\n%s", tc.line, errs)
			}
			model, _ := readMetrics(t, dir)["model"].(string)
			if got := strings.Contains(model, "+batchnorm"); got != tc.bn {
				t.Errorf("model %q: batch norm %v, want %v", model, got, tc.bn)
			}
		})
	}
}
