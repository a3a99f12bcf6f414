// Verifier: `cutover verify` (include/cutover/verify.h) as one object per run, its members
// defined in a file per mode: verifier.cc the full pass over the tables (and the source reads
// every mode shares), recheck.cc the re-check of differences under live CDC, continuous.cc the
// continuous mode, repair_then_verify.cc --repair. Internal to src/verify/.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/target.h"
#include "cutover/verify.h"

#include "db/mysql/connection.h"
#include "db/postgres/connection.h"
#include "verify/checker.h"
#include "verify/progress.h"
#include "verify/source_reads.h"

namespace cutover::verify {

// One table being verified: what ApplyPlans decided and the rule's row filter.
struct TableJob {
  TargetTablePlan plan;
  std::string filter;
  TableSchema keys;  // plan.schema's key columns only: the checksum path reads just the keys
};

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

class Verifier {
 public:
  Verifier(const Spec& spec, const VerifyOptions& options) : spec_(spec), options_(options) {}

  // The whole verify of RunVerify, in the mode options ask for.
  Result<VerifyReport> Run();

 private:
  // verifier.cc: the full pass.
  Status CheckKinds() const;
  Result<std::vector<std::string>> SchemaDifferences();
  Status NarrowToTargetColumns(const Target& target, std::vector<TargetTablePlan>& plans);
  Status LoadTables();
  Status OpenChecker();
  Status ContinueOrStartOver();
  Result<VerifyTableReport> VerifyTable(const TableJob& job);
  Result<OpenChunk> CheckChunkAfter(const TableJob& job, const std::optional<Key>& lower,
                                    int64_t rows_wanted);
  Status Record(const TableJob& job, OpenChunk& chunk, TableVerifyState& progress);
  Status RememberChecked(const TableJob& job, const TableVerifyState& progress);
  Status RememberEverything();
  Status StoreReport(VerifyReport& report);
  Result<ChunkRows> ReadSource(const TableJob& job, const TableSchema& schema,
                               const ChunkSelect& select);
  Result<ChecksumSource> ChecksumSession();
  // The chunk's checksums (SameChecksum) in the source session of ChecksumSession. A session
  // lost meanwhile (a restart, a failover, a terminated backend: Unavailable) is opened again,
  // with its settings, and the checksums are computed once more in it.
  Result<std::optional<int64_t>> SameChecksum(const TableJob& job, const std::optional<Key>& lower,
                                              const std::optional<Key>& upper);
  Result<std::map<std::string, Row>> ReadSourceKeys(const TableJob& job,
                                                    const std::vector<Key>& keys);
  Result<std::vector<Row>> ReadSourceRange(const TableJob& job, const std::optional<Key>& lower,
                                           const std::optional<Key>& upper);

  // recheck.cc: differences re-checked under live CDC.
  Status Suspect(const TableJob& job, OpenChunk& chunk);
  Status RecheckReady(const TableJob& job, std::deque<OpenChunk>& open, bool wait);
  Status RecheckRound(const TableJob& job, OpenChunk& chunk, bool running);
  Result<std::vector<VerifyTableReport>> RecheckExtras(std::vector<VerifyTableReport> extras);

  // continuous.cc: the continuous mode.
  Result<VerifyReport> RunContinuous();
  Result<OpenChunk> TouchedChunk(const TableJob& job, const std::vector<std::string>& hex_keys);
  void AddContinuous(OpenChunk& chunk, TableVerifyState& totals);

  // repair_then_verify.cc: --repair.
  Result<VerifyReport> RepairThenVerifyAgain(const VerifyReport& first);

  bool Stopping() const { return options_.stop != nullptr && options_.stop->load(); }

  // Constant after construction
  const Spec& spec_;
  const VerifyOptions options_;
  // Set up by Run() before the first chunk.
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<SourceReads> source_;  // every source row read, whatever the engine
  // The source session of the checksums (the one of the source's engine), opened at the first.
  std::unique_ptr<mysql::Connection> checksum_mysql_;
  std::unique_ptr<postgres::Connection> checksum_postgres_;
  std::unique_ptr<TargetChecker> checker_;
  std::vector<TableJob> jobs_;
  // "schema.table.column" -> why: source columns a SQL target table lacks (compared without).
  std::map<std::string, std::string> missing_columns_;
  int64_t chunk_rows_ = 0;
  int64_t started_at_ms_ = 0;  // of this verify (a continued one: of its first part)
  bool resumed_ = false;
  bool live_ = false;  // a `cutover run` is applying: differences are re-checked
};

}  // namespace cutover::verify
