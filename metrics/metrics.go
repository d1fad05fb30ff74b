// Package metrics scores predictions: accuracy, negative log-likelihood,
// calibration (ECE and reliability bins), the Brier score and predictive
// entropy for classifiers, AUROC for detectors, and RMSE and Gaussian test
// log-likelihood for regression.
//
// Class probabilities are passed as one flat row-major slice p of N rows of
// C classes (p[i*C+c] is the probability of class c for example i), as
// float64; convert float32 predictions with [Float64s]. Conventions, fixed
// for all of blr:
//
//   - NLL is the mean over examples of −log p(yᵢ), in nats, with p(yᵢ)
//     clipped below at [ProbFloor] so that a zero probability costs
//     −log(1e-12) ≈ 27.6 nats rather than +Inf;
//   - ECE uses 10 equal-width bins of the top probability (the confidence),
//     example i going to bin min(⌊10·confᵢ⌋, 9), and is
//     Σ_b |#correct_b − Σ_{i∈b} confᵢ| / N (the convention of the
//     ivon-experiments calibration code);
//   - Brier is the mean over examples of Σ_c (p_c − 1[y=c])², the sum over
//     classes (so it lies in [0, 2]);
//   - the predicted class is the first one with the largest probability.
//
// Every function checks its input: mismatched lengths, an empty input, a
// label outside [0, C), and probabilities that are NaN, negative, above 1 or
// whose row does not sum to 1 within [ProbTolerance] give an [*InputError]
// wrapping [ErrInput], never a panic or a NaN result. No result is
// infinite except where a function's doc says so: RMSE is +Inf only when
// the true value exceeds the largest float64, and the Gaussian
// log-likelihoods are −Inf when an example's log density lies below
// −math.MaxFloat64 (its density is 0 in float64, under every sample for
// the mixture: a variance far too small for the error).
package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/floats"
)

// ProbFloor is the smallest probability NLL takes the log of.
const ProbFloor = 1e-12

// ProbTolerance is how far a probability may exceed 1, and a row's sum may
// differ from 1, before the input is refused (room for float32 softmax and
// Monte Carlo averages).
const ProbTolerance = 1e-4

// NumBins is the number of equal-width confidence bins of ECE and
// ReliabilityBins.
const NumBins = 10

// ErrInput is wrapped by every error that reports invalid input.
var ErrInput = errors.New("metrics: invalid input")

// InputError says which argument of which function is invalid, where, and
// why.
type InputError struct {
	Func   string  // e.g. "ECE"
	Field  string  // e.g. "p", "y", "len(p)"
	Index  int     // the offending element; −1 when the whole argument is meant
	Value  float64 // the offending value, when Index ≥ 0
	Reason string  // what is wrong, in words
}

// Error formats the error as "metrics.FUNC: FIELD[INDEX] = VALUE: REASON".
func (e *InputError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("metrics.%s: %s[%d] = %v: %s", e.Func, e.Field, e.Index, e.Value, e.Reason)
	}
	return fmt.Sprintf("metrics.%s: %s: %s", e.Func, e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInput) true.
func (e *InputError) Unwrap() error { return ErrInput }

// Float64s converts float32 probabilities (or scores) to float64, for the
// functions of this package. The bins of ECE are applied to the widened
// value: float32(0.9) becomes 0.899999976…, which falls in bin 8, not 9.
func Float64s(p []float32) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = float64(v)
	}
	return out
}

// checkProbs validates p (N×classes, N = len(y)) and y.
func checkProbs(fn string, p []float64, classes int, y []int) error {
	if classes < 1 {
		return &InputError{Func: fn, Field: "classes", Index: -1, Reason: fmt.Sprintf("%d classes; need at least 1", classes)}
	}
	if len(y) == 0 {
		return &InputError{Func: fn, Field: "y", Index: -1, Reason: "no examples"}
	}
	if len(p) != len(y)*classes || len(p)/classes != len(y) {
		return &InputError{Func: fn, Field: "len(p)", Index: -1,
			Reason: fmt.Sprintf("%d probabilities, want len(y)·classes = %d·%d", len(p), len(y), classes)}
	}
	for i, c := range y {
		if c < 0 || c >= classes {
			return &InputError{Func: fn, Field: "y", Index: i, Value: float64(c), Reason: fmt.Sprintf("label outside [0, %d)", classes)}
		}
	}
	return checkRows(fn, p, classes)
}

