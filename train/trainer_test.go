package train

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
)

// straight runs cfg to the end in one Trainer, saves it to dir and returns
// its evaluation.
func straight(t *testing.T, cfg Config, dir string) *Evaluation {
	t.Helper()
	train, test, ood := sets(t)
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, tr.TotalSteps())
	if !tr.Done() {
		t.Fatal("not done after TotalSteps steps")
	}
	if _, err := tr.Step(); !errors.Is(err, ErrDone) {
		t.Fatalf("Step after the end: %v, want ErrDone", err)
	}
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	e, err := tr.Evaluate(test, ood)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// interrupted runs k steps, saves to dir1, resumes from the files in fresh
// objects, runs to the end, saves to dir2 and returns the evaluation.
func interrupted(t *testing.T, cfg Config, k int, dir1, dir2 string) *Evaluation {
	t.Helper()
	train, test, ood := sets(t)
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, k)
	if err := tr.Save(dir1); err != nil {
		t.Fatal(err)
	}
	st, err := ReadState(dir1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Step != k {
		t.Fatalf("stored step %d, want %d", st.Step, k)
	}
	r, err := Resume(st, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stateBytes(t, r), stateBytes(t, tr)) {
		t.Fatalf("k=%d: the resumed state differs from the saved one", k)
	}
	runSteps(t, r, r.TotalSteps()-k)
	if err := r.Save(dir2); err != nil {
		t.Fatal(err)
	}
	e, err := r.Evaluate(test, ood)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestResumeBitIdentical: for every registered optimizer (and batch-norm,
// schedule and mixture variants), T steps straight and k steps, save,
// resume in fresh objects, T−k steps give the same state and posterior
// bytes and the same metrics, for k at epoch boundaries {0, 1, T/2, T−1}
// epochs and at step granularity {0, 1, T/2, T−1} steps.
func TestResumeBitIdentical(t *testing.T) {
	const T, spe = tinyTotalSteps, tinyTotalSteps / tinyEpochs
	splits := []struct {
		name string
		k    int
	}{
		{"epoch0", 0}, {"epoch1", spe}, {"epochT/2", T / 2}, {"epochT-1", T - spe},
		{"step1", 1}, {"stepT/2+1", T/2 + 1}, {"stepT-1", T - 1},
	}
	type variant struct {
		name string
		cfg  Config
	}
	var variants []variant
	for _, opt := range Names() {
		variants = append(variants, variant{opt, tinyConfig(opt)})
	}
	// Batch norm (its statistics are state), schedules (the step size is
	// set from the step count) and a mixture of 2 with 2 training samples.
	bn := tinyConfig("bayesbinn")
	bn.BatchNorm, bn.Schedule, bn.LR = true, "cosine", 0.01
	ivonBN := tinyConfig("ivon")
	ivonBN.BatchNorm, ivonBN.Schedule = true, "cosine"
	dropBN := tinyConfig("dropout")
	dropBN.BatchNorm, dropBN.Dropout, dropBN.Hidden = true, 0.5, []int{8, 6}
	mix2 := tinyConfig("mixture")
	mix2.Components, mix2.TrainSamples, mix2.Schedule = 2, 2, "cosine"
	mixBN := tinyConfig("mixture")
	mixBN.Components, mixBN.BatchNorm, mixBN.Schedule = 3, true, "cosine"
	variants = append(variants, variant{"bayesbinn+bn+cosine", bn}, variant{"ivon+bn+cosine", ivonBN},
		variant{"dropout+bn", dropBN}, variant{"mixture-k2-s2+cosine", mix2}, variant{"mixture-k3+bn+cosine", mixBN})
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			cfg := v.cfg
			base := t.TempDir()
			want := straight(t, cfg, filepath.Join(base, "straight"))
			wantState, wantPost := readFiles(t, filepath.Join(base, "straight"))
			for _, s := range splits {
				d1, d2 := filepath.Join(base, s.name+"-a"), filepath.Join(base, s.name+"-b")
				got := interrupted(t, cfg, s.k, d1, d2)
				gotState, gotPost := readFiles(t, d2)
				if !bytes.Equal(gotPost, wantPost) {
					t.Errorf("%s (k=%d): posterior.safetensors differs", s.name, s.k)
				}
				if !bytes.Equal(gotState, wantState) {
					t.Errorf("%s (k=%d): state.safetensors differs", s.name, s.k)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s (k=%d): metrics differ:\n got %+v\nwant %+v", s.name, s.k, got, want)
				}
			}
		})
	}
}

