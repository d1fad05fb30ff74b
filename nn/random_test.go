package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// randomCase draws a random network through the public API: images of 1–3
// channels up to 10×10 or vectors; convolutions of 1–20 (or 16, 32)
// channels, kernels 1–4, strides 0–3, padding 0–2; poolings of windows and
// strides 1–3 that need not tile the image, after a ReLU (the fused path),
// after a convolution (the chained path) or alone; Tanh, ReLU, batch norm
// with and without affine parameters, dropout in both scalings; then dense
// layers or none; either loss; batches of 1–9; training or evaluation
// mode. smooth leaves out the ReLUs that do not precede a pooling.
func randomCase(rnd *rand.Rand, smooth bool) netCase {
	c := netCase{batch: 1 + rnd.IntN(randMaxBatch)}
	shape := Vec(1 + rnd.IntN(8))
	if rnd.IntN(5) > 0 {
		shape = Shape{C: 1 + rnd.IntN(randMaxC), H: 1 + rnd.IntN(randMaxHW), W: 1 + rnd.IntN(randMaxHW)}
	}
	c.in = shape
	add := func(ls ...Layer) bool {
		s := shape
		for _, l := range ls {
			out, err := l.outShape(s, "")
			if err != nil {
				return false
			}
			s = out
		}
		c.layers, shape = append(c.layers, ls...), s
		return true
	}
	conv := func() Conv2D {
		out := 1 + rnd.IntN(20)
		switch rnd.IntN(6) {
		case 0:
			out = 16 // the transposed tiles of the direct convolution
		case 1:
			out = 32
		}
		return Conv2D{Out: out, Size: 1 + rnd.IntN(4), Stride: rnd.IntN(4), Pad: rnd.IntN(3)}
	}
	pool := func() MaxPool { return MaxPool{Size: 1 + rnd.IntN(3), Stride: rnd.IntN(4)} }
	relu := func() Layer {
		if smooth {
			return Tanh{}
		}
		return ReLU{}
	}
	for range rnd.IntN(6) {
		for range 5 { // a few tries for a layer that fits
			ok := false
			switch rnd.IntN(11) {
			case 0, 1:
				ok = add(conv())
			case 2:
				ok = add(conv(), ReLU{}, pool())
			case 3:
				ok = add(conv(), pool())
			case 4:
				ok = add(ReLU{}, pool())
			case 5:
				ok = add(pool())
			case 6:
				ok = add(Tanh{})
			case 7:
				ok = add(relu())
			case 8:
				ok = add(BatchNorm{Affine: rnd.IntN(2) == 0})
			case 9:
				ok = add(Dropout{P: 0.2 + 0.3*rnd.Float64(), Inverted: rnd.IntN(2) == 0})
			case 10:
				ok = add(conv(), Tanh{}, BatchNorm{Affine: rnd.IntN(2) == 0}, ReLU{}, pool())
			}
			if ok {
				break
			}
		}
	}
	if rnd.IntN(2) == 0 {
		add(Flatten{})
	}
	for range rnd.IntN(3) {
		add(Dense{Out: 1 + rnd.IntN(10)})
		switch rnd.IntN(5) {
		case 0:
			add(relu())
		case 1:
			add(BatchNorm{Affine: rnd.IntN(2) == 0}, Tanh{})
		case 2:
			add(Dropout{P: 0.4, Inverted: rnd.IntN(2) == 0}, Tanh{})
		default:
			add(Tanh{})
		}
	}
	c.loss = SoftmaxCrossEntropy{}
	if rnd.IntN(3) == 0 {
		c.loss = GaussianNLL{Precision: []float64{0, 0.5, 3}[rnd.IntN(3)]}
	}
	// A final dense layer, unless the output already suits the loss.
	if len(c.layers) == 0 || shape.Size() > 40 || c.loss.check(shape) != nil || rnd.IntN(3) > 0 {
		add(Dense{Out: 2 + rnd.IntN(4)})
	}
	c.eval = rnd.IntN(4) == 0
	for _, l := range c.layers {
		if _, ok := l.(Dropout); ok && !c.eval {
			c.masks = true
		}
	}
	c.name = caseName(c)
	return c
}

// The largest input channels, height and width, and batch of randomCase.
var randMaxC, randMaxHW, randMaxBatch = 3, 10, 9

