// MysqlChecker: a MariaDB/MySQL target compared by key range: the target rows of each source
// chunk's range are read back through the same reader (and so the same ParseMysqlText
// normalisation) and matched to the source rows by key.
//
// From a PostgreSQL source the target columns have the types the copy mapped them to
// (docs/type-mapping.md): the target rows are read with the target table's own column types and
// both sides compared in MariaDbComparable form (verify/mariadb_values.h). There are no
// checksums (no canonical text both engines compute alike), every chunk goes row by row. A key
// whose order MariaDB does not share (text, uuid, enum: MariaDB sorts by its collation) has no
// ranges there: each chunk's rows are fetched by their keys, and after every table one scan of
// the target's keys finds the rows no source key accounts for.
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/parse_number.h"
#include "db/mysql/connection.h"
#include "sink/postgres/ddl.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "verify/checker.h"
#include "verify/checksum_sql.h"
#include "verify/mariadb_values.h"

namespace cutover::verify {
namespace {

class MysqlChecker : public TargetChecker {
 public:
  MysqlChecker(const Spec& spec, std::unique_ptr<mysql::Connection> connection, int64_t page)
      : spec_(spec),
        page_(page),
        pg_source_(spec.source.kind == SourceKind::kPostgres),
        connection_(std::move(connection)) {}

  // Chunks cover the whole key space (the first has no lower bound, the last no upper), so
  // every target row lies in exactly one chunk's range: extra rows beyond the source's first
  // or last key included. (A PostgreSQL source's key MariaDB orders otherwise: by the keys.)
  Status CheckChunk(const TargetTablePlan& plan, const std::optional<Key>& lower,
                    const std::optional<Key>& upper, std::span<const Row> rows,
                    ChunkResult* result) override {
    CUTOVER_ASSIGN_OR_RETURN(TableSchema target_schema, TargetSchema(plan));
    if (Scanned(plan)) {
      std::vector<Key> keys;
      std::unordered_set<std::string>& seen = seen_[plan.target.ToString()];
      for (const Row& row : rows) {
        keys.push_back(MariaDbComparableKey(KeyOf(plan.schema, row)));
        seen.insert(keys.back().Encode());
      }
      return CheckKeys(plan, keys, rows, result);
    }
    CUTOVER_ASSIGN_OR_RETURN(std::vector<Row> target_rows,
                             ReadRange(target_schema, Bound(lower), Bound(upper)));
    Compare(plan.schema, target_schema, rows, target_rows, result);
    return Status::Ok();
  }

