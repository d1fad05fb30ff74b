"""select.py VALIDATION.jsonl CHOSEN.json TESTJOBS: picks each (model, optimizer)'s setting by the lowest validation NLL and writes the 5-seed test jobs (bench/validation.md §5)."""
import json, sys
res = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best = {}
for r in res:
    if r.get("diverged") or r.get("nll") is None or r["nll"] != r["nll"]:
        continue
    k = (r["model"], r["opt"])
    if k not in best or r["nll"] < best[k]["nll"]:
        best[k] = r
jobs = []
chosen = []
for (model, opt), r in sorted(best.items()):
    args = f"-data {r['data']} -model {model} -epochs {r['epochs']} -opt {opt} -lr {r['lr']} -delta {r['delta']} -schedule {r['schedule']}"
    if r.get("hess_init"):
        args += f" -hess-init {r['hess_init']}"
    if r.get("temperature"):
        args += f" -temperature {r['temperature']}"
    chosen.append({"model": model, "opt": opt, "args": args, "val_acc": r["acc"], "val_nll": r["nll"], "val_ece": r["ece"]})
    for s in range(1, 6):
        jobs.append(f"-test -seed {s} {args}")
json.dump(chosen, open(sys.argv[2], "w"), indent=1)
open(sys.argv[3], "w").write("\n".join(jobs) + "\n")
for c in chosen:
    print(c)
