// Fields: typed, path-aware reading of one YAML mapping of a spec, reporting every problem.
#include "spec/fields.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "spec/units.h"

namespace cutover::spec_internal {
namespace {

constexpr size_t kMaxShownValue = 60;

// Optimal-string-alignment distance (a swap of neighbours counts 1), ignoring case.
size_t EditDistance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t row = 0; row <= a.size(); ++row) d[row][0] = row;
  for (size_t col = 0; col <= b.size(); ++col) d[0][col] = col;
  for (size_t row = 1; row <= a.size(); ++row) {
    for (size_t col = 1; col <= b.size(); ++col) {
      size_t cost = lower(a[row - 1]) == lower(b[col - 1]) ? 0 : 1;
      d[row][col] =
          std::min({d[row - 1][col] + 1, d[row][col - 1] + 1, d[row - 1][col - 1] + cost});
      if (row > 1 && col > 1 && lower(a[row - 1]) == lower(b[col - 2]) &&
          lower(a[row - 2]) == lower(b[col - 1])) {
        d[row][col] = std::min(d[row][col], d[row - 2][col - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string RangeHelp(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) {
    return "allowed " + std::to_string(min) + " or more";
  }
  return "allowed " + std::to_string(min) + ".." + std::to_string(max);
}

std::string SizeRangeHelp(uint64_t min, uint64_t max) {
  if (max == std::numeric_limits<uint64_t>::max()) return "allowed " + FormatSize(min) + " or more";
  return "allowed " + FormatSize(min) + ".." + FormatSize(max);
}

std::string DurationRangeHelp(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  if (max == std::chrono::milliseconds::max()) {
    return "allowed " + FormatDuration(min) + " or more";
  }
  return "allowed " + FormatDuration(min) + ".." + FormatDuration(max);
}

std::string Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// `text` cut to kMaxShownValue characters ("123...") for a message: a value of 10,000 digits
// would otherwise be the whole message.
std::string Shortened(const std::string& text) {
  if (text.size() <= kMaxShownValue) return text;
  return text.substr(0, kMaxShownValue) + "...";
}

}  // namespace

Place PlaceOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line, mark.column};
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined()) return "nothing";
  if (node.IsNull()) return "null";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  std::string shown = "'";
  for (char c : node.Scalar()) {
    if (shown.size() > kMaxShownValue) {
      shown += "...";
      break;
    }
    if (c == '\n') {
      shown += "\\n";
    } else if (c == '\t') {
      shown += "\\t";
    } else if (std::iscntrl(static_cast<unsigned char>(c))) {
      shown += '?';
    } else {
      shown += c;
    }
  }
  return shown + "'";
}

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string joined(path);
  joined += '.';
  joined += key;
  return joined;
}

