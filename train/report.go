package train

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/bayesrule/blr/checkpoint"
	"github.com/bayesrule/blr/data"
)

// ScoreReport is one predictive's metrics as metrics.json writes them.
type ScoreReport struct {
	Acc         float64  `json:"acc"`
	NLL         float64  `json:"nll"`
	ECE         float64  `json:"ece"`
	Brier       float64  `json:"brier"`
	MeanEntropy float64  `json:"mean_entropy"`
	OODAUROC    *float64 `json:"ood_auroc"`
	// OODAUROCMutualInfo is Scores.OODAUROCMutualInfo: null without an OOD
	// set or for one network.
	OODAUROCMutualInfo *float64 `json:"ood_auroc_mutual_info"`
}

func scoreReport(s Scores) ScoreReport {
	return ScoreReport{Acc: s.Accuracy, NLL: s.NLL, ECE: s.ECE, Brier: s.Brier, MeanEntropy: s.MeanEntropy,
		OODAUROC: s.OODAUROC, OODAUROCMutualInfo: s.OODAUROCMutualInfo}
}

// EvalReport is the evaluation part of metrics.json (and what `blr eval
// --json` prints). The test_* fields, ood_auroc (the predictive entropy's)
// and ood_auroc_mutual_info (the networks' disagreement's; null for one
// network) are those of the reported predictive: the posterior average over test_samples networks, or the
// point predictive when test_samples is 0; mean_weights and
// posterior_average hold both. mean_weights (predictive "mean-weights") is
// the point predictive of the posterior's family (Posterior.PointWeights):
// the mean weights, the mode network of binary weights, dropout's mean
// network, or a mixture's weighted component means.
type EvalReport struct {
	TestAcc          float64      `json:"test_acc"`
	TestNLL          float64      `json:"test_nll"`
	TestECE          float64      `json:"test_ece"`
	TestBrier        float64      `json:"test_brier"`
	OODAUROC         *float64     `json:"ood_auroc"`
	OODAUROCMI       *float64     `json:"ood_auroc_mutual_info"`
	Predictive       string       `json:"predictive"`
	TestSamples      int          `json:"test_samples"`
	MeanWeights      ScoreReport  `json:"mean_weights"`
	PosteriorAverage *ScoreReport `json:"posterior_average"`
	TestSet          string       `json:"test_set"`
	TestExamples     int          `json:"test_examples"`
	OODSet           *string      `json:"ood_set"`
}

// NewEvalReport turns an evaluation into its JSON form.
func NewEvalReport(e *Evaluation) EvalReport {
	rep := e.Reported()
	r := EvalReport{
		TestAcc: rep.Accuracy, TestNLL: rep.NLL, TestECE: rep.ECE, TestBrier: rep.Brier, OODAUROC: rep.OODAUROC, OODAUROCMI: rep.OODAUROCMutualInfo,
		Predictive: e.Predictive(), TestSamples: e.Samples, MeanWeights: scoreReport(e.Mean),
		TestSet: e.Test, TestExamples: e.Mean.N,
	}
	if e.Samples > 0 {
		a := scoreReport(e.Average)
		r.PosteriorAverage = &a
	}
	if e.OOD != "" {
		o := e.OOD
		r.OODSet = &o
	}
	return r
}

