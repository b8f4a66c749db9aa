#!/usr/bin/env bash
# bsq installed as a user installs it, with no source or build tree left:
#   1. copies the tracked source files to a temporary folder, configures,
#      builds, installs into a staging prefix and builds the .deb there;
#   2. deletes that source and build tree and moves the prefix elsewhere
#      (so nothing can come from a compiled-in path);
#   3. runs the installed bsq: --version, demo --no-synth, sim with both
#      simulators, gen, synth, a BSQ_SHARE_DIR that lacks the files, the
#      bash completion and the man pages;
#   4. builds examples/encode_row against the installed libbsq through
#      pkg-config and runs it;
#   5. checks the .deb's control fields and contents, and, when it can
#      (root or sudo, no bsq already in /usr/bin), installs it with
#      apt-get, runs /usr/bin/bsq and removes it again.
# Any failure stops the script with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
bsq_install_deps
unset BSQ_SHARE_DIR

werror=OFF
if [ -n "${CI:-}" ]; then werror=ON; fi
version=$(sed -n 's/^project(bsq VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "install test: no project version in CMakeLists.txt" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bsq-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install test: FAIL: $*" >&2; exit 1; }
say() { printf -- '--- %s\n' "$*"; }

say "source copy, build, install, package"
mkdir "$tmp/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
    tar -xf - -C "$tmp/src"
else
  tar --exclude='./build*' -cf - . | tar -xf - -C "$tmp/src"
fi
cmake -S "$tmp/src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBSQ_WERROR=$werror -DBUILD_TESTING=OFF >/dev/null
cmake --build "$tmp/build" -j"$(nproc)" >/dev/null
cmake --install "$tmp/build" --prefix "$tmp/stage" >/dev/null
(cd "$tmp/build" && cpack -G DEB >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
deb="$tmp/build/bsq_${version}_amd64.deb"
[ -f "$deb" ] || fail "cpack did not write bsq_${version}_amd64.deb"
mkdir "$tmp/keep"
cp "$deb" "$tmp/keep/"
deb="$tmp/keep/$(basename "$deb")"
cp -r "$tmp/src/examples" "$tmp/keep/examples"
rm -rf "$tmp/src" "$tmp/build"
mv "$tmp/stage" "$tmp/prefix"
P="$tmp/prefix"
bsq="$P/bin/bsq"
cd "$tmp"

say "bsq --version"
out=$("$bsq" --version)
[ "$out" = "bsq $version" ] || fail "bsq --version printed '$out', not 'bsq $version'"

say "bsq demo --no-synth"
"$bsq" demo --no-synth --epochs 2 --bits 3 -o "$tmp/demo" >"$tmp/demo.log" 2>&1 ||
  { cat "$tmp/demo.log"; fail "bsq demo --no-synth failed"; }
grep -q "every step passed" "$tmp/demo.log" || fail "bsq demo did not pass every step"
model="$tmp/demo/model.json"

say "bsq sim --simulator both"
"$bsq" sim "$model" --simulator both --frames 500 --no-sweep --backpressure 0.2 \
  >"$tmp/sim.log" 2>&1 || { cat "$tmp/sim.log"; fail "bsq sim failed"; }
[ "$(grep -c 'result          PASS' "$tmp/sim.log")" = 2 ] ||
  { cat "$tmp/sim.log"; fail "bsq sim: not both simulators passed"; }

say "bsq gen, bsq synth"
"$bsq" gen "$model" -o "$tmp/gen" >/dev/null
cmp -s "$tmp/gen/bsq_packer.v" "$P/share/bsq/rtl/bsq_packer.v" ||
  fail "bsq gen did not copy the installed packer RTL"
"$bsq" synth "$model" --arch flash --target generic >"$tmp/synth.log" 2>&1 ||
  { cat "$tmp/synth.log"; fail "bsq synth failed"; }

say "BSQ_SHARE_DIR without the run-time files"
mkdir "$tmp/empty"
set +e
BSQ_SHARE_DIR="$tmp/empty" "$bsq" gen "$model" -o "$tmp/gen2" 2>"$tmp/err.log"
rc=$?
set -e
[ $rc = 2 ] || fail "bsq gen with an empty BSQ_SHARE_DIR exited $rc, not 2"
grep -q "BSQ_SHARE_DIR" "$tmp/err.log" && grep -q "$tmp/empty/rtl/bsq_packer.v" "$tmp/err.log" ||
  fail "the error does not name the missing file and BSQ_SHARE_DIR: $(cat "$tmp/err.log")"
BSQ_SHARE_DIR="$P/share/bsq" "$bsq" gen "$model" -o "$tmp/gen3" >/dev/null ||
  fail "bsq gen with BSQ_SHARE_DIR set to the installed share folder failed"

say "man pages and bash completion"
commands=$("$bsq" --help | awk '/^commands:/ { on = 1; next } on && NF { print $1 }')
[ -n "$commands" ] || fail "bsq --help lists no commands"
grep -q '^\.TH BSQ ' "$P/share/man/man1/bsq.1" || fail "no man page bsq(1)"
for c in $commands; do
  page="$P/share/man/man1/bsq-$c.1"
  grep -q "^\.TH BSQ-${c^^} " "$page" 2>/dev/null || fail "no man page bsq-$c(1)"
  "$bsq" "$c" --help 2>/dev/null | grep -q "^usage: bsq $c " ||
    fail "bsq $c --help does not print its usage on stdout"
  "$bsq" "$c" --help >/dev/null 2>&1 || fail "bsq $c --help does not exit 0"
done
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
           _bsq; printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$P/share/bash-completion/completions/bsq" "$@"
}
[ "$(complete_words "$bsq" si)" = sim ] || fail "completion of 'bsq si'"
[ "$(complete_words "$bsq" sim --simu)" = --simulator ] ||
  fail "completion of 'bsq sim --simu'"
[ "$(complete_words "$bsq" sim --simulator "" | sort | tr '\n' ' ')" = "both icarus verilator " ] ||
  fail "completion of 'bsq sim --simulator '"

say "examples/encode_row against the installed library (pkg-config)"
PKG_CONFIG_PATH="$P/lib/pkgconfig" make -s -C "$tmp/keep/examples" >/dev/null
enc="$tmp/keep/examples/encode_row"
row=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95
"$enc" "$model" "$row" >"$tmp/row.txt"
[ "$(wc -l <"$tmp/row.txt")" = 10 ] || fail "encode_row did not print 10 features"
awk -F'\t' 'NF != 3 || $3 !~ /^[0-7]$/ { bad = 1 } END { exit bad }' "$tmp/row.txt" ||
  fail "encode_row printed a level outside 0..7 for 3 bits: $(cat "$tmp/row.txt")"
[ "$(echo "$row" | "$enc" "$model")" = "$(cat "$tmp/row.txt")" ] ||
  fail "encode_row gives another answer for the row on stdin"
if echo "1,2" | "$enc" "$model" 2>/dev/null; then fail "encode_row took a short row"; fi

say "the .deb: control fields and contents"
info=$(dpkg-deb -I "$deb")
field() { sed -n "s/^ $1: //p" <<<"$info"; }
[ "$(field Package)" = bsq ] || fail ".deb Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail ".deb Version is '$(field Version)'"
[ "$(field Architecture)" = amd64 ] || fail ".deb Architecture is '$(field Architecture)'"
deps=$(field Depends)
for p in libc6 libcjson1 libopenblas; do
  [[ $deps == *"$p"* ]] || fail ".deb Depends lacks $p: '$deps'"
done
recs=$(field Recommends)
for p in verilator yosys iverilog nextpnr-ice40 fpga-icestorm gnuplot-nox \
         opensta qflow-tech-osu018 g++ make libcjson-dev libopenblas-dev; do
  [[ ", $recs," == *", $p,"* ]] || fail ".deb Recommends lacks $p: '$recs'"
done
contents=$(dpkg-deb -c "$deb" | awk '{ print $NF }')
for f in ./usr/bin/bsq ./usr/share/bsq/rtl/bsq_packer.v \
         ./usr/share/bsq/sim/harness.cpp ./usr/share/bsq/sim/bsq_tb.v \
         ./usr/share/man/man1/bsq.1 ./usr/share/man/man1/bsq-sim.1 \
         ./usr/share/bash-completion/completions/bsq ./usr/lib/libbsq.a \
         ./usr/include/bsq/model.h ./usr/include/bsq/bsq_version.h \
         ./usr/lib/pkgconfig/bsq.pc; do
  grep -qxF "$f" <<<"$contents" || fail ".deb lacks $f"
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
if [ -e /usr/bin/bsq ] || dpkg-query -W bsq >/dev/null 2>&1; then
  say "apt-get install of the .deb skipped: a bsq is installed already"
elif ! $sudo true 2>/dev/null; then
  say "apt-get install of the .deb skipped: neither root nor sudo"
else
  say "apt-get install ./$(basename "$deb")"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get install of the .deb failed"; }
  ok=1
  [ "$(/usr/bin/bsq --version)" = "bsq $version" ] || ok=0
  /usr/bin/bsq sim "$model" --frames 100 --no-sweep >"$tmp/deb-sim.log" 2>&1 || ok=0
  PKG_CONFIG_PATH= make -s -C "$tmp/keep/examples" clean all >/dev/null 2>&1 || ok=0
  $sudo apt-get remove -y -qq bsq >"$tmp/apt.log" 2>&1 ||
    { cat "$tmp/apt.log"; fail "apt-get remove bsq failed"; }
  [ $ok = 1 ] || { cat "$tmp/deb-sim.log"; fail "the installed package does not work"; }
fi
say "install test passed"
