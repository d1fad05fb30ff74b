package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The references below are the engine's plain-Go loops (package blr's
// updateAdam, updateIVON and drawRange) for one entry, in float32; each
// returns whether the entry's checks pass.

func refAdam(mj, gq, hj, gbOld float32, mom, inGrad bool, c *AdamConsts) (mn, hn, gb float32, ok bool) {
	dj, alpha, beta2, rho, beta1, omb1, invB1, invB2, eps := c.Delta[0], c.Alpha[0], c.Beta2[0], c.Rho[0], c.Beta1[0], c.OneMinusBeta1[0], c.InvB1[0], c.InvB2[0], c.Eps[0]
	dec := dj * mj
	gj := gq
	mn = mj
	if inGrad {
		gj += dec
	} else {
		mn -= alpha * dec
	}
	hhat := gj * gj
	hn = beta2*hj + rho*hhat
	gs := gj
	if mom {
		gb = beta1*gbOld + omb1*gj
		gs = gb
	}
	num := gs * invB1
	hv := hn * invB2
	den := float32(math.Sqrt(float64(hv))) + eps
	mn -= alpha * (num / den)
	c0 := (gq - gq) + (hhat - hhat) + (hn - hn) + (gb - gb) + (mn - mn)
	return tiny(mn), tiny(hn), tiny(gb), c0 == 0 && den > 0
}

// tiny is FlushTiny of one value: below 2⁻¹⁰⁰ in magnitude, the zero of its
// sign.
func tiny(x float32) float32 {
	if math.Abs(float64(x)) < 0x1p-100 {
		return float32(math.Copysign(0, float64(x)))
	}
	return x
}

func refIVON(mj, gq, uj, hj, gbOld float32, mom bool, c *IVONConsts) (mn, hn, gb float32, ok bool) {
	dj, rho, beta1, omb1, invB1, eps, clip, nclip, alpha := c.Delta[0], c.Rho[0], c.Beta1[0], c.OneMinusBeta1[0], c.InvB1[0], c.Eps[0], c.Clip[0], c.NegClip[0], c.Alpha[0]
	hhat := uj * gq
	s := hj + dj
	x := rho * (hhat - hj)
	hn = 0.5*s + 0.5*((s+x)*(1+x/s)) - dj
	var num float32
	if mom {
		gb = beta1*gbOld + omb1*gq
		num = gb * invB1
	} else {
		num = gq * invB1
	}
	num += dj * mj
	den := hn + eps
	den += dj
	dir := num / den
	if dir > clip {
		dir = clip
	} else if dir < nclip {
		dir = nclip
	}
	mn = mj - alpha*dir
	c0 := (hn - hn) + (gb - gb) + (mn - mn)
	return tiny(mn), tiny(hn), tiny(gb), c0 == 0 && hn+dj > 0
}

func refDraw(e, hj, mj float32, c *DrawConsts) (theta, u float32, ok bool) {
	p := c.NT[0] * (hj + c.Delta[0])
	if !(p > 0) || p-p != 0 {
		return 0, 0, false
	}
	r := float32(math.Sqrt(float64(p)))
	return mj + e/r, e * r, true
}

// vals draws n values of scale s, with a few special ones when special.
func vals(rnd *rand.Rand, n int, s float64, special bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(s * rnd.NormFloat64())
		if special && rnd.IntN(40) == 0 {
			x[i] = []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, -3e38}[rnd.IntN(7)]
		}
	}
	return x
}

