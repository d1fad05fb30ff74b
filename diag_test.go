package blr_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/internal/table"
)

// quadOracle is the gradient of ℓ_avg(θ) = Σⱼ ½aⱼθⱼ² + bⱼθⱼ, with its exact
// Hessian diagonal a when asked.
func quadOracle[F blr.Float](a, b []float64) blr.Oracle[F] {
	return blr.OracleFunc[F](func(theta, grad, curv []F, kind blr.CurvatureKind) (float64, error) {
		var loss float64
		for j, th := range theta {
			x := float64(th)
			grad[j] = F(a[j]*x + b[j])
			if curv != nil {
				curv[j] = F(a[j])
			}
			loss += 0.5*a[j]*x*x + b[j]*x
		}
		return loss, nil
	})
}

// TestEngineIsRule: in the configuration where the engine is the rule, each
// engine step equals one Rule.Step on expfam.DiagGaussian within
// 1e-13·max(1,|m|,|step|) (corrections.md, point 3), by the delta method and
// with shared Monte Carlo samples, plain and iBLR, scalar and vector prior.
func TestEngineIsRule(t *testing.T) {
	for _, c := range table.EngineCases {
		t.Run(c.Name, func(t *testing.T) {
			dev, err := table.EngineVsRule(c, 20)
			if err != nil {
				t.Fatal(err)
			}
			if !(dev <= 1e-13) {
				t.Fatalf("deviation %g > 1e-13", dev)
			}
			t.Logf("deviation %.3g", dev)
		})
	}
}

// moved is the largest |x_T − x_0| over the trajectory's last point.
func moved(traj [][]float64, x0 []float64) float64 {
	var d float64
	last := traj[len(traj)-1]
	for j := range last {
		d = math.Max(d, math.Abs(last[j]-x0[j]))
	}
	return d
}

