// KafkaChecker: a Kafka target compared as a consumer of its topics sees it. Each table's topic
// is read to its end, partition by partition, keeping the last record per key (a tombstone or a
// delete removes the key; a truncate event removes the keys its partition held before it); the
// `after` images are decoded back to rows (sink/kafka/envelope.h) and compared with the source
// rows as the envelope shows them: equal when each value encodes to the same field.
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include <fmt/format.h>

#include "db/kafka/client.h"
#include "sink/kafka/envelope.h"
#include "sink/kafka/sink.h"
#include "verify/checker.h"

namespace cutover::verify {
namespace {

// The key as the envelope writes it: each key column's field, in key order.
std::string KeyFields(const TableSchema& schema, const std::vector<Value>& key) {
  std::string text;
  for (size_t index = 0; index < schema.key.size(); ++index) {
    text += kafka::EncodeField(schema.columns[schema.key[index]], key[index]);
    text.push_back('\x1f');
  }
  return text;
}

struct KeyLess {
  bool operator()(const Key& left, const Key& right) const { return left.Compare(right) < 0; }
};

// What a table's topic holds now: the last image of each key.
struct TopicRows {
  struct Entry {
    Row row;
    int partition = 0;
  };
  std::unordered_map<std::string, Entry> by_key;  // KeyFields -> last image
  std::map<Key, std::string, KeyLess> ordered;    // key -> KeyFields, for key ranges
};

class KafkaChecker : public TargetChecker {
 public:
  explicit KafkaChecker(const Spec& spec) : spec_(spec) {}

  Status Prepare(std::span<const TargetTablePlan> plans) override {
    for (const TargetTablePlan& plan : plans) {
      CUTOVER_ASSIGN_OR_RETURN(tables_[plan.source], Read(plan));
    }
    return Status::Ok();
  }

  // Every record of the topic lies in exactly one chunk's range (the first chunk has no lower
  // bound, the last no upper): keys no source row has are extra there.
  Status CheckChunk(const TargetTablePlan& plan, const std::optional<Key>& lower,
                    const std::optional<Key>& upper, std::span<const Row> rows,
                    ChunkResult* result) override {
    TopicRows& topic = tables_[plan.source];
    std::unordered_map<std::string, bool> matched;
    Compare(plan.schema, topic, rows, &matched, result);
    auto from = lower ? topic.ordered.upper_bound(*lower) : topic.ordered.begin();
    for (auto it = from; it != topic.ordered.end(); ++it) {
      if (upper && it->first.Compare(*upper) > 0) break;
      if (!matched.contains(it->second))
        AddExtra(plan.schema, topic.by_key[it->second].row, result);
    }
    return Status::Ok();
  }

  // The topic is read again (changes may have arrived since), then only `keys` are compared.
  Status CheckKeys(const TargetTablePlan& plan, std::span<const Key> keys,
                   std::span<const Row> rows, ChunkResult* result) override {
    CUTOVER_ASSIGN_OR_RETURN(tables_[plan.source], Read(plan));
    TopicRows& topic = tables_[plan.source];
    std::unordered_map<std::string, bool> matched;
    Compare(plan.schema, topic, rows, &matched, result);
    for (const Key& key : keys) {
      const std::string fields = KeyFields(plan.schema, key.values);
      auto found = topic.by_key.find(fields);
      if (found != topic.by_key.end() && !matched.contains(fields)) {
        AddExtra(plan.schema, found->second.row, result);
      }
    }
    return Status::Ok();
  }

 private:
  static void Compare(const TableSchema& schema, const TopicRows& topic, std::span<const Row> rows,
                      std::unordered_map<std::string, bool>* matched, ChunkResult* result) {
    for (const Row& row : rows) {
      const Key key = KeyOf(schema, row);
      const std::string fields = KeyFields(schema, key.values);
      auto found = topic.by_key.find(fields);
      if (found == topic.by_key.end()) {
        VerifyDifference difference;
        difference.kind = VerifyDifference::Kind::kMissing;
        difference.key = KeyText(schema, row);
        result->Add(std::move(difference), key);
        continue;
      }
      (*matched)[fields] = true;
      size_t column = 0;
      if (kafka::SameImage(schema, row, found->second.row, &column)) continue;
      VerifyDifference difference;
      difference.kind = VerifyDifference::Kind::kDifferent;
      difference.key = KeyText(schema, row);
      difference.column = schema.columns[column].name;
      const ColumnType& type = schema.columns[column].type;
      difference.source_value = ValueText(type, row.values[column]);
      difference.target_value = ValueText(type, found->second.row.values[column]);
      result->Add(std::move(difference), key);
    }
    result->rows += static_cast<int64_t>(rows.size());
  }

