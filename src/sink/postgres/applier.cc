// PostgresApplier: one transaction per batch, last image per key, checkpoint in the same commit;
// and the PostgreSQL rules of following a source's schema changes (docs/ddl.md).
#include "sink/postgres/applier.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/parse_number.h"
#include "core/throttle_stats.h"
#include "db/postgres/connection.h"
#include "sink/common/final_images.h"
#include "sink/common/source_columns.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/ddl.h"
#include "sink/postgres/schema_change.h"
#include "sink/postgres/sink.h"
#include "sink/postgres/type_mapping.h"

namespace cutover::postgres {
namespace {

// Keys per DELETE statement (one array parameter per key column).
constexpr size_t kDeleteKeys = 1000;
// Rows per INSERT statement, below PostgreSQL's limit of 65535 parameters.
constexpr size_t kUpsertRows = 500;
constexpr size_t kMaxParams = 65535;

std::string CheckpointTable() { return QuoteQualified(kCheckpointSchema, kCheckpointTable); }

// Equal keys of `schema` give equal strings: each key value as PostgreSQL reads it, NULL apart.
Result<std::string> KeyString(const TableSchema& schema, const Row& image) {
  std::string joined;
  ValueAdjustments ignored;
  for (size_t column : schema.key) {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text,
                             PostgresText(schema.columns[column].type, image.values[column],
                                          &ignored));
    joined += text ? "v" + *text : "n";
    joined += '\x1f';
  }
  return joined;
}

// A unique violation left after ReplaceUniqueHolders comes from a constraint the migration did
// not make (added on the target by hand): not something a retry mends, so the run stops and
// says which.
Status ExplainUniqueConflict(Status status) {
  if (status.code() != StatusCode::kAlreadyExists) return status;
  return status.WithContext(
      "a unique constraint of the target table that the source table does not have (drop it "
      "on the target, or make it match the source's indexes)");
}

class PostgresApplier : public ChangeApplier {
 public:
  PostgresApplier(const Spec& spec, const std::vector<TargetTablePlan>& plans, int lane,
                  int lanes, std::unique_ptr<Connection> connection)
      : migration_(spec.name), lane_(lane), lanes_(lanes), connection_(std::move(connection)) {
    for (const TargetTablePlan& plan : plans) plans_.emplace(plan.source, plan);
  }

  Result<std::optional<uint64_t>> LoadCheckpoint() override {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection_->Query(fmt::format("SELECT lane, lanes, log_offset FROM {} WHERE migration = $1",
                                       CheckpointTable()),
                           {migration_}));
    std::vector<StoredCheckpoint> stored;
    for (const SqlRow& row : result.rows) {
      CUTOVER_ASSIGN_OR_RETURN(StoredCheckpoint checkpoint, ReadCheckpoint(row));
      stored.push_back(checkpoint);
    }
    return ResumeOffset(stored, lane_, lanes_);
  }

