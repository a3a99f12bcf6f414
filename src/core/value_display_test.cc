// Tests for DisplayValue: the column-aware display form used by `cutover tail`.
#include <gtest/gtest.h>

#include "cutover/schema.h"

namespace cutover {
namespace {

ColumnType Type(SqlType sql_type, Charset charset = Charset::kUtf8) {
  ColumnType type;
  type.type = sql_type;
  type.charset = charset;
  return type;
}

TEST(DisplayValueTest, YearHasFourDigitsLikeTheServer) {
  EXPECT_EQ(DisplayValue(Type(SqlType::kYear), Value::Int(0)), "0000");
  EXPECT_EQ(DisplayValue(Type(SqlType::kYear), Value::Int(1901)), "1901");
  EXPECT_EQ(DisplayValue(Type(SqlType::kYear), Value::UInt(2155)), "2155");
  EXPECT_EQ(DisplayValue(Type(SqlType::kInt), Value::Int(0)), "0");
}

TEST(DisplayValueTest, EnumAndSetLabelsBecomeUtf8) {
  ColumnType latin1_enum = Type(SqlType::kEnum, Charset::kLatin1);
  EXPECT_EQ(DisplayValue(latin1_enum, Value::FromEnum(Enum{1, "caf\xe9"})), "caf\xc3\xa9");
  ColumnType latin1_set = Type(SqlType::kSet, Charset::kLatin1);
  EXPECT_EQ(DisplayValue(latin1_set, Value::FromSet(Set{3, "\xe9,b"})), "\xc3\xa9,b");
  EXPECT_EQ(DisplayValue(Type(SqlType::kEnum), Value::FromEnum(Enum{2, "\xf0\x9f\x98\x80"})),
            "\xf0\x9f\x98\x80");
}

TEST(DisplayValueTest, OtherKindsFollowToDisplay) {
  EXPECT_EQ(DisplayValue(Type(SqlType::kBlob), Value::Bytes(std::string("\0\xff", 2))), "0x00ff");
  EXPECT_EQ(DisplayValue(Type(SqlType::kBit), Value::FromBit(Bit{5, 3})), "5");
  EXPECT_EQ(
      DisplayValue(Type(SqlType::kVarChar, Charset::kLatin1), Value::Str("\xe9", Charset::kLatin1)),
      "\xc3\xa9");
}

}  // namespace
}  // namespace cutover
