// Tests for StateStore's API: opening, identity, phase, positions, offsets, meta, transactions.
#include "cutover/state_store.h"

#include <fstream>

#include <gtest/gtest.h>

#include "state/sqlite_db.h"
#include "state/test_support.h"

namespace cutover {
namespace {

using state::TempDir;

std::unique_ptr<StateStore> OpenOrDie(const std::filesystem::path& dir,
                                      const StateStoreOptions& options = {}) {
  auto store = StateStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

StoreIdentity OrdersIdentity() { return {"orders", "mariadb", "10.0.0.1", 3306, "postgres"}; }

TEST(StateStoreTest, OpenCreatesTheDirectoryAndAWalDatabase) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.path() / "a" / "b");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->path(), tmp.path() / "a" / "b" / "state.db");
  EXPECT_TRUE(std::filesystem::exists(store->path()));
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / "a" / "b" / "state.db-wal"));
  EXPECT_EQ(store->SchemaVersion().value(), 1);
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST(StateStoreTest, DataSurvivesReopening) {
  TempDir tmp;
  {
    auto store = OpenOrDie(tmp.state_dir());
    ASSERT_TRUE(store->SetPhase(Phase::kCopy).ok());
    ASSERT_TRUE(store->SetOffset("lane-3", 77).ok());
  }
  auto store = OpenOrDie(tmp.state_dir());
  EXPECT_EQ(store->GetPhase().value(), Phase::kCopy);
  EXPECT_EQ(store->GetOffset("lane-3").value(), 77u);
}

TEST(StateStoreTest, RecordsIdentityAtFirstOpenAndRefusesAnotherMigration) {
  TempDir tmp;
  StateStoreOptions options;
  options.identity = OrdersIdentity();
  ASSERT_NE(OpenOrDie(tmp.state_dir(), options), nullptr);
  auto store = OpenOrDie(tmp.state_dir());  // no identity given: not checked
  std::optional<StoreIdentity> identity = store->Identity().value();
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->migration, "orders");
  EXPECT_EQ(identity->source_port, 3306);
  store.reset();

  options.identity->migration = "invoices";
  auto other = StateStore::Open(tmp.state_dir(), options);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.status().message(),
            "state dir " + tmp.state_dir().string() +
                " belongs to migration \"orders\", not \"invoices\": give each migration its own "
                "state_dir");
}

TEST(StateStoreTest, RefusesTheSameMigrationAgainstAnotherSource) {
  TempDir tmp;
  StateStoreOptions options;
  options.identity = OrdersIdentity();
  ASSERT_NE(OpenOrDie(tmp.state_dir(), options), nullptr);
  options.identity->source_host = "10.0.0.2";
  auto other = StateStore::Open(tmp.state_dir(), options);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().message(),
            "state dir " + tmp.state_dir().string() +
                " of migration \"orders\" was created for source mariadb at 10.0.0.1:3306, "
                "target postgres, but the spec now says source mariadb at 10.0.0.2:3306, target "
                "postgres: its positions and progress do not apply there; use a new state_dir");
}

TEST(StateStoreTest, PhaseStartsNewAndRecordsEachTransition) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  EXPECT_EQ(store->GetPhase().value(), Phase::kNew);
  auto before = StateClock::now() - std::chrono::milliseconds(1);
  ASSERT_TRUE(store->SetPhase(Phase::kPreflight).ok());
  ASSERT_TRUE(store->SetPhase(Phase::kCopy).ok());
  ASSERT_TRUE(store->SetPhase(Phase::kCopy).ok());  // no-op: no history row
  ASSERT_TRUE(store->SetPhase(Phase::kCatchUp).ok());
  auto after = StateClock::now() + std::chrono::milliseconds(1);
  EXPECT_EQ(store->GetPhase().value(), Phase::kCatchUp);
  std::vector<PhaseTransition> history = store->PhaseHistory().value();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].from, Phase::kNew);
  EXPECT_EQ(history[0].to, Phase::kPreflight);
  EXPECT_EQ(history[1].to, Phase::kCopy);
  EXPECT_EQ(history[2].from, Phase::kCopy);
  EXPECT_EQ(history[2].to, Phase::kCatchUp);
  for (const PhaseTransition& transition : history) {
    EXPECT_GE(transition.at, before);
    EXPECT_LE(transition.at, after);
  }
}

TEST(StateStoreTest, PhaseNamesRoundTrip) {
  for (Phase phase : {Phase::kNew, Phase::kPreflight, Phase::kCopy, Phase::kCatchUp, Phase::kCdc,
                      Phase::kFinished}) {
    EXPECT_EQ(ParsePhase(PhaseName(phase)).value(), phase);
  }
  EXPECT_EQ(PhaseName(Phase::kCatchUp), "catch_up");
  EXPECT_EQ(ParsePhase("done").status().message(),
            "unknown phase \"done\" (expected new, preflight, copy, catch_up, cdc or finished)");
}

