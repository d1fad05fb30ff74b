package blr_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// seqNormals is a deterministic ε source: the i-th entry of the c-th Fill is
// a fixed function of (c, i) with mean near 0 and spread near 1, so that the
// engine and the plain reference below draw the same ε.
type seqNormals[F blr.Float] struct{ calls int }

func seqNormal(c, i int) float64 {
	return 1.7 * math.Sin(1.3*float64(c)+0.77*float64(i)+0.4)
}

func (s *seqNormals[F]) Fill(dst []F) {
	for i := range dst {
		dst[i] = F(seqNormal(s.calls, i))
	}
	s.calls++
}

// zeroAt is a Normals that gives ε = 0 at one entry: with Price, ĥ is 0
// there whatever ĝ is.
type zeroAt[F blr.Float] struct {
	blr.Normals[F]
	j int
}

func (z zeroAt[F]) Fill(dst []F) {
	z.Normals.Fill(dst)
	dst[z.j] = 0
}

// diagRef is one Diag step written plainly from the documentation of
// DiagOptions and Diag (blr-reference §1.1), on the quadratic ℓ_avg(θ) =
// Σⱼ ½aⱼθⱼ² + bⱼθⱼ of quadOracle, in float64 and entry by entry, with the
// textbook (not the overflow-safe) form of the iBLR update.
type diagRef struct {
	o              blr.DiagOptions
	a, b           []float64
	m, h, gbar     []float64
	m0, delta      []float64 // per-weight prior mean and δ: 0 and P₀/N unless setPrior
	t, calls       int
	lrScale, lrCap float64
}

func newDiagRef(m []float64, o blr.DiagOptions, a, b []float64) *diagRef {
	r := &diagRef{o: o, a: a, b: b, m: slices.Clone(m), h: make([]float64, len(m)), gbar: make([]float64, len(m)), lrScale: 1, lrCap: math.Inf(1)}
	for j := range r.h {
		r.h[j] = o.HessInit
	}
	d0 := 0.0
	if o.PriorPrecision > 0 {
		d0 = o.PriorPrecision / o.DataSize
	}
	r.delta = make([]float64, len(m))
	for j := range r.delta {
		r.delta[j] = d0
	}
	r.m0 = make([]float64, len(m))
	if o.RescaleLR {
		r.lrScale = o.HessInit + d0
		if d0 > 0 {
			r.lrCap = 1 / d0
		}
	}
	return r
}

// setPrior is SetPrior: a nil mean or precision keeps 0 or P₀/N.
func (r *diagRef) setPrior(mean, prec []float64) {
	copy(r.m0, mean)
	for j, p := range prec {
		r.delta[j] = p / r.o.DataSize
	}
}

// step is one step of the engine, K samples with the ε of seqNormals.
func (r *diagRef) step() {
	o := r.o
	n := len(r.m)
	k := o.Samples
	inGrad, inMom, inStep := o.Decay == blr.DecayInGradient, o.Decay == blr.DecayInMomentum, o.Decay == blr.DecayInStep
	g, hhat := make([]float64, n), make([]float64, n)
	for range k {
		eps := make([]float64, n)
		if o.Sample {
			for j := range eps {
				eps[j] = seqNormal(r.calls, j)
			}
			r.calls++
		}
		for j := range n {
			dec := r.delta[j] * (r.m[j] - r.m0[j])
			prec := o.DataSize * (r.h[j] + r.delta[j]) / o.Temperature
			theta := r.m[j]
			if o.Sample {
				theta += eps[j] / math.Sqrt(prec)
			}
			gk := r.a[j]*theta + r.b[j]
			g[j] += gk / float64(k)
			switch {
			case o.Curvature == blr.CurvPrice: // ĝ·(θ−m)/σ²
				hhat[j] += gk * (theta - r.m[j]) * prec / float64(k)
			case o.Curvature.OracleSupplied():
				hhat[j] += r.a[j] / float64(k)
			case o.Curvature == blr.CurvSquaredMeanGrad:
				x := gk
				if inGrad {
					x += dec
				}
				hhat[j] += x * x / float64(k)
			}
		}
	}
	r.t++
	t := float64(r.t)
	rho := 1 - o.Beta2
	alpha := math.Min(o.LR, r.lrCap) * r.lrScale
	for j := range n {
		dj := r.delta[j]
		dec := dj * (r.m[j] - r.m0[j])
		gj := g[j]
		if inGrad {
			gj += dec
		}
		hv := o.HessInit
		if o.Curvature != blr.CurvNone {
			hn := o.Beta2*r.h[j] + rho*hhat[j]
			if o.PositivityPreserving {
				hn += 0.5 * rho * rho * (r.h[j] - hhat[j]) * (r.h[j] - hhat[j]) / (r.h[j] + dj)
			}
			r.h[j] = hn
			hv = hn
		}
		gm := gj // the gradient that enters the momentum
		if inMom {
			gm += dec
		}
		gs := gm
		if o.Beta1 > 0 {
			r.gbar[j] = o.Beta1*r.gbar[j] + (1-o.Beta1)*gm
			gs = r.gbar[j]
		}
		num := gs
		if o.DebiasMomentum {
			num /= 1 - math.Pow(o.Beta1, t)
		}
		if inStep {
			num += dec
		}
		if o.DebiasHessian {
			hv /= 1 - math.Pow(o.Beta2, t)
		}
		if o.Sqrt {
			hv = math.Sqrt(hv)
		}
		den := hv + o.Eps
		if inStep || inMom {
			den += dj
		}
		dir := num / den
		if c := o.ClipRadius; c > 0 {
			dir = math.Max(-c, math.Min(c, dir))
		}
		if o.Decay == blr.DecayDecoupled {
			r.m[j] -= alpha * dec
		}
		r.m[j] -= alpha * dir
	}
}

// prior is a per-weight prior for SetPrior (nil fields: unchanged).
type prior struct{ mean, prec []float64 }

// relDev is max_j |x_j − y_j| / max(1, |y_j|).
func relDev[F blr.Float](x []F, y []float64) float64 {
	var d float64
	for j := range y {
		d = math.Max(d, math.Abs(float64(x[j])-y[j])/math.Max(1, math.Abs(y[j])))
	}
	return d
}

