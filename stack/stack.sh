#!/usr/bin/env bash
# The local CKAN stack: PostgreSQL, Redis, Apache Solr, CKAN 2.12 with ckanext-harvest and this
# extension. Every step is idempotent, listens on loopback only and keeps its state in .state/.
#
#   stack/stack.sh install   system packages, Python venv, Solr jars, actionlint (root for apt-get)
#   stack/stack.sh services  start PostgreSQL, Redis and Solr; create databases and Solr cores
#   stack/stack.sh site      services + CKAN database, sysadmin, web server, harvest consumers,
#                            harvest job runner, CKAN background-job worker
#   stack/stack.sh stop      stop everything this script started
#   stack/stack.sh reset     stop, then delete all data (databases, index, queues, logs)
#   stack/stack.sh status    what is running
#
# CKAN_VERSION=2.11.6 installs and runs that CKAN instead, from a venv of its own.
# SYNCSOURCE_MQ=amqp runs ckanext-harvest's queues on RabbitMQ (Debian's rabbitmq-server, started
# by `services`) instead of Redis; CKAN itself still uses Redis.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${SYNCSOURCE_STATE:-$ROOT/.state}
RUN=$STATE/run
LOGS=$STATE/logs
CKAN_VERSION=${CKAN_VERSION:-2.12.0}
# The target CKAN lives in .state/venv, another version (CKAN_VERSION=2.11.6) in a venv of its own.
# Its tests get a database and Solr core of their own too (CKAN refuses another version's schema),
# e.g. ckan_test_2_11_6; `make test CKAN_VERSION=...` points test.ini at them.
VENV=$STATE/venv VERSION_TEST=
if [[ $CKAN_VERSION != 2.12.0 ]]; then
  VENV=$STATE/venv-$CKAN_VERSION VERSION_TEST=ckan_test_${CKAN_VERSION//./_}
fi
PG_PORT=${SYNCSOURCE_PG_PORT:-5432}
REDIS_PORT=${SYNCSOURCE_REDIS_PORT:-6379}
SOLR_PORT=${SYNCSOURCE_SOLR_PORT:-8983}
SITE_PORT=${SYNCSOURCE_SITE_PORT:-5000}
AMQP_PORT=${SYNCSOURCE_AMQP_PORT:-5672}
MQ=${SYNCSOURCE_MQ:-redis}
SITE_INI=$STATE/ckan.ini
ADMIN_USER=admin
ADMIN_PASSWORD=syncsource-admin
ADMIN_EMAIL=admin@example.org

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
ckan_cli() { "$VENV/bin/ckan" "$@" 2>>"$LOGS/ckan-cli.log"; }

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND...
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "error: $what did not come up within ${seconds}s" >&2
  return 1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_system() {
  local missing=()
  [[ -n $(pg_bin) ]] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v pg_config >/dev/null || missing+=(libpq-dev)
  command -v gcc >/dev/null || missing+=(gcc)
  command -v curl >/dev/null || missing+=(curl)
  command -v chromium >/dev/null || missing+=(chromium) # the browser tests (Playwright)
  if [[ $MQ == amqp ]]; then
    [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
  fi
  if ((${#missing[@]})); then
    say "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "System packages present (PostgreSQL, Redis, Java, Maven)"
  fi
  # Debian starts the packaged servers; this stack runs its own under .state/.
  local unit
  for unit in redis-server rabbitmq-server; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl stop "$unit" || true
    fi
  done
}

install_python() {
  local stamp=$VENV.stamp
  local want
  want=$(cat "$ROOT/requirements.txt" "$ROOT/dev-requirements.txt" "$ROOT/pyproject.toml" \
    | sha256sum | cut -c1-16)-$CKAN_VERSION
  if [[ -x $VENV/bin/ckan && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "Python venv up to date ($VENV)"
    return
  fi
  say "Installing CKAN $CKAN_VERSION, ckanext-harvest and ckanext-syncsource into $VENV"
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip wheel setuptools
  "$VENV/bin/pip" install -q "ckan[requirements,dev]==$CKAN_VERSION" \
    -r "$ROOT/dev-requirements.txt" -e "$ROOT"
  echo "$want" >"$stamp"
}

install_solr() {
  local build=$STATE/solr/build
  local jar=$build/syncsource-solr-1.0.jar
  if [[ -f $build/classpath.txt && -f $jar \
    && -z $(find "$ROOT/stack/solr/pom.xml" "$ROOT/stack/solr/src" -type f -newer "$jar") ]]; then
    say "Apache Solr jars resolved"
    return
  fi
  say "Resolving Apache Solr 9.10.1 with Maven and building the launcher"
  mvn -q -B -f "$ROOT/stack/solr/pom.xml" package
}

install_actionlint() {
  if [[ -x $STATE/bin/actionlint ]]; then
    say "actionlint present"
  elif command -v go >/dev/null; then
    say "Installing actionlint (Go module) into $STATE/bin"
    GOBIN=$STATE/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
  else
    say "Go is not installed: actionlint (workflow lint) is not available"
  fi
}

start_postgres() {
  local data=$STATE/postgres bin
  bin=$(pg_bin)
  mkdir -p "$RUN" "$LOGS"
  chown postgres "$RUN" "$LOGS" 2>/dev/null || true
  if [[ ! -f $data/PG_VERSION ]]; then
    say "Creating a PostgreSQL cluster in $data"
    install -d -o postgres -m 700 "$data"
    runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    say "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$LOGS/postgres.log" -w -s \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $RUN -c fsync=off" start
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='ckan'") ]]; then
    "${psql[@]}" -c "CREATE ROLE ckan LOGIN PASSWORD 'ckan'"
  fi
  for db in ckan ckan_test ckan_bench $VERSION_TEST; do
    if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$db'") ]]; then
      say "Creating database $db"
      "${psql[@]}" -c "CREATE DATABASE $db OWNER ckan ENCODING 'UTF8'"
    fi
  done
}

start_redis() {
  mkdir -p "$STATE/redis" "$RUN" "$LOGS"
  if pid_alive "$RUN/redis.pid"; then
    say "Redis already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  say "Starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STATE/redis" --daemonize yes \
    --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" --save "" --appendonly no
  wait_for Redis 20 redis-cli -p "$REDIS_PORT" ping
}

# RabbitMQ runs as this user from Debian's scripts (not the /usr/sbin wrappers, which switch to the
# rabbitmq user), with its node, data, Erlang cookie and distribution all on loopback in .state/.
RABBITMQ_ENV=(
  HOME="$STATE/rabbitmq" RABBITMQ_NODENAME=syncsource@localhost
  RABBITMQ_MNESIA_BASE="$STATE/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$LOGS"
  RABBITMQ_CONFIG_FILE="$STATE/rabbitmq/rabbitmq.conf"
  RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/rabbitmq/enabled_plugins"
  RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000)) ERL_EPMD_ADDRESS=127.0.0.1
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
)
rabbitmq() { local script=$1; shift; env "${RABBITMQ_ENV[@]}" "/usr/lib/rabbitmq/bin/$script" "$@"; }

start_rabbitmq() {
  if pid_alive "$RUN/rabbitmq.pid"; then
    say "RabbitMQ already running on 127.0.0.1:$AMQP_PORT"
    return
  fi
  say "Starting RabbitMQ on 127.0.0.1:$AMQP_PORT"
  mkdir -p "$STATE/rabbitmq/mnesia" "$RUN" "$LOGS"
  echo "[]." >"$STATE/rabbitmq/enabled_plugins"
  # The guest user may connect from loopback only, which is all this stack listens on.
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\nheartbeat = 600\n' "$AMQP_PORT" \
    >"$STATE/rabbitmq/rabbitmq.conf"
  setsid nohup env "${RABBITMQ_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server \
    >"$LOGS/rabbitmq.log" 2>&1 &
  echo $! >"$RUN/rabbitmq.pid"
  wait_for "RabbitMQ (see $LOGS/rabbitmq.log)" 120 \
    rabbitmq rabbitmq-diagnostics -q check_port_connectivity
}

start_queue_broker() {
  if [[ $MQ == amqp ]]; then start_rabbitmq; fi
}

solr_ready() { curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/$1/admin/ping?wt=json"; }

prepare_core() {  # prepare_core NAME: the core's directory, with CKAN's schema from $VENV
  local dir=$STATE/solr/home/$1 schema
  schema=$(echo "$VENV"/lib/python3*/site-packages/ckan/config/solr/schema.xml)
  mkdir -p "$dir/conf"
  cp "$ROOT"/stack/solr/home/ckan/conf/* "$dir/conf/"
  # CKAN's own schema, straight from the installed ckan package: it can never drift.
  ln -sf "$schema" "$dir/conf/schema.xml"
}

start_solr() {
  local home=$STATE/solr/home build=$STATE/solr/build
  if pid_alive "$RUN/solr.pid"; then
    say "Apache Solr already running on 127.0.0.1:$SOLR_PORT"
  else
    say "Starting Apache Solr 9.10.1 on 127.0.0.1:$SOLR_PORT (cores: ckan, ckan_test, ckan_bench)"
    mkdir -p "$home" "$RUN" "$LOGS"
    cp "$ROOT/stack/solr/home/solr.xml" "$home/solr.xml"
    for core in ckan ckan_test ckan_bench; do
      prepare_core "$core"
      echo "name=$core" >"$home/$core/core.properties"
    done
    setsid nohup java -Xms256m -Xmx1g -Dsolr.log.dir="$LOGS" \
      -cp "$build/syncsource-solr-1.0.jar:$(cat "$build/classpath.txt")" \
      org.ckan.syncsource.solr.SolrLauncher "$home" "$SOLR_PORT" >"$LOGS/solr.log" 2>&1 &
    echo $! >"$RUN/solr.pid"
    # Cores load one by one: a node with many test cores answers 503 for the later ones at first.
    for core in ckan ckan_test ckan_bench; do
      wait_for "Apache Solr core $core (see $LOGS/solr.log)" 120 solr_ready "$core"
    done
  fi
  if [[ -n $VERSION_TEST ]] && ! solr_ready "$VERSION_TEST" >/dev/null 2>&1; then
    say "Creating Solr core $VERSION_TEST (the schema of CKAN $CKAN_VERSION)"
    prepare_core "$VERSION_TEST"
    curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/admin/cores?action=CREATE&name=$VERSION_TEST&instanceDir=$home/$VERSION_TEST" \
      >/dev/null
  fi
}

write_site_ini() {
  local mq_settings=("ckan.harvest.mq.type=redis" "ckan.harvest.mq.hostname=")
  if [[ $MQ == amqp ]]; then
    mq_settings=("ckan.harvest.mq.type=amqp" "ckan.harvest.mq.hostname=127.0.0.1"
      "ckan.harvest.mq.port=$AMQP_PORT")
  fi
  if [[ ! -f $SITE_INI ]]; then
    say "Writing $SITE_INI"
    ckan_cli generate config "$SITE_INI" >/dev/null
  fi
  ckan_cli config-tool "$SITE_INI" \
    "sqlalchemy.url=postgresql://ckan:ckan@127.0.0.1:$PG_PORT/ckan" \
    "solr_url=http://127.0.0.1:$SOLR_PORT/solr/ckan" \
    "ckan.redis.url=redis://127.0.0.1:$REDIS_PORT/0" \
    "ckan.site_url=http://127.0.0.1:$SITE_PORT" \
    "ckan.site_id=default" \
    "ckan.plugins=activity harvest syncsource" \
    "${mq_settings[@]}" \
    "ckan.storage_path=$STATE/storage" \
    "ckan.views.default_views=" \
    "ckan.auth.create_unowned_dataset=true" \
    "ckanext.syncsource.local_source_dirs=$ROOT/ckanext/syncsource/sample" \
    "ckanext.syncsource.allow_private_addresses=true" >/dev/null
  mkdir -p "$STATE/storage"
}

init_site_db() {
  say "Initialising the CKAN database and the harvest tables"
  ckan_cli -c "$SITE_INI" db init >/dev/null
  ckan_cli -c "$SITE_INI" db pending-migrations --apply >/dev/null
  if ! ckan_cli -c "$SITE_INI" user show "$ADMIN_USER" 2>/dev/null | grep -q "name=$ADMIN_USER"; then
    say "Creating sysadmin $ADMIN_USER"
    ckan_cli -c "$SITE_INI" user add "$ADMIN_USER" email="$ADMIN_EMAIL" \
      password="$ADMIN_PASSWORD" >/dev/null
  fi
  ckan_cli -c "$SITE_INI" sysadmin add "$ADMIN_USER" >/dev/null
  if [[ ! -s $STATE/admin-token ]]; then
    ckan_cli -c "$SITE_INI" user token add "$ADMIN_USER" stack | tail -n 1 | tr -d '\t ' \
      >"$STATE/admin-token"
  fi
}

start_background() {  # start_background NAME COMMAND...
  local name=$1
  shift
  if pid_alive "$RUN/$name.pid"; then
    say "$name already running"
    return
  fi
  say "Starting $name (log: $LOGS/$name.log)"
  setsid nohup "$@" >"$LOGS/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

# ckanext-harvest 1.6.3's Redis consumers block in BLPOP without a timeout, but redis-py 8 (pinned
# by CKAN 2.12) gives every socket a 5 s read timeout, so an idle consumer dies after 5 s. The
# consumers get a long socket timeout and run under a loop that restarts them, as a supervisor
# does on a production site; a timed-out BLPOP has taken no message, so none is lost.
start_consumer() {  # start_consumer gather|fetch
  start_background "$1-consumer" env \
    CKAN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0?socket_timeout=3600" \
    bash -c "while true; do '$VENV/bin/ckan' -c '$SITE_INI' harvester $1-consumer; sleep 1; done"
}

# What cron does on a production site: ckanext-harvest's job runner marks jobs Finished (and
# starts scheduled ones); without it a Reharvest stays "Running".
start_job_runner() {
  start_background job-runner \
    bash -c "while true; do '$VENV/bin/ckan' -c '$SITE_INI' harvester run; sleep 15; done"
}

# CKAN's RQ worker runs background jobs, such as computing a syncsource source's Plan page.
start_jobs_worker() {
  start_background jobs-worker \
    bash -c "while true; do '$VENV/bin/ckan' -c '$SITE_INI' jobs worker; sleep 1; done"
}

start_site() {
  start_background site "$VENV/bin/ckan" -c "$SITE_INI" run --host 127.0.0.1 --port "$SITE_PORT" \
    --disable-reloader
  start_consumer gather
  start_consumer fetch
  start_job_runner
  start_jobs_worker
  wait_for "CKAN (see $LOGS/site.log)" 120 \
    curl -fsS "http://127.0.0.1:$SITE_PORT/api/3/action/status_show"
}

stop_all() {
  local bin
  bin=$(pg_bin)
  if pid_alive "$RUN/rabbitmq.pid"; then
    rabbitmq rabbitmqctl -q stop >/dev/null 2>&1 || true
  fi
  for name in jobs-worker job-runner fetch-consumer gather-consumer site solr rabbitmq; do
    if pid_alive "$RUN/$name.pid"; then
      say "Stopping $name"
      kill -- "-$(cat "$RUN/$name.pid")" 2>/dev/null || kill "$(cat "$RUN/$name.pid")" || true
      for _ in $(seq 30); do pid_alive "$RUN/$name.pid" || break; sleep 1; done
      if pid_alive "$RUN/$name.pid"; then kill -9 -- "-$(cat "$RUN/$name.pid")" || true; fi
    fi
    rm -f "$RUN/$name.pid"
  done
  # Erlang's port mapper outlives RabbitMQ's node; stop it unless another node still uses it.
  if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill >/dev/null 2>&1 || true
  fi
  if pid_alive "$RUN/redis.pid"; then
    say "Stopping Redis"
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [[ -n $bin && -f $STATE/postgres/PG_VERSION ]] \
    && runuser -u postgres -- "$bin/pg_ctl" -D "$STATE/postgres" status >/dev/null 2>&1; then
    say "Stopping PostgreSQL"
    runuser -u postgres -- "$bin/pg_ctl" -D "$STATE/postgres" -m fast -w -s stop
  fi
}

status() {
  local names=(redis solr site gather-consumer fetch-consumer job-runner jobs-worker)
  if [[ $MQ == amqp ]] || pid_alive "$RUN/rabbitmq.pid"; then names+=(rabbitmq); fi
  for name in "${names[@]}"; do
    if pid_alive "$RUN/$name.pid"; then echo "$name: running"; else echo "$name: stopped"; fi
  done
  if runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$STATE/postgres" status >/dev/null 2>&1; then
    echo "postgres: running"
  else
    echo "postgres: stopped"
  fi
}

case ${1:-} in
  install) install_system; install_python; install_solr; install_actionlint ;;
  services) start_postgres; start_redis; start_queue_broker; start_solr ;;
  site)
    start_postgres; start_redis; start_queue_broker; start_solr
    write_site_ini; init_site_db; start_site
    ;;
  stop) stop_all ;;
  reset)
    stop_all
    say "Deleting databases, Solr index, queues, logs and the site config"
    rm -rf "$STATE/postgres" "$STATE/solr/home" "$STATE/redis" "$LOGS" "$RUN" \
      "$STATE/storage" "$SITE_INI" "$STATE/admin-token" "$STATE/rabbitmq"
    ;;
  status) status ;;
  *) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac
