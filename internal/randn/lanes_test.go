package randn

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"testing"
	"unsafe"
)

// TestLanesLayout checks the field offsets that the lane kernel uses.
func TestLanesLayout(t *testing.T) {
	var st lanes
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"s", unsafe.Offsetof(st.s), 0},
		{"pre", unsafe.Offsetof(st.pre), 128},
		{"u", unsafe.Offsetof(st.u), 256},
		{"i", unsafe.Offsetof(st.i), 288},
		{"k", unsafe.Offsetof(st.k), 296},
		{"m", unsafe.Offsetof(st.m), 304},
		{"b", unsafe.Offsetof(st.b), 312},
	} {
		if f.got != f.want {
			t.Errorf("lanes.%s at %d, want %d", f.name, f.got, f.want)
		}
	}
}

// eachKernel runs f with the scalar code and then the AVX2 kernels, when
// this build and CPU have them, and restores the choice.
func eachKernel(t testing.TB, f func(name string)) {
	lanesOn := useLanes
	defer func() { useLanes = lanesOn }()
	useLanes = false
	f("scalar")
	if lanesOn {
		useLanes = true
		f("avx2")
	}
}

// reference is fill through the scalar code only.
func reference(dst, mean, std []float32, key uint64) {
	for s := range Streams {
		fillStream(chunk(dst, s), chunk(mean, s), chunk(std, s), key, s)
	}
}

// checkSame compares Fill and Sample with the scalar reference bit for bit.
func checkSame(t *testing.T, name string, n int, key uint64) {
	t.Helper()
	want, got := make([]float32, n), make([]float32, n)
	for i := range got {
		got[i] = float32(math.NaN())
	}
	reference(want, nil, nil, key)
	Fill(got, key)
	same(t, name+" Fill", n, key, got, want)
	mean, std := testMeanStd(n)
	reference(want, mean, std, key)
	Sample(got, mean, std, key)
	same(t, name+" Sample", n, key, got, want)
}

// TestLanesMatchReference checks the kernels against the scalar code on
// every length up to 1000, lengths around the parallel threshold and the
// MLP's weight count, and many keys, on one thread (the four-lane kernel)
// and two (the pair kernel, above the threshold), and the pair kernel alone
// on every length up to 1000.
func TestLanesMatchReference(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	eachKernel(t, func(name string) {
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			for n := 0; n <= 1000; n += procs {
				checkSame(t, name, n, uint64(n)*0x9e3779b97f4a7c15)
			}
			for _, n := range []int{1023, 1024, 1025, 4095, 4097, parallelLen - 1, parallelLen, parallelLen + 1, parallelLen + 2, parallelLen + 3, 100003, mlpWeights} {
				for key := range uint64(4) {
					checkSame(t, name, n, key)
				}
			}
			for key := range uint64(200) {
				checkSame(t, name, 4*laneBlock*7+3, key<<40|key)
			}
		}
		for n := 0; n <= 1000; n++ {
			checkHalf(t, name, n, uint64(n)^0xabcdef)
		}
	})
}

// checkHalf compares fillHalf (the pair kernel where there is one) on both
// halves with the scalar reference bit for bit, with and without mean and
// std.
func checkHalf(t *testing.T, name string, n int, key uint64) {
	t.Helper()
	want, got := make([]float32, n), make([]float32, n)
	reference(want, nil, nil, key)
	fillHalf(got, nil, nil, key, 0)
	fillHalf(got, nil, nil, key, 2)
	same(t, name+" fillHalf", n, key, got, want)
	mean, std := testMeanStd(n)
	reference(want, mean, std, key)
	fillHalf(got, mean, std, key, 0)
	fillHalf(got, mean, std, key, 2)
	same(t, name+" fillHalf sample", n, key, got, want)
}

func testMeanStd(n int) (mean, std []float32) {
	mean, std = make([]float32, n), make([]float32, n)
	for i := range mean {
		mean[i] = float32(i%13)*0.37 - 2
		std[i] = 1e-3 + float32(i%7)*0.71
	}
	return mean, std
}

