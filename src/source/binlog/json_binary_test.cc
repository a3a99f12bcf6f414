// Tests of MySQL binary JSON to text, on documents built by hand from the format description
// (json_binary: a type byte, then objects/arrays of element count, byte size, key entries
// (offset, length), value entries (type, offset or inlined value), keys, values; offsets
// count from the container's first byte after its type byte).
#include "source/binlog/json_binary.h"

#include <gtest/gtest.h>

#include "source/binlog/test_support.h"

namespace cutover::binlog {
namespace {

using testing::Hex;

std::string Text(std::string_view doc) {
  std::string out;
  Status status = JsonBinaryToText(doc, &out);
  return status.ok() ? out : status.ToString();
}

TEST(JsonBinary, SmallObjectWithNestedArray) {
  std::string doc =
      Hex("00"               // small object
          "0200 1e00"        // 2 members, 30 bytes
          "1200 0100"        // key 1 at offset 18, length 1
          "1300 0100"        // key 2 at offset 19, length 1
          "05 0100"          // value 1: int16 1, inlined
          "02 1400"          // value 2: small array at offset 20
          "61 62"            // keys "a", "b"
          "0200 0a00"        // the array: 2 elements, 10 bytes
          "05 0100 05 0200"  // int16 1, int16 2, inlined
      );
  EXPECT_EQ(Text(doc), R"({"a": 1, "b": [1, 2]})");
}

TEST(JsonBinary, LiteralsStringsAndDoubles) {
  std::string doc =
      Hex("02"                               // small array
          "0800 4100"                        // 8 elements, 65 bytes
          "04 0000 04 0100 04 0200"          // null, true, false (inlined literals)
          "0c 1c00"                          // string at 28
          "0b 2100 0b 2900 0b 3100 0b 3900"  // doubles at 33, 41, 49, 57
          "04 78 22 79 0a"                   // length 4: x " y newline
          "000000000000f83f"                 // 1.5
          "000000000000f03f"                 // 1.0
          "7dc39425ad49b254"                 // 1e100
          "000000000000d0bf"                 // -0.25
      );
  EXPECT_EQ(Text(doc), R"([null, true, false, "x\"y\n", 1.5, 1.0, 1e100, -0.25])");
}

TEST(JsonBinary, LargeArrayInlinesInt32) {
  std::string doc =
      Hex("03"                 // large array
          "02000000 12000000"  // 2 elements, 18 bytes
          "07 ffffff7f"        // int32 2147483647, inlined in a large container
          "07 ffffffff");      // int32 -1
  EXPECT_EQ(Text(doc), "[2147483647, -1]");
}

TEST(JsonBinary, SixtyFourBitIntegersAndUint16) {
  std::string doc =
      Hex("02 0300 1b00"        // small array, 3 elements, 27 bytes
          "09 0d00"             // int64 at 13
          "0a 1500"             // uint64 at 21
          "06 ffff"             // uint16 65535, inlined
          "ffffffffffffff7f"    // 9223372036854775807 at 13..20
          "ffffffffffffffff");  // uint64 at 21..28 would overflow 27 bytes
  // The uint64 runs past the array's declared 27 bytes: corrupt.
  EXPECT_EQ(Text(doc).substr(0, 9), "DataLoss:");
  doc[3] = 0x1d;  // 29 bytes: now it fits
  EXPECT_EQ(Text(doc), "[9223372036854775807, 18446744073709551615, 65535]");
}

TEST(JsonBinary, NestedObjectAndStringValue) {
  std::string doc =
      Hex("00 0100 1a00 0b00 0100 00 0c00 6b"    // {"k": <object at 12>}
          "0100 0e00 0b00 0100 0c 0c00 6e 0176"  // {"n": <string at 12: "v">}
      );
  EXPECT_EQ(Text(doc), R"({"k": {"n": "v"}})");
}

TEST(JsonBinary, ScalarDocuments) {
  EXPECT_EQ(Text(Hex("0c 03 616263")), R"("abc")");
  EXPECT_EQ(Text(Hex("05 feff")), "-2");
  EXPECT_EQ(Text(Hex("04 01")), "true");
  EXPECT_EQ(Text(""), "null");
  EXPECT_EQ(Text(Hex("0c 02 01 1f")), R"("\u0001\u001f")");
}

TEST(JsonBinary, OpaqueDecimalAndTemporalValues) {
  // DECIMAL(5,2) 123.45: field type 246, length 5, precision 5, scale 2, packed decimal.
  EXPECT_EQ(Text(Hex("0f f6 05 05 02 807b2d")), "123.45");
  // DATETIME (12) 2015-01-15 23:24:25.5 as MySQL's packed 8-byte integer.
  EXPECT_EQ(Text(Hex("0f 0c 08 20a10719761f9519")), R"("2015-01-15 23:24:25.500000")");
  // DATE (10) 2015-01-15.
  EXPECT_EQ(Text(Hex("0f 0a 08 00000000001e9519")), R"("2015-01-15")");
  // TIME (11) -01:02:03.25.
  EXPECT_EQ(Text(Hex("0f 0b 08 702ffc7cefffffff")), R"("-01:02:03.250000")");
  // Any other opaque type: base64 of the bytes with the type number.
  EXPECT_EQ(Text(Hex("0f 0f 02 6162")), R"("base64:type15:YWI=")");
}

TEST(JsonBinary, CorruptDocumentsAreDataLoss) {
  EXPECT_EQ(Text(Hex("02 0100 0700 0c 6300")),
            "DataLoss: corrupt binary JSON: value outside container");
  EXPECT_EQ(Text(Hex("02 0500 0400")),
            "DataLoss: corrupt binary JSON: container entries outside it");
  EXPECT_EQ(Text(Hex("0d 00")), "DataLoss: corrupt binary JSON: unknown value type 13");
  EXPECT_EQ(Text(Hex("0c 05 6162")), "DataLoss: corrupt binary JSON: string cut short");
  // 101 arrays, each holding the next.
  std::string nested = Hex("0000 0400");
  for (int level = 0; level < 101; ++level) {
    std::string outer = Hex("0100");
    testing::PutLe(&outer, 7 + nested.size(), 2);
    outer += Hex("02 0700") + nested;
    nested = outer;
  }
  EXPECT_EQ(Text(Hex("02") + nested),
            "DataLoss: corrupt binary JSON: nested deeper than 100 levels");
}

TEST(JsonDouble, MysqlFormatting) {
  EXPECT_EQ(JsonDouble(0.0), "0.0");
  EXPECT_EQ(JsonDouble(-3.0), "-3.0");
  EXPECT_EQ(JsonDouble(100.0), "100.0");
  EXPECT_EQ(JsonDouble(0.1), "0.1");
  EXPECT_EQ(JsonDouble(1e100), "1e100");
  EXPECT_EQ(JsonDouble(1.5e-300), "1.5e-300");
  EXPECT_EQ(JsonDouble(1.7976931348623157e308), "1.7976931348623157e308");
}

}  // namespace
}  // namespace cutover::binlog
