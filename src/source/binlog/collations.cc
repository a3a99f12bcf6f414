// Collations: the table of collation ids (from MariaDB 10.11's information_schema.COLLATIONS,
// plus MySQL 8 and MariaDB UCA-14 id ranges) and the lookup.
#include "source/binlog/collations.h"

#include <algorithm>
#include <iterator>

namespace cutover::binlog {
namespace {

struct Entry {
  uint32_t id;
  std::string_view name;
  uint8_t max_bytes;
};

// Every collation MariaDB 10.11 numbers below 2048, sorted by id.
constexpr Entry kCollations[] = {
    {1, "big5_chinese_ci", 2}, {2, "latin2_czech_cs", 1}, {3, "dec8_swedish_ci", 1},
    {4, "cp850_general_ci", 1}, {5, "latin1_german1_ci", 1}, {6, "hp8_english_ci", 1},
    {7, "koi8r_general_ci", 1}, {8, "latin1_swedish_ci", 1}, {9, "latin2_general_ci", 1},
    {10, "swe7_swedish_ci", 1}, {11, "ascii_general_ci", 1}, {12, "ujis_japanese_ci", 3},
    {13, "sjis_japanese_ci", 2}, {14, "cp1251_bulgarian_ci", 1}, {15, "latin1_danish_ci", 1},
    {16, "hebrew_general_ci", 1}, {18, "tis620_thai_ci", 1}, {19, "euckr_korean_ci", 2},
    {20, "latin7_estonian_cs", 1}, {21, "latin2_hungarian_ci", 1}, {22, "koi8u_general_ci", 1},
    {23, "cp1251_ukrainian_ci", 1}, {24, "gb2312_chinese_ci", 2}, {25, "greek_general_ci", 1},
    {26, "cp1250_general_ci", 1}, {27, "latin2_croatian_ci", 1}, {28, "gbk_chinese_ci", 2},
    {29, "cp1257_lithuanian_ci", 1}, {30, "latin5_turkish_ci", 1}, {31, "latin1_german2_ci", 1},
    {32, "armscii8_general_ci", 1}, {33, "utf8mb3_general_ci", 3}, {34, "cp1250_czech_cs", 1},
    {35, "ucs2_general_ci", 2}, {36, "cp866_general_ci", 1}, {37, "keybcs2_general_ci", 1},
    {38, "macce_general_ci", 1}, {39, "macroman_general_ci", 1}, {40, "cp852_general_ci", 1},
    {41, "latin7_general_ci", 1}, {42, "latin7_general_cs", 1}, {43, "macce_bin", 1},
    {44, "cp1250_croatian_ci", 1}, {45, "utf8mb4_general_ci", 4}, {46, "utf8mb4_bin", 4},
    {47, "latin1_bin", 1}, {48, "latin1_general_ci", 1}, {49, "latin1_general_cs", 1},
    {50, "cp1251_bin", 1}, {51, "cp1251_general_ci", 1}, {52, "cp1251_general_cs", 1},
    {53, "macroman_bin", 1}, {54, "utf16_general_ci", 4}, {55, "utf16_bin", 4},
    {56, "utf16le_general_ci", 4}, {57, "cp1256_general_ci", 1}, {58, "cp1257_bin", 1},
    {59, "cp1257_general_ci", 1}, {60, "utf32_general_ci", 4}, {61, "utf32_bin", 4},
    {62, "utf16le_bin", 4}, {63, "binary", 1}, {64, "armscii8_bin", 1},
    {65, "ascii_bin", 1}, {66, "cp1250_bin", 1}, {67, "cp1256_bin", 1},
    {68, "cp866_bin", 1}, {69, "dec8_bin", 1}, {70, "greek_bin", 1},
    {71, "hebrew_bin", 1}, {72, "hp8_bin", 1}, {73, "keybcs2_bin", 1},
    {74, "koi8r_bin", 1}, {75, "koi8u_bin", 1}, {77, "latin2_bin", 1},
    {78, "latin5_bin", 1}, {79, "latin7_bin", 1}, {80, "cp850_bin", 1},
    {81, "cp852_bin", 1}, {82, "swe7_bin", 1}, {83, "utf8mb3_bin", 3},
    {84, "big5_bin", 2}, {85, "euckr_bin", 2}, {86, "gb2312_bin", 2},
    {87, "gbk_bin", 2}, {88, "sjis_bin", 2}, {89, "tis620_bin", 1},
    {90, "ucs2_bin", 2}, {91, "ujis_bin", 3}, {92, "geostd8_general_ci", 1},
    {93, "geostd8_bin", 1}, {94, "latin1_spanish_ci", 1}, {95, "cp932_japanese_ci", 2},
    {96, "cp932_bin", 2}, {97, "eucjpms_japanese_ci", 3}, {98, "eucjpms_bin", 3},
    {99, "cp1250_polish_ci", 1}, {101, "utf16_unicode_ci", 4}, {102, "utf16_icelandic_ci", 4},
    {103, "utf16_latvian_ci", 4}, {104, "utf16_romanian_ci", 4}, {105, "utf16_slovenian_ci", 4},
    {106, "utf16_polish_ci", 4}, {107, "utf16_estonian_ci", 4}, {108, "utf16_spanish_ci", 4},
    {109, "utf16_swedish_ci", 4}, {110, "utf16_turkish_ci", 4}, {111, "utf16_czech_ci", 4},
    {112, "utf16_danish_ci", 4}, {113, "utf16_lithuanian_ci", 4}, {114, "utf16_slovak_ci", 4},
    {115, "utf16_spanish2_ci", 4}, {116, "utf16_roman_ci", 4}, {117, "utf16_persian_ci", 4},
    {118, "utf16_esperanto_ci", 4}, {119, "utf16_hungarian_ci", 4}, {120, "utf16_sinhala_ci", 4},
    {121, "utf16_german2_ci", 4}, {122, "utf16_croatian_mysql561_ci", 4}, {123, "utf16_unicode_520_ci", 4},
    {124, "utf16_vietnamese_ci", 4}, {128, "ucs2_unicode_ci", 2}, {129, "ucs2_icelandic_ci", 2},
    {130, "ucs2_latvian_ci", 2}, {131, "ucs2_romanian_ci", 2}, {132, "ucs2_slovenian_ci", 2},
    {133, "ucs2_polish_ci", 2}, {134, "ucs2_estonian_ci", 2}, {135, "ucs2_spanish_ci", 2},
    {136, "ucs2_swedish_ci", 2}, {137, "ucs2_turkish_ci", 2}, {138, "ucs2_czech_ci", 2},
    {139, "ucs2_danish_ci", 2}, {140, "ucs2_lithuanian_ci", 2}, {141, "ucs2_slovak_ci", 2},
    {142, "ucs2_spanish2_ci", 2}, {143, "ucs2_roman_ci", 2}, {144, "ucs2_persian_ci", 2},
    {145, "ucs2_esperanto_ci", 2}, {146, "ucs2_hungarian_ci", 2}, {147, "ucs2_sinhala_ci", 2},
    {148, "ucs2_german2_ci", 2}, {149, "ucs2_croatian_mysql561_ci", 2}, {150, "ucs2_unicode_520_ci", 2},
    {151, "ucs2_vietnamese_ci", 2}, {159, "ucs2_general_mysql500_ci", 2}, {160, "utf32_unicode_ci", 4},
    {161, "utf32_icelandic_ci", 4}, {162, "utf32_latvian_ci", 4}, {163, "utf32_romanian_ci", 4},
    {164, "utf32_slovenian_ci", 4}, {165, "utf32_polish_ci", 4}, {166, "utf32_estonian_ci", 4},
    {167, "utf32_spanish_ci", 4}, {168, "utf32_swedish_ci", 4}, {169, "utf32_turkish_ci", 4},
    {170, "utf32_czech_ci", 4}, {171, "utf32_danish_ci", 4}, {172, "utf32_lithuanian_ci", 4},
    {173, "utf32_slovak_ci", 4}, {174, "utf32_spanish2_ci", 4}, {175, "utf32_roman_ci", 4},
    {176, "utf32_persian_ci", 4}, {177, "utf32_esperanto_ci", 4}, {178, "utf32_hungarian_ci", 4},
    {179, "utf32_sinhala_ci", 4}, {180, "utf32_german2_ci", 4}, {181, "utf32_croatian_mysql561_ci", 4},
    {182, "utf32_unicode_520_ci", 4}, {183, "utf32_vietnamese_ci", 4}, {192, "utf8mb3_unicode_ci", 3},
    {193, "utf8mb3_icelandic_ci", 3}, {194, "utf8mb3_latvian_ci", 3}, {195, "utf8mb3_romanian_ci", 3},
    {196, "utf8mb3_slovenian_ci", 3}, {197, "utf8mb3_polish_ci", 3}, {198, "utf8mb3_estonian_ci", 3},
    {199, "utf8mb3_spanish_ci", 3}, {200, "utf8mb3_swedish_ci", 3}, {201, "utf8mb3_turkish_ci", 3},
    {202, "utf8mb3_czech_ci", 3}, {203, "utf8mb3_danish_ci", 3}, {204, "utf8mb3_lithuanian_ci", 3},
    {205, "utf8mb3_slovak_ci", 3}, {206, "utf8mb3_spanish2_ci", 3}, {207, "utf8mb3_roman_ci", 3},
    {208, "utf8mb3_persian_ci", 3}, {209, "utf8mb3_esperanto_ci", 3}, {210, "utf8mb3_hungarian_ci", 3},
    {211, "utf8mb3_sinhala_ci", 3}, {212, "utf8mb3_german2_ci", 3}, {213, "utf8mb3_croatian_mysql561_ci", 3},
    {214, "utf8mb3_unicode_520_ci", 3}, {215, "utf8mb3_vietnamese_ci", 3}, {223, "utf8mb3_general_mysql500_ci", 3},
    {224, "utf8mb4_unicode_ci", 4}, {225, "utf8mb4_icelandic_ci", 4}, {226, "utf8mb4_latvian_ci", 4},
    {227, "utf8mb4_romanian_ci", 4}, {228, "utf8mb4_slovenian_ci", 4}, {229, "utf8mb4_polish_ci", 4},
    {230, "utf8mb4_estonian_ci", 4}, {231, "utf8mb4_spanish_ci", 4}, {232, "utf8mb4_swedish_ci", 4},
    {233, "utf8mb4_turkish_ci", 4}, {234, "utf8mb4_czech_ci", 4}, {235, "utf8mb4_danish_ci", 4},
    {236, "utf8mb4_lithuanian_ci", 4}, {237, "utf8mb4_slovak_ci", 4}, {238, "utf8mb4_spanish2_ci", 4},
    {239, "utf8mb4_roman_ci", 4}, {240, "utf8mb4_persian_ci", 4}, {241, "utf8mb4_esperanto_ci", 4},
    {242, "utf8mb4_hungarian_ci", 4}, {243, "utf8mb4_sinhala_ci", 4}, {244, "utf8mb4_german2_ci", 4},
    {245, "utf8mb4_croatian_mysql561_ci", 4}, {246, "utf8mb4_unicode_520_ci", 4}, {247, "utf8mb4_vietnamese_ci", 4},
    {576, "utf8mb3_croatian_ci", 3}, {577, "utf8mb3_myanmar_ci", 3}, {578, "utf8mb3_thai_520_w2", 3},
    {608, "utf8mb4_croatian_ci", 4}, {609, "utf8mb4_myanmar_ci", 4}, {610, "utf8mb4_thai_520_w2", 4},
    {640, "ucs2_croatian_ci", 2}, {641, "ucs2_myanmar_ci", 2}, {642, "ucs2_thai_520_w2", 2},
    {672, "utf16_croatian_ci", 4}, {673, "utf16_myanmar_ci", 4}, {674, "utf16_thai_520_w2", 4},
    {736, "utf32_croatian_ci", 4}, {737, "utf32_myanmar_ci", 4}, {738, "utf32_thai_520_w2", 4},
    {1025, "big5_chinese_nopad_ci", 2}, {1027, "dec8_swedish_nopad_ci", 1}, {1028, "cp850_general_nopad_ci", 1},
    {1030, "hp8_english_nopad_ci", 1}, {1031, "koi8r_general_nopad_ci", 1}, {1032, "latin1_swedish_nopad_ci", 1},
    {1033, "latin2_general_nopad_ci", 1}, {1034, "swe7_swedish_nopad_ci", 1}, {1035, "ascii_general_nopad_ci", 1},
    {1036, "ujis_japanese_nopad_ci", 3}, {1037, "sjis_japanese_nopad_ci", 2}, {1040, "hebrew_general_nopad_ci", 1},
    {1042, "tis620_thai_nopad_ci", 1}, {1043, "euckr_korean_nopad_ci", 2}, {1046, "koi8u_general_nopad_ci", 1},
    {1048, "gb2312_chinese_nopad_ci", 2}, {1049, "greek_general_nopad_ci", 1}, {1050, "cp1250_general_nopad_ci", 1},
    {1052, "gbk_chinese_nopad_ci", 2}, {1054, "latin5_turkish_nopad_ci", 1}, {1056, "armscii8_general_nopad_ci", 1},
    {1057, "utf8mb3_general_nopad_ci", 3}, {1059, "ucs2_general_nopad_ci", 2}, {1060, "cp866_general_nopad_ci", 1},
    {1061, "keybcs2_general_nopad_ci", 1}, {1062, "macce_general_nopad_ci", 1}, {1063, "macroman_general_nopad_ci", 1},
    {1064, "cp852_general_nopad_ci", 1}, {1065, "latin7_general_nopad_ci", 1}, {1067, "macce_nopad_bin", 1},
    {1069, "utf8mb4_general_nopad_ci", 4}, {1070, "utf8mb4_nopad_bin", 4}, {1071, "latin1_nopad_bin", 1},
    {1074, "cp1251_nopad_bin", 1}, {1075, "cp1251_general_nopad_ci", 1}, {1077, "macroman_nopad_bin", 1},
    {1078, "utf16_general_nopad_ci", 4}, {1079, "utf16_nopad_bin", 4}, {1080, "utf16le_general_nopad_ci", 4},
    {1081, "cp1256_general_nopad_ci", 1}, {1082, "cp1257_nopad_bin", 1}, {1083, "cp1257_general_nopad_ci", 1},
    {1084, "utf32_general_nopad_ci", 4}, {1085, "utf32_nopad_bin", 4}, {1086, "utf16le_nopad_bin", 4},
    {1088, "armscii8_nopad_bin", 1}, {1089, "ascii_nopad_bin", 1}, {1090, "cp1250_nopad_bin", 1},
    {1091, "cp1256_nopad_bin", 1}, {1092, "cp866_nopad_bin", 1}, {1093, "dec8_nopad_bin", 1},
    {1094, "greek_nopad_bin", 1}, {1095, "hebrew_nopad_bin", 1}, {1096, "hp8_nopad_bin", 1},
    {1097, "keybcs2_nopad_bin", 1}, {1098, "koi8r_nopad_bin", 1}, {1099, "koi8u_nopad_bin", 1},
    {1101, "latin2_nopad_bin", 1}, {1102, "latin5_nopad_bin", 1}, {1103, "latin7_nopad_bin", 1},
    {1104, "cp850_nopad_bin", 1}, {1105, "cp852_nopad_bin", 1}, {1106, "swe7_nopad_bin", 1},
    {1107, "utf8mb3_nopad_bin", 3}, {1108, "big5_nopad_bin", 2}, {1109, "euckr_nopad_bin", 2},
    {1110, "gb2312_nopad_bin", 2}, {1111, "gbk_nopad_bin", 2}, {1112, "sjis_nopad_bin", 2},
    {1113, "tis620_nopad_bin", 1}, {1114, "ucs2_nopad_bin", 2}, {1115, "ujis_nopad_bin", 3},
    {1116, "geostd8_general_nopad_ci", 1}, {1117, "geostd8_nopad_bin", 1}, {1119, "cp932_japanese_nopad_ci", 2},
    {1120, "cp932_nopad_bin", 2}, {1121, "eucjpms_japanese_nopad_ci", 3}, {1122, "eucjpms_nopad_bin", 3},
    {1125, "utf16_unicode_nopad_ci", 4}, {1147, "utf16_unicode_520_nopad_ci", 4}, {1152, "ucs2_unicode_nopad_ci", 2},
    {1174, "ucs2_unicode_520_nopad_ci", 2}, {1184, "utf32_unicode_nopad_ci", 4}, {1206, "utf32_unicode_520_nopad_ci", 4},
    {1216, "utf8mb3_unicode_nopad_ci", 3}, {1238, "utf8mb3_unicode_520_nopad_ci", 3}, {1248, "utf8mb4_unicode_nopad_ci", 4},
    {1270, "utf8mb4_unicode_520_nopad_ci", 4},};

// MySQL 8 collations with ids MariaDB does not use.
constexpr Entry kMysqlCollations[] = {
    {255, "utf8mb4_0900_ai_ci", 4},
    {278, "utf8mb4_0900_as_cs", 4},
    {305, "utf8mb4_0900_as_ci", 4},
    {309, "utf8mb4_0900_bin", 4},
};

// Id ranges whose collations share a charset (names not tabled).
struct Range {
  uint32_t first, last;
  Charset charset;
  uint8_t max_bytes;
};
constexpr Range kRanges[] = {
    {255, 323, Charset::kUtf8, 4},      // MySQL 8 utf8mb4_*_0900_* collations
    {2048, 2303, Charset::kUtf8, 3},    // MariaDB utf8mb3_uca1400_*
    {2304, 2559, Charset::kUtf8, 4},    // MariaDB utf8mb4_uca1400_*
    {2560, 2815, Charset::kUcs2, 2},    // MariaDB ucs2_uca1400_*
    {2816, 3071, Charset::kUtf16, 4},   // MariaDB utf16_uca1400_*
    {3072, 3327, Charset::kUtf32, 4},   // MariaDB utf32_uca1400_*
};

Charset CharsetOfName(std::string_view name) {
  std::string_view charset = name.substr(0, name.find('_'));
  if (charset == "utf8mb3" || charset == "utf8") return Charset::kUtf8;
  return CharsetFromName(charset);
}

}  // namespace

CollationInfo LookupCollation(uint32_t id) {
  auto it = std::lower_bound(std::begin(kCollations), std::end(kCollations), id,
                             [](const Entry& e, uint32_t v) { return e.id < v; });
  if (it != std::end(kCollations) && it->id == id) {
    return CollationInfo{CharsetOfName(it->name), it->name, it->max_bytes, true};
  }
  for (const Entry& entry : kMysqlCollations) {
    if (entry.id == id) return CollationInfo{Charset::kUtf8, entry.name, entry.max_bytes, true};
  }
  for (const Range& range : kRanges) {
    if (id >= range.first && id <= range.last) {
      return CollationInfo{range.charset, "", range.max_bytes, true};
    }
  }
  return CollationInfo{};
}

}  // namespace cutover::binlog
