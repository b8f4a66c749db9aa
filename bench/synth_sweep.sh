#!/usr/bin/env bash
# Synthesis sweep: 8 features, W = 12 unsigned input codes, 2..8 bits per
# feature; flash, search and the naive reference (bsq synth --target all
# --prove) on iCE40 HX8K, generic cells and the cmos2 transistor estimate.
#
#   bench/synth_sweep.sh [BUILD_DIR] [OUT_DIR] [BITS...]
#
# BUILD_DIR holds the bsq binary (default build), OUT_DIR gets the models,
# one Markdown + JSON report per width and sweep.md (default
# BUILD_DIR/synth-sweep). The thresholds are trained (20 epochs, a few
# seconds each) on an 8-column table generated here with a fixed seed, so
# a rerun gives the same designs. SEEDS (default 3) sets the nextpnr seeds
# per design. Needs yosys, nextpnr-ice40, iverilog, jq.
# Not part of the test run: the 8-bit designs take minutes to place.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build/synth-sweep}
shift $(( $# > 2 ? 2 : $# ))
bits=("$@")
[ ${#bits[@]} -gt 0 ] || bits=(2 3 4 5 6 7 8)
bsq=$build/bsq
[ -x "$bsq" ] || { echo "no $bsq: build first" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq not found" >&2; exit 2; }
mkdir -p "$out"

# 8 uniform features in [0, 1] and a Friedman-like target, 4000 rows.
awk 'BEGIN { srand(3); print "x1,x2,x3,x4,x5,x6,x7,x8,y";
  for (i = 0; i < 4000; i++) { s = "";
    for (j = 1; j <= 8; j++) { x[j] = rand(); s = s sprintf("%.5f,", x[j]) }
    y = 10 * sin(3.14159265 * x[1] * x[2]) + 20 * (x[3] - 0.5) ^ 2 + 10 * x[4] \
        + 5 * x[5] + x[6] * x[7] - x[8];
    printf "%s%.5f\n", s, y } }' > "$out/table8.csv"

for b in "${bits[@]}"; do
  echo "== $b bits" >&2
  "$bsq" train --data "$out/table8.csv" --bits "$b" --input-width 12 \
    --epochs 20 --hidden 32 --seed 1 -q -o "$out/model_b$b.json" >/dev/null
  start=$(date +%s)
  rc=0
  "$bsq" synth "$out/model_b$b.json" --target all --prove --seeds "${SEEDS:-3}" \
    -o "$out/synth_b$b.md" --json > /dev/null || rc=$?
  echo "   bsq synth exit $rc, $(( $(date +%s) - start )) s" >&2
done

# One table: per width, each architecture's figures and its ratio to naive.
{
  echo "| bits | arch | LC | carry | DFF | Fmax MHz | generic cells | transistors | latency | LC/naive | Fmax/naive | transistors/naive | equivalent |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for b in "${bits[@]}"; do
    f=$out/synth_b$b.json
    [ -f "$f" ] || continue
    for a in flash search naive; do
      jq -r --arg a "$a" --arg b "$b" '
        def v(x): if x == null then "-" else (x | tostring) end;
        def r(x): if x == null then "-" else ((x * 100 | round) / 100 | tostring) + "x" end;
        .[$a] as $o | ($o.ratio_to_naive // {}) as $q |
        "| \($b) | \($a) | \(v($o.logic_cells)) | \(v($o.carry_cells)) | \(v($o.dffs)) | \(if $o.fmax_mhz == null then "-" else ($o.fmax_mhz * 10 | round / 10 | tostring) end) | \(v($o.cells_generic)) | \(v($o.transistors)) | \($o.latency_cycles) | \(r($q.logic_cells)) | \(r($q.fmax_mhz)) | \(r($q.transistors)) | \(v($o.equivalent)) |"' "$f"
    done
  done
} > "$out/sweep.md"
cat "$out/sweep.md"
for b in "${bits[@]}"; do
  f=$out/synth_b$b.json
  [ -f "$f" ] && jq -r --arg b "$b" '.notes[] | "note (\($b) bits): " + .' "$f"
done
exit 0
