#include "source/postgres/pg_changes.h"

#include <charconv>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace cutover::postgres {
namespace {

Column IntColumn(std::string name) {
  Column column;
  column.name = std::move(name);
  column.type.type = SqlType::kInt;
  column.type.source_name = "integer";
  return column;
}

Column TextColumn(std::string name) {
  Column column;
  column.name = std::move(name);
  column.type.type = SqlType::kText;
  column.type.source_name = "text";
  return column;
}

// The catalog: public.docs (id integer primary key, title text, body text [, extra integer]).
TableSchema Docs(bool with_extra = false) {
  TableSchema schema;
  schema.id = TableId{"public", "docs"};
  schema.columns = {IntColumn("id"), TextColumn("title"), TextColumn("body")};
  if (with_extra) schema.columns.push_back(IntColumn("extra"));
  schema.key = {0};
  schema.key_index = "docs_pkey";
  return schema;
}

Value Parse(const ColumnType& type, std::string_view text) {
  if (type.type == SqlType::kInt) {
    int64_t number = 0;
    std::from_chars(text.data(), text.data() + text.size(), number);
    return Value::Int(number);
  }
  return Value::Str(std::string(text));
}

PgRelation DocsRelation(uint32_t oid = 16384, bool with_extra = false) {
  PgRelation relation;
  relation.oid = oid;
  relation.schema = "public";
  relation.name = "docs";
  relation.columns = {{true, "id", 23, -1}, {false, "title", 25, -1}, {false, "body", 25, -1}};
  if (with_extra) relation.columns.push_back({false, "extra", 23, -1});
  return relation;
}

PgColumnValue T(std::string text) { return {PgColumnValue::Kind::kText, std::move(text)}; }
const PgColumnValue kNull{PgColumnValue::Kind::kNull, ""};
const PgColumnValue kUnchanged{PgColumnValue::Kind::kUnchanged, ""};

PgMessage Relation(PgRelation relation) {
  PgMessage message;
  message.type = PgMessage::Type::kRelation;
  message.relation = std::move(relation);
  return message;
}

PgMessage Data(PgMessage::Type type, uint32_t oid, std::optional<PgTuple> new_tuple,
               char old_kind = 0, std::optional<PgTuple> old_tuple = std::nullopt) {
  PgMessage message;
  message.type = type;
  message.relation.oid = oid;
  message.new_tuple = std::move(new_tuple);
  message.old_kind = old_kind;
  message.old_tuple = std::move(old_tuple);
  return message;
}

// "op table before -> after" with absent values as "-".
std::string Describe(const Change& change) {
  auto image = [](const std::optional<Row>& row) {
    if (!row) return std::string("none");
    std::string out;
    for (size_t i = 0; i < row->values.size(); ++i) {
      if (!out.empty()) out += ",";
      out += !row->IsPresent(i) ? "-" : row->values[i].is_null() ? "null" : row->values[i].ToText();
    }
    return out;
  };
  return fmt::format("{} {} {} -> {}", ChangeOpName(change.op), change.table.ToString(),
                     image(change.before), image(change.after));
}

class PgChangeBuilderTest : public ::testing::Test {
 protected:
  PgChangeBuilder Builder() {
    PgCatalog catalog;
    catalog.schema = [this](const TableId& table) -> Result<TableSchema> {
      ++loads_;
      if (table.name != "docs") return Status::NotFound("no such table");
      return catalog_;
    };
    // int4 and text, by their OIDs; varchar(n) (1043) with its typmod n + 4.
    catalog.type = [](uint32_t type_oid, int32_t typmod) -> Result<ColumnType> {
      if (type_oid == 23) return IntColumn("").type;
      if (type_oid == 25) return TextColumn("").type;
      if (type_oid == 1043) {
        ColumnType type;
        type.type = SqlType::kVarChar;
        type.length = static_cast<uint32_t>(typmod - 4);
        type.source_name = fmt::format("character varying({})", type.length);
        return type;
      }
      return Status::NotFound(fmt::format("no type with OID {}", type_oid));
    };
    catalog.existing = [this](const TableId&, const std::string& column) -> Result<ExistingRows> {
      auto found = existing_.find(column);
      if (found != existing_.end()) return found->second;
      return ExistingRows{false, std::nullopt, "column " + column + ": DEFAULT random()"};
    };
    if (known_at_start_) {
      catalog.shape_before = [this](const TableId& table) {
        return known_at_start_->contains(table) ? std::make_shared<const TableSchema>(catalog_)
                                                : std::shared_ptr<const TableSchema>();
      };
    }
    return PgChangeBuilder(
        std::move(catalog),
        [](const ColumnType& type, std::string_view text) -> Result<Value> {
          return Parse(type, text);
        },
        [](const TableId& table) { return table.name == "docs"; });
  }

