package train

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPosteriorRoundTrip: a written posterior reads back equal and gives the
// same metrics; the mean-weights and posterior-average metrics are sane.
func TestPosteriorRoundTrip(t *testing.T) {
	train, test, ood := sets(t)
	cfg := tinyConfig("ivon")
	cfg.Hidden, cfg.TestSamples = []int{32}, 3
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, tr.TotalSteps())
	p := tr.Posterior()
	path := filepath.Join(t.TempDir(), "p.safetensors")
	if err := p.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	q, err := ReadPosterior(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("read back %+v, want %+v", q.Config, p.Config)
	}
	want, err := tr.Evaluate(test, ood)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Evaluate(test, ood, cfg.TestSamples, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metrics of the read-back posterior differ:\n got %+v\nwant %+v", got, want)
	}
	for _, s := range []Scores{got.Mean, got.Average} {
		if s.N != test.N || !(s.Accuracy > 0.15 && s.Accuracy <= 1) || !(s.NLL > 0) || !(s.ECE >= 0 && s.ECE <= 1) ||
			!(s.Brier >= 0 && s.Brier <= 2) || !(s.MeanEntropy >= 0 && s.MeanEntropy <= math.Log(10)) {
			t.Errorf("implausible scores %+v", s)
		}
		if ood != nil && (s.OODAUROC == nil || !(*s.OODAUROC >= 0 && *s.OODAUROC <= 1)) {
			t.Errorf("OOD AUROC %v", s.OODAUROC)
		}
	}
	if got.Predictive() != "posterior-average" || got.Reported() != got.Average {
		t.Errorf("reported predictive %q", got.Predictive())
	}
	// Another seed draws other networks.
	other, err := q.Evaluate(test, ood, cfg.TestSamples, cfg.Seed+1)
	if err != nil {
		t.Fatal(err)
	}
	if other.Average.NLL == got.Average.NLL {
		t.Error("the evaluation seed is ignored")
	}
	// Without an OOD set the AUROC is absent.
	noOOD, err := q.Evaluate(test, nil, 0, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	if noOOD.Mean.OODAUROC != nil || noOOD.Samples != 0 || noOOD.Predictive() != "mean-weights" {
		t.Errorf("without OOD set and samples: %+v", noOOD)
	}
}

// TestPosteriorErrors: a state file is not a posterior; sampling a
// point-estimate "posterior" with zero precision is ErrImproper; bad sample
// counts are config errors.
func TestPosteriorErrors(t *testing.T) {
	train, test, _ := sets(t)
	dir := t.TempDir()
	tr, err := New(tinyConfig("adam"), train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, 4)
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPosterior(filepath.Join(dir, StateFile)); err == nil {
		t.Error("ReadPosterior of a training state succeeded")
	}
	p, err := ReadPosterior(filepath.Join(dir, PosteriorFile))
	if err != nil {
		t.Fatal(err)
	}
	// Adam has no prior here and MNIST's corner pixels are always 0, so
	// their weights have zero gradient, h = 0 and precision 0.
	if _, err := p.Evaluate(test, nil, 2, 1); !errors.Is(err, ErrImproper) {
		t.Errorf("sampling Adam's precision: %v, want ErrImproper", err)
	}
	if _, err := p.Evaluate(test, nil, 0, 1); err != nil {
		t.Errorf("mean weights of Adam: %v", err)
	}
	for _, s := range []int{-1, MaxSamples + 1} {
		var ce *ConfigError
		if _, err := p.Evaluate(test, nil, s, 1); !errors.As(err, &ce) || ce.Field != "test-samples" {
			t.Errorf("samples %d: %v", s, err)
		}
	}
	short := *p
	short.Mean = p.Mean[:10]
	if _, err := short.Evaluate(test, nil, 0, 1); !errors.Is(err, ErrImproper) {
		t.Errorf("posterior of the wrong size: %v", err)
	}
}
