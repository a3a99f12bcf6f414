#!/usr/bin/env bash
# binlog_decode.sh: measures cutover's binlog decoder next to mariadb-binlog on one binlog.
# Generates a binlog of >= 1,000,000 sysbench-shaped row events on the local mariadb-source test
# server (sysbench oltp prepare: 1,000,000 inserts; then 300,000 updates in transactions of 1000
# rows), then, in one run: cutover decoding the file (pure decode), cutover streaming it over the
# replication protocol, and `mariadb-binlog --read-from-remote-server -v` on the same binlog, each
# under GNU time for peak memory. Figures and the command: docs/benchmarks.md.
#   bench/binlog_decode.sh [BUILD_DIR]
# BUILD_DIR (default <checkout>/build-bench) must be configured with -DCUTOVER_BUILD_BENCH=ON and
# have built binlog_decode_bench. CUTOVER_BENCH_ROWS and CUTOVER_BENCH_UPDATES change the sizes.
# CUTOVER_BENCH_BINLOG=binlog.000010 measures a binlog an earlier run generated (still on the
# server, no longer written to) instead of generating one; nothing on the server is changed then.
# CUTOVER_BENCH_READ_AHEAD sets the stream's read-ahead queue in bytes (default: the stream's).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-bench}"
bench="$build/bench/binlog_decode_bench"
rows="${CUTOVER_BENCH_ROWS:-1000000}"
updates="${CUTOVER_BENCH_UPDATES:-300000}"
port="${CUTOVER_TEST_MARIADB_SOURCE_PORT:-13306}"
database=bench_binlog
export CUTOVER_BENCH_PASSWORD=cutover-test
work="$(mktemp -d /tmp/cutover_bench_XXXXXX)"
trap 'rm -rf "$work"' EXIT

[[ -x "$bench" ]] || { echo "build $bench first (-DCUTOVER_BUILD_BENCH=ON)" >&2; exit 1; }
"$root/scripts/servers" start mariadb-source >/dev/null

sql() {
  mariadb --host=127.0.0.1 --port="$port" --user=cutover --password="$CUTOVER_BENCH_PASSWORD" \
    --batch --skip-column-names "$@"
}

# --- the binlog -----------------------------------------------------------------------------------
if [[ -n "${CUTOVER_BENCH_BINLOG:-}" ]]; then
  file="$CUTOVER_BENCH_BINLOG"
  current="$(sql -e "SHOW MASTER STATUS" | cut -f1)"
  [[ "$file" != "$current" ]] || { echo "$file is still being written; FLUSH BINARY LOGS" >&2; exit 1; }
  cp "$root/.run/mariadb-source/data/$file" "$work/$file"
else
  sql -e "DROP DATABASE IF EXISTS $database; CREATE DATABASE $database"
  sql -e "FLUSH BINARY LOGS"
  file="$(sql -e "SHOW MASTER STATUS" | cut -f1)"
  echo "generating $file: sysbench prepare of $rows rows, then $updates updated rows" >&2
  sysbench oltp_common --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" \
    --mysql-user=cutover --mysql-password="$CUTOVER_BENCH_PASSWORD" --mysql-db="$database" \
    --tables=1 --table-size="$rows" prepare >/dev/null
  for ((first = 1; first <= updates; first += 1000)); do
    echo "UPDATE sbtest1 SET k = k + 1, c = REPEAT('u', 120) WHERE id BETWEEN $first AND $((first + 999));"
  done | sql "$database"
  sql -e "FLUSH BINARY LOGS"
  cp "$root/.run/mariadb-source/data/$file" "$work/$file"
  sql -e "DROP DATABASE $database"
fi
echo "binlog $file: $(stat -c %s "$work/$file") bytes" >&2

# --- the measurements -----------------------------------------------------------------------------
# Runs a command under GNU time; prints "<seconds> <peak RSS KiB>" and keeps stdout in $work/out.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out"
  cat "$work/time"
}
field() { tr ' ' '\n' <"$work/out" | sed -n "s/^$1=//p"; }

read -r file_s file_kib < <(measure "$bench" file "$work/$file")
row_changes="$(field row_changes)"
file_rate="$(field row_changes_per_second)"
read_ahead=()
[[ -z "${CUTOVER_BENCH_READ_AHEAD:-}" ]] || read_ahead=(--read-ahead-bytes "$CUTOVER_BENCH_READ_AHEAD")
read -r stream_s stream_kib < <(measure "$bench" stream --port "$port" --file "$file" "${read_ahead[@]}")
stream_rate="$(field row_changes_per_second)"
stream_queue="$(field peak_queue_bytes)"
read -r remote_s remote_kib < <(measure mariadb-binlog --read-from-remote-server \
  --host=127.0.0.1 --port="$port" --user=cutover --password="$CUTOVER_BENCH_PASSWORD" -v "$file")
remote_lines="$(wc -l <"$work/out")"
read -r local_s local_kib < <(measure mariadb-binlog -v "$work/$file")

rate() { awk -v n="$row_changes" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
base="$(rate "$remote_s")"
printf '%-50s %9s %9s %14s %9s\n' "reader (same binlog: $row_changes row events)" "wall s" \
  "peak MiB" "row events/s" "vs -R -v"
row() {
  awk -v name="$1" -v s="$2" -v kib="$3" -v r="$(rate "$2")" -v base="$base" \
    'BEGIN { printf "%-50s %9.2f %9.1f %14d %8.1fx\n", name, s, kib / 1024, r, r / base }'
}
row "cutover: decode the file (decoder only)" "$file_s" "$file_kib"
row "cutover: stream over the network (BinlogStream)" "$stream_s" "$stream_kib"
row "mariadb-binlog --read-from-remote-server -v" "$remote_s" "$remote_kib"
row "mariadb-binlog -v (the file)" "$local_s" "$local_kib"
echo "wall s and row events/s include process start-up; cutover's own timers, decoding only:" \
  "file $file_rate row events/s, stream $stream_rate row events/s;" \
  "mariadb-binlog -R printed $remote_lines lines; the stream's read-ahead queue peaked at" \
  "$stream_queue bytes"