// caseName describes a case briefly.
func caseName(c netCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v", c.in)
	for _, l := range c.layers {
		switch l := l.(type) {
		case Conv2D:
			fmt.Fprintf(&b, " Conv%d,%d,%d,%d", l.Out, l.Size, l.Stride, l.Pad)
		case MaxPool:
			fmt.Fprintf(&b, " Pool%d,%d", l.Size, l.Stride)
		case Dense:
			fmt.Fprintf(&b, " Dense%d", l.Out)
		case BatchNorm:
			fmt.Fprintf(&b, " BN%v", l.Affine)
		default:
			fmt.Fprintf(&b, " %s", l.kind())
		}
	}
	fmt.Fprintf(&b, " %T batch=%d", c.loss, c.batch)
	if c.eval {
		b.WriteString(" eval")
	}
	return b.String()
}

// randomCases returns n random cases of at most maxParams parameters, the
// same on every run.
func randomCases(seed uint64, n, maxParams int, smooth bool) []netCase {
	rnd := rand.New(rand.NewPCG(seed, 17))
	cs := make([]netCase, 0, n)
	for len(cs) < n {
		c := randomCase(rnd, smooth)
		if m, err := New[float64](c.in, c.loss, c.layers...); err != nil {
			panic(err)
		} else if m.NumParams() <= maxParams {
			cs = append(cs, c)
		}
	}
	return cs
}

func count(long, short int) int {
	if testing.Short() {
		return short
	}
	return long
}

// twin32 returns the case's network in float32 in the state of n (batch-norm
// running averages, dropout masks, mode), with params and the batch rounded
// to float32.
func twin32(t *testing.T, c netCase, n *Network[float64], params []float64, b Batch[float64]) (*Network[float32], []float32, Batch[float32]) {
	t.Helper()
	m, err := New[float32](c.in, c.loss, c.layers...)
	if err != nil {
		t.Fatal(err)
	}
	to32 := func(s []float64) []float32 {
		if s == nil {
			return nil
		}
		r := make([]float32, len(s))
		for i, v := range s {
			r[i] = float32(v)
		}
		return r
	}
	copy(m.Buffers(), to32(n.Buffers()))
	for i, l := range n.layers {
		if d, ok := l.(*dropout[float64]); ok && d.fixed != nil {
			if err := m.SetDropoutMask(i, to32(d.fixed)); err != nil {
				t.Fatal(err)
			}
		}
	}
	m.SetTraining(n.Training())
	return m, to32(params), Batch[float32]{X: to32(b.X), Y: to32(b.Y), Labels: b.Labels}
}

// TestRandomNetsFD checks the float64 gradient of random networks (see
// randomCase) against central finite differences of Loss, max rel. diff.
// ≤ 1e-6, and that no call panics. The networks are smooth but for the
// ReLUs before poolings and the poolings themselves, whose kinks the random
// inputs keep away from.
func TestRandomNetsFD(t *testing.T) {
	for i, c := range randomCases(1, count(80, 25), 1500, true) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			n, params, b := c.setup(t, uint64(i))
			t.Log(c.name)
			checkFD(t, n, params, b)
		})
	}
}

// TestRandomNetsFloat32 checks that random networks (see randomCase) give
// in float32 what they give in float64 on the same parameters and inputs:
// outputs, loss, gradient, empirical Fisher and GGN diagonals, each within
// 1e-4 of its largest entry (or of 1), and that no call panics.
func TestRandomNetsFloat32(t *testing.T) {
	for i, c := range randomCases(2, count(150, 50), 5000, false) {
		t.Run(fmt.Sprint(i), func(t *testing.T) { testFloat32(t, c, uint64(i)) })
	}
}