// TestDiagMatchesPlainStep pins down every switch of DiagOptions, in the
// combinations that reach each specialised update (IVON, Newton, Adam,
// Vadam, SGD) and the generic one (per-weight priors from SetPrior, K > 1,
// clipping, Eps, each decay mode, fixed h ≠ 1, Price with a decay outside
// the step), against the step written plainly from the documentation
// (diagRef): m, h and ḡ after 6 steps within 1e-12 relative in float64 and
// 2e-5 in float32, where the engine's vector kernels and draw run on 19
// weights (two blocks of 8 and a tail). It also checks DiagInfo.LR.
func TestDiagMatchesPlainStep(t *testing.T) {
	const n, steps = 19, 6
	base := blr.DiagOptions{DataSize: 40, LR: 0.05, Beta2: 0.8, HessInit: 0.7, Samples: 1, Temperature: 1}
	with := editOf(base)
	pm, pp := make([]float64, n), make([]float64, n)
	for j := range n {
		pm[j] = 0.3 * math.Cos(float64(j))
		pp[j] = float64(j%4) * 2.5 // includes zeros: δⱼ = 0 there
	}
	tests := []struct {
		name  string
		opt   blr.DiagOptions
		prior *prior
	}{
		{"ivon", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.Beta1, o.DebiasMomentum, o.PriorPrecision, o.RescaleLR = blr.CurvPrice, true, true, 0.6, true, 8, true
		}), nil},
		{"ivon clipped tempered no momentum", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.PriorPrecision, o.ClipRadius, o.Temperature, o.LR = blr.CurvPrice, true, true, 8, 0.05, 0.5, 2
		}), nil},
		{"ivon rescaled lr capped at 1/delta", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.PriorPrecision, o.RescaleLR, o.LR = blr.CurvPrice, true, true, 80, true, 1
		}), nil},
		{"iblr K=3 vector prior", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.Samples, o.PriorPrecision = blr.CurvPrice, true, true, 3, 4
		}), &prior{pm, pp}},
		{"price iblr decay in gradient", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.Decay, o.PriorPrecision, o.Eps = blr.CurvPrice, true, true, blr.DecayInGradient, 8, 0.5
		}), nil},
		{"vogn", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Beta1, o.DebiasMomentum, o.PriorPrecision, o.Eps = blr.CurvExactDiag, true, 0.9, true, 6, 0.01
		}), nil},
		{"ogn", with(func(o *blr.DiagOptions) { o.Curvature, o.PriorPrecision = blr.CurvGGNDiag, 6 }), nil},
		{"ogn momentum", with(func(o *blr.DiagOptions) { o.Curvature, o.PriorPrecision, o.Beta1 = blr.CurvGGNDiag, 6, 0.5 }), nil},
		{"newton-like decay in momentum", with(func(o *blr.DiagOptions) {
			o.Curvature, o.PriorPrecision, o.Beta1, o.Decay = blr.CurvExactDiag, 6, 0.5, blr.DecayInMomentum
		}), nil},
		{"exact K=2 sqrt debiased", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Samples, o.Sqrt, o.DebiasHessian, o.PriorPrecision = blr.CurvExactDiag, true, 2, true, true, 6
		}), nil},
		{"adam", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sqrt, o.Beta1, o.Beta2, o.DebiasMomentum, o.DebiasHessian, o.Eps, o.Decay, o.PriorPrecision, o.HessInit = blr.CurvSquaredMeanGrad, true, 0.9, 0.99, true, true, 1e-3, blr.DecayInGradient, 4, 0
		}), nil},
		{"adamw", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sqrt, o.Beta1, o.DebiasMomentum, o.DebiasHessian, o.Eps, o.Decay, o.PriorPrecision = blr.CurvSquaredMeanGrad, true, 0.9, true, true, 1e-3, blr.DecayDecoupled, 4
		}), nil},
		{"adam vector prior clipped", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sqrt, o.Beta1, o.DebiasMomentum, o.DebiasHessian, o.Eps, o.Decay, o.ClipRadius = blr.CurvSquaredMeanGrad, true, 0.9, true, true, 1e-3, blr.DecayInGradient, 0.5
		}), &prior{pm, pp}},
		{"adamw vector prior", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sqrt, o.DebiasHessian, o.Eps, o.Decay = blr.CurvSquaredMeanGrad, true, true, 1e-3, blr.DecayDecoupled
		}), &prior{pm, pp}},
		{"vadam", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Sqrt, o.Beta1, o.DebiasMomentum, o.DebiasHessian, o.Decay, o.PriorPrecision, o.Eps = blr.CurvSquaredMeanGrad, true, true, 0.9, true, true, blr.DecayInMomentum, 5, 1e-3
		}), nil},
		{"vadam K=3 vector prior", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Samples, o.Sqrt, o.Beta1, o.DebiasMomentum, o.Decay, o.PriorPrecision = blr.CurvSquaredMeanGrad, true, 3, true, 0.9, true, blr.DecayInMomentum, 5
		}), &prior{pm, pp}},
		{"vadam no momentum vector prior", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Sqrt, o.DebiasHessian, o.Decay, o.PriorPrecision = blr.CurvSquaredMeanGrad, true, true, true, blr.DecayInMomentum, 5
		}), &prior{pm, pp}},
		{"squared grad K=3 decay in gradient", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Samples, o.Sqrt, o.Decay, o.PriorPrecision = blr.CurvSquaredMeanGrad, true, 3, true, blr.DecayInGradient, 5
		}), &prior{pm, nil}},
		{"sgd", with(func(o *blr.DiagOptions) {
			o.Curvature, o.HessInit, o.Decay, o.PriorPrecision, o.Beta2 = blr.CurvNone, 1, blr.DecayInGradient, 4, 0
		}), nil},
		{"sgd momentum", with(func(o *blr.DiagOptions) {
			o.Curvature, o.HessInit, o.Decay, o.PriorPrecision, o.Beta1, o.Beta2 = blr.CurvNone, 1, blr.DecayInGradient, 4, 0.7, 0
		}), nil},
		{"fixed h = 2", with(func(o *blr.DiagOptions) {
			o.Curvature, o.HessInit, o.Decay, o.PriorPrecision, o.Beta2 = blr.CurvNone, 2, blr.DecayInGradient, 4, 0
		}), nil},
		{"fixed h sampled in step", with(func(o *blr.DiagOptions) {
			o.Curvature, o.HessInit, o.Sample, o.Samples, o.PriorPrecision, o.Beta2 = blr.CurvNone, 2, true, 2, 4, 0
		}), &prior{nil, pp}},
	}
	a, b, m0 := refProblem(n)
	for _, tc := range tests {
		ref := newDiagRef(m0, tc.opt, a, b)
		if tc.prior != nil {
			ref.setPrior(tc.prior.mean, tc.prior.prec)
		}
		wantLR := math.Min(tc.opt.LR, ref.lrCap) * ref.lrScale
		for range steps {
			ref.step()
		}
		moved := relDev(m0, ref.m)
		if moved < 1e-3 {
			t.Fatalf("%s: the reference moved only %g: the check proves nothing", tc.name, moved)
		}
		t.Run(tc.name+"/float64", func(t *testing.T) {
			checkAgainstRef[float64](t, tc.opt, tc.prior, m0, a, b, ref, wantLR, 1e-12)
		})
		t.Run(tc.name+"/float32", func(t *testing.T) {
			checkAgainstRef[float32](t, tc.opt, tc.prior, m0, a, b, ref, wantLR, 2e-5)
		})
	}
}

