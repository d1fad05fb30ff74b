package train

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/bayesrule/blr/data"
)

// TestNilPosterior: a nil posterior, alone or in an ensemble, gives a
// *ConfigError naming it (posteriors[i] in an ensemble) from every exported
// function of posterior.go that returns an error, instead of a nil
// dereference.
func TestNilPosterior(t *testing.T) {
	const n = 64
	test := &data.Set{X: make([]float32, n*ImageSize), Y: make([]int, n), N: n, D: ImageSize, Classes: Classes, H: 28, W: 28, Name: "zeros"}
	cfg := tinyConfig("ivon")
	cfg.TrainSize, cfg.TestSize = n, n
	tr, err := New(cfg, test, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := tr.Posterior()
	var nilP *Posterior
	tests := []struct {
		name, want string
		f          func() error
	}{
		{"EvaluateEnsemble {nil}", "train: posteriors[0] = nil: no posterior", func() error {
			_, err := EvaluateEnsemble([]*Posterior{nil}, test, nil, 2, 1)
			return err
		}},
		{"EvaluateEnsemble {good, nil}", "train: posteriors[1] = nil: no posterior", func() error {
			_, err := EvaluateEnsemble([]*Posterior{good, nil}, test, nil, 2, 1)
			return err
		}},
		{"Evaluate", "train: posterior = nil: no posterior", func() error {
			_, err := nilP.Evaluate(test, nil, 2, 1)
			return err
		}},
		{"WriteFile", "train: posterior = nil: no posterior", func() error {
			return nilP.WriteFile(filepath.Join(t.TempDir(), PosteriorFile))
		}},
		{"Check", "train: posterior = nil: no posterior", func() error { return nilP.Check() }},
		{"Predict", "train: posterior = nil: no posterior", func() error {
			_, err := nilP.Predict(test.X[:ImageSize], 0, 1)
			return err
		}},
		{"SampleWeights", "train: posterior = nil: no posterior", func() error {
			_, _, err := nilP.SampleWeights(nil, 0, 1, 1)
			return err
		}},
	}
	for _, tc := range tests {
		err := tc.f()
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("%s: err = %v, want a *ConfigError starting %q", tc.name, err, tc.want)
		}
	}
}
