package train

import (
	"fmt"
	"slices"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/nn"
)

// Prediction is a posterior's predictive distribution on some images, with
// its uncertainty split into the part the networks agree on and the part
// they disagree on.
type Prediction struct {
	// N is the number of images and Samples the number S of networks drawn
	// for the posterior average (0: the point networks, PointWeights).
	N, Samples int
	// Probs holds N rows of Classes: the predictive p̄(y|x) = Σₛ wₛ pₛ(y|x),
	// the same probabilities Evaluate scores.
	Probs []float64
	// Entropy is H[p̄] of each image, in nats: the total uncertainty.
	Entropy []float64
	// Expected is Σₛ wₛ H[pₛ] of each image: the uncertainty every network
	// has on its own (aleatoric).
	Expected []float64
	// MutualInfo is Entropy − Expected ≥ 0 of each image, the information
	// the label would give about the weights (BALD): the disagreement
	// between the networks (epistemic). It is 0 with one point network.
	MutualInfo []float64
}

// Class returns the most probable class of image i and its probability.
func (pr *Prediction) Class(i int) (int, float64) {
	row := pr.Probs[i*Classes : (i+1)*Classes]
	best := 0
	for c, v := range row {
		if v > row[best] {
			best = c
		}
	}
	return best, row[best]
}

// Predict returns the predictive distribution of the posterior on the
// images x (N rows of 28×28 = ImageSize pixels, scaled like the training
// data, as data.ReadImagesFile and the data loaders scale them): with
// samples = 0 that of its point networks (the mean weights, …), otherwise
// the posterior average over S = samples networks drawn from a stream of
// seed (SampleWeights), the predictive Evaluate scores with the same samples
// and seed. The network is the prediction network of the posterior's Config
// in evaluation mode with the posterior's batch-norm statistics. Inputs
// that are empty, not whole images or not finite give a *ConfigError naming
// the value. The result does not depend on GOMAXPROCS.
func (p *Posterior) Predict(x []float32, samples int, seed uint64) (*Prediction, error) {
	if p == nil {
		return nil, errNilPosterior("posterior")
	}
	if samples < 0 || samples > MaxSamples {
		return nil, &ConfigError{Field: "test-samples", Value: samples, Reason: fmt.Sprintf("must lie in [0, %d]", MaxSamples)}
	}
	if len(x) == 0 || len(x)%ImageSize != 0 {
		return nil, &ConfigError{Field: "images", Value: len(x), Reason: fmt.Sprintf("%d pixels are not a whole number of 28×28 = %d-pixel images", len(x), ImageSize)}
	}
	n := len(x) / ImageSize
	set := &data.Set{X: x, Y: make([]int, n), N: n, D: ImageSize, Classes: Classes, H: 28, W: 28, Name: "images"}
	if err := CheckSet(set, "images"); err != nil {
		return nil, err
	}
	net, err := NewPredictionNetwork(p.Config)
	if err != nil {
		return nil, err
	}
	if err := p.fits(net); err != nil {
		return nil, err
	}
	var sm *sampler
	if samples > 0 {
		if sm, err = p.sampler(samples, seed); err != nil {
			return nil, err
		}
	}
	net.SetTraining(false)
	pr := &Prediction{N: n, Samples: samples, Probs: make([]float64, n*Classes), Expected: make([]float64, n)}
	if _, err := p.accumulate(net, sm, []*data.Set{set}, [][]float64{pr.Probs}, [][]float64{pr.Expected}, 1, new([]float64)); err != nil {
		return nil, err
	}
	if pr.Entropy, err = metrics.PredictiveEntropy(pr.Probs, Classes); err != nil {
		return nil, err
	}
	pr.MutualInfo = mutualInfo(pr.Entropy, pr.Expected)
	return pr, nil
}

// mutualInfo returns H − E per example, the entropy of the predictive minus
// its networks' expected entropy: ≥ 0 by Jensen's inequality, and set to 0
// where rounding makes it negative.
func mutualInfo(h, expected []float64) []float64 {
	mi := make([]float64, len(h))
	for i, v := range h {
		mi[i] = max(0, v-expected[i])
	}
	return mi
}

// accumulate adds the predictive of the posterior's networks — its point
// networks (sm == nil; PointWeights) or the draws of its posterior average
// (sm) — on each of sets, weighted by w: for every network θ with weight wθ,
// w·wθ times θ's class probabilities on sets[i] to probs[i] (the sum
// AccumulateProbs(…, probs[i], w·wθ) makes) and w·wθ times their entropies to
// expected[i], each network with the batch-norm statistics of its component
// (ComponentBuffers) loaded into net. It returns the number of networks; one
// is scratch.
func (p *Posterior) accumulate(net *nn.Network[float32], sm *sampler, sets []*data.Set, probs, expected [][]float64, w float64, one *[]float64) (int, error) {
	add := func(k int, theta []float32, wn float64) error {
		if b := p.ComponentBuffers(k); b != nil {
			copy(net.Buffers(), b)
		}
		for i, set := range sets {
			o := slices.Grow((*one)[:0], len(probs[i]))[:len(probs[i])]
			*one = o
			clear(o)
			if err := AccumulateProbs(net, theta, set, o, 1); err != nil {
				return err
			}
			h, err := metrics.PredictiveEntropy(o, Classes)
			if err != nil {
				return err
			}
			for e, he := range h {
				expected[i][e] += w * wn * he
			}
			for j, v := range o {
				probs[i][j] += w * wn * v
			}
		}
		return nil
	}
	if sm == nil {
		pts, ws := p.PointWeights()
		for k, theta := range pts {
			if err := add(k, theta, ws[k]); err != nil {
				return 0, err
			}
		}
		return len(pts), nil
	}
	theta := make([]float32, sm.dim())
	for s := range sm.S {
		wn := sm.draw(theta, s)
		if err := add(p.SampleComponent(s), theta, wn); err != nil {
			return 0, fmt.Errorf("posterior sample %d: %w", s, err)
		}
	}
	return sm.S, nil
}
