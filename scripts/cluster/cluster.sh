#!/usr/bin/env bash
# A highly available PostgreSQL cluster on 127.0.0.1 for users-service, from Debian's packages:
# one etcd (v3 API), two Patroni-managed PostgreSQL 15 nodes (synchronous mode), HAProxy (a write
# port routed to the leader by Patroni's /primary check, a read port routed to the replicas by
# /replica, falling back to the leader) and PgBouncer 1.18 in transaction mode in front of the
# write port. Everything lives in one temp folder (CLUSTER_DIR) and is stopped by its own PIDs.
#
#   cluster.sh up                 start, wait for a leader and a streaming synchronous replica, print the URLs
#   cluster.sh down               stop everything this folder started (idempotent)
#   cluster.sh status             Patroni's view of the members
#   cluster.sh leader             the leader's name
#   cluster.sh kill-leader        SIGKILL the leader's postmaster (a crash, as in the failover spec)
#   cluster.sh stop-node NAME     stop one node's Patroni (it stops its PostgreSQL); start-node NAME brings it back
#   cluster.sh delay DURATION     recovery_min_apply_delay on the replicas (e.g. 3s; 0 clears it), waits until applied
#   cluster.sh wait-healthy       wait for a leader and a streaming synchronous replica again
#
# CLUSTER_DIR picks the folder (default: a new mktemp folder for `up`, the last one started from
# this checkout for the other commands). Must run as root (daemons run as postgres) or postgres.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LAST_FILE="$ROOT/.cluster/last"
PG_BIN=/usr/lib/postgresql/15/bin
DB_NAME=users_service
NODES=(node1 node2)

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf 'cluster: %s\n' "$*" >&2
  exit 1
}

# --- where, and as whom --------------------------------------------------------------------------

resolve_dir() {
  if [ -n "${CLUSTER_DIR:-}" ]; then
    DIR="$CLUSTER_DIR"
  elif [ -f "$LAST_FILE" ]; then
    DIR="$(cat "$LAST_FILE")"
  else
    DIR=""
  fi
}

# The prefix that runs a command as postgres (PostgreSQL and PgBouncer refuse root). setpriv execs
# in place, as do env and setsid, so `$!` of a backgrounded daemon is the daemon's own PID
# (runuser would fork and hide it).
set_pg_prefix() {
  if [ "$(id -u)" -eq 0 ]; then
    AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$DIR")
  elif [ "$(id -un)" = postgres ]; then
    AS_PG=(env HOME="$DIR")
  else
    die "run as root or as postgres (PostgreSQL and PgBouncer must run as postgres)"
  fi
}

check_packages() {
  local missing=()
  for cmd in etcd patroni patronictl haproxy pgbouncer "$PG_BIN/postgres" psql curl ss setpriv; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (apt-get install -y etcd-server patroni haproxy pgbouncer postgresql-15)"
}

# --- ports ---------------------------------------------------------------------------------------

declare -A TAKEN=()
# Below the kernel's ephemeral range (32768 by default): a port picked there could be taken by any
# outgoing connection before the daemon binds it (once in CI Patroni's REST port, 38396, was: "Address
# already in use"). Any socket on the port counts as taken, not only a listening one.
EPHEMERAL_LOW=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)

# free_port NAME: sets NAME to a free port. Not `NAME=$(free_port)`: in that subshell TAKEN would
# not remember the port, and two daemons could be given the same one.
free_port() {
  local port span=$((EPHEMERAL_LOW - 20000))
  [ "$span" -gt 1000 ] || span=10000
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % span))
    [ -n "${TAKEN[$port]:-}" ] && continue
    if ! ss -Htan "sport = :$port" | grep -q .; then
      TAKEN[$port]=1
      printf -v "$1" '%s' "$port"
      return
    fi
  done
  die "no free port found"
}

# --- configuration files -------------------------------------------------------------------------

