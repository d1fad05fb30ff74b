package online

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// Agent chooses arms and learns from the rewards.
type Agent interface {
	// Act returns the arm to pull for context x. A context of the wrong
	// length or with a non-finite entry gives an error.
	Act(x []float64) (int, error)
	// Update learns from the reward r ∈ {0, 1} of arm for context x. A
	// context of the wrong length or with a non-finite entry, an arm out of
	// range or another reward gives an error and leaves the agent unchanged.
	Update(x []float64, arm int, r float64) error
}

// Limits on the sizes of bandits and agents, so that no configuration asks
// for more memory than a machine has (larger ones give a *blr.ConfigError).
const (
	// MaxArms bounds BanditConfig.Arms and AgentConfig.Arms.
	MaxArms = 1 << 12
	// MaxDim bounds BanditConfig.Dim and AgentConfig.Dim.
	MaxDim = 1 << 11
	// MaxArmsDim2 bounds Arms·Dim², the entries of one D×D matrix per arm:
	// the agents keep a full-Gaussian posterior per arm, four D×D matrices
	// or 32·Arms·Dim² bytes (512 MiB at the limit: 1000 arms of dimension
	// 128, or 4 arms of dimension 2048).
	MaxArmsDim2 = 1 << 24
)

// AgentConfig is what every agent needs to know.
type AgentConfig struct {
	// Arms K ∈ [2, MaxArms] and Dim d ∈ [1, MaxDim] as in the bandit, with
	// K·d² ≤ MaxArmsDim2.
	Arms, Dim int
	// PriorPrecision δ > 0 of the prior θₐ ~ N(0, δ⁻¹I) on each arm's
	// weights; 1/WeightScale² matches the bandit's true weights.
	PriorPrecision float64
}

func (c AgentConfig) check() error {
	if c.Arms < 2 || c.Arms > MaxArms {
		return &blr.ConfigError{Field: "AgentConfig.Arms", Value: c.Arms, Reason: fmt.Sprintf("want 2 … %d", MaxArms)}
	}
	if c.Dim < 1 || c.Dim > MaxDim {
		return &blr.ConfigError{Field: "AgentConfig.Dim", Value: c.Dim, Reason: fmt.Sprintf("want 1 … %d", MaxDim)}
	}
	if err := checkArmsDim2("AgentConfig.Dim", c.Arms, c.Dim); err != nil {
		return err
	}
	if !(c.PriorPrecision > 0) || math.IsInf(c.PriorPrecision, 0) {
		return &blr.ConfigError{Field: "AgentConfig.PriorPrecision", Value: c.PriorPrecision, Reason: "want a finite value > 0"}
	}
	return nil
}

// checkArmsDim2 returns a *blr.ConfigError on field (the Dim of arms × dim)
// when arms·dim² exceeds MaxArmsDim2; arms ≤ MaxArms and dim ≤ MaxDim, so
// the product cannot overflow.
func checkArmsDim2(field string, arms, dim int) error {
	if n := arms * dim * dim; n > MaxArmsDim2 {
		return &blr.ConfigError{Field: field, Value: dim, Reason: fmt.Sprintf(
			"%d arms of dimension %d need arms·dim² = %d entries per posterior matrix, more than the limit %d (MaxArmsDim2)", arms, dim, n, MaxArmsDim2)}
	}
	return nil
}

// checkContext validates a context for an agent with cfg.
func (c AgentConfig) checkContext(x []float64) error {
	if len(x) != c.Dim {
		return &blr.ConfigError{Field: "len(x)", Value: len(x), Reason: fmt.Sprintf("want the context dimension %d", c.Dim)}
	}
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &blr.ConfigError{Field: fmt.Sprintf("x[%d]", j), Value: v, Reason: "not finite"}
		}
	}
	return nil
}

// checkObs validates one observation for an agent with cfg.
func (c AgentConfig) checkObs(x []float64, arm int, r float64) error {
	if err := c.checkContext(x); err != nil {
		return err
	}
	if arm < 0 || arm >= c.Arms {
		return &blr.ConfigError{Field: "arm", Value: arm, Reason: fmt.Sprintf("want 0 ≤ arm < %d", c.Arms)}
	}
	if r != 0 && r != 1 {
		return &blr.ConfigError{Field: "reward", Value: r, Reason: "want 0 or 1"}
	}
	return nil
}

