package online

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// TestRegret is the claim: over 5 fixed seeds and T = 2000 steps,
// the rule's online Thompson sampling has sublinear regret (log-log slope
// on the second half < 0.8) and a lower final regret than ε-greedy with
// ε = 0.1. The Laplace-refit baseline must be sublinear too.
func TestRegret(t *testing.T) {
	e := Experiment{
		Bandit: DefaultBanditConfig, Steps: 2000, Seeds: 5, Seed: 1,
		Agents: DefaultAgents(),
	}
	if testing.Short() {
		e.Agents = e.Agents[:2] // the refit baseline costs ~1 s
	}
	res, err := e.Run()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		t.Logf("%-28s final regret %7.2f ± %5.2f  slope %.3f", r.Name, r.Final, r.FinalSE, r.Slope)
	}
	ts, eg := res[0], res[1]
	for _, r := range []Result{ts, res[len(res)-1]} {
		if !(r.Slope < 0.8) {
			t.Errorf("%s: log-log slope %.3f, want < 0.8", r.Name, r.Slope)
		}
	}
	if !(ts.Final < eg.Final) {
		t.Errorf("final regret: %s %.2f ≥ %s %.2f", ts.Name, ts.Final, eg.Name, eg.Final)
	}
}

// TestDeterminism checks that a run is bit-identical across reruns and
// worker counts, and that another seed gives another run.
func TestDeterminism(t *testing.T) {
	run := func(seed uint64, workers int) []Result {
		e := Experiment{Bandit: DefaultBanditConfig, Steps: 300, Seeds: 3, Seed: seed, Agents: DefaultAgents(), Workers: workers}
		res, err := e.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	same := func(a, b []Result) bool {
		for i := range a {
			for s := range a[i].Curves {
				for k, v := range a[i].Curves[s] {
					if math.Float64bits(v) != math.Float64bits(b[i].Curves[s][k]) {
						return false
					}
				}
			}
		}
		return true
	}
	a, b, c := run(7, 1), run(7, 3), run(8, 2)
	if !same(a, b) {
		t.Error("same seed, different worker counts: curves differ")
	}
	if same(a, c) {
		t.Error("different seeds give identical curves: the seed is ignored")
	}
}

// TestThompsonUpdate checks that one rule step per observation is the
// online Newton update S′ = S + σ(1−σ)xxᵀ, m′ = m − S′⁻¹(σ − r)x, and that
// many steps converge to the mode of q_prev(θ)·exp(−ℓ(θ)).
func TestThompsonUpdate(t *testing.T) {
	cfg := AgentConfig{Arms: 2, Dim: 3, PriorPrecision: 2}
	obs := []struct {
		x []float64
		r float64
	}{{[]float64{1, 0.5, -2}, 1}, {[]float64{1, -1, 0.3}, 0}, {[]float64{1, 2, 1}, 0}, {[]float64{1, 0, 0.7}, 1}}
	t.Run("one step", func(t *testing.T) {
		ag, err := NewThompson(cfg, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := mat.NewSymDense(3, []float64{2, 0, 0, 0, 2, 0, 0, 0, 2})
		m := mat.NewVecDense(3, nil)
		for k, o := range obs {
			if err := ag.Update(o.x, 1, o.r); err != nil {
				t.Fatal(err)
			}
			xv := mat.NewVecDense(3, o.x)
			p := expfam.Sigmoid(mat.Dot(xv, m))
			s.SymRankOne(s, p*(1-p), xv)
			var ch mat.Cholesky
			ch.Factorize(s)
			var step mat.VecDense
			if err := ch.SolveVecTo(&step, xv); err != nil {
				t.Fatal(err)
			}
			m.AddScaledVec(m, -(p - o.r), &step)
			q := ag.Posterior(1)
			got, want := q.Mean(nil), m.RawVector().Data
			for j := range got {
				if d := math.Abs(got[j] - want[j]); d > 1e-14*(1+math.Abs(want[j])) {
					t.Errorf("obs %d: m[%d] = %.17g, online Newton %.17g", k, j, got[j], want[j])
				}
			}
			if !mat.EqualApprox(q.Precision(nil), s, 1e-14) {
				t.Errorf("obs %d: precision differs from S + σ(1−σ)xxᵀ", k)
			}
		}
		if q := ag.Posterior(0).Mean(nil); q[0] != 0 || q[1] != 0 || q[2] != 0 {
			t.Errorf("arm 0 was not pulled but its mean moved to %v", q)
		}
	})
	t.Run("steps converge to the one-observation mode", func(t *testing.T) {
		ag, err := NewThompson(cfg, 30, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range obs[:2] {
			prev := ag.Posterior(0)
			pm, ps := prev.Mean(nil), prev.Precision(nil)
			if err := ag.Update(o.x, 0, o.r); err != nil {
				t.Fatal(err)
			}
			// Gradient of ½(θ−m_prev)ᵀS_prev(θ−m_prev) + ℓ(θ) at the new mean.
			m := ag.Posterior(0).Mean(nil)
			diff := make([]float64, 3)
			for j := range diff {
				diff[j] = m[j] - pm[j]
			}
			var g mat.VecDense
			g.MulVec(ps, mat.NewVecDense(3, diff))
			lg := make([]float64, 3)
			(&obsLoss{x: o.x, r: o.r}).Grad(lg, m)
			g.AddVec(&g, mat.NewVecDense(3, lg))
			if n := mat.Norm(&g, math.Inf(1)); n > 1e-12 {
				t.Errorf("gradient at the iterated update's mean = %.3g, want ≈ 0", n)
			}
		}
	})
}

// TestMAPRefit checks the Newton refit: the gradient vanishes at the MAP.
func TestMAPRefit(t *testing.T) {
	env, err := NewBandit(DefaultBanditConfig, 3)
	if err != nil {
		t.Fatal(err)
	}
	const n, d, delta = 200, 5, 0.5
	x := make([]float64, 0, n*d)
	y := make([]float64, n)
	for i := range n {
		x = append(x, env.Next()...)
		r, _, err := env.Pull(i % 5)
		if err != nil {
			t.Fatal(err)
		}
		y[i] = r
	}
	nw := newNewton(d)
	theta := make([]float64, d)
	if err := nw.solve(theta, x, y, delta); err != nil {
		t.Fatal(err)
	}
	nw.gradHess(theta, x, y, delta)
	for j, g := range nw.g {
		if math.Abs(g) > 1e-10 {
			t.Errorf("∇f[%d] = %.3g at the MAP", j, g)
		}
	}
}

// TestConfigErrors checks that every invalid setting gives an error that
// wraps blr.ErrConfig and names the field and the value.
func TestConfigErrors(t *testing.T) {
	ok := AgentConfig{Arms: 3, Dim: 2, PriorPrecision: 1}
	nan := math.NaN()
	checkConfigErrors(t, []configCase{
		{"arms", "BanditConfig.Arms = 1", func() error { _, err := NewBandit(BanditConfig{Arms: 1, Dim: 2, WeightScale: 1}, 1); return err }},
		{"dim", "BanditConfig.Dim = 0", func() error { _, err := NewBandit(BanditConfig{Arms: 2, Dim: 0, WeightScale: 1}, 1); return err }},
		{"weight scale", "BanditConfig.WeightScale = NaN", func() error { _, err := NewBandit(BanditConfig{Arms: 2, Dim: 2, WeightScale: nan}, 1); return err }},
		{"context scale", "BanditConfig.ContextScale = -1", func() error {
			_, err := NewBandit(BanditConfig{Arms: 2, Dim: 2, WeightScale: 1, ContextScale: -1}, 1)
			return err
		}},
		{"agent arms", "AgentConfig.Arms = 0", func() error { _, err := NewThompson(AgentConfig{Dim: 2, PriorPrecision: 1}, 1, 1); return err }},
		{"agent prior", "AgentConfig.PriorPrecision = +Inf", func() error {
			_, err := NewLaplaceRefit(AgentConfig{Arms: 2, Dim: 2, PriorPrecision: math.Inf(1)}, 1)
			return err
		}},
		{"agent prior zero", "AgentConfig.PriorPrecision = 0", func() error {
			_, err := NewEpsGreedy(AgentConfig{Arms: 2, Dim: 2}, EpsSchedule{Eps0: 0.1}, 1)
			return err
		}},
		{"thompson steps", "Thompson steps = 0", func() error { _, err := NewThompson(ok, 0, 1); return err }},
		{"eps", "EpsSchedule.Eps0 = 1.5", func() error { _, err := NewEpsGreedy(ok, EpsSchedule{Eps0: 1.5}, 1); return err }},
		{"eps NaN", "EpsSchedule.Eps0 = NaN", func() error { _, err := NewEpsGreedy(ok, EpsSchedule{Eps0: nan}, 1); return err }},
		{"decay", "EpsSchedule.Decay = -0.5", func() error { _, err := NewEpsGreedy(ok, EpsSchedule{Eps0: 0.1, Decay: -0.5}, 1); return err }},
		{"steps", "Experiment.Steps = 1", func() error {
			_, err := (&Experiment{Bandit: DefaultBanditConfig, Steps: 1, Seeds: 1, Agents: DefaultAgents()}).Run()
			return err
		}},
		{"seeds", "Experiment.Seeds = 0", func() error {
			_, err := (&Experiment{Bandit: DefaultBanditConfig, Steps: 10, Agents: DefaultAgents()}).Run()
			return err
		}},
		{"no agents", "Experiment.Agents = 0", func() error {
			_, err := (&Experiment{Bandit: DefaultBanditConfig, Steps: 10, Seeds: 1}).Run()
			return err
		}},
		{"experiment prior", "Experiment.PriorPrecision = -1", func() error {
			_, err := (&Experiment{Bandit: DefaultBanditConfig, PriorPrecision: -1, Steps: 10, Seeds: 1, Agents: DefaultAgents()}).Run()
			return err
		}},
		{"run steps", "steps = 0", func() error {
			env, _ := NewBandit(DefaultBanditConfig, 1)
			ag, _ := NewThompson(AgentConfig{Arms: 5, Dim: 5, PriorPrecision: 1}, 1, 1)
			_, err := Run(env, ag, 0)
			return err
		}},
		{"slope from", "from = 5", func() error { _, err := LogLogSlope([]float64{1, 2, 3}, 5); return err }},
		{"slope no data", "need two positive values", func() error { _, err := LogLogSlope([]float64{0, 0, 0}, 0); return err }},
	})
}

// TestBadObservations checks that every agent refuses a bad observation
// with an error and stays unchanged, and that the bandit refuses bad pulls.
func TestBadObservations(t *testing.T) {
	cfg := AgentConfig{Arms: 3, Dim: 2, PriorPrecision: 1}
	th, _ := NewThompson(cfg, 1, 1)
	eg, _ := NewEpsGreedy(cfg, EpsSchedule{Eps0: 0.1}, 1)
	lr, _ := NewLaplaceRefit(cfg, 1)
	bad := []struct {
		name, want string
		x          []float64
		arm        int
		r          float64
	}{
		{"short context", "len(x) = 1", []float64{1}, 0, 1},
		{"long context", "len(x) = 3", []float64{1, 2, 3}, 0, 1},
		{"NaN context", "x[1] = NaN", []float64{1, math.NaN()}, 0, 1},
		{"arm", "arm = 3", []float64{1, 0}, 3, 1},
		{"negative arm", "arm = -1", []float64{1, 0}, -1, 1},
		{"reward", "reward = 0.5", []float64{1, 0}, 0, 0.5},
	}
	for name, ag := range map[string]Agent{"thompson": th, "eps-greedy": eg, "laplace": lr} {
		for _, b := range bad {
			t.Run(name+"/"+b.name, func(t *testing.T) {
				err := ag.Update(b.x, b.arm, b.r)
				if !errors.Is(err, blr.ErrConfig) || !strings.Contains(err.Error(), b.want) {
					t.Errorf("Update: error %v, want one naming %q", err, b.want)
				}
				if b.arm == 0 && b.r == 1 { // a bad context
					if _, err := ag.Act(b.x); !errors.Is(err, blr.ErrConfig) || !strings.Contains(err.Error(), b.want) {
						t.Errorf("Act: error %v, want one naming %q", err, b.want)
					}
				}
			})
		}
	}
	if q := th.Posterior(0).Mean(nil); q[0] != 0 || q[1] != 0 {
		t.Errorf("Thompson's posterior moved after refused updates: %v", q)
	}
	for a, m := range eg.arms.mode {
		if len(eg.arms.y[a]) != 0 || m[0] != 0 {
			t.Errorf("ε-greedy arm %d changed after refused updates", a)
		}
	}
	env, _ := NewBandit(DefaultBanditConfig, 1)
	if _, _, err := env.Pull(0); !errors.Is(err, blr.ErrConfig) {
		t.Errorf("pull before Next: %v", err)
	}
	env.Next()
	if _, _, err := env.Pull(5); !errors.Is(err, blr.ErrConfig) || !strings.Contains(err.Error(), "arm = 5") {
		t.Errorf("pull of arm 5: %v", err)
	}
}

// TestLogLogSlope checks the fit on exact power laws, with zeros left out.
func TestLogLogSlope(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    float64
		from int
	}{{"sqrt", 0.5, 50}, {"linear", 1, 0}, {"log-ish flat", 0.1, 10}, {"super-linear", 1.5, 99}} {
		t.Run(tc.name, func(t *testing.T) {
			r := make([]float64, 200)
			for i := range r {
				r[i] = 3 * math.Pow(float64(i+1), tc.b)
			}
			r[tc.from] = 0 // left out
			got, err := LogLogSlope(r, tc.from)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.b) > 1e-12 {
				t.Errorf("slope %.15g, want %g", got, tc.b)
			}
		})
	}
}

// TestBandit checks the environment: regret ≥ 0, zero for the best arm,
// rewards in {0, 1} with frequency σ(xᵀwₐ), and Next returning a copy.
func TestBandit(t *testing.T) {
	env, err := NewBandit(BanditConfig{Arms: 3, Dim: 2, WeightScale: 1.5}, 5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	var hits, want float64
	for range n {
		x := env.Next()
		x[0] = 99 // must not change the environment
		best := env.Best()
		if _, reg, _ := env.Pull(best); reg != 0 {
			t.Fatalf("best arm's regret %g", reg)
		}
		r, reg, err := env.Pull(1)
		if err != nil || reg < 0 || (r != 0 && r != 1) {
			t.Fatalf("pull: r %g regret %g err %v", r, reg, err)
		}
		hits += r
		want += env.Prob(1)
	}
	if se := math.Sqrt(n * 0.25); math.Abs(hits-want) > 4*se {
		t.Errorf("arm 1 paid %g times, expected %.1f ± %.1f", hits, want, se)
	}
}

// configCase is a call that must fail with an error wrapping blr.ErrConfig
// whose text contains want.
type configCase struct {
	name, want string
	err        func() error
}

// checkConfigErrors runs each case as a subtest.
func checkConfigErrors(t *testing.T, cases []configCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if !errors.Is(err, blr.ErrConfig) {
				t.Fatalf("error %v does not wrap blr.ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
