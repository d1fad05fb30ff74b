#!/bin/bash
# parallel.sh JOBS OUT.jsonl [SECONDS]: runs one `sweep` process per line of
# JOBS (each line: the sweep flags of one setting), as many at once as the
# machine has cores, each with GOMAXPROCS=1, and collects their JSON lines in
# OUT.jsonl. Runs still going after SECONDS (default: no limit) are dropped.
# SWEEP names the sweep binary (default: built from this tree); DATA_DIR and
# OOD_DIR pass -data-dir and -ood-dir (for a machine without the Debian
# package or the Go module cache).
set -euo pipefail
jobs=${1:?usage: parallel.sh JOBS OUT.jsonl [SECONDS]}
out=${2:?usage: parallel.sh JOBS OUT.jsonl [SECONDS]}
limit=${3:-0}
here=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${SWEEP:-}" ]; then
	SWEEP=$(mktemp -d)/sweep
	(cd "$here" && go build -o "$SWEEP" ./bench/sweep)
fi
extra=()
[ -n "${DATA_DIR:-}" ] && extra+=(-data-dir "$DATA_DIR")
[ -n "${OOD_DIR:-}" ] && extra+=(-ood-dir "$OOD_DIR")
res=$(mktemp -d)
export GOMAXPROCS=1 SWEEP
n=0
while read -r line; do
	[ -n "$line" ] && { n=$((n + 1)); echo "$n ${extra[*]} $line"; }
done <"$jobs" >"$res/jobs"
timeout "$limit" xargs -P "$(nproc)" -L 1 sh -c 'id=$0; "$SWEEP" "$@" >'"$res"'/$id.jsonl 2>'"$res"'/$id.err' <"$res/jobs" || true
cat "$res"/*.jsonl >"$out"
echo "$(wc -l <"$out") of $n settings done: $out"