// priorGaussian returns N(0, δ⁻¹I) in dimension d.
func priorGaussian(d int, delta float64) (*expfam.FullGaussian, error) {
	s := mat.NewSymDense(d, nil)
	for j := range d {
		s.SetSym(j, j, delta)
	}
	return expfam.NewFullGaussian(make([]float64, d), s)
}

// obsLoss is the logistic loss of one observation (x, r),
// ℓ(θ) = log(1 + exp(−(2r−1)xᵀθ)), with ∇ℓ = (σ(xᵀθ) − r)x and
// ∇²ℓ = σ(1−σ)xxᵀ. It implements blr.Gradienter and blr.Hessianer.
type obsLoss struct {
	x []float64
	r float64
}

// Grad implements blr.Gradienter.
func (o *obsLoss) Grad(grad, theta []float64) float64 {
	s := dot(o.x, theta)
	g := expfam.Sigmoid(s) - o.r
	for j, v := range o.x {
		grad[j] = g * v
	}
	return expfam.Softplus(-(2*o.r - 1) * s)
}

// Hess implements blr.Hessianer.
func (o *obsLoss) Hess(hess, theta []float64) {
	p := expfam.Sigmoid(dot(o.x, theta))
	w := p * (1 - p)
	d := len(o.x)
	for i, xi := range o.x {
		for j, xj := range o.x {
			hess[i*d+j] = w * xi * xj
		}
	}
}

// argmaxTies returns the index of the largest score, ties broken uniformly
// at random with rnd (one draw per tie met).
func argmaxTies(scores []float64, rnd *rand.Rand) int {
	best, ties := 0, 1
	for a := 1; a < len(scores); a++ {
		switch {
		case scores[a] > scores[best]:
			best, ties = a, 1
		case scores[a] == scores[best]:
			ties++
			if rnd.IntN(ties) == 0 {
				best = a
			}
		}
	}
	return best
}

// Thompson is Thompson sampling with one full-Gaussian posterior per arm,
// updated online by the Bayesian learning rule (see the package doc): after
// each observation, Steps rule steps with ρ = 1, the delta estimator on the
// single observation's logistic loss and the previous posterior as the
// prior.
type Thompson struct {
	cfg   AgentConfig
	steps int
	q     []*expfam.FullGaussian
	rnd   *rand.Rand
	state blr.State
	theta []float64
	score []float64
}

// MaxRuleSteps bounds the rule steps per observation of NewThompson.
const MaxRuleSteps = 1 << 16

// NewThompson returns the agent with every arm at the prior N(0, δ⁻¹I);
// steps ∈ [1, MaxRuleSteps] is the number of rule steps per observation (1
// is the online Newton update). Its sampling draws from seed.
func NewThompson(cfg AgentConfig, steps int, seed uint64) (*Thompson, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if steps < 1 || steps > MaxRuleSteps {
		return nil, &blr.ConfigError{Field: "Thompson steps", Value: steps, Reason: fmt.Sprintf("want 1 … %d", MaxRuleSteps)}
	}
	t := &Thompson{
		cfg:   cfg,
		steps: steps,
		q:     make([]*expfam.FullGaussian, cfg.Arms),
		rnd:   rand.New(rand.NewPCG(seed, streamThompson)),
		theta: make([]float64, cfg.Dim),
		score: make([]float64, cfg.Arms),
	}
	for a := range t.q {
		q, err := priorGaussian(cfg.Dim, cfg.PriorPrecision)
		if err != nil {
			return nil, err
		}
		t.q[a] = q
	}
	return t, nil
}

// Posterior returns arm a's current posterior (not a copy), or nil for an
// arm out of range.
func (t *Thompson) Posterior(a int) *expfam.FullGaussian {
	if a < 0 || a >= len(t.q) {
		return nil
	}
	return t.q[a]
}

