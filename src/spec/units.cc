// Units: parses and formats the sizes and durations a spec is written with.
#include "spec/units.h"

#include <array>
#include <cctype>
#include <limits>

#include "cutover/spec.h"

#include "spec/rules.h"

namespace cutover::spec_internal {
namespace {

struct Unit {
  std::string_view name;
  uint64_t factor;
};

constexpr std::array<Unit, 5> kSizeUnits = {
    {{"TiB", 1ull << 40}, {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}}};
// Longest names first, so that "ms" is tried before "m".
constexpr std::array<Unit, 4> kDurationUnits = {
    {{"ms", 1}, {"h", 3600000}, {"m", 60000}, {"s", 1000}}};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t index = 0; index < a.size(); ++index) {
    if (std::tolower(static_cast<unsigned char>(a[index])) !=
        std::tolower(static_cast<unsigned char>(b[index]))) {
      return false;
    }
  }
  return true;
}

// Consumes leading decimal digits of `text` into `value`; false when there are none or the
// number does not fit in 64 bits.
bool TakeNumber(std::string_view& text, uint64_t* value) {
  size_t digits = 0;
  uint64_t number = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    uint64_t digit = static_cast<uint64_t>(text[digits] - '0');
    if (number > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    number = number * 10 + digit;
    ++digits;
  }
  if (digits == 0) return false;
  text.remove_prefix(digits);
  *value = number;
  return true;
}

bool MultiplyFits(uint64_t value, uint64_t factor, uint64_t limit) {
  return factor == 0 || value <= limit / factor;
}

}  // namespace

std::optional<uint64_t> ParseSizeText(std::string_view text) {
  text = Trim(text);
  uint64_t number = 0;
  if (!TakeNumber(text, &number)) return std::nullopt;
  std::string_view unit = Trim(text);
  if (unit.empty()) return number;
  for (const Unit& candidate : kSizeUnits) {
    if (!EqualsIgnoreCase(unit, candidate.name)) continue;
    if (!MultiplyFits(number, candidate.factor, std::numeric_limits<uint64_t>::max())) {
      return std::nullopt;
    }
    return number * candidate.factor;
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ParseDurationText(std::string_view text) {
  text = Trim(text);
  if (text == "0") return std::chrono::milliseconds(0);
  constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  if (text.empty()) return std::nullopt;
  while (!text.empty()) {
    uint64_t number = 0;
    if (!TakeNumber(text, &number)) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& candidate : kDurationUnits) {
      if (text.substr(0, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    text.remove_prefix(unit->name.size());
    if (!MultiplyFits(number, unit->factor, kLimit - total)) return std::nullopt;
    total += number * unit->factor;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

std::string FormatSize(uint64_t bytes) {
  for (const Unit& unit : kSizeUnits) {
    if (bytes != 0 && bytes % unit.factor == 0) {
      return std::to_string(bytes / unit.factor) + std::string(unit.name);
    }
  }
  return "0B";
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  const uint64_t millis = static_cast<uint64_t>(duration.count());
  if (millis == 0) return "0s";
  for (const Unit& unit : {Unit{"h", 3600000}, Unit{"m", 60000}, Unit{"s", 1000}}) {
    if (millis % unit.factor == 0)
      return std::to_string(millis / unit.factor) + std::string(unit.name);
  }
  return std::to_string(millis) + "ms";
}

}  // namespace cutover::spec_internal

namespace cutover {

Result<uint64_t> ParseSize(std::string_view text) {
  std::optional<uint64_t> bytes = spec_internal::ParseSizeText(text);
  if (!bytes) {
    return Status::InvalidArgument(spec_internal::Quoted(text) + " is not a size; " +
                                   std::string(spec_internal::kSizeHelp));
  }
  return *bytes;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::optional<std::chrono::milliseconds> duration = spec_internal::ParseDurationText(text);
  if (!duration) {
    return Status::InvalidArgument(spec_internal::Quoted(text) + " is not a duration; " +
                                   std::string(spec_internal::kDurationHelp));
  }
  return *duration;
}

}  // namespace cutover
