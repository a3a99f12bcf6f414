// Verifier, re-check under live CDC (docs/verify.md "While CDC runs"): while a `cutover run`
// applies, a difference may only be a change not applied yet, so each becomes a suspect whose
// source row is read again and compared with the target once apply has passed that read; it
// counts only when it persists with the source row unchanged. The scan's extra items are
// re-checked the same way.
#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "pipeline/clock.h"
#include "verify/live.h"
#include "verify/verifier.h"

namespace cutover::verify {
namespace {

// A suspect is re-checked once apply has passed its source read by this much (capture logs a
// change a few milliseconds after its commit; the margin covers a slower moment).
constexpr int64_t kRecheckMarginMs = 1500;
// Rounds in a row in which a key's source row stayed the same while the target still
// differed: then the difference stands.
constexpr int kStableRounds = 2;
// Rounds after which a key whose source row changed every time is left unsettled.
constexpr int kMaxRounds = 8;
// How long a re-check waits for apply to pass a source read.
constexpr std::chrono::seconds kRecheckTimeout{120};

}  // namespace

// Live CDC: the chunk's differences become suspects, re-checked key by key once apply has
// passed the moment their source rows are read again here.
Status Verifier::Suspect(const TableJob& job, OpenChunk& chunk) {
  ChunkResult found = std::move(chunk.result);
  chunk.result = ChunkResult{};
  chunk.result.rows = found.rows;
  std::vector<Key> keys;
  for (size_t index = 0; index < found.differences.size(); ++index) {
    std::string id = found.keys[index].Encode();
    auto [suspect, added] = chunk.suspects.try_emplace(id);
    if (added) {
      suspect->second.key = found.keys[index];
      keys.push_back(found.keys[index]);
    }
    suspect->second.differences.push_back(std::move(found.differences[index]));
  }
  CUTOVER_ASSIGN_OR_RETURN(auto rows, ReadSourceKeys(job, keys));
  for (auto& [id, suspect] : chunk.suspects) {
    auto row = rows.find(id);
    if (row != rows.end()) suspect.source = std::move(row->second);
  }
  chunk.read_ms = pipeline::NowMs();
  return Status::Ok();
}

// Re-checks the suspects of every open chunk whose source rows apply has passed (all of
// them at once when no `cutover run` is running any more: the target no longer changes).
// With `wait`, first waits until the oldest open chunk's suspects can be re-checked.
Status Verifier::RecheckReady(const TableJob& job, std::deque<OpenChunk>& open, bool wait) {
  auto has_suspects = [](const OpenChunk& chunk) { return !chunk.suspects.empty(); };
  if (std::none_of(open.begin(), open.end(), has_suspects)) return Status::Ok();
  auto deadline = std::chrono::steady_clock::now() + kRecheckTimeout;
  while (true) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
    bool running = applied.has_value();
    bool any = false;
    for (OpenChunk& chunk : open) {
      if (chunk.suspects.empty()) continue;
      if (running && *applied < chunk.read_ms + kRecheckMarginMs) continue;
      CUTOVER_RETURN_IF_ERROR(RecheckRound(job, chunk, running));
      any = true;
    }
    if (any || !wait || !has_suspects(open.front())) return Status::Ok();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::DeadlineExceeded(fmt::format(
          "re-checking differences in {}: `cutover run` did not apply what the source had "
          "{} s ago (see `cutover status`); run verify again when it has caught up",
          job.plan.source.ToString(), kRecheckTimeout.count()));
    }
    if (Stopping()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// One round for a chunk's suspects: the target compared with the source rows read at
// read_ms; a key that now agrees is settled; a key that still differs while its source row
// stayed the same across the wait counts towards a real difference (kStableRounds rounds in
// a row, or one when CDC no longer runs); a key whose source row changed again is re-checked
// next round with its new row; after kMaxRounds a key still changing is unsettled.
Status Verifier::RecheckRound(const TableJob& job, OpenChunk& chunk, bool running) {
  std::vector<Key> keys;
  std::vector<Row> rows;
  for (const auto& [id, suspect] : chunk.suspects) {
    keys.push_back(suspect.key);
    if (suspect.source) rows.push_back(*suspect.source);
  }
  ChunkResult check;
  CUTOVER_RETURN_IF_ERROR(checker_->CheckKeys(job.plan, keys, rows, &check));
  std::map<std::string, std::vector<VerifyDifference>> differing;
  std::vector<Key> differing_keys;
  for (size_t index = 0; index < check.differences.size(); ++index) {
    auto [entry, added] = differing.try_emplace(check.keys[index].Encode());
    if (added) differing_keys.push_back(check.keys[index]);
    entry->second.push_back(std::move(check.differences[index]));
  }
  CUTOVER_ASSIGN_OR_RETURN(auto now, ReadSourceKeys(job, differing_keys));
  int64_t read_ms = pipeline::NowMs();
  ++chunk.rounds;
  for (auto suspect = chunk.suspects.begin(); suspect != chunk.suspects.end();) {
    auto found = differing.find(suspect->first);
    if (found == differing.end()) {
      ++chunk.settled;
      suspect = chunk.suspects.erase(suspect);
      continue;
    }
    auto row = now.find(suspect->first);
    std::optional<Row> current =
        row == now.end() ? std::nullopt : std::optional<Row>(std::move(row->second));
    suspect->second.differences = std::move(found->second);
    if (current == suspect->second.source) {
      ++suspect->second.stable_rounds;
    } else {
      suspect->second.source = std::move(current);
      suspect->second.stable_rounds = 0;
    }
    if (suspect->second.stable_rounds >= (running ? kStableRounds : 1)) {
      for (VerifyDifference& difference : suspect->second.differences) {
        chunk.result.Add(std::move(difference), suspect->second.key);
      }
      suspect = chunk.suspects.erase(suspect);
    } else if (chunk.rounds >= kMaxRounds) {
      ++chunk.unsettled;
      suspect = chunk.suspects.erase(suspect);
    } else {
      ++suspect;
    }
  }
  chunk.read_ms = read_ms;
  return Status::Ok();
}

// Live CDC: the scan's extra records re-checked once the source is read again and apply
// has passed that read (a row inserted during the scan, or deleted and its record not yet).
Result<std::vector<VerifyTableReport>> Verifier::RecheckExtras(
    std::vector<VerifyTableReport> extras) {
  bool any = std::any_of(extras.begin(), extras.end(),
                         [](const VerifyTableReport& report) { return report.extra > 0; });
  if (!any) return extras;
  checker_->ForgetRemembered();
  CUTOVER_RETURN_IF_ERROR(RememberEverything());
  int64_t read_ms = pipeline::NowMs();
  CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
  if (applied) {  // else `cutover run` stopped: the target no longer changes
    CUTOVER_RETURN_IF_ERROR(WaitApplied(*state_, read_ms + kRecheckMarginMs, kRecheckTimeout,
                                        options_.stop, "re-checking extra items: changes"));
  }
  return checker_->RecheckExtras(std::move(extras), options_.max_listed);
}

}  // namespace cutover::verify
