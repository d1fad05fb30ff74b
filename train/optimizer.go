package train

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// The posterior families. Each optimizer learns one (Spec.Family); it
// decides what posterior.safetensors holds and how a posterior predicts
// (see Posterior).
const (
	// FamilyGaussian is q = N(m, diag(P)⁻¹): tensors "mean" and
	// "precision".
	FamilyGaussian = "diag-gaussian"
	// FamilyBernoulli is a product of Bernoullis on {−1, +1} over the
	// binary weights, p(wⱼ = +1) = sigmoid(2λⱼ): tensors "latent" (λ) and
	// "mode" (the mode network, sign λ in the binary entries and the fixed
	// parameters elsewhere).
	FamilyBernoulli = "bernoulli"
	// FamilyMixture is Σ_k π_k N(m_k, diag(P_k)⁻¹): tensors "mean" and
	// "precision" of shape [K, D] and "weights" (π, F64).
	FamilyMixture = "diag-gaussian-mixture"
	// FamilyDropout is dropout's posterior, wⱼ ~ pⱼN(0, σⱼ²) +
	// (1−pⱼ)N(mⱼ, σⱼ²) with one mask per unit: tensors "mean" (m),
	// "drop_prob" (p per weight) and "variance" (σ²).
	FamilyDropout = "dropout"
)

// Families lists the posterior families a posterior file may hold.
func Families() []string {
	return []string{FamilyBernoulli, FamilyGaussian, FamilyMixture, FamilyDropout}
}

// Optimizer is an optimizer as a Trainer drives it: an engine of package
// blr over the network's weights, with its state and its posterior. The
// Trainer owns the data, the generators and the network; the optimizer owns
// everything else.
type Optimizer interface {
	// Step takes one step on the minibatch that o evaluates: o returns the
	// minibatch mean loss at the weights it is given, its gradient and,
	// when asked, a curvature estimate. normals is the weight noise and
	// rnd the generator of every other draw (Gumbel noise; the network's
	// dropout masks and Monte Carlo labels come from rnd too); the Trainer
	// checkpoints both. Step returns the loss of the step (averaged over
	// its evaluations). A step that fails must leave the optimizer as it
	// was: the Trainer then restores the generators and the data position.
	Step(o blr.Oracle[float32], normals blr.Normals[float32], rnd *rand.Rand) (loss float64, err error)
	// LR is the current step size; SetLR changes it for the next steps
	// (the Trainer's schedule calls it before every step).
	LR() float64
	SetLR(lr float64) error
	// Steps is the number of steps taken; SetSteps restores it on Resume.
	Steps() int
	SetSteps(t int) error
	// State lists the tensors that, with Steps, hold the optimizer's whole
	// state, as live slices in a fixed order: Save writes them and Resume
	// overwrites them in place, then calls Restored. Names are unique and
	// not "buffers" (the network's batch-norm statistics, which the
	// Trainer saves).
	State() []StateTensor
	// Restored is called after Resume overwrote the State tensors: it
	// checks them and rebuilds what derives from them (the binary
	// optimizers write sign λ into the network's weights).
	Restored() error
	// Settings are the resolved settings as a value encoding/json can
	// write. They are stored in the state, and a run resumes only in a
	// build that resolves the same JSON (defaults that changed would break
	// the bit-identical continuation).
	Settings() any
	// Posterior fills p's family fields (Family, Mean, Precision, Latent,
	// Mode, Means, Precisions, Weights, DropProb, Variance) with copies of
	// the current posterior, and Buffers when it keeps batch-norm
	// statistics of its own (a mixture's, one set per component). The
	// Trainer fills the rest (Buffers, when left nil, with the network's).
	Posterior(p *Posterior)
}

// StateTensor is one named tensor of an optimizer's state (live).
type StateTensor struct {
	Name string
	Data []float32
}

// Builder builds an optimizer for a run of cfg (valid, normalised) over
// params, the parameter vector of net (the training network: it carries
// the dropout layers and batch norms of cfg). In New, params holds the
// initial weights (drawn with cfg.Seed); in Resume they are zero and the
// stored state overwrites the State tensors afterwards. n is the number of
// training examples N and steps the planned number of steps T; warnings go
// to warn when it is not nil. An invalid setting is a *ConfigError naming
// its flag.
type Builder func(cfg Config, net *nn.Network[float32], params []float32, n, steps int, warn io.Writer) (Optimizer, error)

