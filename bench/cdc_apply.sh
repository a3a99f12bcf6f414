#!/usr/bin/env bash
# cdc_apply.sh: how fast `cutover run` applies a CDC backlog into the MariaDB target, next to
# MariaDB's own parallel replication applying the same backlog on a replica. Steps:
#  1. dataset bench_apply (sysbench, CUTOVER_BENCH_TABLES x CUTOVER_BENCH_ROWS rows, default
#     4 x 100,000) on mariadb-source; `cutover run` copies it into bench_apply_t on
#     mariadb-target and reaches the `cdc` phase, then stops; mariadb-replica (scripts/servers)
#     is seeded with a mariadb-dump of the source taken while nothing writes (--master-data
#     --gtid, so it replicates from exactly the dump's GTID position);
#  2. per backlog, with cutover stopped and the replica's SQL thread stopped (its IO thread
#     running, with slave_parallel_threads N and slave_parallel_mode CUTOVER_BENCH_PARALLEL_MODE,
#     default optimistic): sysbench oltp_write_only writes CUTOVER_BENCH_TRANSACTIONS (default
#     62,500) transactions of 4 row changes each (an index update, a non-index update, a delete
#     and an insert); the script waits until the IO thread has fetched all of it into the relay
#     log, then times
#       (a) native: START SLAVE SQL_THREAD until MASTER_GTID_WAIT sees the source's last GTID
#           executed on the replica;
#       (b) cutover: `cutover run` started again until `cutover fence` passes (every change
#           before the fence's marker applied): process start, binlog capture of the backlog
#           into the change log and apply, everything cutover needs;
#     the two run one right after the other on the same backlog, so both see the same load on
#     the machine. One backlog per N in CUTOVER_BENCH_REPLICA_THREADS (default "4 8"), all of
#     that CUTOVER_BENCH_RUNS times (default 3);
#  3. CHECKSUM TABLE of every table on the source, the replica and cutover's target: all equal.
# Prints one line per backlog (changes, seconds and changes/s of each side, cutover/native) and
# the medians. Figures and the command: docs/benchmarks.md.
#   bench/cdc_apply.sh [BUILD_DIR]    (BUILD_DIR default <checkout>/build; must have built `cutover`)
# CUTOVER_BENCH_PERF=FILE records `perf record -a -g` (the whole machine) during the last cutover
# run into FILE. CUTOVER_BENCH_REPLICA_FLUSH sets the replica's
# innodb_flush_log_at_trx_commit (default 1, as on the target).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
cutover="$build/tools/cutover/cutover"
rows="${CUTOVER_BENCH_ROWS:-100000}"
tables="${CUTOVER_BENCH_TABLES:-4}"
transactions="${CUTOVER_BENCH_TRANSACTIONS:-62500}"
thread_counts="${CUTOVER_BENCH_REPLICA_THREADS:-4 8}"
mode="${CUTOVER_BENCH_PARALLEL_MODE:-optimistic}"
replica_flush="${CUTOVER_BENCH_REPLICA_FLUSH:-1}"
runs="${CUTOVER_BENCH_RUNS:-3}"
src_port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
dst_port="${CUTOVER_TEST_MARIADB_TARGET_PORT:-13307}"
rep_port="${CUTOVER_TEST_MARIADB_REPLICA_PORT:-13309}"
export PW=cutover-test
work="$(mktemp -d /tmp/cutover_bench_apply_XXXXXX)"
run_pid=""
cleanup() {
  [[ -n "$run_pid" ]] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" || true
  rep -e "STOP SLAVE; RESET SLAVE ALL" 2>/dev/null || true
  # CUTOVER_BENCH_KEEP_LOGS=DIR keeps the runs', fences' and sysbench's logs there.
  [[ -n "${CUTOVER_BENCH_KEEP_LOGS:-}" ]] && mkdir -p "$CUTOVER_BENCH_KEEP_LOGS" &&
    cp "$work"/*.log "$CUTOVER_BENCH_KEEP_LOGS/" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
[[ -x "$cutover" ]] || { echo "build $cutover first" >&2; exit 1; }
"$root/scripts/servers" start mariadb-source mariadb-target mariadb-replica >/dev/null

src() { mariadb -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
dst() { mariadb -h127.0.0.1 -P"$dst_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
rep() { mariadb -h127.0.0.1 -P"$rep_port" -ucutover -p"$PW" --batch --skip-column-names "$@"; }
sb() {  # sb COMMAND EXTRA...: sysbench oltp_write_only on bench_apply
  sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$src_port" \
    --mysql-user=cutover --mysql-password="$PW" --mysql-db=bench_apply --tables="$tables" \
    --table-size="$rows" "$@"
}
server_pid() { cat "$root/.run/$1/pid"; }
# Transactions a server has committed so far (its applier's batches, the replica's transactions).
commits() { "$1" -e "SHOW GLOBAL STATUS LIKE 'Com_commit'" | awk '{print $2}'; }
start_run() {
  "$cutover" run "$work/spec.yaml" --status-every 30 >>"$work/run.log" 2>&1 &
  run_pid=$!
}
stop_run() { kill -TERM "$run_pid"; wait "$run_pid" || true; run_pid=""; }
status_field() { "$cutover" status "$work/spec.yaml" --json | jq -r "$1"; }
slave_field() { rep --column-names -e "SHOW SLAVE STATUS\G" | awk -v f="$1:" '$1 == f {print $2}'; }
checksums() {  # checksums CLIENT DB: "table checksum" lines of every sysbench table
  local list; list="$(seq -s, -f "$2.sbtest%g" 1 "$tables")"
  "$1" -e "CHECKSUM TABLE $list" | sed 's/^[^.]*\.//'
}

# --- 1. dataset, copy, replica ------------------------------------------------------------------
rep -e "STOP SLAVE; RESET SLAVE ALL; DROP DATABASE IF EXISTS bench_apply"
dst -e "DROP DATABASE IF EXISTS bench_apply_t"
src -e "DROP DATABASE IF EXISTS bench_apply; CREATE DATABASE bench_apply"
sb --threads=2 prepare >/dev/null
cat >"$work/spec.yaml" <<YAML
name: bench-apply
source: {kind: mariadb, host: 127.0.0.1, port: $src_port, user: cutover, password_env: PW, server_id: 4549}
target: {kind: mariadb, host: 127.0.0.1, port: $dst_port, user: cutover, password_env: PW, database: bench_apply_t}
tables: [{match: "bench_apply.*"}]
state_dir: $work/state
YAML
start_run
until [[ "$(status_field .cdc.phase 2>/dev/null)" == cdc ]]; do sleep 1; done
stop_run
echo "copied $tables x $rows rows into bench_apply_t; phase cdc"
# Nothing writes to the source now, so the dump is the source as of its GTID position; the dump
# sets the replica's gtid_slave_pos to it (--gtid --master-data).
rep -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$src_port, MASTER_USER='cutover',
  MASTER_PASSWORD='$PW', MASTER_USE_GTID=slave_pos"
mariadb-dump -h127.0.0.1 -P"$src_port" -ucutover -p"$PW" --single-transaction --master-data=1 \
  --gtid --databases bench_apply | rep
echo "replica seeded at GTID $(rep -e "SELECT @@gtid_slave_pos")"

# --- 2. backlogs --------------------------------------------------------------------------------
printf '%-4s %-8s %-9s %-10s %-11s %-10s %-11s %s\n' run threads changes "native s" "native c/s" \
  "cutover s" "cutover c/s" "cutover/native"
: >"$work/results"
for run in $(seq "$runs"); do
  for threads in $thread_counts; do
    rep -e "STOP SLAVE; SET GLOBAL slave_parallel_threads = $threads;
      SET GLOBAL slave_parallel_mode = '$mode';
      SET GLOBAL innodb_flush_log_at_trx_commit = $replica_flush; START SLAVE IO_THREAD"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    sb --threads=2 --events="$transactions" --time=0 run >"$work/sysbench.log" 2>&1
    # Each write statement of oltp_write_only changes exactly one row.
    changes="$(awk '/ write:/ {print $2}' "$work/sysbench.log")"
    end_gtid="$(src -e "SELECT @@gtid_binlog_pos")"
    until [[ "$(slave_field Gtid_IO_Pos)" == "$end_gtid" ]]; do sleep 0.2; done

    # (a) the replica's SQL thread over the prefetched relay log
    rep_cpu=$(cpu "$(server_pid mariadb-replica)")
    rep_commits=$(commits rep)
    began=$(now)
    [[ "$(rep -e "START SLAVE SQL_THREAD; SELECT MASTER_GTID_WAIT('$end_gtid', 3600)")" == 0 ]] ||
      { echo "the replica did not reach $end_gtid" >&2; exit 1; }
    native=$(echo "$(now) - $began" | bc)
    rep_cpu=$(echo "$(cpu "$(server_pid mariadb-replica)") - $rep_cpu" | bc)
    rep_commits=$(($(commits rep) - rep_commits))

    # (b) cutover from its last checkpoint until a fence written after the backlog passes
    src_cpu=$(cpu "$(server_pid mariadb-source)")
    dst_cpu=$(cpu "$(server_pid mariadb-target)")
    dst_commits=$(commits dst)
    began=$(now)
    start_run
    perf_start "$([[ "$run" == "$runs" ]] && echo yes)"
    wait_for_fence "$work/spec.yaml" "$run_pid"
    applied=$(now)
    took=$(echo "$applied - $began" | bc)
    run_cpu=$(cpu "$run_pid")
    src_cpu=$(echo "$(cpu "$(server_pid mariadb-source)") - $src_cpu" | bc)
    dst_cpu=$(echo "$(cpu "$(server_pid mariadb-target)") - $dst_cpu" | bc)
    dst_commits=$(($(commits dst) - dst_commits))
    sleep 1.5  # the run records its status every second
    counted="$(status_field .cdc.applied_changes)"
    stop_run
    perf_stop
    native_rate=$(echo "$changes / $native" | bc)
    cutover_rate=$(echo "$changes / $took" | bc)
    ratio=$(echo "scale=2; $native / $took" | bc)
    printf '%-4s %-8s %-9s %-10.2f %-11s %-10.2f %-11s %.2fx   (load %s; cutover counted %s changes; CPU s: replica %s | cutover %s, target %s, source %s; commits: replica %s | target %s)\n' \
      "$run" "$threads" "$changes" "$native" "$native_rate" "$took" "$cutover_rate" "$ratio" \
      "$load" "$counted" "$rep_cpu" "$run_cpu" "$dst_cpu" "$src_cpu" "$rep_commits" "$dst_commits"
    echo "$threads $native_rate $cutover_rate $ratio" >>"$work/results"
  done
done
for threads in $thread_counts; do
  echo "median, $threads threads: native $(awk -v t="$threads" '$1 == t {print $2}' "$work/results" | median) changes/s," \
    "cutover $(awk -v t="$threads" '$1 == t {print $3}' "$work/results" | median) changes/s," \
    "cutover/native $(awk -v t="$threads" '$1 == t {print $4}' "$work/results" | median)x"
done

# --- 3. the same rows on all three --------------------------------------------------------------
checksums src bench_apply >"$work/source.sums"
checksums rep bench_apply >"$work/replica.sums"
checksums dst bench_apply_t >"$work/target.sums"
if cmp -s "$work/source.sums" "$work/replica.sums" && cmp -s "$work/source.sums" "$work/target.sums"; then
  echo "CHECKSUM TABLE equal on source, replica and target: $(tr '\n' ' ' <"$work/source.sums")"
else
  echo "checksums differ:" >&2
  paste "$work/source.sums" "$work/replica.sums" "$work/target.sums" >&2
  exit 1
fi
