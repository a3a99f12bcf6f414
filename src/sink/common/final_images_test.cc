// Unit tests of FinalImages: one final image per key whatever schema objects the changes carry.
#include "sink/common/final_images.h"

#include <optional>

#include <gtest/gtest.h>

#include "sink/common/test_support.h"

namespace cutover::sink {
namespace {

// A new object each call, with the same columns: as the log decodes a shape stated again.
std::shared_ptr<const TableSchema> Accounts() {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"shop", "accounts"};
  schema->columns = {Column{"id", ColumnType{}, false}, Column{"n", ColumnType{}, false}};
  schema->key = {0};
  return schema;
}

using FinalPair = std::pair<int64_t, bool>;
FinalPair Image_(int64_t n, bool deleted) { return {n, deleted}; }

Row Image(int64_t id, int64_t n) { return Row{{Value::Int(id), Value::Int(n)}, {}}; }

LoggedChange Upsert(const std::shared_ptr<const TableSchema>& schema, int64_t id, int64_t n) {
  LoggedChange logged;
  logged.change.table = schema->id;
  logged.change.op = ChangeOp::kUpdate;
  logged.change.before = Image(id, n - 1);
  logged.change.after = Image(id, n);
  logged.change.schema = schema;
  return logged;
}

Result<std::string> KeyText(const TableSchema& schema, const Row& image) {
  return std::to_string(image.values[schema.key[0]].as_int());
}

std::shared_ptr<const TableSchema> NoSchema(const TableId&) { return nullptr; }

// id -> (n, deleted) over every group.
std::map<int64_t, std::pair<int64_t, bool>> Final(const std::vector<TableImages>& tables) {
  std::map<int64_t, std::pair<int64_t, bool>> out;
  for (const TableImages& table : tables) {
    for (const SchemaGroup& group : table.groups) {
      for (const Row* row : group.rows) {
        EXPECT_TRUE(out.emplace(row->values[0].as_int(),
                                std::pair{row->values[1].as_int(), false}).second);
      }
      std::vector<std::string> deleted_keys;
      for (const Row* row : group.deleted) {
        EXPECT_TRUE(out.emplace(row->values[0].as_int(),
                                std::pair{row->values[1].as_int(), true}).second);
        deleted_keys.push_back(std::to_string(row->values[0].as_int()));
      }
      // Each deleted key comes with the text it was keyed by.
      EXPECT_EQ(group.deleted_keys, deleted_keys);
    }
  }
  return out;
}

// The bug this replaced: changes grouped by schema object first, groups written in the order
// they first appeared. Shapes A, B, A (an object freed and its address reused, or a router
// cache keyed by address) put key 1's newest image (n=3, in A) before its older one (n=2, in B).
TEST(FinalImagesTest, AKeysLastImageWinsAcrossAlternatingSchemaObjects) {
  std::shared_ptr<const TableSchema> a = Accounts();
  std::shared_ptr<const TableSchema> b = Accounts();
  std::vector<LoggedChange> batch = {Upsert(a, 1, 1), Upsert(b, 1, 2), Upsert(a, 1, 3),
                                     Upsert(b, 2, 7)};
  Result<BatchImages> images = FinalImages(batch, KeyText, NoSchema);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  ASSERT_EQ(images->tables.size(), 1u);
  auto final_images = Final(images->tables);
  EXPECT_EQ(final_images[1], Image_(3, false));
  EXPECT_EQ(final_images[2], Image_(7, false));
  // Key 1's final image follows schema a, key 2's schema b: one group each.
  ASSERT_EQ(images->tables[0].groups.size(), 2u);
  EXPECT_EQ(images->tables[0].groups[0].schema, a);
  EXPECT_EQ(images->tables[0].groups[0].rows.size(), 1u);
}

TEST(FinalImagesTest, KeyChangesDeletesAndReinsertsEndAtTheLastChange) {
  std::shared_ptr<const TableSchema> a = Accounts();
  LoggedChange moved = Upsert(a, 5, 1);  // id 4 -> 5
  moved.change.before = Image(4, 0);
  LoggedChange removed;
  removed.change.table = a->id;
  removed.change.op = ChangeOp::kDelete;
  removed.change.before = Image(5, 1);
  removed.change.schema = Accounts();
  LoggedChange back = Upsert(Accounts(), 4, 9);
  back.change.op = ChangeOp::kInsert;
  back.change.before.reset();
  LoggedChange statement;
  statement.change.table = a->id;
  statement.change.op = ChangeOp::kDdl;  // followed by the reader, not written here
  std::vector<LoggedChange> batch = {moved, statement, removed, back};
  Result<BatchImages> images = FinalImages(batch, KeyText, NoSchema);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  auto final_images = Final(images->tables);
  ASSERT_EQ(final_images.size(), 2u);
  EXPECT_EQ(final_images[4], Image_(9, false));
  EXPECT_EQ(final_images[5], Image_(1, true));
}

TEST(FinalImagesTest, AChangeWithoutSchemaUsesThePlansAndTablesKeepTheirOrder) {
  std::shared_ptr<const TableSchema> plan = Accounts();
  LoggedChange other = Upsert(Accounts(), 1, 1);
  other.change.table = TableId{"shop", "other"};
  LoggedChange bare = Upsert(Accounts(), 2, 2);
  bare.change.schema = nullptr;
  std::vector<LoggedChange> batch = {other, bare};
  Result<BatchImages> images = FinalImages(batch, KeyText, [&](const TableId&) { return plan; });
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  ASSERT_EQ(images->tables.size(), 2u);
  EXPECT_EQ(images->tables[0].table.name, "other");
  EXPECT_EQ(images->tables[1].groups[0].schema, plan);
  EXPECT_EQ(FinalImages(std::vector<LoggedChange>{bare}, KeyText, NoSchema).status().code(),
            StatusCode::kInternal);
}

// Partial images: sink::testing::Documents(), whose `doc` an update may leave absent.
using testing::Documents;

Row Doc(int64_t id, int64_t n, std::optional<std::string> doc) {
  return testing::Document(id, n, std::move(doc));
}

LoggedChange DocChange(ChangeOp op, std::optional<Row> before, std::optional<Row> after) {
  LoggedChange logged;
  logged.change.table = TableId{"shop", "docs"};
  logged.change.op = op;
  logged.change.before = std::move(before);
  logged.change.after = std::move(after);
  logged.change.schema = Documents();  // a new object each time, as the log decodes shapes
  return logged;
}

// The key alone, as PostgreSQL's old tuple of a key change carries it (REPLICA IDENTITY DEFAULT).
Row OldKey(int64_t id) {
  return Row{{Value::Int(id), Value::Null(), Value::Null()}, {true, false, false}};
}

// What a batch writes, stretch after stretch ("|"): "upsert 1 n=3 doc=a", "update 1 n=4" (a
// partial image: only the present columns), "delete 2", "move 1->2 n=5".
std::string Writes(std::span<const LoggedChange> batch) {
  Result<BatchImages> images = FinalImages(batch, KeyText, NoSchema);
  EXPECT_TRUE(images.ok()) << images.status().ToString();
  if (!images.ok()) return "error";
  auto columns = [](const Row& row) {
    std::string text = "n=" + std::to_string(row.values[1].as_int());
    if (row.IsPresent(2)) {
      text += " doc=" + (row.values[2].is_null() ? std::string("NULL") : row.values[2].ToText());
    }
    return text;
  };
  std::string out;
  for (const TableImages& table : images->tables) {
    if (!out.empty()) out += " | ";
    std::string stretch;
    auto add = [&](const std::string& write) { stretch += (stretch.empty() ? "" : ", ") + write; };
    for (const SchemaGroup& group : table.groups) {
      for (const Row* row : group.deleted) add("delete " + std::to_string(row->values[0].as_int()));
      for (const Row* row : group.rows) {
        EXPECT_FALSE(IsPartial(*row));
        add("upsert " + std::to_string(row->values[0].as_int()) + " " + columns(*row));
      }
      for (const Row* row : group.partial) {
        EXPECT_TRUE(IsPartial(*row));
        add("update " + std::to_string(row->values[0].as_int()) + " " + columns(*row));
      }
      for (const PartialMove& move : group.moves) {
        add("move " + std::to_string(move.from->values[0].as_int()) + "->" +
            std::to_string(move.to->values[0].as_int()) + " " + columns(*move.to));
      }
    }
    out += stretch;
  }
  return out;
}

TEST(FinalImagesTest, APartialUpdateAloneStaysPartial) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 2, std::nullopt))};
  EXPECT_EQ(Writes(batch), "update 1 n=2");
}