// same fails unless got and want hold the same bits (a float32 widens to
// float64 exactly, signed zeros included).
func same[F Float](t *testing.T, what string, n int, key uint64, got, want []F) {
	t.Helper()
	for i := range want {
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
			t.Fatalf("%s n=%d key=%#x: x[%d] = %v, want %v", what, n, key, i, got[i], want[i])
		}
	}
}

// The kinds of float32 draws, by the way fill32 makes them: in a layer's
// rectangle, in a wedge that the chord accepts, in a wedge that the chord
// rejects followed by a redraw in a rectangle, in the tail, in a wedge that
// needs math.Exp (in the chord's band), and in a wedge rejected twice. The
// kernels make all but the tail themselves (in the chord's band with their
// band test), and stop at the tail and where the band test cannot decide.
const (
	fastDraw = iota
	chordDraw
	redrawDraw
	tailDraw
	expDraw
	againDraw
	nKinds
)

// kinds returns the kinds of the first m float32 draws of stream s of key.
func kinds(key uint64, s, m int) []int {
	g := newStream(key, s)
	out := make([]int, 0, m)
	for len(out) < m {
		u := g.next()
		for h := 0; h < 2 && len(out) < m; h++ {
			w := uint32(u >> (32 * h))
			l, j := uint64(w&(layers-1)), uint64(w>>9)
			if j < uint64(zk32[l]) {
				out = append(out, fastDraw)
				continue
			}
			out = append(out, slowKind(g, l, j<<30))
			_, g = slow(g, l, j<<30)
		}
	}
	return out
}

// slowKind is the kind of the draw that slow makes from g, l and j.
func slowKind(g xoshiro, l, j uint64) int {
	if l == 0 {
		return tailDraw
	}
	x := float64(j) * zw[l]
	y := zf[l] + float64(g.next()>>11)*0x1p-53*(zf[l+1]-zf[l])
	c := &zc[l]
	h := zf[l] + c.s*(c.b-x)
	switch {
	case y < h-c.d:
		return chordDraw
	case y <= h+c.d:
		return expDraw
	}
	u := g.next()
	if u>>11 < zk[u&(layers-1)] {
		return redrawDraw
	}
	return againDraw
}

// TestLanesSlowPath finds keys whose first slow draw in some stream falls on
// each of the first draws (both words of the first steps of both kernels),
// with several streams or both words of an output slow in one step, and
// keys with each kind of slow draw early in some stream, and checks the
// kernels against the scalar code on them.
func TestLanesSlowPath(t *testing.T) {
	const m = 4 * laneBlock // two steps of the pair kernel, four of the other
	check := func(key uint64, ns ...int) {
		eachKernel(t, func(name string) {
			for _, n := range ns {
				checkSame(t, name, n, key)
				checkHalf(t, name, n, key)
			}
		})
	}
	found := map[[2]int]bool{}
	multi, both := false, false
	for key := uint64(0); key < 100000 && (len(found) < Streams*m || !multi || !both); key++ {
		steps := map[int]int{}
		news := false
		for s := range Streams {
			first := -1
			k := kinds(key, s, m)
			for i, c := range k {
				if c == fastDraw {
					continue
				}
				if first < 0 {
					first = i
				}
				steps[i/2]++
				if i%2 == 1 && k[i-1] != fastDraw && !both {
					both, news = true, true
				}
			}
			if first >= 0 && !found[[2]int{s, first}] {
				found[[2]int{s, first}], news = true, true
			}
		}
		for _, c := range steps {
			if c > 1 && !multi {
				multi, news = true, true
			}
		}
		if news {
			check(key, Streams*m, Streams*m+3, 4*Streams*m, 1001)
		}
	}
	if len(found) < Streams*m || !multi || !both {
		t.Errorf("found first slow draws at %d of %d places, several in a step %v, both words of an output %v", len(found), Streams*m, multi, both)
	}
	// Each kind of slow draw among the first draws of some stream, want[c]
	// times: many in the chord's band, which the kernels decide with their
	// own test.
	const early = 500
	want := [nKinds]int{chordDraw: 5, redrawDraw: 5, tailDraw: 5, expDraw: 50, againDraw: 5}
	var seen [nKinds]int
	for key := uint64(0); key < 20000; key++ {
		news, done := false, true
		for s := range Streams {
			for _, c := range kinds(key, s, early) {
				if seen[c] < want[c] {
					news = true
				}
				seen[c]++
			}
		}
		if news {
			check(key, Streams*early, Streams*early+5)
		}
		for c := range nKinds {
			done = done && seen[c] >= want[c]
		}
		if done {
			break
		}
	}
	t.Logf("kinds of draws seen: %v", seen)
	for c := range nKinds {
		if seen[c] < want[c] {
			t.Errorf("kind %d of draw seen %d times, want %d", c, seen[c], want[c])
		}
	}
}

