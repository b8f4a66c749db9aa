#!/usr/bin/env bash
# The wait a user sees (issue 18), as A/B ratios in one run: this tree's
# bsq (B) against the bsq of an earlier commit (A, default HEAD~1), both
# built here (Release), on the demo model (friedman1, 4 bits, flash,
# 32-bit words, as `bsq demo` runs it):
#   sim first     `bsq sim --frames 20000 --backpressure 0.3` with an empty
#                 build cache (XDG_CACHE_HOME a fresh directory each run)
#   sim design    the same for a design not built before, with Verilator's
#                 run-time objects already in the cache (--name differs)
#   sim repeat    the same command again, the design already cached
#   sim rate      checked frames/s of the flash design, 1M random frames,
#                 64-bit aligned words (one frame per clock), no stalls
#   synth         `bsq synth --arch both --target all --prove` (with
#                 --synth only: it takes minutes per run)
#   train         training samples/s of Bw-SQ on the small network (5
#                 hidden layers of 32, friedman1 at 4 bits, batch 512:
#                 bench/train_speed.c, built against each side's library)
#                 with the kernels capped at the AVX2 tier, as a CPU
#                 without AVX-512 runs them (BENCH_SIMD=avx2)
# Every figure is the median of RUNS runs (default 3), A and B alternating,
# so that a shared machine's load falls on both alike; the ratios B/A are
# what to read, the seconds only describe this machine at this time.
#   bench/wait_speed.sh [--base REV] [--runs N] [--synth] [--train-only]
# (--train-only: the train figure alone.)
set -euo pipefail
cd "$(dirname "$0")/.."
base=HEAD~1 runs=3 synth=0 only=
while [ $# -gt 0 ]; do
  case $1 in
  --base) base=$2; shift 2 ;;
  --runs) runs=$2; shift 2 ;;
  --synth) synth=1; shift ;;
  --train-only) only=train; shift ;;
  *) echo "usage: bench/wait_speed.sh [--base REV] [--runs N] [--synth] [--train-only]" >&2
     exit 2 ;;
  esac
done
rev=$(git rev-parse --verify "$base^{commit}")
work=$(mktemp -d "${TMPDIR:-/tmp}/bsq-wait-XXXXXX")
trap 'rm -rf "$work"' EXIT

build() { # SRC_DIR BUILD_DIR: bsq, and the training driver on its library
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$2" -j"$(nproc)" --target bsq bsq_model >/dev/null
  # shellcheck disable=SC2046
  cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I"$1/model" -I"$2/generated" \
    bench/train_speed.c "$2/libbsq.a" $(pkg-config --cflags --libs openblas libcjson) \
    -lpthread -lm -o "$2/train_speed"
}
mkdir -p "$work/a-src"
git archive "$rev" | tar -x -C "$work/a-src"
echo "building A = $(git log -1 --format='%h %s' "$rev" | cut -c1-70)"
build "$work/a-src" "$work/a-build"
echo "building B = this tree ($(git log -1 --format=%h HEAD)$(git diff --quiet HEAD || echo ', modified'))"
build . "$work/b-build"
A=$work/a-build/bsq B=$work/b-build/bsq

[ -z "$only" ] && $B train --data friedman1 --bits 4 --epochs 20 --seed 1 -q \
  -o "$work/model.json" >/dev/null

# Wall seconds of a command (its output discarded; a failure stops all).
wall() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sim() { # BSQ CACHE_HOME [ARGS...]
  local bsq=$1 cache=$2
  shift 2
  XDG_CACHE_HOME=$cache wall "$bsq" sim "$work/model.json" --frames 20000 \
    --backpressure 0.3 "$@"
}
rate() { # BSQ: frames/s from the JSON report
  XDG_CACHE_HOME=$work/rate-cache "$1" sim "$work/model.json" --frames 1000000 \
    --word-bits 64 --mode aligned --no-reset --backpressure 0 --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["verilator"]["frames_per_s"])'
}

: >"$work/times"
for ((i = 1; i <= runs; i++)); do
  for side in A B; do
    bsq=${!side}
    c=$work/cache-$side-$i
    if [ -z "$only" ]; then
      echo "$side first $(sim "$bsq" "$c")" >>"$work/times"
      echo "$side design $(sim "$bsq" "$c" --name other$i)" >>"$work/times"
      echo "$side repeat $(sim "$bsq" "$c")" >>"$work/times"
      echo "$side rate $(rate "$bsq")" >>"$work/times"
    fi
    echo "$side train $(BENCH_SIMD=avx2 "$(dirname "$bsq")/train_speed" 5x32 12 |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["samples_per_s_median"])')" \
      >>"$work/times"
    if [ "$synth" = 1 ] && [ -z "$only" ]; then
      echo "$side synth $(wall "$bsq" synth "$work/model.json" --arch both \
        --target all --prove -o "$work/synth-$side.md")" >>"$work/times"
    fi
  done
  echo "run $i of $runs done" >&2
done

pick() { awk -v s="$1" -v k="$2" '$1 == s && $2 == k { print $3 }' "$work/times" | median; }
printf '%-12s %12s %12s %8s\n' measure A B B/A
measures="first design repeat rate train"
[ "$synth" = 1 ] && measures="$measures synth"
[ -n "$only" ] && measures=$only
for k in $measures; do
  a=$(pick A "$k") b=$(pick B "$k")
  unit=s
  [ "$k" = rate ] && unit=frames/s
  [ "$k" = train ] && unit=samples/s
  printf '%-12s %12.3f %12.3f %8.3f  (%s, median of %d)\n' "$k" "$a" "$b" \
    "$(echo "$b / $a" | bc -l)" "$unit" "$runs"
done
if [ "$synth" = 1 ] && ! cmp -s "$work/synth-A.md" "$work/synth-B.md"; then
  echo "note: the synth reports of A and B differ" >&2
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
