#!/usr/bin/env bash
# kafka_cdc.sh: how fast `cutover run` sends a CDC backlog from MariaDB into a Kafka target
# (Debezium envelopes, schemas on) on librdkafka's mock cluster, next to one raw idempotent
# producer sending the same number of update envelopes, pre-built by cutover's encoder, to the
# same cluster. Per round (CUTOVER_BENCH_RUNS, default 3), on a fresh cluster (3 brokers, 12
# partitions, hosted by kafka_target_bench --serve):
#  1. `cutover run` copies bench_kafka_cdc.sbtest1 (CUTOVER_BENCH_ROWS rows, default 100,000)
#     into the topic, reaches the `cdc` phase and is stopped;
#  2. sysbench oltp_write_only writes CUTOVER_BENCH_TRANSACTIONS (default 25,000) transactions
#     of 4 row changes each (two updates, a delete, an insert) while cutover is stopped;
#  3. cutover: `cutover run` started again until `cutover fence` passes: process start, the
#     binlog backlog read into the change log, every change encoded, sent and acknowledged by the
#     brokers before its lane's checkpoint (a delete also sends its tombstone);
#  4. replay: `cutover replay --from 0` of the same change log into another topic of the same
#     cluster: the apply side alone (the log read, routed, encoded, sent and acknowledged), the
#     part a raw producer is like for like with but for the encoding;
#  5. raw: `kafka_target_bench --updates <changes>` sends as many op-u envelopes (before and
#     after images) and flushes.
# Prints one line per round and the medians; figures and the command: docs/benchmarks.md.
# CUTOVER_BENCH_PERF=FILE records `perf record -a -g` (the whole machine) during the last round's
# step 3.
#   bench/kafka_cdc.sh [BUILD_DIR]   (default <checkout>/build, with -DCUTOVER_BUILD_BENCH=ON)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
bench="$build/bench/kafka_target_bench"
rows="${CUTOVER_BENCH_ROWS:-100000}"
transactions="${CUTOVER_BENCH_TRANSACTIONS:-25000}"
runs="${CUTOVER_BENCH_RUNS:-3}"
lanes="${CUTOVER_BENCH_LANES:-8}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
export PW=cutover-test
work="$(mktemp -d /tmp/cutover_bench_kafka_cdc_XXXXXX)"
serve_pid=""
run_pid=""
cleanup() {
  [[ -n "$run_pid" ]] && { kill -TERM "$run_pid" 2>/dev/null; wait "$run_pid" || true; }
  [[ -n "$serve_pid" ]] && { kill "$serve_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
for tool in "$cutover" "$bench"; do [[ -x "$tool" ]] || { echo "build $tool first" >&2; exit 1; }; done
"$root/scripts/servers" start mariadb-source >/dev/null
src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
sb() {
  sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_kafka_cdc --tables=1 \
    --table-size="$rows" "$@"
}
start_run() {
  "$cutover" run "$work/spec.yaml" --status-every 30 >>"$work/run.log" 2>&1 &
  run_pid=$!
}
stop_run() { kill -TERM "$run_pid"; wait "$run_pid" || true; run_pid=""; }

printf '%-6s %-8s %-10s %-12s %-10s %-12s %-10s %-12s %s\n' round changes "cutover s" "cutover c/s" \
  "replay s" "replay c/s" "raw s" "raw c/s" "cutover/raw replay/raw"
: >"$work/results"
for round in $(seq "$runs"); do
  src -e "DROP DATABASE IF EXISTS bench_kafka_cdc; CREATE DATABASE bench_kafka_cdc"
  sb --threads=1 prepare >/dev/null
  src --quick -e "SELECT id, k, c, pad FROM bench_kafka_cdc.sbtest1 ORDER BY id" >"$work/rows.tsv"
  kafka_serve bench.bench_kafka_cdc.sbtest1,replay.bench_kafka_cdc.sbtest1,raw
  rm -rf "$work/state"
  cat >"$work/spec.yaml" <<YAML
name: bench
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4551}
target:
  kind: kafka
  kafka: {brokers: "$bootstrap", partitions: 12, topic_prefix: bench}
tables: ["bench_kafka_cdc.sbtest1"]
parallelism: {apply_lanes: $lanes}
state_dir: $work/state
YAML
  sed -e 's/^name: bench/name: bench-replay/' -e 's/topic_prefix: bench/topic_prefix: replay/' \
    -e "s|state_dir: .*|state_dir: $work/replay-state|" "$work/spec.yaml" >"$work/replay.yaml"
  rm -rf "$work/replay-state"
  start_run
  until [[ "$("$cutover" status "$work/spec.yaml" --json 2>/dev/null | jq -r .cdc.phase)" == cdc ]]; do
    kill -0 "$run_pid" || { tail -20 "$work/run.log" >&2; exit 1; }
    sleep 0.5
  done
  stop_run
  load="$(cut -d' ' -f1 /proc/loadavg)"
  sb --threads=2 --events="$transactions" --time=0 run >"$work/sysbench.log" 2>&1
  changes="$(awk '/ write:/ {print $2}' "$work/sysbench.log")"

  began=$(now)
  start_run
  perf_start "$([[ "$round" == "$runs" ]] && echo yes)"
  wait_for_fence "$work/spec.yaml" "$run_pid"
  took=$(echo "$(now) - $began" | bc)
  run_cpu=$(cpu "$run_pid")
  perf_stop
  stop_run
  began=$(now)
  "$cutover" replay "$work/spec.yaml" --from 0 --target "$work/replay.yaml" >"$work/replay.log" 2>&1 ||
    { tail -20 "$work/replay.log" >&2; exit 1; }
  replay=$(echo "$(now) - $began" | bc)
  "$bench" --brokers "$bootstrap" --topic raw --rows "$work/rows.tsv" --updates "$changes" \
    >"$work/raw.out"
  raw=$(head -1 "$work/raw.out" | sed 's/.* in \([0-9.]*\) s.*/\1/')
  encoding=$(sed -n 2p "$work/raw.out" | sed 's/.*: \([0-9.]*\) s/\1/')
  cutover_rate=$(echo "$changes / $took" | bc)
  raw_rate=$(echo "$changes / $raw" | bc)
  replay_rate=$(echo "$changes / $replay" | bc)
  ratio=$(echo "scale=2; $raw / $took" | bc)
  replay_ratio=$(echo "scale=2; $raw / $replay" | bc)
  printf '%-6s %-8s %-10.2f %-12s %-10.2f %-12s %-10.2f %-12s %.2f        %.2f   (load %s; cutover CPU %s s; raw envelopes built in %s s)\n' \
    "$round" "$changes" "$took" "$cutover_rate" "$replay" "$replay_rate" "$raw" "$raw_rate" \
    "$ratio" "$replay_ratio" "$load" "$run_cpu" "$encoding"
  echo "$cutover_rate $raw_rate $ratio $replay_rate $replay_ratio" >>"$work/results"
done
echo "median: cutover $(awk '{print $1}' "$work/results" | median) changes/s," \
  "raw producer $(awk '{print $2}' "$work/results" | median) changes/s," \
  "cutover/raw $(awk '{print $3}' "$work/results" | median);" \
  "replay $(awk '{print $4}' "$work/results" | median) changes/s," \
  "replay/raw $(awk '{print $5}' "$work/results" | median)"
