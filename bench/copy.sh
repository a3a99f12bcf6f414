#!/usr/bin/env bash
# copy.sh: measures `cutover copy` next to mydumper+myloader and mysqldump|mysql (MariaDB ->
# MariaDB) and next to pgloader (MariaDB -> PostgreSQL) on one dataset, in one run, on the local
# test servers: sysbench-shaped tables (4 x CUTOVER_BENCH_ROWS rows, default 1,000,000) plus a
# wide table (CUTOVER_BENCH_WIDE_ROWS, default 200,000) with DECIMAL, DATETIME(6), JSON, VARCHAR,
# TEXT, ENUM and BIGINT UNSIGNED columns. Each tool runs under GNU time (wall s, peak RSS).
# Figures and the command: docs/benchmarks.md.
#   bench/copy.sh [BUILD_DIR]    (BUILD_DIR default <checkout>/build; must have built `cutover`)
# CUTOVER_BENCH_ONLY=mariadb or =postgres runs one of the two comparisons.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
rows="${CUTOVER_BENCH_ROWS:-1000000}"
wide_rows="${CUTOVER_BENCH_WIDE_ROWS:-200000}"
workers="${CUTOVER_BENCH_WORKERS:-4}"
only="${CUTOVER_BENCH_ONLY:-}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
dst_port="${CUTOVER_TEST_MARIADB_TARGET_PORT:-13307}"
pg_port="${CUTOVER_TEST_POSTGRES_TARGET_PORT:-15433}"
export PW=cutover-test PGPASSWORD=cutover-test
work="$(mktemp -d /tmp/cutover_bench_copy_XXXXXX)"
trap 'rm -rf "$work"' EXIT

