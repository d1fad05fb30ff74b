package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"test set", []string{"--data-dir", bad, "--ood", "none"}, "--data-dir " + bad + ": test set mnist/test has 196 features per example"},
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
	code, _, errs := runCLI(t, tiny("--epochs", "1", "--ood", "none", "--lr", "1e308")...)
	if code != 1 || !strings.Contains(errs, "refused") || !strings.Contains(errs, "a smaller --lr") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}
