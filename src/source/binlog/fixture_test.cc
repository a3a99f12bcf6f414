// Decodes the MariaDB binlog fixtures (tests/fixtures/binlog, made by generate.py on a real
// MariaDB 10.11) and compares every decoded row image with the server's own SELECT output.
#include <cstdlib>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "source/binlog/decoder.h"
#include "source/binlog/test_support.h"

namespace cutover::binlog {
namespace {

using testing::ReadFixture;
using testing::RecordingSink;

struct ExpectedColumn {
  std::string name;
  std::string mode;  // text, utf8:<charset>, hex, uint, double, int
};

struct ExpectedRow {
  const std::vector<ExpectedColumn>* columns;
  std::vector<std::string> values;  // batch-escaped text or "NULL"
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

// Undoes the mariadb client's --batch escaping.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t idx = 0; idx < s.size(); ++idx) {
    if (s[idx] != '\\' || idx + 1 == s.size()) {
      out.push_back(s[idx]);
      continue;
    }
    char next = s[++idx];
    out.push_back(next == '0' ? '\0' : next == 't' ? '\t' : next == 'n' ? '\n' : next);
  }
  return out;
}

std::string UpperHex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

// The server's text and the decoded value agree under the column's comparison mode.
bool Matches(const ExpectedColumn& column, const std::string& expected, const Value& value) {
  if (expected == "NULL") return value.is_null();
  if (value.is_null()) return false;
  const std::string& mode = column.mode;
  if (mode == "text") return value.ToText() == Unescape(expected);
  if (mode.rfind("utf8:", 0) == 0) {
    return ToUtf8(value.ToText(), CharsetFromName(mode.substr(5))) == Unescape(expected);
  }
  if (mode == "hex") return UpperHex(value.ToText()) == expected;
  if (mode == "uint")
    return value.kind() == ValueKind::kBit && std::to_string(value.as_bit().bits) == expected;
  if (mode == "int")
    return value.kind() == ValueKind::kInt &&
           value.as_int() == std::strtoll(expected.c_str(), nullptr, 10);
  if (mode == "double") {
    double want = std::strtod(expected.c_str(), nullptr);
    if (value.kind() == ValueKind::kFloat) return static_cast<double>(value.as_float()) == want;
    return value.kind() == ValueKind::kDouble && value.as_double() == want;
  }
  return false;
}

class MariaDbFixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    expected_ = new std::map<std::string, std::vector<ExpectedRow>>();
    headers_ = new std::vector<std::unique_ptr<std::vector<ExpectedColumn>>>();
    std::map<std::string, const std::vector<ExpectedColumn>*> current;
    std::istringstream in(ReadFixture("expected.tsv"));
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> fields = SplitTabs(line);
      if (fields[0] == "columns") {
        auto header = std::make_unique<std::vector<ExpectedColumn>>();
        for (size_t idx = 2; idx < fields.size(); ++idx) {
          size_t eq = fields[idx].find('=');
          header->push_back({fields[idx].substr(0, eq), fields[idx].substr(eq + 1)});
        }
        current[fields[1]] = header.get();
        headers_->push_back(std::move(header));
        continue;
      }
      ExpectedRow row{current[fields[1]], {fields.begin() + 2, fields.end()}};
      (*expected_)[fields[1]].push_back(std::move(row));
    }
    sink_ = new RecordingSink();
    BinlogDecoder decoder(DecoderOptions{});
    status_ =
        new Status(decoder.DecodeFile(ReadFixture("mariadb-types.binlog"), "binlog.000001", sink_));
  }
  static void TearDownTestSuite() {
    delete expected_;
    delete headers_;
    delete sink_;
    delete status_;
  }

  // An expected row of `table` equal to `row`, value by value, or a description of the closest.
  static std::string FindRow(const std::string& table, const Row& row) {
    std::string closest;
    for (const ExpectedRow& candidate : (*expected_)[table]) {
      if (candidate.values.size() != row.values.size()) continue;
      std::string mismatch;
      for (size_t idx = 0; idx < row.values.size(); ++idx) {
        if (!Matches((*candidate.columns)[idx], candidate.values[idx], row.values[idx])) {
          mismatch += " " + (*candidate.columns)[idx].name + ": server '" +
                      candidate.values[idx].substr(0, 80) + "' decoded '" +
                      row.values[idx].ToDisplay().substr(0, 80) + "'";
        }
      }
      if (mismatch.empty()) return "";
      if (candidate.values[0] == row.values[0].ToText() || closest.empty()) closest = mismatch;
    }
    return closest.empty() ? "no expected row" : closest;
  }

  static std::map<std::string, std::vector<ExpectedRow>>* expected_;
  static std::vector<std::unique_ptr<std::vector<ExpectedColumn>>>* headers_;
  static RecordingSink* sink_;
  static Status* status_;
};