[[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
"$root/scripts/servers" start mariadb-source mariadb-target postgres-target >/dev/null

src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
dst() { mariadb -h127.0.0.1 -P"$dst_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
pg() { psql -h127.0.0.1 -p"$pg_port" -Ucutover -d cutover_test -qAt "$@"; }
# CPU seconds a server has used so far: its own and that of its children that ended (PostgreSQL
# runs a process per connection; the postmaster collects their time when they exit).
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
timed() {  # timed NAME SOURCE TARGET COMMAND...: prints wall s, peak RSS MiB, CPU s of tool and servers
  local name="$1" source="$2" target="$3"; shift 3
  local s0 t0; s0="$(server_cpu "$source")"; t0="$(server_cpu "$target")"
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/$name.log" 2>&1 ||
    { echo "$name failed:" >&2; tail -20 "$work/$name.log" >&2; return 1; }
  read -r wall rss user sys <"$work/time"
  printf '%s %s s, %s MiB; CPU s: tool %.1f, %s %.1f, %s %.1f\n' "$name" "$wall" "$((rss / 1024))" \
    "$(echo "$user + $sys" | bc)" "$source" "$(echo "$(server_cpu "$source") - $s0" | bc)" \
    "$target" "$(echo "$(server_cpu "$target") - $t0" | bc)"
}

# --- the dataset ------------------------------------------------------------------------------
if [[ "$(src -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_copy'")" != 5 ]]; then
  src -e "DROP DATABASE IF EXISTS bench_copy; CREATE DATABASE bench_copy"
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_copy --tables=4 \
    --table-size="$rows" --threads=2 prepare >/dev/null
  src bench_copy -e "CREATE TABLE wide (id BIGINT UNSIGNED PRIMARY KEY, amount DECIMAL(18,4),
    created DATETIME(6), doc JSON, name VARCHAR(100), body TEXT, state ENUM('new','paid','shipped'),
    counter BIGINT UNSIGNED, KEY k_created (created));
    INSERT INTO wide SELECT seq, seq * 1.2345, '2024-01-01' + INTERVAL seq SECOND,
      JSON_OBJECT('id', seq, 'tags', JSON_ARRAY('a', 'b'), 'price', seq / 7),
      CONCAT('customer ', seq), REPEAT('lorem ipsum ', 1 + seq % 20),
      ELT(1 + seq % 3, 'new', 'paid', 'shipped'), 18446744073709551615 - seq
    FROM seq_1_to_$wide_rows; ANALYZE TABLE wide, sbtest1, sbtest2, sbtest3, sbtest4"
fi
total=$(src -e "SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_copy'")
echo "dataset: bench_copy, about $total rows, $(src -e "SELECT ROUND(SUM(DATA_LENGTH)/1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_copy'") MiB of data"

spec() {  # spec NAME TARGET_BLOCK
  cat >"$work/$1.yaml" <<YAML
name: $1
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4545}
target: $2
tables: [{match: "bench_copy.*"}]
parallelism: {copy_workers: $workers, index_builders: 2}
state_dir: $work/state-$1
YAML
}

# --- MariaDB -> MariaDB -------------------------------------------------------------------------
if [[ "$only" != postgres ]]; then
for db in bench_cutover bench_myloader bench_dump; do dst -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"; done
spec bench-mariadb "{kind: mariadb, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: bench_cutover}"
timed cutover_mariadb mariadb-source mariadb-target "$cutover" copy "$work/bench-mariadb.yaml" --quiet
timed mydumper mariadb-source mariadb-target mydumper -h 127.0.0.1 -P "$src_port" -u cutover -p "$PW" -B bench_copy \
  -t "$workers" --rows 100000 -o "$work/dump"
timed myloader mariadb-source mariadb-target myloader -h 127.0.0.1 -P "$dst_port" -u cutover -p "$PW" -B bench_myloader \
  -s bench_copy -t "$workers" -d "$work/dump"
timed mysqldump mariadb-source mariadb-target bash -c "mariadb-dump -h127.0.0.1 -P$src_port -ucutover -p$PW --single-transaction \
  bench_copy | mariadb -h127.0.0.1 -P$dst_port -ucutover -p$PW bench_dump"
for db in bench_cutover bench_myloader bench_dump; do
  echo "$db rows: $(dst -e "SELECT (SELECT COUNT(*) FROM $db.sbtest1)+(SELECT COUNT(*) FROM $db.sbtest2)+(SELECT COUNT(*) FROM $db.sbtest3)+(SELECT COUNT(*) FROM $db.sbtest4)+(SELECT COUNT(*) FROM $db.wide)")"
done

fi

# --- MariaDB -> PostgreSQL ------------------------------------------------------------------------
if [[ "$only" != mariadb ]]; then
pg -c "DROP SCHEMA IF EXISTS bench_copy CASCADE"
spec bench-postgres "{kind: postgres, host: 127.0.0.1, port: $pg_port, user: cutover, password_env: PW, database: cutover_test}"
timed cutover_postgres mariadb-source postgres-target "$cutover" copy "$work/bench-postgres.yaml" --quiet
echo "cutover postgres rows: $(pg -c "SELECT (SELECT COUNT(*) FROM bench_copy.sbtest1)+(SELECT COUNT(*) FROM bench_copy.wide)") (sbtest1 + wide)"
pg -c "DROP SCHEMA IF EXISTS bench_copy CASCADE"
# pgloader's defaults exhaust its 1 GiB SBCL heap on this dataset; smaller batches fit.
cat >"$work/pgloader.load" <<LOAD
LOAD DATABASE
  FROM mysql://cutover:$PW@127.0.0.1:$src_port/bench_copy
  INTO postgresql://cutover:$PW@127.0.0.1:$pg_port/cutover_test
  WITH workers = $workers, concurrency = 1, prefetch rows = 10000, batch rows = 10000;
LOAD
timed pgloader mariadb-source postgres-target pgloader --no-ssl-cert-verification "$work/pgloader.load"
echo "pgloader rows: $(pg -c "SELECT (SELECT COUNT(*) FROM bench_copy.sbtest1)+(SELECT COUNT(*) FROM bench_copy.wide)") (sbtest1 + wide)"
pg -c "DROP SCHEMA IF EXISTS bench_copy CASCADE"
fi
for db in bench_cutover bench_myloader bench_dump; do dst -e "DROP DATABASE IF EXISTS $db"; done