// TestTorchRecursions: SGD (with momentum), RMSprop, Adam (L2 decay in the
// gradient) and AdamW reproduce torch's recursions, written plainly in
// internal/table, for 100 minibatch steps within 1e-12 in the rel metric.
func TestTorchRecursions(t *testing.T) {
	const steps, n = 100, 96
	p := table.NewProblem(n, 5, 16, steps, 31)
	w0 := make([]float64, p.Dim())
	for j := range w0 {
		w0[j] = 0.1 * float64(j-2)
	}
	tests := []struct {
		name string
		ctor func([]float64, blr.Config) (*blr.Diag[float64], error)
		cfg  blr.Config
		want [][]float64
	}{
		{"sgd", blr.SGD[float64], blr.Config{LR: 0.3}, table.TorchSGD(w0, steps, p.Grad, 0.3, 0, 0)},
		{"sgd wd", blr.SGD[float64], blr.Config{LR: 0.3, DataSize: n, PriorPrecision: 5}, table.TorchSGD(w0, steps, p.Grad, 0.3, 0, 5.0/n)},
		{"sgd momentum", blr.SGD[float64], blr.Config{LR: 0.1, Beta1: 0.9}, table.TorchSGD(w0, steps, p.Grad, 0.1, 0.9, 0)},
		{"sgd momentum wd", blr.SGD[float64], blr.Config{LR: 0.1, Beta1: 0.5, DataSize: n, PriorPrecision: 5}, table.TorchSGD(w0, steps, p.Grad, 0.1, 0.5, 5.0/n)},
		{"rmsprop", blr.RMSprop[float64], blr.Config{LR: 0.01}, table.TorchRMSprop(w0, steps, p.Grad, 0.01, 0.99, 1e-8, 0)},
		{"rmsprop wd", blr.RMSprop[float64], blr.Config{LR: 0.01, Beta2: 0.9, Eps: 1e-6, DataSize: n, PriorPrecision: 3}, table.TorchRMSprop(w0, steps, p.Grad, 0.01, 0.9, 1e-6, 3.0/n)},
		{"adam", blr.Adam[float64], blr.Config{LR: 0.01}, table.TorchAdam(w0, steps, p.Grad, 0.01, 0.9, 0.999, 1e-8, 0, false)},
		{"adam wd", blr.Adam[float64], blr.Config{LR: 0.05, Beta2: 0.99, DataSize: n, PriorPrecision: 4}, table.TorchAdam(w0, steps, p.Grad, 0.05, 0.9, 0.99, 1e-8, 4.0/n, false)},
		{"adam no momentum", blr.Adam[float64], blr.Config{LR: 0.05, Beta1: blr.Off}, table.TorchAdam(w0, steps, p.Grad, 0.05, 0, 0.999, 1e-8, 0, false)},
		{"adamw", blr.AdamW[float64], blr.Config{LR: 0.05, DataSize: n}, table.TorchAdam(w0, steps, p.Grad, 0.05, 0.9, 0.999, 1e-8, 0.01, true)},
		{"adamw wd", blr.AdamW[float64], blr.Config{LR: 0.05, DataSize: n, PriorPrecision: 20}, table.TorchAdam(w0, steps, p.Grad, 0.05, 0.9, 0.999, 1e-8, 20.0/n, true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.ctor(slices.Clone(w0), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := table.RunEngine(d, p, steps, nil)
			if err != nil {
				t.Fatal(err)
			}
			if dev := table.TrajectoryDev(got, tc.want); !(dev <= 1e-12) {
				t.Fatalf("rel deviation %g > 1e-12", dev)
			}
			if mv := moved(tc.want, w0); mv < 1e-2 {
				t.Fatalf("the reference moved only %g: the check proves nothing", mv)
			}
		})
	}
}

// TestTableRows runs this package's rows of `blr table`.
func TestTableRows(t *testing.T) {
	mine := map[string]bool{"SGD-with-minibatches": true, "RMSprop": true, "Adam": true, "OGN": true, "VOGN": true, "Vadam": true, "IVON": true, "Diagonal engine = Rule.Step": true}
	found := 0
	for _, r := range table.Rows() {
		if !mine[r.Name] {
			continue
		}
		found++
		res := table.Run(r)
		if res.Status != table.Pass {
			t.Errorf("row %q: %s %s", r.Name, res.Status, res.Error)
			continue
		}
		t.Logf("%-28s %-9s %.3g (tolerance %g)", r.Name, r.Kind, *res.Deviation, r.Tolerance)
	}
	if found != len(mine) {
		t.Fatalf("found %d of %d rows", found, len(mine))
	}
}

// zeroNormals draws ε ≡ 0.
type zeroNormals struct{}

func (zeroNormals) Fill(dst []float64) { clear(dst) }

// TestVadam: Vadam follows its own published recursion (K = 1 and 3, with
// momentum and without, where the prior's pull δm still enters the step:
// it was lost with β₁ = 0), and is not torch's Adam with weight decay
// (corrections.md, point 10): even with ε ≡ 0 the second moments differ by
// the decay.
func TestVadam(t *testing.T) {
	const steps, n, lambda = 100, 96, 3.0
	p := table.NewProblem(n, 5, 16, steps, 32)
	w0 := make([]float64, p.Dim())
	for _, b1 := range []float64{0.9, 0} {
		for _, k := range []int{1, 3} {
			cfg := blr.Config{DataSize: n, PriorPrecision: lambda, LR: 0.02, Samples: k, Beta1: b1}
			if b1 == 0 {
				cfg.Beta1 = blr.Off
			}
			d, err := blr.Vadam(slices.Clone(w0), cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := table.RunEngine(d, p, steps, blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(7, uint64(k)))})
			if err != nil {
				t.Fatal(err)
			}
			want := table.VadamReference(w0, steps, k, p.Grad, n, lambda, 0.02, b1, 0.999, rand.New(rand.NewPCG(7, uint64(k))))
			if dev := table.TrajectoryDev(got, want); !(dev <= 1e-12) {
				t.Errorf("β₁ = %g, K = %d: rel deviation %g > 1e-12", b1, k, dev)
			}
		}
	}
	d, err := blr.Vadam(slices.Clone(w0), blr.Config{DataSize: n, PriorPrecision: lambda, LR: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	got, err := table.RunEngine(d, p, steps, zeroNormals{})
	if err != nil {
		t.Fatal(err)
	}
	adam := table.TorchAdam(w0, steps, p.Grad, 0.02, 0.9, 0.999, lambda/n, lambda/n, false)
	if dev := table.TrajectoryDev(got, adam); dev < 1e-6 {
		t.Errorf("Vadam(ε≡0) equals torch Adam with weight decay to %g; corrections point 10 says it must not", dev)
	}
}

// TestOGNIsNewton: OGN with a full batch, α = 1, β₂ = 0 and the exact GGN
// diagonal is Newton's method where the Hessian is diagonal, and converges.
func TestOGNIsNewton(t *testing.T) {
	dev, err := table.CheckOGN()
	if err != nil {
		t.Fatal(err)
	}
	if !(dev <= 1e-12) {
		t.Fatalf("rel deviation from Newton %g > 1e-12", dev)
	}
}

// TestVOGN: VOGN without momentum follows the vadam repository's VOGN.
func TestVOGN(t *testing.T) {
	dev, err := table.CheckVOGN()
	if err != nil {
		t.Fatal(err)
	}
	if !(dev <= 1e-12) {
		t.Fatalf("rel deviation %g > 1e-12", dev)
	}
}

// TestIVONAlgorithm1: the IVON constructor follows Algorithm 1 (written
// plainly in internal/table) on the quadratic with the same ε.
func TestIVONAlgorithm1(t *testing.T) {
	q := table.IVONQuadratic
	const steps, k, n, p0, lr = 300, 4, 10.0, 5.0, 0.1
	d, err := blr.IVON(make([]float64, len(q.A)), blr.Config{DataSize: n, PriorPrecision: p0, LR: lr, Beta2: 0.95, HessInit: 0.7, Samples: k})
	if err != nil {
		t.Fatal(err)
	}
	rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(5, 5))}
	o := quadOracle[float64](q.A, q.B)
	for range steps {
		if _, err := d.Step(o, rnd); err != nil {
			t.Fatal(err)
		}
	}
	grad := func(theta, g []float64) {
		for j := range theta {
			g[j] = q.A[j]*theta[j] + q.B[j]
		}
	}
	m, h := table.IVONReference(make([]float64, len(q.A)), steps, k, grad, n, p0/n, 0.7, lr, 0.9, 0.95, rand.New(rand.NewPCG(5, 5)))
	if dev := table.TrajectoryDev([][]float64{d.Mean(), d.Hessian()}, [][]float64{m, h}); !(dev <= 1e-12) {
		t.Fatalf("rel deviation from Algorithm 1: %g > 1e-12", dev)
	}
}

