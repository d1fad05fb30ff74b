package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTableJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"table", "--json"}, &out, &errb)
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, out.String())
	}
	fails := 0
	for _, r := range rows {
		for _, k := range []string{"row", "status"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row %v lacks %q", r["row"], k)
			}
		}
		switch r["status"] {
		case "pass":
			dev, _ := r["deviation"].(float64)
			tol, _ := r["tolerance"].(float64)
			if !(dev <= tol) {
				t.Errorf("row %v passes with deviation %v > tolerance %v", r["row"], r["deviation"], r["tolerance"])
			}
		case "fail":
			fails++
		case "not_implemented":
		default:
			t.Errorf("row %v: status %v", r["row"], r["status"])
		}
	}
	if (fails > 0) != (code != 0) {
		t.Errorf("%d failing rows but exit code %d", fails, code)
	}
	if fails > 0 {
		t.Errorf("%d rows fail:\n%s", fails, errb.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "frobnicate") {
		t.Errorf("stderr does not name the command: %q", errb.String())
	}
}

// TestFlagsWithoutCommand: flags with no command go to the default
// command, train (blr --out DIR used to be "unknown command").
func TestFlagsWithoutCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--epochs", "0"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "blr train: --epochs 0") {
		t.Errorf("exit %d, stderr %q; want blr train's error for --epochs 0", code, errb.String())
	}
}

func TestDemoFlat(t *testing.T) {
	png := filepath.Join(t.TempDir(), "flat.png")
	var out, errb bytes.Buffer
	if code := run([]string{"demo", "flat", "--out", png}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("no PNG written: %v", err)
	}
	if !strings.Contains(out.String(), "gradient descent") {
		t.Errorf("output lacks the gradient-descent lines:\n%s", out.String())
	}
}
