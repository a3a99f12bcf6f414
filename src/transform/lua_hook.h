// LuaHook: a sandboxed Lua 5.4 `function transform(table, row) return items end` for what the
// mapping rules cannot say. No io, os, require, load, dofile; an instruction limit per call.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

struct lua_State;

namespace cutover::transform {

class LuaHook {
 public:
  static constexpr int kInstructionLimit = 1000000;  // per call

  // Compiles `script` (named `origin` in messages) and checks it defines transform().
  static Result<std::shared_ptr<LuaHook>> Create(const std::string& script,
                                                 const std::string& origin);
  ~LuaHook();
  LuaHook(const LuaHook&) = delete;
  LuaHook& operator=(const LuaHook&) = delete;

  // Calls transform("schema.table", row) and returns the items (DynamoDB JSON). The row maps
  // column names to Lua values: integers (BIGINT UNSIGNED above 2^63 and DECIMAL as strings),
  // floats, strings, booleans; NULL columns are absent. Item values: strings -> S, integers and
  // floats -> N, booleans -> BOOL, arrays -> L, other tables -> M.
  Result<std::vector<nlohmann::json>> Call(const TableSchema& schema, const Row& row) const;

 private:
  LuaHook() = default;
  std::string origin_;
  // State below is protected by mutex_ (a Lua state is single-threaded)
  mutable std::mutex mutex_;
  lua_State* state_ = nullptr;
};

}  // namespace cutover::transform
