#!/usr/bin/env bash
# chaos.sh: random fault scenarios (tests/fault, docs/reliability.md) one after another for
# MINUTES minutes on the local test servers, then the totals: scenarios run, faults injected per
# kind, rows compared, rows lost or different (must be 0), and each failed scenario's seed, which
# reruns it exactly:
#   CUTOVER_FAULT_SEED=<seed> [CUTOVER_FAULT_RESTARTS=1] build/tests/fault/fault_scenario_test \
#     --gtest_filter=FaultChaos.BySeed
# Each scenario's seed picks its pair of servers (MariaDB -> MariaDB, MariaDB -> DynamoDB,
# PostgreSQL -> PostgreSQL) and its fault schedule. Every other scenario may also restart the
# source or target server (CUTOVER_FAULT_RESTARTS=1), so run it alone on its servers.
#   bench/chaos.sh MINUTES [SEED] [BUILD_DIR]
# SEED: the first scenario's seed; the next ones are SEED+1, SEED+2, ... (default: random seeds).
# BUILD_DIR (default <checkout>/build) must have built `cutover` and `fault_scenario_test`.
# Scenario logs: $CUTOVER_CHAOS_DIR (default a new directory under /tmp), kept.
set -euo pipefail

minutes="${1:?usage: bench/chaos.sh MINUTES [SEED] [BUILD_DIR]}"
first_seed="${2:-}"
checkout="$(cd "$(dirname "$0")/.." && pwd)"
build="${3:-$checkout/build}"
test_bin="$build/tests/fault/fault_scenario_test"
export CUTOVER_BIN="$build/tools/cutover/cutover"
for program in "$test_bin" "$CUTOVER_BIN"; do
  [[ -x "$program" ]] || { echo "chaos.sh: $program is not built" >&2; exit 2; }
done
logs="${CUTOVER_CHAOS_DIR:-$(mktemp -d /tmp/cutover_chaos_XXXXXX)}"
mkdir -p "$logs"
"$checkout/scripts/servers" start >/dev/null

end=$(($(date +%s) + minutes * 60))
scenarios=0
failures=()
index=0
echo "chaos: $minutes minutes of scenarios, logs in $logs"
while (($(date +%s) < end)); do
  if [[ -n "$first_seed" ]]; then
    seed=$((first_seed + index))
  else
    seed=$(((RANDOM << 30) | (RANDOM << 15) | RANDOM))
  fi
  restarts=$((index % 2))
  index=$((index + 1))
  log="$logs/seed-$seed.log"
  started=$(date +%s)
  if CUTOVER_FAULT_SEED=$seed CUTOVER_FAULT_RESTARTS=$restarts \
    "$test_bin" --gtest_color=no --gtest_filter=FaultChaos.BySeed >"$log" 2>&1; then
    outcome=pass
  else
    outcome=FAIL
    failures+=("CUTOVER_FAULT_SEED=$seed CUTOVER_FAULT_RESTARTS=$restarts")
  fi
  scenarios=$((scenarios + 1))
  summary="$(grep -h '^FAULT-SUMMARY' "$log" || echo "FAULT-SUMMARY seed=$seed (no summary)")"
  echo "$((scenarios)). $outcome in $(($(date +%s) - started)) s: ${summary#FAULT-SUMMARY }"
done

# Totals over every scenario's summary line.
{ grep -h '^FAULT-SUMMARY' "$logs"/seed-*.log 2>/dev/null || true; } | awk -v scenarios="$scenarios" '
  {
    for (field = 2; field <= NF; ++field) {
      split($field, pair, "=")
      value[pair[1]] = substr($field, length(pair[1]) + 2)
    }
    by_pair[value["scenario"]]++
    compared += value["rows_compared"]; lost += value["rows_lost"]
    different += value["rows_different"]; exits += value["run_exits"]
    cdc_exits += value["cdc_run_exits"]
    count = split(value["faults"], kinds, ",")
    for (kind_idx = 1; kind_idx <= count; ++kind_idx) {
      split(kinds[kind_idx], part, "=")
      if (part[2] != "") { faults[part[1]] += part[2]; total += part[2] }
    }
  }
  END {
    printf "scenarios run: %d (", scenarios
    sep = ""; for (name in by_pair) { printf "%s%s %d", sep, name, by_pair[name]; sep = ", " }
    printf ")\nfaults injected: %d (", total
    sep = ""; for (kind in faults) { printf "%s%s %d", sep, kind, faults[kind]; sep = ", " }
    printf ")\nrows compared: %d\nrows lost: %d\nrows different: %d\n", compared, lost, different
    printf "cutover run exits (started again): %d, of them after reaching CDC (failures): %d\n", exits, cdc_exits
  }'
echo "failures: ${#failures[@]}"
for failure in "${failures[@]}"; do
  echo "  $failure $test_bin --gtest_filter=FaultChaos.BySeed"
done
((${#failures[@]} == 0))
