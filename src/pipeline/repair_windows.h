// RepairWindows: the capture side of `cutover verify --repair` (docs/verify.md, "Repair"), a
// low/high watermark window as DBLog does it. The repair writes a low watermark row into the
// source's cutover_watermarks table, selects the rows to re-send, stores them in the state
// store under a request id, and writes a high watermark row. Capture sees both rows in the
// binlog, in commit order with every other change: between them it notes each key that
// changed; at the high watermark it loads the stored rows, drops those whose key changed in
// the window (the log already has a newer image of them, after the low watermark), and emits
// the rest into the change log right there, as full-image inserts (or deletes), so the applier
// writes them in order with everything else. Watermark rows never reach the log, and neither do
// the fence markers of `cutover fence` (docs/cutover.md): Pass hands their id to the fence hook.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover::pipeline {

// The state store meta keys of a repair request `id`: the rows to re-send (written by the
// repair before its high watermark), and what capture emitted (written by capture at the high
// watermark).
std::string RepairRowsKey(std::string_view id);
std::string RepairEmittedKey(std::string_view id);

// The rows a repair request re-sends, as stored under RepairRowsKey: source changes (inserts
// with the full after image, or deletes with the key in the before image) of one table.
std::string EncodeRepairRows(const TableSchema& schema, const std::vector<Change>& changes);
Result<std::vector<Change>> DecodeRepairRows(std::string_view stored);

class RepairWindows {
 public:
  // `state` null: capture without a state store ignores watermarks.
  explicit RepairWindows(StateStore* state) : state_(state) {}

  // To be called with every captured change, in order: hands `change` to `record` (capture's
  // logging of it), except a watermark row, which is not logged; at a high watermark the
  // re-sent rows are handed to `record` in its place. A fence marker (an insert into
  // kFenceTable) is not logged either; its id goes to the fence hook, if one is set.
  Status Pass(const Change& change, const std::function<Status(const Change&)>& record);

  // Sets the fence hook: told the id of each fence marker, at its place in the stream (every
  // change before it was handed to `record` already).
  void OnFence(std::function<Status(const std::string& id)> seen) { on_fence_ = std::move(seen); }

 private:
  // True when the change was a watermark row; at a high watermark *emit receives the rows.
  Result<bool> OnChange(const Change& change, std::vector<Change>* emit);

  StateStore* state_;
  // Open windows (request id -> the keys changed since its low watermark).
  std::map<std::string, std::set<std::string>> open_;
  std::vector<Change> emit_;  // a high watermark's re-sent rows (reused)
  std::function<Status(const std::string& id)> on_fence_;  // empty: markers are dropped
};

}  // namespace cutover::pipeline
