// RowReplacer: writes whole rows into one MariaDB/MySQL target table by REPLACE, so a row whose
// key exists overwrites it. The full load's chunk writer and the CDC applier both use it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "db/mysql/connection.h"
#include "sink/mysql/bulk_rows.h"

namespace cutover::mysql {

class RowReplacer {
 public:
  // For rows following `schema` into `target`, on `connection` (which must outlive the
  // replacer and was opened with local_infile). Prepares the bulk statement when the server
  // has bulk execution (MariaDB).
  static Result<std::unique_ptr<RowReplacer>> Create(Connection& connection,
                                                     const TableSchema& schema,
                                                     const TableId& target);
  ~RowReplacer();
  RowReplacer(const RowReplacer&) = delete;
  RowReplacer& operator=(const RowReplacer&) = delete;

  // Writes `rows` in the caller's transaction: by bulk REPLACE in groups of about 4 MiB (values
  // binary, no text parsing on the server), or, without bulk execution or for a row over the
  // group size, by LOAD DATA LOCAL ... REPLACE streamed from memory. A warning (a value the
  // server changed: truncated, out of range) is an InvalidArgument error: nothing is stored
  // altered.
  Status Replace(std::span<const Row> rows);

 private:
  RowReplacer(Connection& connection, const TableSchema& schema, const TableId& target,
              std::unique_ptr<BulkStatement> bulk);
  Result<bool> ReplaceBulk(std::span<const Row> rows);
  Status CheckWarnings();

  // Constant after construction
  Connection& connection_;
  const TableSchema schema_;
  const TableId target_;
  std::unique_ptr<BulkStatement> bulk_;
  const std::string load_sql_;

  // Reused across calls
  std::vector<BulkColumn> columns_;
};

// After a write into `target` on `connection`: InvalidArgument naming the value when the server
// changed one (a warning: truncated, out of range, invalid), so that nothing is stored altered.
// Notes, and 1364 (a column the write does not carry has no default), are no change.
Status CheckWriteWarnings(Connection& connection, const TableId& target);

}  // namespace cutover::mysql
