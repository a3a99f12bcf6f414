// LuaHook: sandboxed Lua 5.4 state, row -> Lua table, Lua items -> DynamoDB JSON.
#include "transform/lua_hook.h"

#include <lua.hpp>

#include "transform/attribute_values.h"

namespace cutover::transform {
namespace {

void InstructionLimitHook(lua_State* state, lua_Debug*) {
  luaL_error(state, "instruction limit of %d exceeded", LuaHook::kInstructionLimit);
}

// Opens only the pure libraries and removes everything that reaches files or the process.
void OpenSandbox(lua_State* state) {
  luaL_requiref(state, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(state, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(state, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(state, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(state, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  lua_settop(state, 0);
  for (const char* name : {"dofile", "loadfile", "load", "require", "collectgarbage", "print"}) {
    lua_pushnil(state);
    lua_setglobal(state, name);
  }
}

void PushValue(lua_State* state, const ColumnType& type, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kInt: lua_pushinteger(state, value.as_int()); return;
    case ValueKind::kUInt:
      if (value.as_uint() <= static_cast<uint64_t>(INT64_MAX)) {
        lua_pushinteger(state, static_cast<lua_Integer>(value.as_uint()));
      } else {
        lua_pushstring(state, std::to_string(value.as_uint()).c_str());
      }
      return;
    case ValueKind::kFloat: lua_pushnumber(state, value.as_float()); return;
    case ValueKind::kDouble: lua_pushnumber(state, value.as_double()); return;
    case ValueKind::kBool: lua_pushboolean(state, value.as_bool()); return;
    default: {
      Result<std::string> text = TemplateText(type, value);
      lua_pushlstring(state, text->data(), text->size());
    }
  }
}

Result<nlohmann::json> ToAttribute(lua_State* state, int index, int depth);

Result<nlohmann::json> TableToAttribute(lua_State* state, int index, int depth) {
  lua_Integer length = static_cast<lua_Integer>(lua_rawlen(state, index));
  nlohmann::json out;
  if (length > 0) {
    out = nlohmann::json::array();
    for (lua_Integer element = 1; element <= length; ++element) {
      lua_rawgeti(state, index, element);
      Result<nlohmann::json> value = ToAttribute(state, lua_gettop(state), depth + 1);
      lua_pop(state, 1);
      if (!value.ok()) return value;
      out.push_back(*value);
    }
    return nlohmann::json{{"L", out}};
  }
  out = nlohmann::json::object();
  lua_pushnil(state);
  while (lua_next(state, index) != 0) {
    if (lua_type(state, -2) != LUA_TSTRING) {
      lua_pop(state, 2);
      return Status::InvalidArgument("item attribute names must be strings");
    }
    std::string name = lua_tostring(state, -2);
    Result<nlohmann::json> value = ToAttribute(state, lua_gettop(state), depth + 1);
    lua_pop(state, 1);
    if (!value.ok()) {
      lua_pop(state, 1);
      return value;
    }
    out[name] = *value;
  }
  return depth == 0 ? out : nlohmann::json{{"M", out}};
}

Result<nlohmann::json> ToAttribute(lua_State* state, int index, int depth) {
  if (depth > 32) return Status::InvalidArgument("item nests deeper than 32 levels");
  switch (lua_type(state, index)) {
    case LUA_TSTRING: return nlohmann::json{{"S", lua_tostring(state, index)}};
    case LUA_TBOOLEAN: return nlohmann::json{{"BOOL", lua_toboolean(state, index) != 0}};
    case LUA_TNUMBER:
      if (lua_isinteger(state, index)) {
        return nlohmann::json{{"N", std::to_string(lua_tointeger(state, index))}};
      }
      return nlohmann::json{{"N", ShortestDecimal(lua_tonumber(state, index))}};
    case LUA_TTABLE: return TableToAttribute(state, index, depth);
    default:
      return Status::InvalidArgument(std::string("a Lua ") + luaL_typename(state, index) +
                                     " cannot be an attribute value");
  }
}

}  // namespace

Result<std::shared_ptr<LuaHook>> LuaHook::Create(const std::string& script,
                                                 const std::string& origin) {
  std::shared_ptr<LuaHook> hook(new LuaHook());
  hook->origin_ = origin;
  hook->state_ = luaL_newstate();
  if (hook->state_ == nullptr) return Status::Internal("cannot create a Lua state");
  OpenSandbox(hook->state_);
  lua_sethook(hook->state_, &InstructionLimitHook, LUA_MASKCOUNT, kInstructionLimit);
  // Text only ("t"): precompiled chunks could break the sandbox.
  if (luaL_loadbufferx(hook->state_, script.data(), script.size(), ("@" + origin).c_str(), "t") !=
          LUA_OK ||
      lua_pcall(hook->state_, 0, 0, 0) != LUA_OK) {
    std::string message = lua_tostring(hook->state_, -1);
    return Status::InvalidArgument("Lua: " + message);
  }
  if (lua_getglobal(hook->state_, "transform") != LUA_TFUNCTION) {
    return Status::InvalidArgument("Lua: " + origin +
                                   " does not define function transform(table, row)");
  }
  lua_settop(hook->state_, 0);
  return hook;
}

LuaHook::~LuaHook() {
  if (state_ != nullptr) lua_close(state_);
}

Result<std::vector<nlohmann::json>> LuaHook::Call(const TableSchema& schema, const Row& row) const {
  std::lock_guard lock(mutex_);
  lua_settop(state_, 0);
  lua_getglobal(state_, "transform");
  lua_pushstring(state_, schema.id.ToString().c_str());
  lua_createtable(state_, 0, static_cast<int>(schema.columns.size()));
  for (size_t column_idx = 0; column_idx < schema.columns.size(); ++column_idx) {
    const Value& value = row.values[column_idx];
    if (!row.IsPresent(column_idx) || value.is_null()) continue;
    PushValue(state_, schema.columns[column_idx].type, value);
    lua_setfield(state_, -2, schema.columns[column_idx].name.c_str());
  }
  // The instruction count restarts with each call.
  lua_sethook(state_, &InstructionLimitHook, LUA_MASKCOUNT, kInstructionLimit);
  if (lua_pcall(state_, 2, 1, 0) != LUA_OK) {
    std::string message = lua_tostring(state_, -1);
    lua_settop(state_, 0);
    return Status::InvalidArgument("Lua transform failed: " + message);
  }
  std::vector<nlohmann::json> items;
  if (lua_type(state_, 1) != LUA_TTABLE) {
    lua_settop(state_, 0);
    return Status::InvalidArgument("Lua transform must return a list of items");
  }
  lua_Integer count = static_cast<lua_Integer>(lua_rawlen(state_, 1));
  for (lua_Integer item_idx = 1; item_idx <= count; ++item_idx) {
    lua_rawgeti(state_, 1, item_idx);
    Result<nlohmann::json> item =
        lua_type(state_, -1) == LUA_TTABLE
            ? TableToAttribute(state_, lua_gettop(state_), 0)
            : Result<nlohmann::json>(Status::InvalidArgument("items must be tables"));
    lua_pop(state_, 1);
    if (!item.ok()) {
      lua_settop(state_, 0);
      return item.status().WithContext("Lua transform item " + std::to_string(item_idx));
    }
    items.push_back(std::move(item).value());
  }
  lua_settop(state_, 0);
  return items;
}

}  // namespace cutover::transform
