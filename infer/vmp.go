package infer

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

// Graph is a small variational message passing engine (Winn & Bishop, JMLR
// 2005) over a directed graph of conjugate-exponential nodes. Each latent
// node holds a factor of the mean-field posterior q in an expfam family —
// expfam.FullGaussian, expfam.Gamma, expfam.Dirichlet, expfam.NormalGamma,
// or Categoricals for a plate of discrete variables — and each factor of
// the joint (a prior, a conditional, a likelihood) sends every node it
// touches a message: the expected natural statistics E_q[λ̃] of that node
// under the other nodes' q, in the node's λ layout.
//
// Updating a node is one step of the Bayesian learning rule with ρ = 1 and
// the estimate −Σ messages: since every family here has h ≡ 1,
// λ ← λ − ρ(∇_μE_q[ℓ] + λ) = Σ messages, the VMP update. Sweep updates the
// nodes in turn; each update cannot lower the ELBO, which ELBO computes as
// Σ_factors E_q[log f] + Σ_nodes H(q). A Graph is not safe for concurrent
// use.
type Graph struct {
	// Rate is ρ_t for every node update; nil means blr.Constant(1), VMP.
	// A constant below 1 gives damped VMP.
	Rate blr.Schedule

	nodes   []*Node
	factors []factor
}

// Node is a latent variable of a Graph with its factor of q.
type Node struct {
	name  string
	q     expfam.Family
	adj   []factor
	rule  blr.Rule
	st    blr.State
	graph *Graph
}

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// Q returns the node's factor of q (read it; do not set it).
func (n *Node) Q() expfam.Family { return n.q }

func (n *Node) isTerm() {}

// Term is a node or observed values, the arguments of Graph.Normal.
type Term interface{ isTerm() }

// Observed are observed values: a constant (length 1) or one value per
// observation.
type Observed []float64

func (Observed) isTerm() {}

// factor is one factor of the joint.
type factor interface {
	// message adds the factor's message to node n into dst (n's λ layout).
	message(dst []float64, n *Node) error
	// expectedLog returns E_q[log f].
	expectedLog() float64
}

func (g *Graph) add(name string, q expfam.Family) *Node {
	n := &Node{name: name, q: q, graph: g}
	n.rule = blr.Rule{Estimator: messages(func(dst []float64) error {
		for _, f := range n.adj {
			if err := f.message(dst, n); err != nil {
				return err
			}
		}
		return nil
	})}
	g.nodes = append(g.nodes, n)
	return n
}

// Gaussian adds a node with a full Gaussian factor, started at N(mean, prec⁻¹).
func (g *Graph) Gaussian(name string, mean []float64, prec *mat.SymDense) (*Node, error) {
	q, err := expfam.NewFullGaussian(mean, prec)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	return g.add(name, q), nil
}

// Gamma adds a node with a Gamma factor, started at Gamma(shape, rate).
func (g *Graph) Gamma(name string, shape, rate float64) (*Node, error) {
	q, err := expfam.NewGamma(shape, rate)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	return g.add(name, q), nil
}

// Dirichlet adds a node with a Dirichlet factor, started at Dirichlet(alpha).
func (g *Graph) Dirichlet(name string, alpha []float64) (*Node, error) {
	q, err := expfam.NewDirichlet(alpha)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	return g.add(name, q), nil
}

// NormalGamma adds a node with a Normal-Gamma factor over (μ, τ), started at
// NormalGamma(m, kappa, a, b).
func (g *Graph) NormalGamma(name string, m, kappa, a, b float64) (*Node, error) {
	q, err := expfam.NewNormalGamma(m, kappa, a, b)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	return g.add(name, q), nil
}

// Categoricals adds a plate of n categorical variables over k classes,
// started uniform.
func (g *Graph) Categoricals(name string, n, k int) (*Node, error) {
	q, err := NewCategoricals(n, k)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", name, err)
	}
	return g.add(name, q), nil
}

func (g *Graph) attach(f factor, nodes ...*Node) error {
	for _, n := range nodes {
		if n == nil || n.graph != g {
			return inputErr("node", n, "not a node of this graph")
		}
	}
	seen := map[*Node]bool{}
	for _, n := range nodes {
		if !seen[n] {
			n.adj = append(n.adj, f)
			seen[n] = true
		}
	}
	g.factors = append(g.factors, f)
	return nil
}

