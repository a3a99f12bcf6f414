// Unit tests of FinalImages: one final image per key whatever schema objects the changes carry.
#include "sink/common/final_images.h"

#include <gtest/gtest.h>

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
  Result<std::vector<TableImages>> images = FinalImages(batch, KeyText, NoSchema);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  ASSERT_EQ(images->size(), 1u);
  auto final_images = Final(*images);
  EXPECT_EQ(final_images[1], Image_(3, false));
  EXPECT_EQ(final_images[2], Image_(7, false));
  // Key 1's final image follows schema a, key 2's schema b: one group each.
  ASSERT_EQ((*images)[0].groups.size(), 2u);
  EXPECT_EQ((*images)[0].groups[0].schema, a);
  EXPECT_EQ((*images)[0].groups[0].rows.size(), 1u);
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
  Result<std::vector<TableImages>> images = FinalImages(batch, KeyText, NoSchema);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  auto final_images = Final(*images);
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
  Result<std::vector<TableImages>> images =
      FinalImages(batch, KeyText, [&](const TableId&) { return plan; });
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  ASSERT_EQ(images->size(), 2u);
  EXPECT_EQ((*images)[0].table.name, "other");
  EXPECT_EQ((*images)[1].groups[0].schema, plan);
  EXPECT_EQ(FinalImages(std::vector<LoggedChange>{bare}, KeyText, NoSchema).status().code(),
            StatusCode::kInternal);
}

}  // namespace
}  // namespace cutover::sink
