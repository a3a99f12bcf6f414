// TLS for real (docs/tls.md): cutover against the test servers that serve TLS (mariadb-source,
// postgres-source, certificates of the throw-away test CA in .run/tls): `check` and a short `run`
// (copy, CDC, then `verify` = 0 differences) with verify_full to source and target, the server's
// own view that the sessions are TLS, a wrong CA and a wrong host name failing early with the
// exact message, and what require, prefer and disable do against servers with and without TLS.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/router.h"

#include "db/postgres/connection.h"
#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Exec;
using copytest::Lines;
using namespace std::chrono_literals;

// A MariaDB account that the server lets in only over TLS (REQUIRE SSL): a session of it that
// works is a TLS session, whatever the client reports.
constexpr char kTlsOnlyUser[] = "cutover_tls_only";

std::string TlsBlock(const std::string& mode, const std::string& ca_file = "") {
  std::string out = "  tls:\n    mode: " + mode + "\n";
  if (!ca_file.empty()) out += "    ca_file: " + ca_file + "\n";
  return out;
}

// A `source:` or `target:` block for `server` with `user`, `database` and the tls block `tls`.
std::string Endpoint(const std::string& side, const std::string& kind,
                     const testing::ServerInfo& server, const std::string& host,
                     const std::string& user, const std::string& database, const std::string& tls) {
  std::string out = side + ":\n  kind: " + kind + "\n  host: \"" + host +
                    "\"\n  port: " + std::to_string(server.port) + "\n  user: " + user +
                    "\n  password_env: COPY_TEST_PASSWORD\n";
  if (!database.empty()) out += "  database: " + database + "\n";
  if (side == "source" && kind == "mariadb") {
    out += "  server_id: " + std::to_string(4400000 + getpid()) + "\n";
  }
  return out + tls;
}

// The line of `cutover check`'s text output for check `id`, "" when there is none.
std::string LineOf(const std::string& output, const std::string& id) {
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    if (line.find("  " + id + " ") != std::string::npos) return line;
    start = end + 1;
  }
  return "";
}

