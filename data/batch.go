package data

import "math/rand/v2"

// EpochOrder returns the order in which a Batcher with n examples and this
// seed visits them in the given epoch: a permutation of 0…n−1 drawn by
// rand.New(rand.NewPCG(seed, uint64(epoch))).Perm(n) from math/rand/v2. It
// depends on nothing else, so any epoch's order can be recomputed. n < 0 is
// treated as 0.
func EpochOrder(n int, seed uint64, epoch int) []int {
	return rand.New(rand.NewPCG(seed, uint64(epoch))).Perm(max(n, 0))
}

// Batcher deals out minibatches of example indices, epoch after epoch, in a
// seeded order that can be restored from (epoch, position).
//
// Each epoch visits all N examples once in the order EpochOrder(N, seed,
// epoch), cut into consecutive batches of size B. When B does not divide N
// the last batch of the epoch is kept and holds the N mod B remaining
// examples, so every example is seen exactly once per epoch.
//
// The zero value is not usable; make one with NewBatcher. A Batcher is not
// safe for concurrent use.
type Batcher struct {
	n, b  int
	seed  uint64
	epoch int
	pos   int
	order []int
}

// NewBatcher returns a Batcher over n ≥ 1 examples with batch size b ≥ 1
// (b > n is allowed: every batch is then the whole epoch), positioned at the
// start of epoch 0.
func NewBatcher(n, b int, seed uint64) (*Batcher, error) {
	if n < 1 {
		return nil, invalidf("batcher needs at least one example, got n = %d", n)
	}
	if b < 1 {
		return nil, invalidf("batch size must be at least 1, got %d", b)
	}
	bt := &Batcher{n: n, b: b, seed: seed}
	bt.order = EpochOrder(n, seed, 0)
	return bt, nil
}

// Next returns the indices of the next batch of the current epoch and true.
// When the epoch has been dealt out it returns nil and false and moves to the
// start of the next epoch, so
//
//	for idx, ok := b.Next(); ok; idx, ok = b.Next() { … }
//
// runs exactly one epoch and a second such loop runs the next. The returned
// slice aliases the epoch's order: read it, do not modify it. It stays valid
// after later calls.
func (bt *Batcher) Next() (idx []int, ok bool) {
	if bt.pos >= bt.n {
		bt.epoch++
		bt.pos = 0
		bt.order = EpochOrder(bt.n, bt.seed, bt.epoch)
		return nil, false
	}
	end := bt.pos + min(bt.b, bt.n-bt.pos) // not min(pos+B, N): that overflows when B is near MaxInt
	idx = bt.order[bt.pos:end:end]
	bt.pos = end
	return idx, true
}

// Epoch returns the current epoch, counting from 0.
func (bt *Batcher) Epoch() int { return bt.epoch }

// Position returns how many examples of the current epoch have been dealt
// out, in [0, N]. Position() = N means the epoch's batches are all dealt and
// the next call to Next returns false.
func (bt *Batcher) Position() int { return bt.pos }

// N returns the number of examples.
func (bt *Batcher) N() int { return bt.n }

// B returns the batch size.
func (bt *Batcher) B() int { return bt.b }

// Seed returns the seed.
func (bt *Batcher) Seed() uint64 { return bt.seed }

// BatchesPerEpoch returns ⌈N/B⌉, the number of batches in each epoch
// (≥ 1: N ≥ 1). It is computed as (N−1)/B + 1, which cannot overflow
// whatever B is.
func (bt *Batcher) BatchesPerEpoch() int { return (bt.n-1)/bt.b + 1 }

// Seek restores the state that Epoch() = epoch and Position() = pos
// describe, so that the batches that follow are those a Batcher that had
// reached that state would have dealt. epoch must be ≥ 0 and pos in [0, N].
// A pos that is not a multiple of B is allowed: the next batch then starts
// there.
func (bt *Batcher) Seek(epoch, pos int) error {
	if epoch < 0 {
		return invalidf("batcher epoch %d is negative", epoch)
	}
	if pos < 0 || pos > bt.n {
		return invalidf("batcher position %d is outside [0, %d]", pos, bt.n)
	}
	if epoch != bt.epoch || bt.order == nil {
		bt.order = EpochOrder(bt.n, bt.seed, epoch)
	}
	bt.epoch, bt.pos = epoch, pos
	return nil
}
