// Tests for the run's status record: a round trip through the store, the records of older
// runs (fields missing, unknown fields), freshness, and named errors for malformed text.
#include "state/run_status.h"

#include <gtest/gtest.h>

#include "state/test_support.h"

namespace cutover::state {
namespace {

RunStatus LocalStatus() {
  RunStatus status;
  status.phase = "cdc";
  status.lag_seconds = 0.25;
  status.lag_records = 12;
  status.applied_changes = 1850;
  status.captured_transactions = 48211;
  status.captured_changes = 52000;
  status.captured_changes_total = 90000;
  status.applied_changes_total = 89990;
  status.applied_through_ms = 1700000000100;
  status.last_event_ms = 1700000000050;
  status.updated_at_ms = 1700000000200;
  status.throttle.copy_wait_seconds = 1.5;
  status.throttle.apply_wait_seconds = 0.25;
  status.throttle.target_throttled = 3;
  status.throttle.copy = {true, "source_load", "source Threads_running 9 > 4"};
  status.throttle.held_seconds["copy"]["source_load"] = 2.5;
  status.throttle.probe_errors = {"replica r:1: refused"};
  status.log_durable_offset = 4096;
  status.applied_offset = 4000;
  return status;
}

void ExpectEqual(const RunStatus& got, const RunStatus& want) {
  EXPECT_EQ(got.ToJson(), want.ToJson());
  EXPECT_EQ(got.phase, want.phase);
  EXPECT_EQ(got.change_log, want.change_log);
  EXPECT_EQ(got.lag_seconds, want.lag_seconds);
  EXPECT_EQ(got.applied_through_ms, want.applied_through_ms);
  EXPECT_EQ(got.throttle.target_throttled, want.throttle.target_throttled);
  EXPECT_EQ(got.log_durable_offset, want.log_durable_offset);
  EXPECT_EQ(got.applied_offset, want.applied_offset);
}

TEST(RunStatusTest, RoundTripsThroughTheStore) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  EXPECT_EQ(ReadRunStatus(*state).value(), std::nullopt);
  ASSERT_TRUE(WriteRunStatus(*state, LocalStatus()).ok());
  std::optional<RunStatus> read = ReadRunStatus(*state).value();
  ASSERT_TRUE(read.has_value());
  ExpectEqual(*read, LocalStatus());
}

TEST(RunStatusTest, TheFormatIsTheDocumentedOne) {
  // docs/run.md; `cutover status --json` shows the record as it is.
  nlohmann::json local = nlohmann::json::parse(R"({
      "phase": "cdc", "lag_seconds": 0.25, "lag_records": 12, "applied_changes": 1850,
      "captured_transactions": 48211, "captured_changes": 52000,
      "captured_changes_total": 90000, "applied_changes_total": 89990,
      "applied_through_ms": 1700000000100, "last_event_ms": 1700000000050,
      "updated_at_ms": 1700000000200,
      "throttle": {"copy_wait_seconds": 1.5, "apply_wait_seconds": 0.25, "target_throttled": 3,
                   "state": {"copy": {"held": true, "reason": "source_load",
                                      "detail": "source Threads_running 9 > 4"},
                             "apply": {"held": false, "reason": "", "detail": ""}},
                   "held_seconds": {"copy": {"source_load": 2.5}},
                   "probe_errors": ["replica r:1: refused"]},
      "log_durable_offset": 4096, "applied_offset": 4000})");
  EXPECT_EQ(LocalStatus().ToJson(), local);
  // Kafka: the log is named and the local offsets are left out.
  RunStatus kafka = LocalStatus();
  kafka.change_log = "kafka";
  kafka.log_durable_offset.reset();
  kafka.applied_offset.reset();
  nlohmann::json json = kafka.ToJson();
  EXPECT_EQ(json["change_log"], "kafka");
  EXPECT_FALSE(json.contains("log_durable_offset"));
  EXPECT_FALSE(json.contains("applied_offset"));
  ExpectEqual(RunStatus::FromJson(json.dump()).value(), kafka);
}

