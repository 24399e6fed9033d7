#!/usr/bin/env bash
# packaging/slurm/*.sbatch on a real Slurm: a one-node cluster on localhost (munged, slurmctld,
# slurmd; select/cons_tres; three pretend GPUs so the template's --gres=gpu:1 is scheduled as
# written), the score template as a 3-task array on a small demo project, the merge template
# with --dependency=afterok, and the merged run compared with an unsharded run of a copy of
# the same project (every raw score, exactly). The daemons and their files live in one temp
# folder and are stopped on every exit path.
#   tests/app/slurm_cluster.sh GATEAU_BINARY SOURCE_DIR
# Needs Debian 12 and root or passwordless sudo: it installs slurm-wlm and munge (test-only
# packages, so not in packaging/apt-packages.txt). Where it cannot, it exits 77, which ctest
# reports as skipped. GATEAU_SLURM_TEST=0 skips it too.
set -euo pipefail
gateau="$(realpath "$1")"
src="$(realpath "$2")"
skip() { echo "SKIP: $*"; exit 77; }
started=$SECONDS
# Run inside a real cluster's job (or by its user), SLURM_CONF and SBATCH_* would point the
# test's sbatch/scancel at that cluster: only the test's own slurm.conf may count.
for v in $(compgen -e); do case "$v" in SLURM_* | SBATCH_* | SALLOC_* | SRUN_*) unset "$v" ;; esac; done

[ "${GATEAU_SLURM_TEST:-1}" != 0 ] || skip "GATEAU_SLURM_TEST=0"
grep -qs '^12\.' /etc/debian_version || skip "needs Debian 12 (installs its slurm-wlm and munge)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || skip "needs root or passwordless sudo (to install Slurm and run its daemons)"
  SUDO="sudo -n"
fi
# A machine that is already a Slurm node is left alone: a second slurmd would confuse it.
for d in slurmctld slurmd; do
  if pgrep -x "$d" >/dev/null; then skip "a $d already runs on this machine"; fi
done

# --- install (only what is missing) -----------------------------------------------------
pkgs=(slurm-wlm munge)
status="$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null || true)"
if [ "$(grep -c '^install ok installed$' <<<"$status" || true)" -ne "${#pkgs[@]}" ]; then
  echo "== installing ${pkgs[*]}"
  # The packages start munge (and try slurmd/slurmctld) as system services; this test runs
  # its own daemons and must leave none behind, so service starts are denied during the
  # install, the way Debian's container images do it (a policy-rc.d that answers 101).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    trap '$SUDO rm -f "$policy"' EXIT  # also when the install is interrupted
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && own_policy=1
  fi
  ok=1  # the lock timeout: a fresh VM's unattended-upgrades may hold dpkg's lock for a while
  $SUDO apt-get update -qq -o DPkg::Lock::Timeout=120 >/dev/null 2>&1 &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=120 "${pkgs[@]}" >/dev/null 2>&1 ||
    ok=0
  [ "$own_policy" = 0 ] || { $SUDO rm -f "$policy"; trap - EXIT; }
  [ "$ok" = 1 ] || skip "apt-get could not install ${pkgs[*]} (no network or no Debian mirror?)"
  # The packages also enable their services for the next boot; this test needs none.
  if command -v systemctl >/dev/null; then $SUDO systemctl disable --quiet munge slurmd slurmctld 2>/dev/null || true; fi
  echo "== installed in $((SECONDS - started)) s"
fi

