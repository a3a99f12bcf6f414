// Tests of value decoding from hand-built bytes: integers, DECIMAL, temporal formats, strings,
// ENUM/SET and BIT, following the storage formats documented for rows events.
#include <gtest/gtest.h>

#include "source/binlog/decimal_binary.h"
#include "source/binlog/table_schema_builder.h"
#include "source/binlog/temporal.h"
#include "source/binlog/test_support.h"
#include "source/binlog/value_decoder.h"

namespace cutover::binlog {
namespace {

using testing::Hex;

BinlogColumn Column(ColumnTypeCode type) {
  BinlogColumn col;
  col.type = col.real_type = type;
  col.name = 'c';  // a char, not "c": GCC 12 at -O3 reports a false -Wrestrict (GCC bug 105329)
  return col;
}

// Decodes `bytes` as one value of `col` (after choosing its op) and renders it with ToText().
std::string Decode(BinlogColumn col, std::string_view bytes, size_t* left = nullptr) {
  TableMap map;
  map.columns.push_back(std::move(col));
  if (!FinishColumns(&map).ok()) return "<bad metadata>";
  ByteReader in(bytes);
  Value value;
  Status status = DecodeValue(map.columns[0], &in, &value);
  if (!status.ok()) return status.ToString();
  if (left) *left = in.remaining();
  return value.ToText();
}

TEST(Integers, SignedAndUnsignedOfEveryWidth) {
  BinlogColumn tiny = Column(ColumnTypeCode::kTiny);
  EXPECT_EQ(Decode(tiny, Hex("80")), "-128");
  tiny.is_unsigned = true;
  EXPECT_EQ(Decode(tiny, Hex("ff")), "255");
  BinlogColumn medium = Column(ColumnTypeCode::kInt24);
  EXPECT_EQ(Decode(medium, Hex("000080")), "-8388608");
  EXPECT_EQ(Decode(medium, Hex("ffff7f")), "8388607");
  medium.is_unsigned = true;
  EXPECT_EQ(Decode(medium, Hex("ffffff")), "16777215");
  BinlogColumn big = Column(ColumnTypeCode::kLongLong);
  EXPECT_EQ(Decode(big, Hex("0000000000000080")), "-9223372036854775808");
  big.is_unsigned = true;
  EXPECT_EQ(Decode(big, Hex("ffffffffffffffff")), "18446744073709551615");
  EXPECT_EQ(Decode(big, Hex("ffff")), "DataLoss: value of column c cut short");
}

TEST(Decimal, SizesFollowTheNineDigitGroups) {
  EXPECT_EQ(DecimalBinarySize(5, 2), 3u);   // 3 integer digits: 2 bytes; 2 fraction: 1 byte
  EXPECT_EQ(DecimalBinarySize(14, 4), 7u);  // 10 integer digits: 1 + 4; 4 fraction: 2
  EXPECT_EQ(DecimalBinarySize(65, 30), 30u);
  EXPECT_EQ(DecimalBinarySize(66, 0), 0u);
}

TEST(Decimal, DecodesPositiveAndNegativeValues) {
  // DECIMAL(5,2) 123.45: 0x007b (123) with the sign bit set, then 0x2d (45).
  EXPECT_EQ(DecodeDecimalBinary(Hex("807b2d"), 5, 2)->ToString(), "123.45");
  // -123.45: every bit inverted.
  EXPECT_EQ(DecodeDecimalBinary(Hex("7f84d2"), 5, 2)->ToString(), "-123.45");
  // DECIMAL(14,4) 1234567890.1234: 0x01 | 234567890 = 0x0dfb38d2 | 1234 = 0x04d2.
  EXPECT_EQ(DecodeDecimalBinary(Hex("810dfb38d204d2"), 14, 4)->ToString(), "1234567890.1234");
  // Zero keeps its scale and is never negative.
  EXPECT_EQ(DecodeDecimalBinary(Hex("800000"), 5, 2)->ToString(), "0.00");
  // DECIMAL(2,2) -0.50: no integer digits.
  EXPECT_EQ(DecodeDecimalBinary(Hex("4d"), 2, 2)->ToString(), "-0.50");
}

TEST(Decimal, RejectsGroupsWithTooManyDigits) {
  // 0xffff (0x7fff = 32767 once the sign bit is flipped) in a 4-digit group: too many digits.
  EXPECT_EQ(DecodeDecimalBinary(Hex("ffff"), 4, 0).status().ToString(),
            "DataLoss: corrupt DECIMAL digits group");
  EXPECT_EQ(DecodeDecimalBinary(Hex("80"), 5, 2).status().ToString(),
            "DataLoss: DECIMAL(5,2) needs 3 bytes, got 1");
}

TEST(Temporal, CivilDatesFromDayNumbers) {
  EXPECT_EQ(Value::FromDate(CivilFromDays(0)).ToText(), "1970-01-01");
  EXPECT_EQ(Value::FromDate(CivilFromDays(-1)).ToText(), "1969-12-31");
  EXPECT_EQ(Value::FromDate(CivilFromDays(11016)).ToText(), "2000-02-29");
  EXPECT_EQ(Value::FromDate(CivilFromDays(2932896)).ToText(), "9999-12-31");
}

TEST(Temporal, Time2WithNegativeFractions) {
  BinlogColumn time = Column(ColumnTypeCode::kTime2);
  // -01:02:03: 0x800000 - (1<<12 | 2<<6 | 3) = 0x7fef7d
  EXPECT_EQ(Decode(time, Hex("7fef7d")), "-01:02:03");
  time.fsp = 3;
  // -00:00:00.001: integer part -1 (0x7fffff), fraction 0xfff6 (-10 hundredths of a ms).
  EXPECT_EQ(Decode(time, Hex("7fffff fff6")), "-00:00:00.001");
  time.fsp = 6;
  // -838:59:59.999999 in the 6-byte form.
  EXPECT_EQ(Decode(time, Hex("4b9104f0bdc1")), "-838:59:59.999999");
  time.fsp = 1;
  EXPECT_EQ(Decode(time, Hex("800000")), "DataLoss: value of column c cut short");
}

TEST(Temporal, DateTime2AndTimestamp2) {
  BinlogColumn datetime = Column(ColumnTypeCode::kDateTime2);
  // ((2024*13+2)<<5 | 29) << 17 | (12<<12 | 34<<6 | 56), plus 0x8000000000.
  EXPECT_EQ(Decode(datetime, Hex("99b2bac8b8")), "2024-02-29 12:34:56");
  datetime.fsp = 2;
  EXPECT_EQ(Decode(datetime, Hex("99b2bac8b8 32")), "2024-02-29 12:34:56.50");
  BinlogColumn timestamp = Column(ColumnTypeCode::kTimestamp2);
  timestamp.fsp = 4;
  // 1709251199 seconds = 2024-02-29 23:59:59 UTC, fraction 0x1e61 = 7777 ten-thousandths.
  EXPECT_EQ(Decode(timestamp, Hex("65e11a7f 1e61")), "2024-02-29 23:59:59.7777");
  EXPECT_EQ(Decode(timestamp, Hex("00000000 0000")), "0000-00-00 00:00:00.0000");
}

TEST(Temporal, OldFormats) {
  // DATE: 2024-00-10 = 2024<<9 | 0<<5 | 10
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kDate), Hex("0ad00f")), "2024-00-10");
  // TIME: -10203 (-01:02:03) as 3 bytes little-endian two's complement.
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kTime), Hex("25d8ff")), "-01:02:03");
  // DATETIME: 20240229123456 as 8 bytes little-endian.
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kDateTime), Hex("80c5aa8b68120000")),
            "2024-02-29 12:34:56");
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kTimestamp), Hex("7f1ae165")), "2024-02-29 23:59:59");
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kYear), Hex("ff")), "2155");
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kYear), Hex("00")), "0");
}

