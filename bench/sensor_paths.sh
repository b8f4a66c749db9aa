#!/usr/bin/env bash
# The sensor's own codes, two ways: the same readings of three ADCs
# (vbat: 12-bit unsigned SAR at 0.8 mV per LSB; temp: 16-bit signed at
# 1/128 degC per LSB; light: 10-bit unsigned) given once as raw codes
# (spec "codes": true) and once as physical values offset + code * lsb
# (spec lsb/offset/unit), trained with the same seeds. The two mse_hw
# columns should agree within seed noise: the two paths are one model.
# Then the raw-code model goes through gen and sim (every code of every
# feature, back-pressure), flash and search.
#
#   bench/sensor_paths.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR holds bsq (default build); OUT_DIR gets the data, specs, models
# and sensor_paths.md (default BUILD_DIR/sensor-paths). SEEDS (default 3),
# ROWS (default 20000) and EPOCHS (default 60) set the size. The table is
# generated here (awk, fixed srand seed). Needs jq; sim needs verilator.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build/sensor-paths}
seeds=${SEEDS:-3}
rows=${ROWS:-20000}
epochs=${EPOCHS:-60}
bsq=$build/bsq
[ -x "$bsq" ] || { echo "no $bsq: build first" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq not found" >&2; exit 2; }
mkdir -p "$out"

# codes: vbat 0..4095, temp -2560..6400 (-20..50 degC), light 0..1023
awk -v n="$rows" -v codes="$out/codes.csv" -v phys="$out/phys.csv" 'BEGIN {
  srand(5); print "vbat,temp,light,y" > codes; print "vbat,temp,light,y" > phys
  for (i = 0; i < n; i++) {
    v = int(rand() * 4096); t = -2560 + int(rand() * 8961); l = int(rand() * 1024)
    y = 3 * sin(v / 4096 * 3.14159265) + (t / 6400) ^ 2 + 0.5 * l / 1024 \
        + (v / 4096) * (l / 1024) + 0.1 * (rand() - 0.5)
    printf "%d,%d,%d,%.6f\n", v, t, l, y > codes
    printf "%.17g,%.17g,%d,%.6f\n", v * 0.0008, t * 0.0078125, l, y > phys } }'
cat > "$out/codes.json" <<'EOF'
{"features": [
  {"name": "vbat", "width": 12, "signed": false, "codes": true},
  {"name": "temp", "width": 16, "signed": true, "codes": true},
  {"name": "light", "width": 10, "signed": false, "codes": true}
]}
EOF
cat > "$out/phys.json" <<'EOF'
{"features": [
  {"name": "vbat", "width": 12, "signed": false, "lsb": 0.0008, "offset": 0.0,
   "unit": "V"},
  {"name": "temp", "width": 16, "signed": true, "lsb": 0.0078125,
   "offset": 0.0, "unit": "degC"},
  {"name": "light", "width": 10, "signed": false, "codes": true}
]}
EOF

md=$out/sensor_paths.md
{
  echo "# Raw codes against physical values ($rows rows, $epochs epochs, 4 bits)"
  echo
  echo "| seed | mse_hw raw codes | mse_hw physical | same integer thresholds |"
  echo "|---|---|---|---|"
} > "$md"
for s in $(seq 1 "$seeds"); do
  for k in codes phys; do
    "$bsq" train --data "$out/$k.csv" --sensor "$out/$k.json" --bits 4 \
      --epochs "$epochs" --seed "$s" -q -o "$out/model_${k}_s$s.json" >/dev/null
  done
  a=$(jq '.metrics.mse_test_hw' "$out/model_codes_s$s.json")
  b=$(jq '.metrics.mse_test_hw' "$out/model_phys_s$s.json")
  same=$(jq -s '[.[0].features[].thresholds] == [.[1].features[].thresholds]' \
    "$out/model_codes_s$s.json" "$out/model_phys_s$s.json")
  echo "| $s | $a | $b | $same |" >> "$md"
done

if command -v verilator >/dev/null; then
  {
    echo
    echo "## Co-simulation of the raw-code model (seed 1, back-pressure 0.4)"
    echo
    echo "| arch | sweep frames | frames checked | mismatches |"
    echo "|---|---|---|---|"
  } >> "$md"
  for arch in flash search; do
    "$bsq" sim "$out/model_codes_s1.json" --arch "$arch" --backpressure 0.4 \
      --frames 2000 --json > "$out/sim_$arch.json" || true
    jq -r --arg a "$arch" \
      '"| \($a) | \(.stimulus.sweep) | \(.frames) | \(.mismatches) |"' \
      "$out/sim_$arch.json" >> "$md"
  done
else
  echo "verilator not found: no co-simulation" >> "$md"
fi
cat "$md"
