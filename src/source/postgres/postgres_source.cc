// PostgresSource: the Source interface over source_schema, slot, snapshot_reader and
// change_stream; one main session, a session per chunk reader, and the replication session that
// created the slot, kept open (and idle) while the copy reads in its exported snapshot.
#include "source/postgres/postgres_source.h"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "db/postgres/connection.h"
#include "source/postgres/change_stream.h"
#include "source/postgres/preflight.h"
#include "source/postgres/replication_stream.h"
#include "source/postgres/slot.h"
#include "source/postgres/snapshot_reader.h"
#include "source/postgres/source_schema.h"
#include "source/postgres/types.h"

namespace cutover::postgres {
namespace {

// Opens a session with the settings the text parser expects (types.h).
Result<std::unique_ptr<Connection>> OpenSession(const ConnectionSpec& spec,
                                                const ConnectOptions& options = {}) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(spec, options));
  for (const std::string& statement : SessionSettings()) {
    CUTOVER_RETURN_IF_ERROR(connection->Execute(statement).status());
  }
  return connection;
}

class PostgresSource : public Source {
 public:
  explicit PostgresSource(const Spec& spec) : spec_(spec) {}

  std::string_view Engine() const override { return "postgres"; }

  std::vector<CheckResult> Preflight() override { return CheckSource(spec_); }

  Result<std::vector<SourceTable>> LoadSelectedTables() override {
    CUTOVER_ASSIGN_OR_RETURN(Connection * session, Session());
    return Dropped(postgres::LoadSelectedTables(*session, spec_));
  }

