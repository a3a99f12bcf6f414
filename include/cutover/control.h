// Control: the flag stages an application follows during the cutover, their audit and guard
// rails, and the HTTP control API that serves them with the migration's status and metrics
// (docs/control-api.md). The stages live in the state store, so `cutover flags` (no server), the
// API of `cutover serve` and that of `cutover run` all see and change the same ones.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/spec.h"
#include "cutover/stage.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

namespace cutover {

// Unix ms as the audits print it: "2026-11-22 09:12:03 UTC".
std::string UtcTimeText(int64_t at_ms);

// A stage (cutover/stage.h) by name; InvalidArgument naming the six stages for anything else.
Result<Stage> ParseFlagStage(std::string_view name);

// The group of every table no named group lists (control.groups in the spec).
inline constexpr std::string_view kDefaultGroup = "default";

// A group's current stage. A group never set is at source_only since 0.
struct StageState {
  std::string group;
  Stage stage = Stage::kSourceOnly;
  int64_t since_ms = 0;  // Unix ms of the change that set it; 0: never set
};

// One audited stage change (state meta "flags.history/<group>/<12-digit sequence>").
struct StageChange {
  int64_t sequence = 0;  // 1, 2, ... per group
  std::string group;
  Stage from = Stage::kSourceOnly;
  Stage to = Stage::kSourceOnly;
  std::string reason;
  bool forced = false;
  int64_t at_ms = 0;
  std::string by;  // who asked: "cli <user>", "api <address>", ...
};
// As the API and `cutover flags history --json` show it: {"sequence", "group", "from", "to",
// "reason", "forced", "at_ms", "by"} (the audit record in the state store has all but sequence).
nlohmann::json StageChangeJson(const StageChange& change);

struct StageRequest {
  std::string group{kDefaultGroup};
  Stage to = Stage::kSourceOnly;
  std::string reason;  // optional unless force
  bool force = false;  // overrides the guard rails; needs a reason
  std::string by;
};

// The groups of the spec: "default" first, then control.groups in spec order.
std::vector<std::string> StageGroups(const Spec& spec);
// NotFound for a group the spec does not define (the message lists those it does).
Result<StageState> GetStage(const Spec& spec, StateStore& state, std::string_view group);
Result<std::vector<StageState>> ListStages(const Spec& spec,
                                           StateStore& state);  // StageGroups order
// The group's changes, oldest first.
Result<std::vector<StageChange>> StageHistory(const Spec& spec, StateStore& state,
                                              std::string_view group);

// Moves a group to request.to and audits the change, in one state store transaction. Going back
// (to an earlier stage) is always allowed. Going forward is refused (FailedPrecondition, saying
// why and how to force it) when it skips a stage, when the target is target_reads and the last
// verify is missing, incomplete or found differences, or the CDC lag is unknown or above
// control.guards.max_lag, and when the target is target_primary without a fence passed after the
// group's last change. request.force overrides these; the change is then audited as forced.
// Setting the current stage again changes nothing and returns the current state's last change
// (sequence 0 when none). InvalidArgument for a force without a reason.
Result<StageChange> SetStage(const Spec& spec, StateStore& state, const StageRequest& request);

// Live controls of a running migration (docs/operations.md): pause and resume the copy and the
// apply, hold both by hand (gh-ost's throttle), and live values of throttle settings that
// override the spec's until reset. Kept in the state store (works with or without the API, from
// any process); the running `cutover run` applies a change within a second. Every change is
// audited (who, when, reason, old -> new).
struct CtlRequest {
  std::string action;  // "pause", "resume", "set", "reset" or "throttle"
  std::string what;    // pause/resume: "copy", "apply" or "all" (empty: all)
  std::string key;     // set/reset: a live setting (throttle.copy_rows_per_second, ...)
  std::string value;   // set: the value as written; empty: back to the spec's, as reset
  bool on = true;      // throttle: hold (true, needs a reason) or release
  std::string reason;
  std::string by;  // "cli <user>", "api <address>"
};

// Applies `request` and audits it, in one state store transaction; a request that changes
// nothing (pausing what is paused) records nothing. InvalidArgument naming the field and the
// allowed values for bad input (an unknown action, key or value; throttle without a reason).
// Returns the controls as CtlJson shows them.
Result<nlohmann::json> ApplyCtl(const Spec& spec, StateStore& state, const CtlRequest& request);
// {"paused": {"copy", "apply"}, "throttled_by_hand": {"on", "reason"}, "pause_reasons":
// {"copy", "apply"}, "settings": {key: {"value", "text", "source": "spec"|"live", "spec"}},
// "history": [the last 100 changes, oldest first]}.
Result<nlohmann::json> CtlJson(const Spec& spec, StateStore& state);
// `cutover ctl show` and `cutover ctl history` as text, from CtlJson's answer.
std::string FormatCtl(const nlohmann::json& ctl);
std::string FormatCtlHistory(const nlohmann::json& ctl);

// The state store of `spec`, opened for reading and writing by a process that does not run the
// migration (`cutover flags`, `cutover serve`): it must coexist with a running `cutover run`.
Result<std::unique_ptr<StateStore>> OpenControlState(const Spec& spec);

struct ControlServerOptions {
  // Where the server says where it listens and logs refused requests; null: nowhere.
  FILE* log = nullptr;
  // Runs a whole verify of the spec (as `cutover verify SPEC` does, its report stored in the
  // state store's meta "verify.report"), stopping early once *stop is set. POST /v1/verify
  // runs it on a thread of its own, one at a time. Null: POST /v1/verify answers 501.
  std::function<Status(const std::atomic<bool>* stop)> verify;
};

// The HTTP control API on spec.control.listen, answering on its own threads until Stop() or
// destruction. Every request needs `Authorization: Bearer <control token>`.
class ControlServer {
 public:
  // Binds and starts serving. FailedPrecondition when the spec has no control token (the API
  // never runs without one); Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<ControlServer>> Start(const Spec& spec,
                                                      const ControlServerOptions& options = {});
  virtual ~ControlServer() = default;
  virtual int port() const = 0;             // the bound port (listen port 0: the one chosen)
  virtual std::string address() const = 0;  // "127.0.0.1:8470"
  // Stops accepting requests and waits for the server thread. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace cutover
