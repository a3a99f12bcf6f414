// Tests for Position: parsing, exact error messages, round trips at edge values and ordering.
#include "cutover/position.h"

#include <string>

#include <gtest/gtest.h>

namespace cutover {
namespace {

Position Decoded(std::string_view text) {
  Result<Position> position = Position::Decode(text);
  EXPECT_TRUE(position.ok()) << text << ": " << position.status().ToString();
  return position.value_or(Position());
}

Position Parsed(std::string_view text) {
  Result<Position> position = Position::Parse(text);
  EXPECT_TRUE(position.ok()) << text << ": " << position.status().ToString();
  return position.value_or(Position());
}

std::string DecodeError(std::string_view text) {
  Result<Position> position = Position::Decode(text);
  EXPECT_FALSE(position.ok()) << text << " decoded as " << position.value_or({}).Encode();
  EXPECT_EQ(position.status().code(), StatusCode::kInvalidArgument);
  return std::string(position.status().message());
}

std::string ParseError(std::string_view text) {
  Result<Position> position = Position::Parse(text);
  EXPECT_FALSE(position.ok()) << text << " parsed as " << position.value_or({}).Encode();
  return std::string(position.status().message());
}

PositionOrder Order(std::string_view a, std::string_view b) {
  return Decoded(a).Compare(Decoded(b));
}

// ---- GTID ----

TEST(GtidTest, ParsesAndPrints) {
  Result<Gtid> gtid = Gtid::Parse("0-1-42");
  ASSERT_TRUE(gtid.ok());
  EXPECT_EQ(*gtid, (Gtid{0, 1, 42}));
  EXPECT_EQ(gtid->ToString(), "0-1-42");
}

TEST(GtidTest, RejectsMalformedWithExactMessages) {
  EXPECT_EQ(Gtid::Parse("0-1").status().message(),
            "invalid GTID: \"0-1\" is not <domain>-<server>-<seqno>");
  EXPECT_EQ(Gtid::Parse("0-1-x").status().message(),
            "invalid GTID: \"0-1-x\" is not <domain>-<server>-<seqno>");
  EXPECT_EQ(Gtid::Parse("0-1-2-3").status().message(),
            "invalid GTID: \"0-1-2-3\" is not <domain>-<server>-<seqno>");
  EXPECT_EQ(Gtid::Parse("-1-2").status().message(),
            "invalid GTID: \"-1-2\" is not <domain>-<server>-<seqno>");
  EXPECT_EQ(Gtid::Parse("4294967296-1-2").status().message(),
            "invalid GTID: domain 4294967296 in \"4294967296-1-2\" is out of range (at most "
            "4294967295)");
  EXPECT_EQ(Gtid::Parse("0-4294967296-2").status().message(),
            "invalid GTID: server 4294967296 in \"0-4294967296-2\" is out of range (at most "
            "4294967295)");
  EXPECT_EQ(Gtid::Parse("0-1-18446744073709551616").status().message(),
            "invalid GTID: seqno 18446744073709551616 in \"0-1-18446744073709551616\" is out of "
            "range (at most 18446744073709551615)");
}

TEST(GtidPositionTest, ParsesMariaDbFormatInAnyDomainOrder) {
  Result<GtidPosition> position = GtidPosition::Parse("1-2-7, 0-1-42,\n5-3-1");
  ASSERT_TRUE(position.ok()) << position.status().ToString();
  EXPECT_EQ(position->ToString(), "0-1-42,1-2-7,5-3-1");
  ASSERT_EQ(position->gtids().size(), 3u);
  EXPECT_EQ(position->Find(1), (Gtid{1, 2, 7}));
  EXPECT_EQ(position->Find(2), std::nullopt);
}

TEST(GtidPositionTest, EmptyTextIsTheEmptyPosition) {
  Result<GtidPosition> position = GtidPosition::Parse("  ");
  ASSERT_TRUE(position.ok());
  EXPECT_TRUE(position->empty());
  EXPECT_EQ(position->ToString(), "");
}

TEST(GtidPositionTest, RejectsDuplicateDomainAndEmptyEntry) {
  EXPECT_EQ(GtidPosition::Parse("0-1-2,1-1-1,0-3-4").status().message(),
            "invalid GTID position \"0-1-2,1-1-1,0-3-4\": domain 0 appears twice (\"0-1-2\" and "
            "\"0-3-4\")");
  EXPECT_EQ(GtidPosition::Parse("0-1-2,").status().message(),
            "invalid GTID position \"0-1-2,\": \"\" is not <domain>-<server>-<seqno>");
}

TEST(GtidPositionTest, AdvanceReplacesTheDomainEntryOrAddsIt) {
  GtidPosition position;
  position.Advance(1, 2, 7);
  position.Advance(0, 1, 41);
  position.Advance(0, 1, 42);
  EXPECT_EQ(position.ToString(), "0-1-42,1-2-7");
  position.Advance(0, 3, 43);  // a failover: another server continues the domain
  EXPECT_EQ(position.ToString(), "0-3-43,1-2-7");
}

TEST(GtidPositionTest, ContainsTransactionsAtOrBeforeItsDomainSeqno) {
  GtidPosition position = GtidPosition::Parse("0-1-42,1-2-7").value();
  EXPECT_TRUE(position.Contains({0, 1, 42}));
  EXPECT_TRUE(position.Contains({0, 1, 1}));
  EXPECT_TRUE(position.Contains({0, 9, 41}));  // seqno decides, not the server
  EXPECT_FALSE(position.Contains({0, 1, 43}));
  EXPECT_FALSE(position.Contains({2, 1, 1}));  // domain never seen
}

TEST(GtidPositionTest, ComparesPerDomain) {
  auto order = [](std::string_view a, std::string_view b) {
    return GtidPosition::Parse(a).value().Compare(GtidPosition::Parse(b).value());
  };
  EXPECT_EQ(order("0-1-42", "0-1-42"), PositionOrder::kEqual);
  EXPECT_EQ(order("0-1-41", "0-1-42"), PositionOrder::kLess);
  EXPECT_EQ(order("0-1-43", "0-1-42"), PositionOrder::kGreater);
  EXPECT_EQ(order("0-1-42", "0-1-42,1-2-7"), PositionOrder::kLess);
  EXPECT_EQ(order("0-1-42,1-2-7", "0-1-42"), PositionOrder::kGreater);
  EXPECT_EQ(order("0-1-43,1-2-6", "0-1-42,1-2-7"), PositionOrder::kUnordered);
  EXPECT_EQ(order("0-1-42", "1-2-7"), PositionOrder::kUnordered);
  EXPECT_EQ(order("", "0-1-1"), PositionOrder::kLess);
  EXPECT_EQ(order("", ""), PositionOrder::kEqual);
  EXPECT_EQ(order("0-1-9", "0-1-10"), PositionOrder::kLess);        // numeric, not lexical
  EXPECT_EQ(order("0-3-43", "0-1-42"), PositionOrder::kGreater);    // after a failover
  EXPECT_EQ(order("0-2-42", "0-1-42"), PositionOrder::kUnordered);  // two histories
}

// ---- binlog file:offset ----

TEST(BinlogFilePositionTest, ParsesFileAndOffset) {
  Result<BinlogFilePosition> position = BinlogFilePosition::Parse("mysql-bin.000042:1234");
  ASSERT_TRUE(position.ok()) << position.status().ToString();
  EXPECT_EQ(position->file(), "mysql-bin.000042");
  EXPECT_EQ(position->base(), "mysql-bin");
  EXPECT_EQ(position->sequence(), 42u);
  EXPECT_EQ(position->offset(), 1234u);
  EXPECT_EQ(position->ToString(), "mysql-bin.000042:1234");
}

TEST(BinlogFilePositionTest, RejectsMalformedWithExactMessages) {
  EXPECT_EQ(BinlogFilePosition::Parse("mysql-bin.000042").status().message(),
            "invalid binlog position \"mysql-bin.000042\": expected <file>:<offset> (e.g. "
            "mysql-bin.000042:1234)");
  EXPECT_EQ(BinlogFilePosition::Parse("mysql-bin:12").status().message(),
            "invalid binlog position \"mysql-bin:12\": file name \"mysql-bin\" is not "
            "<base>.<number> (e.g. mysql-bin.000042)");
  EXPECT_EQ(BinlogFilePosition::Parse(".000042:12").status().message(),
            "invalid binlog position \".000042:12\": file name \".000042\" is not "
            "<base>.<number> (e.g. mysql-bin.000042)");
  EXPECT_EQ(BinlogFilePosition::Parse("mysql-bin.000042:12x").status().message(),
            "invalid binlog position \"mysql-bin.000042:12x\": offset \"12x\" is not a decimal "
            "number");
  EXPECT_EQ(BinlogFilePosition::Parse("mysql-bin.000042:").status().message(),
            "invalid binlog position \"mysql-bin.000042:\": offset \"\" is not a decimal number");
  EXPECT_EQ(BinlogFilePosition::Parse("b.1:18446744073709551616").status().message(),
            "invalid binlog position \"b.1:18446744073709551616\": offset 18446744073709551616 "
            "is out of range (at most 18446744073709551615)");
  EXPECT_EQ(BinlogFilePosition::Make("mysql-bin.00004a", 4).status().message(),
            "invalid binlog position: file name \"mysql-bin.00004a\" is not <base>.<number> "
            "(e.g. mysql-bin.000042)");
}

TEST(BinlogFilePositionTest, OrdersByFileNumberNumericallyThenOffset) {
  auto order = [](std::string_view a, std::string_view b) {
    return BinlogFilePosition::Parse(a).value().Compare(BinlogFilePosition::Parse(b).value());
  };
  EXPECT_EQ(order("mysql-bin.000010:4", "mysql-bin.000009:999999"), PositionOrder::kGreater);
  EXPECT_EQ(order("mysql-bin.000009:4", "mysql-bin.000009:5"), PositionOrder::kLess);
  EXPECT_EQ(order("mysql-bin.000009:5", "mysql-bin.000009:5"), PositionOrder::kEqual);
  // The rollover from six to seven digits.
  EXPECT_EQ(order("mysql-bin.1000000:4", "mysql-bin.999999:4"), PositionOrder::kGreater);
  EXPECT_EQ(order("mysql-bin.000042:4", "mysql-bin.42:4"), PositionOrder::kEqual);
  EXPECT_EQ(order("mysql-bin.000042:4", "other-bin.000043:4"), PositionOrder::kUnordered);
}

// ---- LSN ----

TEST(LsnTest, PrintsThePostgresWay) {
  EXPECT_EQ(Lsn(0).ToString(), "0/0");
  EXPECT_EQ(Lsn(0x16B374D848).ToString(), "16/B374D848");
  EXPECT_EQ(Lsn(0x0000000100000001).ToString(), "1/1");
  EXPECT_EQ(Lsn(UINT64_MAX).ToString(), "FFFFFFFF/FFFFFFFF");
}

TEST(LsnTest, ParsesEitherCaseAndLeadingZeros) {
  EXPECT_EQ(Lsn::Parse("16/b374d848").value(), Lsn(0x16B374D848));
  EXPECT_EQ(Lsn::Parse("00000016/0000D848").value(), Lsn(0x160000D848));
  EXPECT_LT(Lsn::Parse("9/FFFFFFFF").value(), Lsn::Parse("A/0").value());
}

TEST(LsnTest, RejectsMalformedWithExactMessages) {
  constexpr std::string_view kTail =
      ": expected <hex>/<hex> with 1 to 8 hex digits per half (e.g. 16/B374D848)";
  for (std::string_view bad : {"16B374D848", "/1", "1/", "1/2/3", "G/1", "123456789/0", "-1/0"}) {
    EXPECT_EQ(Lsn::Parse(bad).status().message(),
              "invalid LSN \"" + std::string(bad) + "\"" + std::string(kTail));
  }
}

// ---- Position: encode / decode ----

TEST(PositionTest, EncodeDecodeRoundTripsEdgeValues) {
  for (std::string_view text : {
           "none",
           "gtid:",
           "gtid:0-1-42",
           "gtid:0-1-18446744073709551615",
           "gtid:0-0-0,4294967295-4294967295-18446744073709551615",
           "file:mysql-bin.000042:1234",
           "file:mysql-bin.000001:0",
           "file:mysql-bin.1000000:4",
           "file:mysql-bin.123456789:18446744073709551615",
           "file:/var/lib/mysql/log:bin.000003:9",
           "gtid:0-1-42;file:mysql-bin.000042:1234",
           "gtid:;file:mysql-bin.000042:1234",
           "lsn:0/0",
           "lsn:16/B374D848",
           "lsn:FFFFFFFF/FFFFFFFF",
       }) {
    Position position = Decoded(text);
    EXPECT_EQ(position.Encode(), text);
    EXPECT_EQ(Decoded(position.Encode()), position) << text;
  }
}

TEST(PositionTest, DecodedPartsAreAccessible) {
  Position both = Decoded("gtid:1-2-7,0-1-42;file:mysql-bin.000042:1234");
  EXPECT_TRUE(both.has_gtid());
  EXPECT_TRUE(both.has_file());
  EXPECT_FALSE(both.has_lsn());
  EXPECT_EQ(both.gtid().ToString(), "0-1-42,1-2-7");
  EXPECT_EQ(both.file().offset(), 1234u);
  EXPECT_EQ(both.Encode(), "gtid:0-1-42,1-2-7;file:mysql-bin.000042:1234");
  Position lsn = Decoded("lsn:ffffffff/ffffffff");
  EXPECT_EQ(lsn.lsn().value(), UINT64_MAX);
  EXPECT_TRUE(Decoded("none").empty());
}

TEST(PositionTest, DecodeRejectsMalformedWithExactMessages) {
  EXPECT_EQ(DecodeError(""),
            "invalid position \"\": expected gtid:<gtids>, gtidset:<mysql gtid set>, "
            "file:<file>:<offset>, gtid:<gtids>;file:<file>:<offset>, lsn:<hex>/<hex> or none");
  EXPECT_EQ(DecodeError("0-1-42"),
            "invalid position \"0-1-42\": expected gtid:<gtids>, gtidset:<mysql gtid set>, "
            "file:<file>:<offset>, gtid:<gtids>;file:<file>:<offset>, lsn:<hex>/<hex> or none");
  EXPECT_EQ(DecodeError("gtid:0-1"),
            "invalid GTID position \"0-1\": \"0-1\" is not <domain>-<server>-<seqno>");
  EXPECT_EQ(DecodeError("gtid:0-1-2;mysql-bin.000001:4"),
            "invalid position \"gtid:0-1-2;mysql-bin.000001:4\": expected "
            "\"file:<file>:<offset>\" after \";\"");
  EXPECT_EQ(DecodeError("file:mysql-bin.000001"),
            "invalid binlog position \"mysql-bin.000001\": expected <file>:<offset> (e.g. "
            "mysql-bin.000042:1234)");
  EXPECT_EQ(DecodeError("lsn:1/100000000"),
            "invalid LSN \"1/100000000\": expected <hex>/<hex> with 1 to 8 hex digits per half "
            "(e.g. 16/B374D848)");
  EXPECT_EQ(DecodeError(" lsn:0/0"),
            "invalid position \" lsn:0/0\": expected gtid:<gtids>, gtidset:<mysql gtid set>, "
            "file:<file>:<offset>, gtid:<gtids>;file:<file>:<offset>, lsn:<hex>/<hex> or none");
}

// ---- Position: user-facing forms ----

TEST(PositionTest, ParseReadsBareFormsByShape) {
  EXPECT_EQ(Parsed("16/B374D848").Encode(), "lsn:16/B374D848");
  EXPECT_EQ(Parsed("0-1-42, 1-2-7").Encode(), "gtid:0-1-42,1-2-7");
  EXPECT_EQ(Parsed("mysql-bin.000042:1234").Encode(), "file:mysql-bin.000042:1234");
  EXPECT_EQ(Parsed("mysql-bin.000042").Encode(), "file:mysql-bin.000042:4");
  EXPECT_EQ(Parsed(" lsn:0/0 ").Encode(), "lsn:0/0");
  EXPECT_EQ(Parsed("gtid:0-1-42;file:mysql-bin.000042:1234").Encode(),
            "gtid:0-1-42;file:mysql-bin.000042:1234");
}

TEST(PositionTest, ParseReportsTheErrorOfTheShapeItRecognised) {
  EXPECT_EQ(ParseError("16/XYZ"),
            "invalid LSN \"16/XYZ\": expected <hex>/<hex> with 1 to 8 hex digits per half (e.g. "
            "16/B374D848)");
  EXPECT_EQ(ParseError("0-1"),
            "invalid GTID position \"0-1\": \"0-1\" is not "
            "<domain>-<server>-<seqno>");
  EXPECT_EQ(ParseError("mysql-bin.000042:x"),
            "invalid binlog position \"mysql-bin.000042:x\": offset \"x\" is not a decimal "
            "number");
  EXPECT_EQ(ParseError("yesterday"),
            "cannot read position \"yesterday\": expected a GTID position (0-1-42,1-2-7), a "
            "MySQL GTID set (3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5), a binlog file position "
            "(mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)");
  EXPECT_EQ(ParseError("42"),
            "cannot read position \"42\": expected a GTID position (0-1-42,1-2-7), a MySQL GTID "
            "set (3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5), a binlog file position "
            "(mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)");
}

// ---- Position: ordering and updates ----

TEST(PositionTest, OrdersWithinAKindAndNotAcrossKinds) {
  EXPECT_EQ(Order("lsn:16/B374D848", "lsn:16/B374D849"), PositionOrder::kLess);
  EXPECT_EQ(Order("lsn:17/0", "lsn:16/FFFFFFFF"), PositionOrder::kGreater);
  EXPECT_EQ(Order("lsn:0/0", "lsn:0/0"), PositionOrder::kEqual);
  EXPECT_EQ(Order("file:b.000010:4", "file:b.000009:8"), PositionOrder::kGreater);
  EXPECT_EQ(Order("gtid:0-1-5", "gtid:0-1-6"), PositionOrder::kLess);
  EXPECT_EQ(Order("lsn:0/1", "gtid:0-1-6"), PositionOrder::kUnordered);
  EXPECT_EQ(Order("none", "lsn:0/0"), PositionOrder::kUnordered);
  EXPECT_EQ(Order("none", "none"), PositionOrder::kEqual);
  EXPECT_EQ(Order("gtid:0-1-6", "file:b.000009:8"), PositionOrder::kUnordered);
}

TEST(PositionTest, CombinedPositionsCompareByGtidFirstThenFile) {
  // GTIDs decide when both have them, even if the files disagree (another server's binlog).
  EXPECT_EQ(Order("gtid:0-1-6;file:b.000001:4", "gtid:0-1-5;file:b.000009:4"),
            PositionOrder::kGreater);
  EXPECT_EQ(Order("gtid:0-1-6;file:b.000001:4", "file:b.000009:4"), PositionOrder::kLess);
  EXPECT_EQ(Order("gtid:0-1-6", "gtid:0-1-6;file:b.000009:4"), PositionOrder::kEqual);
  EXPECT_TRUE(Decoded("gtid:0-1-7;file:b.1:4").IsAfter(Decoded("gtid:0-1-6")));
  EXPECT_FALSE(Decoded("gtid:0-1-6").IsAfter(Decoded("gtid:0-1-6")));
  EXPECT_TRUE(Decoded("gtid:0-1-6").IsAtOrAfter(Decoded("gtid:0-1-6")));
  EXPECT_FALSE(Decoded("gtid:1-1-6").IsAtOrAfter(Decoded("gtid:0-1-6")));
}

TEST(PositionTest, AdvanceAndSetFileFollowTheBinlog) {
  Position position;
  ASSERT_TRUE(position.Advance(0, 1, 42).ok());
  ASSERT_TRUE(position.SetFile(BinlogFilePosition::Make("mysql-bin.000042", 1234).value()).ok());
  ASSERT_TRUE(position.Advance(0, 1, 43).ok());
  EXPECT_EQ(position.Encode(), "gtid:0-1-43;file:mysql-bin.000042:1234");
  EXPECT_TRUE(position.Contains({0, 1, 43}));
  EXPECT_FALSE(position.Contains({0, 1, 44}));
  EXPECT_FALSE(Decoded("lsn:0/1").Contains({0, 1, 1}));
}

TEST(PositionTest, AdvanceOnAnLsnPositionIsRefused) {
  Position position = Position::FromLsn(Lsn(0x16B374D848));
  Status status = position.Advance(0, 1, 42);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "cannot advance PostgreSQL position 16/B374D848 by GTID 0-1-42");
  status = position.SetFile(BinlogFilePosition::Make("b.000001", 4).value());
  EXPECT_EQ(status.message(),
            "cannot set binlog position b.000001:4 on PostgreSQL position 16/B374D848");
  EXPECT_EQ(position.Encode(), "lsn:16/B374D848");
}

TEST(PositionTest, OrderNamesAreStable) {
  EXPECT_EQ(PositionOrderName(PositionOrder::kLess), "less");
  EXPECT_EQ(PositionOrderName(PositionOrder::kEqual), "equal");
  EXPECT_EQ(PositionOrderName(PositionOrder::kGreater), "greater");
  EXPECT_EQ(PositionOrderName(PositionOrder::kUnordered), "unordered");
}

// MySQL GTID sets, as @@gtid_executed and SHOW MASTER STATUS print them (MySQL reference
// manual, "GTID Sets"): UUIDs in any case, ranges and single numbers, line breaks after commas.
TEST(GtidSetTest, ParsesMySqlsFormsAndPrintsTheCanonicalOne) {
  GtidSet set = GtidSet::Parse(
                    "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:11-18,\n"
                    "2174B383-5441-11E8-B90A-C80AA9429562:1-3")
                    .value();
  EXPECT_EQ(set.ToString(),
            "2174b383-5441-11e8-b90a-c80aa9429562:1-3,3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:"
            "11-18");
  // Overlapping, adjacent and unordered intervals merge; a single number prints bare.
  EXPECT_EQ(GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:7:1-3:4-5:3").value().ToString(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7");
  EXPECT_TRUE(GtidSet::Parse("").value().empty());
  EXPECT_TRUE(GtidSet::Parse("  ").value().empty());
}

TEST(GtidSetTest, BadSetsNameThePart) {
  EXPECT_EQ(GtidSet::Parse("3e11fa47:1-5").status().message(),
            "invalid GTID set \"3e11fa47:1-5\": \"3e11fa47:1-5\" is not <uuid>:<n>[-<m>]... (e.g. "
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5)");
  EXPECT_EQ(GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:5-1").status().message(),
            "invalid GTID set \"3e11fa47-71ca-11e1-9e33-c80aa9429562:5-1\": \"5-1\" is not a "
            "transaction number or a range <n>-<m> with 1 <= n <= m");
  EXPECT_EQ(GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:0").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:blue:1-3").status().message(),
            "GTID set \"3e11fa47-71ca-11e1-9e33-c80aa9429562:blue:1-3\": tagged GTIDs (\"blue\", "
            "MySQL 8.3+) are not supported; use untagged GTIDs on the source");
}

