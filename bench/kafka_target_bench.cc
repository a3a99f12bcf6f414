// kafka_target_bench: the Kafka target's ceiling on librdkafka's mock cluster, and the cluster
// itself for `cutover copy` to write to (bench/kafka_target.sh runs both; docs/benchmarks.md).
//   kafka_target_bench --serve --topics A,B --partitions 12
//       starts a mock cluster of 3 brokers in this process with the topics, prints its bootstrap
//       address on one line, and serves until its standard input closes.
//   kafka_target_bench --brokers B --topic T --rows ROWS.tsv
//       the smallest client that writes what cutover writes: the rows' Debezium envelopes (op r,
//       schemas on, made by cutover's own encoder) built before the clock starts, then sent by
//       one idempotent producer with the settings of the Kafka target (linger 5 ms, lz4, murmur2
//       partitioner) and flushed. Prints `raw: N rows in S s: R rows/s`, then on a second line
//       how long encoding the same records again takes one thread into reused buffers, as
//       cutover encodes them (not part of S), and on a third the process's CPU while sending.
//   kafka_target_bench --brokers B --topic T --rows ROWS.tsv --updates N
//       the same with N change events instead (op u, before and after images, as CDC sends
//       them: the rows in turn, k + 1 in the after image). Prints `raw: N events in ...`.
// ROWS.tsv: `id<TAB>k<TAB>c<TAB>pad` lines (sysbench's sbtest columns).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "db/kafka/producer.h"
#include "sink/kafka/envelope.h"

