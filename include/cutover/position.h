// Position: where a migration stands in a source's change stream (MariaDB GTID and/or binlog
// file:offset, PostgreSQL LSN), as a value that orders, encodes and decodes.
//
// Positions are what checkpoints store. Encode() gives a stable, self-describing text:
//   gtid:0-1-42,1-2-7                         MariaDB GTID position (one GTID per domain)
//   file:mysql-bin.000042:1234                binlog file and byte offset
//   gtid:0-1-42;file:mysql-bin.000042:1234    both (what the copy records on MariaDB)
//   gtidset:3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7;file:mysql-bin.000042:1234
//                                             a MySQL GTID set (with or without the file part)
//   lsn:16/B374D848                           PostgreSQL WAL location
//   none                                      the empty position
// Decode() reads exactly that text back. Parse() also reads the forms a user types (for
// `cutover replay --from`): the same texts, or the bare forms without the prefix.
#pragma once

#include <array>
#include <compare>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

namespace cutover {

// The result of comparing two positions. Positions form a partial order: GTID positions over
// different domains, binlog files of different base names, or positions of different kinds
// (LSN vs GTID) are kUnordered.
enum class PositionOrder { kLess, kEqual, kGreater, kUnordered };
std::string_view PositionOrderName(PositionOrder order);  // "less", "equal", ...

// One MariaDB GTID: domain-server-seqno, e.g. 0-1-42.
struct Gtid {
  uint32_t domain = 0;
  uint32_t server = 0;
  uint64_t seqno = 0;

  // Reads "<domain>-<server>-<seqno>" (decimal; domain and server 32-bit, seqno 64-bit).
  static Result<Gtid> Parse(std::string_view text);
  std::string ToString() const;
  friend bool operator==(const Gtid&, const Gtid&) = default;
};

// A MariaDB GTID position (the @@gtid_binlog_pos / @@gtid_slave_pos format): the last GTID seen
// in each replication domain. Held sorted by domain, at most one GTID per domain.
class GtidPosition {
 public:
  GtidPosition() = default;  // empty: no transaction of any domain seen

  // Reads a comma-separated list of GTIDs in any domain order; whitespace around the commas is
  // ignored; "" is the empty position. A domain listed twice is an error.
  static Result<GtidPosition> Parse(std::string_view text);
  // Comma-separated, sorted by domain, no spaces: "0-1-42,1-2-7"; "" when empty.
  std::string ToString() const;

  bool empty() const { return gtids_.empty(); }
  const std::vector<Gtid>& gtids() const { return gtids_; }
  // The GTID of `domain`, if the position has one.
  std::optional<Gtid> Find(uint32_t domain) const;

  // Records that transaction `gtid` has been seen: the domain's entry becomes `gtid` (added when
  // the domain is new). Like MariaDB's own position it takes the last GTID as is, without
  // checking that seqno grew (a non-strict source may log seqnos out of order).
  void Advance(const Gtid& gtid);
  void Advance(uint32_t domain, uint32_t server, uint64_t seqno) {
    Advance(Gtid{domain, server, seqno});
  }

  // True when the transaction `gtid` is at or before this position: the position has an entry
  // for its domain with a seqno >= gtid.seqno.
  bool Contains(const Gtid& gtid) const;

  // Per domain by seqno; a domain absent on one side counts as "nothing seen" there (below any
  // seqno). kLess when no domain is ahead and one is behind, kGreater the other way round,
  // kEqual when identical, kUnordered when some domain is ahead and another behind, or when one
  // domain has the same seqno from different servers (two different histories).
  PositionOrder Compare(const GtidPosition& other) const;

  friend bool operator==(const GtidPosition&, const GtidPosition&) = default;

 private:
  std::vector<Gtid> gtids_;  // sorted by domain, unique domains
};

// A MySQL GTID set (the @@gtid_executed format): per source server UUID, the transaction
// numbers executed, held as sorted, disjoint, non-adjacent closed intervals.
class GtidSet {
 public:
  using Uuid = std::array<uint8_t, 16>;
  struct Interval {
    uint64_t first = 0;  // >= 1
    uint64_t last = 0;   // >= first
    friend bool operator==(const Interval&, const Interval&) = default;
  };

  GtidSet() = default;  // empty: no transaction executed
  // Reads "<uuid>:<n>[-<m>][:<n>[-<m>]...][,<uuid>:...]": UUIDs in any case, whitespace and
  // newlines around the commas ignored (SHOW MASTER STATUS breaks long sets into lines),
  // intervals in any order, overlapping or adjacent ones merged; "" is the empty set. Tagged
  // GTIDs (MySQL 8.3+, "<uuid>:<tag>:<n>") are InvalidArgument, saying so.
  static Result<GtidSet> Parse(std::string_view text);
  // "<uuid>:<a>-<b>:<c>,<uuid>:<d>": lowercase UUIDs sorted, a single number as "<a>"; "" when
  // empty (MySQL's own form, without its line breaks).
  std::string ToString() const;
  bool empty() const { return sets_.empty(); }

  void Add(const Uuid& uuid, uint64_t gno);
  bool Contains(const Uuid& uuid, uint64_t gno) const;
  // By inclusion: kLess when this is a strict subset of `other`, kGreater a strict superset,
  // kEqual, else kUnordered.
  PositionOrder Compare(const GtidSet& other) const;
  // The set as COM_BINLOG_DUMP_GTID carries it: n_sids (8), then per UUID: the 16 bytes,
  // n_intervals (8), each interval as start (8) and end (8, exclusive); little endian.
  std::string EncodeForDump() const;

  static std::string UuidText(const Uuid& uuid);  // "3e11fa47-71ca-11e1-9e33-c80aa9429562"

  friend bool operator==(const GtidSet&, const GtidSet&) = default;

