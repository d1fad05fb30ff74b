package infer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/floats"
)

// Document is a bag of words: the distinct word ids of a document and how
// often each occurs.
type Document struct {
	Words  []int
	Counts []float64
}

// LDAPrior holds the symmetric Dirichlet concentrations of latent Dirichlet
// allocation: θ_d ~ Dirichlet(Alpha) over topics, β_k ~ Dirichlet(Eta) over
// words. Both must be positive and within the range of expfam.Dirichlet:
// above 2⁻⁵⁴ ≈ 5.6e-17, with K·Alpha and V·(Eta+1) at most expfam.MaxShape.
type LDAPrior struct {
	Alpha, Eta float64
}

// LDA is stochastic variational inference for latent Dirichlet allocation
// (Hoffman, Blei & Bach, NIPS 2010; Hoffman et al., JMLR 2013) written as the
// Bayesian learning rule on q = ∏ₖ q(βₖ) ∏_d q(θ_d) q(z_d):
//
//   - local, for each document of the minibatch, alternating until the mean
//     change of q(θ_d)'s concentrations is below LocalTol (or LocalIters
//     times): q(z_d) (a Categoricals over its distinct words) takes a step
//     with ρ = 1, q(z_dn = k) ∝ exp(E log θ_dk + E log β_k,w); then q(θ_d)
//     (expfam.Dirichlet) a step with ρ = 1 and prior Dirichlet(Alpha),
//     α_d = Alpha + Σₙ c_dn φ_dn;
//   - global: each q(βₖ) (expfam.Dirichlet over the V words) takes one step
//     with the prior Dirichlet(Eta) and ρ_t from the schedule,
//     λₖ ← (1−ρ_t)λₖ + ρ_t(η + (D/|B|)Σ_{d∈B} Σₙ c_dn φ_dnk e_{w_dn}).
//
// With the full batch and ρ = 1 it is batch coordinate-ascent VB. An LDA is
// not safe for concurrent use.
type LDA struct {
	// LocalIters caps the local iterations per document (default 100).
	LocalIters int
	// LocalTol stops the local loop when the mean absolute change of q(θ_d)'s
	// concentrations is below it (default 1e-3, as in Hoffman's and
	// scikit-learn's code); 0 or less runs LocalIters iterations.
	LocalTol float64

	docs  []Document
	k, v  int
	prior LDAPrior

	topics     []*expfam.Dirichlet
	topicRules []blr.Rule
	topicSt    []blr.State
	elogbeta   []float64 // K×V

	// local state of the document being processed
	doc       Document
	qz        *Categoricals
	zRule     blr.Rule
	zSt       blr.State
	qt        *expfam.Dirichlet
	tRule     blr.Rule
	tSt       blr.State
	elogtheta []float64
	phi       []float64 // rows × K
	alphaOld  []float64
	lamInit   []float64

	sstats []float64 // K×V, scaled sufficient statistics of the minibatch
}

// CheckCorpus checks that every document has matching Words and Counts,
// word ids in [0, vocab) and finite non-negative counts.
func CheckCorpus(docs []Document, vocab int) error {
	if len(docs) == 0 {
		return inputErr("len(docs)", 0, "no documents")
	}
	if vocab < 1 {
		return inputErr("vocab", vocab, "want at least one word")
	}
	for d, doc := range docs {
		if len(doc.Words) != len(doc.Counts) {
			return inputErr(fmt.Sprintf("docs[%d]: len(Words), len(Counts)", d), fmt.Sprintf("%d, %d", len(doc.Words), len(doc.Counts)), "want equal lengths")
		}
		for n, w := range doc.Words {
			if w < 0 || w >= vocab {
				return inputErr(fmt.Sprintf("docs[%d].Words[%d]", d, n), w, fmt.Sprintf("want a word id in [0, %d)", vocab))
			}
			if c := doc.Counts[n]; !(c >= 0) || math.IsInf(c, 1) {
				return inputErr(fmt.Sprintf("docs[%d].Counts[%d]", d, n), c, "want a finite count ≥ 0")
			}
		}
	}
	return nil
}

