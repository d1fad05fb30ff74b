package train

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/bayesrule/blr/data"
)

// smallSet is a synthetic 28×28 set of n examples, so that the batch tests
// need no MNIST files.
func smallSet(n int) *data.Set {
	s := &data.Set{X: make([]float32, n*ImageSize), Y: make([]int, n), N: n, D: ImageSize,
		Classes: Classes, H: 28, W: 28, Name: "synthetic"}
	for i := range n {
		s.Y[i] = i % Classes
		s.X[i*ImageSize+i%ImageSize] = 1
	}
	return s
}

// TestBatchLimit: a batch size above MaxBatch is refused naming "batch" and
// the value (math.MaxInt used to overflow ⌈N/B⌉ to 0 and panic dividing by
// it); MaxBatch itself, larger than the set, trains one whole-set step per
// epoch.
func TestBatchLimit(t *testing.T) {
	for _, b := range []int{MaxBatch + 1, math.MaxInt / 2, math.MaxInt - 1, math.MaxInt} {
		c := DefaultConfig()
		c.Hidden, c.Epochs, c.Batch = []int{8}, 1, b
		err := c.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "batch" || ce.Value != b || !strings.Contains(err.Error(), "must lie in [1, 1048576]") {
			t.Errorf("Batch %d: Validate = %v, want a ConfigError on batch", b, err)
		}
		if _, err := New(c, smallSet(20), io.Discard); !errors.As(err, &ce) || ce.Field != "batch" {
			t.Errorf("Batch %d: New = %v, want a ConfigError on batch", b, err)
		}
	}
	c := DefaultConfig()
	c.Hidden, c.Epochs, c.Batch, c.Optimizer = []int{8}, 2, MaxBatch, "sgd"
	c.TestSamples = 0
	tr, err := New(c, smallSet(20), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ei, err := tr.Epoch(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ei.Steps != 1 || ei.Examples != 20 {
		t.Errorf("Batch %d over 20 examples: epoch of %d steps and %d examples, want 1 and 20", MaxBatch, ei.Steps, ei.Examples)
	}
}
