// Checks that every test server of scripts/servers runs with the settings docs/servers.md promises.
#include "support/servers.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cutover::testing {
namespace {

// A MariaDB connection over TCP that closes itself.
class MariaDbClient {
 public:
  explicit MariaDbClient(const ServerInfo& server) : mysql_(mysql_init(nullptr)) {
    unsigned int timeout_seconds = 10;
    mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_seconds);
    connected_ = mysql_real_connect(mysql_, server.host.c_str(), server.user.c_str(),
                                    server.password.c_str(), server.database.c_str(),
                                    static_cast<unsigned int>(server.port), nullptr, 0) != nullptr;
  }
  ~MariaDbClient() { mysql_close(mysql_); }
  MariaDbClient(const MariaDbClient&) = delete;
  MariaDbClient& operator=(const MariaDbClient&) = delete;

  bool connected() const { return connected_; }
  std::string error() const { return mysql_error(mysql_); }
  unsigned int error_code() const { return mysql_errno(mysql_); }

  // Runs `sql`; false on error (see error()).
  bool Execute(const std::string& sql) {
    if (mysql_query(mysql_, sql.c_str()) != 0) return false;
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result != nullptr) mysql_free_result(result);
    return mysql_errno(mysql_) == 0;
  }

  // The first row of `sql` as text (NULL as "NULL"); empty when it failed or had no row.
  std::vector<std::string> FirstRow(const std::string& sql) {
    std::vector<std::string> values;
    if (mysql_query(mysql_, sql.c_str()) != 0) return values;
    std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> result(mysql_store_result(mysql_),
                                                                    &mysql_free_result);
    if (result == nullptr) return values;
    MYSQL_ROW row = mysql_fetch_row(result.get());
    if (row == nullptr) return values;
    for (unsigned int column = 0; column < mysql_num_fields(result.get()); ++column) {
      values.emplace_back(row[column] == nullptr ? "NULL" : row[column]);
    }
    return values;
  }

 private:
  MYSQL* mysql_;
  bool connected_ = false;
};

// A PostgreSQL connection over TCP that closes itself; `extra` is appended to the conninfo.
class PostgresClient {
 public:
  explicit PostgresClient(const ServerInfo& server, const std::string& extra = "")
      : conn_(PQconnectdb(("host=" + server.host + " port=" + std::to_string(server.port) +
                           " user=" + server.user + " password=" + server.password +
                           " dbname=" + server.database + " connect_timeout=10 " + extra)
                              .c_str())) {}
  ~PostgresClient() { PQfinish(conn_); }
  PostgresClient(const PostgresClient&) = delete;
  PostgresClient& operator=(const PostgresClient&) = delete;

  bool connected() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }

  // The first row of `sql` as text; empty when it failed or had no row.
  std::vector<std::string> FirstRow(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_, sql.c_str()), &PQclear);
    std::vector<std::string> values;
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) == 0) {
      return values;
    }
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      values.emplace_back(PQgetvalue(result.get(), 0, column));
    }
    return values;
  }

 private:
  PGconn* conn_;
};

