// Target: the migration's target as every command uses it, opened once per process from the
// spec and handed down (docs/design.md): the applied tables as the target names them, the
// copy's sink, and the change appliers with their mapper. What these share is read once, here
// (DynamoDB: the mapping file), and what the appliers share once, in OpenAppliers (DynamoDB: the
// HTTP client, the state store).
#pragma once

#include <memory>
#include <vector>

#include "cutover/apply.h"
#include "cutover/sink.h"
#include "cutover/source.h"
#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover {

class Target {
 public:
  virtual ~Target() = default;
  // The tables the appliers write: one plan per table of `tables` (Source::LoadSelectedTables,
  // in its order), with the table's narrowed schema and its target table as the sink names it
  // (DynamoDB: the mapping's table, the mapping checked against the narrowed schema).
  virtual Result<std::vector<TargetTablePlan>> Plans(
      const std::vector<SourceTable>& tables) const = 0;
  // The full load's sink (Unimplemented for a target kind the copy cannot write yet).
  virtual Result<std::unique_ptr<Sink>> OpenSink() const = 0;
  // The change appliers of `plans` (which must outlive them); `state` is the caller's state
  // store (not owned; null: opened where a target keeps checkpoints there). Unimplemented for a
  // target kind changes cannot be applied to yet.
  virtual Result<std::unique_ptr<Appliers>> OpenAppliers(const std::vector<TargetTablePlan>& plans,
                                                         StateStore* state) const = 0;
};

// Opens spec.target (which must outlive the result) without connecting; reads what every part
// shares (DynamoDB: the mapping file, its errors naming the file and the field).
Result<std::unique_ptr<Target>> OpenTarget(const Spec& spec);

}  // namespace cutover