TEST(FinalImagesTest, APartialUpdateAfterAnInsertOrAFullUpdateIsFull) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kInsert, std::nullopt, Doc(1, 1, "big")),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 2, std::nullopt)),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(2, 1, "other")),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(2, 5, std::nullopt)),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(2, 6, std::nullopt))};
  EXPECT_EQ(Writes(batch), "upsert 1 n=2 doc=big, upsert 2 n=6 doc=other");
}

TEST(FinalImagesTest, PartialAfterPartialIsTheUnionLaterWins) {
  // doc present but NULL in the first update, absent in the second: the union keeps NULL.
  Row set_null = Doc(1, 2, std::nullopt);
  set_null.present = {true, false, true};
  Row only_n = Doc(1, 3, std::nullopt);
  std::vector<LoggedChange> batch = {DocChange(ChangeOp::kUpdate, std::nullopt, set_null),
                                     DocChange(ChangeOp::kUpdate, std::nullopt, only_n)};
  EXPECT_EQ(Writes(batch), "upsert 1 n=3 doc=NULL");  // every column known now
  Row n_only = Doc(1, 4, std::nullopt);
  std::vector<LoggedChange> partial = {
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 3, std::nullopt)),
      DocChange(ChangeOp::kUpdate, std::nullopt, n_only)};
  EXPECT_EQ(Writes(partial), "update 1 n=4");
}

