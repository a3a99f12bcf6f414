// PostgresChecker: a PostgreSQL target (loaded by `cutover copy`) compared row by row. Each
// source row is rendered by the sink's own postgres::PostgresText, exactly as the copy renders
// it for COPY, and compared with the text PostgreSQL returns for the target row of the same
// key, under the normalisation rules of verify/postgres_values.h (docs/verify.md).
//
// Where the target row of a source key is found depends on the key. PostgreSQL orders numbers,
// dates, times and bytes as MariaDB does (postgres::KeyOrderIsPortable), so a chunk's key
// range (lower, upper] selects the same rows on both servers: every target row in it is read,
// and one without a source row is extra. Text, ENUM and SET keys sort by a MariaDB collation
// PostgreSQL does not have, so a range would not mean the same rows; there each chunk's rows
// are fetched by their exact keys, the keys are remembered, and after every table one scan of
// the target table (in byte order, COLLATE "C") finds the rows no source key accounts for.
//
// From a PostgreSQL source the target column has the source's type (an enum: text of its
// labels), so each target text is read by the source's own parser (postgres::ParsePostgresText,
// both sessions under postgres::SessionSettings()) and compared with the source Value exactly;
// checksums are one statement computed alike on both servers (BuildPostgresPairChecksum).
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/parse_number.h"
#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "sink/postgres/copy_text.h"
#include "sink/postgres/ddl.h"
#include "source/postgres/types.h"
#include "verify/checker.h"
#include "verify/postgres_checksum_sql.h"
#include "verify/postgres_values.h"

