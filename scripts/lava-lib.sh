# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the scripts that source this file
# Shared settings and helpers for scripts/lava-up.sh and scripts/lava-down.sh.
#
# A local LAVA 2023.01 (Debian bookworm packages) on http://127.0.0.1:$LAVA_PORT/ with
# PostgreSQL, gunicorn, lava-scheduler, lava-worker and a loopback sshd acting as the build
# device.  Everything the scripts start is recorded as a pid file under $LAVA_STATE_DIR/run.
#
# Environment (all optional):
#   LAVA_STATE_DIR      state directory (default /var/lib/cbuild-bot-lava)
#   LAVA_PORT           gunicorn port on 127.0.0.1 (default 8000)
#   LAVA_SSH_PORT       sshd port of device build-host-01 (default 2222)
#   LAVA_DOWN_PORT      port of device build-host-down, nothing listens there (default 2223)
#   LAVA_USER           admin user name (default admin)
#   LAVA_PASSWORD       admin web password (default admin)
#   LAVA_WORKER         worker name (default build-worker)
#   LAVA_GUNICORN_WORKERS  gunicorn worker processes (default 2)
#   LAVA_WAIT_SECONDS   how long to wait for each service to become ready (default 120)

# Debian's python3 (Django, LAVA modules) must win over pyenv & co.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV PYENV_VERSION

LAVA_STATE_DIR=${LAVA_STATE_DIR:-/var/lib/cbuild-bot-lava}
LAVA_PORT=${LAVA_PORT:-8000}
LAVA_SSH_PORT=${LAVA_SSH_PORT:-2222}
LAVA_DOWN_PORT=${LAVA_DOWN_PORT:-2223}
LAVA_USER=${LAVA_USER:-admin}
LAVA_PASSWORD=${LAVA_PASSWORD:-admin}
LAVA_WORKER=${LAVA_WORKER:-build-worker}
LAVA_GUNICORN_WORKERS=${LAVA_GUNICORN_WORKERS:-2}
LAVA_WAIT_SECONDS=${LAVA_WAIT_SECONDS:-120}

LAVA_URL="http://127.0.0.1:${LAVA_PORT}/"
LAVA_RPC_URL="http://127.0.0.1:${LAVA_PORT}/RPC2"
LAVA_DEVICE=build-host-01
LAVA_DEVICE_TYPE=ssh
LAVA_DOWN_DEVICE=build-host-down
LAVA_DOWN_DEVICE_TYPE=ssh-unreachable

LOG_DIR="$LAVA_STATE_DIR/logs"
RUN_DIR="$LAVA_STATE_DIR/run"
SSH_DIR="$LAVA_STATE_DIR/ssh"
LAVA_TOKEN_FILE="$LAVA_STATE_DIR/admin.token"
LAVA_WORKER_TOKEN_FILE="$LAVA_STATE_DIR/worker.token"
LAVA_ENV_FILE="$LAVA_STATE_DIR/lava.env"
DEVICE_DICT_DIR=/etc/lava-server/dispatcher-config/devices
DEVICE_TYPE_DIR=/etc/lava-server/dispatcher-config/device-types

LAVA_PROG=${LAVA_PROG:-lava}
# fd 9 = the script's original stderr, for failure reports (the ERR trap can fire inside a
# function whose output is redirected to a log file)
exec 9>&2
CURRENT_STEP=""
CURRENT_LOG=""

# progress messages go to stderr (stdout of lava-up.sh is reserved for KEY=VALUE lines)
say() { printf '%s: %s\n' "$LAVA_PROG" "$*" >&2; }

# step NAME [LOGFILE]: announce a step; on failure the ERR trap names it and shows LOGFILE's tail.
step() {
  CURRENT_STEP=$1
  CURRENT_LOG=${2:-}
  STEP_START=$(date +%s)
  say "$CURRENT_STEP"
}

# done_step [detail]: optional closing line with the step's duration.
done_step() {
  local t=$(( $(date +%s) - STEP_START ))
  say "  ok (${t}s)${1:+: $1}"
}

on_error() {
  local rc=$?
  trap - ERR
  # in a subshell: leave the report to the parent shell
  [ "${BASH_SUBSHELL:-0}" -eq 0 ] || exit "$rc"
  printf '%s: FAILED at step "%s" (exit %s, line %s)\n' "$LAVA_PROG" "$CURRENT_STEP" "$rc" "${BASH_LINENO[0]}" >&9
  if [ -n "$CURRENT_LOG" ] && [ -f "$CURRENT_LOG" ]; then
    printf '%s: last lines of %s:\n' "$LAVA_PROG" "$CURRENT_LOG" >&9
    tail -n 30 "$CURRENT_LOG" | sed 's/^/    /' >&9
  fi
  exit "$rc"
}