// TestIVONQuadratic: IVON converges to the known posterior, mean −b/(a+δ)
// within 0.02 and Hessian a within 5%, for several seeds.
func TestIVONQuadratic(t *testing.T) {
	for seed := range uint64(3) {
		m, h, mStar, a, err := table.RunIVONQuadratic(seed + 1)
		if err != nil {
			t.Fatal(err)
		}
		for j := range m {
			if dm := math.Abs(m[j]-mStar[j]) / math.Max(1, math.Abs(mStar[j])); dm > 0.02 {
				t.Errorf("seed %d: m[%d] = %.4f, want %.4f (deviation %.3g > 0.02)", seed, j, m[j], mStar[j], dm)
			}
			if dh := math.Abs(h[j]-a[j]) / a[j]; dh > 0.05 {
				t.Errorf("seed %d: h[%d] = %.4f, want a = %g (relative %.3g > 0.05)", seed, j, h[j], a[j], dh)
			}
		}
	}
}

// TestConfigErrors: an invalid setting gives a *ConfigError (ErrConfig) whose
// message names the field and the value.
func TestConfigErrors(t *testing.T) {
	params := []float64{0, 1}
	tests := []struct {
		name, opt string
		params    []float64
		cfg       blr.Config
		want      []string
	}{
		{"ivon without data size", "ivon", params, blr.Config{}, []string{"DataSize", "= 0"}},
		{"ivon negative lr", "ivon", params, blr.Config{DataSize: 10, LR: -0.5}, []string{"LR", "-0.5"}},
		{"ivon beta1 one", "ivon", params, blr.Config{DataSize: 10, Beta1: 1}, []string{"Beta1", "= 1"}},
		{"ivon beta2 too big", "ivon", params, blr.Config{DataSize: 10, Beta2: 1.5}, []string{"Beta2", "1.5"}},
		{"ivon zero hessian", "ivon", params, blr.Config{DataSize: 10, HessInit: blr.Off}, []string{"HessInit", "-1"}},
		{"ivon nan data size", "ivon", params, blr.Config{DataSize: math.NaN()}, []string{"DataSize", "NaN"}},
		{"ivon eps unused", "ivon", params, blr.Config{DataSize: 10, Eps: 1e-8}, []string{"Eps", "1e-08", "not used"}},
		{"ivon bad curvature", "ivon", params, blr.Config{DataSize: 10, Curvature: blr.CurvNone}, []string{"Curvature", "none"}},
		{"ivon samples", "ivon", params, blr.Config{DataSize: 10, Samples: -2}, []string{"Samples", "-2"}},
		{"ivon temperature", "ivon", params, blr.Config{DataSize: 10, Temperature: -3}, []string{"Temperature", "-3"}},
		{"adam prior without N", "adam", params, blr.Config{PriorPrecision: 2}, []string{"DataSize", "PriorPrecision = 2"}},
		{"adam clip unused", "adam", params, blr.Config{ClipRadius: 1}, []string{"ClipRadius", "= 1"}},
		{"adamw default decay without N", "adamw", params, blr.Config{}, []string{"DataSize", "= 0"}},
		{"sgd momentum one", "sgd", params, blr.Config{Beta1: 1}, []string{"Beta1", "= 1"}},
		{"sgd hessian unused", "sgd", params, blr.Config{HessInit: 2}, []string{"HessInit", "= 2"}},
		{"rmsprop momentum unused", "rmsprop", params, blr.Config{Beta1: 0.9}, []string{"Beta1", "0.9"}},
		{"vadam without N", "vadam", params, blr.Config{}, []string{"DataSize"}},
		{"vadam flat prior at h0 = 0", "vadam", params, blr.Config{DataSize: 10, PriorPrecision: blr.Off}, []string{"HessInit", "δ = 0"}},
		{"vogn negative clip", "vogn", params, blr.Config{DataSize: 10, ClipRadius: -2}, []string{"ClipRadius", "-2"}},
		{"ogn price", "ogn", params, blr.Config{DataSize: 10, Curvature: blr.CurvPrice}, []string{"Curvature", "price"}},
		{"iblr rate above one", "iblr-diag", params, blr.Config{DataSize: 10, LR: 1.5}, []string{"LR", "1.5", "(0, 1]"}},
		{"iblr momentum unused", "iblr-diag", params, blr.Config{DataSize: 10, Beta1: 0.9}, []string{"Beta1", "0.9"}},
		{"empty params", "adam", nil, blr.Config{}, []string{"params", "= 0"}},
		{"non-finite params", "adam", []float64{0, math.Inf(1)}, blr.Config{}, []string{"params[1]", "+Inf"}},
		{"unknown optimizer", "adagrad", params, blr.Config{}, []string{"optimizer", "adagrad", "ivon"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := blr.New(tc.opt, tc.params, tc.cfg)
			if err == nil {
				t.Fatal("no error")
			}
			var ce *blr.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, blr.ErrConfig) {
				t.Fatalf("error %v (%T) is not a *ConfigError", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestDiagOptionsErrors: NewDiag validates every switch.
func TestDiagOptionsErrors(t *testing.T) {
	ok := blr.DiagOptions{DataSize: 10, LR: 0.1, Beta2: 0.9, HessInit: 1, Curvature: blr.CurvPrice, Sample: true, Samples: 1, Temperature: 1}
	tests := []struct {
		name  string
		edit  func(o *blr.DiagOptions)
		field string
	}{
		{"default curvature", func(o *blr.DiagOptions) { o.Curvature = blr.CurvDefault }, "Curvature"},
		{"price without sampling", func(o *blr.DiagOptions) { o.Sample = false }, "Curvature"},
		{"samples without sampling", func(o *blr.DiagOptions) { o.Sample, o.Curvature, o.Samples = false, blr.CurvExactDiag, 2 }, "Samples"},
		{"zero samples", func(o *blr.DiagOptions) { o.Samples = 0 }, "Samples"},
		{"zero temperature", func(o *blr.DiagOptions) { o.Temperature = 0 }, "Temperature"},
		{"negative eps", func(o *blr.DiagOptions) { o.Eps = -1 }, "Eps"},
		{"bad decay", func(o *blr.DiagOptions) { o.Decay = 9 }, "Decay"},
		{"negative clip", func(o *blr.DiagOptions) { o.ClipRadius = -1 }, "ClipRadius"},
		{"negative steps", func(o *blr.DiagOptions) { o.Steps = -1 }, "Steps"},
		{"fixed h with iBLR", func(o *blr.DiagOptions) { o.Curvature, o.PositivityPreserving = blr.CurvNone, true }, "Curvature"},
		{"inf lr", func(o *blr.DiagOptions) { o.LR = math.Inf(1) }, "LR"},
		{"negative prior", func(o *blr.DiagOptions) { o.PriorPrecision = -1 }, "PriorPrecision"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.edit(&o)
			_, err := blr.NewDiag([]float64{1, 2}, o)
			var ce *blr.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("error %v, want a *ConfigError on %s", err, tc.field)
			}
		})
	}
	if _, err := blr.NewDiag([]float64{1, 2}, ok); err != nil {
		t.Fatalf("valid options: %v", err)
	}
}

// snapshot copies the state a step may change.
type snapshot struct {
	m, h, g []float64
	t       int
}

func snap(d *blr.Diag[float64]) snapshot {
	return snapshot{slices.Clone(d.Mean()), slices.Clone(d.Hessian()), slices.Clone(d.Momentum()), d.Steps()}
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func (s snapshot) equal(o snapshot) bool {
	return s.t == o.t && sameBits(s.m, o.m) && sameBits(s.h, o.h) && sameBits(s.g, o.g)
}

// TestTransactional: a non-finite ĝ or ĥ, an error from the oracle, or a
// precision that would turn non-positive returns a typed error and leaves m,
// h, ḡ and the step count bit-identical.
func TestTransactional(t *testing.T) {
	a, b := []float64{1, 2, 3}, []float64{0.5, -1, 2}
	good := quadOracle[float64](a, b)
	poison := func(field string, j int, v float64) blr.Oracle[float64] {
		return blr.OracleFunc[float64](func(theta, grad, curv []float64, kind blr.CurvatureKind) (float64, error) {
			l, _ := good.Eval(theta, grad, curv, kind)
			if field == "gradient" {
				grad[j] = v
			} else {
				curv[j] = v
			}
			return l, nil
		})
	}
	errOracle := blr.OracleFunc[float64](func(_, _, _ []float64, _ blr.CurvatureKind) (float64, error) {
		return 0, errors.New("batch unavailable")
	})
	negative := blr.OracleFunc[float64](func(theta, grad, curv []float64, _ blr.CurvatureKind) (float64, error) {
		clear(grad)
		for j := range curv {
			curv[j] = -1e6
		}
		return 0, nil
	})
	tests := []struct {
		name   string
		opt    string
		cfg    blr.Config
		oracle blr.Oracle[float64]
		is     error
	}{
		{"ivon NaN gradient", "ivon", blr.Config{DataSize: 10}, poison("gradient", 1, math.NaN()), blr.ErrNonFinite},
		{"ivon Inf gradient", "ivon", blr.Config{DataSize: 10, Samples: 2}, poison("gradient", 2, math.Inf(-1)), blr.ErrNonFinite},
		{"ivon NaN curvature", "ivon", blr.Config{DataSize: 10, Curvature: blr.CurvGGNDiag}, poison("curv", 0, math.NaN()), blr.ErrNonFinite},
		{"adam Inf gradient", "adam", blr.Config{}, poison("gradient", 2, math.Inf(1)), blr.ErrNonFinite},
		{"adam overflowing square", "adam", blr.Config{}, poison("gradient", 0, 1e200), blr.ErrNonFinite},
		{"ogn NaN curvature", "ogn", blr.Config{DataSize: 10}, poison("curv", 2, math.NaN()), blr.ErrNonFinite},
		{"vogn negative precision", "vogn", blr.Config{DataSize: 10, Beta2: 0.5, Curvature: blr.CurvExactDiag}, negative, expfam.ErrDomain},
		{"oracle error", "vadam", blr.Config{DataSize: 10}, errOracle, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := blr.New(tc.opt, []float64{0.3, -0.2, 0.1}, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(1, 2))}
			for range 3 { // some state first, so that h and ḡ are not their initial values
				if _, err := d.Step(good, rnd); err != nil {
					t.Fatal(err)
				}
			}
			before := snap(d)
			_, err = d.Step(tc.oracle, rnd)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v does not wrap %v", err, tc.is)
			}
			if tc.is == blr.ErrNonFinite {
				var nf *blr.NonFiniteError
				if !errors.As(err, &nf) {
					t.Fatalf("error %v is not a *NonFiniteError", err)
				}
			}
			if !before.equal(snap(d)) {
				t.Fatal("the state changed")
			}
			if _, err := d.Step(good, rnd); err != nil {
				t.Fatalf("a good step after the refused one: %v", err)
			}
		})
	}
}

// TestPositivityOverflowSafe: the iBLR update s′ = s(1+(1+r)²)/2 keeps
// h+δ ≥ (h+δ)/2 > 0 for any finite ĥ whose s′ is representable, including
// magnitudes where the textbook ρ²(h−ĥ)²/(2s) overflows in its intermediate
// (h−ĥ)²; where s′ itself overflows the step is refused (corrections.md,
// point 18).
func TestPositivityOverflowSafe(t *testing.T) {
	tests := []struct {
		name     string
		h0, hhat float64
		overflow bool
	}{
		{"large negative", 1e-3, -1e12, false},
		{"square overflows, negative", 1e150, -1e160, false},
		{"square overflows, positive", 1e150, 1e160, false},
		{"tiny", 1e-3, 1e-300, false},
		{"s′ overflows", 1e-3, -1e200, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const n, p0 = 1e4, 1e-2
			if g := tc.h0 - tc.hhat; !tc.overflow && tc.h0 > 1 && !math.IsInf(g*g, 0) {
				t.Fatalf("(h−ĥ)² = %g does not overflow: the case tests nothing", g*g)
			}
			d, err := blr.NewDiag([]float64{0.5}, blr.DiagOptions{
				DataSize: n, PriorPrecision: p0, LR: 1e-3, Beta2: 0.9, HessInit: tc.h0, Curvature: blr.CurvExactDiag,
				Sample: true, Samples: 1, Temperature: 1, PositivityPreserving: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			o := blr.OracleFunc[float64](func(_, grad, curv []float64, _ blr.CurvatureKind) (float64, error) {
				grad[0], curv[0] = 0, tc.hhat
				return 0, nil
			})
			s := tc.h0 + p0/n
			_, err = d.Step(o, blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(1, 1))})
			if tc.overflow {
				if !errors.Is(err, blr.ErrNonFinite) || d.Hessian()[0] != tc.h0 {
					t.Fatalf("error %v, h = %g: want ErrNonFinite and h unchanged", err, d.Hessian()[0])
				}
				return
			}
			if err != nil {
				t.Fatalf("step: %v", err)
			}
			s2 := d.Hessian()[0] + p0/n
			if !(s2 >= s/2*(1-1e-12)) || math.IsInf(s2, 0) {
				t.Fatalf("h+δ = %g after ĥ = %g from %g, want finite and ≥ %g", s2, tc.hhat, s, s/2)
			}
		})
	}
	// Without the iBLR term a negative ĥ makes the precision negative: the
	// step is refused with a domain error.
	d, err := blr.NewDiag([]float64{0.5}, blr.DiagOptions{
		DataSize: 10, LR: 0.1, Beta2: 0.5, HessInit: 1, Curvature: blr.CurvExactDiag, Sample: true, Samples: 1, Temperature: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	o := blr.OracleFunc[float64](func(_, grad, curv []float64, _ blr.CurvatureKind) (float64, error) {
		grad[0], curv[0] = 0, -5
		return 0, nil
	})
	if _, err := d.Step(o, blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(1, 1))}); !errors.Is(err, expfam.ErrDomain) {
		t.Fatalf("error %v, want ErrDomain", err)
	}
}

