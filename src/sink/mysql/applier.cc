// MysqlApplier: one transaction per batch, last image per key, checkpoint in the same commit.
#include "sink/mysql/applier.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/parse_number.h"
#include "core/throttle_stats.h"
#include "db/mysql/connection.h"
#include "sink/common/final_images.h"
#include "sink/common/source_columns.h"
#include "sink/mysql/ddl.h"
#include "sink/mysql/postgres_columns.h"
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
    "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', max_error_count = 65535";

// A lane's session gives up on a read or write that waits longer than this (libmariadb's
// read and write timeouts; the batch is applied again on a new session, with backoff): a
// target that stops answering without closing the connection (a half-open link) is noticed
// within 15 s, as on a PostgreSQL target, instead of the 60 s of other sessions. Its lock waits
// end sooner (kLaneLockWaits: error 1205, Aborted, the batch is tried again), so a statement
// merely waiting for a lock a user holds is ended by the server rather than abandoned by the
// client, which would leave its thread waiting behind the lock.
constexpr std::chrono::seconds kLaneIoTimeout{15};
constexpr char kLaneLockWaits[] =
    "SET SESSION innodb_lock_wait_timeout = 10, lock_wait_timeout = 10";

// The key of `row` as SQL literals, each ended by '\x1f' (which no literal holds: text and
// bytes are written in hex): equal keys give equal strings, and the string is the DELETE's
// condition material as well (KeyCondition).
std::string KeyLiterals(const TableSchema& schema, const Row& row) {
  std::string literals;
  for (size_t column : schema.key) {
    literals += SqlLiteral(schema.columns[column].type, row.values[column]);
    literals += '\x1f';
  }
  return literals;
}

// `k0` = v0 AND `k1` = v1 ... for the key whose KeyLiterals are `literals`.
std::string KeyCondition(const TableSchema& schema, std::string_view literals) {
  std::string condition;
  size_t begin = 0;
  for (size_t part = 0; part < schema.key.size(); ++part) {
    size_t end = literals.find('\x1f', begin);
    condition += fmt::format("{}{} = {}", part == 0 ? "" : " AND ",
                             QuoteIdentifier(schema.columns[schema.key[part]].name),
                             literals.substr(begin, end - begin));
    begin = end + 1;
  }
  return condition;
}

// `c` = <literal>, ... for the present columns of `row`: the non-key ones, after the key ones
// when `with_key`. Empty when there is nothing to set.
std::string PartialSets(const TableSchema& schema, const Row& row, bool with_key) {
  std::string sets;
  auto add = [&](size_t column_idx) {
    sets += fmt::format("{}{} = {}", sets.empty() ? "" : ", ",
                        QuoteIdentifier(schema.columns[column_idx].name),
                        SqlLiteral(schema.columns[column_idx].type, row.values[column_idx]));
  };
  if (with_key) {
    for (size_t column_idx : schema.key) add(column_idx);
  }
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    bool key = std::find(schema.key.begin(), schema.key.end(), column_idx) != schema.key.end();
    if (!key && row.IsPresent(column_idx)) add(column_idx);
  }
  return sets;
}

