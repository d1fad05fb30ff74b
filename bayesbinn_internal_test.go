package blr

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDrawFastPath: the draws that skip the noise where |λ| is large give
// the same bits as GumbelPoint with the drawn noise, for both forms of s
// and temperatures from 1e-10 to 1.
func TestDrawFastPath(t *testing.T) {
	lams := []float64{0, 0.3, -5, 18, 18.6, -19, 25, -40, 200, -355, 400, 1e4, -1e8, 3e12}
	for _, tau := range []float64{1e-10, 1e-3, 0.1, 1} {
		for _, eps := range []float64{0, 1e-10} {
			p := append([]float64(nil), lams...)
			b, err := NewBinary(p, BinaryOptions{DataSize: 1, LR: 0.1, Estimator: BinaryGumbel, Samples: 1, Temperature: tau, Eps: eps})
			if err != nil {
				t.Fatal(err)
			}
			for rep := range 50 {
				b.key = rand.New(rand.NewPCG(uint64(rep), 1)).Uint64()
				b.drawRange(0, len(lams))
				for k, l := range lams {
					u := uniformAt(b.key, k)
					w, s := GumbelPoint(l, 0.5*math.Log(u/(1-u)), tau, eps)
					if math.Float64bits(b.theta[k]) != math.Float64bits(w) || math.Float64bits(b.scale[k]) != math.Float64bits(s) {
						t.Fatalf("τ %g ε %g λ %g: fast (%g, %g), GumbelPoint (%g, %g)", tau, eps, l, b.theta[k], b.scale[k], w, s)
					}
				}
			}
		}
	}
	// The bound on the noise holds at the extremes of uniformAt.
	for _, u := range []float64{0.5 / (1 << 52), 1 - 0.5/(1<<52)} {
		if d := math.Abs(0.5 * math.Log(u/(1-u))); !(d < deltaMax) {
			t.Fatalf("|δ| = %g at u = %g exceeds deltaMax", d, u)
		}
	}
}