  std::vector<std::string> Build(PgChangeBuilder& builder, std::vector<PgMessage> messages) {
    PgTransaction transaction;
    transaction.messages = std::move(messages);
    std::vector<std::string> out;
    Status status =
        builder.Build(transaction, Position::FromLsn(Lsn(0x100)), [&](const Change& change) {
          out.push_back(Describe(change));
          EXPECT_EQ(change.position, Position::FromLsn(Lsn(0x100)));
          return Status::Ok();
        });
    if (!status.ok()) out.push_back("error: " + std::string(status.message()));
    return out;
  }

  // The changes of one transaction of `messages` (none after an error, which fails the test).
  std::vector<Change> BuildChanges(PgChangeBuilder& builder, std::vector<PgMessage> messages) {
    PgTransaction transaction;
    transaction.messages = std::move(messages);
    std::vector<Change> changes;
    Status status =
        builder.Build(transaction, Position::FromLsn(Lsn(0x100)), [&](const Change& change) {
          changes.push_back(change);
          return Status::Ok();
        });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return changes;
  }

  TableSchema catalog_ = Docs();
  // The tables the stream knew when it started (PgCatalog::shape_before); unset: none given.
  std::optional<std::set<TableId>> known_at_start_;
  std::map<std::string, ExistingRows> existing_;  // by column; others: not known
  int loads_ = 0;
};

TEST_F(PgChangeBuilderTest, AnUnchangedToastValueIsAbsentNeverNull) {
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  std::vector<std::string> changes = Build(
      builder,
      {Relation(DocsRelation()), Data(Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("big")}),
       // The body did not change and is TOASTed: pgoutput sends 'u'.
       Data(Type::kUpdate, 16384, PgTuple{T("1"), T("b"), kUnchanged}),
       // A NULL title is NULL, not absent.
       Data(Type::kUpdate, 16384, PgTuple{T("1"), kNull, T("new")}),
       // The key changed: the old key comes as a key-only tuple.
       Data(Type::kUpdate, 16384, PgTuple{T("2"), T("c"), kUnchanged}, 'K',
            PgTuple{T("1"), kNull, kNull}),
       Data(Type::kDelete, 16384, std::nullopt, 'K', PgTuple{T("2"), kNull, kNull})});
  EXPECT_EQ(changes, (std::vector<std::string>{
                         "insert public.docs none -> 1,a,big",
                         "update public.docs none -> 1,b,-",
                         "update public.docs none -> 1,null,new",
                         "update public.docs 1,-,- -> 2,c,-",
                         "delete public.docs 2,-,- -> none",
                     }));
}

TEST_F(PgChangeBuilderTest, AFullOldRowIsTheBeforeImage) {
  PgChangeBuilder builder = Builder();
  std::vector<std::string> changes =
      Build(builder, {Relation(DocsRelation()), Data(PgMessage::Type::kDelete, 16384, std::nullopt,
                                                     'O', PgTuple{T("3"), T("t"), T("b")})});
  EXPECT_EQ(changes, (std::vector<std::string>{"delete public.docs 3,t,b -> none"}));
}

// REPLICA IDENTITY FULL: the old row comes whole, TOASTed values included, so the new row's
// unchanged value is the old row's and the after image is whole (a resumed copy may then go on
// within such a table, Copier::PrepareTable). A key-only old row completes nothing.
TEST_F(PgChangeBuilderTest, AWholeOldRowCompletesTheNewRowsUnchangedValues) {
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  std::vector<std::string> changes =
      Build(builder, {Relation(DocsRelation()),
                      Data(Type::kUpdate, 16384, PgTuple{T("4"), T("new"), kUnchanged}, 'O',
                           PgTuple{T("3"), T("old"), T("big")}),
                      Data(Type::kUpdate, 16384, PgTuple{T("5"), T("new"), kUnchanged}, 'K',
                           PgTuple{T("4"), kNull, kNull})});
  EXPECT_EQ(changes, (std::vector<std::string>{
                         "update public.docs 3,old,big -> 4,new,big",
                         "update public.docs 4,-,- -> 5,new,-",
                     }));
}

