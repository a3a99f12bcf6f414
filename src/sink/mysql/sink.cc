// MysqlSink: PrepareTable / WriteChunk / BuildIndex / CountRows on a MariaDB/MySQL target.
#include "sink/mysql/sink.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sink/mysql/bulk_rows.h"
#include "sink/mysql/ddl.h"
#include "sink/mysql/load_data.h"
#include "source/mysql/connection.h"

namespace cutover::mysql {
namespace {

// A LOAD DATA stream is handed to libmariadb in pieces of about this size.
constexpr size_t kPieceBytes = 1 << 20;
// One bulk execution carries rows of at most about this many bytes: well under the servers'
// default max_allowed_packet (16 MiB); a larger row goes by LOAD DATA, which streams.
constexpr size_t kBulkBytes = 4 << 20;

// Session settings of a writer. Binary logging stays on (sql_log_bin untouched): the target may
// have replicas of its own, and turning it off needs SUPER. The sql_mode admits zero dates and
// a 0 in AUTO_INCREMENT columns so every source value is stored as is.
constexpr char kWriterSession[] =
    "SET SESSION unique_checks = 0, foreign_key_checks = 0, time_zone = '+00:00', "
    "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";

// An index build on a large table runs for a long time without a reply from the server.
constexpr std::chrono::seconds kIndexBuildTimeout{24 * 3600};

Status NoKeyError(const TableSchema& source) {
  return Status::FailedPrecondition(
      fmt::format("table {} has no primary key and no unique NOT NULL index; chunks need a key",
                  source.id.ToString()));
}

class MysqlTableWriter : public TableWriter {
 public:
  // `bulk`: the prepared bulk REPLACE when the target supports it (MariaDB), else null.
  MysqlTableWriter(const TargetTablePlan& plan, std::unique_ptr<Connection> connection,
                   std::unique_ptr<BulkStatement> bulk)
      : plan_(plan),
        connection_(std::move(connection)),
        bulk_(std::move(bulk)),
        load_sql_(LoadDataStatement(plan.schema, plan.target)) {}
  ~MysqlTableWriter() override { bulk_.reset(); }  // the statement before its connection

  Status WriteChunk(const ChunkBounds& bounds, std::span<const Row> rows) override {
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("START TRANSACTION").status());
    Status status = WriteInTransaction(bounds, rows);
    if (status.ok()) status = connection_->Execute("COMMIT").status();
    if (!status.ok()) connection_->Execute("ROLLBACK").IgnoreError();  // the error says it all
    return status;
  }

 private:
  Status WriteInTransaction(const ChunkBounds& bounds, std::span<const Row> rows) {
    CUTOVER_RETURN_IF_ERROR(
        connection_
            ->Execute(fmt::format("DELETE FROM {} WHERE {}",
                                  QuoteQualified(plan_.target.schema, plan_.target.name),
                                  KeyRangePredicate(plan_.schema, bounds)))
            .status());
    if (rows.empty()) return Status::Ok();
    if (bulk_ != nullptr) {
      CUTOVER_ASSIGN_OR_RETURN(bool written, WriteBulk(rows));
      if (written) return CheckWarnings();
    }
    size_t next_row = 0;
    auto next = [&](std::string* piece) {
      piece->clear();
      while (next_row < rows.size() && piece->size() < kPieceBytes) {
        AppendLoadDataRow(plan_.schema, rows[next_row++], piece);
      }
      return Status::Ok();
    };
    CUTOVER_RETURN_IF_ERROR(connection_->LoadDataLocal(load_sql_, next).status());
    return CheckWarnings();
  }

  // Writes `rows` by bulk REPLACE in groups of at most kBulkBytes; false (nothing written) when
  // a row is too large for one group, which LOAD DATA then streams instead.
  Result<bool> WriteBulk(std::span<const Row> rows) {
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
      FillBulkColumns(plan_.schema, group, &columns_);
      CUTOVER_RETURN_IF_ERROR(bulk_->Execute(columns_, group.size()).status());
      begin = end;
    }
    return true;
  }

