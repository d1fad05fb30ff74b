package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bayesrule/blr/internal/table"
)

func init() {
	commands["table"] = command{"run every row's equivalence check live and print the talk's table", runTable}
}

const tableUsage = `usage: blr table [--json]

Runs every row's equivalence check live (the classic algorithm against the
Bayesian learning rule with its posterior and natural-gradient
approximation) and prints the table; exits 1 when a row fails.

flags:
`

func runTable(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("table", stderr)
	asJSON := fs.Bool("json", false, "print only the JSON array on stdout")
	if _, err := parseFlags(fs, tableUsage, args, "flags only; see blr table --help"); err != nil {
		return err
	}
	var results []table.Result
	failed := 0
	for _, r := range table.Rows() {
		res := table.Run(r)
		if res.Status == table.Fail {
			failed++
			if res.Error != "" {
				fmt.Fprintf(stderr, "row %q: %s\n", res.Row, res.Error)
			}
		}
		results = append(results, res)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ALGORITHM\tPOSTERIOR\tNATURAL-GRADIENT APPROX.\tCOMPARED AGAINST\tKIND\tDEVIATION\tTOL\tSTATUS")
		for _, r := range results {
			dev, tol := "-", "-"
			if r.Deviation != nil {
				dev = fmt.Sprintf("%.2e %s", *r.Deviation, r.Metric)
			}
			if r.Tolerance != nil {
				tol = fmt.Sprintf("%.0e", *r.Tolerance)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Row, r.Family, r.Approximation, r.Reference, r.Kind, dev, tol, r.Status)
		}
		tw.Flush()
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "blr table: %d row(s) fail\n", failed)
		return exitError{1}
	}
	return nil
}
