package infer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
)

// TestDegenerateDataNoPanic: data that break the model's assumptions give
// errors (or finite results), never a panic.
func TestDegenerateDataNoPanic(t *testing.T) {
	start := GMM{Weights: []float64{0.5, 0.5}, Means: [][]float64{{-1}, {1}}, Variances: [][]float64{{1}, {1}}}
	for _, tc := range []struct {
		name string
		x    [][]float64
	}{
		{"constant data", [][]float64{{0}, {0}, {0}, {0}}},
		{"one point", [][]float64{{3}}},
		{"far away", [][]float64{{1e6}, {1e6 + 1}, {-1e6}}},
		{"huge values", [][]float64{{1e200}, {-1e200}, {1}}},
	} {
		for _, v := range []EMVariant{MeansOnly, Full, FullSingleStep} {
			t.Run(tc.name+"/"+v.String(), func(t *testing.T) {
				em, err := NewEM(tc.x, start, v)
				if err != nil {
					return
				}
				for range 20 {
					if _, err := em.Iterate(); err != nil {
						t.Logf("stopped with: %v", err)
						return
					}
				}
				for _, th := range em.Theta() {
					if math.IsNaN(th) {
						t.Errorf("θ has a NaN and no error was reported: %v", em.Theta())
					}
				}
			})
		}
		t.Run(tc.name+"/SVI", func(t *testing.T) {
			g, err := NewBayesGMM(tc.x, 2, testGMMPrior, blr.Constant(1), rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				return
			}
			for range 10 {
				if _, err := g.Step(allRows(len(tc.x))); err != nil {
					t.Logf("stopped with: %v", err)
					return
				}
			}
			_ = g.ELBO()
		})
	}
}

func TestCategoricals(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{0, 2}, {1, 1}, {-1, 3}} {
		if _, err := NewCategoricals(tc.n, tc.k); err == nil {
			t.Errorf("N = %d, K = %d accepted", tc.n, tc.k)
		}
	}
	q, _ := NewCategoricals(2, 3)
	if err := q.SetNatural([]float64{0, 1, math.NaN(), 0}); err == nil {
		t.Error("NaN accepted")
	}
	if err := q.SetNatural([]float64{0, 1, 800, -800}); err != nil {
		t.Fatal(err)
	}
	p := q.Probs(nil)
	var s float64
	for _, v := range p[3:] {
		s += v
	}
	if math.Abs(s-1) > 1e-15 || p[3] != 1 {
		t.Errorf("probabilities of logits (800, −800, 0): %v", p[3:])
	}
	if h := q.Entropy(); !(h >= 0) || math.IsInf(h, 0) {
		t.Errorf("entropy %v", h)
	}
	// Row 0: logits (0, 1, 0): H = log(2 + e) − e/(2 + e).
	if q2, _ := NewCategoricals(1, 3); q2.SetNatural([]float64{0, 1}) == nil {
		want := math.Log(2+math.E) - math.E/(2+math.E)
		if d := math.Abs(q2.Entropy() - want); d > 1e-15 {
			t.Errorf("entropy %v, want %v", q2.Entropy(), want)
		}
	}
}

func TestBagOfWords(t *testing.T) {
	docs, vocab, err := BagOfWords([]string{"The cat sat; the cat ran.", "A dog ran!", "cat-dog"}, Vocabulary{Stop: EnglishStop})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cat", "dog", "ran", "sat"}
	if len(vocab) != len(want) {
		t.Fatalf("vocabulary %v, want %v", vocab, want)
	}
	for i := range want {
		if vocab[i] != want[i] {
			t.Fatalf("vocabulary %v, want %v", vocab, want)
		}
	}
	if len(docs[0].Words) != 3 || docs[0].Counts[0] != 2 {
		t.Errorf("document 0: %+v", docs[0])
	}
	if _, _, err := BagOfWords(nil, Vocabulary{}); err == nil {
		t.Error("no texts accepted")
	}
	if _, _, err := BagOfWords([]string{"a b"}, Vocabulary{}); err == nil {
		t.Error("empty vocabulary accepted")
	}
}