  static void AddExtra(const TableSchema& schema, const Row& row, ChunkResult* result) {
    VerifyDifference difference;
    difference.kind = VerifyDifference::Kind::kExtra;
    difference.key = KeyText(schema, row);
    result->Add(std::move(difference), KeyOf(schema, row));
  }

  // The last image of every key of `plan`'s topic, read to its end now.
  Result<TopicRows> Read(const TargetTablePlan& plan) const {
    const KafkaSpec& kafka = spec_.target.kafka;
    const std::string topic = kafka::TopicOf(kafka, plan.target);
    const kafka::EnvelopeOptions options = kafka::EnvelopeOptionsOf(kafka);
    // The envelope names the source table (its schema's), the topic the target's.
    const std::string table =
        fmt::format("{}.{}.{}", options.prefix, plan.source.schema, plan.source.name);
    CUTOVER_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                             kafka::KafkaConfig(kafka, {{"client.id", "cutover-verify"}}));
    CUTOVER_ASSIGN_OR_RETURN(rd_kafka_t * handle, kafka::NewKafkaHandle(RD_KAFKA_PRODUCER, conf));
    Result<int> partitions = kafka::KafkaPartitions(handle, topic);
    rd_kafka_destroy(handle);
    if (!partitions.ok()) {
      return partitions.status().WithContext("reading the topic of " + plan.source.ToString());
    }
    TopicRows rows;
    const TableSchema& schema = plan.schema;
    for (int partition = 0; partition < *partitions; ++partition) {
      CUTOVER_RETURN_IF_ERROR(kafka::ScanKafkaPartition(
          kafka, "cutover-verify." + spec_.name, topic, partition, std::nullopt, std::nullopt,
          [&](const rd_kafka_message_t& record) -> Result<bool> {
            std::string_view value(static_cast<const char*>(record.payload), record.len);
            if (record.key == nullptr) {
              // A truncate event: the keys this partition held before it are gone.
              CUTOVER_ASSIGN_OR_RETURN(kafka::DecodedRecord event,
                                       kafka::DecodeEnvelope(schema, value));
              if (event.op != "t" || event.table != plan.source.ToString()) return false;
              for (auto it = rows.by_key.begin(); it != rows.by_key.end();) {
                it = it->second.partition == partition ? rows.by_key.erase(it) : std::next(it);
              }
              return false;
            }
            std::string_view key_text(static_cast<const char*>(record.key), record.key_len);
            if (options.table_in_key && !KeyNamesTable(key_text, table)) return false;
            CUTOVER_ASSIGN_OR_RETURN(Key key, kafka::DecodeKey(schema, key_text));
            const std::string fields = KeyFields(schema, key.values);
            std::optional<Row> after;
            if (record.payload != nullptr) {
              Result<kafka::DecodedRecord> event = kafka::DecodeEnvelope(schema, value);
              if (!event.ok()) {
                return event.status().WithContext(fmt::format("topic {} partition {} offset {}",
                                                              topic, partition, record.offset));
              }
              after = std::move(event->after);
            }
            if (after) {
              // A partial image (docs/kafka.md, "Partial images") leaves the fields it lacks as
              // the key's last record had them.
              auto earlier = rows.by_key.find(fields);
              if (!after->present.empty() && earlier != rows.by_key.end()) {
                for (size_t column = 0; column < after->values.size(); ++column) {
                  if (!after->IsPresent(column)) {
                    after->values[column] = earlier->second.row.values[column];
                  }
                }
              }
              after->present.clear();
              rows.by_key[fields] = TopicRows::Entry{std::move(*after), partition};
            } else {
              rows.by_key.erase(fields);
            }
            return false;
          }));
    }
    for (const auto& [fields, entry] : rows.by_key) {
      rows.ordered.emplace(KeyOf(schema, entry.row), fields);
    }
    return rows;
  }

  // Whether a key of the single topic names `table` (__dbz__physicalTableIdentifier).
  static bool KeyNamesTable(std::string_view key, const std::string& table) {
    nlohmann::json json = nlohmann::json::parse(key, nullptr, false);
    if (json.is_object() && json.contains("payload")) json = json["payload"];
    return json.is_object() && json.value("__dbz__physicalTableIdentifier", "") == table;
  }

  const Spec& spec_;
  std::map<TableId, TopicRows> tables_;  // by source table
};

}  // namespace

Result<std::unique_ptr<TargetChecker>> OpenKafkaChecker(const Spec& spec) {
  return std::unique_ptr<TargetChecker>(std::make_unique<KafkaChecker>(spec));
}

}  // namespace cutover::verify
