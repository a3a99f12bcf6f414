// Integration test of `cutover tail` on every column type: a type-matrix table with edge values
// is inserted, updated and deleted on the real MariaDB source; every JSON line's values must
// equal what SELECT returns for the same rows under the rendering contract of docs/tail.md.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cutover/position.h"

#include "db/mysql/connection.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover {
namespace {

constexpr char kPasswordEnv[] = "CUTOVER_TAIL_TEST_PW";

// How a column's SELECT text is brought to the contract and compared.
enum class Compare { kExact, kBinary, kBit, kFloat, kDouble };

struct ColumnDef {
  const char* name;
  const char* ddl;
  Compare compare = Compare::kExact;
};

const std::vector<ColumnDef>& Columns() {
  static const std::vector<ColumnDef> columns = {
      {"id", "INT NOT NULL PRIMARY KEY"},
      {"ti", "TINYINT"},
      {"tiu", "TINYINT UNSIGNED"},
      {"si", "SMALLINT"},
      {"siu", "SMALLINT UNSIGNED"},
      {"mi", "MEDIUMINT"},
      {"miu", "MEDIUMINT UNSIGNED"},
      {"i", "INT"},
      {"iu", "INT UNSIGNED"},
      {"bi", "BIGINT"},
      {"biu", "BIGINT UNSIGNED"},
      {"d65", "DECIMAL(65,30)"},
      {"d52", "DECIMAL(5,2)"},
      {"f", "FLOAT", Compare::kFloat},
      {"db", "DOUBLE", Compare::kDouble},
      {"b1", "BIT(1)", Compare::kBit},
      {"b13", "BIT(13)", Compare::kBit},
      {"b64", "BIT(64)", Compare::kBit},
      {"y", "YEAR"},
      {"dt", "DATE"},
      {"t0", "TIME"},
      {"t3", "TIME(3)"},
      {"t6", "TIME(6)"},
      {"dt0", "DATETIME"},
      {"dt6", "DATETIME(6)"},
      {"ts0", "TIMESTAMP NULL DEFAULT NULL"},
      {"ts6", "TIMESTAMP(6) NULL DEFAULT NULL"},
      {"cu", "CHAR(10) CHARACTER SET utf8mb4"},
      {"vu", "VARCHAR(300) CHARACTER SET utf8mb4"},
      {"cl", "CHAR(10) CHARACTER SET latin1"},
      {"vl", "VARCHAR(20) CHARACTER SET latin1"},
      {"vub", "VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"},
      {"cb", "CHAR(5) CHARACTER SET binary", Compare::kBinary},
      {"vbc", "VARCHAR(20) CHARACTER SET binary", Compare::kBinary},
      {"bn", "BINARY(4)", Compare::kBinary},
      {"vb", "VARBINARY(20)", Compare::kBinary},
      {"tb", "TINYBLOB", Compare::kBinary},
      {"bl", "BLOB", Compare::kBinary},
      {"mb", "MEDIUMBLOB", Compare::kBinary},
      {"lb", "LONGBLOB", Compare::kBinary},
      {"tt", "TINYTEXT"},
      {"tx", "TEXT"},
      {"mt", "MEDIUMTEXT"},
      {"lt", "LONGTEXT"},
      {"e", "ENUM('a','b','\xc3\xa7','\xf0\x9f\x98\x80')"},
      {"s", "SET('x','y','z','\xc3\xa9')"},
      {"el", "ENUM('a','\xc3\xa9') CHARACTER SET latin1"},
      {"j", "JSON"},
      {"g", "GEOMETRY", Compare::kBinary},
  };
  return columns;
}

// One INSERT per row, in id order: minimums, maximums, NULLs, zero dates, negative TIME with
// fractions, a LONGBLOB and a LONGTEXT over 16 MiB.
std::vector<std::string> RowInserts(const std::string& table) {
  const std::string head = "INSERT INTO " + table + " ";
  return {
      head +
          "(id,ti,tiu,si,siu,mi,miu,i,iu,bi,biu,d65,d52,f,db,b1,b13,b64,y,dt,t0,t3,t6,dt0,dt6,"
          "ts0,ts6,cu,vu,cl,vl,vub,cb,vbc,bn,vb,tb,bl,mb,lb,tt,tx,mt,lt,e,s,el,j,g) VALUES "
          "(1,-128,0,-32768,0,-8388608,0,-2147483648,0,-9223372036854775808,0,"
          "'-99999999999999999999999999999999999.999999999999999999999999999999',-999.99,"
          "-3.40282e38,-1.7976931348623157e308,b'0',b'0',0,1901,'1000-01-01','-838:59:59',"
          "'-838:59:59.000','-838:59:59.000000','1000-01-01 00:00:00',"
          "'1000-01-01 00:00:00.000000','1970-01-01 00:00:01','1970-01-01 00:00:01.000000',"
          "'','','','','','','','','','','','','','','','','','a','','a','{}',"
          "ST_GeomFromText('POINT(0 0)'))",
      head +
          "(id,ti,tiu,si,siu,mi,miu,i,iu,bi,biu,d65,d52,f,db,b1,b13,b64,y,dt,t0,t3,t6,dt0,dt6,"
          "ts0,ts6,cu,vu,cl,vl,vub,cb,vbc,bn,vb,tb,bl,mb,tt,tx,mt,e,s,el,j,g) VALUES "
          "(2,127,255,32767,65535,8388607,16777215,2147483647,4294967295,9223372036854775807,"
          "18446744073709551615,"
          "'99999999999999999999999999999999999.999999999999999999999999999999',999.99,"
          "3.40282e38,1.7976931348623157e308,b'1',b'1111111111111',18446744073709551615,2155,"
          "'9999-12-31','838:59:59','838:59:59.000','838:59:59.000000','9999-12-31 23:59:59',"
          "'9999-12-31 23:59:59.999999','2038-01-19 03:14:07','2038-01-19 03:14:07.999999',"
          "'\xf0\x9f\x98\x80\xc3\xa7\xe2\x82\xac ab',REPEAT('\xf0\x9f\x98\x80',300),"
          "'\xc3\xa7\xc3\xa9\xe2\x82\xac','\xc5\xb8\xc3\xbf','Bin\xf0\x9f\x98\x80',"
          "X'6100620000',X'00FF00',X'00',X'00010203FF',X'00',REPEAT(X'00FF',1000),"
          "REPEAT(X'00AB7F',23000),'emoji \xf0\x9f\x98\x80 nul \\0 end',"
          "REPEAT('text\\0',2000),REPEAT('\xc3\xa9',40000),'\xf0\x9f\x98\x80','x,y,z,\xc3\xa9',"
          "'\xc3\xa9','{\"a\": [1, 2.5, \"\xf0\x9f\x98\x80\"], \"b\": null}',"
          "ST_GeomFromText('LINESTRING(0 0,1 1,2.5 -3)'))",
      head + "(id) VALUES (3)",
      head +
          "(id,y,dt,dt0,dt6,ts0,ts6,t0,t3,t6) VALUES (4,0,'0000-00-00','0000-00-00 00:00:00',"
          "'0000-00-00 00:00:00.000000','0000-00-00 00:00:00','0000-00-00 00:00:00.000000',"
          "'00:00:00','00:00:00.000','00:00:00.000000')",
      head +
          "(id,t0,t3,t6,dt,dt6,d65,d52,f,db,b64,e,s) VALUES (5,'-00:00:01','-01:02:03.456',"
          "'-00:00:00.000001','2024-00-10','2024-02-29 12:34:56.000001',"
          "'-0.000000000000000000000000000001',0.01,1.1,0.1,9223372036854775808,'zzz','y,x')",
      head + "(id,lb) VALUES (6,REPEAT(X'00AB',8389000))",
      head + "(id,lt) VALUES (7,REPEAT('x\xf0\x9f\x98\x80',3355500))",
  };
}

std::string SelectList() {
  std::string list;
  for (const ColumnDef& column : Columns()) {
    std::string name = column.name;
    if (!list.empty()) list += ",";
    switch (column.compare) {
      case Compare::kBinary: list += "CONCAT('0x',LOWER(HEX(" + name + ")))"; break;
      case Compare::kBit: list += "CAST(" + name + " AS UNSIGNED)"; break;
      case Compare::kFloat: list += "CAST(" + name + " AS DOUBLE)"; break;
      default: list += name;
    }
  }
  return list;
}

std::string ShellWord(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

using testing::ConnectionFor;

struct TailRun {
  int exit_code = -1;
  std::vector<std::string> lines;
  std::string err;
};

class BinlogTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    const char* bin = std::getenv("CUTOVER_BIN");
    ASSERT_NE(bin, nullptr);
    bin_ = bin;
    char pattern[] = "/tmp/cutover_tail_types_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    setenv(kPasswordEnv, "cutover-test", 1);
    database_ = "tail_types_" + std::to_string(getpid());
    server_ = testing::MariaDbSource();
    // Values over 16 MiB need a larger packet limit; new sessions take the global value.
    Open(ConnectionFor(server_), &admin_);
    ASSERT_TRUE(admin_
                    ->Execute("SET GLOBAL max_allowed_packet = GREATEST("
                              "@@global.max_allowed_packet, 128 * 1024 * 1024)")
                    .ok());
    Open(ConnectionFor(server_), &sql_);
    Run("SET SESSION sql_mode = ''");
    Run("DROP DATABASE IF EXISTS " + database_);
    Run("CREATE DATABASE " + database_);
  }
  void TearDown() override {
    if (sql_) Run("DROP DATABASE IF EXISTS " + database_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static void Open(const ConnectionSpec& spec, std::unique_ptr<mysql::Connection>* out) {
    auto connection = mysql::Connection::Open(spec);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    *out = std::move(*connection);
  }

  void Run(const std::string& sql) {
    auto done = sql_->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.status().ToString() << "\n" << sql.substr(0, 300);
  }

  std::string GtidNow() {
    auto result = sql_->Query("SELECT @@global.gtid_binlog_pos");
    EXPECT_TRUE(result.ok());
    return result.ok() && !result->rows.empty() ? result->rows[0][0].value_or("") : "";
  }

  // The rows of `table` as the contract renders them, in id order.
  std::vector<mysql::SqlRow> Snapshot(const std::string& table) {
    auto result = sql_->Query("SELECT " + SelectList() + " FROM " + table + " ORDER BY id");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->rows : std::vector<mysql::SqlRow>{};
  }

  TailRun Tail(const std::string& arguments) {
    std::filesystem::path spec = dir_ / "spec.yaml";
    std::ofstream(spec) << "name: tail-types\nsource:\n  kind: mariadb\n  host: " << server_.host
                        << "\n  port: " << server_.port << "\n  user: " << server_.user
                        << "\n  password_env: " << kPasswordEnv
                        << "\n  server_id: " << 3000000 + getpid()
                        << "\ntarget:\n  kind: mariadb\n  host: 127.0.0.1\n  port: 13307\n"
                        << "  user: cutover\n  password_env: " << kPasswordEnv
                        << "\ntables:\n  - match: \"" << database_ << ".*\"\n";
    std::string command = "timeout 110 " + ShellWord(bin_) + " tail " + ShellWord(spec.string()) +
                          " " + arguments + " 2>" + ShellWord((dir_ / "err").string());
    TailRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::string line;
    for (int c = std::fgetc(pipe); c != EOF; c = std::fgetc(pipe)) {
      if (c != '\n') {
        line += static_cast<char>(c);
        continue;
      }
      run.lines.push_back(std::move(line));
      line.clear();
    }
    int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(dir_ / "err");
    std::stringstream text;
    text << err.rdbuf();
    run.err = text.str();
    return run;
  }

  std::string bin_;
  std::filesystem::path dir_;
  std::string database_;
  testing::ServerInfo server_;
  std::unique_ptr<mysql::Connection> admin_, sql_;
};

// Checks one JSON image against one SELECT row, value by value, columns in table order.
void ExpectImage(const nlohmann::ordered_json& image, const mysql::SqlRow& row,
                 const std::string& where) {
  ASSERT_TRUE(image.is_object()) << where;
  ASSERT_EQ(image.size(), Columns().size()) << where;
  size_t column_idx = 0;
  for (const auto& [name, value] : image.items()) {
    const ColumnDef& column = Columns()[column_idx];
    const std::optional<std::string>& expected = row[column_idx];
    ++column_idx;
    std::string at = where + " column " + column.name;
    ASSERT_EQ(name, column.name) << at;
    if (!expected) {
      EXPECT_TRUE(value.is_null()) << at << ": " << value.dump().substr(0, 200);
      continue;
    }
    ASSERT_TRUE(value.is_string()) << at;
    std::string actual = value.get<std::string>();
    if (column.compare == Compare::kFloat) {
      EXPECT_EQ(std::strtof(actual.c_str(), nullptr),
                static_cast<float>(std::strtod(expected->c_str(), nullptr)))
          << at << ": " << actual << " vs " << *expected;
    } else if (column.compare == Compare::kDouble) {
      EXPECT_EQ(std::strtod(actual.c_str(), nullptr), std::strtod(expected->c_str(), nullptr))
          << at << ": " << actual << " vs " << *expected;
    } else if (actual != *expected) {
      ADD_FAILURE() << at << ": tail printed " << actual.size() << " bytes '"
                    << actual.substr(0, 120) << "', SELECT gives " << expected->size() << " bytes '"
                    << expected->substr(0, 120) << "'";
    }
  }
}

TEST_F(BinlogTypesTest, TailPrintsWhatSelectReturnsForEveryTypeInsertedUpdatedDeleted) {
  const std::string table = database_ + ".types";
  std::string ddl = "CREATE TABLE " + table + " (";
  for (const ColumnDef& column : Columns()) {
    ddl += std::string(column.name) + " " + column.ddl + ",";
  }
  ddl.back() = ')';
  Run(ddl);
  Run("CREATE TABLE " + database_ + ".other (id INT PRIMARY KEY)");
  const std::string start = GtidNow();
  for (const std::string& insert : RowInserts(table)) Run(insert);
  Run("INSERT INTO " + database_ + ".other VALUES (1)");
  std::vector<mysql::SqlRow> inserted = Snapshot(table);
  ASSERT_EQ(inserted.size(), 7u);
  Run("UPDATE " + table +
      " SET vu = CONCAT(IFNULL(vu, ''), '+\xe2\x9c\x93'), i = IFNULL(i, 0) DIV 2, "
      "y = IF(IFNULL(y, 0) = 0, 1999, 2000), t6 = '-00:00:00.5', lb = IF(id = 6, lb, X'01') "
      "ORDER BY id");
  std::vector<mysql::SqlRow> updated = Snapshot(table);
  Run("DELETE FROM " + table + " ORDER BY id");

  TailRun run =
      Tail("--from " + ShellWord(start) + " --tables " + ShellWord(table) + " --limit 21");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.lines.size(), 21u) << run.err;
  Position previous = *Position::Parse(start);
  for (size_t line_idx = 0; line_idx < run.lines.size(); ++line_idx) {
    const size_t row_idx = line_idx % 7;
    const std::string where = "line " + std::to_string(line_idx + 1);
    auto line = nlohmann::ordered_json::parse(run.lines[line_idx]);
    EXPECT_EQ(line.begin().key(), "table") << where;
    EXPECT_EQ(line["table"], table) << where;
    Result<Position> pos = Position::Decode(line["pos"].get<std::string>());
    ASSERT_TRUE(pos.ok()) << where << ": " << pos.status().ToString();
    EXPECT_TRUE(pos->IsAtOrAfter(previous)) << where << ": " << pos->Encode();
    previous = *pos;
    if (line_idx < 7) {
      EXPECT_EQ(line["op"], "insert") << where;
      EXPECT_TRUE(line["before"].is_null()) << where;
      ExpectImage(line["after"], inserted[row_idx], where + " after");
    } else if (line_idx < 14) {
      EXPECT_EQ(line["op"], "update") << where;
      ExpectImage(line["before"], inserted[row_idx], where + " before");
      ExpectImage(line["after"], updated[row_idx], where + " after");
    } else {
      EXPECT_EQ(line["op"], "delete") << where;
      ExpectImage(line["before"], updated[row_idx], where + " before");
      EXPECT_TRUE(line["after"].is_null()) << where;
    }
  }
}

TEST_F(BinlogTypesTest, TablesPatternSelectsAndBadArgumentsExitTwo) {
  Run("CREATE TABLE " + database_ + ".orders (id INT PRIMARY KEY, note VARCHAR(10))");
  Run("CREATE TABLE " + database_ + ".users (id INT PRIMARY KEY)");
  const std::string start = GtidNow();
  Run("INSERT INTO " + database_ + ".users VALUES (1)");
  Run("INSERT INTO " + database_ + ".orders VALUES (7, 'a\"b\\\\c')");
  TailRun run = Tail("--from " + ShellWord(start) + " --tables " + ShellWord(database_ + ".ord*") +
                     " --limit 1");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.lines.size(), 1u);
  auto line = nlohmann::ordered_json::parse(run.lines[0]);
  line.erase("pos");
  EXPECT_EQ(line.dump(), "{\"table\":\"" + database_ +
                             ".orders\",\"op\":\"insert\",\"before\":null,\"after\":{\"id\":\"7\","
                             "\"note\":\"a\\\"b\\\\c\"}}");

  TailRun bad = Tail("--from not-a-position");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("cutover tail: InvalidArgument: --from: "), std::string::npos) << bad.err;
  TailRun both = Tail("--from-now --from 0-1-1");
  EXPECT_EQ(both.exit_code, 2) << both.err;
}

}  // namespace
}  // namespace cutover
