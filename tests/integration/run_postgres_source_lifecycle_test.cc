// The replication slot and the publication of a PostgreSQL source from the first copy to `cutover
// finish`, as a user checks them on the server: created when the copy starts, named from the
// migration (or as the spec's source.slot and source.publication say), the publication holding
// exactly the selected tables; the WAL the slot keeps in `cutover status` (text and --json) and
// /metrics, and past source.retained_wal_warn the run's warning and
// cutover_source_retention_warning 1; `cutover fence` through the slot; `cutover finish` dropping
// both and saying so. Also: writes to another database still let the slot advance.
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "postgres_source_support.h"
#include "run_support.h"
#include "verify_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;
using namespace pgsource;
using nlohmann::json;

constexpr char kToken[] = "pg-lifecycle-token-4b7e19";

class RunPostgresSourceLifecycleTest : public PostgresSourceTest {
 protected:
  RunPostgresSourceLifecycleTest() : PostgresSourceTest("pglife") {}

  void TearDown() override {
    // A slot or publication of the spec's own names, left by a failed test.
    if (source_ && !custom_.empty() && !(HasFailure() && std::getenv("CUTOVER_TEST_KEEP"))) {
      (void)source_->Execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name "
          "= $1 AND NOT active",
          {custom_});
      (void)source_->Execute("DROP PUBLICATION IF EXISTS " + custom_);
    }
    PostgresSourceTest::TearDown();
  }

  // Waits up to `timeout` for `text` in the output of `process`.
  static bool WaitForOutput(const runtest::Process& process, const std::string& text,
                            std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process.Output().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(100ms);
    }
    return true;
  }

  // The slot's plugin, type and database, as pg_replication_slots shows them.
  std::vector<std::string> Slot(const std::string& slot) {
    return PgLines(*source_,
                   "SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name "
                   "= '" +
                       slot + "'");
  }
  std::vector<std::string> Publication(const std::string& publication) {
    return PgLines(*source_,
                   "SELECT pubname FROM pg_publication WHERE pubname = '" + publication + "'");
  }
  std::vector<std::string> PublishedTables(const std::string& publication) {
    return PgLines(*source_,
                   "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE "
                   "pubname = '" +
                       publication + "' ORDER BY 1");
  }
  std::vector<std::string> SelectedTables() const {
    return {schema_ + ".docs", schema_ + ".lines"};
  }
  std::vector<std::string> SlotRow() const {
    return {"pgoutput\tlogical\t" + testing::PostgresSource().database};
  }

  // The control API's port, from the line the last `cutover run` printed when it listened (the
  // runs of a test append to one output file).
  static int ControlPort(const runtest::Process& run) {
    const std::regex listening(R"(control API listening on http://127\.0\.0\.1:(\d+))");
    const std::string output = run.Output();
    int port = 0;
    for (auto match = std::sregex_iterator(output.begin(), output.end(), listening);
         match != std::sregex_iterator(); ++match) {
      port = std::stoi((*match)[1]);
    }
    return port;
  }
  static std::string Metrics(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_bearer_token_auth(kToken);
    httplib::Result result = client.Get("/metrics");
    EXPECT_TRUE(result) << "no answer from the control API on port " << port;
    return result ? result->body : "";
  }
  // The value of an unlabelled sample in Prometheus text, or -1.
  static double Sample(const std::string& metrics, const std::string& name) {
    const std::string prefix = "\n" + name + " ";
    const size_t at = metrics.find(prefix);
    return at == std::string::npos ? -1 : std::stod(metrics.substr(at + prefix.size()));
  }

  // `cutover <args>`, waited for, with the control token a spec with `control` needs.
  verifytest::VerifyRun Cli(const std::string& args) {
    return verifytest::RunCutover(dir_, args, std::string("CUTOVER_CONTROL_TOKEN=") + kToken);
  }

  // `cutover status --json`'s cdc.source_retention (null without one).
  json Retention() {
    verifytest::VerifyRun status = Cli("status " + spec_.string() + " --json");
    EXPECT_EQ(status.exit_code, 0) << status.err;
    if (!status.report.is_object() || !status.report.contains("cdc")) return json();
    return status.report["cdc"].value("source_retention", json());
  }

  // `cutover finish`: exits 0, ends the run (exit 0) and says it dropped `slot` and
  // `publication`, which are gone from the server.
  void FinishDrops(runtest::CutoverProcess& run, const std::string& slot,
                   const std::string& publication) {
    verifytest::VerifyRun finish =
        Cli("finish " + spec_.string() + " --quiet-seconds 2 --timeout 90");
    EXPECT_EQ(finish.exit_code, 0) << finish.out << finish.err << run.Output();
    EXPECT_NE(finish.out.find("removed from the source: replication slot " + slot +
                              " publication " + publication + "\n"),
              std::string::npos)
        << finish.out;
    int code = -1;
    EXPECT_TRUE(run.WaitFor(30s, &code)) << run.Output();
    EXPECT_EQ(code, 0) << run.Output();
    EXPECT_TRUE(Slot(slot).empty());
    EXPECT_TRUE(Publication(publication).empty());
  }

  std::string custom_;  // the slot and publication name of a spec that names them
};