func same(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// wantDone is the entries a kernel must do: the whole groups of eight
// before the first entry that fails.
func wantDone(n int, ok func(j int) bool) int {
	for j := range n &^ 7 {
		if !ok(j) {
			return j &^ 7
		}
	}
	return n &^ 7
}

func TestAdam(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for trial := range 400 {
		n := rnd.IntN(70)
		special := trial%3 == 0
		mom, inGrad, alias := trial%2 == 0, trial%4 < 2, trial%5 < 3
		var c AdamConsts
		c.Delta.Set([]float32{0, 1e-4, 0.3}[trial%3])
		c.Alpha.Set(1e-3)
		c.Beta2.Set(0.999)
		c.Rho.Set(1 - 0.999)
		c.Beta1.Set(0.9)
		c.OneMinusBeta1.Set(1 - 0.9)
		c.InvB1.Set(float32(1 / (1 - math.Pow(0.9, float64(trial%7+1)))))
		c.InvB2.Set(float32(1 / (1 - math.Pow(0.999, float64(trial%7+1)))))
		c.Eps.Set([]float32{1e-8, 0, -1}[trial%3])
		m, g := vals(rnd, n, 1, special), vals(rnd, n, 0.1, special)
		h := vals(rnd, n, 0.01, special)
		for i := range h {
			if trial%6 != 0 {
				h[i] = float32(math.Abs(float64(h[i])))
			}
		}
		var gbar []float32
		if mom {
			gbar = vals(rnd, n, 0.05, special)
		}
		m0, g0, h0, gb0 := clone(m), clone(g), clone(h), clone(gbar)
		sm, sh := make([]float32, n), make([]float32, n)
		sg := make([]float32, n)
		if alias && mom {
			sg = g // the engine keeps the old ḡ over ĝ
		}
		done := Adam(m, g, h, gbar, sm, sh, sg, &c, inGrad)
		want := wantDone(n, func(j int) bool {
			var gbo float32
			if mom {
				gbo = gb0[j]
			}
			_, _, _, ok := refAdam(m0[j], g0[j], h0[j], gbo, mom, inGrad, &c)
			return ok
		})
		if done != want {
			t.Fatalf("trial %d: n %d, done %d, want %d", trial, n, done, want)
		}
		for j := range n {
			var gbo float32
			if mom {
				gbo = gb0[j]
			}
			mn, hn, gb, _ := refAdam(m0[j], g0[j], h0[j], gbo, mom, inGrad, &c)
			if j >= done {
				mn, hn, gb = m0[j], h0[j], gbo
			} else if !same(sm[j], m0[j]) || !same(sh[j], h0[j]) || (mom && !same(sg[j], gb0[j])) {
				t.Fatalf("trial %d: entry %d: old values %v %v %v, want %v %v %v", trial, j, sm[j], sh[j], sg[j], m0[j], h0[j], gbo)
			}
			if !same(m[j], mn) || !same(h[j], hn) || (mom && !same(gbar[j], gb)) {
				t.Fatalf("trial %d (mom %v, inGrad %v): entry %d of %d (done %d): m, h, ḡ = %v %v %v, want %v %v %v", trial, mom, inGrad, j, n, done, m[j], h[j], gbarAt(gbar, j), mn, hn, gb)
			}
		}
	}
}

func TestIVON(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2")
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for trial := range 400 {
		n := rnd.IntN(70)
		special := trial%3 == 0
		mom, alias := trial%2 == 0, trial%5 < 3
		var c IVONConsts
		c.Delta.Set([]float32{0, 1e-4, 0.3}[trial%3])
		c.Rho.Set(1e-5)
		c.Half.Set(0.5)
		c.One.Set(1)
		c.Beta1.Set(0.9)
		c.OneMinusBeta1.Set(0.1)
		c.InvB1.Set(float32(1 / (1 - math.Pow(0.9, float64(trial%7+1)))))
		c.Eps.Set(0)
		clip := []float32{float32(math.Inf(1)), 1e-3, 0.5}[trial%3]
		c.Clip.Set(clip)
		c.NegClip.Set(-clip)
		c.Alpha.Set(0.1)
		m, g, u := vals(rnd, n, 1, special), vals(rnd, n, 0.1, special), vals(rnd, n, 100, special)
		h := vals(rnd, n, 0.01, special)
		for i := range h {
			h[i] = float32(math.Abs(float64(h[i]))) + 0.01
			if trial%6 == 0 && rnd.IntN(30) == 0 {
				h[i] = -h[i]
			}
		}
		var gbar []float32
		if mom {
			gbar = vals(rnd, n, 0.05, special)
		}
		m0, g0, u0, h0, gb0 := clone(m), clone(g), clone(u), clone(h), clone(gbar)
		sm, sh, sg := make([]float32, n), make([]float32, n), make([]float32, n)
		if alias {
			sh = u // the engine keeps the old h over u and the old ḡ over ĝ
			if mom {
				sg = g
			}
		}
		done := IVON(m, g, u, h, gbar, sm, sh, sg, &c)
		ref := func(j int) (float32, float32, float32, bool) {
			var gbo float32
			if mom {
				gbo = gb0[j]
			}
			return refIVON(m0[j], g0[j], u0[j], h0[j], gbo, mom, &c)
		}
		want := wantDone(n, func(j int) bool { _, _, _, ok := ref(j); return ok })
		if done != want {
			t.Fatalf("trial %d: n %d, done %d, want %d", trial, n, done, want)
		}
		for j := range n {
			mn, hn, gb, _ := ref(j)
			if j >= done {
				mn, hn, gb = m0[j], h0[j], gbarAt(gb0, j)
			} else if !same(sm[j], m0[j]) || !same(sh[j], h0[j]) || (mom && !same(sg[j], gb0[j])) {
				t.Fatalf("trial %d: entry %d: old values %v %v %v", trial, j, sm[j], sh[j], sg[j])
			}
			if !same(m[j], mn) || !same(h[j], hn) || (mom && !same(gbar[j], gb)) {
				t.Fatalf("trial %d (mom %v): entry %d of %d (done %d): m, h, ḡ = %v %v %v, want %v %v %v", trial, mom, j, n, done, m[j], h[j], gbarAt(gbar, j), mn, hn, gb)
			}
		}
	}
}

func TestDraw(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2")
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	for trial := range 400 {
		n := rnd.IntN(70)
		special := trial%3 == 0
		var c DrawConsts
		c.NT.Set([]float32{60000, 1, 3e38}[trial%3])
		c.Delta.Set([]float32{0, 1e-4}[trial%2])
		eps, h, m := vals(rnd, n, 1, special), vals(rnd, n, 0.01, special), vals(rnd, n, 1, special)
		for i := range h {
			if trial%4 != 0 {
				h[i] = float32(math.Abs(float64(h[i])))
			}
		}
		e0 := clone(eps)
		theta := make([]float32, n)
		var u []float32
		switch trial % 3 {
		case 0:
			u = eps // Price: ε and u share a vector
		case 1:
			u = make([]float32, n)
		}
		fill := float32(-7)
		for i := range theta {
			theta[i] = fill
		}
		done := Draw(theta, u, eps, h, m, &c)
		want := wantDone(n, func(j int) bool { _, _, ok := refDraw(e0[j], h[j], m[j], &c); return ok })
		if done != want {
			t.Fatalf("trial %d: n %d, done %d, want %d", trial, n, done, want)
		}
		for j := range n {
			th, uj, _ := refDraw(e0[j], h[j], m[j], &c)
			if j >= done {
				if !same(theta[j], fill) {
					t.Fatalf("trial %d: entry %d written past done", trial, j)
				}
				continue
			}
			if !same(theta[j], th) || (u != nil && !same(u[j], uj)) {
				t.Fatalf("trial %d: entry %d: θ, u = %v %v, want %v %v", trial, j, theta[j], u[j], th, uj)
			}
		}
	}
}

func clone(x []float32) []float32 {
	if x == nil {
		return nil
	}
	return append([]float32(nil), x...)
}

func gbarAt(x []float32, j int) float32 {
	if x == nil {
		return 0
	}
	return x[j]
}

// fma32 is a float32 fused multiply-add, through float64 (a·b is exact
// there; the double rounding differs from one rounding only at exact
// float32 ties, which random data do not hit).
func fma32(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }

// TestAxpyRows checks AxpyRows bit for bit against fused multiply-adds in
// the order of the terms, for widths around the blocks of 64 and 8, empty
// and long term lists, and repeated rows.
func TestAxpyRows(t *testing.T) {
	if !Enabled {
		t.Skip("no AVX2")
	}
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 71, 72, 128, 200, 500} {
		for _, nt := range []int{0, 1, 2, 5, 40} {
			rows, ld := 13, n+rnd.IntN(5)
			m := vals(rnd, rows*ld+n, 1, false)
			idx := make([]int32, nt)
			val := vals(rnd, nt, 1, false)
			for i := range idx {
				idx[i] = int32(rnd.IntN(rows))
			}
			dst := vals(rnd, n, 1, false)
			want := clone(dst)
			done := AxpyRows(dst, m, ld, idx, val)
			if done != n&^7 {
				t.Fatalf("n %d: done %d", n, done)
			}
			for j := range done {
				for t, k := range idx {
					want[j] = fma32(val[t], m[int(k)*ld+j], want[j])
				}
				if !same(dst[j], want[j]) {
					t.Fatalf("n %d, %d terms: dst[%d] = %v, want %v", n, nt, j, dst[j], want[j])
				}
			}
			for j := done; j < n; j++ {
				if !same(dst[j], want[j]) {
					t.Fatalf("n %d: dst[%d] written past done", n, j)
				}
			}
		}
	}
}

