// PostgresSink: PrepareTable / WriteChunk / BuildIndex / CountRows on a PostgreSQL target.
#include "sink/postgres/sink.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/parse_number.h"
#include "core/throttle_stats.h"
#include "db/postgres/connection.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/ddl.h"

namespace cutover::postgres {
namespace {

// A COPY stream is handed to libpq in pieces of about this size.
constexpr size_t kPieceBytes = 1 << 20;

std::string CopySql(const TargetTablePlan& plan) {
  std::vector<std::string> columns;
  for (const Column& column : plan.schema.columns) columns.push_back(QuoteIdentifier(column.name));
  return fmt::format("COPY {} ({}) FROM STDIN",
                     QuoteQualified(plan.target.schema, plan.target.name),
                     fmt::join(columns, ", "));
}

// The target sessions chunk writers and index builds share: a writer takes an idle one (or
// opens a new one, in UTC) and gives it back when it ends, unless a statement on it failed; a
// session the server ended while it was idle is dropped, never handed out. A load of many key
// ranges (a writer each) so connects about copy_workers times, not once per range: each
// connection costs a SCRAM handshake in cutover and a new backend in the server.
class WriterSessions {
 public:
  explicit WriterSessions(const ConnectionSpec& spec) : spec_(spec) {}

  // An idle session the server has not ended meanwhile, else a new one; its statements wait
  // at most `read_timeout` for a reply (0: as long as they take).
  Result<std::unique_ptr<Connection>> Take(std::chrono::milliseconds read_timeout) {
    std::unique_ptr<Connection> connection = TakeIdle();
    while (connection != nullptr && !connection->IdleAndOpen()) connection = TakeIdle();
    if (connection == nullptr) {
      ConnectOptions options;
      options.read_timeout = kWriteReadTimeout;
      CUTOVER_ASSIGN_OR_RETURN(connection, Connection::Open(spec_, options));
      CUTOVER_RETURN_IF_ERROR(connection->Execute(kWriteSessionSettings).status());
    } else if (read_timeout.count() == 0) {
      // A session about to wait without limit must answer first: one whose link went
      // half-open while it sat idle here would hang the statement forever.
      connection->SetReadTimeout(kWriteReadTimeout);
      CUTOVER_RETURN_IF_ERROR(connection->Execute("SELECT 1").status());
    }
    connection->SetReadTimeout(read_timeout);
    return connection;
  }

  // Keeps `connection` for the next writer when every statement on it succeeded and it is idle.
  void Give(std::unique_ptr<Connection> connection) {
    if (!connection->IdleAndOpen()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(std::move(connection));
  }

  // Closes the idle sessions: after one was lost (Unavailable), those opened over the same path
  // may be gone too, and behind a link gone half-open each would cost kWriteReadTimeout to
  // find out.
  void DropIdle() {
    std::vector<std::unique_ptr<Connection>> dropped;
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(idle_);
  }

 private:
  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.empty()) return nullptr;
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }

  // Constant after construction
  const ConnectionSpec spec_;
  // State below is protected by mutex_
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

class PostgresTableWriter : public TableWriter {
 public:
  PostgresTableWriter(const TargetTablePlan& plan, std::shared_ptr<WriterSessions> sessions,
                      std::unique_ptr<Connection> connection)
      : plan_(plan),
        sessions_(std::move(sessions)),
        copy_sql_(CopySql(plan)),
        connection_(std::move(connection)) {}

  ~PostgresTableWriter() override {
    if (reusable_) sessions_->Give(std::move(connection_));
  }

