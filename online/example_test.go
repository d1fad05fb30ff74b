package online_test

import (
	"fmt"

	"github.com/bayesrule/blr/online"
)

// Thompson sampling with the rule's one-step online update on a 5-armed
// contextual bandit: after each pull the pulled arm's Gaussian posterior
// takes one rule step (ρ = 1, delta method, previous posterior as prior).
func ExampleThompson() {
	env, err := online.NewBandit(online.DefaultBanditConfig, 42)
	if err != nil {
		panic(err)
	}
	agent, err := online.NewThompson(online.AgentConfig{Arms: 5, Dim: 5, PriorPrecision: 1}, 1, 42)
	if err != nil {
		panic(err)
	}
	regret, err := online.Run(env, agent, 1000)
	if err != nil {
		panic(err)
	}
	fmt.Printf("regret after 100 steps %.0f, after 1000 steps %.0f\n", regret[99], regret[999])
	// Output: regret after 100 steps 26, after 1000 steps 67
}

// An experiment compares agents over seeds; the slope of log regret
// against log t on the second half tells sublinear (< 1) from linear
// growth.
func ExampleExperiment() {
	e := online.Experiment{
		Bandit: online.DefaultBanditConfig,
		Steps:  1000, Seeds: 3, Seed: 1,
		Agents: []online.AgentSpec{online.ThompsonSpec(1), online.EpsGreedySpec(online.EpsSchedule{Eps0: 0.1})},
	}
	res, err := e.Run()
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		fmt.Printf("%-24s regret %3.0f ± %2.0f, slope %.1f\n", r.Name, r.Final, r.FinalSE, r.Slope)
	}
	// Output:
	// thompson (rule, online)  regret  61 ±  3, slope 0.3
	// ε-greedy (ε=0.1)         regret  68 ±  1, slope 0.6
}
