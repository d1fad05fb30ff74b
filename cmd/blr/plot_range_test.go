package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/train"
)

// TestPlotRangeHistory draws curves.png from histories whose values are
// huge or all equal (gonum/plot panicked on a flat axis at |v| ≥ 2⁵³ and
// looped forever on a range of infinite width): blr plot draws them, or
// skips curves.png with a note naming the record and field and draws the
// other figures; never a panic or hang.
func TestPlotRangeHistory(t *testing.T) {
	if _, err := data.MNISTDir(); err != nil {
		t.Skip(err)
	}
	run := t.TempDir()
	mustRun(t, tiny("--epochs", "1", "--epoch-eval", "none", "--ood", "none", "--out", run)...)
	for _, tc := range []struct {
		name, history string
		want          string // "": curves.png is drawn
	}{
		{"one huge loss", `[{"epoch":1,"train_loss":1e16}]`, ""},
		{"the repro's loss", `[{"epoch":1,"train_loss":7.6311099289370624e16}]`, ""},
		{"equal huge losses", `[{"epoch":1,"train_loss":1e16},{"epoch":2,"train_loss":1e16}]`, ""},
		{"huge accuracy", `[{"epoch":1,"train_loss":0.5,"test_acc":1e17,"test_nll":0.3}]`, ""},
		{"huge epoch", `[{"epoch":100000000000000000,"train_loss":0.5}]`, ""},
		{"1e300", `[{"epoch":1,"train_loss":1e300},{"epoch":2,"train_loss":-1e300}]`, ""},
		{"±9e307", `[{"epoch":1,"train_loss":9e307},{"epoch":2,"train_loss":-9e307}]`,
			"metrics.json history[0] (epoch 1): train_loss = 9e+307: curves.png draws values within ±1e+300 only"},
		{"huge NLL", `[{"epoch":1,"train_loss":1},{"epoch":2,"train_loss":1,"test_acc":0.5,"test_nll":-1e301}]`,
			"history[1] (epoch 2): test_nll = -1e+301"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(run, train.MetricsFile), []byte(`{"history":`+tc.history+`}`), 0o644); err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			type result struct {
				code           int
				stdout, stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, stdout, stderr := runCLI(t, "plot", "--run", run, "--out", out, "--ood", "none", "--test-samples", "0", "--test-size", "20")
				done <- result{code, stdout, stderr}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("blr plot: no answer after 60 s: a hang")
			}
			if tc.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				checkPNG(t, filepath.Join(out, "curves.png"))
				return
			}
			if r.code != 0 || !strings.Contains(r.stderr, "no curves.png: ") || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q: want exit 0 and a note containing %q", r.code, r.stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(out, "curves.png")); err == nil {
				t.Error("curves.png written from a history it cannot show")
			}
			checkPNG(t, filepath.Join(out, "reliability.png"))
		})
	}
}
