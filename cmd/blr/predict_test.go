package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeImages writes n random h×w images as an IDX file in dir.
func writeImages(t *testing.T, dir, name string, n, h, w int) string {
	t.Helper()
	b := []byte{0, 0, 0x08, 3}
	for _, d := range []int{n, h, w} {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range n * h * w {
		b = append(b, byte(r.IntN(256)))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPredict: blr predict prints one prediction per image — probabilities
// that sum to 1, the most probable class, and an uncertainty split whose
// parts add up — as JSON and as a table, and refuses bad input naming it.
func TestPredict(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, tiny("--epochs", "1", "--test-samples", "3", "--out", dir)...)
	post := filepath.Join(dir, "posterior.safetensors")
	imgs := writeImages(t, dir, "x.idx", 5, 28, 28)
	out := mustRun(t, "predict", "--posterior", post, "--images", imgs, "--json")
	var got struct {
		Samples     int
		Predictions []predictionJSON
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("blr predict --json: %v\n%s", err, out)
	}
	if got.Samples != 3 || len(got.Predictions) != 5 {
		t.Fatalf("samples %d, %d predictions; want 3 and 5", got.Samples, len(got.Predictions))
	}
	for i, p := range got.Predictions {
		var sum float64
		best := 0
		for c, q := range p.Probs {
			sum += q
			if q > p.Probs[best] {
				best = c
			}
		}
		if p.Index != i || len(p.Probs) != 10 || math.Abs(sum-1) > 1e-9 || p.Class != best || p.Probability != p.Probs[best] {
			t.Errorf("prediction %d: %+v", i, p)
		}
		if math.Abs(p.Entropy-p.Expected-p.MutualInfo) > 1e-12 || p.MutualInfo < 0 || p.Entropy > math.Log(10)+1e-12 {
			t.Errorf("prediction %d: entropy %g, expected %g, mutual information %g", i, p.Entropy, p.Expected, p.MutualInfo)
		}
	}
	table := mustRun(t, "predict", "--posterior", post, "--images", imgs, "--test-samples", "0")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "mutual_info") || !strings.HasSuffix(strings.TrimSpace(lines[1]), "0.0000") {
		t.Errorf("table with the point network (mutual information 0):\n%s", table)
	}
	small := writeImages(t, dir, "small.idx", 2, 27, 28)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--images", imgs}, "--posterior"},
		{[]string{"--posterior", post}, "--images"},
		{[]string{"--posterior", post, "--images", filepath.Join(dir, "missing")}, "missing"},
		{[]string{"--posterior", post, "--images", small}, "27×28"},
		{[]string{"--posterior", post, "--images", post}, "--images"},
		{[]string{"--posterior", imgs, "--images", imgs}, "x.idx"},
		{[]string{"--posterior", post, "--images", imgs, "--test-samples", "-2"}, "--test-samples"},
	} {
		code, _, errs := runCLI(t, append([]string{"predict"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("blr predict %s: exit %d, %q; want an error naming %q", strings.Join(tc.args, " "), code, errs, tc.want)
		}
	}
}
