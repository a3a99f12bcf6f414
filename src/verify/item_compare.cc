// ItemCompare: the first attribute where two DynamoDB items differ, in canonical form.
#include "verify/item_compare.h"

#include <set>

#include "cutover/mapping.h"

namespace cutover::verify {

std::optional<AttributeDifference> FirstItemDifference(const nlohmann::json& expected,
                                                       const nlohmann::json& actual,
                                                       bool whole_item,
                                                       const std::vector<std::string>& absent) {
  nlohmann::json want = CanonicalItem(expected);
  nlohmann::json have = CanonicalItem(actual);
  // Every attribute that counts, in name order, so the first difference is deterministic.
  std::set<std::string> names;
  for (const auto& [name, value] : want.items()) names.insert(name);
  if (whole_item) {
    for (const auto& [name, value] : have.items()) names.insert(name);
  }
  for (const std::string& name : absent) {
    if (!want.contains(name)) names.insert(name);
  }
  for (const std::string& name : names) {
    bool in_want = want.contains(name);
    bool in_have = have.contains(name);
    if (in_want && in_have && want[name] == have[name]) continue;
    if (!in_want && !in_have) continue;
    AttributeDifference difference{name, std::nullopt, std::nullopt};
    if (in_want) difference.expected = want[name].dump();
    if (in_have) difference.actual = have[name].dump();
    return difference;
  }
  return std::nullopt;
}

}  // namespace cutover::verify
