// Fence: a marker row written on the source and waited for until apply has passed it.
#include "cutover/fence.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "log/change_log.h"
#include "pipeline/clock.h"
#include "pipeline/fence.h"
#include "pipeline/state_options.h"
#include "pipeline/test_hooks.h"
#include "source/mysql/snapshot_schema.h"
#include "state/fence_record.h"
#include "state/live_controls.h"
#include "state/run_status.h"
#include "state/table_ddl.h"

namespace cutover {
namespace pipeline {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollEvery = std::chrono::milliseconds(20);
constexpr auto kCheckRunEvery = std::chrono::seconds(1);

std::string NewFenceId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  return fmt::format("{:016x}{:016x}", random(), random());
}

std::string NoRunMessage(const Spec& spec, std::string_view command) {
  return fmt::format(
      "no `cutover run` is running for migration {} (its status record in {} is missing or "
      "older than {} s): {} works through the running capture and applier; start `cutover run "
      "{}`, then try again",
      spec.name, spec.state_dir.string(), state::kRunStatusFreshMs / 1000, command,
      spec.file.string());
}

// The source side of a fence: the marker, written so that it travels in the change stream at its
// place among the source's transactions.
class FenceMarker {
 public:
  virtual ~FenceMarker() = default;
  virtual Status Write(const std::string& id) = 0;
  // Takes away what Write left on the source; a failure is only logged.
  virtual void Remove(const std::string& id) = 0;
};

// MariaDB/MySQL: a row inserted into cutover_fence in the schema of the first selected table.
class MysqlFenceMarker : public FenceMarker {
 public:
  static Result<std::unique_ptr<FenceMarker>> Open(const Spec& spec) {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> connection,
                             mysql::Connection::Open(spec.source.connection));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<mysql::SelectedTable> selected,
                             mysql::LoadSelectedTables(*connection, spec));
    if (selected.empty()) {
      return Status::FailedPrecondition(
          "the spec selects no source table: there is no schema to write the fence marker into");
    }
    std::string table = mysql::QuoteQualified(selected.front().schema.id.schema, kFenceTable);
    return std::unique_ptr<FenceMarker>(
        new MysqlFenceMarker(std::move(connection), std::move(table)));
  }

  Status Write(const std::string& id) override {
    CUTOVER_RETURN_IF_ERROR(
        connection_
            ->Execute(fmt::format("CREATE TABLE IF NOT EXISTS {} (id VARCHAR(40) NOT NULL "
                                  "PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT "
                                  "CURRENT_TIMESTAMP(6))",
                                  table_))
            .status());
    return connection_
        ->Execute(
            fmt::format("INSERT INTO {} (id) VALUES ({})", table_, connection_->QuoteString(id)))
        .status();
  }

  void Remove(const std::string& id) override {
    Result<uint64_t> removed = connection_->Execute(
        fmt::format("DELETE FROM {} WHERE id = {}", table_, connection_->QuoteString(id)));
    if (!removed.ok()) {
      spdlog::warn("fence {}: removing its marker row: {}", id, removed.status().ToString());
    }
  }

 private:
  MysqlFenceMarker(std::unique_ptr<mysql::Connection> connection, std::string table)
      : connection_(std::move(connection)), table_(std::move(table)) {}
  std::unique_ptr<mysql::Connection> connection_;
  std::string table_;  // `schema`.`cutover_fence`
};

// PostgreSQL: a transactional logical decoding message (prefix cutover_fence, the id as its
// content), which the slot streams at its commit's place; nothing is left on the source.
class PostgresFenceMarker : public FenceMarker {
 public:
  static Result<std::unique_ptr<FenceMarker>> Open(const Spec& spec) {
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> connection,
                             postgres::Connection::Open(spec.source.connection));
    return std::unique_ptr<FenceMarker>(new PostgresFenceMarker(std::move(connection)));
  }
  Status Write(const std::string& id) override {
    return connection_
        ->Execute("SELECT pg_logical_emit_message(true, $1, $2)", {std::string(kFenceTable), id})
        .status();
  }
  void Remove(const std::string&) override {}

 private:
  explicit PostgresFenceMarker(std::unique_ptr<postgres::Connection> connection)
      : connection_(std::move(connection)) {}
  std::unique_ptr<postgres::Connection> connection_;
};

Result<std::unique_ptr<FenceMarker>> OpenFenceMarker(const Spec& spec) {
  if (spec.source.kind == SourceKind::kPostgres) return PostgresFenceMarker::Open(spec);
  return MysqlFenceMarker::Open(spec);
}

