// Integration test of the pgoutput decoder against a real PostgreSQL 15 (postgres-source): the
// messages of a pgoutput slot, read through pg_logical_slot_get_binary_changes, decoded and
// assembled: a key change, an update that leaves a TOASTed value unchanged, a delete, a logical
// message, and (protocol 2) a transaction large enough to be streamed in blocks.
#include "source/postgres/pgoutput.h"

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "db/postgres/connection.h"
#include "source/postgres/replication_stream.h"
#include "support/servers.h"

namespace cutover::postgres {
namespace {

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t at = 0; at + 1 < hex.size(); at += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(at, 2), nullptr, 16)));
  }
  return out;
}

class PgoutputIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServerInfo server = testing::PostgresSource();
    ConnectionSpec spec;
    spec.host = server.host;
    spec.port = server.port;
    spec.user = server.user;
    spec.password = Secret{"test", server.password};
    spec.database = server.database;
    spec_ = spec;
    auto opened = Connection::Open(spec);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(*opened);
    Run("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    Run("CREATE SCHEMA " + schema_);
    Run("CREATE TABLE " + schema_ + ".t (id int PRIMARY KEY, n int, note text)");
    Run("CREATE PUBLICATION " + slot_ + " FOR TABLE " + schema_ + ".t");
    Run("SELECT pg_create_logical_replication_slot('" + slot_ + "', 'pgoutput')");
  }
  void TearDown() override {
    if (db_ == nullptr) return;
    DropSlot(slot_);
    (void)db_->Execute("DROP PUBLICATION IF EXISTS " + slot_);
    (void)db_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  // Drops `slot` once no walsender holds it: a closed replication connection's walsender can
  // take a moment to exit, and dropping an active slot fails.
  void DropSlot(const std::string& slot) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      Result<QueryResult> active = db_->Query(
          "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active");
      if (active.ok() && active->rows[0][0] == "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Result<QueryResult> dropped = db_->Query(
        "SELECT pg_drop_replication_slot(slot_name) FROM "
        "pg_replication_slots WHERE slot_name = '" +
        slot + "'");
    EXPECT_TRUE(dropped.ok()) << dropped.status().ToString();
  }
  void Run(const std::string& sql) {
    Result<QueryResult> result = db_->Query(sql);
    ASSERT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
  }
  // Everything the slot has, decoded and assembled.
  std::vector<PgTransaction> Changes(int proto_version, bool streaming) {
    std::string sql = fmt::format(
        "SELECT encode(data, 'hex') FROM pg_logical_slot_get_binary_changes('{}', NULL, NULL, "
        "'proto_version', '{}', 'publication_names', '{}', 'messages', 'true'{})",
        slot_, proto_version, slot_, streaming ? ", 'streaming', 'on'" : "");
    Result<QueryResult> rows = db_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<PgTransaction> out;
    if (!rows.ok()) return out;
    for (const auto& row : rows->rows) {
      const std::string bytes = FromHex(*row[0]);
      if (!bytes.empty() && bytes[0] == 'S') ++stream_blocks_;
      Result<std::vector<PgTransaction>> done = assembler_.Feed(bytes);
      EXPECT_TRUE(done.ok()) << done.status().ToString();
      if (!done.ok()) break;
      for (PgTransaction& transaction : *done) out.push_back(std::move(transaction));
    }
    return out;
  }

  // Reads `stream` through the assembler, giving each committed transaction to `seen` until it
  // returns true; false when 20 s pass first or the stream fails.
  bool ReadUntil(ReplicationStream& stream, const std::function<bool(const PgTransaction&)>& seen) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      Result<std::optional<WalMessage>> message = stream.Next(std::chrono::milliseconds(200));
      EXPECT_TRUE(message.ok()) << message.status().ToString();
      if (!message.ok()) return false;
      if (!*message) continue;
      Result<std::vector<PgTransaction>> done = assembler_.Feed((*message)->data);
      EXPECT_TRUE(done.ok()) << done.status().ToString();
      if (!done.ok()) return false;
      for (const PgTransaction& transaction : *done) {
        if (seen(transaction)) return true;
      }
    }
    return false;
  }

  const std::string schema_ = fmt::format("pgoutput_{}", getpid());
  const std::string slot_ = fmt::format("cutover_pgoutput_{}", getpid());
  ConnectionSpec spec_;
  std::unique_ptr<Connection> db_;
  PgoutputAssembler assembler_;
  int stream_blocks_ = 0;  // Stream Start messages seen
};

