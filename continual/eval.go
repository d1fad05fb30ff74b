package continual

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/bayesrule/blr"
)

// ErrImproper is wrapped by the error of an evaluation that asks for samples
// of a posterior whose precision is not positive everywhere.
var ErrImproper = errors.New("continual: the posterior cannot be sampled")

// evalChunk is the number of test images per forward pass.
const evalChunk = 500

// Accuracy is a method's accuracy on one task with both predictives.
type Accuracy struct {
	Mean    float64 // the mean weights
	Average float64 // the posterior average over S networks; NaN when S = 0
}

// MarshalJSON writes the accuracies, null for a NaN (no posterior average).
func (a Accuracy) MarshalJSON() ([]byte, error) {
	v := struct {
		Mean    float64  `json:"mean_weights"`
		Average *float64 `json:"posterior_average"`
	}{Mean: a.Mean}
	if !math.IsNaN(a.Average) {
		v.Average = &a.Average
	}
	return json.Marshal(v)
}

// evaluate scores the head's network with weights mean (and precision prec)
// on task's test set: the mean weights, and with samples > 0 the posterior
// average (1/S)Σₛ softmax(f(x; θₛ)), θₛ = m + ε/√P, ε from the stream key.
func (m *model) evaluate(task Task, mean, prec []float32, samples int, key uint64) (Accuracy, error) {
	set := task.Test
	n, d, w := set.N, set.D, m.width
	x := make([]float32, min(evalChunk, n)*d)
	pass := func(theta []float32, visit func(i int, logits []float32)) error {
		for lo := 0; lo < n; lo += evalChunk {
			hi := min(lo+evalChunk, n)
			for i := lo; i < hi; i++ {
				row(x[(i-lo)*d:(i-lo+1)*d], set, i, task.Perm)
			}
			out, err := m.head.Forward(theta, x[:(hi-lo)*d], hi-lo)
			if err != nil {
				return fmt.Errorf("continual: evaluating %s: %w", task.Name, err)
			}
			for i := lo; i < hi; i++ {
				visit(i, out[(i-lo)*w:(i-lo+1)*w])
			}
		}
		return nil
	}
	acc := Accuracy{Average: math.NaN()}
	correct := 0
	if err := pass(mean, func(i int, z []float32) {
		if argmax32(z) == set.Y[i] {
			correct++
		}
	}); err != nil {
		return acc, err
	}
	acc.Mean = float64(correct) / float64(n)
	if samples == 0 {
		return acc, nil
	}
	if len(prec) != len(mean) {
		return acc, fmt.Errorf("%w: no precision for %s", ErrImproper, task.Name)
	}
	sd := make([]float32, len(prec))
	for j, p := range prec {
		if !(p > 0) || math.IsInf(float64(p), 0) {
			return acc, fmt.Errorf("%w: precision[%d] = %g", ErrImproper, j, p)
		}
		sd[j] = float32(1 / math.Sqrt(float64(p)))
	}
	probs := make([]float64, n*w)
	theta := make([]float32, len(mean))
	rnd := blr.FastNormals[float32]{Key: key}
	p := make([]float64, w)
	for range samples {
		rnd.Fill(theta)
		for j := range theta {
			theta[j] = mean[j] + theta[j]*sd[j]
		}
		if err := pass(theta, func(i int, z []float32) {
			softmax(p, z)
			for c, v := range p {
				probs[i*w+c] += v
			}
		}); err != nil {
			return acc, err
		}
	}
	correct = 0
	for i := range n {
		if argmax64(probs[i*w:(i+1)*w]) == set.Y[i] {
			correct++
		}
	}
	acc.Average = float64(correct) / float64(n)
	return acc, nil
}

// softmax writes softmax(z) into p.
func softmax(p []float64, z []float32) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, float64(v))
	}
	var s float64
	for c, v := range z {
		p[c] = math.Exp(float64(v) - mx)
		s += p[c]
	}
	for c := range p {
		p[c] /= s
	}
}

// argmax32 and argmax64 return the first index of the largest value.
func argmax32(z []float32) int {
	best := 0
	for c, v := range z {
		if v > z[best] {
			best = c
		}
	}
	return best
}

func argmax64(z []float64) int {
	best := 0
	for c, v := range z {
		if v > z[best] {
			best = c
		}
	}
	return best
}