TEST_F(PgChangeBuilderTest, AChangedRelationIsASchemaChangeBeforeTheTablesNextChange) {
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  EXPECT_EQ(Build(builder, {Relation(DocsRelation()),
                            Data(Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("b")})}),
            (std::vector<std::string>{"insert public.docs none -> 1,a,b"}));
  // The same relation sent again (a new walsender session): no schema change.
  ASSERT_TRUE(builder.Take(Relation(DocsRelation())).ok());
  EXPECT_EQ(Build(builder, {Data(Type::kInsert, 16384, PgTuple{T("2"), T("a"), T("b")})}),
            (std::vector<std::string>{"insert public.docs none -> 2,a,b"}));
  // A column added: the new shape comes first.
  catalog_ = Docs(/*with_extra=*/true);
  std::vector<std::string> changes =
      Build(builder, {Relation(DocsRelation(16384, true)),
                      Data(Type::kInsert, 16384, PgTuple{T("3"), T("a"), T("b"), T("7")})});
  EXPECT_EQ(changes, (std::vector<std::string>{"schema public.docs none -> -,-,-,-",
                                               "insert public.docs none -> 3,a,b,7"}));
}

TEST_F(PgChangeBuilderTest, UnselectedTablesAreSkippedWithoutACatalogLookup) {
  PgChangeBuilder builder = Builder();
  PgRelation other = DocsRelation(20000);
  other.name = "audit";
  std::vector<std::string> changes = Build(
      builder,
      {Relation(other), Data(PgMessage::Type::kInsert, 20000, PgTuple{T("1"), T("a"), T("b")})});
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(loads_, 0);
}

TEST_F(PgChangeBuilderTest, TheStreamsOwnColumnsWinOverTheCatalogsLaterOnes) {
  // The catalog already has `extra` (added after these changes were written): the changes keep
  // the relation's three columns.
  catalog_ = Docs(/*with_extra=*/true);
  PgChangeBuilder builder = Builder();
  EXPECT_EQ(Build(builder, {Relation(DocsRelation()), Data(PgMessage::Type::kInsert, 16384,
                                                           PgTuple{T("1"), T("a"), T("b")})}),
            (std::vector<std::string>{"insert public.docs none -> 1,a,b"}));
}

TEST_F(PgChangeBuilderTest, AColumnTheCatalogNoLongerHasIsTypedFromTheRelation) {
  // `gone` was dropped after these changes were written: the changes still carry it, typed from
  // the Relation's type OID.
  PgChangeBuilder builder = Builder();
  PgRelation relation = DocsRelation();
  relation.columns.push_back({false, "gone", 23, -1});
  std::shared_ptr<const TableSchema> shape;
  PgTransaction transaction;
  transaction.messages = {Relation(relation), Data(PgMessage::Type::kInsert, 16384,
                                                   PgTuple{T("1"), T("a"), T("b"), T("9")})};
  ASSERT_TRUE(builder
                  .Build(transaction, Position::FromLsn(Lsn(0x100)),
                         [&](const Change& change) {
                           shape = change.schema;
                           EXPECT_EQ(change.after->values[3], Value::Int(9));
                           return Status::Ok();
                         })
                  .ok());
  ASSERT_NE(shape, nullptr);
  ASSERT_EQ(shape->columns.size(), 4u);
  EXPECT_EQ(shape->columns[3].type.source_name, "integer");
  EXPECT_TRUE(shape->columns[3].nullable);
  EXPECT_EQ(shape->key, std::vector<size_t>{0});
}

