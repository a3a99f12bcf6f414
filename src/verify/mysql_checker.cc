// MysqlChecker: a MariaDB/MySQL target compared by key range: the target rows of each source
// chunk's range are read back through the same reader (and so the same ParseMysqlText
// normalisation) and matched to the source rows by key.
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/parse_number.h"
#include "db/mysql/connection.h"
#include "source/mysql/snapshot_reader.h"
#include "verify/checker.h"
#include "verify/checksum_sql.h"

namespace cutover::verify {
namespace {

class MysqlChecker : public TargetChecker {
 public:
  MysqlChecker(const Spec& spec, std::unique_ptr<mysql::Connection> connection, int64_t page)
      : spec_(spec), connection_(std::move(connection)), page_(page) {}

  // Chunks cover the whole key space (the first has no lower bound, the last no upper), so
  // every target row lies in exactly one chunk's range: extra rows beyond the source's first
  // or last key included.
  Status CheckChunk(const TargetTablePlan& plan, const std::optional<Key>& lower,
                    const std::optional<Key>& upper, std::span<const Row> rows,
                    ChunkResult* result) override {
    TableSchema target_schema = TargetSchema(plan);
    CUTOVER_ASSIGN_OR_RETURN(std::vector<Row> target_rows, ReadRange(target_schema, lower, upper));
    Compare(plan.schema, target_schema, rows, target_rows, result);
    return Status::Ok();
  }

  Status CheckKeys(const TargetTablePlan& plan, std::span<const Key> keys,
                   std::span<const Row> rows, ChunkResult* result) override {
    TableSchema target_schema = TargetSchema(plan);
    auto read = [&]() -> Result<std::vector<Row>> {
      if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
      return mysql::ReadKeys(*connection_, target_schema, "", keys);
    };
    Result<std::vector<Row>> target_rows = read();
    if (target_rows.status().code() == StatusCode::kUnavailable) {
      connection_.reset();
      target_rows = read();
    }
    if (!target_rows.ok()) {
      return target_rows.status().WithContext("reading target table " + plan.target.ToString());
    }
    Compare(plan.schema, target_schema, rows, *target_rows, result);
    return Status::Ok();
  }

  bool HasChecksums(const TargetTablePlan& /*plan*/) override { return true; }

  // The source's checksum runs on its own thread while the target computes its own.
  Result<std::optional<int64_t>> SameChecksum(mysql::Connection& source,
                                              const TargetTablePlan& plan,
                                              const std::string& filter,
                                              const std::optional<Key>& lower,
                                              const std::optional<Key>& upper) override {
    TableSchema target_schema = TargetSchema(plan);
    if (!hash_) {
      CUTOVER_ASSIGN_OR_RETURN(hash_, ChooseHash(source));
    }
    CUTOVER_ASSIGN_OR_RETURN(std::string source_sql,
                             BuildRangeChecksum(plan.schema, lower, upper, filter, *hash_));
    CUTOVER_ASSIGN_OR_RETURN(std::string target_sql,
                             BuildRangeChecksum(target_schema, lower, upper, "", *hash_));
    Result<RangeChecksum> source_sum = Status::Internal("not computed");
    std::thread source_thread([&] { source_sum = Checksum(source, source_sql); });
    Status connected = connection_ != nullptr ? Status::Ok() : Connect();
    Result<RangeChecksum> target_sum =
        connected.ok() ? Checksum(*connection_, target_sql) : Result<RangeChecksum>(connected);
    source_thread.join();
    if (!source_sum.ok()) {
      return source_sum.status().WithContext("checksum of source table " + plan.source.ToString());
    }
    if (!target_sum.ok()) {
      connection_.reset();  // a new session for the next call
      return target_sum.status().WithContext("checksum of target table " + plan.target.ToString());
    }
    if (!(*source_sum == *target_sum)) return std::optional<int64_t>();
    CUTOVER_ASSIGN_OR_RETURN(
        int64_t rows,
        ParseInteger<int64_t>(source_sum->count,
                              fmt::format("row count of {}", plan.source.ToString())));
    return std::optional<int64_t>(rows);
  }

 private:
  // CRC32C (MariaDB 10.8+) on both servers: the fast checksum; otherwise (MySQL) MD5 on both.
  Result<ChecksumHash> ChooseHash(mysql::Connection& source) {
    if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
    bool both =
        source.Query("SELECT CRC32C('')").ok() && connection_->Query("SELECT CRC32C('')").ok();
    return both ? ChecksumHash::kCrc32Pair : ChecksumHash::kMd5;
  }