std::string IndexPath(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string NearestName(std::string_view word, std::span<const std::string> candidates) {
  const size_t limit = word.size() <= 3 ? 1 : word.size() <= 6 ? 2 : 3;
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string JoinNames(std::span<const std::string> names) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

bool ReadStringNode(const YAML::Node& node, std::string_view path, Place place, Diagnostics& diag,
                    std::string* out) {
  if (!node.IsScalar()) {
    diag.Add(place, path, "expected a string, got " + Describe(node) + "; write a single value");
    return false;
  }
  *out = node.Scalar();
  return true;
}

Fields::Fields(const YAML::Node* node, std::string path, Place place, Diagnostics& diag)
    : path_(std::move(path)), place_(place), diag_(&diag) {
  if (node == nullptr || node->IsNull()) return;
  present_ = true;
  if (!node->IsMap()) {
    valid_ = false;
    diag.Add(place, path_.empty() ? "top level" : path_,
             "expected a mapping, got " + Describe(*node) +
                 "; write its fields as `name: value` lines indented below it");
    return;
  }
  Load(*node);
}

void Fields::Load(const YAML::Node& node) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const Place key_place = spec_internal::PlaceOf(it->first);
    if (!it->first.IsScalar()) {
      diag_->Add(
          key_place, path_.empty() ? "top level" : path_,
          "a field name must be plain text, got " + Describe(it->first) + "; write `name: value`");
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (const Entry* first = Find(key)) {
      diag_->Add(key_place, PathOf(key),
                 "duplicate field (first on line " + std::to_string(first->place.line + 1) +
                     "); keep only one");
      continue;
    }
    entries_.push_back({key, key_place, it->second, false});
  }
}

const Fields::Entry* Fields::Find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

Place Fields::PlaceOf(std::string_view key) const {
  const Entry* entry = Find(key);
  return entry != nullptr ? entry->place : place_;
}

const YAML::Node* Fields::Lookup(std::string_view key, bool listed) {
  if (listed && std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
    allowed_.emplace_back(key);
  }
  for (Entry& entry : entries_) {
    if (entry.key != key) continue;
    entry.known = true;
    return &entry.value;
  }
  return nullptr;
}

const YAML::Node* Fields::Get(std::string_view key) { return Lookup(key, true); }

const YAML::Node* Fields::GetHidden(std::string_view key) { return Lookup(key, false); }

Fields Fields::Section(std::string_view key) {
  const YAML::Node* node = Get(key);
  return Fields(valid_ ? node : nullptr, PathOf(key), PlaceOf(key), *diag_);
}

void Fields::Require(std::string_view key, std::string_view hint) {
  if (Has(key) || !valid_) return;
  diag_->Add(place_, PathOf(key), "missing required field; " + std::string(hint));
}

std::optional<Fields> Fields::RequiredSection(std::string_view key, std::string_view hint) {
  const YAML::Node* node = Get(key);
  if (!valid_) return std::nullopt;
  if (node == nullptr) {
    diag_->Add(place_, PathOf(key), "missing required field; " + std::string(hint));
    return std::nullopt;
  }
  if (node->IsNull()) {
    Report(key, "empty value; " + std::string(hint));
    return std::nullopt;
  }
  return Fields(node, PathOf(key), PlaceOf(key), *diag_);
}

void Fields::Report(std::string_view key, std::string_view text) {
  diag_->Add(PlaceOf(key), PathOf(key), text);
}

const std::string* Fields::Scalar(std::string_view key, std::string_view expected,
                                  std::string_view help) {
  const YAML::Node* node = Get(key);
  if (node == nullptr) return nullptr;
  if (!node->IsScalar()) {
    Report(key, "expected " + std::string(expected) + ", got " + Describe(*node) + "; " +
                    std::string(help));
    return nullptr;
  }
  return &node->Scalar();
}

bool Fields::ReadString(std::string_view key, std::string* out) {
  const std::string* text = Scalar(key, "a string", "write a single value");
  if (text == nullptr) return false;
  *out = *text;
  return true;
}

bool Fields::ReadNonEmptyString(std::string_view key, std::string* out) {
  std::string text;
  if (!ReadString(key, &text)) return false;
  if (Trimmed(text).empty()) {
    Report(key, "empty value; write a value or remove the field");
    return false;
  }
  *out = std::move(text);
  return true;
}

bool Fields::ReadInt(std::string_view key, int64_t min, int64_t max, int64_t* out) {
  const std::string* text = Scalar(key, "an integer", RangeHelp(min, max));
  if (text == nullptr) return false;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, error] = std::from_chars(text->data(), end, value);
  if (error == std::errc::result_out_of_range) {
    Report(key, Shortened(*text) + " is out of range; " + RangeHelp(min, max));
    return false;
  }
  if (error != std::errc() || ptr != end) {
    Report(key, "expected an integer, got " + Describe(*Get(key)) + "; " + RangeHelp(min, max));
    return false;
  }
  if (value < min || value > max) {
    Report(key, Shortened(*text) + " is out of range; " + RangeHelp(min, max));
    return false;
  }
  *out = value;
  return true;
}

bool Fields::ReadInt(std::string_view key, int min, int max, int* out) {
  int64_t value = 0;
  if (!ReadInt(key, int64_t{min}, int64_t{max}, &value)) return false;
  *out = static_cast<int>(value);
  return true;
}

bool Fields::ReadBool(std::string_view key, bool* out) {
  const std::string* text = Scalar(key, "a boolean", "write true or false");
  if (text == nullptr) return false;
  if (*text == "true" || *text == "True" || *text == "TRUE") {
    *out = true;
    return true;
  }
  if (*text == "false" || *text == "False" || *text == "FALSE") {
    *out = false;
    return true;
  }
  Report(key, "expected a boolean, got " + Describe(*Get(key)) + "; write true or false");
  return false;
}

