#!/usr/bin/env bash
# A bsq sweep through a real Slurm: starts a private single-node cluster on
# localhost (munged, slurmctld, slurmd), runs a small `compare --plan` as the
# array job DIR/slurm.sbatch, collects it, and compares the report with the
# in-process run of the same comparison, timing fields aside; then a small
# `tune --plan` in its two phases (the tuning's array job, `tune --collect`,
# the test's array job, `compare --collect DIR/test`) against the
# in-process `compare --tune`.
#   bench/slurm.sh [BUILD_DIR]
# BUILD_DIR defaults to build-bench (configured and built here, Release).
# Needs root (slurmd launches the jobs, SlurmUser is root) and the Debian
# packages slurm-wlm and munge; jq compares the reports.
# Everything lives under one temporary directory: slurm.conf, the munge key,
# socket, seed and pid files, state and spool directories, logs. Nothing in
# /etc is changed and no system Slurm or MUNGE configuration is used; the
# daemons listen on free ports picked at start and are stopped on exit, also
# on failure.
# Prints SAME when a collected report equals the in-process one, else the
# diff; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}

fail() { echo "slurm.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (slurmd starts the jobs)"
for t in munged mungekey munge unmunge slurmctld slurmd sbatch sinfo scontrol scancel jq; do
  command -v "$t" >/dev/null ||
    fail "$t not found; install the Debian packages: apt-get install slurm-wlm munge jq"
done

if [ ! -x "$build/bsq" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target bsq >/dev/null
fi
BSQ=$(cd "$build" && pwd)/bsq
export BSQ

# Owned by root and writable by root alone, as munged wants for its key,
# socket and log; the path holds no blanks, as --plan requires.
top=$(mktemp -d "${TMPDIR:-/tmp}/bsq-slurm-XXXXXX")
pids=()
submitted=
stop_all() {
  rc=$?
  set +e
  if [ -n "$submitted" ]; then
    # the cluster is ours alone: any job left in it is this run's
    scancel --quiet --full --user=root >/dev/null 2>&1
  fi
  # slurmd, slurmctld, then munged (the daemons authenticate through it)
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null
    for _ in $(seq 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[i]}" 2>/dev/null
    wait "${pids[i]}" 2>/dev/null
  done
  if [ "$rc" != 0 ]; then
    for f in "$top"/log/*.log; do
      [ -s "$f" ] || continue
      echo "--- last lines of $(basename "$f")" >&2
      tail -n 15 "$f" >&2
    done
  fi
  rm -rf "$top"
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

mkdir -p "$top"/{munge,state,spool,log,run}
# munged's socket must be reachable (x) by everyone along its path
chmod 711 "$top" "$top/munge"

# munged: own key, socket, pid, seed and log files
mungekey --create --keyfile="$top/munge/munge.key" --bits=1024
chmod 400 "$top/munge/munge.key"
munged --foreground --socket="$top/munge/socket" \
  --key-file="$top/munge/munge.key" --pid-file="$top/run/munged.pid" \
  --seed-file="$top/munge/seed" --log-file="$top/log/munged.log" \
  >>"$top/log/munged.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  [ -S "$top/munge/socket" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "munged exited"
  sleep 0.1
done
[ -S "$top/munge/socket" ] || fail "munged did not create its socket"
munge --socket="$top/munge/socket" -n | unmunge --socket="$top/munge/socket" >/dev/null ||
  fail "munge credential round trip failed"

# two distinct TCP ports below the kernel's ephemeral range that no socket
# on this host holds (any state, IPv4 or IPv6)
used=" "
while read -r _ local _; do
  [[ $local == *:* ]] && used+="$((16#${local##*:})) "
done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
read -r eph _ </proc/sys/net/ipv4/ip_local_port_range
[ "$eph" -gt 12000 ] || fail "ephemeral ports start at $eph; no room below"
ports=()
while [ ${#ports[@]} -lt 2 ]; do
  p=$((10000 + RANDOM % (eph - 10000)))
  [[ $used == *" $p "* ]] && continue
  ports+=("$p")
  used+="$p "
done
ctld_port=${ports[0]} slurmd_port=${ports[1]}

node=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF=$top/slurm.conf
cat >"$SLURM_CONF" <<EOF
# single-node cluster of bench/slurm.sh; runs as root, without cgroups
ClusterName=bsqbench
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$top/munge/socket
StateSaveLocation=$top/state
SlurmdSpoolDir=$top/spool
SlurmctldPidFile=$top/run/slurmctld.pid
SlurmdPidFile=$top/run/slurmd.pid
SlurmctldLogFile=$top/log/slurmctld.log
SlurmdLogFile=$top/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=bench Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -i -f "$SLURM_CONF" >>"$top/log/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >>"$top/log/slurmd.out.log" 2>&1 &
pids+=($!)

state=
for _ in $(seq 120); do
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a daemon exited (pid $p)"; done
  state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "node $node not idle after 60 s (state: ${state:-none})"
echo "slurm: $(sinfo --version), node $node idle ($cpus CPUs), ports $ctld_port/$slurmd_port"

args=(--data friedman1 --rows 2500 --epochs 2 --bits "2,3"
      --methods "bw-sq,po-mq,lsq" --seeds 2)
plan=$top/plan
"$BSQ" compare "${args[@]}" --plan "$plan"
echo "plan: $(wc -l <"$plan/jobs.txt") jobs"
t0=$SECONDS
submitted=1
# one line per array task, as slurmctld still holds them (MinJobAge)
tasks() {
  scontrol -o show job "$1" |
    sed -E 's/.*ArrayTaskId=([0-9]+).*JobState=([A-Z]+).*ExitCode=([0-9:]+).*NodeList=([^ ]+).*/  task \1 \2 exit \3 on \4/' |
    sort -k2 -n
}
job=$(sbatch --parsable --wait "$plan/slurm.sbatch") || {
  cat "$plan"/results/slurm-*.out >&2 2>/dev/null
  [ -n "$job" ] && tasks "$job" >&2
  fail "sbatch --wait failed"
}
echo "slurm: array job $job done in $((SECONDS - t0)) s; its tasks:"
tasks "$job"
"$BSQ" compare --collect "$plan" --json "$top/slurm.json" >/dev/null
"$BSQ" compare "${args[@]}" --json "$top/inproc.json" >/dev/null

strip='del(.settings.wall_seconds) | del(.rows[].train_seconds)'
jq -S "$strip" "$top/slurm.json" >"$top/slurm.cmp"
jq -S "$strip" "$top/inproc.json" >"$top/inproc.cmp"
if diff -u "$top/inproc.cmp" "$top/slurm.cmp"; then
  echo "SAME: collected Slurm report equals the in-process run" \
       "($(jq '.rows | length' "$top/slurm.json") rows; wall_seconds, train_seconds aside)"
else
  fail "DIFFERENT: collected Slurm report differs from the in-process run (diff above)"
fi

# a tuning's plan, its two phases one array job each
targs=(--data friedman1 --rows 2500 --epochs 2 --bits 2
       --methods "bw-sq,po-mq,sq+,llt4" --trials 2 --folds 2)
tplan=$top/tplan
"$BSQ" tune "${targs[@]}" --plan "$tplan" >/dev/null
echo "tune plan, phase one: $(wc -l <"$tplan/jobs.txt") trainings"
for phase in "$tplan" "$tplan/test"; do
  t0=$SECONDS
  job=$(sbatch --parsable --wait "$phase/slurm.sbatch") || {
    cat "$phase"/results/slurm-*.out >&2 2>/dev/null
    fail "sbatch --wait failed ($phase)"
  }
  echo "slurm: array job $job ($(wc -l <"$phase/jobs.txt") tasks) done in $((SECONDS - t0)) s"
  if [ "$phase" = "$tplan" ]; then
    "$BSQ" tune --collect "$tplan" --json "$top/tune-slurm.json" | tail -n 3
  fi
done
"$BSQ" compare --collect "$tplan/test" --json "$top/tslurm.json" >/dev/null
"$BSQ" compare "${targs[@]}" --tune --json "$top/tinproc.json" >/dev/null
untimed='walk(if type == "object" then del(.seconds, .wall_seconds, .train_seconds) else . end)'
jq -S "$untimed" "$top/tslurm.json" >"$top/tslurm.cmp"
jq -S "$untimed" "$top/tinproc.json" >"$top/tinproc.cmp"
if diff -u "$top/tinproc.cmp" "$top/tslurm.cmp"; then
  echo "SAME: the two-phase tune plan through Slurm equals compare --tune" \
       "($(jq '.rows | length' "$top/tslurm.json") rows; timings aside)"
else
  fail "DIFFERENT: the two-phase tune plan differs from compare --tune (diff above)"
fi
