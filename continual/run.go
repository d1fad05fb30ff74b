package continual

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/bayesrule/blr/checkpoint"
)

// Predictive names.
const (
	PredictiveAverage = "posterior-average"
	PredictiveMean    = "mean-weights"
)

// MethodResult is one column of the experiment: a sequential method or the
// joint upper bound.
type MethodResult struct {
	// Name is the column's name: the method's (e.g. "ivon", "adam",
	// "ivon-ft") or "joint-" and the joint optimizer's.
	Name      string `json:"name"`
	Optimizer string `json:"optimizer"`
	// Mode is "posterior as prior", "fine-tuning" or "joint".
	Mode string `json:"mode"`
	// Predictive is the reported predictive: PredictiveAverage (S =
	// Config.TestSamples networks, Bayesian optimizers) or PredictiveMean.
	Predictive string `json:"predictive"`
	// Acc[t][j] is the reported accuracy on task j after task t (j ≤ t).
	Acc [][]float64 `json:"acc"`
	// AccMean is the same with the mean weights, for every method.
	AccMean [][]float64 `json:"acc_mean_weights"`
	// Avg[t] is the average of Acc[t] over the t+1 tasks seen.
	Avg []float64 `json:"avg"`
	// AvgMean is the average of AccMean[t].
	AvgMean []float64 `json:"avg_mean_weights"`
	// Warnings are the optimizer's construction warnings (β₂ too close to 1
	// for the run), one per task where there was one.
	Warnings []string `json:"warnings,omitempty"`
	// Seconds is the wall time of the method, training and evaluation (the
	// only field that varies from run to run).
	Seconds float64 `json:"seconds"`
}

// Result is an experiment's outcome.
type Result struct {
	Config    Config         `json:"config"`
	Benchmark string         `json:"benchmark"`
	Model     string         `json:"model"`
	Tasks     []string       `json:"tasks"`
	TrainN    []int          `json:"train_examples"` // per task
	TestN     []int          `json:"test_examples"`  // per task
	Methods   []MethodResult `json:"methods"`
}

// Method returns the column of the given name, or nil.
func (r *Result) Method(name string) *MethodResult {
	for i := range r.Methods {
		if r.Methods[i].Name == name {
			return &r.Methods[i]
		}
	}
	return nil
}

// WriteFile writes the result as indented JSON to path, atomically.
func (r *Result) WriteFile(path string) error { return writeJSON(path, r) }

// writeJSON writes v as indented JSON to path, atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

// writeFile replaces path with b atomically (checkpoint.WriteAtomic).
func writeFile(path string, b []byte) error { return checkpoint.WriteAtomic(path, b) }

// average is the mean of a row of the accuracy matrix.
func average(row []float64) float64 {
	var s float64
	for _, v := range row {
		s += v
	}
	return s / float64(len(row))
}

// modelName describes the network for people: "mlp 784-100-100-10".
func modelName(in int, hidden []int, heads, width int) string {
	s := fmt.Sprintf("mlp %d", in)
	for _, h := range hidden {
		s += fmt.Sprintf("-%d", h)
	}
	s += fmt.Sprintf("-%d", heads*width)
	if heads > 1 {
		s += fmt.Sprintf(" (%d heads of %d)", heads, width)
	}
	return s
}