// NewLDA returns SVI for LDA with k topics over a vocabulary of the given
// size. The topics start at λₖ,w = Eta + Gamma(100, 1/100) draws from rnd
// (the usual symmetry-breaking start); rate gives ρ_t (blr.RobbinsMonro;
// blr.Constant(1) with the full batch is batch VB).
func NewLDA(docs []Document, vocab, k int, prior LDAPrior, rate blr.Schedule, rnd *rand.Rand) (*LDA, error) {
	if err := CheckCorpus(docs, vocab); err != nil {
		return nil, err
	}
	if k < 2 {
		return nil, inputErr("K (topics)", k, "want at least two topics")
	}
	if vocab > MaxTopicWords/2 {
		return nil, inputErr("vocab", vocab, fmt.Sprintf("want at most %d words (MaxTopicWords/2)", MaxTopicWords/2))
	}
	if k > MaxTopicWords/vocab {
		return nil, inputErr("K (topics)", k, fmt.Sprintf("%d topics × %d words is more than the limit of %d (MaxTopicWords)", k, vocab, MaxTopicWords))
	}
	if err := checkPositive("prior Alpha", prior.Alpha); err != nil {
		return nil, err
	}
	if err := checkPositive("prior Eta", prior.Eta); err != nil {
		return nil, err
	}
	if rate == nil {
		return nil, inputErr("rate", nil, "required (e.g. blr.RobbinsMonro)")
	}
	if rnd == nil {
		return nil, inputErr("rnd", nil, "required to break the topics' symmetry")
	}
	l := &LDA{docs: docs, k: k, v: vocab, prior: prior, LocalIters: 100, LocalTol: 1e-3}
	eta := make([]float64, vocab)
	for w := range eta {
		eta[w] = prior.Eta
	}
	topicPrior, err := expfam.NewDirichlet(eta)
	if err != nil {
		return nil, concentrationErr("prior Eta", prior.Eta, "of every word in a topic's Dirichlet", err)
	}
	start := make([]float64, vocab)
	for c := range k {
		for w := range start {
			start[w] = prior.Eta + gammaDraw(100, rnd)/100
		}
		q, err := expfam.NewDirichlet(start)
		if err != nil {
			return nil, concentrationErr("prior Eta", prior.Eta, "(plus about 1) of every word in topic "+fmt.Sprint(c)+"'s starting Dirichlet", err)
		}
		l.topics = append(l.topics, q)
		l.topicRules = append(l.topicRules, blr.Rule{Prior: topicPrior, Rate: rate,
			Estimator: messages(func(dst []float64) error { copy(dst, l.sstats[c*l.v:(c+1)*l.v]); return nil })})
	}
	l.topicSt = make([]blr.State, k)
	l.elogbeta = make([]float64, k*vocab)
	l.refresh()
	if l.qz, err = NewCategoricals(1, k); err != nil {
		return nil, err
	}
	l.zRule = blr.Rule{Estimator: messages(l.zMessage), Rate: blr.Constant(1)}
	alpha := make([]float64, k)
	for c := range alpha {
		alpha[c] = prior.Alpha
	}
	thetaPrior, err := expfam.NewDirichlet(alpha)
	if err != nil {
		return nil, concentrationErr("prior Alpha", prior.Alpha, "of every topic in a document's Dirichlet", err)
	}
	l.qt = thetaPrior.Clone().(*expfam.Dirichlet)
	l.tRule = blr.Rule{Prior: thetaPrior, Estimator: messages(l.thetaMessage), Rate: blr.Constant(1)}
	l.elogtheta = make([]float64, k)
	l.alphaOld = make([]float64, k)
	l.lamInit = make([]float64, k)
	l.sstats = make([]float64, k*vocab)
	return l, nil
}

// MaxTopicWords bounds K·V, topics times vocabulary words, of NewLDA: the
// topics' concentrations, their expected logs, the minibatch statistics and
// the rules' states each hold K·V numbers (about 1 GiB in all at the
// limit, e.g. 100 topics over 167 000 words).
const MaxTopicWords = 1 << 24

