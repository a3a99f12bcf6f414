// MariaDbSource: the Source interface over the snapshot_* functions, one main session and a
// session per chunk reader.
#include "source/mysql/mariadb_source.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "db/mysql/connection.h"
#include "source/mysql/change_stream.h"
#include "source/mysql/preflight.h"
#include "source/mysql/snapshot_position.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "spec/table_columns.h"

namespace cutover::mysql {
namespace {

class MariaDbChunkReader : public ChunkReader {
 public:
  explicit MariaDbChunkReader(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  Result<ChunkRows> ReadChunk(const TableSchema& schema, const ChunkSelect& select) override {
    return mysql::ReadChunk(*connection_, schema, select);
  }

 private:
  std::unique_ptr<Connection> connection_;
};

class MariaDbSource : public Source {
 public:
  explicit MariaDbSource(const Spec& spec) : spec_(spec) {}

  std::string_view Engine() const override { return SourceKindName(spec_.source.kind); }

  std::vector<CheckResult> Preflight() override { return CheckSource(spec_); }

  // cutover::SourceTable, qualified: preflight_tables.h has a mysql::SourceTable of its own.
  Result<std::vector<cutover::SourceTable>> LoadSelectedTables() override {
    CUTOVER_ASSIGN_OR_RETURN(Connection * session, Session());
    Result<std::vector<SelectedTable>> selected = mysql::LoadSelectedTables(*session, spec_);
    if (!selected.ok()) return Dropped(selected.status());
    std::vector<cutover::SourceTable> tables;
    tables.reserve(selected->size());
    for (SelectedTable& table : *selected) {
      if (watermark_schema_.empty()) watermark_schema_ = table.schema.id.schema;
      CUTOVER_ASSIGN_OR_RETURN(TableSchema narrowed, NarrowToColumns(table.schema, *table.rule));
      tables.push_back(cutover::SourceTable{std::move(table.schema), std::move(narrowed),
                                            table.rule, table.rows_estimate});
    }
    return tables;
  }

  // The start watermark goes to the schema of the first selected table (where a repair's
  // watermarks and the fence marker go too).
  Result<Position> TakeStartPosition() override {
    if (watermark_schema_.empty()) CUTOVER_RETURN_IF_ERROR(LoadSelectedTables().status());
    if (watermark_schema_.empty()) {
      return Status::InvalidArgument("no source table matches the spec's `tables` patterns");
    }
    CUTOVER_ASSIGN_OR_RETURN(Connection * session, Session());
    Result<Position> start = mysql::TakeStartPosition(*session, watermark_schema_);
    if (!start.ok()) return Dropped(start.status());
    return start;
  }

  Result<std::vector<Key>> PlanKeyBoundaries(const TableSchema& schema, int64_t rows_estimate,
                                             int ranges) override {
    CUTOVER_ASSIGN_OR_RETURN(Connection * session, Session());
    Result<std::vector<Key>> boundaries =
        mysql::PlanKeyBoundaries(*session, schema, rows_estimate, ranges);
    if (!boundaries.ok()) return Dropped(boundaries.status());
    return boundaries;
  }

  Result<std::unique_ptr<ChunkReader>> OpenChunkReader() override {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                             Connection::Open(spec_.source.connection));
    return std::unique_ptr<ChunkReader>(
        std::make_unique<MariaDbChunkReader>(std::move(connection)));
  }

  Result<std::unique_ptr<ChangeStream>> OpenChangeStream(ChangeStreamOptions options) override {
    return OpenBinlogChangeStream(spec_.source, std::move(options));
  }

 private:
  // The main session (schemas, P0, key samples), opened on first use. A key sample of a large
  // table scans its whole key, hence the long read timeout.
  Result<Connection*> Session() {
    if (session_ == nullptr) {
      ConnectOptions options;
      options.read_timeout = std::chrono::seconds(600);
      CUTOVER_ASSIGN_OR_RETURN(session_, Connection::Open(spec_.source.connection, options));
    }
    return session_.get();
  }

  // A lost session is opened again by the next call rather than failing every later one.
  Status Dropped(Status status) {
    if (status.code() == StatusCode::kUnavailable) session_.reset();
    return status;
  }

  // Constant after construction.
  const Spec& spec_;
  std::unique_ptr<Connection> session_;
  std::string watermark_schema_;  // the first selected table's schema
};

}  // namespace

std::unique_ptr<Source> OpenMariaDbSource(const Spec& spec) {
  return std::make_unique<MariaDbSource>(spec);
}

}  // namespace cutover::mysql