// editOf returns a function that gives base with one edit applied.
func editOf(base blr.DiagOptions) func(edit func(o *blr.DiagOptions)) blr.DiagOptions {
	return func(edit func(o *blr.DiagOptions)) blr.DiagOptions {
		o := base
		edit(&o)
		return o
	}
}

// refProblem is the quadratic's a and b, and a start m0, on n weights.
func refProblem(n int) (a, b, m0 []float64) {
	a, b, m0 = make([]float64, n), make([]float64, n), make([]float64, n)
	for j := range n {
		a[j] = 0.5 + 0.25*float64(j%5)
		b[j] = math.Sin(float64(j) + 1)
		m0[j] = 0.2 * math.Cos(2*float64(j))
	}
	return a, b, m0
}

// TestDiagChunkBoundary pins down the split of long vectors into chunks of
// 2¹⁴ weights at lengths one short of a multiple of the chunk (2¹⁴−1 and
// 2¹⁵−1, the latter also shared with a helper goroutine): IVON's steps equal
// the plain reference within 1e-12.
func TestDiagChunkBoundary(t *testing.T) {
	opt := blr.DiagOptions{DataSize: 40, LR: 0.05, Beta1: 0.6, Beta2: 0.8, HessInit: 0.7, Samples: 1, Temperature: 1, PriorPrecision: 8,
		Curvature: blr.CurvPrice, Sample: true, PositivityPreserving: true, DebiasMomentum: true}
	for _, n := range []int{1<<14 - 1, 1<<15 - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a, b, m0 := refProblem(n)
			ref := newDiagRef(m0, opt, a, b)
			for range 2 {
				ref.step()
			}
			checkAgainstRef[float64](t, opt, nil, m0, a, b, ref, opt.LR, 1e-12)
		})
	}
}

// TestHessianWarningText pins down the numbers in HessianWarning's message:
// (1−β₂)·T and the share 1−β₂ᵀ of the way h moves from HessInit, in closed
// form for β₂ = 0.999 over T = 1000 steps (1 and 63.2%).
func TestHessianWarningText(t *testing.T) {
	w := blr.HessianWarning(0.999, 1000)
	for _, want := range []string{"(1−β₂)·T = 1 < 5", fmt.Sprintf("moves only %.1f%%", 100*(1-math.Exp(1000*math.Log1p(-0.001)))), "63.2%"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
}

// checkAgainstRef runs the engine in F for ref.t steps from m0 under opt
// (and the prior pr, if any) on the quadratic, with the ε of seqNormals, and
// compares m, h and ḡ with the reference's and each step's DiagInfo.LR with
// wantLR.
func checkAgainstRef[F blr.Float](t *testing.T, opt blr.DiagOptions, pr *prior, m0, a, b []float64, ref *diagRef, wantLR, tol float64) {
	t.Helper()
	conv := func(x []float64) []F {
		if x == nil {
			return nil
		}
		y := make([]F, len(x))
		for j, v := range x {
			y[j] = F(v)
		}
		return y
	}
	d, err := blr.NewDiag(conv(m0), opt)
	if err != nil {
		t.Fatal(err)
	}
	if pr != nil {
		if err := d.SetPrior(conv(pr.mean), conv(pr.prec)); err != nil {
			t.Fatal(err)
		}
	}
	rnd := &seqNormals[F]{}
	o := quadOracle[F](a, b)
	for range ref.t {
		info, err := d.Step(o, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if !(math.Abs(info.LR-wantLR) <= 1e-15*wantLR) {
			t.Fatalf("DiagInfo.LR = %g, want %g", info.LR, wantLR)
		}
	}
	if dev := relDev(d.Mean(), ref.m); !(dev <= tol) {
		t.Errorf("m: rel deviation %g > %g", dev, tol)
	}
	if opt.Curvature != blr.CurvNone {
		if dev := relDev(d.Hessian(), ref.h); !(dev <= tol) {
			t.Errorf("h: rel deviation %g > %g", dev, tol)
		}
	}
	if opt.Beta1 > 0 {
		if dev := relDev(d.Momentum(), ref.gbar); !(dev <= tol) {
			t.Errorf("ḡ: rel deviation %g > %g", dev, tol)
		}
	}
}

// TestDiagSamplePrecision pins down Precision = N(h+δ)/τ and Sample = m +
// ε/√(N(h+δ)/τ), with a scalar prior and with a per-weight one, against the
// closed form for given ε.
func TestDiagSamplePrecision(t *testing.T) {
	const n, size, p0, tau, h0 = 5, 20.0, 4.0, 0.5, 0.3
	m := []float64{0.5, -1, 2, 0, 0.25}
	eps := fixedNormals[float64]{1, -2, 0.5, 3, -0.1}
	vec := []float64{0, 1, 8, 2, 40}
	for _, tc := range []struct {
		name  string
		delta []float64 // per weight; nil: p0/size
	}{{"scalar prior", nil}, {"per-weight prior", vec}} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := blr.NewDiag(slices.Clone(m), blr.DiagOptions{DataSize: size, PriorPrecision: p0, LR: 0.1, Beta2: 0.9, HessInit: h0,
				Curvature: blr.CurvExactDiag, Sample: true, Samples: 1, Temperature: tau})
			if err != nil {
				t.Fatal(err)
			}
			if tc.delta != nil {
				if err := d.SetPrior(nil, tc.delta); err != nil {
					t.Fatal(err)
				}
			}
			prec := d.Precision(nil)
			theta := d.Sample(nil, eps)
			for j := range n {
				p := p0
				if tc.delta != nil {
					p = tc.delta[j]
				}
				want := size * (h0 + p/size) / tau
				if !(math.Abs(prec[j]-want) <= 1e-14*want) {
					t.Errorf("precision[%d] = %.17g, want %.17g", j, prec[j], want)
				}
				if w := m[j] + eps[j]/math.Sqrt(want); !(math.Abs(theta[j]-w) <= 1e-14*math.Max(1, math.Abs(w))) {
					t.Errorf("sample[%d] = %.17g, want %.17g", j, theta[j], w)
				}
			}
		})
	}
}