  Status Apply(std::span<const LoggedChange> changes, uint64_t checkpoint) override {
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("BEGIN").status());
    ValueAdjustments adjustments;
    Status status = ApplyInTransaction(changes, checkpoint, &adjustments);
    if (status.ok()) status = TimedCommit(*connection_).status();
    if (!status.ok()) {
      connection_->Execute("ROLLBACK").IgnoreError();  // the first error says it all
      return ExplainUniqueConflict(status);
    }
    if (adjustments.zero_dates > 0) {
      spdlog::warn("apply lane {}: {} MySQL zero date(s) written as -infinity "
                   "(docs/type-mapping.md)", lane_, adjustments.zero_dates);
    }
    return Status::Ok();
  }

 private:
  // One row of the checkpoint table (lane, lanes, log_offset). Only a hand edit could put
  // something else there: DataLoss naming the table and the value.
  Result<StoredCheckpoint> ReadCheckpoint(const SqlRow& row) const {
    Result<int> lane = ParseInteger<int>(row[0].value_or("-1"), "lane");
    Result<int> lanes = ParseInteger<int>(row[1].value_or("0"), "lanes");
    Result<uint64_t> offset = ParseInteger<uint64_t>(row[2].value_or("0"), "log_offset");
    for (const Status& status : {lane.status(), lanes.status(), offset.status()}) {
      if (!status.ok()) {
        return Status::DataLoss(
            fmt::format("checkpoint table {}: {}", CheckpointTable(), status.message()));
      }
    }
    return StoredCheckpoint{*lane, *lanes, *offset};
  }

  Status ApplyInTransaction(std::span<const LoggedChange> changes, uint64_t checkpoint,
                            ValueAdjustments* adjustments) {
    for (const LoggedChange& logged : changes) {
      if (!plans_.contains(logged.change.table)) {
        return Status::Internal(
            fmt::format("a change of {} reached the applier, which does not write that table",
                        logged.change.table.ToString()));
      }
    }
    CUTOVER_ASSIGN_OR_RETURN(sink::BatchImages batch,
                             sink::FinalImages(changes, KeyString, [this](const TableId& table) {
                               // Changes without a schema follow the plan's (the plans outlive the
                               // batch).
                               return std::shared_ptr<const TableSchema>(&plans_.at(table).schema,
                                                                         [](const TableSchema*) {});
                             }));
    for (const sink::TableImages& images : batch.tables) {
      const TargetTablePlan& plan = plans_.at(images.table);
      CUTOVER_RETURN_IF_ERROR(
          ApplyTable(plan, images, adjustments).WithContext("applying to " + plan.target.ToString()));
    }
    return connection_
        ->Execute(fmt::format("INSERT INTO {} (migration, lane, lanes, log_offset) VALUES ($1, "
                              "$2, $3, $4) ON CONFLICT (migration, lane) DO UPDATE SET lanes = "
                              "EXCLUDED.lanes, log_offset = EXCLUDED.log_offset, updated_at = "
                              "now()",
                              CheckpointTable()),
                  {migration_, std::to_string(lane_), std::to_string(lanes_),
                   std::to_string(checkpoint)})
        .status();
  }

  // Every key once (sink::FinalImages), grouped by the schema its image follows. The deletes
  // first: a row written after them may take a unique value a deleted row held.
  Status ApplyTable(const TargetTablePlan& plan, const sink::TableImages& images,
                    ValueAdjustments* adjustments) {
    std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    for (const sink::SchemaGroup& group : images.groups) {
      for (size_t begin = 0; begin < group.deleted.size(); begin += kDeleteKeys) {
        size_t count = std::min(group.deleted.size() - begin, kDeleteKeys);
        Params params;
        CUTOVER_ASSIGN_OR_RETURN(
            std::string predicate,
            KeyListPredicate(*group.schema,
                             std::span<const Row* const>(group.deleted).subspan(begin, count),
                             &params));
        CUTOVER_RETURN_IF_ERROR(
            connection_->Execute(fmt::format("DELETE FROM {} WHERE {}", table, predicate), params)
                .status());
      }
    }
    for (const sink::SchemaGroup& group : images.groups) {
      const TableSchema& schema = *group.schema;
      const std::vector<const Row*>& rows = group.rows;
      CUTOVER_RETURN_IF_ERROR(ReplaceUniqueHolders(plan, schema, table, rows));
      const size_t per_statement = UpsertRowsPerStatement(schema);
      std::vector<size_t> all_columns(schema.columns.size());
      for (size_t column_idx = 0; column_idx < all_columns.size(); ++column_idx) {
        all_columns[column_idx] = column_idx;
      }
      for (size_t begin = 0; begin < rows.size(); begin += per_statement) {
        size_t count = std::min(rows.size() - begin, per_statement);
        Params params;
        params.reserve(count * schema.columns.size());
        for (size_t row_idx = begin; row_idx < begin + count; ++row_idx) {
          CUTOVER_RETURN_IF_ERROR(
              AppendParams(schema, *rows[row_idx], all_columns, &params, adjustments));
        }
        CUTOVER_RETURN_IF_ERROR(
            connection_->Execute(UpsertSql(schema, plan.target, count), params).status());
      }
    }
    for (const sink::SchemaGroup& group : images.groups) {
      CUTOVER_RETURN_IF_ERROR(
          UpdatePartial(plan, *group.schema, table, group.partial, adjustments));
      for (const sink::PartialMove& move : group.moves) {
        CUTOVER_RETURN_IF_ERROR(MovePartial(*group.schema, plan.target, move, adjustments));
      }
    }
    return Status::Ok();
  }

  // Partial images (sink::IsPartial): their present columns set on the rows of their keys, by
  // one UPDATE ... FROM (VALUES ...) per set of present columns and 500 rows. A key without a
  // row on the target is left alone: the target then holds a later state of the source than
  // this change (a copy read the row after the change log's start, and a later change of the
  // log deletes it or writes it whole), so nothing is lost and nothing is made up.
  Status UpdatePartial(const TargetTablePlan& plan, const TableSchema& schema,
                       const std::string& table, const std::vector<const Row*>& rows,
                       ValueAdjustments* adjustments) {
    std::map<std::vector<size_t>, std::vector<const Row*>> by_columns;
    for (const Row* row : rows) {
      std::vector<size_t> set_columns = PresentNonKeyColumns(schema, *row);
      if (set_columns.empty()) continue;  // only the key: nothing to change
      by_columns[std::move(set_columns)].push_back(row);
    }
    for (const auto& [set_columns, same] : by_columns) {
      std::vector<bool> present(schema.columns.size(), false);
      for (size_t column_idx : schema.key) present[column_idx] = true;
      for (size_t column_idx : set_columns) present[column_idx] = true;
      CUTOVER_RETURN_IF_ERROR(ReplaceUniqueHolders(plan, schema, table, same, &present));
      std::vector<size_t> columns(schema.key.begin(), schema.key.end());
      columns.insert(columns.end(), set_columns.begin(), set_columns.end());
      const size_t per_statement =
          std::max<size_t>(1, std::min(kUpsertRows, kMaxParams / columns.size()));
      for (size_t begin = 0; begin < same.size(); begin += per_statement) {
        size_t count = std::min(same.size() - begin, per_statement);
        Params params;
        for (size_t row_idx = begin; row_idx < begin + count; ++row_idx) {
          CUTOVER_RETURN_IF_ERROR(
              AppendParams(schema, *same[row_idx], columns, &params, adjustments));
        }
        CUTOVER_ASSIGN_OR_RETURN(std::string sql,
                                 PartialUpdateSql(schema, plan.target, set_columns, count));
        CUTOVER_RETURN_IF_ERROR(connection_->Execute(sql, params).status());
      }
    }
    return Status::Ok();
  }

  // A key change whose new image is partial, with no earlier image of the old key in the batch
  // (docs/design.md, "Partial row images"): the old key's row takes the new key and the present
  // columns, keeping its absent ones. If the new key has a row already, the target holds a
  // later state of the source (as for UpdatePartial): that row stays and the old key's goes.
  // If the old key has no row, nothing is written, for the same reason.
  Status MovePartial(const TableSchema& schema, const TableId& target,
                     const sink::PartialMove& move, ValueAdjustments* adjustments) {
    std::string table = QuoteQualified(target.schema, target.name);
    std::vector<size_t> key(schema.key.begin(), schema.key.end());
    Params new_key;
    CUTOVER_RETURN_IF_ERROR(AppendParams(schema, *move.to, key, &new_key, adjustments));
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult taken,
        connection_->Query(fmt::format("SELECT 1 FROM {} WHERE {}", table, KeyEquals(schema, 1)),
                           new_key));
    Params old_key;
    CUTOVER_RETURN_IF_ERROR(AppendParams(schema, *move.from, key, &old_key, adjustments));
    if (!taken.rows.empty()) {
      return connection_
          ->Execute(fmt::format("DELETE FROM {} WHERE {}", table, KeyEquals(schema, 1)), old_key)
          .status();
    }
    std::vector<size_t> columns = key;
    for (size_t column_idx : PresentNonKeyColumns(schema, *move.to)) columns.push_back(column_idx);
    Params params;
    CUTOVER_RETURN_IF_ERROR(AppendParams(schema, *move.to, columns, &params, adjustments));
    params.insert(params.end(), old_key.begin(), old_key.end());
    CUTOVER_ASSIGN_OR_RETURN(uint64_t moved,
                             connection_->Execute(MoveSql(schema, target, columns), params));
    if (moved == 0) spdlog::warn("{}", sink::NothingMovedWarning(lane_, schema.id));
    return Status::Ok();
  }

  // The values of `columns` of `row` as the copy writes them, appended to *params.
  static Status AppendParams(const TableSchema& schema, const Row& row,
                             const std::vector<size_t>& columns, Params* params,
                             ValueAdjustments* adjustments) {
    for (size_t column_idx : columns) {
      Result<std::optional<std::string>> text =
          PostgresText(schema.columns[column_idx].type, row.values[column_idx], adjustments);
      if (!text.ok()) {
        return text.status().WithContext(
            fmt::format("{} column {}", schema.id.ToString(), schema.columns[column_idx].name));
      }
      params->push_back(*std::move(text));
    }
    return Status::Ok();
  }

  // Before `rows` are written: deletes every other row holding one of their values of a unique
  // index besides the key, as MariaDB's REPLACE does for the MariaDB target. Such a table is
  // applied by one lane (pipeline/router.cc, UniqueBesidesKey), so the batch is the table's
  // changes up to one moment of the source, when no two rows shared a value: a holder found
  // here is a row of this batch whose own new image (written next, by the same INSERT) frees
  // the value, e.g. two rows that swapped e-mails. Without this, the INSERT would meet the old
  // holder first, since it writes its rows in order.
  // `present` (partial images of one set of present columns): indexes over a column they do not
  // set are left out, since those rows keep that value.
  Status ReplaceUniqueHolders(const TargetTablePlan& plan, const TableSchema& schema,
                              const std::string& table, const std::vector<const Row*>& rows,
                              const std::vector<bool>* present = nullptr) {
    if (rows.empty()) return Status::Ok();
    for (const Index& index : DeferredIndexes(plan.schema, plan.target)) {
      if (!index.unique) continue;
      std::vector<size_t> columns(schema.key.begin(), schema.key.end());
      std::vector<std::string> holder;
      std::vector<std::string> batch;
      for (const std::string& name : index.columns) {
        std::optional<size_t> column = schema.ColumnIndex(name);
        if (!column) break;  // logged before the column existed: these rows do not write it
        if (present != nullptr && !(*present)[*column]) break;  // not set by these rows
        holder.push_back("t." + QuoteIdentifier(name));
        batch.push_back(fmt::format("b.c{}", columns.size()));
        columns.push_back(*column);
      }
      if (holder.size() != index.columns.size()) continue;
      std::vector<std::string> holder_key;
      std::vector<std::string> batch_key;
      for (size_t key_idx = 0; key_idx < schema.key.size(); ++key_idx) {
        holder_key.push_back("t." + QuoteIdentifier(schema.columns[schema.key[key_idx]].name));
        batch_key.push_back(fmt::format("b.c{}", key_idx));
      }
      std::vector<std::string> aliases;
      for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
        aliases.push_back(fmt::format("c{}", column_idx));
      }
      for (size_t begin = 0; begin < rows.size(); begin += kDeleteKeys) {
        size_t count = std::min(rows.size() - begin, kDeleteKeys);
        Params params;
        CUTOVER_ASSIGN_OR_RETURN(
            std::string unnest,
            UnnestColumns(schema, columns,
                          std::span<const Row* const>(rows).subspan(begin, count), &params));
        // NULLs never conflict: (t.u) = (b.u) is not true for them.
        std::string sql = fmt::format(
            "DELETE FROM {} AS t USING {} AS b({}) WHERE ({}) = ({}) AND ({}) <> ({})", table,
            unnest, fmt::join(aliases, ", "), fmt::join(holder, ", "), fmt::join(batch, ", "),
            fmt::join(holder_key, ", "), fmt::join(batch_key, ", "));
        CUTOVER_RETURN_IF_ERROR(connection_->Execute(sql, params).status());
      }
    }
    return Status::Ok();
  }

  // Constant after construction
  const std::string migration_;
  const int lane_;
  const int lanes_;
  const std::unique_ptr<Connection> connection_;
  std::map<TableId, TargetTablePlan> plans_;
};

