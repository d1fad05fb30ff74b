#!/usr/bin/env bash
# Side-by-side training speed and memory of blr and PyTorch on MNIST (see
# bench/bench.py for what is measured and how). Not part of `go test`.
#
#   bench/run.sh [--rounds N] [--steps N] [--memory]
#
# Needs Go, libopenblas-dev (for the -tags openblas build) and Debian's
# python3-torch (apt-get install -y python3-torch), which lives in
# /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "bench/run.sh: PyTorch is not importable by $py; install it with: apt-get install -y python3-torch" >&2
  exit 2
fi
exec "$py" bench/bench.py run "$@"