  // The publication of the selected tables, then a new slot with an exported snapshot: its
  // consistent point is P0, and the copy's readers read in the snapshot (snapshot_reader.h).
  Result<Position> TakeStartPosition() override {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<SourceTable> tables, LoadSelectedTables());
    if (tables.empty()) {
      return Status::InvalidArgument("no source table matches the spec's `tables` patterns");
    }
    std::vector<TableId> ids;
    for (const SourceTable& table : tables) ids.push_back(table.schema.id);
    CUTOVER_ASSIGN_OR_RETURN(Connection * session, Session());
    CUTOVER_RETURN_IF_ERROR(
        Dropped(EnsurePublication(*session, spec_.source.publication, ids, spec_.name)));
    // A slot of this migration without a recorded start (a first copy that died before
    // recording P0) holds nothing anyone needs: made again, with a snapshot.
    CUTOVER_ASSIGN_OR_RETURN(std::optional<SlotState> stale, ReadSlot(*session, spec_.source.slot));
    if (stale) {
      spdlog::warn(
          "copy: dropping replication slot {} left by a copy that never recorded its "
          "start, to create it again with a snapshot",
          spec_.source.slot);
      CUTOVER_RETURN_IF_ERROR(DropSlot(*session, spec_.source.slot));
    }
    CUTOVER_ASSIGN_OR_RETURN(Lsn consistent_point,
                             ExportSnapshot(spec_.source.slot, /*temporary=*/false));
    return Position::FromLsn(consistent_point);
  }

  Result<std::vector<Key>> PlanKeyBoundaries(const TableSchema& schema, int64_t rows_estimate,
                                             int ranges) override {
    CUTOVER_ASSIGN_OR_RETURN(Connection * session, Session());
    return Dropped(
        postgres::PlanKeyBoundaries(*session, schema, rows_estimate, ranges, ParsePostgresText));
  }

  Result<std::unique_ptr<ChunkReader>> OpenChunkReader() override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                             OpenSession(spec_.source.connection));
    std::string snapshot;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      snapshot = snapshot_;
    }
    return std::unique_ptr<ChunkReader>(
        std::make_unique<PgChunkReader>(std::move(connection), ParsePostgresText, snapshot));
  }

  // The first run's snapshot died with it: a new one, exported by a TEMPORARY slot created on a
  // replication session held (idle) until EndCopyReads, whose consistent point P1 says exactly
  // which transactions the snapshot holds, as P0 does for the first run. Every chunk this run
  // reads sees that one state; the copier records P1 for the tables it reads whole, and apply
  // skips their changes before it (docs/copy.md, "A resumed copy on PostgreSQL"). The temporary
  // slot goes with the session (or with the server's restart), so nothing is left behind.
  Result<std::optional<Position>> BeginResumedCopy() override {
    CUTOVER_ASSIGN_OR_RETURN(
        Lsn consistent_point,
        ExportSnapshot(spec_.source.slot.substr(0, 55) + "_resume", /*temporary=*/true));
    spdlog::info(
        "copy: resumed in a new snapshot, consistent at {} (the first run's ended with it)",
        consistent_point.ToString());
    return std::optional<Position>(Position::FromLsn(consistent_point));
  }

  void EndCopyReads() override {
    std::unique_ptr<Connection> exporter;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      exporter = std::move(exporter_);
      snapshot_.clear();
    }
    // Closing the session ends its transaction (or the replication session's export).
  }

  Result<std::unique_ptr<ChangeStream>> OpenChangeStream(ChangeStreamOptions options) override {
    PgStreamOptions stream;
    stream.connection = spec_.source.connection;
    stream.slot = spec_.source.slot;
    stream.publication = spec_.source.publication;
    stream.value_format = spec_.source.value_format;
    // Tables the spec selects that were created since: published and announced, so that the
    // run makes and copies them as the binlog's CREATE TABLE (docs/ddl.md).
    stream.poll = [spec = spec_](Connection& catalog) -> Status {
      CUTOVER_ASSIGN_OR_RETURN(std::vector<TableId> selected, SelectedTableIds(catalog, spec));
      CUTOVER_ASSIGN_OR_RETURN(
          std::vector<TableId> added,
          PublishNewTables(catalog, spec.source.publication, selected, spec.name));
      for (const TableId& table : added) {
        spdlog::info("source: new table {} matches the spec's tables: added to publication {}",
                     table.ToString(), spec.source.publication);
      }
      return Status::Ok();
    };
    stream.stream = std::move(options);
    return OpenPgoutputStream(std::move(stream));
  }

  Result<std::optional<SourceRetention>> Retention() override {
    std::lock_guard<std::mutex> lock(retention_mutex_);
    if (retention_session_ == nullptr) {
      // A small query: a session that does not answer within a lost stream's time is lost.
      ConnectOptions options;
      options.read_timeout = ReplicationOptions{}.lost_after;
      CUTOVER_ASSIGN_OR_RETURN(retention_session_,
                               Connection::Open(spec_.source.connection, options));
    }
    Result<std::optional<SlotState>> slot = ReadSlot(*retention_session_, spec_.source.slot);
    if (!slot.ok()) {
      retention_session_.reset();  // opened again next time
      return slot.status();
    }
    if (!*slot) return std::optional<SourceRetention>();
    SourceRetention retention;
    retention.what = "replication slot " + spec_.source.slot;
    retention.retained_bytes = (*slot)->retained_bytes;
    retention.state = (*slot)->wal_status;
    retention.headroom_bytes = (*slot)->safe_wal_size;
    return std::optional<SourceRetention>(std::move(retention));
  }

 private:
  // Creates the slot `name` with an exported snapshot on a replication session of its own, kept
  // (idle) as exporter_ so that the chunk readers can import the snapshot until EndCopyReads;
  // returns the slot's consistent point.
  Result<Lsn> ExportSnapshot(const std::string& name, bool temporary) {
    ConnectOptions replication;
    replication.replication = true;
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> exporter,
                             Connection::Open(spec_.source.connection, replication));
    CUTOVER_ASSIGN_OR_RETURN(CreatedSlot slot, CreateSlotWithSnapshot(*exporter, name, temporary));
    std::lock_guard<std::mutex> lock(mutex_);
    exporter_ = std::move(exporter);
    snapshot_ = slot.snapshot;
    return slot.consistent_point;
  }

  Result<Connection*> Session() {
    if (session_ == nullptr) {
      CUTOVER_ASSIGN_OR_RETURN(session_, OpenSession(spec_.source.connection));
    }
    return session_.get();
  }

  // A lost session is opened again by the next call rather than failing every later one.
  template <typename T>
  T Dropped(T result) {
    Status status;
    if constexpr (std::is_same_v<T, Status>) {
      status = result;
    } else {
      status = result.status();
    }
    if (status.code() == StatusCode::kUnavailable) session_.reset();
    return result;
  }

  const Spec& spec_;
  std::unique_ptr<Connection> session_;
  std::mutex mutex_;  // guards exporter_ and snapshot_ (chunk readers open on worker threads)
  // The replication session that created the slot (first run) or a temporary one
  // (BeginResumedCopy): idle while the copy reads, so that its exported snapshot stays valid.
  std::unique_ptr<Connection> exporter_;
  std::string snapshot_;
  std::mutex retention_mutex_;  // Retention() is called from the run's monitor thread
  std::unique_ptr<Connection> retention_session_;
};

}  // namespace

std::unique_ptr<Source> OpenPostgresSource(const Spec& spec) {
  return std::make_unique<PostgresSource>(spec);
}

}  // namespace cutover::postgres
