// MariaDB -> Kafka target (librdkafka's mock cluster in this process, 3 brokers, 4 partitions
// per table topic) under a live workload (inserts, updates, key changes, deletes, multi-row
// transactions): `cutover run` copies and follows, is killed with SIGKILL at apply points and at
// random, and runs again; then a column is added and `lines` truncated. A consumer of ours reads the topics and rebuilds the tables from the
// Debezium envelopes (tombstones and key changes included), decoding them by hand, not with
// cutover's decoder; kcat rebuilds them too; both equal the source row by row. `cutover verify`
// then reports 0 differences, and a planted wrong envelope with its key.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "core/base64.h"
#include "kafka_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using copytest::Lines;
using namespace std::chrono_literals;

constexpr int kRows = 1000;
constexpr int kPartitions = 4;
constexpr char kName[] = "kafka-target";

using Record = testing::KafkaRecord;

// A big-endian two's complement integer (a Decimal's unscaled bytes) as decimal text.
std::string UnscaledText(const std::string& base64) {
  std::optional<std::string> bytes = FromBase64(base64);
  EXPECT_TRUE(bytes.has_value()) << base64;
  // A DECIMAL(12,2) fits 64 bits: sign-extend the bytes.
  uint64_t value = 0;
  for (char byte : bytes.value_or("")) value = (value << 8) | static_cast<uint8_t>(byte);
  const size_t bits = 8 * bytes.value_or("").size();
  if (bits > 0 && bits < 64 && (value >> (bits - 1)) != 0) value |= ~uint64_t{0} << bits;
  return std::to_string(static_cast<int64_t>(value));
}

std::string Field(const nlohmann::json& value) {
  return value.is_null() ? "NULL" : value.is_string() ? value.get<std::string>() : value.dump();
}

// One `after` image as the source query of Rows() renders it.
std::string Render(const std::string& table, const nlohmann::json& after) {
  if (table == "accounts") {
    return Field(after["id"]) + "|" + Field(after["owner"]) + "|" +
           UnscaledText(after["balance"].get<std::string>()) + "|" + Field(after["updated"]) + "|" +
           Field(after["note"]);
  }
  return Field(after["order_id"]) + "|" + Field(after["line"]) + "|" + Field(after["sku"]) + "|" +
         Field(after["qty"]);
}

nlohmann::json Payload(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text);
  return json.contains("payload") && json.contains("schema") ? json["payload"] : json;
}

// The table a consumer rebuilds from a topic, partition by partition in offset order: the last
// `after` per key; a tombstone or a delete removes the key; a truncate event (null key, op "t")
// removes the keys of its partition.
std::vector<std::string> Rebuild(const std::string& table, const std::vector<Record>& records) {
  std::map<std::string, std::pair<int, std::string>> by_key;
  for (const Record& record : records) {
    if (!record.key) {
      if (record.value && Payload(*record.value)["op"] == "t") {
        std::erase_if(by_key,
                      [&](const auto& entry) { return entry.second.first == record.partition; });
      }
      continue;
    }
    std::string key = Payload(*record.key).dump();
    if (!record.value) {
      by_key.erase(key);
      continue;
    }
    nlohmann::json event = Payload(*record.value);
    if (event["after"].is_null()) {
      by_key.erase(key);
    } else {
      by_key[key] = {record.partition, Render(table, event["after"])};
    }
  }
  std::vector<std::string> rows;
  for (const auto& [key, entry] : by_key) rows.push_back(entry.second);
  std::sort(rows.begin(), rows.end());
  return rows;
}

class RunKafkaTargetTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(SetUpPair("kafka_target", "cutover_kafka_target", kRows));
    kafka_ = std::make_unique<testing::MockKafka>(3);
    for (const char* table : {"accounts", "lines"}) {
      kafka_->CreateTopic(Topic(table), kPartitions, 3);
    }
    copytest::WriteFile(
        spec_,
        copytest::CopySpec(kName, testing::MariaDbSource(),
                           "target:\n  kind: kafka\n  kafka: {brokers: \"" + kafka_->bootstraps() +
                               "\", partitions: " + std::to_string(kPartitions) + "}\n",
                           "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(),
                           "parallelism: {copy_workers: 2, chunk_rows: 200}\n"
                           "throttle: {copy_rows_per_second: 2000}\n"));
  }

  std::string Topic(const std::string& table) const {
    return std::string(kName) + "." + db_ + "." + table;
  }

  std::unique_ptr<runtest::CutoverProcess> Start(const std::string& command, const std::string& env,
                                                 const char* output) {
    return std::make_unique<runtest::CutoverProcess>(
        command + " " + spec_.string() + " --status-every 1", env, dir_ / output);
  }

  // Every record of the table's topic, read to its end with a consumer of ours.
  std::vector<Record> Consume(const std::string& table) { return ConsumeTopic(Topic(table)); }

  std::vector<Record> ConsumeTopic(const std::string& topic) {
    return testing::ConsumeTopic(kafka_->bootstraps(), topic, kPartitions);
  }

  // The same records as kcat, a client that is not ours, prints them (-J: one JSON object per
  // record; a null key or a tombstone is JSON null).
  std::vector<Record> Kcat(const std::string& table) {
    std::filesystem::path out = dir_ / ("kcat-" + table + ".json");
    std::string command = "kcat -C -q -e -J -b " + kafka_->bootstraps() + " -t " + Topic(table) +
                          " > " + out.string() + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream file(out);
    std::vector<Record> records;
    std::map<int, std::vector<std::pair<int64_t, Record>>> by_partition;
    for (std::string line; std::getline(file, line);) {
      nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(json.is_discarded()) << line;
      if (json.is_discarded()) continue;
      Record record;
      record.partition = json["partition"].get<int>();
      if (json["key"].is_string()) record.key = json["key"].get<std::string>();
      if (json["payload"].is_string()) record.value = json["payload"].get<std::string>();
      by_partition[record.partition].emplace_back(json["offset"].get<int64_t>(), record);
    }
    for (auto& [partition, list] : by_partition) {
      std::sort(list.begin(), list.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto& [offset, record] : list) records.push_back(record);
    }
    return records;
  }

  std::vector<std::string> SourceRows(const std::string& table) {
    std::string sql =
        table == "accounts"
            ? "SELECT id, owner, CAST(balance * 100 AS SIGNED), TIMESTAMPDIFF(MICROSECOND, "
              "'1970-01-01 00:00:00', updated), IFNULL(note, 'NULL') FROM " +
                  db_ + ".accounts"
            : "SELECT order_id, line, sku, qty FROM " + db_ + ".`lines`";
    std::vector<std::string> rows = Lines(*source_, sql);
    for (std::string& row : rows) std::replace(row.begin(), row.end(), '\t', '|');
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  bool RebuiltEqualsSource() {
    for (const char* table : {"accounts", "lines"}) {
      if (Rebuild(table, Consume(table)) != SourceRows(table)) return false;
    }
    return true;
  }

  std::unique_ptr<testing::MockKafka> kafka_;
};

