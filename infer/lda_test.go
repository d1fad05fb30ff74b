package infer

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/special"
)

// ldaCorpus draws nd documents of about length words from LDA itself with k
// topics over v words, each topic concentrated on its own block of words.
func ldaCorpus(nd, v, k, length int, seed uint64) []Document {
	rnd := rand.New(rand.NewPCG(seed, 3))
	beta := make([][]float64, k)
	for c := range k {
		beta[c] = make([]float64, v)
		var s float64
		for w := range v {
			p := 0.02
			if w*k/v == c {
				p = 1
			}
			beta[c][w] = p * (0.5 + rnd.Float64())
			s += beta[c][w]
		}
		for w := range v {
			beta[c][w] /= s
		}
	}
	draw := func(p []float64) int {
		u := rnd.Float64()
		for i, pi := range p {
			if u < pi {
				return i
			}
			u -= pi
		}
		return len(p) - 1
	}
	docs := make([]Document, nd)
	for d := range docs {
		theta := make([]float64, k)
		var s float64
		for c := range theta {
			theta[c] = gammaDraw(1, rnd) + 0.05
			s += theta[c]
		}
		for c := range theta {
			theta[c] /= s
		}
		counts := map[int]float64{}
		n := length/2 + rnd.IntN(length)
		for range n {
			counts[draw(beta[draw(theta)])]++
		}
		for w := range v {
			if c, ok := counts[w]; ok {
				docs[d].Words = append(docs[d].Words, w)
				docs[d].Counts = append(docs[d].Counts, c)
			}
		}
	}
	return docs
}

// batchVBLDA is batch coordinate-ascent VB for LDA (Blei, Ng & Jordan 2003;
// Hoffman et al. 2010, Algorithm 1), written plainly with a fixed number of
// local iterations: it returns λ (K×V) after each of iters iterations from
// the start lam.
func batchVBLDA(docs []Document, lam [][]float64, p LDAPrior, iters, local int) [][][]float64 {
	k, v := len(lam), len(lam[0])
	lam = cloneRows(lam)
	var out [][][]float64
	for range iters {
		elogb := make([][]float64, k)
		for c := range k {
			var s float64
			for _, x := range lam[c] {
				s += x
			}
			elogb[c] = make([]float64, v)
			for w := range v {
				elogb[c][w] = special.Digamma(lam[c][w]) - special.Digamma(s)
			}
		}
		ss := make([][]float64, k)
		for c := range ss {
			ss[c] = make([]float64, v)
		}
		for _, doc := range docs {
			var nd float64
			for _, c := range doc.Counts {
				nd += c
			}
			gamma := make([]float64, k)
			for c := range gamma {
				gamma[c] = p.Alpha + nd/float64(k)
			}
			phi := make([][]float64, len(doc.Words))
			for range local {
				var g0 float64
				for _, g := range gamma {
					g0 += g
				}
				elogt := make([]float64, k)
				for c := range k {
					elogt[c] = special.Digamma(gamma[c]) - special.Digamma(g0)
				}
				for n, w := range doc.Words {
					row := make([]float64, k)
					mx := math.Inf(-1)
					for c := range k {
						row[c] = elogt[c] + elogb[c][w]
						mx = math.Max(mx, row[c])
					}
					var s float64
					for c := range k {
						row[c] = math.Exp(row[c] - mx)
						s += row[c]
					}
					for c := range k {
						row[c] /= s
					}
					phi[n] = row
				}
				for c := range k {
					gamma[c] = p.Alpha
					for n := range doc.Words {
						gamma[c] += doc.Counts[n] * phi[n][c]
					}
				}
			}
			for n, w := range doc.Words {
				for c := range k {
					ss[c][w] += doc.Counts[n] * phi[n][c]
				}
			}
		}
		for c := range k {
			for w := range v {
				lam[c][w] = p.Eta + ss[c][w]
			}
		}
		out = append(out, cloneRows(lam))
	}
	return out
}

func cloneRows(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i := range x {
		out[i] = append([]float64(nil), x[i]...)
	}
	return out
}

var testLDAPrior = LDAPrior{Alpha: 0.5, Eta: 0.1}

// TestLDAFullBatchIsBatchVB: with the full batch, ρ = 1 and a fixed number
// of local iterations, SVI-LDA's topics equal batch VB's to 1e-12 relative.
func TestLDAFullBatchIsBatchVB(t *testing.T) {
	docs := ldaCorpus(40, 30, 3, 40, 1)
	l, err := NewLDA(docs, 30, 3, testLDAPrior, blr.Constant(1), rand.New(rand.NewPCG(5, 5)))
	if err != nil {
		t.Fatal(err)
	}
	l.LocalTol, l.LocalIters = 0, 20
	start := make([][]float64, 3)
	for c := range start {
		start[c] = l.Topic(c)
	}
	const iters = 15
	want := batchVBLDA(docs, start, testLDAPrior, iters, 20)
	var dev float64
	for it := range iters {
		if _, err := l.Step(allRows(len(docs))); err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			got := l.Topic(c)
			for w := range got {
				dev = math.Max(dev, relErr(got[w], want[it][c][w]))
			}
		}
	}
	if dev > 1e-12 {
		t.Errorf("max relative deviation from batch VB %.3g > 1e-12", dev)
	}
	t.Logf("full-batch SVI-LDA vs batch VB: max relative deviation %.3g over %d iterations", dev, iters)
}