// The catalog is ahead of the stream: title became varchar(50), but the Relation (of changes
// written before that) still says varchar(10), and so do the changes' shapes.
TEST_F(PgChangeBuilderTest, TypesComeFromTheRelationNotTheCatalogsPresent) {
  catalog_.columns[1].type.source_name = "character varying(50)";
  catalog_.columns[1].nullable = false;
  PgChangeBuilder builder = Builder();
  PgRelation relation = DocsRelation();
  relation.columns[1] = {false, "title", 1043, 14};
  std::vector<std::shared_ptr<const TableSchema>> shapes;
  std::vector<std::string> ops;
  auto build = [&](std::vector<PgMessage> messages) {
    PgTransaction transaction;
    transaction.messages = std::move(messages);
    ASSERT_TRUE(builder
                    .Build(transaction, Position::FromLsn(Lsn(0x100)),
                           [&](const Change& change) {
                             shapes.push_back(change.schema);
                             ops.push_back(Describe(change) + " | " + change.statement);
                             return Status::Ok();
                           })
                    .ok());
  };
  build(
      {Relation(relation), Data(PgMessage::Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("b")})});
  ASSERT_EQ(shapes.size(), 1u);
  EXPECT_EQ(shapes[0]->columns[1].type.source_name, "character varying(10)");
  EXPECT_EQ(shapes[0]->columns[1].type.length, 10u);
  EXPECT_FALSE(shapes[0]->columns[1].nullable);  // the catalog's, for a column first seen
  // The widening arrives: a kSchema change, then the change in the new shape, whose title keeps
  // the nullability it had (the stream does not send it; the catalog's may be later still).
  catalog_.columns[1].nullable = true;
  relation.columns[1] = {false, "title", 1043, 54};
  build(
      {Relation(relation), Data(PgMessage::Type::kInsert, 16384, PgTuple{T("2"), T("a"), T("b")})});
  ASSERT_EQ(shapes.size(), 3u);
  EXPECT_EQ(ops[1],
            "schema public.docs none -> -,-,- | public.docs now has columns (id integer, "
            "title character varying(50) NOT NULL, body text)");
  EXPECT_EQ(shapes[1], shapes[2]);
  EXPECT_EQ(shapes[2]->columns[1].type.length, 50u);
  EXPECT_FALSE(shapes[2]->columns[1].nullable);
}

// An added column: the kSchema change's image holds the value the rows that existed then got on
// the source where the catalog tells it (the missing value of a constant DEFAULT, NULL without
// a default), and the description says why where it cannot.
TEST_F(PgChangeBuilderTest, AnAddedColumnCarriesTheValueOfTheRowsItWasAddedTo) {
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  EXPECT_EQ(Build(builder, {Relation(DocsRelation()),
                            Data(Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("b")})}),
            (std::vector<std::string>{"insert public.docs none -> 1,a,b"}));
  catalog_ = Docs(/*with_extra=*/true);
  existing_["extra"] = ExistingRows{true, "7", ""};
  PgRelation relation = DocsRelation(16384, true);
  relation.columns.push_back({false, "note", 25, -1});
  relation.columns.push_back({false, "noisy", 23, -1});
  existing_["note"] = ExistingRows{true, std::nullopt, ""};
  std::vector<std::string> statements;
  PgTransaction transaction;
  transaction.messages = {
      Relation(relation),
      Data(Type::kInsert, 16384, PgTuple{T("3"), T("a"), T("b"), T("8"), kNull, T("1")})};
  std::vector<std::string> changes;
  ASSERT_TRUE(builder
                  .Build(transaction, Position::FromLsn(Lsn(0x200)),
                         [&](const Change& change) {
                           changes.push_back(Describe(change));
                           statements.push_back(change.statement);
                           return Status::Ok();
                         })
                  .ok());
  EXPECT_EQ(changes, (std::vector<std::string>{"schema public.docs none -> -,-,-,7,null,-",
                                               "insert public.docs none -> 3,a,b,8,null,1"}));
  EXPECT_EQ(statements[0],
            "public.docs now has columns (id integer, title text, body text, extra integer, note "
            "text, noisy integer); column noisy: DEFAULT random()");
}

TEST_F(PgChangeBuilderTest, ATruncateOfASelectedTable) {
  PgChangeBuilder builder = Builder();
  PgMessage truncate;
  truncate.type = PgMessage::Type::kTruncate;
  truncate.truncated = {16384};
  EXPECT_EQ(Build(builder, {Relation(DocsRelation()), truncate}),
            (std::vector<std::string>{"truncate public.docs none -> none"}));
}

