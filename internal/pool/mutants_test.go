package pool

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// waitParts is Parts whose Part(0) waits, up to a deadline, for Part(1) to
// have run: it finishes early only if Part(1) runs on another goroutine
// while Part(0) is still running.
type waitParts struct {
	deadline time.Time
	done1    atomic.Bool
	overlap  atomic.Bool // Part(1) finished while Part(0) was waiting
	procs    atomic.Int32
}

func (p *waitParts) Part(h int) {
	p.procs.Store(int32(runtime.GOMAXPROCS(0)))
	if h == 1 {
		p.done1.Store(true)
		return
	}
	for time.Now().Before(p.deadline) {
		if p.done1.Load() {
			p.overlap.Store(true)
			return
		}
		runtime.Gosched()
	}
}

// TestHalvesUsesHelper pins Halves' split on GOMAXPROCS ≥ 2: a helper takes
// Part(1) while the caller is still in Part(0) (which waits for it, with a
// deadline of 10 s far beyond any scheduling delay), and Halves leaves
// GOMAXPROCS as it found it; with GOMAXPROCS 1 the caller runs Part(1)
// itself, after Part(0).
func TestHalvesUsesHelper(t *testing.T) {
	for _, tc := range []struct {
		procs       int
		wantOverlap bool
	}{{2, true}, {3, true}, {1, false}} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.procs))
			wait := 10 * time.Second
			if !tc.wantOverlap {
				wait = 50 * time.Millisecond // Part(1) cannot come: do not wait long
			}
			p := &waitParts{deadline: time.Now().Add(wait)}
			Halves(p)
			if got := p.overlap.Load(); got != tc.wantOverlap {
				t.Errorf("GOMAXPROCS %d: Part(1) ran during Part(0): %v, want %v", tc.procs, got, tc.wantOverlap)
			}
			if !p.done1.Load() {
				t.Errorf("GOMAXPROCS %d: Part(1) did not run", tc.procs)
			}
			if got := runtime.GOMAXPROCS(0); got != tc.procs || int(p.procs.Load()) != tc.procs {
				t.Errorf("GOMAXPROCS %d: %d inside the parts, %d after Halves", tc.procs, p.procs.Load(), got)
			}
		}()
	}
}