// checkRows validates the probability rows of p.
func checkRows(fn string, p []float64, classes int) error {
	for i := 0; i+classes <= len(p); i += classes {
		sum := 0.0
		for j, v := range p[i : i+classes] {
			switch {
			case math.IsNaN(v):
				return &InputError{Func: fn, Field: "p", Index: i + j, Value: v, Reason: "probability is NaN"}
			case v < 0 || v > 1+ProbTolerance:
				return &InputError{Func: fn, Field: "p", Index: i + j, Value: v, Reason: "probability outside [0, 1]"}
			}
			sum += v
		}
		if math.Abs(sum-1) > ProbTolerance {
			return &InputError{Func: fn, Field: "p", Index: -1,
				Reason: fmt.Sprintf("row %d (example %d) sums to %v, not 1", i/classes, i/classes, sum)}
		}
	}
	return nil
}

// top returns the predicted class (first argmax) and its probability.
func top(row []float64) (int, float64) {
	k, best := 0, row[0]
	for c, v := range row[1:] {
		if v > best {
			k, best = c+1, v
		}
	}
	return k, best
}

// Accuracy returns the fraction of examples whose predicted class (the first
// with the largest probability) is the label.
func Accuracy(p []float64, classes int, y []int) (float64, error) {
	if err := checkProbs("Accuracy", p, classes, y); err != nil {
		return 0, err
	}
	return accuracy(p, classes, y), nil
}

func accuracy(p []float64, classes int, y []int) float64 {
	correct := 0
	for i, c := range y {
		if k, _ := top(p[i*classes : (i+1)*classes]); k == c {
			correct++
		}
	}
	return float64(correct) / float64(len(y))
}

// NLL returns the mean negative log-likelihood of the labels in nats,
// mean over i of −log max(p[i, yᵢ], ProbFloor).
func NLL(p []float64, classes int, y []int) (float64, error) {
	if err := checkProbs("NLL", p, classes, y); err != nil {
		return 0, err
	}
	return nll(p, classes, y), nil
}

func nll(p []float64, classes int, y []int) float64 {
	s := 0.0
	for i, c := range y {
		s -= math.Log(max(p[i*classes+c], ProbFloor))
	}
	return s / float64(len(y))
}

// Brier returns the mean over examples of Σ_c (p_c − 1[y=c])².
func Brier(p []float64, classes int, y []int) (float64, error) {
	if err := checkProbs("Brier", p, classes, y); err != nil {
		return 0, err
	}
	return brier(p, classes, y), nil
}

func brier(p []float64, classes int, y []int) float64 {
	s := 0.0
	for i, c := range y {
		for k, v := range p[i*classes : (i+1)*classes] {
			if k == c {
				v -= 1
			}
			s += v * v
		}
	}
	return s / float64(len(y))
}

// Bin is one confidence bin of a reliability diagram.
type Bin struct {
	Lo, Hi     float64 // the bin covers confidences in [Lo, Hi) (the last also Hi = 1)
	Count      int     // examples whose confidence falls in the bin
	Correct    int     // of which the predicted class is right
	SumConf    float64 // sum of their confidences
	Confidence float64 // mean confidence, SumConf/Count; 0 when Count = 0
	Accuracy   float64 // Correct/Count; 0 when Count = 0
}

// binOf returns the ECE bin of a confidence: min(⌊10·conf⌋, 9).
func binOf(conf float64) int {
	return min(int(math.Floor(NumBins*conf)), NumBins-1)
}

// ReliabilityBins returns the NumBins equal-width bins of the confidence
// (top probability) with, per bin, the number of examples, how many are
// correct, and their mean confidence and accuracy, for reliability plots.
// Example i goes to bin min(⌊10·confᵢ⌋, 9).
func ReliabilityBins(p []float64, classes int, y []int) ([]Bin, error) {
	if err := checkProbs("ReliabilityBins", p, classes, y); err != nil {
		return nil, err
	}
	return bins(p, classes, y), nil
}

