#!/usr/bin/env bash
# cdc_lag.sh: end-to-end lag and throughput of `cutover run` in continuous CDC into the MariaDB
# target, under a fixed sysbench write rate on the source. Steps:
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
export PW=cutover-test
work="$(mktemp -d /tmp/cutover_bench_cdc_XXXXXX)"
run_pid=""
cleanup() { [[ -n "$run_pid" ]] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" || true; rm -rf "$work"; }
trap cleanup EXIT

[[ -x "$cutover" && -x "$probe" ]] || { echo "build cutover and cdc_probe (-DCUTOVER_BUILD_BENCH=ON) first" >&2; exit 1; }
"$root/scripts/servers" start mariadb-source mariadb-target >/dev/null

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

src -e "DROP DATABASE IF EXISTS bench_cdc; CREATE DATABASE bench_cdc"
sb --threads=2 prepare >/dev/null
src -e "CREATE TABLE bench_cdc.cdc_probe (id BIGINT PRIMARY KEY, sent DATETIME(6))"
dst -e "DROP DATABASE IF EXISTS bench_cdc_t"
cat >"$work/spec.yaml" <<YAML
name: bench-cdc
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4547}
target: {kind: mariadb, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: bench_cdc_t}
tables: [{match: "bench_cdc.*"}]
state_dir: $work/state
YAML

# 1. copy, then CDC
start_run
until [[ "$(status_field .cdc.phase 2>/dev/null)" == cdc ]]; do sleep 1; done
echo "copied $rows rows; phase cdc"

# 2. capacity: drain a 30 s uncapped backlog
stop_run
before="$(src -e "SELECT COUNT(*) FROM bench_cdc.sbtest1")"
backlog_tx="$(sb --threads=2 --time=30 run | awk '/transactions:/ {print $2}')"
src -e "INSERT INTO bench_cdc.cdc_probe VALUES (0, NOW(6))"
began=$(date +%s.%N)
start_run
until [[ "$(dst -e "SELECT COUNT(*) FROM bench_cdc_t.cdc_probe WHERE id = 0" 2>/dev/null)" == 1 ]]; do sleep 0.05; done
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
echo "measuring: sysbench --rate=$tps transactions/s (about $((tps * ${per_tx%.*})) changes/s) for $seconds s"
applied_before="$(status_field .cdc.applied_changes)"
sb --threads=2 --rate="$tps" --time="$seconds" run >"$work/sysbench.log" 2>&1 &
sb_pid=$!
/usr/bin/time -f "%e" -o "$work/probe.time" "$probe" --source-port "$src_port" --target-port "$dst_port" \
  --seconds "$seconds" --rate 10 --pid "$run_pid"
wait "$sb_pid"
sleep 1.5
applied_after="$(status_field .cdc.applied_changes)"
echo "sysbench: $(awk '/transactions:/ {print $2, $3}' "$work/sysbench.log") transactions"
echo "sustained apply: $(( (applied_after - applied_before) / seconds )) changes/s"
echo "cutover peak RSS (VmHWM): $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$run_pid/status") MiB"
stop_run
tail -3 "$work/run.log"