namespace cutover::bench {
namespace {

int Serve(const std::string& topics, int partitions) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", error, sizeof(error));
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (handle == nullptr) {
    std::fprintf(stderr, "%s\n", error);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, 3);
  std::string rest = topics;
  while (!rest.empty()) {
    std::string topic = rest.substr(0, rest.find(','));
    rest.erase(0, std::min(rest.size(), topic.size() + 1));
    rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 3);
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);
  for (std::string line; std::getline(std::cin, line);) {
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}

Column Col(const std::string& name, SqlType type, uint32_t length) {
  Column column;
  column.name = name;
  column.type.type = type;
  column.type.length = length;
  column.nullable = false;
  return column;
}

int Raw(const std::string& brokers, const std::string& topic, const std::string& rows_file,
        size_t updates) {
  TableSchema schema;
  schema.id = TableId{"bench_kafka", "sbtest1"};
  schema.columns = {Col("id", SqlType::kInt, 0), Col("k", SqlType::kInt, 0),
                    Col("c", SqlType::kChar, 120), Col("pad", SqlType::kChar, 60)};
  schema.key = {0};
  kafka::EnvelopeOptions options;
  options.prefix = "bench";
  options.version = "bench";
  kafka::EnvelopeEncoder encoder(schema, options);
  kafka::EnvelopeSource source;
  source.snapshot = "true";
  std::vector<std::pair<std::string, std::string>> records;
  std::vector<Row> images_or_rows;  // the rows (the update events' before images)
  std::ifstream file(rows_file);
  for (std::string line; std::getline(file, line);) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      cells.push_back(line.substr(start, tab - start));
    }
    cells.push_back(line.substr(start));
    if (cells.size() != 4) continue;
    Row row;
    row.values = {Value::Int(std::stoll(cells[0])), Value::Int(std::stoll(cells[1])),
                  Value::Str(cells[2]), Value::Str(cells[3])};
    if (updates == 0) {
      records.emplace_back(encoder.Key(row),
                           encoder.Value(kafka::EnvelopeOp::kRead, nullptr, &row, source, 0));
    }
    images_or_rows.push_back(std::move(row));
  }
  const kafka::EnvelopeSource source_read = source;
  source.snapshot = "false";
  source.position = Position::Parse("0-1-1").value();
  for (size_t event = 0; event < updates && !images_or_rows.empty(); ++event) {
    const Row& before = images_or_rows[event % images_or_rows.size()];
    Row after = before;
    after.values[1] = Value::Int(before.values[1].as_int() + 1);
    records.emplace_back(encoder.Key(after),
                         encoder.Value(kafka::EnvelopeOp::kUpdate, &before, &after, source, 0));
  }
  // The encoding cost on its own: every record again into reused buffers (building `records`
  // above also touches fresh memory for each one, which cutover's encoding does not).
  const auto encoding_began = std::chrono::steady_clock::now();
  std::string key_buffer;
  std::string value_buffer;
  size_t encoded_bytes = 0;
  for (size_t record = 0; record < records.size(); ++record) {
    key_buffer.clear();
    value_buffer.clear();
    if (updates == 0) {
      encoder.AppendKey(&key_buffer, images_or_rows[record]);
      encoder.AppendValue(&value_buffer, kafka::EnvelopeOp::kRead, nullptr, &images_or_rows[record],
                          source_read, 0);
    } else {
      const Row& before = images_or_rows[record % images_or_rows.size()];
      Row after = before;
      after.values[1] = Value::Int(before.values[1].as_int() + 1);
      encoder.AppendKey(&key_buffer, after);
      encoder.AppendValue(&value_buffer, kafka::EnvelopeOp::kUpdate, &before, &after, source, 0);
    }
    encoded_bytes += key_buffer.size() + value_buffer.size();
  }
  const double encoding =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - encoding_began).count();
  KafkaSpec kafka;
  kafka.brokers = brokers;
  Result<std::unique_ptr<kafka::Producer>> producer = kafka::Producer::Open(
      kafka, {{"linger.ms", "5"}, {"compression.type", "lz4"}, {"partitioner", "murmur2_random"}});
  if (!producer.ok()) {
    std::fprintf(stderr, "%s\n", producer.status().ToString().c_str());
    return 1;
  }
  // The topic's partitions known before the clock starts, as cutover's producers learn theirs
  // when they open (otherwise librdkafka may hold the first records up to a second).
  Status learned = (*producer)->Learn(topic);
  if (!learned.ok()) {
    std::fprintf(stderr, "%s\n", learned.ToString().c_str());
    return 1;
  }
  const std::clock_t cpu_began = std::clock();  // every thread of the process
  auto started = std::chrono::steady_clock::now();
  for (const auto& [key, value] : records) {
    Status sent = (*producer)->Produce(topic, RD_KAFKA_PARTITION_UA, key, value, 0);
    if (!sent.ok()) {
      std::fprintf(stderr, "%s\n", sent.ToString().c_str());
      return 1;
    }
  }
  Status flushed = (*producer)->Flush();
  if (!flushed.ok()) {
    std::fprintf(stderr, "%s\n", flushed.ToString().c_str());
    return 1;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("raw: %zu %s in %.2f s: %.0f %s/s\n", records.size(), updates ? "events" : "rows",
              seconds, static_cast<double>(records.size()) / seconds, updates ? "events" : "rows");
  std::printf(
      "encoding them again into reused buffers (one thread, not in the time above, %zu "
      "bytes): %.2f s\n",
      encoded_bytes, encoding);
  std::printf("CPU of this process while sending (its producer's threads included): %.2f s\n",
              static_cast<double>(std::clock() - cpu_began) / CLOCKS_PER_SEC);
  return 0;
}

}  // namespace
}  // namespace cutover::bench

int main(int argc, char** argv) {
  CLI::App app{"the Kafka target's ceiling on librdkafka's mock cluster"};
  bool serve = false;
  std::string topics;
  int partitions = 12;
  std::string brokers;
  std::string topic;
  std::string rows;
  size_t updates = 0;
  app.add_flag("--serve", serve, "host a mock cluster until stdin closes");
  app.add_option("--topics", topics, "topics the mock cluster starts with (comma-separated)");
  app.add_option("--partitions", partitions, "partitions of each topic");
  app.add_option("--brokers", brokers, "bootstrap address");
  app.add_option("--topic", topic, "topic the raw producer writes");
  app.add_option("--rows", rows, "sbtest rows as TSV");
  app.add_option("--updates", updates, "send this many update events of the rows instead");
  CLI11_PARSE(app, argc, argv);
  if (serve) return cutover::bench::Serve(topics, partitions);
  return cutover::bench::Raw(brokers, topic, rows, updates);
}
