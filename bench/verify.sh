#!/usr/bin/env bash
# verify.sh: rows per second of `cutover verify`, in one run on the local test servers:
#  1. MariaDB -> MariaDB, next to pt-table-checksum (percona-toolkit) over the same tables: the
#     dataset of bench/copy.sh (sysbench-shaped tables, 4 x CUTOVER_BENCH_ROWS rows, default
#     1,000,000, plus its `wide` table of CUTOVER_BENCH_WIDE_ROWS, default 200,000), created on
#     the source the same way (or reused), then `cutover copy` into the database of the same
#     name on the target, then `cutover verify` (in-server chunk checksums, the default),
#     `cutover verify --row-compare` (every row read from both sides and compared) and
#     pt-table-checksum. pt-table-checksum compares a source with its replicas, so for its run
#     the target becomes a replica of the source for as long as it runs (replication from the
#     source's binlog position just before it, so only its own statements replicate): it
#     computes each chunk's checksum on the source, the replica computes it again when the
#     statement replicates, and it compares the two. Both tools then do the same work on the
#     same two servers. Its figure without a replica (source only) is printed too.
#  2. MariaDB -> DynamoDB (dynalite): one sysbench table of CUTOVER_BENCH_DYNAMO_ROWS rows
#     (default 100,000) in database bench_verify_dynamo, copied with `cutover copy` (pk: "{id}",
#     partition key pk of type N), then `cutover verify` (BatchGetItem by key, then a Scan for
#     extra items).
#  3. MariaDB -> PostgreSQL: the dataset of part 1 copied into the schema of the same name in
#     postgres-target's test database, then `cutover verify` (chunk checksums computed by both
#     servers over a canonical row text, docs/verify.md) and `cutover verify --row-compare`.
# Every verify must end with `0 differences` and exit 0, and every tool must report the same
# number of rows, or the script fails. Each tool runs under GNU time (wall s, peak RSS) with the
# CPU seconds of the tool and of both servers. Figures and the command: docs/benchmarks.md.
#   bench/verify.sh [BUILD_DIR]    (BUILD_DIR default <checkout>/build; must have built `cutover`)
# CUTOVER_BENCH_ONLY=mariadb, =dynamodb or =postgres runs one of the three parts;
# CUTOVER_BENCH_DB (default bench_copy, shared with bench/copy.sh) names the source database of
# parts 1 and 3, so a trial with a small CUTOVER_BENCH_ROWS can use its own.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
rows="${CUTOVER_BENCH_ROWS:-1000000}"
wide_rows="${CUTOVER_BENCH_WIDE_ROWS:-200000}"
dynamo_rows="${CUTOVER_BENCH_DYNAMO_ROWS:-100000}"
workers="${CUTOVER_BENCH_WORKERS:-4}"
only="${CUTOVER_BENCH_ONLY:-}"
db="${CUTOVER_BENCH_DB:-bench_copy}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
dst_port="${CUTOVER_TEST_MARIADB_TARGET_PORT:-13307}"
pg_port="${CUTOVER_TEST_POSTGRES_TARGET_PORT:-15433}"
endpoint="http://127.0.0.1:${CUTOVER_TEST_DYNALITE_PORT:-18000}"
dynamo_table=bench_verify_sbtest1
# dynalite checks that a request is signed, not with which key (docs/servers.md).
export PW=cutover-test AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
work="$(mktemp -d /tmp/cutover_bench_verify_XXXXXX)"

