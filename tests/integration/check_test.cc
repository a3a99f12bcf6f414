// Integration tests for `cutover check`: the real binary against the local test servers, with
// specs written to a temporary directory and passwords passed through environment variables.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "support/connection_spec.h"
#include "support/servers.h"

namespace cutover {
namespace {

using testing::ServerInfo;

constexpr char kSourcePasswordEnv[] = "CUTOVER_CHECK_TEST_SOURCE_PW";
constexpr char kTargetPasswordEnv[] = "CUTOVER_CHECK_TEST_TARGET_PW";

// What one run of the cutover binary printed and returned.
struct CheckRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ShellWord(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The `source:` or `target:` block of a spec for `server`, password from `password_env`.
std::string Endpoint(const std::string& role, const std::string& kind, const ServerInfo& server,
                     const std::string& password_env) {
  std::string block = role + ":\n  kind: " + kind + "\n  host: " + server.host +
                      "\n  port: " + std::to_string(server.port) + "\n  user: " + server.user +
                      "\n  password_env: " + password_env + "\n  database: " + server.database +
                      "\n";
  if (role == "source" && kind != "postgres") block += "  server_id: 4242\n";
  return block;
}

// The server's own database as the default schema, as the check's specs name it.
ConnectionSpec InDatabase(const ServerInfo& server) {
  return testing::ConnectionFor(server, server.database);
}

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("CUTOVER_BIN");
    ASSERT_NE(bin, nullptr) << "CUTOVER_BIN must name the cutover executable";
    bin_ = bin;
    char pattern[] = "/tmp/cutover_check_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    setenv(kSourcePasswordEnv, "cutover-test", 1);
    setenv(kTargetPasswordEnv, "cutover-test", 1);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Writes a spec selecting `match` and runs `cutover check` on it (with --json when asked).
  CheckRun Check(const std::string& source_kind, const ServerInfo& source,
                 const std::string& target_kind, const ServerInfo& target, const std::string& match,
                 bool json = false) {
    std::string spec = "name: check-test\n" +
                       Endpoint("source", source_kind, source, kSourcePasswordEnv) +
                       Endpoint("target", target_kind, target, kTargetPasswordEnv) +
                       "tables:\n  - match: \"" + match + "\"\n";
    return RunOnSpec(spec, json);
  }

  CheckRun RunOnSpec(const std::string& spec_text, bool json) {
    std::filesystem::path spec = dir_ / "spec.yaml";
    std::ofstream(spec) << spec_text;
    std::string command = ShellWord(bin_) + " check " + ShellWord(spec.string()) +
                          (json ? " --json" : "") + " >" + ShellWord((dir_ / "out").string()) +
                          " 2>" + ShellWord((dir_ / "err").string());
    int status = std::system(command.c_str());
    CheckRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFile(dir_ / "out");
    run.err = ReadFile(dir_ / "err");
    return run;
  }

  static void MySql(const ServerInfo& server, const std::string& sql) {
    auto connection = mysql::Connection::Open(InDatabase(server));
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    auto done = (*connection)->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
  }

  static void Postgres(const ServerInfo& server, const std::string& sql) {
    auto connection = postgres::Connection::Open(InDatabase(server));
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    auto done = (*connection)->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
  }

  std::string bin_;
  std::filesystem::path dir_;
};

// Outcome by check id, from the text report's lines ("FAIL  source.binlog_format ...").
std::map<std::string, std::string> TextOutcomes(const std::string& text) {
  std::map<std::string, std::string> outcomes;
  std::regex line("^(PASS|FAIL|WARN|SKIP)  (\\S+) ");
  std::istringstream in(text);
  for (std::string row; std::getline(in, row);) {
    std::smatch match;
    if (std::regex_search(row, match, line)) outcomes[match[2]] = match[1];
  }
  return outcomes;
}

// The text report's line for check `id`.
std::string LineOf(const std::string& text, const std::string& id) {
  std::istringstream in(text);
  for (std::string row; std::getline(in, row);) {
    if (row.size() > 6 && row.compare(6, id.size() + 1, id + " ") == 0) return row;
  }
  return "";
}

// `line` with its column padding (runs of spaces) as two spaces, as the tests write it.
std::string Squeezed(const std::string& line) {
  return std::regex_replace(line, std::regex("   +"), "  ");
}

bool EndsWith(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

TEST_F(CheckTest, MariaDbSourceAndTargetPassEveryCheck) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo source = testing::MariaDbSource();
  MySql(source, "DROP TABLE IF EXISTS check_ok_orders");
  MySql(source, "CREATE TABLE check_ok_orders (id BIGINT PRIMARY KEY, total DECIMAL(10,2))");
  CheckRun run =
      Check("mariadb", source, "mariadb", testing::MariaDbTarget(), "cutover_test.check_ok_*");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, std::string> outcomes = TextOutcomes(run.out);
  for (const auto& [id, outcome] : outcomes) EXPECT_EQ(outcome, "PASS") << id << "\n" << run.out;
  EXPECT_EQ(outcomes.size(), 25u) << run.out;
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.tables"), "1 table: cutover_test.check_ok_orders"));
  EXPECT_TRUE(EndsWith(run.out, "\n25 passed, 0 failed, 0 warnings\n")) << run.out;
  // The scratch table of target.writable is gone again.
  auto target = mysql::Connection::Open(InDatabase(testing::MariaDbTarget()));
  ASSERT_TRUE(target.ok());
  auto left = (*target)->Query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_NAME LIKE "
      "'\\_cutover\\_check\\_%'");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->rows.empty());
  MySql(source, "DROP TABLE check_ok_orders");
}

