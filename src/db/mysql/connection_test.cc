// Tests for the MySQL adapter's pure parts: error mapping with retry guidance and quoting.
#include "db/mysql/connection.h"

#include <gtest/gtest.h>

namespace cutover::mysql {
namespace {

TEST(MapMysqlErrorTest, ServerGoneOrUnreachableIsUnavailable) {
  for (unsigned code : {2002u, 2003u, 2006u, 2013u}) {
    Status status = MapMysqlError(code, "HY000", "gone", "ctx");
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << code;
    EXPECT_EQ(status.retry(), Retry::kRetryCall) << code;
  }
}

// Found by bench/chaos.sh once the test sources served TLS: a dropped link under TLS is error
// 2026 ("TLS/SSL error: unexpected eof while reading"), which ended `cutover run` as Internal
// instead of reconnecting.
TEST(MapMysqlErrorTest, ATlsConnectionCutMidStreamIsUnavailable) {
  Status status = MapMysqlError(2026, "HY000", "TLS/SSL error: unexpected eof while reading",
                                "reading the binlog");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.ToString(),
            "Unavailable: reading the binlog: TLS/SSL error: unexpected eof while reading (MySQL "
            "error 2026)");
}

TEST(MapMysqlErrorTest, AccessDeniedNeedsAPerson) {
  Status status =
      MapMysqlError(1045, "28000", "Access denied for user 'app'@'10.0.0.5' (using password: YES)",
                    "cannot connect to db:3306 as user 'app'");
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "cannot connect to db:3306 as user 'app': Access denied for user 'app'@'10.0.0.5' "
            "(using password: YES) (MySQL error 1045)");
}

TEST(MapMysqlErrorTest, DeadlockAndLockWaitRedoTheUnit) {
  EXPECT_EQ(MapMysqlError(1213, "40001", "Deadlock found", "").code(), StatusCode::kAborted);
  EXPECT_EQ(MapMysqlError(1205, "HY000", "Lock wait timeout", "").code(), StatusCode::kAborted);
  EXPECT_EQ(MapMysqlError(1213, "40001", "Deadlock found", "").retry(), Retry::kRedoUnit);
}

TEST(MapMysqlErrorTest, OtherErrorsMapByCodeOrSqlStateClass) {
  EXPECT_EQ(MapMysqlError(1146, "42S02", "no table", "").code(), StatusCode::kNotFound);
  EXPECT_EQ(MapMysqlError(1142, "42000", "SELECT denied", "").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(MapMysqlError(1040, "08004", "Too many connections", "").code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(MapMysqlError(1062, "23000", "Duplicate entry", "").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(MapMysqlError(1064, "42000", "syntax", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MapMysqlError(9999, "08S01", "link", "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(MapMysqlError(9999, "HY000", "odd", "").code(), StatusCode::kInternal);
  EXPECT_EQ(MapMysqlError(1064, "42000", "syntax", "").message(), "syntax (MySQL error 1064)");
}

TEST(QuoteIdentifierTest, DoublesBackticks) {
  EXPECT_EQ(QuoteIdentifier("orders"), "`orders`");
  EXPECT_EQ(QuoteIdentifier("we`ird"), "`we``ird`");
  EXPECT_EQ(QuoteIdentifier("`"), "````");
  EXPECT_EQ(QuoteQualified("shop", "order items"), "`shop`.`order items`");
}

}  // namespace
}  // namespace cutover::mysql
