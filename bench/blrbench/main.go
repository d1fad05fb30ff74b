// Command blrbench times blr's training loop on MNIST for the side-by-side
// comparison with PyTorch (bench/bench.py drives both): it trains the MLP
// 784-500-300-10 or LeNet-5 with one optimizer for a number of steps after a
// warm-up, and prints one JSON line with the training images per second (the
// Trainer's steps alone: batch gathering, forward, backward, the optimizer
// step), the time per step, the peak resident memory (VmHWM) and the
// analytic memory bound.
//
//	go run ./bench/blrbench --model mlp --optimizer adam --steps 200
//	go run -tags openblas ./bench/blrbench --model lenet --optimizer ivon
//
// With --train it instead runs the whole of `blr train` (loading, training,
// evaluation and saving) in this process for --epochs, to measure its peak
// memory against the bound.
//
// With --against NAME it also builds a second trainer with optimizer NAME on
// the same data and times the two in alternating blocks of --block steps,
// each for --steps, so that the machine's slow and fast spells fall on both
// alike; it adds NAME's time per step and the ratio of the two to the line
// (its peak memory is then that of both trainers).
//
//	go run -tags openblas ./bench/blrbench --optimizer ivon --against adam --steps 1000
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"github.com/bayesrule/blr/data"
	"github.com/bayesrule/blr/internal/gemm"
	"github.com/bayesrule/blr/train"
)

// result is the JSON line blrbench prints.
type result struct {
	Impl            string  `json:"impl"`
	Backend         string  `json:"backend"`
	Model           string  `json:"model"`
	Optimizer       string  `json:"optimizer"`
	Batch           int     `json:"batch"`
	Steps           int     `json:"steps"`
	ImagesPerSecond float64 `json:"images_per_second"`
	MsPerStep       float64 `json:"ms_per_step"`
	MaxRSSMB        float64 `json:"max_rss_mb"`
	BoundMB         float64 `json:"bound_mb"`
	Params          int     `json:"params"`
	DataMB          float64 `json:"data_mb"`
	VectorsK        int     `json:"vectors_k"`
	GOMAXPROCS      int     `json:"gomaxprocs"`
	OpenBLASThreads string  `json:"openblas_threads"`
	// With --against: the other optimizer, its time per step in the
	// alternating blocks, and MsPerStep over it.
	Against          string  `json:"against,omitempty"`
	AgainstMsPerStep float64 `json:"against_ms_per_step,omitempty"`
	StepRatio        float64 `json:"step_ratio,omitempty"`
}

