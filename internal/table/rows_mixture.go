package table

import (
	"fmt"
	"math"

	"github.com/bayesrule/blr"
	"github.com/bayesrule/blr/expfam"
	"gonum.org/v1/gonum/mat"
)

func init() {
	register(Row{
		Name: "Multimodal optimisation (mixture of Gaussians)", Family: "mixture of Gaussians (K = 2, fixed weights)",
		Approximation: "delta method, responsibility approximation",
		Reference:     "K separate online-Newton runs", Kind: Exact, Metric: Rel, Tolerance: 1e-12,
		Check: checkMultimodal,
	})
	register(Row{
		Name: "Multimodal optimisation (full mixture rule)", Family: "mixture of Gaussians (K = 2, fixed weights)",
		Approximation: "delta method with ∇log q",
		Reference:     "K separate online-Newton runs, as the modes separate (a = 1, 1.5, 2)", Kind: Limit, Metric: Rel, Tolerance: 1e-5,
		Check: checkMultimodalFull,
	})
}

// doubleWell is ℓ(θ) = (θ² − a²)²/a², minima at ±a with ℓ″(±a) = 8.
type doubleWell struct{ a float64 }

func (w doubleWell) Grad(g, th []float64) float64 {
	t := th[0]
	g[0] = 4 * t * (t*t - w.a*w.a) / (w.a * w.a)
	return (t*t - w.a*w.a) * (t*t - w.a*w.a) / (w.a * w.a)
}

func (w doubleWell) Hess(h, th []float64) { h[0] = (12*th[0]*th[0] - 4*w.a*w.a) / (w.a * w.a) }

// runMultimodal runs the mixture rule and, beside it, two plain online-Newton
// runs from the same starts; it returns the largest relative deviation over
// the iterates and the final means and precisions of the mixture.
func runMultimodal(loss doubleWell, full bool, steps int, rho float64) (dev float64, means, precs [2]float64, err error) {
	starts := [2]float64{-2 * loss.a, 2 * loss.a}
	rule, q, err := blr.Multimodal(loss, [][]float64{{starts[0]}, {starts[1]}},
		[]*mat.SymDense{mat.NewSymDense(1, []float64{1}), mat.NewSymDense(1, []float64{1})}, rho, full)
	if err != nil {
		return 0, means, precs, err
	}
	m := starts
	s := [2]float64{1, 1}
	g, h := []float64{0}, []float64{0}
	var st blr.State
	for range steps {
		if _, err := rule.Step(q, &st, nil); err != nil {
			return 0, means, precs, err
		}
		for k := range 2 {
			loss.Grad(g, m[k:k+1])
			loss.Hess(h, m[k:k+1])
			s[k] = (1-rho)*s[k] + rho*h[0]
			m[k] -= rho * g[0] / s[k]
			c := q.Component(k).(*expfam.FullGaussian)
			means[k] = c.Mean(nil)[0]
			precs[k] = c.Precision(nil).At(0, 0)
			dev = math.Max(dev, relDev(means[k:k+1], m[k:k+1]))
			dev = math.Max(dev, relDev(precs[k:k+1], s[k:k+1]))
		}
	}
	return dev, means, precs, nil
}

func checkMultimodal() (float64, error) {
	dev, means, _, err := runMultimodal(doubleWell{1}, false, 60, 0.5)
	if err != nil {
		return 0, err
	}
	if math.Abs(means[0]+1) > 1e-8 || math.Abs(means[1]-1) > 1e-8 {
		return 0, fmt.Errorf("components reached %v, want the two minima ±1", means)
	}
	return dev, nil
}

// checkMultimodalFull measures how far the full mixture rule's fixed point
// is from the separate runs' fixed point (m = ±a, S = ℓ″(±a) = 8) for modes
// at ±a, a = 1, 1.5, 2: the deviation must shrink as the modes separate; the
// row reports it at a = 1.
func checkMultimodalFull() (float64, error) {
	var devs []float64
	for _, a := range []float64{1, 1.5, 2} {
		_, means, precs, err := runMultimodal(doubleWell{a}, true, 400, 0.5)
		if err != nil {
			return 0, err
		}
		var dev float64
		for k, sign := range []float64{-1, 1} {
			dev = math.Max(dev, relDev(means[k:k+1], []float64{sign * a}))
			dev = math.Max(dev, relDev(precs[k:k+1], []float64{8}))
		}
		devs = append(devs, dev)
	}
	for i := 1; i < len(devs); i++ {
		if !(devs[i] < devs[i-1]) {
			return 0, fmt.Errorf("deviation did not shrink as the modes separated: %v", devs)
		}
	}
	return devs[0], nil
}