write_patroni_config() {
  local name=$1 pg_port=$2 rest_port=$3
  mkdir -p "$DIR/$name"
  cat >"$DIR/$name/patroni.yml" <<YAML
scope: users-service-$SCOPE_ID
name: $name
log:
  level: INFO
  dir: $DIR/$name
restapi:
  listen: 127.0.0.1:$rest_port
  connect_address: 127.0.0.1:$rest_port
etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT_PORT
bootstrap:
  dcs:
    # Patroni's defaults (ttl 30, loop_wait 10, retry_timeout 10) tuned down within its rule
    # loop_wait + 2 * retry_timeout <= ttl: a crashed leader is noticed within ~2 s.
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    # A crashed primary fails over at once instead of being restarted in place (300 s by default),
    # during which Patroni briefly clears synchronous_standby_names.
    primary_start_timeout: 0
    # Commits wait for the synchronous standby, and only that standby may be promoted: a write
    # answered 201 survives the leader's loss. Not strict: with its only replica down the leader
    # keeps taking writes (alone), rather than blocking every write until the replica returns.
    synchronous_mode: true
    synchronous_mode_strict: false
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        # Replicas answer their own reads and report how far they are: keep feedback on.
        hot_standby_feedback: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $DIR/$name/data
  bin_dir: $PG_BIN
  # Its own password file and socket folder: the defaults are shared with the machine's cluster.
  pgpass: $DIR/$name/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
    rewind:
      username: postgres
      password: postgres
  parameters:
    unix_socket_directories: $DIR/$name
tags:
  nofailover: false
  noloadbalance: false
YAML
}

write_haproxy_config() {
  cat >"$DIR/haproxy.cfg" <<CFG
global
  maxconn 2000
  pidfile $DIR/haproxy.pid
  log stdout format raw local0 notice

defaults
  mode tcp
  log global
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 1s

# The leader only: Patroni's REST API answers 200 on /primary on the leader alone. Connections
# to a node that stops being the leader are cut, so nothing keeps writing to a demoted node.
listen write
  bind 127.0.0.1:$WRITE_PORT
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
  server node1 127.0.0.1:$NODE1_PG check port $NODE1_REST
  server node2 127.0.0.1:$NODE2_PG check port $NODE2_REST

# The replicas (/replica), round robin; with none up, the leader through the write port.
listen read
  bind 127.0.0.1:$READ_PORT
  balance roundrobin
  option httpchk GET /replica
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
  server node1 127.0.0.1:$NODE1_PG check port $NODE1_REST
  server node2 127.0.0.1:$NODE2_PG check port $NODE2_REST
  server leader 127.0.0.1:$WRITE_PORT backup
CFG
}

write_pgbouncer_config() {
  mkdir -p "$DIR/pgbouncer"
  # auth_type trust still needs the user listed in the auth file.
  printf '"postgres" ""\n' >"$DIR/pgbouncer/userlist.txt"
  cat >"$DIR/pgbouncer/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$WRITE_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $DIR/pgbouncer
auth_type = trust
auth_file = $DIR/pgbouncer/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
; After a failover the new leader is tried again every second, not every 15 s.
server_login_retry = 1
server_connect_timeout = 3
; A client queued while no leader exists gets an error after 5 s instead of waiting 120 s.
query_wait_timeout = 5
ignore_startup_parameters = extra_float_digits,options,statement_timeout
logfile = $DIR/pgbouncer/pgbouncer.log
pidfile = $DIR/pgbouncer/pgbouncer.pid
INI
}

# --- processes -----------------------------------------------------------------------------------

record_pid() { echo "$1 $2" >>"$DIR/pids"; }

pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$DIR/pids" 2>/dev/null | tail -n 1; }

start_etcd() {
  mkdir -p "$DIR/etcd"
  chown -R postgres:postgres "$DIR/etcd" 2>/dev/null || true
  "${AS_PG[@]}" setsid etcd --name etcd1 --data-dir "$DIR/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "etcd1=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state new >"$DIR/etcd/etcd.log" 2>&1 </dev/null &
  record_pid etcd $!
}

start_patroni() {
  local name=$1
  # Debian's /usr/bin/patroni runs /usr/bin/python3, which has Patroni's modules (a pyenv python may not).
  "${AS_PG[@]}" setsid /usr/bin/patroni "$DIR/$name/patroni.yml" >>"$DIR/$name/patroni.out" 2>&1 </dev/null &
  record_pid "$name" $!
}

