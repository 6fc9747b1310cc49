#!/usr/bin/env bash
# Install, configure and start a local LAVA 2023.01 server (Debian bookworm packages) for the
# cbuild-bot "real LAVA" tests:
#
#   http://127.0.0.1:8000/            gunicorn (XML-RPC at /RPC2), PostgreSQL, lava-publisher,
#                                     lava-scheduler, lava-worker "build-worker"
#   device build-host-01  (type ssh)              ssh root@127.0.0.1:2222, a private sshd
#   device build-host-down (type ssh-unreachable) ssh root@127.0.0.1:2223, nothing listens
#                                                 there: its jobs end Incomplete
#
# Idempotent: re-running reports "already ..." and leaves one working server.  Needs root.
# Progress goes to stderr; the last lines on stdout are KEY=VALUE pairs (also written to
# $LAVA_STATE_DIR/lava.env), so `eval "$(scripts/lava-up.sh)"` works.
# Environment: see scripts/lava-lib.sh (LAVA_STATE_DIR, LAVA_PORT, LAVA_SSH_PORT, ...).
# Stop everything again with scripts/lava-down.sh.
set -Eeuo pipefail

LAVA_PROG=lava-up
# shellcheck source=scripts/lava-lib.sh
. "$(dirname "$(readlink -f "$0")")/lava-lib.sh"
# stdout is reserved for the KEY=VALUE block: keep it as fd 8 and send everything else,
# including chatter from the tools this script runs (pg_ctlcluster's "Removed stale pid
# file."), to stderr
exec 8>&1 1>&2
trap on_error ERR

T0=$(date +%s)
PACKAGES=(lava-server lava-dispatcher lavacli openssh-server openssh-client postgresql
          brz git dejagnu gcc make libc6-dev curl ca-certificates)

# ---------------------------------------------------------------------------------------------
step "check environment"
[ "$(id -u)" = 0 ] || die "must run as root (apt-get, PostgreSQL, sshd on loopback, lava-worker)"
umask 022
mkdir -p "$LAVA_STATE_DIR" "$LOG_DIR" "$RUN_DIR" "$LAVA_STATE_DIR/branches"
install -d -m 0700 "$SSH_DIR"
say "  state directory $LAVA_STATE_DIR"
# ports taken by processes this state directory does not know about: fail before touching
# the (machine-wide) LAVA configuration
for svc in "sshd:$LAVA_SSH_PORT:LAVA_SSH_PORT" "gunicorn:$LAVA_PORT:LAVA_PORT"; do
  IFS=: read -r name port var <<<"$svc"
  if port_open "$port" && ! pid_alive "$name"; then
    die "127.0.0.1:$port is taken by a process that $LAVA_STATE_DIR/run does not know (another LAVA set-up or service; stop it or set $var)"
  fi
done
if port_open "$LAVA_DOWN_PORT"; then
  die "something listens on 127.0.0.1:$LAVA_DOWN_PORT, which must stay closed for $LAVA_DOWN_DEVICE (set LAVA_DOWN_PORT)"
fi

# ---------------------------------------------------------------------------------------------
step "install packages" "$LOG_DIR/install.log"
missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  say "  already installed"
else
  say "  installing: ${missing[*]} (log: $LOG_DIR/install.log)"
  {
    apt-get -o DPkg::Lock::Timeout=600 update
    # --no-install-recommends: the recommends of lava-dispatcher pull ~300 more packages
    # (qemu, nfs-kernel-server, tftpd-hpa, ser2net, lxc, ...) none of which an ssh device needs
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
  } >>"$LOG_DIR/install.log" 2>&1
  done_step
fi
LAVA_VERSION_PKG=$(dpkg-query -W -f='${Version}' lava-server)
say "  lava-server $LAVA_VERSION_PKG"

# ---------------------------------------------------------------------------------------------
step "start PostgreSQL"
PG_VERSION=$(pg_lsclusters --no-header 2>/dev/null | awk '$2 == "main" {print $1; exit}')
if [ -z "$PG_VERSION" ]; then
  PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n 1)
  say "  creating cluster $PG_VERSION/main"
  pg_createcluster "$PG_VERSION" main >>"$LOG_DIR/postgresql.log" 2>&1
