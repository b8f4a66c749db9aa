#!/usr/bin/env bash
# Same inputs, same outputs: runs two bsq binaries (say, one built before a
# restructuring and one after) on the same inputs and compares, byte for
# byte:
#   - the model files `bsq train` writes (five methods);
#   - the files `bsq gen` writes (flash and search, continuous and aligned);
#   - `bsq compare --json`, with its timing fields removed;
#   - `bsq tune --json`, with its timing fields removed;
#   - the cell counts of `bsq synth --json` (generic and cmos targets).
# Exits 0 when everything is identical, 1 naming each difference.
#
# One difference is expected and allowed for by name: the generated files
# and sources used to cite the design as "DESIGN.md ..." and now cite
# "docs/design.md ...". A comment line that differs only in that citation
# is normalized (both sides) before comparing; nothing else is.
#
#   bench/same_output.sh OLD/bsq NEW/bsq [WORKDIR]
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 OLD_BSQ NEW_BSQ [WORKDIR]" >&2
  exit 1
fi
old=$1 new=$2
work=${3:-$(mktemp -d)}
mkdir -p "$work"
fail=0

normalize() { # citation lines only, see above
  sed -E -e 's/\(DESIGN\.md[^;)]*/(CITATION/g' \
         -e 's/\(docs\/design\.md[^;)]*/(CITATION/g' "$1"
}

same_tree() { # DIR_A DIR_B WHAT
  local a=$1 b=$2 what=$3
  if ! diff -q <(cd "$a" && find . -type f | sort) \
               <(cd "$b" && find . -type f | sort) >/dev/null; then
    echo "DIFFERENT: $what: file lists differ"
    fail=1
    return
  fi
  local n=0
  while IFS= read -r f; do
    n=$((n + 1))
    if ! cmp -s "$a/$f" "$b/$f"; then
      if cmp -s <(normalize "$a/$f") <(normalize "$b/$f"); then
        echo "same but citation: $what: $f"
      else
        echo "DIFFERENT: $what: $f"
        diff <(normalize "$a/$f") <(normalize "$b/$f") | head -5 || true
        fail=1
      fi
    fi
  done < <(cd "$a" && find . -type f | sort)
  echo "compared: $what: $n files"
}

strip_json() { # drops timing fields, anywhere in the document
  python3 - "$1" <<'EOF'
import json, sys
TIMING = {"wall_seconds", "train_seconds", "seconds", "jobs", "tools"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
print(json.dumps(strip(json.load(open(sys.argv[1]))), indent=1, sort_keys=True))
EOF
}

cells_json() { # the cell counts of a synth report
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
keys = ("cells_generic", "cells_by_type", "transistors", "luts", "dffs",
        "carry_cells", "brams", "latency_cycles", "latency_cycles_sim")
out = {a: {k: r[a].get(k) for k in keys}
       for a in ("flash", "search", "naive") if isinstance(r.get(a), dict)}
print(json.dumps(out, indent=1, sort_keys=True))
EOF
}

for side in old new; do
  bsq=${!side}
  d=$work/$side
  rm -rf "$d"
  mkdir -p "$d/models" "$d/gen" "$d/json"
  for m in bw-sq lsq po-mq sq bw-qq; do
    "$bsq" train --data friedman1 --rows 3000 --epochs 3 --bits 3 \
      --method "$m" --seed 2 -o "$d/models/$m.json" >/dev/null
  done
  for arch in flash search; do
    for mode in continuous aligned; do
      "$bsq" gen "$d/models/bw-sq.json" -o "$d/gen/$arch-$mode" \
        --arch "$arch" --mode "$mode" --word-bits 7 >/dev/null
    done
  done
  "$bsq" compare --data friedman1 --rows 3000 --epochs 2 --bits 2,3 \
    --methods all --seeds 2 --json "$d/json/compare.raw.json" \
    -o "$d/json/compare.md" >/dev/null 2>&1
  "$bsq" tune --data friedman1 --rows 3000 --epochs 2 --bits 2 \
    --methods bw-sq,fp,po-mq --trials 2 --folds 2 \
    --json "$d/json/tune.raw.json" -o "$d/json/tune.md" >/dev/null 2>&1
  for t in generic cmos; do
    "$bsq" synth "$d/models/bw-sq.json" --arch both --target "$t" --json \
      > "$d/json/synth-$t.raw.json" 2>/dev/null
  done
done

same_tree "$work/old/models" "$work/new/models" "train model files"
same_tree "$work/old/gen" "$work/new/gen" "gen files"
same_json() { # FILTER FILE WHAT
  local filter=$1 f=$2 what=$3
  if cmp -s <($filter "$work/old/json/$f.raw.json") \
            <($filter "$work/new/json/$f.raw.json"); then
    echo "same: $what"
  else
    echo "DIFFERENT: $what"
    diff <($filter "$work/old/json/$f.raw.json") \
         <($filter "$work/new/json/$f.raw.json") | head -10 || true
    fail=1
  fi
}
for f in compare tune; do
  same_json strip_json "$f" "$f --json (timing fields removed)"
done
for t in generic cmos; do
  same_json cells_json "synth-$t" "synth --target $t cell counts"
done
if [ "$fail" -eq 0 ]; then echo "all outputs identical"; fi
exit "$fail"
