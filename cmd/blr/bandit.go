package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/online"
	"github.com/bayesrule/blr/plot"
)

func init() {
	commands["bandit"] = command{"online learning: Thompson sampling by the rule on a contextual bandit vs ε-greedy and Laplace refits", runBandit}
}

// padRunes pads s with spaces to n runes (fmt's %-ns counts bytes).
func padRunes(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// parseEps reads a comma-separated list of constant ε values; an empty
// item ("0.1,,0.2", "0.1,") is refused, as --posterior and --optimizer
// refuse one.
func parseEps(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("--eps %q: want at least one value in [0, 1]", s)
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			return nil, fmt.Errorf("--eps %q: an empty value in the list", s)
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("--eps %s: %q: want numbers in [0, 1] separated by commas", s, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// maxContextScale bounds --context-scale: scores of ±100 nats already
// saturate the sigmoid, and far larger scales (10⁶ and up) break the agents'
// Newton steps and Cholesky factors.
const maxContextScale = 100

// banditFlags names the flag of each field of online's configuration errors
// that blr bandit sets from a flag.
var banditFlags = map[string]string{
	"BanditConfig.Arms":         "arms",
	"BanditConfig.Dim":          "dim",
	"BanditConfig.ContextScale": "context-scale",
	"Experiment.Steps":          "steps",
	"Experiment.Seeds":          "seeds",
	"Thompson steps":            "rule-steps",
	"EpsSchedule.Eps0":          "eps",
}

// banditFlagError rewrites a *blr.ConfigError from package online about a
// field that a flag sets to name the flag: "--arms 0: want ≥ 2". Other
// errors pass unchanged.
func banditFlagError(err error) error {
	var ce *blr.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	if name, ok := banditFlags[ce.Field]; ok {
		return fmt.Errorf("--%s %v: %s", name, ce.Value, ce.Reason)
	}
	return err
}

func runBandit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bandit", stderr)
	steps := fs.Int("steps", 2000, "steps T per run")
	seeds := fs.Int("seeds", 5, "runs (seeds) per agent")
	seed := fs.Uint64("seed", 1, "first seed; run s uses seed+s")
	arms := fs.Int("arms", online.DefaultBanditConfig.Arms, "arms K (2 … 1000; K·d² at most 16777216)")
	dim := fs.Int("dim", online.DefaultBanditConfig.Dim, "context dimension d, intercept included (1 … 1000; K·d² at most 16777216)")
	ctxScale := fs.Float64("context-scale", 1, "scale (0 … 100; 0: 1) of the non-intercept context features")
	eps := fs.String("eps", "0.1", "constant ε values of the ε-greedy agents, comma-separated")
	thompsonSteps := fs.Int("rule-steps", 1, "rule steps per observation of the Thompson agent")
	laplace := fs.Bool("laplace", true, "include the Laplace-refit baseline (refits on all data every step)")
	out := fs.String("out", ".", "directory for bandit.png")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case *steps < 2 || *steps > 1000000:
		return fmt.Errorf("--steps %d: want 2 … 1000000", *steps)
	case *seeds < 1 || *seeds > 1000:
		return fmt.Errorf("--seeds %d: want 1 … 1000", *seeds)
	case *arms < 2 || *arms > 1000:
		return fmt.Errorf("--arms %d: want 2 … 1000", *arms)
	case *dim < 1 || *dim > 1000:
		return fmt.Errorf("--dim %d: want 1 … 1000 (the intercept included)", *dim)
	case !(*ctxScale >= 0 && *ctxScale <= maxContextScale):
		return fmt.Errorf("--context-scale %g: want a value in [0, %g] (0: 1)", *ctxScale, float64(maxContextScale))
	case *thompsonSteps < 1 || *thompsonSteps > 1000:
		return fmt.Errorf("--rule-steps %d: want 1 … 1000", *thompsonSteps)
	}
	epsList, err := parseEps(*eps)
	if err != nil {
		return err
	}
	agents := []online.AgentSpec{online.ThompsonSpec(*thompsonSteps)}
	for _, e := range epsList {
		agents = append(agents, online.EpsGreedySpec(online.EpsSchedule{Eps0: e}))
	}
	if *laplace {
		agents = append(agents, online.LaplaceRefitSpec())
	}
	e := online.Experiment{
		Bandit: online.BanditConfig{Arms: *arms, Dim: *dim, WeightScale: 1, ContextScale: *ctxScale},
		Steps:  *steps, Seeds: *seeds, Seed: *seed, Agents: agents,
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	res, err := e.Run()
	if err != nil {
		return banditFlagError(err)
	}
	features := fmt.Sprintf("intercept + %d features N(0, %g²)", *dim-1, *ctxScale)
	if *dim == 1 {
		features = "intercept only: a Bernoulli bandit"
	}
	fmt.Fprintf(stdout, "contextual logistic bandit: K = %d arms, d = %d (%s), true weights N(0, I), prior N(0, I)\n",
		*arms, *dim, features)
	fmt.Fprintf(stdout, "T = %d steps, %d seeds (%d…%d); regret = Σₜ max_a σ(xₜᵀw_a) − σ(xₜᵀw_{aₜ})\n\n", *steps, *seeds, *seed, *seed+uint64(*seeds)-1)
	fmt.Fprintf(stdout, "%s %18s %10s %14s\n", padRunes("agent", 34), "final regret ± se", "R(T/2)", "log-log slope")
	for _, r := range res {
		slope := "—"
		if !math.IsNaN(r.Slope) {
			slope = fmt.Sprintf("%.3f", r.Slope)
		}
		fmt.Fprintf(stdout, "%s %10.2f ± %5.2f %10.2f %14s\n", padRunes(r.Name, 34), r.Final, r.FinalSE, r.Mean[*steps/2-1], slope)
	}
	fmt.Fprintf(stdout, "\nslope: least-squares slope of log mean regret against log t over t ∈ [T/2, T]; < 1 is sublinear\n")
	// Plot every 1/400th of the steps (and the first ones) to keep the PNG light.
	stride := max(1, *steps/400)
	var curves []plot.Curve
	for _, r := range res {
		var c plot.Curve
		c.Name = r.Name
		for t := 0; t < *steps; t++ {
			if t < 20 || t%stride == stride-1 || t == *steps-1 {
				c.X = append(c.X, float64(t+1))
				c.Y = append(c.Y, r.Mean[t])
				c.Err = append(c.Err, r.SE[t])
			}
		}
		curves = append(curves, c)
	}
	title := fmt.Sprintf("mean cumulative regret over %d seeds (± se)", *seeds)
	path := filepath.Join(*out, "bandit.png")
	err = plot.Curves(path, []plot.Panel{
		{Title: title, XLabel: "step t", YLabel: "regret R(t)", Curves: curves, Legend: plot.LegendTopLeft},
		{Title: "log-log (slope < 1: sublinear)", XLabel: "step t", YLabel: "regret R(t)", Curves: curves, LogX: true, LogY: true, Legend: plot.LegendBottomRight},
	}, 12, 4.5)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}
