// RepairWindows: watermark windows in the captured stream.
#include "pipeline/repair_windows.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/spec.h"

#include "core/coding.h"
#include "log/change_codec.h"
#include "pipeline/clock.h"
#include "pipeline/test_hooks.h"

namespace cutover::pipeline {
namespace {

// A change's table and key, as the window notes it.
std::string WindowKey(const TableId& table, const Key& key) {
  return table.ToString() + '\0' + key.Encode();
}

}  // namespace

std::string RepairRowsKey(std::string_view id) { return fmt::format("repair/{}/rows", id); }
std::string RepairEmittedKey(std::string_view id) { return fmt::format("repair/{}/emitted", id); }

std::string EncodeRepairRows(const TableSchema& schema, const std::vector<Change>& changes) {
  nlohmann::json stored;
  stored["schema"] = log::SchemaToJson(schema);
  stored["changes"] = nlohmann::json::array();
  for (const Change& change : changes) {
    stored["changes"].push_back(coding::HexEncode(log::EncodeChangeRecord(change, 0)));
  }
  return stored.dump();
}

Result<std::vector<Change>> DecodeRepairRows(std::string_view text) {
  nlohmann::json stored = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (stored.is_discarded() || !stored.contains("schema") || !stored.contains("changes")) {
    return Status::DataLoss("a repair request in the state store is not readable");
  }
  CUTOVER_ASSIGN_OR_RETURN(TableSchema schema,
                           log::SchemaFromJson(stored["schema"].get<std::string>()));
  auto shape = std::make_shared<const TableSchema>(std::move(schema));
  std::vector<Change> changes;
  for (const nlohmann::json& hex : stored["changes"]) {
    std::optional<std::string> record = coding::HexDecode(hex.get<std::string>());
    if (!record) return Status::DataLoss("a repair request holds a change that is not hex");
    Change& change = changes.emplace_back();
    CUTOVER_RETURN_IF_ERROR(log::DecodeChangeRecord(*record, shape, &change));
  }
  return changes;
}

Status RepairWindows::Pass(const Change& change,
                           const std::function<Status(const Change&)>& record) {
  if (change.table.name == kFenceTable) {
    // cutover_fence (id, at): only the marker's insert matters; fence's clean-up delete is not.
    if (!on_fence_ || change.op != ChangeOp::kInsert || !change.after || !change.schema) {
      return Status::Ok();
    }
    std::optional<size_t> id_column = change.schema->ColumnIndex("id");
    if (!id_column) return Status::Ok();
    return on_fence_(change.after->values[*id_column].ToText());
  }
  emit_.clear();
  CUTOVER_ASSIGN_OR_RETURN(bool watermark, OnChange(change, &emit_));
  if (!watermark) return record(change);
  for (const Change& repaired : emit_) CUTOVER_RETURN_IF_ERROR(record(repaired));
  return Status::Ok();
}

Result<bool> RepairWindows::OnChange(const Change& change, std::vector<Change>* emit) {
  if (change.table.name != kWatermarkTable) {
    if (open_.empty() || !change.schema) return false;
    for (const std::optional<Row>* image : {&change.before, &change.after}) {
      if (!*image) continue;
      std::string key = WindowKey(change.table, KeyOf(*change.schema, **image));
      for (auto& [id, changed] : open_) changed.insert(key);
    }
    return false;
  }
  if (state_ == nullptr || change.op != ChangeOp::kInsert || !change.after || !change.schema) {
    return true;  // the repair's clean-up deletes, or no state store: nothing to do
  }
  // cutover_watermarks (id, phase): the request id and "low" or "high".
  std::optional<size_t> id_column = change.schema->ColumnIndex("id");
  std::optional<size_t> phase_column = change.schema->ColumnIndex("phase");
  if (!id_column || !phase_column) return true;
  std::string id = change.after->values[*id_column].ToText();
  std::string phase = change.after->values[*phase_column].ToText();
  if (phase == "low") {
    open_[id];
    TEST_PausePoint("repair_window_open");
    return true;
  }
  if (phase != "high") return true;
  auto window = open_.find(id);
  // Without its low watermark (capture resumed inside the window: the keys changed before the
  // resume position are not known) no stored row is known to be current: all are left to CDC
  // and the repair's verify that follows.
  const bool known = window != open_.end();
  std::set<std::string> changed;
  if (known) {
    changed = std::move(window->second);
    open_.erase(window);
  }
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored, state_->GetMeta(RepairRowsKey(id)));
  if (!stored) {
    // Resumed after the repair ended (its rows are gone), or another state directory's repair.
    return true;
  }
  CUTOVER_ASSIGN_OR_RETURN(std::vector<Change> rows, DecodeRepairRows(*stored));
  if (!known) {
    spdlog::warn("repair {}: capture resumed inside its window: its {} rows are left to CDC", id,
                 rows.size());
  }
  int64_t dropped = 0;
  for (Change& row : rows) {
    const Row& image = row.after ? *row.after : *row.before;
    if (!known || changed.contains(WindowKey(row.table, KeyOf(*row.schema, image)))) {
      ++dropped;  // changed inside the window: the log has a newer image
      continue;
    }
    row.position = change.position;
    emit->push_back(std::move(row));
  }
  nlohmann::json emitted{{"time_ms", NowMs()},
                         {"emitted", emit->size()},
                         {"dropped", dropped},
                         {"position", change.position.Encode()}};
  CUTOVER_RETURN_IF_ERROR(state_->SetMeta(RepairEmittedKey(id), emitted.dump()));
  TEST_PausePoint("repair_emitted");
  spdlog::info("repair {}: {} rows re-sent, {} left to CDC (changed while selected)", id,
               emit->size(), dropped);
  return true;
}

}  // namespace cutover::pipeline
