package blr

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// notGaussian is a Family that is not a Gaussian.
type notGaussian struct{ lam []float64 }

func (n *notGaussian) Dim() int                            { return len(n.lam) }
func (n *notGaussian) Natural(dst []float64) []float64     { return append(dst[:0], n.lam...) }
func (n *notGaussian) Expectation(dst []float64) []float64 { return append(dst[:0], n.lam...) }
func (n *notGaussian) EntropyGrad(dst []float64) []float64 { return append(dst[:0], n.lam...) }
func (n *notGaussian) SetNatural(lam []float64) error      { copy(n.lam, lam); return nil }
func (n *notGaussian) Entropy() float64                    { return 0 }
func (n *notGaussian) Clone() expfam.Family                { return &notGaussian{append([]float64(nil), n.lam...)} }

// gradOnly has a gradient and nothing else.
type gradOnly struct{ q quadModel }

func (g gradOnly) Grad(grad, theta []float64) float64 { return g.q.Grad(grad, theta) }

// diagOnly has a gradient and a Hessian diagonal.
type diagOnly struct{ q quadModel }

func (g diagOnly) Grad(grad, theta []float64) float64 { return g.q.Grad(grad, theta) }
func (g diagOnly) HessDiag(hess, theta []float64)     { g.q.HessDiag(hess, theta) }

