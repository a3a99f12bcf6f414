// Shared helpers of the copy integration tests: SQL sessions on the test servers, a spec for
// `cutover copy`, running the CLI (optionally with a test pause point) and reading tables as
// text rows for row-by-row comparison.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/mysql/connection.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover::copytest {

using testing::ConnectionFor;

inline std::unique_ptr<mysql::Connection> Connect(const testing::ServerInfo& server) {
  mysql::ConnectOptions options;
  options.use_database = false;
  Result<std::unique_ptr<mysql::Connection>> connection =
      mysql::Connection::Open(ConnectionFor(server), options);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return connection.ok() ? *std::move(connection) : nullptr;
}

inline void Exec(mysql::Connection& connection, const std::string& sql) {
  Result<uint64_t> result = connection.Execute(sql);
  ASSERT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
}

// Every row of `sql` as one tab-separated line ("NULL" for NULL).
inline std::vector<std::string> Lines(mysql::Connection& connection, const std::string& sql) {
  Result<mysql::QueryResult> result = connection.Query(sql);
  EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  std::vector<std::string> lines;
  if (!result.ok()) return lines;
  for (const mysql::SqlRow& row : result->rows) {
    std::string line;
    for (size_t column = 0; column < row.size(); ++column) {
      line += (column ? "\t" : "") + (row[column] ? *row[column] : std::string("NULL"));
    }
    lines.push_back(line);
  }
  return lines;
}

// A `cutover copy` spec from source `database` into the target block `target_yaml`.
// The source's server_id is the test process's own (4300000 + pid): a `cutover run` connects to
// the shared source as a replica, and two with the same id make the source drop the older.
inline std::string CopySpec(const std::string& name, const testing::ServerInfo& source,
                            const std::string& target_yaml, const std::string& tables_yaml,
                            const std::string& state_dir, const std::string& extra = "") {
  return "name: " + name + "\nsource:\n  kind: mariadb\n  host: " + source.host +
         "\n  port: " + std::to_string(source.port) + "\n  user: " + source.user +
         "\n  password_env: COPY_TEST_PASSWORD\n  server_id: " +
         std::to_string(4300000 + getpid()) + "\n" + target_yaml + "tables:\n" + tables_yaml +
         "state_dir: " + state_dir + "\n" + extra;
}

inline std::string MariaDbTargetYaml(const testing::ServerInfo& target,
                                     const std::string& database) {
  return "target:\n  kind: mariadb\n  host: " + target.host +
         "\n  port: " + std::to_string(target.port) + "\n  user: " + target.user +
         "\n  password_env: COPY_TEST_PASSWORD\n  database: " + database + "\n";
}

inline std::string PostgresTargetYaml(const testing::ServerInfo& target) {
  return "target:\n  kind: postgres\n  host: " + target.host +
         "\n  port: " + std::to_string(target.port) + "\n  user: " + target.user +
         "\n  password_env: COPY_TEST_PASSWORD\n  database: " + target.database + "\n";
}

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it
  std::string output;  // stdout and stderr
};

// Runs `cutover copy <spec>` with `env` ("NAME=value ...") prepended.
inline RunResult RunCopy(const std::filesystem::path& spec, const std::string& env = "") {
  const char* bin = std::getenv("CUTOVER_BIN");
  EXPECT_NE(bin, nullptr) << "CUTOVER_BIN must name the cutover executable";
  std::filesystem::path out = spec.parent_path() / "copy.out";
  std::string command = "COPY_TEST_PASSWORD=cutover-test " + env + " " +
                        std::string(bin ? bin : "cutover") + " copy " + spec.string() + " > " +
                        out.string() + " 2>&1";
  int status = std::system(command.c_str());
  RunResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  // The shell reports a child killed by signal N as exit code 128 + N.
  if (result.exit_code > 128) result.signal = result.exit_code - 128;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  return result;
}

// Starts `cutover copy <spec>` like RunCopy but in the background; returns its pid (the shell
// execs the program, so the pid is the copy's own) for kill() and waitpid().
inline pid_t StartCopy(const std::filesystem::path& spec, const std::string& env = "") {
  const char* bin = std::getenv("CUTOVER_BIN");
  EXPECT_NE(bin, nullptr) << "CUTOVER_BIN must name the cutover executable";
  std::filesystem::path out = spec.parent_path() / "copy.out";
  std::string command = "exec env COPY_TEST_PASSWORD=cutover-test " + env + " " +
                        std::string(bin ? bin : "cutover") + " copy " + spec.string() + " > " +
                        out.string() + " 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

inline std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "_XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  EXPECT_NE(mkdtemp(buffer.data()), nullptr);
  return std::filesystem::path(buffer.data());
}

}  // namespace cutover::copytest

