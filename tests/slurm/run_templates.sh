#!/usr/bin/env bash
# Submit each template in slurm/ to a running Slurm and check what each job did.
#
# usage: tests/slurm/run_templates.sh [single-node] [multi-node] [array] [serve] [resume]
#        (no arguments: all of them, in that order)
#
# Needs: a Slurm that answers (`sinfo`; SLURM_CONF may name its configuration, as
# .ci/slurm-up.sh prints), at least 4 CPUs on one node, and hpcq installed in the
# environment named by HPCQ_VENV (default: the active one, from `python` on PATH).
#
# Each compile job is submitted from the repository root, unchanged, with `sbatch --wait`
# (options on the command line only redirect its log and, for the multi-node template,
# fit its shape to one node); then the checks: the job's exit code, the MPI world size
# it printed against the ranks it asked for, and every output circuit verified against
# its input (tests/slurm/verify_outputs.py). `resume` resubmits the single-node job on
# the same output directory and checks that no finished output is rewritten. `serve`
# starts the detached runtime job, runs tasks on it from a client, then cancels it.
#
# Environment: HPCQ_SLURM_TEST_DIR (work directory, default a new temporary one),
# HPCQ_SLURM_JOB_TIMEOUT (seconds per job, default 600).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/slurm"
JOB_TIMEOUT=${HPCQ_SLURM_JOB_TIMEOUT:-600}
WORK=${HPCQ_SLURM_TEST_DIR:-$(mktemp -d -t hpcq-slurm-test.XXXXXX)}
mkdir -p "$WORK"
start=$SECONDS

log() { printf '[%4ds] %s\n' "$((SECONDS - start))" "$*"; }
fail() {
  printf 'run_templates: FAIL: %s\n' "$*" >&2
  printf 'run_templates: job logs and outputs are in %s\n' "$WORK" >&2
  exit 1
}

if [ -z "${HPCQ_VENV:-}" ]; then
  HPCQ_VENV=$(python -c 'import sys; print(sys.prefix)')
fi
export HPCQ_VENV
PY="$HPCQ_VENV/bin/python"
[ -x "$PY" ] || fail "no python in HPCQ_VENV=$HPCQ_VENV"
[ -x "$HPCQ_VENV/bin/hpcq" ] || fail "no hpcq command in HPCQ_VENV=$HPCQ_VENV"
sinfo -h >/dev/null 2>&1 || fail "no Slurm controller answers (is SLURM_CONF set?)"

# One kernel cache for the whole run: the first job's `hpcq warmup` fills it.
export NUMBA_CACHE_DIR="$WORK/numba-cache"
# The templates' defaults: the example circuits, read from the submission directory.
mapfile -t EXAMPLES < <(find "$ROOT/examples" -maxdepth 1 -name '*.qasm' | sort)
[ "${#EXAMPLES[@]}" -gt 0 ] || fail "no examples/*.qasm"

# submit NAME [sbatch options...]: run slurm/NAME.sbatch to completion; sets JOB_ID and
# JOB_RC. The job's log goes to $WORK/NAME-<id>.out (array tasks: NAME-<id>_<task>.out).
submit() {
  local name=$1 out
  shift
  local pattern="$WORK/$name-%j.out"
  [ "$name" = array ] && pattern="$WORK/$name-%A_%a.out"
  set +e
  out=$(cd "$ROOT" && timeout "$JOB_TIMEOUT" sbatch --wait --parsable --output="$pattern" \
    "$@" "slurm/$name.sbatch")
  JOB_RC=$?
  set -e
  JOB_ID=${out%%;*}
  JOB_ID=${JOB_ID%%$'\n'*}
  if [ "$JOB_RC" = 124 ]; then
    [ -n "$JOB_ID" ] && scancel "$JOB_ID" 2>/dev/null
    fail "$name: job $JOB_ID did not finish within ${JOB_TIMEOUT}s"
  fi
  [[ $JOB_ID =~ ^[0-9]+$ ]] || fail "$name: sbatch refused the job: $out"
}

show_log() {
  printf -- '----- %s -----\n' "$1"
  cat "$1" || true
  printf -- '----- end -----\n'
}