// Update takes one rule step on node n (ρ = 1 unless Rate says otherwise).
func (g *Graph) Update(n *Node) error {
	if n == nil || n.graph != g {
		return inputErr("node", n, "not a node of this graph")
	}
	n.rule.Rate = g.Rate
	if n.rule.Rate == nil {
		n.rule.Rate = blr.Constant(1)
	}
	if _, err := n.rule.Step(n.q, &n.st, nil); err != nil {
		return fmt.Errorf("VMP update of node %s: %w", n.name, err)
	}
	return nil
}

// Sweep updates the nodes in the given order, or every node in the order
// they were added when none is given.
func (g *Graph) Sweep(order ...*Node) error {
	if len(order) == 0 {
		order = g.nodes
	}
	for _, n := range order {
		if err := g.Update(n); err != nil {
			return err
		}
	}
	return nil
}

// ELBO returns Σ_factors E_q[log f] + Σ_nodes H(q).
func (g *Graph) ELBO() float64 {
	var e float64
	for _, f := range g.factors {
		e += f.expectedLog()
	}
	for _, n := range g.nodes {
		e += n.q.Entropy()
	}
	return e
}

// ---- expectations of the node families ----

// scalarMoments returns E x, E x² for a 1-D Gaussian node or an observed
// value.
func gaussMoments1(n *Node) (ex, ex2 float64, err error) {
	q, ok := n.q.(*expfam.FullGaussian)
	if !ok || q.ParamDim() != 1 {
		return 0, 0, inputErr("node "+n.name, fmt.Sprintf("%T", n.q), "want a 1-D Gaussian node")
	}
	m := q.Mean(nil)[0]
	v := 1 / q.Precision(nil).At(0, 0)
	return m, m*m + v, nil
}

// gammaMoments returns E τ and E log τ of a Gamma node.
func gammaMoments(n *Node) (e, elog float64, err error) {
	q, ok := n.q.(*expfam.Gamma)
	if !ok {
		return 0, 0, inputErr("node "+n.name, fmt.Sprintf("%T", n.q), "want a Gamma node")
	}
	mu := q.Expectation(nil)
	return mu[1], mu[0], nil
}

// ---- conjugate priors with constant parameters ----

// constPrior is a prior in the node's own family with constant λ₀: its
// message is λ₀ and E log f = ⟨λ₀, μ⟩ − A(λ₀) (h ≡ 1).
type constPrior struct {
	node *Node
	lam0 []float64
	a0   float64 // A(λ₀)
}

func (f *constPrior) message(dst []float64, _ *Node) error {
	for i, v := range f.lam0 {
		dst[i] += v
	}
	return nil
}

func (f *constPrior) expectedLog() float64 {
	mu := f.node.q.Expectation(nil)
	e := -f.a0
	for i, v := range f.lam0 {
		e += v * mu[i]
	}
	return e
}

func (g *Graph) prior(x *Node, p expfam.Family, a0 float64) error {
	if x == nil {
		return inputErr("node", nil, "required")
	}
	if fmt.Sprintf("%T", x.q) != fmt.Sprintf("%T", p) || x.q.Dim() != p.Dim() {
		return inputErr("prior of node "+x.name, fmt.Sprintf("%T of dimension %d", p, p.Dim()), fmt.Sprintf("want the node's family %T of dimension %d", x.q, x.q.Dim()))
	}
	return g.attach(&constPrior{node: x, lam0: p.Natural(nil), a0: a0}, x)
}

// GaussianPrior adds the factor N(x; mean, prec⁻¹) on a Gaussian node.
func (g *Graph) GaussianPrior(x *Node, mean []float64, prec *mat.SymDense) error {
	p, err := expfam.NewFullGaussian(mean, prec)
	if err != nil {
		return fmt.Errorf("Gaussian prior: %w", err)
	}
	return g.prior(x, p, p.LogPartition())
}

// GammaPrior adds the factor Gamma(x; shape, rate) on a Gamma node.
func (g *Graph) GammaPrior(x *Node, shape, rate float64) error {
	p, err := expfam.NewGamma(shape, rate)
	if err != nil {
		return fmt.Errorf("Gamma prior: %w", err)
	}
	return g.prior(x, p, p.LogPartition())
}

// DirichletPrior adds the factor Dirichlet(x; alpha) on a Dirichlet node.
func (g *Graph) DirichletPrior(x *Node, alpha []float64) error {
	p, err := expfam.NewDirichlet(alpha)
	if err != nil {
		return fmt.Errorf("Dirichlet prior: %w", err)
	}
	return g.prior(x, p, p.LogPartition())
}

