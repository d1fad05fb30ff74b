package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{[]string{"--steps", "1"}, "--steps = 1"},
		{[]string{"--seeds", "0"}, "--seeds = 0"},
		{[]string{"--eps", "1.5"}, `"1.5"`},
		{[]string{"--eps", "x"}, `"x"`},
		{[]string{"--arms", "1"}, "BanditConfig.Arms = 1"},
		{[]string{"--context-scale", "NaN"}, "ContextScale = NaN"},
		{[]string{"--rule-steps", "0"}, "--rule-steps = 0"},
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
	}
}