func testFloat32(t *testing.T, c netCase, seed uint64) {
	n, params, b := c.setup(t, seed)
	m, p32, b32 := twin32(t, c, n, params, b)
	if illConditioned(t, n, params, b) {
		t.Skipf("%s: a batch norm normalises a (nearly) constant channel", c.name)
	}
	np := len(params)
	type res struct {
		z                 []float64
		loss              float64
		grad, fish, ggn   []float64
		fishLoss, ggnLoss float64
	}
	run64 := func() (r res) {
		z, err := n.Forward(params, b.X, c.batch)
		if err != nil {
			t.Fatal(err)
		}
		r.z = append(r.z, z...)
		r.grad, r.fish, r.ggn = make([]float64, np), make([]float64, np), make([]float64, np)
		if r.loss, err = n.Loss(r.grad, params, b); err != nil {
			t.Fatal(err)
		}
		if r.fishLoss, err = n.EmpiricalFisherDiag(r.fish, nil, params, b); err != nil {
			t.Fatal(err)
		}
		if r.ggnLoss, err = n.GGNDiag(r.ggn, nil, params, b); err != nil {
			t.Fatal(err)
		}
		return r
	}
	run32 := func() (r res) {
		up := func(s []float32) []float64 {
			o := make([]float64, len(s))
			for i, v := range s {
				o[i] = float64(v)
			}
			return o
		}
		z, err := m.Forward(p32, b32.X, c.batch)
		if err != nil {
			t.Fatal(err)
		}
		r.z = up(z)
		g, f, h := make([]float32, np), make([]float32, np), make([]float32, np)
		if r.loss, err = m.Loss(g, p32, b32); err != nil {
			t.Fatal(err)
		}
		if r.fishLoss, err = m.EmpiricalFisherDiag(f, nil, p32, b32); err != nil {
			t.Fatal(err)
		}
		if r.ggnLoss, err = m.GGNDiag(h, nil, p32, b32); err != nil {
			t.Fatal(err)
		}
		r.grad, r.fish, r.ggn = up(g), up(f), up(h)
		return r
	}
	a, w := run32(), run64()
	for _, v := range []struct {
		what string
		a, w []float64
	}{
		{"output", a.z, w.z}, {"gradient", a.grad, w.grad}, {"Fisher", a.fish, w.fish}, {"GGN", a.ggn, w.ggn},
		{"loss", []float64{a.loss, a.fishLoss, a.ggnLoss}, []float64{w.loss, w.fishLoss, w.ggnLoss}},
	} {
		scale := 1.0
		for _, x := range v.w {
			scale = max(scale, math.Abs(x))
		}
		for j := range v.w {
			if d := math.Abs(v.a[j] - v.w[j]); !(d <= 1e-4*scale) {
				t.Fatalf("%s: %s[%d] = %.8g in float32, %.8g in float64 (largest entry %.3g)", c.name, v.what, j, v.a[j], v.w[j], scale)
			}
		}
	}
}

// illConditioned reports whether a batch-norm layer of n normalises a
// channel of variance below 1e-4 (in the training pass on b): a constant
// channel, from padding wider than the stride or from identical examples,
// whose rounding errors, 1/√Eps times larger after it, float32 and float64
// do not share.
func illConditioned(t *testing.T, n *Network[float64], params []float64, b Batch[float64]) bool {
	t.Helper()
	train := n.Training()
	bufs := append([]float64(nil), n.Buffers()...)
	defer func() {
		n.SetTraining(train)
		copy(n.Buffers(), bufs)
	}()
	n.SetTraining(true)
	if _, err := n.Loss(nil, params, b); err != nil {
		t.Fatal(err)
	}
	for _, l := range n.layers {
		if bn, ok := l.(*batchNorm[float64]); ok {
			for _, s := range bn.invStd {
				if s > 100 {
					return true
				}
			}
		}
	}
	return false
}

// unfuse runs every layer of n on its own: ReLUs not fused into the
// poolings after them, poolings not chained to the convolutions before.
func unfuse[F Float](n *Network[F]) {
	for _, l := range n.layers {
		switch l := l.(type) {
		case *relu[F]:
			l.fused = false
		case *maxPool[F]:
			l.relu, l.chained = false, false
		case *convDirect[F]:
			l.pool = nil
		}
	}
	n.batchCap = 0 // the ReLUs' scratch
}

// TestRandomNetsFusedBits checks that random networks (see randomCase) with
// ReLUs fused into the poolings and poolings chained to the convolutions,
// after a call on another batch size, give the bits of the same networks
// run layer by layer, fresh, with GOMAXPROCS 1: outputs, loss, gradient,
// empirical Fisher, GGN and Monte Carlo Fisher diagonals, in float32 and
// float64.
// The inputs are rounded to multiples of 1/4 so that the poolings see ties,
// zeros and negative windows.
func TestRandomNetsFusedBits(t *testing.T) {
	for i, c := range randomCases(3, count(150, 50), 5000, false) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			testFusedBits[float32](t, c, uint64(i))
			testFusedBits[float64](t, c, uint64(i))
		})
	}
}