TEST_F(RunKafkaTargetTest, CopyAndCdcUnderWritesAndKillsRebuildEqualAndVerify) {
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = Start("run", "", "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  run->Signal(SIGKILL);
  run->Wait();
  // Killed after the records of a batch were sent but before the checkpoint, and before them:
  // the next run sends them again (at least once); the rebuilt tables do not change.
  runtest::KillAtEachPointThenAtRandom(
      [this](const std::string& env) { return Start("run", env, "run.out"); },
      {"apply_after:5:kill", "apply_before:5:kill"});
  if (HasFatalFailure()) return;
  run = Start("run", "", "run.out");
  std::this_thread::sleep_for(4s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 100);
  EXPECT_EQ(workload.failures(), 0);
  // Schema changes (docs/ddl.md, "Kafka target"): an added column appears in the envelopes of the
  // rows changed after it; a truncate is op "t" on every partition, and the rows inserted after
  // it are all that is left.
  copytest::Exec(*source_, "ALTER TABLE " + db_ + ".accounts ADD COLUMN extra INT NULL");
  copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET extra = 5 WHERE id % 10 = 0");
  copytest::Exec(*source_, "TRUNCATE TABLE " + db_ + ".`lines`");
  copytest::Exec(*source_, "INSERT INTO " + db_ +
                               ".`lines` VALUES (1, 1, 'after', 3), (2, 1, "
                               "'after', 4)");
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!RebuiltEqualsSource() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1s);
  }
  run->Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  for (const char* table : {"accounts", "lines"}) {
    std::vector<Record> records = Consume(table);
    std::vector<std::string> source = SourceRows(table);
    EXPECT_EQ(Rebuild(table, records).size(), source.size()) << table;
    EXPECT_TRUE(Rebuild(table, records) == source) << table << " rebuilt differs";
    // The records themselves: the copy's reads, CDC's creates, updates, deletes and tombstones.
    std::set<std::string> ops;
    int tombstones = 0;
    for (const Record& record : records) {
      if (record.value) {
        ops.insert(Payload(*record.value)["op"].get<std::string>());
      } else {
        ++tombstones;
      }
    }
    // (The workload's updates of `lines` all move the key: a delete and a create each.)
    const std::set<std::string> expected = std::string(table) == "accounts"
                                               ? std::set<std::string>{"c", "d", "r", "u"}
                                               : std::set<std::string>{"c", "d", "r", "t"};
    EXPECT_EQ(ops, expected) << table;
    if (std::string(table) == "lines") {
      int truncates = 0;
      for (const Record& record : records) {
        truncates += !record.key && record.value && Payload(*record.value)["op"] == "t";
      }
      EXPECT_EQ(truncates, kPartitions);
    } else {
      const nlohmann::json last =
          Payload(*std::find_if(records.rbegin(), records.rend(), [](const Record& record) {
                     return record.value && Payload(*record.value)["op"] == "u";
                   })->value);
      EXPECT_EQ(last["after"]["extra"], 5) << last.dump();
    }
    EXPECT_GT(tombstones, 0) << table;
    // kcat, a client that is not ours, reads the same tables.
    EXPECT_TRUE(Rebuild(table, Kcat(table)) == source) << table << " rebuilt from kcat differs";
  }

  runtest::CutoverProcess verify("verify " + spec_.string(), "", dir_ / "verify.out");
  EXPECT_EQ(verify.Wait(), 0) << verify.Output();
  EXPECT_NE(verify.Output().find("0 differences"), std::string::npos) << verify.Output();

  // A wrong envelope for one key, produced after its last record: verify names it.
  std::vector<Record> accounts = Consume("accounts");
  std::string id = Lines(*source_, "SELECT MIN(id) FROM " + db_ + ".accounts")[0];
  const Record* last = nullptr;
  for (const Record& record : accounts) {
    if (record.key && record.value && Payload(*record.key)["id"].dump() == id) last = &record;
  }
  ASSERT_NE(last, nullptr) << "no record of id " << id;
  nlohmann::json wrong = nlohmann::json::parse(*last->value);
  nlohmann::json& after = wrong.contains("payload") ? wrong["payload"]["after"] : wrong["after"];
  after["owner"] = "mallory";
  testing::Produce(kafka_->bootstraps(), Topic("accounts"), last->partition, *last->key,
                   wrong.dump());
  runtest::CutoverProcess planted("verify " + spec_.string(), "", dir_ / "verify-planted.out");
  EXPECT_EQ(planted.Wait(), 1) << planted.Output();
  std::string owner = Lines(*source_, "SELECT owner FROM " + db_ + ".accounts WHERE id = " + id)[0];
  EXPECT_NE(planted.Output().find("different  id=" + id + "  owner: source " + owner +
                                  ", target mallory"),
            std::string::npos)
      << planted.Output();
  EXPECT_NE(planted.Output().find("\n1 difference\n"), std::string::npos) << planted.Output();
}