TEST(FinalImagesTest, AFullImageReplacesAndADeleteEnds) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 2, std::nullopt)),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 3, "new")),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(2, 3, std::nullopt)),
      DocChange(ChangeOp::kDelete, OldKey(2), std::nullopt)};
  EXPECT_EQ(Writes(batch), "upsert 1 n=3 doc=new, delete 2");
}

// A partial image of a key deleted earlier in the batch (only a row filter makes one: the row
// enters it): applied after the delete, in a stretch of its own.
TEST(FinalImagesTest, APartialImageAfterADeleteIsWrittenAfterIt) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kDelete, OldKey(1), std::nullopt),
      DocChange(ChangeOp::kInsert, std::nullopt, Doc(1, 2, std::nullopt))};
  EXPECT_EQ(Writes(batch), "delete 1 | update 1 n=2");
}

TEST(FinalImagesTest, APartialKeyChangeTakesTheOldKeysFullImage) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kInsert, std::nullopt, Doc(1, 1, "big")),
      DocChange(ChangeOp::kUpdate, OldKey(1), Doc(2, 2, std::nullopt))};
  EXPECT_EQ(Writes(batch), "delete 1, upsert 2 n=2 doc=big");
}

TEST(FinalImagesTest, APartialKeyChangeWithoutTheOldRowIsAMoveBetweenStretches) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(3, 1, "x")),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 1, std::nullopt)),
      DocChange(ChangeOp::kUpdate, OldKey(1), Doc(2, 2, std::nullopt)),
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(2, 3, std::nullopt)),
      DocChange(ChangeOp::kInsert, std::nullopt, Doc(1, 9, "again"))};
  EXPECT_EQ(Writes(batch),
            "upsert 3 n=1 doc=x, update 1 n=1 | move 1->2 n=2 | update 2 n=3, upsert 1 n=9 "
            "doc=again");
}

TEST(FinalImagesTest, AFullKeyChangeDeletesTheOldKey) {
  std::vector<LoggedChange> batch = {
      DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 1, std::nullopt)),
      DocChange(ChangeOp::kUpdate, OldKey(1), Doc(2, 2, "all"))};
  EXPECT_EQ(Writes(batch), "delete 1, upsert 2 n=2 doc=all");
}

// Images of different columns (a column added between them) are not merged by position.
TEST(FinalImagesTest, APartialImageAcrossAColumnChangeIsNotMerged) {
  LoggedChange insert = DocChange(ChangeOp::kInsert, std::nullopt, Doc(1, 1, "big"));
  auto narrow = std::make_shared<TableSchema>(*Documents());
  narrow->columns.back().name = "other";
  insert.change.schema = narrow;
  std::vector<LoggedChange> batch = {
      insert, DocChange(ChangeOp::kUpdate, std::nullopt, Doc(1, 2, std::nullopt))};
  EXPECT_EQ(Writes(batch), "upsert 1 n=1 doc=big | update 1 n=2");
}

}  // namespace
}  // namespace cutover::sink
