package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// perExample returns, for example i of the case's batch, a network and
// batch of one whose loss is ℓᵢ as the curvature estimators define it: with
// example i's dropout mask and, where batch norm runs on batch statistics,
// those statistics frozen (evaluation mode with the running averages set to
// the minibatch's mean and biased variance).
func perExample(t *testing.T, c netCase, n *Network[float64], params []float64, b Batch[float64]) func(i int) (*Network[float64], Batch[float64]) {
	t.Helper()
	ref := n
	if n.coupled() {
		// A twin whose batch norms take the batch statistics as running
		// averages (Momentum 1), then turn the unbiased variance into the
		// biased one the training pass normalises with.
		layers := append([]Layer(nil), c.layers...)
		for i, l := range layers {
			if bn, ok := l.(BatchNorm); ok {
				bn.Momentum = 1
				layers[i] = bn
			}
		}
		var err error
		ref, err = New[float64](c.in, c.loss, layers...)
		if err != nil {
			t.Fatal(err)
		}
		for li, l := range n.layers { // the same dropout masks, in training mode
			if d, ok := l.(*dropout[float64]); ok && d.fixed != nil {
				rd := ref.layers[li].(*dropout[float64])
				rd.fixed = append([]float64(nil), d.fixed...)
				ref.layers[li] = trainDropout{rd}
			}
		}
		if _, err := ref.Loss(nil, params, b); err != nil {
			t.Fatal(err)
		}
		for _, l := range ref.layers {
			if bn, ok := l.(*batchNorm[float64]); ok {
				cnt := float64(c.batch * bn.hw)
				for j := range bn.rvar {
					bn.rvar[j] *= (cnt - 1) / cnt
				}
			}
		}
		ref.SetTraining(false)
	}
	masks := map[int][]float64{} // the whole-batch masks, before rows replace them
	for li, l := range n.layers {
		if d, ok := l.(*dropout[float64]); ok && d.fixed != nil {
			masks[li] = append([]float64(nil), d.fixed...)
		}
	}
	return func(i int) (*Network[float64], Batch[float64]) {
		for li, m := range masks {
			size := len(m) / c.batch
			if d, ok := ref.layers[li].(trainDropout); ok {
				d.fixed = m[i*size : (i+1)*size]
				continue
			}
			if err := ref.SetDropoutMask(li, m[i*size:(i+1)*size]); err != nil {
				t.Fatal(err)
			}
		}
		return ref, example(ref, b, i)
	}
}

// trainDropout is a dropout layer that applies its fixed mask in
// evaluation mode too: the per-example twin of a network with batch norm
// under batch statistics runs in evaluation mode.
type trainDropout struct{ *dropout[float64] }

func (d trainDropout) forward(p, x []float64, batch int, _ bool) []float64 {
	return d.dropout.forward(p, x, batch, true)
}

// TestEmpiricalFisherPerExample checks EmpiricalFisherDiag against the
// explicit loop (1/M)Σᵢ gᵢ⊙gᵢ over examples, each gradient from Loss on a
// batch of one, within 1e-12, and that the gradient it writes is the one
// Loss writes, bit for bit.
func TestEmpiricalFisherPerExample(t *testing.T) {
	for _, c := range netCases() {
		t.Run(c.name, func(t *testing.T) {
			n, params, b := c.setup(t, 2)
			fisher := make([]float64, len(params))
			grad := make([]float64, len(params))
			if _, err := n.EmpiricalFisherDiag(fisher, grad, params, b); err != nil {
				t.Fatal(err)
			}
			lossGrad := make([]float64, len(params))
			if _, err := n.Loss(lossGrad, params, b); err != nil {
				t.Fatal(err)
			}
			for j := range grad {
				if grad[j] != lossGrad[j] {
					t.Fatalf("EmpiricalFisherDiag grad[%d] = %v, Loss grad = %v", j, grad[j], lossGrad[j])
				}
			}
			want := make([]float64, len(params))
			gi := make([]float64, len(params))
			one := perExample(t, c, n, params, b)
			for i := range c.batch {
				ref, e := one(i)
				if _, err := ref.Loss(gi, params, e); err != nil {
					t.Fatal(err)
				}
				for j, g := range gi {
					want[j] += g * g / float64(c.batch)
				}
			}
			if d, j := maxRelDiff(fisher, want); d > 1e-12 {
				t.Errorf("fisher[%d] = %.17g, per-example loop %.17g (rel. diff. %.2g > 1e-12)", j, fisher[j], want[j], d)
			}
		})
	}
}

