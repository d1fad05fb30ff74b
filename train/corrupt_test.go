package train

import (
	"math"
	"strings"
	"testing"
)

// TestCorruptStateRefused: a posterior whose batch norm has a negative
// running variance, and a training state whose h makes a sampling
// optimizer's precision negative or whose mean is NaN, are refused when
// they are read (they used to fail later, at evaluation or at the first
// step, blaming neither the file nor the tensor).
func TestCorruptStateRefused(t *testing.T) {
	train, _, _ := sets(t)
	cfg := tinyConfig("ivon")
	cfg.BatchNorm = true
	tr, err := New(cfg, train, nil)
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, tr, 3)
	p := tr.Posterior()
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	for j := range p.Buffers { // the first batch norm's means, then its variances
		p.Buffers[j] = -1
	}
	if err := p.Check(); err == nil || !strings.Contains(err.Error(), "running variance of channel 0 = -1") {
		t.Errorf("negative running variance: %v", err)
	}

	dir := t.TempDir()
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tensor string
		value  float32
		want   string
	}{
		{tensorHessian, -1e6, "hessian[0] = -1e+06 gives the posterior precision"},
		{tensorMean, float32(math.NaN()), "mean[0] = NaN is not finite"},
	} {
		st, err := ReadState(dir)
		if err != nil {
			t.Fatal(err)
		}
		v, err := st.file.Float32(tc.tensor, len(p.Mean))
		if err != nil {
			t.Fatal(err)
		}
		v[0] = tc.value // as if the file had been written so
		if _, err := Resume(st, train, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s[0] = %g: %v, want an error with %q", tc.tensor, tc.value, err, tc.want)
		}
	}
}
