// Package randn fills slices with standard normal draws, fast enough that
// sampling the weights of a network does not dominate a training step.
//
// [Fill] cuts its destination into [Streams] contiguous chunks and fills
// chunk s from its own xoshiro256++ generator (Blackman and Vigna,
// "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021,
// doi:10.1145/3460772), seeded from the key and s through SplitMix64. Each
// draw uses the ziggurat method with 256 layers (Marsaglia and Tsang, "The
// ziggurat method for generating random variables", J. Stat. Softw. 5(8),
// 2000, doi:10.18637/jss.v005.i08): about 98.5% of draws cost a table
// look-up, one comparison and one multiplication, and the rest (wedges and
// the tail) go to a slower path.
//
// A float64 draw takes one 64-bit output u of its generator: the layer is
// u mod 256, the sign bit 8, and the magnitude j = u>>11 (53 bits, a
// float64's mantissa); it is accepted if j < zk[l], as x = j·zw[l].
//
// A float32 draw takes one 32-bit word w: the layer is w mod 256, the sign
// bit 8, and the magnitude j = w>>9 (23 bits, a float32's mantissa, so that
// float32(j) is exact and one float32 multiplication x = float32(j)·zw32[l]
// makes the draw, rounded once); it is accepted if j < zk32[l], which holds
// exactly when j·x_l·2⁻²³ lies inside the layer's rectangle [0, x_{l+1}),
// and the sign is ORed into bit 31. Each 64-bit output gives two float32
// draws, its low word first, then its high word, which halves the cost of
// the generator. A word that is not accepted goes to the float64 slow path
// as the magnitude j·2³⁰ of 53 bits (the same x), which takes whole 64-bit
// outputs for its uniforms and redraws; its result is rounded to float32
// and takes the word's sign. The slow path of a low word draws from the
// generator while the high word of the same output waits: the high word is
// the next draw, and the output after the slow path's gives the draw after
// that. So draw 2k of a chunk always starts a fresh output, and a chunk of
// odd length drops the high word of its last output. (Float32 and float64
// fills of one key are thus different draws, not one rounded from the
// other.)
//
// On amd64 with AVX2, float32 draws come from assembly kernels that run
// the four streams (or, in each of the two goroutines of a large fill, its
// two streams, two lanes each, one output apart) in the 64-bit lanes of YMM
// registers, eight float32 draws per step, and make the draws that leave
// the ziggurat's rectangles with scalar code. They write the same bits as
// the Go code, which stays the reference (and the code under -tags purego
// and on other architectures).
//
// The output is a function of the key and the length of the destination
// only. The number of streams is a constant, and the goroutines that run the
// streams (at most two) do not change what any stream writes, so results are
// bit-identical for every GOMAXPROCS. Callers that need a fresh draw each
// step derive the key from their own generator (for example rnd.Uint64() of
// a *rand.Rand), which keeps runs reproducible and resumable.
package randn

import (
	"math"
	"math/bits"
	"runtime"
	"sync"
	"unsafe"

	"github.com/bayesrule/blr/internal/pool"
)

// Streams is the fixed number of generators a [Fill] call uses.
const Streams = 4

// parallelLen is the least length worth splitting between goroutines.
const parallelLen = 1 << 14

// Float is the set of element types [Fill] writes.
type Float interface{ ~float32 | ~float64 }

// Fill writes independent N(0, 1) draws into dst. The same key and length
// give the same values on every run and every GOMAXPROCS; different keys give
// independent sequences.
func Fill[F Float](dst []F, key uint64) { fill(dst, nil, nil, key) }

// Sample writes mean + std⊙ε into dst in one pass, with ε the draws [Fill]
// would write for the same key and length: the reparameterised sample
// θ = m + σ⊙ε of a diagonal Gaussian. It panics if mean or std differ from
// dst in length.
func Sample[F Float](dst, mean, std []F, key uint64) {
	if len(mean) != len(dst) || len(std) != len(dst) {
		panic("randn: Sample: mean, std and dst differ in length")
	}
	if len(dst) == 0 {
		return
	}
	fill(dst, mean, std, key)
}

// FillSerial is [Fill] on the calling goroutine alone: it writes the same
// bits as Fill for the same key and length, and leaves the other cores to
// other work (a fill made in the background, while the caller computes).
func FillSerial[F Float](dst []F, key uint64) { fillSerial(dst, nil, nil, key) }