TEST(Strings, CharStripsPaddingAndBinaryKeepsIt) {
  BinlogColumn text = Column(ColumnTypeCode::kString);
  ApplyStringMetadata(0xfe, 40, &text);  // CHAR of 40 bytes
  text.has_charset = true;
  EXPECT_EQ(Decode(text, Hex("04 61622020")), "ab");
  BinlogColumn ucs2 = text;
  ucs2.charset = Charset::kUcs2;
  EXPECT_EQ(Decode(ucs2, Hex("04 00610020")), std::string("\0a", 2));
  BinlogColumn binary = Column(ColumnTypeCode::kString);
  ApplyStringMetadata(0xfe, 4, &binary);
  binary.has_charset = true;
  binary.binary = true;
  EXPECT_EQ(Decode(binary, Hex("01 61")), std::string("a\0\0\0", 4));
}

TEST(Strings, LongCharHidesLengthBitsInTheRealType) {
  // CHAR(255) in utf8mb4 = 1020 bytes = 0x3fc: real type 0xfe ^ 0x30 = 0xce, length byte 0xfc.
  BinlogColumn col = Column(ColumnTypeCode::kString);
  ApplyStringMetadata(0xce, 0xfc, &col);
  EXPECT_EQ(col.real_type, ColumnTypeCode::kString);
  EXPECT_EQ(col.max_bytes, 1020u);
  EXPECT_EQ(col.length_bytes, 2);
  col.has_charset = true;
  size_t left = 9;
  EXPECT_EQ(Decode(col, Hex("0300 78797a ff"), &left), "xyz");
  EXPECT_EQ(left, 1u);
}

