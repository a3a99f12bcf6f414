// cutover::Router: the application's side of a cutover (docs/router.md). The application gives
// it a read function and a write function for each store (the source database it has, the
// target it moves to); the Router follows the migration's current flag stage, fetched from the
// control API (docs/control-api.md), cached, refreshed in the background, and a safe default
// (source_only) while it has never been reached:
//
//   stage           reads from          writes
//   source_only     source              source
//   dual_write      source              source, then target (secondary)
//   shadow          both, returns the   source, then target (secondary)
//                   source's answer,
//                   compares them
//   target_reads    target              source, then target (secondary)
//   target_primary  target              target, then source (secondary)
//   target_only     target              target, then source (a rollback copy) until the
//                                       migration is finished, then target only
//
// The secondary write happens only after the primary one succeeded; its failure never fails
// the caller (CDC still carries the change while the source is primary) but is counted. A
// shadow comparison that differs is lag-aware: it is re-checked once the migration has applied
// what the source had at read time (the control API's applied_through_ms), and counted as a
// mismatch only if it persists with the source answer unchanged. Counters are reported to the
// control API, whose /metrics shows them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/stage.h"
#include "cutover/status.h"

namespace cutover {

struct RouterOptions {
  std::string control_url = "http://127.0.0.1:8470";  // the control API (`cutover serve`/`run`)
  std::string token;                                  // its bearer token
  // An https:// control_url (control.tls_cert_file in the spec): the PEM bundle of the CAs to
  // trust for its certificate, whose name must match the URL's host. Empty: the system's store.
  std::string ca_file;
  std::string group = "default";                      // the flag group this application follows
  std::chrono::milliseconds refresh{1000};            // stage and applied_through_ms polled
  Stage fallback = Stage::kSourceOnly;                // while the stage has never been fetched
  std::chrono::milliseconds report_every{2000};
  // A shadow mismatch is re-checked once apply has passed its read time plus this margin.
  std::chrono::milliseconds recheck_margin{1500};
  int recheck_rounds = 6;  // then a mismatch whose source answer keeps changing is "unsettled"
};

// What a Router has done since it started (all relaxed counters).
struct RouterCounters {
  int64_t reads = 0;
  int64_t writes = 0;
  int64_t secondary_write_failures = 0;
  int64_t target_read_failures = 0;  // shadow: the target could not answer (the source did)
  int64_t shadow_comparisons = 0;
  int64_t shadow_mismatches = 0;  // differences that persisted after the lag
  int64_t shadow_settled = 0;     // differences that went away (the target was behind)
  int64_t shadow_unsettled = 0;   // the source answer changed in every re-check
  int64_t stage_fetch_failures = 0;
};

// The part of the Router that does not depend on the application's types: the stage cache,
// the background thread (stage, status, reports) and the re-check queue.
class RouterCore {
 public:
  explicit RouterCore(RouterOptions options);
  ~RouterCore();  // stops the background thread after a last report
  RouterCore(const RouterCore&) = delete;
  RouterCore& operator=(const RouterCore&) = delete;

  Stage stage() const;
  bool stage_known() const;  // fetched at least once
  // The control API said the migration is finished (`cutover finish` completed): in
  // target_only the source is no longer written.
  bool source_retired() const;
  RouterCounters counters() const;
  // Blocks until the stage has been fetched once (or `timeout`); false on timeout.
  bool WaitForStage(std::chrono::milliseconds timeout);

  void CountRead();
  void CountWrite();
  void CountSecondaryWriteFailure();
  void CountTargetReadFailure();
  void CountComparison();

