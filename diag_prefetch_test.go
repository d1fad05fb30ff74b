package blr_test

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/bayesrule/blr"
)

// hiddenNormals is a FastNormals behind another type, so that the engine
// cannot make its draws in advance and calls Fill at every draw.
type hiddenNormals struct{ f *blr.FastNormals[float32] }

func (h hiddenNormals) Fill(dst []float32) { h.f.Fill(dst) }

// TestPrefetchSameBits: with a *FastNormals the engine makes the next draw's
// normals in the background (GOMAXPROCS > 1, long vectors); the states, the
// losses and the key must be bit for bit those of the same run whose
// normals are drawn at every step, also when the key is moved or used
// between steps, the prior changes, or a step fails (in the oracle, or in
// the update, which undoes it).
func TestPrefetchSameBits(t *testing.T) {
	if testing.Short() {
		t.Skip("large vectors")
	}
	const n = 70_001 // long enough to prefetch; not a multiple of 8
	target := make([]float64, n)
	for j := range target {
		target[j] = math.Sin(float64(j))
	}
	optimizers := []struct {
		name string
		cfg  blr.Config
	}{
		{"ivon", blr.Config{DataSize: 1000, Steps: 100}},
		{"ivon", blr.Config{DataSize: 1000, Steps: 100, Samples: 2}},
		{"ivon", blr.Config{DataSize: 1000, Steps: 100, Curvature: blr.CurvGGNDiag}},
		{"vogn", blr.Config{DataSize: 1000, Steps: 100}},
		{"vadam", blr.Config{DataSize: 1000, Steps: 100}},
		{"iblr-diag", blr.Config{DataSize: 1000, Steps: 100}},
	}
	type result struct {
		state  []float32
		losses []float64
		key    uint64
	}
	run := func(t *testing.T, name string, cfg blr.Config, procs int, hide bool) result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		d, err := blr.New(name, make([]float32, n), cfg)
		if err != nil {
			t.Fatal(err)
		}
		fast := &blr.FastNormals[float32]{Key: 11}
		var rnd blr.Normals[float32] = fast
		if hide {
			rnd = hiddenNormals{fast}
		}
		poison := -1 // the step whose gradient gets a NaN
		oracle := blr.OracleFunc[float32](func(theta, grad, curv []float32, _ blr.CurvatureKind) (float64, error) {
			var loss float64
			for j, th := range theta {
				x := float64(th) - target[j]
				grad[j] = float32(x * (1 + 0.1*math.Cos(float64(j))))
				if curv != nil {
					curv[j] = float32(1 + 0.5*math.Cos(float64(j)))
				}
				loss += x * x
			}
			if d.Steps() == poison {
				grad[n/2] = float32(math.NaN())
			}
			return loss, nil
		})
		failing := blr.OracleFunc[float32](func(_, _, _ []float32, _ blr.CurvatureKind) (float64, error) {
			return 0, errors.New("no batch")
		})
		scratch := make([]float32, n)
		var res result
		for s := range 14 {
			switch s {
			case 3:
				fast.Key = 1000 // a resumed key
			case 5:
				fast.Fill(scratch) // someone else draws with the same source
			case 7:
				mean := make([]float32, n)
				for j := range mean {
					mean[j] = float32(0.01 * float64(j%5))
				}
				if err := d.SetPrior(mean, nil); err != nil {
					t.Fatal(err)
				}
			case 8:
				if _, err := d.Step(failing, rnd); err == nil {
					t.Fatal("the oracle's error was not returned")
				}
			case 9:
				if err := d.SetPrior(nil, nil); err != nil {
					t.Fatal(err)
				}
				poison = d.Steps()
				if _, err := d.Step(oracle, rnd); !errors.Is(err, blr.ErrNonFinite) {
					t.Fatalf("a NaN gradient gave %v", err)
				}
				poison = -1
			case 11:
				fast.Key-- // the key of the last draw again
			}
			info, err := d.Step(oracle, rnd)
			if err != nil {
				t.Fatal(err)
			}
			res.losses = append(res.losses, info.Loss)
		}
		res.state = slices.Concat(d.Mean(), d.Hessian(), d.Momentum())
		res.key = fast.Key
		return res
	}
	for _, opt := range optimizers {
		t.Run(opt.name, func(t *testing.T) {
			want := run(t, opt.name, opt.cfg, 1, true)
			for _, procs := range []int{1, 2} {
				for _, hide := range []bool{false, true} {
					got := run(t, opt.name, opt.cfg, procs, hide)
					if got.key != want.key {
						t.Errorf("GOMAXPROCS %d, hidden %v: key %d, want %d", procs, hide, got.key, want.key)
					}
					for i := range want.losses {
						if math.Float64bits(got.losses[i]) != math.Float64bits(want.losses[i]) {
							t.Fatalf("GOMAXPROCS %d, hidden %v: loss %d is %v, want %v", procs, hide, i, got.losses[i], want.losses[i])
						}
					}
					for i := range want.state {
						if math.Float32bits(got.state[i]) != math.Float32bits(want.state[i]) {
							t.Fatalf("GOMAXPROCS %d, hidden %v: state[%d] = %v, want %v", procs, hide, i, got.state[i], want.state[i])
						}
					}
				}
			}
		})
	}
}