// TestSameSeedBitIdentical: two runs with the same seed give the same bits,
// in float64 and float32.
func TestSameSeedBitIdentical(t *testing.T) {
	q := table.IVONQuadratic
	run64 := func() []float64 {
		d, err := blr.IVON(make([]float64, len(q.A)), blr.Config{DataSize: 50, Samples: 2})
		if err != nil {
			t.Fatal(err)
		}
		rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(9, 9))}
		for range 50 {
			if _, err := d.Step(quadOracle[float64](q.A, q.B), rnd); err != nil {
				t.Fatal(err)
			}
		}
		return append(slices.Clone(d.Mean()), d.Hessian()...)
	}
	if a, b := run64(), run64(); !sameBits(a, b) {
		t.Fatalf("float64 runs differ: %v vs %v", a, b)
	}
	run32 := func() []float32 {
		d, err := blr.IVON(make([]float32, len(q.A)), blr.Config{DataSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		rnd := blr.RandNormals[float32]{Rand: rand.New(rand.NewPCG(9, 9))}
		for range 50 {
			if _, err := d.Step(quadOracle[float32](q.A, q.B), rnd); err != nil {
				t.Fatal(err)
			}
		}
		return append(slices.Clone(d.Mean()), d.Hessian()...)
	}
	if a, b := run32(), run32(); !slices.Equal(a, b) {
		t.Fatalf("float32 runs differ: %v vs %v", a, b)
	}
}

// TestFloat32TracksFloat64: the float32 engine follows the float64 one.
func TestFloat32TracksFloat64(t *testing.T) {
	q := table.IVONQuadratic
	d64, _ := blr.IVON(make([]float64, len(q.A)), blr.Config{DataSize: 50, Beta2: 0.99})
	d32, _ := blr.IVON(make([]float32, len(q.A)), blr.Config{DataSize: 50, Beta2: 0.99})
	eps := make([]float64, len(q.A))
	rnd := rand.New(rand.NewPCG(3, 3))
	for range 200 {
		for j := range eps {
			eps[j] = rnd.NormFloat64()
		}
		if _, err := d64.Step(quadOracle[float64](q.A, q.B), fixedNormals[float64](eps)); err != nil {
			t.Fatal(err)
		}
		if _, err := d32.Step(quadOracle[float32](q.A, q.B), fixedNormals[float32](eps)); err != nil {
			t.Fatal(err)
		}
	}
	for j := range q.A {
		if dm := math.Abs(float64(d32.Mean()[j]) - d64.Mean()[j]); dm > 1e-4 {
			t.Errorf("m[%d]: float32 %g, float64 %g", j, d32.Mean()[j], d64.Mean()[j])
		}
		if dh := math.Abs(float64(d32.Hessian()[j])-d64.Hessian()[j]) / d64.Hessian()[j]; dh > 1e-4 {
			t.Errorf("h[%d]: float32 %g, float64 %g", j, d32.Hessian()[j], d64.Hessian()[j])
		}
	}
}

// fixedNormals fills from a given vector.
type fixedNormals[F blr.Float] []float64

func (f fixedNormals[F]) Fill(dst []F) {
	for i := range dst {
		dst[i] = F(f[i])
	}
}

// TestZeroAllocs: a step allocates nothing after the first.
func TestZeroAllocs(t *testing.T) {
	q := table.IVONQuadratic
	tests := []struct {
		name string
		cfg  blr.Config
	}{
		{"ivon", blr.Config{DataSize: 100}},
		{"ivon", blr.Config{DataSize: 100, Samples: 3}},
		{"vogn", blr.Config{DataSize: 100, Samples: 2}},
		{"vadam", blr.Config{DataSize: 100, Samples: 2}},
		{"adam", blr.Config{}},
		{"sgd", blr.Config{Beta1: 0.9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := blr.New(tc.name, make([]float32, len(q.A)), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			o := quadOracle[float32](q.A, q.B)
			rnd := blr.RandNormals[float32]{Rand: rand.New(rand.NewPCG(1, 1))}
			if _, err := d.Step(o, rnd); err != nil {
				t.Fatal(err)
			}
			if allocs := testing.AllocsPerRun(50, func() { _, _ = d.Step(o, rnd) }); allocs != 0 {
				t.Fatalf("%v allocations per step", allocs)
			}
		})
	}
}

// TestBeta2For: β₂ from the planned steps satisfies (1−β₂)·T ≥ 5 for T ≥ 50,
// and the warning fires exactly when it does not.
func TestBeta2For(t *testing.T) {
	tests := []struct {
		steps int
		want  float64
	}{
		{0, 0.999},
		{20, 0.9},
		{100, 0.9},
		{4690, 1 - 10.0/4690},
		{1e6, 0.99999},
		{1e7, 0.99999},
	}
	for _, tc := range tests {
		if got := blr.Beta2For(tc.steps); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("Beta2For(%d) = %g, want %g", tc.steps, got, tc.want)
		}
		if tc.steps >= 50 {
			if b := blr.Beta2For(tc.steps); (1-b)*float64(tc.steps) < 5 || blr.HessianWarning(b, tc.steps) != "" {
				t.Errorf("Beta2For(%d) = %g cannot learn", tc.steps, b)
			}
		}
	}
	w := blr.HessianWarning(0.99999, 4690)
	for _, s := range []string{"Beta2 = 0.99999", "Steps = 4690", "4.6%"} {
		if !strings.Contains(w, s) {
			t.Errorf("warning %q lacks %q", w, s)
		}
	}
	if blr.HessianWarning(0.999, 5000) != "" || blr.HessianWarning(0.99999, 0) != "" {
		t.Error("warning where the run can learn or T is unknown")
	}
}

// TestWarnings: the constructors write the warning to Config.Warn.
func TestWarnings(t *testing.T) {
	var buf writer
	d, err := blr.IVON([]float64{0, 0}, blr.Config{DataSize: 60000, Beta2: 0.99999, Steps: 4690, Warn: &buf})
	if err != nil {
		t.Fatal(err)
	}
	if d.Warning() == "" || !strings.Contains(string(buf), "cannot learn") {
		t.Fatalf("no warning: %q / %q", d.Warning(), buf)
	}
	buf = nil
	if d, _ = blr.IVON([]float64{0, 0}, blr.Config{DataSize: 60000, Steps: 4690, Warn: &buf}); d.Warning() != "" || len(buf) != 0 {
		t.Fatalf("warning with β₂ from Steps: %q", buf)
	}
	if d.Options().Beta2 != blr.Beta2For(4690) {
		t.Fatalf("Beta2 = %g, want Beta2For(4690)", d.Options().Beta2)
	}
	buf = nil
	if _, err = blr.IVON([]float64{0, 0}, blr.Config{DataSize: 60000, Warn: &buf}); err != nil || !strings.Contains(string(buf), "Steps not set") {
		t.Fatalf("no note for unknown Steps: %q (%v)", buf, err)
	}
}

type writer []byte

func (w *writer) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// TestDefaultsLearn: a user who gives only the data size (and the planned
// steps) gets a posterior that learns on logistic regression: the loss
// falls from that of the first steps, and h leaves h₀ for the data's
// curvature. The default priors (P₀ = 50; 500 for ogn and iblr-diag) were
// chosen for networks trained on 10⁴–10⁵ examples (bench/validation.md); on
// n = 512 a prior worth 500 examples rightly keeps the loss near ln 2, so
// the problem has n = 8192.
func TestDefaultsLearn(t *testing.T) {
	const n, bs, epochs = 8192, 32, 20
	steps := n / bs * epochs
	p := table.NewProblem(n, 5, bs, steps, 41)
	for _, name := range []string{"ivon", "vogn", "vadam", "ogn", "iblr-diag"} {
		t.Run(name, func(t *testing.T) {
			cfg := blr.Config{DataSize: n, Steps: steps}
			d, err := blr.New(name, make([]float64, p.Dim()), cfg)
			if err != nil {
				t.Fatal(err)
			}
			tt := 0
			o := p.Oracle(&tt)
			rnd := blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(4, 4))}
			var first, last float64
			for tt = 1; tt <= steps; tt++ {
				info, err := d.Step(o, rnd)
				if err != nil {
					t.Fatal(err)
				}
				if tt <= 4 {
					first += info.Loss / 4
				}
				if tt > steps-n/bs {
					last += info.Loss / (n / bs)
				}
			}
			if !(last < 0.8*first) {
				t.Errorf("loss %g (first steps) → %g (last epoch): did not learn", first, last)
			}
			h0 := d.Options().HessInit
			var hmove float64
			for _, h := range d.Hessian() {
				hmove = math.Max(hmove, math.Abs(h-h0)/math.Max(h0, 1e-3))
			}
			if hmove < 0.5 {
				t.Errorf("h moved at most %.2g of h₀ = %g: the posterior did not learn", hmove, h0)
			}
		})
	}
}