namespace cutover::verify {
namespace {

using postgres::Params;
using postgres::QueryResult;
using postgres::SqlRow;

// The session settings that fix how PostgreSQL spells what it returns: timestamptz in UTC
// ("+00", as the sink writes TIMESTAMP values), ISO dates, intervals as "-838:59:59", bytea
// in hex (as the sink writes it), floats with enough digits to read back the same value.
constexpr const char* kSessionSql =
    "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
    "SET bytea_output = 'hex'; SET extra_float_digits = 3";

// One target table's columns as the comparison needs them.
struct TableShape {
  std::string table;                // "schema"."table"
  std::vector<PostgresRule> rules;  // per column
  std::string columns;              // every column, quoted, in schema order
  std::vector<std::string> keys;    // key column expressions: text ones COLLATE "C"
  bool portable = true;             // key order is MariaDB's: chunk ranges work
  bool checksums = false;           // chunks compared by checksums first (HasChecksums)
};

TableShape ShapeOf(const TargetTablePlan& plan) {
  TableShape shape;
  shape.table = postgres::QuoteQualified(plan.target.schema, plan.target.name);
  std::vector<std::string> columns;
  for (const Column& column : plan.schema.columns) {
    shape.rules.push_back(PostgresRuleFor(column.type));
    columns.push_back(postgres::QuoteIdentifier(column.name));
  }
  shape.columns = fmt::format("{}", fmt::join(columns, ", "));
  for (size_t column : plan.schema.key) {
    std::string key = postgres::QuoteIdentifier(plan.schema.columns[column].name);
    // Byte order, whatever the column's or the database's collation: the scan for extras
    // lists them in an order that does not depend on the server's settings.
    ValueKind kind = plan.schema.columns[column].type.value_kind();
    if (kind == ValueKind::kText || kind == ValueKind::kEnum || kind == ValueKind::kSet) {
      key += " COLLATE \"C\"";
    }
    shape.keys.push_back(std::move(key));
  }
  shape.portable = postgres::KeyOrderIsPortable(plan.schema);
  return shape;
}

// The source row as the copy writes it: each column's PostgreSQL input text, nullopt for NULL.
Result<SqlRow> Render(const TableSchema& schema, const Row& row) {
  SqlRow out;
  out.reserve(schema.columns.size());
  postgres::ValueAdjustments adjustments;  // zero dates are counted by the copy, not here
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    Result<std::optional<std::string>> text =
        postgres::PostgresText(schema.columns[column].type, row.values[column], &adjustments);
    if (!text.ok()) {
      return text.status().WithContext(
          fmt::format("{} column {}", schema.id.ToString(), schema.columns[column].name));
    }
    out.push_back(*std::move(text));
  }
  return out;
}

// A key's identity: its columns' normalised texts, each length-prefixed. `key_only`: `row`
// holds just the key columns (a scan), else every column.
std::string KeyId(const TableSchema& schema, const TableShape& shape, const SqlRow& row,
                  bool key_only) {
  std::string out;
  for (size_t key = 0; key < schema.key.size(); ++key) {
    size_t column = schema.key[key];
    const std::optional<std::string>& text = row[key_only ? key : column];
    if (!text) {
      out += "N;";
      continue;
    }
    std::string canonical = CanonicalPostgresText(shape.rules[column], *text);
    out += std::to_string(canonical.size()) + ":" + canonical;
  }
  return out;
}

// A PostgreSQL source column's value from the target's text: the source's own parser (the
// target column has the source's type, docs/type-mapping.md).
Result<Value> SourceValueOf(const Column& column, const std::optional<std::string>& text) {
  if (!text) return Value::Null();
  return postgres::ParsePostgresText(column.type, *text);
}

// A target row's key id. From a PostgreSQL source each key text is first read by the source's
// parser and rendered as the copy writes it, so that it matches the source row's KeyId whatever
// the spelling of the output function; text that does not parse is kept as it is (no source
// row has it: the row is extra).
std::string TargetKeyId(const TableSchema& schema, const TableShape& shape, const SqlRow& row,
                        bool key_only) {
  bool postgres_keys = std::all_of(schema.key.begin(), schema.key.end(), [&](size_t column) {
    return schema.columns[column].type.postgres;
  });
  if (!postgres_keys) return KeyId(schema, shape, row, key_only);
  SqlRow rendered = row;
  for (size_t key = 0; key < schema.key.size(); ++key) {
    const Column& column = schema.columns[schema.key[key]];
    std::optional<std::string>& text = rendered[key_only ? key : schema.key[key]];
    Result<Value> value = SourceValueOf(column, text);
    if (!value.ok()) continue;
    postgres::ValueAdjustments adjustments;
    Result<std::optional<std::string>> copied =
        postgres::PostgresText(column.type, *value, &adjustments);
    if (copied.ok()) text = *std::move(copied);
  }
  return KeyId(schema, shape, rendered, key_only);
}

// "id=7 line=2" from normalised key texts; bytea as 0x-hex, as KeyText shows binary keys.
std::string KeyDisplay(const TableSchema& schema, const TableShape& shape, const SqlRow& row,
                       bool key_only) {
  std::string out;
  for (size_t key = 0; key < schema.key.size(); ++key) {
    size_t column = schema.key[key];
    const std::optional<std::string>& text = row[key_only ? key : column];
    std::string value = text ? CanonicalPostgresText(shape.rules[column], *text) : "NULL";
    if (text && schema.columns[column].type.value_kind() == ValueKind::kBytes &&
        value.starts_with("\\x")) {
      value.replace(0, 2, "0x");
    }
    if (!out.empty()) out += ' ';
    out += schema.columns[column].name + "=" + value;
  }
  return out;
}

class PostgresChecker : public TargetChecker {
 public:
  PostgresChecker(const Spec& spec, std::unique_ptr<postgres::Connection> connection, int64_t page)
      : spec_(spec),
        page_(page),
        pg_source_(spec.source.kind == SourceKind::kPostgres),
        connection_(std::move(connection)) {}

  // Checksums need bit_xor (PostgreSQL 14) and md5 over UTF-8 bytes (the database's encoding),
  // a key whose ranges mean the same rows on both servers, and columns whose canonical text
  // PostgreSQL can reproduce (PostgresChecksumGap); other tables are compared row by row.
  Status Prepare(std::span<const TargetTablePlan> plans) override {
    if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult server,
        connection_->Query("SELECT current_setting('server_version_num')::int >= 140000 AND "
                           "current_setting('server_encoding') = 'UTF8'"));
    server_checksums_ = server.rows.size() == 1 && server.rows[0][0] == "t";
    for (const TargetTablePlan& plan : plans) {
      TableShape shape = ShapeOf(plan);
      if (!shape.portable) scanned_.push_back(plan);
      shape.checksums =
          server_checksums_ && shape.portable && (pg_source_ || !PostgresChecksumGap(plan.schema));
      shapes_.emplace(plan.target.ToString(), std::move(shape));
    }
    return Status::Ok();
  }