// concentrationErr turns expfam's refusal of a Dirichlet built from a
// prior's concentration v into an *InputError naming the prior's field.
func concentrationErr(field string, v float64, role string, err error) error {
	reason := err.Error()
	var de *expfam.DomainError
	if errors.As(err, &de) {
		reason = fmt.Sprintf("%s = %g: %s", de.Field, de.Value, de.Reason)
	}
	return inputErr(field, v, "out of range as the concentration "+role+": "+reason)
}

// gammaDraw returns a Gamma(shape, 1) draw by Marsaglia and Tsang's method
// (shape ≥ 1), using only rnd.
func gammaDraw(shape float64, rnd *rand.Rand) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rnd.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rnd.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// refresh caches E log β.
func (l *LDA) refresh() {
	for c, q := range l.topics {
		q.Expectation(l.elogbeta[c*l.v : (c+1)*l.v])
	}
}

func (l *LDA) zMessage(dst []float64) error {
	k1 := l.k - 1
	for n, w := range l.doc.Words {
		out := dst[n*k1 : (n+1)*k1]
		last := l.elogtheta[k1] + l.elogbeta[k1*l.v+w]
		for c := range out {
			out[c] = l.elogtheta[c] + l.elogbeta[c*l.v+w] - last
		}
	}
	return nil
}

func (l *LDA) thetaMessage(dst []float64) error {
	for n, cnt := range l.doc.Counts {
		row := l.phi[n*l.k : (n+1)*l.k]
		for c, p := range row {
			dst[c] += cnt * p
		}
	}
	return nil
}

// fitLocal runs the local loop for doc, leaving q(θ_d) in l.qt and
// q(z_d) in l.phi; it returns the number of iterations.
func (l *LDA) fitLocal(doc Document) (int, error) {
	l.doc = doc
	var total float64
	for _, c := range doc.Counts {
		total += c
	}
	// Start at α_d = Alpha + N_d/K (Blei, Ng & Jordan 2003).
	for c := range l.lamInit {
		l.lamInit[c] = l.prior.Alpha + total/float64(l.k) - 1
	}
	if err := l.qt.SetNatural(l.lamInit); err != nil {
		return 0, err
	}
	l.qz.reshape(len(doc.Words))
	iters := l.LocalIters
	if iters <= 0 {
		iters = 100
	}
	var it int
	for it < iters {
		l.qt.Expectation(l.elogtheta)
		if _, err := l.zRule.Step(l.qz, &l.zSt, nil); err != nil {
			return it, err
		}
		l.phi = l.qz.Probs(grow(l.phi, len(doc.Words)*l.k))
		l.qt.Natural(l.alphaOld)
		if _, err := l.tRule.Step(l.qt, &l.tSt, nil); err != nil {
			return it, err
		}
		it++
		if l.LocalTol > 0 {
			var change float64
			lam := l.qt.Natural(l.lamInit)
			for c, v := range lam {
				change += math.Abs(v - l.alphaOld[c])
			}
			if change/float64(l.k) < l.LocalTol {
				break
			}
		}
	}
	return it, nil
}

// Step runs one SVI step on the documents batch (indices into the corpus,
// repeats allowed).
func (l *LDA) Step(batch []int) (SVIInfo, error) {
	if len(batch) == 0 {
		return SVIInfo{}, inputErr("len(batch)", 0, "want at least one document")
	}
	for b, d := range batch {
		if d < 0 || d >= len(l.docs) {
			return SVIInfo{}, inputErr(fmt.Sprintf("batch[%d]", b), d, fmt.Sprintf("want a document in [0, %d)", len(l.docs)))
		}
	}
	clear(l.sstats)
	scale := float64(len(l.docs)) / float64(len(batch))
	var iters int
	for _, d := range batch {
		doc := l.docs[d]
		it, err := l.fitLocal(doc)
		if err != nil {
			return SVIInfo{}, fmt.Errorf("document %d: %w", d, err)
		}
		iters += it
		for n, w := range doc.Words {
			cnt := scale * doc.Counts[n]
			row := l.phi[n*l.k : (n+1)*l.k]
			for c, p := range row {
				l.sstats[c*l.v+w] += cnt * p
			}
		}
	}
	var info blr.Info
	for c, q := range l.topics {
		var err error
		if info, err = l.topicRules[c].Step(q, &l.topicSt[c], nil); err != nil {
			return SVIInfo{}, fmt.Errorf("global step, topic %d: %w", c, err)
		}
	}
	l.refresh()
	return SVIInfo{Rate: info.Rate, BatchSize: len(batch), LocalIters: float64(iters) / float64(len(batch))}, nil
}