class Fence {
 public:
  // `log`: the change log, opened to read the appliers' progress.
  Fence(StateStore& state, std::unique_ptr<FenceMarker> marker, std::unique_ptr<log::ChangeLog> log,
        const FenceOptions& options)
      : state_(state),
        marker_(std::move(marker)),
        log_(std::move(log)),
        options_(options),
        id_(NewFenceId()) {}

  // The fence record and the marker row go, whatever happened.
  ~Fence() {
    state::DeleteFenceRecord(state_, id_).IgnoreError();
    if (marker_written_) marker_->Remove(id_);
  }

  Result<FenceOutcome> Run() {
    state::FenceRecord request;
    request.id = id_;
    request.requested_at_ms = NowMs();
    CUTOVER_RETURN_IF_ERROR(state::WriteFenceRecord(state_, request));
    // Taken before the write: the lag then covers the write itself and is never negative.
    int64_t written_at = NowMs();
    marker_written_ = true;  // from here the row may exist: the destructor removes it
    CUTOVER_RETURN_IF_ERROR(marker_->Write(id_));
    TEST_PausePoint("fence_marked");
    CUTOVER_ASSIGN_OR_RETURN(state::FenceRecord passed, WaitPassed());
    TEST_PausePoint("fence_passed");
    FenceOutcome outcome;
    outcome.result.id = id_;
    outcome.result.written_at_ms = written_at;
    outcome.result.applied_at_ms = std::max(passed.applied_at_ms, written_at);
    outcome.result.lag_seconds =
        static_cast<double>(outcome.result.applied_at_ms - written_at) / 1000.0;
    outcome.last_event_ms = passed.last_event_ms;
    state::LastFence last{id_, outcome.result.written_at_ms, outcome.result.applied_at_ms,
                          outcome.result.lag_seconds, /*passed=*/true};
    CUTOVER_RETURN_IF_ERROR(state::WriteLastFence(state_, last));
    return outcome;
  }

 private:
  // The fence record once the run marked it passed.
  Result<state::FenceRecord> WaitPassed() {
    auto deadline = Clock::now() + options_.timeout;
    auto last_run_check = Clock::now();
    bool seen = false;
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<state::FenceRecord> record,
                               state::ReadFenceRecord(state_, id_));
      if (record) {
        if (record->passed) return *std::move(record);
        seen = seen || record->seen;
        if (!record->end_offsets.empty() && Applied(*record)) {
          record->applied_at_ms = NowMs();
          record->passed = true;
          return *std::move(record);
        }
      }
      if (options_.stop != nullptr && options_.stop->load()) {
        return Status::Cancelled(fmt::format("fence {}: stopped while waiting", id_));
      }
      if (Clock::now() >= deadline) return TimedOut(seen);
      if (Clock::now() - last_run_check >= kCheckRunEvery) {
        CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                                 state::ReadFreshRunStatus(state_, NowMs()));
        if (!status) {
          return Status::FailedPrecondition(fmt::format(
              "fence {}: `cutover run` stopped while the fence waited for it (no status record "
              "for {} s); see its output",
              id_, state::kRunStatusFreshMs / 1000));
        }
        last_run_check = Clock::now();
      }
      std::this_thread::sleep_for(kPollEvery);
    }
  }

  // Whether the appliers have committed, on every partition of the change log, at least the
  // durable end capture recorded with the marker (every change before the marker is below it,
  // and an applier commits progress only once the records below it are applied, whichever
  // process it runs in). Notes what still lags (or why the progress could not be read) for the
  // timeout message.
  bool Applied(const state::FenceRecord& record) {
    const std::vector<int64_t>& ends = record.end_offsets;
    Result<std::vector<std::optional<uint64_t>>> committed = log_->Committed();
    if (!committed.ok()) {
      lagging_ = "its progress could not be read: " + committed.status().ToString();
      return false;  // tried again at the next poll
    }
    std::string lagging;
    for (size_t partition = 0; partition < ends.size(); ++partition) {
      int64_t at = partition < committed->size() && (*committed)[partition]
                       ? static_cast<int64_t>(*(*committed)[partition])
                       : -1;
      int64_t behind = ends[partition] - std::max<int64_t>(at, 0);
      if (behind <= 0) continue;
      lagging += fmt::format(
          "{}partition {}: {} {} before the marker not applied (committed offset {}, needed {})",
          lagging.empty() ? "" : ", ", partition, behind, behind == 1 ? "record" : "records",
          at < 0 ? "none" : std::to_string(at), ends[partition]);
    }
    lagging_ = lagging;
    return lagging.empty();
  }

  Status TimedOut(bool seen) const {
    if (seen && log_->shared_by_processes()) {
      return Status::DeadlineExceeded(fmt::format(
          "fence {}: capture saw the marker, but the appliers ({}) did not apply everything "
          "before it within {} s: {}; are `cutover run` and every `cutover apply` applying (see "
          "their output)?",
          id_, log_->ProgressName(), options_.timeout.count(),
          lagging_.empty() ? "its offsets were not read yet" : lagging_));
    }
    if (!seen) {
      return Status::DeadlineExceeded(fmt::format(
          "fence {}: capture did not see the marker within {} s; is `cutover run` capturing "
          "(see `cutover status`)?",
          id_, options_.timeout.count()));
    }
    return Status::DeadlineExceeded(fmt::format(
        "fence {}: capture saw the marker, but apply did not pass it within {} s (see the lag "
        "in `cutover status`)",
        id_, options_.timeout.count()));
  }

  StateStore& state_;
  std::unique_ptr<FenceMarker> marker_;
  std::unique_ptr<log::ChangeLog> log_;  // read-only: the appliers' progress
  const FenceOptions& options_;
  const std::string id_;
  bool marker_written_ = false;
  std::string lagging_;  // the partitions behind the marker at the last check
};

}  // namespace

