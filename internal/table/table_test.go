package table

import (
	"math"
	"testing"
)

// TestRows runs every registered row's check: each must pass its tolerance.
func TestRows(t *testing.T) {
	for _, r := range Rows() {
		if r.Check == nil {
			continue
		}
		t.Run(r.Name, func(t *testing.T) {
			res := Run(r)
			if res.Status != Pass {
				dev := math.NaN()
				if res.Deviation != nil {
					dev = *res.Deviation
				}
				t.Fatalf("row %q: status %s, deviation %g, tolerance %g, error %q", r.Name, res.Status, dev, r.Tolerance, res.Error)
			}
			t.Logf("%s: deviation %.3g (%s), tolerance %g", r.Name, *res.Deviation, r.Metric, r.Tolerance)
		})
	}
}

// TestUnimplementedNeverPass checks that a row without a check is reported
// as not implemented.
func TestUnimplementedNeverPass(t *testing.T) {
	res := Run(Row{Name: "placeholder"})
	if res.Status != NotImplemented {
		t.Fatalf("status %s, want not_implemented", res.Status)
	}
}

// TestFailingRowFails checks that a deviation above tolerance, a NaN, an
// error, a panic and a check that compared nothing (it returned (0, nil)
// before any comparison, as a skipped check would) all fail, and that the
// same check passes once it compares.
func TestFailingRowFails(t *testing.T) {
	for name, check := range map[string]func() (float64, error){
		"above":         func() (float64, error) { noteCompared(1); return 1, nil },
		"nan":           func() (float64, error) { noteCompared(1); return math.NaN(), nil },
		"panic":         func() (float64, error) { panic("boom") },
		"compared none": func() (float64, error) { return 0, nil },
	} {
		res := Run(Row{Name: name, Kind: Exact, Metric: Abs, Tolerance: 1e-12, Check: check})
		if res.Status != Fail {
			t.Errorf("%s: status %s, want fail", name, res.Status)
		}
		if name == "compared none" && res.Error != "the check compared no values" {
			t.Errorf("%s: error %q", name, res.Error)
		}
	}
	res := Run(Row{Name: "compares", Kind: Exact, Metric: Abs, Tolerance: 1e-12, Check: func() (float64, error) {
		return relDev([]float64{1, 2}, []float64{1, 2}), nil
	}})
	if res.Status != Pass {
		t.Errorf("a check that compares equal values: status %s (%s), want pass", res.Status, res.Error)
	}
}
