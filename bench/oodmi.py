#!/usr/bin/env python3
"""AUROC of out-of-distribution detection by each uncertainty of blr predict.

usage: python3 bench/oodmi.py IN.json OUT.json

IN.json and OUT.json are `blr predict --json` outputs of one posterior on the
in-distribution test images and on the out-of-distribution ones. Prints the
AUROC (OOD positive, ties counted half) of the predictive entropy (what
metrics.json's ood_auroc scores), of the networks' expected entropy and of the
mutual information, as one JSON line.
"""
import json
import sys


def auroc(pos, neg):
    """P(a positive scores above a negative), ties counted half (rank form)."""
    xs = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    s, i = 0.0, 0
    while i < len(xs):
        j = i
        while j < len(xs) and xs[j][0] == xs[i][0]:
            j += 1
        rank = (i + 1 + j) / 2  # the average rank of the tie group
        s += rank * sum(1 for k in range(i, j) if xs[k][1] == 1)
        i = j
    n1, n0 = len(pos), len(neg)
    return (s - n1 * (n1 + 1) / 2) / (n1 * n0)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    a = json.load(open(sys.argv[1]))["predictions"]
    b = json.load(open(sys.argv[2]))["predictions"]
    out = {k: auroc([x[k] for x in b], [x[k] for x in a]) for k in ("entropy", "expected_entropy", "mutual_info")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
