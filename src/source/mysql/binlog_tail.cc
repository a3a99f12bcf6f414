// Tail: `cutover tail`'s engine: a BinlogStream whose sink prints row changes as JSON lines.
#include <nlohmann/json.hpp>

#include "cutover/tail.h"

#include "source/mysql/binlog_stream.h"

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

Status CheckTailable(const Spec& spec, const TailOptions& options) {
  if (spec.source.kind == SourceKind::kPostgres) {
    return Status::InvalidArgument(
        "cutover tail reads MariaDB and MySQL sources; source.kind is postgres");
  }
  if (options.from && options.from->has_lsn()) {
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