  Status WriteChunk(const ChunkBounds& bounds, std::span<const Row> rows) override {
    reusable_ = false;
    ValueAdjustments adjustments;
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("BEGIN").status());
    Status status = WriteInTransaction(bounds, rows, &adjustments);
    if (status.ok()) status = TimedCommit(*connection_).status();
    if (!status.ok()) {
      connection_->Execute("ROLLBACK").IgnoreError();  // the first error says it all
      if (status.code() == StatusCode::kUnavailable) sessions_->DropIdle();
      return status;
    }
    reusable_ = true;
    if (adjustments.zero_dates > 0) {
      spdlog::warn("{}: {} MySQL zero date(s) written as -infinity (docs/type-mapping.md)",
                   plan_.target.ToString(), adjustments.zero_dates);
    }
    return Status::Ok();
  }

 private:
  // Deletes what the chunk replaces, then copies its rows. The delete is skipped when no row
  // of the chunk can be in the target yet (!bounds.may_exist: the first attempt into a table
  // this run created or emptied): such a table has no primary key until the load ends, and
  // the delete would scan all of it for every chunk.
  Status WriteInTransaction(const ChunkBounds& bounds, std::span<const Row> rows,
                            ValueAdjustments* adjustments) {
    if (bounds.may_exist) CUTOVER_RETURN_IF_ERROR(DeleteReplaced(bounds, rows));
    if (rows.empty()) return Status::Ok();
    size_t next_row = 0;
    auto next = [&](std::string* piece) -> Status {
      piece->clear();
      while (next_row < rows.size() && piece->size() < kPieceBytes) {
        CUTOVER_RETURN_IF_ERROR(AppendCopyRow(plan_.schema, rows[next_row++], piece, adjustments));
      }
      return Status::Ok();
    };
    return connection_->CopyIn(copy_sql_, next).status();
  }

  Status DeleteReplaced(const ChunkBounds& bounds, std::span<const Row> rows) {
    Params params;
    CUTOVER_ASSIGN_OR_RETURN(std::string predicate, DeletePredicate(bounds, rows, &params));
    return connection_
        ->Execute(fmt::format("DELETE FROM {} WHERE {}",
                              QuoteQualified(plan_.target.schema, plan_.target.name), predicate),
                  params)
        .status();
  }

  // What a rewrite of the chunk deletes first. With a portable key order, every target row in
  // the range, so rows gone from the source since an earlier attempt go too. Otherwise (text
  // keys: PostgreSQL cannot sort like a MySQL collation, and a range could reach into a
  // neighbouring chunk) only the chunk's own keys; a row an earlier attempt copied and the
  // source deleted since was deleted after P0, so the change stream deletes it.
  Result<std::string> DeletePredicate(const ChunkBounds& bounds, std::span<const Row> rows,
                                      Params* params) const {
    if (KeyOrderIsPortable(plan_.schema)) return KeyRangePredicate(plan_.schema, bounds, params);
    return KeyListPredicate(plan_.schema, rows, params);
  }

  // Constant after construction
  const TargetTablePlan plan_;
  const std::shared_ptr<WriterSessions> sessions_;
  const std::string copy_sql_;

  std::unique_ptr<Connection> connection_;
  // True while every statement on connection_ succeeded (so it is outside any transaction).
  bool reusable_ = true;
};

class PostgresSink : public Sink {
 public:
  explicit PostgresSink(const Spec& spec)
      : spec_(spec), writer_sessions_(std::make_shared<WriterSessions>(spec.target.connection)) {}

  Result<TargetTablePlan> PrepareTable(const TableSchema& source, const TableRule& rule,
                                       bool resuming) override {
    if (!source.has_key()) {
      return Status::FailedPrecondition(
          fmt::format("table {} has no primary key and no unique NOT NULL index; chunks need a key",
                      source.id.ToString()));
    }
    TargetTablePlan plan;
    plan.source = source.id;
    plan.target = TableId{source.id.schema, rule.rename.empty() ? source.id.name : rule.rename};
    plan.schema = source;
    plan.deferred = DeferredIndexes(source, plan.target);
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open());
    CUTOVER_ASSIGN_OR_RETURN(bool exists, TableExists(*connection, plan.target));
    CUTOVER_RETURN_IF_ERROR(Ready(*connection, exists, resuming, &plan));
    return plan;
  }

