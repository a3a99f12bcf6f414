# lib.sh: helpers the bench scripts share; sourced, not run. Expects $cutover (the binary),
# $work (the script's scratch directory) and, for kafka_serve, $bench (kafka_target_bench).
# shellcheck shell=bash disable=SC2154,SC2016,SC2015,SC2034
# (SC2154, SC2034: variables shared with the sourcing script; SC2016: the backquotes are the
# fence message's text; SC2015: the `a && b || c` is meant: c unless both hold.)

now() { date +%s.%N; }
# The middle value of the numbers on stdin (the lower of the two middle ones for an even count).
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# CPU seconds a process has used so far (user + system, its threads included).
cpu() { awk -v t="$(getconf CLK_TCK)" '{ sub(/^[^)]*\) /, ""); printf "%.1f", ($12 + $13) / t }' "/proc/$1/stat"; }

# CPU seconds a test server (scripts/servers NAME) and its children have used so far.
server_cpu() {
  local pid; pid="$(cat "$root/.run/$1/pid")"
  awk -v t="$(getconf CLK_TCK)" '{ sub(/^[^)]*\) /, ""); printf "%.1f", ($12 + $13 + $14 + $15) / t }' \
    "/proc/$pid/stat"
}

# pg_sbtest DB ROWS [index]: makes database DB on the PostgreSQL source (the sourcing script's
# `src`) with four sysbench-shaped tables sbtest1..4 of ROWS rows each (with the secondary index
# on k when the third argument is "index"), then VACUUM ANALYZE.
pg_sbtest() {
  local db="$1" rows="$2" index="${3:-}" table
  src -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  src -d postgres -c "CREATE DATABASE $db"
  for table in 1 2 3 4; do
    src -d "$db" -c "CREATE TABLE sbtest$table (id integer PRIMARY KEY, k integer NOT NULL,
        c char(120) NOT NULL, pad char(60) NOT NULL);
      INSERT INTO sbtest$table SELECT i, (i * 7919) % $rows, md5(i::text) || repeat('c', 88),
        repeat('p', 60) FROM generate_series(1, $rows) i;"
    [[ "$index" != index ]] || src -d "$db" -c "CREATE INDEX k_$table ON sbtest$table (k)"
  done
  src -d "$db" -c "VACUUM ANALYZE"
}

# wait_for_fence SPEC RUN_PID: returns once `cutover fence SPEC` passes, i.e. every change
# captured before its marker is applied. Until the run's status record exists a fence fails at
# once, saying no run is running, and is asked again every 0.1 s; any other failure (or the run
# dying) ends the script with the fence's output and the run log's tail.
wait_for_fence() {
  until "$cutover" fence "$1" --timeout 900 >"$work/fence.out" 2>&1; do
    cat "$work/fence.out" >>"$work/fence.log"
    grep -q 'no `cutover run` is running' "$work/fence.out" && kill -0 "$2" ||
      { echo "fence failed:" >&2; cat "$work/fence.out" >&2; tail "$work/run.log" >&2; exit 1; }
    sleep 0.1
  done
  cat "$work/fence.out" >>"$work/fence.log"
}

# kafka_serve TOPICS: a fresh librdkafka mock cluster (3 brokers, 12 partitions per topic, in a
# kafka_target_bench --serve process; the one before it is stopped) with the comma-separated
# TOPICS; its bootstrap address in $bootstrap, its pid in $serve_pid.
kafka_serve() {
  if [[ -n "${serve_pid:-}" ]]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -f "$work/in" "$work/bootstrap"; mkfifo "$work/in"
  "$bench" --serve --topics "$1" --partitions 12 <"$work/in" >"$work/bootstrap" &
  serve_pid=$!
  exec 9>"$work/in"  # holds the cluster's stdin open
  for _ in $(seq 50); do [[ -s "$work/bootstrap" ]] && break; sleep 0.1; done
  bootstrap="$(head -1 "$work/bootstrap")"
}

# perf_start WHEN: when WHEN is "yes" and CUTOVER_BENCH_PERF names a file, records `perf record
# -a -g` into it until perf_stop. The whole machine: `-p` would miss the threads cutover starts
# after perf attached (lanes, producers). CUTOVER_BENCH_PERF_CALLS replaces `-g` (e.g.
# "--call-graph dwarf,16384" for callers through code built without frame pointers).
perf_start() {
  perf_pid=""
  [[ "$1" == yes && -n "${CUTOVER_BENCH_PERF:-}" ]] || return 0
  perf record -a ${CUTOVER_BENCH_PERF_CALLS:--g} -o "$CUTOVER_BENCH_PERF" >"$work/perf.log" 2>&1 &
  perf_pid=$!
}
perf_stop() {
  [[ -n "${perf_pid:-}" ]] || return 0
  kill -INT "$perf_pid" 2>/dev/null
  wait "$perf_pid" || true
  perf_pid=""
}
