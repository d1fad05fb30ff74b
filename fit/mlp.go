package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"github.com/bayesrule/blr/nn"
	"gonum.org/v1/gonum/mat"
)

// The one-hidden-layer MLP (package nn): Dense(Hidden) → ReLU → Dense(K)
// with a softmax cross-entropy loss (classification, K classes) or a
// Gaussian loss of known precision τ (regression, K = 1). Its loss is not a
// GLM's, so the methods are the diagonal-Gaussian engines of package blr on
// minibatches, for Epochs passes:
//
//   - map: OGN with the exact Gauss–Newton diagonal (the delta method);
//   - laplace: that MAP with the precision N·diag GGN + δ over the whole
//     training set (a diagonal Laplace–Gauss–Newton approximation);
//   - vi-diag: iBLR-diag, the rule itself (no momentum, debiasing or
//     damping) with one Monte Carlo sample per step, ρ = LR, and the exact
//     Gauss–Newton diagonal at the sample for the Hessian (the Price
//     estimate from one sample was too noisy on small tables);
//   - vogn and ivon: as for the GLMs;
//   - vi: full-Gaussian VI by Monte Carlo from the MAP, with the full
//     Gauss–Newton matrix (see mlp_vi.go), for networks of at most
//     MaxMLPFullParams weights.
//
// The ELBO is a Monte Carlo estimate (64
// draws, with its standard error) and the predictive averages TestSamples
// draws.

// MaxMLPParams is the largest number of weights (and biases) of the MLP
// that Fit builds: the engines keep several vectors of that length (128 MiB
// each at this size). The network has P·H + H + H·K + K weights for P
// features, H = Hidden and K outputs.
const MaxMLPParams = 1 << 24

// mlpELBODraws is the number of draws of the MLP's ELBO estimate.
const mlpELBODraws = 64

// mlpNet is the network and its data.
type mlpNet struct {
	net     *nn.Network[float64]
	x       []float64 // N×P, row-major
	p       int       // features
	k       int       // outputs
	labels  []int     // classification
	targets []float64 // regression
	tau     float64
}

func newMLPProblem(x *mat.Dense, y []float64, opt Options) (*problem, error) {
	n, pf := x.Dims()
	mn := &mlpNet{p: pf, x: make([]float64, 0, n*pf), tau: opt.NoisePrecision}
	for i := range n {
		mn.x = append(mn.x, x.RawRowView(i)...)
	}
	p := &problem{opt: opt, n: n, mlp: mn}
	var loss nn.Loss
	if opt.Regression {
		if _, _, err := checkLabels("y", y, n, ModelLinear, 0); err != nil {
			return nil, err
		}
		mn.targets = append([]float64(nil), y...)
		mn.k = 1
		loss = nn.GaussianNLL{Precision: opt.NoisePrecision}
	} else {
		labels, classes, err := checkLabels("y", y, n, ModelMultinomial, opt.Classes)
		if err != nil {
			return nil, err
		}
		mn.labels, mn.k, p.labels, p.classes = labels, classes, labels, classes
		loss = nn.SoftmaxCrossEntropy{}
	}
	h, k := float64(opt.Hidden), float64(mn.k)
	if w := float64(pf)*h + h + h*k + k; w > MaxMLPParams {
		return nil, &OptionError{Field: "Hidden", Value: opt.Hidden, Reason: fmt.Sprintf("the MLP would have %.0f weights (%d features, %d hidden units, %d outputs), more than the limit of %d; use a narrower hidden layer", w, pf, opt.Hidden, mn.k, MaxMLPParams)}
	}
	net, err := nn.MLP[float64](pf, []int{opt.Hidden}, mn.k, loss)
	if err != nil {
		return nil, fmt.Errorf("fit: building the MLP: %w", err)
	}
	mn.net = net
	p.dim = net.NumParams()
	p.delta = make([]float64, p.dim)
	for _, b := range net.Layout() {
		prec := opt.PriorPrecision
		if strings.HasSuffix(b.Name, ".b") {
			prec = opt.InterceptPrecision
		}
		for j := b.Offset; j < b.Offset+b.Len; j++ {
			p.delta[j] = prec
		}
	}
	p.mean0 = make([]float64, p.dim)
	return p, nil
}

// batch returns the minibatch of the given rows.
func (m *mlpNet) batch(b *nn.Batch[float64], rows []int) {
	b.X = b.X[:0]
	b.Labels = b.Labels[:0]
	b.Y = b.Y[:0]
	for _, i := range rows {
		b.X = append(b.X, m.x[i*m.p:(i+1)*m.p]...)
		if m.labels != nil {
			b.Labels = append(b.Labels, m.labels[i])
		} else {
			b.Y = append(b.Y, m.targets[i])
		}
	}
}

// mlpOracle evaluates the network on a minibatch for the engines.
type mlpOracle struct {
	m *mlpNet
	b nn.Batch[float64]
}

func (o *mlpOracle) setRows(rows []int) { o.m.batch(&o.b, rows) }

// Eval implements blr.Oracle.
func (o *mlpOracle) Eval(theta, grad, curv []float64, kind blr.CurvatureKind) (float64, error) {
	switch {
	case curv == nil:
		return o.m.net.Loss(grad, theta, o.b)
	case kind == blr.CurvEmpiricalFisher:
		return o.m.net.EmpiricalFisherDiag(curv, grad, theta, o.b)
	case kind == blr.CurvGGNDiag:
		return o.m.net.GGNDiag(curv, grad, theta, o.b)
	}
	return 0, fmt.Errorf("fit: curvature %v is not available for the MLP", kind)
}

