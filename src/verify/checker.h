// TargetChecker: compares chunks of source rows with one kind of target. The verifier reads
// the source and keeps the progress; a checker only knows how its target stores a row.
// Re-checking single keys (a difference under live CDC, docs/verify.md "While CDC runs") goes
// through CheckKeys, which reuses the chunk's row comparison.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/sink.h"
#include "cutover/spec.h"
#include "cutover/verify.h"

namespace cutover::mysql {
class Connection;  // db/mysql/connection.h
}  // namespace cutover::mysql
namespace cutover::postgres {
class Connection;  // db/postgres/connection.h
}  // namespace cutover::postgres

namespace cutover::verify {

// The source session a checksum is computed through: the source's engine's, the other null.
// A PostgreSQL session runs with postgres::SessionSettings() (source/postgres/types.h).
struct ChecksumSource {
  mysql::Connection* mysql = nullptr;
  postgres::Connection* postgres = nullptr;
};

// What one CheckChunk call found. Differences are all listed; the verifier caps what it keeps.
struct ChunkResult {
  int64_t rows = 0;
  int64_t missing = 0;
  int64_t extra = 0;
  int64_t different = 0;
  std::vector<VerifyDifference> differences;
  // keys[i]: the source table's key (plan.schema's key columns) of differences[i]: the row's
  // key for missing and different, the target row's key for SQL extras. A re-check reads
  // those keys again.
  std::vector<Key> keys;

  // Counts `difference` by kind and lists it, with the source key it is about.
  void Add(VerifyDifference difference, Key key);
};

class TargetChecker {
 public:
  virtual ~TargetChecker() = default;

  // Called once with every table being verified, before any other call.
  virtual Status Prepare(std::span<const TargetTablePlan> /*plans*/) { return Status::Ok(); }

  // Compares `rows` (source rows of plan.source narrowed to plan.schema, in key order, every
  // source row with lower < key <= upper that the filter selects) with the target. A checker
  // whose target is keyed like the source (SQL) also reports target rows inside the bounds
  // that no source row has (extra); an open bound extends to that end of the table.
  virtual Status CheckChunk(const TargetTablePlan& plan, const std::optional<Key>& lower,
                            const std::optional<Key>& upper, std::span<const Row> rows,
                            ChunkResult* result) = 0;

  // Compares the rows with one of `keys` (source keys of plan.schema): `rows` are the source
  // rows that have one of them now (a key without a row was deleted). Like CheckChunk, but for
  // single keys: a target keyed like the source (SQL) also reports a target row of a key the
  // source lacks as extra; DynamoDB checks the items the rows produce (a deleted row's items
  // are the extra-item scan's to find).
  virtual Status CheckKeys(const TargetTablePlan& plan, std::span<const Key> keys,
                           std::span<const Row> rows, ChunkResult* result) = 0;

  // Whether SameChecksum can tell equal ranges of `plan`'s table apart without reading their
  // rows (SQL targets, docs/verify.md "Checksums"; PostgreSQL: not every table).
  virtual bool HasChecksums(const TargetTablePlan& /*plan*/) { return false; }
  // Checksums of the rows with lower < key <= upper, computed inside the source (through
  // `source`, with the rule's `filter`) and inside the target at once: the range's row count
  // when both agree; nullopt when they differ (the verifier then reads the rows and calls
  // CheckChunk, which finds what differs).
  virtual Result<std::optional<int64_t>> SameChecksum(const ChecksumSource& /*source*/,
                                                      const TargetTablePlan& /*plan*/,
                                                      const std::string& /*filter*/,
                                                      const std::optional<Key>& /*lower*/,
                                                      const std::optional<Key>& /*upper*/) {
    return std::optional<int64_t>();
  }

  // Rows a previous run already checked (resume): a checker that finds extras at the end
  // (DynamoDB) notes which target records they account for. Default: nothing to note.
  virtual Status Remember(const TargetTablePlan& /*plan*/, std::span<const Row> /*rows*/) {
    return Status::Ok();
  }
  virtual bool NeedsCheckedRows() const { return false; }

  // After every table: one report per target table scanned for records no source row
  // produced (DynamoDB); none for SQL targets, whose chunks cover the whole key space.
  virtual Result<std::vector<VerifyTableReport>> FindExtras(int max_listed) {
    (void)max_listed;
    return std::vector<VerifyTableReport>{};
  }

  // The source keys (plan.schema's key columns) of the extra rows the last FindExtras found in
  // `plan`'s target table, for `--repair --delete-extra` (SQL targets: a table keyed by text and
  // the like, whose extra rows no chunk range holds). Empty by default.
  virtual std::vector<Key> ExtraKeys(const TargetTablePlan& /*plan*/) const { return {}; }

  // Live CDC, a checker that needs checked rows: FindExtras's extras re-checked. The verifier
  // first calls ForgetRemembered, then Remember with every source row as it is now, then
  // waits until apply has passed that read; RecheckExtras then keeps as extra only the
  // records no row produces now that are still there, and counts the others as settled.
  virtual void ForgetRemembered() {}
  virtual Result<std::vector<VerifyTableReport>> RecheckExtras(
      std::vector<VerifyTableReport> reports, int /*max_listed*/) {
    return reports;
  }
};

// "id=7 line=2": the key columns of `row` and their display values.
std::string KeyText(const TableSchema& schema, const Row& row);
// A value as a difference shows it: DisplayValue() (what SELECT shows), "NULL" for NULL.
std::string ValueText(const ColumnType& type, const Value& value);

// The checkers. `plans` are every table being verified (ApplyPlans).
Result<std::unique_ptr<TargetChecker>> OpenDynamoDbChecker(const Spec& spec);
Result<std::unique_ptr<TargetChecker>> OpenKafkaChecker(const Spec& spec);
Result<std::unique_ptr<TargetChecker>> OpenMysqlChecker(const Spec& spec);
Result<std::unique_ptr<TargetChecker>> OpenPostgresChecker(const Spec& spec);
// A session on the spec's PostgreSQL target whose settings fix how values are spelled (UTC,
// ISO dates, bytea in hex, floats that read back the same): what the checker and the repair
// read target rows through.
Result<std::unique_ptr<postgres::Connection>> OpenPostgresSession(const Spec& spec);
// A session on the spec's PostgreSQL source with postgres::SessionSettings(): what the checksums
// of a PostgreSQL source run in.
Result<std::unique_ptr<postgres::Connection>> OpenPostgresSourceSession(const Spec& spec);

}  // namespace cutover::verify