// outputHessian returns Hᵢ, the Hessian of the loss in the output z.
func outputHessian(loss Loss, z []float64) *mat.Dense {
	k := len(z)
	h := mat.NewDense(k, k, nil)
	switch l := loss.(type) {
	case GaussianNLL:
		for a := range k {
			h.Set(a, a, l.precision())
		}
	case SoftmaxCrossEntropy:
		m := z[0]
		for _, v := range z {
			m = math.Max(m, v)
		}
		var s float64
		for _, v := range z {
			s += math.Exp(v - m)
		}
		p := make([]float64, k)
		for a, v := range z {
			p[a] = math.Exp(v-m) / s
		}
		for a := range k {
			for c := range k {
				h.Set(a, c, -p[a]*p[c])
			}
			h.Set(a, a, p[a]-p[a]*p[a])
		}
	}
	return h
}

// TestGGNDiagJacobian checks GGNDiag against (1/M)Σᵢ diag(JᵢᵀHᵢJᵢ) with Jᵢ
// the Jacobian of example i's output by central finite differences (gonum
// diff/fd) and Hᵢ the loss Hessian in closed form: max relative difference
// ≤ 1e-7.
func TestGGNDiagJacobian(t *testing.T) {
	for _, c := range netCases() {
		t.Run(c.name, func(t *testing.T) {
			n, params, b := c.setup(t, 3)
			ggn := make([]float64, len(params))
			if _, err := n.GGNDiag(ggn, nil, params, b); err != nil {
				t.Fatal(err)
			}
			k := n.OutShape().Size()
			want := make([]float64, len(params))
			one := perExample(t, c, n, params, b)
			for i := range c.batch {
				ref, e := one(i)
				f := func(y, p []float64) {
					z, err := ref.Forward(p, e.X, 1)
					if err != nil {
						t.Fatal(err)
					}
					copy(y, z)
				}
				jac := mat.NewDense(k, len(params), nil)
				fd.Jacobian(jac, f, params, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-6})
				z, _ := ref.Forward(params, e.X, 1)
				h := outputHessian(c.loss, z)
				var hj mat.Dense
				hj.Mul(h, jac)
				for j := range params {
					var s float64
					for a := range k {
						s += jac.At(a, j) * hj.At(a, j)
					}
					want[j] += s / float64(c.batch)
				}
			}
			if d, j := maxRelDiff(ggn, want); d > 1e-7 {
				t.Errorf("ggn[%d] = %.12g, JᵀHJ by finite differences %.12g (rel. diff. %.2g > 1e-7)", j, ggn[j], want[j], d)
			}
		})
	}
}

// TestMCFisherUnbiased checks that the mean of MCFisherDiag over S draws of
// the labels is within 5 standard errors of GGNDiag in every coordinate.
func TestMCFisherUnbiased(t *testing.T) {
	s := 4000
	if testing.Short() {
		s = 1000
	}
	for _, c := range netCases() {
		switch c.name {
		case "Dense Tanh Dense", "GaussianNLL", "Conv2D Flatten", "BatchNorm affine train":
		default:
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			n, params, b := c.setup(t, 4)
			ggn := make([]float64, len(params))
			if _, err := n.GGNDiag(ggn, nil, params, b); err != nil {
				t.Fatal(err)
			}
			rnd := rand.New(rand.NewPCG(5, 6))
			f := make([]float64, len(params))
			sum := make([]float64, len(params))
			sum2 := make([]float64, len(params))
			for range s {
				if _, err := n.MCFisherDiag(f, nil, params, b, rnd); err != nil {
					t.Fatal(err)
				}
				for j, v := range f {
					sum[j] += v
					sum2[j] += v * v
				}
			}
			worst := 0.0
			for j := range f {
				mean := sum[j] / float64(s)
				se := math.Sqrt(max(sum2[j]/float64(s)-mean*mean, 0) / float64(s))
				d := math.Abs(mean - ggn[j])
				if se == 0 {
					if d > 1e-12*max(1, ggn[j]) {
						t.Errorf("coordinate %d: MC Fisher is constant %g, GGN %g", j, mean, ggn[j])
					}
					continue
				}
				worst = max(worst, d/se)
				if d > 5*se {
					t.Errorf("coordinate %d: MC Fisher mean %.6g, GGN %.6g: %.1f standard errors", j, mean, ggn[j], d/se)
				}
			}
			t.Logf("%d draws, largest deviation %.2f standard errors over %d coordinates", s, worst, len(f))
		})
	}
}