// Report is the content of metrics.json: the evaluation (EvalReport's
// fields) and the run. train_seconds and images_per_second time the
// training steps of this process alone (no loading, evaluation or saving):
// after a resume they cover the resumed part. Everything else depends only
// on the run, so a resumed run reports the same values.
type Report struct {
	EvalReport
	TrainSeconds    float64 `json:"train_seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
	Data            string  `json:"data"`
	Model           string  `json:"model"`
	Optimizer       string  `json:"optimizer"`
	Family          string  `json:"family"` // the posterior family (FamilyOf)
	Epochs          int     `json:"epochs"`
	Batch           int     `json:"batch"`
	Seed            uint64  `json:"seed"`
	Steps           int     `json:"steps"`
	TrainExamples   int     `json:"train_examples"`
	// History has one record per finished epoch (Trainer.History); set it
	// after NewReport. Never null in the JSON: an empty array when unset.
	History []EpochRecord `json:"history"`
}

// NewReport assembles metrics.json for a run of cfg that took steps steps on
// trainN examples, from its evaluation and the throughput of its training
// loop (Trainer.Throughput).
func NewReport(cfg Config, trainN, steps int, e *Evaluation, images int64, elapsed time.Duration) Report {
	cfg.normalize()
	r := Report{
		EvalReport: NewEvalReport(e), TrainSeconds: elapsed.Seconds(),
		Data: cfg.Data, Model: ModelName(cfg), Optimizer: cfg.Optimizer, Family: FamilyOf(cfg.Optimizer),
		Epochs: cfg.Epochs, Batch: cfg.Batch, Seed: cfg.Seed, Steps: steps, TrainExamples: trainN,
		History: []EpochRecord{},
	}
	if elapsed > 0 {
		r.ImagesPerSecond = float64(images) / elapsed.Seconds()
	}
	return r
}

// WriteFile writes the report as indented JSON to path, atomically (a
// temporary file in the same directory, synced, then renamed).
func (r Report) WriteFile(path string) error {
	if r.History == nil {
		r.History = []EpochRecord{}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	return writeAtomic(path, append(b, '\n'))
}

// writeAtomic replaces path with b atomically (checkpoint.WriteAtomic).
func writeAtomic(path string, b []byte) error { return checkpoint.WriteAtomic(path, b) }

// EpochRecord is one finished epoch of a run: an entry of metrics.json's
// "history" (for plots of the training curve).
type EpochRecord struct {
	Epoch     int     `json:"epoch"`      // counting from 1
	Steps     int     `json:"steps"`      // the steps of the epoch taken in the process that finished it
	TrainLoss float64 `json:"train_loss"` // their mean minibatch loss, weighted by example
	Seconds   float64 `json:"seconds"`    // their training time (the steps alone)
	// TestAcc and TestNLL score the point predictive (PointWeights) on the
	// evaluation set after the epoch; absent when no evaluation set was
	// given (SetEpochEval).
	TestAcc *float64 `json:"test_acc,omitempty"`
	TestNLL *float64 `json:"test_nll,omitempty"`
	// Eval is the whole evaluation after the epoch (both predictives, with
	// the run's test samples), when SetEpochEval asked for it.
	Eval *EvalReport `json:"eval,omitempty"`
}

// History returns the records of the finished epochs: those of this
// process and, after Resume, those read with the state (a copy).
func (t *Trainer) History() []EpochRecord {
	return append([]EpochRecord{}, t.history...)
}

// SetEpochEval makes Epoch evaluate the posterior on set after every
// epoch it finishes, recording the point predictive's accuracy and NLL in
// the epoch's record (one pass over set with the point networks: for the
// MLP on MNIST's 10,000 test images a few percent of an epoch's time).
// With full, it records the whole evaluation (both predictives, with the
// run's TestSamples networks, and the OOD AUROC when ood is not nil), which
// costs TestSamples more passes. A nil set turns the evaluation off.
func (t *Trainer) SetEpochEval(set, ood *data.Set, full bool) {
	t.evalSet, t.evalOOD, t.evalFull = set, ood, full
}

// evalEpoch evaluates the posterior on the evaluation set into r.
func (t *Trainer) evalEpoch(r *EpochRecord) error {
	defer t.net.SetTraining(true)
	samples, ood := 0, (*data.Set)(nil)
	if t.evalFull {
		samples, ood = t.cfg.TestSamples, t.evalOOD
	}
	e, err := t.evaluate(t.Posterior(), t.evalSet, ood, samples)
	if err != nil {
		return err
	}
	acc, nll := e.Mean.Accuracy, e.Mean.NLL
	r.TestAcc, r.TestNLL = &acc, &nll
	if t.evalFull {
		rep := NewEvalReport(e)
		r.Eval = &rep
	}
	return nil
}
