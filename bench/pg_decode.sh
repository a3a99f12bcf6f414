#!/usr/bin/env bash
# pg_decode.sh: cutover's PostgreSQL change stream next to pg_recvlogical on the same WAL.
# On the local postgres-source test server (database cutover_test, schema bench_decode): three
# logical slots are made (pgoutput for cutover, test_decoding and wal2json for pg_recvlogical),
# then CUTOVER_BENCH_ROWS (default 1,000,000) row changes are written: sysbench-shaped rows
# (id, k, c char(120), pad char(60)) inserted in transactions of 10,000 rows, then 30 % of them
# updated in transactions of 1,000 rows. Each reader then decodes the whole backlog from its slot
# up to the same end LSN, one run each: cutover (bench/pgoutput_decode_bench: replication
# protocol, pgoutput, transaction assembly, typed changes), `pg_recvlogical --endpos` with
# test_decoding and with wal2json (format 2) writing to /dev/null. Prints seconds, CPU seconds and
# row changes/s for each. cutover runs twice, with text and with binary values (source.value_format),
# and pg_recvlogical reads pgoutput itself too, writing its messages to /dev/null undecoded: the
# walsender's cost of pgoutput, which no pgoutput client can go below (its wall time is the
# ceiling of every pgoutput reader's speed here). Figures and the command: docs/benchmarks.md.
#   bench/pg_decode.sh [BUILD_DIR]   (BUILD_DIR default <checkout>/build; -DCUTOVER_BUILD_BENCH=ON)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
bench="$build/bench/pgoutput_decode_bench"
rows="${CUTOVER_BENCH_ROWS:-1000000}"
port="${CUTOVER_TEST_POSTGRES_SOURCE_PORT:-15432}"
export PGPASSWORD=cutover-test
[[ -x "$bench" ]] || { echo "build $bench first (-DCUTOVER_BUILD_BENCH=ON)" >&2; exit 1; }
"$root/scripts/servers" start postgres-source >/dev/null

psql_() { psql -h 127.0.0.1 -p "$port" -U cutover -d cutover_test -qAtX -v ON_ERROR_STOP=1 "$@"; }
slots=(bench_decode_cutover bench_decode_cutover_binary bench_decode_pgoutput bench_decode_test_decoding
  bench_decode_wal2json)
cleanup() {
  for slot in "${slots[@]}"; do
    psql_ -c "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots
              WHERE slot_name = '$slot'" >/dev/null 2>&1 || true
  done
  psql_ -c "DROP PUBLICATION IF EXISTS bench_decode; DROP SCHEMA IF EXISTS bench_decode CASCADE" \
    >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
# CUTOVER_BENCH_SHAPE: the table's columns: sysbench (default: id, k, c char(120), pad char(60)),
# typed (bigint, integer, numeric(12,2), double, timestamptz, date, uuid, boolean) or bytea
# (integer, integer, 512 bytes of bytea).
case "${CUTOVER_BENCH_SHAPE:-sysbench}" in
  sysbench)
    columns="id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, c char(120) NOT NULL DEFAULT '',
      pad char(60) NOT NULL DEFAULT ''"
    values="i, i % 100000, md5(i::text) || repeat('c', 88), repeat('p', 60)" ;;
  typed)
    columns="id bigint PRIMARY KEY, k integer NOT NULL DEFAULT 0, amount numeric(12,2),
      price double precision, at timestamptz, day date, ref uuid, flag boolean"
    values="i, i % 100000, (i * 1.37)::numeric(12,2), i / 7.0, timestamptz '2024-01-01' +
      i * interval '1 second', date '2024-01-01' + (i % 1000), md5(i::text)::uuid, i % 2 = 0" ;;
  bytea)
    columns="id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, b bytea"
    values="i, i % 100000, decode(repeat(md5(i::text), 32), 'hex')" ;;
  *) echo "CUTOVER_BENCH_SHAPE must be sysbench, typed or bytea" >&2; exit 2 ;;
esac
psql_ -c "CREATE SCHEMA bench_decode; CREATE TABLE bench_decode.sbtest1 ($columns);
  CREATE PUBLICATION bench_decode FOR TABLE bench_decode.sbtest1"
for slot in bench_decode_cutover bench_decode_cutover_binary bench_decode_pgoutput; do
  psql_ -c "SELECT pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
