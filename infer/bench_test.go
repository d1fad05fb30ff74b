package infer

// Speed, side by side: each benchmark runs the rule's construction and a
// plain, well-written reference of the classic algorithm on the same data in
// the same run. Compare with
//
//	go test -run '^$' -bench 'SVILDA|EMGMM' -benchtime 3x ./infer/
//
// (docs/s for LDA, ns/op = one EM iteration for the mixture).

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/internal/special"
)

// plainOnlineLDA is online LDA (Hoffman, Blei & Bach 2010, Algorithm 2) as
// its authors' and scikit-learn's code write it: exp(E log β) cached after
// each global step, φ never stored (φ_dwk ∝ exp(E log θ_dk)·exp(E log β_kw),
// normalised by a dot product), the same local start, cap and tolerance as
// LDA.
type plainOnlineLDA struct {
	k, v       int
	alpha, eta float64
	lam        []float64 // K×V
	expElogb   []float64 // K×V
	rate       blr.RobbinsMonro
	t          int
	nDocs      int
}

func (p *plainOnlineLDA) refresh() {
	for c := range p.k {
		row := p.lam[c*p.v : (c+1)*p.v]
		var s float64
		for _, x := range row {
			s += x
		}
		ps := special.Digamma(s)
		for w, x := range row {
			p.expElogb[c*p.v+w] = math.Exp(special.Digamma(x) - ps)
		}
	}
}

func (p *plainOnlineLDA) step(docs []Document, batch []int) {
	k, v := p.k, p.v
	ss := make([]float64, k*v)
	gamma := make([]float64, k)
	expElogt := make([]float64, k)
	old := make([]float64, k)
	for _, d := range batch {
		doc := docs[d]
		var nd float64
		for _, c := range doc.Counts {
			nd += c
		}
		for c := range gamma {
			gamma[c] = p.alpha + nd/float64(k)
		}
		norm := make([]float64, len(doc.Words))
		for range 100 {
			var g0 float64
			for _, g := range gamma {
				g0 += g
			}
			pg := special.Digamma(g0)
			for c := range k {
				expElogt[c] = math.Exp(special.Digamma(gamma[c]) - pg)
			}
			for n, w := range doc.Words {
				var s float64
				for c := range k {
					s += expElogt[c] * p.expElogb[c*v+w]
				}
				norm[n] = s
			}
			copy(old, gamma)
			var change float64
			for c := range k {
				var s float64
				for n, w := range doc.Words {
					s += doc.Counts[n] * p.expElogb[c*v+w] / norm[n]
				}
				gamma[c] = p.alpha + expElogt[c]*s
				change += math.Abs(gamma[c] - old[c])
			}
			if change/float64(k) < 1e-3 {
				break
			}
		}
		// Sufficient statistics with the final φ (computed from the final γ).
		var g0 float64
		for _, g := range gamma {
			g0 += g
		}
		pg := special.Digamma(g0)
		for c := range k {
			expElogt[c] = math.Exp(special.Digamma(gamma[c]) - pg)
		}
		for n, w := range doc.Words {
			var s float64
			for c := range k {
				s += expElogt[c] * p.expElogb[c*v+w]
			}
			f := doc.Counts[n] / s
			for c := range k {
				ss[c*v+w] += f * expElogt[c] * p.expElogb[c*v+w]
			}
		}
	}
	rho := p.rate.Rate(p.t)
	p.t++
	scale := float64(p.nDocs) / float64(len(batch))
	for i := range p.lam {
		p.lam[i] = (1-rho)*p.lam[i] + rho*(p.eta+scale*ss[i])
	}
	p.refresh()
}

