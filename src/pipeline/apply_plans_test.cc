// Tests for ApplyPlans over already-loaded source tables: one plan per table in the source's
// order, the narrowed schema, and the target table named as each SQL sink names it.
#include "pipeline/apply_plans.h"

#include <gtest/gtest.h>

namespace cutover::pipeline {
namespace {

TableSchema Schema(const TableId& id, std::vector<std::string> columns) {
  TableSchema schema;
  schema.id = id;
  for (std::string& name : columns) schema.columns.push_back(Column{std::move(name), {}, false});
  schema.key = {0};
  return schema;
}

class ApplyPlansTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.tables = {TableRule{"shop.orders", {}, "", {"total"}, "orders_v2"},
                    TableRule{"shop.*", {}, "", {}, ""}};
    tables_.push_back(SourceTable{Schema({"shop", "orders"}, {"id", "total", "note"}),
                                  Schema({"shop", "orders"}, {"id", "total"}), &spec_.tables[0],
                                  10});
    tables_.push_back(SourceTable{Schema({"shop", "users"}, {"id", "email"}),
                                  Schema({"shop", "users"}, {"id", "email"}), &spec_.tables[1], 5});
  }

  Spec spec_;
  std::vector<SourceTable> tables_;
};

TEST_F(ApplyPlansTest, MariaDbTargetTakesTheTargetDatabaseAndTheRename) {
  spec_.target.kind = TargetKind::kMariaDB;
  spec_.target.connection.database = "shop_new";
  Result<std::vector<TargetTablePlan>> plans = ApplyPlans(spec_, tables_);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  ASSERT_EQ(plans->size(), 2u);
  EXPECT_EQ((*plans)[0].source, (TableId{"shop", "orders"}));
  EXPECT_EQ((*plans)[0].target, (TableId{"shop_new", "orders_v2"}));
  EXPECT_EQ((*plans)[1].target, (TableId{"shop_new", "users"}));
  // The narrowed schema, not the full one: the applier writes only the selected columns.
  ASSERT_EQ((*plans)[0].schema.columns.size(), 2u);
  EXPECT_EQ((*plans)[0].schema.columns[1].name, "total");
}

TEST_F(ApplyPlansTest, MariaDbTargetRefusesAPostgresColumnItCannotHold) {
  spec_.target.kind = TargetKind::kMariaDB;
  ColumnType& type = tables_[0].narrowed.columns[1].type;
  type.postgres = true;
  type.type = SqlType::kDecimal;
  type.precision = 80;
  type.source_name = "numeric(80,0)";
  Result<std::vector<TargetTablePlan>> plans = ApplyPlans(spec_, tables_);
  EXPECT_EQ(plans.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(plans.status().message(),
            "shop.orders: column total is numeric(80,0), which MariaDB/MySQL cannot hold (DECIMAL "
            "has at most 65 digits, 30 after the point): leave it out with the table's `columns` "
            "list, or narrow it on the source");
  spec_.target.kind = TargetKind::kPostgres;  // which has it
  EXPECT_TRUE(ApplyPlans(spec_, tables_).ok());
}

TEST_F(ApplyPlansTest, MariaDbTargetWithoutDatabaseKeepsTheSourceSchema) {
  spec_.target.kind = TargetKind::kMySQL;
  Result<std::vector<TargetTablePlan>> plans = ApplyPlans(spec_, tables_);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  EXPECT_EQ((*plans)[0].target, (TableId{"shop", "orders_v2"}));
}

TEST_F(ApplyPlansTest, PostgresTargetKeepsTheSourceSchemaAndTakesTheRename) {
  spec_.target.kind = TargetKind::kPostgres;
  spec_.target.connection.database = "app";  // the dbname, not a schema
  Result<std::vector<TargetTablePlan>> plans = ApplyPlans(spec_, tables_);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  EXPECT_EQ((*plans)[0].target, (TableId{"shop", "orders_v2"}));
  EXPECT_EQ((*plans)[1].target, (TableId{"shop", "users"}));
}

TEST_F(ApplyPlansTest, NoTablesNoPlans) {
  Result<std::vector<TargetTablePlan>> plans = ApplyPlans(spec_, {});
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  EXPECT_TRUE(plans->empty());
}

}  // namespace
}  // namespace cutover::pipeline