die() {
  printf '%s: FAILED at step "%s": %s\n' "$LAVA_PROG" "$CURRENT_STEP" "$*" >&9
  if [ -n "$CURRENT_LOG" ] && [ -f "$CURRENT_LOG" ]; then
    printf '%s: last lines of %s:\n' "$LAVA_PROG" "$CURRENT_LOG" >&9
    tail -n 30 "$CURRENT_LOG" | sed 's/^/    /' >&9
  fi
  exit 1
}

# running PID: the process exists and is not a zombie (PID 1 of a container may be slow to reap)
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# ours NAME PID: PID runs the program NAME stands for (guards against a pid file left over
# from an earlier boot whose pid now belongs to some other process)
ours() {
  local word
  case $1 in
    sshd) word=sshd ;;
    gunicorn) word=gunicorn ;;
    publisher) word=lava-publisher ;;
    scheduler) word=lava-scheduler ;;
    worker) word=lava-worker ;;
    *) word=$1 ;;
  esac
  running "$2" && tr '\0' ' ' <"/proc/$2/cmdline" 2>/dev/null | grep -q -- "$word"
}

# pid_alive NAME: the process recorded in $RUN_DIR/NAME.pid is running.
pid_alive() {
  local f="$RUN_DIR/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && ours "$1" "$pid"
}

# start_bg NAME LOGFILE CMD...: start CMD detached in its own session (setsid), stdin from
# /dev/null, output appended to LOGFILE, without lava-up's stdout (fd 8: a reader of it must
# see EOF when lava-up ends), pid (= session/process-group id) in $RUN_DIR/NAME.pid.
start_bg() {
  local name=$1 log=$2
  shift 2
  setsid "$@" >>"$log" 2>&1 </dev/null 8>&- &
  echo $! >"$RUN_DIR/$name.pid"
}

# stop_bg NAME: stop the process group recorded in $RUN_DIR/NAME.pid (TERM, then KILL after 15s).
stop_bg() {
  local name=$1 f="$RUN_DIR/$1.pid" pid
  if ! [ -s "$f" ]; then
    say "$name: not running (no pid file)"
    return 0
  fi
  pid=$(cat "$f")
  local t0=$SECONDS
  if ! ours "$name" "$pid"; then
    say "$name: not running (stale pid $pid)"
    rm -f "$f"
    return 0
  fi
  # the process was started with setsid: its pid is also its process-group id
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    running "$pid" || break
    sleep 0.25
  done
  if running "$pid"; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    say "$name: stopped (pid $pid, killed after $((SECONDS - t0))s)"
  else
    # leftovers of the group (e.g. gunicorn workers, dispatcher children)
    kill -KILL -- "-$pid" 2>/dev/null || true
    say "$name: stopped (pid $pid, $((SECONDS - t0))s)"
  fi
  rm -f "$f"
}

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# rpc EXPR: evaluate a Python expression with `s` = authenticated ServerProxy; prints repr.
rpc() {
  local token
  token=$(cat "$LAVA_TOKEN_FILE")
  LAVA_RPC_AUTH_URL="http://${LAVA_USER}:${token}@127.0.0.1:${LAVA_PORT}/RPC2" \
    /usr/bin/python3 -c '
import os, sys, xmlrpc.client
s = xmlrpc.client.ServerProxy(os.environ["LAVA_RPC_AUTH_URL"], allow_none=True)
print(eval(sys.argv[1]))
' "$1"
}

# rpc_anon EXPR: same without credentials.
rpc_anon() {
  /usr/bin/python3 -c '
import sys, xmlrpc.client
s = xmlrpc.client.ServerProxy(sys.argv[2], allow_none=True)
print(eval(sys.argv[1]))
' "$1" "$LAVA_RPC_URL"
}

# wait_for SECONDS DESCRIPTION CMD...: retry CMD every second until it succeeds.
wait_for() {
  local secs=$1 what=$2
  shift 2
  for _ in $(seq 1 "$secs"); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  die "timed out after ${secs}s waiting for $what"
}

manage() {
  lava-server manage "$@"
}