// spec32 makes the first n float32 draws of g as the package documentation
// describes them, one output and its two words at a time, with slow for
// the words outside their rectangles.
func spec32(g xoshiro, n int) []float32 {
	out := make([]float32, 0, n)
	for len(out) < n {
		u := g.next()
		for _, w := range [2]uint32{uint32(u), uint32(u >> 32)} {
			if len(out) == n {
				break
			}
			l, j := w%layers, w>>9
			var x float32
			if j < zk32[l] {
				x = float32(j) * zw32[l]
			} else {
				var x64 float64
				x64, g = slow(g, uint64(l), uint64(j)<<30)
				x = float32(x64)
			}
			if w>>8&1 == 1 {
				x = -x
			}
			out = append(out, x)
		}
	}
	return out
}

// TestSpec32 checks fill32 against spec32 on odd and even lengths, whose
// last draws come from the low word of an output.
func TestSpec32(t *testing.T) {
	for key := range uint64(50) {
		for _, n := range []int{1, 2, 3, 64, 999} {
			g := newStream(key, int(key%Streams))
			want := spec32(g, n)
			got := make([]float32, n)
			fill32(got, nil, nil, &g)
			same(t, "fill32", n, key, got, want)
		}
	}
}

// golden holds FNV-1a hashes of Fill (float32) and Sample (float32), and
// of Fill (float64), for a length and key, made by the scalar code: the
// float32 hashes with two draws per output (23-bit magnitudes), the float64
// ones as they were before the lane kernel and the chord test, the draws of
// documented runs.
var golden = []struct {
	n              int
	key            uint64
	hash32, hash64 uint64
}{
	{1, 0x0, 0x25dc95c9bd3f5fab, 0xcd82641c20f7e2cb},
	{1, 0x1, 0x23f20c5e3945006e, 0x598b3a69058a5ecd},
	{1, 0xdeadbeef, 0xf386cc622ca87b0f, 0x5ec4cdf3f48b83a},
	{1, 0x8000000000000000, 0xdb754348b46de55d, 0x10b8401b75604127},
	{17, 0x0, 0x83d38149a842b151, 0x673784dd09a4cd3},
	{17, 0x1, 0xf954e380fe8b91da, 0xa110ac251dde4a0c},
	{17, 0xdeadbeef, 0xcd4d41417a65f2d6, 0x6bb94dbcabe3219d},
	{17, 0x8000000000000000, 0x448494cbc90eaf44, 0xab8052e2a1e7a14f},
	{1001, 0x0, 0x591b9119bea69e07, 0x84f6fb489e037b68},
	{1001, 0x1, 0x606d111ca5b52eb2, 0x95c8524d6ebacd15},
	{1001, 0xdeadbeef, 0x9cdb0bedc3496043, 0x31cb9d1d550b14e5},
	{1001, 0x8000000000000000, 0xe7c68a3c0057cea, 0x96c72acec157940},
	{16384, 0x0, 0xe5a09339d56508b0, 0x785e69f1278708f0},
	{16384, 0x1, 0x12cbf682ce01e66d, 0xc0a94c6b277abd21},
	{16384, 0xdeadbeef, 0x271bc5b0ab19ee9f, 0xfdc06ffad6c199d9},
	{16384, 0x8000000000000000, 0xcc57294be6187171, 0xda43c3577d1905d0},
	{100003, 0x0, 0xdabb3bcf087903b3, 0xb715a0e8c8bd0deb},
	{100003, 0x1, 0x597abd1e1b84a119, 0x2eed083d451849f},
	{100003, 0xdeadbeef, 0x697a2114942dad9e, 0xb2266f99cf27cbfa},
	{100003, 0x8000000000000000, 0xd1121e0ee6d70f11, 0x10bc2e8350394b0},
	{545810, 0x0, 0x2aa8b8133a0db712, 0x9ab51ffff5053ec8},
	{545810, 0x1, 0x6ec31494f815d335, 0xcdb57ed75bdc1c35},
	{545810, 0xdeadbeef, 0x3a9f59e01a647cd7, 0xce6addd3a0c991e1},
	{545810, 0x8000000000000000, 0x7c8c30d6772070b, 0xfef824cdca6162b4},
}