std::map<std::string, std::vector<ExpectedRow>>* MariaDbFixtureTest::expected_ = nullptr;
std::vector<std::unique_ptr<std::vector<ExpectedColumn>>>* MariaDbFixtureTest::headers_ = nullptr;
RecordingSink* MariaDbFixtureTest::sink_ = nullptr;
Status* MariaDbFixtureTest::status_ = nullptr;

TEST_F(MariaDbFixtureTest, DecodesTheWholeFile) {
  ASSERT_TRUE(status_->ok()) << status_->ToString();
}

TEST_F(MariaDbFixtureTest, EveryRowImageEqualsWhatTheServerSelected) {
  size_t images = 0;
  for (const Change& change : sink_->changes) {
    if (change.op == ChangeOp::kSchema) continue;
    for (const auto* image : {&change.before, &change.after}) {
      if (!image->has_value()) continue;
      ++images;
      EXPECT_EQ(FindRow(change.table.name, **image), "")
          << ChangeOpName(change.op) << " " << change.table.ToString() << " row "
          << (*image)->values[0].ToDisplay();
    }
  }
  EXPECT_EQ(images, 87u);  // 45 inserts + 10 deletes + 2 x 16 updates
}

TEST_F(MariaDbFixtureTest, CountsChangesPerTableAndOperation) {
  std::map<std::string, int> counts;
  std::map<std::string, int> statements;  // kDdl: each table's CREATE TABLE, t_int's ALTER
  for (const Change& change : sink_->changes) {
    if (change.op == ChangeOp::kDdl) {
      ++statements[change.table.name];
      continue;
    }
    ++counts[change.table.name + " " + std::string(ChangeOpName(change.op))];
  }
  std::map<std::string, int> want_statements = {
      {"t_int", 2}, {"t_num", 1},  {"t_time", 1}, {"t_oldtime", 1}, {"t_str", 1}, {"t_blob", 1},
      {"t_enum", 1}, {"t_mix", 1}, {"t_nopk", 1}, {"t_cpk", 1},     {"t_ppk", 1},
  };
  EXPECT_EQ(statements, want_statements);
  std::map<std::string, int> want = {
      {"t_int insert", 6},     {"t_int update", 3},     {"t_int delete", 1},
      {"t_int schema", 1},     {"t_num insert", 5},     {"t_num update", 2},
      {"t_num delete", 1},     {"t_time insert", 6},    {"t_time update", 2},
      {"t_time delete", 1},    {"t_oldtime insert", 5}, {"t_oldtime update", 1},
      {"t_oldtime delete", 1}, {"t_str insert", 5},     {"t_str update", 2},
      {"t_str delete", 1},     {"t_blob insert", 4},    {"t_blob update", 1},
      {"t_blob delete", 1},    {"t_enum insert", 4},    {"t_enum update", 2},
      {"t_enum delete", 1},    {"t_mix insert", 2},     {"t_nopk insert", 3},
      {"t_nopk update", 1},    {"t_nopk delete", 2},    {"t_cpk insert", 3},
      {"t_cpk update", 1},     {"t_cpk delete", 1},     {"t_ppk insert", 2},
      {"t_ppk update", 1},
  };
  EXPECT_EQ(counts, want);
}

TEST_F(MariaDbFixtureTest, UpdateCarriesBeforeAndAfterImages) {
  for (const Change& change : sink_->changes) {
    if (change.table.name != "t_cpk" || change.op != ChangeOp::kUpdate) continue;
    ASSERT_TRUE(change.before && change.after);
    EXPECT_EQ(change.before->values[1].ToText(), "k1");
    EXPECT_EQ(change.after->values[1].ToText(), "k3");
    EXPECT_EQ(KeyOf(*change.schema, *change.before).values[0].ToText(), "k1");
    EXPECT_EQ(change.KeyAfter().values[0].ToText(), "k3");
    return;
  }
  FAIL() << "no t_cpk update";
}

