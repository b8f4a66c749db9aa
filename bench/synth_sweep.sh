#!/usr/bin/env bash
# Synthesis sweep: 8 features, W = 12 unsigned input codes, 2..8 bits per
# feature; flash, search and the naive reference (bsq synth --target all
# --prove) on iCE40 HX8K, generic cells and the cmos2 transistor estimate.
#
#   bench/synth_sweep.sh [BUILD_DIR] [OUT_DIR] [BITS...]
#
# TARGET (default all) is bsq synth's --target; RTL adds RTL choices, e.g.
# RTL="--pipeline 0 --datapath-reset off". With the asic target (in all)
# a second table gives cell area, flip-flops, critical path, energy and
# leakage per frame at 1 MS/s, and the gate-level check (OSU 0.18 um).
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
  # shellcheck disable=SC2086  # RTL is a list of options
  "$bsq" synth "$out/model_b$b.json" --target "${TARGET:-all}" --prove \
    --seeds "${SEEDS:-3}" ${RTL:-} -o "$out/synth_b$b.md" > /dev/null || rc=$?
  echo "   bsq synth exit $rc, $(( $(date +%s) - start )) s" >&2
done

# One table: per width, each architecture's figures and its ratio to naive.
{
  fpga=0
  for b in "${bits[@]}"; do
    f=$out/synth_b$b.json
    [ -f "$f" ] && jq -e '.flash.logic_cells // .flash.transistors // .flash.cells_generic' "$f" >/dev/null && fpga=1
  done
  [ $fpga = 1 ] && {
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
  }

  # The ASIC figures, where the target ran.
  first=1
  for b in "${bits[@]}"; do
    f=$out/synth_b$b.json
    [ -f "$f" ] && jq -e '.flash.asic // .search.asic' "$f" >/dev/null || continue
    if [ $first = 1 ]; then
      first=0
      echo
      echo "ASIC ($(jq -r .liberty "$f"), $(jq -r .frame_rate_hz "$f") frames/s${RTL:+, $RTL}):"
      echo
      echo "| bits | arch | area um^2 | flip-flops | critical path ns | pJ/frame | leakage pJ/frame | gate-level check | area/naive | energy/naive |"
      echo "|---:|---|---:|---|---:|---:|---:|---|---:|---:|"
    fi
    for a in flash search naive; do
      jq -r --arg a "$a" --arg b "$b" '
        def r(x): if x == null then "-" else ((x * 100 | round) / 100 | tostring) + "x" end;
        .[$a].asic as $o | select($o != null) | ($o.ratio_to_naive // {}) as $q |
        "| \($b) | \($a) | \($o.area | round) | \([$o.dffs_by_type | to_entries[] | "\(.value) \(.key)"] | join(", ")) | \($o.critical_path_ns * 1000 | round / 1000) | \($o.energy_pj_per_frame * 10 | round / 10) | \($o.leakage_pj_per_frame * 1000 | round / 1000) | \($o.gate_level_check) | \(r($q.area)) | \(r($q.energy_pj_per_frame)) |"' "$f"
    done
  done
} > "$out/sweep.md"
cat "$out/sweep.md"
for b in "${bits[@]}"; do
  f=$out/synth_b$b.json
  [ -f "$f" ] && jq -r --arg b "$b" '.notes[] | "note (\($b) bits): " + .' "$f"
done
exit 0
