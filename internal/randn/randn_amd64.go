//go:build amd64 && !purego

package randn

import (
	"math"
	"unsafe"

	"github.com/bayesrule/blr/internal/vec"
)

// useLanes reports whether float32 draws go through the lane kernels, which
// need AVX2. Tests and benchmarks switch it off to run the scalar reference.
var useLanes = vec.HasAVX2FMA()

// zkw32 holds zk32 and zw32 side by side for the kernels' gathers, at the
// index of the sign and layer bits of a word, w mod 512: the second half,
// for sign bit 1, holds −zw32. A float32 product's rounding is odd in its
// sign, and 0·(−w) is −0, so float32(j)·(−zw32[l]) has the bits of
// float32(j)·zw32[l] with bit 31 set, as fill32 makes them.
var zkw32 [2 * layers]struct {
	k uint32
	w float32
}

// band holds the constants of the kernels' test of a wedge draw that falls
// in the band of the chord's test, where slow calls math.Exp: 1/120, 1/24,
// 1/6, 1/2 and 1, the Taylor coefficients of exp; K, which bounds the
// remainder; and 1 − ε and 1 + ε, the slack for rounding. In a layer l ≥ 1
// with outer edge b = x_l, f(x) = exp(−x²/2) = f(b)·eˢ with s = (b − x)(b +
// x)/2 between 0 and (x_l² − x_{l+1}²)/2 ≤ 0.73 (layer 1's), and P(s), the
// Taylor polynomial of eˢ of degree 5, has P(s) ≤ eˢ ≤ P(s) + K·s⁶ for K =
// e^0.75/720. The kernels accept the draw if y < zf[l]·P(s)·(1 − ε), reject
// it if y > zf[l]·(P(s) + K·s⁶)·(1 + ε), and else leave it to slow (rarely:
// within about 10⁻¹² of f(x), or in layer 1 within 5·10⁻⁴ of it). ε = 10⁻¹²
// covers the rounding of zf, of this computation and of math.Exp(−0.5·x·x)
// (all below 10⁻¹⁴ of f), so that the test decides as y < math.Exp(−0.5·x·x)
// does, as the chord's does (TestBand).
var band = [8]float64{1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 0, 1 - 1e-12, 1 + 1e-12}

// initLanes fills zkw32 from the tables that build made, and band's K.
func initLanes() {
	band[5] = math.Exp(0.75) / 720
	for l := range layers {
		zkw32[l].k, zkw32[l].w = zk32[l], zw32[l]
		zkw32[layers+l].k, zkw32[layers+l].w = zk32[l], -zw32[l]
	}
}

// zig4AVX2 runs the ziggurat for the four streams at once, stream l in the
// 64-bit lane l of the YMM registers: each step takes one output of every
// generator and makes the two draws of its words, at draws st.i and st.i+1
// of each chunk (the chunks at d0..d3; mean + std⊙ε when sample is not
// zero, with mean and std at the byte distances dm and ds from dst). It
// makes steps while two draws fit below n and advances st.i. A word that
// leaves its layer's rectangle it makes with scalar code, as slow does,
// from the generator of its lane just after the output (or after the low
// word's slow path, for a high word): a wedge draw that the chord or the
// band test decides (see band), then, if it is rejected, the redraws. At a
// draw that needs the tail or math.Exp it stops before the step, with
// st.k = 0 and st.s the generators there, having written none of the step,
// for the caller to make it; at the end st.k = −1.
//
//go:noescape
func zig4AVX2(st *lanes, d0, d1, d2, d3 *float32, dm, ds uintptr, n, sample int)

// zig2AVX2 is the pair kernel: zig4AVX2 for two streams a and b, with lanes
// 0 and 1 at outputs k and k+1 of stream a (draws i to i+3) and lanes 2 and
// 3 the same for b, each lane stepping twice per step of the kernel. It
// writes the draws from st.i while four fit below n to the chunks at da and
// db. When a word leaves the fast path it makes the four draws of that
// stream again with scalar code from its generator at output k, as fill32
// does (a slow path moves output k+1), if it can (as zig4AVX2); else it
// stops with st.k = 0 before the step, writing none of it, with st.s the
// generators there.
//
//go:noescape
func zig2AVX2(st *lanes, da, db *float32, dm, ds uintptr, n, sample int)

