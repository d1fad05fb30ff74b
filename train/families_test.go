package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
)

// trained runs cfg to the end on the tiny training set.
func trained(t *testing.T, cfg Config) *Trainer {
	t.Helper()
	train, _, _ := sets(t)
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, tr.TotalSteps())
	return tr
}

// TestPosteriorFamilies: for every family, the posterior written by Save
// reads back equal, evaluates (from the file, in a fresh network) to the
// trainer's own evaluation, and holds what its family says.
func TestPosteriorFamilies(t *testing.T) {
	_, test, ood := sets(t)
	bn := tinyConfig("bayesbinn")
	bn.BatchNorm, bn.LR, bn.Temperature = true, 0.01, 1
	drop := tinyConfig("dropout")
	drop.Hidden, drop.Dropout = []int{8, 6}, 0.3
	mixBN := tinyConfig("mixture")
	mixBN.BatchNorm = true
	cases := []struct {
		name   string
		cfg    Config
		family string
	}{
		{"ste", tinyConfig("ste"), FamilyBernoulli},
		{"bayesbinn+bn", bn, FamilyBernoulli},
		{"dropout", drop, FamilyDropout},
		{"mixture", tinyConfig("mixture"), FamilyMixture},
		{"mixture+bn", mixBN, FamilyMixture},
		{"ivon", tinyConfig("ivon"), FamilyGaussian},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.TestSamples = 3
			tr := trained(t, c.cfg)
			dir := t.TempDir()
			if err := tr.Save(dir); err != nil {
				t.Fatal(err)
			}
			p := tr.Posterior()
			q, err := ReadPosterior(filepath.Join(dir, PosteriorFile))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p, q) {
				t.Fatalf("read back a different posterior:\n got %+v\nwant %+v", q, p)
			}
			if q.Family != c.family || FamilyOf(c.cfg.Optimizer) != c.family {
				t.Errorf("family %q, want %q", q.Family, c.family)
			}
			want, err := tr.Evaluate(test, ood)
			if err != nil {
				t.Fatal(err)
			}
			got, err := q.Evaluate(test, ood, 3, c.cfg.Seed)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("metrics of the file differ from the trainer's:\n got %+v\nwant %+v", got, want)
			}
			for _, s := range []Scores{got.Mean, got.Average} {
				if s.N != test.N || !(s.NLL > 0) || !(s.ECE >= 0 && s.ECE <= 1) {
					t.Errorf("implausible scores %+v", s)
				}
			}
			// The sample weights sum to 1 and the networks are of the
			// family's form.
			var sum float64
			for s := range 3 {
				theta, w, err := q.SampleWeights(nil, s, 3, 9)
				if err != nil {
					t.Fatal(err)
				}
				sum += w
				checkSample(t, q, theta)
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("sample weights sum to %v", sum)
			}
			if _, _, err := q.SampleWeights(nil, 3, 3, 9); err == nil {
				t.Error("SampleWeights accepted s = S")
			}
			pts, ws := q.PointWeights()
			if c.family == FamilyMixture {
				if len(pts) != DefaultComponents || len(ws) != DefaultComponents {
					t.Errorf("%d point networks, want K = %d", len(pts), DefaultComponents)
				}
			} else if len(pts) != 1 || ws[0] != 1 {
				t.Errorf("%d point networks with weights %v, want 1", len(pts), ws)
			}
		})
	}
}