src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
dst() { mariadb -h127.0.0.1 -P"$dst_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
dynamo() {  # dynamo ACTION JSON: one DynamoDB API call to dynalite (curl signs it with SigV4)
  curl -sS --aws-sigv4 "aws:amz:us-east-1:dynamodb" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "X-Amz-Target: DynamoDB_20120810.$1" -H 'Content-Type: application/x-amz-json-1.0' -d "$2" "$endpoint/"
}
part() { [[ -z "$only" || "$only" == "$1" ]]; }  # part NAME: whether that part runs
pg() { PGPASSWORD="$PW" psql -h 127.0.0.1 -p "$pg_port" -U cutover -d cutover_test -qAt "$@"; }
cleanup() {  # the copies are dropped; the source datasets stay for the next run
  part postgres && { pg -c "DROP SCHEMA IF EXISTS $db CASCADE" || true; }
  if part mariadb; then
    dst -e "STOP SLAVE; RESET SLAVE ALL" 2>/dev/null || true
    dst -e "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS bench_verify_pt" || true
    src -e "DROP DATABASE IF EXISTS bench_verify_pt" || true
  fi
  # dynalite holds its tables in memory, shared with other users of the server
  part dynamodb && { dynamo DeleteTable "{\"TableName\": \"$dynamo_table\"}" >/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

[[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
servers=(mariadb-source)  # the ones the parts that run need
part mariadb && servers+=(mariadb-target)
part dynamodb && servers+=(dynalite)
part postgres && servers+=(postgres-target)
"$root/scripts/servers" start "${servers[@]}" >/dev/null

# CPU seconds a server has used so far: its own and that of its children that ended.
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
timed() {  # timed NAME SOURCE TARGET COMMAND...: prints wall s, peak RSS MiB, CPU s of tool and servers
  local name="$1" source="$2" target="$3"; shift 3
  local s0 t0 s1 t1; s0="$(server_cpu "$source")"; t0="$(server_cpu "$target")"
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/$name.log" 2>&1 ||
    { echo "$name failed:" >&2; tail -20 "$work/$name.log" >&2; return 1; }
  s1="$(server_cpu "$source")"; t1="$(server_cpu "$target")"
  read -r wall rss user sys <"$work/time"
  tool_cpu="$(echo "$user + $sys" | bc)"
  source_cpu="$(echo "$s1 - $s0" | bc)"
  target_cpu="$(echo "$t1 - $t0" | bc)"
  printf '%s %s s, %s MiB; CPU s: tool %.1f, %s %.1f, %s %.1f\n' "$name" "$wall" "$((rss / 1024))" \
    "$tool_cpu" "$source" "$source_cpu" "$target" "$target_cpu"
}
rate() {  # rate NAME ROWS: after `timed NAME ...`, its rows/s; one line of the summary
  local per_s; per_s="$(awk -v n="$2" -v s="$wall" 'BEGIN {printf "%.0f", n / s}')"
  echo "$1: $2 rows, $per_s rows/s"
  printf '| %s | %s | %s | %s | %s | %.1f / %.1f / %.1f |\n' "$1" "$2" "$wall" "$per_s" "$((rss / 1024))" \
    "$tool_cpu" "$source_cpu" "$target_cpu" >>"$work/summary"
}
verified() {  # verified NAME: source rows a verify compared (its report), once it found 0 differences
  local log="$work/$1.log"
  [[ "$(tail -1 "$log")" == "0 differences" ]] ||
    { echo "$1 did not end with '0 differences':" >&2; tail -20 "$log" >&2; exit 1; }
  # Table lines: source table, target, rows, missing, extra, different. The DynamoDB Scan's line
  # (`scan for extra items ...`, more fields) counts the items it read, not source rows.
  awk 'NF == 6 && $1 != "table" && $3 ~ /^[0-9]+$/ {n += $3} END {print n + 0}' "$log"
}
# verify_pair NAME TARGET SPEC LABEL: `cutover verify SPEC` (chunk checksums) and then with
# --row-compare, both to 0 differences over the same rows; sets `checked` to their rows.
verify_pair() {
  local name="$1" target="$2" spec="$3" label="$4" compared
  timed "$name" mariadb-source "$target" "$cutover" verify "$spec"
  checked="$(verified "$name")"
  rate "\`cutover verify\`$label (checksums)" "$checked"
  timed "${name}_rows" mariadb-source "$target" "$cutover" verify "$spec" --row-compare
  compared="$(verified "${name}_rows")"
  [[ "$compared" == "$checked" ]] ||
    { echo "$name --row-compare compared $compared rows, verify $checked" >&2; exit 1; }
  rate "\`cutover verify --row-compare\`$label" "$checked"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| tool | rows | wall s | rows/s | peak RSS MiB | CPU s: tool / source / target |" >"$work/summary"
echo "|---|---:|---:|---:|---:|---:|" >>"$work/summary"

# The dataset of parts 1 and 3, as bench/copy.sh makes it.
dataset() {
if [[ "$(src -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db'")" != 5 ]]; then
  src -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db="$db" --tables=4 \
    --table-size="$rows" --threads=2 prepare >/dev/null
  src "$db" -e "CREATE TABLE wide (id BIGINT UNSIGNED PRIMARY KEY, amount DECIMAL(18,4),
    created DATETIME(6), doc JSON, name VARCHAR(100), body TEXT, state ENUM('new','paid','shipped'),
    counter BIGINT UNSIGNED, KEY k_created (created));
    INSERT INTO wide SELECT seq, seq * 1.2345, '2024-01-01' + INTERVAL seq SECOND,
      JSON_OBJECT('id', seq, 'tags', JSON_ARRAY('a', 'b'), 'price', seq / 7),
      CONCAT('customer ', seq), REPEAT('lorem ipsum ', 1 + seq % 20),
      ELT(1 + seq % 3, 'new', 'paid', 'shipped'), 18446744073709551615 - seq
    FROM seq_1_to_$wide_rows; ANALYZE TABLE wide, sbtest1, sbtest2, sbtest3, sbtest4" >/dev/null
fi
echo "dataset: $db, about $(src -e "SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db'") rows, $(src -e "SELECT ROUND(SUM(DATA_LENGTH)/1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db'") MiB of data"
}

# --- MariaDB -> MariaDB ---------------------------------------------------------------------------
if part mariadb; then
dataset

dst -e "DROP DATABASE IF EXISTS $db"
cat >"$work/mariadb.yaml" <<YAML
name: bench-verify-mariadb
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4549}
target: {kind: mariadb, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: $db}
tables: [{match: "$db.*"}]
parallelism: {copy_workers: $workers, index_builders: 2}
state_dir: $work/state-mariadb
YAML
timed copy_mariadb mariadb-source mariadb-target "$cutover" copy "$work/mariadb.yaml" --quiet

verify_pair cutover_verify mariadb-target "$work/mariadb.yaml" ""

# pt-table-checksum: its own defaults (CRC32, chunks sized toward --chunk-time 0.5 s, one table
# at a time, pausing while a replica lags more than 1 s), without the start watermark table
# every `cutover copy` leaves on the source (never copied, so absent on the replica). Lines: TS ERRORS DIFFS ROWS DIFF_ROWS
# CHUNKS SKIPPED TIME TABLE; every table must be checked in full with no difference.
pt_checked() {  # pt_checked NAME: the rows its log reports, or "bad"
  awk -v db="$db" 'index($9, db ".") == 1 {
      if ($2 != 0 || $3 != 0 || $7 != 0) bad = 1; n += $4; tables++ }
    END {if (bad || tables != 5) print "bad"; else print n}' "$work/$1.log"
}
pt_run() {  # pt_run NAME ARGS...: pt-table-checksum over the dataset, its rows checked
  local name="$1"; shift
  src -e "DROP DATABASE IF EXISTS bench_verify_pt"
  dst -e "DROP DATABASE IF EXISTS bench_verify_pt"
  timed "$name" mariadb-source mariadb-target pt-table-checksum \
    "h=127.0.0.1,P=$src_port,u=cutover,p=$PW" --databases "$db" \
    --replicate bench_verify_pt.checksums --no-check-binlog-format \
    --ignore-tables "$db.cutover_watermarks" "$@"
  pt_rows="$(pt_checked "$name")"
  [[ "$pt_rows" == "$checked" ]] ||
    { echo "$name checked $pt_rows rows (errors, differences, skipped chunks or missing tables?), cutover $checked:" >&2
      cat "$work/$name.log" >&2; exit 1; }
  echo "$name chunks: $(src -e "SELECT COUNT(*) FROM bench_verify_pt.checksums")"
}

# With the target as its replica. The DSN table that tells it where the replica is lives in a
# database of its own on the source, created before the replication starts.
src -e "DROP DATABASE IF EXISTS bench_verify_dsn; CREATE DATABASE bench_verify_dsn;
  CREATE TABLE bench_verify_dsn.dsns (id INT PRIMARY KEY, parent_id INT, dsn VARCHAR(255));
  INSERT INTO bench_verify_dsn.dsns VALUES (1, NULL, 'h=127.0.0.1,P=$dst_port,u=cutover,p=$PW')"
src -e "DROP DATABASE IF EXISTS bench_verify_pt"
read -r binlog_file binlog_pos _ <<<"$(src -e "SHOW MASTER STATUS")"
dst -e "STOP SLAVE; RESET SLAVE ALL; DROP DATABASE IF EXISTS bench_verify_pt;
  CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$src_port, MASTER_USER='cutover',
    MASTER_PASSWORD='$PW', MASTER_LOG_FILE='$binlog_file', MASTER_LOG_POS=$binlog_pos,
    MASTER_USE_GTID=no;
  START SLAVE"
for _ in $(seq 50); do
  [[ "$(dst -e "SHOW SLAVE STATUS\G" | awk '/Slave_IO_Running:|Slave_SQL_Running:/ {print $2}' | sort -u)" == Yes ]] && break
  sleep 0.2
done
pt_run pt_table_checksum --recursion-method "dsn=h=127.0.0.1,P=$src_port,u=cutover,p=$PW,D=bench_verify_dsn,t=dsns"
[[ "$(dst -e "SELECT COUNT(*) FROM bench_verify_pt.checksums WHERE this_crc = master_crc AND this_cnt = master_cnt")" == \
   "$(src -e "SELECT COUNT(*) FROM bench_verify_pt.checksums")" ]] ||
  { echo "the replica's checksums are missing or differ" >&2; exit 1; }
rate "\`pt-table-checksum\` (target as replica)" "$pt_rows"
dst -e "STOP SLAVE; RESET SLAVE ALL; DROP DATABASE IF EXISTS bench_verify_pt"
src -e "DROP DATABASE IF EXISTS bench_verify_dsn"

# The same on the source alone (no replica to find: --recursion-method none), which is half the
# work: the checksums are computed on one server and compared with nothing.
pt_run pt_table_checksum_alone --recursion-method none --no-check-replication-filters
rate "\`pt-table-checksum\` (source only, nothing compared)" "$pt_rows"
fi

# --- MariaDB -> PostgreSQL ----------------------------------------------------------------------------
if part postgres; then
part mariadb || dataset
pg -c "DROP SCHEMA IF EXISTS $db CASCADE"
cat >"$work/postgres.yaml" <<YAML
name: bench-verify-postgres
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4551}
target: {kind: postgres, host: 127.0.0.1, port: $pg_port, user: cutover, password_env: PW, database: cutover_test}
tables: [{match: "$db.*"}]
parallelism: {copy_workers: $workers, index_builders: 2}
state_dir: $work/state-postgres
YAML
timed copy_postgres mariadb-source postgres-target "$cutover" copy "$work/postgres.yaml" --quiet
verify_pair cutover_verify_postgres postgres-target "$work/postgres.yaml" " into PostgreSQL"
fi

# --- MariaDB -> DynamoDB (dynalite) -----------------------------------------------------------------
if part dynamodb; then
if [[ "$(src -e "SELECT COUNT(*) FROM bench_verify_dynamo.sbtest1" 2>/dev/null)" != "$dynamo_rows" ]]; then
  src -e "DROP DATABASE IF EXISTS bench_verify_dynamo; CREATE DATABASE bench_verify_dynamo"
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_verify_dynamo --tables=1 \
    --table-size="$dynamo_rows" --threads=1 prepare >/dev/null
fi
echo "dataset: bench_verify_dynamo.sbtest1, $dynamo_rows rows"
cat >"$work/mapping.yaml" <<YAML
tables:
  - {name: $dynamo_table, partition_key: {name: pk, type: N}}
sources:
  bench_verify_dynamo.sbtest1: {table: $dynamo_table, pk: "{id}"}
YAML
cat >"$work/dynamodb.yaml" <<YAML
name: bench-verify-dynamodb
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4550}
target:
  kind: dynamodb
  existing_tables: truncate
  dynamodb: {endpoint: "$endpoint"}
tables: [{match: bench_verify_dynamo.sbtest1}]
mapping: mapping.yaml
parallelism: {copy_workers: $workers}
state_dir: $work/state-dynamodb
YAML
timed copy_dynamodb mariadb-source dynalite "$cutover" copy "$work/dynamodb.yaml" --quiet
timed cutover_verify_dynamodb mariadb-source dynalite "$cutover" verify "$work/dynamodb.yaml"
dynamo_checked="$(verified cutover_verify_dynamodb)"
[[ "$dynamo_checked" == "$dynamo_rows" ]] ||
  { echo "verify into dynalite compared $dynamo_checked rows, expected $dynamo_rows" >&2; exit 1; }
rate "\`cutover verify\` into dynalite" "$dynamo_checked"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$work/summary"
