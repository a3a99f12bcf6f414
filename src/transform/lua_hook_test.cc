// LuaHook: items from a Lua transform, the sandbox and the instruction limit.
#include "transform/lua_hook.h"

#include <gtest/gtest.h>

namespace cutover::transform {
namespace {

TableSchema Schema() {
  TableSchema schema;
  schema.id = {"shop", "orders"};
  schema.columns = {Column{"id", ParseMysqlColumnType("bigint unsigned", "", "").value(), false},
                    Column{"note", ParseMysqlColumnType("varchar(10)", "utf8mb4", "").value()}};
  schema.key = {0};
  return schema;
}

TEST(LuaHookTest, ReturnsItems) {
  auto hook = LuaHook::Create(R"(
function transform(table, row)
  return {{pk = "ORDER#" .. row.id, n = row.id * 2, tags = {"a", "b"}, src = table, ok = true}}
end)",
                              "hook.lua")
                  .value();
  Row row{{Value::UInt(21), Value::Null()}, {}};
  std::vector<nlohmann::json> items = hook->Call(Schema(), row).value();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].dump(), R"({"n":{"N":"42"},"ok":{"BOOL":true},"pk":{"S":"ORDER#21"},)"
                             R"("src":{"S":"shop.orders"},"tags":{"L":[{"S":"a"},{"S":"b"}]}})");
}

TEST(LuaHookTest, SandboxHasNoFilesOrProcess) {
  auto hook = LuaHook::Create(
                  "function transform(t, r) return {{pk = tostring(io) .. "
                  "tostring(os) .. tostring(require) .. tostring(load)}} end",
                  "hook.lua")
                  .value();
  Row row{{Value::UInt(1), Value::Null()}, {}};
  EXPECT_EQ(hook->Call(Schema(), row).value()[0].dump(), R"({"pk":{"S":"nilnilnilnil"}})");
}

TEST(LuaHookTest, InstructionLimitStopsEndlessLoops) {
  auto hook = LuaHook::Create("function transform(t, r) while true do end end", "hook.lua").value();
  Row row{{Value::UInt(1), Value::Null()}, {}};
  EXPECT_EQ(hook->Call(Schema(), row).status().ToString(),
            "InvalidArgument: Lua transform failed: instruction limit of 1000000 "
            "exceeded");
}

TEST(LuaHookTest, MissingFunction) {
  EXPECT_EQ(LuaHook::Create("x = 1", "hook.lua").status().ToString(),
            "InvalidArgument: Lua: hook.lua does not define function transform(table, row)");
}

}  // namespace
}  // namespace cutover::transform
