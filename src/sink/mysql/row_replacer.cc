// RowReplacer: bulk REPLACE with a LOAD DATA fallback, and the warning check both need.
#include "sink/mysql/row_replacer.h"

#include <fmt/format.h>

#include "sink/mysql/load_data.h"
#include "sink/mysql/postgres_columns.h"

namespace cutover::mysql {
namespace {

// A LOAD DATA stream is handed to libmariadb in pieces of about this size.
constexpr size_t kPieceBytes = 1 << 20;
// One bulk execution carries rows of at most about this many bytes: well under the servers'
// default max_allowed_packet (16 MiB); a larger row goes by LOAD DATA, which streams.
constexpr size_t kBulkBytes = 4 << 20;

}  // namespace

Result<std::unique_ptr<RowReplacer>> RowReplacer::Create(Connection& connection,
                                                         const TableSchema& schema,
                                                         const TableId& target) {
  std::unique_ptr<BulkStatement> bulk;
  if (connection.SupportsBulk()) {
    CUTOVER_ASSIGN_OR_RETURN(bulk, connection.PrepareBulk(BulkReplaceStatement(schema, target)));
  }
  return std::unique_ptr<RowReplacer>(new RowReplacer(connection, schema, target, std::move(bulk)));
}

RowReplacer::RowReplacer(Connection& connection, const TableSchema& schema, const TableId& target,
                         std::unique_ptr<BulkStatement> bulk)
    : connection_(connection),
      schema_(schema),
      target_(target),
      bulk_(std::move(bulk)),
      load_sql_(LoadDataStatement(schema, target)) {}

RowReplacer::~RowReplacer() = default;

Status RowReplacer::Replace(std::span<const Row> rows) {
  if (rows.empty()) return Status::Ok();
  CUTOVER_RETURN_IF_ERROR(CheckPostgresValues(schema_, rows));
  if (bulk_ != nullptr) {
    CUTOVER_ASSIGN_OR_RETURN(bool written, ReplaceBulk(rows));
    if (written) return CheckWarnings();
  }
  size_t next_row = 0;
  auto next = [&](std::string* piece) {
    piece->clear();
    while (next_row < rows.size() && piece->size() < kPieceBytes) {
      AppendLoadDataRow(schema_, rows[next_row++], piece);
    }
    return Status::Ok();
  };
  CUTOVER_RETURN_IF_ERROR(connection_.LoadDataLocal(load_sql_, next).status());
  return CheckWarnings();
}

// Writes `rows` by bulk REPLACE in groups of at most kBulkBytes; false (nothing written) when a
// row is too large for one group, which LOAD DATA then streams instead.
Result<bool> RowReplacer::ReplaceBulk(std::span<const Row> rows) {
  std::vector<size_t> group_ends;
  size_t group_bytes = 0;
  for (size_t idx = 0; idx < rows.size(); ++idx) {
    size_t bytes = BulkRowBytes(rows[idx]);
    if (bytes > kBulkBytes) return false;
    if (group_bytes + bytes > kBulkBytes) {
      group_ends.push_back(idx);
      group_bytes = 0;
    }
    group_bytes += bytes;
  }
  group_ends.push_back(rows.size());
  size_t begin = 0;
  for (size_t end : group_ends) {
    std::span<const Row> group = rows.subspan(begin, end - begin);
    FillBulkColumns(schema_, group, &columns_);
    CUTOVER_RETURN_IF_ERROR(bulk_->Execute(columns_, group.size()).status());
    begin = end;
  }
  return true;
}

// LOAD DATA LOCAL turns bad values into warnings (truncated, out of range, invalid); rows with
// any of them are refused rather than stored altered.
// One warning is no value changed: 1364, a column the rows do not carry has no default (rows of
// a source shape from before a column was added, written into a target table that has it: the
// ADD COLUMN's step sets it when the log reaches the statement, docs/ddl.md).
Status RowReplacer::CheckWarnings() { return CheckWriteWarnings(connection_, target_); }

Status CheckWriteWarnings(Connection& connection, const TableId& target) {
  if (connection.WarningCount() == 0) return Status::Ok();
  CUTOVER_ASSIGN_OR_RETURN(QueryResult warnings, connection.Query("SHOW WARNINGS"));
  for (const SqlRow& row : warnings.rows) {
    if (row.size() < 3 || row[0].value_or("") == "Note" || row[1].value_or("") == "1364") {
      continue;
    }
    return Status::InvalidArgument(
        fmt::format("writing rows into {} changed a value: {} (MySQL {} {})", target.ToString(),
                    row[2].value_or(""), row[0].value_or(""), row[1].value_or("")));
  }
  return Status::Ok();
}

}  // namespace cutover::mysql