// `topic:` (one topic for every table, which cutover creates with the spec's partition count)
// and `schemas: false` (bare payloads): each key names its table in Debezium's
// __dbz__physicalTableIdentifier, so a consumer splits the topic back into the tables, each equal
// to the source after copy and CDC under the workload; verify reads the shared topic.
TEST_F(RunKafkaTargetTest, OneTopicWithBarePayloadsSplitsBackIntoEqualTables) {
  const std::string shared = "all-" + db_;
  copytest::WriteFile(
      spec_, copytest::CopySpec(kName, testing::MariaDbSource(),
                                "target:\n  kind: kafka\n  kafka: {brokers: \"" +
                                    kafka_->bootstraps() + "\", partitions: " +
                                    std::to_string(kPartitions) + ", topic: \"" + shared +
                                    "\", schemas: false}\n",
                                "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(),
                                "parallelism: {copy_workers: 2, chunk_rows: 200}\n"
                                "change_log: {retention_size: 1GiB}\n"));
  runtest::Workload workload(testing::MariaDbSource(), db_, kRows);
  workload.Start(5ms);
  auto run = Start("run", "", "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  std::this_thread::sleep_for(3s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  auto split = [&](const std::vector<Record>& records, const std::string& table) {
    std::vector<Record> mine;
    for (const Record& record : records) {
      if (record.key && nlohmann::json::parse(*record.key)["__dbz__physicalTableIdentifier"] ==
                            std::string(kName) + "." + db_ + "." + table) {
        mine.push_back(record);
      }
    }
    return Rebuild(table, mine);
  };
  auto equal = [&] {
    std::vector<Record> records = ConsumeTopic(shared);
    return split(records, "accounts") == SourceRows("accounts") &&
           split(records, "lines") == SourceRows("lines");
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!equal() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1s);
  run->Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  std::vector<Record> records = ConsumeTopic(shared);
  for (const char* table : {"accounts", "lines"}) {
    std::vector<std::string> source = SourceRows(table);
    EXPECT_GT(source.size(), 500u) << table;
    EXPECT_TRUE(split(records, table) == source) << table << " split from " << shared << " differs";
  }
  size_t bare = 0;
  for (const Record& record : records) {
    if (!record.value) continue;
    nlohmann::json value = nlohmann::json::parse(*record.value);
    bare += !value.contains("schema") && value.contains("op") && value.contains("source");
  }
  EXPECT_GT(bare, 0u);
  EXPECT_EQ(bare, static_cast<size_t>(std::count_if(records.begin(), records.end(),
                                                    [](const Record& r) { return r.value; })));
  runtest::CutoverProcess verify("verify " + spec_.string(), "", dir_ / "verify.out");
  EXPECT_EQ(verify.Wait(), 0) << verify.Output();
  EXPECT_NE(verify.Output().find("0 differences"), std::string::npos) << verify.Output();

  // `replay --from 0` into another topic (made by the replay) sends the change log's events
  // again: rebuilt, they equal what the CDC records of the first topic rebuild to (the log holds
  // the changes from the start position on; the copy's op "r" rows are not in it).
  const std::string again = "replayed-" + db_;
  std::filesystem::path second = dir_ / "second.yaml";
  copytest::WriteFile(
      second, copytest::CopySpec(std::string(kName) + "-replay", testing::MariaDbSource(),
                                 "target:\n  kind: kafka\n  kafka: {brokers: \"" +
                                     kafka_->bootstraps() + "\", partitions: " +
                                     std::to_string(kPartitions) + ", topic: \"" + again +
                                     "\", topic_prefix: " + kName + ", schemas: false}\n",
                                 "  - match: \"" + db_ + ".*\"\n", (dir_ / "state2").string()));
  runtest::CutoverProcess replay("replay " + spec_.string() + " --from 0 --target " +
                                     second.string(), "", dir_ / "replay.out");
  ASSERT_EQ(replay.Wait(), 0) << replay.Output();
  std::vector<Record> cdc;
  for (const Record& record : records) {
    if (!record.value || nlohmann::json::parse(*record.value)["op"] != "r") cdc.push_back(record);
  }
  std::vector<Record> replayed = ConsumeTopic(again);
  for (const char* table : {"accounts", "lines"}) {
    std::vector<std::string> expected = split(cdc, table);
    EXPECT_GT(expected.size(), 10u) << table;
    EXPECT_TRUE(split(replayed, table) == expected) << table << " replayed differs";
  }
}

// Kafka cannot empty a topic: `existing_tables: truncate` is refused before anything is sent.
TEST_F(RunKafkaTargetTest, TruncateOfATopicIsRefused) {
  std::ifstream file(spec_);
  std::stringstream text;
  text << file.rdbuf();
  std::string yaml = text.str();
  yaml.replace(yaml.find("  kafka: {"), 0, "  existing_tables: truncate\n");
  copytest::WriteFile(spec_, yaml);
  runtest::CutoverProcess copy("copy " + spec_.string(), "", dir_ / "copy.out");
  EXPECT_NE(copy.Wait(), 0);
  EXPECT_NE(copy.Output().find("target.existing_tables: truncate cannot empty Kafka topic " +
                               Topic("accounts") +
                               "; delete the topic, or set existing_tables to keep (append) or "
                               "create"),
            std::string::npos)
      << copy.Output();
}

}  // namespace
}  // namespace cutover