  bool HasChecksums(const TargetTablePlan& plan) override { return Shape(plan).checksums; }

  // The source's checksum runs on its own thread while PostgreSQL computes the target's. A
  // target query that fails for another reason than a lost connection (a table kept with
  // other column types than the copy's, where a function of the canonical text does not
  // exist) sends the table's chunks to the row compare, which decides.
  Result<std::optional<int64_t>> SameChecksum(const ChecksumSource& session,
                                              const TargetTablePlan& plan,
                                              const std::string& filter,
                                              const std::optional<Key>& lower,
                                              const std::optional<Key>& upper) override {
    if (session.postgres != nullptr) {
      return SamePairChecksum(*session.postgres, plan, filter, lower, upper);
    }
    if (session.mysql == nullptr) return Status::Internal("a checksum without a source session");
    mysql::Connection& source = *session.mysql;
    TableSchema target_schema = plan.schema;
    target_schema.id = plan.target;
    CUTOVER_ASSIGN_OR_RETURN(std::string source_sql,
                             BuildSourcePostgresChecksum(plan.schema, lower, upper, filter));
    Params params;
    CUTOVER_ASSIGN_OR_RETURN(std::string target_sql,
                             BuildTargetPostgresChecksum(target_schema, lower, upper, &params));
    Result<mysql::QueryResult> source_sum = Status::Internal("not computed");
    std::thread source_thread([&] { source_sum = source.Query(source_sql); });
    Result<QueryResult> target_sum = Query(target_sql, params, plan.target);
    source_thread.join();
    if (!source_sum.ok()) {
      return source_sum.status().WithContext("checksum of source table " + plan.source.ToString());
    }
    if (!target_sum.ok() && target_sum.status().code() != StatusCode::kUnavailable) {
      shapes_[plan.target.ToString()].checksums = false;
      return std::optional<int64_t>();
    }
    CUTOVER_RETURN_IF_ERROR(target_sum.status());
    if (source_sum->rows.size() != 1 || source_sum->rows[0].size() != 2 ||
        target_sum->rows.size() != 1 || target_sum->rows[0].size() != 2) {
      return Status::Internal("a checksum query returned no row");
    }
    const mysql::SqlRow& source_row = source_sum->rows[0];
    const SqlRow& target_row = target_sum->rows[0];
    if (source_row[0] != target_row[0] ||
        source_row[1].value_or("0") != TargetHashAsSource(target_row[1])) {
      return std::optional<int64_t>();
    }
    CUTOVER_ASSIGN_OR_RETURN(
        int64_t rows,
        ParseInteger<int64_t>(source_row[0].value_or("0"),
                              fmt::format("row count of {}", plan.source.ToString())));
    return std::optional<int64_t>(rows);
  }

  Status CheckChunk(const TargetTablePlan& plan, const std::optional<Key>& lower,
                    const std::optional<Key>& upper, std::span<const Row> rows,
                    ChunkResult* result) override {
    const TableShape& shape = Shape(plan);
    std::vector<SqlRow> source;
    source.reserve(rows.size());
    for (const Row& row : rows) {
      CUTOVER_ASSIGN_OR_RETURN(SqlRow rendered, Render(plan.schema, row));
      source.push_back(std::move(rendered));
    }
    std::vector<SqlRow> target;
    if (shape.portable) {
      CUTOVER_ASSIGN_OR_RETURN(target, ReadRange(plan, shape, lower, upper));
    } else {
      CUTOVER_ASSIGN_OR_RETURN(target, ReadKeys(plan, shape, rows));
      std::unordered_set<std::string>& seen = seen_[plan.target.ToString()];
      for (const SqlRow& row : source) seen.insert(KeyId(plan.schema, shape, row, false));
    }
    return Compare(plan, shape, rows, source, target, nullptr, result);
  }

