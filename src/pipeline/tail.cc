// Tail: `cutover tail`'s engine: the source's change stream (a BinlogStream, or a PostgreSQL
// temporary slot) whose sink prints row changes as JSON lines.
#include <nlohmann/json.hpp>

#include "cutover/tail.h"

#include <unistd.h>

#include <fmt/format.h>

#include "db/postgres/connection.h"
#include "source/mysql/binlog_stream.h"
#include "source/postgres/change_stream.h"

namespace cutover {
namespace {

nlohmann::ordered_json RowJson(const TableSchema& schema, const Row& row) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    if (column_idx >= row.values.size() || !row.IsPresent(column_idx)) continue;
    const Column& column = schema.columns[column_idx];
    const Value& value = row.values[column_idx];
    object[column.name] = value.is_null()
                              ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(DisplayValue(column.type, value));
  }
  return object;
}

nlohmann::ordered_json ImageJson(const Change& change, const std::optional<Row>& image) {
  if (!image || !change.schema) return nullptr;
  return RowJson(*change.schema, *image);
}

// Prints each delivered row change; flushes at every commit so a pipe sees whole transactions.
class JsonLinesSink : public binlog::EventSink {
 public:
  JsonLinesSink(std::FILE* out, uint64_t limit) : out_(out), limit_(limit) {}

  Status OnChange(const Change& change) override {
    if (IsTableChange(change.op)) return Status::Ok();
    std::string line = ChangeToJsonLine(change);
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), out_) != line.size()) {
      return Status::Cancelled("the output was closed");
    }
    ++printed_;
    if (limit_ != 0 && printed_ >= limit_) {
      std::fflush(out_);
      return Status::Cancelled("limit reached");
    }
    return Status::Ok();
  }
  Status OnCommit(const binlog::TransactionCommit&) override {
    std::fflush(out_);
    return Status::Ok();
  }
  bool limit_reached() const { return limit_ != 0 && printed_ >= limit_; }

 private:
  std::FILE* out_;
  uint64_t limit_;
  uint64_t printed_ = 0;
};

// The same for a PostgreSQL source's change stream.
class PgJsonLinesSink : public ChangeEventSink {
 public:
  explicit PgJsonLinesSink(JsonLinesSink* lines) : lines_(lines) {}
  Status OnChange(const Change& change) override { return lines_->OnChange(change); }
  Status OnCommit(const Position&) override { return lines_->OnCommit({}); }

 private:
  JsonLinesSink* lines_;
};

// A PostgreSQL source: a temporary slot of its own over the migration's publication, from now.
Status TailPostgres(const Spec& spec, const TailOptions& options, JsonLinesSink* lines) {
  if (options.from) {
    return Status::InvalidArgument(
        "--from: cutover tail reads a PostgreSQL source through a temporary slot of its own, "
        "which starts now; use --from-now (the default), or `cutover replay` to read the "
        "migration's change log from a position");
  }
  {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> connection,
                             postgres::Connection::Open(spec.source.connection));
    CUTOVER_ASSIGN_OR_RETURN(
        postgres::QueryResult found,
        connection->Query("SELECT 1 FROM pg_publication WHERE pubname = $1",
                          {spec.source.publication}));
    if (found.rows.empty()) {
      return Status::FailedPrecondition(fmt::format(
          "cutover tail reads a PostgreSQL source through the migration's publication {}, which "
          "does not exist yet: `cutover copy` or `cutover run` creates it (or CREATE PUBLICATION "
          "{} FOR TABLE ... with the selected tables)",
          spec.source.publication, spec.source.publication));
    }
  }
  postgres::PgStreamOptions stream;
  stream.connection = spec.source.connection;
  stream.slot = fmt::format("cutover_tail_{}", getpid());
  stream.publication = spec.source.publication;
  stream.temporary_slot = true;
  // A temporary slot cannot go back: switching to text mid-stream (kAuto) would skip changes.
  stream.value_format = spec.source.value_format == SourceSpec::ValueFormat::kAuto
                            ? SourceSpec::ValueFormat::kText
                            : spec.source.value_format;
  stream.stream.stop = options.stop;
  std::string pattern = options.tables;
  stream.stream.table_filter = [&spec, pattern](const TableId& id) {
    if (SelectTable(spec, id.schema, id.name) == nullptr) return false;
    return pattern.empty() || GlobMatch(pattern, id.ToString());
  };
  PgJsonLinesSink sink(lines);
  return postgres::OpenPgoutputStream(std::move(stream))->Run(&sink);
}

Status CheckTailable(const Spec& spec, const TailOptions& options) {
  if (spec.source.kind != SourceKind::kPostgres && options.from && options.from->has_lsn()) {
    return Status::InvalidArgument("--from " + options.from->Encode() +
                                   ": a PostgreSQL LSN is not a binlog position; give a GTID "
                                   "position (0-1-42) or a binlog file:pos");
  }
  return Status::Ok();
}

}  // namespace

std::string ChangeToJsonLine(const Change& change) {
  nlohmann::ordered_json line;
  line["table"] = change.table.ToString();
  line["op"] = std::string(ChangeOpName(change.op));
  line["before"] = ImageJson(change, change.before);
  line["after"] = ImageJson(change, change.after);
  line["pos"] = change.position.Encode();
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Status Tail(const Spec& spec, const TailOptions& options, std::FILE* out) {
  CUTOVER_RETURN_IF_ERROR(CheckTailable(spec, options));
  if (spec.source.kind == SourceKind::kPostgres) {
    JsonLinesSink lines(out, options.limit);
    Status status = TailPostgres(spec, options, &lines);
    std::fflush(out);
    if (status.code() == StatusCode::kCancelled) return Status::Ok();  // limit or closed output
    return status;
  }
  mysql::BinlogStreamOptions stream_options;
  stream_options.connection = spec.source.connection;
  stream_options.server_id = spec.source.server_id;
  stream_options.start = options.from.value_or(Position());
  stream_options.stop = options.stop;
  std::string pattern = options.tables;
  stream_options.table_filter = [&spec, pattern](const TableId& id) {
    if (SelectTable(spec, id.schema, id.name) == nullptr) return false;
    return pattern.empty() || GlobMatch(pattern, id.ToString());
  };
  JsonLinesSink sink(out, options.limit);
  mysql::BinlogStream stream(std::move(stream_options));
  Status status = stream.Run(&sink);
  std::fflush(out);
  if (status.code() == StatusCode::kCancelled) return Status::Ok();  // limit or closed output
  return status;
}

}  // namespace cutover
