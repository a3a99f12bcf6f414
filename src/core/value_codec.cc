// Value binary encoding: a kind byte then a compact kind-specific payload (for the change log).
#include <bit>
#include <cstring>

#include "core/coding.h"
#include "cutover/value.h"

namespace cutover {
namespace {

using coding::GetByte;
using coding::GetBytes;
using coding::GetVarint;
using coding::PutBytes;
using coding::PutVarint;

void PutDate(std::string* out, const Date& d) {
  PutVarint(out, coding::ZigZag(d.year));
  out->push_back(static_cast<char>(d.month));
  out->push_back(static_cast<char>(d.day));
  out->push_back(static_cast<char>(d.infinity));
}

void PutDateTime(std::string* out, const DateTime& dt) {
  PutDate(out, dt.date);
  out->push_back(static_cast<char>(dt.hour));
  out->push_back(static_cast<char>(dt.minute));
  out->push_back(static_cast<char>(dt.second));
  PutVarint(out, dt.micros);
  out->push_back(static_cast<char>(dt.precision));
}

bool GetDate(std::string_view* in, Date* d) {
  uint64_t year = 0;
  uint8_t infinity = 0;
  if (!GetVarint(in, &year) || !GetByte(in, &d->month) || !GetByte(in, &d->day) ||
      !GetByte(in, &infinity)) {
    return false;
  }
  int64_t y = coding::UnZigZag(year);
  if (y < INT32_MIN || y > INT32_MAX) return false;
  d->year = static_cast<int32_t>(y);
  d->infinity = static_cast<int8_t>(infinity);
  return d->month <= 12 && d->day <= 31 && d->infinity >= -1 && d->infinity <= 1;
}

bool GetDateTime(std::string_view* in, DateTime* dt) {
  uint64_t micros = 0;
  if (!GetDate(in, &dt->date) || !GetByte(in, &dt->hour) || !GetByte(in, &dt->minute) ||
      !GetByte(in, &dt->second) || !GetVarint(in, &micros) || !GetByte(in, &dt->precision)) {
    return false;
  }
  dt->micros = static_cast<uint32_t>(micros);
  return dt->hour <= 24 && dt->minute <= 59 && dt->second <= 60 && micros <= 999999 &&
         dt->precision <= 6;
}

bool IsDigits(const std::string& s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool GetDecimal(std::string_view* in, Decimal* d) {
  uint8_t flags = 0;
  if (!GetByte(in, &flags) || !GetBytes(in, &d->integer) || !GetBytes(in, &d->fraction)) {
    return false;
  }
  d->negative = (flags & 0x10) != 0;
  d->special = static_cast<Decimal::Special>(flags & 0x0F);
  if ((flags & 0x0F) > 3) return false;
  return IsDigits(d->integer) && IsDigits(d->fraction);
}

bool GetTime(std::string_view* in, Time* t) {
  uint8_t negative = 0;
  uint64_t hours = 0;
  uint64_t micros = 0;
  if (!GetByte(in, &negative) || !GetVarint(in, &hours) || !GetByte(in, &t->minutes) ||
      !GetByte(in, &t->seconds) || !GetVarint(in, &micros) || !GetByte(in, &t->precision)) {
    return false;
  }
  t->negative = negative != 0;
  t->hours = static_cast<uint32_t>(hours);
  t->micros = static_cast<uint32_t>(micros);
  return hours <= UINT32_MAX && t->minutes <= 59 && t->seconds <= 59 && micros <= 999999 &&
         t->precision <= 6 && negative <= 1;
}

Status Malformed(ValueKind kind) {
  return Status::DataLoss("malformed encoded value of kind " + std::string(ValueKindName(kind)));
}

}  // namespace

void Value::EncodeTo(std::string* out) const {
  out->push_back(static_cast<char>(kind()));
  switch (kind()) {
    case ValueKind::kNull: return;
    case ValueKind::kInt: PutVarint(out, coding::ZigZag(as_int())); return;
    case ValueKind::kUInt: PutVarint(out, as_uint()); return;
    case ValueKind::kDecimal: {
      const Decimal& d = as_decimal();
      out->push_back(static_cast<char>((d.negative ? 0x10 : 0) | static_cast<int>(d.special)));
      PutBytes(out, d.integer);
      PutBytes(out, d.fraction);
      return;
    }
    case ValueKind::kFloat: coding::PutFixed32(out, std::bit_cast<uint32_t>(as_float())); return;
    case ValueKind::kDouble: coding::PutFixed64(out, std::bit_cast<uint64_t>(as_double())); return;
    case ValueKind::kBytes: PutBytes(out, as_bytes()); return;
    case ValueKind::kText:
      out->push_back(static_cast<char>(as_text().charset));
      PutBytes(out, as_text().bytes);
      return;
    case ValueKind::kDate: PutDate(out, as_date()); return;
    case ValueKind::kTime: {
      const Time& t = as_time();
      out->push_back(static_cast<char>(t.negative ? 1 : 0));
      PutVarint(out, t.hours);
      out->push_back(static_cast<char>(t.minutes));
      out->push_back(static_cast<char>(t.seconds));
      PutVarint(out, t.micros);
      out->push_back(static_cast<char>(t.precision));
      return;
    }
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: PutDateTime(out, as_datetime()); return;
    case ValueKind::kJson: PutBytes(out, as_json()); return;
    case ValueKind::kEnum:
      PutVarint(out, as_enum().index);
      PutBytes(out, as_enum().label);
      return;
    case ValueKind::kSet:
      PutVarint(out, as_set().bits);
      PutBytes(out, as_set().labels);
      return;
    case ValueKind::kBit:
      PutVarint(out, as_bit().bits);
      out->push_back(static_cast<char>(as_bit().width));
      return;
    case ValueKind::kBool: out->push_back(static_cast<char>(as_bool() ? 1 : 0)); return;
    case ValueKind::kOther:
      PutBytes(out, as_other().type);
      PutBytes(out, as_other().text);
      return;
  }
}

Result<Value> Value::DecodeFrom(std::string_view* in) {
  uint8_t kind_byte = 0;
  if (!GetByte(in, &kind_byte)) return Status::DataLoss("truncated encoded value");
  if (kind_byte > static_cast<uint8_t>(ValueKind::kOther)) {
    return Status::DataLoss("unknown value kind " + std::to_string(kind_byte));
  }
  auto kind = static_cast<ValueKind>(kind_byte);
  switch (kind) {
    case ValueKind::kNull: return Value();
    case ValueKind::kInt: {
      uint64_t v = 0;
      if (!GetVarint(in, &v)) return Malformed(kind);
      return Value::Int(coding::UnZigZag(v));
    }
    case ValueKind::kUInt: {
      uint64_t v = 0;
      if (!GetVarint(in, &v)) return Malformed(kind);
      return Value::UInt(v);
    }
    case ValueKind::kDecimal: {
      Decimal d;
      if (!GetDecimal(in, &d)) return Malformed(kind);
      return Value::Dec(std::move(d));
    }
    case ValueKind::kFloat: {
      uint32_t bits = 0;
      if (!coding::GetFixed32(in, &bits)) return Malformed(kind);
      return Value::Float(std::bit_cast<float>(bits));
    }
    case ValueKind::kDouble: {
      uint64_t bits = 0;
      if (!coding::GetFixed64(in, &bits)) return Malformed(kind);
      return Value::Double(std::bit_cast<double>(bits));
    }
    case ValueKind::kBytes: {
      std::string bytes;
      if (!GetBytes(in, &bytes)) return Malformed(kind);
      return Value::Bytes(std::move(bytes));
    }
    case ValueKind::kText: {
      uint8_t charset = 0;
      std::string bytes;
      if (!GetByte(in, &charset) || charset > static_cast<uint8_t>(Charset::kOther) ||
          !GetBytes(in, &bytes)) {
        return Malformed(kind);
      }
      return Value::Str(std::move(bytes), static_cast<Charset>(charset));
    }
    case ValueKind::kDate: {
      Date d;
      if (!GetDate(in, &d)) return Malformed(kind);
      return Value::FromDate(d);
    }
    case ValueKind::kTime: {
      Time t;
      if (!GetTime(in, &t)) return Malformed(kind);
      return Value::FromTime(t);
    }
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: {
      DateTime dt;
      if (!GetDateTime(in, &dt)) return Malformed(kind);
      return kind == ValueKind::kDateTime ? Value::FromDateTime(dt) : Value::Timestamp(dt);
    }
    case ValueKind::kJson: {
      std::string text;
      if (!GetBytes(in, &text)) return Malformed(kind);
      return Value::Json(std::move(text));
    }
    case ValueKind::kEnum: {
      uint64_t index = 0;
      Enum e;
      if (!GetVarint(in, &index) || index > UINT32_MAX || !GetBytes(in, &e.label)) {
        return Malformed(kind);
      }
      e.index = static_cast<uint32_t>(index);
      return Value::FromEnum(std::move(e));
    }
    case ValueKind::kSet: {
      Set s;
      if (!GetVarint(in, &s.bits) || !GetBytes(in, &s.labels)) return Malformed(kind);
      return Value::FromSet(std::move(s));
    }
    case ValueKind::kBit: {
      Bit b;
      if (!GetVarint(in, &b.bits) || !GetByte(in, &b.width) || b.width == 0 || b.width > 64) {
        return Malformed(kind);
      }
      return Value::FromBit(b);
    }
    case ValueKind::kBool: {
      uint8_t v = 0;
      if (!GetByte(in, &v) || v > 1) return Malformed(kind);
      return Value::Bool(v == 1);
    }
    case ValueKind::kOther: {
      Other o;
      if (!GetBytes(in, &o.type) || !GetBytes(in, &o.text)) return Malformed(kind);
      return Value::FromOther(std::move(o));
    }
  }
  return Malformed(kind);
}

}  // namespace cutover
