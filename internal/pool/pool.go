// Package pool holds the helper goroutines that blr's parallel passes share
// with their callers: a caller offers a task that it is computing in parts,
// and an idle helper joins it; a background job (the next IVON draw's
// normals) is made by the helpers a piece at a time whenever no task needs
// them.
//
// Two rules keep it simple and deterministic. A caller never waits for a
// helper that has not started: it claims the parts of its task itself, so a
// helper that comes late, or never, costs nothing, and a task's result does
// not depend on who computed which part. And a helper checks for a task
// between every two pieces of background work, so a task waits at most for
// one piece (some ten microseconds), where a whole background job would
// hold a core for the better part of a millisecond: on two cores, the
// product halves of a network's step would run one after the other while it
// ran.
//
// Nothing here allocates after the first calls: tasks and jobs are values
// their owners keep, and Halves reuses its tasks.
package pool

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A Task is work that a caller computes in parts and a helper may join. Its
// function takes parts until none is left; a helper may call it late, after
// the caller has finished every part, or twice after one Offer, and it must
// then do nothing.
type Task struct{ help func() }

// NewTask returns a Task whose helpers call help.
func NewTask(help func()) *Task { return &Task{help: help} }

// A Job is background work cut into pieces. Its function makes the next
// piece and reports whether any are left; it must be safe to call from
// several goroutines, and do nothing once no piece is left. The helpers
// keep a job until its owner calls Forget (or Background with another).
type Job struct{ piece func() bool }

// NewJob returns a Job whose pieces piece makes.
func NewJob(piece func() bool) *Job { return &Job{piece: piece} }

// helpers is the number of helper goroutines.
const helpers = 2

var (
	start   sync.Once
	wake    chan struct{}        // a token wakes a parked helper
	pending atomic.Pointer[Task] // the task offered last, until a helper takes it
	job     atomic.Pointer[Job]  // the background job, until its owner forgets it
)

// Offer lets an idle helper, or the next that becomes idle, join t. It
// never blocks; the caller goes on computing t's parts itself. A task
// offered while an earlier one still waits replaces it (whose caller then
// computes all of it).
func Offer(t *Task) {
	startHelpers()
	pending.Store(t)
	nudge()
}

// Withdraw takes t back if no helper has taken it yet: its caller calls it
// once every part is done, so that the helpers keep nothing of it.
func Withdraw(t *Task) { pending.CompareAndSwap(t, nil) }

// Background hands j to the helpers, which make its pieces when no task
// needs them; it replaces a job not yet done (whose owner finishes it).
func Background(j *Job) {
	startHelpers()
	job.Store(j)
	nudge()
}

// Forget takes j back from the helpers, if they still have it: its owner
// calls it once it has made the pieces that were left, so that the helpers
// keep nothing of it.
func Forget(j *Job) { job.CompareAndSwap(j, nil) }

// nudge wakes a parked helper, if one is parked.
func nudge() {
	select {
	case wake <- struct{}{}:
	default: // both helpers are awake, or already have a token
	}
}

func startHelpers() {
	start.Do(func() {
		wake = make(chan struct{}, helpers)
		for range helpers {
			go helper()
		}
	})
}

// helper takes offered tasks first, then pieces of the background job, and
// parks when there is neither.
func helper() {
	for {
		if t := pending.Swap(nil); t != nil {
			t.help()
			continue
		}
		if j := job.Load(); j != nil && j.piece() {
			continue
		}
		<-wake // a job with no piece left waits for its owner's Forget
	}
}

// Parts is work cut into two halves, Part(0) and Part(1), that write
// disjoint memory.
type Parts interface{ Part(half int) }

// Halves runs p.Part(0) and p.Part(1) and returns when both are done:
// Part(0) on the caller, Part(1) on a helper if one takes it before the
// caller is through Part(0), else on the caller after it (and on the caller
// alone with GOMAXPROCS 1).
func Halves(p Parts) {
	if runtime.GOMAXPROCS(0) < 2 {
		p.Part(0)
		p.Part(1)
		return
	}
	h := halves.Get()
	h.p = p
	h.claim.Store(false) // publishes p to a helper that claims h
	Offer(&h.task)
	p.Part(0)
	if h.claim.CompareAndSwap(false, true) {
		Withdraw(&h.task)
		p.Part(1) // no helper came
	} else {
		<-h.done // a helper is computing it
	}
	h.p = nil
	halves.Put(h)
}

// half is the second half that Halves offers. A helper that takes it late,
// when it is already back in the free list or offered again, can only
// claim the half of the call it is offered for: the caller of a call that
// finds it claimed waits for the helper's signal, so the half it runs is
// always that call's.
type half struct {
	task  Task
	p     Parts
	claim atomic.Bool // whoever sets it computes Part(1)
	done  chan struct{}
}

// help computes Part(1), unless the caller claimed it first.
func (h *half) help() {
	if h.claim.CompareAndSwap(false, true) {
		h.p.Part(1)
		h.done <- struct{}{}
	}
}

// halves keeps halves between calls.
var halves = NewFree(16, func(h *half) {
	h.done = make(chan struct{}, 1)
	h.task.help = h.help
	h.claim.Store(true) // not offered yet
})

// Free keeps up to a number of values of T between uses, so that a hot path
// allocates nothing once warm.
type Free[T any] struct {
	c    chan *T
	init func(*T)
}

// NewFree returns a Free that keeps up to n values and makes new ones with
// init (nil: the zero value).
func NewFree[T any](n int, init func(*T)) Free[T] {
	return Free[T]{c: make(chan *T, n), init: init}
}

// Get returns a kept value, or a new one.
func (f Free[T]) Get() *T {
	select {
	case x := <-f.c:
		return x
	default:
		x := new(T)
		if f.init != nil {
			f.init(x)
		}
		return x
	}
}

// Put keeps x for a later Get, unless n are kept already.
func (f Free[T]) Put(x *T) {
	select {
	case f.c <- x:
	default:
	}
}