fi
CURRENT_LOG="/var/log/postgresql/postgresql-$PG_VERSION-main.log"
if pg_lsclusters --no-header | awk -v v="$PG_VERSION" '$1 == v && $2 == "main"' | grep -q online; then
  say "  already running (cluster $PG_VERSION/main)"
else
  pg_ctlcluster "$PG_VERSION" main start 8>&-
  echo "$PG_VERSION" >"$RUN_DIR/postgresql.started"
  done_step "cluster $PG_VERSION/main"
fi

# ---------------------------------------------------------------------------------------------
step "create the LAVA database (dpkg-reconfigure lava-server)" "$LOG_DIR/dpkg-reconfigure.log"
db_exists() {
  [ "$(runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname='lavaserver'" 2>/dev/null)" = 1 ]
}
if db_exists && [ -f /etc/lava-server/settings.d/00-database.yaml ]; then
  say "  already configured"
else
  # Without systemd PostgreSQL was not running when lava-server was installed, so its
  # postinst skipped creating the database; dpkg-reconfigure does it and runs the migrations.
  dpkg-reconfigure -f noninteractive lava-server >>"$LOG_DIR/dpkg-reconfigure.log" 2>&1
  db_exists || die "database lavaserver still missing after dpkg-reconfigure"
  # job logs left by an earlier database would be appended to by the new jobs 1, 2, ...
  JOB_OUTPUT=/var/lib/lava-server/default/media/job-output
  if [ -d "$JOB_OUTPUT" ] && [ -n "$(ls -A "$JOB_OUTPUT")" ]; then
    old_output="$LAVA_STATE_DIR/job-output.old.$(date +%Y%m%d%H%M%S)"
    mkdir -p "$old_output"
    mv "$JOB_OUTPUT"/* "$old_output"/
    say "  moved job logs of an earlier database to $old_output"
  fi
  done_step
fi

# ---------------------------------------------------------------------------------------------
step "write LAVA settings, device types and device dictionaries"
write_if_changed() {  # write_if_changed FILE MODE <content on stdin>
  local f=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$f" ] && cmp -s "$tmp" "$f"; then
    rm -f "$tmp"
    say "  unchanged $f"
  else
    install -D -m "$mode" "$tmp" "$f"
    rm -f "$tmp"
    say "  wrote $f"
  fi
}
# events: the scheduler reacts to submissions at once instead of polling every 20 s
write_if_changed /etc/lava-server/settings.d/50-cbuild-bot.yaml 0644 <<'EOF'
# written by cbuild-bot scripts/lava-up.sh
EVENT_NOTIFICATION: true
EVENT_SOCKET: "tcp://127.0.0.1:5500"
EOF
# a second device type for the unreachable device, so that jobs for "ssh" never land on it
write_if_changed "$DEVICE_TYPE_DIR/$LAVA_DOWN_DEVICE_TYPE.jinja2" 0644 <<'EOF'
{# written by cbuild-bot scripts/lava-up.sh: an ssh device whose host is unreachable #}
{% extends 'ssh.jinja2' %}
EOF
for dev in "$LAVA_DEVICE:$LAVA_SSH_PORT" "$LAVA_DOWN_DEVICE:$LAVA_DOWN_PORT"; do
  write_if_changed "$DEVICE_DICT_DIR/${dev%%:*}.jinja2" 0644 <<EOF
{# written by cbuild-bot scripts/lava-up.sh #}
{% extends 'ssh.jinja2' %}
{% set ssh_host = '127.0.0.1' %}
{% set ssh_port = '${dev##*:}' %}
{% set ssh_user = 'root' %}
{% set ssh_identity_file = '$SSH_DIR/id_ed25519' %}
{% block schroot %}{% endblock schroot %}
EOF
done
chown -R lavaserver:lavaserver "$DEVICE_DICT_DIR" "$DEVICE_TYPE_DIR" 2>/dev/null || true

# ---------------------------------------------------------------------------------------------
step "start sshd on 127.0.0.1:$LAVA_SSH_PORT (device $LAVA_DEVICE)" "$LOG_DIR/sshd.log"
[ -f "$SSH_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C cbuild-bot-lava -f "$SSH_DIR/id_ed25519"
[ -f "$SSH_DIR/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C cbuild-bot-lava-host -f "$SSH_DIR/ssh_host_ed25519_key"
install -m 0600 "$SSH_DIR/id_ed25519.pub" "$SSH_DIR/authorized_keys"
cat >"$SSH_DIR/sshd_config" <<EOF
# written by cbuild-bot scripts/lava-up.sh: loopback sshd for the LAVA ssh device
Port $LAVA_SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
ssh_ok() {
  ssh -i "$SSH_DIR/id_ed25519" -p "$LAVA_SSH_PORT" -o BatchMode=yes -o ConnectTimeout=5 \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    root@127.0.0.1 true </dev/null
}
if pid_alive sshd && ssh_ok; then
  say "  already running (pid $(cat "$RUN_DIR/sshd.pid"))"
else
  if port_open "$LAVA_SSH_PORT"; then
    die "127.0.0.1:$LAVA_SSH_PORT is taken by a process this script did not start (set LAVA_SSH_PORT)"
  fi
  mkdir -p /run/sshd && chmod 0755 /run/sshd
  /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config"
  start_bg sshd "$LOG_DIR/sshd.log" /usr/sbin/sshd -D -f "$SSH_DIR/sshd_config" -E "$LOG_DIR/sshd.log"
  wait_for 30 "ssh root@127.0.0.1:$LAVA_SSH_PORT" ssh_ok
  done_step "pid $(cat "$RUN_DIR/sshd.pid")"
fi

# ---------------------------------------------------------------------------------------------
step "start lava-publisher (events on 127.0.0.1:5500)" "$LOG_DIR/lava-publisher.log"
if pid_alive publisher; then
  say "  already running (pid $(cat "$RUN_DIR/publisher.pid"))"
else
  touch "$LOG_DIR/lava-publisher.log"
  (cd / && start_bg publisher "$LOG_DIR/lava-publisher.out" \
     lava-server manage lava-publisher --level INFO --log-file "$LOG_DIR/lava-publisher.log" \
     --host 127.0.0.1 --port "${LAVA_PUBLISHER_PORT:-8001}")
  sleep 1
  pid_alive publisher || die "lava-publisher exited at once"
  done_step "pid $(cat "$RUN_DIR/publisher.pid")"
fi

# ---------------------------------------------------------------------------------------------
step "start gunicorn on 127.0.0.1:$LAVA_PORT" "$LOG_DIR/gunicorn.log"
version_ok() { [ "$(rpc_anon 's.system.version()' 2>/dev/null)" = "2023.01" ]; }
if pid_alive gunicorn && version_ok; then
  say "  already running (pid $(cat "$RUN_DIR/gunicorn.pid"))"
else
  if port_open "$LAVA_PORT"; then
    die "127.0.0.1:$LAVA_PORT is taken by a process this script did not start (set LAVA_PORT)"
  fi
  touch "$LOG_DIR/gunicorn.log"
  # lava-server 2023.01 makes the jobs' notify callbacks from here (inside the request in which the
  # worker reports a job done): a bot on loopback must be reached directly, never through a proxy
  # the environment may name
  (cd / && start_bg gunicorn "$LOG_DIR/gunicorn.out" \
     env NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}" \
     gunicorn3 lava_server.wsgi --log-level INFO --log-file "$LOG_DIR/gunicorn.log" \
     -u lavaserver -g lavaserver --worker-class eventlet --workers "$LAVA_GUNICORN_WORKERS" \
     --timeout 120 --bind "127.0.0.1:$LAVA_PORT")
  wait_for "$LAVA_WAIT_SECONDS" "XML-RPC system.version() = 2023.01 at $LAVA_RPC_URL" version_ok
  done_step "pid $(cat "$RUN_DIR/gunicorn.pid")"
fi

# ---------------------------------------------------------------------------------------------
step "admin user $LAVA_USER and API token" "$LOG_DIR/manage.log"
if manage users list --csv 2>>"$LOG_DIR/manage.log" | cut -d, -f1 | grep -qx "$LAVA_USER"; then
  say "  user $LAVA_USER already exists"
else
  manage users add --superuser --staff --passwd "$LAVA_PASSWORD" "$LAVA_USER" >>"$LOG_DIR/manage.log" 2>&1
  say "  created user $LAVA_USER"
fi
if ! [ -s "$LAVA_TOKEN_FILE" ]; then
  # LAVA tokens are 128 characters of [0-9a-z]; generate one and import it, so that the
  # token file is the only place that needs to know it
  (umask 077 && /usr/bin/python3 -c '
import secrets, string
print("".join(secrets.choice(string.digits + string.ascii_lowercase) for _ in range(128)))
' >"$LAVA_TOKEN_FILE")
fi
chmod 0600 "$LAVA_TOKEN_FILE"
if manage tokens list --user "$LAVA_USER" --csv 2>>"$LOG_DIR/manage.log" | cut -d, -f2 | grep -qx "$(cat "$LAVA_TOKEN_FILE")"; then
  say "  token already registered"
else
  manage tokens add --user "$LAVA_USER" --description cbuild-bot --secret "$(cat "$LAVA_TOKEN_FILE")" >>"$LOG_DIR/manage.log" 2>&1
  say "  token registered"
fi
[ "$(rpc 's.system.whoami()')" = "$LAVA_USER" ] || die "XML-RPC system.whoami() with the token is not $LAVA_USER"

# ---------------------------------------------------------------------------------------------
step "worker $LAVA_WORKER, device types and devices" "$LOG_DIR/manage.log"
if manage workers list --csv 2>>"$LOG_DIR/manage.log" | cut -d, -f1 | grep -qx "$LAVA_WORKER"; then
  say "  worker $LAVA_WORKER already exists"
else
  manage workers add --health ACTIVE --description "cbuild-bot local worker" "$LAVA_WORKER" >>"$LOG_DIR/manage.log" 2>&1
  say "  created worker $LAVA_WORKER"
fi
(umask 077 && manage shell -c "
from lava_scheduler_app.models import Worker
w = Worker.objects.get(hostname='$LAVA_WORKER')
if w.health != Worker.HEALTH_ACTIVE:
    w.health = Worker.HEALTH_ACTIVE
    w.save()
print(w.token)
" >"$LAVA_WORKER_TOKEN_FILE.new" 2>>"$LOG_DIR/manage.log")
mv "$LAVA_WORKER_TOKEN_FILE.new" "$LAVA_WORKER_TOKEN_FILE"
[ -s "$LAVA_WORKER_TOKEN_FILE" ] || die "could not read the token of worker $LAVA_WORKER"
existing_types=$(manage device-types list --csv 2>>"$LOG_DIR/manage.log" | cut -d, -f1)
for dt in "$LAVA_DEVICE_TYPE" "$LAVA_DOWN_DEVICE_TYPE"; do
  if grep -qx "$dt" <<<"$existing_types"; then
    say "  device type $dt already exists"
  else
    manage device-types add "$dt" >>"$LOG_DIR/manage.log" 2>&1
    say "  created device type $dt"
  fi
done
existing_devices=$(manage devices list --all --csv 2>>"$LOG_DIR/manage.log" | cut -d, -f1)
for dev in "$LAVA_DEVICE:$LAVA_DEVICE_TYPE" "$LAVA_DOWN_DEVICE:$LAVA_DOWN_DEVICE_TYPE"; do
  name=${dev%%:*} dt=${dev##*:}
  if grep -qx "$name" <<<"$existing_devices"; then
    say "  device $name already exists"
  else
    manage devices add --device-type "$dt" --worker "$LAVA_WORKER" \
      --description "cbuild-bot loopback ssh device" "$name" >>"$LOG_DIR/manage.log" 2>&1
    say "  created device $name ($dt)"
  fi
done
# Good health on every run: a device whose job failed on an infrastructure error (the
# unreachable one, by design) can be left Bad/Unknown, and then nothing would be scheduled.
manage shell -c "
from lava_scheduler_app.models import Device
for d in Device.objects.filter(hostname__in=['$LAVA_DEVICE', '$LAVA_DOWN_DEVICE']):
    if d.health != Device.HEALTH_GOOD:
        print('  device %s: health %s -> Good' % (d.hostname, d.get_health_display()))
        d.health = Device.HEALTH_GOOD
        d.save()
" 2>>"$LOG_DIR/manage.log" | sed "s/^/$LAVA_PROG: /" >&2

# ---------------------------------------------------------------------------------------------
step "start lava-scheduler" "$LOG_DIR/lava-scheduler.log"
if pid_alive scheduler; then
  say "  already running (pid $(cat "$RUN_DIR/scheduler.pid"))"
else
  touch "$LOG_DIR/lava-scheduler.log"
  chown lavaserver:lavaserver "$LOG_DIR/lava-scheduler.log"
  # the scheduler drops its privileges to lavaserver by itself
  (cd / && start_bg scheduler "$LOG_DIR/lava-scheduler.out" \
     lava-server manage lava-scheduler --level INFO --log-file "$LOG_DIR/lava-scheduler.log" \
     --event-url tcp://127.0.0.1:5500)
  sleep 2
  pid_alive scheduler || die "lava-scheduler exited at once"
  done_step "pid $(cat "$RUN_DIR/scheduler.pid")"
fi

# ---------------------------------------------------------------------------------------------
step "start lava-worker $LAVA_WORKER" "$LOG_DIR/lava-worker.log"
worker_online() { [ "$(rpc "s.scheduler.workers.show('$LAVA_WORKER')['state']")" = Online ]; }
if pid_alive worker; then
  say "  already running (pid $(cat "$RUN_DIR/worker.pid"))"
else
  touch "$LOG_DIR/lava-worker.log"
  (cd / && start_bg worker "$LOG_DIR/lava-worker.out" \
     lava-worker --level DEBUG --url "$LAVA_URL" --token-file "$LAVA_WORKER_TOKEN_FILE" \
     --name "$LAVA_WORKER" --ping-interval "${LAVA_WORKER_PING:-5}" --job-log-interval 2 \
     --log-file "$LOG_DIR/lava-worker.log")
  done_step "pid $(cat "$RUN_DIR/worker.pid")"
fi
step "wait for worker Online and $LAVA_DEVICE Idle/Good" "$LOG_DIR/lava-worker.log"
wait_for "$LAVA_WAIT_SECONDS" "worker $LAVA_WORKER to be Online" worker_online
device_ready() {
  [ "$(rpc "any(d['hostname'] == '$1' and d['health'] == 'Good' and d['state'] == 'Idle' for d in s.scheduler.devices.list())")" = True ]
}
wait_for "$LAVA_WAIT_SECONDS" "device $LAVA_DEVICE to be Idle/Good" device_ready "$LAVA_DEVICE"
wait_for "$LAVA_WAIT_SECONDS" "device $LAVA_DOWN_DEVICE to be Idle/Good" device_ready "$LAVA_DOWN_DEVICE"
say "  $(rpc 's.scheduler.devices.list()')"

# ---------------------------------------------------------------------------------------------
step "done in $(( $(date +%s) - T0 ))s"
{
  echo "LAVA_URL=$LAVA_URL"
  echo "LAVA_RPC_URL=$LAVA_RPC_URL"
  echo "LAVA_VERSION=$(rpc_anon 's.system.version()')"
  echo "LAVA_USER=$LAVA_USER"
  echo "LAVA_TOKEN_FILE=$LAVA_TOKEN_FILE"
  echo "LAVA_WORKER=$LAVA_WORKER"
  echo "LAVA_DEVICE=$LAVA_DEVICE"
  echo "LAVA_DEVICE_TYPE=$LAVA_DEVICE_TYPE"
  echo "LAVA_DOWN_DEVICE=$LAVA_DOWN_DEVICE"
  echo "LAVA_DOWN_DEVICE_TYPE=$LAVA_DOWN_DEVICE_TYPE"
  echo "LAVA_STATE_DIR=$LAVA_STATE_DIR"
  echo "LAVA_BRANCHES_DIR=$LAVA_STATE_DIR/branches"
} >"$LAVA_ENV_FILE"
cat "$LAVA_ENV_FILE" >&8
