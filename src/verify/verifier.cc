// Verifier: THE verify loop. For each selected source table, in key order, one chunk at a time:
// read the rows the copy would copy, hand them to the target's checker, record the chunk in
// the state store; then let the checker look for target records no source row produced.
#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cutover/state_store.h"
#include "cutover/verify.h"

#include "core/coding.h"
#include "pipeline/apply.h"
#include "pipeline/clock.h"
#include "pipeline/state_options.h"
#include "pipeline/test_hooks.h"
#include "source/mysql/connection.h"
#include "source/mysql/snapshot_reader.h"
#include "source/mysql/snapshot_schema.h"
#include "state/touched_keys.h"
#include "state/verify_report.h"
#include "verify/checker.h"
#include "verify/live.h"
#include "verify/progress.h"
#include "verify/repair.h"

namespace cutover::verify {

void ChunkResult::Add(VerifyDifference difference, Key key) {
  switch (difference.kind) {
    case VerifyDifference::Kind::kMissing: ++missing; break;
    case VerifyDifference::Kind::kExtra: ++extra; break;
    case VerifyDifference::Kind::kDifferent: ++different; break;
  }
  differences.push_back(std::move(difference));
  keys.push_back(std::move(key));
}

std::string KeyText(const TableSchema& schema, const Row& row) {
  std::string out;
  for (size_t column : schema.key) {
    if (!out.empty()) out += ' ';
    out += schema.columns[column].name + "=" +
           ValueText(schema.columns[column].type, row.values[column]);
  }
  return out;
}

std::string ValueText(const ColumnType& type, const Value& value) {
  return value.is_null() ? "NULL" : DisplayValue(type, value);
}

namespace {

// One table being verified: what ApplyPlans decided and the rule's row filter.
struct TableJob {
  TargetTablePlan plan;
  std::string filter;
  TableSchema keys;  // plan.schema's key columns only: the checksum path reads just the keys
};

// Under live CDC: chunks checked ahead while earlier ones wait for their re-checks.
constexpr size_t kMaxOpenChunks = 32;
// A suspect is re-checked once apply has passed its source read by this much (capture logs a
// change a few milliseconds after its commit; the margin covers a slower moment).
constexpr int64_t kRecheckMarginMs = 1500;
// Rounds in a row in which a key's source row stayed the same while the target still
// differed: then the difference stands.
constexpr int kStableRounds = 2;
// Rounds after which a key whose source row changed every time is left unsettled.
constexpr int kMaxRounds = 8;
// How long a re-check waits for apply to pass a source read.
constexpr std::chrono::seconds kRecheckTimeout{120};

// A checked chunk not yet recorded: under live CDC its differences are re-checked first.
struct OpenChunk {
  std::optional<Key> lower;
  std::optional<Key> upper;
  bool last = false;
  bool compared_rows = false;       // its rows were read and compared one by one
  bool oversized_mismatch = false;  // grown beyond chunk_rows and differed: check it again
  ChunkResult result;               // rows compared, and the differences that stand
  // A key being re-checked: its source row as last read (nullopt: none), what differed.
  struct Suspect {
    Key key;
    std::optional<Row> source;
    std::vector<VerifyDifference> differences;
    int stable_rounds = 0;
  };
  std::map<std::string, Suspect> suspects;  // by Key::Encode()
  int64_t read_ms = 0;                      // when the suspects' source rows were read
  int rounds = 0;
  int64_t settled = 0;    // differences that went away when re-checked
  int64_t unsettled = 0;  // keys that changed in every round
};

// Checksum chunks grow so that each takes about `seconds` (as pt-table-checksum's
// --chunk-time): from the configured chunk_rows (never below it) up to kMaxChunkRows, at most
// doubling from one chunk to the next. A differing grown chunk sends the size back (Reset).
class ChunkSizer {
 public:
  static constexpr int64_t kMaxChunkRows = 1'000'000;

  ChunkSizer(int64_t base, double seconds) : base_(base), rows_(base), seconds_(seconds) {}

  int64_t rows() const { return rows_; }
  void Reset() { rows_ = base_; }

  // A chunk of `rows` rows whose checksums matched, checked in `took`.
  void Checked(int64_t rows, std::chrono::steady_clock::duration took) {
    if (seconds_ <= 0 || rows < rows_) return;  // fixed size, or the table's last chunk
    double took_seconds = std::max(std::chrono::duration<double>(took).count(), 1e-3);
    double fitting = static_cast<double>(rows) * seconds_ / took_seconds;
    fitting = std::min(fitting, static_cast<double>(rows_) * 2);
    rows_ = std::clamp(static_cast<int64_t>(fitting), base_, std::max(base_, kMaxChunkRows));
  }