bool EndsWith(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// The control API's bearer token in the tests that serve it.
constexpr char kToken[] = "tls-test-token-0123456789abcdef";

// Waits up to 20 s for `control API listening on https://127.0.0.1:PORT` from `process`: the
// port, or 0 when it ended first (*exit_code then gets its exit code) or never said so.
int HttpsPort(runtest::Process& process, int* exit_code) {
  std::regex listening(R"(control API listening on https://127\.0\.0\.1:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    std::string text = process.Output();
    if (std::regex_search(text, match, listening)) return std::stoi(match[1]);
    if (process.WaitFor(50ms, exit_code)) return 0;
  }
  return 0;
}

struct CurlResult {
  int exit_code = -1;     // curl's own: 0, or 7 (refused), 35 (handshake), 52, 56, 60 (untrusted)
  std::string http_code;  // "000" when no HTTP answer came
  std::string body;
};

// curl `args` `url`, its files in `dir`: its exit code, the HTTP code and the body.
CurlResult Curl(const std::filesystem::path& dir, const std::string& args, const std::string& url) {
  std::filesystem::path body = dir / "curl.body";
  std::filesystem::path code = dir / "curl.code";
  std::filesystem::remove(body);
  std::string command = "curl -sS -m 10 -o " + body.string() + " -w '%{http_code}' " + args + " '" +
                        url + "' > " + code.string() + " 2>/dev/null";
  int status = std::system(command.c_str());
  CurlResult out;
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream code_in(code);
  std::getline(code_in, out.http_code);
  std::ifstream body_in(body);
  std::stringstream text;
  text << body_in.rdbuf();
  out.body = text.str();
  return out;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"mariadb-source", "mariadb-target", "postgres-source", "postgres-target"}) {
      ASSERT_TRUE(testing::EnsureServer(name)) << name;
    }
    // Servers started by an older scripts/servers run without TLS until they are restarted.
    ASSERT_TRUE(std::filesystem::exists(testing::TlsCaFile()))
        << testing::TlsCaFile()
        << " is missing: restart the TLS servers (scripts/servers stop mariadb-source "
           "postgres-source, then start) so that they make it and serve TLS";
    dir_ = copytest::MakeTempDir("cutover_tls");
    tag_ = "tls_" + std::to_string(getpid());
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;
    std::filesystem::remove_all(dir_);
  }

  // `cutover <args>`: its output; *code gets the exit code.
  std::string Cli(const std::string& args, int* code) {
    runtest::CutoverProcess process(args, std::string("CUTOVER_CONTROL_TOKEN=") + kToken,
                                    dir_ / ("cli" + std::to_string(++calls_) + ".out"));
    *code = process.Wait();
    return process.Output();
  }

  // Writes a spec of migration `name` (source block, target block, every table of `match`,
  // then `extra`).
  std::filesystem::path Spec(const std::string& name, const std::string& source,
                             const std::string& target, const std::string& match,
                             const std::string& extra = "") {
    std::filesystem::path path = dir_ / (name + ".yaml");
    copytest::WriteFile(path, "name: " + name + "\n" + source + target + "tables:\n  - match: \"" +
                                  match + "\"\nstate_dir: " + (dir_ / name).string() + "\n" +
                                  extra);
    return path;
  }

  // `cutover check` on a spec from mariadb-source (TLS `source_tls`, reached at `source_host`)
  // into mariadb-target (plain, TLS `target_tls`): its text output.
  std::string CheckMariaDb(const std::string& source_tls, const std::string& target_tls,
                           const std::string& source_host = "127.0.0.1",
                           const std::string& user = "cutover") {
    testing::ServerInfo source = testing::MariaDbSource();
    testing::ServerInfo target = testing::MariaDbTarget();
    std::filesystem::path spec =
        Spec("tls-check-" + std::to_string(++specs_),
             Endpoint("source", "mariadb", source, source_host, user, "", source_tls),
             Endpoint("target", "mariadb", target, "127.0.0.1", "cutover", tag_ + "_t", target_tls),
             "cutover_test.*");
    int code = 0;
    return Cli("check " + spec.string(), &code);
  }

  // The same with postgres-source (TLS) into the target `target` (postgres-source itself, in
  // database `target_database`, or the plain postgres-target).
  std::string CheckPostgres(const std::string& source_tls, const testing::ServerInfo& target,
                            const std::string& target_host, const std::string& target_tls) {
    testing::ServerInfo source = testing::PostgresSource();
    std::filesystem::path spec = Spec(
        "tls-check-" + std::to_string(++specs_),
        Endpoint("source", "postgres", source, "127.0.0.1", "cutover", "cutover_test", source_tls),
        Endpoint("target", "postgres", target, target_host, "cutover", "postgres", target_tls),
        "public.*");
    int code = 0;
    return Cli("check " + spec.string(), &code);
  }

  std::filesystem::path dir_;
  std::string tag_;
  int calls_ = 0;
  int specs_ = 0;
};

std::string Port(const testing::ServerInfo& server) { return std::to_string(server.port); }

// --- MariaDB -------------------------------------------------------------------------------------

