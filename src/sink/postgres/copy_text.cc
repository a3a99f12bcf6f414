// CopyText: PostgreSQL text input for every Value kind and COPY text-format lines.
#include "sink/postgres/copy_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

namespace cutover::postgres {
namespace {

Status NulError() {
  return Status::InvalidArgument(
      "PostgreSQL text cannot hold the NUL character (0x00) this value contains");
}

std::string HexBytea(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(bytes.size() * 2 + 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string BitString(const Bit& bit, uint32_t width) {
  if (width == 0) width = bit.width;
  std::string out(width, '0');
  for (uint32_t bit_idx = 0; bit_idx < width && bit_idx < 64; ++bit_idx) {
    if ((bit.bits >> bit_idx) & 1) out[width - 1 - bit_idx] = '1';
  }
  return out;
}

std::string FloatText(std::string shortest) {
  if (shortest == "inf") return "Infinity";
  if (shortest == "-inf") return "-Infinity";
  if (shortest == "nan") return "NaN";
  return shortest;
}

Result<std::optional<std::string>> Utf8Text(std::string_view bytes, Charset charset) {
  std::string text = charset == Charset::kUtf8 ? std::string(bytes) : ToUtf8(bytes, charset);
  if (text.find('\0') != std::string::npos) return NulError();
  return std::optional<std::string>(std::move(text));
}

// A PostgreSQL source's date as PostgreSQL reads it back: year 0 is 1 BC there (ISO years),
// not a MySQL zero date.
std::string PostgresDate(const Date& date) {
  if (date.infinity != 0) return date.infinity > 0 ? "infinity" : "-infinity";
  int64_t year = date.year <= 0 ? 1 - int64_t{date.year} : date.year;
  return fmt::format("{:04}-{:02}-{:02}", year, date.month, date.day);
}

std::string PostgresDateTime(const DateTime& time, bool with_zone) {
  std::string out = PostgresDate(time.date);
  if (time.date.infinity != 0) return out;
  fmt::format_to(std::back_inserter(out), " {:02}:{:02}:{:02}", time.hour, time.minute,
                 time.second);
  if (time.precision > 0) {
    out += '.';
    out += fmt::format("{:06}", time.micros).substr(0, std::min<size_t>(time.precision, 6));
  }
  if (with_zone) out += "+00";
  if (time.date.year <= 0) out += " BC";
  return out;
}

std::string DateText(const ColumnType& type, const Value& value, ValueAdjustments* adjustments) {
  if (type.postgres) {
    std::string out = PostgresDate(value.as_date());
    if (value.as_date().infinity == 0 && value.as_date().year <= 0) out += " BC";
    return out;
  }
  if (value.as_date().IsZero()) {
    ++adjustments->zero_dates;
    return "-infinity";
  }
  return value.ToText();
}

std::string DateTimeText(const ColumnType& type, const Value& value, bool with_zone,
                         ValueAdjustments* adjustments) {
  if (type.postgres) return PostgresDateTime(value.as_datetime(), with_zone);
  if (value.as_datetime().date.IsZero()) {
    ++adjustments->zero_dates;
    return "-infinity";
  }
  return with_zone ? value.ToText() + "+00" : value.ToText();
}

// What COPY's text format writes after a backslash for each byte: 0 for a byte written as is,
// kNul for NUL, which PostgreSQL text cannot hold at all.
constexpr char kNul = 1;
constexpr std::array<char, 256> MakeCopyEscapes() {
  std::array<char, 256> escapes{};
  escapes['\\'] = '\\';
  escapes['\t'] = 't';
  escapes['\n'] = 'n';
  escapes['\r'] = 'r';
  escapes[0] = kNul;
  return escapes;
}
constexpr std::array<char, 256> kCopyEscapes = MakeCopyEscapes();

// True when one of the 8 bytes of `word` is NUL, a tab, a newline, a carriage return or a
// backslash (the bytes of kCopyEscapes). A byte b of `word ^ (b * kOnes)` is zero exactly where
// `word` holds b; (x - kOnes) & ~x & kHighs is nonzero exactly when x has a zero byte.
bool HasCopySpecial(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  return (zero_byte(word) | zero_byte(word ^ (kOnes * '\t')) | zero_byte(word ^ (kOnes * '\n')) |
          zero_byte(word ^ (kOnes * '\r')) | zero_byte(word ^ (kOnes * '\\'))) != 0;
}

// Appends `text` with COPY's backslash escapes, a run of plain bytes at a time (8 bytes are
// checked at once). False, with *out as it was, when `text` holds a NUL.
bool AppendCopyEscaped(std::string_view text, std::string* out) {
  const size_t start = out->size();
  const char* run = text.data();
  const char* const end = text.data() + text.size();
  for (const char* at = run; at != end; ++at) {
    if (end - at >= 8) {
      uint64_t word;
      std::memcpy(&word, at, sizeof(word));
      if (!HasCopySpecial(word)) {
        at += 7;  // the loop's ++at steps past the 8th
        continue;
      }
    }
    const char escape = kCopyEscapes[static_cast<unsigned char>(*at)];
    if (escape == 0) continue;
    if (escape == kNul) {
      out->resize(start);
      return false;
    }
    out->append(run, at);
    out->push_back('\\');
    out->push_back(escape);
    run = at + 1;
  }
  out->append(run, end);
  return true;
}

template <typename Integer>
void AppendInteger(Integer value, std::string* out) {
  char digits[24];
  const std::to_chars_result end = std::to_chars(std::begin(digits), std::end(digits), value);
  out->append(digits, end.ptr);
}

}  // namespace

Result<std::optional<std::string>> PostgresText(const ColumnType& type, const Value& value,
                                                ValueAdjustments* adjustments) {
  switch (value.kind()) {
    case ValueKind::kNull: return std::optional<std::string>();
    case ValueKind::kFloat:
      return std::optional<std::string>(FloatText(ShortestDecimal(value.as_float())));
    case ValueKind::kDouble:
      return std::optional<std::string>(FloatText(ShortestDecimal(value.as_double())));
    case ValueKind::kBytes: return std::optional<std::string>(HexBytea(value.as_bytes()));
    case ValueKind::kText: return Utf8Text(value.as_text().bytes, value.as_text().charset);
    case ValueKind::kJson: return Utf8Text(value.as_json(), Charset::kUtf8);
    case ValueKind::kDate: return std::optional<std::string>(DateText(type, value, adjustments));
    case ValueKind::kDateTime:
      return std::optional<std::string>(DateTimeText(type, value, false, adjustments));
    case ValueKind::kTimestamp:
      return std::optional<std::string>(DateTimeText(type, value, true, adjustments));
    case ValueKind::kBit: return std::optional<std::string>(BitString(value.as_bit(), type.length));
    case ValueKind::kBool: return std::optional<std::string>(value.as_bool() ? "t" : "f");
    case ValueKind::kEnum:
      if (value.as_enum().index == 0) {
        return Status::InvalidArgument(
            "the ENUM error value '' (index 0) is not one of the column's labels");
      }
      return Utf8Text(value.as_enum().label, type.charset);
    case ValueKind::kSet: return Utf8Text(value.as_set().labels, type.charset);
    case ValueKind::kOther: return std::optional<std::string>(value.as_other().text);
    default: return std::optional<std::string>(value.ToText());
  }
}

Status AppendCopyRow(const TableSchema& schema, const Row& row, std::string* out,
                     ValueAdjustments* adjustments) {
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    if (column_idx > 0) out->push_back('\t');
    const Column& column = schema.columns[column_idx];
    const Value& value = row.values[column_idx];
    // The commonest kinds go straight into the line: no temporary string per value (the copy
    // benchmark's profile had one allocation per value as cutover's largest cost).
    if (value.kind() == ValueKind::kInt) {
      AppendInteger(value.as_int(), out);
      continue;
    }
    if (value.kind() == ValueKind::kUInt) {
      AppendInteger(value.as_uint(), out);
      continue;
    }
    if (value.kind() == ValueKind::kText && value.as_text().charset == Charset::kUtf8 &&
        AppendCopyEscaped(value.as_text().bytes, out)) {
      continue;
    }
    Result<std::optional<std::string>> text = PostgresText(column.type, value, adjustments);
    Status status = text.status();
    if (status.ok() && text->has_value() && !AppendCopyEscaped(**text, out)) status = NulError();
    if (!status.ok()) {
      return status.WithContext(fmt::format("{} column {}", schema.id.ToString(), column.name));
    }
    if (!text->has_value()) out->append("\\N");
  }
  out->push_back('\n');
  return Status::Ok();
}

}  // namespace cutover::postgres
