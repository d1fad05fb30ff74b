package randn

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestMoments checks the first four moments of 10⁶ draws against N(0, 1)
// within 5 standard errors: mean (SE 1/√n), variance (SE √(2/n)), skewness
// (SE √(6/n)) and excess kurtosis (SE √(24/n)).
func TestMoments(t *testing.T) {
	n := 1 << 20
	if testing.Short() {
		n = 1 << 17
	}
	for _, key := range []uint64{1, 0xdeadbeef} {
		x := make([]float32, n)
		Fill(x, key)
		var m1, m2, m3, m4 float64
		for _, v := range x {
			f := float64(v)
			m1 += f
			m2 += f * f
			m3 += f * f * f
			m4 += f * f * f * f
		}
		fn := float64(n)
		m1, m2, m3, m4 = m1/fn, m2/fn, m3/fn, m4/fn
		tests := []struct {
			name    string
			got, se float64
		}{
			{"mean", m1, 1 / math.Sqrt(fn)},
			{"variance − 1", m2 - 1, math.Sqrt(2 / fn)},
			{"skewness", m3, math.Sqrt(6 / fn)},
			{"excess kurtosis", m4 - 3, math.Sqrt(24 / fn)},
		}
		for _, tt := range tests {
			if z := tt.got / tt.se; math.Abs(z) > 5 {
				t.Errorf("key %d: %s = %.3g, %.1f standard errors from 0", key, tt.name, tt.got, z)
			}
		}
	}
}

// TestKolmogorovSmirnov checks the empirical CDF of 2·10⁵ float64 draws
// against Φ: √n·D < 1.95 (the 0.1% critical value of the Kolmogorov
// distribution).
func TestKolmogorovSmirnov(t *testing.T) {
	x := make([]float64, 200000)
	Fill(x, 42)
	checkKS(t, x)
}

// TestKolmogorovSmirnov32 is TestKolmogorovSmirnov for 2²¹ float32 draws
// (2¹⁸ in short mode), with Φ in float64.
func TestKolmogorovSmirnov32(t *testing.T) {
	n := 1 << 21
	if testing.Short() {
		n = 1 << 18
	}
	x := make([]float32, n)
	Fill(x, 43)
	checkKS(t, x)
}

// checkKS sorts x and checks √n·D < 1.95 against Φ.
func checkKS[F Float](t *testing.T, x []F) {
	t.Helper()
	slices.Sort(x)
	n := len(x)
	var d float64
	for i, v := range x {
		p := 0.5 * math.Erfc(-float64(v)/math.Sqrt2)
		d = max(d, math.Abs(p-float64(i)/float64(n)), math.Abs(float64(i+1)/float64(n)-p))
	}
	if s := math.Sqrt(float64(n)) * d; s > 1.95 {
		t.Errorf("√n·D = %.3f > 1.95", s)
	}
}

// TestChiSquare32 counts 2²² float32 draws (2¹⁹ in short mode) in two sets
// of bins and checks Pearson's χ² within 5 standard deviations (√(2·df))
// of its mean df: 1024 bins of equal probability under Φ, and the layers
// of the ziggurat, |x| in [x_{l+1}, x_l) for l = 1..255 and the tail beyond
// r, each for either sign, where a fault in a layer's table, rectangle or
// wedge would show.
func TestChiSquare32(t *testing.T) {
	n := 1 << 22
	if testing.Short() {
		n = 1 << 19
	}
	x := make([]float32, n)
	Fill(x, 44)
	const bins = 1024
	var eq [bins]float64
	// edges[k] is x_{255−k}: 0 = x_256, x_255, ..., x_1 = r, then ∞.
	var edges [layers + 1]float64
	for k := range layers {
		if l := layers - k; l < layers {
			edges[k] = zw[l] * 0x1p53
		}
	}
	edges[layers] = math.Inf(1)
	var lay [2][layers]float64
	for _, v := range x {
		f := float64(v)
		p := 0.5 * math.Erfc(-f/math.Sqrt2)
		eq[min(int(p*bins), bins-1)]++
		k, found := slices.BinarySearch(edges[:], math.Abs(f))
		if !found {
			k-- // edges[k] ≤ |x| < edges[k+1]
		}
		sign := 0
		if math.Signbit(f) {
			sign = 1
		}
		lay[sign][k]++
	}
	chi2 := func(name string, obs, prob []float64) {
		var c float64
		for i, o := range obs {
			e := prob[i] * float64(n)
			c += (o - e) * (o - e) / e
		}
		df := float64(len(obs) - 1)
		if z := (c - df) / math.Sqrt(2*df); math.Abs(z) > 5 {
			t.Errorf("%s: χ² = %.1f with %v degrees of freedom, %.1f standard deviations", name, c, df, z)
		}
	}
	prob := make([]float64, bins)
	for i := range prob {
		prob[i] = 1.0 / bins
	}
	chi2("equal bins", eq[:], prob)
	var obs, lp []float64
	for sign := range 2 {
		for k := range layers {
			// P(a ≤ x < b) for x > 0, half of P(a ≤ |x| < b).
			a, b := edges[k], edges[k+1]
			obs = append(obs, lay[sign][k])
			lp = append(lp, 0.5*(math.Erfc(a/math.Sqrt2)-math.Erfc(b/math.Sqrt2)))
		}
	}
	chi2("layers", obs, lp)
}