TEST_F(CheckTest, MisconfiguredBinlogFailsWithTheFixes) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-misconfigured"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo source = testing::MariaDbMisconfigured();
  MySql(source, "CREATE TABLE IF NOT EXISTS check_ok_orders (id BIGINT PRIMARY KEY)");
  CheckRun run =
      Check("mariadb", source, "mariadb", testing::MariaDbTarget(), "cutover_test.check_ok_*");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_TRUE(LineOf(run.out, "source.binlog_format").starts_with("FAIL  "));
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.binlog_format"), "  binlog_format is STATEMENT"));
  EXPECT_TRUE(LineOf(run.out, "source.binlog_row_image").starts_with("FAIL  "));
  EXPECT_TRUE(
      EndsWith(LineOf(run.out, "source.binlog_row_image"), "  binlog_row_image is MINIMAL"));
  EXPECT_NE(run.out.find("\n      fix: SET GLOBAL binlog_format = 'ROW'; and set binlog_format=ROW "
                         "under [mysqld] in the server config so it survives a restart\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\n      fix: SET GLOBAL binlog_row_image = 'FULL'; and set "
                         "binlog_row_image=FULL under [mysqld] in the server config so it "
                         "survives a restart\n"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(TextOutcomes(run.out)["source.log_bin"], "PASS");
  MySql(source, "DROP TABLE check_ok_orders");
}

TEST_F(CheckTest, JsonHasTheSameOutcomesAsText) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-misconfigured"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo source = testing::MariaDbMisconfigured();
  ServerInfo target = testing::MariaDbTarget();
  CheckRun text = Check("mariadb", source, "mariadb", target, "cutover_test.*");
  CheckRun json = Check("mariadb", source, "mariadb", target, "cutover_test.*", true);
  EXPECT_EQ(json.exit_code, text.exit_code);
  nlohmann::json document = nlohmann::json::parse(json.out);
  std::map<std::string, std::string> json_outcomes;
  for (const auto& check : document["checks"]) {
    std::string outcome = check["outcome"];
    for (char& c : outcome) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    json_outcomes[check["id"]] = outcome;
  }
  EXPECT_EQ(json_outcomes, TextOutcomes(text.out));
  EXPECT_EQ(document["ok"], false);
  EXPECT_EQ(json_outcomes["source.binlog_format"], "FAIL");
}

