// Unit tests of the pgoutput decoder and assembler on byte fixtures written from the protocol
// documentation ("Logical Replication Message Formats", PostgreSQL 15).
#include "source/postgres/pgoutput.h"

#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

// Builds a message: big-endian integers, NUL-terminated strings.
class Bytes {
 public:
  explicit Bytes(char type) { out_.push_back(type); }
  Bytes& U8(uint8_t value) { return Be(value, 1); }
  Bytes& I16(int16_t value) { return Be(static_cast<uint16_t>(value), 2); }
  Bytes& I32(uint32_t value) { return Be(value, 4); }
  Bytes& I64(uint64_t value) { return Be(value, 8); }
  Bytes& Str(std::string_view text) {
    out_ += text;
    out_.push_back('\0');
    return *this;
  }
  Bytes& Raw(std::string_view bytes) {
    out_ += bytes;
    return *this;
  }
  // TupleData of text values; "\x01" stands for null, "\x02" for an unchanged TOAST value.
  Bytes& Tuple(const std::vector<std::string>& columns) {
    I16(static_cast<int16_t>(columns.size()));
    for (const std::string& column : columns) {
      if (column == "\x01") {
        out_.push_back('n');
      } else if (column == "\x02") {
        out_.push_back('u');
      } else {
        out_.push_back('t');
        I32(static_cast<uint32_t>(column.size()));
        out_ += column;
      }
    }
    return *this;
  }
  std::string str() const { return out_; }