// A schema's columns as a replacer binds them: equal for equal column lists (names and types).
std::string Signature(const TableSchema& schema) {
  std::string signature;
  for (const Column& column : schema.columns) {
    signature += column.name;
    signature += '\0';
    signature += column.type.source_name;
    signature += '\0';
    signature += std::to_string(static_cast<int>(column.type.type));
    signature += '\x1f';
  }
  return signature;
}

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
    if (status.ok()) status = TimedCommit(*connection_).status();
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
    for (const LoggedChange& logged : changes) {
      if (!plans_.contains(logged.change.table)) {
        return Status::Internal(
            fmt::format("a change of {} reached the applier, which does not write that table",
                        logged.change.table.ToString()));
      }
    }
    CUTOVER_ASSIGN_OR_RETURN(
        sink::BatchImages batch,
        sink::FinalImages(
            changes,
            [](const TableSchema& schema, const Row& image) -> Result<std::string> {
              return KeyLiterals(schema, image);
            },
            [this](const TableId& table) {
              // Changes without a schema follow the plan's (the plans outlive the batch).
              return std::shared_ptr<const TableSchema>(&plans_.at(table).schema,
                                                        [](const TableSchema*) {});
            }));
    for (const sink::TableImages& images : batch.tables) {
      CUTOVER_RETURN_IF_ERROR(ApplyTable(plans_.at(images.table), images));
    }
    return connection_
        ->Execute(fmt::format(
            "INSERT INTO {} (migration, lane, lanes, log_offset) VALUES ({}, {}, {}, {}) "
            "ON DUPLICATE KEY UPDATE lanes = VALUES(lanes), log_offset = VALUES(log_offset)",
            checkpoint_table_, connection_->QuoteString(migration_), lane_, lanes_, checkpoint))
        .status();
  }

  // Every key once (sink::FinalImages), grouped by the schema its image follows: the deletes
  // first, then the rows by REPLACE (which overwrites the key's row, if any, and any row holding
  // one of the row's unique values).
  Status ApplyTable(const TargetTablePlan& plan, const sink::TableImages& images) {
    std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    for (const sink::SchemaGroup& group : images.groups) {
      const TableSchema& schema = *group.schema;
      for (size_t begin = 0; begin < group.deleted.size(); begin += kDeleteKeys) {
        size_t end = std::min(group.deleted.size(), begin + kDeleteKeys);
        std::string condition;
        for (size_t idx = begin; idx < end; ++idx) {
          // The key's literals as FinalImages keyed it, not rendered again.
          condition += (condition.empty() ? "(" : " OR (") +
                       KeyCondition(schema, group.deleted_keys[idx]) + ")";
        }
        CUTOVER_RETURN_IF_ERROR(
            connection_->Execute(fmt::format("DELETE FROM {} WHERE {}", table, condition))
                .status());
      }
    }
    for (const sink::SchemaGroup& group : images.groups) {
      if (group.rows.empty()) continue;
      const TableSchema& schema = *group.schema;
      std::pair<TableId, std::string> key{plan.source, Signature(schema)};
      auto replacer = replacers_.find(key);
      if (replacer == replacers_.end()) {
        CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<RowReplacer> created,
                                 RowReplacer::Create(*connection_, schema, plan.target));
        replacer = replacers_.emplace(std::move(key), std::move(created)).first;
      }
      std::vector<Row> rows;
      rows.reserve(group.rows.size());
      for (const Row* row : group.rows) rows.push_back(*row);
      CUTOVER_RETURN_IF_ERROR(replacer->second->Replace(rows));
    }
    for (const sink::SchemaGroup& group : images.groups) {
      for (const Row* row : group.partial) {
        CUTOVER_RETURN_IF_ERROR(UpdatePartial(plan, *group.schema, table, *row));
      }
      for (const sink::PartialMove& move : group.moves) {
        CUTOVER_RETURN_IF_ERROR(MovePartial(*group.schema, plan.target, table, move));
      }
    }
    return Status::Ok();
  }

  // A partial image (sink::IsPartial): its present columns set on its key's row, if there is
  // one, as REPLACE would (another row holding one of the values it sets of a unique index is
  // deleted first). No row: the target holds a later state of the source than this change (a
  // copy read the row after the change log's start, and a later change of the log deletes it
  // or writes it whole), so nothing is written.
  Status UpdatePartial(const TargetTablePlan& plan, const TableSchema& schema,
                       const std::string& table, const Row& row) {
    const std::string update = PartialUpdateSql(schema, plan.target, row);
    if (update.empty()) return Status::Ok();  // only the key: nothing to change
    const std::string key = KeyCondition(schema, KeyLiterals(schema, row));
    for (const Index& index : plan.schema.indexes) {
      if (!index.unique || index.primary || index.name == plan.schema.key_index) continue;
      std::string holder;
      for (const std::string& name : index.columns) {
        std::optional<size_t> column = schema.ColumnIndex(name);
        if (!column || !row.IsPresent(*column) || row.values[*column].is_null()) {
          holder.clear();  // not set by this row, or NULL (which conflicts with nothing)
          break;
        }
        holder += fmt::format("{}{} = {}", holder.empty() ? "" : " AND ", QuoteIdentifier(name),
                              SqlLiteral(schema.columns[*column].type, row.values[*column]));
      }
      if (holder.empty()) continue;
      CUTOVER_RETURN_IF_ERROR(
          connection_
              ->Execute(fmt::format("DELETE FROM {} WHERE {} AND NOT ({})", table, holder, key))
              .status());
    }
    CUTOVER_RETURN_IF_ERROR(connection_->Execute(update).status());
    return CheckWriteWarnings(*connection_, plan.target);
  }

  // A key change whose new image is partial, with no earlier image of the old key in the batch
  // (docs/design.md, "Partial row images"): the old key's row takes the new key and the present
  // columns, keeping its absent ones. If the new key has a row already, the target holds a
  // later state of the source (as for UpdatePartial): that row stays and the old key's goes.
  // If the old key has no row, nothing is written, for the same reason.
  Status MovePartial(const TableSchema& schema, const TableId& target, const std::string& table,
                     const sink::PartialMove& move) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult taken,
        connection_->Query(fmt::format("SELECT 1 FROM {} WHERE {}", table,
                                       KeyCondition(schema, KeyLiterals(schema, *move.to)))));
    if (!taken.rows.empty()) {
      return connection_
          ->Execute(fmt::format("DELETE FROM {} WHERE {}", table,
                                KeyCondition(schema, KeyLiterals(schema, *move.from))))
          .status();
    }
    CUTOVER_ASSIGN_OR_RETURN(uint64_t moved,
                             connection_->Execute(MoveSql(schema, target, *move.from, *move.to)));
    if (moved == 0) spdlog::warn("{}", sink::NothingMovedWarning(lane_, schema.id));
    return CheckWriteWarnings(*connection_, target);
  }

  // Constant after construction
  const std::string migration_;
  const std::string checkpoint_table_;
  const int lane_;
  const int lanes_;
  const std::unique_ptr<Connection> connection_;
  std::map<TableId, TargetTablePlan> plans_;

  // Prepared per table and applied schema (Signature) on first use
  std::map<std::pair<TableId, std::string>, std::unique_ptr<RowReplacer>> replacers_;
};

}  // namespace

