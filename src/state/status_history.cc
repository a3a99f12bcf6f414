// StatusHistory: the bounded ring of status samples and its record in the state store.
#include "state/status_history.h"

#include <fmt/format.h>

namespace cutover::state {
namespace {

const nlohmann::json& FieldNames() {
  static const nlohmann::json names = {"at_ms", "lag_seconds", "lag_records",
                                       "applied_changes_total", "rows_copied"};
  return names;
}

// One stored sample; nullopt when it is not an array of five numbers.
std::optional<StatusSample> SampleOf(const nlohmann::json& row) {
  if (!row.is_array() || row.size() != FieldNames().size()) return std::nullopt;
  for (const nlohmann::json& value : row) {
    if (!value.is_number()) return std::nullopt;
  }
  StatusSample sample;
  sample.at_ms = row[0].get<int64_t>();
  sample.lag_seconds = row[1].get<double>();
  sample.lag_records = row[2].get<uint64_t>();
  sample.applied_changes_total = row[3].get<uint64_t>();
  sample.rows_copied = row[4].get<uint64_t>();
  return sample;
}

}  // namespace

void StatusHistory::Load(StateStore& state) {
  Result<std::optional<std::string>> text = state.GetMeta(kStatusHistoryKey);
  if (!text.ok() || !*text) return;
  Result<StatusHistory> stored = FromJson(**text, capacity_);
  if (stored.ok()) samples_ = std::move(stored->samples_);
}

void StatusHistory::Add(const StatusSample& sample) {
  samples_.push_back(sample);
  while (samples_.size() > capacity_) samples_.pop_front();
}

Status StatusHistory::Record(StateStore& state, const RunStatus& status, uint64_t rows_copied) {
  Add({status.updated_at_ms, status.lag_seconds, status.lag_records, status.applied_changes_total,
       rows_copied});
  CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state.Begin());
  CUTOVER_RETURN_IF_ERROR(WriteRunStatus(state, status));
  CUTOVER_RETURN_IF_ERROR(state.SetMeta(kStatusHistoryKey, ToJson().dump()));
  return transaction.Commit();
}

nlohmann::json StatusHistory::ToJson() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const StatusSample& sample : samples_) {
    rows.push_back({sample.at_ms, sample.lag_seconds, sample.lag_records,
                    sample.applied_changes_total, sample.rows_copied});
  }
  return {{"fields", FieldNames()}, {"samples", std::move(rows)}};
}

Result<StatusHistory> StatusHistory::FromJson(std::string_view text, size_t capacity) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("samples") || !json["samples"].is_array()) {
    return Status::DataLoss(
        fmt::format("state meta \"{}\": samples: expected an array of samples", kStatusHistoryKey));
  }
  StatusHistory history(capacity);
  const nlohmann::json& rows = json["samples"];
  for (size_t index = 0; index < rows.size(); ++index) {
    std::optional<StatusSample> sample = SampleOf(rows[index]);
    if (!sample) {
      return Status::DataLoss(
          fmt::format("state meta \"{}\": samples[{}]: expected [at_ms, lag_seconds, lag_records, "
                      "applied_changes_total, rows_copied]",
                      kStatusHistoryKey, index));
    }
    history.Add(*sample);
  }
  return history;
}

Result<nlohmann::json> ReadStatusHistory(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kStatusHistoryKey));
  if (!text) return StatusHistory().ToJson();
  CUTOVER_ASSIGN_OR_RETURN(StatusHistory history, StatusHistory::FromJson(*text));
  return history.ToJson();
}

}  // namespace cutover::state