  // One re-check of a shadow difference: whether the stores still differ, and whether the
  // source's answer is the one first seen (so that a difference is blamed on the target only
  // when the source stood still while the target had time to catch up).
  struct Recheck {
    bool differ = false;
    bool source_unchanged = false;
  };
  // A shadow read at `read_ms` (Unix ms) found the stores different: `recheck` is called on the
  // background thread once applied_through_ms >= read_ms + recheck_margin, and again each time
  // the source answer changed, up to recheck_rounds times.
  void Suspect(int64_t read_ms, std::function<Result<Recheck>()> recheck);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

int64_t RouterNowMs();  // Unix ms, the clock the control API's applied_through_ms uses

template <typename Key, typename Value>
class Router {
 public:
  struct Store {
    std::function<Result<std::optional<Value>>(const Key&)> read;          // nullopt: no such key
    std::function<Status(const Key&, const std::optional<Value>&)> write;  // nullopt: delete
  };
  using Same = std::function<bool(const std::optional<Value>&, const std::optional<Value>&)>;

  Router(RouterOptions options, Store source, Store target, Same same = DefaultSame)
      : source_(std::move(source)),
        target_(std::move(target)),
        same_(std::move(same)),
        core_(std::make_unique<RouterCore>(std::move(options))) {}

  Stage stage() const { return core_->stage(); }
  RouterCore& core() { return *core_; }

  // The answer of the store the stage reads from (shadow: the source's, compared with the
  // target's). An error of the store that answers is returned; in shadow the target's is only
  // counted.
  Result<std::optional<Value>> Read(const Key& key) {
    core_->CountRead();
    switch (core_->stage()) {
      case Stage::kSourceOnly:
      case Stage::kDualWrite: return source_.read(key);
      case Stage::kShadow: return ShadowRead(key);
      case Stage::kTargetReads:
      case Stage::kTargetPrimary:
      case Stage::kTargetOnly: return target_.read(key);
    }
    return source_.read(key);
  }

  // Writes `value` (nullopt: deletes) to the primary store of the stage and, once that
  // succeeded, to the secondary one; the primary's error is returned, the secondary's counted.
  Status Write(const Key& key, const std::optional<Value>& value) {
    core_->CountWrite();
    Stage stage = core_->stage();
    const Store* primary = &source_;
    const Store* secondary = nullptr;
    switch (stage) {
      case Stage::kSourceOnly: break;
      case Stage::kDualWrite:
      case Stage::kShadow:
      case Stage::kTargetReads: secondary = &target_; break;
      case Stage::kTargetPrimary:
        primary = &target_;
        secondary = &source_;
        break;
      case Stage::kTargetOnly:
        // Until the migration is finished the source still gets each write after the target,
        // so that going back to any stage loses nothing (CDC only runs source -> target).
        primary = &target_;
        if (!core_->source_retired()) secondary = &source_;
        break;
    }
    Status written = primary->write(key, value);
    if (!written.ok()) return written;
    if (secondary != nullptr && !secondary->write(key, value).ok()) {
      core_->CountSecondaryWriteFailure();
    }
    return Status::Ok();
  }

 private:
  static bool DefaultSame(const std::optional<Value>& a, const std::optional<Value>& b) {
    return a == b;
  }

  Result<std::optional<Value>> ShadowRead(const Key& key) {
    Result<std::optional<Value>> source = source_.read(key);
    if (!source.ok()) return source;
    Result<std::optional<Value>> target = target_.read(key);
    core_->CountComparison();
    if (!target.ok()) {
      core_->CountTargetReadFailure();
      return source;
    }
    if (!same_(*source, *target)) {
      auto first = std::make_shared<std::optional<Value>>(*source);
      core_->Suspect(RouterNowMs(), [this, key, first]() -> Result<RouterCore::Recheck> {
        Result<std::optional<Value>> now_source = source_.read(key);
        if (!now_source.ok()) return now_source.status();
        Result<std::optional<Value>> now_target = target_.read(key);
        if (!now_target.ok()) return now_target.status();
        RouterCore::Recheck recheck;
        recheck.differ = !same_(*now_source, *now_target);
        recheck.source_unchanged = same_(*now_source, *first);
        *first = *std::move(now_source);
        return recheck;
      });
    }
    return source;
  }

  // Declared before core_, so they outlive its background thread's re-checks.
  const Store source_;
  const Store target_;
  const Same same_;
  std::unique_ptr<RouterCore> core_;
};

}  // namespace cutover
