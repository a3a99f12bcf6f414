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
#include "db/postgres/connection.h"
#include "sink/common/final_images.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/ddl.h"
#include "sink/postgres/schema_change.h"

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
    if (status.ok()) status = connection_->Execute("COMMIT").status();
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
    CUTOVER_ASSIGN_OR_RETURN(
        std::vector<sink::TableImages> tables,
        sink::FinalImages(changes, KeyString, [this](const TableId& table) {
          // Changes without a schema follow the plan's (the plans outlive the batch).
          return std::shared_ptr<const TableSchema>(&plans_.at(table).schema,
                                                    [](const TableSchema*) {});
        }));
    for (const sink::TableImages& images : tables) {
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
      for (size_t begin = 0; begin < rows.size(); begin += per_statement) {
        size_t count = std::min(rows.size() - begin, per_statement);
        Params params;
        params.reserve(count * schema.columns.size());
        for (size_t row_idx = begin; row_idx < begin + count; ++row_idx) {
          for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
            Result<std::optional<std::string>> text = PostgresText(
                schema.columns[column_idx].type, rows[row_idx]->values[column_idx], adjustments);
            if (!text.ok()) {
              return text.status().WithContext(fmt::format(
                  "{} column {}", schema.id.ToString(), schema.columns[column_idx].name));
            }
            params.push_back(*std::move(text));
          }
        }
        CUTOVER_RETURN_IF_ERROR(
            connection_->Execute(UpsertSql(schema, plan.target, count), params).status());
      }
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
  Status ReplaceUniqueHolders(const TargetTablePlan& plan, const TableSchema& schema,
                              const std::string& table, const std::vector<const Row*>& rows) {
    if (rows.empty()) return Status::Ok();
    for (const Index& index : DeferredIndexes(plan.schema, plan.target)) {
      if (!index.unique) continue;
      std::vector<size_t> columns(schema.key.begin(), schema.key.end());
      std::vector<std::string> holder;
      std::vector<std::string> batch;
      for (const std::string& name : index.columns) {
        std::optional<size_t> column = schema.ColumnIndex(name);
        if (!column) break;  // logged before the column existed: these rows do not write it
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

namespace {

class PostgresAppliersImpl : public Appliers {
 public:
  PostgresAppliersImpl(const Spec& spec, const std::vector<TargetTablePlan>& plans)
      : spec_(spec), plans_(plans) {}

  Result<std::unique_ptr<ChangeApplier>> OpenLane(int lane, int lanes) const override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(spec_));
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

  Result<SchemaStepResult> WidenColumn(Connection& connection, const TargetTablePlan& plan,
                                       const SchemaStep& step) const {
    const std::string& name = step.column.name;
    const std::string source = plan.source.ToString();
    const std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    SchemaStepResult result;
    // The statement's definition when it was read: a row image's type knows lengths in bytes.
    Result<Column> to = step.definition.empty() ? Result<Column>(step.column)
                                                 : ColumnFromDefinition(name, step.definition);
    std::optional<size_t> from_idx = plan.schema.ColumnIndex(name);
    std::string way_out = fmt::format("change it on {} yourself, then cutover ddl resume SPEC {}, "
                                      "or cutover ddl resume SPEC {} --recopy",
                                      table, source, source);
    if (!to.ok() || !from_idx) {
      result.refusal = fmt::format(
          "column {} of {} changed on the source ({}), and its type before or after is not "
          "known here: {}", name, source, to.ok() ? to->type.source_name : to.status().message(),
          way_out);
      return result;
    }
    Result<std::optional<std::string>> sql =
        WidenColumnSql(plan.target, plan.schema.columns[*from_idx], *to);
    if (sql.ok() && !sql->has_value()) return result;  // the same PostgreSQL type
    if (!sql.ok() || (*sql)->empty()) {
      result.refusal = fmt::format(
          "column {} of {} became {} on the source, which is not a widening of its PostgreSQL "
          "type (every value kept as it is): {}", name, source, to->type.source_name, way_out);
      return result;
    }
    CUTOVER_RETURN_IF_ERROR(connection.Execute(**sql).status());
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