// TestSetPrior: a per-weight prior pulls each weight to its own prior mean
// (posterior as prior), Precision is N(h+δ), and bad priors are refused.
func TestSetPrior(t *testing.T) {
	const n = 10.0
	a, b := []float64{1, 1}, []float64{0, 0}
	d, err := blr.NewDiag([]float64{0, 0}, blr.DiagOptions{
		DataSize: n, LR: 0.5, Beta2: 0.5, HessInit: 1, Curvature: blr.CurvExactDiag, Samples: 1, Temperature: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetPrior([]float64{2, -3}, []float64{10, 30}); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if _, err := d.Step(quadOracle[float64](a, b), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Mean loss ½θ² on N = 10 with prior N(m₀, 1/P₀): mode P₀m₀/(N + P₀).
	want := []float64{10 * 2 / 20.0, 30 * -3 / 40.0}
	prec := d.Precision(nil)
	for j := range want {
		if math.Abs(d.Mean()[j]-want[j]) > 1e-12 {
			t.Errorf("m[%d] = %g, want %g", j, d.Mean()[j], want[j])
		}
		if wantP := n*a[j] + []float64{10, 30}[j]; math.Abs(prec[j]-wantP) > 1e-12*wantP {
			t.Errorf("precision[%d] = %g, want %g", j, prec[j], wantP)
		}
	}
	for _, tc := range []struct {
		name       string
		mean, prec []float64
		field      string
	}{
		{"short mean", []float64{1}, nil, "prior mean"},
		{"short precision", nil, []float64{1}, "prior precision"},
		{"negative precision", nil, []float64{1, -1}, "prior precision[1]"},
		{"NaN mean", []float64{math.NaN(), 0}, nil, "prior mean[0]"},
	} {
		err := d.SetPrior(tc.mean, tc.prec)
		var ce *blr.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: error %v, want a *ConfigError on %q", tc.name, err, tc.field)
		}
	}
}

// TestNames: every name builds in float32 and float64 and reports itself.
func TestNames(t *testing.T) {
	for _, name := range blr.Names() {
		cfg := blr.Config{DataSize: 100}
		d32, err := blr.New(name, []float32{0, 0}, cfg)
		if err != nil {
			t.Fatalf("%s float32: %v", name, err)
		}
		d64, err := blr.New(name, []float64{0, 0}, cfg)
		if err != nil {
			t.Fatalf("%s float64: %v", name, err)
		}
		if d32.Name() != name || d64.Name() != name {
			t.Errorf("Name() = %q, %q, want %q", d32.Name(), d64.Name(), name)
		}
	}
	if got := len(blr.Names()); got != 9 {
		t.Fatalf("%d names, want 9", got)
	}
}

// TestCurvatureNames: ParseCurvature inverts String.
func TestCurvatureNames(t *testing.T) {
	for k := blr.CurvNone; k <= blr.CurvExactDiag; k++ {
		got, err := blr.ParseCurvature(k.String())
		if err != nil || got != k {
			t.Errorf("ParseCurvature(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := blr.ParseCurvature("hutchinson"); !errors.Is(err, blr.ErrConfig) {
		t.Errorf("unknown curvature: %v", err)
	}
}

// constNormals fills a constant: it isolates the engine's cost from the
// generator's.
type constNormals[F blr.Float] struct{}

func (constNormals[F]) Fill(dst []F) {
	for i := range dst {
		dst[i] = 0.5
	}
}

// BenchmarkDiagStep times one step over 400 000 float32 weights (the size of
// a 784-512-10 MLP) with an oracle that copies θ into the gradient and
// curvature, so that it measures the engine alone.
func BenchmarkDiagStep(b *testing.B) {
	const n = 400_000
	oracle := blr.OracleFunc[float32](func(theta, grad, curv []float32, _ blr.CurvatureKind) (float64, error) {
		copy(grad, theta)
		if curv != nil {
			copy(curv, theta)
		}
		return 0, nil
	})
	for _, name := range []string{"sgd", "adam", "ivon", "vogn", "vadam"} {
		b.Run(name, func(b *testing.B) {
			w := make([]float32, n)
			for j := range w {
				w[j] = 0.01 * float32(j%7)
			}
			d, err := blr.New(name, w, blr.Config{DataSize: 60000, Steps: 1000})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(4 * n)
			for b.Loop() {
				if _, err := d.Step(oracle, constNormals[float32]{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFastNormals: FastNormals is reproducible from its key, advances it,
// allocates nothing, and draws standard normals.
func TestFastNormals(t *testing.T) {
	a, b := &blr.FastNormals[float64]{Key: 7}, &blr.FastNormals[float64]{Key: 7}
	x, y := make([]float64, 50000), make([]float64, 50000)
	a.Fill(x)
	b.Fill(y)
	if !sameBits(x, y) || a.Key != 8 {
		t.Fatalf("not reproducible, or the key did not advance (%d)", a.Key)
	}
	a.Fill(y)
	if sameBits(x, y) {
		t.Fatal("two fills gave the same draws")
	}
	var mean, sq float64
	for _, v := range x {
		mean += v
		sq += v * v
	}
	mean /= float64(len(x))
	sd := math.Sqrt(sq/float64(len(x)) - mean*mean)
	if math.Abs(mean) > 5/math.Sqrt(float64(len(x))) || math.Abs(sd-1) > 0.02 {
		t.Fatalf("mean %g, sd %g", mean, sd)
	}
	f := &blr.FastNormals[float32]{Key: 1}
	z := make([]float32, 1<<15)
	if allocs := testing.AllocsPerRun(20, func() { f.Fill(z) }); allocs != 0 {
		t.Fatalf("%v allocations per fill", allocs)
	}
}

// TestFlushTiny: weights that weight decay halves at every step (the
// oracle's gradient is zero) and curvature made of squared gradients of 1e-21
// pass below 2⁻¹⁰⁰: after every step no entry of m, h or ḡ lies in (0,
// 2⁻¹⁰⁰) in magnitude (they are stored as zeros), for the engine's
// specialised kernels (SGD, AdamW, Adam, IVON) and its general form (VOGN
// with clipping).
func TestFlushTiny(t *testing.T) {
	constGrad := func(g float32) blr.Oracle[float32] {
		return blr.OracleFunc[float32](func(_, grad, curv []float32, _ blr.CurvatureKind) (float64, error) {
			for j := range grad {
				grad[j] = g
			}
			for j := range curv {
				curv[j] = g * g
			}
			return 0, nil
		})
	}
	tiny := func(x []float32) int {
		for j, v := range x {
			if v != 0 && math.Abs(float64(v)) < 0x1p-100 {
				return j
			}
		}
		return -1
	}
	decay := blr.Config{LR: 0.5, PriorPrecision: 1, DataSize: 1, Beta1: blr.Off}
	for _, tc := range []struct {
		name   string
		cfg    blr.Config
		grad   float32
		zeroed bool // m ends at zero
	}{
		{"sgd", decay, 0, true},
		{"adamw", decay, 0, true},
		{"adam", blr.Config{LR: 1e-3}, 1e-21, false}, // h = ρĝ² is below 2⁻¹⁰⁰
		{"ivon", blr.Config{LR: 0.5, PriorPrecision: 1, DataSize: 1, HessInit: 1e-30}, 0, true},
		{"vogn", blr.Config{LR: 0.5, PriorPrecision: 1, DataSize: 1, HessInit: 1e-30, ClipRadius: 10}, 0, true},
	} {
		m := make([]float32, 43) // blocks of eight and a tail
		for j := range m {
			m[j] = float32(math.Pow(10, -25-float64(j%8))) * float32(1-2*(j%2))
		}
		d, err := blr.New(tc.name, m, tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		rnd := blr.RandNormals[float32]{Rand: rand.New(rand.NewPCG(1, 1))}
		for step := range 200 {
			if _, err := d.Step(constGrad(tc.grad), rnd); err != nil {
				t.Fatalf("%s step %d: %v", tc.name, step, err)
			}
			for name, x := range map[string][]float32{"m": d.Mean(), "h": d.Hessian(), "ḡ": d.Momentum()} {
				if j := tiny(x); j >= 0 {
					t.Fatalf("%s step %d: %s[%d] = %g is below 2⁻¹⁰⁰", tc.name, step, name, j, x[j])
				}
			}
		}
		if j := slices.IndexFunc(d.Mean(), func(v float32) bool { return v != 0 }); tc.zeroed && j >= 0 {
			t.Errorf("%s: m[%d] = %g after 200 steps of decay, want 0", tc.name, j, d.Mean()[j])
		}
	}
}

// TestSetTemperature: an engine built with τ = 1 that is set to τ = 0.1
// before its first step takes the steps of one built with τ = 0.1, bit for
// bit; Precision follows τ; invalid τ are refused with τ unchanged.
func TestSetTemperature(t *testing.T) {
	a, b := []float64{1, 2, 0.5, 4}, []float64{-1, 0.5, 2, 0}
	mk := func(tau float64) *blr.Diag[float64] {
		d, err := blr.New("ivon", make([]float64, 4), blr.Config{DataSize: 100, Temperature: tau, Steps: 50})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want, got := mk(0.1), mk(1)
	if err := got.SetTemperature(0.1); err != nil {
		t.Fatal(err)
	}
	nw, ng := &blr.FastNormals[float64]{Key: 3}, &blr.FastNormals[float64]{Key: 3}
	for range 20 {
		if _, err := want.Step(quadOracle[float64](a, b), nw); err != nil {
			t.Fatal(err)
		}
		if _, err := got.Step(quadOracle[float64](a, b), ng); err != nil {
			t.Fatal(err)
		}
	}
	if !sameBits(want.Mean(), got.Mean()) || !sameBits(want.Hessian(), got.Hessian()) {
		t.Fatalf("means %v / %v, Hessians %v / %v", want.Mean(), got.Mean(), want.Hessian(), got.Hessian())
	}
	p1 := got.Precision(nil)
	if err := got.SetTemperature(0.4); err != nil || got.Temperature() != 0.4 {
		t.Fatalf("SetTemperature(0.4): %v, τ = %g", err, got.Temperature())
	}
	for j, p := range got.Precision(nil) {
		if math.Abs(p*4-p1[j]) > 1e-12*p1[j] {
			t.Errorf("precision[%d] = %g at τ = 0.4, want %g/4", j, p, p1[j])
		}
	}
	for _, tau := range []float64{0, -1, math.NaN(), math.Inf(1), 2 * blr.MaxTemperature} {
		err := got.SetTemperature(tau)
		if !errors.Is(err, blr.ErrConfig) || !strings.Contains(err.Error(), "Temperature") || got.Temperature() != 0.4 {
			t.Errorf("SetTemperature(%g) = %v, τ now %g", tau, err, got.Temperature())
		}
	}
}
