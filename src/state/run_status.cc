// RunStatus: the run's status record and its JSON.
#include "state/run_status.h"

#include <ctime>
#include <fstream>

#include "state/json_fields.h"

namespace cutover::state {
namespace {

nlohmann::json HoldJson(const RunHold& hold) {
  return {{"held", hold.held}, {"reason", hold.reason}, {"detail", hold.detail}};
}

void ReadHold(JsonFields& state, std::string_view stage, RunHold* out) {
  state.ReadObject(stage, [&](JsonFields& hold) {
    hold.Read("held", &out->held);
    hold.Read("reason", &out->reason);
    hold.Read("detail", &out->detail);
  });
}

}  // namespace

BootClock BootClock::Now() {
  static const std::string boot_id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
  }();
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return BootClock{boot_id, int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1000000};
}

bool RunStatus::FreshAt(int64_t now_ms, const BootClock& boot) const {
  if (boot_id.empty() || boot_id != boot.boot_id || updated_at_boot_ms <= 0) {
    return FreshAt(now_ms);
  }
  const int64_t age = boot.ms - updated_at_boot_ms;
  return age >= 0 && age <= kRunStatusFreshMs;
}

nlohmann::json RunStatus::ToJson() const {
  nlohmann::json json = {
      {"phase", phase},
      {"lag_seconds", lag_seconds},
      {"lag_records", lag_records},
      {"applied_changes", applied_changes},
      {"captured_transactions", captured_transactions},
      {"captured_changes", captured_changes},
      {"captured_changes_total", captured_changes_total},
      {"applied_changes_total", applied_changes_total},
      {"applied_through_ms", applied_through_ms},
      {"last_event_ms", last_event_ms},
      {"updated_at_ms", updated_at_ms},
      {"throttle",
       {{"copy_wait_seconds", throttle.copy_wait_seconds},
        {"apply_wait_seconds", throttle.apply_wait_seconds},
        {"target_throttled", throttle.target_throttled},
        {"state", {{"copy", HoldJson(throttle.copy)}, {"apply", HoldJson(throttle.apply)}}},
        {"held_seconds", throttle.held_seconds},
        {"probe_errors", throttle.probe_errors}}}};
  if (!change_log.empty()) json["change_log"] = change_log;
  if (!boot_id.empty()) {
    json["updated_at_boot_ms"] = updated_at_boot_ms;
    json["boot_id"] = boot_id;
  }
  if (log_durable_offset) json["log_durable_offset"] = *log_durable_offset;
  if (applied_offset) json["applied_offset"] = *applied_offset;
  if (!applied_by_table.empty()) {
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& [table, counts] : applied_by_table) {
      tables[table] = {
          {"inserts", counts.inserts}, {"updates", counts.updates}, {"deletes", counts.deletes}};
    }
    json["applied_by_table"] = std::move(tables);
  }
  if (source_retention) {
    nlohmann::json retention = {{"what", source_retention->what},
                                {"retained_bytes", source_retention->retained_bytes},
                                {"state", source_retention->state},
                                {"warning", source_retention->warning}};
    if (source_retention->headroom_bytes) {
      retention["headroom_bytes"] = *source_retention->headroom_bytes;
    }
    json["source_retention"] = std::move(retention);
  }
  return json;
}

Result<RunStatus> RunStatus::FromJson(std::string_view text) {
  CUTOVER_ASSIGN_OR_RETURN(JsonFields fields, JsonFields::Parse(kRunStatusKey, text));
  RunStatus status;
  fields.Read("phase", &status.phase);
  fields.Read("change_log", &status.change_log);
  fields.Read("lag_seconds", &status.lag_seconds);
  fields.Read("lag_records", &status.lag_records);
  fields.Read("applied_changes", &status.applied_changes);
  fields.Read("captured_transactions", &status.captured_transactions);
  fields.Read("captured_changes", &status.captured_changes);
  fields.Read("captured_changes_total", &status.captured_changes_total);
  fields.Read("applied_changes_total", &status.applied_changes_total);
  fields.Read("applied_through_ms", &status.applied_through_ms);
  fields.Read("last_event_ms", &status.last_event_ms);
  fields.Read("updated_at_ms", &status.updated_at_ms);
  fields.Read("updated_at_boot_ms", &status.updated_at_boot_ms);
  fields.Read("boot_id", &status.boot_id);
  fields.ReadObject("throttle", [&](JsonFields& throttle_fields) {
    throttle_fields.Read("copy_wait_seconds", &status.throttle.copy_wait_seconds);
    throttle_fields.Read("apply_wait_seconds", &status.throttle.apply_wait_seconds);
    throttle_fields.Read("target_throttled", &status.throttle.target_throttled);
    throttle_fields.ReadObject("state", [&](JsonFields& state) {
      ReadHold(state, "copy", &status.throttle.copy);
      ReadHold(state, "apply", &status.throttle.apply);
    });
    throttle_fields.ReadObject("held_seconds", [&](JsonFields& stages) {
      for (const std::string& stage : stages.Names()) {
        stages.ReadObject(stage, [&](JsonFields& reasons) {
          for (const std::string& reason : reasons.Names()) {
            reasons.Read(reason, &status.throttle.held_seconds[stage][reason]);
          }
        });
      }
    });
    throttle_fields.Read("probe_errors", &status.throttle.probe_errors);
  });
  fields.Read("log_durable_offset", &status.log_durable_offset);
  fields.Read("applied_offset", &status.applied_offset);
  fields.ReadObject("source_retention", [&](JsonFields& retention) {
    RunRetention& out = status.source_retention.emplace();
    retention.Read("what", &out.what);
    retention.Read("retained_bytes", &out.retained_bytes);
    retention.Read("state", &out.state);
    retention.Read("headroom_bytes", &out.headroom_bytes);
    retention.Read("warning", &out.warning);
  });
  fields.ReadObject("applied_by_table", [&](JsonFields& tables) {
    for (const std::string& table : tables.Names()) {
      tables.ReadObject(table, [&](JsonFields& counts) {
        TableApplied& out = status.applied_by_table[table];
        counts.Read("inserts", &out.inserts);
        counts.Read("updates", &out.updates);
        counts.Read("deletes", &out.deletes);
      });
    }
  });
  CUTOVER_RETURN_IF_ERROR(fields.status());
  return status;
}

Result<std::optional<RunStatus>> ReadRunStatus(StateStore& state) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> text, state.GetMeta(kRunStatusKey));
  if (!text) return std::optional<RunStatus>();
  CUTOVER_ASSIGN_OR_RETURN(RunStatus status, RunStatus::FromJson(*text));
  return std::optional<RunStatus>(std::move(status));
}

Result<std::optional<RunStatus>> ReadFreshRunStatus(StateStore& state, int64_t now_ms) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<RunStatus> status, ReadRunStatus(state));
  if (!status || !status->FreshAt(now_ms, BootClock::Now())) return std::optional<RunStatus>();
  return status;
}

Status WriteRunStatus(StateStore& state, const RunStatus& status) {
  return state.SetMeta(kRunStatusKey, status.ToJson().dump());
}

}  // namespace cutover::state
