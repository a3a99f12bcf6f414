#!/usr/bin/env bash
# cdc_lag.sh: end-to-end lag and throughput of `cutover run` in continuous CDC into the MariaDB
# target (or, with CUTOVER_BENCH_TARGET=dynamodb, into dynalite: every table mapped to a DynamoDB
# table, items keyed by the row's id), under a fixed sysbench write rate on the source. Steps:
#  1. dataset bench_cdc (sysbench, 1 table x CUTOVER_BENCH_ROWS rows) plus a probe table;
#     `cutover run` copies it and reaches the `cdc` phase;
#  2. capacity: with cutover stopped, `sysbench oltp_write_only` ($mix) uncapped for 30 s builds a
#     backlog; cutover is started again and the time until a probe row inserted after the backlog
#     reaches the target gives the apply capacity (changes/s);
#  3. measurement: sysbench at half that capacity (--rate, transactions/s) for
#     CUTOVER_BENCH_SECONDS (default 600) while bench/cdc_probe inserts 10 probes/s and reports
#     the lag from source commit to target visibility (p50/p90/p99/max) and cutover's RSS.
# Figures and the command: docs/benchmarks.md.
#   bench/cdc_lag.sh [BUILD_DIR]    (BUILD_DIR default <checkout>/build, with -DCUTOVER_BUILD_BENCH=ON)
#   CUTOVER_BENCH_TARGET=dynamodb bench/cdc_lag.sh [BUILD_DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
probe="$build/bench/cdc_probe"
rows="${CUTOVER_BENCH_ROWS:-100000}"
seconds="${CUTOVER_BENCH_SECONDS:-600}"
# Transactions of 5 index updates, 5 other updates and 5 delete+insert pairs (20 row changes):
# with single-statement transactions the source itself tops out far below the apply capacity.
mix="${CUTOVER_BENCH_MIX:---index_updates=5 --non_index_updates=5 --delete_inserts=5}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
dst_port="${CUTOVER_TEST_MARIADB_TARGET_PORT:-13307}"
target="${CUTOVER_BENCH_TARGET:-mariadb}"
endpoint="http://127.0.0.1:${CUTOVER_TEST_DYNALITE_PORT:-18000}"
[[ "$target" == mariadb || "$target" == dynamodb ]] ||
  { echo "CUTOVER_BENCH_TARGET is mariadb or dynamodb, not $target" >&2; exit 1; }