// Filler makes the draws that FillSerial(dst, key) writes a piece at a time,
// so that the work can fill idle moments of other goroutines: each Piece
// (of about 16 000 draws) or Finish continues where the last stopped, one
// at a time, on whichever goroutine calls it, and the result is the bits of
// FillSerial. Reset starts another fill with the same Filler.
type Filler[F Float] struct {
	mu       sync.Mutex
	dst      []F
	key      uint64
	useLanes bool      // lanes holds the float32 lane kernel's state
	lanes    lanesFill // else the fill is one piece
	done     bool
}

// pieceDraws is the draws of each stream's chunk that a Piece makes.
const pieceDraws = 4096

// Reset makes f the fill of dst from key; a Piece running on another
// goroutine finishes first.
func (f *Filler[F]) Reset(dst []F, key uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dst, f.key, f.done = dst, key, false
	f.useLanes = lanesFit(dst)
	if f.useLanes {
		f.lanes = lanesFill{}
		f.lanes.init(as[float32](dst), nil, nil, key)
	}
}

// Piece makes the next piece of the draws and reports whether any are left.
func (f *Filler[F]) Piece() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		if f.useLanes {
			f.done = f.lanes.piece()
		} else {
			fillSerial(f.dst, nil, nil, f.key)
			f.done = true
		}
	}
	return !f.done
}

// Finish makes the draws that are left.
func (f *Filler[F]) Finish() {
	for f.Piece() {
	}
}

// lanesFit reports whether the four-lane kernel makes dst's draws: float32,
// in a build with the kernel, and long enough for one block of each stream.
func lanesFit[F Float](dst []F) bool {
	return len(dst) >= Streams*laneBlock && unsafe.Sizeof(dst[0]) == 4 && useLanes
}

// fillSerial is fill on the calling goroutine.
func fillSerial[F Float](dst, mean, std []F, key uint64) {
	if len(dst) == 0 {
		return
	}
	if lanesFit(dst) {
		fillLanes(as[float32](dst), as[float32](mean), as[float32](std), key)
		return
	}
	for s := range Streams {
		fillStream(chunk(dst, s), chunk(mean, s), chunk(std, s), key, s)
	}
}

// fill is Fill (mean and std nil) or Sample: on long vectors, with
// GOMAXPROCS > 1, streams 2 and 3 go to a helper goroutine if one is free
// (package pool) while the caller fills streams 0 and 1.
func fill[F Float](dst, mean, std []F, key uint64) {
	if len(dst) < parallelLen || runtime.GOMAXPROCS(0) == 1 {
		fillSerial(dst, mean, std, key)
		return
	}
	j := idleJobs.Get()
	if unsafe.Sizeof(dst[0]) == 4 {
		j.f32 = [3][]float32{as[float32](dst), as[float32](mean), as[float32](std)}
	} else {
		j.f64 = [3][]float64{as[float64](dst), as[float64](mean), as[float64](std)}
	}
	j.key = key
	pool.Halves(j)
	*j = job{}
	idleJobs.Put(j)
}

// job is a parallel fill's two halves: streams 0 and 1, and 2 and 3.
type job struct {
	f32 [3][]float32 // dst, mean, std
	f64 [3][]float64
	key uint64
}

// Part fills half h.
func (j *job) Part(h int) {
	if j.f32[0] != nil {
		fillHalf(j.f32[0], j.f32[1], j.f32[2], j.key, h*Streams/2)
	} else {
		fillHalf(j.f64[0], j.f64[1], j.f64[2], j.key, h*Streams/2)
	}
}

// idleJobs keeps jobs between calls.
var idleJobs = pool.NewFree[job](8, nil)

// fillHalf fills the chunks of streams s and s+1: one goroutine's share of
// a parallel fill.
func fillHalf[F Float](dst, mean, std []F, key uint64, s int) {
	if unsafe.Sizeof(dst[0]) == 4 && useLanes {
		fillPair(as[float32](dst), as[float32](mean), as[float32](std), key, s)
		return
	}
	for t := s; t < s+2; t++ {
		fillStream(chunk(dst, t), chunk(mean, t), chunk(std, t), key, t)
	}
}

