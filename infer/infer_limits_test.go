package infer

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
)

// TestCategoricalsLimit: N·K above MaxCategoricalsEntries is refused before
// the allocation (NewCategoricals(1<<20, 1<<20) died of a fatal
// out-of-memory error).
func TestCategoricalsLimit(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{1 << 20, 1 << 20}, {1, MaxCategoricalsEntries + 1}, {1 << 40, 2}, {2, 1 << 62}} {
		q, err := NewCategoricals(tc.n, tc.k)
		if q != nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "MaxCategoricalsEntries") {
			t.Errorf("NewCategoricals(%d, %d) = %v, %v; want an InputError naming the limit", tc.n, tc.k, q, err)
		}
	}
	if _, err := NewCategoricals(MaxCategoricalsEntries/4, 4); err != nil {
		t.Errorf("N·K at the limit: %v", err)
	}
	var g Graph
	if _, err := g.Categoricals("z", 1<<20, 1<<20); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "node z") {
		t.Errorf("Graph.Categoricals: err %v", err)
	}
}

// TestLDALimits: a vocabulary or topic count whose K×V topic matrices
// would exceed MaxTopicWords is refused naming it, and a prior whose
// Dirichlet expfam refuses names the prior's field (the theta prior's error
// used to be dropped, leaving a nil Dirichlet).
func TestLDALimits(t *testing.T) {
	docs := []Document{{Words: []int{0, 1}, Counts: []float64{1, 2}}, {Words: []int{2}, Counts: []float64{1}}}
	rate := blr.Constant(1)
	rnd := rand.New(rand.NewPCG(1, 2))
	ok := LDAPrior{Alpha: 0.5, Eta: 0.1}
	for _, tc := range []struct {
		name      string
		vocab, k  int
		prior     LDAPrior
		want      string
		wantField string
	}{
		{"vocab", 1 << 40, 2, ok, "want at most 8388608 words", "vocab = 1099511627776"},
		{"topics", 1 << 20, 17, ok, "17 topics × 1048576 words is more than the limit of 16777216", "K (topics) = 17"},
		{"topics 2^40", 3, 1 << 40, ok, "more than the limit of 16777216", "K (topics) = 1099511627776"},
		{"alpha tiny", 3, 2, LDAPrior{Alpha: 1e-17, Eta: 0.1}, "must exceed 2⁻⁵⁴", "prior Alpha = 1e-17"},
		{"alpha huge", 3, 4, LDAPrior{Alpha: 1e300, Eta: 0.1}, "at most 1e+300", "prior Alpha = 1e+300"},
		{"eta huge", 3, 2, LDAPrior{Alpha: 0.5, Eta: 1e300}, "at most 1e+300", "prior Eta = 1e+300"},
		{"eta tiny", 3, 2, LDAPrior{Alpha: 0.5, Eta: 1e-17}, "must exceed 2⁻⁵⁴", "prior Eta = 1e-17"},
	} {
		_, err := NewLDA(docs, tc.vocab, tc.k, tc.prior, rate, rnd)
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.wantField) {
			t.Errorf("%s: err %v, want an InputError with %q and %q", tc.name, err, tc.wantField, tc.want)
		}
	}
	if _, err := NewLDA(docs, 3, 2, ok, rate, rnd); err != nil {
		t.Errorf("a valid LDA: %v", err)
	}
}

// TestBayesGMMMagnitude: data, starting means or a prior mean that the
// Normal-Gamma components cannot hold are refused naming x[i][j], means[c][j]
// or prior M0, not expfam's "NormalGamma λ[3] (−b−κm²/2) = -Inf".
func TestBayesGMMMagnitude(t *testing.T) {
	rate := blr.Constant(1)
	prior := GMMPrior{Alpha: 1, M0: 0, Kappa0: 1, A0: 1, B0: 1}
	x := [][]float64{{1, 2}, {2, 1e300}, {3, 1}, {4, 2}}
	_, err := NewBayesGMM(x, 2, prior, rate, rand.New(rand.NewPCG(1, 2)))
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "x[1][1] = 1e+300: want a value in [−1e+100, 1e+100] (MaxAbsX)") {
		t.Errorf("x with 1e300: err %v", err)
	}
	_, err = NewBayesGMMAt(x, [][]float64{{1, 1}, {2, 2}}, prior, rate)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "x[1][1] = 1e+300") {
		t.Errorf("NewBayesGMMAt, x with 1e300: err %v", err)
	}
	// Every row is a start with K = N, so the row of 1e50 is one.
	x[1][1] = 1e50
	_, err = NewBayesGMM(x, 4, prior, rate, rand.New(rand.NewPCG(1, 2)))
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "x[1][1] = 1e+50: too large as the starting mean of component") ||
		!strings.Contains(err.Error(), "rescale the data or raise B0") || strings.Contains(err.Error(), "λ[3]") {
		t.Errorf("a start of 1e50: err %v", err)
	}
	_, err = NewBayesGMMAt(x, [][]float64{{1, 1}, {2, 1e50}}, prior, rate)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "means[1][1] = 1e+50: too large as the starting mean of component 1") {
		t.Errorf("a starting mean of 1e50: err %v", err)
	}
	x[1][1] = 5
	for _, tc := range []struct {
		m0   float64
		want string
	}{
		{1e308, "prior M0 = 1e+308: want a value in [−1e+100, 1e+100]"},
		{-1e200, "prior M0 = -1e+200: want a value in"},
		{1e50, "prior M0 = 1e+50: too large as the prior's mean for the prior's Kappa0 = 1 and B0 = 1"},
	} {
		p := prior
		p.M0 = tc.m0
		_, err = NewBayesGMM(x, 2, p, rate, rand.New(rand.NewPCG(1, 2)))
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("M0 = %g: err %v, want %q", tc.m0, err, tc.want)
		}
	}
	for _, tc := range []struct {
		p    GMMPrior
		want string
	}{
		{GMMPrior{Alpha: 1, Kappa0: 1, A0: 1e308, B0: 1}, "prior A0 = 1e+308: want at most 1e+300"},
		{GMMPrior{Alpha: 1e300, Kappa0: 1, A0: 1, B0: 1}, "prior Alpha = 1e+300: out of range"},
		{GMMPrior{Alpha: 1e-17, Kappa0: 1, A0: 1, B0: 1}, "prior Alpha = 1e-17: out of range"},
	} {
		_, err = NewBayesGMM(x, 2, tc.p, rate, rand.New(rand.NewPCG(1, 2)))
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.p, err, tc.want)
		}
	}
	// A large but representable scale is accepted and steps.
	g, err := NewBayesGMM([][]float64{{1e6}, {2e6}, {3e6}, {4e6}}, 2, GMMPrior{Alpha: 1, Kappa0: 1e-6, A0: 1, B0: 1e6}, rate, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Step([]int{0, 1, 2, 3}); err != nil {
		t.Error(err)
	}
}
