#!/usr/bin/env bash
# Start a real single-node Slurm on loopback for tests/slurm (CI and developer machines).
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge with apt-get when they are
# missing (needs root), writes a configuration under a scratch directory, starts munged
# (unless one already answers), slurmctld and slurmd, and waits until `sinfo` shows the
# node idle. Stop everything with .ci/slurm-down.sh, which kills by the PIDs in the pid
# files written here.
#
# Environment:
#   HPCQ_SLURM_DIR   scratch directory (default /tmp/hpcq-slurm); holds slurm.conf,
#                    state, spool, logs and pid files
#   HPCQ_SLURM_CPUS  CPUs the node declares (default 4, so 4 ranks fit on 2 cores)
#
# Clients find the controller through SLURM_CONF=$HPCQ_SLURM_DIR/slurm.conf; the last
# line printed is the export to eval, and tests/slurm/test_slurm.py looks there too.
set -euo pipefail

DIR=${HPCQ_SLURM_DIR:-/tmp/hpcq-slurm}
CPUS=${HPCQ_SLURM_CPUS:-4}
start=$SECONDS
say() { printf 'slurm-up: %s (%ds)\n' "$*" "$((SECONDS - start))"; }
die() { printf 'slurm-up: error: %s\n' "$*" >&2; exit 1; }

have_slurm() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null
}

if ! have_slurm; then
  [ "$(id -u)" = 0 ] || die "Slurm is not installed and installing it needs root"
  command -v apt-get >/dev/null || die "Slurm is not installed and apt-get is not available"
  say "installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  # Package scripts would start the daemons with the system configuration; keep them
  # from starting anything (only when no policy is in place already).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  have_slurm || die "installation finished but the Slurm commands are still missing"
fi

# MPICH leaves its shared-memory segments behind when a job is killed or aborts; their
# names derive from the PMI key-value space, which under Slurm is the job and step id.
# A fresh Slurm numbers jobs from 1 again, so a stale segment from an earlier cluster
# would be opened by the new job with the same id and break its MPI_Init. Remove the
# segments no running process has mapped or open.
clean_stale_mpich_shm() {
  local in_use removed=0 f
  in_use=$( (cat /proc/[0-9]*/maps; ls -l /proc/[0-9]*/fd) 2>/dev/null |
    grep -o '/dev/shm/mpich_shm_[^ ]*' | sort -u || true)
  for f in /dev/shm/mpich_shm_*; do
    [ -e "$f" ] || continue
    grep -qxF "$f" <<<"$in_use" && continue
    rm -f "$f" && removed=$((removed + 1))
  done
  say "removed $removed stale MPICH shared-memory segment(s)"
}
clean_stale_mpich_shm

if [ -f "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
  die "a slurmctld started from $DIR is running already (run .ci/slurm-down.sh first)"
fi
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"

# munge: reuse a daemon that answers; otherwise start one and remember its PID.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munged already running; reusing it"
else
  [ "$(id -u)" = 0 ] || die "munged is not running and starting it needs root"
  mkdir -p /run/munge
  chown munge:munge /run/munge
  chmod 755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  runuser -u munge -- munged --pid-file="/run/munge/munged.pid"
  for _ in $(seq 50); do
    [ -s /run/munge/munged.pid ] && break
    sleep 0.1
  done
  [ -s /run/munge/munged.pid ] || die "munged did not start"
  cp /run/munge/munged.pid "$DIR/munged.pid"
  munge -n | unmunge >/dev/null || die "munged started but does not answer"
  say "munged started (pid $(cat "$DIR/munged.pid"))"
fi

mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
cat >"$DIR/slurm.conf" <<EOF
# Single-node test cluster written by .ci/slurm-up.sh; loopback only.
ClusterName=hpcqci
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# cgroups do not work in containers like the CI's: every step would fail.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# The templates must ask for --mpi=pmi2 themselves, as on most sites.
MpiDefault=none
ReturnToService=2
# Reject impossible requests at submission instead of pending forever.
EnforcePartLimits=ALL
# sbatch --wait polls every 2 s instead of 2, 8, 32 s.
MinJobAge=5
SlurmdTimeout=300
InactiveLimit=0
KillWait=5
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$CPUS RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$DIR/slurm.conf"

# -i: ignore state left over from an earlier run of this script.
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF" -N localhost
say "slurmctld and slurmd started"

state=""
for _ in $(seq 300); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
if [ "$state" != idle ]; then
  tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
  die "the node is not idle after 60 s (state: '${state:-no answer}'); logs in $DIR/log"
fi
say "node localhost idle with $CPUS CPUs"
echo "export SLURM_CONF=$SLURM_CONF"
