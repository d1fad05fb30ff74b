package infer

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bayesrule/blr"
)

// sklearnScript runs scikit-learn's online LDA (partial_fit) from given
// topics, with the local loop run to 1e-10 (corrections, point 20: its
// random local start and default tolerance 1e-3 cannot be mirrored), and
// prints components_ after each minibatch.
const sklearnScript = `
import json, sys
import numpy as np
from scipy.sparse import csr_matrix
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.decomposition._online_lda_fast import _dirichlet_expectation_2d
d = json.load(open(sys.argv[1]))
X = np.zeros((len(d["docs"]), d["V"]))
for i, doc in enumerate(d["docs"]):
    for w, c in zip(doc["Words"], doc["Counts"]):
        X[i, w] = c
X = csr_matrix(X)
lda = LatentDirichletAllocation(n_components=d["K"], doc_topic_prior=d["alpha"], topic_word_prior=d["eta"],
    learning_method="online", learning_decay=d["kappa"], learning_offset=d["tau"], total_samples=X.shape[0],
    mean_change_tol=1e-10, max_doc_update_iter=10000, random_state=0)
lda._init_latent_vars(d["V"])
lda.components_ = np.array(d["lambda"], dtype=float)
lda.exp_dirichlet_component_ = np.exp(_dirichlet_expectation_2d(lda.components_))
out = []
for b in d["batches"]:
    lda.partial_fit(X[b])
    out.append(lda.components_.tolist())
json.dump(out, sys.stdout)
`

// TestLDAAgainstSklearn compares three SVI-LDA steps with scikit-learn's
// online LDA (Debian's python3-sklearn) at 1e-6 relative.
func TestLDAAgainstSklearn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3: skipped with -short")
	}
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import sklearn.decomposition, scipy.sparse").Run(); err != nil {
		t.Skipf("python3-sklearn not available: %v", err)
	}
	docs := ldaCorpus(60, 30, 3, 40, 8)
	rate := blr.RobbinsMonro{Rho0: 1, Tau: 10, Kappa: 0.7}
	l, err := NewLDA(docs, 30, 3, testLDAPrior, rate, rand.New(rand.NewPCG(6, 6)))
	if err != nil {
		t.Fatal(err)
	}
	l.LocalTol, l.LocalIters = 1e-10, 10000
	var lam [][]float64
	for c := range 3 {
		lam = append(lam, l.Topic(c))
	}
	batches := [][]int{allRows(20), allRows(40)[20:], allRows(60)[40:]}
	in := map[string]any{"docs": docs, "V": 30, "K": 3, "alpha": testLDAPrior.Alpha, "eta": testLDAPrior.Eta,
		"kappa": rate.Kappa, "tau": rate.Tau, "lambda": lam, "batches": batches}
	dir := t.TempDir()
	b, _ := json.Marshal(in)
	if err := os.WriteFile(filepath.Join(dir, "in.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lda.py"), []byte(sklearnScript), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, filepath.Join(dir, "lda.py"), filepath.Join(dir, "in.json")).Output()
	if err != nil {
		t.Skipf("scikit-learn run failed: %v", err)
	}
	var want [][][]float64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	var dev float64
	for s, bt := range batches {
		if _, err := l.Step(bt); err != nil {
			t.Fatal(err)
		}
		for c := range 3 {
			got := l.Topic(c)
			for w := range got {
				dev = math.Max(dev, math.Abs(got[w]-want[s][c][w])/math.Abs(want[s][c][w]))
			}
		}
	}
	t.Logf("SVI-LDA vs scikit-learn online LDA, 3 minibatch steps: max relative deviation %.3g", dev)
	if dev > 1e-6 {
		t.Errorf("deviation %.3g > 1e-6", dev)
	}
}