func testFusedBits[F Float](t *testing.T, c netCase, seed uint64) {
	var res [2][][]F
	for k := range 2 {
		n, err := New[F](c.in, c.loss, c.layers...)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(seed, 5))
		params := make([]F, n.NumParams())
		if err := n.Init(params, rnd); err != nil {
			t.Fatal(err)
		}
		if k == 1 {
			unfuse(n)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		} else {
			// A call on another batch size first, whose state must not
			// matter.
			n.SetRand(rand.New(rand.NewPCG(seed, 8)))
			n.SetTraining(!c.eval)
			wr := rand.New(rand.NewPCG(seed, 9))
			g, f := make([]F, len(params)), make([]F, len(params))
			if _, err := n.EmpiricalFisherDiag(f, g, params, randomBatch(n, 1+wr.IntN(12), wr)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range params {
			params[i] = F(math.Round(float64(params[i])*8) / 8)
		}
		b := randomBatch(n, c.batch, rnd)
		for i := range b.X {
			b.X[i] = F(math.Round(float64(b.X[i])*4) / 4)
		}
		n.SetRand(rand.New(rand.NewPCG(seed, 6)))
		n.SetTraining(!c.eval)
		np := len(params)
		z, err := n.Forward(params, b.X, c.batch)
		if err != nil {
			t.Fatal(err)
		}
		z = append([]F(nil), z...)
		g, f, h, mc := make([]F, np), make([]F, np), make([]F, np), make([]F, np)
		l1, err := n.EmpiricalFisherDiag(f, g, params, b)
		if err != nil {
			t.Fatal(err)
		}
		l2, err := n.GGNDiag(h, nil, params, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.MCFisherDiag(mc, nil, params, b, rand.New(rand.NewPCG(seed, 7))); err != nil {
			t.Fatal(err)
		}
		res[k] = [][]F{z, g, f, h, mc, {F(l1), F(l2)}}
	}
	for j, what := range []string{"output", "gradient", "Fisher", "GGN", "MC Fisher", "loss"} {
		for i, a := range res[0][j] {
			if b := res[1][j][i]; a != b && !(a != a && b != b) {
				t.Fatalf("%s (%T): %s[%d] = %v fused, %v layer by layer", c.name, F(0), what, i, a, b)
			}
		}
	}
}

// TestRandomNetsCurvature checks the curvature estimates of random
// networks (see randomCase) against per-example references: the empirical
// Fisher diagonal against the mean of the squared gradients of batches of
// one (rel. diff. ≤ 1e-10), the GGN diagonal of the smooth ones against
// (1/M)Σᵢ diag(JᵢᵀHᵢJᵢ) with Jᵢ by central finite differences (≤ 1e-6),
// and that the Monte Carlo Fisher runs.
func TestRandomNetsCurvature(t *testing.T) {
	ns := count(40, 15)
	cases := append(randomCases(4, ns, 1000, true), randomCases(5, ns, 3000, false)...)
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { testCurvature(t, c, uint64(i), i < ns) })
	}
}

func testCurvature(t *testing.T, c netCase, seed uint64, ggnFD bool) {
	n, params, b := c.setup(t, seed)
	if illConditioned(t, n, params, b) {
		// Where the batch's variance is 0 the normalised values are 0
		// up to rounding, which the per-example twin does not share,
		// and a ReLU after them takes its kink.
		t.Skipf("%s: a batch norm normalises a (nearly) constant channel", c.name)
	}
	np := len(params)
	fisher, ggn, mc := make([]float64, np), make([]float64, np), make([]float64, np)
	if _, err := n.EmpiricalFisherDiag(fisher, nil, params, b); err != nil {
		t.Fatal(err)
	}
	if _, err := n.GGNDiag(ggn, nil, params, b); err != nil {
		t.Fatal(err)
	}
	if _, err := n.MCFisherDiag(mc, nil, params, b, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	want, wantGGN, gi := make([]float64, np), make([]float64, np), make([]float64, np)
	k := n.OutShape().Size()
	one := perExample(t, c, n, params, b)
	for e := range c.batch {
		ref, x := one(e)
		if _, err := ref.Loss(gi, params, x); err != nil {
			t.Fatal(err)
		}
		for j, g := range gi {
			want[j] += g * g / float64(c.batch)
		}
		if !ggnFD || np == 0 {
			continue
		}
		f := func(y, p []float64) {
			z, err := ref.Forward(p, x.X, 1)
			if err != nil {
				t.Fatal(err)
			}
			copy(y, z)
		}
		jac := mat.NewDense(k, np, nil)
		fd.Jacobian(jac, f, params, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-6})
		z, _ := ref.Forward(params, x.X, 1)
		var hj mat.Dense
		hj.Mul(outputHessian(c.loss, z), jac)
		for j := range np {
			var s float64
			for a := range k {
				s += jac.At(a, j) * hj.At(a, j)
			}
			wantGGN[j] += s / float64(c.batch)
		}
	}
	if d, j := maxRelDiff(fisher, want); d > 1e-10 {
		t.Errorf("%s: fisher[%d] = %.17g, per-example loop %.17g (rel. diff. %.2g)", c.name, j, fisher[j], want[j], d)
	}
	if d, j := maxRelDiff(ggn, wantGGN); ggnFD && d > 1e-6 {
		t.Errorf("%s: ggn[%d] = %.12g, JᵀHJ by finite differences %.12g (rel. diff. %.2g)", c.name, j, ggn[j], wantGGN[j], d)
	}
}