  Result<std::unique_ptr<TableWriter>> OpenWriter(const TargetTablePlan& plan) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, writer_sessions_->Take(kWriteReadTimeout));
    return std::unique_ptr<TableWriter>(
        new PostgresTableWriter(plan, writer_sessions_, std::move(connection)));
  }

  // On a shared writer session (WriterSessions), given back when the build succeeded. No read
  // timeout: a build on a large table runs for a long time without a reply.
  Status BuildIndex(const TargetTablePlan& plan, const Index& index) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, writer_sessions_->Take(std::chrono::seconds(0)));
    Status built = index.primary ? EnsurePrimaryKey(*connection, plan.target, index)
                                 : connection->Execute(CreateIndexSql(plan.target, index)).status();
    if (built.ok()) writer_sessions_->Give(std::move(connection));
    return built;
  }

  Status EmptyTable(const TargetTablePlan& plan) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open());
    return connection
        ->Execute("TRUNCATE TABLE " + QuoteQualified(plan.target.schema, plan.target.name))
        .status();
  }

  Result<uint64_t> CountRows(const TableId& target, bool exact) override {
    CUTOVER_ASSIGN_OR_RETURN(auto connection, Open());
    std::string table = QuoteQualified(target.schema, target.name);
    // reltuples is -1 for a table never vacuumed or analyzed: report 0 then.
    std::string sql = exact ? "SELECT count(*) FROM " + table
                            : fmt::format(
                                  "SELECT greatest(reltuples, 0)::bigint FROM pg_class "
                                  "WHERE oid = to_regclass($1)");
    Params params;
    if (!exact) params.push_back(table);
    CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection->Query(sql, params));
    if (result.rows.empty()) {
      return Status::NotFound(fmt::format("target table {} does not exist", target.ToString()));
    }
    return ParseInteger<uint64_t>(result.rows[0][0].value_or("0"),
                                  fmt::format("row count of {}", target.ToString()));
  }

 private:
  Result<std::unique_ptr<Connection>> Open() const {
    return Connection::Open(spec_.target.connection);
  }

  // Applies spec.target.existing_tables to a table that does (`exists`) or does not exist.
  Status Ready(Connection& connection, bool exists, bool resuming, TargetTablePlan* plan) {
    CUTOVER_ASSIGN_OR_RETURN(TableAction action, DecideTableAction(spec_.target.existing_tables,
                                                                   exists, resuming, plan));
    switch (action) {
      case TableAction::kCreate: return Create(connection, plan);
      case TableAction::kTruncate: return Truncate(connection, plan);
      case TableAction::kKeepIndexes: return KeepExistingIndexes(connection, plan);
      case TableAction::kNothing: return KeyForRewrites(connection, *plan);
    }
    return Status::Ok();
  }

  // Creates the table without its primary key, which is built first after the load.
  Status Create(Connection& connection, TargetTablePlan* plan) {
    CUTOVER_ASSIGN_OR_RETURN(std::string create, CreateTableSql(plan->schema, plan->target));
    CUTOVER_RETURN_IF_ERROR(connection
                                .Execute(fmt::format("CREATE SCHEMA IF NOT EXISTS {}; {}",
                                                     QuoteIdentifier(plan->target.schema), create))
                                .status());
    DeferPrimaryKey(plan);
    plan->starts_empty = true;
    return Status::Ok();
  }

  // Empties the table and drops the indexes that will be rebuilt after the load. A primary key
  // of its own stays (its name and definition are the user's); a table without one is loaded
  // like a created table and gets the key on the source's key columns after the load, so that
  // a resumed run can add it too without knowing whether this one created the table.
  Status Truncate(Connection& connection, TargetTablePlan* plan) {
    CUTOVER_ASSIGN_OR_RETURN(bool keyed, HasPrimaryKey(connection, plan->target));
    if (!keyed) DeferPrimaryKey(plan);
    std::string sql = "TRUNCATE TABLE " + QuoteQualified(plan->target.schema, plan->target.name);
    for (const Index& index : plan->deferred) {
      if (index.primary) continue;
      sql += "; DROP INDEX IF EXISTS " + QuoteQualified(plan->target.schema, index.name);
    }
    CUTOVER_RETURN_IF_ERROR(connection.Execute(sql).status());
    plan->starts_empty = true;
    return Status::Ok();
  }

  // The key goes first: a duplicate key fails the copy before time goes into other indexes.
  static void DeferPrimaryKey(TargetTablePlan* plan) {
    std::vector<Index> deferred = {PrimaryKeyIndex(plan->schema, plan->target)};
    for (Index& index : plan->deferred) deferred.push_back(std::move(index));
    plan->deferred = std::move(deferred);
  }

  // Resuming a table this migration created or truncated. The crashed run may have committed
  // chunks it did not record, and this run's chunks (sized anew) must replace whatever lies in
  // their bounds: a DELETE per chunk that is a scan of the whole table without the key. So the
  // primary key that run deferred is added now, before any chunk; the committed chunks hold
  // each key once, so it builds. The deferred entry stored by that run then finds it present.
  Status KeyForRewrites(Connection& connection, const TargetTablePlan& plan) {
    return EnsurePrimaryKey(connection, plan.target, PrimaryKeyIndex(plan.schema, plan.target));
  }

  // Adds `key` unless the table has a primary key already, in one transaction that looks only
  // after taking the lock ALTER TABLE needs anyway: a build still running in the server for a
  // killed earlier process is waited for and then seen, instead of failing this one with
  // "multiple primary keys".
  static Status EnsurePrimaryKey(Connection& connection, const TableId& target, const Index& key) {
    CUTOVER_RETURN_IF_ERROR(connection.Execute("BEGIN").status());
    Status status = AddPrimaryKeyLocked(connection, target, key);
    if (status.ok()) status = connection.Execute("COMMIT").status();
    if (!status.ok()) {
      connection.Execute("ROLLBACK").IgnoreError();  // the first error says it all
      return status.WithContext("adding primary key " + key.name);
    }
    return Status::Ok();
  }

  static Status AddPrimaryKeyLocked(Connection& connection, const TableId& target,
                                    const Index& key) {
    std::string lock =
        "LOCK TABLE " + QuoteQualified(target.schema, target.name) + " IN ACCESS EXCLUSIVE MODE";
    CUTOVER_RETURN_IF_ERROR(connection.Execute(lock).status());
    CUTOVER_ASSIGN_OR_RETURN(bool keyed, HasPrimaryKey(connection, target));
    if (keyed) return Status::Ok();
    return connection.Execute(AddPrimaryKeySql(target, key)).status();
  }

  static Result<bool> HasPrimaryKey(Connection& connection, const TableId& table) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query(kHasPrimaryKeySql, {QuoteQualified(table.schema, table.name)}));
    return !result.rows.empty();
  }

  // keep: the table's own indexes stay; only source indexes it lacks are deferred.
  Status KeepExistingIndexes(Connection& connection, TargetTablePlan* plan) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND "
                         "tablename = $2",
                         {plan->target.schema, plan->target.name}));
    std::erase_if(plan->deferred, [&](const Index& index) {
      return std::any_of(result.rows.begin(), result.rows.end(),
                         [&](const SqlRow& row) { return row[0] == index.name; });
    });
    return Status::Ok();
  }

  static Result<bool> TableExists(Connection& connection, const TableId& table) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        connection.Query("SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2",
                         {table.schema, table.name}));
    return !result.rows.empty();
  }

  // Constant after construction
  const Spec spec_;
  const std::shared_ptr<WriterSessions> writer_sessions_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenPostgresSink(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(auto probe, Connection::Open(spec.target.connection));
  return std::unique_ptr<Sink>(new PostgresSink(spec));
}

}  // namespace cutover::postgres