// ELBO returns the evidence lower bound of the documents docs (indices; nil
// means all) at the current topics, fitting each document's local factors
// first:
//
//	Σ_d [Σₙ c_dn Σₖ φ_dnk (E log θ_dk + E log β_k,w − log φ_dnk) − KL(q(θ_d)‖p(θ_d))] − Σₖ KL(q(βₖ)‖p(βₖ)).
//
// The topic term is counted once, whatever subset of documents is given.
func (l *LDA) ELBO(docs []int) (float64, error) {
	if docs == nil {
		docs = allRows(len(l.docs))
	}
	alpha := make([]float64, l.k)
	for c := range alpha {
		alpha[c] = l.prior.Alpha
	}
	thetaPrior, _ := expfam.NewDirichlet(alpha)
	var elbo float64
	for _, d := range docs {
		if d < 0 || d >= len(l.docs) {
			return 0, inputErr("docs", d, fmt.Sprintf("want a document in [0, %d)", len(l.docs)))
		}
		doc := l.docs[d]
		if _, err := l.fitLocal(doc); err != nil {
			return 0, fmt.Errorf("document %d: %w", d, err)
		}
		l.qt.Expectation(l.elogtheta)
		for n, w := range doc.Words {
			row := l.phi[n*l.k : (n+1)*l.k]
			var s float64
			for c, p := range row {
				if p > 0 {
					s += p * (l.elogtheta[c] + l.elogbeta[c*l.v+w] - math.Log(p))
				}
			}
			elbo += doc.Counts[n] * s
		}
		elbo -= l.qt.KL(thetaPrior)
	}
	eta := make([]float64, l.v)
	for w := range eta {
		eta[w] = l.prior.Eta
	}
	topicPrior, _ := expfam.NewDirichlet(eta)
	for _, q := range l.topics {
		elbo -= q.KL(topicPrior)
	}
	return elbo, nil
}

// Topic returns q(βₖ)'s concentrations (length V).
func (l *LDA) Topic(k int) []float64 { return l.topics[k].Alpha(nil) }

// TopWords returns the n most probable word ids of topic k under E[βₖ],
// most probable first (ties by word id); nil for k outside [0, K) or n ≤ 0.
func (l *LDA) TopWords(k, n int) []int {
	if k < 0 || k >= l.k || n <= 0 {
		return nil
	}
	a := l.topics[k].Alpha(nil)
	idx := allRows(len(a))
	sort.SliceStable(idx, func(i, j int) bool { return a[idx[i]] > a[idx[j]] })
	return idx[:min(n, len(idx))]
}

// DocTopics returns E[θ_d] for document d under the current topics.
func (l *LDA) DocTopics(d int) ([]float64, error) {
	if d < 0 || d >= len(l.docs) {
		return nil, inputErr("d", d, fmt.Sprintf("want a document in [0, %d)", len(l.docs)))
	}
	if _, err := l.fitLocal(l.docs[d]); err != nil {
		return nil, err
	}
	a := l.qt.Alpha(nil)
	floats.Scale(1/floats.Sum(a), a)
	return a, nil
}

// allRows returns 0, 1, …, n−1.
func allRows(n int) []int {
	b := make([]int, n)
	for i := range b {
		b[i] = i
	}
	return b
}
