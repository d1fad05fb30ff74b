package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bayesrule/blr/train"
)

// writeLabels writes n labels 0…9 as an IDX file in dir.
func writeLabels(t *testing.T, dir, name string, n int) {
	t.Helper()
	b := binary.BigEndian.AppendUint32([]byte{0, 0, 0x08, 1}, uint32(n))
	for i := range n {
		b = append(b, byte(i%10))
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSetDir writes an MNIST-style directory whose training images are
// 28×28 and whose test images are h×w.
func writeSetDir(t *testing.T, h, w int) string {
	t.Helper()
	dir := t.TempDir()
	writeImages(t, dir, "train-images-idx3-ubyte", 64, 28, 28)
	writeLabels(t, dir, "train-labels-idx1-ubyte", 64)
	writeImages(t, dir, "t10k-images-idx3-ubyte", 20, h, w)
	writeLabels(t, dir, "t10k-labels-idx1-ubyte", 20)
	return dir
}

// TestTrainChecksSetsFirst: a test or OOD set the models cannot take is
// refused before training, naming the flag that chose it (it used to be
// found after the whole run, as "--training set …" or with no flag).
func TestTrainChecksSetsFirst(t *testing.T) {
	bad := writeSetDir(t, 14, 14)
	good := writeSetDir(t, 28, 28)
	ood := writeSetDir(t, 5, 5)
	badTrain := writeSetDir(t, 28, 28)
	writeImages(t, badTrain, "train-images-idx3-ubyte", 64, 5, 5)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"test set", []string{"--data-dir", bad, "--ood", "none"}, "--data-dir " + bad + ": test set mnist/test has 196 features per example"},
		{"training set", []string{"--data-dir", badTrain, "--ood", "none"}, "--data-dir " + badTrain + ": training set mnist/train has 25 features per example"},
		{"OOD set", []string{"--data-dir", good, "--ood-dir", ood}, "--ood-dir " + ood + ": OOD set fashion-mnist/test has 25 features per example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"train", "--epochs", "1", "--hidden", "8", "--batch", "32", "--out", out}, tc.args...)
			code, _, errs := runCLI(t, args...)
			if code != 1 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errs, tc.want)
			}
			if strings.Contains(errs, "epoch 1/") {
				t.Errorf("the run trained before refusing the set:\n%s", errs)
			}
			if _, err := os.Stat(filepath.Join(out, "posterior.safetensors")); err == nil {
				t.Error("a posterior was written")
			}
		})
	}
}

// TestMissingFileNamesFlag: a file that cannot be opened is reported with
// the flag that named it.
func TestMissingFileNamesFlag(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--resume", missing}, "--resume: open " + missing},
		{[]string{"eval", "--posterior", missing}, "--posterior: open " + missing},
		{[]string{"predict", "--posterior", missing, "--images", missing}, "--posterior: open " + missing},
	} {
		code, _, errs := runCLI(t, tc.args...)
		if code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("blr %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
	}
}

// TestRefusedStepNamesFlags: a step refused for non-finite weights says
// which flags to look at (it used to name none).
func TestRefusedStepNamesFlags(t *testing.T) {
	code, _, errs := runCLI(t, tiny("--epochs", "1", "--ood", "none", "--optimizer", "adam", "--lr", "1e308")...)
	if code != 1 || !strings.Contains(errs, "refused") || !strings.Contains(errs, "a smaller --lr") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

// TestResumeKeepsRunFlags: --resume uses the stored run's --ood and
// --epoch-eval (it fell back to their defaults, adding OOD scores and
// per-epoch test scores an uninterrupted run did not have), and a resumed
// finished run keeps the whole run's training time (it reported 0).
func TestResumeKeepsRunFlags(t *testing.T) {
	flags := []string{"--epochs", "2", "--ood", "none", "--epoch-eval", "none"}
	whole, part := t.TempDir(), t.TempDir()
	mustRun(t, tiny(append(flags, "--out", whole)...)...)
	mustRun(t, tiny(append(flags, "--out", part, "--stop-after-epoch", "1")...)...)
	mustRun(t, "train", "--resume", part)
	a, b := readMetrics(t, whole), readMetrics(t, part)
	for _, m := range []map[string]any{a, b} {
		delete(m, "train_seconds")
		delete(m, "images_per_second")
		for _, r := range m["history"].([]any) {
			delete(r.(map[string]any), "seconds")
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("resumed run's metrics differ from the uninterrupted run's:\n got %v\nwant %v", b, a)
	}

	before := readMetrics(t, whole)
	mustRun(t, "train", "--resume", whole) // a finished run
	after := readMetrics(t, whole)
	if s0, s1 := before["train_seconds"].(float64), after["train_seconds"].(float64); !(s0 > 0) || s1 != s0 {
		t.Errorf("train_seconds %v after resuming a finished run, %v before", s1, s0)
	}
}

// TestFreshRunReplacesOld: a new run into a directory that holds another
// run removes that run's files first (and the temporary files of its
// interrupted writes), so that an interruption cannot leave one run's
// history beside the other's state.
func TestFreshRunReplacesOld(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{train.StateFile, train.HistoryFile, train.PosteriorFile, train.MetricsFile, RunFile, "notes.txt",
		train.StateFile + ".tmp-123456"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stderr strings.Builder
	if err := clearRun(dir, &stderr); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "notes.txt" {
		t.Errorf("left %v, want only the user's notes.txt", ents)
	}
	if !strings.Contains(stderr.String(), "replacing the run in "+dir) {
		t.Errorf("no note: %q", stderr.String())
	}
}

// TestResumeCorruptRunFile: a corrupt run.json does not stop a resume (the
// state is whole without it); it is reported and ignored.
func TestResumeCorruptRunFile(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, tiny("--epochs", "2", "--ood", "none", "--out", dir, "--stop-after-epoch", "1")...)
	if err := os.WriteFile(filepath.Join(dir, RunFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "train", "--resume", dir, "--ood", "none")
	if code != 0 || !strings.Contains(errs, "run.json") || !strings.Contains(errs, "ignored") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

// TestFailedStartKeepsOldRun: a new run into a directory is checked before
// the run there is replaced, so a mistyped --data-dir leaves it whole.
func TestFailedStartKeepsOldRun(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, tiny("--epochs", "1", "--ood", "none", "--out", dir)...)
	before, _ := os.ReadDir(dir)
	code, _, errs := runCLI(t, tiny("--epochs", "1", "--ood", "none", "--out", dir, "--data-dir", filepath.Join(dir, "nowhere"))...)
	after, _ := os.ReadDir(dir)
	if code != 1 || len(after) != len(before) || strings.Contains(errs, "replacing") {
		t.Fatalf("exit %d, %d files before and %d after, stderr:\n%s", code, len(before), len(after), errs)
	}
}

// TestRunFileValues: run.json's evaluation flags are checked like the
// flags themselves; a value that is not one is reported and ignored.
func TestRunFileValues(t *testing.T) {
	for _, body := range []string{`{"ood": "nope"}`, `{"epoch_eval": "Point"}`, `{"train_seconds": -1}`} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, RunFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readRunInfo(dir); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
}
