package continual

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/nn"
)

// synthetic returns a learnable set of n examples with d features and k
// classes: the label is the argmax of a fixed linear map of the features.
func synthetic(n, d, k int, seed uint64) *data.Set {
	r := rand.New(rand.NewPCG(seed, 7))
	w := make([]float64, k*d)
	for i := range w {
		w[i] = r.NormFloat64()
	}
	s := &data.Set{X: make([]float32, n*d), Y: make([]int, n), N: n, D: d, Classes: k, Name: "synthetic"}
	for i := range n {
		x := s.X[i*d : (i+1)*d]
		for f := range x {
			x[f] = float32(r.Float64())
		}
		best, bv := 0, math.Inf(-1)
		for c := range k {
			v := 0.0
			for f := range d {
				v += w[c*d+f] * (float64(x[f]) - 0.5)
			}
			if v > bv {
				best, bv = c, v
			}
		}
		s.Y[i] = best
	}
	return s
}

// tinyPermuted is a 3-task permuted benchmark on synthetic data.
func tinyPermuted(t *testing.T) *Benchmark {
	t.Helper()
	b, err := NewPermuted(synthetic(96, 12, 3, 1), synthetic(40, 12, 3, 2), 3)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinySplit is a 2-task, 3-head task-incremental benchmark (2 classes per
// head) on synthetic data.
func tinySplit(t *testing.T) *Benchmark {
	t.Helper()
	b := &Benchmark{Name: SplitMNIST, Heads: 3, Width: 2}
	for k := range 2 {
		b.Tasks = append(b.Tasks, Task{Name: "t", Train: synthetic(64, 12, 2, uint64(10+k)), Test: synthetic(30, 12, 2, uint64(20+k)), Head: 2 * k})
	}
	return b
}

func tinyConfig(data string, tasks int) Config {
	c := DefaultConfig()
	c.Data, c.Tasks = data, tasks
	c.Hidden = []int{8}
	c.Epochs, c.Batch = 2, 16
	c.TestSamples = 3
	return c
}

func TestModelHeadsMatchFullNetwork(t *testing.T) {
	m, err := newModel(12, []int{7, 5}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	full, err := initialWeights(m, 3)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range full { // non-zero biases too
		full[i] += float32(0.1 * r.NormFloat64())
	}
	x := synthetic(6, 12, 2, 5).X
	zf, err := m.full.Forward(full, x, 6)
	if err != nil {
		t.Fatal(err)
	}
	zf = slices.Clone(zf)
	seen := map[int]bool{}
	for k := range 3 {
		hp := gather(nil, full, m.maps[k])
		zh, err := m.head.Forward(hp, x, 6)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			for c := range 4 {
				if d := math.Abs(float64(zh[i*4+c] - zf[i*12+k*4+c])); d > 1e-5 {
					t.Fatalf("head %d example %d output %d: %g vs the full network's %g", k, i, c, zh[i*4+c], zf[i*12+k*4+c])
				}
			}
		}
		for _, j := range m.maps[k][m.body:] {
			if seen[j] {
				t.Fatalf("parameter %d belongs to two heads", j)
			}
			seen[j] = true
		}
	}
	if len(seen)+m.body != m.full.NumParams() {
		t.Fatalf("heads cover %d + body %d parameters of %d", len(seen), m.body, m.full.NumParams())
	}
}

func TestRowMatchesPermute(t *testing.T) {
	s := synthetic(5, 12, 2, 3)
	perm := data.PermutationFromSeed(12, 4)
	p, err := data.Permute(s, perm)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 12)
	for i := range 5 {
		row(dst, s, i, perm)
		if !slices.Equal(dst, p.Row(i)) {
			t.Fatalf("row %d: %v, data.Permute gives %v", i, dst, p.Row(i))
		}
	}
}

// TestJointOracleMultiHead checks the multi-head loss: each group's
// gradient is its head network's, weighted by its share of the minibatch and
// added into that head's parameters and the body; heads without examples get
// nothing.
func TestJointOracleMultiHead(t *testing.T) {
	m, err := newModel(12, []int{6}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	theta, _ := initialWeights(m, 9)
	a, b := synthetic(5, 12, 2, 1), synthetic(3, 12, 2, 2)
	o := &oracle{m: m, groups: []group{{head: 0, x: a.X, labels: a.Y}, {head: 2, x: b.X, labels: b.Y}}}
	n := m.full.NumParams()
	grad, curv := make([]float32, n), make([]float32, n)
	loss, err := o.Eval(theta, grad, curv, blr.CurvEmpiricalFisher)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, n)
	wantC := make([]float64, n)
	var wantLoss float64
	for _, g := range []struct {
		head int
		s    *data.Set
	}{{0, a}, {2, b}} {
		hp := gather(nil, theta, m.maps[g.head])
		hg, hc := make([]float32, len(hp)), make([]float32, len(hp))
		l, err := m.head.EmpiricalFisherDiag(hc, hg, hp, nn.Batch[float32]{X: g.s.X, Labels: g.s.Y})
		if err != nil {
			t.Fatal(err)
		}
		w := float64(g.s.N) / 8
		wantLoss += w * l
		for i, j := range m.maps[g.head] {
			want[j] += w * float64(hg[i])
			wantC[j] += w * float64(hc[i])
		}
	}
	if math.Abs(loss-wantLoss) > 1e-6 {
		t.Fatalf("loss %g, want %g", loss, wantLoss)
	}
	for j := range n {
		if math.Abs(float64(grad[j])-want[j]) > 1e-6 || math.Abs(float64(curv[j])-wantC[j]) > 1e-6 {
			t.Fatalf("parameter %d: gradient %g curvature %g, want %g and %g", j, grad[j], curv[j], want[j], wantC[j])
		}
	}
	for _, j := range m.maps[1][m.body:] {
		if grad[j] != 0 || curv[j] != 0 {
			t.Fatalf("head 1 has no examples but parameter %d has gradient %g", j, grad[j])
		}
	}
}

// TestPosteriorBecomesPrior checks the mechanics of posterior as prior in a
// run: task t+1's engine starts at task t's posterior mean, and its
// precision before any step is N_{t+1}h₀ + P_t, i.e. its prior precision is
// the previous posterior precision P_t = N_t(h_t+δ_t) (δ_{t+1} = P_t/N_{t+1}).
func TestPosteriorBecomesPrior(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    func(*testing.T) *Benchmark
		data string
	}{{"permuted", tinyPermuted, PermutedMNIST}, {"split", tinySplit, SplitMNIST}} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b(t)
			cfg := tinyConfig(tc.data, len(b.Tasks))
			cfg.Methods, cfg.Joint = []string{"ivon", "vogn", "adam"}, ""
			var prev *learner
			checked := 0
			seqHook = func(meth Method, ti int, l *learner) {
				defer func() { prev = l }()
				if ti == 0 {
					return
				}
				task, before := b.Tasks[ti], b.Tasks[ti-1]
				mp, pmp := l.m.maps[task.Head], l.m.maps[before.Head]
				prevMean := make([]float32, l.m.full.NumParams())
				scatter(prevMean, prev.opt.Mean(), pmp)
				got := l.opt.Mean()
				for i := range l.m.body { // the shared body carries over exactly
					if got[i] != prevMean[mp[i]] {
						t.Fatalf("%s task %d: mean[%d] = %g, the last posterior mean is %g", meth.Name, ti+1, i, got[i], prevMean[mp[i]])
					}
				}
				if !meth.Prior {
					return
				}
				o := l.opt.Options()
				n := float64(task.Train.N)
				prevPrec := prev.opt.Precision(nil)
				prec := l.opt.Precision(nil)
				for i := range prec {
					want := n*o.HessInit + o.PriorPrecision // a new head: the initial prior
					if i < l.m.body || task.Head == before.Head {
						want = n*o.HessInit + float64(prevPrec[i])
					}
					if d := math.Abs(float64(prec[i]) - want); d > 1e-4*want {
						t.Fatalf("%s task %d: precision[%d] = %g, want N·h₀ + P_prev = %g", meth.Name, ti+1, i, prec[i], want)
					}
				}
				checked++
			}
			defer func() { seqHook = nil }()
			if _, err := Run(cfg, b, nil); err != nil {
				t.Fatal(err)
			}
			if want := 2 * (len(b.Tasks) - 1); checked != want {
				t.Fatalf("checked %d prior settings, want %d", checked, want)
			}
		})
	}
}