func bins(p []float64, classes int, y []int) []Bin {
	bs := make([]Bin, NumBins)
	for b := range bs {
		bs[b].Lo, bs[b].Hi = float64(b)/NumBins, float64(b+1)/NumBins
	}
	for i, c := range y {
		k, conf := top(p[i*classes : (i+1)*classes])
		b := &bs[binOf(conf)]
		b.Count++
		b.SumConf += conf
		if k == c {
			b.Correct++
		}
	}
	for b := range bs {
		if n := bs[b].Count; n > 0 {
			bs[b].Confidence = bs[b].SumConf / float64(n)
			bs[b].Accuracy = float64(bs[b].Correct) / float64(n)
		}
	}
	return bs
}

// ECE returns the expected calibration error with 10 equal-width bins of the
// confidence: Σ_b |#correct_b − Σ_{i∈b} confᵢ| / N, with example i in bin
// min(⌊10·confᵢ⌋, 9).
func ECE(p []float64, classes int, y []int) (float64, error) {
	if err := checkProbs("ECE", p, classes, y); err != nil {
		return 0, err
	}
	return ece(bins(p, classes, y), len(y)), nil
}

func ece(bs []Bin, n int) float64 {
	s := 0.0
	for _, b := range bs {
		s += math.Abs(float64(b.Correct) - b.SumConf)
	}
	return s / float64(n)
}

// PredictiveEntropy returns each example's entropy −Σ_c p_c log p_c in nats
// (0·log 0 = 0), for rows of classes probabilities. An empty p is an
// *InputError, as for the other functions.
func PredictiveEntropy(p []float64, classes int) ([]float64, error) {
	const fn = "PredictiveEntropy"
	if classes < 1 {
		return nil, &InputError{Func: fn, Field: "classes", Index: -1, Reason: fmt.Sprintf("%d classes; need at least 1", classes)}
	}
	if len(p) == 0 {
		return nil, &InputError{Func: fn, Field: "p", Index: -1, Reason: "no examples"}
	}
	if len(p)%classes != 0 {
		return nil, &InputError{Func: fn, Field: "len(p)", Index: -1, Reason: fmt.Sprintf("%d is not a multiple of %d classes", len(p), classes)}
	}
	if err := checkRows(fn, p, classes); err != nil {
		return nil, err
	}
	return entropy(p, classes), nil
}

func entropy(p []float64, classes int) []float64 {
	h := make([]float64, len(p)/classes)
	for i := range h {
		s := 0.0
		for _, v := range p[i*classes : (i+1)*classes] {
			if v > 0 {
				s -= v * math.Log(v)
			}
		}
		h[i] = s
	}
	return h
}

// Summary holds the classification metrics of one set of predictions.
type Summary struct {
	N           int     // number of examples
	Accuracy    float64 // fraction correct
	NLL         float64 // mean nats
	ECE         float64 // 10 equal-width bins
	Brier       float64 // mean of the sum over classes
	MeanEntropy float64 // mean predictive entropy, nats
}

// Evaluate computes all of Summary's metrics at once (the input is checked
// once).
func Evaluate(p []float64, classes int, y []int) (Summary, error) {
	if err := checkProbs("Evaluate", p, classes, y); err != nil {
		return Summary{}, err
	}
	h := 0.0
	for _, v := range entropy(p, classes) {
		h += v
	}
	return Summary{
		N:           len(y),
		Accuracy:    accuracy(p, classes, y),
		NLL:         nll(p, classes, y),
		ECE:         ece(bins(p, classes, y), len(y)),
		Brier:       brier(p, classes, y),
		MeanEntropy: h / float64(len(y)),
	}, nil
}