 private:
  Bytes& Be(uint64_t value, int size) {
    for (int i = size - 1; i >= 0; --i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    return *this;
  }
  std::string out_;
};

std::string Begin(uint32_t xid, uint64_t final_lsn) {
  return Bytes('B').I64(final_lsn).I64(789'000'000).I32(xid).str();
}
std::string Commit(uint64_t lsn, uint64_t end) {
  return Bytes('C').U8(0).I64(lsn).I64(end).I64(789'000'001).str();
}
// accounts (oid 16385): id int4 (key), note text.
std::string Relation(std::optional<uint32_t> stream_xid = std::nullopt) {
  Bytes bytes('R');
  if (stream_xid) bytes.I32(*stream_xid);
  return bytes.I32(16385).Str("public").Str("accounts").U8('d').I16(2)
      .U8(1).Str("id").I32(23).I32(static_cast<uint32_t>(-1))
      .U8(0).Str("note").I32(25).I32(static_cast<uint32_t>(-1))
      .str();
}
std::string Insert(const std::string& id, const std::string& note,
                   std::optional<uint32_t> stream_xid = std::nullopt) {
  Bytes bytes('I');
  if (stream_xid) bytes.I32(*stream_xid);
  return bytes.I32(16385).U8('N').Tuple({id, note}).str();
}

std::vector<PgTransaction> FeedAll(PgoutputAssembler& assembler,
                                   const std::vector<std::string>& messages) {
  std::vector<PgTransaction> out;
  for (const std::string& message : messages) {
    Result<std::vector<PgTransaction>> done = assembler.Feed(message);
    EXPECT_TRUE(done.ok()) << done.status().ToString();
    if (!done.ok()) break;
    for (PgTransaction& transaction : *done) out.push_back(std::move(transaction));
  }
  return out;
}

TEST(PgoutputTest, DecodesATransactionsMessagesFieldByField) {
  PgoutputAssembler assembler;
  const std::string update = Bytes('U').I32(16385).U8('K').Tuple({"1", "\x01"})
                                 .U8('N').Tuple({"2", "\x02"}).str();
  const std::string remove = Bytes('D').I32(16385).U8('O').Tuple({"2", "gone"}).str();
  std::vector<PgTransaction> done = FeedAll(
      assembler, {Begin(900, 0x16B374D848), Relation(), Insert("1", "hello"), update, remove,
                  Commit(0x16B374D848, 0x16B374D878)});
  ASSERT_EQ(done.size(), 1u);
  const PgTransaction& transaction = done[0];
  EXPECT_EQ(transaction.xid, 900u);
  EXPECT_EQ(transaction.commit_lsn.ToString(), "16/B374D848");
  EXPECT_EQ(transaction.end_lsn.ToString(), "16/B374D878");
  EXPECT_EQ(transaction.commit_time_us, 789'000'001);
  ASSERT_EQ(transaction.messages.size(), 4u);

  const PgRelation& relation = transaction.messages[0].relation;
  EXPECT_EQ(relation.oid, 16385u);
  EXPECT_EQ(relation.schema, "public");
  EXPECT_EQ(relation.name, "accounts");
  EXPECT_EQ(relation.replica_identity, 'd');
  ASSERT_EQ(relation.columns.size(), 2u);
  EXPECT_EQ(relation.columns[0], (PgRelationColumn{true, "id", 23, -1}));
  EXPECT_EQ(relation.columns[1], (PgRelationColumn{false, "note", 25, -1}));

  const PgMessage& insert = transaction.messages[1];
  EXPECT_EQ(insert.type, PgMessage::Type::kInsert);
  ASSERT_TRUE(insert.new_tuple);
  EXPECT_EQ((*insert.new_tuple)[1], (PgColumnValue{PgColumnValue::Kind::kText, "hello"}));

  // An update that changed the key: the old key ('K'), then the new row whose TOASTed column
  // did not change: kept as "unchanged", never as NULL.
  const PgMessage& updated = transaction.messages[2];
  EXPECT_EQ(updated.type, PgMessage::Type::kUpdate);
  EXPECT_EQ(updated.old_kind, 'K');
  EXPECT_EQ((*updated.old_tuple)[0].bytes, "1");
  EXPECT_EQ((*updated.old_tuple)[1].kind, PgColumnValue::Kind::kNull);
  EXPECT_EQ((*updated.new_tuple)[1].kind, PgColumnValue::Kind::kUnchanged);

  const PgMessage& deleted = transaction.messages[3];
  EXPECT_EQ(deleted.type, PgMessage::Type::kDelete);
  EXPECT_EQ(deleted.old_kind, 'O');
  EXPECT_FALSE(deleted.new_tuple);
  EXPECT_EQ((*deleted.old_tuple)[1].bytes, "gone");
}

TEST(PgoutputTest, AnUpdateWithoutOldTupleTruncateAndMessage) {
  Result<PgMessage> update =
      DecodePgoutput(Bytes('U').I32(16385).U8('N').Tuple({"3", "x"}).str(), false);
  ASSERT_TRUE(update.ok()) << update.status().ToString();
  EXPECT_FALSE(update->old_tuple);
  EXPECT_EQ(update->old_kind, 0);

  Result<PgMessage> truncate =
      DecodePgoutput(Bytes('T').I32(2).U8(1).I32(16385).I32(16390).str(), false);
  ASSERT_TRUE(truncate.ok()) << truncate.status().ToString();
  EXPECT_EQ(truncate->truncated, (std::vector<uint32_t>{16385, 16390}));
  EXPECT_EQ(truncate->truncate_options, 1);

  Result<PgMessage> message = DecodePgoutput(
      Bytes('M').U8(1).I64(0x10).Str("cutover").I32(5).Raw("fence").str(), false);
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  EXPECT_TRUE(message->transactional);
  EXPECT_EQ(message->prefix, "cutover");
  EXPECT_EQ(message->content, "fence");
}

TEST(PgoutputTest, MalformedMessagesAreErrorsNamingTypeAndByte) {
  Result<PgMessage> cut = DecodePgoutput(Insert("1", "hello").substr(0, 11), false);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cut.status().message(),
            "pgoutput message 'I' (11 bytes): a column's length cut short at byte 9");

