package continual

import (
	"os"
	"testing"
)

// TestPermutedMNISTProtocol runs the full protocol of the package
// documentation (permuted MNIST, 5 tasks, ivon, vogn, adam and joint adam;
// about 3 minutes on 2 cores) and checks the claim: IVON and VOGN
// with posterior as prior end at least 10 points of average accuracy above
// Adam fine-tuning. It runs only with BLR_CONTINUAL_FULL=1:
//
//	BLR_CONTINUAL_FULL=1 go test -run TestPermutedMNISTProtocol -timeout 30m -v ./continual/
//
// which is `blr continual` with its defaults.
func TestPermutedMNISTProtocol(t *testing.T) {
	if testing.Short() || os.Getenv("BLR_CONTINUAL_FULL") == "" {
		t.Skip("the full protocol takes minutes: set BLR_CONTINUAL_FULL=1")
	}
	cfg := DefaultConfig()
	b, err := Load(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(cfg, b, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	last := cfg.Tasks - 1
	adam := res.Method("adam").Avg[last]
	for _, name := range []string{"ivon", "vogn"} {
		got := res.Method(name).Avg[last]
		t.Logf("%s %.2f%%, adam fine-tuning %.2f%%, joint %.2f%%", name, 100*got, 100*adam, 100*res.Method("joint-adam").Avg[last])
		if got-adam < 0.10 {
			t.Errorf("%s: average accuracy after %d tasks %.2f%% is less than 10 points above Adam fine-tuning's %.2f%%", name, cfg.Tasks, 100*got, 100*adam)
		}
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(string(p))
	return len(p), nil
}