// TestDiagOptionsBoundaries pins down the edges of validation that
// TestDiagOptionsErrors does not reach: the temperature is checked without
// sampling too (0, NaN, +Inf), the first unknown decay mode and curvature
// kind are refused, and a prior precision of exactly 0 on a weight is allowed (δⱼ = 0).
func TestDiagOptionsBoundaries(t *testing.T) {
	ok := blr.DiagOptions{DataSize: 10, LR: 0.1, Beta2: 0.9, HessInit: 1, Curvature: blr.CurvExactDiag, Samples: 1, Temperature: 1}
	for _, tc := range []struct {
		name  string
		edit  func(o *blr.DiagOptions)
		field string
	}{
		{"zero temperature, delta method", func(o *blr.DiagOptions) { o.Temperature = 0 }, "Temperature"},
		{"NaN temperature, delta method", func(o *blr.DiagOptions) { o.Temperature = math.NaN() }, "Temperature"},
		{"Inf temperature, delta method", func(o *blr.DiagOptions) { o.Temperature = math.Inf(1) }, "Temperature"},
		{"first unknown decay", func(o *blr.DiagOptions) { o.Decay = blr.DecayDecoupled + 1 }, "Decay"},
		{"negative decay", func(o *blr.DiagOptions) { o.Decay = -1 }, "Decay"},
		{"first unknown curvature", func(o *blr.DiagOptions) { o.Curvature = blr.CurvExactDiag + 1 }, "Curvature"},
	} {
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
	d, err := blr.NewDiag([]float64{1, 2}, ok)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetPrior(nil, []float64{0, 3}); err != nil {
		t.Fatalf("a zero prior precision: %v", err)
	}
	if p := d.Precision(nil); p[0] != 10 || p[1] != 13 {
		t.Fatalf("precision %v, want [10 13]", p)
	}
}

// TestDiagStepErrorKinds pins down which error a refused step reports, and
// at which index, on the specialised updates and on the generic one (forced
// by a prior mean of zeros, which changes no number): an overflowing mean
// with a denominator below 1, a NaN gradient, a non-finite supplied
// curvature, a squared gradient that overflows, an iBLR update that
// overflows from a finite ĥ, a negative h+δ while sampling, and a zero
// denominator. Each leaves m, h, ḡ and the step count bit-identical.
func TestDiagStepErrorKinds(t *testing.T) {
	const n, bad = 19, 13
	base := blr.DiagOptions{DataSize: 10, LR: 0.1, Beta2: 0.5, HessInit: 0.5, Samples: 1, Temperature: 1}
	with := editOf(base)
	// poke returns an oracle that gives the quadratic's gradient (and a
	// curvature 1) except at entry bad, where it gives g and c.
	poke := func(g, c float64) blr.Oracle[float64] {
		return blr.OracleFunc[float64](func(theta, grad, curv []float64, _ blr.CurvatureKind) (float64, error) {
			for j, th := range theta {
				grad[j] = th - 0.5
				if curv != nil {
					curv[j] = 1
				}
			}
			grad[bad] = g
			if curv != nil {
				curv[bad] = c
			}
			return 0, nil
		})
	}
	tests := []struct {
		name   string
		opt    blr.DiagOptions
		oracle blr.Oracle[float64]
		field  string // NonFiniteError.Field, or the DomainError.Field's prefix
		domain bool
		index  int
	}{
		{"mean overflows, den < 1", with(func(o *blr.DiagOptions) { o.Curvature, o.Decay, o.LR = blr.CurvNone, blr.DecayInGradient, 1e10 }), poke(1e300, 0), "mean", false, bad},
		{"mean overflows, newton", with(func(o *blr.DiagOptions) { o.Curvature, o.LR = blr.CurvExactDiag, 1e10 }), poke(1e300, 1e-3), "mean", false, bad},
		{"mean overflows, sampled", with(func(o *blr.DiagOptions) { o.Curvature, o.Sample, o.LR = blr.CurvExactDiag, true, 1e10 }), poke(1e300, 0.1), "mean", false, bad},
		{"mean overflows, ivon", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.PriorPrecision, o.Beta1, o.LR = blr.CurvPrice, true, true, 5, 0.5, 1e10
		}), poke(1e300, 0), "mean", false, bad},
		{"mean overflows, ivon without momentum", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.PriorPrecision, o.LR = blr.CurvPrice, true, true, 5, 1e10
		}), poke(1e300, 0), "mean", false, bad},
		{"NaN gradient, vadam", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.Sqrt, o.Beta1, o.DebiasMomentum, o.DebiasHessian, o.Decay, o.PriorPrecision = blr.CurvSquaredMeanGrad, true, true, 0.9, true, true, blr.DecayInMomentum, 5
		}), poke(math.NaN(), 0), "gradient", false, bad},
		{"NaN gradient, sgd", with(func(o *blr.DiagOptions) {
			o.Curvature, o.HessInit, o.Decay, o.Beta2 = blr.CurvNone, 1, blr.DecayInGradient, 0
		}), poke(math.NaN(), 0), "gradient", false, bad},
		{"NaN gradient, sgd momentum", with(func(o *blr.DiagOptions) {
			o.Curvature, o.HessInit, o.Decay, o.Beta2, o.Beta1 = blr.CurvNone, 1, blr.DecayInGradient, 0, 0.5
		}), poke(math.NaN(), 0), "gradient", false, bad},
		{"NaN gradient, adam", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sqrt, o.Beta1, o.DebiasMomentum, o.DebiasHessian, o.Eps, o.Decay, o.HessInit = blr.CurvSquaredMeanGrad, true, 0.9, true, true, 1e-8, blr.DecayInGradient, 0
		}), poke(math.NaN(), 0), "gradient", false, bad},
		{"NaN gradient", with(func(o *blr.DiagOptions) { o.Curvature, o.Beta1 = blr.CurvExactDiag, 0.9 }), poke(math.NaN(), 1), "gradient", false, bad},
		{"Inf curvature", with(func(o *blr.DiagOptions) { o.Curvature = blr.CurvGGNDiag }), poke(0.1, math.Inf(1)), "curvature", false, bad},
		{"squared gradient overflows", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sqrt, o.Decay = blr.CurvSquaredMeanGrad, true, blr.DecayInGradient
		}), poke(1e200, 0), "curvature", false, bad},
		{"iBLR overflows", with(func(o *blr.DiagOptions) {
			o.Curvature, o.Sample, o.PositivityPreserving, o.DataSize, o.HessInit = blr.CurvExactDiag, true, true, 1, 1
		}), poke(0.1, 1e200), "hessian", false, bad},
		{"negative precision", with(func(o *blr.DiagOptions) { o.Curvature, o.Sample = blr.CurvExactDiag, true }), poke(0.1, -10), "h+δ [13]", true, bad},
		{"zero precision", with(func(o *blr.DiagOptions) { o.Curvature, o.Sample, o.Eps = blr.CurvExactDiag, true, 0.1 }), poke(0.1, -0.75), "h+δ [13]", true, bad},                                 // h = ½·0.75 − ½·0.75
		{"negative h, prior in step, mean overflows", with(func(o *blr.DiagOptions) { o.Curvature, o.PriorPrecision, o.LR = blr.CurvExactDiag, 10, 1e10 }), poke(1e300, -1.15), "mean", false, bad}, // h = −0.2, h+δ = 0.8
		{"negative h, decay in gradient", with(func(o *blr.DiagOptions) {
			o.Curvature, o.PriorPrecision, o.LR, o.Decay = blr.CurvExactDiag, 10, 1e10, blr.DecayInGradient
		}), poke(1e300, -1.15), "denominator φ(h)+δ+c [13]", true, bad}, // δ is not in the denominator
		{"zero denominator", with(func(o *blr.DiagOptions) { o.Curvature = blr.CurvExactDiag }), poke(0.1, -0.75), "denominator φ(h)+δ+c [13]", true, bad}, // h = ½·0.75 − ½·0.75
	}
	for _, tc := range tests {
		for _, generic := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/generic=%t", tc.name, generic), func(t *testing.T) {
				m := make([]float64, n)
				for j := range m {
					m[j] = 0.1 * float64(j%3)
				}
				d, err := blr.NewDiag(m, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				if generic {
					if err := d.SetPrior(make([]float64, n), nil); err != nil {
						t.Fatal(err)
					}
				}
				rnd := zeroAt[float64]{&seqNormals[float64]{}, bad}
				if _, err := d.Step(poke(0.2, 1), rnd); err != nil { // some state first
					t.Fatal(err)
				}
				before := snap(d)
				_, err = d.Step(tc.oracle, rnd)
				if tc.domain {
					var de *expfam.DomainError
					if !errors.As(err, &de) || !strings.HasPrefix(de.Field, tc.field) {
						t.Fatalf("error %v, want a *DomainError on %q", err, tc.field)
					}
				} else {
					var nf *blr.NonFiniteError
					if !errors.As(err, &nf) || nf.Field != tc.field || nf.Index != tc.index {
						t.Fatalf("error %v, want a *NonFiniteError on %s[%d]", err, tc.field, tc.index)
					}
				}
				if !before.equal(snap(d)) {
					t.Fatal("the state changed")
				}
			})
		}
	}
}