// mariadb-source to a database of its own (both TLS, verify_full) as kTlsOnlyUser: check, copy,
// CDC, verify.
TEST_F(TlsTest, MariaDbVerifyFullCheckRunAndVerify) {
  auto admin = copytest::Connect(testing::MariaDbSource());
  ASSERT_NE(admin, nullptr);
  const std::string account = std::string("'") + kTlsOnlyUser + "'@'127.0.0.1'";
  Exec(*admin,
       "CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY 'cutover-test' REQUIRE SSL");
  Exec(*admin, "GRANT ALL PRIVILEGES ON *.* TO " + account);
  const std::string db = tag_;
  const std::string target_db = tag_ + "_t";
  Exec(*admin, "DROP DATABASE IF EXISTS " + db);
  Exec(*admin, "DROP DATABASE IF EXISTS " + target_db);
  Exec(*admin, "CREATE DATABASE " + db);
  Exec(*admin, "CREATE TABLE " + db + ".items (id INT PRIMARY KEY, name VARCHAR(40), n INT)");
  Exec(*admin, "INSERT INTO " + db + ".items SELECT seq, CONCAT('item ', seq), seq * 7 FROM " + db +
                   ".seq_1_to_200");

  // Without TLS the account is refused: its sessions below are TLS sessions.
  std::string plain =
      CheckMariaDb(TlsBlock("disable"), TlsBlock("disable"), "127.0.0.1", kTlsOnlyUser);
  EXPECT_NE(LineOf(plain, "source.credentials").find("Access denied for user 'cutover_tls_only'"),
            std::string::npos)
      << plain;

  testing::ServerInfo server = testing::MariaDbSource();
  const std::string tls = TlsBlock("verify_full", testing::TlsCaFile());
  std::filesystem::path spec = Spec(
      "tls-mariadb", Endpoint("source", "mariadb", server, "127.0.0.1", kTlsOnlyUser, "", tls),
      Endpoint("target", "mariadb", server, "127.0.0.1", kTlsOnlyUser, target_db, tls), db + ".*",
      "control:\n  listen: \"127.0.0.1:0\"\n  token_env: CUTOVER_CONTROL_TOKEN\n"
      "  tls_cert_file: " +
          testing::TlsServerCertFile() + "\n  tls_key_file: " + testing::TlsServerKeyFile() + "\n");
  int code = 0;
  std::string check = Cli("check " + spec.string(), &code);
  EXPECT_EQ(code, 0) << check;
  for (const char* side : {"source.reachable", "target.reachable"}) {
    EXPECT_NE(LineOf(check, side).find("connected to 127.0.0.1:" + Port(server) + " (TLS TLS_"),
              std::string::npos)
        << check;
  }

  runtest::CutoverProcess run("run " + spec.string() + " --status-every 1",
                              std::string("CUTOVER_CONTROL_TOKEN=") + kToken, dir_ / "run.out");
  int run_exit = 0;
  int port = HttpsPort(run, &run_exit);
  ASSERT_NE(port, 0) << run.Output();
  ASSERT_TRUE(runtest::WaitForCdc(run, 60s)) << run.Output();
  // `cutover run` serves its control API over HTTPS too.
  CurlResult status =
      Curl(dir_, "--cacert " + testing::TlsCaFile() + " -H 'Authorization: Bearer " + kToken + "'",
           "https://127.0.0.1:" + std::to_string(port) + "/v1/status");
  EXPECT_EQ(status.http_code, "200") << status.exit_code << " " << status.body;
  EXPECT_NE(status.body.find("\"migration\":\"tls-mariadb\""), std::string::npos) << status.body;
  Exec(*admin, "INSERT INTO " + db + ".items VALUES (1001, 'new', 1), (1002, 'newer', 2)");
  Exec(*admin, "UPDATE " + db + ".items SET n = n + 1 WHERE id <= 20");
  Exec(*admin, "DELETE FROM " + db + ".items WHERE id BETWEEN 50 AND 59");
  // Every session cutover holds is kTlsOnlyUser's, so TLS.
  EXPECT_NE(Lines(*admin, std::string("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
                                      "USER = '") +
                              kTlsOnlyUser + "'"),
            std::vector<std::string>{"0"});
  auto rows = [&](const std::string& database) {
    return Lines(*admin, "SELECT id, name, n FROM " + database + ".items ORDER BY id");
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (rows(target_db) != rows(db) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(rows(target_db), rows(db)) << run.Output();
  EXPECT_EQ(rows(db).size(), 192u);
  runtest::StopRun(run);
  std::string verify = Cli("verify " + spec.string(), &code);
  EXPECT_EQ(code, 0) << verify;
  EXPECT_NE(verify.find("\n0 differences\n"), std::string::npos) << verify;
  Exec(*admin, "DROP DATABASE IF EXISTS " + db);
  Exec(*admin, "DROP DATABASE IF EXISTS " + target_db);
}

TEST_F(TlsTest, MariaDbWrongCaFailsNamingSourceTls) {
  testing::ServerInfo source = testing::MariaDbSource();
  std::string out =
      CheckMariaDb(TlsBlock("verify_full", testing::TlsOtherCaFile()), TlsBlock("disable"));
  EXPECT_TRUE(EndsWith(
      LineOf(out, "source.reachable"),
      "  cannot connect to 127.0.0.1:" + Port(source) +
          " as user 'cutover': source.tls: the server's certificate is not trusted: no CA in "
          "source.tls.ca_file (" +
          testing::TlsOtherCaFile() +
          ") signed it (TLS/SSL error: self-signed certificate in certificate chain (MySQL "
          "error 2026)); set source.tls.ca_file to the CA bundle that signed the server's "
          "certificate"))
      << out;
  EXPECT_NE(out.find("do what the message says: change source.tls.ca_file, source.tls.mode or "
                     "source.host in the spec, or the server's certificate (docs/tls.md)"),
            std::string::npos)
      << out;
}

// `cutover run` stops at once, with the same message.
TEST_F(TlsTest, MariaDbWrongCaStopsRunEarly) {
  testing::ServerInfo source = testing::MariaDbSource();
  std::filesystem::path spec =
      Spec("tls-run-wrong-ca",
           Endpoint("source", "mariadb", source, "127.0.0.1", "cutover", "",
                    TlsBlock("verify_ca", testing::TlsOtherCaFile())),
           Endpoint("target", "mariadb", testing::MariaDbTarget(), "127.0.0.1", "cutover",
                    tag_ + "_t", TlsBlock("disable")),
           "cutover_test.*");
  auto started = std::chrono::steady_clock::now();
  int code = 0;
  std::string out = Cli("run " + spec.string(), &code);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("source.tls: the server's certificate is not trusted: no CA in "
                     "source.tls.ca_file (" +
                     testing::TlsOtherCaFile() + ") signed it"),
            std::string::npos)
      << out;
}

TEST_F(TlsTest, MariaDbWrongHostFailsNamingTargetTls) {
  if (!testing::TlsWrongHostServed()) GTEST_SKIP() << "no IPv6 loopback: nothing listens on ::1";
  testing::ServerInfo server = testing::MariaDbSource();
  testing::ServerInfo source = testing::MariaDbTarget();  // plain: only the target is in question
  std::filesystem::path spec =
      Spec("tls-wrong-host",
           Endpoint("source", "mariadb", source, "127.0.0.1", "cutover", "", TlsBlock("disable")),
           Endpoint("target", "mariadb", server, testing::kTlsWrongHost, "cutover", tag_ + "_t",
                    TlsBlock("verify_full", testing::TlsCaFile())),
           "cutover_test.*");
  int code = 0;
  std::string out = Cli("check " + spec.string(), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(EndsWith(
      LineOf(out, "target.reachable"),
      "  cannot connect to ::1:" + Port(server) +
          " as user 'cutover': target.tls: host name mismatch: the server's certificate does "
          "not name '::1' (TLS/SSL error: Validation of SSL server certificate failed (MySQL "
          "error 2026)); set target.host to a name the certificate lists, or use "
          "target.tls.mode verify_ca to check the CA alone"))
      << out;
}

// require: TLS without checking the certificate (no CA given); disable: plain text; prefer: TLS
// where the server offers it (mariadb-source), plain where it does not (mariadb-target).
TEST_F(TlsTest, MariaDbRequirePreferDisable) {
  const std::string source = "127.0.0.1:" + Port(testing::MariaDbSource());
  const std::string target = "127.0.0.1:" + Port(testing::MariaDbTarget());
  std::string out = CheckMariaDb(TlsBlock("require"), TlsBlock("prefer"));
  EXPECT_NE(LineOf(out, "source.reachable").find("connected to " + source + " (TLS TLS_"),
            std::string::npos)
      << out;
  EXPECT_TRUE(
      EndsWith(LineOf(out, "target.reachable"), "connected to " + target + " (without TLS)"))
      << out;
  out = CheckMariaDb(TlsBlock("prefer"), TlsBlock("disable"), "127.0.0.1", kTlsOnlyUser);
  EXPECT_NE(LineOf(out, "source.reachable").find("connected to " + source + " (TLS TLS_"),
            std::string::npos)
      << out;
  EXPECT_TRUE(EndsWith(LineOf(out, "source.credentials"), "logged in as 'cutover_tls_only'"))
      << out;
  // require does not use ca_file with MariaDB Connector/C: another CA's file changes nothing.
  out = CheckMariaDb(TlsBlock("require", testing::TlsOtherCaFile()), TlsBlock("disable"));
  EXPECT_NE(LineOf(out, "source.reachable").find("connected to " + source + " (TLS TLS_"),
            std::string::npos)
      << out;
  out = CheckMariaDb(TlsBlock("disable"), TlsBlock("disable"));
  EXPECT_TRUE(
      EndsWith(LineOf(out, "source.reachable"), "connected to " + source + " (without TLS)"))
      << out;
}

// --- PostgreSQL ----------------------------------------------------------------------------------

// Databases <tag>_s and <tag>_t on postgres-source, so that the sessions cutover opens there are
// told apart from every other test's by their database.
class PostgresTlsTest : public TlsTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TlsTest::SetUp());
    admin_ = pgsource::ConnectPg(testing::PostgresSource());
    ASSERT_NE(admin_, nullptr);
    for (const std::string& db : {tag_ + "_s", tag_ + "_t"}) {
      pgsource::PgExec(*admin_, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      pgsource::PgExec(*admin_, "CREATE DATABASE " + db + " OWNER cutover");
    }
    testing::ServerInfo in_source = testing::PostgresSource();
    in_source.database = tag_ + "_s";
    source_ = pgsource::ConnectPg(in_source);
    ASSERT_NE(source_, nullptr);
  }
  void TearDown() override {
    source_.reset();
    if (admin_) {
      (void)admin_->Execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database "
          "= $1",
          {tag_ + "_s"});
      for (const std::string& db : {tag_ + "_s", tag_ + "_t"}) {
        (void)admin_->Execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      }
    }
    TlsTest::TearDown();
  }

  std::vector<std::string> Rows(const std::string& database) {
    testing::ServerInfo server = testing::PostgresSource();
    server.database = database;
    auto connection = pgsource::ConnectPg(server);
    if (!connection) return {};
    return pgsource::PgLines(*connection, "SELECT id, name, n FROM public.items ORDER BY id");
  }

  std::unique_ptr<postgres::Connection> admin_;
  std::unique_ptr<postgres::Connection> source_;
};