// NormalGammaPrior adds the factor NormalGamma(x; m, kappa, a, b) on a
// Normal-Gamma node.
func (g *Graph) NormalGammaPrior(x *Node, m, kappa, a, b float64) error {
	p, err := expfam.NewNormalGamma(m, kappa, a, b)
	if err != nil {
		return fmt.Errorf("Normal-Gamma prior: %w", err)
	}
	return g.prior(x, p, p.LogPartition())
}

// ---- the univariate normal factor ----

// normal is x ~ N(mean, (c·τ)⁻¹) for each of the values of x.
type normal struct {
	x, mean, prec Term
	c             float64
	n             int
}

// Normal adds the factor ∏ₙ N(xₙ; mean, (scale·prec)⁻¹). x is a 1-D Gaussian
// node or Observed values (one factor per value); mean a 1-D Gaussian node
// or an Observed constant; prec a Gamma node or an Observed positive
// constant; scale > 0. Bishop's model (PRML §10.1.3) is
// Normal(μ, Observed{μ₀}, τ, λ₀) with Normal(Observed(x), μ, τ, 1).
func (g *Graph) Normal(x, mean, prec Term, scale float64) error {
	if err := checkPositive("scale", scale); err != nil {
		return err
	}
	f := &normal{x: x, mean: mean, prec: prec, c: scale, n: 1}
	var nodes []*Node
	for i, t := range []Term{x, mean, prec} {
		switch v := t.(type) {
		case *Node:
			nodes = append(nodes, v)
			var err error
			if i == 2 {
				_, _, err = gammaMoments(v)
			} else {
				_, _, err = gaussMoments1(v)
			}
			if err != nil {
				return err
			}
		case Observed:
			if len(v) == 0 || (i > 0 && len(v) != 1) {
				return inputErr(fmt.Sprintf("len(%s)", [3]string{"x", "mean", "prec"}[i]), len(v), "want one value (x: at least one)")
			}
			for j, o := range v {
				if !finite(o) {
					return inputErr(fmt.Sprintf("%s[%d]", [3]string{"x", "mean", "prec"}[i], j), o, "not finite")
				}
			}
			if i == 2 && !(v[0] > 0) {
				return inputErr("prec", v[0], "want a value > 0")
			}
			if i == 0 {
				f.n = len(v)
			}
		default:
			return inputErr([3]string{"x", "mean", "prec"}[i], t, "want a *Node or Observed")
		}
	}
	if len(nodes) == 0 {
		return inputErr("Normal", "all observed", "want at least one node")
	}
	return g.attach(f, nodes...)
}

// moments of the x, mean terms: Σ E x, Σ E x² (over the n values).
func termMoments(t Term) (sum, sum2 float64, err error) {
	switch v := t.(type) {
	case *Node:
		return gaussMoments1(v)
	case Observed:
		for _, o := range v {
			sum += o
			sum2 += o * o
		}
		return sum, sum2, nil
	}
	return 0, 0, inputErr("term", t, "want a *Node or Observed")
}

func precMoments(t Term) (e, elog float64, err error) {
	switch v := t.(type) {
	case *Node:
		return gammaMoments(v)
	case Observed:
		return v[0], math.Log(v[0]), nil
	}
	return 0, 0, inputErr("prec", t, "want a *Node or Observed")
}

// sqDev returns Σₙ E(xₙ − mean)².
func (f *normal) sqDev() (float64, error) {
	sx, sx2, err := termMoments(f.x)
	if err != nil {
		return 0, err
	}
	m, m2, err := termMoments(f.mean)
	if err != nil {
		return 0, err
	}
	n := float64(f.n)
	return sx2 - 2*sx*m + n*m2, nil
}

func (f *normal) message(dst []float64, to *Node) error {
	et, _, err := precMoments(f.prec)
	if err != nil {
		return err
	}
	n := float64(f.n)
	cp := f.c * et
	switch to {
	case f.prec:
		s, err := f.sqDev()
		if err != nil {
			return err
		}
		dst[0] += 0.5 * n
		dst[1] -= 0.5 * f.c * s
	case f.x:
		m, _, err := termMoments(f.mean)
		if err != nil {
			return err
		}
		dst[0] += cp * m
		dst[1] -= 0.5 * cp
	case f.mean:
		sx, _, err := termMoments(f.x)
		if err != nil {
			return err
		}
		dst[0] += cp * sx
		dst[1] -= 0.5 * cp * n
	}
	return nil
}

