package online_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/bayesrule/blr/online"
	"gonum.org/v1/gonum/mat"
)

func mutSigmoid(s float64) float64 { return 1 / (1 + math.Exp(-s)) }

// mutMAP1D returns the minimiser of Σᵢ softplus(−(2rᵢ−1)θ) + ½δθ² (an
// intercept-only logistic regression) by bisection on its increasing
// derivative Σᵢ(σ(θ) − rᵢ) + δθ.
func mutMAP1D(r []float64, delta float64) float64 {
	g := func(th float64) float64 {
		s := delta * th
		for _, v := range r {
			s += mutSigmoid(th) - v
		}
		return s
	}
	lo, hi := -1e6, 1e6
	for range 200 {
		mid := (lo + hi) / 2
		if g(mid) > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return (lo + hi) / 2
}

// TestMutantLaplaceRefit pins LaplaceRefit's posterior for an intercept-only
// arm against the MAP found by bisection and the Hessian Σσ(1−σ) + δ there,
// through a run of successes (the mode drifts to about 8) and a failure (the
// Newton step from there overshoots by hundreds without the line search);
// the other arm stays at the prior N(0, δ⁻¹).
func TestMutantLaplaceRefit(t *testing.T) {
	const delta = 1e-4
	ag, err := online.NewLaplaceRefit(online.AgentConfig{Arms: 2, Dim: 1, PriorPrecision: delta}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var rs []float64
	for step, r := range []float64{1, 1, 1, 1, 1, 0, 1, 0} {
		if err := ag.Update([]float64{1}, 0, r); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		rs = append(rs, r)
		mode := mutMAP1D(rs, delta)
		p := mutSigmoid(mode)
		prec := float64(len(rs))*p*(1-p) + delta
		q := ag.Posterior(0)
		if got := q.Mean(nil)[0]; math.Abs(got-mode) > 1e-9*(1+math.Abs(mode)) {
			t.Errorf("step %d: mode %.12g, want %.12g", step, got, mode)
		}
		if got := q.Precision(nil).At(0, 0); math.Abs(got-prec) > 1e-8*prec {
			t.Errorf("step %d: precision %.12g, want %.12g", step, got, prec)
		}
		other := ag.Posterior(1)
		if other.Mean(nil)[0] != 0 || other.Precision(nil).At(0, 0) != delta {
			t.Errorf("step %d: untouched arm moved: mean %g precision %g", step, other.Mean(nil)[0], other.Precision(nil).At(0, 0))
		}
	}
}

// TestMutantBanditProb pins Prob(a) = σ(xᵀwₐ) for every arm, arm 0
// included, with x from Next and w from Weights, and 0 outside [0, K).
func TestMutantBanditProb(t *testing.T) {
	b, err := online.NewBandit(online.BanditConfig{Arms: 3, Dim: 2, WeightScale: 1.5}, 4)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Weights()
	for range 3 {
		x := b.Next()
		for a := range w {
			want := mutSigmoid(x[0]*w[a][0] + x[1]*w[a][1])
			if got := b.Prob(a); math.Abs(got-want) > 1e-15 {
				t.Errorf("Prob(%d) = %g, want %g", a, got, want)
			}
		}
		if b.Prob(-1) != 0 || b.Prob(3) != 0 {
			t.Errorf("Prob out of range: %g, %g", b.Prob(-1), b.Prob(3))
		}
	}
}

// TestMutantEpsSchedule pins εₜ = min(1, ε₀(t+1)^(−κ)) and the closed range
// ε₀ ∈ [0, 1] of NewEpsGreedy.
func TestMutantEpsSchedule(t *testing.T) {
	cfg := online.AgentConfig{Arms: 2, Dim: 1, PriorPrecision: 1}
	for _, eps0 := range []float64{0, 1} {
		if _, err := online.NewEpsGreedy(cfg, online.EpsSchedule{Eps0: eps0}, 1); err != nil {
			t.Errorf("ε₀ = %g: %v", eps0, err)
		}
	}
	if _, err := online.NewEpsGreedy(cfg, online.EpsSchedule{Eps0: 1.01}, 1); err == nil {
		t.Error("ε₀ = 1.01 accepted")
	}
	for _, tc := range []struct {
		s    online.EpsSchedule
		t    int
		want float64
	}{
		{online.EpsSchedule{Eps0: 0.5, Decay: 1}, 0, 0.5},
		{online.EpsSchedule{Eps0: 0.5, Decay: 1}, 3, 0.125},
		{online.EpsSchedule{Eps0: 0.9, Decay: 0.5}, 8, 0.3},
		{online.EpsSchedule{Eps0: 1, Decay: 2}, 1, 0.25},
		{online.EpsSchedule{Eps0: 0.2}, 100, 0.2},
	} {
		if got := tc.s.Rate(tc.t); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%+v at t = %d: %g, want %g", tc.s, tc.t, got, tc.want)
		}
	}
}

// TestMutantLogLogSlopeTwo pins LogLogSlope with exactly two positive
// values: R(1) = 1, R(2) = 4 is t², slope 2; R(t) = 0 entries are skipped.
func TestMutantLogLogSlopeTwo(t *testing.T) {
	for _, tc := range []struct {
		regret []float64
		want   float64
	}{{[]float64{1, 4}, 2}, {[]float64{0, 2, 0, 4}, 1}} {
		got, err := online.LogLogSlope(tc.regret, 0)
		if err != nil {
			t.Errorf("%v: %v", tc.regret, err)
			continue
		}
		if math.Abs(got-tc.want) > 1e-14 {
			t.Errorf("%v: slope %g, want %g", tc.regret, got, tc.want)
		}
	}
}

// TestMutantLimits pins the inclusive upper limits: MaxRuleSteps steps and
// MaxArms arms are accepted, one more is refused.
func TestMutantLimits(t *testing.T) {
	cfg := online.AgentConfig{Arms: 2, Dim: 1, PriorPrecision: 1}
	if _, err := online.NewThompson(cfg, online.MaxRuleSteps, 1); err != nil {
		t.Errorf("MaxRuleSteps steps: %v", err)
	}
	if _, err := online.NewThompson(cfg, online.MaxRuleSteps+1, 1); err == nil {
		t.Error("MaxRuleSteps+1 steps accepted")
	}
	if _, err := online.NewBandit(online.BanditConfig{Arms: online.MaxArms, Dim: 1, WeightScale: 1}, 1); err != nil {
		t.Errorf("MaxArms arms: %v", err)
	}
	if _, err := online.NewBandit(online.BanditConfig{Arms: online.MaxArms + 1, Dim: 1, WeightScale: 1}, 1); err == nil {
		t.Error("MaxArms+1 arms accepted")
	}
}

// TestMutantDefaultAgents pins the agents of `blr bandit`: Thompson with
// one rule step per observation (its name carries no step count), ε = 0.1,
// and the Laplace refit.
func TestMutantDefaultAgents(t *testing.T) {
	want := []string{"thompson (rule, online)", "ε-greedy (ε=0.1)", "laplace refit (all data)"}
	got := online.DefaultAgents()
	if len(got) != len(want) {
		t.Fatalf("%d agents, want %d", len(got), len(want))
	}
	for i, a := range got {
		if a.Name != want[i] {
			t.Errorf("agent %d: %q, want %q", i, a.Name, want[i])
		}
	}
}

// TestMutantSummary pins Result's summary from its own Curves: Mean is the
// mean over seeds, SE = √(Σ(c−mean)²/(n−1)/n) for n = 2 seeds, Final and
// FinalSE the last step's, Slope the log-log slope of Mean over the second
// half.
func TestMutantSummary(t *testing.T) {
	const steps = 40
	e := &online.Experiment{
		Bandit: online.BanditConfig{Arms: 2, Dim: 2, WeightScale: 1},
		Steps:  steps, Seeds: 2, Seed: 3,
		Agents: []online.AgentSpec{online.EpsGreedySpec(online.EpsSchedule{Eps0: 0.3})},
	}
	res, err := e.Run()
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	var anySE bool
	for s := range steps {
		a, b := r.Curves[0][s], r.Curves[1][s]
		mean := (a + b) / 2
		se := math.Sqrt(((a-mean)*(a-mean) + (b-mean)*(b-mean)) / 2)
		if math.Abs(r.Mean[s]-mean) > 1e-14*(1+mean) || math.Abs(r.SE[s]-se) > 1e-14*(1+se) {
			t.Errorf("step %d: mean %g se %g, want %g %g", s, r.Mean[s], r.SE[s], mean, se)
		}
		anySE = anySE || se > 0
	}
	if !anySE {
		t.Fatal("the two seeds' curves are identical; the SE check is vacuous")
	}
	if r.Final != r.Mean[steps-1] || r.FinalSE != r.SE[steps-1] {
		t.Errorf("Final %g ± %g, want %g ± %g", r.Final, r.FinalSE, r.Mean[steps-1], r.SE[steps-1])
	}
	// Least squares of log Mean on log t over t = steps/2+1 … steps.
	var xs, ys []float64
	for s := steps / 2; s < steps; s++ {
		if r.Mean[s] > 0 {
			xs = append(xs, math.Log(float64(s+1)))
			ys = append(ys, math.Log(r.Mean[s]))
		}
	}
	a := mat.NewDense(len(xs), 2, nil)
	for i, x := range xs {
		a.Set(i, 0, 1)
		a.Set(i, 1, x)
	}
	var beta mat.VecDense
	if err := beta.SolveVec(a, mat.NewVecDense(len(ys), ys)); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Slope-beta.AtVec(1)) > 1e-10 {
		t.Errorf("Slope %g, least squares %g", r.Slope, beta.AtVec(1))
	}
}

// TestMutantRunKeepsGOMAXPROCS pins that Experiment.Run with Workers = 0
// reads GOMAXPROCS without changing it (set to 2 here, so that a change to
// 1 shows).
func TestMutantRunKeepsGOMAXPROCS(t *testing.T) {
	const before = 2
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(before))
	e := &online.Experiment{
		Bandit: online.BanditConfig{Arms: 2, Dim: 1, WeightScale: 1},
		Steps:  3, Seeds: 1,
		Agents: []online.AgentSpec{online.EpsGreedySpec(online.EpsSchedule{Eps0: 0.5})},
	}
	if _, err := e.Run(); err != nil {
		t.Fatal(err)
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS %d after Run, %d before", after, before)
	}
}
