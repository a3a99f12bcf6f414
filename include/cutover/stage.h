// The flag stages of a cutover: where an application reads and writes, in the order a cutover
// moves through them (docs/control-api.md "Stages"). Shared by the control API (cutover/control.h)
// and the application's client library (cutover/router.h); names and order are the API's
// contract (stage names in JSON, stage_index, the cutover_flag_stage metric).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace cutover {

enum class Stage {
  kSourceOnly,     // reads and writes on the source only
  kDualWrite,      // source primary, target written second
  kShadow,         // reads from both, the source's answer returned, the results compared
  kTargetReads,    // the target answers reads; the source stays primary for writes
  kTargetPrimary,  // target written first, source second
  kTargetOnly,     // the target answers and is written first; until the migration is
                   // finished the source gets a copy of each write (docs/router.md)
};
inline constexpr int kStageCount = 6;
inline constexpr std::array<std::string_view, kStageCount> kStageNames = {
    "source_only", "dual_write", "shadow", "target_reads", "target_primary", "target_only"};

constexpr std::string_view StageName(Stage stage) { return kStageNames[static_cast<int>(stage)]; }

// nullopt for a name that is not one of kStageNames.
constexpr std::optional<Stage> ParseStage(std::string_view name) {
  for (int index = 0; index < kStageCount; ++index) {
    if (kStageNames[index] == name) return static_cast<Stage>(index);
  }
  return std::nullopt;
}

}  // namespace cutover