  Status CheckKeys(const TargetTablePlan& plan, std::span<const Key> keys,
                   std::span<const Row> rows, ChunkResult* result) override {
    CUTOVER_ASSIGN_OR_RETURN(TableSchema target_schema, TargetSchema(plan));
    std::vector<Key> target_keys;
    for (const Key& key : keys) target_keys.push_back(*Bound(key));
    auto read = [&]() -> Result<std::vector<Row>> {
      if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
      return mysql::ReadKeys(*connection_, target_schema, "", target_keys);
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

  bool HasChecksums(const TargetTablePlan& /*plan*/) override { return !pg_source_; }

  // A continued verify: the keys of the chunks an earlier run checked, for the scan.
  Status Remember(const TargetTablePlan& plan, std::span<const Row> rows) override {
    if (!Scanned(plan)) return Status::Ok();
    std::unordered_set<std::string>& seen = seen_[plan.target.ToString()];
    for (const Row& row : rows) seen.insert(MariaDbComparableKey(KeyOf(plan.schema, row)).Encode());
    return Status::Ok();
  }
  bool NeedsCheckedRows() const override { return !scanned_.empty(); }

  std::vector<Key> ExtraKeys(const TargetTablePlan& plan) const override {
    auto found = extra_keys_.find(plan.target.ToString());
    return found == extra_keys_.end() ? std::vector<Key>{} : found->second;
  }

  Status Prepare(std::span<const TargetTablePlan> plans) override {
    for (const TargetTablePlan& plan : plans) {
      if (Scanned(plan)) scanned_.push_back(plan);
    }
    return Status::Ok();
  }

  // PostgreSQL source tables keyed by text (and the like): every target key, in MariaDB's
  // order, looked up among the source's.
  Result<std::vector<VerifyTableReport>> FindExtras(int max_listed) override {
    std::vector<VerifyTableReport> reports;
    for (const TargetTablePlan& plan : scanned_) {
      CUTOVER_ASSIGN_OR_RETURN(VerifyTableReport report, Scan(plan, max_listed));
      reports.push_back(std::move(report));
    }
    return reports;
  }

  // The source's checksum runs on its own thread while the target computes its own.
  Result<std::optional<int64_t>> SameChecksum(const ChecksumSource& session,
                                              const TargetTablePlan& plan,
                                              const std::string& filter,
                                              const std::optional<Key>& lower,
                                              const std::optional<Key>& upper) override {
    if (session.mysql == nullptr) return std::optional<int64_t>();  // not from this source
    mysql::Connection& source = *session.mysql;
    CUTOVER_ASSIGN_OR_RETURN(TableSchema target_schema, TargetSchema(plan));
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

  // The target table's columns: the source's (a MariaDB/MySQL source: the same types), or from
  // a PostgreSQL source the types the target table has (read once from its catalog).
  Result<TableSchema> TargetSchema(const TargetTablePlan& plan) {
    TableSchema schema = plan.schema;
    schema.id = plan.target;
    if (!pg_source_) return schema;
    auto found = target_schemas_.find(plan.target.ToString());
    if (found != target_schemas_.end()) return found->second;
    if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
    Result<TableSchema> table = mysql::LoadTableSchema(*connection_, plan.target);
    if (!table.ok()) {
      return table.status().WithContext("reading target table " + plan.target.ToString());
    }
    for (Column& column : schema.columns) {
      std::optional<size_t> at = table->ColumnIndex(column.name);
      if (at) column.type = table->columns[*at].type;
    }
    return target_schemas_.emplace(plan.target.ToString(), std::move(schema)).first->second;
  }

  // A PostgreSQL source's table whose key MariaDB orders otherwise (postgres::
  // KeyOrderIsPortable: text, uuid, enum, ...): compared by keys and a scan, not by ranges.
  bool Scanned(const TargetTablePlan& plan) const {
    return pg_source_ && !postgres::KeyOrderIsPortable(plan.schema);
  }

  // A source key as a bound or key on the target: from a PostgreSQL source in comparable form.
  std::optional<Key> Bound(const std::optional<Key>& key) const {
    if (!key || !pg_source_) return key;
    return MariaDbComparableKey(*key);
  }

  // The identity a row's key is matched by.
  std::string KeyId(const TableSchema& schema, const Row& row) const {
    return pg_source_ ? MariaDbComparableKey(KeyOf(schema, row)).Encode()
                      : KeyOf(schema, row).Encode();
  }

  // One pass over the target table's keys in MariaDB's order, by keyset pages.
  Result<VerifyTableReport> Scan(const TargetTablePlan& plan, int max_listed) {
    CUTOVER_ASSIGN_OR_RETURN(TableSchema target_schema, TargetSchema(plan));
    TableSchema keys;
    keys.id = plan.target;
    for (size_t column : target_schema.key) {
      keys.key.push_back(keys.columns.size());
      keys.columns.push_back(target_schema.columns[column]);
    }
    const std::unordered_set<std::string>& seen = seen_[plan.target.ToString()];
    VerifyTableReport report;
    report.table = plan.target.ToString();
    report.target = plan.target.ToString();
    report.scan = true;
    ChunkSelect select{std::nullopt, std::nullopt, "", page_};
    std::vector<Key> extras;
    while (true) {
      if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
      Result<ChunkRows> page = mysql::ReadChunk(*connection_, keys, select);
      if (!page.ok()) {
        connection_.reset();
        return page.status().WithContext("scanning target table " + plan.target.ToString());
      }
      for (const Row& row : page->rows) {
        Key key = MariaDbComparableKey(KeyOf(keys, row));
        if (seen.contains(key.Encode())) continue;
        ++report.extra;
        Result<Key> source_key = PostgresKeyOfComparable(plan.schema, key);
        if (source_key.ok()) extras.push_back(*std::move(source_key));  // else no source row has it
        if (static_cast<int>(report.listed.size()) >= max_listed) continue;
        report.listed.push_back(Keyed(VerifyDifference::Kind::kExtra, keys, row));
      }
      report.rows += static_cast<int64_t>(page->rows.size());
      if (static_cast<int64_t>(page->rows.size()) < page_) break;
      select.lower = KeyOf(keys, page->rows.back());
    }
    extra_keys_[plan.target.ToString()] = std::move(extras);
    report.done = true;
    return report;
  }

  // Source rows matched with target rows by key: a source row without a target row is
  // missing, a target row without a source row extra (listed in key order), a pair differing
  // in a value different.
  void Compare(const TableSchema& schema, const TableSchema& target_schema,
               std::span<const Row> rows, const std::vector<Row>& target_rows,
               ChunkResult* result) const {
    std::unordered_map<std::string, const Row*> by_key;
    by_key.reserve(target_rows.size());
    for (const Row& row : target_rows) by_key.emplace(KeyId(target_schema, row), &row);
    for (const Row& row : rows) {
      auto found = by_key.find(KeyId(schema, row));
      if (found == by_key.end()) {
        result->Add(Keyed(VerifyDifference::Kind::kMissing, schema, row), KeyOf(schema, row));
        continue;
      }
      CompareRow(schema, target_schema, row, *found->second, result);
      by_key.erase(found);
    }
    for (const Row& row : target_rows) {
      if (by_key.contains(KeyId(target_schema, row))) {
        Key key = KeyOf(target_schema, row);
        result->Add(Keyed(VerifyDifference::Kind::kExtra, target_schema, row),
                    pg_source_ ? MariaDbComparableKey(key) : std::move(key));
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

  // Exact Value equality, column by column (from a PostgreSQL source in MariaDbComparable
  // form); the first difference is reported.
  void CompareRow(const TableSchema& schema, const TableSchema& target_schema, const Row& source,
                  const Row& target, ChunkResult* result) const {
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      const Value& value = source.values[column];
      const Value& target_value = target.values[column];
      if (pg_source_ ? SameMariaDbValue(value, target_value) : value == target_value) continue;
      VerifyDifference difference = Keyed(VerifyDifference::Kind::kDifferent, schema, source);
      difference.column = schema.columns[column].name;
      difference.source_value = ValueText(schema.columns[column].type, value);
      difference.target_value = ValueText(target_schema.columns[column].type, target_value);
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
  const int64_t page_;
  const bool pg_source_;  // a PostgreSQL source: target types of their own, no checksums
  // Only the verifier's thread uses the state below.
  std::unique_ptr<mysql::Connection> connection_;
  std::optional<ChecksumHash> hash_;  // chosen at the first checksum
  std::unordered_map<std::string, TableSchema> target_schemas_;  // PostgreSQL source, by target
  std::vector<TargetTablePlan> scanned_;  // PostgreSQL source tables keyed by text and the like
  // Scanned tables: the comparable key of every source row checked, by target table.
  std::unordered_map<std::string, std::unordered_set<std::string>> seen_;
  // Scanned tables: the source keys of the extra rows the last scan found, by target table.
  std::unordered_map<std::string, std::vector<Key>> extra_keys_;
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