done
psql_ -c "SELECT pg_create_logical_replication_slot('bench_decode_test_decoding', 'test_decoding')" >/dev/null
psql_ -c "SELECT pg_create_logical_replication_slot('bench_decode_wal2json', 'wal2json')" >/dev/null

inserts=$((rows * 10 / 13))
updates=$((rows - inserts))
echo "writing $inserts inserts and $updates updates" >&2
for ((first = 1; first <= inserts; first += 10000)); do
  last=$((first + 9999 > inserts ? inserts : first + 9999))
  echo "INSERT INTO bench_decode.sbtest1 SELECT $values FROM generate_series($first, $last) i;"
done | psql_
for ((first = 1; first <= updates; first += 1000)); do
  echo "UPDATE bench_decode.sbtest1 SET k = k + 1 WHERE id BETWEEN $first AND $((first + 999));"
done | psql_
end="$(psql_ -c "SELECT pg_current_wal_lsn()")"
echo "backlog ends at $end" >&2

# CPU seconds the source server has used: its own and its ended children's (each walsender is a
# child of the postmaster that ends with its client's connection).
server_cpu() {
  awk -v t="$(getconf CLK_TCK)" '{ sub(/^[^)]*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / t }' \
    "/proc/$(cat "$root/.run/postgres-source/pid")/stat"
}

# Prints "<seconds> <cpu seconds> <server cpu seconds>" of a command run in the background.
measure() {
  local started finished pid cpu=0 server
  server="$(server_cpu)"
  started="$(date +%s.%N)"
  "$@" >"$root/.run/pg_decode.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    cpu="$(awk -v t="$(getconf CLK_TCK)" '{ sub(/^[^)]*\) /, ""); printf "%.2f", ($12 + $13) / t }' \
      "/proc/$pid/stat" 2>/dev/null || echo "$cpu")"
    sleep 0.05
  done
  wait "$pid" || { cat "$root/.run/pg_decode.out" >&2; return 1; }
  finished="$(date +%s.%N)"
  sleep 0.5  # the walsender exits after its client; then the postmaster has its CPU time
  echo "$(echo "$finished - $started" | bc) $cpu $(echo "$(server_cpu) - $server" | bc)"
}

report() {  # name seconds cpu server-cpu
  printf "%-34s %8.2f s %7.2f CPU s (server %6.2f CPU s) %10.0f row changes/s\n" "$1" "$2" "$3" \
    "$4" "$(echo "$rows / $2" | bc -l)"
}

read -r seconds cpu server < <(measure "$bench" --port "$port" --slot bench_decode_cutover \
  --publication bench_decode --end "$end")
grep -o 'rows=[0-9]*' "$root/.run/pg_decode.out" >&2
report "cutover (pgoutput, typed changes)" "$seconds" "$cpu" "$server"
read -r seconds cpu server < <(measure "$bench" --port "$port" --slot bench_decode_cutover_binary \
  --publication bench_decode --end "$end" --binary)
grep -o 'rows=[0-9]*' "$root/.run/pg_decode.out" >&2
report "cutover (pgoutput binary, typed)" "$seconds" "$cpu" "$server"
read -r seconds cpu server < <(measure pg_recvlogical -h 127.0.0.1 -p "$port" -U cutover -d cutover_test \
  --slot bench_decode_pgoutput --start --endpos "$end" -o proto_version=1 \
  -o publication_names=bench_decode -f /dev/null --no-loop)
report "pg_recvlogical pgoutput (undecoded)" "$seconds" "$cpu" "$server"
read -r seconds cpu server < <(measure pg_recvlogical -h 127.0.0.1 -p "$port" -U cutover -d cutover_test \
  --slot bench_decode_test_decoding --start --endpos "$end" -f /dev/null --no-loop)
report "pg_recvlogical test_decoding" "$seconds" "$cpu" "$server"
read -r seconds cpu server < <(measure pg_recvlogical -h 127.0.0.1 -p "$port" -U cutover -d cutover_test \
  --slot bench_decode_wal2json --start --endpos "$end" -o format-version=2 -f /dev/null --no-loop)
report "pg_recvlogical wal2json (format 2)" "$seconds" "$cpu" "$server"
