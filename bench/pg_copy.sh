#!/usr/bin/env bash
# pg_copy.sh: the full load PostgreSQL -> PostgreSQL, `cutover copy` next to `pgcopydb clone`, on
# one dataset, one run each, on the local test servers: database bench_copy on postgres-source
# with 4 sysbench-shaped tables (id integer primary key, k integer with an index, c char(120),
# pad char(60)) of CUTOVER_BENCH_ROWS rows each (default 250,000: 1,000,000 rows), copied into an
# empty database of postgres-target (bench_copy_cutover, bench_copy_pgcopydb). cutover with
# CUTOVER_BENCH_WORKERS copy workers (default 4), pgcopydb with as many table and index jobs.
# Prints wall seconds and the CPU seconds of the tool and of both servers, then checks that both
# copies hold every row (count and md5 of every row in key order). Figures: docs/benchmarks.md.
#   bench/pg_copy.sh [BUILD_DIR]    (BUILD_DIR default <checkout>/build; must have built `cutover`)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
rows="${CUTOVER_BENCH_ROWS:-250000}"
workers="${CUTOVER_BENCH_WORKERS:-4}"
src_port="${CUTOVER_TEST_POSTGRES_SOURCE_PORT:-15432}"
dst_port="${CUTOVER_TEST_POSTGRES_TARGET_PORT:-15433}"
export PGPASSWORD=cutover-test
work="$(mktemp -d /tmp/cutover_bench_pgcopy_XXXXXX)"
trap 'rm -rf "$work"' EXIT
[[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
"$root/scripts/servers" start postgres-source postgres-target >/dev/null

src() { psql -h127.0.0.1 -p"$src_port" -Ucutover -qAtX -v ON_ERROR_STOP=1 "$@"; }
dst() { psql -h127.0.0.1 -p"$dst_port" -Ucutover -qAtX -v ON_ERROR_STOP=1 "$@"; }
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
timed() {  # timed NAME COMMAND...: wall s, peak RSS, CPU s of the tool and of both servers
  local name="$1"; shift
  local s0 t0 started finished
  s0="$(server_cpu postgres-source)"; t0="$(server_cpu postgres-target)"
  started="$(date +%s.%N)"
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/$name.out" 2>&1 ||
    { tail -20 "$work/$name.out" >&2; return 1; }
  finished="$(date +%s.%N)"
  read -r _ rss user sys <"$work/time"
  printf "%-10s %7.2f s  tool %5.1f CPU s (%4d MiB)  source %5.1f CPU s  target %5.1f CPU s\n" \
    "$name" "$(echo "$finished - $started" | bc)" "$(echo "$user + $sys" | bc)" $((rss / 1024)) \
    "$(echo "$(server_cpu postgres-source) - $s0" | bc)" \
    "$(echo "$(server_cpu postgres-target) - $t0" | bc)"
}

# --- the dataset ---------------------------------------------------------------------------------
pg_sbtest bench_copy "$rows" index
echo "dataset: 4 x $rows rows, $(src -d bench_copy -c "SELECT pg_size_pretty(pg_database_size('bench_copy'))")" >&2

for database in bench_copy_cutover bench_copy_pgcopydb; do
  dst -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
  dst -d postgres -c "CREATE DATABASE $database"
done

# --- cutover copy ----------------------------------------------------------------------------------
cat >"$work/spec.yaml" <<SPEC
name: bench-pg-copy
source: {kind: postgres, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PGPASSWORD, database: bench_copy}
target: {kind: postgres, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PGPASSWORD, database: bench_copy_cutover}
tables:
  - match: "public.*"
state_dir: $work/state
parallelism: {copy_workers: $workers, index_builders: $workers}
SPEC
timed cutover "$cutover" copy "$work/spec.yaml" --quiet
src -d bench_copy -c "SELECT pg_drop_replication_slot('cutover_bench_pg_copy')" >/dev/null
src -d bench_copy -c "DROP PUBLICATION IF EXISTS cutover_bench_pg_copy"

# --- pgcopydb clone ---------------------------------------------------------------------------------
timed pgcopydb pgcopydb clone --dir "$work/pgcopydb" --no-owner --no-acl \
  --table-jobs "$workers" --index-jobs "$workers" \
  --source "postgres://cutover@127.0.0.1:$src_port/bench_copy" \
  --target "postgres://cutover@127.0.0.1:$dst_port/bench_copy_pgcopydb"

# --- both copies equal the source -----------------------------------------------------------------
digest() {  # digest PSQL DATABASE SCHEMA
  local sum=""
  for table in 1 2 3 4; do
    sum+="$("$1" -d "$2" -c "SELECT count(*), md5(string_agg(md5(t::text), '' ORDER BY id))
                             FROM $3.sbtest$table t")"
  done
  echo "$sum"
}
want="$(digest src bench_copy public)"
for database in bench_copy_cutover bench_copy_pgcopydb; do
  schema=public
  [[ "$database" == bench_copy_cutover ]] && schema=public
  if [[ "$(digest dst "$database" "$schema")" == "$want" ]]; then
    echo "$database: every row equal" >&2
  else
    echo "$database: DIFFERS from the source" >&2
    exit 1
  fi
done
src -d postgres -c "DROP DATABASE bench_copy WITH (FORCE)"
dst -d postgres -c "DROP DATABASE bench_copy_cutover WITH (FORCE)"
dst -d postgres -c "DROP DATABASE bench_copy_pgcopydb WITH (FORCE)"
