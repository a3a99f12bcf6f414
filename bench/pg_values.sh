#!/usr/bin/env bash
# pg_values.sh: the CPU cost of reading PostgreSQL values from pgoutput's binary mode next to its
# text mode. On the local postgres-source test server, CUTOVER_BENCH_ROWS (default 1,000,000)
# values of each of int4, numeric, timestamptz and text are written to files as their text output
# (under cutover's session settings) and their send form; bench/pg_values_bench then reads each
# file both ways (ParsePostgresBinary vs ParsePostgresText) and prints ns per value. Figures:
# docs/benchmarks.md.
#   bench/pg_values.sh [BUILD_DIR]   (BUILD_DIR default <checkout>/build; -DCUTOVER_BUILD_BENCH=ON)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
bench="$build/bench/pg_values_bench"
rows="${CUTOVER_BENCH_ROWS:-1000000}"
port="${CUTOVER_TEST_POSTGRES_SOURCE_PORT:-15432}"
export PGPASSWORD=cutover-test
export PGOPTIONS="-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC \
-c extra_float_digits=1 -c bytea_output=hex -c lc_monetary=C -c client_encoding=UTF8"
[[ -x "$bench" ]] || { echo "build $bench first (-DCUTOVER_BUILD_BENCH=ON)" >&2; exit 1; }
"$root/scripts/servers" start postgres-source >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

psql_() { psql -h 127.0.0.1 -p "$port" -U cutover -d cutover_test -qAtX -F $'\t' -v ON_ERROR_STOP=1 "$@"; }
declare -A values=(
  [int4]="(floor(random() * 4294967296) - 2147483648)::int4"
  [numeric]="round((random() * 10 ^ (g % 12))::numeric, g % 6)"
  [timestamptz]="'2000-01-01'::timestamptz + (random() - 0.5) * interval '100 years'"
  [text]="md5(g::text)"
)
for type in int4 numeric timestamptz text; do
  send="$(psql_ -c "SELECT typsend FROM pg_type WHERE oid = '$type'::regtype")"
  psql_ -o "$dir/$type" -c "SELECT v, encode($send(v), 'hex')
    FROM (SELECT ${values[$type]} AS v FROM generate_series(1, $rows) g) s"
  "$bench" "$type" "$dir/$type"
done
