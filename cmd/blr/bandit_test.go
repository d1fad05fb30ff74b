package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
)

func TestBanditCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"bandit", "--steps", "300", "--seeds", "2", "--eps", "0.1,0", "--out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"thompson (rule, online)", "ε-greedy (ε=0.1)", "ε-greedy (ε=0)", "laplace refit (all data)", "log-log slope"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "bandit.png"))
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("no PNG written: %v", err)
	}
	// Same flags, same table.
	var again bytes.Buffer
	run([]string{"bandit", "--steps", "300", "--seeds", "2", "--eps", "0.1,0", "--out", dir}, &again, &errb)
	if again.String() != out.String() {
		t.Errorf("a rerun printed a different table:\n%s\nvs\n%s", out.String(), again.String())
	}
}

func TestBanditBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--steps", "1"}, "--steps 1: "},
		{[]string{"--seeds", "0"}, "--seeds 0: "},
		{[]string{"--eps", "1.5"}, `--eps 1.5: "1.5"`},
		{[]string{"--eps", "x"}, `"x"`},
		{[]string{"--eps", ","}, `--eps ",": `},
		{[]string{"--eps", "0.1,,0.2"}, `--eps "0.1,,0.2": an empty value in the list`},
		{[]string{"--eps", "0.1,"}, `--eps "0.1,": an empty value in the list`},
		{[]string{"--eps", " , 0.1"}, `--eps " , 0.1": an empty value in the list`},
		{[]string{"--eps", ""}, `--eps "": want at least one value`},
		{[]string{"--arms", "1"}, "--arms 1: "},
		{[]string{"--arms", "0"}, "--arms 0: "},
		{[]string{"--arms", "1001"}, "--arms 1001: "},
		{[]string{"--dim", "0"}, "--dim 0: "},
		{[]string{"--context-scale", "NaN"}, "--context-scale NaN: "},
		{[]string{"--context-scale", "-1"}, "--context-scale -1: "},
		{[]string{"--context-scale", "1e308"}, "--context-scale 1e+308: "},
		{[]string{"--rule-steps", "0"}, "--rule-steps 0: "},
		{[]string{"extra"}, "unexpected arguments"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"bandit", "--out", t.TempDir()}, tc.args...)
		if code := run(args, &out, &errb); code != 1 {
			t.Errorf("%v: exit %d, want 1", tc.args, code)
		}
		if !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, errb.String(), tc.want)
		}
		for _, goName := range []string{"BanditConfig", "Experiment.", " = "} {
			if strings.Contains(errb.String(), goName) {
				t.Errorf("%v: stderr %q names the Go configuration (%q), not the flag", tc.args, errb.String(), goName)
			}
		}
	}
}

// TestBanditFlagError: an error of package online about a field that a flag
// sets names the flag; others pass unchanged.
func TestBanditFlagError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&blr.ConfigError{Field: "BanditConfig.Arms", Value: 0, Reason: "want ≥ 2"}, "--arms 0: want ≥ 2"},
		{&blr.ConfigError{Field: "BanditConfig.ContextScale", Value: math.NaN(), Reason: "want a finite value ≥ 0 (0: 1)"}, "--context-scale NaN: want a finite value ≥ 0 (0: 1)"},
		{fmt.Errorf("online: %w", &blr.ConfigError{Field: "Experiment.Steps", Value: 1, Reason: "want ≥ 2"}), "--steps 1: want ≥ 2"},
		{&blr.ConfigError{Field: "Experiment.Workers", Value: -1, Reason: "want ≥ 0"}, "blr: Experiment.Workers = -1: want ≥ 0"},
		{errors.New("other"), "other"},
	} {
		if got := banditFlagError(tc.err).Error(); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.err, got, tc.want)
		}
	}
}
