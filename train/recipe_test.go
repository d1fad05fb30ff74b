package train

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bayesrule/blr"
)

// TestRecipeFills checks that the zero hyperparameters and the empty
// schedule take the recipe, that explicit values win, and that normalize is
// idempotent.
func TestRecipeFills(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Config
		want Config // the fields compared: LR, PriorPrecision, Beta1, HessInit, Temperature, ClipRadius, Schedule
	}{
		{"fashion mlp ivon", Config{Data: "fashion-mnist", Model: "mlp", Optimizer: "ivon"},
			Config{LR: 0.3, PriorPrecision: 3, Beta1: 0.8, HessInit: 0.01, Temperature: 0.01, ClipRadius: 1, Schedule: "cosine"}},
		{"spelling and case", Config{Data: "Fashion_MNIST", Model: " MLP", Optimizer: "IVON"},
			Config{LR: 0.3, PriorPrecision: 3, Beta1: 0.8, HessInit: 0.01, Temperature: 0.01, ClipRadius: 1, Schedule: "cosine"}},
		{"explicit values win", Config{Data: "fashion-mnist", Model: "mlp", Optimizer: "ivon", LR: 0.5, Temperature: 1, ClipRadius: blr.Off, Schedule: "constant"},
			Config{LR: 0.5, PriorPrecision: 3, Beta1: 0.8, HessInit: 0.01, Temperature: 1, ClipRadius: blr.Off, Schedule: "constant"}},
		{"mixture", Config{Data: "fashion-mnist", Model: "mlp", Optimizer: "mixture"},
			Config{LR: 0.3, PriorPrecision: 3, Beta1: 0.8, HessInit: 0.01, Temperature: 0.01, ClipRadius: 1, Schedule: "cosine"}},
		{"lenet vogn", Config{Data: "fashion-mnist", Model: "lenet", Optimizer: "vogn"},
			Config{LR: 1e-2, PriorPrecision: 18, Temperature: 0.01, Schedule: "cosine"}},
		{"mnist keeps the optimizer's defaults", Config{Data: "mnist", Model: "mlp", Optimizer: "ivon"},
			Config{Schedule: "constant"}},
		{"no recipe for sgd", Config{Data: "fashion-mnist", Model: "mlp", Optimizer: "sgd"},
			Config{Schedule: "constant"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.in
			c.normalize()
			got := Config{LR: c.LR, PriorPrecision: c.PriorPrecision, Beta1: c.Beta1, HessInit: c.HessInit, Temperature: c.Temperature,
				ClipRadius: c.ClipRadius, Schedule: c.Schedule}
			if got.LR != tc.want.LR || got.PriorPrecision != tc.want.PriorPrecision || got.Beta1 != tc.want.Beta1 || got.HessInit != tc.want.HessInit ||
				got.Temperature != tc.want.Temperature || got.ClipRadius != tc.want.ClipRadius || got.Schedule != tc.want.Schedule {
				t.Fatalf("normalized %+v, want %+v", got, tc.want)
			}
			again := c
			again.normalize()
			if again.LR != c.LR || again.Schedule != c.Schedule || again.Temperature != c.Temperature {
				t.Fatalf("normalize is not idempotent: %+v then %+v", c, again)
			}
		})
	}
}

// TestRecipesAreTheValidatedCommands checks every recipe against the
// current commands of bench/quality.md, whose settings were chosen on the
// validation split (bench/validation.md §5) and whose test results that
// file reports: the defaults are the validated values, not a copy that
// drifted.
func TestRecipesAreTheValidatedCommands(t *testing.T) {
	b, err := os.ReadFile("../bench/quality.md")
	if err != nil {
		t.Fatal(err)
	}
	text, _, _ := strings.Cut(string(b), "## History") // the first protocol's commands, replaced since
	line := regexp.MustCompile(`(?m)^\s+blr train --data fashion-mnist( --model lenet)? --epochs (\d+) --seed s --optimizer (\w+)(.*)$`)
	seen := map[recipeKey]bool{}
	for _, m := range line.FindAllStringSubmatch(text, -1) {
		model := "mlp"
		if m[1] != "" {
			model = "lenet"
		}
		key := recipeKey{"fashion-mnist", model, m[3]}
		r, ok := recipes[key]
		if !ok {
			t.Errorf("%v: bench/quality.md runs it, but there is no recipe", key)
			continue
		}
		seen[key] = true
		want := Recipe{Schedule: "constant"}
		want.Epochs, _ = strconv.Atoi(m[2])
		f := strings.Fields(m[4])
		for i := 0; i+1 < len(f); i += 2 {
			if f[i] == "--components" {
				continue
			}
			if f[i] == "--schedule" {
				want.Schedule = f[i+1]
				continue
			}
			v, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				t.Fatalf("%v: %s %s: %v", key, f[i], f[i+1], err)
			}
			switch f[i] {
			case "--lr":
				want.LR = v
			case "--prior-precision":
				want.PriorPrecision = v
			case "--beta1":
				want.Beta1 = v
			case "--hess-init":
				want.HessInit = v
			case "--temperature":
				want.Temperature = v
			case "--clip-radius":
				want.ClipRadius = v
			default:
				t.Fatalf("%v: flag %s is not part of a recipe", key, f[i])
			}
		}
		if r != want {
			t.Errorf("%v: recipe %+v, bench/quality.md runs %+v", key, r, want)
		}
	}
	for key := range recipes {
		if !seen[key] && key.optimizer != "mixture" {
			t.Errorf("%v: a recipe that bench/quality.md does not run", key)
		}
	}
	if !seen[recipeKey{"fashion-mnist", "mlp", "mixture"}] {
		t.Error("bench/quality.md's mixture command was not found")
	}
}
