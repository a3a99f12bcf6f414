// Verifier, --repair (docs/verify.md "Repair"): after a complete verify with differences, the
// chunks that differed are sent again through the change log (verify/repair.h), then the
// tables are verified once more; the report is the second verify's, with what the repair did.
#include "verify/repair.h"
#include "verify/verifier.h"

namespace cutover::verify {

// --repair: every chunk that differed goes through the change log again (with
// --delete-extra, DynamoDB extra items are deleted first), then the tables that had
// differences are verified once more (from the start).
Result<VerifyReport> Verifier::RepairThenVerifyAgain(const VerifyReport& first) {
  std::vector<RepairRange> ranges;
  std::string tables;  // a --tables glob per table is not possible: verify them all again
  for (const TableJob& job : jobs_) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                             state_->GetMeta(TableMetaKey(job.plan.source)));
    if (!stored) continue;
    CUTOVER_ASSIGN_OR_RETURN(TableVerifyState progress, TableVerifyState::FromJson(*stored));
    for (const auto& [lower, upper] : progress.dirty) {
      ranges.push_back(RepairRange{job.plan, job.filter, lower, upper});
    }
  }
  // DynamoDB extra items are keyed by no source row, so no range holds them: the scan that
  // found them kept them (FindExtras), and the repair deletes those still as they were. A SQL
  // table keyed by text and the like has no ranges on the target either: its scan's extra rows
  // are deleted by their keys, each unless the source has that key by then.
  std::vector<std::string> extra_item_tables;
  std::vector<RepairKeys> extra_keys;
  bool dynamodb = spec_.target.kind == TargetKind::kDynamoDB;
  for (const VerifyTableReport& table : first.tables) {
    if (options_.delete_extra && dynamodb && table.scan && table.extra > 0) {
      extra_item_tables.push_back(table.table);
    }
  }
  if (options_.delete_extra && !dynamodb) {
    for (const TableJob& job : jobs_) {
      std::vector<Key> keys = checker_->ExtraKeys(job.plan);
      if (!keys.empty()) extra_keys.push_back(RepairKeys{job.plan, job.filter, std::move(keys)});
    }
  }
  VerifyRepair repair;
  repair.ranges = static_cast<int64_t>(ranges.size());
  repair.differences_before = first.differences();
  if (!ranges.empty() || !extra_item_tables.empty() || !extra_keys.empty()) {
    RepairOptions options;
    options.delete_extra = options_.delete_extra;
    options.extra_item_tables = std::move(extra_item_tables);
    options.extra_keys = std::move(extra_keys);
    options.stop = options_.stop;
    CUTOVER_ASSIGN_OR_RETURN(RepairResult result,
                             RepairRanges(spec_, *state_, *source_, ranges, options));
    repair.resent = result.resent;
    repair.deleted = result.deleted;
    repair.left_to_cdc = result.left_to_cdc;
  }
  VerifyOptions again = options_;
  again.repair = false;
  again.restart = true;
  CUTOVER_ASSIGN_OR_RETURN(VerifyReport second, Verifier(spec_, again).Run());
  second.repair = repair;
  return second;
}

}  // namespace cutover::verify