  // LOAD DATA LOCAL turns bad values into warnings (truncated, out of range, invalid); a
  // chunk with any of them is refused rather than stored altered.
  Status CheckWarnings() {
    if (connection_->WarningCount() == 0) return Status::Ok();
    CUTOVER_ASSIGN_OR_RETURN(QueryResult warnings, connection_->Query("SHOW WARNINGS LIMIT 3"));
    for (const SqlRow& row : warnings.rows) {
      if (row.size() < 3 || row[0].value_or("") == "Note") continue;
      return Status::InvalidArgument(fmt::format(
          "loading a chunk into {} changed a value: {} (MySQL {} {})", plan_.target.ToString(),
          row[2].value_or(""), row[0].value_or(""), row[1].value_or("")));
    }
    return Status::Ok();
  }

  // Constant after construction
  const TargetTablePlan plan_;
  const std::unique_ptr<Connection> connection_;
  std::unique_ptr<BulkStatement> bulk_;
  const std::string load_sql_;

  // Reused across chunks
  std::vector<BulkColumn> columns_;
};

class MysqlSink : public Sink {
 public:
  explicit MysqlSink(const Spec& spec) : spec_(spec) {}

  Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                       bool resuming) override {
    if (!source.has_key()) return NoKeyError(source);
    TargetTablePlan plan;
    plan.source = source.id;
    plan.target = TargetId(source, rule);
    plan.schema = source;
    plan.deferred = DeferredIndexes(source);
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open(false));
    CUTOVER_ASSIGN_OR_RETURN(bool exists, TableExists(*connection, plan.target));
    CUTOVER_RETURN_IF_ERROR(Ready(*connection, exists, resuming, &plan));
    return plan;
  }

  Result<std::unique_ptr<TableWriter>> OpenWriter(const TargetTablePlan& plan) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open(true));
    CUTOVER_RETURN_IF_ERROR(connection->Execute(kWriterSession).status());
    // READ COMMITTED: the chunk's range DELETE then takes no gap locks, so writers of adjacent
    // key ranges of one table do not deadlock on each other's boundaries.
    CUTOVER_RETURN_IF_ERROR(
        connection->Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").status());
    std::unique_ptr<BulkStatement> bulk;
    if (connection->SupportsBulk()) {
      CUTOVER_ASSIGN_OR_RETURN(
          bulk, connection->PrepareBulk(BulkReplaceStatement(plan.schema, plan.target)));
    }
    return std::unique_ptr<TableWriter>(
        new MysqlTableWriter(plan, std::move(connection), std::move(bulk)));
  }

  Status BuildIndex(const TargetTablePlan& plan, const Index& index) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open(false, kIndexBuildTimeout));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> existing,
                             IndexNames(*connection, plan.target));
    for (const std::string& name : existing) {
      if (name == index.name) return Status::Ok();
    }
    return connection->Execute(AddIndexSql(plan.target, index)).status();
  }

  Result<uint64_t> CountRows(const TableId& target, bool exact) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open(false));
    std::string sql =
        exact ? fmt::format("SELECT COUNT(*) FROM {}", QuoteQualified(target.schema, target.name))
              : fmt::format(
                    "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE "
                    "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                    connection->QuoteString(target.schema), connection->QuoteString(target.name));
    CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection->Query(sql));
    if (result.rows.empty()) {
      return Status::NotFound(fmt::format("target table {} does not exist", target.ToString()));
    }
    return static_cast<uint64_t>(std::stoull(result.rows[0][0].value_or("0")));
  }

 private:
  TableId TargetId(const TableSchema& source, const TableRule& rule) const {
    const std::string& database = spec_.target.connection.database;
    return TableId{database.empty() ? source.id.schema : database,
                   rule.rename.empty() ? source.id.name : rule.rename};
  }

  // `read_timeout`: how long one statement may run before the client gives up.
  Result<std::unique_ptr<Connection>> Open(
      bool local_infile, std::chrono::seconds read_timeout = ConnectOptions{}.read_timeout) const {
    ConnectOptions options;
    options.local_infile = local_infile;
    options.read_timeout = read_timeout;
    options.use_database = false;
    return Connection::Open(spec_.target.connection, options);
  }

  // Applies spec.target.existing_tables to a table that does (`exists`) or does not exist.
  Status Ready(Connection& connection, bool exists, bool resuming, TargetTablePlan* plan) {
    CUTOVER_ASSIGN_OR_RETURN(TableAction action, DecideTableAction(spec_.target.existing_tables,
                                                                   exists, resuming, plan));
    switch (action) {
      case TableAction::kCreate: return Create(connection, *plan);
      case TableAction::kTruncate: return Truncate(connection, *plan);
      case TableAction::kKeepIndexes: return KeepExistingIndexes(connection, plan);
      case TableAction::kNothing: return Status::Ok();
    }
    return Status::Ok();
  }

  Status Create(Connection& connection, const TargetTablePlan& plan) {
    CUTOVER_RETURN_IF_ERROR(connection
                                .Execute(fmt::format("CREATE DATABASE IF NOT EXISTS {}",
                                                     QuoteIdentifier(plan.target.schema)))
                                .status());
    return connection.Execute(CreateTableSql(plan.schema, plan.target)).status();
  }

  // Empties the table and drops its secondary indexes that will be rebuilt after the load.
  Status Truncate(Connection& connection, const TargetTablePlan& plan) {
    std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    CUTOVER_RETURN_IF_ERROR(connection.Execute("TRUNCATE TABLE " + table).status());
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> existing,
                             IndexNames(connection, plan.target));
    for (const Index& index : plan.deferred) {
      if (std::find(existing.begin(), existing.end(), index.name) == existing.end()) continue;
      CUTOVER_RETURN_IF_ERROR(connection
                                  .Execute(fmt::format("ALTER TABLE {} DROP INDEX {}", table,
                                                       QuoteIdentifier(index.name)))
                                  .status());
    }
    return Status::Ok();
  }

  // keep: the table's own indexes stay; only source indexes it lacks are deferred.
  Status KeepExistingIndexes(Connection& connection, TargetTablePlan* plan) {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> existing,
                             IndexNames(connection, plan->target));
    std::erase_if(plan->deferred, [&](const Index& index) {
      return std::find(existing.begin(), existing.end(), index.name) != existing.end();
    });
    return Status::Ok();
  }

  static Result<bool> TableExists(Connection& connection, const TableId& table) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query(fmt::format("SELECT 1 FROM information_schema.TABLES WHERE "
                                     "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                                     connection.QuoteString(table.schema),
                                     connection.QuoteString(table.name))));
    return !result.rows.empty();
  }

  static Result<std::vector<std::string>> IndexNames(Connection& connection, const TableId& table) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query(fmt::format("SELECT DISTINCT INDEX_NAME FROM "
                                     "information_schema.STATISTICS WHERE TABLE_SCHEMA = {} "
                                     "AND TABLE_NAME = {}",
                                     connection.QuoteString(table.schema),
                                     connection.QuoteString(table.name))));
    std::vector<std::string> names;
    for (const SqlRow& row : result.rows) names.push_back(row[0].value_or(""));
    return names;
  }

  // Constant after construction
  const Spec spec_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenMysqlSink(const Spec& spec) {
  ConnectOptions options;
  options.use_database = false;
  CUTOVER_ASSIGN_OR_RETURN(auto probe, Connection::Open(spec.target.connection, options));
  return std::unique_ptr<Sink>(new MysqlSink(spec));
}

}  // namespace cutover::mysql