// Spec describes a registered optimizer.
type Spec struct {
	// Family is the posterior family it learns (one of Families).
	Family string
	// Bayesian says that its posterior is a posterior approximation worth
	// sampling: its default --test-samples is DefaultBayesTestSamples.
	Bayesian bool
	// Sampling says that it draws weights while training, so that it takes
	// TrainSamples > 1.
	Sampling bool
	// Takes lists the hyperparameter flags it uses, of lr,
	// prior-precision, beta1, beta2, hess-init, temperature, bayesbinn-eps
	// and clip-radius: Validate refuses the others, before any data are
	// loaded. nil leaves the check to the builder (package blr's engine
	// knows what each of its optimizers uses), except for bayesbinn-eps,
	// which Validate refuses unless Takes lists it.
	Takes []string
	// Build builds it.
	Build Builder
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Spec{}
)

// Register adds an optimizer under name (lower case, as --optimizer spells
// it). It fails for an empty or taken name, a nil builder or an unknown
// family. Register is safe for concurrent use.
func Register(name string, s Spec) error {
	switch {
	case name == "" || name != strings.ToLower(strings.TrimSpace(name)):
		return fmt.Errorf("train: Register: name %q must be non-empty, lower case and without spaces", name)
	case s.Build == nil:
		return fmt.Errorf("train: Register(%q): nil builder", name)
	case !slices.Contains(Families(), s.Family):
		return fmt.Errorf("train: Register(%q): unknown family %q; want one of %s", name, s.Family, strings.Join(Families(), ", "))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, ok := registry[name]; ok {
		return fmt.Errorf("train: Register: %q is already registered", name)
	}
	registry[name] = s
	return nil
}

// Lookup returns the Spec of a registered optimizer.
func Lookup(name string) (Spec, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	s, ok := registry[name]
	return s, ok
}

// Names lists the registered optimizers, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// samplingNames lists the registered optimizers that take TrainSamples > 1.
func samplingNames() []string {
	var out []string
	for _, n := range Names() {
		if s, _ := Lookup(n); s.Sampling {
			out = append(out, n)
		}
	}
	return out
}

// FamilyOf returns the posterior family of a registered optimizer ("" if
// it is unknown).
func FamilyOf(optimizer string) string {
	s, _ := Lookup(optimizer)
	return s.Family
}

// init registers the built-in optimizers (directly: the names are distinct
// and the specs valid).
func init() {
	sampling := []string{"vogn", "vadam", "ivon", "iblr-diag"}
	bayes := []string{"ogn", "vogn", "vadam", "ivon", "iblr-diag"}
	for _, name := range blr.Names() {
		registry[name] = Spec{Family: FamilyGaussian, Bayesian: slices.Contains(bayes, name),
			Sampling: slices.Contains(sampling, name), Build: diagBuilder(name)}
	}
	binary := []string{"lr", "beta1"}
	registry["ste"] = Spec{Family: FamilyBernoulli, Build: binaryBuilder("ste"), Takes: binary}
	registry["binaryconnect"] = Spec{Family: FamilyBernoulli, Build: binaryBuilder("binaryconnect"), Takes: binary}
	registry["bayesbinn"] = Spec{Family: FamilyBernoulli, Bayesian: true, Sampling: true, Build: binaryBuilder("bayesbinn"),
		Takes: []string{"lr", "beta1", "temperature", "bayesbinn-eps"}}
	registry["dropout"] = Spec{Family: FamilyDropout, Bayesian: true, Build: buildDropout, Takes: []string{"lr", "prior-precision"}}
	registry["mixture"] = Spec{Family: FamilyMixture, Bayesian: true, Sampling: true, Build: buildMixture}
}

// hyperField is a hyperparameter of Config and its flag.
type hyperField struct {
	flag string
	v    *float64
}

// hyperFields are the hyperparameter fields of c (those Spec.Takes names),
// one table for validation and refusals.
func (c *Config) hyperFields() []hyperField {
	return []hyperField{{"lr", &c.LR}, {"prior-precision", &c.PriorPrecision}, {"beta1", &c.Beta1},
		{"beta2", &c.Beta2}, {"hess-init", &c.HessInit}, {"temperature", &c.Temperature},
		{"bayesbinn-eps", &c.BayesBiNNEps}, {"clip-radius", &c.ClipRadius}}
}

// checkTakes refuses the first hyperparameter set outside s.Takes.
func checkTakes(c *Config, s Spec) error {
	if s.Takes == nil {
		return nil
	}
	for _, h := range c.hyperFields() {
		if v := *h.v; v != 0 && !slices.Contains(s.Takes, h.flag) {
			if v == blr.Off {
				v = 0
			}
			return &ConfigError{Field: h.flag, Value: v, Reason: "not used by " + c.Optimizer}
		}
	}
	return nil
}
