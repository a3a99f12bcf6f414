// Decimal: parsing, rendering and ordering of exact decimal numbers.
#include <algorithm>

#include "cutover/value.h"

namespace cutover {
namespace {

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view StripLeadingZeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  return digits;
}

// -1, 0, 1 comparing two non-negative magnitudes given as integer and fraction digit strings.
int CompareMagnitude(const Decimal& a, const Decimal& b) {
  if (a.integer.size() != b.integer.size()) return a.integer.size() < b.integer.size() ? -1 : 1;
  if (int c = a.integer.compare(b.integer); c != 0) return c < 0 ? -1 : 1;
  size_t n = std::max(a.fraction.size(), b.fraction.size());
  for (size_t digit_idx = 0; digit_idx < n; ++digit_idx) {
    char da = digit_idx < a.fraction.size() ? a.fraction[digit_idx] : '0';
    char db = digit_idx < b.fraction.size() ? b.fraction[digit_idx] : '0';
    if (da != db) return da < db ? -1 : 1;
  }
  return 0;
}

// Position of a decimal on the line of specials: -inf < finite < +inf < NaN.
int SpecialRank(const Decimal& d) {
  switch (d.special) {
    case Decimal::Special::kNegInfinity: return 0;
    case Decimal::Special::kNone: return 1;
    case Decimal::Special::kPosInfinity: return 2;
    case Decimal::Special::kNaN: return 3;
  }
  return 1;
}

}  // namespace

Result<Decimal> Decimal::Parse(std::string_view text) {
  Decimal d;
  if (text == "NaN") {
    d.special = Special::kNaN;
    return d;
  }
  if (text == "Infinity" || text == "+Infinity") {
    d.special = Special::kPosInfinity;
    return d;
  }
  if (text == "-Infinity") {
    d.special = Special::kNegInfinity;
    return d;
  }
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  size_t dot = rest.find('.');
  std::string_view int_part = rest.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
  bool has_digits = !int_part.empty() || !frac_part.empty();
  if (!has_digits || !AllDigits(int_part) || !AllDigits(frac_part) ||
      (dot != std::string_view::npos && frac_part.empty() && int_part.empty())) {
    return Status::InvalidArgument("not a decimal number: '" + std::string(text) + "'");
  }
  d.integer = int_part.empty() ? "0" : std::string(StripLeadingZeros(int_part));
  d.fraction = std::string(frac_part);
  bool zero = d.integer == "0" && std::all_of(d.fraction.begin(), d.fraction.end(),
                                              [](char c) { return c == '0'; });
  d.negative = negative && !zero;
  return d;
}

std::string Decimal::ToString() const {
  switch (special) {
    case Special::kNaN: return "NaN";
    case Special::kPosInfinity: return "Infinity";
    case Special::kNegInfinity: return "-Infinity";
    case Special::kNone: break;
  }
  std::string out;
  out.reserve(integer.size() + fraction.size() + 2);
  if (negative) out += '-';
  out += integer.empty() ? "0" : integer;
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
  return out;
}

int Decimal::precision() const {
  int int_digits = integer == "0" ? 0 : static_cast<int>(integer.size());
  return int_digits + scale();
}

std::strong_ordering Decimal::Compare(const Decimal& other) const {
  int rank_a = SpecialRank(*this);
  int rank_b = SpecialRank(other);
  if (rank_a != rank_b || rank_a != 1) return rank_a <=> rank_b;
  if (negative != other.negative) {
    return negative ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  int magnitude = CompareMagnitude(*this, other);
  if (negative) magnitude = -magnitude;
  return magnitude <=> 0;
}

}  // namespace cutover
