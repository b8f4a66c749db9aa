#!/usr/bin/env bash
# Installs what is missing, builds bsq into build/ and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
bsq_install_deps

werror=OFF
if [ -n "${CI:-}" ]; then werror=ON; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBSQ_WERROR=$werror >/dev/null
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j"$(nproc)")