// TestGOMAXPROCS: the same seed gives bit-identical posteriors with
// GOMAXPROCS 1 and 2, for the MLP and the CNN, on the plain-gradient (IVON)
// and per-example Fisher (VOGN) paths, and for the binary engine's split
// update (BayesBiNN, with more than 2¹⁵ binary weights).
func TestGOMAXPROCS(t *testing.T) {
	train, _, _ := sets(t)
	cases := []struct {
		model, opt string
		hidden     []int
	}{{"mlp", "ivon", []int{64, 32}}, {"mlp", "vogn", []int{64}}, {"lenet", "ivon", nil}, {"mlp", "bayesbinn", []int{64, 32}}}
	for _, c := range cases {
		t.Run(c.model+"/"+c.opt, func(t *testing.T) {
			cfg := tinyConfig(c.opt)
			cfg.Model, cfg.Hidden, cfg.Epochs = c.model, c.hidden, 1
			if c.model == "lenet" {
				cfg.TrainSize, cfg.Batch = 128, 64
			}
			var post [2][]byte
			for i, procs := range []int{1, 2} {
				func() {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					set := train
					if cfg.TrainSize < train.N {
						set, _ = head(train, cfg.TrainSize)
					}
					tr, err := New(cfg, set, nil)
					if err != nil {
						t.Fatal(err)
					}
					runSteps(t, tr, tr.TotalSteps())
					dir := t.TempDir()
					if err := tr.Save(dir); err != nil {
						t.Fatal(err)
					}
					_, post[i] = readFiles(t, dir)
				}()
			}
			if !bytes.Equal(post[0], post[1]) {
				t.Error("posterior bytes differ between GOMAXPROCS 1 and 2")
			}
		})
	}
}

// TestSeedMatters: a different seed gives a different posterior (the seed
// is not ignored).
func TestSeedMatters(t *testing.T) {
	train, _, _ := sets(t)
	var post [2][]float32
	for i, seed := range []uint64{1, 2} {
		cfg := tinyConfig("ivon")
		cfg.Seed, cfg.Epochs = seed, 1
		tr, err := New(cfg, train, nil)
		if err != nil {
			t.Fatal(err)
		}
		runSteps(t, tr, tr.TotalSteps())
		post[i] = tr.Posterior().Mean
	}
	if reflect.DeepEqual(post[0], post[1]) {
		t.Error("seeds 1 and 2 give the same posterior")
	}
}

// TestNonFiniteStepRefused: a NaN or Inf in the gradient at step k is
// refused with a *StepError wrapping blr.ErrNonFinite, and the state (the
// weights, the optimizer, the data position, the generators, the batch-norm
// statistics) is unchanged: carrying on without the fault gives the
// straight run's bytes.
func TestNonFiniteStepRefused(t *testing.T) {
	train, _, _ := sets(t)
	for _, opt := range []string{"adam", "ivon", "vogn", "ivon+bn", "bayesbinn+bn", "dropout", "mixture", "mixture+bn"} {
		for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
			t.Run(fmt.Sprintf("%s/%v", opt, bad), func(t *testing.T) {
				name, bn := strings.CutSuffix(opt, "+bn")
				cfg := tinyConfig(name)
				cfg.Epochs, cfg.BatchNorm = 2, bn
				ref, err := New(cfg, train, nil)
				if err != nil {
					t.Fatal(err)
				}
				runSteps(t, ref, ref.TotalSteps())
				tr, err := New(cfg, train, nil)
				if err != nil {
					t.Fatal(err)
				}
				const k = 5
				runSteps(t, tr, k)
				before := stateBytes(t, tr)
				tr.corrupt = func(step int, grad []float32) { grad[len(grad)/2] = bad }
				_, err = tr.Step()
				var se *StepError
				if !errors.As(err, &se) || !errors.Is(err, blr.ErrNonFinite) || se.Step != k {
					t.Fatalf("Step with a bad gradient: %v, want a *StepError at step %d wrapping blr.ErrNonFinite", err, k)
				}
				if !bytes.Equal(stateBytes(t, tr), before) {
					t.Fatal("the refused step changed the state")
				}
				tr.corrupt = nil
				runSteps(t, tr, tr.TotalSteps()-k)
				if !bytes.Equal(stateBytes(t, tr), stateBytes(t, ref)) {
					t.Error("after a refused step the run differs from the straight run")
				}
			})
		}
	}
}

