#!/usr/bin/env python3
"""Mean ± sd per run group and paired differences against a baseline group.

usage: python3 bench/paired.py BASE OTHER [OTHER ...] --runs FILE.jsonl [FILE.jsonl ...]

Each line of the JSONL files is a metrics.json with a "file" field naming the
run; a group is the runs whose "file" starts with a prefix (e.g. "mlp_adam_"),
paired with the baseline by "seed". Prints test accuracy, NLL, ECE and OOD
AUROC, and for every other group the paired mean difference with its 95%
confidence interval (Student t, n−1 degrees of freedom; accuracy in points).
"""
import argparse
import json
import math
import statistics

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
KEYS = [("test_acc", 100.0, "acc"), ("test_nll", 1.0, "NLL"), ("test_ece", 1.0, "ECE"), ("ood_auroc", 1.0, "AUROC")]


def group(runs, prefix):
    g = {r["seed"]: r for r in runs if r.get("file", "").startswith(prefix)}
    if not g:
        raise SystemExit(f"paired.py: no run's file starts with {prefix!r}")
    return g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("others", nargs="+")
    ap.add_argument("--runs", nargs="+", required=True)
    a = ap.parse_args()
    runs = [json.loads(l) for f in a.runs for l in open(f) if l.strip()]
    base = group(runs, a.base)
    for name in [a.base] + a.others:
        g = group(runs, name)
        cells = []
        for k, _, label in KEYS:
            v = [r[k] for r in g.values() if r.get(k) is not None]
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            cells.append(f"{label} {statistics.mean(v):.4f} ± {sd:.4f}")
        print(f"{name} (n={len(g)}): " + ", ".join(cells))
    for name in a.others:
        g = group(runs, name)
        seeds = sorted(set(g) & set(base))
        cells = []
        for k, scale, label in KEYS:
            d = [scale * (g[s][k] - base[s][k]) for s in seeds if g[s].get(k) is not None and base[s].get(k) is not None]
            if len(d) < 2:
                continue
            m, se = statistics.mean(d), statistics.stdev(d) / math.sqrt(len(d))
            t = T975.get(len(d) - 1, 1.96)
            cells.append(f"Δ{label} {m:+.4f} [{m - t * se:+.4f}, {m + t * se:+.4f}]")
        print(f"{name} − {a.base} (seeds {seeds}): " + ", ".join(cells))


if __name__ == "__main__":
    main()