// TestFlushTiny: every value of magnitude below 2⁻¹⁰⁰ (subnormal or not)
// becomes the zero of its sign, every other value (zeros, 2⁻¹⁰⁰ itself, NaN,
// ±Inf, ordinary numbers) keeps its bits, at every length and offset (the
// kernel's blocks of eight and the scalar tail).
func TestFlushTiny(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.Float32frombits(0x007fffff), math.Float32frombits(0x807fffff), math.Float32frombits(0x00800000),
		math.Float32frombits(0x80800000), 0x1p-100, -0x1p-100, math.Nextafter32(0x1p-100, 0), -math.Nextafter32(0x1p-100, 0),
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1, -3.5, 1e-30, -1e-37, 1e-29}
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		x := make([]float32, n)
		for j := range x {
			if rnd.IntN(2) == 0 {
				x[j] = special[rnd.IntN(len(special))]
			} else {
				x[j] = math.Float32frombits(rnd.Uint32())
			}
		}
		want := clone(x)
		for j, v := range want {
			want[j] = tiny(v)
		}
		FlushTiny(x)
		for j := range x {
			if !same(x[j], want[j]) {
				t.Fatalf("n=%d, entry %d: got %x, want %x", n, j, math.Float32bits(x[j]), math.Float32bits(want[j]))
			}
		}
	}
	// float64: below 2⁻⁹⁹⁶.
	x := []float64{0x1p-996, math.Nextafter(0x1p-996, 0), -1e-310, 5e-324, 1e-299, -0x1p-997, math.Inf(-1), 0}
	want := []float64{0x1p-996, 0, math.Copysign(0, -1), 0, 1e-299, math.Copysign(0, -1), math.Inf(-1), 0}
	FlushTiny(x)
	for j := range x {
		if math.Float64bits(x[j]) != math.Float64bits(want[j]) {
			t.Errorf("float64 entry %d: got %g, want %g", j, x[j], want[j])
		}
	}
}