// Creates the checkpoint schema and table when missing. Sessions of other lanes (or
// processes) may create them at the same moment; the loser's unique violation means they are
// there now.
Status CreateCheckpointTable(Connection& connection) {
  std::string sql = fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {}; CREATE TABLE IF NOT EXISTS {} (migration text NOT NULL, "
      "lane integer NOT NULL, lanes integer NOT NULL, log_offset numeric(20,0) NOT NULL, "
      "updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (migration, lane))",
      QuoteIdentifier(kCheckpointSchema), CheckpointTable());
  Status status = connection.Execute(sql).status();
  if (status.code() == StatusCode::kAlreadyExists) status = connection.Execute(sql).status();
  return status;
}

// A session for applying: UTC, as the copy's writers (timestamptz values carry +00 anyway).
Result<std::unique_ptr<Connection>> OpenSession(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(auto connection, Connection::Open(spec.target.connection));
  CUTOVER_RETURN_IF_ERROR(connection->Execute("SET TIME ZONE 'UTC'").status());
  return connection;
}

// A lane's session: its statements wait at most kWriteReadTimeout for a reply (a half-open
// link abandons the session; the batch is applied again on a new one). The server ends a
// statement a few seconds sooner (statement_timeout: 57014, DeadlineExceeded, the batch retried
// with backoff), so a statement that is merely slow, such as one waiting for a lock a user
// holds, is cancelled by the server rather than abandoned by the client, and no abandoned
// backend piles up behind the lock. kWriteSessionSettings end what a lost session left behind.
constexpr std::chrono::milliseconds kLaneStatementTimeout{12000};
static_assert(kLaneStatementTimeout < kWriteReadTimeout);

