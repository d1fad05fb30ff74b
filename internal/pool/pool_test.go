package pool

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHalves: every call runs each half exactly once and returns after
// both, with GOMAXPROCS 2 and 1, from many goroutines at once (the pending
// task is then replaced often, and callers compute both halves).
func TestHalves(t *testing.T) {
	for _, procs := range []int{2, 1} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 500 {
						p := &countParts{sleep: i%7 == 0}
						Halves(p)
						if a, b := p.runs[0].Load(), p.runs[1].Load(); a != 1 || b != 1 {
							t.Errorf("GOMAXPROCS %d, goroutine %d, call %d: halves ran %d and %d times", procs, g, i, a, b)
							return
						}
					}
				})
			}
			wg.Wait()
		}()
	}
}

// countParts counts the runs of each half.
type countParts struct {
	sleep bool // let a helper come
	runs  [2]atomic.Int32
}

func (p *countParts) Part(h int) {
	if p.sleep {
		time.Sleep(time.Microsecond)
	}
	p.runs[h].Add(1)
}

// countJob has n pieces; made records the pieces made.
type countJob struct {
	mu   sync.Mutex
	n    int
	made []int32
}

func (j *countJob) Piece() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if i := len(j.made); i < j.n {
		j.made = append(j.made, 1)
	}
	return len(j.made) < j.n
}

// TestBackground: the helpers make a job's pieces without being asked, and
// an owner that finishes a job the helpers have started gets every piece
// made exactly once; a job replaced by another is finished by its owner.
func TestBackground(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	j := &countJob{n: 1000}
	Background(NewJob(j.Piece))
	deadline := time.Now().Add(10 * time.Second)
	for {
		j.mu.Lock()
		n := len(j.made)
		j.mu.Unlock()
		if n == j.n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the helpers made %d of %d pieces in 10 s", n, j.n)
		}
		time.Sleep(time.Millisecond)
	}
	for range 50 {
		a, b := &countJob{n: 300}, &countJob{n: 300}
		ja, jb := NewJob(a.Piece), NewJob(b.Piece)
		Background(ja)
		Background(jb) // replaces a, unfinished: its owner finishes it
		for _, x := range []*countJob{a, b} {
			for x.Piece() {
			}
			if len(x.made) != x.n {
				t.Fatalf("a finished job made %d of %d pieces", len(x.made), x.n)
			}
		}
		Forget(ja)
		Forget(jb)
		if job.Load() != nil {
			t.Fatal("the helpers keep a job after Forget")
		}
	}
}

// lateTask counts how often help finds work: the caller claims the task
// before any helper can, so help must find none.
type lateTask struct {
	claim atomic.Bool
	ran   atomic.Int32
}

func (l *lateTask) help() {
	if l.claim.CompareAndSwap(false, true) {
		l.ran.Add(1)
	}
}

// TestOfferLate: a task that its caller has claimed before a helper comes
// is never run by the helper, however late it comes.
func TestOfferLate(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tasks := make([]*lateTask, 200)
	for i := range tasks {
		l := &lateTask{}
		l.claim.Store(true) // the caller took it
		tasks[i] = l
		Offer(NewTask(l.help))
	}
	time.Sleep(20 * time.Millisecond) // the helpers take what is pending
	for i, l := range tasks {
		if n := l.ran.Load(); n != 0 {
			t.Fatalf("task %d claimed by its caller ran %d times on a helper", i, n)
		}
	}
}

// TestNoAllocs: once warm, Halves, Offer and Background allocate nothing,
// with GOMAXPROCS 2 (counted by hand: testing.AllocsPerRun runs with
// GOMAXPROCS 1). The count is global, so a window of calls with no
// allocation at all passes, and a call that allocates fails every window.
func TestNoAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	p := &countParts{}
	task := NewTask(func() {})
	var pieces atomic.Int64
	bg := NewJob(func() bool { return pieces.Add(1) > 0 }) // never done
	call := func() {
		Halves(p)
		Offer(task)
		Background(bg)
	}
	for range 100 {
		call()
	}
	least := uint64(math.MaxUint64)
	for range 20 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 100 {
			call()
		}
		runtime.ReadMemStats(&after)
		if least = min(least, after.Mallocs-before.Mallocs); least == 0 {
			break
		}
	}
	Forget(bg)
	if least != 0 {
		t.Fatalf("at least %d allocations in 100 calls", least)
	}
}

// TestFree: Get makes new values with init until one is put back, and
// then returns that one; Put beyond the capacity drops the value.
func TestFree(t *testing.T) {
	made := 0
	f := NewFree(1, func(x *int) { made++; *x = made })
	a, b := f.Get(), f.Get()
	if *a != 1 || *b != 2 {
		t.Fatalf("new values %d and %d: want 1 and 2 from init", *a, *b)
	}
	f.Put(a)
	f.Put(b) // over the capacity of 1: dropped
	if c := f.Get(); c != a {
		t.Fatalf("Get after Put returned %p, want the value put back, %p", c, a)
	}
	if c := f.Get(); *c != 3 {
		t.Fatalf("Get with none kept returned %d, want a new value, 3", *c)
	}
}

// TestWithdraw: a task withdrawn before any helper took it is no longer
// pending, so the helpers keep no pointer to it.
func TestWithdraw(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for range 100 {
		task := NewTask(func() {})
		pending.Store(task) // offered, but no helper woken
		Withdraw(task)
		if pending.Load() == task {
			t.Fatal("a withdrawn task is still pending")
		}
		Withdraw(task) // a second time: nothing to take back
	}
}