// TestTails checks the frequency of |x| > c for c in the wedges and the tail
// (beyond r ≈ 3.65) within 5 binomial standard errors.
func TestTails(t *testing.T) {
	n := 1 << 21
	if testing.Short() {
		n = 1 << 18
	}
	x := make([]float32, n)
	Fill(x, 7)
	for _, c := range []float64{0.5, 1, 2, 3, zr, 4} {
		p := math.Erfc(c / math.Sqrt2)
		var k int
		for _, v := range x {
			if math.Abs(float64(v)) > c {
				k++
			}
		}
		se := math.Sqrt(p * (1 - p) / float64(n))
		if z := (float64(k)/float64(n) - p) / se; math.Abs(z) > 5 {
			t.Errorf("P(|x| > %.3g) = %.4g, want %.4g (%.1f standard errors)", c, float64(k)/float64(n), p, z)
		}
	}
}

// TestDeterminism checks that a key and a length fix the output, in both
// precisions, on every GOMAXPROCS, and that keys differ.
func TestDeterminism(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, n := range []int{0, 1, 3, 1000, 100003} {
		runtime.GOMAXPROCS(1)
		a, d := make([]float32, n), make([]float64, n)
		Fill(a, 9)
		Fill(d, 9)
		runtime.GOMAXPROCS(2)
		b, e := make([]float32, n), make([]float64, n)
		Fill(b, 9)
		Fill(e, 9)
		same(t, "float32 GOMAXPROCS 1 and 2", n, 9, b, a)
		same(t, "float64 GOMAXPROCS 1 and 2", n, 9, e, d)
		if n > 10 {
			c := make([]float32, n)
			Fill(c, 10)
			same := 0
			for i := range a {
				if a[i] == c[i] {
					same++
				}
			}
			if same > n/100 {
				t.Errorf("n=%d: keys 9 and 10 agree in %d places", n, same)
			}
		}
	}
}

