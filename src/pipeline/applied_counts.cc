// AppliedCounts: counts committed row changes per table under one lock per batch.
#include "pipeline/applied_counts.h"

namespace cutover::pipeline {

void AppliedCounts::Note(std::span<const LoggedChange> batch) {
  if (batch.empty()) return;
  std::lock_guard lock(mutex_);
  state::TableApplied* counts = nullptr;
  const TableId* last = nullptr;
  for (const LoggedChange& logged : batch) {
    const Change& change = logged.change;
    if (IsTableChange(change.op)) continue;
    // A batch mostly holds runs of one table: look it up again only when the table changes.
    if (last == nullptr || !(*last == change.table)) {
      counts = &counts_[change.table];
      last = &change.table;
    }
    switch (change.op) {
      case ChangeOp::kInsert: ++counts->inserts; break;
      case ChangeOp::kUpdate: ++counts->updates; break;
      case ChangeOp::kDelete: ++counts->deletes; break;
      default: break;
    }
  }
}

std::map<std::string, state::TableApplied> AppliedCounts::Snapshot() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, state::TableApplied> out;
  for (const auto& [table, counts] : counts_) out[table.ToString()] = counts;
  return out;
}

}  // namespace cutover::pipeline
