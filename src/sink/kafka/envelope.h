// The Debezium change-event envelope (docs/kafka.md): what the Kafka target writes for a row and
// what `cutover verify` and consumers read back. A record's key is the JSON of the table's key
// columns; its value the envelope {before, after, source, op, ts_ms}, each column encoded as
// Debezium's MySQL connector encodes it by default (decimal.handling.mode=precise,
// time.precision.mode=adaptive_time_microseconds, binary.handling.mode=bytes,
// bigint.unsigned.handling.mode=long), in Kafka Connect's JsonConverter form: with the schema
// ({"schema":..., "payload":...}, schemas.enable=true) or the bare payload.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/status.h"
#include "cutover/value.h"

namespace cutover::kafka {

// Debezium's op codes: r (a read of the full load), c, u, d, t (the table was truncated).
enum class EnvelopeOp { kRead, kCreate, kUpdate, kDelete, kTruncate };

// The `source` block's facts about one event.
struct EnvelopeSource {
  // "true" for every full-load row, "false" for changes ("last" is Debezium's last snapshot
  // row; the copy's chunks finish in any order, so cutover never knows which row is last).
  std::string snapshot = "false";
  Position position;  // the change's binlog position (file, pos, gtid, server_id)
  int64_t ts_ms = 0;  // when cutover read the row or the change
};

struct EnvelopeOptions {
  std::string prefix;   // Debezium's topic.prefix: names the schemas and source.name
  bool schemas = true;  // JsonConverter schemas.enable
  // When every table shares one topic: the key carries __dbz__physicalTableIdentifier, as
  // Debezium's topic router does, so keys of two tables never collide.
  bool table_in_key = false;
  std::string version;  // source.version: cutover's version
};

// Encodes one table shape's records; the schema JSON is built once per shape.
class EnvelopeEncoder {
 public:
  EnvelopeEncoder(const TableSchema& schema, EnvelopeOptions options);

  const TableSchema& schema() const { return schema_; }
  // The record key of `image` (a row of the schema).
  std::string Key(const Row& image) const;
  // Key appended to *out (a caller's buffer, reused from record to record).
  void AppendKey(std::string* out, const Row& image) const;
  // The record value: before/after null where absent (read/create: no before; delete: no after).
  // A column an image lacks (Row::present) is left out of that image, never written as null.
  std::string Value(EnvelopeOp op, const Row* before, const Row* after,
                    const EnvelopeSource& source, int64_t ts_ms) const;
  // Value appended to *out (a caller's buffer, reused from record to record).
  void AppendValue(std::string* out, EnvelopeOp op, const Row* before, const Row* after,
                   const EnvelopeSource& source, int64_t ts_ms) const;

 private:
  void AppendImage(std::string* out, const Row* row) const;  // "null" for none
  void AppendKeyPayload(std::string* out, const Row& image) const;

  TableSchema schema_;
  EnvelopeOptions options_;
  std::string key_schema_;    // the key's JSON schema
  std::string value_schema_;  // the envelope's JSON schema
  // The parts every value of this shape shares: each column's quoted name and colon, the source
  // block's head (version, connector, name) and its db and table.
  std::vector<std::string> column_names_;
  std::string source_head_;
  std::string source_table_;
};

// One column value as Debezium's JSON payload holds it ("null" for NULL).
std::string EncodeField(const Column& column, const Value& value);
// The inverse of EncodeField for a field of `column` (a JSON value parsed from a payload):
// a Value that EncodeField turns back into the same field. Errors name the column.
Result<Value> DecodeField(const Column& column, const nlohmann::json& field);

// A record read back: its op, the table it names and its images (nullopt where null). A column
// the image lacks (a value the change did not carry, docs/kafka.md "Partial images", or an
// envelope of an older shape) is absent in the Row (present false) and its value NULL;
// InvalidArgument for a record that is not an envelope of `schema`.
struct DecodedRecord {
  std::string op;
  std::string table;  // source.db + "." + source.table
  std::optional<Row> after;
  std::optional<Row> before;
};
Result<DecodedRecord> DecodeEnvelope(const TableSchema& schema, std::string_view value);
// The key image of a record key (values in schema.key order).
Result<Key> DecodeKey(const TableSchema& schema, std::string_view key);

// Whether two rows give the same envelope image (each value as EncodeField gives it).
bool SameImage(const TableSchema& schema, const Row& left, const Row& right,
               size_t* first_difference);

}  // namespace cutover::kafka