// Act draws θₐ ~ qₐ for every arm and returns argmaxₐ xᵀθₐ.
func (t *Thompson) Act(x []float64) (int, error) {
	if err := t.cfg.checkContext(x); err != nil {
		return 0, err
	}
	for a, q := range t.q {
		t.score[a] = dot(x, q.Sample(t.theta, t.rnd))
	}
	return argmaxTies(t.score, t.rnd), nil
}

// Update takes the agent's rule steps on the pulled arm's posterior. The
// update is transactional: on an error the posterior is unchanged.
func (t *Thompson) Update(x []float64, arm int, r float64) error {
	if err := t.cfg.checkObs(x, arm, r); err != nil {
		return err
	}
	prev := t.q[arm]
	q := prev.Clone().(*expfam.FullGaussian)
	rule := blr.Rule{
		Prior:     prev,
		Estimator: &blr.Delta{Model: &obsLoss{x: x, r: r}},
		Rate:      blr.Constant(1),
	}
	for range t.steps {
		if _, err := rule.Step(q, &t.state, nil); err != nil {
			return fmt.Errorf("online: Thompson update of arm %d: %w", arm, err)
		}
	}
	t.q[arm] = q
	return nil
}

// EpsSchedule is εₜ = min(1, Eps0·(t+1)^(−Decay)) at step t = 0, 1, ….
type EpsSchedule struct {
	Eps0  float64 // ε₀ ∈ [0, 1]
	Decay float64 // κ ≥ 0; 0 is a constant ε₀
}

// Rate returns εₜ.
func (s EpsSchedule) Rate(t int) float64 {
	if s.Decay == 0 {
		return s.Eps0
	}
	return math.Min(1, s.Eps0*math.Pow(float64(t)+1, -s.Decay))
}

func (s EpsSchedule) check() error {
	if !(s.Eps0 >= 0 && s.Eps0 <= 1) {
		return &blr.ConfigError{Field: "EpsSchedule.Eps0", Value: s.Eps0, Reason: "want a value in [0, 1]"}
	}
	if !(s.Decay >= 0) || math.IsInf(s.Decay, 0) {
		return &blr.ConfigError{Field: "EpsSchedule.Decay", Value: s.Decay, Reason: "want a finite value ≥ 0"}
	}
	return nil
}

// mapArms keeps each arm's data and its MAP under N(0, δ⁻¹I), refit by
// Newton's method after every observation (warm-started at the previous MAP).
type mapArms struct {
	cfg  AgentConfig
	x    [][]float64 // per arm, row-major nₐ×d
	y    [][]float64
	mode [][]float64
	fit  newton
}

func newMapArms(cfg AgentConfig) mapArms {
	m := mapArms{
		cfg:  cfg,
		x:    make([][]float64, cfg.Arms),
		y:    make([][]float64, cfg.Arms),
		mode: make([][]float64, cfg.Arms),
		fit:  newNewton(cfg.Dim),
	}
	for a := range m.mode {
		m.mode[a] = make([]float64, cfg.Dim)
	}
	return m
}

// refit returns arm's data with (x, r) appended and its MAP refit on them,
// without changing m; commit stores them.
func (m *mapArms) refit(x []float64, arm int, r float64) (xs, ys, mode []float64, err error) {
	xs = append(m.x[arm], x...) // writes past len only: m.x[arm] is unchanged
	ys = append(m.y[arm], r)
	mode = append([]float64(nil), m.mode[arm]...)
	if err := m.fit.solve(mode, xs, ys, m.cfg.PriorPrecision); err != nil {
		return nil, nil, nil, fmt.Errorf("online: MAP refit of arm %d on %d observations: %w", arm, len(ys), err)
	}
	return xs, ys, mode, nil
}

func (m *mapArms) commit(arm int, xs, ys, mode []float64) {
	m.x[arm], m.y[arm], m.mode[arm] = xs, ys, mode
}

// EpsGreedy pulls the arm whose MAP estimate gives the context the highest
// score, except with probability εₜ a uniformly random arm; each arm's MAP
// is refit on all of its data by Newton's method after every observation.
type EpsGreedy struct {
	arms  mapArms
	eps   EpsSchedule
	t     int
	rnd   *rand.Rand
	score []float64
}