TEST_F(CheckTest, TableWithoutAnyKeyIsNamed) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo source = testing::MariaDbSource();
  MySql(source,
        "DROP TABLE IF EXISTS check_nokey_audit_log, check_nokey_codes, check_nokey_orders");
  MySql(source, "CREATE TABLE check_nokey_audit_log (at DATETIME, message TEXT)");
  MySql(source, "CREATE TABLE check_nokey_codes (code INT NOT NULL, UNIQUE KEY uk_code (code))");
  MySql(source, "CREATE TABLE check_nokey_orders (id INT PRIMARY KEY)");
  CheckRun run =
      Check("mariadb", source, "mariadb", testing::MariaDbTarget(), "cutover_test.check_nokey_*");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.primary_keys"),
                       "  cutover_test.check_nokey_audit_log has no primary key or unique NOT NULL "
                       "index; cutover_test.check_nokey_codes has no primary key; unique index "
                       "`uk_code` (`code`) on NOT NULL columns will be used"))
      << run.out;
  EXPECT_NE(run.out.find("\n      fix: ALTER TABLE `cutover_test`.`check_nokey_audit_log` ADD "
                         "PRIMARY KEY (<columns that identify a row>); or exclude it in the spec "
                         "(tables[].exclude: \"cutover_test.check_nokey_audit_log\")\n"),
            std::string::npos)
      << run.out;
  MySql(source, "DROP TABLE check_nokey_audit_log, check_nokey_codes, check_nokey_orders");
}

// Row filters are checked against the tables they filter: one on a TIME column cannot be
// evaluated exactly by cutover and fails, with the table and the reason; a date range passes.
TEST_F(CheckTest, RowFiltersAreCheckedAgainstTheirTables) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo source = testing::MariaDbSource();
  MySql(source, "DROP TABLE IF EXISTS check_filter_a, check_filter_b");
  MySql(source, "CREATE TABLE check_filter_a (id INT PRIMARY KEY, created DATE, t TIME)");
  MySql(source, "CREATE TABLE check_filter_b (id INT PRIMARY KEY, created DATE, t TIME)");
  std::string endpoints = "name: check-test\n" +
                          Endpoint("source", "mariadb", source, kSourcePasswordEnv) +
                          Endpoint("target", "mariadb", testing::MariaDbTarget(), kTargetPasswordEnv);
  CheckRun good = RunOnSpec(endpoints +
                                "tables:\n  - match: cutover_test.check_filter_a\n    filter: "
                                "\"created >= '2024-01-01' AND id > 10\"\n",
                            false);
  EXPECT_TRUE(EndsWith(LineOf(good.out, "source.filters"),
                       "  the filters of 1 table are evaluable exactly"))
      << good.out;
  CheckRun bad = RunOnSpec(endpoints +
                               "tables:\n  - match: cutover_test.check_filter_a\n  - match: "
                               "cutover_test.check_filter_b\n    filter: \"t > '10:00:00'\"\n",
                           false);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(LineOf(bad.out, "source.filters").starts_with("FAIL  ")) << bad.out;
  EXPECT_NE(LineOf(bad.out, "source.filters")
                .find("cutover_test.check_filter_b: column t is time: cutover cannot evaluate a "
                      "filter on it exactly"),
            std::string::npos)
      << bad.out;
  MySql(source, "DROP TABLE check_filter_a, check_filter_b");
}

