#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test, three ways:
#   build/       the normal build: the whole suite
#   build-asan/  ASan + UBSan (the library, the CLI, the tests and the
#                co-simulation harness bsq sim compiles): the whole suite,
#                with the co-simulation matrix cut to every
#                $BSQ_SAN_COSIM_STRIDE-th design (default 3; the normal build
#                runs all of it)
#   build-fuzz/  clang + libFuzzer: each fuzz target for $BSQ_FUZZ_SECONDS
#                seconds (default 10: a smoke test within CI's time; fuzz
#                longer by hand, README "Robustness") from its seed corpus
#                under fuzz/corpus
# then scripts/install_test.sh: bsq installed from a copy of the source and
# its .deb, run with the source and build trees deleted.
# Any failure stops the script with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
bsq_install_deps

werror=OFF
if [ -n "${CI:-}" ]; then werror=ON; fi
jobs=$(nproc)
stride=${BSQ_SAN_COSIM_STRIDE:-3}
fuzz_seconds=${BSQ_FUZZ_SECONDS:-10}

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "normal build and suite: build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBSQ_WERROR=$werror >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

step "sanitizer build and suite (ASan + UBSan): build-asan/"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBSQ_WERROR=$werror \
  -DBSQ_ASAN=ON -DBSQ_UBSAN=ON >/dev/null
cmake --build build-asan -j"$jobs"
# Instrumented code runs several times slower: Check's per-test timeouts
# are stretched to match (CK_TIMEOUT_MULTIPLIER).
(cd build-asan &&
  BSQ_COSIM_STRIDE=$stride CK_TIMEOUT_MULTIPLIER=4 \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs")

step "fuzz smoke, ${fuzz_seconds} s per target: build-fuzz/"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBSQ_WERROR=$werror -DBSQ_FUZZ=ON -DBSQ_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_csv fuzz_model fuzz_stream fuzz_sensor
(cd build-fuzz && ctest --output-on-failure -L fuzz -j"$jobs")

step "installed bsq, no source or build tree: scripts/install_test.sh"
scripts/install_test.sh
step "all passed"