TEST(RunStatusTest, ChangesAppliedPerTableRoundTrip) {
  RunStatus status = LocalStatus();
  status.applied_by_table["shop.orders"] = {10, 4, 1};
  status.applied_by_table["shop.items"] = {0, 0, 7};
  nlohmann::json json = status.ToJson();
  EXPECT_EQ(json["applied_by_table"]["shop.orders"],
            nlohmann::json::parse(R"({"inserts": 10, "updates": 4, "deletes": 1})"));
  RunStatus read = RunStatus::FromJson(json.dump()).value();
  EXPECT_EQ(read.applied_by_table, status.applied_by_table);
  // Records of older runs have none.
  EXPECT_FALSE(LocalStatus().ToJson().contains("applied_by_table"));
  json["applied_by_table"]["shop.orders"]["deletes"] = "many";
  EXPECT_EQ(RunStatus::FromJson(json.dump()).status().message(),
            "state meta \"run.status\": applied_by_table.shop.orders.deletes: expected an "
            "integer of 0 or more, found \"many\"");
}

TEST(RunStatusTest, APostgresSlotsRetentionIsRecorded) {
  RunStatus status = LocalStatus();
  status.source_retention =
      RunRetention{"replication slot cutover_shop", 123456789, "extended", std::nullopt, true};
  nlohmann::json json = status.ToJson();
  EXPECT_EQ(json["source_retention"],
            nlohmann::json::parse(R"({"what": "replication slot cutover_shop",
                "retained_bytes": 123456789, "state": "extended", "warning": true})"));
  RunStatus read = RunStatus::FromJson(json.dump()).value();
  ASSERT_TRUE(read.source_retention.has_value());
  EXPECT_EQ(read.source_retention->retained_bytes, 123456789);
  EXPECT_EQ(read.source_retention->state, "extended");
  EXPECT_EQ(read.source_retention->headroom_bytes, std::nullopt);
  EXPECT_TRUE(read.source_retention->warning);
  status.source_retention->headroom_bytes = 1 << 20;
  EXPECT_EQ(status.ToJson()["source_retention"]["headroom_bytes"], 1 << 20);
  // MariaDB: nothing kept per migration, nothing recorded.
  EXPECT_FALSE(LocalStatus().ToJson().contains("source_retention"));
  EXPECT_FALSE(RunStatus::FromJson(LocalStatus().ToJson().dump())->source_retention.has_value());
}

TEST(RunStatusTest, MissingFieldsKeepTheirDefaultsAndUnknownOnesAreIgnored) {
  // A record of an older run: no totals, no throttle, no applied_through_ms; and a field from
  // a newer one.
  Result<RunStatus> old = RunStatus::FromJson(
      R"({"phase":"catch_up","lag_seconds":1,"updated_at_ms":1000,"future_field":[1,2]})");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->phase, "catch_up");
  EXPECT_EQ(old->lag_seconds, 1.0);  // an integer is a number too
  EXPECT_EQ(old->updated_at_ms, 1000);
  EXPECT_EQ(old->captured_changes_total, 0u);
  EXPECT_EQ(old->applied_through_ms, 0);
  EXPECT_EQ(old->throttle.copy_wait_seconds, 0.0);
  EXPECT_EQ(old->change_log, "");
  EXPECT_EQ(old->log_durable_offset, std::nullopt);
  RunStatus empty = RunStatus::FromJson("{}").value();
  EXPECT_EQ(empty.phase, "");
  EXPECT_EQ(empty.updated_at_ms, 0);
}

TEST(RunStatusTest, MalformedTextIsDataLossNamingTheRecordAndField) {
  auto error = [](std::string_view text) { return RunStatus::FromJson(text).status(); };
  EXPECT_EQ(
      error(R"({"lag_seconds":"fast"})"),
      Status::DataLoss(R"(state meta "run.status": lag_seconds: expected a number, found "fast")"));
  EXPECT_EQ(error(R"({"applied_changes":-1})"),
            Status::DataLoss(R"(state meta "run.status": applied_changes: expected an integer )"
                             R"(of 0 or more, found -1)"));
  EXPECT_EQ(error(R"({"updated_at_ms":1.5})"),
            Status::DataLoss(
                R"(state meta "run.status": updated_at_ms: expected an integer, found 1.5)"));
  EXPECT_EQ(error(R"({"throttle":{"target_throttled":"x"}})"),
            Status::DataLoss(R"(state meta "run.status": throttle.target_throttled: expected an )"
                             R"(integer of 0 or more, found "x")"));
  EXPECT_EQ(error(R"({"throttle":7})"),
            Status::DataLoss(R"(state meta "run.status": throttle: expected an object, found 7)"));
  EXPECT_EQ(error("[1,2]"),
            Status::DataLoss(R"(state meta "run.status" is not a JSON object: [1,2])"));
  Status truncated = error(R"({"phase":"cdc","lag)");
  EXPECT_EQ(truncated.code(), StatusCode::kDataLoss);
  EXPECT_EQ(truncated.message().find(R"(state meta "run.status" is not JSON: parse error at )"), 0u)
      << truncated.ToString();
  EXPECT_EQ(error("").code(), StatusCode::kDataLoss);
}