Result<std::unique_ptr<StateStore>> OpenStateForFence(const Spec& spec) {
  if (!std::filesystem::exists(spec.state_dir / "state.db")) {
    return Status::FailedPrecondition(fmt::format(
        "no `cutover run` is running for migration {} (no state store in {}): start `cutover run "
        "{}`, then try again",
        spec.name, spec.state_dir.string(), spec.file.string()));
  }
  return StateStore::Open(spec.state_dir, StateOptionsFor(spec));
}

Status CheckRunApplying(const Spec& spec, StateStore& state, std::string_view command) {
  CUTOVER_ASSIGN_OR_RETURN(std::optional<state::RunStatus> status,
                           state::ReadFreshRunStatus(state, NowMs()));
  if (!status) return Status::FailedPrecondition(NoRunMessage(spec, command));
  const std::string& phase = status->phase;
  if (phase != "catch_up" && phase != "cdc") {
    return Status::FailedPrecondition(fmt::format(
        "`cutover run` for migration {} is in phase {}: {} waits for apply, which starts after "
        "the copy; try again once `cutover status` shows catch_up or cdc",
        spec.name, phase, command));
  }
  // A table a schema change stopped is not applied: the target is not the source (docs/ddl.md).
  CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TableDdl> tables, state::LoadTableDdl(state));
  for (const state::TableDdl& table : tables) {
    if (!table.held) continue;
    return Status::FailedPrecondition(fmt::format(
        "{} is stopped by a schema change ({}); its changes are not applied, so {} cannot "
        "pass: cutover ddl resume {} {} [--recopy] first",
        table.table, table.reason, command, spec.file.string(), table.table));
  }
  // An apply held by the operator (docs/operations.md) applies nothing: the fence would wait.
  CUTOVER_ASSIGN_OR_RETURN(state::LiveControls controls, state::ReadLiveControls(state));
  if (controls.apply_paused || controls.throttled_by_hand) {
    return Status::FailedPrecondition(
        fmt::format("the apply is {} by `cutover ctl`, so {} cannot pass: cutover ctl {} {} first",
                    controls.apply_paused ? "paused" : "throttled by hand", command,
                    spec.file.string(), controls.apply_paused ? "resume apply" : "throttle off"));
  }
  return Status::Ok();
}

Result<FenceOutcome> WriteFence(const Spec& spec, StateStore& state, const FenceOptions& options) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<FenceMarker> marker, OpenFenceMarker(spec));
  // Opened, and the appliers' progress read once, before the marker is written: a log that
  // cannot answer (a Kafka without its group coordinator) fails the fence before it touches
  // the source, and the lag does not include finding it.
  log::OpenLogOptions log_options;
  log_options.create = false;
  log_options.read_only = true;
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<log::ChangeLog> log,
                           log::OpenChangeLog(spec, log_options));
  CUTOVER_RETURN_IF_ERROR(log->Committed().status());
  Fence fence(state, std::move(marker), std::move(log), options);
  return fence.Run();
}

}  // namespace pipeline

Result<FenceResult> RunFence(const Spec& spec, const FenceOptions& options) {
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> state, pipeline::OpenStateForFence(spec));
  CUTOVER_RETURN_IF_ERROR(pipeline::CheckRunApplying(spec, *state, "a fence"));
  CUTOVER_ASSIGN_OR_RETURN(pipeline::FenceOutcome outcome,
                           pipeline::WriteFence(spec, *state, options));
  return outcome.result;
}

}  // namespace cutover
