#!/usr/bin/env bash
# kafka_target.sh: rows per second of `cutover copy` from MariaDB into a Kafka target (Debezium
# envelopes, schemas on) on librdkafka's mock cluster (3 brokers, 12 partitions, hosted by
# kafka_target_bench --serve), next to the ceiling of one raw idempotent producer sending the
# same envelopes, pre-built by cutover's encoder, to the same kind of cluster. Each side runs
# three times on a fresh cluster; the median is printed. Dataset: one sysbench table of
# CUTOVER_BENCH_ROWS rows (default 200,000) in database bench_kafka. Figures: docs/benchmarks.md.
#   bench/kafka_target.sh [BUILD_DIR]   (default <checkout>/build, built with
#                                         -DCUTOVER_BUILD_BENCH=ON)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
bench="$build/bench/kafka_target_bench"
rows="${CUTOVER_BENCH_ROWS:-200000}"
workers="${CUTOVER_BENCH_WORKERS:-4}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
export PW=cutover-test
work="$(mktemp -d /tmp/cutover_bench_kafka_XXXXXX)"
serve_pid=""
trap '[[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
for tool in "$cutover" "$bench"; do [[ -x "$tool" ]] || { echo "build $tool first" >&2; exit 1; }; done
"$root/scripts/servers" start mariadb-source >/dev/null
src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }

if [[ "$(src -e "SELECT COUNT(*) FROM bench_kafka.sbtest1" 2>/dev/null)" != "$rows" ]]; then
  src -e "DROP DATABASE IF EXISTS bench_kafka; CREATE DATABASE bench_kafka"
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_kafka --tables=1 \
    --table-size="$rows" --threads=1 prepare >/dev/null
fi
src --quick -e "SELECT id, k, c, pad FROM bench_kafka.sbtest1 ORDER BY id" >"$work/rows.tsv"
echo "dataset: bench_kafka.sbtest1, $rows rows"

copy_rates=(); raw_rates=()
for round in 1 2 3; do
  kafka_serve bench.bench_kafka.sbtest1,raw
  rm -rf "$work/state"
  cat >"$work/spec.yaml" <<YAML
name: bench
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW}
target:
  kind: kafka
  kafka: {brokers: "$bootstrap", partitions: 12, topic_prefix: bench}
tables: ["bench_kafka.sbtest1"]
parallelism: {copy_workers: $workers}
state_dir: $work/state
YAML
  start=$(date +%s.%N)
  "$cutover" copy "$work/spec.yaml" >"$work/copy.log" 2>&1 || { tail -20 "$work/copy.log" >&2; exit 1; }
  end=$(date +%s.%N)
  copy_rates+=("$(echo "$rows / ($end - $start)" | bc -l | cut -d. -f1)")
  "$bench" --brokers "$bootstrap" --topic raw --rows "$work/rows.tsv" >"$work/raw.out"
  raw_rates+=("$(head -1 "$work/raw.out" | sed 's/.*: \([0-9]*\) rows\/s/\1/')")
  encoding="$(sed -n 2p "$work/raw.out" | sed 's/.*: \([0-9.]*\) s/\1/')"
  echo "round $round: cutover copy ${copy_rates[-1]} rows/s, raw producer ${raw_rates[-1]} rows/s" \
    "(its envelopes took $encoding s to build, before its clock)"
done
echo "median: cutover copy $(printf '%s\n' "${copy_rates[@]}" | median) rows/s," \
     "raw producer $(printf '%s\n' "${raw_rates[@]}" | median) rows/s"