func (f *normal) expectedLog() float64 {
	et, elog, _ := precMoments(f.prec)
	s, _ := f.sqDev()
	n := float64(f.n)
	return n*0.5*(math.Log(f.c)+elog-math.Log(2*math.Pi)) - 0.5*f.c*et*s
}

// ---- automatic relevance determination prior ----

// ard is w ~ N(mean, diag(α)⁻¹) with α Gamma nodes (one shared or one per
// coordinate).
type ard struct {
	w      *Node
	mean   []float64
	alphas []*Node
}

// ARD adds the factor N(w; mean, diag(α)⁻¹) on a D-dimensional Gaussian node
// w, with α one shared Gamma node or D of them (automatic relevance
// determination; MacKay 1994, Tipping 2001). mean nil means 0.
func (g *Graph) ARD(w *Node, mean []float64, alphas ...*Node) error {
	if w == nil {
		return inputErr("w", nil, "required")
	}
	q, ok := w.q.(*expfam.FullGaussian)
	if !ok {
		return inputErr("node "+w.name, fmt.Sprintf("%T", w.q), "want a Gaussian node")
	}
	d := q.ParamDim()
	if mean == nil {
		mean = make([]float64, d)
	}
	if len(mean) != d {
		return inputErr("len(mean)", len(mean), fmt.Sprintf("want %d", d))
	}
	if len(alphas) != 1 && len(alphas) != d {
		return inputErr("len(alphas)", len(alphas), fmt.Sprintf("want 1 or %d", d))
	}
	for _, a := range alphas {
		if a == nil {
			return inputErr("alphas", nil, "want Gamma nodes")
		}
		if _, _, err := gammaMoments(a); err != nil {
			return err
		}
	}
	return g.attach(&ard{w: w, mean: append([]float64(nil), mean...), alphas: alphas}, append([]*Node{w}, alphas...)...)
}

// sq returns E(w_j − mean_j)² for every j.
func (f *ard) sq() []float64 {
	q := f.w.q.(*expfam.FullGaussian)
	m := q.Mean(nil)
	cov := q.Covariance(nil)
	out := make([]float64, len(m))
	for j := range m {
		r := m[j] - f.mean[j]
		out[j] = cov.At(j, j) + r*r
	}
	return out
}

func (f *ard) alpha(j int) (e, elog float64) {
	a := f.alphas[0]
	if len(f.alphas) > 1 {
		a = f.alphas[j]
	}
	e, elog, _ = gammaMoments(a)
	return e, elog
}

func (f *ard) message(dst []float64, to *Node) error {
	d := len(f.mean)
	if to == f.w {
		for j := range d {
			e, _ := f.alpha(j)
			dst[j] += e * f.mean[j]
			dst[d+j*d+j] -= 0.5 * e
		}
		return nil
	}
	sq := f.sq()
	for j := range d {
		if len(f.alphas) == 1 || f.alphas[j] == to {
			dst[0] += 0.5
			dst[1] -= 0.5 * sq[j]
		}
	}
	return nil
}

func (f *ard) expectedLog() float64 {
	sq := f.sq()
	var e float64
	for j, s := range sq {
		a, la := f.alpha(j)
		e += 0.5*(la-math.Log(2*math.Pi)) - 0.5*a*s
	}
	return e
}

// ---- linear regression likelihood ----

// regression is y ~ N(Xw, β⁻¹I).
type regression struct {
	w, beta *Node
	betaC   float64 // β when not a node
	xtx     []float64
	xty     []float64
	yy      float64
	x       *mat.Dense
	y       []float64
}

