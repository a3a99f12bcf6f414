// MysqlApplier: one transaction per batch, last image per key, checkpoint in the same commit.
#include "sink/mysql/applier.h"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "core/parse_number.h"
#include "db/mysql/connection.h"
#include "sink/mysql/ddl.h"
#include "sink/mysql/row_replacer.h"

namespace cutover::mysql {
namespace {

constexpr char kCheckpointTable[] = "cutover_checkpoints";
// Keys per DELETE statement.
constexpr size_t kDeleteKeys = 500;

// The applier's session: like the full load's writers (UTC, every source value stored as is),
// but unique checks stay on, since REPLACE must see a conflict on any unique index while rows
// change under it.
constexpr char kApplierSession[] =
    "SET SESSION foreign_key_checks = 0, time_zone = '+00:00', "
    "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";

// The key of `row` as SQL literals: equal keys give equal strings, and the string is the
// DELETE's condition material as well.
std::vector<std::string> KeyLiterals(const TableSchema& schema, const Row& row) {
  std::vector<std::string> literals;
  literals.reserve(schema.key.size());
  for (size_t column : schema.key) {
    literals.push_back(SqlLiteral(schema.columns[column].type, row.values[column]));
  }
  return literals;
}

std::string JoinKey(const std::vector<std::string>& literals) {
  std::string joined;
  for (const std::string& literal : literals) {
    joined += literal;
    joined += '\x1f';
  }
  return joined;
}

// What a batch leaves of one table: per key (in first-seen order) the final row, or nullopt
// for a deleted key.
struct TableBatch {
  std::vector<std::string> order;
  std::unordered_map<std::string, std::pair<std::vector<std::string>, std::optional<Row>>> keys;
  void Set(const TableSchema& schema, const Row& image, std::optional<Row> final_row) {
    std::vector<std::string> literals = KeyLiterals(schema, image);
    std::string joined = JoinKey(literals);
    auto [it, inserted] = keys.try_emplace(joined);
    if (inserted) order.push_back(joined);
    it->second = {std::move(literals), std::move(final_row)};
  }
};

class MysqlApplier : public ChangeApplier {
 public:
  MysqlApplier(const Spec& spec, const std::vector<TargetTablePlan>& plans, int lane, int lanes,
               std::unique_ptr<Connection> connection)
      : migration_(spec.name),
        checkpoint_table_(QuoteQualified(CheckpointDatabase(spec), kCheckpointTable)),
        lane_(lane),
        lanes_(lanes),
        connection_(std::move(connection)) {
    for (const TargetTablePlan& plan : plans) plans_.emplace(plan.source, plan);
  }
  ~MysqlApplier() override { replacers_.clear(); }  // statements before their connection

  Result<std::optional<uint64_t>> LoadCheckpoint() override {
    CUTOVER_ASSIGN_OR_RETURN(QueryResult result,
                             connection_->Query(fmt::format(
                                 "SELECT lane, lanes, log_offset FROM {} WHERE migration = {}",
                                 checkpoint_table_, connection_->QuoteString(migration_))));
    std::vector<StoredCheckpoint> stored;
    for (const SqlRow& row : result.rows) {
      CUTOVER_ASSIGN_OR_RETURN(StoredCheckpoint checkpoint, ReadCheckpoint(row));
      stored.push_back(checkpoint);
    }
    return ResumeOffset(stored, lane_, lanes_);
  }

  Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) override {
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("START TRANSACTION").status());
    Status status = ApplyInTransaction(changes, checkpoint);
    if (status.ok()) status = connection_->Execute("COMMIT").status();
    if (!status.ok()) connection_->Execute("ROLLBACK").IgnoreError();  // the error says it all
    return status;
  }

  // One row of the checkpoint table (lane, lanes, log_offset). Only a hand edit could put text
  // that is no number there: DataLoss naming the table and the value.
  Result<StoredCheckpoint> ReadCheckpoint(const SqlRow& row) const {
    Result<int> lane = ParseInteger<int>(row[0].value_or("-1"), "lane");
    Result<int> lanes = ParseInteger<int>(row[1].value_or("0"), "lanes");
    Result<uint64_t> offset = ParseInteger<uint64_t>(row[2].value_or("0"), "log_offset");
    for (const Status& status : {lane.status(), lanes.status(), offset.status()}) {
      if (!status.ok()) {
        return Status::DataLoss(
            fmt::format("checkpoint table {}: {}", checkpoint_table_, status.message()));
      }
    }
    return StoredCheckpoint{*lane, *lanes, *offset};
  }

  Status CreateCheckpointTable(const Spec& spec) {
    CUTOVER_RETURN_IF_ERROR(connection_
                                ->Execute(fmt::format("CREATE DATABASE IF NOT EXISTS {}",
                                                      QuoteIdentifier(CheckpointDatabase(spec))))
                                .status());
    return connection_
        ->Execute(fmt::format(
            "CREATE TABLE IF NOT EXISTS {} (migration VARCHAR(64) NOT NULL, lane INT NOT NULL, "
            "lanes INT NOT NULL, log_offset BIGINT UNSIGNED NOT NULL, "
            "updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE "
            "CURRENT_TIMESTAMP(6), PRIMARY KEY (migration, lane)) ENGINE=InnoDB",
            checkpoint_table_))
        .status();
  }