TEST_F(PgChangeBuilderTest, AFenceMessageIsAMarkerInsertOtherMessagesAreNothing) {
  PgChangeBuilder builder = Builder();
  PgMessage fence;
  fence.type = PgMessage::Type::kMessage;
  fence.transactional = true;
  fence.prefix = "cutover_fence";
  fence.content = "0123abcd";
  PgMessage other = fence;
  other.prefix = "someone_else";
  EXPECT_EQ(Build(builder, {other, fence}),
            (std::vector<std::string>{"insert .cutover_fence none -> 0123abcd"}));
}

TEST_F(PgChangeBuilderTest, AWatermarkMessageIsAWatermarkInsertOfIdAndPhase) {
  PgChangeBuilder builder = Builder();
  PgMessage low;
  low.type = PgMessage::Type::kMessage;
  low.transactional = true;
  low.prefix = "cutover_watermarks";
  low.content = WatermarkMessage("low", "00ff");
  PgMessage high = low;
  high.content = WatermarkMessage("high", "00ff");
  PgMessage malformed = low;
  malformed.content = "middle 00ff";
  PgMessage untransactional = low;
  untransactional.transactional = false;
  EXPECT_EQ(Build(builder, {low, malformed, untransactional, high}),
            (std::vector<std::string>{"insert .cutover_watermarks none -> 00ff,low",
                                      "insert .cutover_watermarks none -> 00ff,high"}));
}

TEST(WatermarkMarkerTest, ReadsOnlyLowOrHighWithAnId) {
  EXPECT_EQ(WatermarkMessage("high", "abc"), "high abc");
  EXPECT_TRUE(WatermarkMarker("low abc", Position()).has_value());
  EXPECT_FALSE(WatermarkMarker("low", Position()).has_value());
  EXPECT_FALSE(WatermarkMarker("low ", Position()).has_value());
  EXPECT_FALSE(WatermarkMarker("lowabc", Position()).has_value());
  EXPECT_FALSE(WatermarkMarker("", Position()).has_value());
}

TEST_F(PgChangeBuilderTest, AChangeBeforeItsRelationIsDataLoss) {
  PgChangeBuilder builder = Builder();
  EXPECT_EQ(
      Build(builder, {Data(PgMessage::Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("b")})}),
      (std::vector<std::string>{"error: pgoutput sent a change of relation OID 16384 "
                                "before that relation's Relation message"}));
}

PgMessage NewTableAnnounced(const TableId& table) {
  PgMessage message;
  message.type = PgMessage::Type::kMessage;
  message.transactional = true;
  message.prefix = std::string(kNewTablePrefix);
  message.content = NewTableMessage(table);
  return message;
}

TEST_F(PgChangeBuilderTest, ATableTheStreamDidNotKnowIsANewTableBeforeItsFirstChange) {
  known_at_start_.emplace();  // docs was created since
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  EXPECT_EQ(Build(builder, {Relation(DocsRelation()),
                            Data(Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("b")}),
                            Data(Type::kInsert, 16384, PgTuple{T("2"), T("a"), T("b")})}),
            (std::vector<std::string>{
                "ddl public.docs none -> none",
                "insert public.docs none -> 1,a,b",
                "insert public.docs none -> 2,a,b",
            }));
  // Announced once: the poll's message that comes later is nothing more.
  EXPECT_EQ(Build(builder, {NewTableAnnounced(TableId{"public", "docs"})}),
            std::vector<std::string>{});
}

TEST_F(PgChangeBuilderTest, ANewTablesAnnouncementIsANewTableWithoutAnyChange) {
  known_at_start_.emplace();
  PgChangeBuilder builder = Builder();
  std::vector<Change> changes =
      BuildChanges(builder, {NewTableAnnounced(TableId{"public", "docs"}),
                             NewTableAnnounced(TableId{"public", "other"})});  // not selected
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].op, ChangeOp::kDdl);
  EXPECT_EQ(changes[0].table, (TableId{"public", "docs"}));
  EXPECT_EQ(changes[0].statement, "CREATE TABLE `public`.`docs`");
  ASSERT_NE(changes[0].schema, nullptr);  // the change log keeps every change with a shape
  EXPECT_EQ(changes[0].schema->id, (TableId{"public", "docs"}));
  // A table known at the start is no new table.
  known_at_start_ = std::set<TableId>{TableId{"public", "docs"}};
  PgChangeBuilder known = Builder();
  EXPECT_EQ(Build(known, {Relation(DocsRelation()),
                          Data(PgMessage::Type::kInsert, 16384, PgTuple{T("1"), T("a"), T("b")})}),
            std::vector<std::string>{"insert public.docs none -> 1,a,b"});
}

