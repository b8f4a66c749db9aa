#!/bin/sh
# Faithfulness check: bsq's training against a PyTorch reference
# (bench/faithful.py) from the same initial weights, thresholds and batch
# order. Usage: bench/faithful.sh [BSQ] [DATA] [EPOCHS] [BITS] [METHOD]
#   BSQ     the bsq executable (default build/bsq)
#   DATA    friedman1 (default) or a CSV path (target: its last column)
#   EPOCHS  (default 20), BITS per feature (default 4)
#   METHOD  bw-sq (default), sq+, llt4 or llt9
# Installs Debian's python3-torch when it is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bsq=${1:-$here/../build/bsq}
data=${2:-friedman1}
epochs=${3:-20}
bits=${4:-4}
method=${5:-bw-sq}
py=/usr/bin/python3
if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
  echo "faithful.sh: installing python3-torch (Debian)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq python3-torch python3-numpy
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/bsq-faithful.XXXXXX")
trap 'rm -rf "$out"' EXIT
"$bsq" train --data "$data" --method "$method" --bits "$bits" \
  --epochs "$epochs" --seed 1 \
  --hidden 5x32 --dump-init "$out/dump" -o "$out/model.json" -q
"$py" "$here/faithful.py" "$out/dump" "$out/model.json"