# dynalite checks that a request is signed, not with which key (docs/servers.md).
export PW=cutover-test AWS_ACCESS_KEY_ID=cutover AWS_SECRET_ACCESS_KEY=cutover-test
work="$(mktemp -d /tmp/cutover_bench_cdc_XXXXXX)"
run_pid=""
dynamo() {  # dynamo ACTION JSON: one DynamoDB API call to dynalite (curl signs it with SigV4)
  curl -sS --aws-sigv4 "aws:amz:us-east-1:dynamodb" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "X-Amz-Target: DynamoDB_20120810.$1" -H 'Content-Type: application/x-amz-json-1.0' -d "$2" "$endpoint/"
}
drop_dynamo_tables() {  # dynalite holds its tables in memory, shared with other users of the server
  for table in bench_cdc_sbtest1 bench_cdc_probe; do dynamo DeleteTable "{\"TableName\": \"$table\"}" >/dev/null || true; done
}
cleanup() {
  [[ -n "$run_pid" ]] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" || true
  [[ "$target" == dynamodb ]] && drop_dynamo_tables
  # CUTOVER_BENCH_KEEP_LOGS=DIR keeps the run's and sysbench's logs (lag spikes, retries) there.
  [[ -n "${CUTOVER_BENCH_KEEP_LOGS:-}" ]] && mkdir -p "$CUTOVER_BENCH_KEEP_LOGS" &&
    cp "$work"/*.log "$CUTOVER_BENCH_KEEP_LOGS/" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

[[ -x "$cutover" && -x "$probe" ]] || { echo "build cutover and cdc_probe (-DCUTOVER_BUILD_BENCH=ON) first" >&2; exit 1; }
if [[ "$target" == dynamodb ]]; then
  "$root/scripts/servers" start mariadb-source dynalite >/dev/null
else
  "$root/scripts/servers" start mariadb-source mariadb-target >/dev/null
fi

src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
dst() { mariadb -h127.0.0.1 -P"$dst_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
sb() {  # sb EXTRA...: sysbench oltp_write_only on bench_cdc
  sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_cdc --tables=1 \
    --table-size="$rows" $mix "$@"
}
start_run() {
  "$cutover" run "$work/spec.yaml" --status-every 30 >>"$work/run.log" 2>&1 &
  run_pid=$!
}
stop_run() { kill -TERM "$run_pid"; wait "$run_pid" || true; run_pid=""; }
status_field() { "$cutover" status "$work/spec.yaml" --json | jq -r "$1"; }
dynalite_pid() { "$root/scripts/servers" status dynalite | sed -n 's/.* pid=\([0-9]*\).*/\1/p'; }
dynalite_rss() {  # dynalite's RSS in MiB (it keeps every table in memory)
  awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$(dynalite_pid)/status"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in 1/CLK_TCK s
probe_zero_applied() {  # is the probe row with id 0 on the target?
  if [[ "$target" == dynamodb ]]; then
    [[ "$(dynamo GetItem '{"TableName": "bench_cdc_probe", "Key": {"pk": {"N": "0"}}, "ConsistentRead": true}' 2>/dev/null |
      jq -r '.Item.pk.N // empty' 2>/dev/null)" == 0 ]]
  else
    [[ "$(dst -e "SELECT COUNT(*) FROM bench_cdc_t.cdc_probe WHERE id = 0" 2>/dev/null)" == 1 ]]
  fi
}

src -e "DROP DATABASE IF EXISTS bench_cdc; CREATE DATABASE bench_cdc"
sb --threads=2 prepare >/dev/null
src -e "CREATE TABLE bench_cdc.cdc_probe (id BIGINT PRIMARY KEY, sent DATETIME(6))"
if [[ "$target" == dynamodb ]]; then
  # One DynamoDB table per source table, each item keyed by the row's id (partition key pk, N);
  # `truncate` recreates them, so a rerun starts empty.
  cat >"$work/mapping.yaml" <<YAML
tables:
  - {name: bench_cdc_sbtest1, partition_key: {name: pk, type: N}}
  - {name: bench_cdc_probe, partition_key: {name: pk, type: N}}
sources:
  bench_cdc.sbtest1: {table: bench_cdc_sbtest1, pk: "{id}"}
  bench_cdc.cdc_probe: {table: bench_cdc_probe, pk: "{id}"}
YAML
  cat >"$work/spec.yaml" <<YAML
name: bench-cdc-dynamodb
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4548}
target:
  kind: dynamodb
  existing_tables: truncate
  dynamodb: {endpoint: "$endpoint", access_key_id_env: AWS_ACCESS_KEY_ID, secret_access_key_env: AWS_SECRET_ACCESS_KEY}
mapping: mapping.yaml
tables: [{match: "bench_cdc.*"}]
state_dir: $work/state
YAML
  # Each poll is an HTTP request to the single-threaded dynalite, which also serves the applier:
  # every 10 ms, not every 2 ms, so the probe does not take a noticeable share of its core.
  probe_target=(--dynamodb-endpoint "$endpoint" --dynamodb-table bench_cdc_probe --dynamodb-key pk
                --poll-ms 10)
else
  dst -e "DROP DATABASE IF EXISTS bench_cdc_t"
  cat >"$work/spec.yaml" <<YAML
name: bench-cdc
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4547}
target: {kind: mariadb, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: bench_cdc_t}
tables: [{match: "bench_cdc.*"}]
state_dir: $work/state
YAML
  probe_target=(--target-port "$dst_port")
fi

# 1. copy, then CDC
start_run
until [[ "$(status_field .cdc.phase 2>/dev/null)" == cdc ]]; do sleep 1; done
echo "copied $rows rows into $target; phase cdc"

# 2. capacity: drain a 30 s uncapped backlog
stop_run
before="$(src -e "SELECT COUNT(*) FROM bench_cdc.sbtest1")"
backlog_tx="$(sb --threads=2 --time=30 run | awk '/transactions:/ {print $2}')"
src -e "INSERT INTO bench_cdc.cdc_probe VALUES (0, NOW(6))"
began=$(date +%s.%N)
start_run
until probe_zero_applied; do sleep 0.05; done
drained=$(date +%s.%N)
sleep 1.5  # the run records its status every second
applied="$(status_field .cdc.applied_changes)"
capacity=$(echo "$applied / ($drained - $began)" | bc)
per_tx=$(echo "scale=2; $applied / $backlog_tx" | bc)
# Half the apply capacity, unless the source cannot write that fast: sysbench aborts when its
# workers fall behind --rate, so then 80 % of the rate the source reached alone in step 2.
tps=$(echo "$capacity / 2 / $per_tx" | bc)
source_tps=$(echo "$backlog_tx * 8 / 10 / 30" | bc)
if ((source_tps < tps)); then
  echo "half the apply capacity is $tps transactions/s, more than the source writes alone ($((backlog_tx / 30))/s): using $source_tps"
  tps=$source_tps
fi
echo "capacity: $backlog_tx transactions ($applied changes, $per_tx per transaction) applied in $(echo "$drained - $began" | bc) s = $capacity changes/s (source had $before rows)"

# 3. half capacity for $seconds s
echo "measuring: sysbench --rate=$tps transactions/s (about $((tps * ${per_tx%.*})) changes/s) for $seconds s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
applied_before="$(status_field .cdc.applied_changes)"
run_ticks_before="$(cpu_ticks "$run_pid")"
if [[ "$target" == dynamodb ]]; then
  echo "dynalite RSS at the start: $(dynalite_rss) MiB"
  dynalite_ticks_before="$(cpu_ticks "$(dynalite_pid)")"
fi
sb --threads=2 --rate="$tps" --time="$seconds" run >"$work/sysbench.log" 2>&1 &
sb_pid=$!
/usr/bin/time -f "%e" -o "$work/probe.time" "$probe" --source-port "$src_port" "${probe_target[@]}" \
  --seconds "$seconds" --rate 10 --pid "$run_pid"
wait "$sb_pid"
run_ticks_after="$(cpu_ticks "$run_pid")"
[[ "$target" == dynamodb ]] && dynalite_ticks_after="$(cpu_ticks "$(dynalite_pid)")"
sleep 1.5
applied_after="$(status_field .cdc.applied_changes)"
echo "sysbench: $(awk '/transactions:/ {print $2, $3}' "$work/sysbench.log") transactions"
echo "sustained apply: $(( (applied_after - applied_before) / seconds )) changes/s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cutover peak RSS (VmHWM): $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$run_pid/status") MiB"
tick=$(getconf CLK_TCK)
echo "cutover CPU: $(( (run_ticks_after - run_ticks_before) * 100 / tick / seconds ))% of one core"
if [[ "$target" == dynamodb ]]; then
  echo "dynalite: RSS at the end $(dynalite_rss) MiB; CPU $(( (dynalite_ticks_after - dynalite_ticks_before) * 100 / tick / seconds ))% of one core (other users of the server included)"
fi
stop_run
tail -3 "$work/run.log"
