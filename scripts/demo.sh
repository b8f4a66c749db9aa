#!/usr/bin/env bash
# Installs what is missing, builds bsq into build/ and runs the whole flow
# on the built-in friedman1 data: train -> eval -> gen -> lint -> sim.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
bsq_install_deps

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
bsq=build/bsq
out=build/demo
mkdir -p "$out"

echo "== train: friedman1, 4 bits per feature, 16-bit inputs"
$bsq train --data friedman1 --bits 4 --seed 1 -o "$out/model.json"
echo
echo "== eval: test split, float and hardware-true"
$bsq eval "$out/model.json"
echo
echo "== gen: Verilog encoder (flash quantizers, 32-bit aligned stream) + C header"
$bsq gen "$out/model.json" -o "$out/rtl"
echo
echo "== lint: Verilator -Wall and Yosys synthesis"
$bsq lint "$out/rtl"
echo
echo "== sim: Verilator co-simulation against the C model, 30% stalls"
$bsq sim "$out/model.json" --frames 20000 --backpressure 0.3
