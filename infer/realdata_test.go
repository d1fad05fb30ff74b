package infer

import (
	"crypto/sha256"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/data"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// mnistPCA returns the first n MNIST test images projected on their top dims
// principal components (skipping the test when MNIST is not available).
func mnistPCA(t *testing.T, n, dims int) [][]float64 {
	_, test, err := data.LoadMNIST("")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	x := mat.NewDense(n, test.D, nil)
	for i := range n {
		for j, v := range test.Row(i) {
			x.Set(i, j, float64(v))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		t.Fatal("PCA failed")
	}
	var vecs, proj mat.Dense
	pc.VectorsTo(&vecs)
	proj.Mul(x, vecs.Slice(0, test.D, 0, dims))
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), proj.RawRowView(i)...)
	}
	return out
}

// TestEMMNIST runs EM as the rule on real data — 3000 MNIST test images
// projected to 3 principal components, K = 5 — beside classic EM: the
// converged-Newton iterates equal classic EM's to 1e-10 and the
// log-likelihood never decreases; the path is logged.
func TestEMMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("real data: skipped with -short")
	}
	x := mnistPCA(t, 3000, 3)
	rnd := rand.New(rand.NewPCG(1, 0))
	perm := rnd.Perm(len(x))
	start := GMM{}
	for c := range 5 {
		start.Weights = append(start.Weights, 0.2)
		start.Means = append(start.Means, append([]float64(nil), x[perm[c]]...))
		start.Variances = append(start.Variances, []float64{5, 5, 5})
	}
	em, err := NewEM(x, start, Full)
	if err != nil {
		t.Fatal(err)
	}
	gem, err := NewEM(x, start, FullSingleStep)
	if err != nil {
		t.Fatal(err)
	}
	ref := cloneGMM(start)
	var dev float64
	prev := math.Inf(-1)
	var path, gpath []string
	for it := range 25 {
		info, err := em.Iterate()
		if err != nil {
			t.Fatal(err)
		}
		ginfo, err := gem.Iterate()
		if err != nil {
			t.Fatal(err)
		}
		var ll float64
		ref, ll = classicEM(x, ref, false)
		dev = math.Max(dev, gmmRelDev(em.GMM(), ref))
		dev = math.Max(dev, math.Abs(info.LogLik-ll)/math.Abs(ll))
		if info.LogLik < prev-1e-12*math.Abs(prev) {
			t.Errorf("iteration %d: log-likelihood fell from %.12g to %.12g", it, prev, info.LogLik)
		}
		prev = info.LogLik
		path = append(path, formatF(info.LogLik))
		gpath = append(gpath, formatF(ginfo.LogLik))
	}
	t.Logf("MNIST (3000 test images, PCA 3, K = 5): max relative deviation from classic EM %.3g", dev)
	t.Logf("log-likelihood path (converged Newton M-step = EM): %s", strings.Join(path, " "))
	t.Logf("log-likelihood path (single Newton step, GEM):      %s", strings.Join(gpath, " "))
	if dev > 1e-10 {
		t.Errorf("deviation %.3g > 1e-10", dev)
	}
}

func formatF(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// TestLDACopyright runs SVI-LDA on real text — the distinct
// /usr/share/doc/*/copyright files of this Debian system (licence texts and
// their notices, one document per file) — and logs the topics' top words.
func TestLDACopyright(t *testing.T) {
	if testing.Short() {
		t.Skip("real data: skipped with -short")
	}
	files, _ := filepath.Glob("/usr/share/doc/*/copyright")
	sort.Strings(files)
	seen := map[[32]byte]bool{}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 || seen[sha256.Sum256(b)] {
			continue
		}
		seen[sha256.Sum256(b)] = true
		texts = append(texts, string(b))
	}
	if len(texts) < 50 {
		t.Skipf("only %d copyright files", len(texts))
	}
	docs, vocab, err := BagOfWords(texts, Vocabulary{MinDocs: 5, MaxDocFrac: 0.5, MaxTokens: 3000, Stop: EnglishStop})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 3))
	const k = 8
	l, err := NewLDA(docs, len(vocab), k, LDAPrior{Alpha: 1.0 / k, Eta: 0.01}, blr.RobbinsMonro{Rho0: 1, Tau: 16, Kappa: 0.7}, rnd)
	if err != nil {
		t.Fatal(err)
	}
	var elbos []string
	for range 5 {
		perm := rnd.Perm(len(docs))
		for b := 0; b < len(perm); b += 32 {
			if _, err := l.Step(perm[b:min(b+32, len(perm))]); err != nil {
				t.Fatal(err)
			}
		}
		e, err := l.ELBO(nil)
		if err != nil {
			t.Fatal(err)
		}
		elbos = append(elbos, formatF(e))
	}
	t.Logf("%d documents, %d words; ELBO by epoch: %s", len(docs), len(vocab), strings.Join(elbos, " "))
	for c := range k {
		var words []string
		for _, w := range l.TopWords(c, 8) {
			words = append(words, vocab[w])
		}
		t.Logf("topic %d: %s", c, strings.Join(words, " "))
	}
}