std::size_t AppendToString(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// POSTs a DynamoDB JSON request for `operation` to dynalite; returns the body, or "" on failure.
std::string DynamoDbCall(const ServerInfo& server, const std::string& operation,
                         const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  std::string url = "http://" + server.host + ":" + std::to_string(server.port) + "/";
  // dynalite requires a SigV4-shaped Authorization header but does not verify the signature.
  std::string authorization = "Authorization: AWS4-HMAC-SHA256 Credential=" + server.user +
                              "/20240101/us-east-1/dynamodb/aws4_request, "
                              "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00";
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
  headers = curl_slist_append(headers, ("X-Amz-Target: DynamoDB_20120810." + operation).c_str());
  headers = curl_slist_append(headers, "X-Amz-Date: 20240101T000000Z");
  headers = curl_slist_append(headers, authorization.c_str());
  std::string response;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
  CURLcode code = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  return code == CURLE_OK ? response : "";
}

TEST(MariaDbSourceServer, HasRowBinlogWithFullImagesAndStrictGtid) {
  ASSERT_TRUE(EnsureServer("mariadb-source"));
  MariaDbClient client(MariaDbSource());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(
      client.FirstRow("SELECT @@log_bin, @@binlog_format, @@binlog_row_image, "
                      "@@binlog_row_metadata, @@server_id, @@gtid_strict_mode, "
                      "@@binlog_expire_logs_seconds, DATABASE()"),
      (std::vector<std::string>{"1", "ROW", "FULL", "FULL", "1", "1", "604800", "cutover_test"}));
}

TEST(MariaDbSourceServer, CutoverUserReadsBinlogPosition) {
  ASSERT_TRUE(EnsureServer("mariadb-source"));
  MariaDbClient client(MariaDbSource());
  ASSERT_TRUE(client.connected()) << client.error();
  std::vector<std::string> status = client.FirstRow("SHOW MASTER STATUS");
  ASSERT_FALSE(status.empty()) << client.error();
  EXPECT_EQ(status[0].rfind("binlog.", 0), 0u) << status[0];
}

TEST(MariaDbSourceServer, LimitedUserWritesTablesButCannotReadBinlog) {
  ASSERT_TRUE(EnsureServer("mariadb-source"));
  MariaDbClient client(Limited(MariaDbSource()));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_TRUE(client.FirstRow("SHOW MASTER STATUS").empty());
  EXPECT_EQ(client.error_code(), 1227u);
  EXPECT_EQ(client.error(),
            "Access denied; you need (at least one of) the SUPER, BINLOG MONITOR privilege(s) "
            "for this operation");
  ASSERT_TRUE(client.Execute("DROP TABLE IF EXISTS servers_test_limited")) << client.error();
  ASSERT_TRUE(client.Execute("CREATE TABLE servers_test_limited (id INT PRIMARY KEY)"))
      << client.error();
  ASSERT_TRUE(client.Execute("INSERT INTO servers_test_limited VALUES (1), (2)")) << client.error();
  EXPECT_EQ(client.FirstRow("SELECT COUNT(*) FROM servers_test_limited"),
            std::vector<std::string>{"2"});
  EXPECT_TRUE(client.Execute("DROP TABLE servers_test_limited")) << client.error();
}

TEST(MariaDbTargetServer, IsAServerOfItsOwn) {
  ASSERT_TRUE(EnsureServer("mariadb-target"));
  MariaDbClient client(MariaDbTarget());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.FirstRow("SELECT @@server_id, @@port, DATABASE()"),
            (std::vector<std::string>{"2", std::to_string(MariaDbTarget().port), "cutover_test"}));
}

TEST(MariaDbMisconfiguredServer, HasStatementBinlogWithMinimalImages) {
  ASSERT_TRUE(EnsureServer("mariadb-misconfigured"));
  MariaDbClient client(MariaDbMisconfigured());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.FirstRow("SELECT @@log_bin, @@binlog_format, @@binlog_row_image"),
            (std::vector<std::string>{"1", "STATEMENT", "MINIMAL"}));
}

TEST(PostgresSourceServer, HasLogicalWalAndAReplicationRoleOwningTheDatabase) {
  ASSERT_TRUE(EnsureServer("postgres-source"));
  PostgresClient client(PostgresSource());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.FirstRow("SHOW wal_level"), std::vector<std::string>{"logical"});
  EXPECT_EQ(client.FirstRow("SELECT r.rolreplication, r.rolcreatedb, pg_get_userbyid(d.datdba) "
                            "FROM pg_roles r, pg_database d "
                            "WHERE r.rolname = current_user AND d.datname = current_database()"),
            (std::vector<std::string>{"t", "t", "cutover"}));
}

TEST(PostgresSourceServer, CutoverUserOpensAReplicationConnection) {
  ASSERT_TRUE(EnsureServer("postgres-source"));
  PostgresClient client(PostgresSource(), "replication=database");
  ASSERT_TRUE(client.connected()) << client.error();
  std::vector<std::string> system = client.FirstRow("IDENTIFY_SYSTEM");
  ASSERT_EQ(system.size(), 4u) << client.error();
  EXPECT_EQ(system[3], "cutover_test");
}