TEST(StateStoreTest, NamedPositionsKeepEveryKind) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  Position start = Position::Decode("gtid:0-1-42;file:mysql-bin.000042:1234").value();
  Position capture = Position::Decode("gtid:0-1-18446744073709551615").value();
  Position applied = Position::FromLsn(Lsn(UINT64_MAX));
  ASSERT_TRUE(store->SetPosition("snapshot_start", start).ok());
  ASSERT_TRUE(store->SetPosition("capture", Position()).ok());
  ASSERT_TRUE(store->SetPosition("capture", capture).ok());  // replaces
  ASSERT_TRUE(store->SetPosition("applied", applied).ok());
  EXPECT_EQ(store->GetPosition("snapshot_start").value(), start);
  EXPECT_EQ(store->GetPosition("capture").value(), capture);
  EXPECT_EQ(store->GetPosition("applied").value(), applied);
  EXPECT_EQ(store->GetPosition("missing").value(), std::nullopt);
  std::map<std::string, Position> all = store->ListPositions().value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.at("applied").Encode(), "lsn:FFFFFFFF/FFFFFFFF");
}

TEST(StateStoreTest, OffsetsStoreUpToInt64Max) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  ASSERT_TRUE(store->SetOffset("lane-0", 0).ok());
  ASSERT_TRUE(store->SetOffset("lane-1", 9223372036854775807u).ok());
  ASSERT_TRUE(store->SetOffset("lane-0", 12).ok());
  EXPECT_EQ(store->GetOffset("lane-0").value(), 12u);
  EXPECT_EQ(store->GetOffset("lane-1").value(), 9223372036854775807u);
  EXPECT_EQ(store->GetOffset("lane-2").value(), std::nullopt);
  Status too_big = store->SetOffset("lane-2", 9223372036854775808u);
  EXPECT_EQ(too_big.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_big.message(),
            "offset 9223372036854775808 for \"lane-2\" is above the largest storable offset "
            "9223372036854775807");
  EXPECT_EQ(store->ListOffsets().value(),
            (std::map<std::string, uint64_t>{{"lane-0", 12}, {"lane-1", 9223372036854775807u}}));
}

TEST(StateStoreTest, MetaSetGetDelete) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  ASSERT_TRUE(store->SetMeta("flag.orders", "shadow").ok());
  ASSERT_TRUE(store->SetMeta("flag.orders", "target_reads").ok());
  ASSERT_TRUE(store->SetMeta("empty", "").ok());
  EXPECT_EQ(store->GetMeta("flag.orders").value(), "target_reads");
  EXPECT_EQ(store->GetMeta("empty").value(), "");
  ASSERT_TRUE(store->DeleteMeta("flag.orders").ok());
  EXPECT_EQ(store->GetMeta("flag.orders").value(), std::nullopt);
  ASSERT_TRUE(store->DeleteMeta("never-set").ok());
}

TEST(StateStoreTest, ListMetaByPrefix) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  ASSERT_TRUE(store->SetMeta("verify.touched/0002", "b").ok());
  ASSERT_TRUE(store->SetMeta("verify.touched/0001", "a").ok());
  ASSERT_TRUE(store->SetMeta("verify.touchedX", "not under the prefix's slash").ok());
  ASSERT_TRUE(store->SetMeta("verify.run", "other").ok());
  using Entries = std::vector<std::pair<std::string, std::string>>;
  Result<Entries> touched = store->ListMeta("verify.touched/");
  ASSERT_TRUE(touched.ok()) << touched.status().ToString();
  EXPECT_EQ(*touched, (Entries{{"verify.touched/0001", "a"}, {"verify.touched/0002", "b"}}));
  Result<Entries> nothing = store->ListMeta("nothing/");
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
  Result<Entries> all = store->ListMeta("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
}

TEST(StateStoreTest, TransactionCommitsAllOrNothing) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  {
    auto txn = store->Begin();
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(store->SetOffset("lane-0", 5).ok());
    ASSERT_TRUE(store->SetMeta("k", "v").ok());
    // Destroyed without Commit: rolled back.
  }
  EXPECT_EQ(store->GetOffset("lane-0").value(), std::nullopt);
  EXPECT_EQ(store->GetMeta("k").value(), std::nullopt);
  {
    auto txn = store->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(store->SetOffset("lane-0", 6).ok());
    ASSERT_TRUE(store->SetPhase(Phase::kCdc).ok());  // nests its own transaction
    ASSERT_TRUE(txn->Commit().ok());
    EXPECT_EQ(txn->Commit().message(), "Commit() on a finished transaction");
  }
  auto reopened = OpenOrDie(tmp.state_dir());
  EXPECT_EQ(reopened->GetOffset("lane-0").value(), 6u);
  EXPECT_EQ(reopened->GetPhase().value(), Phase::kCdc);
}