// AUROC returns the area under the ROC curve of a detector that gives the
// positive examples the scores pos and the negative ones neg, higher meaning
// more positive: the fraction of (positive, negative) pairs ranked
// correctly, a tie counting ½. It sorts a copy of neg and counts with binary
// search, O((P+N) log N), exactly in integers. Both slices must be non-empty
// and free of NaN (infinities are allowed).
func AUROC(pos, neg []float64) (float64, error) {
	const fn = "AUROC"
	if len(pos) == 0 || len(neg) == 0 {
		return 0, &InputError{Func: fn, Field: "scores", Index: -1,
			Reason: fmt.Sprintf("%d positive and %d negative scores; need at least one of each", len(pos), len(neg))}
	}
	for i, v := range pos {
		if math.IsNaN(v) {
			return 0, &InputError{Func: fn, Field: "pos", Index: i, Value: v, Reason: "score is NaN"}
		}
	}
	for i, v := range neg {
		if math.IsNaN(v) {
			return 0, &InputError{Func: fn, Field: "neg", Index: i, Value: v, Reason: "score is NaN"}
		}
	}
	sorted := slices.Clone(neg)
	slices.Sort(sorted)
	var twice uint64 // 2·(#neg below) + #neg equal, summed over positives
	for _, s := range pos {
		lo := sort.SearchFloat64s(sorted, s)                                                 // first ≥ s
		hi := lo + sort.Search(len(sorted)-lo, func(k int) bool { return sorted[lo+k] > s }) // first > s
		twice += 2*uint64(lo) + uint64(hi-lo)
	}
	return float64(twice) / (2 * float64(len(pos)) * float64(len(neg))), nil
}

// checkPair validates two equal-length non-empty finite slices.
func checkPair(fn, an, bn string, a, b []float64) error {
	if len(a) == 0 || len(a) != len(b) {
		return &InputError{Func: fn, Field: "len(" + an + "), len(" + bn + ")", Index: -1,
			Reason: fmt.Sprintf("%d and %d; need equal, non-zero lengths", len(a), len(b))}
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{an, a}, {bn, b}} {
		for i, v := range s.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return &InputError{Func: fn, Field: s.name, Index: i, Value: v, Reason: "not finite"}
			}
		}
	}
	return nil
}

// RMSE returns the root mean squared error √(mean (predᵢ − yᵢ)²). It is
// finite whenever the true value is at most math.MaxFloat64 (errors whose
// squares overflow or underflow are rescaled), and +Inf only when it is
// larger, which takes errors near 2·math.MaxFloat64.
func RMSE(pred, y []float64) (float64, error) {
	if err := checkPair("RMSE", "pred", "y", pred, y); err != nil {
		return 0, err
	}
	s := 0.0
	for i := range y {
		d := pred[i] - y[i]
		s += d * d
	}
	switch {
	case math.IsInf(s, 1):
		return scaledRMSE(pred, y, 0.5), nil
	case s < 0x1p-1000: // some squares may have lost digits to underflow
		return scaledRMSE(pred, y, 1), nil
	}
	return math.Sqrt(s / float64(len(y))), nil
}

// scaledRMSE is RMSE computed without overflow or underflow: the norm of
// the errors c·predᵢ − c·yᵢ by gonum's scaled floats.Norm, with c = ½ when
// predᵢ − yᵢ may overflow and 1 otherwise (halving a subnormal loses
// digits).
func scaledRMSE(pred, y []float64, c float64) float64 {
	d := make([]float64, len(y))
	for i := range y {
		d[i] = c*pred[i] - c*y[i]
	}
	return floats.Norm(d, 2) / math.Sqrt(float64(len(y))) / c
}

// meanOf returns the mean of terms(i) over i < n: the plain sum divided by
// n, or, when that sum overflows, the sum of the terms divided by n first,
// so that the mean is −Inf only when a term is (or the mean itself
// overflows).
func meanOf(n int, term func(i int) float64) float64 {
	s := 0.0
	for i := range n {
		s += term(i)
	}
	if !math.IsInf(s, -1) {
		return s / float64(n)
	}
	s = 0
	for i := range n {
		t := term(i)
		if math.IsInf(t, -1) {
			return t
		}
		s += t / float64(n)
	}
	return s
}