TEST_F(MariaDbFixtureTest, BuildsTableSchemasFromFullMetadata) {
  std::map<std::string, std::shared_ptr<const TableSchema>> schemas;
  for (const Change& change : sink_->changes) schemas[change.table.name] = change.schema;
  const TableSchema& str = *schemas["t_str"];
  EXPECT_EQ(str.id.ToString(), "fx.t_str");
  ASSERT_EQ(str.columns.size(), 15u);
  EXPECT_EQ(str.columns[1].name, "c10");
  EXPECT_EQ(str.columns[1].type.type, SqlType::kChar);
  EXPECT_EQ(str.columns[1].type.length, 10u);
  EXPECT_EQ(str.columns[1].type.collation, "utf8mb4_general_ci");
  EXPECT_EQ(str.columns[2].type.source_name, "char(255)");
  EXPECT_EQ(str.columns[4].type.source_name, "varchar(300)");
  EXPECT_EQ(str.columns[5].type.charset, Charset::kLatin1);
  EXPECT_EQ(str.columns[7].type.collation, "utf8mb4_bin");
  EXPECT_EQ(str.columns[9].type.charset, Charset::kUcs2);
  EXPECT_EQ(str.columns[10].type.charset, Charset::kUtf16);
  EXPECT_EQ(str.columns[11].type.charset, Charset::kUtf32);
  EXPECT_EQ(str.columns[12].type.source_name, "binary(4)");
  EXPECT_EQ(str.columns[14].type.source_name, "varbinary(300)");
  EXPECT_TRUE(str.columns[14].type.is_binary_string());
  EXPECT_EQ(str.key, std::vector<size_t>{0});
  EXPECT_FALSE(str.columns[0].nullable);
  EXPECT_TRUE(str.columns[1].nullable);

  const TableSchema& num = *schemas["t_num"];
  EXPECT_EQ(num.columns[1].type.source_name, "decimal(65,30)");
  EXPECT_EQ(num.columns[11].type.source_name, "bit(64)");
  EXPECT_EQ(num.columns[12].type.type, SqlType::kYear);

  const TableSchema& blob = *schemas["t_blob"];
  EXPECT_EQ(blob.columns[1].type.type, SqlType::kTinyBlob);
  EXPECT_EQ(blob.columns[3].type.type, SqlType::kMediumBlob);
  EXPECT_EQ(blob.columns[8].type.type, SqlType::kLongText);
  EXPECT_EQ(blob.columns[10].type.type, SqlType::kGeometry);

  const TableSchema& enums = *schemas["t_enum"];
  EXPECT_EQ(enums.columns[1].type.source_name, "enum('a','b','c')");
  EXPECT_EQ(enums.columns[2].type.elements.size(), 300u);
  EXPECT_EQ(enums.columns[5].type.elements.size(), 64u);
  EXPECT_EQ(enums.columns[6].type.charset, Charset::kLatin1);

  EXPECT_EQ(schemas["t_time"]->columns[5].type.source_name, "time(6)");
  EXPECT_EQ(schemas["t_int"]->columns[2].type.source_name, "varchar(5)");  // after the ALTER
  EXPECT_EQ(schemas["t_mix"]->columns[3].type.source_name, "int unsigned");
  EXPECT_EQ(schemas["t_cpk"]->key, (std::vector<size_t>{1, 0}));
  EXPECT_EQ(schemas["t_cpk"]->key_index, "PRIMARY");
  EXPECT_EQ(schemas["t_ppk"]->key, std::vector<size_t>{0});
  EXPECT_FALSE(schemas["t_nopk"]->has_key());
}

TEST_F(MariaDbFixtureTest, ReportsDdlAndTheSchemaChange) {
  bool saw_alter = false;
  for (const std::string& query : sink_->statements) {
    saw_alter |= query.rfind("ALTER TABLE t_int ADD COLUMN extra", 0) == 0;
  }
  EXPECT_TRUE(saw_alter);
  for (const Change& change : sink_->changes) {
    if (change.op != ChangeOp::kSchema) continue;
    EXPECT_EQ(change.table.ToString(), "fx.t_int");
    EXPECT_EQ(change.schema->columns.size(), 12u);
    EXPECT_EQ(change.schema->columns[2].name, "extra");
  }
}