func BenchmarkSVILDA(b *testing.B) {
	const nd, v, k, m = 1000, 500, 10, 64
	docs := ldaCorpus(nd, v, k, 80, 7)
	rate := blr.RobbinsMonro{Rho0: 1, Tau: 16, Kappa: 0.7}
	prior := LDAPrior{Alpha: 0.1, Eta: 0.01}
	batches := func() [][]int {
		rnd := rand.New(rand.NewPCG(1, 1))
		perm := rnd.Perm(nd)
		var out [][]int
		for i := 0; i+m <= nd; i += m {
			out = append(out, perm[i:i+m])
		}
		return out
	}()
	docsPerEpoch := float64(len(batches) * m)
	b.Run("blr", func(b *testing.B) {
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			l, err := NewLDA(docs, v, k, prior, rate, rand.New(rand.NewPCG(2, 2)))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			for _, bt := range batches {
				if _, err := l.Step(bt); err != nil {
					b.Fatal(err)
				}
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(docsPerEpoch*float64(b.N)/elapsed.Seconds(), "docs/s")
	})
	b.Run("plain", func(b *testing.B) {
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			l, _ := NewLDA(docs, v, k, prior, rate, rand.New(rand.NewPCG(2, 2)))
			p := &plainOnlineLDA{k: k, v: v, alpha: prior.Alpha, eta: prior.Eta, rate: rate, nDocs: nd,
				lam: make([]float64, k*v), expElogb: make([]float64, k*v)}
			for c := range k {
				copy(p.lam[c*v:], l.Topic(c))
			}
			p.refresh()
			b.StartTimer()
			start := time.Now()
			for _, bt := range batches {
				p.step(docs, bt)
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(docsPerEpoch*float64(b.N)/elapsed.Seconds(), "docs/s")
	})
}

// plainEM is one classic EM iteration for a diagonal Gaussian mixture on
// flat arrays: a log-sum-exp E-step that accumulates the sufficient
// statistics in the same pass, then the closed-form M-step.
type plainEM struct {
	x       []float64
	n, d, k int
	w, mu   []float64
	v       []float64 // K×D
	lj      []float64
	nk, sx  []float64
	sxx     []float64
}

func (p *plainEM) iterate(meansOnly bool) float64 {
	k, d := p.k, p.d
	clear(p.nk)
	clear(p.sx)
	clear(p.sxx)
	consts := make([]float64, k)
	for c := range k {
		consts[c] = math.Log(p.w[c])
		for j := range d {
			consts[c] -= 0.5 * math.Log(2*math.Pi*p.v[c*d+j])
		}
	}
	var ll float64
	for i := range p.n {
		xi := p.x[i*d : (i+1)*d]
		mx := math.Inf(-1)
		for c := range k {
			s := consts[c]
			for j, x := range xi {
				r := x - p.mu[c*d+j]
				s -= 0.5 * r * r / p.v[c*d+j]
			}
			p.lj[c] = s
			mx = math.Max(mx, s)
		}
		var se float64
		for c := range k {
			p.lj[c] = math.Exp(p.lj[c] - mx)
			se += p.lj[c]
		}
		ll += mx + math.Log(se)
		for c := range k {
			r := p.lj[c] / se
			p.nk[c] += r
			for j, x := range xi {
				p.sx[c*d+j] += r * x
				p.sxx[c*d+j] += r * x * x
			}
		}
	}
	for c := range k {
		for j := range d {
			m := p.sx[c*d+j] / p.nk[c]
			if !meansOnly {
				p.v[c*d+j] = p.sxx[c*d+j]/p.nk[c] - m*m
			}
			p.mu[c*d+j] = m
		}
		if !meansOnly {
			p.w[c] = p.nk[c] / float64(p.n)
		}
	}
	return ll
}

func BenchmarkEMGMM(b *testing.B) {
	means := [][]float64{{-3, 0, 1}, {0, 2, -1}, {3, -1, 0}, {1, 1, 1}, {-1, -2, 2}}
	x := mixtureData(5000, means, 0.8, 3)
	start := startGMM(5, 3, 2)
	for _, variant := range []EMVariant{MeansOnly, Full} {
		name := map[EMVariant]string{MeansOnly: "means-only", Full: "full"}[variant]
		b.Run(name+"/blr", func(b *testing.B) {
			em, err := NewEM(x, start, variant)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := em.Iterate(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/plain", func(b *testing.B) {
			p := &plainEM{n: len(x), d: 3, k: 5, lj: make([]float64, 5), nk: make([]float64, 5),
				sx: make([]float64, 15), sxx: make([]float64, 15)}
			for _, r := range x {
				p.x = append(p.x, r...)
			}
			p.w = append([]float64(nil), start.Weights...)
			for c := range 5 {
				p.mu = append(p.mu, start.Means[c]...)
				p.v = append(p.v, start.Variances[c]...)
			}
			b.ResetTimer()
			for range b.N {
				p.iterate(variant == MeansOnly)
			}
		})
	}
}