// TestSetPriorPullsToPreviousMean checks the prior mean: with a zero data
// gradient, a step moves every weight toward the previous posterior mean
// (and a fresh head's weights toward 0).
func TestSetPriorPullsToPreviousMean(t *testing.T) {
	const n, fresh = 10, 6
	mean := make([]float32, n)
	prec := make([]float32, n)
	for i := range n {
		mean[i] = float32(i) - 4.5
		prec[i] = float32(50 * (i + 1))
	}
	params := make([]float32, n)
	for i := range params {
		params[i] = mean[i] + 1 // away from the prior mean
	}
	opt, err := blr.VOGN(params, blr.Config{DataSize: 100, Steps: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := setPrior(opt, mean, prec, fresh); err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(opt.Mean())
	if _, err := opt.Step(zeroOracle{}, &blr.FastNormals[float32]{Key: 1}); err != nil {
		t.Fatal(err)
	}
	for i, v := range opt.Mean() {
		target := float64(mean[i])
		if i >= fresh {
			target = 0
		}
		if !(math.Abs(float64(v)-target) < math.Abs(float64(before[i])-target)) {
			t.Fatalf("weight %d went from %g to %g, not toward the prior mean %g", i, before[i], v, target)
		}
	}
	// The pull is δ(m−m₀) with δ = P/N: larger for the more precise weights.
	p := opt.Precision(nil)
	for i := 1; i < fresh; i++ {
		if !(p[i] > p[i-1]) {
			t.Fatalf("precision %v does not follow the prior's", p)
		}
	}
}

type zeroOracle struct{}

func (zeroOracle) Eval(theta, grad, curv []float32, kind blr.CurvatureKind) (float64, error) {
	clear(grad)
	clear(curv)
	return 0, nil
}

func TestRunDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    func(*testing.T) *Benchmark
		data string
	}{{"permuted", tinyPermuted, PermutedMNIST}, {"split", tinySplit, SplitMNIST}} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b(t)
			cfg := tinyConfig(tc.data, len(b.Tasks))
			cfg.Methods = []string{"ivon", "vogn", "adam", "ivon-ft"}
			r1, err := Run(cfg, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			old := runtime.GOMAXPROCS(1)
			r2, err := Run(cfg, b, nil)
			runtime.GOMAXPROCS(old)
			if err != nil {
				t.Fatal(err)
			}
			if len(r1.Methods) != 5 {
				t.Fatalf("%d columns, want 4 methods and joint", len(r1.Methods))
			}
			for i := range r1.Methods {
				a, c := r1.Methods[i], r2.Methods[i]
				if !reflect.DeepEqual(a.Acc, c.Acc) || !reflect.DeepEqual(a.AccMean, c.AccMean) {
					t.Fatalf("%s: %v then %v", a.Name, a.Acc, c.Acc)
				}
				for ti, row := range a.Acc {
					if len(row) != ti+1 {
						t.Fatalf("%s: row %d has %d entries", a.Name, ti, len(row))
					}
					for _, v := range row {
						if !(v >= 0 && v <= 1) {
							t.Fatalf("%s: accuracy %g", a.Name, v)
						}
					}
					if math.Abs(a.Avg[ti]-average(row)) > 1e-15 {
						t.Fatalf("%s: avg %g of %v", a.Name, a.Avg[ti], row)
					}
				}
			}
			if r1.Method("ivon").Predictive != PredictiveAverage || r1.Method("adam").Predictive != PredictiveMean {
				t.Fatalf("predictives %q, %q", r1.Method("ivon").Predictive, r1.Method("adam").Predictive)
			}
			cfg.Seed++
			r3, err := Run(cfg, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.DeepEqual(r1.Method("ivon").AccMean, r3.Method("ivon").AccMean) && reflect.DeepEqual(r1.Method("adam").AccMean, r3.Method("adam").AccMean) {
				t.Fatalf("another seed gives the same results")
			}
		})
	}
}

