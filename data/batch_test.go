package data

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// epochBatches runs one epoch and returns copies of its batches.
func epochBatches(b *Batcher) [][]int {
	var out [][]int
	for idx, ok := b.Next(); ok; idx, ok = b.Next() {
		out = append(out, slices.Clone(idx))
	}
	return out
}

func TestBatcherEpochs(t *testing.T) {
	tests := []struct {
		n, b      int
		wantSizes []int
	}{
		{10, 3, []int{3, 3, 3, 1}},
		{9, 3, []int{3, 3, 3}},
		{5, 8, []int{5}},
		{1, 1, []int{1}},
	}
	for _, tc := range tests {
		bt, err := NewBatcher(tc.n, tc.b, 42)
		if err != nil {
			t.Fatal(err)
		}
		if bt.BatchesPerEpoch() != len(tc.wantSizes) {
			t.Errorf("n=%d b=%d: BatchesPerEpoch = %d", tc.n, tc.b, bt.BatchesPerEpoch())
		}
		for epoch := range 3 {
			if bt.Epoch() != epoch || bt.Position() != 0 {
				t.Fatalf("n=%d b=%d: at epoch %d position %d, want %d, 0", tc.n, tc.b, bt.Epoch(), bt.Position(), epoch)
			}
			batches := epochBatches(bt)
			var all []int
			for k, idx := range batches {
				if len(idx) != tc.wantSizes[k] {
					t.Fatalf("n=%d b=%d epoch %d: batch %d has %d, want %d", tc.n, tc.b, epoch, k, len(idx), tc.wantSizes[k])
				}
				all = append(all, idx...)
			}
			if !slices.Equal(all, EpochOrder(tc.n, 42, epoch)) {
				t.Fatalf("epoch %d order %v, want EpochOrder", epoch, all)
			}
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("epoch %d does not visit each example once: %v", epoch, all)
				}
			}
		}
	}
}

func TestBatcherDeterministic(t *testing.T) {
	a, _ := NewBatcher(100, 7, 9)
	b, _ := NewBatcher(100, 7, 9)
	c, _ := NewBatcher(100, 7, 10)
	e0a, e0b, e0c := epochBatches(a), epochBatches(b), epochBatches(c)
	e1a := epochBatches(a)
	if !slices.EqualFunc(e0a, e0b, slices.Equal) {
		t.Fatal("same seed, different batches")
	}
	if slices.EqualFunc(e0a, e0c, slices.Equal) {
		t.Fatal("different seeds, same batches")
	}
	if slices.EqualFunc(e0a, e1a, slices.Equal) {
		t.Fatal("epochs 0 and 1 in the same order")
	}
}

// TestBatcherSeek checks that a Batcher restored with Seek deals the same
// batches as one that got there by calling Next.
func TestBatcherSeek(t *testing.T) {
	ref, _ := NewBatcher(23, 5, 1234)
	type state struct{ epoch, pos int }
	var states []state
	var batches [][]int
	var oks []bool
	for range 40 {
		states = append(states, state{ref.Epoch(), ref.Position()})
		idx, ok := ref.Next()
		batches = append(batches, slices.Clone(idx))
		oks = append(oks, ok)
	}
	for k, st := range states {
		b, _ := NewBatcher(23, 5, 1234)
		// Move it somewhere else first so Seek must really restore.
		b.Next()
		b.Next()
		if err := b.Seek(st.epoch, st.pos); err != nil {
			t.Fatal(err)
		}
		for j := k; j < len(batches); j++ {
			idx, ok := b.Next()
			if ok != oks[j] || !slices.Equal(idx, batches[j]) {
				t.Fatalf("after Seek(%d, %d): call %d gave %v %v, want %v %v", st.epoch, st.pos, j-k, idx, ok, batches[j], oks[j])
			}
		}
	}
	b, _ := NewBatcher(23, 5, 1)
	for _, bad := range []state{{-1, 0}, {0, -1}, {0, 24}} {
		if err := b.Seek(bad.epoch, bad.pos); !errors.Is(err, ErrInvalid) {
			t.Errorf("Seek(%d, %d): err = %v", bad.epoch, bad.pos, err)
		}
	}
	// A position between batch boundaries starts the next batch there.
	if err := b.Seek(2, 21); err != nil {
		t.Fatal(err)
	}
	idx, ok := b.Next()
	if !ok || !slices.Equal(idx, EpochOrder(23, 1, 2)[21:]) {
		t.Fatalf("Seek(2, 21) then Next = %v %v", idx, ok)
	}
}

func TestNewBatcherErrors(t *testing.T) {
	for _, c := range [][2]int{{0, 1}, {-1, 1}, {5, 0}, {5, -2}} {
		if _, err := NewBatcher(c[0], c[1], 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewBatcher(%d, %d): err = %v", c[0], c[1], err)
		}
	}
}

// TestBatcherHugeBatch: a batch size near MaxInt used to overflow ⌈N/B⌉ to
// 0 (and the slice end in Next to a negative index); one batch holds the
// whole epoch.
func TestBatcherHugeBatch(t *testing.T) {
	for _, b := range []int{math.MaxInt, math.MaxInt - 1, math.MaxInt/2 + 1} {
		for _, n := range []int{1, 7, 200} {
			bt, err := NewBatcher(n, b, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := bt.BatchesPerEpoch(); got != 1 {
				t.Errorf("n=%d b=%d: BatchesPerEpoch = %d, want 1", n, b, got)
			}
			if err := bt.Seek(0, n/2); err != nil {
				t.Fatal(err)
			}
			batches := epochBatches(bt)
			if len(batches) != 1 || len(batches[0]) != n-n/2 {
				t.Errorf("n=%d b=%d from position %d: %d batches, want one of %d", n, b, n/2, len(batches), n-n/2)
			}
		}
	}
}
