package online

import (
	"errors"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
)

// TestSizeLimits: sizes that used to be accepted and then exhaust memory
// (NewThompson with 2⁴⁰ arms died of a fatal out-of-memory error) are
// refused by the constructors and Experiment.Run with a *blr.ConfigError
// naming the field and the value, before any allocation.
func TestSizeLimits(t *testing.T) {
	agent := func(arms, dim int) func() error {
		return func() error {
			_, err := NewThompson(AgentConfig{Arms: arms, Dim: dim, PriorPrecision: 1}, 1, 1)
			return err
		}
	}
	exp := func(e Experiment) func() error {
		return func() error {
			if e.Agents == nil {
				e.Agents = DefaultAgents()
			}
			_, err := e.Run()
			return err
		}
	}
	bandit := BanditConfig{Arms: 3, Dim: 2, WeightScale: 1}
	checkConfigErrors(t, []configCase{
		{"thompson arms 2^40", "AgentConfig.Arms = 1099511627776: want 2 … 4096", agent(1<<40, 2)},
		{"thompson dim", "AgentConfig.Dim = 4096: want 1 … 2048", agent(2, 4096)},
		{"thompson arms·dim²", "AgentConfig.Dim = 1000: 1000 arms of dimension 1000 need arms·dim² = 1000000000 entries per posterior matrix, more than the limit 16777216", agent(1000, 1000)},
		{"eps-greedy arms", "AgentConfig.Arms = 4097", func() error {
			_, err := NewEpsGreedy(AgentConfig{Arms: 4097, Dim: 2, PriorPrecision: 1}, EpsSchedule{}, 1)
			return err
		}},
		{"laplace dim", "AgentConfig.Dim = 2048: 8 arms", func() error {
			_, err := NewLaplaceRefit(AgentConfig{Arms: 8, Dim: 2048, PriorPrecision: 1}, 1)
			return err
		}},
		{"thompson rule steps", "Thompson steps = 65537: want 1 … 65536", func() error {
			_, err := NewThompson(AgentConfig{Arms: 2, Dim: 2, PriorPrecision: 1}, MaxRuleSteps+1, 1)
			return err
		}},
		{"bandit arms", "BanditConfig.Arms = 1073741824", func() error {
			_, err := NewBandit(BanditConfig{Arms: 1 << 30, Dim: 2, WeightScale: 1}, 1)
			return err
		}},
		{"bandit dim", "BanditConfig.Dim = 1073741824", func() error {
			_, err := NewBandit(BanditConfig{Arms: 2, Dim: 1 << 30, WeightScale: 1}, 1)
			return err
		}},
		{"experiment arms·dim²", "BanditConfig.Dim = 1000: 1000 arms of dimension 1000", exp(Experiment{
			Bandit: BanditConfig{Arms: 1000, Dim: 1000, WeightScale: 1}, Steps: 10, Seeds: 1})},
		{"experiment steps", "Experiment.Steps = 16777217", exp(Experiment{Bandit: bandit, Steps: MaxSteps + 1, Seeds: 1})},
		{"experiment seeds", "Experiment.Seeds = 65537", exp(Experiment{Bandit: bandit, Steps: 10, Seeds: MaxSeeds + 1})},
		{"experiment curves", "Experiment.Seeds = 1000: 1000 seeds of 1000000 steps for 3 agents would keep 3000000000 regret values", exp(Experiment{
			Bandit: bandit, Steps: 1000000, Seeds: 1000})},
		{"run steps", "steps = 16777217", func() error {
			env, _ := NewBandit(bandit, 1)
			ag, _ := NewThompson(AgentConfig{Arms: 3, Dim: 2, PriorPrecision: 1}, 1, 1)
			_, err := Run(env, ag, MaxSteps+1)
			return err
		}},
	})
	// The largest sizes are accepted (checked without allocating them).
	for _, c := range []AgentConfig{{Arms: 4, Dim: MaxDim}, {Arms: MaxArms, Dim: 64}, {Arms: 1000, Dim: 128}} {
		c.PriorPrecision = 1
		if err := c.check(); err != nil {
			t.Errorf("%d arms of dimension %d: %v", c.Arms, c.Dim, err)
		}
	}
}

// TestRunNil: a nil bandit or agent is refused with an error naming the
// argument (Run used to dereference it), and so is an agent that AgentSpec.New
// returns as nil without an error.
func TestRunNil(t *testing.T) {
	env, _ := NewBandit(DefaultBanditConfig, 1)
	ag, _ := NewThompson(AgentConfig{Arms: 5, Dim: 5, PriorPrecision: 1}, 1, 1)
	var nilThompson *Thompson
	for _, tc := range []struct {
		name, want string
		env        *Bandit
		agent      Agent
	}{
		{"nil agent", "agent = <nil>: want an Agent, not nil", env, nil},
		{"nil *Thompson", "agent = <nil>", env, nilThompson},
		{"nil bandit", "env = <nil>: want a *Bandit", nil, ag},
	} {
		_, err := Run(tc.env, tc.agent, 3)
		if !errors.Is(err, blr.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Run error %v, want a blr.ErrConfig mentioning %q", tc.name, err, tc.want)
		}
	}
	e := Experiment{Bandit: DefaultBanditConfig, Steps: 3, Seeds: 1, Agents: []AgentSpec{{Name: "nothing",
		New: func(AgentConfig, uint64) (Agent, error) { return nil, nil }}}}
	if _, err := e.Run(); err == nil || !strings.Contains(err.Error(), `agent "nothing"`) || !strings.Contains(err.Error(), "agent = <nil>") {
		t.Errorf("an AgentSpec returning a nil agent: error %v", err)
	}
}

// TestWeightScalePrior: when the agents' prior precision is derived from
// WeightScale (Experiment.PriorPrecision = 0) and 1/WeightScale² is not a
// finite positive number, the error names WeightScale, the field that was
// set, rather than the derived AgentConfig.PriorPrecision.
func TestWeightScalePrior(t *testing.T) {
	for _, s := range []float64{1e-300, 1e-160, 1e160, 1e300} {
		e := Experiment{Bandit: BanditConfig{Arms: 2, Dim: 2, WeightScale: s}, Steps: 3, Seeds: 1, Agents: DefaultAgents()}
		_, err := e.Run()
		var ce *blr.ConfigError
		if !errors.As(err, &ce) || ce.Field != "BanditConfig.WeightScale" || ce.Value != s ||
			!strings.Contains(err.Error(), "1/WeightScale²") || !strings.Contains(err.Error(), "Experiment.PriorPrecision") {
			t.Errorf("WeightScale %g: error %v, want one on BanditConfig.WeightScale", s, err)
		}
		// An explicit prior precision makes the scale usable.
		e.PriorPrecision = 1
		if _, err := e.Run(); err != nil && strings.Contains(err.Error(), "WeightScale") {
			t.Errorf("WeightScale %g with PriorPrecision 1: %v", s, err)
		}
	}
	for _, s := range []float64{1e-150, 1e150} {
		e := Experiment{Bandit: BanditConfig{Arms: 2, Dim: 2, WeightScale: s}, Steps: 3, Seeds: 1, Agents: DefaultAgents()}
		if err := e.check(); err != nil {
			t.Errorf("WeightScale %g: %v", s, err)
		}
	}
}
