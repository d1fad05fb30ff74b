package online

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"

	"github.com/bayesrule/blr"
)

// Limits on the length and number of runs (larger ones give a
// *blr.ConfigError), so that the regret curves fit in memory.
const (
	// MaxSteps bounds the steps of Run and Experiment.Steps.
	MaxSteps = 1 << 24
	// MaxSeeds bounds Experiment.Seeds.
	MaxSeeds = 1 << 16
	// MaxCurvePoints bounds Steps·Seeds·len(Agents), the regret values an
	// Experiment keeps (1 GiB at the limit).
	MaxCurvePoints = 1 << 27
)

// Run plays steps rounds of agent on env: context, action, reward, update.
// It returns the cumulative pseudo-regret after each step (length steps).
// env and agent must not be nil, and steps must lie in [1, MaxSteps].
func Run(env *Bandit, agent Agent, steps int) ([]float64, error) {
	if env == nil {
		return nil, &blr.ConfigError{Field: "env", Value: nil, Reason: "want a *Bandit (NewBandit), not nil"}
	}
	if agent == nil || isNilPointer(agent) {
		return nil, &blr.ConfigError{Field: "agent", Value: nil, Reason: "want an Agent, not nil"}
	}
	if steps < 1 || steps > MaxSteps {
		return nil, &blr.ConfigError{Field: "steps", Value: steps, Reason: fmt.Sprintf("want 1 … %d", MaxSteps)}
	}
	regret := make([]float64, steps)
	var cum float64
	for t := range steps {
		x := env.Next()
		a, err := agent.Act(x)
		if err != nil {
			return nil, fmt.Errorf("online: step %d: %w", t, err)
		}
		r, reg, err := env.Pull(a)
		if err != nil {
			return nil, fmt.Errorf("online: step %d: %w", t, err)
		}
		if err := agent.Update(x, a, r); err != nil {
			return nil, fmt.Errorf("online: step %d: %w", t, err)
		}
		cum += reg
		regret[t] = cum
	}
	return regret, nil
}

// AgentSpec names an agent and builds a fresh one for a seed.
type AgentSpec struct {
	Name string
	New  func(cfg AgentConfig, seed uint64) (Agent, error)
}

// ThompsonSpec is Thompson sampling with the rule's online update, steps
// rule steps per observation.
func ThompsonSpec(steps int) AgentSpec {
	name := "thompson (rule, online)"
	if steps != 1 {
		name = fmt.Sprintf("thompson (rule, online, %d steps)", steps)
	}
	return AgentSpec{Name: name, New: func(cfg AgentConfig, seed uint64) (Agent, error) {
		return NewThompson(cfg, steps, seed)
	}}
}

// EpsGreedySpec is ε-greedy on refit MAP estimates with the schedule eps.
func EpsGreedySpec(eps EpsSchedule) AgentSpec {
	name := fmt.Sprintf("ε-greedy (ε=%g)", eps.Eps0)
	if eps.Decay != 0 {
		name = fmt.Sprintf("ε-greedy (ε=min(1, %g·t^−%g))", eps.Eps0, eps.Decay)
	}
	return AgentSpec{Name: name, New: func(cfg AgentConfig, seed uint64) (Agent, error) {
		return NewEpsGreedy(cfg, eps, seed)
	}}
}

// LaplaceRefitSpec is Thompson sampling from the Laplace approximation
// refit on all data at every step.
func LaplaceRefitSpec() AgentSpec {
	return AgentSpec{Name: "laplace refit (all data)", New: func(cfg AgentConfig, seed uint64) (Agent, error) {
		return NewLaplaceRefit(cfg, seed)
	}}
}

// DefaultAgents are the agents of `blr bandit`: the rule's online Thompson
// sampling (one step per observation), ε-greedy with a constant ε = 0.1, and
// the Laplace-refit Thompson baseline.
func DefaultAgents() []AgentSpec {
	return []AgentSpec{ThompsonSpec(1), EpsGreedySpec(EpsSchedule{Eps0: 0.1}), LaplaceRefitSpec()}
}