// Run runs the experiment of cfg on the benchmark b (from Load or Build):
// each method of cfg.Methods learns the tasks in sequence and is tested on
// every task seen after each; then, when cfg.Joint is set, a network is
// trained on the union of tasks 1…t for each t. Progress goes to log when
// it is not nil. The same cfg and b give the same accuracies.
func Run(cfg Config, b *Benchmark, log io.Writer) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if b == nil || len(b.Tasks) == 0 {
		return nil, &ConfigError{Field: "data", Value: "no tasks", Reason: "want a benchmark with tasks"}
	}
	if len(b.Tasks) != cfg.Tasks {
		return nil, &ConfigError{Field: "tasks", Value: cfg.Tasks, Reason: fmt.Sprintf("the benchmark has %d tasks", len(b.Tasks))}
	}
	in := b.Tasks[0].Train.D
	for _, t := range b.Tasks {
		if t.Train.D != in || t.Test.D != in {
			return nil, &ConfigError{Field: "data", Value: t.Name, Reason: "tasks of different input sizes"}
		}
		if t.Head < 0 || t.Head >= b.Heads {
			return nil, &ConfigError{Field: "data", Value: t.Name, Reason: fmt.Sprintf("head %d outside [0, %d)", t.Head, b.Heads)}
		}
		for _, s := range [...]int{t.Train.Classes, t.Test.Classes} {
			if s > b.Width {
				return nil, &ConfigError{Field: "data", Value: t.Name, Reason: fmt.Sprintf("%d classes for a head of %d outputs", s, b.Width)}
			}
		}
	}
	m, err := newModel(in, cfg.hidden(), b.Heads, b.Width)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: cfg, Benchmark: b.Name, Model: modelName(in, cfg.hidden(), b.Heads, b.Width)}
	res.Config.Hidden = append([]int{}, cfg.hidden()...)
	for _, t := range b.Tasks {
		res.Tasks = append(res.Tasks, t.Name)
		res.TrainN = append(res.TrainN, t.Train.N)
		res.TestN = append(res.TestN, t.Test.N)
	}
	logf := func(format string, a ...any) {
		if log != nil {
			fmt.Fprintf(log, format, a...)
		}
	}
	for _, name := range cfg.Methods {
		meth, err := ParseMethod(name)
		if err != nil {
			return nil, err
		}
		mr, err := runSequential(cfg, b, m, meth, logf)
		if err != nil {
			return nil, fmt.Errorf("continual: %s: %w", name, err)
		}
		res.Methods = append(res.Methods, *mr)
	}
	if cfg.Joint != "" {
		mr, err := runJoint(cfg, b, m, logf)
		if err != nil {
			return nil, fmt.Errorf("continual: joint %s: %w", cfg.Joint, err)
		}
		res.Methods = append(res.Methods, *mr)
	}
	return res, nil
}

// initialWeights draws the full network's initial weights from the seed.
func initialWeights(m *model, seed uint64) ([]float32, error) {
	w := make([]float32, m.full.NumParams())
	if err := m.full.Init(w, rand.New(rand.NewPCG(seed, streamInit))); err != nil {
		return nil, err
	}
	return w, nil
}

// predictive is the reported predictive and its number of samples.
func predictive(bayesian bool, samples int) (string, int) {
	if bayesian && samples > 0 {
		return PredictiveAverage, samples
	}
	return PredictiveMean, 0
}

// record evaluates the weights (mean, prec) of the full network on tasks
// 0…t and appends row t to mr.
func record(mr *MethodResult, cfg Config, b *Benchmark, m *model, t int, mean, prec []float32, samples int, stream uint64) error {
	acc, accMean := make([]float64, t+1), make([]float64, t+1)
	for j := 0; j <= t; j++ {
		task := b.Tasks[j]
		mp := m.maps[task.Head]
		hm := gather(nil, mean, mp)
		var hp []float32
		if samples > 0 {
			hp = gather(nil, prec, mp)
		}
		a, err := m.evaluate(task, hm, hp, samples, derive(derive(cfg.Seed, stream, uint64(t)), streamEval, uint64(j)))
		if err != nil {
			return err
		}
		accMean[j] = a.Mean
		acc[j] = a.Mean
		if samples > 0 {
			acc[j] = a.Average
		}
	}
	mr.Acc = append(mr.Acc, acc)
	mr.AccMean = append(mr.AccMean, accMean)
	mr.Avg = append(mr.Avg, average(acc))
	mr.AvgMean = append(mr.AvgMean, average(accMean))
	return nil
}

// seqHook, when set (tests), sees each sequential task's optimizer after its
// prior is set and before it takes a step.
var seqHook func(meth Method, t int, l *learner)

