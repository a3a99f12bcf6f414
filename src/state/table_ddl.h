// TableDdl: what `cutover run` records about a selected table's schema changes (docs/ddl.md),
// one JSON record per table in the state store's meta table under "ddl.<schema>.<table>":
// whether the table is held (a change the target could not follow safely stopped it), why,
// where in the change log, whether `cutover ddl resume` asked to go on, and which source
// columns the target does not get. `cutover status`, /metrics and `verify` read it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/position.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::state {

inline constexpr char kTableDdlPrefix[] = "ddl.";

struct TableDdl {
  std::string table;  // "schema.table"
  // Held: the table's changes are not applied from `offsets` on (per change log partition:
  // the first offset not applied), since the change at `position`.
  bool held = false;
  std::string reason;
  std::string statement;  // the source statement that held it, when there was one
  Position position;      // the source position of the change that held it
  int64_t held_at_ms = 0;
  std::map<int, uint64_t> offsets;
  // `cutover ddl resume`: "resume" (apply the held changes from `offsets`) or "recopy" (copy
  // the table again); empty: not asked. `recopy_ready`: the running apply follows the table
  // again from `resumed_at` on, so the re-copy can start.
  std::string resume;
  bool recopy_ready = false;
  bool is_new = false;  // a table created on the source during the run (copied when seen)
  Position resumed_at;
  // Source columns the target does not get: column -> why (the rule's columns, ddl: ignore).
  std::map<std::string, std::string> not_carried;

  nlohmann::json ToJson() const;
  static Result<TableDdl> FromJson(std::string_view key, std::string_view text);
};

std::string TableDdlKey(std::string_view table);  // "ddl.shop.orders"

// Every table's record, by table name.
Result<std::vector<TableDdl>> LoadTableDdl(StateStore& state);
Result<std::optional<TableDdl>> LoadTableDdl(StateStore& state, std::string_view table);
// Stores `record` (a record neither held nor reporting columns is deleted).
Status SaveTableDdl(StateStore& state, const TableDdl& record);

}  // namespace cutover::state