// Experiment runs agents on Seeds independent bandits.
type Experiment struct {
	// Bandit configures every environment; seed s of the run uses
	// NewBandit(Bandit, Seed+s).
	Bandit BanditConfig
	// PriorPrecision δ of the agents' prior; 0 means 1/WeightScale², the
	// true weights' distribution.
	PriorPrecision float64
	// Steps T ≥ 2 per run and Seeds ≥ 1 runs per agent.
	Steps, Seeds int
	// Seed is the first seed.
	Seed uint64
	// Agents to compare; each gets seed Seed+s for run s, on its own
	// random stream.
	Agents []AgentSpec
	// Workers bounds the runs done in parallel; 0 means GOMAXPROCS, and
	// more than the number of runs (Seeds·len(Agents)) means that number.
	// The results do not depend on it.
	Workers int
}

// Result is one agent's regret over the seeds.
type Result struct {
	Name string
	// Curves[s][t] is the cumulative regret of seed s after step t+1.
	Curves [][]float64
	// Mean and SE are the mean over seeds and its standard error, per step.
	Mean, SE []float64
	// Final and FinalSE are Mean and SE at the last step.
	Final, FinalSE float64
	// Slope is the log-log slope of Mean on the second half of the steps
	// (see LogLogSlope); NaN if that half has fewer than two positive values.
	Slope float64
}

func (e *Experiment) check() error {
	if err := e.Bandit.check(); err != nil {
		return err
	}
	if err := checkArmsDim2("BanditConfig.Dim", e.Bandit.Arms, e.Bandit.Dim); err != nil {
		return err
	}
	if !(e.PriorPrecision >= 0) || math.IsInf(e.PriorPrecision, 0) {
		return &blr.ConfigError{Field: "Experiment.PriorPrecision", Value: e.PriorPrecision, Reason: "want a finite value ≥ 0 (0: 1/WeightScale²)"}
	}
	if e.PriorPrecision == 0 {
		if d := e.priorPrecision(); !(d > 0) || math.IsInf(d, 0) {
			return &blr.ConfigError{Field: "BanditConfig.WeightScale", Value: e.Bandit.WeightScale, Reason: fmt.Sprintf(
				"the agents' prior precision 1/WeightScale² = %g is not a finite value > 0; want a WeightScale in [1e-150, 1e150], or set Experiment.PriorPrecision", d)}
		}
	}
	if e.Steps < 2 || e.Steps > MaxSteps {
		return &blr.ConfigError{Field: "Experiment.Steps", Value: e.Steps, Reason: fmt.Sprintf("want 2 … %d", MaxSteps)}
	}
	if e.Seeds < 1 || e.Seeds > MaxSeeds {
		return &blr.ConfigError{Field: "Experiment.Seeds", Value: e.Seeds, Reason: fmt.Sprintf("want 1 … %d", MaxSeeds)}
	}
	if len(e.Agents) == 0 {
		return &blr.ConfigError{Field: "Experiment.Agents", Value: 0, Reason: "want at least one agent"}
	}
	if n := float64(e.Steps) * float64(e.Seeds) * float64(len(e.Agents)); n > MaxCurvePoints {
		return &blr.ConfigError{Field: "Experiment.Seeds", Value: e.Seeds, Reason: fmt.Sprintf(
			"%d seeds of %d steps for %d agents would keep %.0f regret values, more than the limit %d (MaxCurvePoints)", e.Seeds, e.Steps, len(e.Agents), n, MaxCurvePoints)}
	}
	for i, a := range e.Agents {
		if a.New == nil {
			return &blr.ConfigError{Field: fmt.Sprintf("Experiment.Agents[%d].New", i), Value: nil, Reason: "required"}
		}
	}
	if e.Workers < 0 {
		return &blr.ConfigError{Field: "Experiment.Workers", Value: e.Workers, Reason: "want ≥ 0"}
	}
	return nil
}