  Result<PgMessage> kind = DecodePgoutput(Bytes('I').I32(1).U8('N').I16(1).U8('x').str(), false);
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.status().message(),
            "pgoutput message 'I' (9 bytes): column 0 has the unknown kind 'x' (0x78) at byte 9");

  Result<PgMessage> extra = DecodePgoutput(Begin(1, 2) + "z", false);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().message(),
            "pgoutput message 'B' (22 bytes): 1 bytes left over after the message at byte 21");

  Result<PgMessage> unknown = DecodePgoutput("Q123", false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "pgoutput message: unknown type 'Q' (0x51) in 4 bytes");

  EXPECT_FALSE(DecodePgoutput("", false).ok());
  // A streamed Insert read as if outside a stream: the xid is taken for the OID and the rest no
  // longer parses.
  EXPECT_FALSE(DecodePgoutput(Insert("1", "a", 700), false).ok());
}

// Protocol 2: a large transaction streamed in blocks while another commits between them; a
// subtransaction of it aborted. What comes out is committed transactions in commit order, the
// aborted subtransaction's change gone.
TEST(PgoutputTest, StreamedTransactionsAreAssembledAndAbortsDropped) {
  PgoutputAssembler assembler;
  const std::string start_first = Bytes('S').I32(700).U8(1).str();
  const std::string start_again = Bytes('S').I32(700).U8(0).str();
  const std::string stop = Bytes('E').str();
  std::vector<PgTransaction> done = FeedAll(
      assembler, {start_first, Relation(700), Insert("1", "top", 700), Insert("2", "sub", 701),
                  stop,
                  // another transaction commits in between
                  Begin(800, 0x200), Insert("9", "other"), Commit(0x200, 0x210),
                  start_again, Insert("3", "top again", 700), stop,
                  Bytes('A').I32(700).I32(701).str()});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].xid, 800u);
  EXPECT_EQ(assembler.open_streams(), 1u);

  done = FeedAll(assembler, {Bytes('c').I32(700).U8(0).I64(0x300).I64(0x310).I64(5).str()});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].xid, 700u);
  EXPECT_EQ(done[0].end_lsn.ToString(), "0/310");
  std::vector<std::string> ids;
  for (const PgMessage& message : done[0].messages) {
    if (message.type == PgMessage::Type::kInsert) ids.push_back((*message.new_tuple)[0].bytes);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "3"})) << "701 (aborted) is gone";
  EXPECT_EQ(assembler.open_streams(), 0u);

  // A whole streamed transaction aborted: nothing comes out, nothing is held.
  done = FeedAll(assembler, {Bytes('S').I32(900).U8(1).str(), Insert("5", "x", 900), stop,
                             Bytes('A').I32(900).I32(900).str()});
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(assembler.open_streams(), 0u);
}

TEST(PgoutputTest, OrderErrorsAndLooseMessages) {
  PgoutputAssembler assembler;
  Result<std::vector<PgTransaction>> commit = assembler.Feed(Commit(1, 2));
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.status().message(), "pgoutput: Commit without Begin");
  EXPECT_FALSE(assembler.Feed(Insert("1", "a")).ok()) << "a change outside any transaction";
  EXPECT_FALSE(assembler.Feed(Bytes('E').str()).ok()) << "Stream Stop without Start";
  ASSERT_TRUE(assembler.Feed(Bytes('M').U8(0).I64(7).Str("cutover").I32(0).str()).ok());
  ASSERT_TRUE(assembler.Feed(Relation()).ok());
  std::vector<PgMessage> loose = assembler.TakeLoose();
  ASSERT_EQ(loose.size(), 2u);
  EXPECT_EQ(loose[0].type, PgMessage::Type::kMessage);
  EXPECT_EQ(loose[1].type, PgMessage::Type::kRelation);
  EXPECT_TRUE(assembler.TakeLoose().empty());
}

}  // namespace
}  // namespace cutover::postgres
