package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bayesrule/blr/internal/demo"
	"github.com/bayesrule/blr/plot"
)

func init() {
	commands["demo"] = command{"small experiments that show the talk's claims (blr demo NAME; blr demo --help lists them)", runDemo}
	demos["flat"] = demoCommand{"Bayes prefers flatter directions: gradient descent and Gaussian smoothings of a 1-D loss", demoFlat}
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("which demo? one of: %s (blr demo --help describes them)", strings.Join(demoNames(), ", "))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		demoUsage(stdout)
		return nil
	}
	if d, ok := demos[args[0]]; ok {
		return d.run(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown demo %q (known: %s)", args[0], strings.Join(demoNames(), ", "))
}

// demoCommand is one demo: a one-line summary for blr demo --help, and the
// runner, which parses the demo's own flags from args.
type demoCommand struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// demos maps each demo's name to its command; files add theirs in init.
var demos = map[string]demoCommand{}

// demoUsage lists the demos and what each shows.
func demoUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: blr demo NAME [flags]\n\ndemos:")
	for _, n := range demoNames() {
		fmt.Fprintf(w, "  %-8s %s\n", n, demos[n].summary)
	}
	fmt.Fprintln(w, "\nblr demo NAME --help lists a demo's flags.")
}

func demoNames() []string {
	names := make([]string, 0, len(demos))
	for n := range demos {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

const demoFlatUsage = `usage: blr demo flat [--out FILE]

Runs gradient descent and the rule with Gaussians N(m, σ²) of several fixed
variances on a 1-D loss with a sharp and a flat minimum, prints the mean each
reaches from two starts, and plots the loss and its Gaussian smoothings.

flags:
`

func demoFlat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo flat", stderr)
	out := fs.String("out", "flat.png", "where to write the PNG of the loss and its Gaussian smoothings")
	if _, err := parseFlags(fs, demoFlatUsage, args, "flags only; see blr demo flat --help"); err != nil {
		return err
	}
	f := demo.DefaultFlat
	variances := []float64{0, 0.01, 0.05, 0.1, 0.2, 0.5, 1}
	starts := []float64{-1.02, 1}
	res, err := demo.FlatSweep(f, variances, starts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Bayes prefers flatter directions: ℓ(θ) = %.2g(θ−2)² − %.2g·exp(−(θ+1)²/(2·%.2g²))\n", f.A, f.B, f.W)
	fmt.Fprintf(stdout, "sharp minimum near θ = −1 (ℓ = %.3f), flat minimum at θ = 2 (ℓ = %.3f)\n\n", f.Loss(-1), f.Loss(2))
	fmt.Fprintf(stdout, "%-22s %10s %12s\n", "q", "start", "mean reached")
	for _, r := range res {
		name := fmt.Sprintf("N(m, %g)", r.Variance)
		if r.Variance == 0 {
			name = "gradient descent"
		}
		fmt.Fprintf(stdout, "%-22s %10.2f %12.4f\n", name, r.Start, r.Mean)
	}
	var series []plot.Series
	xs := make([]float64, 801)
	for i := range xs {
		xs[i] = -4 + 8*float64(i)/800
	}
	for _, v := range []float64{0, 0.01, 0.1, 0.5} {
		ys := make([]float64, len(xs))
		for i, x := range xs {
			ys[i] = f.Smoothed(x, v)
		}
		name := fmt.Sprintf("E_q[ℓ], σ² = %g", v)
		if v == 0 {
			name = "ℓ(θ)"
		}
		series = append(series, plot.Series{Name: name, X: xs, Y: ys, Dashed: v != 0})
	}
	if err := plot.Lines(*out, "Bayes prefers flatter directions", "θ (or the mean m of q)", "loss", series, 7, 4.5); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", *out)
	return nil
}
