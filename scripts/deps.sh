#!/usr/bin/env bash
# Installs the Debian packages bsq needs, when any is missing.
# Sourced by scripts/test.sh and scripts/demo.sh.
# clang, llvm (llvm-symbolizer) and libclang-rt-dev (the libFuzzer and
# sanitizer runtimes) are for the fuzz targets of scripts/test.sh; help2man
# writes the man pages at build time and dpkg-dev (dpkg-shlibdeps) finds the
# .deb's Depends.
# opensta (sta) and qflow-tech-osu018 (the OSU 0.18 um liberty and cell
# models) are for `bsq synth --target asic` and tests/check_asic.c.
# parallel (GNU parallel) runs the job list of `bsq compare --plan` in
# tests/check_sweep.c.
bsq_install_deps() {
  local want=(build-essential cmake pkg-config check libcjson-dev
              libopenblas-dev verilator yosys iverilog nextpnr-ice40
              fpga-icestorm gnuplot-nox clang llvm libclang-rt-dev help2man
              dpkg-dev opensta qflow-tech-osu018 parallel "$@")
  local missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}
