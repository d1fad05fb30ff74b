package nn

import (
	"runtime"
	"sync"
)

// parter is work cut into two fixed halves, part(0) and part(1). The cut
// depends on the shapes only, never on GOMAXPROCS, and the two halves write
// disjoint memory, so running them in parallel or in sequence gives the same
// bits.
type parter interface{ part(half int) }

type helperJob struct {
	t    parter
	done chan struct{}
}

var (
	startHelpers sync.Once
	helperJobs   chan helperJob
)

// runner runs parters; each network owns one (its done channel).
type runner struct{ done chan struct{} }

func newRunner() runner { return runner{done: make(chan struct{}, 1)} }

// run runs both halves of t: on two goroutines when GOMAXPROCS allows, else
// in order on the caller's.
func (r runner) run(t parter) {
	if runtime.GOMAXPROCS(0) == 1 {
		t.part(0)
		t.part(1)
		return
	}
	startHelpers.Do(func() {
		helperJobs = make(chan helperJob)
		for range 2 {
			go func() {
				for j := range helperJobs {
					j.t.part(1)
					j.done <- struct{}{}
				}
			}()
		}
	})
	helperJobs <- helperJob{t, r.done}
	t.part(0)
	<-r.done
}

// halves returns the range of examples [lo, hi) of half h of a batch.
func halves(batch, h int) (lo, hi int) {
	mid := batch / 2
	if h == 0 {
		return 0, mid
	}
	return mid, batch
}

// grow returns s with length n, reusing its storage when it is large enough.
func grow[F any](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}
