package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// TestGradientFD checks the gradient that Loss writes against central finite
// differences of Loss for every layer kind, both losses and every mode
// (checkFD).
func TestGradientFD(t *testing.T) {
	for _, c := range netCases() {
		t.Run(c.name, func(t *testing.T) {
			n, params, b := c.setup(t, 1)
			checkFD(t, n, params, b)
		})
	}
}

// checkFD compares the gradient that Loss writes at params on b with central
// finite differences of Loss (gonum diff/fd, step 1e-6): max |g − fd| /
// max(1, |fd|) ≤ 1e-6.
func checkFD(t *testing.T, n *Network[float64], params []float64, b Batch[float64]) {
	t.Helper()
	grad := make([]float64, len(params))
	if _, err := n.Loss(grad, params, b); err != nil {
		t.Fatal(err)
	}
	want := fd.Gradient(nil, func(p []float64) float64 {
		l, err := n.Loss(nil, p, b)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}, params, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	if d, i := maxRelDiff(grad, want); d > 1e-6 {
		t.Errorf("grad[%d] = %.10g, finite differences %.10g (rel. diff. %.2g > 1e-6)", i, grad[i], want[i], d)
	}
}

// TestConvRandomShapesFD checks the gradient of random small convolutions
// (1–3 channels in, 1–16 out, images from 1×1 to 8×8, kernels 1–4 wide,
// padding 0–2, strides 1–3: the direct kernels and the im2col layer, kernel
// taps that fall wholly outside the image included) against central finite
// differences, max rel. diff. ≤ 1e-6; no shape may panic.
func TestConvRandomShapesFD(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 3))
	for range 60 {
		in := Shape{C: 1 + rnd.IntN(3), H: 1 + rnd.IntN(8), W: 1 + rnd.IntN(8)}
		conv := Conv2D{Out: 1 + rnd.IntN(16), Size: 1 + rnd.IntN(4), Pad: rnd.IntN(3), Stride: 1 + rnd.IntN(3)}
		n, err := New[float64](in, SoftmaxCrossEntropy{}, conv, Tanh{}, Flatten{}, Dense{Out: 3})
		if err != nil {
			continue // the kernel does not fit the padded image
		}
		t.Run(fmt.Sprintf("%v/%+v", in, conv), func(t *testing.T) {
			params := make([]float64, n.NumParams())
			if err := n.Init(params, rnd); err != nil {
				t.Fatal(err)
			}
			checkFD(t, n, params, randomBatch(n, 1+rnd.IntN(4), rnd))
		})
	}
}