  // A PostgreSQL source: the same checksum statement on both servers at once. A query that
  // fails for another reason than a lost session (a server before 14, a table kept with other
  // types on the target) sends the table to the row compare from then on.
  Result<std::optional<int64_t>> SamePairChecksum(postgres::Connection& source,
                                                  const TargetTablePlan& plan,
                                                  const std::string& filter,
                                                  const std::optional<Key>& lower,
                                                  const std::optional<Key>& upper) {
    TableSchema target_schema = plan.schema;
    target_schema.id = plan.target;
    Params source_params;
    CUTOVER_ASSIGN_OR_RETURN(
        std::string source_sql,
        BuildPostgresPairChecksum(plan.schema, lower, upper, filter, &source_params));
    Params target_params;
    CUTOVER_ASSIGN_OR_RETURN(
        std::string target_sql,
        BuildPostgresPairChecksum(target_schema, lower, upper, "", &target_params));
    Result<QueryResult> source_sum = Status::Internal("not computed");
    std::thread source_thread([&] { source_sum = source.Query(source_sql, source_params); });
    Result<QueryResult> target_sum = Query(target_sql, target_params, plan.target);
    source_thread.join();
    for (const Result<QueryResult>* sum : {&source_sum, &target_sum}) {
      if (sum->ok() || sum->status().code() == StatusCode::kUnavailable) continue;
      shapes_[plan.target.ToString()].checksums = false;
      return std::optional<int64_t>();
    }
    if (!source_sum.ok()) {
      return source_sum.status().WithContext("checksum of source table " + plan.source.ToString());
    }
    CUTOVER_RETURN_IF_ERROR(target_sum.status());
    if (source_sum->rows.size() != 1 || source_sum->rows[0].size() != 2 ||
        target_sum->rows.size() != 1 || target_sum->rows[0].size() != 2) {
      return Status::Internal("a checksum query returned no row");
    }
    if (source_sum->rows[0] != target_sum->rows[0]) return std::optional<int64_t>();
    CUTOVER_ASSIGN_OR_RETURN(
        int64_t rows,
        ParseInteger<int64_t>(source_sum->rows[0][0].value_or("0"),
                              fmt::format("row count of {}", plan.source.ToString())));
    return std::optional<int64_t>(rows);
  }

  // The target rows of `keys`, found by those exact keys whatever the key's type.
  Status CheckKeys(const TargetTablePlan& plan, std::span<const Key> keys,
                   std::span<const Row> rows, ChunkResult* result) override {
    const TableShape& shape = Shape(plan);
    std::vector<SqlRow> source;
    source.reserve(rows.size());
    for (const Row& row : rows) {
      CUTOVER_ASSIGN_OR_RETURN(SqlRow rendered, Render(plan.schema, row));
      source.push_back(std::move(rendered));
    }
    // Each key as a row holding only its key columns: what KeyListPredicate and KeyId read.
    std::vector<Row> key_rows;
    std::unordered_map<std::string, Key> requested;
    for (const Key& key : keys) {
      Row row;
      row.values.resize(plan.schema.columns.size());
      for (size_t at = 0; at < plan.schema.key.size(); ++at) {
        row.values[plan.schema.key[at]] = key.values[at];
      }
      CUTOVER_ASSIGN_OR_RETURN(SqlRow rendered, Render(plan.schema, row));
      requested.emplace(KeyId(plan.schema, shape, rendered, false), key);
      key_rows.push_back(std::move(row));
    }
    CUTOVER_ASSIGN_OR_RETURN(std::vector<SqlRow> target, ReadKeys(plan, shape, key_rows));
    return Compare(plan, shape, rows, source, target, &requested, result);
  }

  // A continued verify: the keys of the chunks an earlier run checked, for the scan.
  Status Remember(const TargetTablePlan& plan, std::span<const Row> rows) override {
    const TableShape& shape = Shape(plan);
    if (shape.portable) return Status::Ok();
    std::unordered_set<std::string>& seen = seen_[plan.target.ToString()];
    for (const Row& row : rows) {
      CUTOVER_ASSIGN_OR_RETURN(SqlRow rendered, Render(plan.schema, row));
      seen.insert(KeyId(plan.schema, shape, rendered, false));
    }
    return Status::Ok();
  }
  bool NeedsCheckedRows() const override { return !scanned_.empty(); }

  std::vector<Key> ExtraKeys(const TargetTablePlan& plan) const override {
    auto found = extra_keys_.find(plan.target.ToString());
    return found == extra_keys_.end() ? std::vector<Key>{} : found->second;
  }

