package train

import (
	"fmt"

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
	if samples < 0 || samples > MaxSamples {
		return nil, &ConfigError{Field: "test-samples", Value: samples, Reason: fmt.Sprintf("must lie in [0, %d]", MaxSamples)}
	}
	if len(x) == 0 || len(x)%ImageSize != 0 {
		return nil, &ConfigError{Field: "images", Value: len(x), Reason: fmt.Sprintf("%d pixels are not a whole number of 28×28 = %d-pixel images", len(x), ImageSize)}
	}
	n := len(x) / ImageSize
	set := &data.Set{X: x, Y: make([]int, n), N: n, D: ImageSize, Classes: Classes, H: 28, W: 28, Name: "images"}
	if err := checkSet(set, "images"); err != nil {
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
	one := make([]float64, n*Classes)
	err = p.eachNetwork(net, sm, func(_ int, theta []float32, w float64) error {
		clear(one)
		if err := AccumulateProbs(net, theta, set, one, 1); err != nil {
			return err
		}
		return addNetwork(pr.Probs, pr.Expected, one, w)
	})
	if err != nil {
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

// eachNetwork calls fn(s, θ, w) for every network θ of the posterior's point
// predictive (sm == nil; PointWeights) or of its posterior average (sm's
// draws, s = 0 … S−1), w its weight in the average, after loading into net
// the batch-norm statistics of θ's component (ComponentBuffers). θ may be
// one of the posterior's slices or a buffer reused between calls: fn must
// not keep or modify it.
func (p *Posterior) eachNetwork(net *nn.Network[float32], sm *sampler, fn func(s int, theta []float32, w float64) error) error {
	useBuffers := func(k int) {
		if b := p.ComponentBuffers(k); b != nil {
			copy(net.Buffers(), b)
		}
	}
	if sm == nil {
		pts, ws := p.PointWeights()
		for k, theta := range pts {
			useBuffers(k)
			if err := fn(k, theta, ws[k]); err != nil {
				return err
			}
		}
		return nil
	}
	theta := make([]float32, sm.dim())
	for s := range sm.S {
		w := sm.draw(theta, s)
		useBuffers(p.SampleComponent(s))
		if err := fn(s, theta, w); err != nil {
			return err
		}
	}
	return nil
}