  static Result<RangeChecksum> Checksum(mysql::Connection& connection, const std::string& sql) {
    CUTOVER_ASSIGN_OR_RETURN(mysql::QueryResult result, connection.Query(sql));
    if (result.rows.size() != 1 || result.rows[0].size() != 2) {
      return Status::Internal("a checksum query returned no row");
    }
    const mysql::SqlRow& row = result.rows[0];
    return RangeChecksum{row[0].value_or("0"), row[1].value_or("0")};
  }

  static TableSchema TargetSchema(const TargetTablePlan& plan) {
    TableSchema schema = plan.schema;
    schema.id = plan.target;
    return schema;
  }

  // Source rows matched with target rows by key: a source row without a target row is
  // missing, a target row without a source row extra (listed in key order), a pair differing
  // in a value different.
  static void Compare(const TableSchema& schema, const TableSchema& target_schema,
                      std::span<const Row> rows, const std::vector<Row>& target_rows,
                      ChunkResult* result) {
    std::unordered_map<std::string, const Row*> by_key;
    by_key.reserve(target_rows.size());
    for (const Row& row : target_rows) by_key.emplace(KeyOf(target_schema, row).Encode(), &row);
    for (const Row& row : rows) {
      auto found = by_key.find(KeyOf(schema, row).Encode());
      if (found == by_key.end()) {
        result->Add(Keyed(VerifyDifference::Kind::kMissing, schema, row), KeyOf(schema, row));
        continue;
      }
      CompareRow(schema, row, *found->second, result);
      by_key.erase(found);
    }
    for (const Row& row : target_rows) {
      if (by_key.contains(KeyOf(target_schema, row).Encode())) {
        result->Add(Keyed(VerifyDifference::Kind::kExtra, target_schema, row),
                    KeyOf(target_schema, row));
      }
    }
    result->rows += static_cast<int64_t>(rows.size());
  }

  static VerifyDifference Keyed(VerifyDifference::Kind kind, const TableSchema& schema,
                                const Row& row) {
    VerifyDifference difference;
    difference.kind = kind;
    difference.key = KeyText(schema, row);
    return difference;
  }

  // Exact Value equality, column by column; the first difference is reported.
  static void CompareRow(const TableSchema& schema, const Row& source, const Row& target,
                         ChunkResult* result) {
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      if (source.values[column] == target.values[column]) continue;
      VerifyDifference difference = Keyed(VerifyDifference::Kind::kDifferent, schema, source);
      difference.column = schema.columns[column].name;
      const ColumnType& type = schema.columns[column].type;
      difference.source_value = ValueText(type, source.values[column]);
      difference.target_value = ValueText(type, target.values[column]);
      result->Add(std::move(difference), KeyOf(schema, source));
      return;
    }
  }

  // Every target row with lower < key <= upper, in pages (the range may hold any number of
  // extra rows). A lost connection is opened again once.
  Result<std::vector<Row>> ReadRange(const TableSchema& schema, const std::optional<Key>& lower,
                                     const std::optional<Key>& upper) {
    auto read = [&]() -> Result<std::vector<Row>> {
      if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
      return mysql::ReadKeyRange(*connection_, schema, "", lower, upper, page_);
    };
    Result<std::vector<Row>> rows = read();
    if (rows.status().code() == StatusCode::kUnavailable) {
      connection_.reset();
      rows = read();
    }
    if (!rows.ok())
      return rows.status().WithContext("reading target table " + schema.id.ToString());
    return rows;
  }

  Status Connect() {
    mysql::ConnectOptions options;
    options.use_database = false;
    CUTOVER_ASSIGN_OR_RETURN(connection_,
                             mysql::Connection::Open(spec_.target.connection, options));
    return Status::Ok();
  }

  // Constant after construction
  const Spec& spec_;
  // Only the verifier's thread uses the state below.
  std::unique_ptr<mysql::Connection> connection_;
  const int64_t page_;
  std::optional<ChecksumHash> hash_;  // chosen at the first checksum
};

}  // namespace

Result<std::unique_ptr<TargetChecker>> OpenMysqlChecker(const Spec& spec) {
  mysql::ConnectOptions options;
  options.use_database = false;
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> connection,
                           mysql::Connection::Open(spec.target.connection, options));
  int64_t page = std::max<int64_t>(spec.parallelism.chunk_rows, 1000);
  return std::unique_ptr<TargetChecker>(
      std::make_unique<MysqlChecker>(spec, std::move(connection), page));
}

}  // namespace cutover::verify