  // Tables keyed by text: every target key, in byte order, looked up among the source's.
  Result<std::vector<VerifyTableReport>> FindExtras(int max_listed) override {
    std::vector<VerifyTableReport> reports;
    for (const TargetTablePlan& plan : scanned_) {
      Result<VerifyTableReport> report = Scan(plan, max_listed);
      if (report.status().code() == StatusCode::kUnavailable) {
        connection_.reset();  // a lost session: the scan once more from the start
        report = Scan(plan, max_listed);
      }
      if (!report.ok()) {
        connection_.reset();  // may be inside the scan's transaction
        return report.status().WithContext("scanning target table " + plan.target.ToString());
      }
      reports.push_back(*std::move(report));
    }
    return reports;
  }

 private:
  // One pass over the target table's keys in byte order, through a cursor: one sort (the
  // primary key's index has the column's collation, not "C") instead of one per page.
  Result<VerifyTableReport> Scan(const TargetTablePlan& plan, int max_listed) {
    const TableShape& shape = Shape(plan);
    const std::unordered_set<std::string>& seen = seen_[plan.target.ToString()];
    VerifyTableReport report;
    report.table = plan.target.ToString();
    report.target = plan.target.ToString();
    report.scan = true;
    if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
    std::string keys = fmt::format("{}", fmt::join(shape.keys, ", "));
    CUTOVER_RETURN_IF_ERROR(
        connection_
            ->Execute(fmt::format("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                                  "DECLARE cutover_scan NO SCROLL CURSOR FOR "
                                  "SELECT {} FROM {} ORDER BY {}",
                                  keys, shape.table, keys))
            .status());
    std::string fetch = fmt::format("FETCH FORWARD {} FROM cutover_scan", page_);
    std::vector<Key> extras;
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(QueryResult page, connection_->Query(fetch));
      for (const SqlRow& row : page.rows) {
        if (seen.contains(TargetKeyId(plan.schema, shape, row, true))) continue;
        ++report.extra;
        Result<Key> key = TargetKey(plan.schema, row);
        if (key.ok()) extras.push_back(*std::move(key));  // else no source row can have it
        if (static_cast<int>(report.listed.size()) >= max_listed) continue;
        VerifyDifference difference;
        difference.kind = VerifyDifference::Kind::kExtra;
        difference.key = KeyDisplay(plan.schema, shape, row, true);
        report.listed.push_back(std::move(difference));
      }
      report.rows += static_cast<int64_t>(page.rows.size());
      if (static_cast<int64_t>(page.rows.size()) < page_) break;
    }
    CUTOVER_RETURN_IF_ERROR(connection_->Execute("COMMIT").status());
    extra_keys_[plan.target.ToString()] = std::move(extras);
    report.done = true;
    return report;
  }

  const TableShape& Shape(const TargetTablePlan& plan) {
    auto found = shapes_.find(plan.target.ToString());
    if (found == shapes_.end()) {
      found = shapes_.emplace(plan.target.ToString(), ShapeOf(plan)).first;
    }
    return found->second;
  }

  // Source rows (`rows`, rendered as `source`) matched with target rows by key: a source row
  // without a target row is missing, a target row without a source row extra (in the order
  // read: key order for a range), a pair differing in a value different. An extra row's source
  // key is the `requested` key it was read for, or else read back from its text.
  static Status Compare(const TargetTablePlan& plan, const TableShape& shape,
                        std::span<const Row> rows, const std::vector<SqlRow>& source,
                        const std::vector<SqlRow>& target,
                        const std::unordered_map<std::string, Key>* requested,
                        ChunkResult* result) {
    const TableSchema& schema = plan.schema;
    std::unordered_map<std::string, const SqlRow*> by_key;
    by_key.reserve(target.size());
    for (const SqlRow& row : target) by_key.emplace(TargetKeyId(schema, shape, row, false), &row);
    for (size_t at = 0; at < source.size(); ++at) {
      auto found = by_key.find(KeyId(schema, shape, source[at], false));
      if (found == by_key.end()) {
        result->Add(Keyed(VerifyDifference::Kind::kMissing, schema, shape, source[at]),
                    KeyOf(schema, rows[at]));
        continue;
      }
      CompareRow(schema, shape, rows[at], source[at], *found->second, result);
      by_key.erase(found);
    }
    for (const SqlRow& row : target) {
      std::string id = TargetKeyId(schema, shape, row, false);
      if (!by_key.contains(id)) continue;
      Key key;
      if (requested != nullptr && requested->contains(id)) {
        key = requested->at(id);
      } else {
        SqlRow texts;
        for (size_t column : schema.key) texts.push_back(row[column]);
        Result<Key> parsed = TargetKey(schema, texts);
        if (!parsed.ok()) {
          return parsed.status().WithContext("reading target table " + plan.target.ToString());
        }
        key = *std::move(parsed);
      }
      result->Add(Keyed(VerifyDifference::Kind::kExtra, schema, shape, row), std::move(key));
    }
    result->rows += static_cast<int64_t>(rows.size());
    return Status::Ok();
  }

  static VerifyDifference Keyed(VerifyDifference::Kind kind, const TableSchema& schema,
                                const TableShape& shape, const SqlRow& row) {
    VerifyDifference difference;
    difference.kind = kind;
    difference.key = KeyDisplay(schema, shape, row, false);
    return difference;
  }

  // The source key of a target row's key texts: a PostgreSQL source's parser, or read back
  // into a MariaDB/MySQL source's types (KeyFromPostgresText).
  static Result<Key> TargetKey(const TableSchema& schema, const SqlRow& texts) {
    if (schema.key.empty() || !schema.columns[schema.key[0]].type.postgres) {
      return KeyFromPostgresText(schema, texts);
    }
    Key key;
    for (size_t part = 0; part < schema.key.size(); ++part) {
      CUTOVER_ASSIGN_OR_RETURN(Value value,
                               SourceValueOf(schema.columns[schema.key[part]], texts[part]));
      key.values.push_back(std::move(value));
    }
    return key;
  }

  // Whether the target's text holds the source value: a PostgreSQL source's column exactly, as
  // the source's parser reads the text; a MariaDB/MySQL source's under the column's rule.
  static bool SameValue(const Column& column, PostgresRule rule, const Value& value,
                        const std::optional<std::string>& source,
                        const std::optional<std::string>& target) {
    if (!column.type.postgres) return SamePostgresValue(rule, source, target);
    Result<Value> read = SourceValueOf(column, target);
    return read.ok() && *read == value;
  }

  // Column by column under each column's rule; the first difference is reported with the
  // copy's rendering of the source value and the text PostgreSQL returned.
  static void CompareRow(const TableSchema& schema, const TableShape& shape, const Row& row,
                         const SqlRow& source, const SqlRow& target, ChunkResult* result) {
    for (size_t column = 0; column < schema.columns.size(); ++column) {
      if (SameValue(schema.columns[column], shape.rules[column], row.values[column], source[column],
                    target[column])) {
        continue;
      }
      VerifyDifference difference =
          Keyed(VerifyDifference::Kind::kDifferent, schema, shape, source);
      difference.column = schema.columns[column].name;
      difference.source_value = source[column].value_or("NULL");
      difference.target_value = target[column].value_or("NULL");
      result->Add(std::move(difference), KeyOf(schema, row));
      return;
    }
  }

  // "(k1, k2) > ($n, $n+1)": the keys after `key_values` (the key columns' texts of the last
  // row read, in key order), for the next page of a range.
  static std::string After(const TableShape& shape, const SqlRow& key_values, Params* params) {
    std::vector<std::string> placeholders;
    for (const std::optional<std::string>& value : key_values) {
      params->push_back(value);
      placeholders.push_back(fmt::format("${}", params->size()));
    }
    return fmt::format("({}) > ({})", fmt::join(shape.keys, ", "), fmt::join(placeholders, ", "));
  }

  // Every target row with lower < key <= upper, in pages of page_ rows in key order (the range
  // may hold any number of extra rows). The bounds are the source keys rendered by the sink's
  // postgres::KeyRangePredicate, as the copy's own rewrite of a chunk selects its range.
  Result<std::vector<SqlRow>> ReadRange(const TargetTablePlan& plan, const TableShape& shape,
                                        const std::optional<Key>& lower,
                                        const std::optional<Key>& upper) {
    std::vector<SqlRow> rows;
    std::optional<SqlRow> after;  // the key columns of the previous page's last row
    while (true) {
      Params params;
      CUTOVER_ASSIGN_OR_RETURN(
          std::string where,
          postgres::KeyRangePredicate(plan.schema, ChunkBounds{lower, upper}, &params));
      if (after) where += " AND " + After(shape, *after, &params);
      CUTOVER_ASSIGN_OR_RETURN(
          QueryResult page,
          Query(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {}", shape.columns,
                            shape.table, where, fmt::join(shape.keys, ", "), page_),
                params, plan.target));
      size_t count = page.rows.size();
      for (SqlRow& row : page.rows) rows.push_back(std::move(row));
      if (static_cast<int64_t>(count) < page_) return rows;
      after.emplace();
      for (size_t column : plan.schema.key) after->push_back(rows.back()[column]);
    }
  }

  // The target rows with exactly the keys of `rows` (equality on the PostgreSQL types: text
  // byte for byte under PostgreSQL's deterministic collations).
  Result<std::vector<SqlRow>> ReadKeys(const TargetTablePlan& plan, const TableShape& shape,
                                       std::span<const Row> rows) {
    if (rows.empty()) return std::vector<SqlRow>{};
    Params params;
    CUTOVER_ASSIGN_OR_RETURN(std::string where,
                             postgres::KeyListPredicate(plan.schema, rows, &params));
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult result,
        Query(fmt::format("SELECT {} FROM {} WHERE {}", shape.columns, shape.table, where), params,
              plan.target));
    return std::move(result.rows);
  }

  // One query; a lost connection is opened again once.
  Result<QueryResult> Query(const std::string& sql, const Params& params, const TableId& table) {
    auto query = [&]() -> Result<QueryResult> {
      if (connection_ == nullptr) CUTOVER_RETURN_IF_ERROR(Connect());
      return connection_->Query(sql, params);
    };
    Result<QueryResult> result = query();
    if (result.status().code() == StatusCode::kUnavailable) {
      connection_.reset();
      result = query();
    }
    if (!result.ok()) {
      return result.status().WithContext("reading target table " + table.ToString());
    }
    return result;
  }

  Status Connect() {
    CUTOVER_ASSIGN_OR_RETURN(connection_, OpenPostgresSession(spec_));
    return Status::Ok();
  }

  // Constant after construction
  const Spec& spec_;
  const int64_t page_;
  const bool pg_source_;  // a PostgreSQL source: columns of its types, the pair checksum
  // Only the verifier's thread uses the state below.
  std::unique_ptr<postgres::Connection> connection_;
  std::unordered_map<std::string, TableShape> shapes_;  // by target "schema.table"
  std::vector<TargetTablePlan> scanned_;                // tables keyed by text: scanned at the end
  // Scanned tables: the normalised key of every source row checked (KeyId), by target table.
  std::unordered_map<std::string, std::unordered_set<std::string>> seen_;
  // Scanned tables: the source keys of the extra rows the last scan found, by target table.
  std::unordered_map<std::string, std::vector<Key>> extra_keys_;
  bool server_checksums_ = false;  // the target server can compute checksums (Prepare)
};

}  // namespace