// TestGolden checks that the draws are those of documented runs, bit for
// bit, through the lane kernel and through the scalar code.
func TestGolden(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	eachKernel(t, func(name string) {
		for _, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			golden1(t, fmt.Sprintf("%s, %d threads", name, procs))
		}
	})
}

// golden1 hashes the draws for each entry of golden and compares.
func golden1(t *testing.T, name string) {
	t.Helper()
	for _, g := range golden {
		h32, h64 := goldenHashes(g.n, g.key)
		if h32 != g.hash32 || h64 != g.hash64 {
			t.Errorf("%s, n=%d key=%#x: hashes %#x %#x, want %#x %#x", name, g.n, g.key, h32, h64, g.hash32, g.hash64)
		}
	}
}

// goldenHashes returns the hashes of golden for a length and key.
func goldenHashes(n int, key uint64) (h32, h64 uint64) {
	h := fnv.New64a()
	x := make([]float32, n)
	Fill(x, key)
	for _, v := range x {
		h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
	}
	m, s := testMeanStd(n)
	Sample(x, m, s, key)
	for _, v := range x {
		h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
	}
	h32 = h.Sum64()
	h = fnv.New64a()
	d := make([]float64, n)
	Fill(d, key)
	for _, v := range d {
		h.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
	}
	return h32, h.Sum64()
}

// TestChord checks that the chord test of slow decides a wedge draw as
// math.Exp does, on random draws and on draws at the edges of its band.
func TestChord(t *testing.T) {
	g := newStream(5, 0)
	n := 4000000
	if testing.Short() {
		n = 400000
	}
	decided := 0
	for i := range n {
		u := g.next()
		l := 1 + u%(layers-1)
		j := zk[l] + (g.next()>>11)%(1<<53-zk[l])
		x := float64(j) * zw[l]
		e := math.Exp(-0.5 * x * x)
		c := &zc[l]
		h := zf[l] + c.s*(c.b-x)
		var y float64
		switch i % 4 {
		case 0, 1:
			y = zf[l] + float64(g.next()>>11)*0x1p-53*(zf[l+1]-zf[l])
		case 2:
			y = math.Nextafter(h-c.d, -1)
		case 3:
			y = math.Nextafter(h+c.d, 2)
		}
		if y < h-c.d || y > h+c.d {
			decided++
			if (y < h-c.d) != (y < e) {
				t.Fatalf("layer %d, x=%v, y=%v: chord %v±%v, exp %v", l, x, y, h, c.d, e)
			}
		}
	}
	t.Logf("the chord decided %d of %d draws", decided, n)
}

// BenchmarkHalvesMLP is the CPU time of a parallel Fill: both halves
// (fillHalf, the pair kernel where there is one) one after the other.
func BenchmarkHalvesMLP(b *testing.B) {
	x := make([]float32, mlpWeights)
	eachKernel(b, func(name string) {
		b.Run(name, func(b *testing.B) {
			var key uint64
			for b.Loop() {
				key++
				fillHalf(x, nil, nil, key, 0)
				fillHalf(x, nil, nil, key, 2)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/mlpWeights, "ns/normal")
		})
	})
}