 private:
  Status ApplyInTransaction(std::span<const LoggedChange> changes, uint64_t checkpoint) {
    std::map<TableId, TableBatch> batches;
    for (const LoggedChange& logged : changes) {
      const Change& change = logged.change;
      auto plan = plans_.find(change.table);
      if (plan == plans_.end()) {
        return Status::Internal(
            fmt::format("a change of {} reached the applier, which does not write that table",
                        change.table.ToString()));
      }
      const TableSchema& schema = plan->second.schema;
      TableBatch& batch = batches[change.table];
      // A key-changing update leaves the old key deleted and the new one with the after image.
      if (change.before && (change.op == ChangeOp::kDelete || change.op == ChangeOp::kUpdate)) {
        batch.Set(schema, *change.before, std::nullopt);
      }
      if (change.after) batch.Set(schema, *change.after, *change.after);
    }
    for (auto& [table, batch] : batches) {
      CUTOVER_RETURN_IF_ERROR(ApplyTable(plans_.at(table), batch));
    }
    return connection_
        ->Execute(fmt::format(
            "INSERT INTO {} (migration, lane, lanes, log_offset) VALUES ({}, {}, {}, {}) "
            "ON DUPLICATE KEY UPDATE lanes = VALUES(lanes), log_offset = VALUES(log_offset)",
            checkpoint_table_, connection_->QuoteString(migration_), lane_, lanes_, checkpoint))
        .status();
  }

  Status ApplyTable(const TargetTablePlan& plan, TableBatch& batch) {
    const TableSchema& schema = plan.schema;
    std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    std::vector<const std::vector<std::string>*> deleted;
    std::vector<Row> rows;
    for (const std::string& joined : batch.order) {
      auto& [literals, row] = batch.keys.at(joined);
      if (row) {
        rows.push_back(std::move(*row));  // REPLACE overwrites the key's row, if any
      } else {
        deleted.push_back(&literals);
      }
    }
    for (size_t begin = 0; begin < deleted.size(); begin += kDeleteKeys) {
      size_t end = std::min(deleted.size(), begin + kDeleteKeys);
      std::string condition;
      for (size_t idx = begin; idx < end; ++idx) {
        const std::vector<std::string>& literals = *deleted[idx];
        std::string one;
        for (size_t part = 0; part < literals.size(); ++part) {
          one +=
              fmt::format("{}{} = {}", part == 0 ? "" : " AND ",
                          QuoteIdentifier(schema.columns[schema.key[part]].name), literals[part]);
        }
        condition += (condition.empty() ? "(" : " OR (") + one + ")";
      }
      CUTOVER_RETURN_IF_ERROR(
          connection_->Execute(fmt::format("DELETE FROM {} WHERE {}", table, condition)).status());
    }
    if (rows.empty()) return Status::Ok();
    auto replacer = replacers_.find(plan.source);
    if (replacer == replacers_.end()) {
      CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<RowReplacer> created,
                               RowReplacer::Create(*connection_, schema, plan.target));
      replacer = replacers_.emplace(plan.source, std::move(created)).first;
    }
    return replacer->second->Replace(rows);
  }

  // Constant after construction
  const std::string migration_;
  const std::string checkpoint_table_;
  const int lane_;
  const int lanes_;
  const std::unique_ptr<Connection> connection_;
  std::map<TableId, TargetTablePlan> plans_;

  // Prepared per table on first use
  std::map<TableId, std::unique_ptr<RowReplacer>> replacers_;
};

}  // namespace

std::string CheckpointDatabase(const Spec& spec) {
  const std::string& database = spec.target.connection.database;
  return database.empty() ? "cutover" : database;
}

Result<std::unique_ptr<ChangeApplier>> OpenMysqlApplier(const Spec& spec,
                                                        const std::vector<TargetTablePlan>& plans,
                                                        int lane, int lanes) {
  ConnectOptions options;
  options.local_infile = true;
  options.use_database = false;
  CUTOVER_ASSIGN_OR_RETURN(auto connection, Connection::Open(spec.target.connection, options));
  CUTOVER_RETURN_IF_ERROR(connection->Execute(kApplierSession).status());
  // READ COMMITTED: no gap locks, so lanes writing neighbouring keys do not block each other.
  CUTOVER_RETURN_IF_ERROR(
      connection->Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").status());
  auto applier = std::make_unique<MysqlApplier>(spec, plans, lane, lanes, std::move(connection));
  CUTOVER_RETURN_IF_ERROR(applier->CreateCheckpointTable(spec));
  return std::unique_ptr<ChangeApplier>(std::move(applier));
}

namespace {

class MysqlAppliers : public Appliers {
 public:
  MysqlAppliers(const Spec& spec, const std::vector<TargetTablePlan>& plans)
      : spec_(spec), plans_(plans) {}
  Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const override {
    return OpenMysqlApplier(spec_, plans_, lane, lanes);
  }

 private:
  const Spec& spec_;
  const std::vector<TargetTablePlan>& plans_;
};

}  // namespace

std::unique_ptr<Appliers> MysqlAppliers(const Spec& spec, const std::vector<TargetTablePlan>& plans) {
  return std::make_unique<class MysqlAppliers>(spec, plans);
}

}  // namespace cutover::mysql
