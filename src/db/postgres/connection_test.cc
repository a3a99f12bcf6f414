// Tests for the PostgreSQL adapter's pure parts: error mapping, quoting and conninfo escaping.
#include "db/postgres/connection.h"

#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

TEST(MapPostgresErrorTest, ByClass) {
  EXPECT_EQ(MapPostgresError("08006", "lost", "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(MapPostgresError("28P01", "bad password", "").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(MapPostgresError("40P01", "deadlock", "").code(), StatusCode::kAborted);
  EXPECT_EQ(MapPostgresError("40001", "serialization", "").retry(), Retry::kRedoUnit);
  EXPECT_EQ(MapPostgresError("53300", "too many", "").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(MapPostgresError("57P01", "shutdown", "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(MapPostgresError("57014", "canceled", "").code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(MapPostgresError("42501", "denied", "").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(MapPostgresError("42P01", "no table", "").code(), StatusCode::kNotFound);
  EXPECT_EQ(MapPostgresError("42601", "syntax", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MapPostgresError("23505", "duplicate", "").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(MapPostgresError("XX000", "internal", "").code(), StatusCode::kInternal);
  EXPECT_EQ(MapPostgresError("", "server closed the connection", "").code(),
            StatusCode::kUnavailable);
}

TEST(MapPostgresErrorTest, MessageIsOneLineWithContextAndState) {
  Status status = MapPostgresError("42P01", "ERROR:  relation \"x\" does not exist\nLINE 1: ...\n",
                                   "app@db:5432/shop");
  EXPECT_EQ(status.message(),
            "app@db:5432/shop: ERROR: relation \"x\" does not exist LINE 1: ... (SQLSTATE 42P01)");
}

TEST(MapConnectFailureTest, ClassifiesLibpqMessages) {
  EXPECT_EQ(MapConnectFailure("connection to server at \"127.0.0.1\", port 1 failed: Connection "
                              "refused\n\tIs the server running?",
                              "ctx")
                .code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(
      MapConnectFailure("FATAL:  password authentication failed for user \"app\"", "ctx").code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(MapConnectFailure("FATAL:  no pg_hba.conf entry for host", "ctx").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(MapConnectFailure("FATAL:  role \"bob\" does not exist", "ctx").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(MapConnectFailure("FATAL:  database \"nope\" does not exist", "ctx").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(MapConnectFailure("FATAL:  sorry, too many clients already", "ctx").code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(MapConnectFailure("could not translate host name \"nohost\"", "ctx").message(),
            "ctx: could not translate host name \"nohost\"");
}

TEST(QuoteTest, IdentifiersAndConnInfoValues) {
  EXPECT_EQ(QuoteIdentifier("Orders"), "\"Orders\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteQualified("public", "t"), "\"public\".\"t\"");
  EXPECT_EQ(ConnInfoValue("plain"), "'plain'");
  EXPECT_EQ(ConnInfoValue("it's \\ x"), "'it\\'s \\\\ x'");
  EXPECT_EQ(ConnInfoValue(""), "''");
}

TEST(BuildConnInfoTest, EveryFieldEscapedAndTlsMapped) {
  ConnectionSpec spec;
  spec.host = "db.example";
  spec.port = 6543;
  spec.user = "o'neil";
  spec.database = "shop db";
  spec.password = Secret{"env PW", "p w'd"};
  spec.tls.mode = TlsSpec::Mode::kVerifyFull;
  spec.tls.ca_file = "/etc/ca.pem";
  spec.connect_timeout = std::chrono::seconds(7);
  EXPECT_EQ(BuildConnInfo(spec),
            "host='db.example' port=6543 dbname='shop db' user='o\\'neil' sslmode=verify-full "
            "connect_timeout=7 application_name=cutover keepalives=1 keepalives_idle=30 "
            "keepalives_interval=10 keepalives_count=3 tcp_user_timeout=60000 password='p w\\'d' "
            "sslrootcert='/etc/ca.pem'");
  spec.tls.mode = TlsSpec::Mode::kVerifyCa;
  spec.password = Secret{};
  ConnectOptions options;
  options.database_override = "postgres";
  options.replication = true;
  EXPECT_EQ(BuildConnInfo(spec, options),
            "host='db.example' port=6543 dbname='postgres' user='o\\'neil' sslmode=verify-ca "
            "connect_timeout=7 application_name=cutover keepalives=1 keepalives_idle=30 "
            "keepalives_interval=10 keepalives_count=3 tcp_user_timeout=60000 "
            "sslrootcert='/etc/ca.pem' "
            "replication=database");
}

}  // namespace
}  // namespace cutover::postgres
