#!/usr/bin/env bash
# dynamodb_load.sh: items per second of `cutover copy` from MariaDB into dynalite, next to the
# server's own ceiling measured in the same run by dynamodb_raw_bench (pre-built BatchWriteItem
# requests of 25 items shaped exactly like cutover's, keep-alive HTTP, concurrency 1, 2, 4, 8;
# the best level is the ceiling). Dataset: one sysbench table of CUTOVER_BENCH_ROWS rows (default
# 1,000,000; id INT, k INT, c CHAR(120), pad CHAR(60)) in database bench_dynamo, mapped with
# `pk: "{id}"` (partition key pk, type N). Each side writes into a freshly created table and runs
# under GNU time (wall s, peak RSS). Figures and the command: docs/benchmarks.md.
#   bench/dynamodb_load.sh [BUILD_DIR]   (default <checkout>/build; needs `cutover` and
#                                          `dynamodb_raw_bench`, i.e. -DCUTOVER_BUILD_BENCH=ON)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
raw="$build/bench/dynamodb_raw_bench"
rows="${CUTOVER_BENCH_ROWS:-1000000}"
workers="${CUTOVER_BENCH_WORKERS:-4}"
levels="${CUTOVER_BENCH_CONCURRENCY:-1,2,4,8}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
endpoint="http://127.0.0.1:${CUTOVER_TEST_DYNALITE_PORT:-18000}"
export PW=cutover-test AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
work="$(mktemp -d /tmp/cutover_bench_dynamo_XXXXXX)"
trap 'rm -rf "$work"' EXIT

for tool in "$cutover" "$raw"; do [[ -x "$tool" ]] || { echo "build $tool first" >&2; exit 1; }; done
"$root/scripts/servers" start mariadb-source dynalite >/dev/null

src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
timed() {  # timed NAME COMMAND...: runs it under GNU time; leaves "wall_s peak_rss_kib" in NAME.time
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 ||
    { echo "$name failed:" >&2; tail -20 "$work/$name.log" >&2; return 1; }
}

# --- the dataset ------------------------------------------------------------------------------
if [[ "$(src -e "SELECT COUNT(*) FROM bench_dynamo.sbtest1" 2>/dev/null)" != "$rows" ]]; then
  src -e "DROP DATABASE IF EXISTS bench_dynamo; CREATE DATABASE bench_dynamo"
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_dynamo --tables=1 \
    --table-size="$rows" --threads=1 prepare >/dev/null
fi
echo "dataset: bench_dynamo.sbtest1, $rows rows, $(src -e "SELECT ROUND(DATA_LENGTH/1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA='bench_dynamo' AND TABLE_NAME='sbtest1'") MiB of data"
# The raw client sends the same rows; it reads them from a file, before its clock starts.
src --quick -e "SELECT id, k, c, pad FROM bench_dynamo.sbtest1 ORDER BY id" >"$work/rows.tsv"

# --- the mapping, and proof that both sides write the same items --------------------------------
cat >"$work/mapping.yaml" <<YAML
tables:
  - name: bench_cutover
    partition_key: {name: pk, type: N}
sources:
  bench_dynamo.sbtest1: {table: bench_cutover, pk: "{id}"}
YAML
src -e "SELECT JSON_OBJECT('table', 'bench_dynamo.sbtest1',
          'columns', JSON_OBJECT('id', 'int(11)', 'k', 'int(11)', 'c', 'char(120)', 'pad', 'char(60)'),
          'key', JSON_ARRAY('id'),
          'rows', JSON_ARRAYAGG(JSON_OBJECT('id', id, 'k', k, 'c', c, 'pad', pad)))
        FROM (SELECT * FROM bench_dynamo.sbtest1 ORDER BY id LIMIT 3) first_rows" >"$work/sample.json"
"$cutover" mapping test "$work/mapping.yaml" "$work/sample.json" | jq -S '[.[].item]' >"$work/cutover_items.json"
"$raw" --rows "$work/rows.tsv" --print-items 3 | jq -S . >"$work/raw_items.json"
cmp -s "$work/cutover_items.json" "$work/raw_items.json" ||
  { echo "the raw client's items differ from cutover's:" >&2; diff "$work/cutover_items.json" "$work/raw_items.json" >&2; exit 1; }

# --- the ceiling: pre-built BatchWriteItem requests --------------------------------------------
timed raw "$raw" --endpoint "$endpoint" --table bench_raw --rows "$work/rows.tsv" --concurrency "$levels"
"$raw" --endpoint "$endpoint" --table bench_raw --drop
read -r raw_wall raw_rss <"$work/raw.time"
sed -n 's/^concurrency=\([0-9]*\) .* seconds=\([0-9.]*\) items_per_second=\([0-9]*\)/raw concurrency \1: \2 s, \3 items\/s/p' "$work/raw.log"
read -r ceiling ceiling_level < <(sed -n 's/^ceiling items_per_second=\([0-9]*\) concurrency=\([0-9]*\)/\1 \2/p' "$work/raw.log")
echo "raw ceiling: $ceiling items/s at concurrency $ceiling_level (whole process: $raw_wall s, peak RSS $((raw_rss / 1024)) MiB, the pre-built requests included)"

# --- cutover copy ----------------------------------------------------------------------------
cat >"$work/spec.yaml" <<YAML
name: bench-dynamo
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4546}
target:
  kind: dynamodb
  existing_tables: truncate
  dynamodb: {endpoint: "$endpoint"}
tables: [{match: bench_dynamo.sbtest1}]
mapping: mapping.yaml
parallelism: {copy_workers: $workers}
state_dir: $work/state
YAML
timed cutover "$cutover" copy "$work/spec.yaml" --quiet
read -r cut_wall cut_rss <"$work/cutover.time"
items="$("$raw" --endpoint "$endpoint" --table bench_cutover --count)"
"$raw" --endpoint "$endpoint" --table bench_cutover --drop
[[ "$items" == "$rows" ]] || { echo "cutover wrote $items items, expected $rows" >&2; exit 1; }
table_rate="$(awk '$1 == "bench_dynamo.sbtest1" {print $5}' "$work/cutover.log")"
rate="$(awk -v n="$rows" -v s="$cut_wall" 'BEGIN {printf "%.0f", n / s}')"
echo "cutover copy: $cut_wall s wall (whole command), $rate items/s, peak RSS $((cut_rss / 1024)) MiB; $items items in the table; copy phase alone $table_rate rows/s"
awk -v c="$rate" -v t="$table_rate" -v r="$ceiling" \
  'BEGIN {printf "cutover / ceiling: %.1f%% (whole command), %.1f%% (copy phase)\n", 100 * c / r, 100 * t / r}'
