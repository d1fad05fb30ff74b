package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bayesrule/blr/data"
)

// needMNIST skips the test when MNIST is not installed.
func needMNIST(t *testing.T) {
	t.Helper()
	if _, err := data.MNISTDir(); errors.Is(err, data.ErrNotFound) {
		t.Skip("MNIST not installed:", err)
	}
}

func TestContinualCommand(t *testing.T) {
	needMNIST(t)
	for _, bench := range []string{"permuted-mnist", "split-mnist"} {
		t.Run(bench, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"continual", "--data", bench, "--tasks", "2", "--optimizer", "ivon,adam", "--epochs", "1",
				"--hidden", "16", "--train-size", "600", "--test-size", "200", "--test-samples", "2", "--out", dir, "--quiet"}
			var out, errb bytes.Buffer
			if code := run(args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for _, want := range []string{"average accuracy over the tasks seen", "tasks seen", "ivon", "adam", "joint-adam",
				"posterior as prior", "fine-tuning", "ivon: accuracy (%) on task j"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "continual.png"))
			if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
				t.Fatalf("no PNG written: %v", err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Benchmark string
				Methods   []struct {
					Name string
					Acc  [][]float64
					Avg  []float64
				}
			}
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatal(err)
			}
			if res.Benchmark != bench || len(res.Methods) != 3 || len(res.Methods[0].Acc) != 2 || len(res.Methods[0].Acc[1]) != 2 || len(res.Methods[2].Avg) != 2 {
				t.Fatalf("results.json: %s", raw)
			}
			// Same flags, same numbers (the table's seconds may differ).
			var again bytes.Buffer
			if code := run(args, &again, &errb); code != 0 {
				t.Fatalf("rerun: exit %d", code)
			}
			strip := func(s string) string {
				var keep []string
				for _, l := range strings.Split(s, "\n") {
					if !strings.HasSuffix(l, "s") || !strings.Contains(l, ";") {
						keep = append(keep, l)
					}
				}
				return strings.Join(keep, "\n")
			}
			if strip(again.String()) != strip(out.String()) {
				t.Errorf("a rerun printed a different table:\n%s\nvs\n%s", again.String(), out.String())
			}
		})
	}
}

func TestContinualBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "rotated-mnist"}, "data = rotated-mnist"},
		{[]string{"--tasks", "0"}, "tasks = 0"},
		{[]string{"--data", "split-mnist", "--tasks", "6"}, "tasks = 6"},
		{[]string{"--optimizer", "ivon,lbfgs"}, "optimizer = lbfgs"},
		{[]string{"--optimizer", "adam-ft"}, "optimizer = adam-ft"},
		{[]string{"--optimizer", "ivon,ivon"}, "given twice"},
		{[]string{"--optimizer", "ivon,,adam"}, `--optimizer "ivon,,adam": an empty name`},
		{[]string{"--optimizer", "", "--joint", "none"}, "at least one method"},
		{[]string{"--joint", "bfgs"}, "joint = bfgs"},
		{[]string{"--epochs", "0"}, "epochs = 0"},
		{[]string{"--batch", "0"}, "batch = 0"},
		{[]string{"--batch", "9223372036854775807"}, "batch = 9223372036854775807: must lie in [1, 1048576]"},
		{[]string{"--hidden", "100,x"}, "hidden"},
		{[]string{"--train-size", "-5"}, "train-size = -5"},
		{[]string{"--test-samples", "-1"}, "test-samples = -1"},
		{[]string{"--epochs", "many"}, "invalid value"},
		{[]string{"extra"}, "unexpected arguments"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"continual", "--out", t.TempDir()}, tc.args...)
		code := run(args, &out, &errb)
		if code == 0 {
			t.Errorf("%v: exit 0", tc.args)
		}
		if !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, errb.String(), tc.want)
		}
	}
}

func TestMergeCommand(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"merge", "--shards", "2", "--epochs", "1", "--hidden", "16", "--train-size", "600", "--test-size", "200",
		"--test-samples", "2", "--out", dir}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"shard 1 (300 images)", "shard 2 (300 images)", "merged (MergeDiag)", "average of shard means", "all data (600 images)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "merge.json")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shards", "1"}, "shards = 1"},
		{[]string{"--optimizer", "adam"}, "learns no posterior"},
	} {
		var out, errb bytes.Buffer
		if code := run(append([]string{"merge", "--out", t.TempDir()}, tc.args...), &out, &errb); code == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
