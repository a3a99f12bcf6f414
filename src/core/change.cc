// Change, Row and Key helpers: key extraction, key order and key encoding.
#include "cutover/change.h"

#include "core/coding.h"

namespace cutover {

std::string_view ChangeOpName(ChangeOp op) {
  switch (op) {
    case ChangeOp::kInsert: return "insert";
    case ChangeOp::kUpdate: return "update";
    case ChangeOp::kDelete: return "delete";
    case ChangeOp::kSchema: return "schema";
    case ChangeOp::kTruncate: return "truncate";
    case ChangeOp::kDdl: return "ddl";
  }
  return "unknown";
}

std::strong_ordering Key::Compare(const Key& other) const {
  size_t n = std::min(values.size(), other.values.size());
  for (size_t value_idx = 0; value_idx < n; ++value_idx) {
    if (auto c = values[value_idx].Compare(other.values[value_idx]); c != 0) return c;
  }
  return values.size() <=> other.values.size();
}

std::string Key::Encode() const {
  std::string out;
  coding::PutVarint(&out, values.size());
  for (const Value& v : values) v.EncodeTo(&out);
  return out;
}

Result<Key> Key::Decode(std::string_view bytes) {
  uint64_t count = 0;
  if (!coding::GetVarint(&bytes, &count) || count > bytes.size()) {
    return Status::DataLoss("malformed encoded key");
  }
  Key key;
  key.values.reserve(count);
  for (uint64_t value_idx = 0; value_idx < count; ++value_idx) {
    CUTOVER_ASSIGN_OR_RETURN(Value v, Value::DecodeFrom(&bytes));
    key.values.push_back(std::move(v));
  }
  if (!bytes.empty()) return Status::DataLoss("trailing bytes after encoded key");
  return key;
}

Key KeyOf(const TableSchema& schema, const Row& row) {
  Key key;
  key.values.reserve(schema.key.size());
  for (size_t column : schema.key) {
    key.values.push_back(column < row.values.size() ? row.values[column] : Value());
  }
  return key;
}

Key Change::KeyAfter() const {
  if (!schema) return Key{};
  if (after) return KeyOf(*schema, *after);
  if (before) return KeyOf(*schema, *before);
  return Key{};
}

Key Change::KeyBefore() const {
  if (!schema) return Key{};
  if (before) return KeyOf(*schema, *before);
  if (after) return KeyOf(*schema, *after);
  return Key{};
}

}  // namespace cutover
