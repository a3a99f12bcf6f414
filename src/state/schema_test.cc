// Tests for the versioned schema: upgrades of older stores, refusal of newer ones.
#include "state/schema.h"

#include <gtest/gtest.h>

#include "cutover/state_store.h"
#include "cutover/version.h"

#include "state/test_support.h"

namespace cutover {
namespace {

using state::Migration;
using state::TempDir;

// The real migrations plus one more, as a later cutover would ship.
std::vector<Migration> WithNextVersion(std::string sql) {
  std::vector<Migration> migrations = state::Migrations();
  int next = migrations.back().version + 1;
  migrations.push_back({next, "table_notes", std::move(sql)});
  return migrations;
}

TEST(SchemaTest, MigrationVersionsStartAtOneAndIncreaseByOne) {
  const std::vector<Migration>& migrations = state::Migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t idx = 0; idx < migrations.size(); ++idx) {
    EXPECT_EQ(migrations[idx].version, static_cast<int>(idx) + 1);
  }
}

TEST(SchemaTest, AnOlderStoreIsMigratedAndKeepsItsData) {
  TempDir tmp;
  {
    auto old_store = StateStore::Open(tmp.state_dir());
    ASSERT_TRUE(old_store.ok());
    ASSERT_TRUE((*old_store)->AddTable("orders", 10).ok());
    ASSERT_TRUE((*old_store)->RecordChunk("orders", 1, "", "k", 4).ok());
  }
  std::vector<Migration> newer = WithNextVersion(
      "CREATE TABLE table_notes (table_name TEXT NOT NULL REFERENCES tables (name), note TEXT);"
      "INSERT INTO table_notes SELECT name, 'migrated' FROM tables;");
  auto store = StateStore::TEST_OpenWithMigrations(tmp.state_dir(), {}, newer);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->SchemaVersion().value(), newer.back().version);
  EXPECT_EQ((*store)->GetTable("orders").value()->rows_copied, 4);
  EXPECT_EQ((*store)->ListChunks("orders").value().size(), 1u);
  store->reset();
  // The migration ran exactly once, and its row in schema_version names it.
  auto again = StateStore::TEST_OpenWithMigrations(tmp.state_dir(), {}, newer);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto db = state::SqliteDb::Open(tmp.state_dir() / "state.db", true, std::chrono::seconds(1));
  ASSERT_TRUE(db.ok());
  auto notes = (*db)->Prepare("SELECT count(*) FROM table_notes");
  ASSERT_TRUE(notes.ok() && notes->Step().value());
  EXPECT_EQ(notes->Int(0), 1);
  auto version =
      (*db)->Prepare("SELECT name, cutover_version FROM schema_version ORDER BY version");
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(version->Step().value());
  EXPECT_EQ(version->Text(0), "initial");
  ASSERT_TRUE(version->Step().value());
  EXPECT_EQ(version->Text(0), "table_notes");
  EXPECT_EQ(version->Text(1), kVersion);
  EXPECT_FALSE(version->Step().value());
}

TEST(SchemaTest, AFailingMigrationChangesNothing) {
  TempDir tmp;
  {
    auto old_store = StateStore::Open(tmp.state_dir());
    ASSERT_TRUE(old_store.ok());
    ASSERT_TRUE((*old_store)->SetMeta("k", "v").ok());
  }
  std::vector<Migration> broken =
      WithNextVersion("CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;");
  auto store = StateStore::TEST_OpenWithMigrations(tmp.state_dir(), {}, broken);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInternal);
  EXPECT_EQ(store.status().message(),
            "apply schema migration 2 (table_notes) to " + (tmp.state_dir() / "state.db").string() +
                ": state store " + (tmp.state_dir() / "state.db").string() +
                ": no such table: no_such_table");
  auto reopened = StateStore::Open(tmp.state_dir());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->SchemaVersion().value(), 1);
  EXPECT_EQ((*reopened)->GetMeta("k").value(), "v");
  auto db = state::SqliteDb::Open(tmp.state_dir() / "state.db", true, std::chrono::seconds(1));
  auto half = (*db)->Prepare("SELECT * FROM half_done");
  EXPECT_FALSE(half.ok());  // the table of the failed migration was rolled back
}

TEST(SchemaTest, AStoreWrittenByANewerCutoverIsRefused) {
  TempDir tmp;
  {
    auto newer = StateStore::TEST_OpenWithMigrations(tmp.state_dir(), {},
                                                     WithNextVersion("CREATE TABLE x (y);"));
    ASSERT_TRUE(newer.ok());
  }
  std::string path = (tmp.state_dir() / "state.db").string();
  std::string expected = "state store " + path + " has schema version 2 (written by cutover " +
                         kVersion + "), but this cutover (" + kVersion +
                         ") knows schema versions up to 1: use cutover " + kVersion +
                         " or later with this state_dir";
  auto store = StateStore::Open(tmp.state_dir());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.status().message(), expected);
  StateStoreOptions read_only;
  read_only.read_only = true;
  store = StateStore::Open(tmp.state_dir(), read_only);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(), expected);
}

TEST(SchemaTest, ReadOnlyOpenOfAnOlderStoreAsksForAnUpgrade) {
  TempDir tmp;
  ASSERT_TRUE(StateStore::Open(tmp.state_dir()).ok());
  StateStoreOptions read_only;
  read_only.read_only = true;
  auto store = StateStore::TEST_OpenWithMigrations(tmp.state_dir(), read_only,
                                                   WithNextVersion("CREATE TABLE x (y);"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store.status().message(),
            "state store " + (tmp.state_dir() / "state.db").string() +
                " has schema version 1, older than this cutover's 2: run `cutover run` (which "
                "upgrades it) before reading it read-only");
}

}  // namespace
}  // namespace cutover