TEST_F(PostgresTlsTest, VerifyFullCheckRunAndVerify) {
  pgsource::PgExec(*source_,
                   "CREATE TABLE public.items (id INT PRIMARY KEY, name TEXT, n INT); INSERT INTO "
                   "public.items SELECT g, 'item ' || g, g * 7 FROM generate_series(1, 200) g");
  testing::ServerInfo server = testing::PostgresSource();
  const std::string tls = TlsBlock("verify_full", testing::TlsCaFile());
  std::filesystem::path spec = Spec(
      "tls-postgres",
      Endpoint("source", "postgres", server, "127.0.0.1", "cutover", tag_ + "_s", tls),
      Endpoint("target", "postgres", server, "127.0.0.1", "cutover", tag_ + "_t", tls), "public.*");
  int code = 0;
  std::string check = Cli("check " + spec.string(), &code);
  EXPECT_EQ(code, 0) << check;
  EXPECT_TRUE(EndsWith(LineOf(check, "source.reachable"),
                       "connected to 127.0.0.1:" + Port(server) + " (TLS)"))
      << check;

  runtest::CutoverProcess run("run " + spec.string() + " --status-every 1", "", dir_ / "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(run, 60s)) << run.Output();
  pgsource::PgExec(*source_,
                   "INSERT INTO public.items VALUES (1001, 'new', 1), (1002, 'newer', 2)");
  pgsource::PgExec(*source_, "UPDATE public.items SET n = n + 1 WHERE id <= 20");
  pgsource::PgExec(*source_, "DELETE FROM public.items WHERE id BETWEEN 50 AND 59");
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (Rows(tag_ + "_t") != Rows(tag_ + "_s") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(Rows(tag_ + "_t"), Rows(tag_ + "_s")) << run.Output();
  EXPECT_EQ(Rows(tag_ + "_s").size(), 192u);
  // The server's view of cutover's sessions (the replication stream's among them): all TLS.
  std::vector<std::string> sessions = pgsource::PgLines(
      *admin_,
      "SELECT count(*), count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE a.backend_type = "
      "'walsender') FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE "
      "a.application_name = 'cutover' AND a.datname IN ('" +
          tag_ + "_s', '" + tag_ + "_t')");
  ASSERT_EQ(sessions.size(), 1u);
  std::string all, tls_count, walsenders;
  std::istringstream(sessions[0]) >> all >> tls_count >> walsenders;
  EXPECT_NE(all, "0") << sessions[0];
  EXPECT_EQ(tls_count, all) << sessions[0];
  EXPECT_EQ(walsenders, "1") << sessions[0];
  runtest::StopRun(run);
  std::string verify = Cli("verify " + spec.string(), &code);
  EXPECT_EQ(code, 0) << verify;
  EXPECT_NE(verify.find("\n0 differences\n"), std::string::npos) << verify;
}

TEST_F(PostgresTlsTest, WrongCaFailsNamingTargetTls) {
  testing::ServerInfo server = testing::PostgresSource();
  std::string out = CheckPostgres(TlsBlock("verify_full", testing::TlsCaFile()), server,
                                  "127.0.0.1", TlsBlock("verify_ca", testing::TlsOtherCaFile()));
  EXPECT_TRUE(EndsWith(
      LineOf(out, "target.reachable"),
      "  cannot connect to 127.0.0.1:" + Port(server) +
          " database 'postgres' as user 'cutover': target.tls: the server's certificate is not "
          "trusted: no CA in target.tls.ca_file (" +
          testing::TlsOtherCaFile() + ") signed it (connection to server at \"127.0.0.1\", port " +
          Port(server) +
          " failed: SSL error: certificate verify failed); set target.tls.ca_file to the CA "
          "bundle that signed the server's certificate"))
      << out;
}

TEST_F(PostgresTlsTest, WrongHostFailsNamingSourceTls) {
  if (!testing::TlsWrongHostServed()) GTEST_SKIP() << "no IPv6 loopback: nothing listens on ::1";
  testing::ServerInfo source = testing::PostgresSource();
  std::filesystem::path spec =
      Spec("tls-pg-wrong-host",
           Endpoint("source", "postgres", source, testing::kTlsWrongHost, "cutover", "cutover_test",
                    TlsBlock("verify_full", testing::TlsCaFile())),
           Endpoint("target", "postgres", testing::PostgresTarget(), "127.0.0.1", "cutover",
                    "cutover_test", TlsBlock("disable")),
           "public.*");
  int code = 0;
  std::string out = Cli("check " + spec.string(), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(EndsWith(
      LineOf(out, "source.reachable"),
      "  cannot connect to ::1:" + Port(source) +
          " database 'cutover_test' as user 'cutover': source.tls: host name mismatch: the "
          "server's certificate does not name '::1' (connection to server at \"::1\", port " +
          Port(source) +
          " failed: server certificate for \"localhost\" (and 1 other name) does not match host "
          "name \"::1\"); set source.host to a name the certificate lists, or use "
          "source.tls.mode verify_ca to check the CA alone"))
      << out;
}

// require: TLS without a CA to check against; prefer: TLS on postgres-source, plain on the plain
// postgres-target; disable: plain on postgres-source too.
TEST_F(PostgresTlsTest, RequirePreferDisable) {
  const std::string source = "127.0.0.1:" + Port(testing::PostgresSource());
  const std::string target = "127.0.0.1:" + Port(testing::PostgresTarget());
  std::string out = CheckPostgres(TlsBlock("require"), testing::PostgresTarget(), "127.0.0.1",
                                  TlsBlock("prefer"));
  EXPECT_TRUE(EndsWith(LineOf(out, "source.reachable"), "connected to " + source + " (TLS)"))
      << out;
  EXPECT_TRUE(
      EndsWith(LineOf(out, "target.reachable"), "connected to " + target + " (without TLS)"))
      << out;
  out = CheckPostgres(TlsBlock("disable"), testing::PostgresSource(), "127.0.0.1",
                      TlsBlock("prefer"));
  EXPECT_TRUE(
      EndsWith(LineOf(out, "source.reachable"), "connected to " + source + " (without TLS)"))
      << out;
  EXPECT_TRUE(EndsWith(LineOf(out, "target.reachable"), "connected to " + source + " (TLS)"))
      << out;
  // libpq's own rule: require with a CA file checks the chain, as verify_ca does.
  out = CheckPostgres(TlsBlock("require", testing::TlsOtherCaFile()), testing::PostgresTarget(),
                      "127.0.0.1", TlsBlock("disable"));
  EXPECT_NE(LineOf(out, "source.reachable")
                .find("source.tls: the server's certificate is not trusted: no CA in "
                      "source.tls.ca_file"),
            std::string::npos)
      << out;
}

// --- The control API over HTTPS -----------------------------------------------------------------

class ControlHttpsTest : public TlsTest {
 protected:
  // `cutover serve` of a spec whose control block serves `cert` and `key`; the port, or 0.
  int Serve(const std::string& cert, const std::string& key, const std::string& name) {
    std::filesystem::path spec = dir_ / (name + ".yaml");
    copytest::WriteFile(
        spec, "name: " + name + "\n" +
                  Endpoint("source", "mariadb", testing::MariaDbTarget(), "127.0.0.1", "cutover",
                           "", "") +
                  Endpoint("target", "postgres", testing::PostgresTarget(), "127.0.0.1", "cutover",
                           "cutover_test", "") +
                  "tables:\n  - match: \"cutover_test.*\"\nstate_dir: " + (dir_ / name).string() +
                  "\ncontrol:\n  listen: \"127.0.0.1:0\"\n  token_env: CUTOVER_CONTROL_TOKEN\n"
                  "  tls_cert_file: " +
                  cert + "\n  tls_key_file: " + key + "\n");
    serve_ = std::make_unique<runtest::CutoverProcess>(
        "serve " + spec.string(), std::string("CUTOVER_CONTROL_TOKEN=") + kToken,
        dir_ / (name + ".out"));
    return HttpsPort(*serve_, &serve_exit_);
  }

  std::unique_ptr<runtest::CutoverProcess> serve_;
  int serve_exit_ = -1;  // its exit code once Serve saw it end
};

TEST_F(ControlHttpsTest, ServesHttpsWithTheTokenAndRefusesPlainHttpAndOtherCas) {
  int port = Serve(testing::TlsServerCertFile(), testing::TlsServerKeyFile(), "tls-https");
  ASSERT_NE(port, 0) << serve_->Output();
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/v1/status";
  const std::string bearer = std::string("-H 'Authorization: Bearer ") + kToken + "'";
  CurlResult ok = Curl(dir_, "--cacert " + testing::TlsCaFile() + " " + bearer, url);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.http_code, "200") << ok.body;
  EXPECT_NE(ok.body.find("\"migration\":\"tls-https\""), std::string::npos) << ok.body;
  // localhost is in the certificate too.
  CurlResult by_name = Curl(dir_, "--cacert " + testing::TlsCaFile() + " " + bearer,
                            "https://localhost:" + std::to_string(port) + "/v1/status");
  EXPECT_EQ(by_name.http_code, "200") << by_name.exit_code;
  // The token rules are those of plain HTTP.
  CurlResult no_token = Curl(dir_, "--cacert " + testing::TlsCaFile(), url);
  EXPECT_EQ(no_token.http_code, "401");
  // Plain HTTP to the HTTPS port gets no HTTP answer.
  CurlResult plain = Curl(dir_, bearer, "http://127.0.0.1:" + std::to_string(port) + "/v1/status");
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_EQ(plain.http_code, "000");
  // A CA that did not sign the server's certificate: curl refuses it (60: not trusted).
  CurlResult other = Curl(dir_, "--cacert " + testing::TlsOtherCaFile() + " " + bearer, url);
  EXPECT_EQ(other.exit_code, 60);
  EXPECT_EQ(other.http_code, "000");
  serve_->Signal(SIGTERM);
  int code = 0;
  EXPECT_TRUE(serve_->WaitFor(20s, &code)) << serve_->Output();
  EXPECT_EQ(code, 0) << serve_->Output();
}

// cutover::Router follows the stage over HTTPS, trusting RouterOptions::ca_file; with another
// CA it never gets the stage.
TEST_F(ControlHttpsTest, RouterFollowsTheStageOverHttpsWithItsCaFile) {
  int port = Serve(testing::TlsServerCertFile(), testing::TlsServerKeyFile(), "tls-router");
  ASSERT_NE(port, 0) << serve_->Output();
  RouterOptions options;
  options.control_url = "https://127.0.0.1:" + std::to_string(port);
  options.token = kToken;
  options.refresh = 200ms;
  options.ca_file = testing::TlsCaFile();
  {
    RouterCore router(options);
    EXPECT_TRUE(router.WaitForStage(10s));
    EXPECT_EQ(router.stage(), Stage::kSourceOnly);
    EXPECT_EQ(router.counters().stage_fetch_failures, 0);
  }
  options.ca_file = testing::TlsOtherCaFile();
  RouterCore untrusting(options);
  EXPECT_FALSE(untrusting.WaitForStage(1500ms));
  EXPECT_GT(untrusting.counters().stage_fetch_failures, 0);
}

// A certificate for another name: a client that checks the name refuses it.
TEST_F(ControlHttpsTest, CertificateForAnotherNameIsRefusedByTheClient) {
  int port = Serve(testing::TlsWrongHostCertFile(), testing::TlsWrongHostKeyFile(), "tls-host");
  ASSERT_NE(port, 0) << serve_->Output();
  CurlResult result = Curl(dir_, "--cacert " + testing::TlsCaFile(),
                           "https://127.0.0.1:" + std::to_string(port) + "/v1/status");
  EXPECT_EQ(result.exit_code, 60);
}

// A key that is not the certificate's: `cutover serve` stops at once and says which fields.
TEST_F(ControlHttpsTest, KeyOfAnotherCertificateStopsServe) {
  int port = Serve(testing::TlsServerCertFile(), testing::TlsWrongHostKeyFile(), "tls-key");
  EXPECT_EQ(port, 0);
  EXPECT_EQ(serve_exit_, 2) << serve_->Output();
  EXPECT_NE(serve_->Output().find("control.tls_cert_file " + testing::TlsServerCertFile() +
                                  " and control.tls_key_file " + testing::TlsWrongHostKeyFile() +
                                  ": cannot serve HTTPS with them (OpenSSL: "),
            std::string::npos)
      << serve_->Output();
}

}  // namespace
}  // namespace cutover
