//go:build amd64 && !purego

package randn

import (
	"math"
	"testing"
)

// bandTest is the kernels' test of a wedge draw in layer l ≥ 1 at x with
// height y that falls in the band of the chord's test (see band), with the
// same operations in the same order: it reports whether y < f(x), and
// whether it could decide.
func bandTest(l int, x, y float64) (below, decided bool) {
	s := (zc[l].b - x) * (zc[l].b + x) * band[3]
	p := ((((band[0]*s+band[1])*s+band[2])*s+band[3])*s+band[4])*s + band[4]
	if y < zf[l]*p*band[6] {
		return true, true
	}
	s2 := s * s
	hi := zf[l] * (s2*s2*s2*band[5] + p) * band[7]
	return false, y > hi
}

// TestBand checks that bandTest decides as y < math.Exp(−0.5·x·x) does, on
// random wedge draws of every layer and on heights at the edges of its
// band, and that it decides nearly all draws in the chord's band. It also
// checks the bound on s that band's K assumes.
func TestBand(t *testing.T) {
	for l := 1; l < layers; l++ {
		var next float64
		if l+1 < layers {
			next = zw[l+1] * 0x1p53
		}
		if s := (zc[l].b*zc[l].b - next*next) / 2; s > 0.74 {
			t.Fatalf("layer %d: s reaches %v", l, s)
		}
	}
	g := newStream(6, 0)
	n := 4000000
	if testing.Short() {
		n = 400000
	}
	inBand, undecided := 0, 0
	for i := range n {
		u := g.next()
		l := 1 + int(u%(layers-1))
		j := uint64(zk32[l])<<30 + (g.next()>>11)%(1<<53-uint64(zk32[l])<<30)
		x := float64(j) * zw[l]
		e := math.Exp(-0.5 * x * x)
		var y float64
		switch i % 4 {
		case 0, 1:
			y = zf[l] + float64(g.next()>>11)*0x1p-53*(zf[l+1]-zf[l])
		case 2, 3:
			// Just outside the band's bounds, by a few ulps.
			s := (zc[l].b - x) * (zc[l].b + x) * band[3]
			p := ((((band[0]*s+band[1])*s+band[2])*s+band[3])*s+band[4])*s + band[4]
			if i%4 == 2 {
				y = math.Nextafter(zf[l]*p*band[6], -1)
			} else {
				s2 := s * s
				y = math.Nextafter(zf[l]*(s2*s2*s2*band[5]+p)*band[7], 2)
			}
		}
		c := &zc[l]
		h := zf[l] + c.s*(c.b-x)
		chordBand := y >= h-c.d && y <= h+c.d
		below, decided := bandTest(l, x, y)
		if i%4 < 2 && chordBand {
			inBand++
			if !decided {
				undecided++
			}
		}
		if decided && below != (y < e) {
			t.Fatalf("layer %d, x=%v, y=%v: band test says below %v, exp %v", l, x, y, below, e)
		}
	}
	t.Logf("the band test decided %d of the %d draws in the chord's band", inBand-undecided, inBand)
	if undecided > inBand/100 {
		t.Errorf("the band test left %d of %d draws undecided", undecided, inBand)
	}
}
