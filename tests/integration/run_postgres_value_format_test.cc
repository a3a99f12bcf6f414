// pgoutput's value format during `cutover run` from a PostgreSQL source into PostgreSQL
// (docs/postgres-source.md, "Value format"): with source.value_format auto the stream reads
// binary values while every selected column has a binary reader, and when a column without one
// arrives (an inet column added under the live workload) it reads on in text from the last
// transaction delivered, nothing lost; with value_format binary the same change stops the run
// with the column named and the way out, and the run continues with auto, the tables equal.
#include <thread>

#include <gtest/gtest.h>

#include "postgres_source_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using namespace pgsource;

class PostgresValueFormatTest : public PostgresSourceTest {
 protected:
  PostgresValueFormatTest() : PostgresSourceTest("pgfmt") {}

  static constexpr const char* kSettings =
      "parallelism: {copy_workers: 2, chunk_rows: 500, apply_lanes: 4}\n";

  // Polls until the docs' id and addr are equal on both sides.
  bool AddressesConverge(std::chrono::seconds timeout) {
    const std::string select = "SELECT id, addr FROM " + schema_ + ".docs ORDER BY id";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (PgLines(*source_, select) != PgLines(*pg_target_, select)) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << runtest::RowsDiff(PgLines(*source_, select), PgLines(*pg_target_, select));
        return false;
      }
      std::this_thread::sleep_for(300ms);
    }
    return true;
  }

  // A run into PostgreSQL in CDC, the workload writing for a second.
  void StartInCdcUnderLoad(PgWorkload& workload, std::unique_ptr<runtest::CutoverProcess>* run) {
    UsePostgresTarget(kSettings);
    *run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(**run)) << (*run)->Output();
    workload.Start(5ms);
    std::this_thread::sleep_for(1s);
  }

  // docs, lines and docs.addr equal on both sides, no TOASTed body lost.
  void ExpectEqual(const runtest::CutoverProcess& run) {
    ExpectConverges(60s, run.Output());
    ExpectNoBodyLost();
    EXPECT_TRUE(AddressesConverge(60s)) << run.Output();
  }

  // Adds docs.addr (inet: no binary reader) and writes it.
  void AddAnInetColumn() {
    PgExec(*source_, "ALTER TABLE " + schema_ + ".docs ADD COLUMN addr inet");
    PgExec(*source_, "UPDATE " + schema_ +
                         ".docs SET addr = ('10.0.' || (id % 256) || '.1')::inet WHERE id % 5 = 0");
  }
};

TEST_F(PostgresValueFormatTest, AutoReadsBinaryAndTurnsToTextWhenAColumnHasNoBinaryReader) {
  PgWorkload workload(testing::PostgresSource(), schema_);
  std::unique_ptr<runtest::CutoverProcess> run;
  ASSERT_NO_FATAL_FAILURE(StartInCdcUnderLoad(workload, &run));
  // Every column of docs and lines (bigint, integer, text, varchar, numeric, timestamptz) has a
  // binary reader: the workload's changes came in binary.
  const std::string before = run->Output();
  EXPECT_NE(before.find("with binary values"), std::string::npos) << before;
  EXPECT_EQ(before.find("has no binary reader"), std::string::npos) << before;
  AddAnInetColumn();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_GT(workload.transactions(), 50);
  EXPECT_EQ(workload.failures(), 0);
  ExpectEqual(*run);
  const std::string out = run->Output();
  EXPECT_NE(out.find("column " + schema_ +
                     ".docs.addr (inet) has no binary reader; reading text values from "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("with text values"), std::string::npos) << out;
  runtest::StopRun(*run);
}

TEST_F(PostgresValueFormatTest, BinaryStopsAtAColumnWithoutABinaryReaderAndAutoGoesOn) {
  source_extra_ = "  value_format: binary\n";
  PgWorkload workload(testing::PostgresSource(), schema_);
  std::unique_ptr<runtest::CutoverProcess> run;
  ASSERT_NO_FATAL_FAILURE(StartInCdcUnderLoad(workload, &run));
  AddAnInetColumn();
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_NE(code, 0);
  EXPECT_NE(run->Output().find("source.value_format is binary, but column " + schema_ +
                               ".docs.addr (inet) has no binary reader; set source.value_format "
                               "to auto or text"),
            std::string::npos)
      << run->Output();
  // The way out: auto (text from here on); nothing written meanwhile is lost.
  source_extra_ = "  value_format: auto\n";
  WriteSpec(copytest::PostgresTargetYaml(testing::PostgresTarget()), kSettings);
  run = StartRun();
  std::this_thread::sleep_for(2s);
  workload.Stop();
  EXPECT_EQ(workload.failures(), 0);
  ExpectEqual(*run);
  runtest::StopRun(*run);
}

}  // namespace
}  // namespace cutover