Result<std::unique_ptr<Connection>> OpenLaneSession(const Spec& spec) {
  ConnectOptions options;
  options.read_timeout = kWriteReadTimeout;
  CUTOVER_ASSIGN_OR_RETURN(auto connection, Connection::Open(spec.target.connection, options));
  CUTOVER_RETURN_IF_ERROR(
      connection
          ->Execute(fmt::format("{}; SET statement_timeout = {}", kWriteSessionSettings,
                                kLaneStatementTimeout.count()))
          .status());
  return connection;
}

}  // namespace

size_t UpsertRowsPerStatement(const TableSchema& schema) {
  return std::max<size_t>(1, std::min(kUpsertRows, kMaxParams / std::max<size_t>(
                                                                    1, schema.columns.size())));
}

std::string UpsertSql(const TableSchema& schema, const TableId& target, size_t rows) {
  std::vector<std::string> columns;
  std::vector<std::string> updates;
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    std::string name = QuoteIdentifier(schema.columns[column_idx].name);
    columns.push_back(name);
    bool key = std::find(schema.key.begin(), schema.key.end(), column_idx) != schema.key.end();
    if (!key) updates.push_back(fmt::format("{} = EXCLUDED.{}", name, name));
  }
  std::vector<std::string> keys;
  for (size_t column_idx : schema.key) keys.push_back(QuoteIdentifier(schema.columns[column_idx].name));
  std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ",
                                QuoteQualified(target.schema, target.name), fmt::join(columns, ", "));
  size_t param = 0;
  for (size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
      fmt::format_to(std::back_inserter(sql), "{}${}", column_idx == 0 ? "" : ", ", ++param);
    }
    sql += ')';
  }
  fmt::format_to(std::back_inserter(sql), " ON CONFLICT ({}) DO ", fmt::join(keys, ", "));
  if (updates.empty()) return sql + "NOTHING";
  return sql + fmt::format("UPDATE SET {}", fmt::join(updates, ", "));
}