// checkSample checks that a sampled network has the posterior's form.
func checkSample(t *testing.T, p *Posterior, theta []float32) {
	t.Helper()
	net, err := NewNetwork(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	switch p.Family {
	case FamilyBernoulli:
		mask := binaryMask(net)
		for j, v := range theta {
			if mask[j] && v != 1 && v != -1 {
				t.Fatalf("binary weight %d = %g", j, v)
			}
			if !mask[j] && v != p.Mode[j] {
				t.Fatalf("fixed weight %d = %g, want %g", j, v, p.Mode[j])
			}
		}
	case FamilyDropout:
		dropped := 0
		for j, v := range theta {
			switch {
			case v == p.Mean[j]:
			case v == 0 && p.DropProb[j] > 0:
				dropped++
			default:
				t.Fatalf("weight %d = %g, want 0 or m = %g", j, v, p.Mean[j])
			}
		}
		if dropped == 0 {
			t.Error("MC dropout dropped nothing")
		}
	}
}

// TestMixtureOfOneIsIVON: a mixture of one component is the IVON run of the
// same seed, bit for bit, and so is its evaluation, with and without batch
// norm.
func TestMixtureOfOneIsIVON(t *testing.T) {
	_, test, _ := sets(t)
	for _, bn := range []bool{false, true} {
		mix, ivon := tinyConfig("mixture"), tinyConfig("ivon")
		mix.Components, mix.BatchNorm, ivon.BatchNorm = 1, bn, bn
		m, iv := trained(t, mix), trained(t, ivon)
		pm, pi := m.Posterior(), iv.Posterior()
		if !reflect.DeepEqual(pm.Means[0], pi.Mean) || !reflect.DeepEqual(pm.Precisions[0], pi.Precision) ||
			!reflect.DeepEqual(pm.Buffers, pi.Buffers) || (pm.Buffers != nil) != bn {
			t.Fatalf("batchnorm %v: the one-component mixture differs from IVON", bn)
		}
		em, err := m.Evaluate(test, nil)
		if err != nil {
			t.Fatal(err)
		}
		ei, err := iv.Evaluate(test, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(em, ei) {
			t.Errorf("batchnorm %v: evaluations differ:\n mixture %+v\n ivon    %+v", bn, em, ei)
		}
	}
}

// TestMixtureBatchNorm: with batch norm every mixture component keeps its
// own running statistics (component 0's are the network's): they differ
// between components, the mixture's point and posterior-average
// predictives are the averages of the components' networks each evaluated
// with its own statistics, and a component evaluated with another's
// statistics predicts otherwise. (TestMixtureOfOneIsIVON checks that
// component 0's statistics are those of an IVON run's.)
func TestMixtureBatchNorm(t *testing.T) {
	_, test, _ := sets(t)
	cfg := tinyConfig("mixture")
	cfg.BatchNorm, cfg.Components, cfg.TestSamples = true, 3, 5
	tr := trained(t, cfg)
	p := tr.Posterior()
	b := len(tr.Network().Buffers())
	if b == 0 || len(p.Buffers) != 3*b {
		t.Fatalf("%d statistics, want 3 × %d", len(p.Buffers), b)
	}
	for k := range 3 {
		if got := p.ComponentBuffers(k); len(got) != b || &got[0] != &p.Buffers[k*b] {
			t.Fatalf("ComponentBuffers(%d) is not block %d of Buffers", k, k)
		}
		for j := range k {
			if reflect.DeepEqual(p.ComponentBuffers(k), p.ComponentBuffers(j)) {
				t.Errorf("components %d and %d have the same running statistics", j, k)
			}
		}
	}
	if p.ComponentBuffers(3) != nil || p.ComponentBuffers(-1) != nil {
		t.Error("ComponentBuffers out of range is not nil")
	}
	if !reflect.DeepEqual(p.ComponentBuffers(0), tr.Network().Buffers()) {
		t.Error("component 0's statistics are not the network's")
	}
	// The predictives, by hand: each network with its component's
	// statistics.
	net, err := NewPredictionNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	net.SetTraining(false)
	predict := func(theta, bufs []float32, dst []float64, w float64) {
		copy(net.Buffers(), bufs)
		if err := AccumulateProbs(net, theta, test, dst, w); err != nil {
			t.Fatal(err)
		}
	}
	point := make([]float64, test.N*Classes)
	pts, ws := p.PointWeights()
	for k, theta := range pts {
		predict(theta, p.ComponentBuffers(k), point, ws[k])
	}
	avg := make([]float64, test.N*Classes)
	for s := range cfg.TestSamples {
		theta, w, err := p.SampleWeights(nil, s, cfg.TestSamples, cfg.Seed)
		if err != nil {
			t.Fatal(err)
		}
		if p.SampleComponent(s) != s%3 {
			t.Fatalf("sample %d from component %d", s, p.SampleComponent(s))
		}
		predict(theta, p.ComponentBuffers(p.SampleComponent(s)), avg, w)
	}
	e, err := tr.Evaluate(test, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		probs []float64
		got   Scores
	}{"point": {point, e.Mean}, "posterior average": {avg, e.Average}} {
		want, err := score([][]float64{c.probs}, nil, 0, []*data.Set{test})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.got, want) {
			t.Errorf("%s: Evaluate %+v, by hand %+v", name, c.got, want)
		}
	}
	if !reflect.DeepEqual(tr.Network().Buffers(), p.ComponentBuffers(0)) {
		t.Error("Evaluate left the trainer's network with other statistics than its own")
	}
	// Component 1 with component 0's statistics predicts otherwise.
	own, other := make([]float64, test.N*Classes), make([]float64, test.N*Classes)
	predict(pts[1], p.ComponentBuffers(1), own, 1)
	predict(pts[1], p.ComponentBuffers(0), other, 1)
	if reflect.DeepEqual(own, other) {
		t.Error("component 1's predictions do not depend on its statistics")
	}
}

// TestMixtureBatchNormRefusedStep: a step that fails in a component k ≥ 1
// of a mixture with batch norm leaves every component's statistics as they
// were, and the run then goes on to the straight run's bytes.
func TestMixtureBatchNormRefusedStep(t *testing.T) {
	train, _, _ := sets(t)
	cfg := tinyConfig("mixture")
	cfg.BatchNorm, cfg.Components, cfg.Epochs = true, 3, 2
	ref := trained(t, cfg)
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	const k = 5
	runSteps(t, tr, k)
	for _, failAt := range []int{2, 3} { // components 1 and 2 (one evaluation each)
		before := stateBytes(t, tr)
		calls := 0
		tr.corrupt = func(_ int, grad []float32) {
			if calls++; calls == failAt {
				grad[0] = float32(math.NaN())
			}
		}
		if _, err := tr.Step(); !errors.Is(err, blr.ErrNonFinite) {
			t.Fatalf("failing evaluation %d: %v, want a non-finite error", failAt, err)
		}
		if !bytes.Equal(stateBytes(t, tr), before) {
			t.Fatalf("failing evaluation %d: the refused step changed the state", failAt)
		}
	}
	tr.corrupt = nil
	runSteps(t, tr, tr.TotalSteps()-k)
	if !bytes.Equal(stateBytes(t, tr), stateBytes(t, ref)) {
		t.Error("after refused steps the run differs from the straight run")
	}
}

// TestDropoutPointNetwork: the dropout posterior's point network (1−p)⊙m
// on the prediction network gives the outputs of the training network in
// evaluation mode (which scales the kept units by 1−p).
func TestDropoutPointNetwork(t *testing.T) {
	_, test, _ := sets(t)
	cfg := tinyConfig("dropout")
	cfg.Hidden, cfg.Dropout = []int{8, 6}, 0.4
	tr := trained(t, cfg)
	p := tr.Posterior()
	pts, _ := p.PointWeights()
	twin, err := NewPredictionNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Network().SetTraining(false)
	defer tr.Network().SetTraining(true)
	a, err := tr.Network().Forward(tr.Weights(), test.X[:16*test.D], 16)
	if err != nil {
		t.Fatal(err)
	}
	a = append([]float32(nil), a...)
	twin.SetTraining(false)
	b, err := twin.Forward(pts[0], test.X[:16*test.D], 16)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if d := math.Abs(float64(a[i] - b[i])); d > 1e-5*(1+math.Abs(float64(a[i]))) {
			t.Fatalf("output %d: training network in evaluation mode %g, point network %g", i, a[i], b[i])
		}
	}
}

