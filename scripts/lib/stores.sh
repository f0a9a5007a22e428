# shellcheck shell=bash
# The stores of the local stack. Sourced by scripts/stack (after toolchain.sh).

DATA="$ROOT/.data"
RUN="$DATA/run"
LOGS="$DATA/logs"
SECRETS="$DATA/secrets.env"
STACK_ENV="$DATA/stack.env"

PG_PORT="${POLYSTORE_PG_PORT:-5432}"
REDIS_PORT="${POLYSTORE_REDIS_PORT:-6379}"
MONGO_PORT="${POLYSTORE_MONGO_PORT:-27017}"
FERRET_DEBUG_PORT="${POLYSTORE_FERRET_DEBUG_PORT:-27117}"
ES_PORT="${POLYSTORE_ES_PORT:-9200}"
ES_HEAP="${POLYSTORE_ES_HEAP:-1g}"

FERRETDB_VERSION="v1.24.2"
PG_SERVICES="accounts orders payments"

# --- helpers -----------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Who listens on a port, for error messages.
port_owner() { ss -ltnpH "sport = :$1" 2>/dev/null | sed -E 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/' | head -1; }

wait_until() { # wait_until <seconds> <description> <command...>
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
  log "$what is ready"
}

random_secret() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

# A store is external when the caller set its URL. Decided once, before this script writes or
# reads any URL of its own.
EXTERNAL_POSTGRES="${POSTGRES_ADMIN_URL:-}${ACCOUNTS_DATABASE_URL:-}${ORDERS_DATABASE_URL:-}${PAYMENTS_DATABASE_URL:-}"
EXTERNAL_MONGO="${MONGO_URL:-}"
EXTERNAL_REDIS="${REDIS_URL:-}"
EXTERNAL_ELASTICSEARCH="${ELASTICSEARCH_URL:-}"
is_external() {
  case "$1" in
    postgres) [ -n "$EXTERNAL_POSTGRES" ] ;;
    mongo) [ -n "$EXTERNAL_MONGO" ] ;;
    redis) [ -n "$EXTERNAL_REDIS" ] ;;
    elasticsearch) [ -n "$EXTERNAL_ELASTICSEARCH" ] ;;
  esac
}

need_root_to_install() { [ "$(id -u)" = 0 ] || die "$1 is missing and only root can install it: sudo apt-get install -y $2"; }

apt_install() { # apt_install <package...>; refreshes the index once when the first try fails
  need_root_to_install "$*" "$*"
  log "installing Debian packages: $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >"$LOGS/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$LOGS/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 ||
      die "apt-get install $* failed; see $LOGS/apt.log"
  fi
}

load_secrets() {
  mkdir -p "$DATA" "$RUN" "$LOGS"
  # .data stays traversable (the postgres OS user reads its cluster under it); the files holding
  # credentials are readable by their owner only.
  chmod 755 "$DATA"
  if [ ! -f "$SECRETS" ]; then
    umask 077
    {
      echo "# Generated once by scripts/stack; local-only credentials. Never commit."
      echo "PG_SUPERUSER_PASSWORD=$(random_secret)"
      for svc in $PG_SERVICES; do
        echo "PG_${svc^^}_OWNER_PASSWORD=$(random_secret)"
        echo "PG_${svc^^}_APP_PASSWORD=$(random_secret)"
      done
      echo "PG_CATALOG_PASSWORD=$(random_secret)"
      echo "REDIS_ADMIN_PASSWORD=$(random_secret)"
      echo "REDIS_GATEWAY_PASSWORD=$(random_secret)"
      echo "REDIS_ACCOUNTS_PASSWORD=$(random_secret)"
      echo "REDIS_CART_PASSWORD=$(random_secret)"
      echo "REDIS_EVENTS_PASSWORD=$(random_secret)"
    } >"$SECRETS"
    umask 022
  fi
  # shellcheck disable=SC1090
  source "$SECRETS"
}

# --- PostgreSQL ----------------------------------------------------------------------------------

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# PostgreSQL refuses to run as root; as root it runs as the `postgres` OS user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_datadir() {
  # The data directory must be reachable by the postgres user; a checkout under a private home
  # directory is not, so its data then lives under /var/tmp, linked from .data/postgres.
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
    local alt="/var/tmp/polystore-$(echo "$ROOT" | sha256sum | head -c 12)"
    mkdir -p "$alt"
    [ -e "$DATA/postgres" ] || ln -s "$alt/postgres" "$DATA/postgres"
    echo "$alt/postgres"
  else
    echo "$DATA/postgres"
  fi
}