// NewEpsGreedy returns the agent; its exploration and tie-breaking draw from
// seed.
func NewEpsGreedy(cfg AgentConfig, eps EpsSchedule, seed uint64) (*EpsGreedy, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := eps.check(); err != nil {
		return nil, err
	}
	return &EpsGreedy{
		arms:  newMapArms(cfg),
		eps:   eps,
		rnd:   rand.New(rand.NewPCG(seed, streamEps)),
		score: make([]float64, cfg.Arms),
	}, nil
}

// Act explores with probability εₜ and otherwise acts greedily on the MAP
// estimates. It draws one uniform every step, and one arm when it explores.
func (e *EpsGreedy) Act(x []float64) (int, error) {
	if err := e.arms.cfg.checkContext(x); err != nil {
		return 0, err
	}
	eps := e.eps.Rate(e.t)
	e.t++
	if e.rnd.Float64() < eps {
		return e.rnd.IntN(len(e.score)), nil
	}
	for a, m := range e.arms.mode {
		e.score[a] = dot(x, m)
	}
	return argmaxTies(e.score, e.rnd), nil
}

// Update refits the pulled arm's MAP.
func (e *EpsGreedy) Update(x []float64, arm int, r float64) error {
	if err := e.arms.cfg.checkObs(x, arm, r); err != nil {
		return err
	}
	xs, ys, mode, err := e.arms.refit(x, arm, r)
	if err != nil {
		return err
	}
	e.arms.commit(arm, xs, ys, mode)
	return nil
}

// LaplaceRefit is Thompson sampling from the Laplace approximation of each
// arm's full-data posterior, N(θ̂ₐ, Hₐ⁻¹) with θ̂ₐ the MAP refit by Newton's
// method on all of the arm's data after every observation and Hₐ the Hessian
// of the negative log-joint there. It is a baseline that revisits all past
// data at every step; it is not the exact posterior.
type LaplaceRefit struct {
	arms  mapArms
	q     []*expfam.FullGaussian
	rnd   *rand.Rand
	theta []float64
	score []float64
}

// NewLaplaceRefit returns the agent with every arm at the prior; its
// sampling draws from seed.
func NewLaplaceRefit(cfg AgentConfig, seed uint64) (*LaplaceRefit, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	l := &LaplaceRefit{
		arms:  newMapArms(cfg),
		q:     make([]*expfam.FullGaussian, cfg.Arms),
		rnd:   rand.New(rand.NewPCG(seed, streamLaplace)),
		theta: make([]float64, cfg.Dim),
		score: make([]float64, cfg.Arms),
	}
	for a := range l.q {
		q, err := priorGaussian(cfg.Dim, cfg.PriorPrecision)
		if err != nil {
			return nil, err
		}
		l.q[a] = q
	}
	return l, nil
}

// Posterior returns arm a's current Laplace approximation (not a copy), or
// nil for an arm out of range.
func (l *LaplaceRefit) Posterior(a int) *expfam.FullGaussian {
	if a < 0 || a >= len(l.q) {
		return nil
	}
	return l.q[a]
}

// Act draws θₐ from every arm's Laplace approximation and returns
// argmaxₐ xᵀθₐ.
func (l *LaplaceRefit) Act(x []float64) (int, error) {
	if err := l.arms.cfg.checkContext(x); err != nil {
		return 0, err
	}
	for a, q := range l.q {
		l.score[a] = dot(x, q.Sample(l.theta, l.rnd))
	}
	return argmaxTies(l.score, l.rnd), nil
}

// Update refits the pulled arm's MAP and Hessian.
func (l *LaplaceRefit) Update(x []float64, arm int, r float64) error {
	cfg := l.arms.cfg
	if err := cfg.checkObs(x, arm, r); err != nil {
		return err
	}
	xs, ys, mode, err := l.arms.refit(x, arm, r)
	if err != nil {
		return err
	}
	h := l.arms.fit.hessian(mode, xs, ys, cfg.PriorPrecision)
	q, err := expfam.NewFullGaussian(mode, h)
	if err != nil {
		return fmt.Errorf("online: Laplace approximation of arm %d: %w", arm, err)
	}
	l.arms.commit(arm, xs, ys, mode)
	l.q[arm] = q
	return nil
}
