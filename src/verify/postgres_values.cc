// PostgresValues: the normalisation rules of a PostgreSQL target's comparison.
#include "verify/postgres_values.h"

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "cutover/value.h"

namespace cutover::verify {
namespace {

// "-0012.500" -> "-12.5", "+0.000" -> "0"; anything that is not a plain decimal (NaN,
// Infinity) as it is.
std::string CanonicalDecimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.find_first_not_of("0123456789") != std::string_view::npos ||
      fraction.find_first_not_of("0123456789") != std::string_view::npos ||
      (whole.empty() && fraction.empty())) {
    return std::string(negative ? "-" : "") + std::string(text);
  }
  while (!whole.empty() && whole.front() == '0') whole.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  std::string out = whole.empty() ? "0" : std::string(whole);
  if (!fraction.empty()) {
    out += '.';  // appended, not `"." + std::string(...)`: GCC 12's false -Wrestrict at -O3
    out += fraction;
  }
  if (negative && out != "0") out.insert(out.begin(), '-');
  return out;
}

// The digits after the first '.' lose their trailing zeros, and the '.' goes with the last
// of them: "12:00:00.500000+00" -> "12:00:00.5+00", "1970-01-01 00:00:01.000" -> "...:01".
std::string TrimFraction(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::string(text);
  size_t end = text.find_first_not_of("0123456789", dot + 1);
  if (end == std::string_view::npos) end = text.size();
  size_t keep = end;
  while (keep > dot + 1 && text[keep - 1] == '0') --keep;
  if (keep == dot + 1) keep = dot;
  return std::string(text.substr(0, keep)) + std::string(text.substr(end));
}

// The shortest decimal of the float or double `text` spells ("Infinity", "1e+20" and
// "1.0000000000000001e+20" alike), or `text` when it does not parse whole.
template <typename Number>
std::string CanonicalFloat(std::string_view text) {
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  Number value;
  if constexpr (std::is_same_v<Number, float>) {
    value = std::strtof(copy.c_str(), &end);
  } else {
    value = std::strtod(copy.c_str(), &end);
  }
  if (copy.empty() || end != copy.c_str() + copy.size()) return copy;
  return ShortestDecimal(value);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// PostgreSQL's text for a key column as MariaDB's text protocol spells the same value, which
// ParseMysqlText reads; nullopt when it is not PostgreSQL output for the column's type.
std::optional<std::string> AsMysqlText(const ColumnType& type, std::string_view text) {
  switch (type.value_kind()) {
    case ValueKind::kBytes: {
      if (!text.starts_with("\\x") || text.size() % 2 != 0) return std::nullopt;
      std::string bytes;
      for (size_t at = 2; at < text.size(); at += 2) {
        int high = HexDigit(text[at]);
        int low = HexDigit(text[at + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        bytes.push_back(static_cast<char>(high * 16 + low));
      }
      return bytes;
    }
    case ValueKind::kBit: {
      if (text.empty() || text.size() > 64) return std::nullopt;
      uint64_t bits = 0;
      for (char c : text) {
        if (c != '0' && c != '1') return std::nullopt;
        bits = (bits << 1) | static_cast<uint64_t>(c - '0');
      }
      std::string bytes((text.size() + 7) / 8, '\0');
      for (size_t at = bytes.size(); at-- > 0; bits >>= 8) {
        bytes[at] = static_cast<char>(bits & 0xff);
      }
      return bytes;
    }
    case ValueKind::kDate: return text == "-infinity" ? "0000-00-00" : std::string(text);
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp:
      if (text == "-infinity") return std::string("0000-00-00 00:00:00");
      if (text.ends_with("+00")) text.remove_suffix(3);
      return std::string(text);
    default: return std::string(text);
  }
}

}  // namespace

Result<Key> KeyFromPostgresText(const TableSchema& schema,
                                const std::vector<std::optional<std::string>>& texts) {
  Key key;
  for (size_t at = 0; at < schema.key.size() && at < texts.size(); ++at) {
    const ColumnType& type = schema.columns[schema.key[at]].type;
    if (!texts[at]) {
      key.values.push_back(Value());
      continue;
    }
    std::optional<std::string> mysql_text = AsMysqlText(type, *texts[at]);
    if (!mysql_text) {
      return Status::InvalidArgument(fmt::format("{}: '{}' is not a PostgreSQL key value",
                                                 schema.columns[schema.key[at]].name, *texts[at]));
    }
    CUTOVER_ASSIGN_OR_RETURN(Value value, ParseMysqlText(type, *mysql_text));
    key.values.push_back(std::move(value));
  }
  return key;
}

PostgresRule PostgresRuleFor(const ColumnType& type) {
  switch (type.value_kind()) {
    case ValueKind::kDecimal: return PostgresRule::kNumeric;
    case ValueKind::kFloat: return PostgresRule::kReal;
    case ValueKind::kDouble: return PostgresRule::kDouble;
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kDateTime:
    case ValueKind::kTimestamp: return PostgresRule::kTemporal;
    case ValueKind::kJson: return PostgresRule::kJson;
    default: return PostgresRule::kExact;
  }
}

std::string CanonicalPostgresText(PostgresRule rule, std::string_view text) {
  switch (rule) {
    case PostgresRule::kNumeric: return CanonicalDecimal(text);
    case PostgresRule::kReal: return CanonicalFloat<float>(text);
    case PostgresRule::kDouble: return CanonicalFloat<double>(text);
    case PostgresRule::kTemporal: return TrimFraction(text);
    case PostgresRule::kExact:
    case PostgresRule::kJson: break;
  }
  return std::string(text);
}

bool SamePostgresValue(PostgresRule rule, const std::optional<std::string>& source,
                       const std::optional<std::string>& target) {
  if (!source || !target) return !source && !target;
  if (*source == *target) return true;
  if (rule == PostgresRule::kJson) {
    // jsonb keeps one value per key (the last), orders keys by length then bytes and prints
    // numbers by value; parsed documents compare maps by key and numbers by value alike.
    nlohmann::json want = nlohmann::json::parse(*source, nullptr, false);
    nlohmann::json have = nlohmann::json::parse(*target, nullptr, false);
    return !want.is_discarded() && !have.is_discarded() && want == have;
  }
  return CanonicalPostgresText(rule, *source) == CanonicalPostgresText(rule, *target);
}

}  // namespace cutover::verify