func TestMonteCarloConfigErrors(t *testing.T) {
	quad := quadModel{a: []float64{2, 0, 0, 1}, b: []float64{1, 1}}
	full, err := expfam.NewFullGaussian([]float64{0, 0}, mat.NewSymDense(2, []float64{1, 0, 0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	diag, err := expfam.NewDiagGaussian([]float64{0, 0}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		name  string
		e     MonteCarlo
		q     expfam.Family
		rnd   *rand.Rand
		field string
	}{
		{"no model", MonteCarlo{Samples: 1}, full, rnd, "Model"},
		{"0 samples", MonteCarlo{Model: quad}, full, rnd, "Samples"},
		{"negative samples", MonteCarlo{Model: quad, Samples: -3}, full, rnd, "Samples"},
		{"nil rnd", MonteCarlo{Model: quad, Samples: 1}, full, nil, "rnd"},
		{"not Gaussian", MonteCarlo{Model: quad, Samples: 1}, &notGaussian{lam: []float64{1}}, rnd, "family"},
		{"exact without Hess", MonteCarlo{Model: gradOnly{quad}, Samples: 1}, full, rnd, "Model"},
		{"exact full with HessDiag only", MonteCarlo{Model: diagOnly{quad}, Samples: 1}, full, rnd, "Model"},
		{"GGN without GaussNewton", MonteCarlo{Model: diagOnly{quad}, Samples: 1, Hessian: HessGaussNewton}, diag, rnd, "Model"},
		{"unknown kind", MonteCarlo{Model: quad, Samples: 1, Hessian: HessianKind(42)}, diag, rnd, "Hessian"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.e.Estimate(nil, c.q, c.rnd)
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if !strings.Contains(ce.Field, c.field) {
				t.Fatalf("err = %v names %q, want %q", err, ce.Field, c.field)
			}
		})
	}
	// What is not needed is not asked for: a diagonal q with HessDiag only,
	// and Price with a gradient alone.
	for _, e := range []MonteCarlo{{Model: diagOnly{quad}, Samples: 1}, {Model: gradOnly{quad}, Samples: 1, Hessian: HessPrice}} {
		if _, err := e.Estimate(nil, diag, rnd); err != nil {
			t.Fatalf("%T: %v", e.Model, err)
		}
	}
}

// mcFamilies are the Gaussians the estimator is checked on (D = 3).
func mcFamilies(t *testing.T) map[string]expfam.Gaussian {
	t.Helper()
	m := []float64{0.5, -1, 2}
	full, err := expfam.NewFullGaussian(m, mat.NewSymDense(3, []float64{2, 0.5, 0.2, 0.5, 1, -0.3, 0.2, -0.3, 1.5}))
	if err != nil {
		t.Fatal(err)
	}
	diag, err := expfam.NewDiagGaussian(m, []float64{2, 1, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := expfam.NewFixedGaussian(m, []float64{0.5, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]expfam.Gaussian{"full": full, "diag": diag, "fixed": fixed}
}

// TestMonteCarloUnbiased: on a quadratic ℓ, E_q[∇ℓ] = ∇ℓ(m) and E_q[∇²ℓ] = A,
// so every Hessian kind estimates the delta method's ∇_μE_q[ℓ] without bias.
// Single-draw estimates are averaged and compared within 4 standard errors;
// HessExact and HessGaussNewton give the matrix block exactly.
func TestMonteCarloUnbiased(t *testing.T) {
	const n = 4000
	quad := quadModel{a: []float64{3, 1, 0.5, 1, 2, -0.4, 0.5, -0.4, 1}, b: []float64{1, -2, 0.5}}
	for name, q := range mcFamilies(t) {
		want, err := (&Delta{Model: quad}).Estimate(nil, q, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []HessianKind{HessExact, HessPrice, HessGaussNewton} {
			t.Run(name+"/"+kind.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(7, uint64(kind)))
				e := &MonteCarlo{Model: quad, Samples: 1, Hessian: kind}
				sum := make([]float64, q.Dim())
				sq := make([]float64, q.Dim())
				est := make([]float64, q.Dim())
				for range n {
					if _, err := e.Estimate(est, q, r); err != nil {
						t.Fatal(err)
					}
					for i, v := range est {
						sum[i] += v
						sq[i] += v * v
					}
				}
				d := q.ParamDim()
				for i := range sum {
					mean := sum[i] / n
					se := math.Sqrt(math.Max(sq[i]/n-mean*mean, 0) / n)
					if kind != HessPrice && i >= d && q.Layout() != expfam.NoHessian {
						// The matrix block is ½A for every draw.
						if math.Abs(est[i]-want[i]) > 1e-15 {
							t.Fatalf("entry %d: %g, want exactly %g", i, est[i], want[i])
						}
						continue
					}
					if math.Abs(mean-want[i]) > 4*se+1e-12 {
						t.Errorf("entry %d: mean %g ± %g, want %g", i, mean, se, want[i])
					}
				}
				// One call with n samples averages the same draws.
				r2 := rand.New(rand.NewPCG(7, uint64(kind)))
				big := &MonteCarlo{Model: quad, Samples: n, Hessian: kind}
				got, err := big.Estimate(nil, q, r2)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					if math.Abs(got[i]-sum[i]/n) > 1e-9*math.Max(1, math.Abs(got[i])) {
						t.Fatalf("entry %d: Samples=%d gives %g, the average of single draws %g", i, n, got[i], sum[i]/n)
					}
				}
			})
		}
	}
}

// TestMonteCarloSameSeed: the same seed gives bit-identical iterates; another
// seed does not.
func TestMonteCarloSameSeed(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	model := newLogistic(r, 30, 3)
	model.m0, model.p0 = []float64{0, 0, 0}, []float64{1, 1, 1}
	run := func(seed uint64, name string) []float64 {
		q := mcFamilies(t)[name]
		rule := Rule{Estimator: &MonteCarlo{Model: model, Samples: 4, Hessian: HessPrice}, Rate: Constant(0.1), PositivityPreserving: name != "fixed"}
		rnd := rand.New(rand.NewPCG(seed, 1))
		var s State
		for range 20 {
			if _, err := rule.Step(q, &s, rnd); err != nil {
				t.Fatal(err)
			}
		}
		return q.Natural(nil)
	}
	for _, name := range []string{"full", "diag", "fixed"} {
		a, b, c := run(11, name), run(11, name), run(12, name)
		if !sameBitsRule(a, b) {
			t.Fatalf("%s: two runs with the same seed differ", name)
		}
		if sameBitsRule(a, c) {
			t.Fatalf("%s: two seeds gave the same iterates", name)
		}
	}
}

// TestMonteCarloAllocs: after the first call Estimate allocates nothing.
func TestMonteCarloAllocs(t *testing.T) {
	quad := quadModel{a: []float64{3, 1, 0.5, 1, 2, -0.4, 0.5, -0.4, 1}, b: []float64{1, -2, 0.5}}
	r := rand.New(rand.NewPCG(13, 14))
	for name, q := range mcFamilies(t) {
		for _, kind := range []HessianKind{HessExact, HessPrice, HessGaussNewton} {
			e := &MonteCarlo{Model: quad, Samples: 3, Hessian: kind}
			dst := make([]float64, q.Dim())
			if _, err := e.Estimate(dst, q, r); err != nil {
				t.Fatal(err)
			}
			if a := testing.AllocsPerRun(10, func() { _, _ = e.Estimate(dst, q, r) }); a != 0 {
				t.Errorf("%s/%v: %v allocations per Estimate", name, kind, a)
			}
		}
	}
}