// Run runs every agent on every seed and summarises the regret.
func (e *Experiment) Run() ([]Result, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	cfg := AgentConfig{Arms: e.Bandit.Arms, Dim: e.Bandit.Dim, PriorPrecision: e.priorPrecision()}
	res := make([]Result, len(e.Agents))
	errs := make([]error, len(e.Agents)*e.Seeds)
	for i, a := range e.Agents {
		res[i] = Result{Name: a.Name, Curves: make([][]float64, e.Seeds)}
	}
	workers := e.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(errs)) // no idle goroutines, however large Workers is
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				i, s := j/e.Seeds, j%e.Seeds
				seed := e.Seed + uint64(s)
				env, err := NewBandit(e.Bandit, seed)
				if err != nil {
					errs[j] = err
					continue
				}
				agent, err := e.Agents[i].New(cfg, seed)
				if err != nil {
					errs[j] = fmt.Errorf("online: agent %q: %w", e.Agents[i].Name, err)
					continue
				}
				curve, err := Run(env, agent, e.Steps)
				if err != nil {
					errs[j] = fmt.Errorf("online: agent %q, seed %d: %w", e.Agents[i].Name, seed, err)
					continue
				}
				res[i].Curves[s] = curve
			}
		}()
	}
	for j := range errs {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i := range res {
		summarise(&res[i], e.Steps)
	}
	return res, nil
}

// priorPrecision returns the agents' δ: PriorPrecision, or 1/WeightScale²
// when it is 0.
func (e *Experiment) priorPrecision() float64 {
	if e.PriorPrecision != 0 {
		return e.PriorPrecision
	}
	return 1 / (e.Bandit.WeightScale * e.Bandit.WeightScale)
}

// isNilPointer reports whether a is an interface holding a nil pointer (a
// nil *Thompson, say), whose methods would dereference it.
func isNilPointer(a Agent) bool {
	v := reflect.ValueOf(a)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// summarise fills Mean, SE, Final, FinalSE and Slope from Curves.
func summarise(r *Result, steps int) {
	n := float64(len(r.Curves))
	r.Mean = make([]float64, steps)
	r.SE = make([]float64, steps)
	for t := range steps {
		var sum float64
		for _, c := range r.Curves {
			sum += c[t]
		}
		mean := sum / n
		var ss float64
		for _, c := range r.Curves {
			ss += (c[t] - mean) * (c[t] - mean)
		}
		r.Mean[t] = mean
		if n > 1 {
			r.SE[t] = math.Sqrt(ss / (n - 1) / n)
		}
	}
	r.Final, r.FinalSE = r.Mean[steps-1], r.SE[steps-1]
	slope, err := LogLogSlope(r.Mean, steps/2)
	if err != nil {
		slope = math.NaN()
	}
	r.Slope = slope
}

// LogLogSlope returns the least-squares slope of log R(t) against log t for
// t = from+1, …, len(regret), where regret[t−1] = R(t) is the cumulative
// regret after step t; steps with R(t) ≤ 0 are left out. R(t) ∝ t^b gives
// b; b < 1 is sublinear growth. Fewer than two usable steps, or from out of
// range, give a *blr.ConfigError.
func LogLogSlope(regret []float64, from int) (float64, error) {
	if from < 0 || from >= len(regret) {
		return 0, &blr.ConfigError{Field: "from", Value: from, Reason: fmt.Sprintf("want 0 ≤ from < %d", len(regret))}
	}
	var n, sx, sy float64
	for t := from; t < len(regret); t++ {
		if regret[t] > 0 {
			n++
			sx += math.Log(float64(t + 1))
			sy += math.Log(regret[t])
		}
	}
	if n < 2 {
		return 0, &blr.ConfigError{Field: "regret", Value: fmt.Sprintf("%v positive values", n), Reason: "need two positive values to fit a slope"}
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for t := from; t < len(regret); t++ {
		if regret[t] > 0 {
			dx := math.Log(float64(t+1)) - mx
			sxx += dx * dx
			sxy += dx * (math.Log(regret[t]) - my)
		}
	}
	return sxy / sxx, nil
}