# check_log FILE RANKS: the job printed the world size it asked for and finished.
check_log() {
  local file=$1 ranks=$2 world
  [ -s "$file" ] || fail "no job output $file"
  world=$(sed -n 's/^hpcq-job: MPI world size \([0-9]*\) (requested \([0-9]*\))$/\1 \2/p' \
    "$file" | tail -n 1)
  [ "$world" = "$ranks $ranks" ] || {
    show_log "$file"
    fail "$(basename "$file"): expected one MPI world of $ranks ranks, the job printed" \
      "'${world:-nothing}' (world requested)"
  }
  grep -q '^hpcq-job: done$' "$file" || {
    show_log "$file"
    fail "$(basename "$file"): the job did not reach its end"
  }
}

verify() {
  local out_dir=$1
  shift
  "$PY" "$HERE/verify_outputs.py" "$out_dir" "$@" || fail "outputs in $out_dir do not verify"
}

check_report() {
  "$PY" - "$1" <<'EOF' || fail "report $1 is missing or not JSON"
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    json.load(f)
EOF
}

run_single_node() {
  log "single-node: sbatch --wait slurm/single-node.sbatch (4 ranks)"
  export HPCQ_OUTPUT_DIR="$WORK/single-node-out"
  submit single-node
  log "single-node: job $JOB_ID exited $JOB_RC"
  local file="$WORK/single-node-$JOB_ID.out"
  [ "$JOB_RC" = 0 ] || { show_log "$file"; fail "single-node: job exit code $JOB_RC"; }
  check_log "$file" 4
  verify "$HPCQ_OUTPUT_DIR" "${EXAMPLES[@]}"
  check_report "$HPCQ_OUTPUT_DIR/report.json"
  unset HPCQ_OUTPUT_DIR
}

run_resume() {
  local out_dir="$WORK/single-node-out"
  [ -d "$out_dir" ] || run_single_node
  log "resume: resubmitting slurm/single-node.sbatch on the finished $out_dir"
  local before after
  before=$(cd "$out_dir" && shopt -s nullglob && stat -c '%n %i %Y' -- *.qasm *.ll | sort) || true
  [ -n "$before" ] || fail "resume: no outputs in $out_dir to resume from"
  export HPCQ_OUTPUT_DIR="$out_dir"
  submit single-node
  log "resume: job $JOB_ID exited $JOB_RC"
  local file="$WORK/single-node-$JOB_ID.out"
  [ "$JOB_RC" = 0 ] || { show_log "$file"; fail "resume: job exit code $JOB_RC"; }
  check_log "$file" 4
  after=$(cd "$out_dir" && shopt -s nullglob && stat -c '%n %i %Y' -- *.qasm *.ll | sort) || true
  [ "$before" = "$after" ] || fail "resume: finished outputs were rewritten:" \
    "$(diff <(echo "$before") <(echo "$after") || true)"
  verify "$out_dir" "${EXAMPLES[@]}"
  unset HPCQ_OUTPUT_DIR
}

run_multi_node() {
  # The test cluster has one node: 1 node x 4 ranks; the template says 2 x 4.
  log "multi-node: sbatch --wait --nodes=1 --ntasks-per-node=4 slurm/multi-node.sbatch"
  export HPCQ_OUTPUT_DIR="$WORK/multi-node-out"
  submit multi-node --nodes=1 --ntasks-per-node=4
  log "multi-node: job $JOB_ID exited $JOB_RC"
  local file="$WORK/multi-node-$JOB_ID.out"
  [ "$JOB_RC" = 0 ] || { show_log "$file"; fail "multi-node: job exit code $JOB_RC"; }
  check_log "$file" 4
  verify "$HPCQ_OUTPUT_DIR" "${EXAMPLES[@]}"
  check_report "$HPCQ_OUTPUT_DIR/report.json"
  unset HPCQ_OUTPUT_DIR
}