// TestIVONMeanOverflowSingleWeight pins down that the IVON update refuses a
// mean that overflows when no other weight of the block is finite (one
// weight), with and without momentum, leaving the state unchanged.
func TestIVONMeanOverflowSingleWeight(t *testing.T) {
	o := blr.OracleFunc[float64](func(_, grad, _ []float64, _ blr.CurvatureKind) (float64, error) {
		grad[0] = 1e300
		return 0, nil
	})
	for _, b1 := range []float64{0, 0.5} {
		d, err := blr.NewDiag([]float64{0.1}, blr.DiagOptions{DataSize: 10, PriorPrecision: 5, LR: 1e10, Beta1: b1, Beta2: 0.5, HessInit: 0.5,
			Curvature: blr.CurvPrice, Sample: true, Samples: 1, Temperature: 1, PositivityPreserving: true, DebiasMomentum: b1 > 0})
		if err != nil {
			t.Fatal(err)
		}
		before := snap(d)
		_, err = d.Step(o, zeroNormals{}) // ε = 0: ĥ = 0, h stays finite
		var nf *blr.NonFiniteError
		if !errors.As(err, &nf) || nf.Field != "mean" || nf.Index != 0 {
			t.Fatalf("β₁ = %g: error %v, want a *NonFiniteError on mean[0]", b1, err)
		}
		if !before.equal(snap(d)) {
			t.Fatalf("β₁ = %g: the state changed", b1)
		}
	}
}