std::string PartialUpdateSql(const TableSchema& schema, const TableId& target, const Row& row) {
  std::string sets = PartialSets(schema, row, /*with_key=*/false);
  if (sets.empty()) return sets;
  return fmt::format("UPDATE {} SET {} WHERE {}", QuoteQualified(target.schema, target.name), sets,
                     KeyCondition(schema, KeyLiterals(schema, row)));
}

std::string MoveSql(const TableSchema& schema, const TableId& target, const Row& from,
                    const Row& to) {
  return fmt::format("UPDATE {} SET {} WHERE {}", QuoteQualified(target.schema, target.name),
                     PartialSets(schema, to, /*with_key=*/true),
                     KeyCondition(schema, KeyLiterals(schema, from)));
}

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
  options.read_timeout = kLaneIoTimeout;
  options.write_timeout = kLaneIoTimeout;
  CUTOVER_ASSIGN_OR_RETURN(auto connection, Connection::Open(spec.target.connection, options));
  CUTOVER_RETURN_IF_ERROR(connection->Execute(kApplierSession).status());
  CUTOVER_RETURN_IF_ERROR(connection->Execute(kLaneLockWaits).status());
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

  Result<std::optional<std::vector<std::string>>> TargetColumns(
      const TargetTablePlan& plan) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Open());
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsOf(*connection, plan));
    return std::optional<std::vector<std::string>>(std::move(columns));
  }

  // The MariaDB/MySQL rules of docs/ddl.md: a like target takes the source statement's column
  // definition as written.
  Result<SchemaStepResult> Follow(const TargetTablePlan& plan,
                                  const SchemaStep& step) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Open());
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    const std::string& column = step.column.name;
    const std::string source = plan.source.ToString();
    // ALTER TABLE <target> <clause> <column> <rest>.
    auto alter = [&](std::string_view clause, const std::string& rest) {
      return connection
          ->Execute(fmt::format("ALTER TABLE {} {} {} {}", table, clause,
                                QuoteIdentifier(column), rest))
          .status();
    };
    SchemaStepResult result;
    switch (step.kind) {
      case SchemaStep::Kind::kAddColumn: {
        CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsOf(*connection, plan));
        if (std::find(columns.begin(), columns.end(), column) != columns.end()) {
          // Already there: made by an earlier run, or the table was made from a later schema
          // (a replay). Every row it has now was written before the ALTER: as on the source,
          // they hold the statement's default.
          if (!step.after_earlier_changes || step.definition.empty() || step.generated ||
              (step.default_sql && !step.default_is_constant)) {
            return result;
          }
          CUTOVER_RETURN_IF_ERROR(alter("MODIFY COLUMN", step.definition));
          CUTOVER_RETURN_IF_ERROR(
              connection
                  ->Execute(fmt::format("UPDATE {} SET {} = DEFAULT", table,
                                        QuoteIdentifier(column)))
                  .status());
          return result;
        }
        if (step.definition.empty() && step.column.type.postgres) {
          return AddSourceColumn(*connection, plan, step);
        }
        if (step.generated) {
          result.refusal = fmt::format(
              "generated column {} was added to {}; cutover writes the source's values and a "
              "target computes generated ones itself: add it to {} as you want it, then "
              "cutover ddl resume SPEC {}", column, source, table, source);
        } else if (step.definition.empty()) {
          result.refusal = fmt::format(
              "column {} was added to {}, and the statement that added it was not read (its "
              "default for the existing rows is unknown): add it to {} as on the source, then "
              "cutover ddl resume SPEC {}", column, source, table, source);
        } else if (step.default_sql && !step.default_is_constant) {
          result.refusal = fmt::format(
              "column {} was added to {} with DEFAULT {}, which gave the existing rows values "
              "of the moment of the ALTER on the source that the target cannot repeat: "
              "cutover ddl resume SPEC {} --recopy copies the table again",
              column, source, *step.default_sql, source);
        }
        if (!result.refusal.empty()) return result;
        CUTOVER_RETURN_IF_ERROR(alter("ADD COLUMN", step.definition));
        return result;
      }
      case SchemaStep::Kind::kWidenColumn:
        if (step.definition.empty() && step.column.type.postgres) {
          // A PostgreSQL source's column (no statement): the type it maps to now.
          Result<std::string> type = MariaDbTypeOfPostgres(step.column, IsKey(plan, column));
          if (!type.ok()) {
            result.refusal = fmt::format(
                "{}: change it on {} yourself, then cutover ddl "
                "resume SPEC {}",
                type.status().message(), table, source);
            return result;
          }
          CUTOVER_RETURN_IF_ERROR(
              alter("MODIFY COLUMN", *type + (step.column.nullable ? " NULL" : " NOT NULL")));
          return result;
        }
        if (step.definition.empty()) {
          result.refusal = fmt::format(
              "column {} of {} became {} on the source, and the statement that changed it was "
              "not read (its default and attributes are unknown): change it on {} as on the "
              "source, then cutover ddl resume SPEC {}",
              column, source, step.column.type.source_name, table, source);
          return result;
        }
        CUTOVER_RETURN_IF_ERROR(alter("MODIFY COLUMN", step.definition));
        return result;
      case SchemaStep::Kind::kSetDefault: {
        CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsOf(*connection, plan));
        if (std::find(columns.begin(), columns.end(), column) == columns.end()) return result;
        CUTOVER_RETURN_IF_ERROR(alter(
            "ALTER COLUMN", step.default_sql ? "SET DEFAULT " + *step.default_sql : "DROP DEFAULT"));
        return result;
      }
      case SchemaStep::Kind::kTruncate:
        CUTOVER_RETURN_IF_ERROR(
            connection->Execute(fmt::format("TRUNCATE TABLE {}", table)).status());
        return result;
      case SchemaStep::Kind::kRecreate: {
        CUTOVER_ASSIGN_OR_RETURN(std::string create, CreateTableSql(plan.schema, plan.target));
        CUTOVER_RETURN_IF_ERROR(
            connection->Execute(fmt::format("DROP TABLE IF EXISTS {}", table)).status());
        CUTOVER_RETURN_IF_ERROR(connection->Execute(create).status());
        for (const Index& index : DeferredIndexes(plan.schema)) {
          CUTOVER_RETURN_IF_ERROR(connection->Execute(AddIndexSql(plan.target, index)).status());
        }
        return result;
      }
    }
    return result;
  }

 private:
  static bool IsKey(const TargetTablePlan& plan, const std::string& column) {
    for (size_t key : plan.schema.key) {
      if (plan.schema.columns[key].name == column) return true;
    }
    return false;
  }

  // A PostgreSQL source's column (a changed Relation, no statement): the type it maps to, with
  // the value the rows that existed hold on the source as its default, so that every row the
  // target has gets it (and the rows earlier changes still write, which do not name it).
  Result<SchemaStepResult> AddSourceColumn(Connection& connection, const TargetTablePlan& plan,
                                           const SchemaStep& step) const {
    const std::string source = plan.source.ToString();
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    const Column& column = step.column;
    SchemaStepResult result;
    const std::string way_out = sink::SourceColumnWayOut(plan, table);
    if (!step.existing_value) {
      result.refusal = sink::UnknownExistingValues(plan, step, table);
      return result;
    }
    Result<std::string> type = MariaDbTypeOfPostgres(column, IsKey(plan, column.name));
    Status fits = Status::Ok();
    if (type.ok() && !step.existing_value->is_null()) {
      TableSchema one;
      one.id = plan.source;
      one.columns = {column};
      fits = CheckPostgresValues(one, std::vector<Row>{Row{{*step.existing_value}, {}}});
    }
    if (!type.ok() || !fits.ok()) {
      result.refusal =
          fmt::format("column {} was added to {}, which the target cannot follow ({}): {}",
                      column.name, source, (type.ok() ? fits : type.status()).message(), way_out);
      return result;
    }
    std::string sql =
        fmt::format("ALTER TABLE {} ADD COLUMN {} {}", table, QuoteIdentifier(column.name), *type);
    if (step.existing_value->is_null()) {
      sql += " NULL";  // NOT NULL came later, once every row had a value
    } else {
      sql += fmt::format(" {} DEFAULT {}", column.nullable ? "NULL" : "NOT NULL",
                         SqlLiteral(column.type, *step.existing_value));
    }
    CUTOVER_RETURN_IF_ERROR(connection.Execute(sql).status());
    return result;
  }

  Result<std::unique_ptr<Connection>> Open() const {
    ConnectOptions options;
    options.use_database = false;
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Connection::Open(spec_.target.connection, options));
    CUTOVER_RETURN_IF_ERROR(connection->Execute(kApplierSession).status());
    return connection;
  }

  static Result<std::vector<std::string>> ColumnsOf(Connection& connection,
                                                    const TargetTablePlan& plan) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query(fmt::format(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND "
            "TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
            connection.QuoteString(plan.target.schema), connection.QuoteString(plan.target.name))));
    std::vector<std::string> columns;
    for (const SqlRow& row : result.rows) columns.push_back(row[0].value_or(""));
    return columns;
  }

  const Spec& spec_;
  const std::vector<TargetTablePlan>& plans_;
};

}  // namespace

std::unique_ptr<Appliers> MysqlAppliers(const Spec& spec, const std::vector<TargetTablePlan>& plans) {
  return std::make_unique<class MysqlAppliers>(spec, plans);
}

}  // namespace cutover::mysql