// Created when the copy starts; the retained WAL reported and, past source.retained_wal_warn while
// capture is held, warned about in the log, `cutover status` and /metrics, and let go of once the
// run reads on; a fence passes through
// the slot; finish drops the slot and the publication, and a run after it is refused.
TEST_F(RunPostgresSourceLifecycleTest, FromTheCopyToFinish) {
  source_extra_ = "  retained_wal_warn: 1MiB\n";
  UsePostgresTarget(
      "parallelism: {copy_workers: 1, chunk_rows: 100}\n"
      "control:\n  listen: 127.0.0.1:0\n  token_env: CUTOVER_CONTROL_TOKEN\n");
  const std::string slot = SlotName();
  ASSERT_TRUE(Slot(slot).empty());
  ASSERT_TRUE(Publication(slot).empty());
  const std::string token = std::string("CUTOVER_CONTROL_TOKEN=") + kToken;
  {
    // Held in the copy: the slot and the publication are there, of exactly the selected tables.
    auto copying = StartRun(token + " CUTOVER_TEST_PAUSE_AT=after_read:2");
    ASSERT_TRUE(WaitForOutput(*copying, "TEST pause at after_read:2", 60s)) << copying->Output();
    EXPECT_EQ(Slot(slot), SlotRow());
    EXPECT_EQ(Publication(slot), std::vector<std::string>{slot});
    EXPECT_EQ(PublishedTables(slot), SelectedTables());
    copying->Signal(SIGKILL);
    EXPECT_EQ(copying->Wait(), -SIGKILL);
  }
  {
    auto run = StartRun(token);
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    runtest::StopRun(*run);
  }
  // While no run reads the slot: a change of a selected table, then some 15 MiB of WAL in a table
  // that is not selected. The next run is held at that first change, so the slot keeps all of it.
  PgExec(*source_, "UPDATE " + schema_ + ".docs SET n = n + 1 WHERE id = 1");
  const std::string other = schema_ + "_other";
  PgExec(*source_, "CREATE TABLE " + other + " (id int, pad text)");
  PgExec(*source_,
         "INSERT INTO " + other + " SELECT i, repeat('x', 100) FROM generate_series(1, 100000) i");
  const int64_t kept =
      std::stoll(PgLines(*source_,
                         "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM "
                         "pg_replication_slots WHERE slot_name = '" +
                             slot + "'")[0]);
  ASSERT_GT(kept, 8 << 20);
  {
    auto held = StartRun(token + " CUTOVER_TEST_PAUSE_AT=capture_appended:1");
    ASSERT_TRUE(WaitForOutput(*held, "TEST pause at capture_appended:1", 60s)) << held->Output();
    const std::string warning = "source: the replication slot " + slot + " keeps ";
    EXPECT_TRUE(WaitForOutput(*held, warning, 30s)) << held->Output();
    EXPECT_NE(held->Output().find(" MiB of WAL (source.retained_wal_warn 1.0 MiB), wal_status "),
              std::string::npos)
        << held->Output();
    json retention;
    for (int attempt = 0; attempt < 100 && !(retention.is_object() && retention["warning"] == true);
         ++attempt) {
      std::this_thread::sleep_for(200ms);
      retention = Retention();
    }
    ASSERT_TRUE(retention.is_object()) << "no cdc.source_retention in `cutover status --json`";
    EXPECT_EQ(retention["what"], "replication slot " + slot);
    EXPECT_GE(retention["retained_bytes"].get<int64_t>(), kept);
    EXPECT_TRUE(retention["state"] == "reserved" || retention["state"] == "extended")
        << retention.dump();
    EXPECT_EQ(retention["warning"], true);
    verifytest::VerifyRun status = Cli("status " + spec_.string());
    EXPECT_NE(status.out.find("WARNING " + warning), std::string::npos) << status.out;
    const int port = ControlPort(*held);
    ASSERT_NE(port, 0) << held->Output();
    const std::string metrics = Metrics(port);
    EXPECT_EQ(Sample(metrics, "cutover_source_retention_warning"), 1) << metrics;
    EXPECT_GE(Sample(metrics, "cutover_source_retained_bytes"), static_cast<double>(kept))
        << metrics;
    held->Signal(SIGKILL);
    EXPECT_EQ(held->Wait(), -SIGKILL);
  }
  PgExec(*source_, "DROP TABLE " + other);
  auto run = StartRun(token);
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  // Reading on, the slot lets go of that WAL, and the status says so: within about 30 s (the
  // server moves restart_lsn at its next running-transactions record, logged every 15 s; the run
  // reads the slot every 10 s), given 90 s on a loaded machine.
  json released;
  for (int attempt = 0; attempt < 180; ++attempt) {
    released = Retention();
    if (released.is_object() && released["retained_bytes"].get<int64_t>() < kept) break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(released.is_object());
  EXPECT_LT(released["retained_bytes"].get<int64_t>(), kept) << released.dump() << run->Output();
  // The fence's marker travels through the slot: when it passes, a row written just before it
  // is on the target.
  PgExec(*source_, "INSERT INTO " + schema_ + ".docs (id, title, body) VALUES (7777, 'fenced', " +
                       kBigBody + ")");
  verifytest::VerifyRun fence = Cli("fence " + spec_.string() + " --timeout 60");
  EXPECT_EQ(fence.exit_code, 0) << fence.out << fence.err << run->Output();
  EXPECT_TRUE(std::regex_search(
      fence.out, std::regex("^fence [0-9a-f]{32}: applied [0-9]+ ms after it was written\n$")))
      << fence.out;
  EXPECT_EQ(PgLines(*pg_target_, "SELECT title FROM " + schema_ + ".docs WHERE id = 7777"),
            std::vector<std::string>{"fenced"});
  FinishDrops(*run, slot, slot);
  ExpectConverges(10s, run->Output());
  ExpectNoBodyLost();
  // Run again after the finish: refused (the slot is gone), and the migration stays finished.
  auto again = StartRun(token);
  int code = 0;
  ASSERT_TRUE(again->WaitFor(30s, &code)) << again->Output();
  EXPECT_EQ(code, 1) << again->Output();
  EXPECT_NE(again->Output().find("cutover run: FailedPrecondition: migration " + migration_ +
                                 " is finished: `cutover finish` dropped its replication slot " +
                                 slot + " and its publication " + slot + " on the source"),
            std::string::npos)
      << again->Output();
  EXPECT_NE(Cli("status " + spec_.string()).out.find("phase finished\n"), std::string::npos);
}

// source.slot and source.publication name them instead of the migration.
TEST_F(RunPostgresSourceLifecycleTest, TheSpecNamesTheSlotAndThePublication) {
  custom_ = "pglife_own_" + std::to_string(getpid());
  source_extra_ = "  slot: " + custom_ + "\n  publication: " + custom_ + "\n";
  UsePostgresTarget("");
  auto run = StartRun();
  ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
  EXPECT_EQ(Slot(custom_), SlotRow());
  EXPECT_EQ(PublishedTables(custom_), SelectedTables());
  EXPECT_TRUE(Slot(SlotName()).empty());
  EXPECT_TRUE(Publication(SlotName()).empty());
  FinishDrops(*run, custom_, custom_);
}

// The slot's database idle, WAL written by another database of the same server: the slot's
// confirmed flush LSN still moves past it (the keepalives' WAL end), so an idle migration does not
// hold that WAL back.
// A publication of the spec's name that someone else made (no cutover comment): `check` fails on
// it, `run` refuses to start, and it is left exactly as it was (its table, no other).
TEST_F(RunPostgresSourceLifecycleTest, AnotherOnesPublicationIsNeverChangedOrDropped) {
  custom_ = "pglife_theirs_" + std::to_string(getpid());
  source_extra_ = "  slot: " + custom_ + "\n  publication: " + custom_ + "\n";
  UsePostgresTarget("");
  PgExec(*source_, "CREATE TABLE " + schema_ + "_theirs (id int PRIMARY KEY)");
  PgExec(*source_, "CREATE PUBLICATION " + custom_ + " FOR TABLE " + schema_ + "_theirs");
  const std::string refusal =
      "publication " + custom_ + " exists and was not created by cutover for migration " +
      migration_ + " (its comment is not 'made by cutover for migration " + migration_ + "')";
  verifytest::VerifyRun check = Cli("check " + spec_.string());
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.out.find(refusal), std::string::npos) << check.out << check.err;
  auto run = StartRun();
  int code = 0;
  ASSERT_TRUE(run->WaitFor(60s, &code)) << run->Output();
  EXPECT_NE(code, 0);
  EXPECT_NE(run->Output().find("the source has a publication " + custom_ +
                               " that cutover did not create for migration " + migration_),
            std::string::npos)
      << run->Output();
  EXPECT_EQ(PublishedTables(custom_), std::vector<std::string>{"public." + schema_ + "_theirs"});
  PgExec(*source_, "DROP PUBLICATION " + custom_ + "; DROP TABLE " + schema_ + "_theirs");
}

TEST_F(RunPostgresSourceLifecycleTest, TheSlotAdvancesOnWritesToAnotherDatabase) {
  UsePostgresTarget("");
  const std::string database = schema_ + "_db";
  PgExec(*source_, "DROP DATABASE IF EXISTS " + database);
  PgExec(*source_, "CREATE DATABASE " + database);
  {
    auto run = StartRun();
    ASSERT_TRUE(runtest::WaitForCdc(*run, 60s)) << run->Output();
    testing::ServerInfo server = testing::PostgresSource();
    Result<std::unique_ptr<postgres::Connection>> elsewhere =
        postgres::Connection::Open(copytest::ConnectionFor(server, database));
    ASSERT_TRUE(elsewhere.ok()) << elsewhere.status().ToString();
    PgExec(**elsewhere, "CREATE TABLE t AS SELECT generate_series(1, 10000) AS id");
    ExpectSlotReachesCurrentWal();
    runtest::StopRun(*run);
  }
  PgExec(*source_, "DROP DATABASE " + database + " WITH (FORCE)");
}

}  // namespace
}  // namespace cutover
