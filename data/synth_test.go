package data

import (
	"math"
	"slices"
	"testing"
)

func TestTwoMoons(t *testing.T) {
	X, y := TwoMoons(201, 0, 5)
	if len(X) != 201 || len(y) != 201 {
		t.Fatal("size")
	}
	n1 := 0
	for i, x := range X {
		// Without noise each point lies on its unit half circle.
		cx, cy := 0.0, 0.0
		if y[i] == 1 {
			cx, cy, n1 = 1, 0.5, n1+1
		}
		if r := math.Hypot(x[0]-cx, x[1]-cy); math.Abs(r-1) > 1e-12 {
			t.Fatalf("point %v of class %v is %v from its centre", x, y[i], r)
		}
	}
	if n1 != 101 {
		t.Fatalf("%d points of class 1, want 101", n1)
	}
	X2, y2 := TwoMoons(201, 0, 5)
	X3, _ := TwoMoons(201, 0, 6)
	if !slices.EqualFunc(X, X2, slices.Equal) || !slices.Equal(y, y2) || slices.EqualFunc(X, X3, slices.Equal) {
		t.Fatal("seeding")
	}
	if X, y := TwoMoons(-1, -0.1, 1); len(X) != 0 || len(y) != 0 {
		t.Fatal("negative n")
	}
	if X, _ := TwoMoons(3, 0.1, 1); len(X) != 3 {
		t.Fatal("n=3")
	}
}

func TestLogisticData(t *testing.T) {
	X, y, w := LogisticData(4000, 3, 11)
	if len(X) != 4000 || len(X[0]) != 3 || len(w) != 3 {
		t.Fatal("shape")
	}
	// The Bayes classifier sign(wᵀx) must beat chance clearly, and the mean
	// of y must match the mean of σ(wᵀx).
	agree, sumY, sumP := 0, 0.0, 0.0
	for i, x := range X {
		z := dot(w, x)
		if (z > 0) == (y[i] == 1) {
			agree++
		}
		sumY += y[i]
		sumP += 1 / (1 + math.Exp(-z))
	}
	if agree < 2800 {
		t.Errorf("sign(wᵀx) matches only %d of 4000 labels", agree)
	}
	if math.Abs(sumY-sumP) > 4*math.Sqrt(1000) {
		t.Errorf("Σy = %v, Σσ = %v", sumY, sumP)
	}
	X2, y2, w2 := LogisticData(4000, 3, 11)
	if !slices.Equal(w, w2) || !slices.Equal(y, y2) || !slices.Equal(X[17], X2[17]) {
		t.Fatal("not deterministic")
	}
}

func TestLinearData(t *testing.T) {
	X, y, w := LinearData(5000, 4, 0.5, 3)
	ss := 0.0
	for i, x := range X {
		r := y[i] - dot(w, x)
		ss += r * r
	}
	if sd := math.Sqrt(ss / 5000); math.Abs(sd-0.5) > 0.03 {
		t.Errorf("residual sd %v, want 0.5", sd)
	}
	X0, y0, _ := LinearData(3, 2, 0, 3)
	_, _, w0 := LinearData(3, 2, 0, 3)
	for i := range X0 {
		if y0[i] != dot(w0, X0[i]) {
			t.Fatal("noise 0 is not exact")
		}
	}
}
