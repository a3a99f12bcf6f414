#!/usr/bin/env bash
# verify_postgres_source.sh: wall seconds of `cutover verify` from a PostgreSQL source, on the
# local test servers, one run each: database bench_pgverify on postgres-source with 4
# sysbench-shaped tables (id integer primary key, k integer, c char(120), pad char(60)) of
# CUTOVER_BENCH_ROWS rows each (default 250,000: 1,000,000 rows), copied by `cutover copy` into
# postgres-target (database bench_pgverify) and into mariadb-target (database bench_pgverify), then
#   - PostgreSQL -> PostgreSQL: `cutover verify` (chunk checksums computed by both servers) and
#     `cutover verify --row-compare` (every row read from both sides);
#   - PostgreSQL -> MariaDB: `cutover verify` (every row read from both sides and compared in
#     comparable form: there are no checksums across the two engines, docs/verify.md).
# Each verify must end with `0 differences` (exit 0). Prints wall seconds, rows/s, and the CPU
# seconds of the tool and of the servers. Figures: docs/benchmarks.md.
#   bench/verify_postgres_source.sh [BUILD_DIR]   (default <checkout>/build; must have `cutover`)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
rows="${CUTOVER_BENCH_ROWS:-250000}"
workers="${CUTOVER_BENCH_WORKERS:-2}"
src_port="${CUTOVER_TEST_POSTGRES_SOURCE_PORT:-15432}"
pg_port="${CUTOVER_TEST_POSTGRES_TARGET_PORT:-15433}"
maria_port="${CUTOVER_TEST_MARIADB_TARGET_PORT:-13307}"
export PGPASSWORD=cutover-test
work="$(mktemp -d /tmp/cutover_bench_pgverify_XXXXXX)"
[[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
"$root/scripts/servers" start postgres-source postgres-target mariadb-target >/dev/null

src() { psql -h127.0.0.1 -p"$src_port" -Ucutover -qAtX -v ON_ERROR_STOP=1 "$@"; }
pgt() { psql -h127.0.0.1 -p"$pg_port" -Ucutover -qAtX -v ON_ERROR_STOP=1 "$@"; }
maria() { mariadb -h127.0.0.1 -P"$maria_port" -ucutover -p"$PGPASSWORD" --batch --skip-column-names "$@"; }
cleanup() {
  for slot in cutover_bench_pgverify_pg cutover_bench_pgverify_maria; do
    src -d bench_pgverify -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots
                              WHERE slot_name = '$slot'" >/dev/null 2>&1 || true
  done
  src -d postgres -c "DROP DATABASE IF EXISTS bench_pgverify WITH (FORCE)" || true
  pgt -d postgres -c "DROP DATABASE IF EXISTS bench_pgverify WITH (FORCE)" || true
  maria -e "DROP DATABASE IF EXISTS bench_pgverify" || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
timed() {  # timed NAME TARGET_SERVER COMMAND...: wall s, rows/s, CPU s of the tool and servers
  local name="$1" target="$2"; shift 2
  local s0 t0 started finished wall
  s0="$(server_cpu postgres-source)"; t0="$(server_cpu "$target")"
  started="$(date +%s.%N)"
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/$name.out" 2>&1 ||
    { tail -20 "$work/$name.out" >&2; return 1; }
  finished="$(date +%s.%N)"
  sleep 1  # the servers' CPU counts a backend once the postmaster has reaped it
  read -r _ rss user sys <"$work/time"
  wall="$(echo "$finished - $started" | bc)"
  printf "%-24s %7.2f s  %8.0f rows/s  tool %5.1f CPU s (%4d MiB)  source %5.1f CPU s  target %5.1f CPU s  load %s\n" \
    "$name" "$wall" "$(echo "4 * $rows / $wall" | bc)" "$(echo "$user + $sys" | bc)" $((rss / 1024)) \
    "$(echo "$(server_cpu postgres-source) - $s0" | bc)" \
    "$(echo "$(server_cpu "$target") - $t0" | bc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- the dataset and the two copies ----------------------------------------------------------------
pg_sbtest bench_pgverify "$rows"
pgt -d postgres -c "DROP DATABASE IF EXISTS bench_pgverify WITH (FORCE)"
pgt -d postgres -c "CREATE DATABASE bench_pgverify"
maria -e "DROP DATABASE IF EXISTS bench_pgverify"
echo "dataset: 4 x $rows rows" >&2

spec() {  # spec NAME TARGET_YAML
  cat <<SPEC
name: $1
source: {kind: postgres, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PGPASSWORD, database: bench_pgverify}
target: $2
tables:
  - match: "public.*"
state_dir: $work/state-$1
parallelism: {copy_workers: $workers}
SPEC
}
spec bench-pgverify-pg "{kind: postgres, host: 127.0.0.1, port: $pg_port, user: cutover, password_env: PGPASSWORD, database: bench_pgverify}" >"$work/pg.yaml"
spec bench-pgverify-maria "{kind: mariadb, host: 127.0.0.1, port: $maria_port, user: cutover, password_env: PGPASSWORD, database: bench_pgverify}" >"$work/maria.yaml"
"$cutover" copy "$work/pg.yaml" --quiet >/dev/null
"$cutover" copy "$work/maria.yaml" --quiet >/dev/null

# --- the verifies ------------------------------------------------------------------------------------
check() {  # check NAME: the verify ended with 0 differences, having compared every row
  grep -q "^0 differences" "$work/$1.out" || { tail -20 "$work/$1.out" >&2; exit 1; }
  local compared
  compared="$(awk '$1 ~ /^public\.sbtest/ { sum += $3 } END { print sum + 0 }' "$work/$1.out")"
  [[ "$compared" == "$((4 * rows))" ]] ||
    { echo "$1: $compared rows compared, not $((4 * rows))" >&2; cat "$work/$1.out" >&2; exit 1; }
}
timed pg-checksums postgres-target "$cutover" verify "$work/pg.yaml"; check pg-checksums
timed pg-row-compare postgres-target "$cutover" verify "$work/pg.yaml" --row-compare; check pg-row-compare
timed mariadb-rows mariadb-target "$cutover" verify "$work/maria.yaml"; check mariadb-rows