// TestEvaluate checks both predictives against a direct computation: a
// posterior of huge precision averages networks equal to the mean.
func TestEvaluate(t *testing.T) {
	m, err := newModel(12, []int{5}, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := initialWeights(m, 4)
	set := synthetic(37, 12, 3, 8)
	task := Task{Name: "x", Train: set, Test: set}
	out, err := m.full.Forward(w, set.X, set.N)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := range set.N {
		if argmax32(out[i*3:(i+1)*3]) == set.Y[i] {
			correct++
		}
	}
	prec := make([]float32, len(w))
	for i := range prec {
		prec[i] = 1e20
	}
	a, err := m.evaluate(task, w, prec, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(correct) / 37; a.Mean != want || a.Average != want {
		t.Fatalf("accuracy %+v, want %g for both", a, want)
	}
	prec[3] = 0
	if _, err := m.evaluate(task, w, prec, 4, 1); !errors.Is(err, ErrImproper) {
		t.Fatalf("zero precision: %v, want ErrImproper", err)
	}
	if a, err := m.evaluate(task, w, nil, 0, 1); err != nil || !math.IsNaN(a.Average) {
		t.Fatalf("no samples: %+v, %v", a, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"data", func(c *Config) { c.Data = "rotated-mnist" }},
		{"tasks", func(c *Config) { c.Tasks = 0 }},
		{"tasks", func(c *Config) { c.Data, c.Tasks = SplitMNIST, 6 }},
		{"tasks", func(c *Config) { c.Tasks = MaxTasks + 1 }},
		{"optimizer", func(c *Config) { c.Methods = []string{"ivon", "lbfgs"} }},
		{"optimizer", func(c *Config) { c.Methods = []string{"adam-ft"} }},
		{"optimizer", func(c *Config) { c.Methods = []string{"ivon", "ivon"} }},
		{"optimizer", func(c *Config) { c.Methods, c.Joint = nil, "" }},
		{"joint", func(c *Config) { c.Joint = "bfgs" }},
		{"hidden", func(c *Config) { c.Hidden = []int{100, 0} }},
		{"epochs", func(c *Config) { c.Epochs = 0 }},
		{"batch", func(c *Config) { c.Batch = 0 }},
		{"train-size", func(c *Config) { c.TrainSize = -1 }},
		{"test-size", func(c *Config) { c.TestSize = -1 }},
		{"test-samples", func(c *Config) { c.TestSamples = -1 }},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: error %v, want a ConfigError on %q", c, err, tc.field)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := ParseMethod("vogn-ft")
	if err != nil || m.Prior || m.Optimizer != "vogn" || !m.Bayesian() {
		t.Fatalf("vogn-ft: %+v, %v", m, err)
	}
	// Run checks the benchmark against the config.
	b := tinyPermuted(t)
	cfg := tinyConfig(PermutedMNIST, 2)
	if _, err := Run(cfg, b, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("2 tasks for a 3-task benchmark: %v", err)
	}
}

func TestNewSplit(t *testing.T) {
	tr, te := synthetic(300, 12, 10, 1), synthetic(200, 12, 10, 2)
	b, err := NewSplit(tr, te, 5)
	if err != nil {
		t.Fatal(err)
	}
	if b.Heads != 5 || b.Width != 2 || len(b.Tasks) != 5 {
		t.Fatalf("%d heads of %d, %d tasks", b.Heads, b.Width, len(b.Tasks))
	}
	for k, task := range b.Tasks {
		if task.Head != k || task.Train.Classes != 2 {
			t.Fatalf("task %d: head %d, %d classes", k, task.Head, task.Train.Classes)
		}
		for i, y := range task.Train.Y {
			if y != 0 && y != 1 {
				t.Fatalf("task %d label %d = %d", k, i, y)
			}
		}
	}
	if _, err := NewSplit(tr, te, 6); !errors.Is(err, ErrConfig) {
		t.Fatalf("6 split tasks: %v", err)
	}
	p, err := NewPermuted(tr, te, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tasks[0].Perm != nil || p.Tasks[1].Perm == nil || slices.Equal(p.Tasks[1].Perm, p.Tasks[2].Perm) {
		t.Fatalf("permutations: task 1 %v, tasks 2 and 3 equal: %v", p.Tasks[0].Perm, slices.Equal(p.Tasks[1].Perm, p.Tasks[2].Perm))
	}
}

func TestMergeSynthetic(t *testing.T) {
	cfg := DefaultMergeConfig()
	cfg.Shards, cfg.Hidden, cfg.Epochs, cfg.Batch, cfg.TestSamples = 3, []int{8}, 2, 16, 3
	tr, te := synthetic(120, 12, 3, 1), synthetic(40, 12, 3, 2)
	r1, err := Merge(cfg, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Shards) != 3 || r1.ShardN[0]+r1.ShardN[1]+r1.ShardN[2] != 120 || !math.IsNaN(r1.Average.Average) {
		t.Fatalf("%+v", r1)
	}
	for _, a := range append(r1.Shards, r1.Merged, r1.All) {
		if !(a.Mean >= 0 && a.Mean <= 1 && a.Average >= 0 && a.Average <= 1) {
			t.Fatalf("accuracy %+v", a)
		}
	}
	r2, err := Merge(cfg, tr, te, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1.Seconds, r2.Seconds = 0, 0
	j1, err1 := json.Marshal(r1)
	j2, err2 := json.Marshal(r2)
	if err1 != nil || err2 != nil || !bytes.Equal(j1, j2) {
		t.Fatalf("not deterministic: %s vs %s (%v, %v)", j1, j2, err1, err2)
	}
	cfg.Optimizer = "adam"
	if _, err := Merge(cfg, tr, te, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("adam: %v", err)
	}
}
