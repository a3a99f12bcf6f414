// Unit tests of ItemCompare: DynamoDB's number and set normalisation, whole items and shared
// items, and which attribute is named first.
#include "verify/item_compare.h"

#include <gtest/gtest.h>

namespace cutover::verify {
namespace {

using nlohmann::json;

TEST(ItemCompareTest, NumbersByValueAndSetsWithoutOrder) {
  json expected = {{"pk", {{"S", "A#1"}}},
                   {"total", {{"N", "1.50"}}},
                   {"tags", {{"SS", {"b", "a"}}}},
                   {"doc", {{"M", {{"n", {{"N", "2.0"}}}}}}}};
  json actual = {{"pk", {{"S", "A#1"}}},
                 {"total", {{"N", "1.5"}}},
                 {"tags", {{"SS", {"a", "b"}}}},
                 {"doc", {{"M", {{"n", {{"N", "2"}}}}}}}};
  EXPECT_FALSE(FirstItemDifference(expected, actual, true, {}).has_value());
}

TEST(ItemCompareTest, NamesTheFirstDifferingAttributeWithBothValues) {
  json expected = {{"pk", {{"S", "A#1"}}}, {"b", {{"N", "2"}}}, {"c", {{"S", "x"}}}};
  json actual = {{"pk", {{"S", "A#1"}}}, {"b", {{"N", "3"}}}, {"c", {{"S", "y"}}}};
  std::optional<AttributeDifference> difference = FirstItemDifference(expected, actual, true, {});
  ASSERT_TRUE(difference.has_value());
  EXPECT_EQ(difference->name, "b");
  EXPECT_EQ(difference->expected, R"({"N":"2"})");
  EXPECT_EQ(difference->actual, R"({"N":"3"})");
}

TEST(ItemCompareTest, ExtraAttributeCountsOnlyForWholeItems) {
  json expected = {{"pk", {{"S", "A#1"}}}};
  json actual = {{"pk", {{"S", "A#1"}}}, {"other", {{"S", "from another table"}}}};
  std::optional<AttributeDifference> difference = FirstItemDifference(expected, actual, true, {});
  ASSERT_TRUE(difference.has_value());
  EXPECT_EQ(difference->name, "other");
  EXPECT_FALSE(difference->expected.has_value());
  EXPECT_EQ(difference->actual, R"({"S":"from another table"})");
  EXPECT_FALSE(FirstItemDifference(expected, actual, false, {}).has_value());
}

TEST(ItemCompareTest, RemovedAttributeOfASharedItemMustBeAbsent) {
  json expected = {{"pk", {{"S", "U#1"}}}, {"name", {{"S", "Ann"}}}};
  json actual = {{"pk", {{"S", "U#1"}}}, {"name", {{"S", "Ann"}}}, {"bio", {{"S", "old"}}}};
  std::optional<AttributeDifference> difference =
      FirstItemDifference(expected, actual, false, {"bio"});
  ASSERT_TRUE(difference.has_value());
  EXPECT_EQ(difference->name, "bio");
  EXPECT_FALSE(FirstItemDifference(expected, actual, false, {"email"}).has_value());
}

}  // namespace
}  // namespace cutover::verify