start_haproxy() {
  setsid haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 </dev/null &
  record_pid haproxy $!
}

start_pgbouncer() {
  "${AS_PG[@]}" setsid pgbouncer "$DIR/pgbouncer/pgbouncer.ini" >"$DIR/pgbouncer/pgbouncer.out" 2>&1 </dev/null &
  record_pid pgbouncer $!
}

# --- waiting -------------------------------------------------------------------------------------

# The last lines of every daemon's log, on stderr: the spec that called `up` prints them with its
# failure, and by then `down` has removed the folder they were in.
show_logs() {
  local file
  for file in "$DIR"/etcd/etcd.log "$DIR"/node*/patroni.out "$DIR"/node*/patroni.log "$DIR"/haproxy.log "$DIR"/pgbouncer/pgbouncer.log "$DIR"/pgbouncer/pgbouncer.out; do
    [ -s "$file" ] || continue
    printf -- '--- last lines of %s\n' "$file" >&2
    tail -n 25 "$file" >&2
  done
}

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds. With WATCH=NAME set, a daemon of that
# name (record_pid) that has exited ends the wait at once instead of after SECONDS.
wait_for() {
  local what=$1 seconds=$2 started=$SECONDS
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -n "${WATCH:-}" ] && ! pid_alive "$(pid_of "$WATCH")"; then
      show_logs
      die "$WATCH exited while waiting for $what (after $((SECONDS - started))s; its log is above)"
    fi
    sleep 0.25
  done
  show_logs
  die "timed out after ${seconds}s waiting for $what (the logs' last lines are above)"
}

rest_port_of() { [ "$1" = node1 ] && echo "$NODE1_REST" || echo "$NODE2_REST"; }
pg_port_of() { [ "$1" = node1 ] && echo "$NODE1_PG" || echo "$NODE2_PG"; }

http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = 200 ]; }

leader_name() {
  for name in "${NODES[@]}"; do
    if http_ok "http://127.0.0.1:$(rest_port_of "$name")/primary"; then
      echo "$name"
      return 0
    fi
  done
  return 1
}

# Streaming in sync by PostgreSQL's view, and named the synchronous standby in Patroni's (its /sync
# key lags the former): only then may Patroni promote it if the leader dies now.
has_sync_streaming_replica() {
  local leader
  leader=$(leader_name) || return 1
  curl -s --max-time 1 "http://127.0.0.1:$(rest_port_of "$leader")/cluster" | grep -Eq '"role": *"sync_standby"' || return 1
  [ "$(psql -h 127.0.0.1 -p "$(pg_port_of "$leader")" -U postgres -d postgres -qAtc \
    "select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'sync'")" -ge 1 ]
}

psql_ok() { psql -h 127.0.0.1 -p "$1" -U postgres -d "$2" -qAtc 'select 1' >/dev/null; }

wait_healthy() {
  wait_for "a Patroni leader" 60 leader_name
  wait_for "a streaming synchronous replica" 60 has_sync_streaming_replica
  wait_for "the HAProxy write port" 20 psql_ok "$WRITE_PORT" postgres
  wait_for "the HAProxy read port" 20 psql_ok "$READ_PORT" postgres
}

# --- commands ------------------------------------------------------------------------------------

