package blr_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/bayesrule/blr"
)

// benchSizes are the model sizes the step benchmarks run at: a 784-512-10
// MLP has about 400k weights, the small convolutional nets about 900k.
var benchSizes = []struct {
	name string
	n    int
}{{"400k", 400_000}, {"900k", 900_000}}

// benchOptimizers are the optimizers BenchmarkStep times, with their
// configurations (their defaults for a 60 000-example run of 1000 steps).
var benchOptimizers = []struct {
	name string
	cfg  blr.Config
}{
	{"sgd", blr.Config{DataSize: 60000}},
	{"adam", blr.Config{DataSize: 60000}},
	{"ivon", blr.Config{DataSize: 60000, Steps: 1000}},
	{"vogn", blr.Config{DataSize: 60000, Steps: 1000}},
}

// copyOracle returns a precomputed gradient (and curvature), so that a
// benchmark times the engine, not the model.
type copyOracle struct{ g, c []float32 }

func (o *copyOracle) Eval(_, grad, curv []float32, _ blr.CurvatureKind) (float64, error) {
	copy(grad, o.g)
	if curv != nil {
		copy(curv, o.c)
	}
	return 0, nil
}

func newCopyOracle(n int) *copyOracle {
	r := rand.New(rand.NewPCG(5, 6))
	o := &copyOracle{g: make([]float32, n), c: make([]float32, n)}
	for j := range o.g {
		o.g[j] = float32(0.01 * r.NormFloat64())
		o.c[j] = o.g[j] * o.g[j] * 100
	}
	return o
}

// stateBytes is the size of the vectors a step of d must update: m, and h
// and ḡ where it keeps them.
func stateBytes(d *blr.Diag[float32]) int64 {
	return 4 * int64(len(d.Mean())+len(d.Hessian())+len(d.Momentum()))
}

func benchDiag(b *testing.B, name string, cfg blr.Config, n int) *blr.Diag[float32] {
	w := make([]float32, n)
	r := rand.New(rand.NewPCG(7, 8))
	for j := range w {
		w[j] = float32(0.05 * r.NormFloat64())
	}
	d, err := blr.New(name, w, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkStep times one Diag[float32].Step (with FastNormals for the
// sampling optimizers and an oracle that copies a precomputed gradient).
// Its B/op (and so MB/s) is the size of the state vectors, as in
// BenchmarkStateCopy, which copies the same vectors once: the ratio of the
// two times is the step's cost in state copies.
func BenchmarkStep(b *testing.B) {
	for _, opt := range benchOptimizers {
		for _, size := range benchSizes {
			b.Run(opt.name+"/"+size.name, func(b *testing.B) {
				d := benchDiag(b, opt.name, opt.cfg, size.n)
				o := newCopyOracle(size.n)
				rnd := &blr.FastNormals[float32]{Key: 1}
				if _, err := d.Step(o, rnd); err != nil { // warm-up
					b.Fatal(err)
				}
				b.SetBytes(stateBytes(d))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := d.Step(o, rnd); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkStateCopy is the baseline of BenchmarkStep: one plain copy of
// each state vector (m, h, ḡ) of the same optimizer into another slice.
func BenchmarkStateCopy(b *testing.B) {
	for _, opt := range benchOptimizers {
		for _, size := range benchSizes {
			b.Run(opt.name+"/"+size.name, func(b *testing.B) {
				d := benchDiag(b, opt.name, opt.cfg, size.n)
				state := [][]float32{d.Mean(), d.Hessian(), d.Momentum()}
				dst := make([][]float32, len(state))
				for i, s := range state {
					dst[i] = make([]float32, len(s))
				}
				b.SetBytes(stateBytes(d))
				for b.Loop() {
					for i, s := range state {
						copy(dst[i], s)
					}
				}
			})
		}
	}
}

// TestStepAllocs: after the first step, a step allocates nothing, on
// vectors long enough that the work is split between two goroutines, with
// GOMAXPROCS 1 (testing.AllocsPerRun) and 2 (counted by hand).
func TestStepAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("large vectors")
	}
	for _, opt := range benchOptimizers {
		t.Run(opt.name, func(t *testing.T) {
			const n = 100_000
			w := make([]float32, n)
			d, err := blr.New(opt.name, w, opt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			o := newCopyOracle(n)
			rnd := &blr.FastNormals[float32]{Key: 1}
			if _, err := d.Step(o, rnd); err != nil {
				t.Fatal(err)
			}
			if a := testing.AllocsPerRun(20, func() { _, _ = d.Step(o, rnd) }); a != 0 {
				t.Fatalf("%v allocations per step", a)
			}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
			for range 10 { // the helpers and the threads they run on start
				if _, err := d.Step(o, rnd); err != nil {
					t.Fatal(err)
				}
			}
			// The count is global: the runtime's own goroutines (the
			// scavenger, the GC, a new thread) allocate now and then, so a
			// window of steps with no allocation at all passes. A step that
			// allocates fails every window.
			least := uint64(math.MaxUint64)
			for range 10 {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for range 10 {
					if _, err := d.Step(o, rnd); err != nil {
						t.Fatal(err)
					}
				}
				runtime.ReadMemStats(&after)
				if least = min(least, after.Mallocs-before.Mallocs); least == 0 {
					break
				}
			}
			if least != 0 {
				t.Fatalf("at least %d allocations in 10 steps with GOMAXPROCS = 2", least)
			}
		})
	}
}