// runSequential learns the tasks in order with one method.
func runSequential(cfg Config, b *Benchmark, m *model, meth Method, logf func(string, ...any)) (*MethodResult, error) {
	start := time.Now()
	pred, samples := predictive(meth.Bayesian(), cfg.TestSamples)
	mr := &MethodResult{Name: meth.Name, Optimizer: meth.Optimizer, Mode: meth.Mode(), Predictive: pred}
	mean, err := initialWeights(m, cfg.Seed)
	if err != nil {
		return nil, err
	}
	var prec []float32 // the posterior precision of the full network (Bayesian methods)
	trained := make([]bool, b.Heads)
	for t, task := range b.Tasks {
		mp := m.maps[task.Head]
		params := gather(nil, mean, mp)
		l, err := newLearner(m, meth.Optimizer, params, []Task{task}, true, cfg.Epochs, cfg.Batch,
			derive(cfg.Seed, streamBatch, uint64(t)), derive(cfg.Seed, streamNoise, uint64(t)), derive(cfg.Seed, streamLabel, uint64(t)))
		if err != nil {
			return nil, err
		}
		if w := l.opt.Warning(); w != "" {
			mr.Warnings = append(mr.Warnings, fmt.Sprintf("task %d: %s", t+1, w))
		}
		if meth.Prior && prec != nil {
			fresh := len(params)
			if !trained[task.Head] {
				fresh = m.body
			}
			if err := setPrior(l.opt, params, gather(nil, prec, mp), fresh); err != nil {
				return nil, fmt.Errorf("task %d: setting the prior: %w", t+1, err)
			}
		}
		if seqHook != nil {
			seqHook(meth, t, l)
		}
		if err := l.run(); err != nil {
			return nil, fmt.Errorf("task %d: %w", t+1, err)
		}
		scatter(mean, l.opt.Mean(), mp)
		if meth.Bayesian() {
			if prec == nil {
				// Heads not trained yet hold the initial prior's precision P₀/τ.
				o := l.opt.Options()
				prec = make([]float32, len(mean))
				for i := range prec {
					prec[i] = float32(o.PriorPrecision / o.Temperature)
				}
			}
			scatter(prec, l.opt.Precision(nil), mp)
		}
		trained[task.Head] = true
		if err := record(mr, cfg, b, m, t, mean, prec, samples, streamEval); err != nil {
			return nil, err
		}
		logf("%-8s after task %d/%d: average accuracy %.4f (%s)\n", meth.Name, t+1, len(b.Tasks), mr.Avg[t], time.Since(start).Round(time.Millisecond))
	}
	mr.Seconds = time.Since(start).Seconds()
	return mr, nil
}

// runJoint trains, for each t, a new network on the union of tasks 0…t.
func runJoint(cfg Config, b *Benchmark, m *model, logf func(string, ...any)) (*MethodResult, error) {
	start := time.Now()
	bayes := (Method{Optimizer: cfg.Joint}).Bayesian()
	pred, samples := predictive(bayes, cfg.TestSamples)
	mr := &MethodResult{Name: "joint-" + cfg.Joint, Optimizer: cfg.Joint, Mode: "joint", Predictive: pred}
	for t := range b.Tasks {
		mean, err := initialWeights(m, cfg.Seed)
		if err != nil {
			return nil, err
		}
		direct := b.Heads == 1
		l, err := newLearner(m, cfg.Joint, mean, b.Tasks[:t+1], direct, cfg.Epochs, cfg.Batch,
			derive(cfg.Seed, streamJoint, uint64(t)), derive(cfg.Seed, streamNoise^streamJoint, uint64(t)), derive(cfg.Seed, streamLabel^streamJoint, uint64(t)))
		if err != nil {
			return nil, err
		}
		if w := l.opt.Warning(); w != "" {
			mr.Warnings = append(mr.Warnings, fmt.Sprintf("tasks 1-%d: %s", t+1, w))
		}
		if err := l.run(); err != nil {
			return nil, fmt.Errorf("tasks 1-%d: %w", t+1, err)
		}
		var prec []float32
		if bayes {
			prec = l.opt.Precision(nil)
		}
		if err := record(mr, cfg, b, m, t, mean, prec, samples, streamJoint); err != nil {
			return nil, err
		}
		logf("%-8s after task %d/%d: average accuracy %.4f (%s)\n", mr.Name, t+1, len(b.Tasks), mr.Avg[t], time.Since(start).Round(time.Millisecond))
	}
	mr.Seconds = time.Since(start).Seconds()
	return mr, nil
}