cmd_up() {
  check_packages
  if [ -n "${CLUSTER_DIR:-}" ]; then
    DIR="$CLUSTER_DIR"
    mkdir -p "$DIR"
    [ ! -e "$DIR/pids" ] || die "$DIR already holds a cluster (cluster.sh down first)"
  else
    DIR="$(mktemp -d "${TMPDIR:-/tmp}/users-service-cluster.XXXXXX")"
  fi
  chmod 755 "$DIR"
  if [ -z "${CLUSTER_DIR:-}" ]; then
    # For the other commands run by hand without CLUSTER_DIR (specs always pass theirs).
    mkdir -p "$(dirname "$LAST_FILE")"
    echo "$DIR" >"$LAST_FILE"
  fi
  log "folder: $DIR"
  set_pg_prefix
  SCOPE_ID="$(basename "$DIR" | tr -c 'a-zA-Z0-9\n' '-')"
  free_port ETCD_CLIENT_PORT
  free_port ETCD_PEER_PORT
  free_port NODE1_PG
  free_port NODE1_REST
  free_port NODE2_PG
  free_port NODE2_REST
  free_port WRITE_PORT
  free_port READ_PORT
  free_port PGBOUNCER_PORT
  write_patroni_config node1 "$NODE1_PG" "$NODE1_REST"
  write_patroni_config node2 "$NODE2_PG" "$NODE2_REST"
  write_haproxy_config
  write_pgbouncer_config
  cat >"$DIR/cluster.env" <<ENV
CLUSTER_DIR=$DIR
ETCD_CLIENT_PORT=$ETCD_CLIENT_PORT
NODE1_PG=$NODE1_PG
NODE1_REST=$NODE1_REST
NODE2_PG=$NODE2_PG
NODE2_REST=$NODE2_REST
WRITE_PORT=$WRITE_PORT
READ_PORT=$READ_PORT
PGBOUNCER_PORT=$PGBOUNCER_PORT
DB_NAME=$DB_NAME
ENV
  chown -R postgres:postgres "$DIR"
  : >"$DIR/pids"

  log "etcd on 127.0.0.1:$ETCD_CLIENT_PORT"
  start_etcd
  # 60 s, not 20: once in CI (the fault suite had just finished) etcd's first start took longer than 20 s.
  WATCH=etcd wait_for "etcd" 60 http_ok "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
  log "Patroni node1 (PostgreSQL 127.0.0.1:$NODE1_PG, REST :$NODE1_REST), node2 (127.0.0.1:$NODE2_PG, REST :$NODE2_REST)"
  start_patroni node1
  start_patroni node2
  log "HAProxy write :$WRITE_PORT, read :$READ_PORT; PgBouncer :$PGBOUNCER_PORT (transaction mode)"
  start_haproxy
  start_pgbouncer
  log "waiting for a leader and a streaming synchronous replica"
  wait_healthy
  log "leader: $(leader_name)"
  psql -h 127.0.0.1 -p "$WRITE_PORT" -U postgres -d postgres -qAtc "create database $DB_NAME" >/dev/null
  # 60 s, not 20, and watched: once in CI (after the fault suite) PgBouncer did not answer within
  # 20 s and its log was empty; if it exited, its stderr (pgbouncer.out) is shown at once.
  WATCH=pgbouncer wait_for "PgBouncer" 60 psql_ok "$PGBOUNCER_PORT" "$DB_NAME"
  wait_for "the database on the read port" 20 psql_ok "$READ_PORT" "$DB_NAME"
  cat >>"$DIR/cluster.env" <<ENV
DATABASE_URL=postgresql://postgres@127.0.0.1:$PGBOUNCER_PORT/$DB_NAME
DATABASE_READ_URLS=postgresql://postgres@127.0.0.1:$READ_PORT/$DB_NAME
DATABASE_DIRECT_URL=postgresql://postgres@127.0.0.1:$WRITE_PORT/$DB_NAME
DB_PREPARED_STATEMENTS=0
ENV
  log "ready; PIDs in $DIR/pids; stop with: CLUSTER_DIR=$DIR npm run cluster:down"
  echo "CLUSTER_DIR=$DIR"
  echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$PGBOUNCER_PORT/$DB_NAME"
  echo "DATABASE_READ_URLS=postgresql://postgres@127.0.0.1:$READ_PORT/$DB_NAME"
  echo "# through PgBouncer (transaction mode): also set DB_PREPARED_STATEMENTS=0; migrations over the HAProxy write port:"
  echo "DATABASE_DIRECT_URL=postgresql://postgres@127.0.0.1:$WRITE_PORT/$DB_NAME"
}

load_env() {
  resolve_dir
  [ -n "$DIR" ] && [ -f "$DIR/cluster.env" ] || die "no cluster found (set CLUSTER_DIR, or run cluster.sh up)"
  # shellcheck disable=SC1091
  source "$DIR/cluster.env"
  DIR="$CLUSTER_DIR"
  set_pg_prefix
}

