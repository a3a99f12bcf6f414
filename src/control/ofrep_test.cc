// Tests for the OFREP evaluation of the stage flags: values, variants, reasons and metadata as
// OpenFeature providers read them, the errors the protocol names (FLAG_NOT_FOUND,
// PARSE_ERROR, INVALID_CONTEXT) with their exact details, and the bulk answer's ETag.
#include "control/ofrep.h"

#include <gtest/gtest.h>

namespace cutover::control {
namespace {

using nlohmann::json;

OfrepFlags TwoGroups() {
  OfrepFlags flags;
  flags.stages = {{"default", Stage::kDualWrite, 1'795'338'723'118},
                  {"orders", Stage::kTargetReads, 1'795'338'900'000}};
  return flags;
}

TEST(OfrepTest, TheStageFlagIsTheDefaultGroupsStageWithoutAGroupInTheContext) {
  OfrepReply reply = EvaluateOfrepFlag(TwoGroups(), "cutover.stage",
                                       R"({"context": {"targetingKey": "orders-api-1"}})");
  EXPECT_EQ(reply.http_status, 200);
  EXPECT_EQ(reply.body, json::parse(R"({"key": "cutover.stage", "value": "dual_write",
      "variant": "dual_write", "reason": "STATIC",
      "metadata": {"group": "default", "stage_index": 1, "since_ms": 1795338723118,
                   "finished": false}})"));
  EXPECT_TRUE(reply.etag.empty());
}

TEST(OfrepTest, TheContextsGroupSelectsTheGroup) {
  OfrepReply reply =
      EvaluateOfrepFlag(TwoGroups(), "cutover.stage", R"({"context": {"group": "orders"}})");
  EXPECT_EQ(reply.http_status, 200);
  EXPECT_EQ(reply.body["value"], "target_reads");
  EXPECT_EQ(reply.body["reason"], "TARGETING_MATCH");
  EXPECT_EQ(reply.body["metadata"]["group"], "orders");
  EXPECT_EQ(reply.body["metadata"]["stage_index"], 3);
}

TEST(OfrepTest, AGroupsOwnFlagIsStaticAndAnEmptyBodyIsAnEmptyContext) {
  OfrepFlags flags = TwoGroups();
  flags.finished = true;
  OfrepReply reply = EvaluateOfrepFlag(flags, "cutover.stage.orders", "");
  EXPECT_EQ(reply.http_status, 200);
  EXPECT_EQ(reply.body["key"], "cutover.stage.orders");
  EXPECT_EQ(reply.body["value"], "target_reads");
  EXPECT_EQ(reply.body["reason"], "STATIC");
  EXPECT_EQ(reply.body["metadata"]["finished"], true);
  EXPECT_EQ(EvaluateOfrepFlag(flags, "cutover.stage.default", R"({"context": {}})").body["value"],
            "dual_write");
}

TEST(OfrepTest, AnUnknownFlagIsNotFoundAndNamesTheFlags) {
  for (const char* key : {"new-checkout", "cutover.stage.payments", "cutover.stages"}) {
    OfrepReply reply = EvaluateOfrepFlag(TwoGroups(), key, R"({"context": {}})");
    EXPECT_EQ(reply.http_status, 404) << key;
    EXPECT_EQ(reply.body,
              json({{"key", key},
                    {"errorCode", "FLAG_NOT_FOUND"},
                    {"errorDetails", std::string("no flag '") + key +
                                         "'; the flags are cutover.stage, cutover.stage.default, "
                                         "cutover.stage.orders"}}))
        << key;
  }
}

TEST(OfrepTest, ABadBodyOrContextIsRefusedWithWhatToFix) {
  struct Case {
    const char* body;
    const char* code;
    const char* details;
  };
  for (const Case& each : {
           Case{"{\"context\": ", "PARSE_ERROR",
                "the request body must be a JSON object: {\"context\": {...}}"},
           Case{"[1]", "PARSE_ERROR",
                "the request body must be a JSON object: {\"context\": {...}}"},
           Case{R"({"context": "orders"})", "INVALID_CONTEXT",
                "context: expected an object, e.g. {\"targetingKey\": \"orders-api\", "
                "\"group\": \"orders\"}"},
           Case{R"({"context": {"group": 7}})", "INVALID_CONTEXT",
                "context.group: expected the name of a flag group"},
           Case{R"({"context": {"group": "payments"}})", "INVALID_CONTEXT",
                "context.group: no flag group 'payments'; the spec defines default, orders "
                "(control.groups adds groups)"},
       }) {
    OfrepReply single = EvaluateOfrepFlag(TwoGroups(), "cutover.stage", each.body);
    EXPECT_EQ(single.http_status, 400) << each.body;
    EXPECT_EQ(
        single.body,
        json({{"key", "cutover.stage"}, {"errorCode", each.code}, {"errorDetails", each.details}}))
        << each.body;
    OfrepReply bulk = EvaluateOfrepFlags(TwoGroups(), each.body, "");
    EXPECT_EQ(bulk.http_status, 400) << each.body;
    EXPECT_EQ(bulk.body, json({{"errorCode", each.code}, {"errorDetails", each.details}}))
        << each.body;
  }
}

TEST(OfrepTest, BulkEvaluatesEveryFlagInOrder) {
  OfrepReply reply = EvaluateOfrepFlags(TwoGroups(), R"({"context": {"group": "orders"}})", "");
  EXPECT_EQ(reply.http_status, 200);
  ASSERT_EQ(reply.body["flags"].size(), 3u);
  EXPECT_EQ(reply.body["flags"][0]["key"], "cutover.stage");
  EXPECT_EQ(reply.body["flags"][0]["value"], "target_reads");
  EXPECT_EQ(reply.body["flags"][0]["reason"], "TARGETING_MATCH");
  EXPECT_EQ(reply.body["flags"][1]["key"], "cutover.stage.default");
  EXPECT_EQ(reply.body["flags"][1]["value"], "dual_write");
  EXPECT_EQ(reply.body["flags"][2]["key"], "cutover.stage.orders");
  EXPECT_EQ(reply.body["flags"][2]["value"], "target_reads");
}

TEST(OfrepTest, BulkAnswersNotModifiedWhileTheETagStillMatches) {
  OfrepReply first = EvaluateOfrepFlags(TwoGroups(), R"({"context": {}})", "");
  ASSERT_EQ(first.http_status, 200);
  ASSERT_EQ(first.etag.size(), 18u) << first.etag;
  EXPECT_EQ(first.etag.front(), '"');
  EXPECT_EQ(first.etag.back(), '"');
  EXPECT_EQ(EvaluateOfrepFlags(TwoGroups(), R"({"context": {}})", "").etag, first.etag);

  for (std::string header :
       {first.etag, "W/" + first.etag, "\"other\", " + first.etag + " ", std::string("*")}) {
    OfrepReply again = EvaluateOfrepFlags(TwoGroups(), R"({"context": {}})", header);
    EXPECT_EQ(again.http_status, 304) << header;
    EXPECT_TRUE(again.body.is_null()) << header;
    EXPECT_EQ(again.etag, first.etag) << header;
  }

  OfrepFlags moved = TwoGroups();
  moved.stages[0] = {"default", Stage::kShadow, 1'795'339'000'000};
  OfrepReply changed = EvaluateOfrepFlags(moved, R"({"context": {}})", first.etag);
  EXPECT_EQ(changed.http_status, 200);
  EXPECT_NE(changed.etag, first.etag);
  EXPECT_EQ(changed.body["flags"][0]["value"], "shadow");
  // Another context is another answer: its own ETag.
  EXPECT_EQ(EvaluateOfrepFlags(TwoGroups(), R"({"context": {"group": "orders"}})", first.etag)
                .http_status,
            200);
}

}  // namespace
}  // namespace cutover::control