 private:
  const int64_t base_;
  int64_t rows_;
  const double seconds_;
};

TableSchema KeyColumnsOnly(const TableSchema& schema) {
  TableSchema keys;
  keys.id = schema.id;
  for (size_t column : schema.key) {
    keys.key.push_back(keys.columns.size());
    keys.columns.push_back(schema.columns[column]);
  }
  return keys;
}

class Verifier {
 public:
  Verifier(const Spec& spec, const VerifyOptions& options) : spec_(spec), options_(options) {}

  // The verify, as a checklist: the tables and the checker; continue or start over; each
  // table chunk by chunk; the extras; the report, stored.
  Result<VerifyReport> Run() {
    CUTOVER_RETURN_IF_ERROR(CheckKinds());
    CUTOVER_ASSIGN_OR_RETURN(state_,
                             StateStore::Open(spec_.state_dir, pipeline::StateOptionsFor(spec_)));
    CUTOVER_RETURN_IF_ERROR(LoadTables());
    CUTOVER_RETURN_IF_ERROR(OpenChecker());
    if (options_.continuous) return RunContinuous();
    CUTOVER_RETURN_IF_ERROR(ContinueOrStartOver());
    if (options_.recheck) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
      live_ = applied.has_value();
    }
    VerifyReport report;
    report.live = live_;
    report.resumed = resumed_;
    report.started_at_ms = started_at_ms_;
    report.tables_glob = options_.tables;
    bool stopped = false;
    for (const TableJob& job : jobs_) {
      CUTOVER_ASSIGN_OR_RETURN(VerifyTableReport table, VerifyTable(job));
      stopped = !table.done;
      report.tables.push_back(std::move(table));
      if (stopped) break;
    }
    if (!stopped) {
      // Live CDC: rows inserted since their chunk was read produce items the scan would
      // count as extra; the source is read once more first.
      if (live_ && checker_->NeedsCheckedRows()) CUTOVER_RETURN_IF_ERROR(RememberEverything());
      CUTOVER_ASSIGN_OR_RETURN(std::vector<VerifyTableReport> extras,
                               checker_->FindExtras(options_.max_listed));
      if (live_) {
        CUTOVER_ASSIGN_OR_RETURN(extras, RecheckExtras(std::move(extras)));
      }
      for (VerifyTableReport& extra : extras) report.tables.push_back(std::move(extra));
      report.complete = true;
    }
    CUTOVER_RETURN_IF_ERROR(StoreReport(report));
    if (!options_.repair || !report.complete || report.differences() == 0) return report;
    return RepairThenVerifyAgain(report);
  }

 private:
  Status CheckKinds() const {
    if (spec_.source.kind == SourceKind::kPostgres) {
      return Status::Unimplemented(
          "cutover verify does not read PostgreSQL sources yet; MariaDB and MySQL sources are "
          "read");
    }
    switch (spec_.target.kind) {
      case TargetKind::kMariaDB:
      case TargetKind::kMySQL:
      case TargetKind::kPostgres:
      case TargetKind::kDynamoDB: return Status::Ok();
      default:
        return Status::Unimplemented(
            fmt::format("cutover verify does not check {} targets yet; MariaDB, MySQL, "
                        "PostgreSQL and DynamoDB targets are checked",
                        TargetKindName(spec_.target.kind)));
    }
  }

  // The tables the applier writes (same target names, same narrowed schemas), restricted
  // to --tables, each with its rule's row filter.
  Status LoadTables() {
    CUTOVER_ASSIGN_OR_RETURN(std::vector<TargetTablePlan> plans, pipeline::ApplyPlans(spec_));
    CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
    CUTOVER_ASSIGN_OR_RETURN(std::vector<mysql::SelectedTable> selected,
                             mysql::LoadSelectedTables(*source_, spec_));
    std::map<TableId, std::string> filters;
    for (const mysql::SelectedTable& table : selected) {
      filters[table.schema.id] = table.rule->filter;
    }
    for (TargetTablePlan& plan : plans) {
      if (!options_.tables.empty() && !GlobMatch(options_.tables, plan.source.ToString())) {
        continue;
      }
      TableJob job;
      job.filter = filters[plan.source];
      job.keys = KeyColumnsOnly(plan.schema);
      job.plan = std::move(plan);
      jobs_.push_back(std::move(job));
    }
    if (jobs_.empty()) {
      return Status::InvalidArgument(
          options_.tables.empty()
              ? "no source table matches the spec's `tables` patterns"
              : fmt::format("no selected source table matches --tables '{}'", options_.tables));
    }
    chunk_rows_ = options_.chunk_rows > 0 ? options_.chunk_rows
                                          : std::max<int64_t>(spec_.parallelism.chunk_rows, 1);
    return Status::Ok();
  }