// TestCurvatureNotAllowed pins down that a constructor refuses a Curvature
// outside its list with a *ConfigError on Curvature.
func TestCurvatureNotAllowed(t *testing.T) {
	for _, tc := range []struct {
		name string
		curv blr.CurvatureKind
	}{{"ivon", blr.CurvSquaredMeanGrad}, {"ivon", blr.CurvNone}, {"iblr-diag", blr.CurvSquaredMeanGrad}, {"ogn", blr.CurvPrice}, {"vogn", blr.CurvNone}} {
		_, err := blr.New(tc.name, []float64{0, 0}, blr.Config{DataSize: 10, Curvature: tc.curv})
		var ce *blr.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Curvature" {
			t.Errorf("%s with %v: error %v, want a *ConfigError on Curvature", tc.name, tc.curv, err)
		}
	}
}

// expModel is ℓ(θ) = Σᵢ cᵢ exp(θᵢ) + θ₀θ₁, with its exact Hessian.
type expModel []float64

func (c expModel) Grad(grad, theta []float64) float64 {
	var f float64
	for i, ci := range c {
		e := ci * math.Exp(theta[i])
		grad[i] = e
		f += e
	}
	grad[0] += theta[1]
	grad[1] += theta[0]
	return f + theta[0]*theta[1]
}

func (c expModel) Hess(hess, theta []float64) {
	d := len(c)
	clear(hess)
	for i, ci := range c {
		hess[i*d+i] = ci * math.Exp(theta[i])
	}
	hess[1], hess[d] = 1, 1
}

// TestDeltaMixtureEstimate pins down the delta method on a mixture with free
// weights, with dst given and with dst nil: the weight block is ℓ(m_k) −
// ℓ(m_K) and component k's block is [∇ℓ(m_k) − ∇²ℓ(m_k)m_k, ½∇²ℓ(m_k)], in
// closed form for ℓ = Σcᵢexp(θᵢ) + θ₀θ₁.
func TestDeltaMixtureEstimate(t *testing.T) {
	c := expModel{0.5, 2}
	means := [][]float64{{0.3, -0.2}, {-1, 0.7}, {0.1, 0.4}}
	comps := make([]*expfam.FullGaussian, len(means))
	for k, m := range means {
		g, err := expfam.NewFullGaussian(m, mat.NewSymDense(2, []float64{2, 0.5, 0.5, 1}))
		if err != nil {
			t.Fatal(err)
		}
		comps[k] = g
	}
	q, err := expfam.NewMixture([]float64{0.2, 0.3, 0.5}, comps, false)
	if err != nil {
		t.Fatal(err)
	}
	loss := func(m []float64) float64 { return c[0]*math.Exp(m[0]) + c[1]*math.Exp(m[1]) + m[0]*m[1] }
	var want []float64
	last := loss(means[len(means)-1])
	for _, m := range means[:len(means)-1] {
		want = append(want, loss(m)-last)
	}
	for _, m := range means {
		h0, h1 := c[0]*math.Exp(m[0]), c[1]*math.Exp(m[1])
		g0, g1 := h0+m[1], h1+m[0]
		want = append(want, g0-(h0*m[0]+m[1]), g1-(m[0]+h1*m[1]), 0.5*h0, 0.5, 0.5, 0.5*h1)
	}
	for _, tc := range []struct {
		name string
		dst  []float64
	}{{"dst given", make([]float64, q.Dim())}, {"dst nil", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			e := &blr.Delta{Model: c}
			got, err := e.Estimate(tc.dst, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("length %d, want %d", len(got), len(want))
			}
			if dev := relDev(got, want); !(dev <= 1e-14) {
				t.Fatalf("got %v, want %v (rel deviation %g)", got, want, dev)
			}
		})
	}
}

// ggnModel is expModel with a Gauss-Newton matrix G that differs from its
// Hessian, and a HessDiag that gives the Hessian's diagonal.
type ggnModel struct{ expModel }

func (m ggnModel) HessDiag(hess, theta []float64) {
	for i, ci := range m.expModel {
		hess[i] = ci * math.Exp(theta[i])
	}
}

func (ggnModel) GaussNewton(ggn, _ []float64) { copy(ggn, []float64{3, 0.25, 0.25, 5}) }