# --- a one-node cluster in a temp folder --------------------------------------------------
tmp="$(mktemp -d /tmp/gateau-slurm.XXXXXX)"
# Daemons (root) and jobs (this user) both use it; munged refuses folders others can write.
chmod 755 "$tmp"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/munge" "$tmp/work"
cleanup() {
  local rc=$?
  set +e
  [ ! -s "$tmp/slurmctld.pid" ] || scancel --quiet --user="$(id -un)" 2>/dev/null
  for f in slurmd slurmctld munged; do
    [ -s "$tmp/$f.pid" ] || continue
    local pid
    pid="$(cat "$tmp/$f.pid")"
    $SUDO kill "$pid" 2>/dev/null
    for _ in $(seq 50); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    $SUDO kill -9 "$pid" 2>/dev/null
  done
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for l in "$tmp"/*.log "$tmp"/work/*.log; do [ -f "$l" ] && { echo "--- $l"; tail -n 30 "$l"; }; done
  fi
  [ -n "${KEEP_TMP:-}" ] || $SUDO rm -rf "$tmp"
  echo "== wall time $((SECONDS - started)) s"
}
trap cleanup EXIT

# Our own munged on its own socket and key, so a system munge (if any) is not touched.
# --force: under sudo the folder belongs to the test's user, which munged only warns about.
$SUDO dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
$SUDO chmod 400 "$tmp/munge/munge.key"
$SUDO /usr/sbin/munged --socket="$tmp/munge/socket" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" --force

host="$(hostname -s)"
# slurmd -C prints this machine's node line exactly as slurmd will see it (CPUs, sockets,
# cores, memory); a hand-written line that does not match gets the node drained.
node="$(/usr/sbin/slurmd -C)"
node="${node%%$'\n'*}"  # its first line; not `| head`, whose early exit fails a pipefail pipe
[[ "$node" == "NodeName=$host "* ]] || { echo "slurmd -C says '$node', hostname -s says '$host'" >&2; exit 1; }
export SLURM_CONF="$tmp/slurm.conf"
# 127.0.0.1 so the test does not depend on the host name resolving; odd ports so it cannot
# meet another Slurm. MinJobAge keeps finished jobs visible to scontrol for the checks.
cat >"$SLURM_CONF" <<EOF
ClusterName=gateau-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
GresTypes=gpu
$node NodeAddr=127.0.0.1 Gres=gpu:3 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
# Slurm drops GPUs without device files; any three character devices do, since the test
# constrains no devices (task/none). Slurm then sets CUDA_VISIBLE_DEVICES per task as on a
# GPU node, which the wrapper below records.
echo "NodeName=$host Name=gpu File=/dev/null,/dev/zero,/dev/full" >"$tmp/gres.conf"
$SUDO env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmctld -f "$SLURM_CONF"
$SUDO env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  state="$(sinfo -h -N -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { echo "the node did not come up: '$state'"; sinfo -R || true; exit 1; }
echo "== cluster up in $((SECONDS - started)) s: $node"

# --- the project, sharded on Slurm and unsharded beside it ------------------------------
cd "$tmp/work"
run="$src/resources/demo-models/run.json"
"$gateau" make-demo-dataset demo.jsonl --samples 9 --seed 3 --min-words 300 --max-words 900 >/dev/null
"$gateau" import demo.gateau demo.jsonl >/dev/null
"$gateau" backup demo.gateau plain.gateau >/dev/null
# The templates' resources are a GPU cluster's; -c/--mem on the command line override the
# #SBATCH lines for this small machine, --gres=gpu:1 stays as written. --export passes the
# binary and the device to the tasks (sbatch exports the environment by default too).
# The wrapper logs the GPU Slurm gave each task before running gateau.
printf '#!/bin/sh\necho "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset}" >&2\nexec "%s" "$@"\n' "$gateau" >gateau-wrapper
chmod 755 gateau-wrapper
opts=(-c 1 --mem=256M --export="ALL,GATEAU=$PWD/gateau-wrapper,GATEAU_DEVICES=cpu")
array="$(sbatch --parsable --array=0-2 "${opts[@]}" "$src/packaging/slurm/score-shards.sbatch" "$PWD/demo.gateau" "$run" 3)"
array="${array%%;*}"
merge="$(sbatch --parsable --dependency="afterok:$array" "${opts[@]}" \
  "$src/packaging/slurm/merge-shards.sbatch" "$PWD/demo.gateau" 3)"
merge="${merge%%;*}"
echo "== submitted array job $array and merge job $merge"
"$gateau" score plain.gateau --config "$run" --devices cpu >plain.log 2>&1

wait_jobs() {  # wait_jobs SECONDS JOBID[,JOBID...]: until squeue no longer lists them
  local deadline=$((SECONDS + $1))
  while [ -n "$(squeue -h -j "$2" -o %i 2>/dev/null || true)" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "FAIL: jobs $2 still queued after $1 s:"; squeue; exit 1; }
    sleep 1
  done
}
wait_jobs 240 "$array,$merge"
echo "== jobs finished after $((SECONDS - started)) s"

# --- checks -------------------------------------------------------------------------------
fail() { echo "FAIL: $*"; exit 1; }
job_state() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }
[ "$(job_state "$array")" = "JobState=COMPLETED " ] || fail "array job $array: $(job_state "$array")"
[ "$(job_state "$merge")" = "JobState=COMPLETED " ] || fail "merge job $merge: $(job_state "$merge")"
for i in 0 1 2; do
  log="gateau-score-${array}_$i.log"
  grep -q '(complete)$' "$log" || fail "task $i did not complete its shard: $(cat "$log")"
  [ -f "demo.shard-$i-of-3.gateau" ] || fail "no shard file of task $i"
  grep -Eq '^CUDA_VISIBLE_DEVICES=[0-2]$' "$log" || fail "task $i was not given one GPU: $(head -n 1 "$log")"
done
grep -q 'rows added to run' "gateau-merge-$merge.log" || fail "merge: $(cat "gateau-merge-$merge.log")"
grep -q 'total 9 done, 0 failed, 0 pending (complete)' plain.log || fail "unsharded run: $(cat plain.log)"
# Every ranked sample's raw values (PPLs, IFD, CAS, CAM, token counts), printed %.17g.
"$gateau" export demo.gateau merged.jsonl --run 1 --top 100% --scores-csv merged.csv >/dev/null
"$gateau" export plain.gateau plain.jsonl --run 1 --top 100% --scores-csv plain.csv >/dev/null
[ "$(wc -l <merged.csv)" -eq 10 ] || fail "merged run ranks $(($(wc -l <merged.csv) - 1)) samples, not 9"
cmp merged.csv plain.csv || { diff merged.csv plain.csv; fail "merged run differs from the unsharded one"; }
cmp merged.jsonl plain.jsonl || fail "exports differ"
# Resubmitting one task (an array of one) tops up its own shard: nothing left to score.
again="$(sbatch --parsable --array=1 "${opts[@]}" "$src/packaging/slurm/score-shards.sbatch" "$PWD/demo.gateau" "$run" 3)"
again="${again%%;*}"
wait_jobs 60 "$again"
grep -q 'scored 0, .*total 3 done, 0 failed, 0 pending (complete)$' "gateau-score-${again}_1.log" ||
  fail "resubmitted task 1: $(cat "gateau-score-${again}_1.log")"
echo "PASS: 3 array tasks + afterok merge on Slurm equal the unsharded run (9 samples)"