TEST(StateStoreTest, NestedTransactionRollsBackOnlyItsOwnChanges) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.state_dir());
  auto outer = store->Begin();
  ASSERT_TRUE(outer.ok());
  ASSERT_TRUE(store->SetMeta("outer", "1").ok());
  {
    auto inner = store->Begin();
    ASSERT_TRUE(inner.ok());
    ASSERT_TRUE(store->SetMeta("inner", "1").ok());
  }
  {
    auto inner = store->Begin();
    ASSERT_TRUE(inner.ok());
    ASSERT_TRUE(store->SetMeta("kept", "1").ok());
    ASSERT_TRUE(inner->Commit().ok());
  }
  ASSERT_TRUE(outer->Commit().ok());
  EXPECT_EQ(store->GetMeta("outer").value(), "1");
  EXPECT_EQ(store->GetMeta("inner").value(), std::nullopt);
  EXPECT_EQ(store->GetMeta("kept").value(), "1");
}

TEST(StateStoreTest, ReadOnlyStoreReadsButRefusesWrites) {
  TempDir tmp;
  auto writer = OpenOrDie(tmp.state_dir());
  ASSERT_TRUE(writer->SetMeta("k", "v").ok());
  writer.reset();  // the last connection closes: no -wal/-shm left behind
  StateStoreOptions options;
  options.read_only = true;
  auto reader = OpenOrDie(tmp.state_dir(), options);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->GetMeta("k").value(), "v");
  Status write = reader->SetMeta("k", "w");
  EXPECT_EQ(write.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(write.message(), "state store " + reader->path().string() + " is open read-only");
  EXPECT_EQ(reader->SetPhase(Phase::kCdc).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reader->RecordChunk("t", 1, "", "", 1).code(), StatusCode::kFailedPrecondition);
}

TEST(StateStoreTest, ReadOnlyOpenOfAMissingStoreIsNotFound) {
  TempDir tmp;
  StateStoreOptions options;
  options.read_only = true;
  auto store = StateStore::Open(tmp.state_dir(), options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.status().message(), "no state store at " +
                                          (tmp.state_dir() / "state.db").string() +
                                          " (has `cutover run` started this migration?)");
  EXPECT_FALSE(std::filesystem::exists(tmp.state_dir()));  // read-only never creates
}

TEST(StateStoreTest, AFileThatIsNotADatabaseIsDataLoss) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.state_dir());
  std::ofstream(tmp.state_dir() / "state.db") << std::string(4096, 'x');
  auto store = StateStore::Open(tmp.state_dir());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store.status().message(),
            "state store " + (tmp.state_dir() / "state.db").string() + ": file is not a database");
}

TEST(StateStoreTest, AnUncreatableStateDirIsFailedPrecondition) {
  TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  auto store = StateStore::Open(tmp.path() / "file" / "state");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      store.status().message(),
      "cannot create state dir " + (tmp.path() / "file" / "state").string() + ": Not a directory");
}

TEST(SqliteStatusTest, MapsSqliteCodesToRetryGuidance) {
  using state::SqliteStatus;
  EXPECT_EQ(SqliteStatus(SQLITE_BUSY, "m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_BUSY_SNAPSHOT, "m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_LOCKED, "m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_FULL, "m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_IOERR_FSYNC, "m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_IOERR_SHORT_READ, "m").code(), StatusCode::kDataLoss);
  EXPECT_EQ(SqliteStatus(SQLITE_CORRUPT, "m").code(), StatusCode::kDataLoss);
  EXPECT_EQ(SqliteStatus(SQLITE_NOTADB, "m").code(), StatusCode::kDataLoss);
  EXPECT_EQ(SqliteStatus(SQLITE_CANTOPEN, "m").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(SqliteStatus(SQLITE_READONLY, "m").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(SqliteStatus(SQLITE_INTERRUPT, "m").code(), StatusCode::kCancelled);
  EXPECT_EQ(SqliteStatus(SQLITE_MISUSE, "m").code(), StatusCode::kInternal);
  EXPECT_EQ(SqliteStatus(SQLITE_BUSY, "database is locked").message(), "database is locked");
}

}  // namespace
}  // namespace cutover