// TestLDAMinibatchReachesBatchELBO: minibatch SVI-LDA with Robbins–Monro
// steps reaches the batch fixed point's ELBO within 0.5% (relative).
func TestLDAMinibatchReachesBatchELBO(t *testing.T) {
	docs := ldaCorpus(400, 60, 4, 60, 2)
	newLDA := func(rate blr.Schedule) *LDA {
		l, err := NewLDA(docs, 60, 4, testLDAPrior, rate, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	batch := newLDA(blr.Constant(1))
	for range 60 {
		if _, err := batch.Step(allRows(len(docs))); err != nil {
			t.Fatal(err)
		}
	}
	want, err := batch.ELBO(nil)
	if err != nil {
		t.Fatal(err)
	}
	svi := newLDA(blr.RobbinsMonro{Rho0: 1, Tau: 1, Kappa: 0.55})
	rnd := rand.New(rand.NewPCG(3, 4))
	const m = 20
	for range 10 {
		perm := rnd.Perm(len(docs))
		for b := 0; b+m <= len(perm); b += m {
			if _, err := svi.Step(perm[b : b+m]); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := svi.ELBO(nil)
	if err != nil {
		t.Fatal(err)
	}
	rel := math.Abs(got-want) / math.Abs(want)
	t.Logf("batch ELBO %.3f, SVI (M = %d) ELBO %.3f, relative gap %.2g", want, m, got, rel)
	if rel > 5e-3 {
		t.Errorf("SVI ELBO %.4f is %.2g (relative) from the batch fixed point's %.4f", got, rel, want)
	}
}

func TestLDABadInput(t *testing.T) {
	docs := []Document{{Words: []int{0, 2}, Counts: []float64{1, 3}}}
	rnd := rand.New(rand.NewPCG(1, 1))
	rate := blr.RobbinsMonro{Rho0: 1, Tau: 1, Kappa: 0.7}
	for _, tc := range []struct {
		name  string
		docs  []Document
		vocab int
		k     int
		prior LDAPrior
	}{
		{"no documents", nil, 3, 2, testLDAPrior},
		{"topic count 0", docs, 3, 0, testLDAPrior},
		{"one topic", docs, 3, 1, testLDAPrior},
		{"vocabulary 0", docs, 0, 2, testLDAPrior},
		{"word out of range", docs, 2, 2, testLDAPrior},
		{"negative word", []Document{{Words: []int{-1}, Counts: []float64{1}}}, 3, 2, testLDAPrior},
		{"NaN count", []Document{{Words: []int{1}, Counts: []float64{math.NaN()}}}, 3, 2, testLDAPrior},
		{"negative count", []Document{{Words: []int{1}, Counts: []float64{-2}}}, 3, 2, testLDAPrior},
		{"ragged", []Document{{Words: []int{1, 2}, Counts: []float64{1}}}, 3, 2, testLDAPrior},
		{"alpha 0", docs, 3, 2, LDAPrior{0, 1}},
		{"eta negative", docs, 3, 2, LDAPrior{1, -1}},
		{"eta NaN", docs, 3, 2, LDAPrior{1, math.NaN()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewLDA(tc.docs, tc.vocab, tc.k, tc.prior, rate, rnd)
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v, want one wrapping ErrInput", err)
			}
		})
	}
	l, err := NewLDA(docs, 3, 2, testLDAPrior, rate, rnd)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]int{nil, {1}, {-1}} {
		if _, err := l.Step(b); !errors.Is(err, ErrInput) {
			t.Errorf("batch %v: error %v, want ErrInput", b, err)
		}
	}
	// An empty document is valid: its local factors are the prior's.
	l2, err := NewLDA([]Document{{}}, 3, 2, testLDAPrior, rate, rnd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l2.Step([]int{0}); err != nil {
		t.Errorf("empty document: %v", err)
	}
}

// TestLDADeterministic: the same seed gives bit-identical topics.
func TestLDADeterministic(t *testing.T) {
	docs := ldaCorpus(50, 20, 3, 30, 4)
	run := func() []float64 {
		l, err := NewLDA(docs, 20, 3, testLDAPrior, blr.RobbinsMonro{Rho0: 1, Tau: 1, Kappa: 0.7}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(3, 3))
		for range 10 {
			if _, err := l.Step(rnd.Perm(50)[:10]); err != nil {
				t.Fatal(err)
			}
		}
		return l.Topic(2)
	}
	a, b := run(), run()
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("λ[2][%d]: %v then %v", i, a[i], b[i])
		}
	}
}
