// Value rendering: the MySQL text-protocol form, the display contract, charsets to UTF-8.
#include <charconv>
#include <cstdio>

#include "cutover/value.h"

#include "core/utf8.h"

namespace cutover {
namespace {

// MySQL's latin1 is Windows-1252; these are the code points of bytes 0x80..0x9F (MySQL maps
// the five bytes Windows-1252 leaves undefined to the C1 controls of the same number).
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

constexpr char32_t kReplacement = 0xFFFD;

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence at the front of `s`, or 0 when it is invalid.
size_t ValidUtf8Length(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  // Lead bytes (Unicode table 3-7): C2-DF two bytes, E0-EF three, F0-F4 four; C0, C1 and F5-FF
  // never start a sequence.
  size_t len = b0 >= 0xC2 && b0 <= 0xDF   ? 2
               : b0 >= 0xE0 && b0 <= 0xEF ? 3
               : b0 >= 0xF0 && b0 <= 0xF4 ? 4
                                          : 0;
  if (len == 0 || s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  if (len == 3 && b0 == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
  if (len == 3 && b0 == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
  if (len == 4 && b0 == 0xF0 && byte(1) < 0x90) return 0;  // overlong
  if (len == 4 && b0 == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
  return len;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    size_t len = ValidUtf8Length(s);
    if (len == 0) {
      AppendUtf8(kReplacement, &out);
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, len));
      s.remove_prefix(len);
    }
  }
  return out;
}

// Decodes fixed-width big- or little-endian UTF-16/UCS-2/UTF-32 into UTF-8.
std::string WideToUtf8(std::string_view s, size_t width, bool big_endian, bool surrogates) {
  std::string out;
  size_t n = s.size() / width;
  auto unit = [&](size_t idx) {
    char32_t v = 0;
    for (size_t b = 0; b < width; ++b) {
      auto byte = static_cast<unsigned char>(s[idx * width + (big_endian ? b : width - 1 - b)]);
      v = (v << 8) | byte;
    }
    return v;
  };
  for (size_t idx = 0; idx < n; ++idx) {
    char32_t cp = unit(idx);
    if (surrogates && cp >= 0xD800 && cp <= 0xDBFF && idx + 1 < n) {
      char32_t low = unit(idx + 1);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        ++idx;
      }
    }
    AppendUtf8(cp, &out);
  }
  if (s.size() % width != 0) AppendUtf8(kReplacement, &out);
  return out;
}

void AppendPadded(std::string* out, uint64_t v, int width) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

void AppendFraction(std::string* out, uint32_t micros, uint8_t precision) {
  if (precision == 0) return;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", micros);
  out->push_back('.');
  out->append(buf, precision > 6 ? 6 : precision);
}

void AppendDate(std::string* out, const Date& d) {
  if (d.infinity != 0) {
    out->append(d.infinity > 0 ? "infinity" : "-infinity");
    return;
  }
  if (d.year >= 1 || (d.year == 0 && (d.month == 0 || d.day == 0))) {
    AppendPadded(out, static_cast<uint64_t>(d.year), 4);
  } else {
    // ISO year 0 is 1 BC, -1 is 2 BC; PostgreSQL prints those as 0001 BC, 0002 BC.
    AppendPadded(out, static_cast<uint64_t>(1 - static_cast<int64_t>(d.year)), 4);
  }
  out->push_back('-');
  AppendPadded(out, d.month, 2);
  out->push_back('-');
  AppendPadded(out, d.day, 2);
}

bool IsBc(const Date& d) { return d.infinity == 0 && d.year <= 0 && !d.IsZero(); }

void AppendClock(std::string* out, uint64_t h, uint8_t m, uint8_t s, uint32_t us, uint8_t fsp) {
  AppendPadded(out, h, 2);
  out->push_back(':');
  AppendPadded(out, m, 2);
  out->push_back(':');
  AppendPadded(out, s, 2);
  AppendFraction(out, us, fsp);
}

std::string RenderDateTime(const DateTime& dt) {
  std::string out;
  AppendDate(&out, dt.date);
  if (dt.date.infinity != 0) return out;
  out.push_back(' ');
  AppendClock(&out, dt.hour, dt.minute, dt.second, dt.micros, dt.precision);
  if (IsBc(dt.date)) out.append(" BC");
  return out;
}

std::string RenderBit(const Bit& bit) {
  size_t n = (bit.width + 7u) / 8u;
  std::string out(n, '\0');
  for (size_t byte_idx = 0; byte_idx < n; ++byte_idx) {
    out[n - 1 - byte_idx] = static_cast<char>((bit.bits >> (8 * byte_idx)) & 0xFF);
  }
  return out;
}

template <typename T>
std::string Shortest(T v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "nan";
  return std::string(buf, end);
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const size_t length = ValidUtf8Length(text.substr(at));
    if (length == 0) return at;
    at += length;
  }
  return std::nullopt;
}

std::string_view CharsetName(Charset charset) {
  switch (charset) {
    case Charset::kUtf8: return "utf8mb4";
    case Charset::kLatin1: return "latin1";
    case Charset::kAscii: return "ascii";
    case Charset::kUcs2: return "ucs2";
    case Charset::kUtf16: return "utf16";
    case Charset::kUtf16le: return "utf16le";
    case Charset::kUtf32: return "utf32";
    case Charset::kBinary: return "binary";
    case Charset::kOther: return "other";
  }
  return "other";
}

Charset CharsetFromName(std::string_view name) {
  if (name == "utf8mb4" || name == "utf8mb3" || name == "utf8" || name == "UTF8") {
    return Charset::kUtf8;
  }
  if (name == "latin1") return Charset::kLatin1;
  if (name == "ascii") return Charset::kAscii;
  if (name == "ucs2") return Charset::kUcs2;
  if (name == "utf16") return Charset::kUtf16;
  if (name == "utf16le") return Charset::kUtf16le;
  if (name == "utf32") return Charset::kUtf32;
  if (name == "binary") return Charset::kBinary;
  return Charset::kOther;
}

std::string ToUtf8(std::string_view bytes, Charset charset) {
  switch (charset) {
    case Charset::kLatin1: {
      std::string out;
      out.reserve(bytes.size());
      for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        AppendUtf8(b >= 0x80 && b < 0xA0 ? kCp1252High[b - 0x80] : b, &out);
      }
      return out;
    }
    case Charset::kAscii: {
      std::string out;
      for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        AppendUtf8(b < 0x80 ? b : kReplacement, &out);
      }
      return out;
    }
    case Charset::kUcs2: return WideToUtf8(bytes, 2, true, false);
    case Charset::kUtf16: return WideToUtf8(bytes, 2, true, true);
    case Charset::kUtf16le: return WideToUtf8(bytes, 2, false, true);
    case Charset::kUtf32: return WideToUtf8(bytes, 4, true, false);
    case Charset::kUtf8:
    case Charset::kBinary:
    case Charset::kOther: return SanitizeUtf8(bytes);
  }
  return SanitizeUtf8(bytes);
}