// as reinterprets x as a slice of T, a float type of the same size; nil
// stays nil.
func as[T, F Float](x []F) []T {
	if x == nil {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// chunk returns the part of dst that stream s fills; nil stays nil.
func chunk[F Float](dst []F, s int) []F {
	if dst == nil {
		return nil
	}
	n := len(dst)
	return dst[n*s/Streams : n*(s+1)/Streams]
}

// xoshiro is the state of a xoshiro256++ generator.
type xoshiro struct{ s0, s1, s2, s3 uint64 }

// newStream seeds stream s for key with SplitMix64 (Steele, Lea and Flood,
// "Fast splittable pseudorandom number generators", OOPSLA 2014), which never
// yields the all-zero state from consecutive outputs.
func newStream(key uint64, s int) xoshiro {
	x := key ^ (uint64(s)+1)*0xd1342543de82ef95
	var g xoshiro
	g.s0, x = splitmix(x)
	g.s1, x = splitmix(x)
	g.s2, x = splitmix(x)
	g.s3, _ = splitmix(x)
	return g
}

func splitmix(x uint64) (out, next uint64) {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31, x
}

func (g *xoshiro) next() uint64 {
	var out uint64
	out, g.s0, g.s1, g.s2, g.s3 = step(g.s0, g.s1, g.s2, g.s3)
	return out
}

// step is one xoshiro256++ step on a state held in four words: its output
// and the next state. Small enough to inline, it lets the fill loops keep
// the state in registers.
func step(s0, s1, s2, s3 uint64) (out, t0, t1, t2, t3 uint64) {
	out = bits.RotateLeft64(s0+s3, 23) + s0
	t := s1 << 17
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	s3 = bits.RotateLeft64(s3, 45)
	return out, s0, s1, s2, s3
}

// fillStream fills dst from stream s of key, with mean + std⊙ε when mean is
// not nil. The generator's state lives in four locals, not in the struct,
// so that the compiler keeps it in registers: through memory every draw
// would wait for the stores of the one before.
func fillStream[F Float](dst, mean, std []F, key uint64, s int) {
	g := newStream(key, s)
	fillFrom(dst, mean, std, &g)
}

// fillFrom is fillStream from generator g, which it leaves advanced past
// the draws it made: one 64-bit output per float64 draw (fill32 makes the
// float32 draws). It is the reference that the vector kernels match bit for
// bit, and it finishes the parts of their chunks that they leave, which
// start at even draw indices.
func fillFrom[F Float](dst, mean, std []F, g *xoshiro) {
	if unsafe.Sizeof(dst[0]) == 4 {
		fill32(as[float32](dst), as[float32](mean), as[float32](std), g)
		return
	}
	sample := mean != nil
	if sample {
		mean = mean[:len(dst)]
		std = std[:len(dst)]
	}
	s0, s1, s2, s3 := g.s0, g.s1, g.s2, g.s3
	for i := range dst {
		var u uint64
		u, s0, s1, s2, s3 = step(s0, s1, s2, s3)
		l := u & (layers - 1)
		j := u >> 11 // 53 bits, disjoint from the layer and sign bits
		var x float64
		if j < zk[l] {
			x = float64(j) * zw[l] // inside the layer's rectangle: ~99% of draws
		} else {
			x, s0, s1, s2, s3 = slowState(s0, s1, s2, s3, l, j)
		}
		// Bit 8 of u is the sign, moved to bit 63 without a branch: a
		// branch on a random bit is mispredicted half the time (the branch
		// on sample goes the same way every time).
		e := F(math.Float64frombits(math.Float64bits(x) | (u&layers)<<55))
		if sample {
			e = mean[i] + std[i]*e
		}
		dst[i] = e
	}
	*g = xoshiro{s0, s1, s2, s3}
}

// fill32 is fillFrom for float32: draws 2k and 2k+1 are the low and the
// high word of one 64-bit output, and a slow path between them (of the low
// word) takes its outputs from the generator before the high word is used.
// It is the specification of the float32 stream.
func fill32(dst, mean, std []float32, g *xoshiro) {
	sample := mean != nil
	if sample {
		mean = mean[:len(dst)]
		std = std[:len(dst)]
	}
	s0, s1, s2, s3 := g.s0, g.s1, g.s2, g.s3
	for i := 0; i < len(dst); i += 2 {
		var u uint64
		u, s0, s1, s2, s3 = step(s0, s1, s2, s3)
		// The low word, then the high word, which waits while the low
		// word's slow path draws from the generator.
		e, ok := fast32(uint32(u))
		if !ok {
			e, s0, s1, s2, s3 = slow32(s0, s1, s2, s3, uint32(u))
		}
		if sample {
			e = mean[i] + std[i]*e
		}
		dst[i] = e
		if i+1 == len(dst) {
			break // an odd length drops the last high word
		}
		e, ok = fast32(uint32(u >> 32))
		if !ok {
			e, s0, s1, s2, s3 = slow32(s0, s1, s2, s3, uint32(u>>32))
		}
		if sample {
			e = mean[i+1] + std[i+1]*e
		}
		dst[i+1] = e
	}
	*g = xoshiro{s0, s1, s2, s3}
}

// fast32 returns the float32 draw of the word w, and true, if w falls in
// its layer's rectangle: x = float32(j)·zw32[l], exact in the conversion
// and rounded once in the product, with bit 8 of w, the sign, moved to bit
// 31 without a branch (a branch on a random bit is mispredicted half the
// time).
func fast32(w uint32) (float32, bool) {
	l := w & (layers - 1)
	j := w >> 9 // 23 bits, disjoint from the layer and sign bits
	x := float32(j) * zw32[l]
	return math.Float32frombits(math.Float32bits(x) | (w&layers)<<23), j < zk32[l]
}

// slow32 is the draw of the word w that fast32 rejects, on a generator held
// in four words: the float64 slow path on the same x, j·2³⁰·zw[l] =
// j·x_l·2⁻²³, rounded to float32, with the sign ORed in.
//
//go:noinline
func slow32(s0, s1, s2, s3 uint64, w uint32) (e float32, t0, t1, t2, t3 uint64) {
	x, g := slow(xoshiro{s0, s1, s2, s3}, uint64(w&(layers-1)), uint64(w>>9)<<30)
	return math.Float32frombits(math.Float32bits(float32(x)) | (w&layers)<<23), g.s0, g.s1, g.s2, g.s3
}

// slowState is slow on a generator held in four words.
//
//go:noinline
func slowState(s0, s1, s2, s3, l, j uint64) (x float64, t0, t1, t2, t3 uint64) {
	x, g := slow(xoshiro{s0, s1, s2, s3}, l, j)
	return x, g.s0, g.s1, g.s2, g.s3
}

// slow finishes a draw that fell outside the rectangle of layer l: in the
// tail (layer 0) or in a wedge, where it is accepted under the density or
// rejected and redrawn. It takes and returns the generator by value so that
// the fast path can keep the state in registers.
func slow(g xoshiro, l, j uint64) (float64, xoshiro) {
	for {
		if l == 0 {
			return g.tail(), g
		}
		x := float64(j) * zw[l]
		y := zf[l] + float64(g.next()>>11)*0x1p-53*(zf[l+1]-zf[l])
		// The chord decides most draws without math.Exp, and the same
		// way: it is within zc[l].d of what math.Exp returns.
		c := &zc[l]
		h := zf[l] + c.s*(c.b-x)
		if y < h-c.d || y <= h+c.d && y < math.Exp(-0.5*x*x) {
			return x, g
		}
		u := g.next()
		l, j = u&(layers-1), u>>11
		if j < zk[l] {
			return float64(j) * zw[l], g
		}
	}
}

// tail draws from the normal restricted to x > r (Marsaglia, "Generating a
// variable from the tail of the normal distribution", Technometrics 6(1),
// 1964).
func (g *xoshiro) tail() float64 {
	for {
		x := -math.Log(float64(g.next()>>11+1)*0x1p-53) / zr
		y := -math.Log(float64(g.next()>>11+1) * 0x1p-53)
		if 2*y > x*x {
			return zr + x
		}
	}
}

// layers is the number of ziggurat layers; a power of two.
const layers = 256

// The ziggurat tables, computed once from first principles by [build]:
// layer l accepts j < zk[l] outright and maps j to x = j·zw[l]; zf[l] is the
// unnormalised density exp(−x²/2) at the layer's outer edge.
var (
	zr float64 // start of the tail
	zk [layers]uint64
	zw [layers]float64
	// zk32 and zw32 are zk and zw for the 23-bit magnitudes of float32
	// draws: layer l accepts j < zk32[l] and maps j to x = float32(j)·zw32[l].
	zk32 [layers]uint32
	zw32 [layers]float32
	zf   [layers + 1]float64
	// zc[l] is the chord of exp(−x²/2) over the wedge of layer l ≥ 1,
	// zf[l] + s·(b − x) for x from b = x_l down to x_{l+1}, and d bounds how
	// far math.Exp(−0.5·x·x) is from it there, rounding included.
	zc [layers]struct{ b, s, d float64 }
)

func init() {
	build()
	initLanes()
}

// build lays out 256 layers of equal area v under f(x) = exp(−x²/2), x ≥ 0:
// layer 0 is the rectangle [0, r]×[0, f(r)] plus the tail beyond r, and layer
// l ≥ 1 is the rectangle of width x_l between heights f(x_l) and f(x_{l+1}),
// with x_1 = r and f(x_256) = 1. It finds r by bisection on the height the
// stack of layers reaches.
func build() {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	area := func(r float64) float64 { return r*f(r) + math.Sqrt(math.Pi/2)*math.Erfc(r/math.Sqrt2) }
	// top reports how far above 1 the stack of layers built on r ends.
	top := func(r float64) float64 {
		v, x, y := area(r), r, f(r)
		for range layers - 1 {
			y += v / x
			if y >= 1 {
				return y - 1 + 1e-300 // overshoot: r is too small
			}
			x = math.Sqrt(-2 * math.Log(y))
		}
		return y - 1
	}
	lo, hi := 2.0, 6.0
	for range 200 {
		mid := (lo + hi) / 2
		if top(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	r := lo
	v := area(r)
	var xs [layers + 1]float64
	xs[0] = v / f(r) // the virtual width of layer 0
	xs[1] = r
	y := f(r)
	for l := 1; l < layers-1; l++ {
		y += v / xs[l]
		xs[l+1] = math.Sqrt(-2 * math.Log(y))
	}
	xs[layers] = 0
	zr = r
	for l := range layers {
		zw[l] = xs[l] * 0x1p-53
		zk[l] = uint64(xs[l+1] / xs[l] * 0x1p53)
		zf[l] = f(xs[l])
	}
	for l := range layers {
		zw32[l] = float32(xs[l] * 0x1p-23)
		zk32[l] = inside32(xs[l], xs[l+1])
	}
	zf[0] = f(r) // layer 0's wedge test is never used: its overflow is the tail
	zf[layers] = 1
	for l := 1; l < layers; l++ {
		// |f − chord| ≤ max|f″|·(b − a)²/8 on [a, b], and f″(x) = (x² − 1)·f(x)
		// is at most max(|a² − 1|, |b² − 1|)·f(a) there in size. The slack
		// 1e-12 covers the rounding of the chord, of −0.5·x·x and of
		// math.Exp (all below 1e-15, as f ≤ 1), and of this bound.
		a, b := xs[l+1], xs[l]
		m := max(math.Abs(a*a-1), math.Abs(b*b-1)) * zf[l+1]
		zc[l].b = b
		zc[l].s = (zf[l+1] - zf[l]) / (b - a)
		zc[l].d = 1.01*m*(b-a)*(b-a)/8 + 1e-12
	}
}

// inside32 returns zk32 for a layer of width a whose rectangle ends at b:
// the number of 23-bit magnitudes j with j·a·2⁻²³ < b exactly, that is the
// least k with k·a ≥ 2²³·b, or ⌈2²³·b/a⌉. A magnitude below it is a point
// of the rectangle, and one at or above it (x ≥ b) needs the wedge test or
// is in the tail, so the fast path never accepts a point that the exact
// ziggurat would test. (zk, for 53 bits, rounds 2⁵³·b/a down instead, which
// sends at most one magnitude of the rectangle to the slow path: a wedge
// test that accepts it, or for layer 0 the tail.)
func inside32(a, b float64) uint32 {
	t := b * 0x1p23 // exact: a power of two
	k := uint32(min(t/a, 0x1p23))
	for k > 0 && !productBelow(k-1, a, t) {
		k--
	}
	for k < 1<<23 && productBelow(k, a, t) {
		k++
	}
	return k
}

// productBelow reports whether j·a < t exactly. The product rounds to p,
// which is on the same side of t unless it equals t (rounding is
// monotonic and t is a float64), and then the rounding error j·a − p,
// which math.FMA gives exactly, decides.
func productBelow(j uint32, a, t float64) bool {
	p := float64(j) * a
	if p != t {
		return p < t
	}
	return math.FMA(float64(j), a, -p) < 0
}
