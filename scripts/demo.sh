#!/usr/bin/env bash
# Installs what is missing, builds bsq into build/ and runs the whole flow
# on the built-in friedman1 data (`bsq demo`):
# train -> eval -> gen -> lint -> sim -> synth, artefacts in build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
bsq_install_deps

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if ! command -v nextpnr-ice40 >/dev/null 2>&1; then
  echo "note: nextpnr-ice40 is not installed: iCE40 place and route (logic cells, Fmax) is skipped"
fi
exec build/bsq demo -o build/demo "$@"
