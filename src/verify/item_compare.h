// ItemCompare: DynamoDB items compared attribute by attribute after the server's own
// normalisation (numbers by value, sets without order; CanonicalItem), naming the first
// attribute that differs.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cutover::verify {

// The first differing attribute and its DynamoDB JSON on each side (nullopt: absent there).
struct AttributeDifference {
  std::string name;
  std::optional<std::string> expected;
  std::optional<std::string> actual;
};

// Compares `actual` with `expected`, attributes in name order. `whole_item`: an attribute only
// `actual` has is a difference too (a put replaces the whole item); otherwise (a shared item,
// which other source tables also write) only `expected`'s attributes count, plus `absent`:
// attributes this source removed (its NULL columns), which must not be on the item.
std::optional<AttributeDifference> FirstItemDifference(const nlohmann::json& expected,
                                                       const nlohmann::json& actual,
                                                       bool whole_item,
                                                       const std::vector<std::string>& absent);

}  // namespace cutover::verify