 private:
  std::map<Uuid, std::vector<Interval>> sets_;
};

// A binlog file and byte offset, e.g. mysql-bin.000042:1234. The file name is
// "<base>.<sequence>"; sequences compare numerically, so .000010 > .000009 and .1000000 (after
// the rollover to seven digits) > .999999.
class BinlogFilePosition {
 public:
  BinlogFilePosition() = default;  // empty file name, offset 0; see Make()

  // Validates `file` ("<base>.<digits>", base not empty) and builds the position.
  static Result<BinlogFilePosition> Make(std::string_view file, uint64_t offset);
  // Reads "<file>:<offset>"; the offset follows the last colon. A bare "<file>" is accepted
  // only when `default_offset` is given (the user-facing form: the start of the file).
  static Result<BinlogFilePosition> Parse(std::string_view text,
                                          std::optional<uint64_t> default_offset = std::nullopt);
  std::string ToString() const;  // "<file>:<offset>", the file name exactly as given

  const std::string& file() const { return file_; }
  uint64_t offset() const { return offset_; }
  std::string_view base() const;                   // "mysql-bin"
  uint64_t sequence() const { return sequence_; }  // 42

  // By (sequence, offset) within one base name; different base names are kUnordered.
  PositionOrder Compare(const BinlogFilePosition& other) const;

  friend bool operator==(const BinlogFilePosition&, const BinlogFilePosition&) = default;

 private:
  std::string file_;
  uint64_t sequence_ = 0;
  uint64_t offset_ = 0;
};

// The offset of the first event in a binlog file (after the 4-byte magic header).
inline constexpr uint64_t kBinlogFirstEventOffset = 4;

// A PostgreSQL WAL location (pg_lsn): 64 bits, written "<high 32 bits>/<low 32 bits>" in hex.
class Lsn {
 public:
  constexpr Lsn() = default;
  constexpr explicit Lsn(uint64_t value) : value_(value) {}

  // Reads "<hex>/<hex>", 1 to 8 hex digits per half, either case.
  static Result<Lsn> Parse(std::string_view text);
  // PostgreSQL's own form: uppercase hex, no leading zeros per half: "16/B374D848", "0/0".
  std::string ToString() const;

  constexpr uint64_t value() const { return value_; }
  friend constexpr auto operator<=>(Lsn, Lsn) = default;

 private:
  uint64_t value_ = 0;
};

// A source position of any kind: empty, MariaDB (GTID, file:offset or both) or PostgreSQL LSN.
class Position {
 public:
  Position() = default;  // the empty position ("none")

  static Position FromGtid(GtidPosition gtid);
  static Position FromFile(BinlogFilePosition file);
  static Position FromGtidAndFile(GtidPosition gtid, BinlogFilePosition file);
  static Position FromGtidSet(GtidSet set);  // MySQL
  static Position FromGtidSetAndFile(GtidSet set, BinlogFilePosition file);
  static Position FromLsn(Lsn lsn);

  // Reads Encode()'s text exactly. Errors are InvalidArgument naming the text and the problem.
  static Result<Position> Decode(std::string_view text);
  // Reads what a user types: Encode()'s text, or a bare form, recognised by shape:
  //   "16/B374D848" (has "/")                       -> LSN
  //   "0-1-42,1-2-7" (only digits, "-", ",")        -> GTID position
  //   "3e11fa47-...-c80aa9429562:1-5" (a UUID, ":")  -> MySQL GTID set
  //   "mysql-bin.000042:1234" or "mysql-bin.000042" -> binlog file (offset 4 when omitted)
  static Result<Position> Parse(std::string_view text);
  // The stable, self-describing text (see the top of this file).
  std::string Encode() const;

  bool empty() const { return !gtid_ && !gtid_set_ && !file_ && !lsn_; }
  bool has_gtid() const { return gtid_.has_value(); }
  bool has_gtid_set() const { return gtid_set_.has_value(); }
  bool has_file() const { return file_.has_value(); }
  bool has_lsn() const { return lsn_.has_value(); }
  // Accessors; calling one whose has_*() is false returns an empty value.
  const GtidPosition& gtid() const;
  const GtidSet& gtid_set() const;
  const BinlogFilePosition& file() const;
  Lsn lsn() const { return lsn_.value_or(Lsn()); }

  // For the binlog reader, after each transaction: advances the GTID part (an empty position
  // becomes a GTID position). FailedPrecondition on an LSN position.
  Status Advance(uint32_t domain, uint32_t server, uint64_t seqno);
  // The same for a MySQL GTID set: adds the transaction to the set part (present only when the
  // position had one: a set that starts empty would claim nothing before it was executed).
  Status AdvanceGtidSet(const GtidSet::Uuid& uuid, uint64_t gno);
  // Replaces the file part (keeps the GTID part). FailedPrecondition on an LSN position.
  Status SetFile(BinlogFilePosition file);

  // True when the position holds a GTID part that contains `gtid` (see GtidPosition).
  bool Contains(const Gtid& gtid) const;

  // GTID parts (MariaDB positions, MySQL sets) decide when both sides have one; else file parts
  // when both have one; else LSNs
  // when both are LSNs. Two empty positions are kEqual; anything else is kUnordered.
  PositionOrder Compare(const Position& other) const;
  bool IsAfter(const Position& other) const { return Compare(other) == PositionOrder::kGreater; }
  bool IsAtOrAfter(const Position& other) const;

  friend bool operator==(const Position&, const Position&) = default;

 private:
  std::optional<GtidPosition> gtid_;
  std::optional<GtidSet> gtid_set_;  // MySQL; never together with gtid_
  std::optional<BinlogFilePosition> file_;
  std::optional<Lsn> lsn_;  // never together with gtid_ or file_
};

}  // namespace cutover
