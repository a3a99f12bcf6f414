// ValueDecoder: one switch over DecodeOp per value; no allocation beyond the Value's own.
#include "source/binlog/value_decoder.h"

#include <cstring>
#include <string>

#include "source/binlog/decimal_binary.h"
#include "source/binlog/json_binary.h"
#include "source/binlog/temporal.h"

namespace cutover::binlog {
namespace {

Status CutShort(const BinlogColumn& col) {
  return Status::DataLoss("value of column " + (col.name.empty() ? "?" : col.name) + " cut short");
}

template <typename T>
Status SignedInt(const BinlogColumn& col, ByteReader* in, size_t bytes, Value* out) {
  uint64_t raw = 0;
  if (!in->LittleEndian(bytes, &raw)) return CutShort(col);
  out->SetInt(static_cast<T>(raw));
  return Status::Ok();
}

Status UnsignedInt(const BinlogColumn& col, ByteReader* in, size_t bytes, Value* out) {
  uint64_t raw = 0;
  if (!in->LittleEndian(bytes, &raw)) return CutShort(col);
  out->SetUInt(raw);
  return Status::Ok();
}

Status Int24(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t raw = 0;
  if (!in->LittleEndian(3, &raw)) return CutShort(col);
  int64_t v =
      (raw & 0x800000) != 0 ? static_cast<int64_t>(raw) - 0x1000000 : static_cast<int64_t>(raw);
  out->SetInt(v);
  return Status::Ok();
}

Status FloatingPoint(const BinlogColumn& col, ByteReader* in, bool is_double, Value* out) {
  uint64_t raw = 0;
  if (!in->LittleEndian(is_double ? 8 : 4, &raw)) return CutShort(col);
  if (is_double) {
    double v = 0;
    std::memcpy(&v, &raw, sizeof v);
    *out = Value::Double(v);
  } else {
    auto bits = static_cast<uint32_t>(raw);
    float v = 0;
    std::memcpy(&v, &bits, sizeof v);
    *out = Value::Float(v);
  }
  return Status::Ok();
}

Status NewDecimal(const BinlogColumn& col, ByteReader* in, Value* out) {
  size_t size = DecimalBinarySize(col.precision, col.scale);
  std::string_view bytes;
  if (size == 0) return Status::DataLoss("impossible DECIMAL metadata");
  if (!in->Bytes(size, &bytes)) return CutShort(col);
  CUTOVER_ASSIGN_OR_RETURN(Decimal d, DecodeDecimalBinary(bytes, col.precision, col.scale));
  *out = Value::Dec(std::move(d));
  return Status::Ok();
}

Status BitValue(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t raw = 0;
  if (!in->BigEndian((col.bit_width + 7u) / 8u, &raw)) return CutShort(col);
  *out = Value::FromBit(Bit{raw, static_cast<uint8_t>(col.bit_width)});
  return Status::Ok();
}

// The fractional-second bytes of the "2" temporal formats, as microseconds.
bool Fraction(ByteReader* in, uint8_t fsp, uint32_t* micros) {
  uint64_t raw = 0;
  size_t bytes = (fsp + 1u) / 2u;
  if (!in->BigEndian(bytes, &raw)) return false;
  static constexpr uint32_t kScale[] = {1, 10000, 100, 1};
  *micros = static_cast<uint32_t>(raw) * kScale[bytes];
  return true;
}

Status Time2(const BinlogColumn& col, ByteReader* in, Value* out) {
  constexpr int64_t kIntOffset = 0x800000, kFullOffset = 0x800000000000;
  uint64_t raw = 0;
  int64_t packed = 0;
  if (col.fsp >= 5) {
    if (!in->BigEndian(6, &raw)) return CutShort(col);
    packed = static_cast<int64_t>(raw) - kFullOffset;
  } else {
    if (!in->BigEndian(3, &raw)) return CutShort(col);
    int64_t int_part = static_cast<int64_t>(raw) - kIntOffset;
    uint64_t frac = 0;
    size_t frac_bytes = (col.fsp + 1u) / 2u;
    if (!in->BigEndian(frac_bytes, &frac)) return CutShort(col);
    int64_t frac_value = static_cast<int64_t>(frac);
    if (int_part < 0 && frac_value != 0) {
      // A negative value with a fraction borrows one second from the integer part.
      ++int_part;
      frac_value -= frac_bytes == 1 ? 0x100 : 0x10000;
    }
    packed = int_part * (int64_t{1} << 24) + frac_value * (frac_bytes == 1 ? 10000 : 100);
  }
  *out = Value::FromTime(TimeFromPacked(packed, col.fsp));
  return Status::Ok();
}

Status DateTime2(const BinlogColumn& col, ByteReader* in, Value* out) {
  constexpr int64_t kOffset = 0x8000000000;
  uint64_t raw = 0;
  uint32_t micros = 0;
  if (!in->BigEndian(5, &raw) || !Fraction(in, col.fsp, &micros)) return CutShort(col);
  int64_t int_part = static_cast<int64_t>(raw) - kOffset;
  *out = Value::FromDateTime(DateTimeFromPacked(int_part * (int64_t{1} << 24) + micros, col.fsp));
  return Status::Ok();
}

Status Timestamp2(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t seconds = 0;
  uint32_t micros = 0;
  if (!in->BigEndian(4, &seconds) || !Fraction(in, col.fsp, &micros)) return CutShort(col);
  *out = Value::Timestamp(
      UtcFromUnix(static_cast<int64_t>(seconds), seconds == 0 ? 0 : micros, col.fsp));
  return Status::Ok();
}

Status OldTemporal(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t raw = 0;
  switch (col.op) {
    case DecodeOp::kDate:
      if (!in->LittleEndian(3, &raw)) return CutShort(col);
      *out = Value::FromDate(DateFromPacked(static_cast<uint32_t>(raw)));
      return Status::Ok();
    case DecodeOp::kTime: {
      if (!in->LittleEndian(3, &raw)) return CutShort(col);
      auto v = static_cast<int32_t>((raw & 0x800000) != 0 ? raw | 0xFF000000u : raw);
      *out = Value::FromTime(TimeFromHhmmss(v));
      return Status::Ok();
    }
    case DecodeOp::kDateTime:
      if (!in->LittleEndian(8, &raw)) return CutShort(col);
      *out = Value::FromDateTime(DateTimeFromNumber(raw));
      return Status::Ok();
    default:  // kTimestamp
      if (!in->LittleEndian(4, &raw)) return CutShort(col);
      *out = Value::Timestamp(UtcFromUnix(static_cast<int64_t>(raw), 0, 0));
      return Status::Ok();
  }
}

// CHAR values are sent without trailing spaces (SELECT shows them so too); BINARY values are
// shown padded with 0x00 to the column length.
std::string_view StripSpaces(std::string_view s, Charset charset) {
  if (charset != Charset::kUcs2 && charset != Charset::kUtf16 && charset != Charset::kUtf16le &&
      charset != Charset::kUtf32) {
    size_t end = s.size();
    while (end > 0 && s[end - 1] == ' ') --end;
    return s.substr(0, end);
  }
  std::string_view pad;
  if (charset == Charset::kUcs2 || charset == Charset::kUtf16) pad = std::string_view("\0 ", 2);
  if (charset == Charset::kUtf16le) pad = std::string_view(" \0", 2);
  if (charset == Charset::kUtf32) pad = std::string_view("\0\0\0 ", 4);
  while (s.size() >= pad.size() && s.substr(s.size() - pad.size()) == pad) {
    s.remove_suffix(pad.size());
  }
  return s;
}

Status StringValue(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t len = 0;
  std::string_view bytes;
  if (!in->LittleEndian(col.length_bytes, &len) || !in->Bytes(len, &bytes)) return CutShort(col);
  if (col.binary) {
    out->SetBytes(bytes, col.op == DecodeOp::kChar ? col.max_bytes : 0);
    return Status::Ok();
  }
  if (col.op == DecodeOp::kChar) bytes = StripSpaces(bytes, col.charset);
  out->SetText(bytes, col.charset);
  return Status::Ok();
}

Status EnumValue(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t index = 0;
  if (!in->LittleEndian(col.length_bytes, &index)) return CutShort(col);
  Enum e;
  e.index = static_cast<uint32_t>(index);
  if (index > 0 && !col.labels.empty()) {
    if (index > col.labels.size()) {
      return Status::DataLoss("ENUM index " + std::to_string(index) + " of column " + col.name +
                              " beyond its " + std::to_string(col.labels.size()) + " labels");
    }
    e.label = col.labels[index - 1];
  }
  *out = Value::FromEnum(std::move(e));
  return Status::Ok();
}

Status SetValue(const BinlogColumn& col, ByteReader* in, Value* out) {
  Set set;
  if (!in->LittleEndian(col.length_bytes, &set.bits)) return CutShort(col);
  for (size_t member = 0; member < 64 && (set.bits >> member) != 0; ++member) {
    if (((set.bits >> member) & 1) == 0 || col.labels.empty()) continue;
    if (member >= col.labels.size()) {
      return Status::DataLoss("SET bit " + std::to_string(member) + " of column " + col.name +
                              " beyond its " + std::to_string(col.labels.size()) + " members");
    }
    if (!set.labels.empty()) set.labels.push_back(',');
    set.labels += col.labels[member];
  }
  *out = Value::FromSet(std::move(set));
  return Status::Ok();
}

Status JsonValue(const BinlogColumn& col, ByteReader* in, Value* out) {
  uint64_t len = 0;
  std::string_view doc;
  if (!in->LittleEndian(col.length_bytes, &len) || !in->Bytes(len, &doc)) return CutShort(col);
  std::string text;
  Status status = JsonBinaryToText(doc, &text);
  if (!status.ok()) return status.WithContext("column " + col.name);
  *out = Value::Json(std::move(text));
  return Status::Ok();
}

}  // namespace

Status DecodeValue(const BinlogColumn& col, ByteReader* in, Value* out) {
  switch (col.op) {
    case DecodeOp::kNull: out->SetNull(); return Status::Ok();
    case DecodeOp::kInt8: return SignedInt<int8_t>(col, in, 1, out);
    case DecodeOp::kUInt8: return UnsignedInt(col, in, 1, out);
    case DecodeOp::kInt16: return SignedInt<int16_t>(col, in, 2, out);
    case DecodeOp::kUInt16: return UnsignedInt(col, in, 2, out);
    case DecodeOp::kInt24: return Int24(col, in, out);
    case DecodeOp::kUInt24: return UnsignedInt(col, in, 3, out);
    case DecodeOp::kInt32: return SignedInt<int32_t>(col, in, 4, out);
    case DecodeOp::kUInt32: return UnsignedInt(col, in, 4, out);
    case DecodeOp::kInt64: return SignedInt<int64_t>(col, in, 8, out);
    case DecodeOp::kUInt64: return UnsignedInt(col, in, 8, out);
    case DecodeOp::kFloat: return FloatingPoint(col, in, false, out);
    case DecodeOp::kDouble: return FloatingPoint(col, in, true, out);
    case DecodeOp::kNewDecimal: return NewDecimal(col, in, out);
    case DecodeOp::kBit: return BitValue(col, in, out);
    case DecodeOp::kYear: {
      uint8_t year = 0;
      if (!in->U8(&year)) return CutShort(col);
      *out = Value::Int(year == 0 ? 0 : 1900 + year);
      return Status::Ok();
    }
    case DecodeOp::kDate:
    case DecodeOp::kTime:
    case DecodeOp::kDateTime:
    case DecodeOp::kTimestamp: return OldTemporal(col, in, out);
    case DecodeOp::kTime2: return Time2(col, in, out);
    case DecodeOp::kDateTime2: return DateTime2(col, in, out);
    case DecodeOp::kTimestamp2: return Timestamp2(col, in, out);
    case DecodeOp::kChar:
    case DecodeOp::kVarString:
    case DecodeOp::kBlob: return StringValue(col, in, out);
    case DecodeOp::kEnum: return EnumValue(col, in, out);
    case DecodeOp::kSet: return SetValue(col, in, out);
    case DecodeOp::kJsonBinary: return JsonValue(col, in, out);
    case DecodeOp::kUnsupported: break;
  }
  return Status::Unimplemented("column " + col.name + " has binlog type " +
                               std::to_string(static_cast<int>(col.type)) +
                               ", which cutover does not decode");
}

}  // namespace cutover::binlog
