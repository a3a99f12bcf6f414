// JsonBinary: MySQL binary JSON to JSON text.
#include "source/binlog/json_binary.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "cutover/value.h"

#include "source/binlog/byte_reader.h"
#include "source/binlog/decimal_binary.h"
#include "source/binlog/temporal.h"

namespace cutover::binlog {
namespace {

// Type codes of binary JSON values.
enum JsonType : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUInt16 = 0x06,
  kInt32 = 0x07,
  kUInt32 = 0x08,
  kInt64 = 0x09,
  kUInt64 = 0x0A,
  kDouble = 0x0B,
  kString = 0x0C,
  kOpaque = 0x0F,
};

constexpr uint8_t kLiteralNull = 0x00, kLiteralTrue = 0x01, kLiteralFalse = 0x02;
constexpr int kMaxDepth = 100;
// MySQL field types that opaque JSON values render specially.
constexpr uint8_t kFieldTimestamp = 7, kFieldDate = 10, kFieldTime = 11, kFieldDateTime = 12,
                  kFieldNewDate = 14, kFieldTimestamp2 = 17, kFieldDateTime2 = 18, kFieldTime2 = 19,
                  kFieldNewDecimal = 246;

Status Corrupt(std::string_view what) {
  return Status::DataLoss("corrupt binary JSON: " + std::string(what));
}

// The variable-length length of strings and opaque values: 7 bits per byte, low bits first,
// high bit set on every byte but the last; at most 5 bytes.
bool ReadVarLength(ByteReader* in, uint64_t* len) {
  *len = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t byte = 0;
    if (!in->U8(&byte)) return false;
    *len |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return *len <= UINT32_MAX;
  }
  return false;
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t pos = 0; pos < bytes.size(); pos += 3) {
    uint32_t chunk = 0;
    size_t n = std::min<size_t>(3, bytes.size() - pos);
    for (size_t byte_idx = 0; byte_idx < 3; ++byte_idx) {
      uint8_t b = byte_idx < n ? static_cast<uint8_t>(bytes[pos + byte_idx]) : 0;
      chunk = (chunk << 8) | b;
    }
    for (size_t char_idx = 0; char_idx < 4; ++char_idx) {
      out.push_back(char_idx <= n ? kAlphabet[(chunk >> (18 - 6 * char_idx)) & 0x3F] : '=');
    }
  }
  return out;
}

class JsonPrinter {
 public:
  explicit JsonPrinter(std::string* out) : out_(out) {}

  // Prints the value of `type` whose bytes start at data (bounded by data's end).
  Status Value(uint8_t type, std::string_view data, int depth) {
    if (depth > kMaxDepth) return Corrupt("nested deeper than 100 levels");
    switch (type) {
      case kSmallObject: return Container(data, false, true, depth);
      case kLargeObject: return Container(data, true, true, depth);
      case kSmallArray: return Container(data, false, false, depth);
      case kLargeArray: return Container(data, true, false, depth);
      case kLiteral: return Literal(data);
      case kInt16: return Integer<int16_t>(data);
      case kUInt16: return Integer<uint16_t>(data);
      case kInt32: return Integer<int32_t>(data);
      case kUInt32: return Integer<uint32_t>(data);
      case kInt64: return Integer<int64_t>(data);
      case kUInt64: return Integer<uint64_t>(data);
      case kDouble: return Double(data);
      case kString: return String(data);
      case kOpaque: return Opaque(data);
      default: return Corrupt("unknown value type " + std::to_string(type));
    }
  }

 private:
  Status Literal(std::string_view data) {
    if (data.empty()) return Corrupt("literal cut short");
    switch (static_cast<uint8_t>(data[0])) {
      case kLiteralNull: out_->append("null"); return Status::Ok();
      case kLiteralTrue: out_->append("true"); return Status::Ok();
      case kLiteralFalse: out_->append("false"); return Status::Ok();
      default: return Corrupt("unknown literal " + std::to_string(static_cast<uint8_t>(data[0])));
    }
  }

  template <typename T>
  Status Integer(std::string_view data) {
    ByteReader in(data);
    T v{};
    if (!in.Le(&v)) return Corrupt("integer cut short");
    out_->append(std::to_string(v));
    return Status::Ok();
  }

  Status Double(std::string_view data) {
    ByteReader in(data);
    uint64_t bits = 0;
    if (!in.LittleEndian(8, &bits)) return Corrupt("double cut short");
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    out_->append(JsonDouble(v));
    return Status::Ok();
  }

  Status String(std::string_view data) {
    ByteReader in(data);
    uint64_t len = 0;
    std::string_view text;
    if (!ReadVarLength(&in, &len) || !in.Bytes(len, &text)) return Corrupt("string cut short");
    AppendQuoted(text, out_);
    return Status::Ok();
  }

  Status Opaque(std::string_view data) {
    ByteReader in(data);
    uint8_t field_type = 0;
    uint64_t len = 0;
    std::string_view bytes;
    if (!in.U8(&field_type) || !ReadVarLength(&in, &len) || !in.Bytes(len, &bytes)) {
      return Corrupt("opaque value cut short");
    }
    return OpaqueValue(field_type, bytes);
  }

  Status OpaqueValue(uint8_t field_type, std::string_view bytes) {
    switch (field_type) {
      case kFieldNewDecimal: return OpaqueDecimal(bytes);
      case kFieldDate:
      case kFieldNewDate:
      case kFieldTime:
      case kFieldTime2:
      case kFieldDateTime:
      case kFieldDateTime2:
      case kFieldTimestamp:
      case kFieldTimestamp2: return OpaqueTemporal(field_type, bytes);
      default:
        out_->append("\"base64:type" + std::to_string(field_type) + ":" + Base64(bytes) + "\"");
        return Status::Ok();
    }
  }

