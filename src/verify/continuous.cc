// Verifier, continuous mode (docs/verify.md "Continuous mode"): instead of a pass over the
// tables, a sample of the keys the running `cutover run` applies, taken from the state store
// and re-checked like the suspects of a chunk, until stopped or --for has passed.
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/coding.h"
#include "pipeline/clock.h"
#include "state/touched_keys.h"
#include "state/verify_report.h"
#include "verify/live.h"
#include "verify/verifier.h"

namespace cutover::verify {

// Continuous mode: asks the running `cutover run` for a sample of the keys it applies
// (state/touched_keys.h), and re-checks each batch of them like the suspects of a chunk:
// once apply has passed their source rows; a key whose target agrees counts as checked, a
// lasting difference is reported. Runs until stopped or options_.duration.
Result<VerifyReport> Verifier::RunContinuous() {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
  if (!applied) {
    return Status::FailedPrecondition(
        "--continuous re-verifies the keys `cutover run` applies: start `cutover run` for this "
        "spec first (no fresh status record in the state store)");
  }
  live_ = true;
  // Keys a previous continuous verify left behind are old: start from now.
  CUTOVER_RETURN_IF_ERROR(state::DeleteTouchedBatches(*state_));
  struct Continuous {
    const TableJob* job = nullptr;
    std::deque<OpenChunk> open;
    TableVerifyState totals;
  };
  std::map<std::string, Continuous> tables;  // by source "schema.table"
  for (const TableJob& job : jobs_) tables[job.plan.source.ToString()].job = &job;
  VerifyReport report;
  report.live = true;
  report.continuous = true;
  auto started = std::chrono::steady_clock::now();
  auto last_heartbeat = started - std::chrono::hours(1);
  auto last_line = started;
  auto finish = [&]() -> Status { return state::DeleteContinuousRequest(*state_); };
  while (!Stopping() && (options_.duration.count() == 0 ||
                         std::chrono::steady_clock::now() - started < options_.duration)) {
    if (std::chrono::steady_clock::now() - last_heartbeat >= std::chrono::seconds(1)) {
      state::ContinuousRequest request{options_.sample, pipeline::NowMs()};
      CUTOVER_RETURN_IF_ERROR(state::WriteContinuousRequest(*state_, request));
      last_heartbeat = std::chrono::steady_clock::now();
    }
    CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TouchedBatch> batches,
                             state::TakeTouchedBatches(*state_));
    for (const state::TouchedBatch& batch : batches) {
      report.keys_dropped += batch.dropped;
      for (const auto& [table, keys] : batch.keys) {
        auto found = tables.find(table);
        if (found == tables.end()) {
          report.keys_dropped += static_cast<int64_t>(keys.size());
          continue;
        }
        CUTOVER_ASSIGN_OR_RETURN(OpenChunk chunk, TouchedChunk(*found->second.job, keys));
        found->second.open.push_back(std::move(chunk));
      }
    }
    for (auto& [name, table] : tables) {
      CUTOVER_RETURN_IF_ERROR(RecheckReady(*table.job, table.open, /*wait=*/false));
      while (!table.open.empty() && table.open.front().suspects.empty()) {
        AddContinuous(table.open.front(), table.totals);
        table.open.pop_front();
      }
    }
    if (options_.progress != nullptr &&
        std::chrono::steady_clock::now() - last_line >= options_.report_every) {
      int64_t checked = 0;
      int64_t differences = 0;
      int64_t unsettled = 0;
      for (const auto& [name, table] : tables) {
        checked += table.totals.rows;
        differences += table.totals.missing + table.totals.extra + table.totals.different;
        unsettled += table.totals.unsettled;
      }
      std::fprintf(options_.progress,
                   "verify --continuous: %lld keys checked, %lld differences, %lld still "
                   "changing, %lld keys left out\n",
                   static_cast<long long>(checked), static_cast<long long>(differences),
                   static_cast<long long>(unsettled), static_cast<long long>(report.keys_dropped));
      std::fflush(options_.progress);
      last_line = std::chrono::steady_clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CUTOVER_RETURN_IF_ERROR(finish());
  // What was taken but not settled yet is checked to its end (stopping ends the waits).
  for (auto& [name, table] : tables) {
    while (!table.open.empty() && !Stopping()) {
      CUTOVER_RETURN_IF_ERROR(RecheckReady(*table.job, table.open, /*wait=*/true));
      while (!table.open.empty() && table.open.front().suspects.empty()) {
        AddContinuous(table.open.front(), table.totals);
        table.open.pop_front();
      }
    }
  }
  for (auto& [name, table] : tables) {
    VerifyTableReport entry;
    entry.table = name;
    entry.target = table.job->plan.target.schema.empty() ? table.job->plan.target.name
                                                         : table.job->plan.target.ToString();
    entry.rows = table.totals.rows;
    entry.missing = table.totals.missing;
    entry.extra = table.totals.extra;
    entry.different = table.totals.different;
    entry.settled = table.totals.settled;
    entry.unsettled = table.totals.unsettled;
    entry.chunks = entry.chunks_checked = table.totals.chunks;
    entry.done = true;
    entry.listed = std::move(table.totals.listed);
    report.tables.push_back(std::move(entry));
  }
  report.seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  report.complete = true;
  CUTOVER_RETURN_IF_ERROR(state::WriteVerifyReport(*state_, ReportRecord(report)));
  return report;
}

// Touched keys of one table as an open chunk whose suspects they all are, their source rows
// read now.
Result<OpenChunk> Verifier::TouchedChunk(const TableJob& job,
                                         const std::vector<std::string>& hex_keys) {
  OpenChunk chunk;
  std::vector<Key> keys;
  for (const std::string& hex : hex_keys) {
    std::optional<std::string> bytes = coding::HexDecode(hex);
    if (!bytes) return Status::DataLoss("a touched key in the state store is not valid hex");
    CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(*bytes));
    auto [suspect, added] = chunk.suspects.try_emplace(*bytes);
    if (!added) continue;
    suspect->second.key = key;
    keys.push_back(std::move(key));
  }
  CUTOVER_ASSIGN_OR_RETURN(auto rows, ReadSourceKeys(job, keys));
  for (auto& [id, suspect] : chunk.suspects) {
    auto row = rows.find(id);
    if (row != rows.end()) suspect.source = std::move(row->second);
  }
  chunk.read_ms = pipeline::NowMs();
  chunk.result.rows = static_cast<int64_t>(chunk.suspects.size());
  return chunk;
}

// A finished batch of touched keys into a table's totals: its keys checked, the
// differences that lasted, the keys still changing. (A key whose target agreed at the first
// look is "settled" to RecheckRound; here that is simply a key found equal.)
void Verifier::AddContinuous(OpenChunk& chunk, TableVerifyState& totals) {
  totals.rows += chunk.result.rows;
  totals.missing += chunk.result.missing;
  totals.extra += chunk.result.extra;
  totals.different += chunk.result.different;
  totals.unsettled += chunk.unsettled;
  ++totals.chunks;
  for (VerifyDifference& difference : chunk.result.differences) {
    if (static_cast<int>(totals.listed.size()) >= options_.max_listed) break;
    totals.listed.push_back(std::move(difference));
  }
}

}  // namespace cutover::verify
