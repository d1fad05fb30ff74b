package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/metrics"
	"github.com/bayesrule/blr/nn"
	"github.com/bayesrule/blr/train"
)

// Diagnostic predictives of the learned posterior q = N(m, diag(N(h+δ)/τ)⁻¹),
// beside the reported one (bench/validation.md §7): does its variance, at
// another temperature or under the linearised network, predict better?
var (
	lastTemps = flag.String("last-temp", "", "diagnosis: also evaluate the posterior average with the last layer's variance at these temperatures τ′ (the other layers' as trained)")
	glmTemps  = flag.String("glm-temp", "", "diagnosis: also evaluate the linearised (GLM) predictive f(m) + J(θ−m), θ−m ~ N(0, diag(N(h+δ′)/τ′)⁻¹), at these temperatures τ′")
	glmDeltas = flag.String("glm-delta", "0", "diagnosis: the prior precision per example δ′ of the GLM predictive (0: the training δ)")
)

// other is the score of one diagnostic predictive.
type other struct {
	Kind  string   `json:"kind"` // "last-layer" or "glm"
	Temp  float64  `json:"temp"`
	Delta float64  `json:"delta,omitempty"`
	Acc   float64  `json:"acc"`
	NLL   float64  `json:"nll"`
	ECE   float64  `json:"ece"`
	AUROC *float64 `json:"auroc,omitempty"`
}

// otherPredictives scores the predictives -last-temp and -glm-temp ask for
// on ev (and the OOD AUROC against ood, if not nil), with S draws.
func otherPredictives(d *blr.Diag[float32], net *nn.Network[float32], p *train.Posterior, ev, ood *data.Set, S int, seed uint64) ([]other, error) {
	var out []other
	o := d.Options()
	N, tau := o.DataSize, o.Temperature
	delta := o.PriorPrecision / N
	if *lastTemps != "" {
		lay := net.Layout()
		last := lay[len(lay)-1].Layer
		for _, tp := range floats(*lastTemps) {
			prec := d.Precision(nil)
			for _, b := range lay {
				if b.Layer == last {
					for j := b.Offset; j < b.Offset+b.Len; j++ {
						prec[j] = float32(float64(prec[j]) * tau / tp)
					}
				}
			}
			q := *p
			q.Precision = prec
			e, err := q.Evaluate(ev, ood, S, seed)
			if err != nil {
				return nil, err
			}
			r := e.Reported()
			out = append(out, other{Kind: "last-layer", Temp: tp, Acc: r.Accuracy, NLL: r.NLL, ECE: r.ECE, AUROC: r.OODAUROC})
		}
	}
	if *glmTemps == "" {
		return out, nil
	}
	net64, err := nn.New[float64](net.InShape(), nn.SoftmaxCrossEntropy{}, net.Layers()...)
	if err != nil {
		return nil, err
	}
	m := make([]float64, len(d.Mean()))
	for j, v := range d.Mean() {
		m[j] = float64(v)
	}
	for _, tp := range floats(*glmTemps) {
		for _, dp := range floats(*glmDeltas) {
			if dp <= 0 {
				dp = delta
			}
			prec := d.Precision(nil)
			for j, pj := range prec { // N(h+δ)/τ → N(h+δ′)/τ′
				prec[j] = float32(N * (float64(pj)*tau/N - delta + dp) / tp)
			}
			pe, err := glmProbs(net64, m, prec, ev, S, seed)
			if err != nil {
				return nil, err
			}
			sum, err := metrics.Evaluate(pe, train.Classes, ev.Y)
			if err != nil {
				return nil, err
			}
			g := other{Kind: "glm", Temp: tp, Delta: dp, Acc: sum.Accuracy, NLL: sum.NLL, ECE: sum.ECE}
			if ood != nil {
				po, err := glmProbs(net64, m, prec, ood, S, seed)
				if err != nil {
					return nil, err
				}
				auc, err := entropyAUROC(pe, po)
				if err != nil {
					return nil, err
				}
				g.AUROC = &auc
			}
			out = append(out, g)
		}
	}
	return out, nil
}

// entropyAUROC is the AUROC of the predictive entropy separating the OOD
// probabilities po from the in-distribution pe.
func entropyAUROC(pe, po []float64) (float64, error) {
	hIn, err := metrics.PredictiveEntropy(pe, train.Classes)
	if err != nil {
		return 0, err
	}
	hOut, err := metrics.PredictiveEntropy(po, train.Classes)
	if err != nil {
		return 0, err
	}
	return metrics.AUROC(hOut, hIn)
}

// glmProbs returns the GLM predictive's class probabilities on set: the
// average over S draws v ~ N(0, diag(prec)⁻¹) of softmax(f(m) + J v), with J v
// the central difference (f(m+tv) − f(m−tv))/(2t) in float64 (the network is
// piecewise polynomial in t, so its error is O(t²) away from ReLU kinks).
func glmProbs(net *nn.Network[float64], m []float64, prec []float32, set *data.Set, S int, seed uint64) ([]float64, error) {
	n := set.N
	x := make([]float64, len(set.X))
	for i, v := range set.X {
		x[i] = float64(v)
	}
	forward := func(w []float64) ([]float64, error) {
		z, err := net.Forward(w, x, n)
		return slices.Clone(z), err
	}
	f0, err := forward(m)
	if err != nil {
		return nil, err
	}
	probs := make([]float64, n*train.Classes)
	rnd := rand.New(rand.NewPCG(seed, 0x676c6d))
	plus, minus := make([]float64, len(m)), make([]float64, len(m))
	const t = 1e-4
	for range S {
		for j := range m {
			v := rnd.NormFloat64() / math.Sqrt(float64(prec[j]))
			plus[j], minus[j] = m[j]+t*v, m[j]-t*v
		}
		fp, err := forward(plus)
		if err != nil {
			return nil, err
		}
		fm, err := forward(minus)
		if err != nil {
			return nil, err
		}
		for i := range n {
			var z [train.Classes]float64
			mx := math.Inf(-1)
			for c := range z {
				k := i*train.Classes + c
				z[c] = f0[k] + (fp[k]-fm[k])/(2*t)
				mx = math.Max(mx, z[c])
			}
			if math.IsInf(mx, 0) || math.IsNaN(mx) {
				return nil, fmt.Errorf("glm: non-finite output for example %d", i)
			}
			var sum float64
			for c := range z {
				z[c] = math.Exp(z[c] - mx)
				sum += z[c]
			}
			for c := range z {
				probs[i*train.Classes+c] += z[c] / sum / float64(S)
			}
		}
	}
	return probs, nil
}