// GaussianLogLik returns the mean Gaussian test log-likelihood in nats,
// mean over i of log N(yᵢ; meanᵢ, varianceᵢ), for a predictive Gaussian per
// example. Variances must be positive and finite. The result is −Inf when
// some yᵢ lies so far from meanᵢ for its variance that its log density
// −½log(2π·varianceᵢ) − (yᵢ−meanᵢ)²/(2·varianceᵢ) is below
// −math.MaxFloat64; it is never NaN or +Inf.
func GaussianLogLik(mean, variance, y []float64) (float64, error) {
	const fn = "GaussianLogLik"
	if err := checkPair(fn, "mean", "y", mean, y); err != nil {
		return 0, err
	}
	if err := checkVariance(fn, "variance", variance, len(y)); err != nil {
		return 0, err
	}
	return meanOf(len(y), func(i int) float64 { return logNormal(y[i], mean[i], variance[i]) }), nil
}

// GaussianMixtureLogLik returns the mean test log-likelihood in nats of an
// equal-weight mixture of S Gaussians per example, as a Monte Carlo
// posterior predictive gives: mean over i of
// log (1/S) Σₛ N(yᵢ; means[s][i], variances[s][i]), computed stably with
// log-sum-exp. means and variances have S rows of len(y). The result is
// −Inf when some yᵢ has a log density below −math.MaxFloat64 under every
// one of the S Gaussians (see GaussianLogLik); it is never NaN or +Inf.
func GaussianMixtureLogLik(means, variances [][]float64, y []float64) (float64, error) {
	const fn = "GaussianMixtureLogLik"
	if len(means) == 0 || len(means) != len(variances) {
		return 0, &InputError{Func: fn, Field: "len(means), len(variances)", Index: -1,
			Reason: fmt.Sprintf("%d and %d samples; need equal, non-zero counts", len(means), len(variances))}
	}
	for s := range means {
		if err := checkPair(fn, fmt.Sprintf("means[%d]", s), "y", means[s], y); err != nil {
			return 0, err
		}
		if err := checkVariance(fn, fmt.Sprintf("variances[%d]", s), variances[s], len(y)); err != nil {
			return 0, err
		}
	}
	rows := make([]float64, len(y))
	lp := make([]float64, len(means))
	for i := range y {
		m := math.Inf(-1)
		for s := range means {
			lp[s] = logNormal(y[i], means[s][i], variances[s][i])
			m = max(m, lp[s])
		}
		if math.IsInf(m, -1) { // a zero density under every sample: exp(v−m) would be NaN
			return m, nil
		}
		sum := 0.0
		for _, v := range lp {
			sum += math.Exp(v - m)
		}
		rows[i] = m + math.Log(sum/float64(len(means)))
	}
	return meanOf(len(y), func(i int) float64 { return rows[i] }), nil
}

func checkVariance(fn, name string, v []float64, n int) error {
	if len(v) != n {
		return &InputError{Func: fn, Field: "len(" + name + ")", Index: -1, Reason: fmt.Sprintf("%d, want %d", len(v), n)}
	}
	for i, x := range v {
		if !(x > 0) || math.IsInf(x, 0) {
			return &InputError{Func: fn, Field: name, Index: i, Value: x, Reason: "variance must be positive and finite"}
		}
	}
	return nil
}

// logNormal is log N(y; m, v) for finite y, m and a positive finite v:
// finite, or −Inf when it lies below −math.MaxFloat64; never NaN.
func logNormal(y, m, v float64) float64 {
	d := y - m
	lv := math.Log(2 * math.Pi * v)
	if math.IsInf(lv, 1) { // 2πv overflows
		lv = math.Log(2*math.Pi) + math.Log(v)
	}
	q := d * d / v / 2 // (y−m)²/(2v); not /(2*v): 2v may overflow to make Inf/Inf
	if math.IsInf(q, 1) {
		// y−m or its square overflowed: q = a² with a = |y/2 − m/2|·√2/√v,
		// which overflows only when q does.
		a := math.Abs(y/2-m/2) / math.Sqrt(v) * math.Sqrt2
		q = a * a
	}
	return -0.5*lv - q
}