TEST_F(CheckTest, LimitedUserLacksReplicationPrivileges) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  CheckRun run = Check("mariadb", testing::Limited(testing::MariaDbSource()), "mariadb",
                       testing::MariaDbTarget(), "cutover_test.*");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.replication_privileges"),
                       "  'cutover_limited'@'127.0.0.1' lacks REPLICATION SLAVE and REPLICATION "
                       "CLIENT ON *.*"))
      << run.out;
  EXPECT_NE(run.out.find("\n      fix: GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO "
                         "'cutover_limited'@'127.0.0.1';\n"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(TextOutcomes(run.out)["source.credentials"], "PASS");
}

TEST_F(CheckTest, WrongPasswordIsACleanCredentialsFailure) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  const std::string wrong = "Wr0ng-Passw0rd-x7";
  setenv(kSourcePasswordEnv, wrong.c_str(), 1);
  CheckRun run = Check("mariadb", testing::MariaDbSource(), "mariadb", testing::MariaDbTarget(),
                       "cutover_test.*");
  EXPECT_EQ(run.exit_code, 1);
  std::map<std::string, std::string> outcomes = TextOutcomes(run.out);
  EXPECT_EQ(outcomes["source.reachable"], "PASS");
  EXPECT_EQ(outcomes["source.credentials"], "FAIL");
  EXPECT_EQ(outcomes["source.log_bin"], "SKIP");
  EXPECT_EQ(outcomes["target.writable"], "PASS");
  EXPECT_NE(LineOf(run.out, "source.credentials")
                .find("Access denied for user 'cutover'@'127.0.0.1' (using password: YES)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(LineOf(run.out, "source.credentials")
                .find("the password (from env " + std::string(kSourcePasswordEnv) + ")"),
            std::string::npos);
  EXPECT_EQ(run.out.find(wrong), std::string::npos);
  EXPECT_EQ(run.err.find(wrong), std::string::npos);
  EXPECT_EQ(run.out.find("cutover-test"), std::string::npos);  // the target's password
}

TEST_F(CheckTest, UnreachablePortFailsReachableAndSkipsTheRest) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo nowhere = testing::MariaDbSource();
  nowhere.port = 1;  // nothing listens there: connection refused
  CheckRun run = Check("mariadb", nowhere, "mariadb", testing::MariaDbTarget(), "cutover_test.*");
  EXPECT_EQ(run.exit_code, 1);
  std::map<std::string, std::string> outcomes = TextOutcomes(run.out);
  EXPECT_EQ(outcomes["source.reachable"], "FAIL");
  EXPECT_NE(
      LineOf(run.out, "source.reachable").find("cannot connect to 127.0.0.1:1 as user 'cutover'"),
      std::string::npos);
  int skipped = 0;
  for (const auto& [id, outcome] : outcomes) {
    if (!id.starts_with("source.") || id == "source.reachable") continue;
    EXPECT_EQ(outcome, "SKIP") << id;
    EXPECT_TRUE(EndsWith(LineOf(run.out, id), "  not checked: source.reachable failed"));
    ++skipped;
  }
  EXPECT_EQ(skipped, 18);
  EXPECT_TRUE(EndsWith(run.out, "\n6 passed, 1 failed, 0 warnings, 18 skipped\n")) << run.out;
}

// mariadb-target and postgres-target serve no TLS (docs/servers.md "TLS").
TEST_F(CheckTest, RequiredTlsOnAServerWithoutTlsFailsReachable) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ASSERT_TRUE(testing::EnsureServer("postgres-target"));
  ServerInfo source = testing::MariaDbTarget();
  ServerInfo target = testing::PostgresTarget();
  std::string spec =
      "name: check-test\n" + Endpoint("source", "mariadb", source, kSourcePasswordEnv) +
      "  tls:\n    mode: require\n" + Endpoint("target", "postgres", target, kTargetPasswordEnv) +
      "  tls:\n    mode: require\n" + "tables:\n  - match: \"cutover_test.*\"\n";
  CheckRun run = RunOnSpec(spec, false);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.reachable"),
                       "  cutover@127.0.0.1:" + std::to_string(source.port) +
                           ": source.tls.mode is require but the server does not offer TLS; "
                           "configure ssl_cert and ssl_key on the server or lower "
                           "source.tls.mode"))
      << run.out;
  EXPECT_NE(LineOf(run.out, "target.reachable")
                .find("server does not support SSL, but SSL was "
                      "required"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(TextOutcomes(run.out)["target.credentials"], "SKIP");
}

TEST_F(CheckTest, PostgresSourceAndTargetPass) {
  ASSERT_TRUE(testing::EnsureServer("postgres-source"));
  ASSERT_TRUE(testing::EnsureServer("postgres-target"));
  ServerInfo source = testing::PostgresSource();
  Postgres(source,
           "DROP TABLE IF EXISTS check_ok_orders; "
           "CREATE TABLE check_ok_orders (id bigint PRIMARY KEY, total numeric)");
  CheckRun run =
      Check("postgres", source, "postgres", testing::PostgresTarget(), "public.check_ok_*");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  std::map<std::string, std::string> outcomes = TextOutcomes(run.out);
  for (const auto& [id, outcome] : outcomes) EXPECT_EQ(outcome, "PASS") << id << "\n" << run.out;
  EXPECT_EQ(outcomes.size(), 20u) << run.out;
  EXPECT_EQ(outcomes["source.slot_wal_keep"], "PASS");  // scripts/servers sets 10GB
  EXPECT_EQ(outcomes["target.writable"], "PASS");
  EXPECT_EQ(outcomes["source.replica_identity"], "PASS");
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.value_format"),
                       "  binary: every selected column has a binary reader"))
      << run.out;
  Postgres(source, "DROP TABLE check_ok_orders");
}

