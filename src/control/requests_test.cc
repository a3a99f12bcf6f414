// Tests of the control API's request bodies read apart from HTTP: exact errors naming the field.
#include "control/requests.h"

#include <gtest/gtest.h>

#include "control/ofrep.h"

namespace cutover::control {
namespace {

using nlohmann::json;

// Fuzz finding 8 (docs/fuzzing.md; fuzz/crashes/fuzz_control/crash-c133a37e...): a flag key that
// is not UTF-8 (from the request's path) was echoed in the OFREP answer, whose serialization
// threw instead of answering.
TEST(RequestsTest, AnAnswerEchoingBytesThatAreNotUtf8IsStillSent) {
  OfrepFlags flags;
  flags.stages = {{"default", Stage::kDualWrite, 1}};
  OfrepReply reply = EvaluateOfrepFlag(flags, "{\"timeu\x80\xff", "");
  EXPECT_EQ(reply.http_status, 404);
  EXPECT_EQ(JsonText(reply.body),
            "{\"errorCode\":\"FLAG_NOT_FOUND\",\"errorDetails\":\"no flag "
            "'{\\\"timeu\xEF\xBF\xBD\xEF\xBF\xBD'; "
            "the flags are cutover.stage, "
            "cutover.stage.default\",\"key\":\"{\\\"timeu\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  EXPECT_EQ(JsonText(json{{"error", "no group 'a\x80'"}}),
            "{\"error\":\"no group 'a\xef\xbf\xbd'\"}");
}

TEST(RequestsTest, ABodyIsAJsonObjectOrEmpty) {
  EXPECT_EQ(*ParseBodyObject(""), json::object());
  EXPECT_EQ(*ParseBodyObject(R"({"a": 1})"), (json{{"a", 1}}));
  for (std::string_view body : {"[1]", "1", "{", "nul", " "}) {
    EXPECT_EQ(ParseBodyObject(body).status().ToString(),
              "InvalidArgument: the request body must be a JSON object")
        << body;
  }
}

TEST(RequestsTest, ApiByNamesTheAddressAndWhoTheBodyNames) {
  EXPECT_EQ(ApiBy("10.0.0.7", json::object()), "api 10.0.0.7");
  EXPECT_EQ(ApiBy("10.0.0.7", json{{"by", "ana"}}), "api 10.0.0.7 (ana)");
  EXPECT_EQ(ApiBy("10.0.0.7", json{{"by", 7}}), "api 10.0.0.7");
}

TEST(RequestsTest, AFlagRequestNeedsAStageAndTypedFields) {
  Result<StageRequest> change = FlagRequestFromJson(
      "orders", json{{"stage", "dual_write"}, {"reason", "go"}, {"force", true}});
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(change->group, "orders");
  EXPECT_EQ(change->to, Stage::kDualWrite);
  EXPECT_EQ(change->reason, "go");
  EXPECT_TRUE(change->force);
  EXPECT_EQ(change->by, "");
  EXPECT_EQ(FlagRequestFromJson("default", json::object()).status().ToString(),
            "InvalidArgument: stage: missing; send {\"stage\": \"dual_write\", \"reason\": "
            "\"...\"}");
  EXPECT_EQ(FlagRequestFromJson("default", json{{"stage", 2}}).status().ToString(),
            "InvalidArgument: stage: expected a string such as \"dual_write\"; the stages are, in "
            "order: source_only, dual_write, shadow, target_reads, target_primary, target_only");
  EXPECT_EQ(FlagRequestFromJson("default", json{{"stage", "shadow"}, {"forse", true}})
                .status()
                .ToString(),
            "InvalidArgument: forse: unknown field; allowed fields are stage, reason, force, by");
  EXPECT_EQ(FlagRequestFromJson("default", json{{"stage", "dual_write"}, {"reason", 1}})
                .status()
                .ToString(),
            "InvalidArgument: reason: expected a string");
  EXPECT_EQ(FlagRequestFromJson("default", json{{"stage", "dual_write"}, {"force", "yes"}})
                .status()
                .ToString(),
            "InvalidArgument: force: expected true or false");
  EXPECT_EQ(FlagRequestFromJson("default", json{{"stage", "sideways"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RequestsTest, AFenceTimeoutIsAWholeNumberOfSeconds) {
  EXPECT_EQ(FenceOptionsFromJson(json::object())->timeout, std::chrono::seconds(300));
  EXPECT_EQ(FenceOptionsFromJson(json::parse(R"({"timeout_seconds": 5})"))->timeout,
            std::chrono::seconds(5));
  for (const json& bad : {json(-1), json(0), json(1.5), json("5")}) {
    EXPECT_EQ(FenceOptionsFromJson(json{{"timeout_seconds", bad}}).status().ToString(),
              "InvalidArgument: timeout_seconds: expected a whole number of seconds, 1 to 86400")
        << bad.dump();
  }
}

// Finding 11 (docs/fuzzing.md; fuzz/crashes/fuzz_control/fence-timeout-overflow): the fence
// adds the timeout to the clock's nanoseconds, a signed overflow for 99999999999 seconds.
TEST(RequestsTest, AFenceTimeoutIsAtMostADay) {
  EXPECT_EQ(FenceOptionsFromJson(json::parse(R"({"timeout_seconds": 86400})"))->timeout,
            std::chrono::seconds(86400));
  EXPECT_EQ(
      FenceOptionsFromJson(json::parse(R"({"timeout_seconds": 99999999999})")).status().ToString(),
      "InvalidArgument: timeout_seconds: expected a whole number of seconds, 1 to 86400");
  EXPECT_EQ(FenceOptionsFromJson(json::parse(R"({"timeout_seconds": 18446744073709551615})"))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(RequestsTest, VerifyTakesAnEmptyObjectOnly) {
  EXPECT_TRUE(CheckVerifyBody(json::object()).ok());
  EXPECT_EQ(CheckVerifyBody(json{{"tables", json::array()}}).ToString(),
            "InvalidArgument: POST /v1/verify takes an empty object ({}): it verifies every "
            "table");
}

}  // namespace
}  // namespace cutover::control