std::vector<size_t> PresentNonKeyColumns(const TableSchema& schema, const Row& row) {
  std::vector<size_t> columns;
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    bool key = std::find(schema.key.begin(), schema.key.end(), column_idx) != schema.key.end();
    if (!key && row.IsPresent(column_idx)) columns.push_back(column_idx);
  }
  return columns;
}

std::string KeyEquals(const TableSchema& schema, size_t first_param) {
  std::vector<std::string> parts;
  for (size_t column_idx : schema.key) {
    parts.push_back(
        fmt::format("{} = ${}", QuoteIdentifier(schema.columns[column_idx].name), first_param++));
  }
  return fmt::format("{}", fmt::join(parts, " AND "));
}

Result<std::string> PartialUpdateSql(const TableSchema& schema, const TableId& target,
                                     const std::vector<size_t>& set_columns, size_t rows) {
  std::vector<size_t> columns(schema.key.begin(), schema.key.end());
  columns.insert(columns.end(), set_columns.begin(), set_columns.end());
  std::vector<std::string> types;
  std::vector<std::string> aliases;
  for (size_t column_idx : columns) {
    CUTOVER_ASSIGN_OR_RETURN(std::string type, PostgresType(schema.columns[column_idx].type));
    types.push_back(std::move(type));
    aliases.push_back(fmt::format("c{}", aliases.size()));
  }
  std::vector<std::string> sets;
  for (size_t set_idx = 0; set_idx < set_columns.size(); ++set_idx) {
    sets.push_back(fmt::format("{} = v.c{}",
                               QuoteIdentifier(schema.columns[set_columns[set_idx]].name),
                               schema.key.size() + set_idx));
  }
  std::vector<std::string> target_key;
  std::vector<std::string> values_key;
  for (size_t key_idx = 0; key_idx < schema.key.size(); ++key_idx) {
    target_key.push_back("t." + QuoteIdentifier(schema.columns[schema.key[key_idx]].name));
    values_key.push_back(fmt::format("v.c{}", key_idx));
  }
  std::string values;
  size_t param = 0;
  for (size_t row = 0; row < rows; ++row) {
    values += row == 0 ? "(" : ", (";
    for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
      fmt::format_to(std::back_inserter(values), "{}${}::{}", column_idx == 0 ? "" : ", ", ++param,
                     types[column_idx]);
    }
    values += ')';
  }
  return fmt::format("UPDATE {} AS t SET {} FROM (VALUES {}) AS v({}) WHERE ({}) = ({})",
                     QuoteQualified(target.schema, target.name), fmt::join(sets, ", "), values,
                     fmt::join(aliases, ", "), fmt::join(target_key, ", "),
                     fmt::join(values_key, ", "));
}