// fitMLP runs the MLP's method and fills post.
func (p *problem) fitMLP(post *Posterior) error {
	params := make([]float64, p.dim)
	if err := p.mlp.net.Init(params, rand.New(rand.NewPCG(p.opt.Seed, 0x1417))); err != nil {
		return fmt.Errorf("fit: initialising the MLP: %w", err)
	}
	if p.opt.Method == MethodVI && p.dim > MaxMLPFullParams {
		return &OptionError{Field: "Hidden", Value: p.opt.Hidden, Reason: fmt.Sprintf("full-Gaussian VI of the MLP holds D×D matrices; this network has D = %d weights, more than the limit of %d (use a smaller hidden layer, or vi-diag)", p.dim, MaxMLPFullParams)}
	}
	or := &mlpOracle{m: p.mlp}
	method := p.opt.Method
	if method == MethodLaplace || method == MethodVI {
		method = MethodMAP
	}
	eng, t, err := p.runEngine(method, params, or)
	if err != nil {
		return err
	}
	post.Iterations, post.Converged = t, true
	post.Notes = append(post.Notes, fmt.Sprintf("the MLP's methods run %d epochs of minibatches (%d steps); a network's MAP is a local optimum", p.opt.Epochs, t))
	mean := eng.Mean()
	if p.opt.Method == MethodVI {
		return p.fitMLPVI(post, mean)
	}
	prec := eng.Precision(nil)
	if p.opt.Method == MethodLaplace {
		all := make([]int, p.n)
		for i := range all {
			all[i] = i
		}
		var b nn.Batch[float64]
		p.mlp.batch(&b, all)
		ggn := make([]float64, p.dim)
		if _, err := p.mlp.net.GGNDiag(ggn, nil, mean, b); err != nil {
			return fmt.Errorf("fit: the Gauss–Newton diagonal at the MAP: %w", err)
		}
		for j := range prec {
			prec[j] = float64(p.n)*ggn[j] + p.delta[j]
		}
	}
	q, err := expfam.NewDiagGaussian(mean, prec)
	if err != nil {
		return fmt.Errorf("fit: %s posterior: %w", p.opt.Method, err)
	}
	post.setDiag(q)
	if p.opt.Method != MethodMAP {
		post.ELBO, post.ELBOStdErr, err = p.mlpELBO(q)
		if err != nil {
			return err
		}
		post.HasELBO = true
	}
	return nil
}

// mlpELBO estimates the ELBO of q by Monte Carlo: the expected data loss
// from mlpELBODraws draws (seeded), the prior's and the entropy's terms in
// closed form; it also returns the standard error.
func (p *problem) mlpELBO(q expfam.Gaussian) (float64, float64, error) {
	all := make([]int, p.n)
	for i := range all {
		all[i] = i
	}
	var b nn.Batch[float64]
	p.mlp.batch(&b, all)
	rnd := rand.New(rand.NewPCG(p.opt.Seed, 0xe1b0))
	th := make([]float64, p.dim)
	var sum, sq float64
	for range mlpELBODraws {
		q.Sample(th, rnd)
		l, err := p.mlp.net.Loss(nil, th, b)
		if err != nil {
			return 0, 0, err
		}
		l *= float64(p.n)
		sum += l
		sq += l * l
	}
	s := float64(mlpELBODraws)
	mean := sum / s
	se := math.Sqrt(math.Max(sq/s-mean*mean, 0) / (s - 1))
	return p.elboFrom(mean, q), se, nil
}

// mlpPredict returns the predictive of the rows of x (N×P): class
// probabilities (N×K) for a classifier, or the predictive means and log
// densities of y for a regression network. MAP plugs in its mean; the
// others average TestSamples draws.
func (post *Posterior) mlpPredict(x *mat.Dense, y []float64) (probs, mean, logp []float64, err error) {
	m := post.prob.mlp
	n, pf := x.Dims()
	if pf != m.p {
		return nil, nil, nil, &DataError{Field: "test x columns", Value: pf, Reason: fmt.Sprintf("the model was fitted on %d features", m.p)}
	}
	xs := make([]float64, 0, n*pf)
	for i := range n {
		xs = append(xs, x.RawRowView(i)...)
	}
	m.net.SetTraining(false)
	defer m.net.SetTraining(true)
	draws := post.Options.TestSamples
	if post.pointEstimate() {
		draws = 1
	}
	q, err := post.Gaussian()
	if err != nil {
		return nil, nil, nil, err
	}
	rnd := rand.New(rand.NewPCG(post.Options.Seed, 0x7e57))
	th := make([]float64, len(post.Mean))
	pr := make([]float64, m.k)
	if m.labels != nil {
		probs = make([]float64, n*m.k)
	} else {
		mean = make([]float64, n)
		logp = make([]float64, n)
		for i := range logp {
			logp[i] = math.Inf(-1)
		}
	}
	for range draws {
		if post.pointEstimate() {
			copy(th, post.Mean)
		} else {
			q.Sample(th, rnd)
		}
		out, err := m.net.Forward(th, xs, n)
		if err != nil {
			return nil, nil, nil, err
		}
		for i := range n {
			if m.labels != nil {
				expfam.Softmax(pr, out[i*m.k:(i+1)*m.k])
				for c, v := range pr {
					probs[i*m.k+c] += v / float64(draws)
				}
				continue
			}
			f := out[i]
			mean[i] += f / float64(draws)
			r := y[i] - f
			lp := 0.5*math.Log(m.tau/(2*math.Pi)) - 0.5*m.tau*r*r
			hi := math.Max(logp[i], lp)
			logp[i] = hi + math.Log(math.Exp(logp[i]-hi)+math.Exp(lp-hi))
		}
	}
	for i := range logp {
		logp[i] -= math.Log(float64(draws))
	}
	return probs, mean, logp, nil
}
