package continual

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/nn"
)

// model is a multi-head MLP: a shared body (the hidden layers) and Heads
// output heads of Width outputs each, held as the parameter vector of the
// MLP in-hidden-(Heads·Width), whose outputs k·Width … (k+1)·Width−1 are
// head k. Head k alone is the MLP in-hidden-Width; maps[k] sends each
// parameter of that network to its place in the full vector, so a head's
// network runs on gather(full, maps[k]) and nothing of the other heads.
type model struct {
	in, heads, width int
	body             int // parameters of the shared body: the head network's first body entries
	full, head       *nn.Network[float32]
	maps             [][]int
}

func newModel(in int, hidden []int, heads, width int) (*model, error) {
	full, err := nn.MLP[float32](in, hidden, heads*width, nil)
	if err != nil {
		return nil, fmt.Errorf("continual: %w", err)
	}
	head, err := nn.MLP[float32](in, hidden, width, nil)
	if err != nil {
		return nil, fmt.Errorf("continual: %w", err)
	}
	fl, hl := full.Layout(), head.Layout()
	if len(fl) < 2 || len(fl) != len(hl) {
		return nil, fmt.Errorf("continual: internal error: layouts of %d and %d blocks", len(fl), len(hl))
	}
	fw, fb := fl[len(fl)-2], fl[len(fl)-1]
	hw, hb := hl[len(hl)-2], hl[len(hl)-1]
	body := hw.Offset
	if fw.Offset != body || hb.Offset != hw.Offset+hw.Len || hb.Len != width || fb.Len != heads*width {
		return nil, fmt.Errorf("continual: internal error: unexpected output-layer layout")
	}
	prev := hw.Len / width // inputs of the output layer
	m := &model{in: in, heads: heads, width: width, body: body, full: full, head: head}
	for k := range heads {
		mp := make([]int, head.NumParams())
		for i := range body {
			mp[i] = i
		}
		for r := range width {
			for c := range prev {
				mp[body+r*prev+c] = fw.Offset + (k*width+r)*prev + c
			}
			mp[hb.Offset+r] = fb.Offset + k*width + r
		}
		m.maps = append(m.maps, mp)
	}
	return m, nil
}

// gather writes src[mp[i]] into dst[i] (dst allocated if nil).
func gather(dst, src []float32, mp []int) []float32 {
	if dst == nil {
		dst = make([]float32, len(mp))
	}
	for i, j := range mp {
		dst[i] = src[j]
	}
	return dst
}

// scatter writes src[i] into dst[mp[i]].
func scatter(dst, src []float32, mp []int) {
	for i, j := range mp {
		dst[j] = src[i]
	}
}

// group is the part of a minibatch that one head predicts.
type group struct {
	head   int
	x      []float32
	labels []int
}

// oracle evaluates a minibatch for the engine. With direct, the engine's
// vector is one head's network (sequential training: the other heads are not
// in it) and groups holds one group. Otherwise the engine's vector is the
// full network and each group's loss is that of its head's network on the
// gathered weights; the loss, gradient and curvature are the minibatch means
// over all examples, Σ_g (M_g/M)·(the group's mean), added into the full
// vector in the order of the groups.
type oracle struct {
	m      *model
	direct bool
	groups []group
	rnd    *rand.Rand // Monte Carlo labels (CurvMCFisher)

	theta, grad, curv []float32 // one head's scratch (not direct)
}

func (o *oracle) evalHead(theta, grad, curv []float32, kind blr.CurvatureKind, b nn.Batch[float32]) (float64, error) {
	net := o.m.head
	switch kind {
	case blr.CurvEmpiricalFisher:
		return net.EmpiricalFisherDiag(curv, grad, theta, b)
	case blr.CurvMCFisher:
		return net.MCFisherDiag(curv, grad, theta, b, o.rnd)
	case blr.CurvGGNDiag:
		return net.GGNDiag(curv, grad, theta, b)
	case blr.CurvExactDiag:
		return 0, &ConfigError{Field: "curvature", Value: kind.String(), Reason: "networks supply empirical-fisher, mc-fisher or ggn-diag, not the exact Hessian diagonal"}
	}
	return net.Loss(grad, theta, b)
}

// Eval implements blr.Oracle.
func (o *oracle) Eval(theta, grad, curv []float32, kind blr.CurvatureKind) (float64, error) {
	var loss float64
	if o.direct {
		g := o.groups[0]
		l, err := o.evalHead(theta, grad, curv, kind, nn.Batch[float32]{X: g.x, Labels: g.labels})
		if err != nil {
			return 0, err
		}
		loss = l
	} else {
		total := 0
		for _, g := range o.groups {
			total += len(g.labels)
		}
		clear(grad)
		clear(curv)
		n := o.m.head.NumParams()
		if o.theta == nil {
			o.theta, o.grad = make([]float32, n), make([]float32, n)
		}
		var hc []float32
		if curv != nil {
			if o.curv == nil {
				o.curv = make([]float32, n)
			}
			hc = o.curv
		}
		for _, g := range o.groups {
			if len(g.labels) == 0 {
				continue
			}
			mp := o.m.maps[g.head]
			gather(o.theta, theta, mp)
			l, err := o.evalHead(o.theta, o.grad, hc, kind, nn.Batch[float32]{X: g.x, Labels: g.labels})
			if err != nil {
				return 0, err
			}
			w := float64(len(g.labels)) / float64(total)
			loss += w * l
			wf := float32(w)
			for i, j := range mp {
				grad[j] += wf * o.grad[i]
			}
			if hc != nil {
				for i, j := range mp {
					curv[j] += wf * hc[i]
				}
			}
		}
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, &blr.NonFiniteError{Field: "loss", Index: 0, Value: loss}
	}
	return loss, nil
}
