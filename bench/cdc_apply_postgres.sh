#!/usr/bin/env bash
# cdc_apply_postgres.sh: how fast a CDC backlog of OLTP transactions is applied into PostgreSQL,
# the PostgreSQL half of bench/cdc_apply.sh. Steps:
#  1. native: PostgreSQL's own logical replication from postgres-source to postgres-target.
#     Database bench_apply on both; sysbench tables (CUTOVER_BENCH_TABLES x CUTOVER_BENCH_ROWS,
#     default 4 x 100,000) made on the source, their definitions copied to the target
#     (pg_dump --schema-only), a publication of them plus a marker table, a subscription that
#     copies the rows (copy_data) and is then disabled. Per backlog: sysbench oltp_write_only
#     writes CUTOVER_BENCH_TRANSACTIONS (default 250,000) transactions of 4 row changes each
#     (1,000,000 changes), one marker row is inserted after them, and the time from ALTER
#     SUBSCRIPTION ... ENABLE until the marker row is visible on the target is the apply time
#     (the subscriber applies in the source's commit order, so everything before the marker is
#     applied then; a wait loop in one target session, every 10 ms). The slot's
#     confirmed_flush_lsn follows only at the subscriber's next feedback, so it is not the clock.
#     Then the tables of both sides must be equal (md5 of every row in key order).
#  2. cutover (CUTOVER_BENCH_CUTOVER=1): the same
#     workload on mariadb-source (database bench_apply_pg, the same tables), `cutover run` into
#     postgres-target (schema bench_apply_pg of cutover_test) copied and stopped in the `cdc`
#     phase; per backlog the same transactions with cutover stopped, then `cutover run` started
#     again until `cutover fence` passes; `cutover verify` must find 0 differences.
#  3. cutover from PostgreSQL (CUTOVER_BENCH_CUTOVER=postgres): `cutover run` reads the SAME
#     source tables as the native subscription (its own publication and slot) into database
#     bench_apply_cutover of postgres-target, copied and stopped in the `cdc` phase; per backlog
#     (one backlog, written once while both readers are stopped) the native subscription applies
#     it first, then `cutover run` is started until `cutover fence` passes. At the end its tables
#     must equal the source's (md5 of every row, as for the subscriber).
# Both sides run CUTOVER_BENCH_RUNS times (default 3), interleaved; prints seconds and
# changes/s per backlog and the medians. Figures and the command: docs/benchmarks.md.
#   bench/cdc_apply_postgres.sh [BUILD_DIR]    (BUILD_DIR default <checkout>/build)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
rows="${CUTOVER_BENCH_ROWS:-100000}"
tables="${CUTOVER_BENCH_TABLES:-4}"
transactions="${CUTOVER_BENCH_TRANSACTIONS:-250000}"
runs="${CUTOVER_BENCH_RUNS:-3}"
with_cutover="${CUTOVER_BENCH_CUTOVER:-0}"
src_port="${CUTOVER_TEST_POSTGRES_SOURCE_PORT:-15432}"
dst_port="${CUTOVER_TEST_POSTGRES_TARGET_PORT:-15433}"
my_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
export PW=cutover-test PGPASSWORD=cutover-test
work="$(mktemp -d /tmp/cutover_bench_apply_pg_XXXXXX)"
run_pid=""
cleanup() {
  [[ -n "$run_pid" ]] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" || true
  # The subscription owns a slot on the source: dropped with it, or the source keeps its WAL.
  super dst bench_apply -c "DROP SUBSCRIPTION IF EXISTS bench_apply_sub" >/dev/null 2>&1 || true
  if [[ "$pg_source" == 1 ]]; then
    src bench_apply -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
      WHERE slot_name = 'cutover_bench_apply_pgsrc'" >/dev/null 2>&1 || true
    src bench_apply -c "DROP PUBLICATION IF EXISTS cutover_bench_apply_pgsrc" >/dev/null 2>&1 || true
  fi
  [[ -n "${CUTOVER_BENCH_KEEP_LOGS:-}" ]] && mkdir -p "$CUTOVER_BENCH_KEEP_LOGS" &&
    cp "$work"/*.log "$CUTOVER_BENCH_KEEP_LOGS/" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
servers=(postgres-source postgres-target)
[[ "$with_cutover" == 1 ]] && servers+=(mariadb-source)
pg_source=0
[[ "$with_cutover" == postgres ]] && pg_source=1
"$root/scripts/servers" start "${servers[@]}" >/dev/null

pg() {  # pg PORT DATABASE ARGS...: psql as the test user
  local port="$1" db="$2"; shift 2
  psql -X -h127.0.0.1 -p"$port" -Ucutover -d "$db" -v ON_ERROR_STOP=1 -qAt "$@"
}
src() { pg "$src_port" "$@"; }
dst() { pg "$dst_port" "$@"; }
# super src|dst DATABASE ARGS...: psql as the superuser over the server's Unix socket (PostgreSQL
# 15 lets only a superuser create a subscription); `runuser` when this script runs as root.
super() {
  local name="postgres-source" port="$src_port" db="$2"
  [[ "$1" == dst ]] && name="postgres-target" port="$dst_port"
  shift 2
  local as=()
  [[ $EUID -eq 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" psql -X -h "$root/.run/$name" -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 -qAt "$@"
}
sb() {  # sb DRIVER COMMAND EXTRA...: sysbench oltp_write_only on the backlog's tables
  local driver="$1"; shift
  local connect=(--db-driver=pgsql --pgsql-host=127.0.0.1 --pgsql-port="$src_port"
                 --pgsql-user=cutover --pgsql-password="$PW" --pgsql-db=bench_apply)
  [[ "$driver" == mysql ]] &&
    connect=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$my_port" --mysql-user=cutover
             --mysql-password="$PW" --mysql-db=bench_apply_pg)
  sysbench oltp_write_only "${connect[@]}" --tables="$tables" --table-size="$rows" "$@"
}
backlog() {  # backlog DRIVER: writes the transactions; prints the row changes
  sb "$1" --threads=4 --events="$transactions" --time=0 run >"$work/sysbench.log" 2>&1
  # Each committed oltp_write_only transaction changes 4 rows (its write statements would count
  # a transaction rolled back on a conflict between sysbench's threads and retried twice).
  awk '/transactions:/ {print $2 * 4}' "$work/sysbench.log"
}
table_list() { seq -s' ' -f "sbtest%g" 1 "$tables"; }
# md5 of every row of every table, in key order: equal on both sides when the rows are.
table_sums() {  # table_sums src|dst DATABASE SCHEMA
  local side="$1" db="$2" schema="$3" table
  for table in $(table_list); do
    "$side" "$db" -c "SELECT '$table', count(*), md5(string_agg(t::text, ',' ORDER BY id)) FROM $schema.$table t" -F' '
  done
}

# --- native: publication and subscription ----------------------------------------------------
super dst bench_apply -c "DROP SUBSCRIPTION IF EXISTS bench_apply_sub" >/dev/null 2>&1 || true
# A slot left by a run that ended before its cleanup would keep the source's database in use.
src cutover_test -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
  WHERE slot_name = 'bench_apply_sub' AND NOT active" >/dev/null
for side in src dst; do
  "$side" cutover_test -c "DROP DATABASE IF EXISTS bench_apply" -c "CREATE DATABASE bench_apply"
done
sb pgsql --threads=2 prepare >/dev/null
src bench_apply -c "CREATE TABLE bench_apply_marker (id INT PRIMARY KEY, written TIMESTAMPTZ)"
pg_dump -h127.0.0.1 -p"$src_port" -Ucutover --schema-only bench_apply | dst bench_apply >/dev/null
src bench_apply -c "CREATE PUBLICATION bench_apply_pub FOR TABLE bench_apply_marker, $(table_list | sed 's/ /, /g')"
super dst bench_apply -c "CREATE SUBSCRIPTION bench_apply_sub
  CONNECTION 'host=127.0.0.1 port=$src_port dbname=bench_apply user=cutover password=$PW'
  PUBLICATION bench_apply_pub" 2>&1 | grep -v 'created replication slot' || true
until [[ "$(super dst bench_apply -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" == 0 ]]; do
  sleep 0.5
done
echo "native: $tables x $rows rows copied by the subscription"

# --- cutover into PostgreSQL ------------------------------------------------------------------
# Runs `cutover run` on $work/spec.yaml until it reports the cdc phase (the copy done), then stops it.
copy_until_cdc() {  # copy_until_cdc SOURCE_NAME
  "$cutover" run "$work/spec.yaml" --status-every 30 >>"$work/run.log" 2>&1 &
  run_pid=$!
  until [[ "$("$cutover" status "$work/spec.yaml" --json 2>/dev/null | jq -r .cdc.phase)" == cdc ]]; do
    kill -0 "$run_pid" || { echo "cutover run stopped:" >&2; tail "$work/run.log" >&2; exit 1; }
    sleep 1
  done
  kill -TERM "$run_pid"; wait "$run_pid" || true; run_pid=""
  echo "cutover: $tables x $rows rows copied from $1; phase cdc"
}
my() { mariadb -h127.0.0.1 -P"$my_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
if [[ "$with_cutover" == 1 ]]; then
  [[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
  my -e "DROP DATABASE IF EXISTS bench_apply_pg; CREATE DATABASE bench_apply_pg"
  sb mysql --threads=2 prepare >/dev/null
  # The PostgreSQL applier keeps its checkpoints in cutover.cutover_checkpoints of the target
  # database, which outlives this script's state directory: an earlier run's rows would make
  # the new run resume past the end of its new change log.
  dst cutover_test -c "DROP SCHEMA IF EXISTS bench_apply_pg CASCADE" -c "DO \$\$ BEGIN
    IF to_regclass('cutover.cutover_checkpoints') IS NOT NULL THEN
      DELETE FROM cutover.cutover_checkpoints WHERE migration = 'bench-apply-pg';
    END IF; END \$\$"
  cat >"$work/spec.yaml" <<YAML
name: bench-apply-pg
source: {kind: mariadb, host: 127.0.0.1, port: $my_port, user: cutover, password_env: PW, server_id: 4550}
target: {kind: postgres, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: cutover_test}
tables: [{match: "bench_apply_pg.*"}]
state_dir: $work/state
YAML
  copy_until_cdc mariadb-source
fi

# --- cutover from the same PostgreSQL source -----------------------------------------------------
if [[ "$pg_source" == 1 ]]; then
  [[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
  dst cutover_test -c "DROP DATABASE IF EXISTS bench_apply_cutover" -c "CREATE DATABASE bench_apply_cutover"
  cat >"$work/spec.yaml" <<YAML
name: bench-apply-pgsrc
source: {kind: postgres, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, database: bench_apply}
target: {kind: postgres, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: bench_apply_cutover}
tables: [{match: "public.sbtest*"}]
state_dir: $work/state
YAML
  copy_until_cdc postgres-source
fi

# --- backlogs ---------------------------------------------------------------------------------
# `cutover run` until a fence passes: the backlog of $changes changes applied; prints the rate.
apply_backlog() {  # apply_backlog LABEL LOAD
  local began took rate
  began=$(now)
  "$cutover" run "$work/spec.yaml" --status-every 30 >>"$work/run.log" 2>&1 &
  run_pid=$!
  wait_for_fence "$work/spec.yaml" "$run_pid"
  took=$(echo "$(now) - $began" | bc)
  kill -TERM "$run_pid"; wait "$run_pid" || true; run_pid=""
  rate=$(echo "$changes / $took" | bc)
  printf 'run %s %s: %s changes in %.2f s = %s changes/s (load %s)\n' \
    "$run" "$1" "$changes" "$took" "$rate" "$2"
  echo "cutover $rate" >>"$work/results"
}
: >"$work/results"
for run in $(seq "$runs"); do
  super dst bench_apply -c "ALTER SUBSCRIPTION bench_apply_sub DISABLE"
  until [[ "$(src bench_apply -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bench_apply_sub' AND active")" == 0 ]]; do
    sleep 0.2
  done
  load="$(cut -d' ' -f1 /proc/loadavg)"
  changes="$(backlog pgsql)"
  src bench_apply -c "INSERT INTO bench_apply_marker VALUES ($run, now())"
  began=$(now)
  super dst bench_apply -c "ALTER SUBSCRIPTION bench_apply_sub ENABLE"
  # READ COMMITTED: each statement of the loop sees what has committed by then.
  dst bench_apply -c "DO \$\$ BEGIN
    WHILE NOT EXISTS (SELECT FROM bench_apply_marker WHERE id = $run) LOOP PERFORM pg_sleep(0.01); END LOOP;
  END \$\$"
  native=$(echo "$(now) - $began" | bc)
  native_rate=$(echo "$changes / $native" | bc)
  printf 'run %s native logical replication: %s changes in %.2f s = %s changes/s (load %s)\n' \
    "$run" "$changes" "$native" "$native_rate" "$load"
  echo "native $native_rate" >>"$work/results"

  # the same backlog, now read by cutover
  [[ "$pg_source" == 1 ]] && apply_backlog "cutover PostgreSQL -> PostgreSQL" "$load"

  if [[ "$with_cutover" == 1 ]]; then
    load="$(cut -d' ' -f1 /proc/loadavg)"
    changes="$(backlog mysql)"
    apply_backlog "cutover into PostgreSQL" "$load"
  fi
done
echo "median, native logical replication: $(awk '$1 == "native" {print $2}' "$work/results" | median) changes/s"
[[ "$with_cutover" != 0 ]] &&
  echo "median, cutover into PostgreSQL: $(awk '$1 == "cutover" {print $2}' "$work/results" | median) changes/s"

# --- the same rows ----------------------------------------------------------------------------
table_sums src bench_apply public >"$work/source.sums"
table_sums dst bench_apply public >"$work/target.sums"
cmp -s "$work/source.sums" "$work/target.sums" ||
  { echo "the subscriber's tables differ:" >&2; paste "$work/source.sums" "$work/target.sums" >&2; exit 1; }
echo "native: source and subscriber equal ($(awk '{s += $2} END {print s}' "$work/source.sums") rows, md5 per table)"
if [[ "$pg_source" == 1 ]]; then
  table_sums dst bench_apply_cutover public >"$work/cutover.sums"
  cmp -s "$work/source.sums" "$work/cutover.sums" ||
    { echo "cutover's tables differ:" >&2; paste "$work/source.sums" "$work/cutover.sums" >&2; exit 1; }
  echo "cutover: source and target equal (md5 per table)"
fi
if [[ "$with_cutover" == 1 ]]; then
  "$cutover" verify "$work/spec.yaml" >"$work/verify.log" 2>&1 ||
    { echo "cutover verify found differences or failed:" >&2; tail "$work/verify.log" >&2; exit 1; }
  echo "cutover: $(tail -1 "$work/verify.log")"
fi