  Status OpaqueDecimal(std::string_view bytes) {
    if (bytes.size() < 2) return Corrupt("opaque DECIMAL cut short");
    int precision = static_cast<uint8_t>(bytes[0]), scale = static_cast<uint8_t>(bytes[1]);
    auto decimal = DecodeDecimalBinary(bytes.substr(2), precision, scale);
    if (!decimal.ok()) return Corrupt("opaque DECIMAL: " + std::string(decimal.status().message()));
    out_->append(decimal->ToString());
    return Status::Ok();
  }

  // Temporal values are stored as MySQL's 8-byte packed integer and print with 6 digits.
  Status OpaqueTemporal(uint8_t field_type, std::string_view bytes) {
    ByteReader in(bytes);
    uint64_t raw = 0;
    if (!in.LittleEndian(8, &raw)) return Corrupt("opaque temporal value cut short");
    auto packed = static_cast<int64_t>(raw);
    std::string text;
    if (field_type == kFieldTime || field_type == kFieldTime2) {
      text = cutover::Value::FromTime(TimeFromPacked(packed, 6)).ToText();
    } else if (field_type == kFieldDate || field_type == kFieldNewDate) {
      text = cutover::Value::FromDate(DateTimeFromPacked(packed, 0).date).ToText();
    } else {
      text = cutover::Value::FromDateTime(DateTimeFromPacked(packed, 6)).ToText();
    }
    AppendQuoted(text, out_);
    return Status::Ok();
  }

  Status Container(std::string_view data, bool large, bool is_object, int depth);

  std::string* out_;
};

Status JsonPrinter::Container(std::string_view data, bool large, bool is_object, int depth) {
  const size_t offset_size = large ? 4 : 2;
  ByteReader in(data);
  uint64_t count = 0, size = 0;
  if (!in.LittleEndian(offset_size, &count) || !in.LittleEndian(offset_size, &size)) {
    return Corrupt("container header cut short");
  }
  if (size > data.size()) return Corrupt("container larger than its document");
  data = data.substr(0, size);
  const size_t key_entry = offset_size + 2, value_entry = 1 + offset_size;
  size_t header = 2 * offset_size + count * ((is_object ? key_entry : 0) + value_entry);
  if (count > size || header > size) return Corrupt("container entries outside it");
  out_->push_back(is_object ? '{' : '[');
  for (uint64_t element = 0; element < count; ++element) {
    if (element > 0) out_->append(", ");
    if (is_object) {
      size_t entry = 2 * offset_size + element * key_entry;
      uint64_t key_offset = ByteReader::LoadLittleEndian(data.data() + entry, offset_size);
      uint64_t key_len = ByteReader::LoadLittleEndian(data.data() + entry + offset_size, 2);
      if (key_offset > size || key_len > size - key_offset) return Corrupt("key outside object");
      AppendQuoted(data.substr(key_offset, key_len), out_);
      out_->append(": ");
    }
    size_t entry = 2 * offset_size + (is_object ? count * key_entry : 0) + element * value_entry;
    auto type = static_cast<uint8_t>(data[entry]);
    std::string_view slot = data.substr(entry + 1, offset_size);
    bool inlined = type == kLiteral || type == kInt16 || type == kUInt16 ||
                   (large && (type == kInt32 || type == kUInt32));
    if (inlined) {
      CUTOVER_RETURN_IF_ERROR(Value(type, slot, depth + 1));
      continue;
    }
    uint64_t value_offset = ByteReader::LoadLittleEndian(slot.data(), offset_size);
    if (value_offset < header || value_offset >= size) return Corrupt("value outside container");
    CUTOVER_RETURN_IF_ERROR(Value(type, data.substr(value_offset), depth + 1));
  }
  out_->push_back(is_object ? '}' : ']');
  return Status::Ok();
}

}  // namespace

std::string JsonDouble(double v) {
  // Shortest round-trip digits and the position of the decimal point (value = 0.DIGITS * 10^p).
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (ec != std::errc()) return "0";
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exponent);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int len = static_cast<int>(digits.size()), point = exponent + 1;
  const int width = negative ? 33 : 34;  // MySQL's field width for doubles, minus the sign
  const int fixed_width = point <= 0 ? len - point + 2 : point < len ? len + 1 : point;
  const bool fixed = fixed_width <= width && point >= -14 && (point <= 15 || len > point);
  std::string out = negative ? "-" : "";
  if (fixed) {
    if (point <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-point), '0');
      out += digits;
    } else if (point < len) {
      out += digits.substr(0, static_cast<size_t>(point)) + "." +
             digits.substr(static_cast<size_t>(point));
    } else {
      out += digits + std::string(static_cast<size_t>(point - len), '0') + ".0";
    }
    return out;
  }
  out += digits.substr(0, 1);
  // Appended, not `"." + digits.substr(1)`: prepending into that temporary is GCC 12's false
  // -Wrestrict at -O3 (GCC bug 105329), an error in a Release build.
  if (len > 1) {
    out += '.';
    out.append(digits, 1);
  }
  return out + "e" + std::to_string(exponent);
}

Status JsonBinaryToText(std::string_view doc, std::string* out) {
  if (doc.empty()) {
    out->append("null");
    return Status::Ok();
  }
  JsonPrinter printer(out);
  return printer.Value(static_cast<uint8_t>(doc[0]), doc.substr(1), 0);
}

}  // namespace cutover::binlog