TEST(PostgresSourceServer, LimitedUserCannotReplicate) {
  ASSERT_TRUE(EnsureServer("postgres-source"));
  PostgresClient plain(Limited(PostgresSource()));
  ASSERT_TRUE(plain.connected()) << plain.error();
  EXPECT_EQ(plain.FirstRow("SELECT rolreplication FROM pg_roles WHERE rolname = current_user"),
            std::vector<std::string>{"f"});
  PostgresClient replication(Limited(PostgresSource()), "replication=database");
  EXPECT_FALSE(replication.connected());
  EXPECT_NE(replication.error().find("must be superuser or replication role to start walsender"),
            std::string::npos)
      << replication.error();
}

TEST(PostgresTargetServer, CutoverUserOwnsTheDatabase) {
  ASSERT_TRUE(EnsureServer("postgres-target"));
  PostgresClient client(PostgresTarget());
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.FirstRow("SELECT pg_get_userbyid(datdba), current_setting('port') "
                            "FROM pg_database WHERE datname = current_database()"),
            (std::vector<std::string>{"cutover", std::to_string(PostgresTarget().port)}));
}

TEST(DynaliteServer, AnswersListTables) {
  ASSERT_TRUE(EnsureServer("dynalite"));
  std::string body = DynamoDbCall(Dynalite(), "ListTables", "{}");
  ASSERT_FALSE(body.empty());
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(answer.is_object()) << body;
  EXPECT_TRUE(answer["TableNames"].is_array()) << body;
}

// A client killed in the middle of a request (here: half a body sent, then the connection reset)
// does not end dynalite (its request handler rethrows the stream's ECONNRESET; the launcher in
// scripts/servers serves on), so a kill -9 test into DynamoDB cannot lose the server's tables.
TEST(DynaliteServer, ServesOnAfterAClientIsGoneMidRequest) {
  ASSERT_TRUE(EnsureServer("dynalite"));
  const ServerInfo dynalite = Dynalite();
  for (int client = 0; client < 3; ++client) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(dynalite.port));
    ASSERT_EQ(inet_pton(AF_INET, dynalite.host.c_str(), &address.sin_addr), 1);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    const std::string half =
        "POST / HTTP/1.1\r\nHost: " + dynalite.host +
        "\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: "
        "DynamoDB_20120810.ListTables\r\nContent-Length: 1000\r\n\r\n{\"Limit\":";
    ASSERT_EQ(send(fd, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
    usleep(100'000);
    linger reset{1, 0};  // close with a RST, as a killed process's socket may
    ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)), 0);
    close(fd);
  }
  usleep(300'000);
  std::string body = DynamoDbCall(dynalite, "ListTables", "{}");
  EXPECT_NE(body.find("TableNames"), std::string::npos) << "dynalite did not answer: " << body;
}

TEST(ServerInfo, LimitedKeepsTheServerAndChangesOnlyTheUser) {
  ServerInfo limited = Limited(PostgresSource());
  EXPECT_EQ(limited.user, "cutover_limited");
  EXPECT_EQ(limited.password, "cutover-test");
  EXPECT_EQ(limited.port, PostgresSource().port);
  EXPECT_EQ(limited.database, "cutover_test");
}

TEST(ServerInfo, PortsFollowTheEnvironmentOverrides) {
  ASSERT_EQ(setenv("CUTOVER_TEST_DYNALITE_PORT", "18555", 1), 0);
  EXPECT_EQ(Dynalite().port, 18555);
  ASSERT_EQ(setenv("CUTOVER_TEST_DYNALITE_PORT", "not-a-port", 1), 0);
  EXPECT_EQ(Dynalite().port, 18000);
  ASSERT_EQ(unsetenv("CUTOVER_TEST_DYNALITE_PORT"), 0);
  EXPECT_EQ(Dynalite().port, 18000);
}

TEST(ServerInfo, EnsureServerRefusesUnknownNames) {
  EXPECT_FALSE(EnsureServer("mariadb-source; true"));
}

}  // namespace
}  // namespace cutover::testing
