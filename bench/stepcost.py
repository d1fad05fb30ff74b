#!/usr/bin/python3
"""Step cost of every posterior family against an Adam step on the same network.

Usage (from the repository root):

    python3 bench/stepcost.py [--rounds 5] [--steps 100] [--model mlp|lenet] [--openblas]

Builds bench/blrbench (pure Go, or `-tags openblas` with --openblas) and times
`train.Trainer.Step` (batch gathering, forward, backward, optimizer step) for
adam, ivon, ste, bayesbinn, dropout and mixture (K = 3 components), one run per
optimizer per round, interleaved round by round so that the machine's noise
falls on all of them alike. Prints the median milliseconds per step and the
ratio to Adam's median. The network is the same for all (the MLP
784-500-300-10 or LeNet-5, batch 128, MNIST); BayesBiNN and STE binarise the
dense and conv weights, dropout inserts its layers before every dense layer
but the first, and the mixture steps its K components one after another.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPTS = ["adam", "ivon", "ste", "bayesbinn", "dropout", "mixture"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--model", default="mlp", choices=["mlp", "lenet"])
    ap.add_argument("--openblas", action="store_true", help="use the -tags openblas build")
    a = ap.parse_args()
    binary = os.path.join(tempfile.mkdtemp(), "blrbench")
    build = ["go", "build", "-o", binary]
    if a.openblas:
        build += ["-tags", "openblas"]
    subprocess.run(build + ["./bench/blrbench"], cwd=ROOT, check=True)
    load = os.getloadavg()[0]
    times = {o: [] for o in OPTS}
    for r in range(a.rounds):
        for o in OPTS:
            out = subprocess.run([binary, "--model", a.model, "--optimizer", o, "--steps", str(a.steps),
                                  "--warmup", str(a.warmup)], cwd=ROOT, capture_output=True, text=True, check=True)
            times[o].append(json.loads(out.stdout)["ms_per_step"])
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
    adam = statistics.median(times["adam"])
    print(f"{a.model}, batch 128, {'OpenBLAS' if a.openblas else 'pure Go'}, median of {a.rounds} interleaved rounds "
          f"of {a.steps} steps (load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f})")
    print(f"{'optimizer':10s} {'ms/step':>8s} {'min':>8s} {'vs adam':>8s}")
    for o in OPTS:
        m = statistics.median(times[o])
        print(f"{o:10s} {m:8.2f} {min(times[o]):8.2f} {m / adam:7.2f}x")


if __name__ == "__main__":
    main()