namespace cutover::copytest {

// The copy tests' source schema in `db`: every column type with edge values, a composite
// string key whose order depends on the collation, a binary key, a table copied with a row
// filter and a column subset, and a table keyed by a unique NOT NULL index only.
inline void CreateSourceSchema(mysql::Connection& sql, const std::string& db) {
  Exec(sql, "DROP DATABASE IF EXISTS " + db);
  Exec(sql, "CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
  Exec(sql, "USE " + db);  // the seq_1_to_N tables need a current database
  Exec(sql, "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  Exec(sql, "CREATE TABLE " + db +
                ".types (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, "
                "mi MEDIUMINT, bi BIGINT, bu BIGINT UNSIGNED, de DECIMAL(30,10), fl FLOAT, "
                "dbl DOUBLE, bt BIT(10), yr YEAR, d DATE, t TIME(3), dt DATETIME(6), "
                "ts TIMESTAMP(6) NULL DEFAULT NULL, c CHAR(5), vc VARCHAR(100), tx TEXT, "
                "bn BINARY(4), vb VARBINARY(20), bl BLOB, en ENUM('x','y z'), "
                "st SET('a','b','c'), js JSON, l1 VARCHAR(20) CHARACTER SET latin1, "
                "KEY k_vc (vc), UNIQUE KEY u_bi (bi))");
  Exec(sql,
       "INSERT INTO " + db +
           ".types VALUES "
           "(1, -128, 255, -32768, -8388608, -9223372036854775808, 18446744073709551615, "
           "'-12345678901234567890.0123456789', -3.5, 1.7976931348623157e308, b'1111111111', "
           "1901, '1000-01-01', '-838:59:59.000', '1000-01-01 00:00:00.000000', "
           "'1970-01-01 00:00:01.000000', 'ab', 'quote '' back\\\\ tab\\t nl\\n', "
           "'héllo wörld ✓ 😀', 0x00FF0102, X'', 0x000102FF, 'x', '', '{\"a\": [1, 2.5, null]}', "
           "'caf\\xE9'),"
           "(2, 127, 0, 32767, 8388607, 9223372036854775807, 0, "
           "'12345678901234567890.0000000001', 3.25, -2.2250738585072014e-308, b'0', "
           "2155, '9999-12-31', '838:59:59.999', '9999-12-31 23:59:59.999999', "
           "'2038-01-19 03:14:07.999999', '', '', '', 0x00000000, 0xFFFF, '', 'y z', "
           "'a,b,c', '[]', ''),"
           "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
           "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  Exec(sql, "CREATE TABLE " + db +
                ".composite (tenant VARCHAR(20) NOT NULL, line INT NOT NULL, qty INT, "
                "note VARCHAR(50), PRIMARY KEY (tenant, line), KEY k_qty (qty)) "
                "COLLATE utf8mb4_general_ci");
  Exec(sql, "INSERT INTO " + db +
                ".composite SELECT ELT(1 + seq % 6, 'a', 'B', 'c', 'é', 'Zed', 'zz'), seq, "
                "seq % 97, CONCAT('note ', seq) FROM seq_1_to_3000");
  Exec(sql, "CREATE TABLE " + db + ".binkey (code VARBINARY(16) PRIMARY KEY, v INT)");
  Exec(sql, "INSERT INTO " + db +
                ".binkey SELECT UNHEX(LPAD(HEX(seq * 7919 % 65536), 4, '0')), seq "
                "FROM seq_1_to_1500");
  Exec(sql, "INSERT INTO " + db + ".binkey VALUES (0x00, -1), (0xFFFFFFFF, -2), (X'', -3)");
  Exec(sql, "CREATE TABLE " + db +
                ".filtered (id INT PRIMARY KEY, status VARCHAR(10) NOT NULL, "
                "payload VARCHAR(20), secret VARCHAR(20))");
  Exec(sql, "INSERT INTO " + db +
                ".filtered SELECT seq, IF(seq % 3 = 0, 'archived', 'active'), "
                "CONCAT('p', seq), 'do not copy' FROM seq_1_to_1000");
  Exec(sql,
       "CREATE TABLE " + db + ".uniq_only (code INT NOT NULL, v VARCHAR(10), UNIQUE KEY u (code))");
  Exec(sql, "INSERT INTO " + db + ".uniq_only SELECT seq * 3, CONCAT('v', seq) FROM seq_1_to_700");
  Exec(sql, "ANALYZE TABLE " + db + ".types, " + db + ".composite, " + db + ".binkey, " + db +
                ".filtered, " + db + ".uniq_only");
}

// The `tables:` entries of the copy tests for `db`.
inline std::string SourceTablesYaml(const std::string& db) {
  return "  - match: " + db +
         ".filtered\n    filter: \"status = 'active'\"\n    columns: [id, payload]\n"
         "  - match: \"" +
         db + ".*\"\n";
}

inline std::string SmallChunks() {
  return "parallelism:\n  copy_workers: 3\n  chunk_rows: 100\n  index_builders: 2\n";
}

}  // namespace cutover::copytest
