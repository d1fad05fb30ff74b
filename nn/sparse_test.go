package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// sparseBatch is a batch of rows×in inputs of which about a fraction
// density is nonzero, with row 0 all zeros and row 1 fully dense when
// there are enough rows.
func sparseBatch[F Float](rnd *rand.Rand, rows, in int, density float64) Batch[F] {
	x := make([]F, rows*in)
	for i := range x {
		if rnd.Float64() < density {
			x[i] = F(rnd.Float64())
		}
	}
	if rows > 2 {
		clear(x[:in])
		for k := range in {
			x[in+k] = F(rnd.NormFloat64())
		}
	}
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = rnd.IntN(10)
	}
	return Batch[F]{X: x, Labels: labels}
}

// TestSparseDense checks the sparse path of Dense against the dense
// products: outputs, loss, gradient and empirical Fisher, in float64 to
// 1e-12 and in float32 to 1e-5 of the largest entry, over batch sizes,
// input widths (both sides of the AVX2 blocks) and densities, with all-zero
// and fully dense rows and an all-zero batch.
func TestSparseDense(t *testing.T) {
	defer func(on bool) { sparseOn = on }(sparseOn)
	for _, tc := range []struct {
		in, out, batch int
		density        float64
	}{
		{784, 500, 37, 0.19}, {784, 500, 128, 0.05}, {100, 71, 9, 0.3}, {64, 8, 3, 0.2},
		{65, 130, 5, 0}, {200, 10, 1, 0.34}, {90, 300, 16, 0.5},
	} {
		name := fmt.Sprintf("%d-%d batch %d density %.2f", tc.in, tc.out, tc.batch, tc.density)
		t.Run(name, func(t *testing.T) {
			checkSparse[float64](t, tc.in, tc.out, tc.batch, tc.density, 1e-12)
			checkSparse[float32](t, tc.in, tc.out, tc.batch, tc.density, 1e-5)
		})
	}
}

func checkSparse[F Float](t *testing.T, in, out, batch int, dens float64, tol float64) {
	n, err := New[F](Vec(in), SoftmaxCrossEntropy{}, Dense{Out: out}, ReLU{}, Dense{Out: 10})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(uint64(in), uint64(batch)))
	p := make([]F, n.NumParams())
	if err := n.Init(p, rnd); err != nil {
		t.Fatal(err)
	}
	for i := range p {
		p[i] += F(0.01 * rnd.NormFloat64())
	}
	b := sparseBatch[F](rnd, batch, in, dens)
	type result struct {
		y, g, f []F
		loss    float64
		sparse  bool
	}
	run := func(on bool) result {
		sparseOn = on
		var r result
		y, err := n.Forward(p, b.X, batch)
		if err != nil {
			t.Fatal(err)
		}
		r.y = append([]F(nil), y...)
		r.sparse = n.layers[0].(*dense[F]).sparse
		r.g, r.f = make([]F, len(p)), make([]F, len(p))
		if r.loss, err = n.EmpiricalFisherDiag(r.f, r.g, p, b); err != nil {
			t.Fatal(err)
		}
		return r
	}
	s, d := run(true), run(false)
	wantSparse := in >= sparseMinIn && density(b.X) <= sparseDensity
	if s.sparse != wantSparse || d.sparse {
		t.Fatalf("sparse path taken: %v (density %.3f), want %v", s.sparse, density(b.X), wantSparse)
	}
	if math.Abs(s.loss-d.loss) > tol*max(1, math.Abs(d.loss)) {
		t.Errorf("loss %v sparse, %v dense", s.loss, d.loss)
	}
	for _, c := range []struct {
		name string
		a, b []F
	}{{"output", s.y, d.y}, {"gradient", s.g, d.g}, {"empirical Fisher", s.f, d.f}} {
		var scale, worst float64
		at := 0
		for i, v := range c.b {
			scale = max(scale, math.Abs(float64(v)))
			if e := math.Abs(float64(c.a[i] - v)); e > worst {
				worst, at = e, i
			}
		}
		if worst > tol*max(scale, 1e-30) {
			t.Errorf("%s[%d] = %v sparse, %v dense (largest entry %.3g)", c.name, at, c.a[at], c.b[at], scale)
		}
	}
}

// TestSparseGOMAXPROCS checks that the sparse path gives the same bits
// with GOMAXPROCS 1 and 2, and that Loss and EmpiricalFisherDiag write the
// same gradient.
func TestSparseGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(on bool) { sparseOn = on }(sparseOn)
	sparseOn = true
	n, err := MLP[float32](784, []int{500, 300}, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	p := make([]float32, n.NumParams())
	if err := n.Init(p, rnd); err != nil {
		t.Fatal(err)
	}
	b := sparseBatch[float32](rnd, 128, 784, 0.19)
	var grads [3][]float32
	for i, procs := range []int{1, 2, 2} {
		runtime.GOMAXPROCS(procs)
		grads[i] = make([]float32, len(p))
		if i < 2 {
			if _, err := n.Loss(grads[i], p, b); err != nil {
				t.Fatal(err)
			}
		} else if _, err := n.EmpiricalFisherDiag(make([]float32, len(p)), grads[i], p, b); err != nil {
			t.Fatal(err)
		}
		if !n.layers[0].(*dense[float32]).sparse {
			t.Fatal("the sparse path was not taken")
		}
	}
	for i := range p {
		if math.Float32bits(grads[0][i]) != math.Float32bits(grads[1][i]) || math.Float32bits(grads[1][i]) != math.Float32bits(grads[2][i]) {
			t.Fatalf("grad[%d] = %v (GOMAXPROCS 1), %v (2), %v (EmpiricalFisherDiag)", i, grads[0][i], grads[1][i], grads[2][i])
		}
	}
}
