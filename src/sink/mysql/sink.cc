// MysqlSink: PrepareTable / WriteChunk / BuildIndex / CountRows on a MariaDB/MySQL target.
#include "sink/mysql/sink.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/parse_number.h"
#include "core/throttle_stats.h"
#include "db/mysql/connection.h"
#include "sink/mysql/ddl.h"
#include "sink/mysql/row_replacer.h"

namespace cutover::mysql {
namespace {

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
  MysqlTableWriter(const TargetTablePlan& plan, std::unique_ptr<Connection> connection)
      : plan_(plan), connection_(std::move(connection)) {}
  ~MysqlTableWriter() override { replacer_.reset(); }  // its statement before its connection

  Status Open() {
    CUTOVER_ASSIGN_OR_RETURN(replacer_,
                             RowReplacer::Create(*connection_, plan_.schema, plan_.target));
    return Status::Ok();
  }

  Status WriteChunk(const ChunkBounds& bounds, std::span<const Row> rows) override {
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("START TRANSACTION").status());
    Status status = WriteInTransaction(bounds, rows);
    if (status.ok()) status = TimedCommit(*connection_).status();
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
    return replacer_->Replace(rows);
  }

  // Constant after construction
  const TargetTablePlan plan_;
  const std::unique_ptr<Connection> connection_;
  std::unique_ptr<RowReplacer> replacer_;
};

class MysqlSink : public Sink {
 public:
  explicit MysqlSink(const Spec& spec) : spec_(spec) {}

  Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                       bool resuming) override {
    if (!source.has_key()) return NoKeyError(source);
    TargetTablePlan plan;
    plan.source = source.id;
    plan.target = TargetTableId(spec_, source.id, rule);
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
    auto writer = std::make_unique<MysqlTableWriter>(plan, std::move(connection));
    CUTOVER_RETURN_IF_ERROR(writer->Open());
    return std::unique_ptr<TableWriter>(std::move(writer));
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

  Status EmptyTable(const TargetTablePlan& plan) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open(false));
    return connection
        ->Execute("TRUNCATE TABLE " + QuoteQualified(plan.target.schema, plan.target.name))
        .status();
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
    return ParseInteger<uint64_t>(result.rows[0][0].value_or("0"),
                                  fmt::format("row count of {}", target.ToString()));
  }

 private:

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
    CUTOVER_ASSIGN_OR_RETURN(std::string create, CreateTableSql(plan.schema, plan.target));
    CUTOVER_RETURN_IF_ERROR(connection
                                .Execute(fmt::format("CREATE DATABASE IF NOT EXISTS {}",
                                                     QuoteIdentifier(plan.target.schema)))
                                .status());
    return connection.Execute(create).status();
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

TableId TargetTableId(const Spec& spec, const TableId& source, const TableRule& rule) {
  const std::string& database = spec.target.connection.database;
  return TableId{database.empty() ? source.schema : database,
                 rule.rename.empty() ? source.name : rule.rename};
}

Result<std::unique_ptr<Sink>> OpenMysqlSink(const Spec& spec) {
  ConnectOptions options;
  options.use_database = false;
  CUTOVER_ASSIGN_OR_RETURN(auto probe, Connection::Open(spec.target.connection, options));
  return std::unique_ptr<Sink>(new MysqlSink(spec));
}

}  // namespace cutover::mysql