TEST(GtidSetTest, AddContainsAndOrderByInclusion) {
  const std::string a = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  GtidSet set = GtidSet::Parse(a + ":1-5").value();
  GtidSet::Uuid uuid{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                     0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
  EXPECT_EQ(GtidSet::UuidText(uuid), a);
  EXPECT_TRUE(set.Contains(uuid, 5));
  EXPECT_FALSE(set.Contains(uuid, 6));
  GtidSet before = set;
  set.Add(uuid, 6);
  EXPECT_EQ(set.ToString(), a + ":1-6");
  set.Add(uuid, 9);
  EXPECT_EQ(set.ToString(), a + ":1-6:9");
  EXPECT_EQ(before.Compare(set), PositionOrder::kLess);
  EXPECT_EQ(set.Compare(before), PositionOrder::kGreater);
  EXPECT_EQ(set.Compare(set), PositionOrder::kEqual);
  GtidSet other = GtidSet::Parse("2174b383-5441-11e8-b90a-c80aa9429562:1").value();
  EXPECT_EQ(set.Compare(other), PositionOrder::kUnordered);
  EXPECT_EQ(GtidSet().Compare(other), PositionOrder::kLess);
}

// COM_BINLOG_DUMP_GTID's data (MySQL source, Gtid_set::encode): n_sids, then per UUID its 16
// bytes, n_intervals and each interval as [start, end) in 8-byte little-endian numbers.
TEST(GtidSetTest, EncodesForComBinlogDumpGtid) {
  GtidSet set = GtidSet::Parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7").value();
  const unsigned char expected[] = {
      1, 0, 0, 0, 0, 0, 0, 0,                                  // one UUID
      0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,          // the UUID
      0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62,          //
      2, 0, 0, 0, 0, 0, 0, 0,                                  // two intervals
      1, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,          // [1, 6)
      7, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0};         // [7, 8)
  EXPECT_EQ(set.EncodeForDump(),
            std::string(reinterpret_cast<const char*>(expected), sizeof(expected)));
  EXPECT_EQ(GtidSet().EncodeForDump(), std::string(8, '\0'));
}

TEST(PositionTest, MySqlGtidSetPositions) {
  const std::string set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5";
  Position both = Position::Decode("gtidset:" + set + ";file:binlog.000003:1234").value();
  EXPECT_TRUE(both.has_gtid_set());
  EXPECT_FALSE(both.has_gtid());
  EXPECT_EQ(both.file().ToString(), "binlog.000003:1234");
  EXPECT_EQ(both.Encode(), "gtidset:" + set + ";file:binlog.000003:1234");
  EXPECT_EQ(Position::Decode("gtidset:" + set).value().Encode(), "gtidset:" + set);
  // What a user types: the bare set.
  EXPECT_EQ(Position::Parse(set).value().Encode(), "gtidset:" + set);
  // Advancing adds the transaction; the set decides the order over the file part.
  Position later = both;
  const GtidSet::Uuid uuid{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                           0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
  ASSERT_TRUE(later.AdvanceGtidSet(uuid, 6).ok());
  EXPECT_EQ(later.gtid_set().ToString(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-6");
  EXPECT_TRUE(later.IsAfter(both));
  // A file-only position gains no set by advancing.
  Position file_only = Position::Decode("file:binlog.000003:4").value();
  ASSERT_TRUE(file_only.AdvanceGtidSet(uuid, 6).ok());
  EXPECT_EQ(file_only.Encode(), "file:binlog.000003:4");
}

}  // namespace
}  // namespace cutover