TEST_F(PgChangeBuilderTest, ANullInANotNullColumnMakesItNullableBeforeTheChange) {
  catalog_.columns[1].nullable = false;  // title NOT NULL when the stream started
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  std::vector<Change> changes =
      BuildChanges(builder, {Relation(DocsRelation()),
                             Data(Type::kInsert, 16384, PgTuple{T("1"), T("a"), kNull}),
                             Data(Type::kInsert, 16384, PgTuple{T("2"), kNull, T("b")}),
                             Data(Type::kUpdate, 16384, PgTuple{T("2"), kNull, T("c")})});
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].op, ChangeOp::kInsert);
  EXPECT_FALSE(changes[0].schema->columns[1].nullable);
  // The source dropped NOT NULL: said once, before the first NULL.
  EXPECT_EQ(changes[1].op, ChangeOp::kSchema);
  EXPECT_TRUE(changes[1].schema->columns[1].nullable);
  EXPECT_EQ(changes[1].statement,
            "NOT NULL dropped from title on the source (a NULL arrived); public.docs now has "
            "columns (id integer, title text, body text)");
  EXPECT_EQ(changes[2].op, ChangeOp::kInsert);
  EXPECT_EQ(changes[2].schema, changes[1].schema);
  EXPECT_EQ(changes[3].op, ChangeOp::kUpdate);
  EXPECT_EQ(changes[3].schema, changes[1].schema);
}

TEST(NewTableMessageTest, NamesAnyTableUnambiguously) {
  EXPECT_EQ(NewTableMessage(TableId{"a:b", "c`d"}), "3:a:bc`d");
  EXPECT_EQ(NewTableChange(TableId{"a:b", "c`d"}, Position()).statement,
            "CREATE TABLE `a:b`.`c``d`");
}

PgColumnValue B(std::string bytes) { return {PgColumnValue::Kind::kBinary, std::move(bytes)}; }

TEST_F(PgChangeBuilderTest, BinaryValuesAreReadByTheBinaryParserTextOnesByTheTextParser) {
  PgChangeBuilder builder = Builder();
  using Type = PgMessage::Type;
  // Without a binary parser a binary value is refused, never guessed.
  EXPECT_EQ(Build(builder, {Relation(DocsRelation()),
                            Data(Type::kInsert, 16384,
                                 PgTuple{B(std::string("\0\0\0\x07", 4)), T("a"), T("b")})}),
            (std::vector<std::string>{"error: public.docs.id: a binary-format value where the "
                                      "stream asked for text values"}));
  // int4's send form is 4 big-endian bytes; a type without a send function still comes as text.
  builder.ReadBinaryWith([](const ColumnType& type, std::string_view bytes) -> Result<Value> {
    if (type.type != SqlType::kInt || bytes.size() != 4) {
      return Status::InvalidArgument("cannot read binary as " + type.source_name);
    }
    uint32_t number = 0;
    for (char byte : bytes) number = number << 8 | static_cast<uint8_t>(byte);
    return Value::Int(static_cast<int32_t>(number));
  });
  EXPECT_EQ(
      Build(
          builder,
          {Data(Type::kInsert, 16384,
                PgTuple{B(std::string("\xff\xff\xff\xfe", 4)), T("a"), kNull}),
           Data(Type::kUpdate, 16384, PgTuple{B(std::string("\0\0\0\x07", 4)), T("b"), kUnchanged}),
           Data(Type::kInsert, 16384, PgTuple{B(std::string("\0\x07", 2)), T("c"), T("d")})}),
      (std::vector<std::string>{
          "insert public.docs none -> -2,a,null",
          "update public.docs none -> 7,b,-",
          "error: public.docs.id (integer): cannot read binary as integer",
      }));
}

}  // namespace
}  // namespace cutover::postgres