TEST_F(PgoutputIntegrationTest, DecodesWhatPostgresSends) {
  const std::string t = schema_ + ".t";
  Run("INSERT INTO " + t + " VALUES (1, 0, 'a')");
  // Incompressible enough to be stored out of line (TOAST).
  Run("INSERT INTO " + t +
      " VALUES (2, 0, (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 4000) i))");
  Run("UPDATE " + t + " SET id = 3 WHERE id = 1");
  Run("UPDATE " + t + " SET n = 5 WHERE id = 2");
  Run("DELETE FROM " + t + " WHERE id = 3");
  Run("SELECT pg_logical_emit_message(true, 'cutover', 'fence')");
  std::vector<PgTransaction> done = Changes(1, false);
  ASSERT_EQ(done.size(), 6u);
  for (size_t index = 1; index < done.size(); ++index) {
    EXPECT_GT(done[index].commit_lsn, done[index - 1].commit_lsn) << "commit order";
  }
  // The first transaction states the relation before its insert.
  ASSERT_EQ(done[0].messages.size(), 2u);
  const PgRelation& relation = done[0].messages[0].relation;
  EXPECT_EQ(relation.schema, schema_);
  EXPECT_EQ(relation.name, "t");
  EXPECT_EQ(relation.replica_identity, 'd');
  ASSERT_EQ(relation.columns.size(), 3u);
  EXPECT_EQ(relation.columns[0], (PgRelationColumn{true, "id", 23, -1}));
  EXPECT_EQ(relation.columns[2], (PgRelationColumn{false, "note", 25, -1}));
  EXPECT_EQ((*done[0].messages[1].new_tuple)[2].bytes, "a");
  EXPECT_EQ((*done[1].messages[0].new_tuple)[2].bytes.size(), 4000u * 32);

  const PgMessage& moved = done[2].messages[0];  // the key changed: the old key comes along
  EXPECT_EQ(moved.old_kind, 'K');
  EXPECT_EQ((*moved.old_tuple)[0].bytes, "1");
  EXPECT_EQ((*moved.new_tuple)[0].bytes, "3");

  const PgMessage& toasted = done[3].messages[0];  // the TOASTed note did not change
  EXPECT_FALSE(toasted.old_tuple);
  EXPECT_EQ((*toasted.new_tuple)[1].bytes, "5");
  EXPECT_EQ((*toasted.new_tuple)[2].kind, PgColumnValue::Kind::kUnchanged);

  const PgMessage& deleted = done[4].messages[0];
  EXPECT_EQ(deleted.type, PgMessage::Type::kDelete);
  EXPECT_EQ(deleted.old_kind, 'K');
  EXPECT_EQ((*deleted.old_tuple)[0].bytes, "3");

  ASSERT_EQ(done[5].messages.size(), 1u);
  EXPECT_EQ(done[5].messages[0].prefix, "cutover");
  EXPECT_EQ(done[5].messages[0].content, "fence");
}

// Protocol 2 with streaming: a transaction over logical_decoding_work_mem (64kB here) is sent in
// blocks before it commits; what comes out is the one committed transaction, whole, in order.
TEST_F(PgoutputIntegrationTest, AssemblesAStreamedTransaction) {
  Run("SET logical_decoding_work_mem = '64kB'");
  Run("INSERT INTO " + schema_ + ".t SELECT i, i, repeat('v', 200) FROM generate_series(1, 3000) i");
  std::vector<PgTransaction> done = Changes(2, true);
  EXPECT_GT(stream_blocks_, 1) << "the transaction was not streamed";
  ASSERT_EQ(done.size(), 1u);
  std::vector<int> ids;
  for (const PgMessage& message : done[0].messages) {
    if (message.type == PgMessage::Type::kInsert) {
      ids.push_back(std::stoi((*message.new_tuple)[0].bytes));
    }
  }
  ASSERT_EQ(ids.size(), 3000u);
  for (size_t index = 0; index < ids.size(); ++index) {
    ASSERT_EQ(ids[index], static_cast<int>(index) + 1);
  }
  EXPECT_EQ(assembler_.open_streams(), 0u);
}

