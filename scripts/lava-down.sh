#!/usr/bin/env bash
# Stop what scripts/lava-up.sh started, by the pid files under $LAVA_STATE_DIR/run:
# lava-worker, lava-scheduler, gunicorn, lava-publisher, the loopback sshd, and PostgreSQL if
# lava-up.sh was the one that started it.  Idempotent: stopping twice reports "not running".
# Packages, the database, tokens, keys and logs are kept, so a later lava-up.sh is quick.
# Jobs still running on the worker are cut off (they stay Running/Canceling in the database
# until the worker comes back and the server ends them); cancel them first if that matters.
set -Eeuo pipefail

LAVA_PROG=lava-down
# shellcheck source=scripts/lava-lib.sh
. "$(dirname "$(readlink -f "$0")")/lava-lib.sh"
trap on_error ERR

step "stop LAVA services"
[ "$(id -u)" = 0 ] || die "must run as root"
if ! [ -d "$RUN_DIR" ]; then
  say "nothing to stop ($RUN_DIR does not exist)"
  exit 0
fi
# the worker first (so that it does not report a lost server), then the server side
for name in worker scheduler gunicorn publisher sshd; do
  stop_bg "$name"
done

step "stop PostgreSQL (only if lava-up.sh started it)"
if [ -s "$RUN_DIR/postgresql.started" ]; then
  v=$(cat "$RUN_DIR/postgresql.started")
  if pg_lsclusters --no-header 2>/dev/null | awk -v v="$v" '$1 == v && $2 == "main"' | grep -q online; then
    pg_ctlcluster "$v" main stop
    say "postgresql $v/main: stopped"
  else
    say "postgresql $v/main: not running"
  fi
  rm -f "$RUN_DIR/postgresql.started"
else
  say "postgresql: not started by lava-up.sh, left alone"
fi
say "done"