// Regression adds the likelihood ∏ₙ N(yₙ; xₙᵀw, β⁻¹) with the N×D design x,
// the targets y, a D-dimensional Gaussian node w and a Gamma node β for the
// noise precision (or noise nil and a fixed precision noisePrecision > 0).
func (g *Graph) Regression(x *mat.Dense, y []float64, w, noise *Node, noisePrecision float64) error {
	if x == nil || x.IsEmpty() {
		return inputErr("x", nil, "no data")
	}
	n, d := x.Dims()
	if len(y) != n {
		return inputErr("len(y)", len(y), fmt.Sprintf("want %d, one per row of x", n))
	}
	for i := range n {
		if !finite(y[i]) {
			return inputErr(fmt.Sprintf("y[%d]", i), y[i], "not finite")
		}
		for j := range d {
			if v := x.At(i, j); !finite(v) {
				return inputErr(fmt.Sprintf("x[%d][%d]", i, j), v, "not finite")
			}
		}
	}
	if w == nil {
		return inputErr("w", nil, "required")
	}
	q, ok := w.q.(*expfam.FullGaussian)
	if !ok || q.ParamDim() != d {
		return inputErr("node "+w.name, fmt.Sprintf("%T", w.q), fmt.Sprintf("want a %d-dimensional Gaussian node", d))
	}
	f := &regression{w: w, beta: noise, betaC: noisePrecision, x: x, y: append([]float64(nil), y...)}
	nodes := []*Node{w}
	if noise != nil {
		if _, _, err := gammaMoments(noise); err != nil {
			return err
		}
		nodes = append(nodes, noise)
	} else if err := checkPositive("noisePrecision", noisePrecision); err != nil {
		return err
	}
	var xtx mat.SymDense
	xtx.SymOuterK(1, x.T())
	f.xtx = make([]float64, d*d)
	for i := range d {
		for j := range d {
			f.xtx[i*d+j] = xtx.At(i, j)
		}
	}
	f.xty = make([]float64, d)
	mat.NewVecDense(d, f.xty).MulVec(x.T(), mat.NewVecDense(n, y))
	for _, v := range y {
		f.yy += v * v
	}
	return g.attach(f, nodes...)
}

func (f *regression) noise() (e, elog float64) {
	if f.beta == nil {
		return f.betaC, math.Log(f.betaC)
	}
	e, elog, _ = gammaMoments(f.beta)
	return e, elog
}

// sqErr returns E‖y − Xw‖² = ‖y − Xm‖² + tr(XᵀX Σ).
func (f *regression) sqErr() float64 {
	q := f.w.q.(*expfam.FullGaussian)
	m := q.Mean(nil)
	cov := q.Covariance(nil)
	n, d := f.x.Dims()
	var s float64
	for i := range n {
		r := f.y[i]
		for j := range d {
			r -= f.x.At(i, j) * m[j]
		}
		s += r * r
	}
	for i := range d {
		for j := range d {
			s += f.xtx[i*d+j] * cov.At(j, i)
		}
	}
	return s
}

func (f *regression) message(dst []float64, to *Node) error {
	n, d := f.x.Dims()
	if to == f.w {
		b, _ := f.noise()
		for j := range d {
			dst[j] += b * f.xty[j]
		}
		for i := range d * d {
			dst[d+i] -= 0.5 * b * f.xtx[i]
		}
		return nil
	}
	dst[0] += 0.5 * float64(n)
	dst[1] -= 0.5 * f.sqErr()
	return nil
}

func (f *regression) expectedLog() float64 {
	n, _ := f.x.Dims()
	b, lb := f.noise()
	return 0.5*float64(n)*(lb-math.Log(2*math.Pi)) - 0.5*b*f.sqErr()
}

// ---- discrete variables ----

// categorical is zᵢ ~ Categorical(π) for each row of a plate.
type categorical struct {
	z, pi *Node
}

// Categorical adds the factor ∏ᵢ Categorical(zᵢ; π) between a Categoricals
// plate z and a Dirichlet node π with the same number of classes.
func (g *Graph) Categorical(z, pi *Node) error {
	if z == nil || pi == nil {
		return inputErr("z, pi", "nil", "required")
	}
	zq, ok := z.q.(*Categoricals)
	if !ok {
		return inputErr("node "+z.name, fmt.Sprintf("%T", z.q), "want a Categoricals plate")
	}
	pq, ok := pi.q.(*expfam.Dirichlet)
	if !ok || pq.K() != zq.Classes() {
		return inputErr("node "+pi.name, fmt.Sprintf("%T", pi.q), fmt.Sprintf("want a Dirichlet node over %d classes", zq.Classes()))
	}
	return g.attach(&categorical{z: z, pi: pi}, z, pi)
}

func (f *categorical) message(dst []float64, to *Node) error {
	zq := f.z.q.(*Categoricals)
	k := zq.Classes()
	if to == f.pi {
		r := zq.Probs(nil)
		for i := range zq.Rows() {
			for c := range k {
				dst[c] += r[i*k+c]
			}
		}
		return nil
	}
	el := f.pi.q.Expectation(nil)
	k1 := k - 1
	for i := range zq.Rows() {
		for c := range k1 {
			dst[i*k1+c] += el[c] - el[k1]
		}
	}
	return nil
}