// TestEnsembleOfOne: EvaluateEnsemble of one posterior is its Evaluate, and
// of two it averages them (its point accuracy lies between theirs or
// beyond, but its NLL is at most the mean of theirs, by convexity).
func TestEnsembleOfOne(t *testing.T) {
	_, test, _ := sets(t)
	a := trained(t, tinyConfig("adam")).Posterior()
	cfg := tinyConfig("adam")
	cfg.Seed = 8
	b := trained(t, cfg).Posterior()
	one, err := a.Evaluate(test, nil, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ens1, err := EvaluateEnsemble([]*Posterior{a}, test, nil, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, ens1) {
		t.Error("an ensemble of one differs from the posterior")
	}
	eb, err := b.Evaluate(test, nil, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ens, err := EvaluateEnsemble([]*Posterior{a, b}, test, nil, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ens.Mean.NLL > (one.Mean.NLL+eb.Mean.NLL)/2+1e-12 {
		t.Errorf("ensemble NLL %v above the members' mean %v", ens.Mean.NLL, (one.Mean.NLL+eb.Mean.NLL)/2)
	}
	if _, err := EvaluateEnsemble(nil, test, nil, 0, 1); err == nil {
		t.Error("an empty ensemble was evaluated")
	}
}

// TestPosteriorFamilyErrors: inconsistent posteriors are refused on
// reading, with a reason.
func TestPosteriorFamilyErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(p *Posterior) string {
		path := filepath.Join(dir, "p.safetensors")
		if err := p.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bin := trained(t, tinyConfig("binaryconnect")).Posterior()
	bad := *bin
	bad.Mode = append([]float32(nil), bin.Mode...)
	bad.Mode[0] = -bad.Mode[0]
	if _, err := ReadPosterior(write(&bad)); err == nil || !strings.Contains(err.Error(), "sign(latent") {
		t.Errorf("a mode that is not sign λ: %v", err)
	}
	dcfg := tinyConfig("dropout")
	drop := trained(t, dcfg).Posterior()
	bad = *drop
	bad.DropProb = make([]float32, len(drop.DropProb))
	if _, err := ReadPosterior(write(&bad)); err == nil || !strings.Contains(err.Error(), "drop_prob") {
		t.Errorf("drop probabilities that are not the network's: %v", err)
	}
	mix := trained(t, tinyConfig("mixture")).Posterior()
	bad = *mix
	bad.Weights = []float64{0.5, 0.5, 0.5}
	if _, err := ReadPosterior(write(&bad)); err == nil || !strings.Contains(err.Error(), "sum") {
		t.Errorf("weights summing to 1.5: %v", err)
	}
	bad = *mix
	bad.Family = FamilyGaussian
	if err := bad.WriteFile(filepath.Join(dir, "x.safetensors")); err == nil {
		t.Error("WriteFile accepted a family that is not the optimizer's")
	}
	// A Gaussian file whose metadata claim a mixture.
	iv := trained(t, tinyConfig("ivon"))
	if err := iv.Save(dir); err != nil {
		t.Fatal(err)
	}
	f, err := checkpoint.ReadFile(filepath.Join(dir, PosteriorFile))
	if err != nil {
		t.Fatal(err)
	}
	f.Meta[checkpoint.KeyFamily] = FamilyMixture
	path := filepath.Join(dir, "fam.safetensors")
	if err := checkpoint.WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPosterior(path); err == nil || !strings.Contains(err.Error(), "family") {
		t.Errorf("family mismatch: %v", err)
	}
}

// TestHistory: every finished epoch leaves a record; SetEpochEval adds the
// point scores (and with full the whole evaluation); Save writes
// history.json and Resume reads it back.
func TestHistory(t *testing.T) {
	train, test, ood := sets(t)
	cfg := tinyConfig("bayesbinn")
	cfg.BatchNorm, cfg.TestSamples = true, 2
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Epoch(nil); err != nil {
		t.Fatal(err)
	}
	tr.SetEpochEval(test, ood, false)
	if _, err := tr.Epoch(nil); err != nil {
		t.Fatal(err)
	}
	tr.SetEpochEval(test, ood, true)
	if _, err := tr.Epoch(nil); err != nil {
		t.Fatal(err)
	}
	h := tr.History()
	if len(h) != 3 {
		t.Fatalf("%d records after 3 epochs", len(h))
	}
	for i, r := range h {
		if r.Epoch != i+1 || r.Steps != 4 || !(r.TrainLoss > 0) || !(r.Seconds > 0) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if h[0].TestAcc != nil || h[1].TestAcc == nil || h[1].Eval != nil || h[2].Eval == nil || h[2].Eval.PosteriorAverage == nil {
		t.Errorf("evaluations in the records: %+v", h)
	}
	e, err := tr.Evaluate(test, ood)
	if err != nil {
		t.Fatal(err)
	}
	if *h[2].TestAcc != e.Mean.Accuracy || h[2].Eval.TestAcc != e.Average.Accuracy {
		t.Errorf("epoch 3's scores %v, %v differ from Evaluate's %v, %v", *h[2].TestAcc, h[2].Eval.TestAcc, e.Mean.Accuracy, e.Average.Accuracy)
	}
	dir := t.TempDir()
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	st, err := ReadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Resume(st, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.History(), h) {
		t.Errorf("resumed history %+v, want %+v", r.History(), h)
	}
	runSteps(t, r, 4)
	if got := r.History(); len(got) != 4 || got[3].Epoch != 4 {
		t.Errorf("history after the resumed epoch: %+v", got)
	}
	rep := NewReport(r.Config(), train.N, r.Steps(), e, 0, 0)
	rep.History = r.History()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if hist, ok := m["history"].([]any); !ok || len(hist) != 4 {
		t.Errorf("metrics history: %v", m["history"])
	}
	if m["family"] != FamilyBernoulli {
		t.Errorf("metrics family %v", m["family"])
	}
	// A corrupt history.json is an error, a missing one is not.
	if err := os.WriteFile(filepath.Join(dir, HistoryFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadState(dir); !errors.Is(err, ErrState) {
		t.Errorf("corrupt history.json: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, HistoryFile)); err != nil {
		t.Fatal(err)
	}
	if st, err := ReadState(dir); err != nil || st.History != nil {
		t.Errorf("missing history.json: %v, %v", st, err)
	}
}

// TestRegister: a registered optimizer trains, saves and resumes like the
// built-in ones; bad registrations are refused.
func TestRegister(t *testing.T) {
	spec, _ := Lookup("sgd")
	if err := Register("sgd", spec); err == nil {
		t.Error("registered sgd twice")
	}
	if err := Register("Bad Name", spec); err == nil {
		t.Error("registered a name with capitals and a space")
	}
	if err := Register("nobuild", Spec{Family: FamilyGaussian}); err == nil {
		t.Error("registered a nil builder")
	}
	if err := Register("nofamily", Spec{Family: "beta", Build: spec.Build}); err == nil {
		t.Error("registered an unknown family")
	}
	if _, ok := Lookup("test-sgd"); !ok {
		if err := Register("test-sgd", Spec{Family: FamilyGaussian, Build: diagBuilder("sgd")}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := trained(t, tinyConfig("test-sgd")), trained(t, tinyConfig("sgd"))
	if !reflect.DeepEqual(a.Posterior().Mean, b.Posterior().Mean) {
		t.Error("a registered copy of sgd trains differently")
	}
}

// TestNewConfigErrors: the new settings are checked against the optimizer
// and the model, naming the flag.
func TestNewConfigErrors(t *testing.T) {
	train, _, _ := sets(t)
	cases := []struct {
		field string
		edit  func(c *Config)
	}{
		{"components", func(c *Config) { c.Components = 2 }},
		{"components", func(c *Config) { c.Optimizer, c.Components = "mixture", MaxComponents+1 }},
		{"components", func(c *Config) { c.Optimizer, c.Components = "mixture", -1 }},
		{"dropout", func(c *Config) { c.Dropout = 0.5 }},
		{"dropout", func(c *Config) { c.Optimizer, c.Dropout = "dropout", 1 }},
		{"dropout", func(c *Config) { c.Optimizer, c.Hidden = "dropout", []int{} }},
		{"dropout", func(c *Config) { c.Optimizer, c.Model, c.Hidden = "dropout", "lenet", nil }},
		{"batchnorm", func(c *Config) { c.Model, c.Hidden, c.BatchNorm = "lenet", nil, true }},
		{"bayesbinn-eps", func(c *Config) { c.BayesBiNNEps = 1e-10 }},
		{"bayesbinn-eps", func(c *Config) { c.BayesBiNNEps = blr.Off }},
		{"bayesbinn-eps", func(c *Config) { c.Optimizer, c.BayesBiNNEps = "ste", 1e-10 }},
		{"bayesbinn-eps", func(c *Config) { c.Optimizer, c.BayesBiNNEps = "mixture", 1e-10 }},
		{"bayesbinn-eps", func(c *Config) { c.Optimizer, c.BayesBiNNEps = "bayesbinn", math.NaN() }},
		{"bayesbinn-eps", func(c *Config) { c.Optimizer, c.BayesBiNNEps = "bayesbinn", math.Inf(1) }},
		{"bayesbinn-eps", func(c *Config) { c.Optimizer, c.BayesBiNNEps = "bayesbinn", -1e-3 }},
		{"schedule", func(c *Config) { c.Schedule = "step" }},
		{"temperature", func(c *Config) { c.Temperature = math.NaN() }},
		{"temperature", func(c *Config) { c.Optimizer, c.Temperature = "ste", 0.5 }},
		{"temperature", func(c *Config) { c.Optimizer, c.Temperature = "dropout", 0.5 }},
		{"prior-precision", func(c *Config) { c.Optimizer, c.PriorPrecision = "bayesbinn", 3 }},
		{"beta2", func(c *Config) { c.Optimizer, c.Beta2 = "ste", 0.9 }},
		{"hess-init", func(c *Config) { c.Optimizer, c.HessInit = "binaryconnect", 0.1 }},
		{"beta1", func(c *Config) { c.Optimizer, c.Beta1 = "dropout", 0.9 }},
		{"lr", func(c *Config) { c.Optimizer, c.LR = "bayesbinn", 2 }},
		{"train-samples", func(c *Config) { c.Optimizer, c.TrainSamples = "ste", 2 }},
		{"train-samples", func(c *Config) { c.Optimizer, c.TrainSamples = "dropout", 2 }},
	}
	for _, tc := range cases {
		cfg := tinyConfig("ivon")
		tc.edit(&cfg)
		_, err := New(cfg, train, nil)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%+v: got %v, want a *ConfigError", cfg, err)
			continue
		}
		if ce.Field != tc.field {
			t.Errorf("%+v: error names %q, want %q: %v", cfg, ce.Field, tc.field, err)
		}
	}
	// Off is an explicit zero: BayesBiNN's momentum off is its default.
	cfg := tinyConfig("bayesbinn")
	cfg.Beta1 = blr.Off
	if _, err := New(cfg, train, nil); err != nil {
		t.Errorf("bayesbinn with beta1 Off: %v", err)
	}
}

// TestBayesBiNNEps: Config.BayesBiNNEps reaches the engine (0: the default
// 1e-10; blr.Off: ε = 0, the exact relaxed estimator), changes the run, is
// stored in the state (and left out of the stored configuration when it is
// the default, so that earlier states read the same), and a resumed run
// checks it with the other settings.
func TestBayesBiNNEps(t *testing.T) {
	train, _, _ := sets(t)
	run := func(eps float64) (*Trainer, binarySettings) {
		cfg := tinyConfig("bayesbinn")
		cfg.Epochs, cfg.Temperature, cfg.BayesBiNNEps = 1, 0.5, eps
		tr, err := New(cfg, train, nil)
		if err != nil {
			t.Fatalf("eps %g: %v", eps, err)
		}
		runSteps(t, tr, tr.TotalSteps())
		return tr, tr.Optimizer().Settings().(binarySettings)
	}
	def, sd := run(0)
	exact, se := run(blr.Off)
	custom, sc := run(1e-3)
	if sd.Eps != 1e-10 || se.Eps != 0 || sc.Eps != 1e-3 {
		t.Errorf("engine ε: default %g, Off %g, 1e-3 %g; want 1e-10, 0, 1e-3", sd.Eps, se.Eps, sc.Eps)
	}
	if reflect.DeepEqual(def.Posterior().Latent, exact.Posterior().Latent) {
		t.Error("ε = 0 and ε = 1e-10 give the same posterior at τ = 0.5")
	}
	dir := t.TempDir()
	for name, tr := range map[string]*Trainer{"default": def, "exact": exact, "custom": custom} {
		d := filepath.Join(dir, name)
		if err := tr.Save(d); err != nil {
			t.Fatal(err)
		}
		st, err := ReadState(d)
		if err != nil {
			t.Fatal(err)
		}
		if st.Config.BayesBiNNEps != tr.Config().BayesBiNNEps {
			t.Errorf("%s: stored ε %g, want %g", name, st.Config.BayesBiNNEps, tr.Config().BayesBiNNEps)
		}
		f, err := checkpoint.ReadFile(filepath.Join(d, StateFile))
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(f.Meta[checkpoint.KeyHyperparameters], "bayesbinn_eps"); has != (name != "default") {
			t.Errorf("%s: stored configuration %s", name, f.Meta[checkpoint.KeyHyperparameters])
		}
		if _, err := Resume(st, train, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A state whose stored ε differs from its engine settings is refused.
	st, err := ReadState(filepath.Join(dir, "exact"))
	if err != nil {
		t.Fatal(err)
	}
	st.Config.BayesBiNNEps = 0
	if _, err := Resume(st, train, nil); !errors.Is(err, ErrState) {
		t.Errorf("resuming ε = 0's state as ε = 1e-10: %v, want ErrState", err)
	}
}

// TestMixtureComponentsDistinct: the K components start from different
// initial weights (component 0 from the run's, component k from the k-th
// initialisation stream), every component takes a step on every minibatch,
// and the trained components are different networks.
func TestMixtureComponentsDistinct(t *testing.T) {
	train, _, _ := sets(t)
	cfg := tinyConfig("mixture")
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	mix := tr.Engine().(*blr.DiagMixture[float32])
	if mix.Components() != DefaultComponents {
		t.Fatalf("%d components, want %d", mix.Components(), DefaultComponents)
	}
	init := make([][]float32, DefaultComponents)
	for k := range init {
		init[k] = slices.Clone(mix.Component(k).Mean())
	}
	if !reflect.DeepEqual(init[0], tr.Weights()) {
		t.Error("component 0 does not start from the run's initial weights")
	}
	for i := range init {
		for j := range i {
			same := 0
			for d := range init[i] {
				if init[i][d] == init[j][d] && init[i][d] != 0 {
					same++
				}
			}
			if same > len(init[i])/100 {
				t.Errorf("components %d and %d share %d of %d initial weights", j, i, same, len(init[i]))
			}
		}
	}
	runSteps(t, tr, tr.TotalSteps())
	p := tr.Posterior()
	for k := range init {
		if got := mix.Component(k).Steps(); got != tr.Steps() {
			t.Errorf("component %d took %d steps, the run %d", k, got, tr.Steps())
		}
		for j := range k {
			if reflect.DeepEqual(p.Means[k], p.Means[j]) {
				t.Errorf("components %d and %d end equal", j, k)
			}
		}
	}
}