TEST(Strings, BlobLengthsOfOneToFourBytes) {
  BinlogColumn blob = Column(ColumnTypeCode::kBlob);
  blob.length_bytes = 3;
  EXPECT_EQ(Decode(blob, Hex("020000 0001")), std::string("\0\1", 2));
  blob.length_bytes = 4;
  EXPECT_EQ(Decode(blob, Hex("05000000 0001")), "DataLoss: value of column c cut short");
  blob.length_bytes = 5;
  EXPECT_EQ(Decode(blob, Hex("00")), "<bad metadata>");
}

TEST(EnumSetBit, LabelsAndBits) {
  BinlogColumn e = Column(ColumnTypeCode::kString);
  ApplyStringMetadata(0xf7, 2, &e);  // ENUM with a 2-byte index
  e.labels = {"a", "b", "c"};
  EXPECT_EQ(Decode(e, Hex("0300")), "c");
  EXPECT_EQ(Decode(e, Hex("0000")), "");
  EXPECT_EQ(Decode(e, Hex("0400")), "DataLoss: ENUM index 4 of column c beyond its 3 labels");
  BinlogColumn s = Column(ColumnTypeCode::kString);
  ApplyStringMetadata(0xf8, 1, &s);  // SET with a 1-byte mask
  s.labels = {"x", "y", "z"};
  EXPECT_EQ(Decode(s, Hex("05")), "x,z");
  EXPECT_EQ(Decode(s, Hex("08")), "DataLoss: SET bit 3 of column c beyond its 3 members");
  BinlogColumn bit = Column(ColumnTypeCode::kBit);
  bit.bit_width = 12;
  TableMap map;
  map.columns.push_back(bit);
  ASSERT_TRUE(FinishColumns(&map).ok());
  std::string bytes = Hex("0fff");
  ByteReader in(bytes);
  Value v;
  ASSERT_TRUE(DecodeValue(map.columns[0], &in, &v).ok());
  EXPECT_EQ(v.as_bit().bits, 4095u);
  EXPECT_EQ(v.as_bit().width, 12);
  EXPECT_EQ(v.ToDisplay(), "4095");
}

TEST(Floats, FloatAndDouble) {
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kFloat), Hex("0000c03f")), "1.5");
  EXPECT_EQ(Decode(Column(ColumnTypeCode::kDouble), Hex("9a9999999999b93f")), "0.1");
}

TEST(Unsupported, CompressedColumnsAreUnimplemented) {
  BinlogColumn col = Column(ColumnTypeCode::kBlobCompressed);
  col.length_bytes = 2;
  EXPECT_EQ(Decode(col, Hex("0000")),
            "Unimplemented: column c has binlog type 141, which cutover does not decode");
}

}  // namespace
}  // namespace cutover::binlog
