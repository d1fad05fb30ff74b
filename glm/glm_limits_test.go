package glm

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestGaussHermiteLimit: a node count above MaxGaussHermiteNodes is refused
// with an error naming it (1<<40 used to die of a fatal out-of-memory
// error; 8192 gives NaN weights), and the largest accepted rule is sound.
func TestGaussHermiteLimit(t *testing.T) {
	for _, n := range []int{0, -1, MaxGaussHermiteNodes + 1, 1 << 40, math.MaxInt} {
		g, err := NewGaussHermite(n)
		if g != nil || err == nil || !strings.Contains(err.Error(), "Gauss–Hermite nodes = ") || !strings.Contains(err.Error(), "want 1 … 4096") {
			t.Errorf("NewGaussHermite(%d) = %v, %v; want an error naming the nodes", n, g, err)
		}
	}
	g, err := NewGaussHermite(MaxGaussHermiteNodes)
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for k, w := range g.W {
		if !(w >= 0) || math.IsNaN(g.Z[k]) {
			t.Fatalf("node %d: z = %g, w = %g", k, g.Z[k], w)
		}
		s += w
	}
	if math.Abs(s-1) > 1e-12 {
		t.Errorf("the weights of the %d-node rule sum to %g, want 1", MaxGaussHermiteNodes, s)
	}
	if v := g.Expect(func(z float64) float64 { return z * z }, 1, 4); math.Abs(v-5) > 1e-9 {
		t.Errorf("E[s²] for s ~ N(1, 4) = %g, want 5", v)
	}
}

// TestMultinomialScoreEntries: a class count whose K×K matrix per row
// would exceed MaxScoreEntries is refused by NewMultinomial and
// PredictSoftmaxSample before anything is allocated.
func TestMultinomialScoreEntries(t *testing.T) {
	x := mat.NewDense(4, 1, []float64{1, 2, 3, 4})
	y := []int{0, 1, 0, 1}
	for _, k := range []int{1 << 14, 1 << 30, math.MaxInt} {
		if _, err := NewMultinomial(x, y, k, 1); err == nil || !strings.Contains(err.Error(), "classes = ") || !strings.Contains(err.Error(), "MaxScoreEntries") {
			t.Errorf("NewMultinomial with %d classes: err %v", k, err)
		}
		if _, err := PredictSoftmaxSample(nil, x, nil, nil, k, 2, 1); err == nil || !strings.Contains(err.Error(), "MaxScoreEntries") {
			t.Errorf("PredictSoftmaxSample with %d classes: err %v", k, err)
		}
	}
	if _, err := NewMultinomial(x, y, 2, 1); err != nil {
		t.Errorf("2 classes: %v", err)
	}
}