stop_pid() {
  local name=$1 pid=$2 seconds=$3
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((seconds * 10))); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  log "$name ($pid) still running after ${seconds}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

postmaster_pid() { head -n 1 "$DIR/$1/data/postmaster.pid" 2>/dev/null || true; }

cmd_down() {
  resolve_dir
  if [ -z "$DIR" ] || [ ! -f "$DIR/pids" ]; then
    log "nothing to stop"
    return 0
  fi
  log "stopping the cluster in $DIR"
  stop_pid pgbouncer "$(pid_of pgbouncer)" 5
  stop_pid haproxy "$(pid_of haproxy)" 5
  for name in "${NODES[@]}"; do
    # Patroni stops its PostgreSQL on SIGTERM; both nodes at once.
    local pid
    pid=$(pid_of "$name")
    pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "${NODES[@]}"; do
    stop_pid "$name" "$(pid_of "$name")" 20
    # A postmaster whose Patroni was killed keeps running: stop it by its own PID.
    local pm
    pm=$(postmaster_pid "$name")
    if pid_alive "$pm" && grep -q postgres "/proc/$pm/comm" 2>/dev/null; then stop_pid "postgres $name" "$pm" 10; fi
  done
  stop_pid etcd "$(pid_of etcd)" 5
  rm -f "$DIR/pids"
  if [ "${CLUSTER_KEEP:-0}" != 1 ]; then rm -rf "$DIR"; fi
  [ "$(cat "$LAST_FILE" 2>/dev/null)" != "$DIR" ] || rm -f "$LAST_FILE"
  log "stopped"
}

cmd_status() {
  load_env
  /usr/bin/patronictl -c "$DIR/node1/patroni.yml" list 2>/dev/null
}

cmd_kill_leader() {
  load_env
  local leader pm
  leader=$(leader_name) || die "no leader right now"
  pm=$(postmaster_pid "$leader")
  pid_alive "$pm" || die "no postmaster PID for $leader"
  kill -KILL "$pm"
  echo "killed $leader postmaster $pm at $(date +%s%3N)"
}

cmd_stop_node() {
  load_env
  local name=${1:?node name}
  stop_pid "$name" "$(pid_of "$name")" 20
  echo "stopped $name"
}

cmd_start_node() {
  load_env
  local name=${1:?node name}
  pid_alive "$(pid_of "$name")" && die "$name is running"
  start_patroni "$name"
  echo "started $name"
}

cmd_delay() {
  load_env
  local delay=${1:?duration such as 3s or 0}
  /usr/bin/patronictl -c "$DIR/node1/patroni.yml" edit-config --force -q \
    -p "recovery_min_apply_delay=$delay" >/dev/null
  local leader expected
  leader=$(leader_name)
  expected=$(psql -h 127.0.0.1 -p "$WRITE_PORT" -U postgres -d postgres -qAtc \
    "select (extract(epoch from interval '$delay') * 1000)::int")
  for name in "${NODES[@]}"; do
    [ "$name" = "$leader" ] && continue
    # Patroni applies the change on its next loop (a reload: the setting needs no restart).
    wait_for "recovery_min_apply_delay=$delay on $name" 30 setting_is "$(pg_port_of "$name")" "$expected"
  done
  echo "recovery_min_apply_delay=$delay on the replicas"
}

setting_is() {
  [ "$(psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -qAtc \
    "select setting from pg_settings where name = 'recovery_min_apply_delay'")" = "$2" ]
}

cmd_wait_healthy() {
  load_env
  wait_healthy
  echo "healthy: leader $(leader_name)"
}

command=${1:-}
shift || true
case "$command" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  leader)
    load_env
    leader_name || die "no leader right now"
    ;;
  kill-leader) cmd_kill_leader ;;
  stop-node) cmd_stop_node "$@" ;;
  start-node) cmd_start_node "$@" ;;
  delay) cmd_delay "$@" ;;
  wait-healthy) cmd_wait_healthy ;;
  *) die "usage: cluster.sh up|down|status|leader|kill-leader|stop-node NAME|start-node NAME|delay DURATION|wait-healthy" ;;
esac