// From a PostgreSQL source, the target session spells values as the source's sessions do
// (postgres::SessionSettings()): the source's parser reads the target's text, and the pair
// checksum renders rows alike on both.
Result<std::unique_ptr<postgres::Connection>> OpenPostgresSession(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> connection,
                           postgres::Connection::Open(spec.target.connection));
  if (spec.source.kind == SourceKind::kPostgres) {
    for (const std::string& statement : postgres::SessionSettings()) {
      CUTOVER_RETURN_IF_ERROR(connection->Execute(statement).status());
    }
    return connection;
  }
  CUTOVER_RETURN_IF_ERROR(connection->Execute(kSessionSql).status());
  return connection;
}

Result<std::unique_ptr<postgres::Connection>> OpenPostgresSourceSession(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> connection,
                           postgres::Connection::Open(spec.source.connection));
  for (const std::string& statement : postgres::SessionSettings()) {
    CUTOVER_RETURN_IF_ERROR(connection->Execute(statement).status());
  }
  return connection;
}

Result<std::unique_ptr<TargetChecker>> OpenPostgresChecker(const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> connection,
                           OpenPostgresSession(spec));
  int64_t page = std::max<int64_t>(spec.parallelism.chunk_rows, 1000);
  return std::unique_ptr<TargetChecker>(
      std::make_unique<PostgresChecker>(spec, std::move(connection), page));
}

}  // namespace cutover::verify
