// Verify: proves the target equals the transformed source (docs/verify.md). The source's
// selected tables are read in key order, chunk by chunk, exactly as the copy reads them (same
// column subset and row filter); each chunk is compared with the target: SQL targets by
// reading the same key range back, DynamoDB by mapping every row through the applier's own
// Mapping code and fetching the items by key; a parallel Scan then finds DynamoDB items no
// source row produced. Each finished chunk is recorded in the state store, so a stopped verify
// continues where it stopped. A difference is a result; an error means "could not check".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover {

struct VerifyOptions {
  // Glob on "schema.table" (spec syntax); only the selected tables that match are verified.
  // Empty: every selected table.
  std::string tables;
  // Forget a stopped verify's progress and start over. A finished verify always starts over.
  bool restart = false;
  // Rows per chunk; 0: the spec's parallelism.chunk_rows.
  int64_t chunk_rows = 0;
  // Checksum chunks (SQL targets) grow from chunk_rows until one takes about this long (up to
  // 1,000,000 rows); a grown chunk that differs is checked again in chunk_rows chunks.
  // 0: every chunk chunk_rows rows.
  double chunk_seconds = 0.5;
  // SQL targets: compare each chunk's checksums, computed inside both databases, and read
  // the rows of a chunk only when they differ. False: compare every row.
  bool checksums = true;
  // While a `cutover run` applies (its status record is fresh), a difference is re-checked
  // key by key after apply has passed its source row, and reported only if it persists
  // (docs/verify.md "While CDC runs"). False: every difference as first seen.
  bool recheck = true;
  // Continuous mode (docs/verify.md "Continuous mode"): instead of a pass over the tables,
  // re-verify a sample of the keys the running `cutover run` applies, each once apply has
  // passed it (re-checked like any live difference), until `stop` is set or `duration` has
  // passed. The report's rows are the keys checked.
  bool continuous = false;
  double sample = 0.1;                    // the share of applied changes whose key is checked
  std::chrono::seconds duration{0};       // 0: until stopped
  std::chrono::seconds report_every{10};  // a progress line to `progress` this often
  std::FILE* progress = nullptr;          // continuous mode's progress lines; null: none
  // Differences listed per table (the counts are always exact).
  int max_listed = 20;
  // After a complete verify with differences: send the source rows of every chunk that differed
  // again through the change log (a `cutover run` must be running; docs/verify.md "Repair"),
  // wait until they are applied, then verify those tables again; the report is the second one.
  // Kafka targets are not repaired: InvalidArgument before anything is read.
  bool repair = false;
  // With repair: also delete what the target has and the source lacks: SQL target rows of
  // those chunks, and of tables without ranges (keyed by text and the like) the rows their scan
  // found; DynamoDB extra items the scan found, each only if it is unchanged since.
  bool delete_extra = false;
  // Set (from any thread or a signal handler) to stop after the chunk being checked; RunVerify
  // then returns the partial report with complete == false.
  const std::atomic<bool>* stop = nullptr;
};

// One difference between the transformed source and the target.
struct VerifyDifference {
  enum class Kind { kMissing, kExtra, kDifferent };
  Kind kind = Kind::kMissing;
  // The row: SQL targets "id=7 line=2" (the key columns); DynamoDB the item key as DynamoDB
  // JSON ({"pk":{"S":"A#7"}}).
  std::string key;
  std::string source_row;  // DynamoDB: the source row the item came from ("shop.orders id=7")
  // kDifferent: the first differing column (SQL, in column order) or attribute (DynamoDB, in
  // name order) and its value on each side; nullopt when that side lacks it (NULL is "NULL").
  std::string column;
  std::optional<std::string> source_value;
  std::optional<std::string> target_value;
};
std::string_view VerifyDifferenceKindName(VerifyDifference::Kind kind);  // "missing", ...

// The result for one source table, or for one DynamoDB table's Scan for extra items.
struct VerifyTableReport {
  std::string table;   // source "schema.table"; for a scan, the DynamoDB table
  std::string target;  // the target table it was compared with
  bool scan = false;   // DynamoDB extra-item scan: rows = items scanned, only `extra` counts
  int64_t rows = 0;    // source rows compared (scan: target items read)
  int64_t missing = 0;
  int64_t extra = 0;
  int64_t different = 0;
  // Under live CDC: differences that went away when re-checked (a change not yet applied),
  // and keys whose source row changed in every re-check round, so that neither a difference
  // nor an agreement could be shown. Neither counts as a difference.
  int64_t settled = 0;
  int64_t unsettled = 0;
  int64_t chunks = 0;          // chunks finished, this run and the runs it continues
  int64_t chunks_checked = 0;  // chunks checked by this run
  // Chunks of this run whose rows were read and compared one by one: every chunk without
  // checksums; with them (SQL targets), only the chunks whose checksums differed.
  int64_t chunks_compared_by_rows = 0;
  bool done = false;
  std::vector<VerifyDifference> listed;  // the first VerifyOptions::max_listed differences
  int64_t differences() const { return missing + extra + different; }
};

// What --repair did before the verify whose report it is.
struct VerifyRepair {
  int64_t ranges = 0;   // chunks sent again
  int64_t resent = 0;   // source rows sent again
  int64_t deleted = 0;  // target rows (DynamoDB: extra items) deleted (--delete-extra)
  // Rows that changed while selected: their own change applies. DynamoDB: also extra items
  // that changed or went after the scan read them (not deleted).
  int64_t left_to_cdc = 0;
  int64_t differences_before = 0;
};

struct VerifyReport {
  // Schema differences, before rows (docs/ddl.md): tables a schema change stopped, source
  // columns the target does not get (but not those the table rule's `columns` leave out).
  // Each counts as a difference.
  std::vector<std::string> schema;
  std::vector<VerifyTableReport> tables;
  std::optional<VerifyRepair> repair;  // --repair ran (this report is the verify after it)
  bool complete = false;               // every table and scan finished (false: stopped)
  bool resumed = false;                // continued a stopped verify
  bool live = false;                   // a `cutover run` was applying: differences re-checked
  // When the verify started (Unix ms; a continued one: when its first part started) and
  // finished (or stopped), and its --tables glob (empty: every selected table). The guard rail
  // into target_reads (docs/control-api.md) wants a whole verify started in the current stage.
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  std::string tables_glob;
  // Continuous mode: how long it ran, and the keys the applier sampled that were left out
  // (over its per-second limit) or that named a table not verified.
  bool continuous = false;
  int64_t seconds = 0;
  int64_t keys_dropped = 0;
  int64_t differences() const;
};

// Verifies the spec's target against its source. Errors (exit 2 in the CLI): the spec's
// source or target unreachable, a target table missing, a row the mapping rejects,
// Unimplemented for PostgreSQL sources and Kafka targets; under live CDC, apply not passing a
// re-check's source read within 120 s; --continuous without a running `cutover run`. The
// report (also partial, when stopped) is stored in the state store (meta "verify.report";
// continuous mode: "verify.continuous.report").
Result<VerifyReport> RunVerify(const Spec& spec, const VerifyOptions& options);

// The report as docs/verify.md shows it: a table per source table, the listed differences,
// and a last line "0 differences" / "N differences".
std::string FormatVerifyReport(const VerifyReport& report);
nlohmann::json VerifyReportToJson(const VerifyReport& report);

}  // namespace cutover
