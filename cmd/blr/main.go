// Command blr runs the Bayesian learning rule: the table of classic
// algorithms it reproduces, demos, training and fitting.
//
// Usage:
//
//	blr [train] [flags]      train a Bayesian network (no flags: MLP on MNIST with IVON, 2 epochs)
//	blr eval --posterior F   evaluate a saved posterior
//	blr predict ...          predict new images with a saved posterior, with their uncertainty
//	blr plot --run DIR       reliability diagram, entropy histograms, training curves of a run
//	blr continual ...        continual learning: the posterior becomes the next prior
//	blr merge ...            posteriors of data shards merged as a product of experts
//	blr table [--json]       run every row's equivalence check and print the table
//	blr demo NAME            the talk's claims as experiments: flat, mixture, em, lda, moons
//	blr fit ...              Bayesian GLMs and small networks on your own tables
//	blr bandit               Thompson sampling by the rule on a contextual bandit
//	blr help                 list the commands
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries an exit code without printing more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"train"}
		if _, ok := commands["train"]; !ok {
			args = []string{"table"}
		}
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return 0
	}
	if _, ok := commands["train"]; ok && strings.HasPrefix(name, "-") {
		// Flags without a command are the default command's: blr --out DIR
		// is blr train --out DIR.
		args = append([]string{"train"}, args...)
		name = "train"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "blr: unknown command %q\n", name)
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "blr %s: %v\n", name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: blr <command> [flags]\n       blr [train flags]   (no command: blr train)\n\ncommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("blr "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args with fs, whose -help prints usage and then the
// flags' defaults, refuses a positional argument (rest says what to give
// instead), and returns the names of the flags the command line set.
func parseFlags(fs *flag.FlagSet, usage string, args []string, rest string) (map[string]bool, error) {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (%s)", fs.Arg(0), rest)
	}
	return given(fs), nil
}

// given returns the names of the flags the command line set.
func given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