bool Fields::ReadSize(std::string_view key, uint64_t min, uint64_t max, uint64_t* out) {
  const std::string* text = Scalar(key, "a size", kSizeHelp);
  if (text == nullptr) return false;
  std::optional<uint64_t> bytes = ParseSizeText(*text);
  if (!bytes) {
    Report(key, Describe(*Get(key)) + " is not a size; " + std::string(kSizeHelp));
    return false;
  }
  if (*bytes < min || *bytes > max) {
    Report(key, Shortened(Trimmed(*text)) + " is out of range; " + SizeRangeHelp(min, max));
    return false;
  }
  *out = *bytes;
  return true;
}

bool Fields::ReadMillis(std::string_view key, std::chrono::milliseconds min,
                        std::chrono::milliseconds max, std::chrono::milliseconds* out) {
  const std::string* text = Scalar(key, "a duration", kDurationHelp);
  if (text == nullptr) return false;
  std::optional<std::chrono::milliseconds> duration = ParseDurationText(*text);
  if (!duration) {
    Report(key, Describe(*Get(key)) + " is not a duration; " + std::string(kDurationHelp));
    return false;
  }
  if (*duration < min || *duration > max) {
    Report(key, Shortened(Trimmed(*text)) + " is out of range; " + DurationRangeHelp(min, max));
    return false;
  }
  *out = *duration;
  return true;
}

bool Fields::ReadSeconds(std::string_view key, std::chrono::seconds min, std::chrono::seconds max,
                         std::chrono::seconds* out) {
  const std::chrono::milliseconds max_millis = max == std::chrono::seconds::max()
                                                   ? std::chrono::milliseconds::max()
                                                   : std::chrono::milliseconds(max);
  std::chrono::milliseconds millis{0};
  if (!ReadMillis(key, std::chrono::milliseconds(min), max_millis, &millis)) return false;
  if (millis.count() % 1000 != 0) {
    Report(key, Trimmed(Get(key)->Scalar()) +
                    " is not a whole number of seconds; use s, m or h, e.g. 30s or 2m");
    return false;
  }
  *out = std::chrono::duration_cast<std::chrono::seconds>(millis);
  return true;
}

bool Fields::ReadStringList(std::string_view key, std::vector<std::string>* out) {
  const YAML::Node* node = Get(key);
  if (node == nullptr) return false;
  if (!node->IsSequence()) {
    Report(key, "expected a list, got " + Describe(*node) +
                    "; write [a, b] or one `- item` line per entry");
    return false;
  }
  std::vector<std::string> items;
  bool all_valid = true;
  for (size_t index = 0; index < node->size(); ++index) {
    const YAML::Node item = (*node)[index];
    const std::string item_path = IndexPath(PathOf(key), index);
    std::string text;
    if (!ReadStringNode(item, item_path, spec_internal::PlaceOf(item), *diag_, &text)) {
      all_valid = false;
    } else if (Trimmed(text).empty()) {
      diag_->Add(spec_internal::PlaceOf(item), item_path,
                 "empty value; remove it or write a value");
      all_valid = false;
    } else {
      items.push_back(std::move(text));
    }
  }
  if (!all_valid) return false;
  *out = std::move(items);
  return true;
}

bool Fields::ReadEnumIndex(std::string_view key, std::span<const std::string> names,
                           size_t* index) {
  const std::string allowed = "allowed values are " + JoinNames(names);
  const std::string* text = Scalar(key, "a string", allowed);
  if (text == nullptr) return false;
  for (size_t candidate = 0; candidate < names.size(); ++candidate) {
    if (names[candidate] == *text) {
      *index = candidate;
      return true;
    }
  }
  std::string nearest = NearestName(*text, names);
  std::string message = "unknown value " + Describe(*Get(key)) + "; ";
  if (!nearest.empty()) message += "did you mean '" + nearest + "'? ";
  Report(key, message + allowed);
  return false;
}

void Fields::ReportUnknown() {
  for (const Entry& entry : entries_) {
    if (entry.known) continue;
    std::string nearest = NearestName(entry.key, allowed_);
    if (!nearest.empty()) {
      diag_->Add(entry.place, PathOf(entry.key), "unknown field; did you mean '" + nearest + "'?");
    } else {
      diag_->Add(entry.place, PathOf(entry.key),
                 "unknown field; allowed fields are " + JoinNames(allowed_));
    }
  }
}

}  // namespace cutover::spec_internal