// TestSample checks that Sample is mean + std⊙(what Fill writes), bit for
// bit, in both precisions and on both sides of the parallel threshold.
func TestSample(t *testing.T) {
	for _, n := range []int{5, 100003} {
		e := make([]float32, n)
		Fill(e, 3)
		mean, std, got := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range mean {
			mean[i], std[i] = float32(i%7)-3, 0.25*float32(i%5)
		}
		Sample(got, mean, std, 3)
		for i := range got {
			if want := mean[i] + std[i]*e[i]; got[i] != want {
				t.Fatalf("n=%d: Sample[%d] = %v, want %v", n, i, got[i], want)
			}
		}
		d, m64 := make([]float64, n), make([]float64, n)
		Sample(d, m64, m64, 3)
		for i, v := range d {
			if v != 0 {
				t.Fatalf("n=%d: Sample with std 0 gave %v at %d", n, v, i)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Sample with a short mean did not panic")
		}
	}()
	Sample(make([]float32, 3), make([]float32, 2), make([]float32, 3), 1)
}

// TestZeroAllocs checks that a warm Fill allocates nothing.
func TestZeroAllocs(t *testing.T) {
	x := make([]float32, 1<<16)
	Fill(x, 1)
	if n := testing.AllocsPerRun(10, func() { Fill(x, 2) }); n != 0 {
		t.Errorf("Fill allocates %v times per call", n)
	}
	m := make([]float32, len(x))
	if n := testing.AllocsPerRun(10, func() { Sample(x, m, m, 2) }); n != 0 {
		t.Errorf("Sample allocates %v times per call", n)
	}
}

// TestBuild checks the ziggurat against its construction: r for 256 layers
// (3.6541528853610088 in Marsaglia and Tsang 2000) and equal layer areas.
func TestBuild(t *testing.T) {
	if math.Abs(zr-3.6541528853610088) > 1e-12 {
		t.Errorf("r = %.17g, want 3.6541528853610088", zr)
	}
	v := zr*math.Exp(-0.5*zr*zr) + math.Sqrt(math.Pi/2)*math.Erfc(zr/math.Sqrt2)
	for l := 1; l < layers; l++ {
		a := zw[l] * 0x1p53 * (zf[l+1] - zf[l])
		if math.Abs(a-v) > 1e-9*v {
			t.Fatalf("layer %d has area %.12g, want %.12g", l, a, v)
		}
	}
}

// TestZk32 checks the float32 tables against the layer edges x_l = zw[l]·2⁵³
// (x_256 = 0) in exact arithmetic: a magnitude j < zk32[l] has j·x_l·2⁻²³
// strictly inside the rectangle [0, x_{l+1}) and one j ≥ zk32[l] does not,
// which it is enough to check for zk32[l] − 1 and zk32[l], as j·x_l grows
// with j; zw32[l] is x_l·2⁻²³ rounded to float32; and the largest value of
// the fast path, float32(zk32[l] − 1)·zw32[l], is at most one float32 step
// above x_{l+1} rounded to float32, the rounding of a point of the
// rectangle.
func TestZk32(t *testing.T) {
	edge := func(l int) *big.Float {
		if l == layers {
			return new(big.Float)
		}
		return new(big.Float).SetMantExp(big.NewFloat(zw[l]), 53)
	}
	prod := func(j uint32, l int) *big.Float { // j·x_l·2⁻²³, exact
		p := new(big.Float).SetPrec(200).SetUint64(uint64(j))
		return p.Mul(p, edge(l)).SetMantExp(p, -23)
	}
	for l := range layers {
		k := zk32[l]
		next := edge(l + 1)
		if l == 0 && zr != zw[1]*0x1p53 {
			t.Fatalf("x_1 = %v, want r = %v", zw[1]*0x1p53, zr)
		}
		if k > 0 && prod(k-1, l).Cmp(next) >= 0 {
			t.Errorf("layer %d: j = zk32−1 = %d is not inside the rectangle", l, k-1)
		}
		if k < 1<<23 && prod(k, l).Cmp(next) < 0 {
			t.Errorf("layer %d: j = zk32 = %d is inside the rectangle", l, k)
		}
		if w := float32(zw[l] * 0x1p30); zw32[l] != w {
			t.Errorf("layer %d: zw32 = %v, want %v", l, zw32[l], w)
		}
		if k > 0 {
			xn, _ := next.Float64()
			v := float32(k-1) * zw32[l]
			if lim := math.Nextafter32(float32(xn), float32(math.Inf(1))); v > lim {
				t.Errorf("layer %d: the fast path reaches %v, beyond %v", l, v, lim)
			}
		}
	}
	if zk32[layers-1] != 0 {
		t.Errorf("the top layer's zk32 = %d, want 0 (its rectangle is empty)", zk32[layers-1])
	}
}

func BenchmarkFill400k(b *testing.B) {
	x := make([]float32, 400000)
	for _, procs := range []int{1, 2} {
		b.Run(map[int]string{1: "procs=1", 2: "procs=2"}[procs], func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			var key uint64
			for b.Loop() {
				key++
				Fill(x, key)
			}
		})
	}
}

func BenchmarkSample400k(b *testing.B) {
	x, m, s := make([]float32, 400000), make([]float32, 400000), make([]float32, 400000)
	for _, procs := range []int{1, 2} {
		b.Run(map[int]string{1: "procs=1", 2: "procs=2"}[procs], func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			var key uint64
			for b.Loop() {
				key++
				Sample(x, m, s, key)
			}
		})
	}
}

// BenchmarkNormFloat64_400k is the baseline: math/rand/v2 with PCG.
func BenchmarkNormFloat64_400k(b *testing.B) {
	x := make([]float32, 400000)
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
	}
}

// mlpWeights is the weight count of the 784-500-300-10 MLP that IVON
// samples every step.
const mlpWeights = 545810

// benchMLP times f on mlpWeights draws through the scalar code and each
// kernel that this build and CPU have, on one and two threads.
func benchMLP(b *testing.B, f func(key uint64)) {
	eachKernel(b, func(name string) {
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/procs=%d", name, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				var key uint64
				for b.Loop() {
					key++
					f(key)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/mlpWeights, "ns/normal")
			})
		}
	})
}

func BenchmarkFillMLP(b *testing.B) {
	x := make([]float32, mlpWeights)
	benchMLP(b, func(key uint64) { Fill(x, key) })
}

func BenchmarkSampleMLP(b *testing.B) {
	x, m, s := make([]float32, mlpWeights), make([]float32, mlpWeights), make([]float32, mlpWeights)
	benchMLP(b, func(key uint64) { Sample(x, m, s, key) })
}