// Over a replication connection: START_REPLICATION streams the slot's messages, and the slot's
// confirmed flush LSN moves only to what the client confirms, never ahead of it.
TEST_F(PgoutputIntegrationTest, StreamsOverAReplicationConnectionAndAdvancesOnlyWhenConfirmed) {
  auto confirmed_flush = [&]() -> std::string {
    Result<QueryResult> rows = db_->Query(
        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot_ +
        "'");
    EXPECT_TRUE(rows.ok() && rows->rows.size() == 1);
    return rows.ok() && rows->rows.size() == 1 ? rows->rows[0][0].value_or("") : "";
  };
  const std::string before = confirmed_flush();
  Run("INSERT INTO " + schema_ + ".t VALUES (1, 1, 'one'), (2, 2, 'two')");

  ConnectOptions replication;
  replication.replication = true;
  auto connection = Connection::Open(spec_, replication);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  ReplicationOptions options;
  options.slot = slot_;
  options.publication = slot_;
  auto stream = ReplicationStream::Start(**connection, options);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::optional<PgTransaction> inserted;
  ASSERT_TRUE(ReadUntil(**stream, [&](const PgTransaction& transaction) {
    inserted = transaction;
    return true;
  })) << "no transaction streamed within 20 s";
  ASSERT_EQ(inserted->messages.size(), 3u);  // the relation, two inserts
  EXPECT_EQ((*inserted->messages[2].new_tuple)[2].bytes, "two");

  // Not confirmed yet: keepalives answered since repeat the old position.
  (void)(*stream)->Next(std::chrono::milliseconds(300));
  EXPECT_EQ(confirmed_flush(), before);
  ASSERT_TRUE((*stream)->Confirm(inserted->end_lsn).ok());
  std::string after;
  for (int attempt = 0; attempt < 50 && after != inserted->end_lsn.ToString(); ++attempt) {
    (void)(*stream)->Next(std::chrono::milliseconds(100));
    after = confirmed_flush();
  }
  EXPECT_EQ(after, inserted->end_lsn.ToString());
}

// A slot created with an exported snapshot: a copy reading in that snapshot sees the rows
// committed before the slot's consistent point and none after, and the slot streams exactly the
// ones after: the copy and the stream meet with nothing missed and nothing twice.
TEST_F(PgoutputIntegrationTest, ACopyInTheSlotsSnapshotMeetsItsStream) {
  const std::string t = schema_ + ".t";
  const std::string slot = slot_ + "_snap";
  Run("INSERT INTO " + t + " SELECT i, i, 'before' FROM generate_series(1, 100) i");
  ConnectOptions replication;
  replication.replication = true;
  auto connection = Connection::Open(spec_, replication);
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  Result<CreatedSlot> created = CreateSlotWithSnapshot(**connection, slot);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->name, slot);
  EXPECT_FALSE(created->snapshot.empty());
  // Written after the slot: the stream's, not the copy's.
  Run("INSERT INTO " + t + " SELECT i, i, 'after' FROM generate_series(101, 150) i");
  Run("UPDATE " + t + " SET note = 'changed' WHERE id = 1");

  auto reader = Connection::Open(spec_);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  ASSERT_TRUE((*reader)->Execute("SET TRANSACTION SNAPSHOT '" + created->snapshot + "'").ok());
  Result<QueryResult> copied =
      (*reader)->Query("SELECT count(*), count(*) FILTER (WHERE note = 'before') FROM " + t);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->rows[0][0], "100");
  EXPECT_EQ(copied->rows[0][1], "100") << "the update after the slot is not in the snapshot";
  ASSERT_TRUE((*reader)->Execute("COMMIT").ok());

  ReplicationOptions options;
  options.slot = slot;
  options.publication = slot_;
  auto stream = ReplicationStream::Start(**connection, options);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  int inserted = 0;
  int updated = 0;
  ReadUntil(**stream, [&](const PgTransaction& transaction) {
    for (const PgMessage& change : transaction.messages) {
      if (change.type == PgMessage::Type::kInsert) {
        ++inserted;
        EXPECT_EQ((*change.new_tuple)[2].bytes, "after");
      }
      if (change.type == PgMessage::Type::kUpdate) ++updated;
    }
    return updated > 0;
  });
  EXPECT_EQ(inserted, 50) << "exactly the rows written after the consistent point";
  EXPECT_EQ(updated, 1);
  stream->reset();
  connection->reset();
  DropSlot(slot);
}

}  // namespace
}  // namespace cutover::postgres
