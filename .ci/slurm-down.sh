#!/usr/bin/env bash
# Stop the Slurm started by .ci/slurm-up.sh: slurmd, slurmctld, then munged if that
# script started it. Kills only the PIDs recorded in the pid files under
# HPCQ_SLURM_DIR (default /tmp/hpcq-slurm), never by process name. Safe to run twice.
set -uo pipefail

DIR=${HPCQ_SLURM_DIR:-/tmp/hpcq-slurm}

stop() {
  local name=$1 pidfile=$2 pid
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if ! [[ $pid =~ ^[0-9]+$ ]]; then
    echo "slurm-down: ignoring $pidfile: not a PID" >&2
    return 0
  fi
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm-down: $name (pid $pid) ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    echo "slurm-down: stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

if [ -s "$DIR/slurm.conf" ] && command -v scancel >/dev/null; then
  # Jobs left behind by a failed test would otherwise be killed by slurmd going away.
  SLURM_CONF="$DIR/slurm.conf" timeout 10 scancel --full --quiet --user="$(id -un)" \
    2>/dev/null || true
fi
stop slurmd "$DIR/slurmd.pid"
stop slurmctld "$DIR/slurmctld.pid"
stop munged "$DIR/munged.pid"
exit 0