  Status OpenChecker() {
    if (spec_.target.kind == TargetKind::kDynamoDB) {
      CUTOVER_ASSIGN_OR_RETURN(checker_, OpenDynamoDbChecker(spec_));
    } else if (spec_.target.kind == TargetKind::kPostgres) {
      CUTOVER_ASSIGN_OR_RETURN(checker_, OpenPostgresChecker(spec_));
    } else {
      CUTOVER_ASSIGN_OR_RETURN(checker_, OpenMysqlChecker(spec_));
    }
    std::vector<TargetTablePlan> plans;
    for (const TableJob& job : jobs_) plans.push_back(job.plan);
    return checker_->Prepare(plans);
  }

  // A stopped verify with the same settings continues; anything else (none recorded, a
  // finished one, other settings, --restart) starts over with no progress.
  Status ContinueOrStartOver() {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored, state_->GetMeta(kRunMetaKey));
    RunSettings previous;
    if (stored) {
      CUTOVER_ASSIGN_OR_RETURN(previous, RunSettings::FromJson(*stored));
    }
    resumed_ = stored && !previous.finished && !options_.restart &&
               previous.tables == options_.tables && previous.chunk_rows == chunk_rows_;
    if (stored && !previous.finished && !resumed_ && !options_.restart) {
      spdlog::warn(
          "verify: a stopped verify used other settings (--tables, chunk size); "
          "starting over");
    }
    RunSettings settings;
    settings.tables = options_.tables;
    settings.chunk_rows = chunk_rows_;
    settings.started_at_ms =
        resumed_ && previous.started_at_ms > 0 ? previous.started_at_ms : pipeline::NowMs();
    started_at_ms_ = settings.started_at_ms;
    for (const TableJob& job : jobs_) settings.keyed.push_back(job.plan.source.ToString());
    CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_->Begin());
    if (!resumed_) {
      for (const std::string& table : previous.keyed) {
        CUTOVER_RETURN_IF_ERROR(state_->DeleteMeta("verify.table/" + table));
      }
    }
    CUTOVER_RETURN_IF_ERROR(state_->SetMeta(kRunMetaKey, settings.ToJson()));
    return transaction.Commit();
  }

  // One table, from its recorded progress to its end or a stop request. Under live CDC a
  // chunk with differences is recorded only once they are re-checked (RecheckReady); the
  // next chunks are checked meanwhile, at most kMaxOpenChunks ahead, and recorded in order,
  // so a stopped verify never skips a chunk whose re-check it had not finished.
  Result<VerifyTableReport> VerifyTable(const TableJob& job) {
    TableVerifyState progress;
    if (resumed_) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                               state_->GetMeta(TableMetaKey(job.plan.source)));
      if (stored) {
        CUTOVER_ASSIGN_OR_RETURN(progress, TableVerifyState::FromJson(*stored));
      }
      if (progress.chunks > 0 && checker_->NeedsCheckedRows()) {
        CUTOVER_RETURN_IF_ERROR(RememberChecked(job, progress));
      }
    }
    int64_t checked = 0;
    int64_t by_rows = 0;
    std::deque<OpenChunk> open;
    std::optional<Key> next_lower = progress.lower;
    bool read_all = progress.done;
    ChunkSizer sizer(chunk_rows_, options_.chunk_seconds);
    while (!Stopping()) {
      if (!read_all && open.size() < kMaxOpenChunks) {
        auto started = std::chrono::steady_clock::now();
        CUTOVER_ASSIGN_OR_RETURN(OpenChunk chunk, CheckChunkAfter(job, next_lower, sizer.rows()));
        if (chunk.oversized_mismatch) {
          sizer.Reset();  // the same range again in chunks of the configured size
          continue;
        }
        if (!chunk.compared_rows) {
          sizer.Checked(chunk.result.rows, std::chrono::steady_clock::now() - started);
        }
        next_lower = chunk.upper;
        read_all = chunk.last;
        ++checked;
        by_rows += chunk.compared_rows ? 1 : 0;
        if (live_ && chunk.result.differences.size() > 0) {
          CUTOVER_RETURN_IF_ERROR(Suspect(job, chunk));
        }
        open.push_back(std::move(chunk));
      }
      CUTOVER_RETURN_IF_ERROR(
          RecheckReady(job, open, /*wait=*/read_all || open.size() >= kMaxOpenChunks));
      while (!open.empty() && open.front().suspects.empty()) {
        CUTOVER_RETURN_IF_ERROR(Record(job, open.front(), progress));
        open.pop_front();
        pipeline::TEST_PausePoint("verify_chunk_recorded");
      }
      if (read_all && open.empty()) break;
    }
    VerifyTableReport report;
    report.table = job.plan.source.ToString();
    report.target =
        job.plan.target.schema.empty() ? job.plan.target.name : job.plan.target.ToString();
    report.rows = progress.rows;
    report.missing = progress.missing;
    report.extra = progress.extra;
    report.different = progress.different;
    report.settled = progress.settled;
    report.unsettled = progress.unsettled;
    report.chunks = progress.chunks;
    report.chunks_checked = checked;
    report.chunks_compared_by_rows = by_rows;
    report.done = progress.done;
    report.listed = std::move(progress.listed);
    return report;
  }

  // Checks the chunk of up to `rows` rows after `lower`. Its upper bound is the key of its
  // rows-th row, or open for the table's last chunk, so the chunks cover every key. With
  // checksums (SQL targets) the bound is found on the source (LIMIT 1 OFFSET rows-1) and the
  // rows are read and compared one by one only when the checksums differ; a chunk grown beyond
  // chunk_rows_ that differs is given up (oversized_mismatch) and checked again in chunks of
  // chunk_rows_, so row compares and repair ranges stay that small.
  Result<OpenChunk> CheckChunkAfter(const TableJob& job, const std::optional<Key>& lower,
                                    int64_t rows_wanted) {
    OpenChunk chunk;
    chunk.lower = lower;
    std::optional<int64_t> same;
    bool checksums = options_.checksums && checker_->HasChecksums();
    if (checksums) {
      mysql::ChunkSelect select{lower, std::nullopt, job.filter, 1};
      select.offset = rows_wanted - 1;
      CUTOVER_ASSIGN_OR_RETURN(mysql::ChunkRows bound, ReadSource(job, job.keys, select));
      chunk.last = bound.rows.empty();
      if (!chunk.last) chunk.upper = KeyOf(job.keys, bound.rows.front());
      CUTOVER_ASSIGN_OR_RETURN(
          same, checker_->SameChecksum(*source_, job.plan, job.filter, lower, chunk.upper));
      if (same) chunk.result.rows = *same;
      if (!same && rows_wanted > chunk_rows_) {
        chunk.oversized_mismatch = true;
        return chunk;
      }
    }
    if (!same) {
      std::vector<Row> rows;
      if (checksums) {
        CUTOVER_ASSIGN_OR_RETURN(rows, ReadSourceRange(job, lower, chunk.upper));
      } else {
        mysql::ChunkSelect select{lower, std::nullopt, job.filter, chunk_rows_};
        CUTOVER_ASSIGN_OR_RETURN(mysql::ChunkRows read, ReadSource(job, job.plan.schema, select));
        rows = std::move(read.rows);
        chunk.last = static_cast<int64_t>(rows.size()) < chunk_rows_;
        if (!chunk.last) chunk.upper = KeyOf(job.plan.schema, rows.back());
      }
      CUTOVER_RETURN_IF_ERROR(
          checker_->CheckChunk(job.plan, lower, chunk.upper, rows, &chunk.result));
      chunk.compared_rows = true;
    }
    return chunk;
  }

  // Records a chunk whose re-checks are finished: its counts, listed differences, and the
  // range when a difference stands (what --repair sends again).
  Status Record(const TableJob& job, OpenChunk& chunk, TableVerifyState& progress) {
    ChunkResult& result = chunk.result;
    if (result.missing + result.extra + result.different > 0) {
      progress.dirty.emplace_back(chunk.lower, chunk.upper);
    }
    progress.rows += result.rows;
    progress.missing += result.missing;
    progress.extra += result.extra;
    progress.different += result.different;
    progress.settled += chunk.settled;
    progress.unsettled += chunk.unsettled;
    for (VerifyDifference& difference : result.differences) {
      if (static_cast<int>(progress.listed.size()) >= options_.max_listed) break;
      progress.listed.push_back(std::move(difference));
    }
    ++progress.chunks;
    progress.lower = chunk.upper;
    progress.done = chunk.last;
    return state_->SetMeta(TableMetaKey(job.plan.source), progress.ToJson());
  }

  // Live CDC: the chunk's differences become suspects, re-checked key by key once apply has
  // passed the moment their source rows are read again here.
  Status Suspect(const TableJob& job, OpenChunk& chunk) {
    ChunkResult found = std::move(chunk.result);
    chunk.result = ChunkResult{};
    chunk.result.rows = found.rows;
    std::vector<Key> keys;
    for (size_t index = 0; index < found.differences.size(); ++index) {
      std::string id = found.keys[index].Encode();
      auto [suspect, added] = chunk.suspects.try_emplace(id);
      if (added) {
        suspect->second.key = found.keys[index];
        keys.push_back(found.keys[index]);
      }
      suspect->second.differences.push_back(std::move(found.differences[index]));
    }
    CUTOVER_ASSIGN_OR_RETURN(auto rows, ReadSourceKeys(job, keys));
    for (auto& [id, suspect] : chunk.suspects) {
      auto row = rows.find(id);
      if (row != rows.end()) suspect.source = std::move(row->second);
    }
    chunk.read_ms = pipeline::NowMs();
    return Status::Ok();
  }

  // Re-checks the suspects of every open chunk whose source rows apply has passed (all of
  // them at once when no `cutover run` is running any more: the target no longer changes).
  // With `wait`, first waits until the oldest open chunk's suspects can be re-checked.
  Status RecheckReady(const TableJob& job, std::deque<OpenChunk>& open, bool wait) {
    auto has_suspects = [](const OpenChunk& chunk) { return !chunk.suspects.empty(); };
    if (std::none_of(open.begin(), open.end(), has_suspects)) return Status::Ok();
    auto deadline = std::chrono::steady_clock::now() + kRecheckTimeout;
    while (true) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
      bool running = applied.has_value();
      bool any = false;
      for (OpenChunk& chunk : open) {
        if (chunk.suspects.empty()) continue;
        if (running && *applied < chunk.read_ms + kRecheckMarginMs) continue;
        CUTOVER_RETURN_IF_ERROR(RecheckRound(job, chunk, running));
        any = true;
      }
      if (any || !wait || !has_suspects(open.front())) return Status::Ok();
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::DeadlineExceeded(fmt::format(
            "re-checking differences in {}: `cutover run` did not apply what the source had "
            "{} s ago (see `cutover status`); run verify again when it has caught up",
            job.plan.source.ToString(), kRecheckTimeout.count()));
      }
      if (Stopping()) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // One round for a chunk's suspects: the target compared with the source rows read at
  // read_ms; a key that now agrees is settled; a key that still differs while its source row
  // stayed the same across the wait counts towards a real difference (kStableRounds rounds in
  // a row, or one when CDC no longer runs); a key whose source row changed again is re-checked
  // next round with its new row; after kMaxRounds a key still changing is unsettled.
  Status RecheckRound(const TableJob& job, OpenChunk& chunk, bool running) {
    std::vector<Key> keys;
    std::vector<Row> rows;
    for (const auto& [id, suspect] : chunk.suspects) {
      keys.push_back(suspect.key);
      if (suspect.source) rows.push_back(*suspect.source);
    }
    ChunkResult check;
    CUTOVER_RETURN_IF_ERROR(checker_->CheckKeys(job.plan, keys, rows, &check));
    std::map<std::string, std::vector<VerifyDifference>> differing;
    std::vector<Key> differing_keys;
    for (size_t index = 0; index < check.differences.size(); ++index) {
      auto [entry, added] = differing.try_emplace(check.keys[index].Encode());
      if (added) differing_keys.push_back(check.keys[index]);
      entry->second.push_back(std::move(check.differences[index]));
    }
    CUTOVER_ASSIGN_OR_RETURN(auto now, ReadSourceKeys(job, differing_keys));
    int64_t read_ms = pipeline::NowMs();
    ++chunk.rounds;
    for (auto suspect = chunk.suspects.begin(); suspect != chunk.suspects.end();) {
      auto found = differing.find(suspect->first);
      if (found == differing.end()) {
        ++chunk.settled;
        suspect = chunk.suspects.erase(suspect);
        continue;
      }
      auto row = now.find(suspect->first);
      std::optional<Row> current =
          row == now.end() ? std::nullopt : std::optional<Row>(std::move(row->second));
      suspect->second.differences = std::move(found->second);
      if (current == suspect->second.source) {
        ++suspect->second.stable_rounds;
      } else {
        suspect->second.source = std::move(current);
        suspect->second.stable_rounds = 0;
      }
      if (suspect->second.stable_rounds >= (running ? kStableRounds : 1)) {
        for (VerifyDifference& difference : suspect->second.differences) {
          chunk.result.Add(std::move(difference), suspect->second.key);
        }
        suspect = chunk.suspects.erase(suspect);
      } else if (chunk.rounds >= kMaxRounds) {
        ++chunk.unsettled;
        suspect = chunk.suspects.erase(suspect);
      } else {
        ++suspect;
      }
    }
    chunk.read_ms = read_ms;
    return Status::Ok();
  }

  // The source rows with one of `keys` now, by Key::Encode(); a key without a row is left
  // out. A lost connection is opened again once.
  Result<std::map<std::string, Row>> ReadSourceKeys(const TableJob& job,
                                                    const std::vector<Key>& keys) {
    std::map<std::string, Row> out;
    if (keys.empty()) return out;
    Result<std::vector<Row>> rows = mysql::ReadKeys(*source_, job.plan.schema, job.filter, keys);
    if (rows.status().code() == StatusCode::kUnavailable) {
      CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
      rows = mysql::ReadKeys(*source_, job.plan.schema, job.filter, keys);
    }
    if (!rows.ok())
      return rows.status().WithContext("reading source table " + job.plan.source.ToString());
    for (Row& row : *rows) out.emplace(KeyOf(job.plan.schema, row).Encode(), std::move(row));
    return out;
  }

  // Every source row with lower < key <= upper, in pages (rows may have arrived since the
  // range's keys were read); a lost connection is opened again once.
  Result<std::vector<Row>> ReadSourceRange(const TableJob& job, const std::optional<Key>& lower,
                                           const std::optional<Key>& upper) {
    Result<std::vector<Row>> rows =
        mysql::ReadKeyRange(*source_, job.plan.schema, job.filter, lower, upper, chunk_rows_);
    if (rows.status().code() == StatusCode::kUnavailable) {
      CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
      rows = mysql::ReadKeyRange(*source_, job.plan.schema, job.filter, lower, upper, chunk_rows_);
    }
    if (!rows.ok())
      return rows.status().WithContext("reading source table " + job.plan.source.ToString());
    return rows;
  }

  // The rows of the chunks an earlier run finished, read again for checkers that need them
  // (DynamoDB's extra-item scan needs every item key the source produces).
  Status RememberChecked(const TableJob& job, const TableVerifyState& progress) {
    std::optional<Key> lower;
    while (true) {
      mysql::ChunkSelect select{lower, progress.done ? std::nullopt : progress.lower, job.filter,
                                chunk_rows_};
      CUTOVER_ASSIGN_OR_RETURN(mysql::ChunkRows rows, ReadSource(job, job.plan.schema, select));
      CUTOVER_RETURN_IF_ERROR(checker_->Remember(job.plan, rows.rows));
      if (static_cast<int64_t>(rows.rows.size()) < chunk_rows_) return Status::Ok();
      lower = KeyOf(job.plan.schema, rows.rows.back());
    }
  }

  // Every selected source row as it is now, handed to the checker's Remember.
  Status RememberEverything() {
    TableVerifyState whole;
    whole.done = true;
    for (const TableJob& job : jobs_) CUTOVER_RETURN_IF_ERROR(RememberChecked(job, whole));
    return Status::Ok();
  }

  // Live CDC: the scan's extra records re-checked once the source is read again and apply
  // has passed that read (a row inserted during the scan, or deleted and its record not yet).
  Result<std::vector<VerifyTableReport>> RecheckExtras(std::vector<VerifyTableReport> extras) {
    bool any = std::any_of(extras.begin(), extras.end(),
                           [](const VerifyTableReport& report) { return report.extra > 0; });
    if (!any) return extras;
    checker_->ForgetRemembered();
    CUTOVER_RETURN_IF_ERROR(RememberEverything());
    int64_t read_ms = pipeline::NowMs();
    CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
    if (applied) {  // else `cutover run` stopped: the target no longer changes
      CUTOVER_RETURN_IF_ERROR(WaitApplied(*state_, read_ms + kRecheckMarginMs, kRecheckTimeout,
                                          options_.stop, "re-checking extra items: changes"));
    }
    return checker_->RecheckExtras(std::move(extras), options_.max_listed);
  }

  // One chunk select; a lost connection is opened again once.
  Result<mysql::ChunkRows> ReadSource(const TableJob& job, const TableSchema& schema,
                                      const mysql::ChunkSelect& select) {
    Result<mysql::ChunkRows> rows = mysql::ReadChunk(*source_, schema, select);
    if (rows.status().code() == StatusCode::kUnavailable) {
      CUTOVER_ASSIGN_OR_RETURN(source_, mysql::Connection::Open(spec_.source.connection));
      rows = mysql::ReadChunk(*source_, schema, select);
    }
    if (!rows.ok())
      return rows.status().WithContext("reading source table " + job.plan.source.ToString());
    return rows;
  }

  // Continuous mode: asks the running `cutover run` for a sample of the keys it applies
  // (state/touched_keys.h), and re-checks each batch of them like the suspects of a chunk:
  // once apply has passed their source rows; a key whose target agrees counts as checked, a
  // lasting difference is reported. Runs until stopped or options_.duration.
  Result<VerifyReport> RunContinuous() {
    CUTOVER_ASSIGN_OR_RETURN(std::optional<int64_t> applied, AppliedThrough(*state_));
    if (!applied) {
      return Status::FailedPrecondition(
          "--continuous re-verifies the keys `cutover run` applies: start `cutover run` for this "
          "spec first (no fresh status record in the state store)");
    }
    live_ = true;
    // Keys a previous continuous verify left behind are old: start from now.
    CUTOVER_RETURN_IF_ERROR(state::DeleteTouchedBatches(*state_));
    struct Continuous {
      const TableJob* job = nullptr;
      std::deque<OpenChunk> open;
      TableVerifyState totals;
    };
    std::map<std::string, Continuous> tables;  // by source "schema.table"
    for (const TableJob& job : jobs_) tables[job.plan.source.ToString()].job = &job;
    VerifyReport report;
    report.live = true;
    report.continuous = true;
    auto started = std::chrono::steady_clock::now();
    auto last_heartbeat = started - std::chrono::hours(1);
    auto last_line = started;
    auto finish = [&]() -> Status { return state::DeleteContinuousRequest(*state_); };
    while (!Stopping() && (options_.duration.count() == 0 ||
                           std::chrono::steady_clock::now() - started < options_.duration)) {
      if (std::chrono::steady_clock::now() - last_heartbeat >= std::chrono::seconds(1)) {
        state::ContinuousRequest request{options_.sample, pipeline::NowMs()};
        CUTOVER_RETURN_IF_ERROR(state::WriteContinuousRequest(*state_, request));
        last_heartbeat = std::chrono::steady_clock::now();
      }
      CUTOVER_ASSIGN_OR_RETURN(std::vector<state::TouchedBatch> batches,
                               state::TakeTouchedBatches(*state_));
      for (const state::TouchedBatch& batch : batches) {
        report.keys_dropped += batch.dropped;
        for (const auto& [table, keys] : batch.keys) {
          auto found = tables.find(table);
          if (found == tables.end()) {
            report.keys_dropped += static_cast<int64_t>(keys.size());
            continue;
          }
          CUTOVER_ASSIGN_OR_RETURN(OpenChunk chunk, TouchedChunk(*found->second.job, keys));
          found->second.open.push_back(std::move(chunk));
        }
      }
      for (auto& [name, table] : tables) {
        CUTOVER_RETURN_IF_ERROR(RecheckReady(*table.job, table.open, /*wait=*/false));
        while (!table.open.empty() && table.open.front().suspects.empty()) {
          AddContinuous(table.open.front(), table.totals);
          table.open.pop_front();
        }
      }
      if (options_.progress != nullptr &&
          std::chrono::steady_clock::now() - last_line >= options_.report_every) {
        int64_t checked = 0;
        int64_t differences = 0;
        int64_t unsettled = 0;
        for (const auto& [name, table] : tables) {
          checked += table.totals.rows;
          differences += table.totals.missing + table.totals.extra + table.totals.different;
          unsettled += table.totals.unsettled;
        }
        std::fprintf(options_.progress,
                     "verify --continuous: %lld keys checked, %lld differences, %lld still "
                     "changing, %lld keys left out\n",
                     static_cast<long long>(checked), static_cast<long long>(differences),
                     static_cast<long long>(unsettled),
                     static_cast<long long>(report.keys_dropped));
        std::fflush(options_.progress);
        last_line = std::chrono::steady_clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CUTOVER_RETURN_IF_ERROR(finish());
    // What was taken but not settled yet is checked to its end (stopping ends the waits).
    for (auto& [name, table] : tables) {
      while (!table.open.empty() && !Stopping()) {
        CUTOVER_RETURN_IF_ERROR(RecheckReady(*table.job, table.open, /*wait=*/true));
        while (!table.open.empty() && table.open.front().suspects.empty()) {
          AddContinuous(table.open.front(), table.totals);
          table.open.pop_front();
        }
      }
    }
    for (auto& [name, table] : tables) {
      VerifyTableReport entry;
      entry.table = name;
      entry.target = table.job->plan.target.schema.empty() ? table.job->plan.target.name
                                                           : table.job->plan.target.ToString();
      entry.rows = table.totals.rows;
      entry.missing = table.totals.missing;
      entry.extra = table.totals.extra;
      entry.different = table.totals.different;
      entry.settled = table.totals.settled;
      entry.unsettled = table.totals.unsettled;
      entry.chunks = entry.chunks_checked = table.totals.chunks;
      entry.done = true;
      entry.listed = std::move(table.totals.listed);
      report.tables.push_back(std::move(entry));
    }
    report.seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
            .count();
    report.complete = true;
    CUTOVER_RETURN_IF_ERROR(state::WriteVerifyReport(*state_, ReportRecord(report)));
    return report;
  }

  // Touched keys of one table as an open chunk whose suspects they all are, their source rows
  // read now.
  Result<OpenChunk> TouchedChunk(const TableJob& job, const std::vector<std::string>& hex_keys) {
    OpenChunk chunk;
    std::vector<Key> keys;
    for (const std::string& hex : hex_keys) {
      std::optional<std::string> bytes = coding::HexDecode(hex);
      if (!bytes) return Status::DataLoss("a touched key in the state store is not valid hex");
      CUTOVER_ASSIGN_OR_RETURN(Key key, Key::Decode(*bytes));
      auto [suspect, added] = chunk.suspects.try_emplace(*bytes);
      if (!added) continue;
      suspect->second.key = key;
      keys.push_back(std::move(key));
    }
    CUTOVER_ASSIGN_OR_RETURN(auto rows, ReadSourceKeys(job, keys));
    for (auto& [id, suspect] : chunk.suspects) {
      auto row = rows.find(id);
      if (row != rows.end()) suspect.source = std::move(row->second);
    }
    chunk.read_ms = pipeline::NowMs();
    chunk.result.rows = static_cast<int64_t>(chunk.suspects.size());
    return chunk;
  }

  // A finished batch of touched keys into a table's totals: its keys checked, the
  // differences that lasted, the keys still changing. (A key whose target agreed at the first
  // look is "settled" to RecheckRound; here that is simply a key found equal.)
  void AddContinuous(OpenChunk& chunk, TableVerifyState& totals) {
    totals.rows += chunk.result.rows;
    totals.missing += chunk.result.missing;
    totals.extra += chunk.result.extra;
    totals.different += chunk.result.different;
    totals.unsettled += chunk.unsettled;
    ++totals.chunks;
    for (VerifyDifference& difference : chunk.result.differences) {
      if (static_cast<int>(totals.listed.size()) >= options_.max_listed) break;
      totals.listed.push_back(std::move(difference));
    }
  }

  // --repair: every chunk that differed goes through the change log again (with
  // --delete-extra, DynamoDB extra items are deleted first), then the tables that had
  // differences are verified once more (from the start).
  Result<VerifyReport> RepairThenVerifyAgain(const VerifyReport& first) {
    std::vector<RepairRange> ranges;
    std::string tables;  // a --tables glob per table is not possible: verify them all again
    for (const TableJob& job : jobs_) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                               state_->GetMeta(TableMetaKey(job.plan.source)));
      if (!stored) continue;
      CUTOVER_ASSIGN_OR_RETURN(TableVerifyState progress, TableVerifyState::FromJson(*stored));
      for (const auto& [lower, upper] : progress.dirty) {
        ranges.push_back(RepairRange{job.plan, job.filter, lower, upper});
      }
    }
    // DynamoDB extra items are keyed by no source row, so no range holds them: the scan that
    // found them kept them (FindExtras), and the repair deletes those still as they were.
    std::vector<std::string> extra_item_tables;
    for (const VerifyTableReport& table : first.tables) {
      if (options_.delete_extra && table.scan && table.extra > 0) {
        extra_item_tables.push_back(table.table);
      }
    }
    VerifyRepair repair;
    repair.ranges = static_cast<int64_t>(ranges.size());
    repair.differences_before = first.differences();
    if (!ranges.empty() || !extra_item_tables.empty()) {
      RepairOptions options;
      options.delete_extra = options_.delete_extra;
      options.extra_item_tables = std::move(extra_item_tables);
      options.stop = options_.stop;
      CUTOVER_ASSIGN_OR_RETURN(RepairResult result,
                               RepairRanges(spec_, *state_, *source_, ranges, options));
      repair.resent = result.resent;
      repair.deleted = result.deleted;
      repair.left_to_cdc = result.left_to_cdc;
    }
    VerifyOptions again = options_;
    again.repair = false;
    again.restart = true;
    CUTOVER_ASSIGN_OR_RETURN(VerifyReport second, Verifier(spec_, again).Run());
    second.repair = repair;
    return second;
  }

  // The report goes to the state store; a complete one also ends the verify, so the next
  // starts over.
  Status StoreReport(VerifyReport& report) {
    report.finished_at_ms = pipeline::NowMs();
    CUTOVER_ASSIGN_OR_RETURN(StateStore::Transaction transaction, state_->Begin());
    CUTOVER_RETURN_IF_ERROR(state::WriteVerifyReport(*state_, ReportRecord(report)));
    if (report.complete) {
      CUTOVER_ASSIGN_OR_RETURN(std::optional<std::string> stored, state_->GetMeta(kRunMetaKey));
      CUTOVER_ASSIGN_OR_RETURN(RunSettings settings, RunSettings::FromJson(stored.value_or("{}")));
      settings.finished = true;
      CUTOVER_RETURN_IF_ERROR(state_->SetMeta(kRunMetaKey, settings.ToJson()));
    }
    return transaction.Commit();
  }

  bool Stopping() const { return options_.stop != nullptr && options_.stop->load(); }

  // Constant after construction
  const Spec& spec_;
  const VerifyOptions options_;
  // Set up by Run() before the first chunk.
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<TargetChecker> checker_;
  std::vector<TableJob> jobs_;
  int64_t chunk_rows_ = 0;
  int64_t started_at_ms_ = 0;  // of this verify (a continued one: of its first part)
  bool resumed_ = false;
  bool live_ = false;  // a `cutover run` is applying: differences are re-checked
};

}  // namespace
}  // namespace cutover::verify

namespace cutover {

Result<VerifyReport> RunVerify(const Spec& spec, const VerifyOptions& options) {
  return verify::Verifier(spec, options).Run();
}

}  // namespace cutover