TEST_F(CheckTest, PostgresBinaryValuesNameTheColumnsWithoutABinaryReader) {
  ASSERT_TRUE(testing::EnsureServer("postgres-source"));
  ASSERT_TRUE(testing::EnsureServer("postgres-target"));
  ServerInfo source = testing::PostgresSource();
  Postgres(source,
           "DROP TABLE IF EXISTS check_bin_hosts; "
           "CREATE TABLE check_bin_hosts (id bigint PRIMARY KEY, addr inet, tags text[])");
  std::string spec = "name: check-test\n" +
                     Endpoint("source", "postgres", source, kSourcePasswordEnv) +
                     Endpoint("target", "postgres", testing::PostgresTarget(), kTargetPasswordEnv) +
                     "tables:\n  - match: \"public.check_bin_*\"\n";
  // auto: text, and why.
  CheckRun run = RunOnSpec(spec, false);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.value_format"),
                       "  text: public.check_bin_hosts.addr (inet), public.check_bin_hosts.tags "
                       "(text[]) have no binary reader"))
      << run.out;
  // binary: a failure with the way out.
  std::string binary = spec;
  binary.insert(binary.find("target:"), "  value_format: binary\n");
  run = RunOnSpec(binary, false);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(LineOf(run.out, "source.value_format").starts_with("FAIL  ")) << run.out;
  EXPECT_NE(run.out.find("source.value_format is binary, but public.check_bin_hosts.addr (inet), "
                         "public.check_bin_hosts.tags (text[]) have no binary reader"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("set source.value_format to auto (binary where it can be, text "
                         "otherwise) or text"),
            std::string::npos)
      << run.out;
  Postgres(source, "DROP TABLE check_bin_hosts");
}

TEST_F(CheckTest, PostgresTableWithoutKeyFailsReplicaIdentity) {
  ASSERT_TRUE(testing::EnsureServer("postgres-source"));
  ASSERT_TRUE(testing::EnsureServer("postgres-target"));
  ServerInfo source = testing::PostgresSource();
  Postgres(source, "DROP TABLE IF EXISTS check_nokey_log; CREATE TABLE check_nokey_log (msg text)");
  CheckRun run =
      Check("postgres", source, "postgres", testing::PostgresTarget(), "public.check_nokey_*");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.replica_identity"),
                       "  public.check_nokey_log has no primary key, so its updates and deletes "
                       "cannot be replicated"))
      << run.out;
  Postgres(source, "DROP TABLE check_nokey_log");
}

