package online

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
)

// PCG stream constants, so that the environment and each agent draw from
// independent streams of the same seed.
const (
	streamEnv      = 0x6f6e6c696e65 // "online"
	streamThompson = 0x74686f6d70   // "thomp"
	streamEps      = 0x657073       // "eps"
	streamLaplace  = 0x6c6170       // "lap"
)

// BanditConfig describes a contextual logistic bandit.
type BanditConfig struct {
	// Arms is the number of arms K ∈ [2, MaxArms].
	Arms int
	// Dim is the context dimension d ∈ [1, MaxDim], the intercept included:
	// x = (1, z₁, …, z_{d−1}) with z ~ N(0, I).
	Dim int
	// WeightScale s > 0: the true weights are wₐ ~ N(0, s²I).
	WeightScale float64
	// ContextScale c ≥ 0 scales the non-intercept features, z ~ N(0, c²I);
	// 0 means 1. Small c makes contexts alike, so that the arms must be
	// explored (a greedy agent can lock onto a wrong arm); large c gives the
	// "covariate diversity" under which greedy choices explore by themselves.
	ContextScale float64
}

// DefaultBanditConfig is the bandit of `blr bandit`: 5 arms, 5 features
// (intercept and 4 Gaussian), unit-variance true weights.
var DefaultBanditConfig = BanditConfig{Arms: 5, Dim: 5, WeightScale: 1}

func (c BanditConfig) check() error {
	if c.Arms < 2 || c.Arms > MaxArms {
		return &blr.ConfigError{Field: "BanditConfig.Arms", Value: c.Arms, Reason: fmt.Sprintf("want 2 … %d", MaxArms)}
	}
	if c.Dim < 1 || c.Dim > MaxDim {
		return &blr.ConfigError{Field: "BanditConfig.Dim", Value: c.Dim, Reason: fmt.Sprintf("want 1 … %d", MaxDim)}
	}
	if !(c.WeightScale > 0) || math.IsInf(c.WeightScale, 0) {
		return &blr.ConfigError{Field: "BanditConfig.WeightScale", Value: c.WeightScale, Reason: "want a finite value > 0"}
	}
	if !(c.ContextScale >= 0) || math.IsInf(c.ContextScale, 0) {
		return &blr.ConfigError{Field: "BanditConfig.ContextScale", Value: c.ContextScale, Reason: "want a finite value ≥ 0 (0: 1)"}
	}
	return nil
}

func (c BanditConfig) contextScale() float64 {
	if c.ContextScale == 0 {
		return 1
	}
	return c.ContextScale
}

// Bandit is a seeded contextual logistic bandit with known true weights (see
// the package doc). Its methods are not safe for concurrent use.
type Bandit struct {
	cfg  BanditConfig
	w    [][]float64 // true weights, one row per arm
	rnd  *rand.Rand
	x    []float64 // current context
	p    []float64 // σ(xᵀwₐ) for the current context
	u    []float64 // one uniform per arm for the current step
	best int
	t    int
}

// NewBandit draws the true weights from seed and returns the bandit, ready
// for its first Next. The same (cfg, seed) always gives the same weights,
// contexts and rewards.
func NewBandit(cfg BanditConfig, seed uint64) (*Bandit, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	b := &Bandit{
		cfg: cfg,
		rnd: rand.New(rand.NewPCG(seed, streamEnv)),
		x:   make([]float64, cfg.Dim),
		p:   make([]float64, cfg.Arms),
		u:   make([]float64, cfg.Arms),
	}
	b.w = make([][]float64, cfg.Arms)
	for a := range b.w {
		b.w[a] = make([]float64, cfg.Dim)
		for j := range b.w[a] {
			b.w[a][j] = cfg.WeightScale * b.rnd.NormFloat64()
		}
	}
	return b, nil
}

// Config returns the bandit's configuration.
func (b *Bandit) Config() BanditConfig { return b.cfg }

// Weights returns a copy of the true weights, one row per arm.
func (b *Bandit) Weights() [][]float64 {
	w := make([][]float64, len(b.w))
	for a, r := range b.w {
		w[a] = append([]float64(nil), r...)
	}
	return w
}

// Next draws the next context and returns a copy of it. It also draws the
// step's coin flips for every arm.
func (b *Bandit) Next() []float64 {
	b.x[0] = 1
	c := b.cfg.contextScale()
	for j := 1; j < len(b.x); j++ {
		b.x[j] = c * b.rnd.NormFloat64()
	}
	b.best = 0
	for a, w := range b.w {
		b.p[a] = expfam.Sigmoid(dot(w, b.x))
		b.u[a] = b.rnd.Float64()
		if b.p[a] > b.p[b.best] {
			b.best = a
		}
	}
	b.t++
	return append([]float64(nil), b.x...)
}

// Prob returns the current context's success probability σ(xᵀwₐ) of arm a,
// or 0 for an arm out of range.
func (b *Bandit) Prob(a int) float64 {
	if a < 0 || a >= len(b.p) {
		return 0
	}
	return b.p[a]
}

// Best returns the best arm for the current context.
func (b *Bandit) Best() int { return b.best }

// Pull pulls arm a for the current context and returns the reward (1 with
// probability σ(xᵀwₐ), else 0) and the step's pseudo-regret
// maxₐ′σ(xᵀwₐ′) − σ(xᵀwₐ). An arm out of range, or a pull before the first
// Next, gives a *blr.ConfigError.
func (b *Bandit) Pull(a int) (reward, regret float64, err error) {
	if a < 0 || a >= len(b.p) {
		return 0, 0, &blr.ConfigError{Field: "arm", Value: a, Reason: fmt.Sprintf("want 0 ≤ arm < %d", len(b.p))}
	}
	if b.t == 0 {
		return 0, 0, &blr.ConfigError{Field: "arm", Value: a, Reason: "pulled before the first context (call Next)"}
	}
	if b.u[a] < b.p[a] {
		reward = 1
	}
	return reward, b.p[b.best] - b.p[a], nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
