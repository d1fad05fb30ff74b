package vec_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/vec"
)

// TestEngineSameBits runs the engine's Adam, AdamW and IVON (with and
// without momentum and clipping) for some steps with the kernels and with
// the Go loops alone, and checks that m, h and ḡ agree bit for bit.
func TestEngineSameBits(t *testing.T) {
	if !vec.Enabled {
		t.Skip("no AVX2")
	}
	defer func(e bool) { vec.Enabled = e }(vec.Enabled)
	for _, name := range []string{"adam", "adamw", "ivon", "ivon-no-momentum", "ivon-clip"} {
		var outs [2][]float32
		for k, en := range []bool{true, false} {
			vec.Enabled = en
			const n = 100003 // several chunks of the engine's passes, and a tail
			rnd := rand.New(rand.NewPCG(1, 2))
			p := make([]float32, n)
			for i := range p {
				p[i] = float32(rnd.NormFloat64())
			}
			var d *blr.Diag[float32]
			var err error
			cfg := blr.Config{DataSize: 1000, PriorPrecision: 1, LR: 0.01}
			switch name {
			case "adam":
				d, err = blr.Adam(p, cfg)
			case "adamw":
				d, err = blr.AdamW(p, cfg)
			case "ivon":
				d, err = blr.IVON(p, cfg)
			case "ivon-no-momentum":
				cfg.Beta1 = blr.Off
				d, err = blr.IVON(p, cfg)
			case "ivon-clip":
				cfg.ClipRadius = 1e-3
				d, err = blr.IVON(p, cfg)
			}
			if err != nil {
				t.Fatal(name, err)
			}
			o := blr.OracleFunc[float32](func(theta, grad, _ []float32, _ blr.CurvatureKind) (float64, error) {
				for i, v := range theta {
					grad[i] = float32(math.Sin(float64(v)*3)) * float32(i%7+1)
				}
				return 1, nil
			})
			noise := &blr.FastNormals[float32]{Key: 5}
			for range 15 {
				if _, err := d.Step(o, noise); err != nil {
					t.Fatal(name, err)
				}
			}
			outs[k] = append(append(append([]float32(nil), d.Mean()...), d.Hessian()...), d.Momentum()...)
		}
		for i := range outs[0] {
			if math.Float32bits(outs[0][i]) != math.Float32bits(outs[1][i]) {
				t.Fatalf("%s: value %d: %v with the kernels, %v without", name, i, outs[0][i], outs[1][i])
			}
		}
	}
}