run_array() {
  log "array: sbatch --wait slurm/array.sbatch (tasks 0-3, 2 ranks each)"
  export HPCQ_OUTPUT_DIR="$WORK/array-out"
  submit array
  log "array: job $JOB_ID exited $JOB_RC (the highest exit code of its tasks)"
  local task file
  for task in 0 1 2 3; do
    file="$WORK/array-${JOB_ID}_$task.out"
    [ "$JOB_RC" = 0 ] || { show_log "$file"; }
    check_log "$file" 2
    grep -q "^hpcq-job: array task $task of 4 " "$file" || {
      show_log "$file"
      fail "array: task $task did not report its share"
    }
    check_report "$HPCQ_OUTPUT_DIR/report-$task.json"
  done
  [ "$JOB_RC" = 0 ] || fail "array: job exit code $JOB_RC"
  # The shares are disjoint and cover every input: all of them compiled, once.
  verify "$HPCQ_OUTPUT_DIR" "${EXAMPLES[@]}"
  local shares
  shares=$(sed -n 's/^hpcq-job: array task [0-9]* of 4 .*: \([0-9]*\) of \([0-9]*\) circuit.*/\1/p' \
    "$WORK"/array-"$JOB_ID"_*.out | awk '{ n += $1 } END { print n + 0 }')
  [ "$shares" = "${#EXAMPLES[@]}" ] || fail "array: shares add up to $shares, not ${#EXAMPLES[@]}"
  unset HPCQ_OUTPUT_DIR
}

run_serve() {
  log "serve: sbatch slurm/serve.sbatch (detached runtime, 4 ranks)"
  export HPCQ_OUTPUT_DIR="$WORK/serve-out"
  export HPCQ_SERVE_HOST=127.0.0.1
  local out job file conn
  out=$(cd "$ROOT" && sbatch --parsable --output="$WORK/serve-%j.out" slurm/serve.sbatch)
  job=${out%%;*}
  [[ $job =~ ^[0-9]+$ ]] || fail "serve: sbatch refused the job: $out"
  file="$WORK/serve-$job.out"
  conn="$HPCQ_OUTPUT_DIR/runtime-$job.env"
  # The job writes the connection file once the server listens.
  local waited=0
  while [ ! -s "$conn" ]; do
    if [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; then
      show_log "$file"
      fail "serve: job $job ended before the runtime listened"
    fi
    if [ "$waited" -ge "$JOB_TIMEOUT" ]; then
      scancel "$job"
      show_log "$file"
      fail "serve: no connection file $conn after ${JOB_TIMEOUT}s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "serve: job $job listening: $(tr '\n' ' ' <"$conn")"
  grep -q '^hpcq-job: MPI world size 4 (requested 4)$' "$file" || {
    scancel "$job"
    show_log "$file"
    fail "serve: the job did not report one MPI world of 4 ranks"
  }
  grep -q "^hpcq-job: clients connect with HPCQ_ADDRESS=" "$file" || {
    scancel "$job"
    show_log "$file"
    fail "serve: the job did not print the address for clients"
  }
  set +e
  (
    # shellcheck disable=SC1090
    source "$conn"
    timeout 120 "$PY" "$HERE/serve_client.py" "$HPCQ_ADDRESS" "$HPCQ_TOKEN_FILE"
  )
  local client_rc=$?
  set -e
  scancel "$job"
  waited=0
  while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ] && [ "$waited" -lt 60 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] || fail "serve: job $job still queued 60 s after scancel"
  log "serve: job $job cancelled and gone"
  [ "$client_rc" = 0 ] || { show_log "$file"; fail "serve: the client failed ($client_rc)"; }
  unset HPCQ_OUTPUT_DIR HPCQ_SERVE_HOST
}

steps=("$@")
[ "${#steps[@]}" -gt 0 ] || steps=(single-node resume multi-node array serve)
log "work directory $WORK; hpcq from $HPCQ_VENV; Slurm: $(sinfo -h -o '%P %D %c %t' | head -n 1)"
for step in "${steps[@]}"; do
  case $step in
    single-node) run_single_node ;;
    resume) run_resume ;;
    multi-node) run_multi_node ;;
    array) run_array ;;
    serve) run_serve ;;
    *) fail "unknown step '$step' (single-node, resume, multi-node, array, serve)" ;;
  esac
  log "$step: OK"
done
log "all templates passed: ${steps[*]}"
