// Guards: reads the last verify report, the run's status record and the last fence from the
// state store and says which guard rail a forward stage change would cross.
#include "control/guards.h"

#include <fmt/format.h>

#include "pipeline/clock.h"
#include "state/fence_record.h"
#include "state/run_status.h"
#include "state/verify_report.h"

namespace cutover::control {
namespace {

Status AddVerifyProblems(const Spec& spec, StateStore& state, const StageState& current,
                         std::vector<std::string>* out) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::VerifyReportRecord> report,
                           state::ReadVerifyReport(state));
  std::string file = spec.file.string();
  if (!report) {
    out->push_back(fmt::format(
        "no verify has run yet; run `cutover verify {}` until it reports 0 differences", file));
    return Status::Ok();
  }
  if (!report->complete) {
    out->push_back(fmt::format(
        "the last verify did not finish; run `cutover verify {}` again to complete it", file));
    return Status::Ok();
  }
  // The evidence must be of the pair as it is now: a verify over every table, started after
  // the group entered its current stage (dual writes, a rollback or a repair since then can
  // have changed the target).
  const std::string& glob = report->tables_glob;
  if (!glob.empty()) {
    out->push_back(fmt::format(
        "the last verify checked only the tables matching --tables '{}'; run `cutover verify {}` "
        "over every table",
        glob, file));
  }
  if (report->started_at_ms < current.since_ms) {
    out->push_back(fmt::format(
        "the last verify started before group '{}' moved to {}; run `cutover verify {}` again",
        current.group, StageName(current.stage), file));
  }
  int64_t differences = report->differences;
  if (differences != 0) {
    out->push_back(fmt::format(
        "the last verify found {} difference{}; repair them (`cutover verify {} --repair`) "
        "until a verify reports 0",
        differences, differences == 1 ? "" : "s", file));
  }
  return Status::Ok();
}

Status AddLagProblems(const Spec& spec, StateStore& state, std::vector<std::string>* out) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                           state::ReadFreshRunStatus(state, pipeline::NowMs()));
  if (!status) {
    out->push_back(fmt::format(
        "the CDC lag is unknown: no `cutover run` has recorded its status in the last {} s; "
        "start `cutover run {}` and let it catch up",
        state::kRunStatusFreshMs / 1000, spec.file.string()));
    return Status::Ok();
  }
  double lag = status->lag_seconds;
  double max_lag = static_cast<double>(spec.control.max_lag.count()) / 1000.0;
  if (lag > max_lag) {
    out->push_back(fmt::format(
        "the CDC lag is {:.1f} s, above control.guards.max_lag ({:g} s); wait until apply "
        "catches up",
        lag, max_lag));
  }
  return Status::Ok();
}

Status AddFenceProblems(const Spec& spec, StateStore& state, const StageState& current,
                        std::vector<std::string>* out) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::LastFence> fence, state::ReadLastFence(state));
  bool passed = fence && fence->passed && fence->written_at_ms > current.since_ms;
  if (passed) return Status::Ok();
  out->push_back(fmt::format(
      "no fence has passed since group '{}' moved to {}; run `cutover fence {}` (or POST "
      "/v1/fence) so that every source write made before now is on the target",
      current.group, StageName(current.stage), spec.file.string()));
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> ForwardProblems(const Spec& spec, StateStore& state,
                                                 const StageState& current, Stage to) {
  std::vector<std::string> problems;
  std::vector<std::string_view> skipped;
  for (int index = static_cast<int>(current.stage) + 1; index < static_cast<int>(to); ++index) {
    skipped.push_back(StageName(static_cast<Stage>(index)));
  }
  if (!skipped.empty()) {
    problems.push_back(
        fmt::format("it skips {}; move one stage at a time", fmt::join(skipped, ", ")));
  }
  // The guard of every stage entered on the way, so a skip cannot dodge one.
  for (int index = static_cast<int>(current.stage) + 1; index <= static_cast<int>(to); ++index) {
    Stage entered = static_cast<Stage>(index);
    if (entered == Stage::kTargetReads) {
      CUTOVER_RETURN_IF_ERROR(AddVerifyProblems(spec, state, current, &problems));
      CUTOVER_RETURN_IF_ERROR(AddLagProblems(spec, state, &problems));
    } else if (entered == Stage::kTargetPrimary) {
      CUTOVER_RETURN_IF_ERROR(AddFenceProblems(spec, state, current, &problems));
    }
  }
  return problems;
}

Result<std::vector<GuardCheck>> NextStageChecks(const Spec& spec, StateStore& state,
                                                const StageState& current) {
  std::vector<GuardCheck> checks;
  auto add = [&](std::string name, std::string needs, const auto& find) -> Status {
    GuardCheck check{std::move(name), std::move(needs), false, {}};
    CUTOVER_RETURN_IF_ERROR(find(&check.problems));
    check.met = check.problems.empty();
    checks.push_back(std::move(check));
    return Status::Ok();
  };
  if (current.stage == Stage::kShadow) {
    CUTOVER_RETURN_IF_ERROR(
        add("verify", "a complete verify of every table, started in this stage, with 0 differences",
            [&](std::vector<std::string>* out) {
              return AddVerifyProblems(spec, state, current, out);
            }));
    CUTOVER_RETURN_IF_ERROR(
        add("lag",
            fmt::format("a running `cutover run` with a lag of at most {:g} s",
                        static_cast<double>(spec.control.max_lag.count()) / 1000.0),
            [&](std::vector<std::string>* out) { return AddLagProblems(spec, state, out); }));
  } else if (current.stage == Stage::kTargetReads) {
    CUTOVER_RETURN_IF_ERROR(add("fence", "a fence passed since the group entered this stage",
                                [&](std::vector<std::string>* out) {
                                  return AddFenceProblems(spec, state, current, out);
                                }));
  }
  return checks;
}

Status CheckForward(const Spec& spec, StateStore& state, const StageState& current, Stage to) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<std::string> problems,
                           ForwardProblems(spec, state, current, to));
  if (problems.empty()) return Status::Ok();
  return Status::FailedPrecondition(fmt::format(
      "refused to move group '{0}' from {1} to {2}: {3}. To do it anyway, force it with a "
      "reason: cutover flags set {4} {0} {2} --force --reason \"...\" (API: PUT /v1/flags/{0} "
      "with {{\"stage\": \"{2}\", \"force\": true, \"reason\": \"...\"}})",
      current.group, StageName(current.stage), StageName(to), fmt::join(problems, "; "),
      spec.file.string()));
}

}  // namespace cutover::control
