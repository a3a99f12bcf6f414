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

// What a batch leaves of one table in one applied schema (the columns the table carried when
// the changes were logged, docs/ddl.md): per key (in first-seen order) the final row, or the
// deleted key's last image.
struct TableBatch {
  std::shared_ptr<const TableSchema> schema;
  std::vector<std::string> order;
  std::unordered_map<std::string, std::pair<Row, bool>> keys;  // image, deleted
  Status Set(const Row& image, bool deleted) {
    CUTOVER_ASSIGN_OR_RETURN(std::string joined, KeyString(*schema, image));
    auto [it, inserted] = keys.try_emplace(joined);
    if (inserted) order.push_back(joined);
    it->second = {image, deleted};
    return Status::Ok();
  }
};

// The pipeline retries Aborted; a unique index other than the key can conflict for a moment
// while lanes apply in their own order (a value moving from one row to another: the row that
// frees it may be in another lane), and the retry finds it freed.
Status RetryUniqueConflicts(Status status) {
  if (status.code() != StatusCode::kAlreadyExists) return status;
  return Status::Aborted(fmt::format("{} (retried: another lane may hold the row that frees the "
                                     "value)",
                                     status.message()));
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
      return RetryUniqueConflicts(status);
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
    // One batch per table and applied schema, applied in the order they first appear: a table's
    // schema only grows in log order (docs/ddl.md), so a key's last image wins.
    std::vector<std::pair<TableId, TableBatch>> batches;
    std::map<std::pair<TableId, const TableSchema*>, size_t> index;
    for (const LoggedChange& logged : changes) {
      const Change& change = logged.change;
      auto plan = plans_.find(change.table);
      if (plan == plans_.end()) {
        return Status::Internal(
            fmt::format("a change of {} reached the applier, which does not write that table",
                        change.table.ToString()));
      }
      if (IsTableChange(change.op)) continue;  // followed by the apply reader
      std::shared_ptr<const TableSchema> schema = change.schema;
      if (schema == nullptr) schema = std::shared_ptr<const TableSchema>(&plan->second.schema,
                                                                          [](const auto*) {});
      auto [found, added] = index.try_emplace({change.table, schema.get()}, batches.size());
      if (added) {
        batches.emplace_back(change.table, TableBatch{});
        batches.back().second.schema = schema;
      }
      TableBatch& batch = batches[found->second].second;
      // A key-changing update leaves the old key deleted and the new one with the after image.
      if (change.before && (change.op == ChangeOp::kDelete || change.op == ChangeOp::kUpdate)) {
        CUTOVER_RETURN_IF_ERROR(batch.Set(*change.before, /*deleted=*/true));
      }
      if (change.after) CUTOVER_RETURN_IF_ERROR(batch.Set(*change.after, /*deleted=*/false));
    }
    for (auto& [table, batch] : batches) {
      CUTOVER_RETURN_IF_ERROR(ApplyTable(plans_.at(table), batch, adjustments)
                                  .WithContext("applying to " + plans_.at(table).target.ToString()));
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

  // The deletes first: a row written after them may take a unique value a deleted row held.
  Status ApplyTable(const TargetTablePlan& plan, const TableBatch& batch,
                    ValueAdjustments* adjustments) {
    const TableSchema& schema = *batch.schema;
    std::vector<Row> deleted;
    std::vector<const Row*> rows;
    for (const std::string& joined : batch.order) {
      const auto& [image, is_deleted] = batch.keys.at(joined);
      if (is_deleted) {
        deleted.push_back(image);
      } else {
        rows.push_back(&image);
      }
    }
    std::string table = QuoteQualified(plan.target.schema, plan.target.name);
    for (size_t begin = 0; begin < deleted.size(); begin += kDeleteKeys) {
      size_t count = std::min(deleted.size() - begin, kDeleteKeys);
      Params params;
      CUTOVER_ASSIGN_OR_RETURN(
          std::string predicate,
          KeyListPredicate(schema, std::span<const Row>(deleted).subspan(begin, count), &params));
      CUTOVER_RETURN_IF_ERROR(
          connection_->Execute(fmt::format("DELETE FROM {} WHERE {}", table, predicate), params)
              .status());
    }
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
            return text.status().WithContext(
                fmt::format("{} column {}", schema.id.ToString(), schema.columns[column_idx].name));
          }
          params.push_back(*std::move(text));
        }
      }
      CUTOVER_RETURN_IF_ERROR(
          connection_->Execute(UpsertSql(schema, plan.target, count), params).status());
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