// offsets returns the byte distances of mean and std from dst, and 1 if
// there is a mean (a Sample) or 0 (a Fill).
func offsets(dst, mean, std []float32) (dm, ds uintptr, sample int) {
	if mean == nil {
		return 0, 0, 0
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	dm = uintptr(unsafe.Pointer(unsafe.SliceData(mean))) - base
	ds = uintptr(unsafe.Pointer(unsafe.SliceData(std))) - base
	return dm, ds, 1
}

// lane returns the generator in lane l.
func (st *lanes) lane(l int) xoshiro {
	return xoshiro{st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]}
}

// setLane puts g in lane l.
func (st *lanes) setLane(l int, g xoshiro) {
	st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l] = g.s0, g.s1, g.s2, g.s3
}

// fillRange is fillFrom on draws i to j of a chunk, with its mean and std
// when there are any.
func fillRange(d, m, s []float32, i, j int, g *xoshiro) {
	if m == nil {
		fill32(d[i:j], nil, nil, g)
	} else {
		fill32(d[i:j], m[i:j], s[i:j], g)
	}
}

// fillPair is fillStream for streams s and s+1 of key through the pair
// kernel, which makes four draws of each chunk per step (one goroutine fills
// two chunks in the parallel split), with fill32 making the steps that the
// kernel cannot and the last draws.
func fillPair(dst, mean, std []float32, key uint64, s int) {
	var st lanes
	var d, m, sd [2][]float32
	var g [2]xoshiro
	for p := range 2 {
		g[p] = newStream(key, s+p)
		d[p], m[p], sd[p] = chunk(dst, s+p), chunk(mean, s+p), chunk(std, s+p)
	}
	n := min(len(d[0]), len(d[1]))
	dm, ds, sample := offsets(dst, mean, std)
	for st.i+4 <= n {
		for p := range 2 {
			h := g[p]
			h.next()
			st.setLane(2*p, g[p])
			st.setLane(2*p+1, h)
		}
		zig2AVX2(&st, &d[0][0], &d[1][0], dm, ds, n, sample)
		for p := range 2 {
			g[p] = st.lane(2 * p)
		}
		if st.k < 0 {
			break
		}
		i := st.i
		for p := range 2 {
			fillRange(d[p], m[p], sd[p], i, i+4, &g[p])
		}
		st.i = i + 4
	}
	for p := range 2 {
		fillRange(d[p], m[p], sd[p], st.i, len(d[p]), &g[p])
	}
}

// fillLanes is fill for float32 through zig4AVX2: the same streams over the
// same chunks, and so the same bits, with fill32 making the steps that the
// kernel cannot and the last draws of each chunk.
func fillLanes(dst, mean, std []float32, key uint64) {
	var f lanesFill
	f.init(dst, mean, std, key)
	f.run(f.n)
}

// lanesFill is the state of a fillLanes in progress, which run advances.
type lanesFill struct {
	st       lanes
	d, m, sd [Streams][]float32
	n        int // the shortest chunk: lengths are ⌊len/4⌋ or one more
	dm, ds   uintptr
	sample   int
}

// init starts the fill of dst (mean + std⊙ε with a mean) from key.
func (f *lanesFill) init(dst, mean, std []float32, key uint64) {
	for l := range Streams {
		f.st.setLane(l, newStream(key, l))
		f.d[l], f.m[l], f.sd[l] = chunk(dst, l), chunk(mean, l), chunk(std, l)
	}
	f.n = len(f.d[0])
	f.dm, f.ds, f.sample = offsets(dst, mean, std)
}

// piece makes the next pieceDraws draws of every chunk and reports whether
// the fill is complete.
func (f *lanesFill) piece() bool { return f.run(f.st.i + pieceDraws) }

// run makes the draws of every chunk up to draw limit (limit ≥ n: to the
// end, the last draws of the longer chunks included) and reports whether
// the fill is complete. Any sequence of limits gives the same bits.
func (f *lanesFill) run(limit int) bool {
	st, d, m, sd := &f.st, &f.d, &f.m, &f.sd
	lim := min(limit, f.n)
	for st.i+laneBlock <= lim {
		zig4AVX2(st, &d[0][0], &d[1][0], &d[2][0], &d[3][0], f.dm, f.ds, lim, f.sample)
		if st.k < 0 {
			break
		}
		i := st.i
		for l := range Streams {
			g := st.lane(l)
			fillRange(d[l], m[l], sd[l], i, i+laneBlock, &g)
			st.setLane(l, g)
		}
		st.i = i + laneBlock
	}
	if lim < f.n {
		return false
	}
	for l := range Streams {
		g := st.lane(l)
		fillRange(d[l], m[l], sd[l], st.i, len(d[l]), &g)
	}
	return true
}