// TestNonFiniteLoss: a loss that overflows is refused too (an absurd
// learning rate drives the weights to Inf).
func TestNonFiniteLoss(t *testing.T) {
	train, _, _ := sets(t)
	cfg := tinyConfig("sgd")
	cfg.LR = 1e30
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < tr.TotalSteps(); i++ {
		before := stateBytes(t, tr)
		if _, err = tr.Step(); err != nil {
			if !bytes.Equal(stateBytes(t, tr), before) {
				t.Fatal("the refused step changed the state")
			}
			break
		}
	}
	if !errors.Is(err, blr.ErrNonFinite) {
		t.Fatalf("lr 1e30: %v, want an error wrapping blr.ErrNonFinite", err)
	}
}

// TestConfigErrors: every invalid setting gives a *ConfigError naming its
// flag, from Validate or from New (the optimizer's own checks).
func TestConfigErrors(t *testing.T) {
	train, _, _ := sets(t)
	cases := []struct {
		field string
		edit  func(c *Config)
	}{
		{"data", func(c *Config) { c.Data = "cifar10" }},
		{"model", func(c *Config) { c.Model = "resnet" }},
		{"hidden", func(c *Config) { c.Hidden = []int{16, 0} }},
		{"hidden", func(c *Config) { c.Hidden = []int{1 << 20, 1 << 20} }},
		{"hidden", func(c *Config) { c.Model, c.Hidden = "lenet", []int{5} }},
		{"optimizer", func(c *Config) { c.Optimizer = "lbfgs" }},
		{"epochs", func(c *Config) { c.Epochs = 0 }},
		{"epochs", func(c *Config) { c.Epochs = -3 }},
		{"batch", func(c *Config) { c.Batch = 0 }},
		{"train-samples", func(c *Config) { c.TrainSamples = 0 }},
		{"train-samples", func(c *Config) { c.Optimizer, c.TrainSamples = "adam", 2 }},
		{"train-samples", func(c *Config) { c.TrainSamples = MaxSamples + 1 }},
		{"test-samples", func(c *Config) { c.TestSamples = -1 }},
		{"train-size", func(c *Config) { c.TrainSize = -1 }},
		{"test-size", func(c *Config) { c.TestSize = -1 }},
		{"validation", func(c *Config) { c.Validation = 1 }},
		{"validation", func(c *Config) { c.Validation = math.NaN() }},
		{"lr", func(c *Config) { c.LR = math.NaN() }},
		{"lr", func(c *Config) { c.LR = -0.5 }},
		{"lr", func(c *Config) { c.LR = math.Inf(1) }},
		{"lr", func(c *Config) { c.LR = blr.Off }},
		{"prior-precision", func(c *Config) { c.PriorPrecision = -2 }},
		{"beta1", func(c *Config) { c.Beta1 = 1 }},
		{"beta2", func(c *Config) { c.Beta2 = 1.5 }},
		{"hess-init", func(c *Config) { c.HessInit = blr.Off }},
		{"lr", func(c *Config) { c.Optimizer, c.LR = "iblr-diag", 2 }},
	}
	for _, tc := range cases {
		cfg := tinyConfig("ivon")
		tc.edit(&cfg)
		_, err := New(cfg, train, nil)
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: got %v, want a *ConfigError", cfg, err)
			continue
		}
		if ce.Field != tc.field {
			t.Errorf("%+v: error names %q, want %q: %v", cfg, ce.Field, tc.field, err)
		}
	}
}

