#!/usr/bin/env bash
# Co-simulation speed: `bsq sim` on a friedman1 model (10 features, 4 bits
# each, W = 12 unsigned codes), the same vectors through Verilator and
# Icarus in one run; prints frames/s of each and their ratio.
#   bench/sim_speed.sh [BUILD_DIR] [FRAMES]
# BUILD_DIR defaults to build-bench (configured and built here, Release).
# The design uses 64-bit words so the output takes one 40-bit frame per
# clock (at K = 32 a frame needs two aligned words: half the frame rate).
# Goal (issue 3): Verilator >= 100x Icarus and > 1M frames/s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
frames=${2:-100000}
if [ ! -x "$build/bsq" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target bsq >/dev/null
fi
bsq=$build/bsq
work=$(mktemp -d "${TMPDIR:-/tmp}/bsq-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The hardware does not care how well the network learned: a short run
# gives trained thresholds and a model that records its data source.
$bsq train --data friedman1 --rows 4000 --bits 4 --input-width 12 \
  --hidden 16 --epochs 3 --seed 1 -q -o "$work/model.json" >/dev/null

$bsq sim "$work/model.json" --word-bits 64 --mode aligned --frames "$frames" \
  --simulator both --no-reset --json >"$work/sim.json"
python3 - "$work/sim.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
v, i = r["verilator"], r["icarus"]
print(f"design     {r['design']} ({r['arch']}, {r['word_bits']}-bit words, {r['mode']})")
print(f"frames     {v['accepted']} (sweep {r['stimulus']['sweep']}, random "
      f"{r['stimulus']['random']}, data {r['stimulus']['data']})")
print(f"verilator  {v['frames_per_s']:>12,.0f} frames/s  ({v['seconds']:.3f} s, "
      f"{v['mismatches']} mismatches)")
print(f"icarus     {i['frames_per_s']:>12,.0f} frames/s  ({i['seconds']:.3f} s, "
      f"{i['mismatches']} mismatches)")
print(f"ratio      {r['speed_ratio']:.0f}x   (goal >= 100x, verilator > 1M frames/s)")
ok = r["pass"] and r["speed_ratio"] >= 100 and v["frames_per_s"] > 1e6
print("goal       " + ("met" if ok else "NOT met"))
PY
