// Package table holds the rows of the talk's table: each row names a classic
// algorithm, the posterior family and natural-gradient approximation that make
// it an instance of the Bayesian learning rule, and a live check that runs the
// rule beside an independent, plainly written implementation of the classic
// algorithm and measures the largest deviation.
//
// Rows register themselves from the files of this package; a row the project
// has not built yet is listed as not implemented and never as passing.
package table

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
)

// Kind says what a row's agreement means.
type Kind string

// The kinds of agreement.
const (
	Exact       Kind = "exact"       // equal up to rounding (tolerance ≤ 1e-8)
	Heuristic   Kind = "heuristic"   // the rule plus named heuristics
	Statistical Kind = "statistical" // within a stated number of standard errors
	Limit       Kind = "limit"       // agreement as a parameter goes to its limit
)

// Metric says how the deviation is measured.
type Metric string

// The metrics.
const (
	Abs Metric = "abs" // max |Δ|
	Rel Metric = "rel" // max over coordinates of |Δ|/max(1,|x|)
	SE  Metric = "se"  // standard errors
)

// Status is a row's outcome.
type Status string

// The statuses.
const (
	Pass           Status = "pass"
	Fail           Status = "fail"
	NotImplemented Status = "not_implemented"
)

// Row is one line of the table.
type Row struct {
	Name          string // begins with the talk's words
	Family        string // posterior family
	Approximation string // natural-gradient approximation
	Reference     string // the classic algorithm compared against
	Kind          Kind
	Metric        Metric
	Tolerance     float64
	// Check runs the rule and the reference and returns the deviation. It
	// compares through relDev, TrajectoryDev or noteCompared: Run fails a
	// check that compared no values.
	Check func() (float64, error)
}

// Result is a row after its check ran, in the JSON shape of `blr table --json`.
type Result struct {
	Row           string   `json:"row"`
	Family        string   `json:"family,omitempty"`
	Approximation string   `json:"approximation,omitempty"`
	Reference     string   `json:"reference,omitempty"`
	Kind          Kind     `json:"kind,omitempty"`
	Metric        Metric   `json:"metric,omitempty"`
	Deviation     *float64 `json:"deviation"`
	Tolerance     *float64 `json:"tolerance"`
	Status        Status   `json:"status"`
	Error         string   `json:"error,omitempty"`
}

var registry = map[string]Row{}

// register adds a row; rows are unique by name.
func register(r Row) {
	if _, dup := registry[r.Name]; dup {
		panic("table: duplicate row " + r.Name)
	}
	if r.Kind == Exact && r.Tolerance > 1e-8 {
		panic(fmt.Sprintf("table: exact row %q has tolerance %g > 1e-8", r.Name, r.Tolerance))
	}
	registry[r.Name] = r
}

// Planned lists every row of the table in the talk's order; those not
// registered are reported as not implemented.
var Planned = []string{
	"Gradient descent",
	"SGD",
	"Newton's method",
	"Online Newton",
	"Multimodal optimisation (mixture of Gaussians)",
	"Multimodal optimisation (full mixture rule)",
	"Laplace's method",
	"Conjugate Bayes",
	"iBLR (full Gaussian)",
	"SGD-with-minibatches",
	"RMSprop",
	"Adam",
	"OGN",
	"VOGN",
	"Vadam",
	"IVON",
	"Dropout",
	"STE",
	"BinaryConnect (rule, delta at sign)",
	"BayesBiNN",
	"Expectation-maximisation",
	"Stochastic VI",
	"VMP",
	"Non-conjugate VMP",
	"Non-conjugate VI (mixture of Gaussians)",
}

// Rows returns all rows: the planned ones in order, then any others by name.
func Rows() []Row {
	var out []Row
	seen := map[string]bool{}
	for _, name := range Planned {
		seen[name] = true
		if r, ok := registry[name]; ok {
			out = append(out, r)
		} else {
			out = append(out, Row{Name: name})
		}
	}
	var extra []string
	for name := range registry {
		if !seen[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		out = append(out, registry[name])
	}
	return out
}

// compared counts the values the checks have compared (relDev,
// TrajectoryDev and noteCompared add to it); Run fails a check that returns
// without comparing any, so that a check which skips its comparison (an
// early return of (0, nil)) cannot pass.
var (
	compared atomic.Int64
	runMu    sync.Mutex // one Run at a time, so that compared is its check's
)

// noteCompared records that a check compared n values.
func noteCompared(n int) { compared.Add(int64(n)) }

// Run runs one row's check. A check that returns no error but compared no
// values fails.
func Run(r Row) Result {
	res := Result{Row: r.Name, Status: NotImplemented}
	if r.Check == nil {
		return res
	}
	res.Family, res.Approximation, res.Reference = r.Family, r.Approximation, r.Reference
	res.Kind, res.Metric = r.Kind, r.Metric
	tol := r.Tolerance
	res.Tolerance = &tol
	runMu.Lock()
	before := compared.Load()
	dev, err := safeCheck(r.Check)
	n := compared.Load() - before
	runMu.Unlock()
	if err == nil && n == 0 {
		err = errors.New("the check compared no values")
	}
	if err != nil {
		res.Status, res.Error = Fail, err.Error()
		return res
	}
	res.Deviation = &dev
	if dev <= tol { // NaN fails
		res.Status = Pass
	} else {
		res.Status = Fail
	}
	return res
}

func safeCheck(f func() (float64, error)) (dev float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check panicked: %v", p)
		}
	}()
	return f()
}