TEST(RunStatusTest, AMalformedStoredRecordIsAnErrorOfTheReader) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  ASSERT_TRUE(state->SetMeta(kRunStatusKey, "not json").ok());
  EXPECT_EQ(ReadRunStatus(*state).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ReadFreshRunStatus(*state, 0).status().code(), StatusCode::kDataLoss);
}

TEST(RunStatusTest, OnlyARecentRecordShowsARunningRun) {
  TempDir tmp;
  auto state = StateStore::Open(tmp.state_dir()).value();
  EXPECT_EQ(ReadFreshRunStatus(*state, 10'000).value(), std::nullopt);
  RunStatus status = LocalStatus();
  status.updated_at_ms = 10'000;
  ASSERT_TRUE(WriteRunStatus(*state, status).ok());
  EXPECT_TRUE(ReadFreshRunStatus(*state, 10'000 + kRunStatusFreshMs).value().has_value());
  EXPECT_EQ(ReadFreshRunStatus(*state, 10'001 + kRunStatusFreshMs).value(), std::nullopt);
  EXPECT_TRUE(status.FreshAt(10'000));
  EXPECT_FALSE(status.FreshAt(10'001 + kRunStatusFreshMs));
}

// A wall-clock step (NTP, by hand) changes nothing: a record of this boot is judged by the boot
// clock, which steps do not move; one of another boot (or an older run's, without boot fields)
// by the wall clock.
TEST(RunStatusTest, FreshnessFollowsTheBootClockNotAWallClockStep) {
  RunStatus status = LocalStatus();
  status.updated_at_ms = 10'000;
  status.updated_at_boot_ms = 500'000;
  status.boot_id = "boot-a";
  const int64_t hour_ms = 3'600'000;
  // The wall clock stepped +1 h a moment after the record: the run is still running.
  EXPECT_TRUE(status.FreshAt(10'500 + hour_ms, BootClock{"boot-a", 500'500}));
  // Stepped -1 h: a record 6 s old on the boot clock is a stopped run, though the wall says -1 h.
  EXPECT_FALSE(status.FreshAt(16'000 - hour_ms, BootClock{"boot-a", 506'001}));
  EXPECT_TRUE(status.FreshAt(16'000 - hour_ms, BootClock{"boot-a", 500'000 + kRunStatusFreshMs}));
  // Another boot: the boot clock started again, so the wall clock decides.
  EXPECT_TRUE(status.FreshAt(12'000, BootClock{"boot-b", 1'000}));
  EXPECT_FALSE(status.FreshAt(10'001 + kRunStatusFreshMs, BootClock{"boot-b", 500'500}));
  // An older run's record (no boot fields): the wall clock.
  RunStatus older = LocalStatus();
  older.updated_at_ms = 10'000;
  EXPECT_FALSE(older.FreshAt(10'500 + hour_ms, BootClock{"boot-a", 500'500}));
  // Both survive the store.
  RunStatus read = RunStatus::FromJson(status.ToJson().dump()).value();
  EXPECT_EQ(read.updated_at_boot_ms, 500'000);
  EXPECT_EQ(read.boot_id, "boot-a");
}

TEST(RunStatusTest, TheBootClockIsReadable) {
  BootClock first = BootClock::Now();
  EXPECT_EQ(first.boot_id.size(), 36u) << first.boot_id;  // a UUID
  EXPECT_GT(first.ms, 0);
  EXPECT_GE(BootClock::Now().ms, first.ms);
}

}  // namespace
}  // namespace cutover::state
