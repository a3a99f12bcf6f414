// The state store options every command of a migration opens its store with.
#pragma once

#include <string>

#include "cutover/spec.h"
#include "cutover/state_store.h"

namespace cutover::pipeline {

// The state store position where the copy records P0 (the start of CDC).
inline constexpr char kStartPosition[] = "snapshot_start";

// Records (first open) and checks (later opens) that the store belongs to this migration,
// source and target kind, so two specs never share a state directory by mistake.
inline StateStoreOptions StateOptionsFor(const Spec& spec) {
  StateStoreOptions options;
  options.identity = StoreIdentity{spec.name, std::string(SourceKindName(spec.source.kind)),
                                   spec.source.connection.host, spec.source.connection.port,
                                   std::string(TargetKindName(spec.target.kind))};
  return options;
}

}  // namespace cutover::pipeline