func (f *categorical) expectedLog() float64 {
	zq := f.z.q.(*Categoricals)
	k := zq.Classes()
	r := zq.Probs(nil)
	el := f.pi.q.Expectation(nil)
	var e float64
	for i := range zq.Rows() {
		for c := range k {
			e += r[i*k+c] * el[c]
		}
	}
	return e
}

// mixture is xᵢ ~ ∏_d N(xᵢ_d; μ_{zᵢ,d}, τ_{zᵢ,d}⁻¹) with Normal-Gamma nodes.
type mixture struct {
	x     []float64 // N×D
	n, d  int
	z     *Node
	comps []*Node // K×D
	lj    []float64
}

// GaussianMixture adds the likelihood ∏ᵢ ∏_d N(xᵢ_d; μ_{zᵢ d}, τ_{zᵢ d}⁻¹) of
// the observed rows x (N×D) with the Categoricals plate z (N rows, K
// classes) and K×D Normal-Gamma nodes comps.
func (g *Graph) GaussianMixture(x [][]float64, z *Node, comps [][]*Node) error {
	d, err := checkMatrix("x", x)
	if err != nil {
		return err
	}
	if z == nil {
		return inputErr("z", nil, "required")
	}
	zq, ok := z.q.(*Categoricals)
	if !ok || zq.Rows() != len(x) || zq.Classes() != len(comps) {
		return inputErr("node "+z.name, fmt.Sprintf("%T", z.q), fmt.Sprintf("want a Categoricals plate of %d rows over K = %d classes", len(x), len(comps)))
	}
	f := &mixture{n: len(x), d: d, z: z, lj: make([]float64, len(comps))}
	for _, row := range x {
		f.x = append(f.x, row...)
	}
	nodes := []*Node{z}
	for c, row := range comps {
		if len(row) != d {
			return inputErr(fmt.Sprintf("len(comps[%d])", c), len(row), fmt.Sprintf("want D = %d", d))
		}
		for j, n := range row {
			if n == nil {
				return inputErr(fmt.Sprintf("comps[%d][%d]", c, j), nil, "want a Normal-Gamma node")
			}
			if _, ok := n.q.(*expfam.NormalGamma); !ok {
				return inputErr(fmt.Sprintf("comps[%d][%d]", c, j), fmt.Sprintf("%T", n.q), "want a Normal-Gamma node")
			}
			f.comps = append(f.comps, n)
			nodes = append(nodes, n)
		}
	}
	return g.attach(f, nodes...)
}

// logJoint writes, for each row, ℓᵢₖ = Σ_d E log N(xᵢ_d; μₖ_d, τₖ_d⁻¹) into
// lj (N×K).
func (f *mixture) logJoint() []float64 {
	k := len(f.comps) / f.d
	ng := make([]float64, len(f.comps)*4)
	for i, n := range f.comps {
		n.q.Expectation(ng[i*4 : i*4+4])
	}
	out := make([]float64, f.n*k)
	for i := range f.n {
		xi := f.x[i*f.d : (i+1)*f.d]
		for c := range k {
			s := -0.5 * float64(f.d) * math.Log(2*math.Pi)
			for j, v := range xi {
				e := ng[(c*f.d+j)*4 : (c*f.d+j)*4+4]
				s += v*e[0] - 0.5*e[1] + 0.5*e[2] - 0.5*v*v*e[3]
			}
			out[i*k+c] = s
		}
	}
	return out
}

func (f *mixture) message(dst []float64, to *Node) error {
	zq := f.z.q.(*Categoricals)
	k := zq.Classes()
	if to == f.z {
		lj := f.logJoint()
		k1 := k - 1
		for i := range f.n {
			for c := range k1 {
				dst[i*k1+c] += lj[i*k+c] - lj[i*k+k1]
			}
		}
		return nil
	}
	r := zq.Probs(nil)
	for idx, n := range f.comps {
		if n != to {
			continue
		}
		c, j := idx/f.d, idx%f.d
		for i := range f.n {
			p := r[i*k+c]
			v := f.x[i*f.d+j]
			dst[0] += p * v
			dst[1] -= 0.5 * p
			dst[2] += 0.5 * p
			dst[3] -= 0.5 * p * v * v
		}
	}
	return nil
}

func (f *mixture) expectedLog() float64 {
	zq := f.z.q.(*Categoricals)
	r := zq.Probs(nil)
	lj := f.logJoint()
	var e float64
	for i, v := range lj {
		e += r[i] * v
	}
	return e
}
