package expfam

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// diagDirection returns the plain direction d = [ĝ − Ĝ⊙m, ½Ĝ] with
// Ĝ = Ĥ − s, as the rule forms it from MuGrad and EntropyGrad.
func diagDirection(q *DiagGaussian, g, h []float64) []float64 {
	dir := q.MuGrad(nil, g, h)
	ent := q.EntropyGrad(nil)
	for i := range dir {
		dir[i] -= ent[i]
	}
	return dir
}

func plainStep(lam, dir []float64, rho float64) []float64 {
	next := make([]float64, len(lam))
	for i := range lam {
		next[i] = lam[i] - rho*dir[i]
	}
	return next
}

// TestDiagIBLRIndefinite: a negative curvature estimate makes the plain
// precision update negative; iBLR keeps s′ ≥ s/2.
func TestDiagIBLRIndefinite(t *testing.T) {
	q, err := NewDiagGaussian([]float64{0.5, -1}, []float64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	const rho = 0.9
	dir := diagDirection(q, []float64{0.3, -0.2}, []float64{-5, 0.5})
	before := q.Natural(nil)
	if err := q.Clone().SetNatural(plainStep(before, dir, rho)); !errors.Is(err, ErrDomain) {
		t.Fatalf("plain step: err = %v, want ErrDomain (s′ = 0.1·1 + 0.9·(−5) < 0)", err)
	}
	next, err := q.Retract(nil, dir, rho)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetNatural(next); err != nil {
		t.Fatalf("iBLR step: %v", err)
	}
	s := q.Precision(nil)
	// s′ = s + ρĜ + ½ρ²Ĝ²/s with Ĝ = −6: 1 − 5.4 + 14.58 = 10.18.
	if math.Abs(s[0]-10.18) > 1e-13 || s[1] < 1 {
		t.Fatalf("iBLR precision %v, want [10.18, ≥ 1]", s)
	}
}

// TestDiagRetractFormula checks Retract against the direct formulas
// s′ = s + ρĜ + ½ρ²Ĝ²/s and m′ = m − ρĝ/s′ on random moderate inputs.
func TestDiagRetractFormula(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for k := range 1000 {
		d := 1 + r.IntN(5)
		m, s := uniform(r, d, -3, 3), logUniform(r, d, 0.1, 10)
		q, err := NewDiagGaussian(m, s)
		if err != nil {
			t.Fatal(err)
		}
		m = q.Mean(nil)
		g, h := uniform(r, d, -5, 5), uniform(r, d, -10, 10)
		rho := 0.05 + 0.95*r.Float64()
		next, err := q.Retract(nil, diagDirection(q, g, h), rho)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.SetNatural(next); err != nil {
			t.Fatalf("#%d: %v", k, err)
		}
		gotS, gotM := q.Precision(nil), q.Mean(nil)
		for i := range d {
			gg := h[i] - s[i]
			s2 := s[i] + rho*gg + 0.5*rho*rho*gg*gg/s[i]
			m2 := m[i] - rho*g[i]/s2
			if e := math.Abs(gotS[i]-s2) / s2; e > 1e-13 {
				t.Fatalf("#%d: s′ = %.17g, want %.17g", k, gotS[i], s2)
			}
			if e := math.Abs(gotM[i] - m2); e > 1e-12*math.Max(1, math.Abs(m2)) {
				t.Fatalf("#%d: m′ = %.17g, want %.17g", k, gotM[i], m2)
			}
		}
	}
}

// TestDiagRetractFixedPoint: with Ĝ = 0 Retract returns exactly the plain step.
func TestDiagRetractFixedPoint(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for k := range 1000 {
		d := 1 + r.IntN(5)
		q, err := NewDiagGaussian(uniform(r, d, -3, 3), logUniform(r, d, 0.1, 10))
		if err != nil {
			t.Fatal(err)
		}
		dir := diagDirection(q, uniform(r, d, -5, 5), q.Precision(nil)) // Ĥ = s
		for _, x := range dir[d:] {
			if x != 0 {
				t.Fatalf("#%d: Ĝ = 2d₂ = %v, want 0", k, dir[d:])
			}
		}
		rho := r.Float64()
		got, err := q.Retract(nil, dir, rho)
		if err != nil {
			t.Fatal(err)
		}
		if want := plainStep(q.Natural(nil), dir, rho); !bitsEqual(got, want) {
			t.Fatalf("#%d: Retract = %v, plain step %v", k, got, want)
		}
	}
}

// TestDiagRetractAdversarial draws s log-uniform in [1e-150, 1e150], Ĥ of
// either sign with |Ĥ| log-uniform in [1e-150, 1e200] and ρ ∈ (0, 1], and
// compares s′ with s + ρĜ + ½ρ²Ĝ²/s evaluated exactly in big.Float. Where the
// exact s′ is representable the computed one is finite, ≥ s/2 and within a
// few ulps; where it overflows Retract returns a *DomainError.
func TestDiagRetractAdversarial(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	var finite, overflow int
	for k := range 20000 {
		s := math.Pow(10, -150+300*r.Float64())
		h := math.Pow(10, -150+350*r.Float64())
		if r.IntN(2) == 0 {
			h = -h
		}
		if r.IntN(8) == 0 { // near the cancellation Ĥ ≈ (1 − 1/ρ)s
			h = s * (1 - 1/(0.5+0.5*r.Float64()))
		}
		rho := 1 - r.Float64() // (0, 1]
		q, err := NewDiagGaussian([]float64{1}, []float64{s})
		if err != nil {
			t.Fatal(err)
		}
		dir := []float64{0, 0.5 * (h - s)}
		gg := 2 * dir[1] // Ĝ as Retract reads it
		want := exactIBLR(s, gg, rho)
		next, err := q.Retract(nil, dir, rho)
		if want > 0.99*math.MaxFloat64 {
			if !errors.Is(err, ErrDomain) {
				t.Fatalf("#%d s=%g Ĝ=%g ρ=%g: exact s′ = %g overflows, got err = %v", k, s, gg, rho, want, err)
			}
			overflow++
			continue
		}
		if err != nil {
			t.Fatalf("#%d s=%g Ĝ=%g ρ=%g: %v (exact s′ = %g)", k, s, gg, rho, err, want)
		}
		got := -2 * next[1]
		if !gaussFinite(got) || got < s/2 {
			t.Fatalf("#%d s=%g Ĝ=%g ρ=%g: s′ = %g, want finite and ≥ s/2", k, s, gg, rho, got)
		}
		if e := math.Abs(got-want) / want; e > 8e-16 {
			t.Fatalf("#%d s=%g Ĝ=%g ρ=%g: s′ = %.17g, exact %.17g (rel. error %g)", k, s, gg, rho, got, want, e)
		}
		finite++
	}
	// Hand-picked: r = ρĜ/s overflows while s′ does not (subnormal s), r = −1
	// exactly, and Ĝ tiny against s.
	for _, c := range [][3]float64{{4e-319, 1e-10, 1}, {1e-310, -1e-5, 0.5}, {2, -2, 1}, {1e150, 1e-150, 1}, {1e-300, 1e-140, 0.25}} {
		q, err := NewDiagGaussian([]float64{1}, []float64{c[0]})
		if err != nil {
			t.Fatal(err)
		}
		s := q.Precision(nil)[0]
		dir := []float64{0, 0.5 * c[1]}
		want := exactIBLR(s, c[1], c[2])
		next, err := q.Retract(nil, dir, c[2])
		if err != nil {
			t.Fatalf("s=%g Ĝ=%g ρ=%g: %v", s, c[1], c[2], err)
		}
		if got := -2 * next[1]; got < s/2 || math.Abs(got-want) > 8e-16*want {
			t.Fatalf("s=%g Ĝ=%g ρ=%g: s′ = %.17g, exact %.17g", s, c[1], c[2], got, want)
		}
	}
	t.Logf("%d representable, %d overflowing", finite, overflow)
	if finite < 1000 || overflow < 1000 {
		t.Fatalf("the draw covers too little: %d representable, %d overflowing", finite, overflow)
	}
}

// exactIBLR returns s + ρĜ + ½ρ²Ĝ²/s rounded once from an exact evaluation
// (+Inf beyond the float64 range).
func exactIBLR(s, g, rho float64) float64 {
	const prec = 2000
	bs := new(big.Float).SetPrec(prec).SetFloat64(s)
	x := new(big.Float).SetPrec(prec).Mul(big.NewFloat(rho).SetPrec(prec), big.NewFloat(g).SetPrec(prec))
	sq := new(big.Float).SetPrec(prec).Mul(x, x)
	sq.Quo(sq, bs)
	sq.Mul(sq, big.NewFloat(0.5))
	sum := new(big.Float).SetPrec(prec).Add(bs, x)
	sum.Add(sum, sq)
	f, _ := sum.Float64()
	return f
}

func TestNewDiagGaussianRejects(t *testing.T) {
	cases := []struct {
		name            string
		mean, precision []float64
		want            error
	}{
		{"empty", nil, nil, ErrLength},
		{"length", []float64{0}, []float64{1, 1}, ErrLength},
		{"zero precision", []float64{0}, []float64{0}, ErrDomain},
		{"negative precision", []float64{0}, []float64{-2}, ErrDomain},
		{"NaN precision", []float64{0}, []float64{math.NaN()}, ErrDomain},
		{"Inf precision", []float64{0}, []float64{math.Inf(1)}, ErrDomain},
		{"NaN mean", []float64{math.NaN()}, []float64{1}, ErrDomain},
		{"Inf mean", []float64{math.Inf(-1)}, []float64{1}, ErrDomain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := NewDiagGaussian(c.mean, c.precision)
			if !errors.Is(err, c.want) || q != nil {
				t.Fatalf("NewDiagGaussian(%v, %v) = %v, %v; want an error wrapping %v", c.mean, c.precision, q, err, c.want)
			}
		})
	}
}
