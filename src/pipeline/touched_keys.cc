// TouchedKeys: the applier's sample of changed keys for a continuous verify.
#include "pipeline/touched_keys.h"

#include <fmt/format.h>
#include <unistd.h>

#include "core/coding.h"
#include "pipeline/clock.h"

namespace cutover::pipeline {

std::string ContinuousRequest::ToJson() const {
  return nlohmann::json{{"sample", sample}, {"heartbeat_ms", heartbeat_ms}}.dump();
}

std::optional<ContinuousRequest> ContinuousRequest::FromJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  ContinuousRequest request;
  request.sample = json.value("sample", 0.0);
  request.heartbeat_ms = json.value("heartbeat_ms", int64_t{0});
  return request;
}

std::string TouchedBatch::ToJson() const {
  return nlohmann::json{{"keys", keys}, {"dropped", dropped}, {"applied_ms", applied_ms}}.dump();
}

Result<TouchedBatch> TouchedBatch::FromJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("keys") ||
      !json["keys"].is_object()) {
    return Status::DataLoss("a touched-keys entry in the state store is not valid JSON");
  }
  TouchedBatch batch;
  for (const auto& [table, keys] : json["keys"].items()) {
    if (!keys.is_array()) return Status::DataLoss("touched keys of " + table + " not a list");
    for (const nlohmann::json& key : keys) {
      if (!key.is_string()) return Status::DataLoss("a touched key of " + table + " not a string");
      batch.keys[table].push_back(key.get<std::string>());
    }
  }
  batch.dropped = json.value("dropped", int64_t{0});
  batch.applied_ms = json.value("applied_ms", int64_t{0});
  return batch;
}

void TouchedKeys::Note(std::span<const LoggedChange> batch) {
  uint64_t threshold = threshold_.load(std::memory_order_relaxed);
  if (threshold == 0 || batch.empty()) return;
  std::lock_guard lock(mutex_);
  for (const LoggedChange& logged : batch) {
    const Change& change = logged.change;
    // xorshift64: a sample independent of the key, so hot keys are not always in or out.
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    if ((random_ >> 32) >= threshold || change.schema == nullptr) continue;
    auto note = [&](const Row& image) {
      if (noted_ >= kMaxTouchedPerFlush) {
        ++pending_.dropped;
        return;
      }
      pending_.keys[change.table.ToString()].push_back(
          coding::HexEncode(KeyOf(*change.schema, image).Encode()));
      ++noted_;
    };
    if (change.after) note(*change.after);
    // A delete, or an update that moved the row to another key: the old key must be gone.
    if (change.before && (!change.after || change.KeyBefore() != change.KeyAfter())) {
      note(*change.before);
    }
  }
}

Status TouchedKeys::Flush(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kContinuousVerifyKey));
  std::optional<ContinuousRequest> request =
      text ? ContinuousRequest::FromJson(*text) : std::nullopt;
  bool asked =
      request && request->sample > 0 && NowMs() - request->heartbeat_ms < kHeartbeatTimeoutMs;
  double sample = asked ? std::min(request->sample, 1.0) : 0.0;
  // Rounded up so that a tiny rate still samples; 2^32 means every change.
  threshold_.store(asked ? static_cast<uint64_t>(sample * 4294967296.0) + 1 : 0,
                   std::memory_order_relaxed);
  TouchedBatch batch;
  {
    std::lock_guard lock(mutex_);
    if (pending_.keys.empty() && pending_.dropped == 0) return Status::Ok();
    batch = std::move(pending_);
    pending_ = TouchedBatch{};
    noted_ = 0;
  }
  if (!asked) return Status::Ok();  // the verify went away: forget what was noted
  batch.applied_ms = NowMs();
  return state.SetMeta(fmt::format("{}{:016d}-{}", kTouchedPrefix, batch.applied_ms, getpid()),
                       batch.ToJson());
}

}  // namespace cutover::pipeline