std::string MoveSql(const TableSchema& schema, const TableId& target,
                    const std::vector<size_t>& columns) {
  std::vector<std::string> sets;
  size_t param = 0;
  for (size_t column_idx : columns) {
    sets.push_back(
        fmt::format("{} = ${}", QuoteIdentifier(schema.columns[column_idx].name), ++param));
  }
  return fmt::format("UPDATE {} SET {} WHERE {}", QuoteQualified(target.schema, target.name),
                     fmt::join(sets, ", "), KeyEquals(schema, param + 1));
}

namespace {

class PostgresAppliersImpl : public Appliers {
 public:
  PostgresAppliersImpl(const Spec& spec, const std::vector<TargetTablePlan>& plans)
      : spec_(spec), plans_(plans) {}

  Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenLaneSession(spec_));
    CUTOVER_RETURN_IF_ERROR(CreateCheckpointTable(*connection));
    return std::unique_ptr<ChangeApplier>(
        std::make_unique<PostgresApplier>(spec_, plans_, lane, lanes, std::move(connection)));
  }

  Result<std::optional<std::vector<std::string>>> TargetColumns(
      const TargetTablePlan& plan) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(spec_));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsOf(*connection, plan));
    return std::optional<std::vector<std::string>>(std::move(columns));
  }

  // The PostgreSQL rules of docs/ddl.md: the source statement's column definition read into
  // the copy's type mapping; a default only where it translates exactly.
  Result<SchemaStepResult> Follow(const TargetTablePlan& plan,
                                  const SchemaStep& step) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(spec_));
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    switch (step.kind) {
      case SchemaStep::Kind::kAddColumn: return AddColumn(*connection, plan, step);
      case SchemaStep::Kind::kWidenColumn: return WidenColumn(*connection, plan, step);
      case SchemaStep::Kind::kSetDefault: return SetDefault(*connection, plan, step);
      case SchemaStep::Kind::kTruncate:
        CUTOVER_RETURN_IF_ERROR(connection->Execute("TRUNCATE TABLE " + table).status());
        return SchemaStepResult{};
      case SchemaStep::Kind::kRecreate: {
        // As the copy makes a table, with its key and indexes at once: the re-copy writes into
        // a keyed table, like a resumed copy.
        CUTOVER_ASSIGN_OR_RETURN(std::string create, CreateTableSql(plan.schema, plan.target));
        std::vector<std::string> statements = {
            "CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(plan.target.schema),
            "DROP TABLE IF EXISTS " + table, create,
            AddPrimaryKeySql(plan.target, PrimaryKeyIndex(plan.schema, plan.target))};
        for (const Index& index : DeferredIndexes(plan.schema, plan.target)) {
          statements.push_back(CreateIndexSql(plan.target, index));
        }
        CUTOVER_RETURN_IF_ERROR(
            connection->Execute(fmt::format("{}", fmt::join(statements, "; "))).status());
        return SchemaStepResult{};
      }
    }
    return SchemaStepResult{};
  }

 private:
  Result<SchemaStepResult> AddColumn(Connection& connection, const TargetTablePlan& plan,
                                     const SchemaStep& step) const {
    const std::string& name = step.column.name;
    const std::string source = plan.source.ToString();
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    SchemaStepResult result;
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsOf(connection, plan));
    const bool present = std::find(columns.begin(), columns.end(), name) != columns.end();
    if (present && !step.after_earlier_changes) return result;
    if (step.generated) {
      result.refusal = fmt::format(
          "generated column {} was added to {}; cutover writes the source's values and a "
          "target computes generated ones itself: add it to {} as you want it, then cutover "
          "ddl resume SPEC {}", name, source, table, source);
      return result;
    }
    if (step.definition.empty() && step.column.type.postgres) {
      if (present) return result;
      return AddSourceColumn(connection, plan, step);
    }
    if (step.definition.empty()) {
      if (present) return result;
      result.refusal = fmt::format(
          "column {} was added to {}, and the statement that added it was not read (its default "
          "for the existing rows is unknown): add it to {} as on the source, then cutover ddl "
          "resume SPEC {}", name, source, table, source);
      return result;
    }
    const std::string recopy = fmt::format("cutover ddl resume SPEC {} --recopy copies the table "
                                           "again", source);
    if (step.default_sql && !step.default_is_constant) {
      if (present) return result;
      result.refusal = fmt::format(
          "column {} was added to {} with DEFAULT {}, which gave the existing rows values of the "
          "moment of the ALTER on the source that the target cannot repeat: {}",
          name, source, *step.default_sql, recopy);
      return result;
    }
    Result<Column> column = ColumnFromDefinition(name, step.definition);
    std::string default_literal;
    if (column.ok() && step.default_sql) {
      std::optional<std::string> literal = DefaultLiteral(&column->type, *step.default_sql);
      if (!literal) {
        result.refusal = fmt::format(
            "column {} was added to {} with DEFAULT {}, which has no exact PostgreSQL value "
            "under docs/type-mapping.md: {}", name, source, *step.default_sql, recopy);
        return result;
      }
      default_literal = *literal;
    } else if (column.ok() && !column->nullable) {
      result.refusal = fmt::format(
          "column {} was added to {} as NOT NULL without a DEFAULT, which gave the existing "
          "rows MySQL's implicit default, which PostgreSQL has no rule for: {}",
          name, source, recopy);
      return result;
    }
    Result<std::string> add = column.ok() ? AddColumnSql(plan.target, *column, default_literal)
                                          : Result<std::string>(column.status());
    if (!add.ok()) {
      result.refusal = fmt::format(
          "column {} was added to {} as \"{}\", which the copy's type mapping cannot write "
          "({}): {}, or add the column to {} yourself and cutover ddl resume SPEC {}",
          name, source, step.definition, add.status().message(), recopy, table, source);
      return result;
    }
    if (!present) {
      CUTOVER_RETURN_IF_ERROR(connection.Execute(*add).status());
      return result;
    }
    // Already there: made by an earlier run, or the table was made from a later schema (a
    // replay). Every row it has now was written before the ALTER: as on the source, they hold
    // the statement's default.
    std::string quoted = QuoteIdentifier(name);
    std::string value = default_literal.empty() ? "NULL" : default_literal;
    CUTOVER_RETURN_IF_ERROR(
        connection
            .Execute(fmt::format("ALTER TABLE {} ALTER COLUMN {} {}; UPDATE {} SET {} = {}", table,
                                 quoted,
                                 default_literal.empty() ? "DROP DEFAULT"
                                                         : "SET DEFAULT " + default_literal,
                                 table, quoted, value))
            .status());
    return result;
  }

  // A PostgreSQL source's column (a changed Relation, no statement): its own type, with the
  // value the rows that existed hold on the source as its default, so that every row the target
  // has gets it (and the rows earlier changes still write, which do not name it).
  Result<SchemaStepResult> AddSourceColumn(Connection& connection, const TargetTablePlan& plan,
                                           const SchemaStep& step) const {
    const std::string source = plan.source.ToString();
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    SchemaStepResult result;
    const std::string way_out = sink::SourceColumnWayOut(plan, table);
    if (!step.existing_value) {
      result.refusal = sink::UnknownExistingValues(plan, step, table);
      return result;
    }
    Column column = step.column;
    std::string literal;
    if (step.existing_value->is_null()) {
      column.nullable = true;  // NOT NULL came later, once every row had a value
    } else {
      Result<std::string> value = ValueLiteral(column.type, *step.existing_value);
      if (!value.ok()) {
        result.refusal =
            fmt::format("column {} was added to {} with a value PostgreSQL cannot hold ({}): {}",
                        column.name, source, value.status().message(), way_out);
        return result;
      }
      literal = *value;
    }
    Result<std::string> add = AddColumnSql(plan.target, column, literal);
    if (!add.ok()) {
      result.refusal = fmt::format(
          "column {} was added to {} as {}, which the target cannot make ({}): {}", column.name,
          source, column.type.source_name, add.status().message(), way_out);
      return result;
    }
    CUTOVER_RETURN_IF_ERROR(connection.Execute(*add).status());
    return result;
  }

  Result<SchemaStepResult> WidenColumn(Connection& connection, const TargetTablePlan& plan,
                                       const SchemaStep& step) const {
    const std::string& name = step.column.name;
    const std::string source = plan.source.ToString();
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    SchemaStepResult result;
    // The statement's definition when it was read: a row image's type knows lengths in bytes.
    Result<Column> to = step.definition.empty() ? Result<Column>(step.column)
                                                 : ColumnFromDefinition(name, step.definition);
    // The column before the change: as the step says (a PostgreSQL source), else the plan's.
    std::optional<size_t> from_idx = plan.schema.ColumnIndex(name);
    const Column* from = step.previous          ? &*step.previous
                         : from_idx.has_value() ? &plan.schema.columns[*from_idx]
                                                : nullptr;
    std::string way_out = fmt::format("change it on {} yourself, then cutover ddl resume SPEC {}, "
                                      "or cutover ddl resume SPEC {} --recopy",
                                      table, source, source);
    if (!to.ok() || from == nullptr) {
      result.refusal = fmt::format(
          "column {} of {} changed on the source ({}), and its type before or after is not "
          "known here: {}", name, source, to.ok() ? to->type.source_name : to.status().message(),
          way_out);
      return result;
    }
    Result<std::optional<std::string>> sql = WidenColumnSql(plan.target, *from, *to);
    if (!sql.ok() || (sql->has_value() && (*sql)->empty())) {
      result.refusal = fmt::format(
          "column {} of {} became {} on the source, which is not a widening of its PostgreSQL "
          "type (every value kept as it is): {}", name, source, to->type.source_name, way_out);
      return result;
    }
    if (sql->has_value()) CUTOVER_RETURN_IF_ERROR(connection.Execute(**sql).status());
    // NOT NULL dropped on the source (a NULL arrived): dropped here too. (SET NOT NULL is not
    // followed: the target stays as permissive as it was.)
    if (to->nullable && !from->nullable) {
      CUTOVER_RETURN_IF_ERROR(
          connection
              .Execute(fmt::format("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL", table,
                                   QuoteIdentifier(name)))
              .status());
    }
    return result;
  }

  Result<SchemaStepResult> SetDefault(Connection& connection, const TargetTablePlan& plan,
                                      const SchemaStep& step) const {
    const std::string& name = step.column.name;
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    SchemaStepResult result;
    CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> columns, ColumnsOf(connection, plan));
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) return result;
    std::string action = "DROP DEFAULT";
    if (step.default_sql) {
      // The column's type when the plan has it; a column added since is read by PostgreSQL.
      std::optional<size_t> column = plan.schema.ColumnIndex(name);
      std::optional<std::string> literal = DefaultLiteral(
          column ? &plan.schema.columns[*column].type : nullptr, *step.default_sql);
      if (!literal) {
        result.refusal = fmt::format(
            "the default of column {} of {} became {} on the source, which has no exact "
            "PostgreSQL value: set it on {} yourself, then cutover ddl resume SPEC {}",
            name, plan.source.ToString(), *step.default_sql, table, plan.source.ToString());
        return result;
      }
      action = "SET DEFAULT " + *literal;
    }
    CUTOVER_RETURN_IF_ERROR(connection
                                .Execute(fmt::format("ALTER TABLE {} ALTER COLUMN {} {}", table,
                                                     QuoteIdentifier(name), action))
                                .status());
    return result;
  }

  static Result<std::vector<std::string>> ColumnsOf(Connection& connection,
                                                    const TargetTablePlan& plan) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query("SELECT column_name FROM information_schema.columns WHERE "
                         "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                         {plan.target.schema, plan.target.name}));
    std::vector<std::string> columns;
    for (const SqlRow& row : result.rows) columns.push_back(row[0].value_or(""));
    return columns;
  }

  const Spec& spec_;
  const std::vector<TargetTablePlan>& plans_;
};

}  // namespace

std::unique_ptr<Appliers> PostgresAppliers(const Spec& spec,
                                           const std::vector<TargetTablePlan>& plans) {
  return std::make_unique<PostgresAppliersImpl>(spec, plans);
}

}  // namespace cutover::postgres
