// Fields: reads one YAML mapping of a spec field by field, with typed readers that report wrong
// types, ranges and enum values, and reports every field nobody asked for as unknown.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "spec/diagnostics.h"
#include "spec/enums.h"

namespace cutover::spec_internal {

Place PlaceOf(const YAML::Node& node);
// How a value looks, for "got ..." in messages: "null", "a list", "a mapping" or 'text'.
std::string Describe(const YAML::Node& node);
// "a.b" from "a" and "b"; "b" when `path` is empty.
std::string JoinPath(std::string_view path, std::string_view key);
// "tables[3]".
std::string IndexPath(std::string_view path, size_t index);
// The candidate nearest to `word` when it is close enough to be a likely typo; empty otherwise.
std::string NearestName(std::string_view word, std::span<const std::string> candidates);
// "a, b, c".
std::string JoinNames(std::span<const std::string> names);

// Reads a plain string scalar (not null, not a list or mapping).
bool ReadStringNode(const YAML::Node& node, std::string_view path, Place place, Diagnostics& diag,
                    std::string* out);

class Fields {
 public:
  // Reads `node` as the mapping at `path`. A null `node` (or a YAML null) is an absent, empty
  // mapping; `place` is where problems about missing fields are reported.
  Fields(const YAML::Node* node, std::string path, Place place, Diagnostics& diag);

  // False when the node is present but not a mapping (already reported): then every read
  // finds nothing and nothing is reported as missing.
  bool valid() const { return valid_; }
  // True when the mapping was written in the file.
  bool present() const { return present_; }
  const std::string& path() const { return path_; }
  Place place() const { return place_; }
  Diagnostics& diag() const { return *diag_; }
  std::string PathOf(std::string_view key) const { return JoinPath(path_, key); }
  // Where `key` is written, or the mapping's place when it is absent.
  Place PlaceOf(std::string_view key) const;

  // The value of `key`, or nullptr when absent. Marks the key as allowed (listed in messages).
  const YAML::Node* Get(std::string_view key);
  // Like Get for a key recognised but never suggested or listed (a literal secret).
  const YAML::Node* GetHidden(std::string_view key);
  bool Has(std::string_view key) { return Get(key) != nullptr; }
  // The sub-mapping at `key` (absent: an empty one placed at this mapping).
  Fields Section(std::string_view key);

  // Reports `key` as missing when it is absent: "missing required field; <hint>".
  void Require(std::string_view key, std::string_view hint);
  // The sub-mapping at `key` when it is written and not null; reports it as missing (or empty)
  // with `hint` otherwise.
  std::optional<Fields> RequiredSection(std::string_view key, std::string_view hint);
  // Reports a problem with `key`, at its place.
  void Report(std::string_view key, std::string_view text);

  // Typed readers: true when `key` is present and valid (then `out` is set); false when absent
  // or invalid (then the problem is reported and `out` is untouched).
  bool ReadString(std::string_view key, std::string* out);
  bool ReadNonEmptyString(std::string_view key, std::string* out);
  bool ReadInt(std::string_view key, int64_t min, int64_t max, int64_t* out);
  bool ReadInt(std::string_view key, int min, int max, int* out);
  bool ReadBool(std::string_view key, bool* out);
  bool ReadSize(std::string_view key, uint64_t min, uint64_t max, uint64_t* out);
  bool ReadMillis(std::string_view key, std::chrono::milliseconds min,
                  std::chrono::milliseconds max, std::chrono::milliseconds* out);
  bool ReadSeconds(std::string_view key, std::chrono::seconds min, std::chrono::seconds max,
                   std::chrono::seconds* out);
  // A list of non-empty strings.
  bool ReadStringList(std::string_view key, std::vector<std::string>* out);
  template <typename E, size_t N>
  bool ReadEnum(std::string_view key, const std::array<EnumName<E>, N>& names, E* out);

  // Reports every field that no Get/GetHidden asked for. Call once, after all reads.
  void ReportUnknown();

 private:
  struct Entry {
    std::string key;
    Place place;
    YAML::Node value;
    bool known = false;
  };
  const Entry* Find(std::string_view key) const;
  const YAML::Node* Lookup(std::string_view key, bool listed);
  void Load(const YAML::Node& node);
  // The scalar text of `key`, or nullptr (reported unless absent). `expected`: "an integer".
  const std::string* Scalar(std::string_view key, std::string_view expected, std::string_view help);
  bool ReadEnumIndex(std::string_view key, std::span<const std::string> names, size_t* index);

  std::string path_;
  Place place_;
  Diagnostics* diag_;
  bool valid_ = true;
  bool present_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> allowed_;  // listed keys, in the order they were asked for
};

template <typename E, size_t N>
bool Fields::ReadEnum(std::string_view key, const std::array<EnumName<E>, N>& names, E* out) {
  std::vector<std::string> spellings;
  for (const EnumName<E>& name : names) spellings.emplace_back(name.name);
  size_t index = 0;
  if (!ReadEnumIndex(key, spellings, &index)) return false;
  *out = names[index].value;
  return true;
}

}  // namespace cutover::spec_internal