std::string HexBytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 + bytes.size() * 2);
  out += "0x";
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::string ShortestDecimal(double v) { return Shortest(v); }
std::string ShortestDecimal(float v) { return Shortest(v); }

std::string Value::ToText() const {
  switch (kind()) {
    case ValueKind::kNull: return "";
    case ValueKind::kInt: return std::to_string(as_int());
    case ValueKind::kUInt: return std::to_string(as_uint());
    case ValueKind::kDecimal: return as_decimal().ToString();
    case ValueKind::kFloat: return ShortestDecimal(as_float());
    case ValueKind::kDouble: return ShortestDecimal(as_double());
    case ValueKind::kBytes: return as_bytes();
    case ValueKind::kText: return as_text().bytes;
    case ValueKind::kDate: {
      std::string out;
      AppendDate(&out, as_date());
      if (IsBc(as_date())) out.append(" BC");
      return out;
    }
    case ValueKind::kTime: {
      const Time& t = as_time();
      std::string out = t.negative ? "-" : "";
      AppendClock(&out, t.hours, t.minutes, t.seconds, t.micros, t.precision);
      return out;
    }
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return RenderDateTime(as_datetime());
    case ValueKind::kJson: return as_json();
    case ValueKind::kEnum: return as_enum().label;
    case ValueKind::kSet: return as_set().labels;
    case ValueKind::kBit: return RenderBit(as_bit());
    case ValueKind::kBool: return as_bool() ? "t" : "f";
    case ValueKind::kOther: return as_other().text;
  }
  return "";
}

std::string Value::ToDisplay() const {
  switch (kind()) {
    case ValueKind::kBytes: return HexBytes(as_bytes());
    case ValueKind::kBit: return std::to_string(as_bit().bits);
    case ValueKind::kText: return ToUtf8(as_text().bytes, as_text().charset);
    default: return ToText();
  }
}

}  // namespace cutover