// stepN runs n training steps of tr.
func stepN(tr *train.Trainer, n int) error {
	for range n {
		if _, err := tr.Step(); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "blrbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("blrbench", flag.ContinueOnError)
	model := fs.String("model", "mlp", "mlp (784-500-300-10) or lenet")
	opt := fs.String("optimizer", "adam", "optimizer name")
	batch := fs.Int("batch", 128, "minibatch size")
	steps := fs.Int("steps", 200, "timed steps")
	warmup := fs.Int("warmup", 20, "untimed steps first")
	seed := fs.Uint64("seed", 1, "seed")
	whole := fs.Bool("train", false, "run a whole training (load, train --epochs, evaluate, save) to measure peak memory")
	epochs := fs.Int("epochs", 1, "epochs with --train")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to `file`")
	traceOut := fs.String("trace", "", "write an execution trace of the timed steps to `file` (go tool trace)")
	against := fs.String("against", "", "also time optimizer `NAME` in blocks alternating with --optimizer's")
	block := fs.Int("block", 20, "steps per block with --against")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *steps < 1 || *warmup < 0 || *batch < 1 || *epochs < 1 || *block < 1 {
		return fmt.Errorf("--steps %d, --warmup %d, --batch %d, --epochs %d, --block %d: steps, batch, epochs and block must be ≥ 1, warmup ≥ 0", *steps, *warmup, *batch, *epochs, *block)
	}
	if *against != "" && *whole {
		return fmt.Errorf("--against %s: times training steps, not a whole run (--train)", *against)
	}
	cfg := train.DefaultConfig()
	cfg.Model, cfg.Optimizer, cfg.Batch, cfg.Seed = *model, *opt, *batch, *seed
	if cfg.Model != "mlp" {
		cfg.Hidden = nil
	}
	cfg.TestSamples = train.DefaultTestSamples(cfg.Optimizer)
	var ood, test *data.Set
	if *whole {
		o, err := train.LoadOOD(cfg.Data, "", 0)
		if err != nil {
			return err
		}
		ood = o
	}
	trainSet, testSet, err := train.LoadSets(cfg.Data, "", 0, 0)
	if err != nil {
		return err
	}
	test0 := testSet
	if *whole {
		test = testSet
	} else {
		testSet = nil // only the training set stays alive
	}
	total := *warmup + *steps
	cfg.Epochs = *epochs
	if !*whole {
		per := (trainSet.N + cfg.Batch - 1) / cfg.Batch
		cfg.Epochs = (total + per - 1) / per
	}
	tr, err := train.New(cfg, trainSet, io.Discard)
	if err != nil {
		return err
	}
	res := result{
		Impl: "blr", Backend: gemm.Backend(), Model: cfg.Model, Optimizer: cfg.Optimizer, Batch: cfg.Batch,
		Params: tr.Network().NumParams(), GOMAXPROCS: runtime.GOMAXPROCS(0), OpenBLASThreads: os.Getenv("OPENBLAS_NUM_THREADS"),
	}
	if *whole {
		dir, err := os.MkdirTemp("", "blrbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		for !tr.Done() {
			if _, err := tr.Epoch(nil); err != nil {
				return err
			}
			if err := tr.Save(dir); err != nil {
				return err
			}
		}
		e, err := tr.Evaluate(test, ood)
		if err != nil {
			return err
		}
		images, el := tr.Throughput()
		rep := train.NewReport(tr.Config(), trainSet.N, tr.Steps(), e, images, el)
		if err := rep.WriteFile(dir + "/metrics.json"); err != nil {
			return err
		}
		res.Steps = tr.Steps()
		res.ImagesPerSecond = rep.ImagesPerSecond
		res.MsPerStep = 1e3 * el.Seconds() / float64(tr.Steps())
	} else {
		var ref *train.Trainer
		if *against != "" {
			rc := cfg
			rc.Optimizer = *against
			rc.TestSamples = train.DefaultTestSamples(rc.Optimizer)
			if ref, err = train.New(rc, trainSet, io.Discard); err != nil {
				return err
			}
			if err := stepN(ref, *warmup); err != nil {
				return err
			}
		}
		if err := stepN(tr, *warmup); err != nil {
			return err
		}
		for _, r := range []struct {
			path  string
			start func(io.Writer) error
			stop  func()
		}{
			{*cpuprofile, pprof.StartCPUProfile, pprof.StopCPUProfile},
			{*traceOut, trace.Start, trace.Stop},
		} {
			if r.path == "" {
				continue
			}
			f, err := os.Create(r.path)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := r.start(f); err != nil {
				return err
			}
			defer r.stop()
		}
		img0, t0 := tr.Throughput()
		var r0 time.Duration
		if ref != nil {
			_, r0 = ref.Throughput()
		}
		for done := 0; done < *steps; done += *block {
			n := min(*block, *steps-done)
			if err := stepN(tr, n); err != nil {
				return err
			}
			if ref == nil {
				continue
			}
			if err := stepN(ref, n); err != nil {
				return err
			}
		}
		img1, t1 := tr.Throughput()
		sec := (t1 - t0).Seconds()
		res.Steps = *steps
		res.ImagesPerSecond = float64(img1-img0) / sec
		res.MsPerStep = 1e3 * sec / float64(*steps)
		if ref != nil {
			_, r1 := ref.Throughput()
			res.Against = *against
			res.AgainstMsPerStep = 1e3 * (r1 - r0).Seconds() / float64(*steps)
			res.StepRatio = res.MsPerStep / res.AgainstMsPerStep
		}
	}
	// The bound: the data (float32 pixels and int labels of every set
	// loaded, plus a quarter more for the raw IDX bytes, alive while they
	// are converted), k vectors of the parameters, and a constant for the
	// runtime, the network's activations at batch 128 and the evaluation's
	// probabilities.
	dataBytes := setBytes(trainSet) + setBytes(test0) + setBytes(ood)
	k := vectors(cfg.Optimizer, *whole)
	const constMB = 96
	res.DataMB = dataBytes / (1 << 20)
	res.VectorsK = k
	res.BoundMB = res.DataMB + float64(k*4*res.Params)/(1<<20) + constMB
	res.MaxRSSMB = maxRSSMB()
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// setBytes is the memory a loaded set costs at its peak: its float32 pixels,
// the raw IDX bytes they were converted from (a quarter as many), and the
// int labels.
func setBytes(s *data.Set) float64 {
	if s == nil {
		return 0
	}
	return float64(5*len(s.X) + 8*len(s.Y))
}

// vectors is k, the number of parameter-sized float32 vectors a run holds
// at its peak: the engine's state and scratch (blr.Diag's documentation:
// IVON, VOGN and Vadam 3 + 3, Adam and AdamW 3 + 3, OGN and RMSprop 2 + 2,
// SGD 1 + 1, iBLR-diag 2 + 3) plus, for a whole run, the posterior copy (mean
// and precision), the encoded checkpoint (3 vectors of state) and the
// evaluation's sample and standard deviations (2).
func vectors(optimizer string, whole bool) int {
	k := map[string]int{
		"sgd": 2, "rmsprop": 4, "adam": 6, "adamw": 6, "ogn": 4,
		"vogn": 7, "vadam": 7, "ivon": 7, "iblr-diag": 6, // the sampling ones: +1 for the background draw
	}[optimizer]
	if k == 0 {
		k = 6
	}
	if whole {
		k += 2 + 3 + 2
	}
	return k
}

// maxRSSMB reads the peak resident set size (VmHWM) from /proc/self/status;
// 0 where there is none.
func maxRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
