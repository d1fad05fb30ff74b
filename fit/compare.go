package fit

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gonum.org/v1/gonum/mat"
)

// CompareRow is one method's result in a comparison.
type CompareRow struct {
	Method    Method
	Posterior *Posterior // nil when Err is set
	Metrics   Metrics
	Seconds   float64 // wall time of Fit and Evaluate
	Err       error
}

// Compare fits every method in methods (when nil, all of Methods that apply
// to the model) with the same options on
// the same training table and scores each on the same test table. A method
// that fails gets its error in its row; the others go on.
func Compare(xTrain *mat.Dense, yTrain []float64, xTest *mat.Dense, yTest []float64, opt Options, methods []Method) []CompareRow {
	if methods == nil {
		methods = Methods
	}
	rows := make([]CompareRow, 0, len(methods))
	for _, m := range methods {
		o := opt
		o.Method = m
		start := time.Now()
		row := CompareRow{Method: m}
		post, err := Fit(xTrain, yTrain, o)
		if err == nil {
			row.Posterior = post
			row.Metrics, err = post.Evaluate(xTest, yTest)
		}
		row.Err = err
		row.Seconds = time.Since(start).Seconds()
		rows = append(rows, row)
	}
	return rows
}

// WriteCompareTable prints rows as an aligned table: the test metrics, the
// ELBO and the log evidence where the method has them, the iterations and
// the time.
func WriteCompareTable(w io.Writer, rows []CompareRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	classification := true
	for _, r := range rows {
		if r.Posterior != nil {
			classification = r.Posterior.Options.Model != ModelLinear && !r.Posterior.Options.Regression
			break
		}
	}
	if classification {
		fmt.Fprintln(tw, "METHOD\tACC\tNLL\tECE\tBRIER\tELBO\tLOG-EVIDENCE\tITERS\tSECONDS\t")
	} else {
		fmt.Fprintln(tw, "METHOD\tRMSE\tLOGLIK\tELBO\tLOG-EVIDENCE\tITERS\tSECONDS\t")
	}
	for _, r := range rows {
		if r.Err != nil {
			fmt.Fprintf(tw, "%s\terror: %v\t\n", r.Method, r.Err)
			continue
		}
		elbo, ev := "-", "-"
		if r.Posterior.HasELBO {
			elbo = fmt.Sprintf("%.4f", r.Posterior.ELBO)
			if se := r.Posterior.ELBOStdErr; se > 0 {
				elbo = fmt.Sprintf("%.2f±%.2f", r.Posterior.ELBO, se)
			}
		}
		if r.Posterior.HasLogEvidence {
			ev = fmt.Sprintf("%.4f", r.Posterior.LogEvidence)
		}
		iters := fmt.Sprint(r.Posterior.Iterations)
		if !r.Posterior.Converged {
			iters += "*"
		}
		m := r.Metrics
		if classification {
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%s\t%s\t%s\t%.3f\t\n", r.Method, m.Accuracy, m.NLL, m.ECE, m.Brier, elbo, ev, iters, r.Seconds)
		} else {
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%s\t%s\t%s\t%.3f\t\n", r.Method, m.RMSE, m.LogLik, elbo, ev, iters, r.Seconds)
		}
	}
	return tw.Flush()
}