// TestBadData: sets that do not fit the models, or hold a NaN, are refused
// with errors that say why.
func TestBadData(t *testing.T) {
	train, _, _ := sets(t)
	nan := *train
	nan.X = append([]float32(nil), train.X...)
	nan.X[3*train.D+17] = float32(math.NaN())
	narrow := &data.Set{X: make([]float32, 20), Y: make([]int, 2), N: 2, D: 10, Classes: 2, Name: "narrow"}
	wide := *train
	wide.Classes = 12
	badLabel := *train
	badLabel.Y = append([]int(nil), train.Y...)
	badLabel.Y[0] = 10
	empty := &data.Set{Name: "empty", D: ImageSize, Classes: 10}
	cases := []struct {
		name string
		set  *data.Set
		want string
	}{
		{"nan", &nan, "example 3"}, {"narrow", narrow, "features"}, {"classes", &wide, "classes"},
		{"label", &badLabel, "Y[0]"}, {"empty", empty, "no examples"}, {"nil", nil, "no data"},
	}
	for _, tc := range cases {
		_, err := New(tinyConfig("ivon"), tc.set, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestResumeErrors: a state resumed on other data, a posterior passed as a
// state, a truncated or altered state file give errors, not panics.
func TestResumeErrors(t *testing.T) {
	train, _, _ := sets(t)
	dir := t.TempDir()
	tr, err := New(tinyConfig("ivon"), train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, 3)
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	st, err := ReadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	other := *train
	other.Y = append([]int(nil), train.Y...)
	other.Y[0] = (other.Y[0] + 1) % 10
	if _, err := Resume(st, &other, nil); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "training data differ") {
		t.Errorf("resume on other data: %v", err)
	}
	smaller, _ := head(train, 200)
	if _, err := Resume(st, smaller, nil); !errors.Is(err, ErrState) {
		t.Errorf("resume on fewer examples: %v", err)
	}
	if _, err := ReadState(filepath.Join(dir, PosteriorFile)); !errors.Is(err, ErrState) {
		t.Errorf("ReadState of a posterior: %v", err)
	}
	if _, err := ReadState(t.TempDir()); err == nil {
		t.Error("ReadState of an empty directory succeeded")
	}
	raw, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	for _, cut := range []int{0, 7, 100, len(raw) / 2, len(raw) - 1} {
		if err := os.WriteFile(bad, raw[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadState(bad); !errors.Is(err, checkpoint.ErrTruncated) && !errors.Is(err, checkpoint.ErrHeader) {
			t.Errorf("state truncated at %d: %v", cut, err)
		}
	}
	// A state whose metadata were edited (and re-encoded with a valid
	// checksum): the step disagrees with the loader position.
	f, err := checkpoint.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	f.Meta.SetInt(checkpoint.KeyStep, 9)
	if err := checkpoint.WriteFile(bad, f); err != nil {
		t.Fatal(err)
	}
	st, err = ReadState(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(st, train, nil); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "data loader") {
		t.Errorf("edited step: %v", err)
	}
}

// TestEpochAccounting: Epoch stops at epoch ends, reports the steps and
// examples, and the position is (next epoch, 0) there.
func TestEpochAccounting(t *testing.T) {
	train, _, _ := sets(t)
	cfg := tinyConfig("adam")
	cfg.Batch = 100 // 256 = 100 + 100 + 56
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.StepsPerEpoch() != 3 || tr.TotalSteps() != 12 {
		t.Fatalf("StepsPerEpoch %d, TotalSteps %d; want 3 and 12", tr.StepsPerEpoch(), tr.TotalSteps())
	}
	runSteps(t, tr, 1)
	ei, err := tr.Epoch(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ei.Epoch != 1 || ei.Steps != 2 || ei.Examples != 156 {
		t.Errorf("rest of epoch 1: %+v, want epoch 1, 2 steps, 156 examples", ei)
	}
	if e, p := tr.Position(); e != 1 || p != 0 || tr.EpochsDone() != 1 {
		t.Errorf("position after epoch 1: (%d, %d), %d epochs done", e, p, tr.EpochsDone())
	}
	calls := 0
	for !tr.Done() {
		if ei, err = tr.Epoch(func(StepInfo) { calls++ }); err != nil {
			t.Fatal(err)
		}
		if ei.Steps != 3 || ei.Examples != 256 || !(ei.Loss > 0) {
			t.Errorf("epoch %d: %+v", ei.Epoch, ei)
		}
	}
	if calls != 9 {
		t.Errorf("progress called %d times, want 9", calls)
	}
	if images, _ := tr.Throughput(); images != 4*256 {
		t.Errorf("Throughput: %d images, want %d", images, 4*256)
	}
}