// TestDeltaDiagCurvature pins down where the delta method on a diagonal
// Gaussian takes ĥ from: the diagonal of Hess when the model has no
// HessDiag, and the diagonal of the GGN (not HessDiag) with GaussNewton; the
// estimate is [g − h⊙m, ½h] in closed form.
func TestDeltaDiagCurvature(t *testing.T) {
	m := []float64{0.3, -0.6}
	c := expModel{0.5, 2}
	g := []float64{c[0]*math.Exp(m[0]) + m[1], c[1]*math.Exp(m[1]) + m[0]}
	for _, tc := range []struct {
		name string
		est  *blr.Delta
		h    []float64
	}{
		{"full Hessian only", &blr.Delta{Model: c}, []float64{c[0] * math.Exp(m[0]), c[1] * math.Exp(m[1])}},
		{"Gauss-Newton over HessDiag", &blr.Delta{Model: ggnModel{c}, GaussNewton: true}, []float64{3, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := expfam.NewDiagGaussian(m, []float64{2, 3})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.est.Estimate(nil, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := []float64{g[0] - tc.h[0]*m[0], g[1] - tc.h[1]*m[1], 0.5 * tc.h[0], 0.5 * tc.h[1]}
			if dev := relDev(got, want); !(dev <= 1e-14) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

// TestExactEstimateNilDst pins down Exact with dst nil: the estimate is
// −Σᵢλ̃ᵢ, here −(Σy, N − Σy) for Bernoulli observations on a Beta.
func TestExactEstimateNilDst(t *testing.T) {
	q, err := expfam.NewBeta(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := blr.Exact{Likelihood: expfam.BernoulliObs{Y: []float64{1, 0, 1, 1}}}.Estimate(nil, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != -3 || got[1] != -1 {
		t.Fatalf("got %v, want [-3 -1]", got)
	}
}

// recordingModel is expModel that keeps every θ it is asked about.
type recordingModel struct {
	expModel
	thetas [][]float64
}

func (r *recordingModel) Grad(grad, theta []float64) float64 {
	r.thetas = append(r.thetas, slices.Clone(theta))
	return r.expModel.Grad(grad, theta)
}

// TestMonteCarloPriceFull pins down the Price estimate on a full Gaussian:
// with the draws θₛ the model saw, ĥ = (1/S)Σₛ ½(aₛgₛᵀ + gₛaₛᵀ), aₛ =
// S(θₛ − m), and the estimate is [ḡ − ĥm, ½ĥ], written out plainly. On a
// diagonal Gaussian ĥᵢ = (1/S)Σₛ gₛᵢaₛᵢ and the estimate is [ḡ − ĥ⊙m, ½ĥ].
func TestMonteCarloPriceFull(t *testing.T) {
	const draws = 5
	m := []float64{0.2, -0.4}
	p := []float64{2, 0.5, 0.5, 1}
	q, err := expfam.NewFullGaussian(m, mat.NewSymDense(2, slices.Clone(p)))
	if err != nil {
		t.Fatal(err)
	}
	model := &recordingModel{expModel: expModel{0.5, 2}}
	e := &blr.MonteCarlo{Model: model, Samples: draws, Hessian: blr.HessPrice}
	got, err := e.Estimate(nil, q, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if len(model.thetas) != draws {
		t.Fatalf("%d gradient calls, want %d", len(model.thetas), draws)
	}
	gbar, h := make([]float64, 2), make([]float64, 4)
	gs := make([]float64, 2)
	for _, th := range model.thetas {
		model.expModel.Grad(gs, th)
		a := []float64{p[0]*(th[0]-m[0]) + p[1]*(th[1]-m[1]), p[2]*(th[0]-m[0]) + p[3]*(th[1]-m[1])}
		for i := range 2 {
			gbar[i] += gs[i] / draws
			for j := range 2 {
				h[i*2+j] += 0.5 * (a[i]*gs[j] + gs[i]*a[j]) / draws
			}
		}
	}
	want := []float64{gbar[0] - h[0]*m[0] - h[1]*m[1], gbar[1] - h[2]*m[0] - h[3]*m[1], 0.5 * h[0], 0.5 * h[1], 0.5 * h[2], 0.5 * h[3]}
	if dev := relDev(got, want); !(dev <= 1e-13) {
		t.Fatalf("full: got %v, want %v (rel deviation %g)", got, want, dev)
	}

	qd, err := expfam.NewDiagGaussian(m, []float64{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	model.thetas = nil
	if got, err = e.Estimate(nil, qd, rand.New(rand.NewPCG(5, 6))); err != nil {
		t.Fatal(err)
	}
	clear(gbar)
	hd := make([]float64, 2)
	for _, th := range model.thetas {
		model.expModel.Grad(gs, th)
		for i, pi := range []float64{2, 3} {
			gbar[i] += gs[i] / draws
			hd[i] += gs[i] * pi * (th[i] - m[i]) / draws
		}
	}
	want = []float64{gbar[0] - hd[0]*m[0], gbar[1] - hd[1]*m[1], 0.5 * hd[0], 0.5 * hd[1]}
	if dev := relDev(got, want); len(model.thetas) != draws || !(dev <= 1e-13) {
		t.Fatalf("diagonal: got %v, want %v (rel deviation %g, %d draws)", got, want, dev, len(model.thetas))
	}
}

// hugeEstimate is an estimator that returns one value everywhere.
type hugeEstimate float64

func (h hugeEstimate) Estimate(dst []float64, q expfam.Family, _ *rand.Rand) ([]float64, error) {
	dst = slices.Grow(dst[:0], q.Dim())[:q.Dim()]
	for i := range dst {
		dst[i] = float64(h)
	}
	return dst, nil
}

// TestRuleStepInfo pins down Rule.Step's Info, plain and positivity
// preserving: Rate is ρ_t and StepNorm is ‖λ′ − λ‖₂ from the family's
// natural parameters before and after; and a finite estimate whose step
// overflows λ is refused (plain form) with a *NonFiniteError on the natural
// parameter, leaving q unchanged.
func TestRuleStepInfo(t *testing.T) {
	for _, pp := range []bool{false, true} {
		t.Run(fmt.Sprintf("positivity=%t", pp), func(t *testing.T) {
			q, err := expfam.NewDiagGaussian([]float64{0.3, -0.6}, []float64{2, 3})
			if err != nil {
				t.Fatal(err)
			}
			r := blr.Rule{Estimator: &blr.Delta{Model: expModel{0.5, 2}}, Rate: blr.RobbinsMonro{Rho0: 0.8, Tau: 1, Kappa: 0.6}, PositivityPreserving: pp}
			var s blr.State
			for step := range 3 {
				before := q.Natural(nil)
				info, err := r.Step(q, &s, nil)
				if err != nil {
					t.Fatal(err)
				}
				after := q.Natural(nil)
				var norm float64
				for i := range after {
					norm += (after[i] - before[i]) * (after[i] - before[i])
				}
				if !(math.Abs(info.StepNorm-math.Sqrt(norm)) <= 1e-14*math.Sqrt(norm)) || norm == 0 {
					t.Errorf("step %d: StepNorm %g, want %g", step, info.StepNorm, math.Sqrt(norm))
				}
				if want := 0.8 * math.Pow(float64(step)+2, -0.6); !(math.Abs(info.Rate-want) <= 1e-15) {
					t.Errorf("step %d: Rate %g, want %g", step, info.Rate, want)
				}
			}
			if pp {
				return // the retraction refuses an overflow itself, with a DomainError
			}
			big, err := expfam.NewDiagGaussian([]float64{1e4, 1}, []float64{1e304, 1})
			if err != nil {
				t.Fatal(err)
			}
			before := big.Natural(nil)
			r.Estimator = hugeEstimate(1.7e308) // λ₁ + ê₁ overflows
			_, err = r.Step(big, &blr.State{}, nil)
			var nf *blr.NonFiniteError
			if !errors.As(err, &nf) || nf.Field != "natural parameter" {
				t.Fatalf("error %v, want a *NonFiniteError on the natural parameter", err)
			}
			if !sameBits(big.Natural(nil), before) {
				t.Fatal("q changed")
			}
		})
	}
}

// TestRobbinsMonro pins down ρ_t = ρ₀(τ + t + 1)^(−κ) at several t.
func TestRobbinsMonro(t *testing.T) {
	s := blr.RobbinsMonro{Rho0: 0.9, Tau: 2.5, Kappa: 0.7}
	for _, tc := range []struct {
		t    int
		want float64
	}{{0, 0.9 * math.Pow(3.5, -0.7)}, {1, 0.9 * math.Pow(4.5, -0.7)}, {10, 0.9 * math.Pow(13.5, -0.7)}, {1000, 0.9 * math.Pow(1003.5, -0.7)}} {
		if got := s.Rate(tc.t); !(math.Abs(got-tc.want) <= 1e-15*tc.want) {
			t.Errorf("Rate(%d) = %.17g, want %.17g", tc.t, got, tc.want)
		}
	}
}

// TestDocumentedDefaults pins down the defaults each constructor's doc
// comment states ("Config fields and defaults"), the temperature 1 of
// every constructor left at its default, the momentum debiasing of OGN and
// VOGN, and that an allowed Curvature in Config is the one used.
func TestDocumentedDefaults(t *testing.T) {
	const n = 1000.0
	tests := []struct {
		name                    string
		cfg                     blr.Config
		lr, p0, b1, b2, h0, eps float64
		curv                    blr.CurvatureKind
		debiasMomentum          bool
	}{
		{"sgd", blr.Config{}, 0.3, 0, 0, 0, 1, 0, blr.CurvNone, false},
		{"rmsprop", blr.Config{}, 1e-3, 0, 0, 0.99, 0, 1e-8, blr.CurvSquaredMeanGrad, false},
		{"adam", blr.Config{}, 1e-3, 0, 0.9, 0.999, 0, 1e-8, blr.CurvSquaredMeanGrad, true},
		{"adamw", blr.Config{DataSize: n}, 1e-3, 0.01 * n, 0.9, 0.999, 0, 1e-8, blr.CurvSquaredMeanGrad, true},
		{"ogn", blr.Config{DataSize: n}, 1e-3, 500, 0, 0.999, 0.5, 0, blr.CurvEmpiricalFisher, false},
		{"ogn momentum", blr.Config{DataSize: n, Beta1: 0.5, Curvature: blr.CurvMCFisher}, 1e-3, 500, 0.5, 0.999, 0.5, 0, blr.CurvMCFisher, true},
		{"vogn", blr.Config{DataSize: n}, 1e-2, 50, 0.9, 0.999, 0.5, 0, blr.CurvEmpiricalFisher, true},
		{"vadam", blr.Config{DataSize: n}, 1e-2, 50, 0.9, 0.999, 0, 0, blr.CurvSquaredMeanGrad, true},
		{"ivon", blr.Config{DataSize: n}, 0.3, 50, 0.9, 0.999, 0.01, 0, blr.CurvPrice, true},
		{"ivon ggn", blr.Config{DataSize: n, Curvature: blr.CurvGGNDiag}, 0.3, 50, 0.9, 0.999, 0.01, 0, blr.CurvGGNDiag, true},
		{"iblr-diag", blr.Config{DataSize: n}, 0.03, 500, 0, 0.97, 0.5, 0, blr.CurvPrice, false},
		{"iblr-diag exact", blr.Config{DataSize: n, Curvature: blr.CurvExactDiag}, 0.03, 500, 0, 0.97, 0.5, 0, blr.CurvExactDiag, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, _, _ := strings.Cut(tc.name, " ")
			d, err := blr.New(name, []float64{0, 0}, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			o := d.Options()
			got := []float64{o.LR, o.PriorPrecision, o.Beta1, o.Beta2, o.HessInit, o.Eps, o.Temperature}
			want := []float64{tc.lr, tc.p0, tc.b1, tc.b2, tc.h0, tc.eps, 1}
			if !(relDev(got, want) <= 1e-15) || o.Curvature != tc.curv || o.DebiasMomentum != tc.debiasMomentum {
				t.Fatalf("LR, P₀, β₁, β₂, h₀, ε, τ = %v, curvature %v, debias momentum %t; want %v, %v, %t",
					got, o.Curvature, o.DebiasMomentum, want, tc.curv, tc.debiasMomentum)
			}
		})
	}
}

// TestDiagDyadicFloat64 pins down that a float64 engine never runs the
// float32 vector kernels: on dyadic data (0.5, 0.25, …), whose float64 bits
// also read as finite float32 pairs, Adam, AdamW and IVON in float64 equal
// the plain reference within 1e-12 over 3 steps on 19 weights.
func TestDiagDyadicFloat64(t *testing.T) {
	const n = 19
	a, b, m0 := make([]float64, n), make([]float64, n), make([]float64, n)
	for j := range n {
		a[j], b[j], m0[j] = 0.5, 0.25, 0.5-1.25*float64(j%2)
	}
	adam := blr.DiagOptions{LR: 0.0625, Beta1: 0.5, Beta2: 0.75, Samples: 1, Temperature: 1, Curvature: blr.CurvSquaredMeanGrad,
		Sqrt: true, DebiasMomentum: true, DebiasHessian: true, Eps: 0.125, Decay: blr.DecayInGradient}
	adamw := adam
	adamw.Decay, adamw.DataSize, adamw.PriorPrecision = blr.DecayDecoupled, 4, 1
	ivon := blr.DiagOptions{DataSize: 4, PriorPrecision: 1, LR: 0.0625, Beta1: 0.5, Beta2: 0.75, HessInit: 0.5, Samples: 1, Temperature: 1,
		Curvature: blr.CurvPrice, Sample: true, PositivityPreserving: true, DebiasMomentum: true}
	for _, tc := range []struct {
		name string
		opt  blr.DiagOptions
	}{{"adam", adam}, {"adamw", adamw}, {"ivon", ivon}} {
		t.Run(tc.name, func(t *testing.T) {
			ref := newDiagRef(m0, tc.opt, a, b)
			for range 3 {
				ref.step()
			}
			checkAgainstRef[float64](t, tc.opt, nil, m0, a, b, ref, tc.opt.LR, 1e-12)
		})
	}
}
