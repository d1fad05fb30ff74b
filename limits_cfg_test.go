package blr_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
)

// newEngine builds the named optimizer over two weights of type F.
func newEngine[F blr.Float](name string, cfg blr.Config) (*blr.Diag[F], error) {
	return blr.New(name, make([]F, 2), cfg)
}

// wantConfigError checks that err is a *blr.ConfigError on field whose text
// contains want.
func wantConfigError(t *testing.T, what string, err error, field, want string) {
	t.Helper()
	var ce *blr.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, blr.ErrConfig) || ce.Field != field || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: err = %v; want a *blr.ConfigError on %s containing %q", what, err, field, want)
	}
}

// TestIBLRDiagTinyLR: iBLR-diag derives β₂ = 1 − LR, so an LR that makes it
// round to 1 is refused naming LR, not the Beta2 the user never set.
func TestIBLRDiagTinyLR(t *testing.T) {
	for _, lr := range []float64{1e-320, 1e-17, 0x1p-54} {
		_, err := newEngine[float64]("iblr-diag", blr.Config{DataSize: 100, LR: lr})
		wantConfigError(t, "iblr-diag", err, "LR", "iblr-diag: the rule uses β₂ = 1 − LR, which rounds to 1 (h could never learn); want LR > 2⁻⁵⁴")
	}
	for _, lr := range []float64{0x1p-53, 0x1.2p-54} { // just above the cutoff: 1 − LR < 1
		if _, err := newEngine[float64]("iblr-diag", blr.Config{DataSize: 100, LR: lr}); err != nil {
			t.Errorf("LR = %g: %v", lr, err)
		}
	}
}

// TestConfigUpperBounds: absurdly large scales are refused by the
// constructor naming the field, for every optimizer that uses the field,
// instead of by Step as an infinite precision; the bounds themselves are
// accepted, and the engine steps there.
func TestConfigUpperBounds(t *testing.T) {
	tests := []struct {
		field, want string
		set         func(c *blr.Config, v float64)
		names       []string
	}{
		{"DataSize", "must be at most 1e+15 (MaxDataSize)", func(c *blr.Config, v float64) { c.DataSize = v }, blr.Names()},
		{"PriorPrecision", "must be at most 1e+12 (MaxPrecision)", func(c *blr.Config, v float64) { c.PriorPrecision = v }, blr.Names()},
		{"HessInit", "must be at most 1e+12 (MaxPrecision)", func(c *blr.Config, v float64) { c.HessInit = v }, []string{"adam", "adamw", "iblr-diag", "ivon", "ogn", "rmsprop", "vadam", "vogn"}},
		{"Temperature", "must be at most 1e+06 (MaxTemperature)", func(c *blr.Config, v float64) { c.Temperature = v }, []string{"iblr-diag", "ivon", "vogn"}},
	}
	for _, tc := range tests {
		for _, name := range tc.names {
			cfg := blr.Config{DataSize: 100}
			tc.set(&cfg, 1e308)
			_, err := newEngine[float32](name, cfg)
			wantConfigError(t, name+" "+tc.field, err, tc.field, tc.field+" = 1e+308: "+name+": "+tc.want)
			_, err = newEngine[float64](name, cfg)
			wantConfigError(t, name+" "+tc.field+" (float64)", err, tc.field, tc.want)
		}
	}
	// Every bound at once is accepted, and IVON samples there.
	at := blr.Config{DataSize: blr.MaxDataSize, PriorPrecision: blr.MaxPrecision, HessInit: blr.MaxPrecision, Temperature: blr.MaxTemperature, Samples: 2}
	d, err := newEngine[float32]("ivon", at)
	if err != nil {
		t.Fatalf("at the bounds: %v", err)
	}
	if _, err := d.Step(quadOracle[float32]([]float64{1, 2}, []float64{1, -1}), &blr.FastNormals[float32]{Key: 1}); err != nil {
		t.Errorf("step at the bounds: %v", err)
	}
}

// TestInitialPrecisionRange: within the bounds, a combination whose initial
// precision N(h₀+δ)/τ (or its reciprocal) is not finite in the parameters'
// type is refused by the constructor, naming the field at fault, rather
// than by the first Step.
func TestInitialPrecisionRange(t *testing.T) {
	tests := []struct {
		name  string
		cfg   blr.Config
		field string
	}{
		{"cold overflow", blr.Config{DataSize: 1e6, Temperature: 1e-40}, "Temperature"},
		{"δ overflows", blr.Config{DataSize: 1e-30, PriorPrecision: 1e12}, "DataSize"},
		{"variance overflows", blr.Config{DataSize: 1, PriorPrecision: blr.Off, HessInit: 1e-44}, "HessInit"},
	}
	for _, tc := range tests {
		_, err := newEngine[float32]("ivon", tc.cfg)
		wantConfigError(t, tc.name, err, tc.field, "ivon: the initial posterior precision N(h₀+δ)/τ")
		if err != nil && !strings.Contains(err.Error(), " in float32,") {
			t.Errorf("%s: %v does not name the float type", tc.name, err)
		}
	}
	// The same settings fit float64 and sample there.
	for _, tc := range tests[1:] {
		d, err := newEngine[float64]("ivon", tc.cfg)
		if err != nil {
			t.Errorf("%s in float64: %v", tc.name, err)
			continue
		}
		if _, err := d.Step(quadOracle[float64]([]float64{1, 2}, []float64{1, -1}), blr.RandNormals[float64]{Rand: rand.New(rand.NewPCG(1, 2))}); err != nil {
			t.Errorf("%s in float64: step: %v", tc.name, err)
		}
	}
}