TEST_F(MariaDbFixtureTest, TransactionsHaveGtidsAndGrowingPositions) {
  ASSERT_EQ(sink_->begins.size(), sink_->commits.size());
  uint64_t last_seqno = 0;
  for (size_t idx = 0; idx < sink_->commits.size(); ++idx) {
    const TransactionCommit& commit = sink_->commits[idx];
    ASSERT_TRUE(commit.gtid.has_value());
    EXPECT_EQ(commit.gtid->domain, 0u);
    EXPECT_EQ(commit.gtid->server, 1u);
    EXPECT_EQ(commit.gtid->seqno, last_seqno + 1);
    last_seqno = commit.gtid->seqno;
    EXPECT_EQ(commit.position.gtid().ToString(), commit.gtid->ToString());
    if (idx > 0) {
      EXPECT_EQ(commit.position.Compare(sink_->commits[idx - 1].position), PositionOrder::kGreater);
      EXPECT_EQ(sink_->begins[idx].resume_position.gtid(), sink_->commits[idx - 1].position.gtid());
    }
  }
  EXPECT_GT(last_seqno, 30u);
}

TEST_F(MariaDbFixtureTest, ChangesCarryTheirTransactionGtidAndEventEnd) {
  // The multi-statement transaction: insert t_int 5, update t_str 4, delete t_cpk (1, k2).
  std::vector<const Change*> txn;
  for (const Change& change : sink_->changes) {
    if (change.table.name == "t_int" && change.op == ChangeOp::kInsert &&
        change.after->values[0].ToText() == "5") {
      txn.push_back(&change);
    } else if (!txn.empty() && txn.size() < 3) {
      txn.push_back(&change);
    }
  }
  ASSERT_EQ(txn.size(), 3u);
  EXPECT_EQ(txn[1]->table.name, "t_str");
  EXPECT_EQ(txn[2]->table.name, "t_cpk");
  EXPECT_EQ(txn[0]->position.gtid(), txn[2]->position.gtid());
  EXPECT_EQ(txn[0]->position.file().file(), "binlog.000001");
  EXPECT_LT(txn[0]->position.file().offset(), txn[2]->position.file().offset());
}

TEST_F(MariaDbFixtureTest, EndsWithTheRotateToTheNextFile) {
  EXPECT_EQ(sink_->log.back(), "rotate binlog.000002:4");
}

TEST(MariaDbNoChecksumFixture, DecodesEventsWithoutChecksums) {
  RecordingSink sink;
  BinlogDecoder decoder(DecoderOptions{});
  ASSERT_TRUE(
      decoder.DecodeFile(ReadFixture("mariadb-nochecksum.binlog"), "binlog.000003", &sink).ok());
  EXPECT_EQ(decoder.format().checksum, ChecksumAlgorithm::kOff);
  ASSERT_EQ(sink.changes.size(), 1u);
  EXPECT_EQ(sink.changes[0].after->values[0].ToText(), "20");
  EXPECT_EQ(sink.changes[0].after->values[1].ToText(), "20");
  EXPECT_EQ(sink.commits.size(), 1u);
}

TEST(MariaDbFixtureFilter, UnselectedTablesAreSkippedWithoutDecoding) {
  RecordingSink sink;
  DecoderOptions options;
  options.table_filter = [](const TableId& id) { return id.name == "t_cpk"; };
  BinlogDecoder decoder(std::move(options));
  ASSERT_TRUE(decoder.DecodeFile(ReadFixture("mariadb-types.binlog"), "binlog.000001", &sink).ok());
  std::set<std::string> tables;
  for (const Change& change : sink.changes) tables.insert(change.table.name);
  EXPECT_EQ(tables, std::set<std::string>{"t_cpk"});
  EXPECT_EQ(sink.changes.size(), 6u);  // its CREATE TABLE (kDdl) and 5 row changes
  EXPECT_EQ(sink.changes.front().op, ChangeOp::kDdl);
  EXPECT_GT(decoder.stats().skipped_rows_events, 20u);
}

}  // namespace
}  // namespace cutover::binlog