// A DynamoDB target: the credentials chain, then one signed ListTables to the endpoint.
TEST_F(CheckTest, MariaDbSourceToDynamoDbAsksTheEndpoint) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("dynalite"));
  ServerInfo source = testing::MariaDbSource();
  MySql(source, "CREATE TABLE IF NOT EXISTS check_ok_orders (id BIGINT PRIMARY KEY)");
  auto spec_for = [&](const std::string& endpoint, const std::string& keys) {
    return "name: check-test\n" + Endpoint("source", "mariadb", source, kSourcePasswordEnv) +
           "target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: " + endpoint + "\n" + keys +
           "tables:\n  - match: \"cutover_test.check_ok_*\"\n";
  };
  const std::string keys =
      "    access_key_id_env: CHECK_DYN_KEY\n    secret_access_key_env: CHECK_DYN_SECRET\n";
  setenv("CHECK_DYN_KEY", "check-key", 1);
  setenv("CHECK_DYN_SECRET", "check-secret-never-shown", 1);
  const ServerInfo dynalite = testing::Dynalite();
  const std::string good = "http://" + dynalite.host + ":" + std::to_string(dynalite.port);
  CheckRun run = RunOnSpec(spec_for(good, keys), false);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Squeezed(LineOf(run.out, "target.credentials")),
            "PASS  target.credentials  AWS credentials are found  found (the key itself is not "
            "shown)")
      << run.out;
  EXPECT_EQ(Squeezed(LineOf(run.out, "target.reachable")),
            "PASS  target.reachable  the DynamoDB endpoint answers a signed request  " + good +
                " answered ListTables")
      << run.out;
  EXPECT_EQ(run.out.find("check-secret-never-shown"), std::string::npos) << run.out;

  // Nothing listens on port 1: FAIL within seconds, with the endpoint and the fix.
  run = RunOnSpec(spec_for("http://127.0.0.1:1", keys), false);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(Squeezed(LineOf(run.out, "target.reachable"))
                  .starts_with("FAIL  target.reachable  the DynamoDB endpoint answers a signed "
                               "request  http://127.0.0.1:1: "))
      << run.out;
  EXPECT_NE(run.out.find("      fix: check target.dynamodb.endpoint and region, that the "
                         "endpoint is reachable from here, and that the key may call "
                         "dynamodb:ListTables\n"),
            std::string::npos)
      << run.out;

  // No key anywhere: the credentials fail and the endpoint is not asked.
  const char* had_key = std::getenv("AWS_ACCESS_KEY_ID");
  const std::string saved_key = had_key != nullptr ? had_key : "";
  unsetenv("AWS_ACCESS_KEY_ID");
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "no-such-credentials").c_str(), 1);
  run = RunOnSpec(spec_for(good, ""), false);
  unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  if (had_key != nullptr) setenv("AWS_ACCESS_KEY_ID", saved_key.c_str(), 1);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(
      Squeezed(LineOf(run.out, "target.credentials")).starts_with("FAIL  target.credentials  "))
      << run.out;
  EXPECT_EQ(Squeezed(LineOf(run.out, "target.reachable")),
            "SKIP  target.reachable  the DynamoDB endpoint answers a signed request  not checked: "
            "target.credentials failed")
      << run.out;
  MySql(source, "DROP TABLE check_ok_orders");
}

TEST_F(CheckTest, ServerIdOfAConnectedReplicaFails) {
  ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
  ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
  ServerInfo source = testing::MariaDbSource();
  MySql(source, "CREATE TABLE IF NOT EXISTS check_ok_orders (id BIGINT PRIMARY KEY)");
  std::string spec_text = "name: check-test\n" +
                          Endpoint("source", "mariadb", source, kSourcePasswordEnv) +
                          Endpoint("target", "mariadb", testing::MariaDbTarget(),
                                   kTargetPasswordEnv) +
                          "tables:\n  - match: \"cutover_test.check_ok_*\"\n";
  std::filesystem::path spec = dir_ / "replica.yaml";
  std::ofstream(spec) << spec_text;
  // `cutover tail` registers with the source as a replica with the spec's server_id (4242).
  pid_t tail = fork();
  ASSERT_GE(tail, 0);
  if (tail == 0) {
    std::string devnull = "/dev/null";
    std::freopen(devnull.c_str(), "w", stdout);
    execl(bin_.c_str(), bin_.c_str(), "tail", spec.c_str(), "--from-now",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto connection = mysql::Connection::Open(InDatabase(source));
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  bool registered = false;
  for (int attempt = 0; attempt < 100 && !registered; ++attempt) {
    auto hosts = (*connection)->Query("SHOW SLAVE HOSTS");
    ASSERT_TRUE(hosts.ok()) << hosts.status().ToString();
    for (const auto& row : hosts->rows) registered |= row[0].value_or("") == "4242";
    if (!registered) usleep(100 * 1000);
  }
  CheckRun run = registered ? RunOnSpec(spec_text, false) : CheckRun{};
  kill(tail, SIGTERM);
  int status = 0;
  waitpid(tail, &status, 0);
  ASSERT_TRUE(registered) << "cutover tail did not register as replica 4242";
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(EndsWith(LineOf(run.out, "source.server_id"),
                       "server_id is 1; a replica with server_id 4242 is connected already "
                       "(SHOW SLAVE HOSTS)"))
      << run.out;
  MySql(source, "DROP TABLE check_ok_orders");
}

TEST_F(CheckTest, BadSpecExitsTwoWithTheErrorOnStderr) {
  CheckRun run = RunOnSpec("name: check-test\nsource:\n  kind: oracle\n", false);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(run.err.starts_with("cutover check: ")) << run.err;
  EXPECT_NE(run.err.find("source.kind"), std::string::npos) << run.err;
  CheckRun missing = RunOnSpec("", false);
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace cutover