pg_up() {
  if is_external postgres; then log "PostgreSQL: external (${POSTGRES_ADMIN_URL:+POSTGRES_ADMIN_URL set}), not started"; return; fi
  local bin
  bin="$(pg_bin)"
  if [ -z "$bin" ]; then apt_install postgresql; bin="$(pg_bin)"; fi
  [ -x "$bin/postgres" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
  local pgdata
  pgdata="$(pg_datadir)"
  if [ "$(id -u)" = 0 ]; then chmod 755 "$DATA"; chown postgres "$RUN"; chmod 775 "$RUN"; fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "PostgreSQL: initialising a cluster in $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdata"
    local pwfile="$RUN/pg-superuser-password"
    printf '%s\n' "$PG_SUPERUSER_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
    as_pg "$bin/initdb" -D "$pgdata" -U postgres --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$LOGS/postgres-initdb.log" 2>&1 ||
      { rm -f "$pwfile"; die "PostgreSQL initdb failed; see $LOGS/postgres-initdb.log"; }
    rm -f "$pwfile"
    cat >>"$pgdata/postgresql.conf" <<EOF
# --- polystore local stack ---
listen_addresses = '127.0.0.1'
max_connections = 300
shared_buffers = 256MB
# slow-query log, even in development
log_min_duration_statement = 250
log_line_prefix = '%m [%p] %q%u@%d '
log_lock_waits = on
EOF
  fi
  if as_pg "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    log "PostgreSQL: already running on port $PG_PORT"
  else
    if port_open "$PG_PORT"; then
      die "PostgreSQL: port $PG_PORT is taken by $(port_owner "$PG_PORT"); stop it or set POLYSTORE_PG_PORT"
    fi
    touch "$LOGS/postgres.log"
    [ "$(id -u)" = 0 ] && chown postgres "$LOGS/postgres.log"
    as_pg "$bin/pg_ctl" -D "$pgdata" -w -t 60 -l "$LOGS/postgres.log" \
      -o "-p $PG_PORT -k $RUN" start >/dev/null ||
      die "PostgreSQL did not start; last log lines:$(printf '\n'; tail -n 15 "$LOGS/postgres.log")"
    wait_until 30 "PostgreSQL on 127.0.0.1:$PG_PORT" "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" ||
      die "PostgreSQL does not answer on port $PG_PORT; see $LOGS/postgres.log"
  fi
}

pg_down() {
  local bin pgdata
  bin="$(pg_bin)"
  pgdata="$DATA/postgres"
  [ -n "$bin" ] && [ -f "$pgdata/PG_VERSION" ] || return 0
  if as_pg "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
  fi
}

# --- Redis ---------------------------------------------------------------------------------------

redis_up() {
  if is_external redis; then log "Redis: external, not started"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$DATA/redis"
  # ACL users, one per key space (declared in m2m/README.md); the default user is off.
  cat >"$DATA/redis/users.acl" <<EOF
user default off
user admin on >$REDIS_ADMIN_PASSWORD ~* &* +@all
user gateway on >$REDIS_GATEWAY_PASSWORD ~gw:* &gw:* +@all -@admin -@dangerous
user accounts on >$REDIS_ACCOUNTS_PASSWORD ~acc:* &acc:* +@all -@admin -@dangerous
user cart on >$REDIS_CART_PASSWORD ~cart:* &cart:* +@all -@admin -@dangerous
user events on >$REDIS_EVENTS_PASSWORD ~events:* ~outbox:* &events:* +@all -@admin -@dangerous
EOF
  chmod 600 "$DATA/redis/users.acl"
  cat >"$DATA/redis/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $RUN/redis.pid
logfile $LOGS/redis.log
dir $DATA/redis
aclfile $DATA/redis/users.acl
# Durable: carts and event streams live here. AOF, fsync every second, plus RDB snapshots.
appendonly yes
appendfsync everysec
save 300 10
slowlog-log-slower-than 10000
maxmemory-policy noeviction
EOF
  if redis_ping; then
    log "Redis: already running on port $REDIS_PORT"
    redis_cli ACL LOAD >/dev/null || true
    return
  fi
  if port_open "$REDIS_PORT"; then
    die "Redis: port $REDIS_PORT is taken by $(port_owner "$REDIS_PORT"); stop it or set POLYSTORE_REDIS_PORT"
  fi
  redis-server "$DATA/redis/redis.conf" || die "Redis did not start; see $LOGS/redis.log"
  wait_until 20 "Redis on 127.0.0.1:$REDIS_PORT" redis_ping ||
    die "Redis does not answer; last log lines:$(printf '\n'; tail -n 15 "$LOGS/redis.log")"
}

redis_ping() { redis_cli ping 2>/dev/null | grep -q PONG; }
redis_cli() { REDISCLI_AUTH="$REDIS_ADMIN_PASSWORD" redis-cli --user admin -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

redis_down() {
  [ -f "$RUN/redis.pid" ] || return 0
  if redis_cli shutdown >/dev/null 2>&1; then log "Redis stopped"; fi
  rm -f "$RUN/redis.pid"
}

# --- FerretDB (MongoDB wire protocol over PostgreSQL) -------------------------------------------

FERRETDB_BIN="$TOOLS/bin/ferretdb-$FERRETDB_VERSION"

ferretdb_build() {
  [ -x "$FERRETDB_BIN" ] && return
  command -v go >/dev/null || die "FerretDB is built from the Go module proxy and needs Go; install golang"
  log "FerretDB: building $FERRETDB_VERSION from the Go module proxy (a few minutes, once)"
  local work="$TOOLS/ferretdb-build"
  rm -rf "$work"
  mkdir -p "$work" "$TOOLS/bin"
  cp "$ROOT/infra/ferretdb/go.mod" "$ROOT/infra/ferretdb/go.sum" "$ROOT/infra/ferretdb/tools.go" "$work/"
  # FerretDB reads its own version from an embedded build/version/version.txt that its release
  # tooling writes; a module download lacks it, so the vendored copy gets it before the build.
  (
    cd "$work" &&
      GOFLAGS=-mod=mod go mod vendor &&
      echo "$FERRETDB_VERSION" >vendor/github.com/FerretDB/FerretDB/build/version/version.txt &&
      CGO_ENABLED=0 go build -mod=vendor -trimpath -o "$FERRETDB_BIN" github.com/FerretDB/FerretDB/cmd/ferretdb
  ) >"$LOGS/ferretdb-build.log" 2>&1 || die "FerretDB build failed; see $LOGS/ferretdb-build.log"
  rm -rf "$work"
  "$FERRETDB_BIN" --version >/dev/null || die "the FerretDB binary does not run"
}

ferretdb_up() {
  if is_external mongo; then log "MongoDB: external (MONGO_URL set), FerretDB not started"; return; fi
  is_external postgres && die "FerretDB stores its data in the local PostgreSQL; with an external PostgreSQL, set MONGO_URL too"
  ferretdb_build
  if [ -f "$RUN/ferretdb.pid" ] && kill -0 "$(cat "$RUN/ferretdb.pid")" 2>/dev/null; then
    log "FerretDB: already running on port $MONGO_PORT"
    return
  fi
  if port_open "$MONGO_PORT"; then
    die "FerretDB: port $MONGO_PORT is taken by $(port_owner "$MONGO_PORT"); stop it or set POLYSTORE_MONGO_PORT"
  fi
  mkdir -p "$DATA/ferretdb"
  # No credentials in the backend URL: each client's own (PLAIN) credentials open its PostgreSQL
  # connection, so the catalog's role is the only one that reaches the catalog's data.
  nohup "$FERRETDB_BIN" --handler=postgresql \
    --postgresql-url="postgres://127.0.0.1:$PG_PORT/catalog" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --debug-addr="127.0.0.1:$FERRET_DEBUG_PORT" \
    --state-dir="$DATA/ferretdb" --telemetry=disable --log-format=json --log-level=warn \
    >>"$LOGS/ferretdb.log" 2>&1 &
  echo $! >"$RUN/ferretdb.pid"
  wait_until 30 "FerretDB on 127.0.0.1:$MONGO_PORT" port_open "$MONGO_PORT" ||
    die "FerretDB does not answer; last log lines:$(printf '\n'; tail -n 15 "$LOGS/ferretdb.log")"
}

ferretdb_down() { stop_pidfile ferretdb FerretDB; }

stop_pidfile() { # stop_pidfile <name> <label>: TERM, wait up to 30 s, then KILL
  local pidfile="$RUN/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "$2 stopped"
  fi
  rm -f "$pidfile"
}

# --- Elasticsearch -------------------------------------------------------------------------------

source "$ROOT/scripts/lib/elasticsearch.sh"

# --- the whole stack -----------------------------------------------------------------------------

write_stack_env() {
  umask 077
  {
    echo "# Written by scripts/stack up: how to reach the local stack. Local credentials; never commit."
    if ! is_external postgres; then
      local pg="127.0.0.1:$PG_PORT"
      echo "POSTGRES_ADMIN_URL='postgresql://postgres:$PG_SUPERUSER_PASSWORD@$pg/postgres'"
      for svc in $PG_SERVICES; do
        local up="${svc^^}"
        local owner_pw="PG_${up}_OWNER_PASSWORD" app_pw="PG_${up}_APP_PASSWORD"
        echo "${up}_DATABASE_URL='postgresql://$svc:${!app_pw}@$pg/$svc'"
        echo "${up}_MIGRATE_DATABASE_URL='postgresql://${svc}_owner:${!owner_pw}@$pg/$svc'"
      done
      echo "CATALOG_PG_PASSWORD='$PG_CATALOG_PASSWORD'"
    fi
    if ! is_external mongo; then
      echo "MONGO_URL='mongodb://catalog:$PG_CATALOG_PASSWORD@127.0.0.1:$MONGO_PORT/catalog?authMechanism=PLAIN&directConnection=true'"
    fi
    if ! is_external redis; then
      echo "REDIS_URL='redis://admin:$REDIS_ADMIN_PASSWORD@127.0.0.1:$REDIS_PORT'"
      echo "GATEWAY_REDIS_URL='redis://gateway:$REDIS_GATEWAY_PASSWORD@127.0.0.1:$REDIS_PORT'"
      echo "ACCOUNTS_REDIS_URL='redis://accounts:$REDIS_ACCOUNTS_PASSWORD@127.0.0.1:$REDIS_PORT'"
      echo "CART_REDIS_URL='redis://cart:$REDIS_CART_PASSWORD@127.0.0.1:$REDIS_PORT'"
      echo "EVENTS_REDIS_URL='redis://events:$REDIS_EVENTS_PASSWORD@127.0.0.1:$REDIS_PORT'"
    fi
    if ! is_external elasticsearch; then
      echo "ELASTICSEARCH_URL='http://127.0.0.1:$ES_PORT'"
    fi
  } >"$STACK_ENV"
  umask 022
}

provision() {
  # Roles, databases and grants: one code path for this stack, compose and the tests.
  ensure_toolchain
  [ -f "$ROOT/tools/dist/provision.js" ] || (cd "$ROOT" && npm run --silent build) || die "build failed"
  (
    set -a
    # shellcheck disable=SC1090
    source "$STACK_ENV"
    set +a
    node "$ROOT/tools/dist/provision.js"
  ) || die "provisioning the databases failed"
}

stack_up() {
  load_secrets
  local started=$SECONDS
  pg_up
  redis_up
  write_stack_env
  provision
  ferretdb_up
  es_up
  log "stack is up in $((SECONDS - started)) s; connection variables in .data/stack.env (scripts/stack env)"
}

stack_down() {
  load_secrets
  es_down
  ferretdb_down
  redis_down
  pg_down
}

stack_status() {
  load_secrets
  local bin
  bin="$(pg_bin)"
  printf '%-14s %s\n' "postgres" "$(is_external postgres && echo external || { [ -n "$bin" ] && "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && echo "up on 127.0.0.1:$PG_PORT" || echo down; })"
  printf '%-14s %s\n' "redis" "$(is_external redis && echo external || { redis_ping && echo "up on 127.0.0.1:$REDIS_PORT" || echo down; })"
  printf '%-14s %s\n' "ferretdb" "$(is_external mongo && echo external || { port_open "$MONGO_PORT" && echo "up on 127.0.0.1:$MONGO_PORT" || echo down; })"
  printf '%-14s %s\n' "elasticsearch" "$(is_external elasticsearch && echo external || es_status)"
}
