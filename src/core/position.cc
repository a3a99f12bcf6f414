// Position: parsing, printing and ordering of source positions (see include/cutover/position.h).
#include "cutover/position.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace cutover {
namespace {

constexpr std::string_view kGtidPrefix = "gtid:";
constexpr std::string_view kGtidSetPrefix = "gtidset:";
constexpr std::string_view kFilePrefix = "file:";
constexpr std::string_view kLsnPrefix = "lsn:";
constexpr std::string_view kNoneText = "none";
constexpr std::string_view kGtidShape = "<domain>-<server>-<seqno>";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool AllOf(std::string_view text, bool (*pred)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), pred);
}

// How a decimal or hex number failed to parse.
enum class NumberError { kNone, kShape, kRange };

// Reads all of `text` as an unsigned number no larger than `max`.
NumberError ParseUnsigned(std::string_view text, int base, uint64_t max, uint64_t* out) {
  if (!AllOf(text, base == 16 ? IsHexDigit : IsDigit)) return NumberError::kShape;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec == std::errc::result_out_of_range || value > max) return NumberError::kRange;
  if (ec != std::errc() || end != text.data() + text.size()) return NumberError::kShape;
  *out = value;
  return NumberError::kNone;
}

// Why `text` is not a GTID (empty when it is one); fills `gtid` on success.
std::string GtidProblem(std::string_view text, Gtid* gtid) {
  std::string shape = fmt::format("\"{}\" is not {}", text, kGtidShape);
  size_t first = text.find('-');
  if (first == std::string_view::npos) return shape;
  size_t second = text.find('-', first + 1);
  if (second == std::string_view::npos) return shape;
  std::string_view parts[3] = {text.substr(0, first), text.substr(first + 1, second - first - 1),
                               text.substr(second + 1)};
  constexpr std::string_view kNames[3] = {"domain", "server", "seqno"};
  constexpr uint64_t kMax[3] = {std::numeric_limits<uint32_t>::max(),
                                std::numeric_limits<uint32_t>::max(),
                                std::numeric_limits<uint64_t>::max()};
  uint64_t values[3] = {0, 0, 0};
  for (int part_idx = 0; part_idx < 3; ++part_idx) {
    switch (ParseUnsigned(parts[part_idx], 10, kMax[part_idx], &values[part_idx])) {
      case NumberError::kNone: break;
      case NumberError::kShape: return shape;
      case NumberError::kRange:
        return fmt::format("{} {} in \"{}\" is out of range (at most {})", kNames[part_idx],
                           parts[part_idx], text, kMax[part_idx]);
    }
  }
  *gtid = Gtid{static_cast<uint32_t>(values[0]), static_cast<uint32_t>(values[1]), values[2]};
  return "";
}

// Why `file` is not "<base>.<digits>" (empty when it is); fills `sequence` on success.
std::string BinlogFileProblem(std::string_view file, uint64_t* sequence) {
  size_t dot = file.rfind('.');
  std::string shape =
      fmt::format("file name \"{}\" is not <base>.<number> (e.g. mysql-bin.000042)", file);
  if (dot == std::string_view::npos || dot == 0) return shape;
  switch (ParseUnsigned(file.substr(dot + 1), 10, std::numeric_limits<uint64_t>::max(), sequence)) {
    case NumberError::kNone: return "";
    case NumberError::kShape: return shape;
    case NumberError::kRange:
      return fmt::format("file number in \"{}\" is out of range (at most {})", file,
                         std::numeric_limits<uint64_t>::max());
  }
  return shape;
}

PositionOrder OrderOf(auto a, auto b) {
  if (a < b) return PositionOrder::kLess;
  if (b < a) return PositionOrder::kGreater;
  return PositionOrder::kEqual;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The shape of a bare user-typed position.
bool LooksLikeGtidPosition(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return IsDigit(c) || c == '-' || c == ',' || IsSpace(c); }) &&
         text.find('-') != std::string_view::npos;
}

}  // namespace

std::string_view PositionOrderName(PositionOrder order) {
  switch (order) {
    case PositionOrder::kLess: return "less";
    case PositionOrder::kEqual: return "equal";
    case PositionOrder::kGreater: return "greater";
    case PositionOrder::kUnordered: return "unordered";
  }
  return "unknown";
}

// ---- Gtid ----

Result<Gtid> Gtid::Parse(std::string_view text) {
  Gtid gtid;
  std::string problem = GtidProblem(text, &gtid);
  if (!problem.empty()) return Status::InvalidArgument("invalid GTID: " + problem);
  return gtid;
}

std::string Gtid::ToString() const { return fmt::format("{}-{}-{}", domain, server, seqno); }

// ---- GtidPosition ----

Result<GtidPosition> GtidPosition::Parse(std::string_view text) {
  GtidPosition position;
  std::string_view rest = Trim(text);
  if (rest.empty()) return position;
  auto fail = [&](const std::string& problem) {
    return Status::InvalidArgument(fmt::format("invalid GTID position \"{}\": {}", text, problem));
  };
  while (true) {
    size_t comma = rest.find(',');
    std::string_view entry = Trim(rest.substr(0, comma));
    Gtid gtid;
    std::string problem = GtidProblem(entry, &gtid);
    if (!problem.empty()) return fail(problem);
    if (std::optional<Gtid> seen = position.Find(gtid.domain)) {
      return fail(fmt::format("domain {} appears twice (\"{}\" and \"{}\")", gtid.domain,
                              seen->ToString(), entry));
    }
    position.Advance(gtid);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return position;
}

std::string GtidPosition::ToString() const {
  std::string out;
  for (const Gtid& gtid : gtids_) {
    if (!out.empty()) out += ',';
    out += gtid.ToString();
  }
  return out;
}

std::optional<Gtid> GtidPosition::Find(uint32_t domain) const {
  auto it = std::lower_bound(gtids_.begin(), gtids_.end(), domain,
                             [](const Gtid& gtid, uint32_t d) { return gtid.domain < d; });
  if (it == gtids_.end() || it->domain != domain) return std::nullopt;
  return *it;
}

void GtidPosition::Advance(const Gtid& gtid) {
  auto it = std::lower_bound(gtids_.begin(), gtids_.end(), gtid.domain,
                             [](const Gtid& entry, uint32_t d) { return entry.domain < d; });
  if (it != gtids_.end() && it->domain == gtid.domain) {
    *it = gtid;
  } else {
    gtids_.insert(it, gtid);
  }
}

bool GtidPosition::Contains(const Gtid& gtid) const {
  std::optional<Gtid> entry = Find(gtid.domain);
  return entry && entry->seqno >= gtid.seqno;
}

PositionOrder GtidPosition::Compare(const GtidPosition& other) const {
  bool ahead = false;
  bool behind = false;
  auto mine = gtids_.begin();
  auto theirs = other.gtids_.begin();
  // Merge both sorted lists; a domain missing on one side is behind the other side.
  while (mine != gtids_.end() || theirs != other.gtids_.end()) {
    if (theirs == other.gtids_.end() || (mine != gtids_.end() && mine->domain < theirs->domain)) {
      ahead = true;
      ++mine;
    } else if (mine == gtids_.end() || theirs->domain < mine->domain) {
      behind = true;
      ++theirs;
    } else {
      if (mine->seqno == theirs->seqno && mine->server != theirs->server) {
        return PositionOrder::kUnordered;
      }
      ahead |= mine->seqno > theirs->seqno;
      behind |= mine->seqno < theirs->seqno;
      ++mine;
      ++theirs;
    }
  }
  if (ahead && behind) return PositionOrder::kUnordered;
  if (ahead) return PositionOrder::kGreater;
  return behind ? PositionOrder::kLess : PositionOrder::kEqual;
}

// ---- BinlogFilePosition ----

Result<BinlogFilePosition> BinlogFilePosition::Make(std::string_view file, uint64_t offset) {
  BinlogFilePosition position;
  std::string problem = BinlogFileProblem(file, &position.sequence_);
  if (!problem.empty()) return Status::InvalidArgument("invalid binlog position: " + problem);
  position.file_ = std::string(file);
  position.offset_ = offset;
  return position;
}

Result<BinlogFilePosition> BinlogFilePosition::Parse(std::string_view text,
                                                     std::optional<uint64_t> default_offset) {
  auto fail = [&](const std::string& problem) {
    return Status::InvalidArgument(
        fmt::format("invalid binlog position \"{}\": {}", text, problem));
  };
  size_t colon = text.rfind(':');
  std::string_view file = text.substr(0, colon);
  uint64_t offset = default_offset.value_or(0);
  if (colon == std::string_view::npos && !default_offset) {
    return fail("expected <file>:<offset> (e.g. mysql-bin.000042:1234)");
  }
  if (colon != std::string_view::npos) {
    std::string_view digits = text.substr(colon + 1);
    switch (ParseUnsigned(digits, 10, std::numeric_limits<uint64_t>::max(), &offset)) {
      case NumberError::kNone: break;
      case NumberError::kShape:
        return fail(fmt::format("offset \"{}\" is not a decimal number", digits));
      case NumberError::kRange:
        return fail(fmt::format("offset {} is out of range (at most {})", digits,
                                std::numeric_limits<uint64_t>::max()));
    }
  }
  BinlogFilePosition position;
  std::string problem = BinlogFileProblem(file, &position.sequence_);
  if (!problem.empty()) return fail(problem);
  position.file_ = std::string(file);
  position.offset_ = offset;
  return position;
}

std::string BinlogFilePosition::ToString() const { return fmt::format("{}:{}", file_, offset_); }

std::string_view BinlogFilePosition::base() const {
  std::string_view file = file_;
  size_t dot = file.rfind('.');
  return dot == std::string_view::npos ? file : file.substr(0, dot);
}

PositionOrder BinlogFilePosition::Compare(const BinlogFilePosition& other) const {
  if (base() != other.base()) return PositionOrder::kUnordered;
  return OrderOf(std::pair(sequence_, offset_), std::pair(other.sequence_, other.offset_));
}

// ---- Lsn ----

Result<Lsn> Lsn::Parse(std::string_view text) {
  size_t slash = text.find('/');
  uint64_t high = 0;
  uint64_t low = 0;
  constexpr uint64_t kHalfMax = std::numeric_limits<uint32_t>::max();
  if (slash == std::string_view::npos || text.substr(0, slash).size() > 8 ||
      text.substr(slash + 1).size() > 8 ||
      ParseUnsigned(text.substr(0, slash), 16, kHalfMax, &high) != NumberError::kNone ||
      ParseUnsigned(text.substr(slash + 1), 16, kHalfMax, &low) != NumberError::kNone) {
    return Status::InvalidArgument(fmt::format(
        "invalid LSN \"{}\": expected <hex>/<hex> with 1 to 8 hex digits per half (e.g. "
        "16/B374D848)",
        text));
  }
  return Lsn((high << 32) | low);
}

std::string Lsn::ToString() const {
  return fmt::format("{:X}/{:X}", value_ >> 32, value_ & 0xFFFFFFFFu);
}

// ---- GtidSet (MySQL) ----

namespace {

// "3e11fa47-71ca-11e1-9e33-c80aa9429562" (any case) -> 16 bytes.
std::optional<GtidSet::Uuid> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  GtidSet::Uuid uuid{};
  size_t byte = 0;
  for (size_t at = 0; at < text.size();) {
    if (at == 8 || at == 13 || at == 18 || at == 23) {
      if (text[at] != '-') return std::nullopt;
      ++at;
      continue;
    }
    uint64_t value = 0;
    if (ParseUnsigned(text.substr(at, 2), 16, 0xff, &value) != NumberError::kNone) {
      return std::nullopt;
    }
    uuid[byte++] = static_cast<uint8_t>(value);
    at += 2;
  }
  return uuid;
}

void PutU64(std::string* out, uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out->push_back(static_cast<char>(value >> shift));
}

// Inserts [first, last] into sorted disjoint non-adjacent intervals, merging.
void InsertInterval(std::vector<GtidSet::Interval>* intervals, GtidSet::Interval added) {
  std::vector<GtidSet::Interval> merged;
  merged.reserve(intervals->size() + 1);
  bool placed = false;
  for (const GtidSet::Interval& interval : *intervals) {
    if (interval.last + 1 < added.first) {
      merged.push_back(interval);
    } else if (added.last + 1 < interval.first) {
      if (!placed) merged.push_back(added);
      placed = true;
      merged.push_back(interval);
    } else {
      added.first = std::min(added.first, interval.first);
      added.last = std::max(added.last, interval.last);
    }
  }
  if (!placed) merged.push_back(added);
  *intervals = std::move(merged);
}

// Whether every number of `inner` is in `outer` (both sorted, disjoint).
bool Covers(const std::vector<GtidSet::Interval>& outer,
            const std::vector<GtidSet::Interval>& inner) {
  size_t at = 0;
  for (const GtidSet::Interval& interval : inner) {
    while (at < outer.size() && outer[at].last < interval.first) ++at;
    if (at == outer.size() || outer[at].first > interval.first || outer[at].last < interval.last) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string GtidSet::UuidText(const Uuid& uuid) {
  std::string out;
  for (size_t byte = 0; byte < uuid.size(); ++byte) {
    if (byte == 4 || byte == 6 || byte == 8 || byte == 10) out += '-';
    out += fmt::format("{:02x}", uuid[byte]);
  }
  return out;
}

Result<GtidSet> GtidSet::Parse(std::string_view text) {
  GtidSet set;
  std::string_view rest = Trim(text);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view member = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : Trim(rest.substr(comma + 1));
    size_t colon = member.find(':');
    std::optional<Uuid> uuid = ParseUuid(Trim(member.substr(0, colon)));
    if (!uuid || colon == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format(
          "invalid GTID set \"{}\": \"{}\" is not <uuid>:<n>[-<m>]... (e.g. "
          "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5)",
          text, member));
    }
    std::string_view intervals = member.substr(colon + 1);
    while (true) {
      size_t next = intervals.find(':');
      std::string_view part = Trim(intervals.substr(0, next));
      if (!part.empty() && !IsDigit(part.front())) {
        return Status::InvalidArgument(fmt::format(
            "GTID set \"{}\": tagged GTIDs (\"{}\", MySQL 8.3+) are not supported; use untagged "
            "GTIDs on the source",
            text, part));
      }
      size_t dash = part.find('-');
      uint64_t first = 0;
      uint64_t last = 0;
      if (ParseUnsigned(part.substr(0, dash), 10, INT64_MAX, &first) != NumberError::kNone ||
          first == 0 ||
          (dash != std::string_view::npos &&
           (ParseUnsigned(part.substr(dash + 1), 10, INT64_MAX, &last) != NumberError::kNone ||
            last < first))) {
        return Status::InvalidArgument(fmt::format(
            "invalid GTID set \"{}\": \"{}\" is not a transaction number or a range <n>-<m> "
            "with 1 <= n <= m",
            text, part));
      }
      if (dash == std::string_view::npos) last = first;
      InsertInterval(&set.sets_[*uuid], Interval{first, last});
      if (next == std::string_view::npos) break;
      intervals = intervals.substr(next + 1);
    }
  }
  return set;
}

std::string GtidSet::ToString() const {
  std::string out;
  for (const auto& [uuid, intervals] : sets_) {
    if (!out.empty()) out += ',';
    out += UuidText(uuid);
    for (const Interval& interval : intervals) {
      out += interval.first == interval.last ? fmt::format(":{}", interval.first)
                                             : fmt::format(":{}-{}", interval.first, interval.last);
    }
  }
  return out;
}

void GtidSet::Add(const Uuid& uuid, uint64_t gno) {
  if (gno == 0) return;
  InsertInterval(&sets_[uuid], Interval{gno, gno});
}

bool GtidSet::Contains(const Uuid& uuid, uint64_t gno) const {
  auto found = sets_.find(uuid);
  if (found == sets_.end()) return false;
  return Covers(found->second, {Interval{gno, gno}});
}

PositionOrder GtidSet::Compare(const GtidSet& other) const {
  auto subset = [](const GtidSet& inner, const GtidSet& outer) {
    for (const auto& [uuid, intervals] : inner.sets_) {
      auto found = outer.sets_.find(uuid);
      if (found == outer.sets_.end() || !Covers(found->second, intervals)) return false;
    }
    return true;
  };
  bool in_other = subset(*this, other);
  bool has_other = subset(other, *this);
  if (in_other && has_other) return PositionOrder::kEqual;
  if (in_other) return PositionOrder::kLess;
  if (has_other) return PositionOrder::kGreater;
  return PositionOrder::kUnordered;
}

std::string GtidSet::EncodeForDump() const {
  std::string out;
  PutU64(&out, sets_.size());
  for (const auto& [uuid, intervals] : sets_) {
    out.append(reinterpret_cast<const char*>(uuid.data()), uuid.size());
    PutU64(&out, intervals.size());
    for (const Interval& interval : intervals) {
      PutU64(&out, interval.first);
      PutU64(&out, interval.last + 1);
    }
  }
  return out;
}

// ---- Position ----

Position Position::FromGtid(GtidPosition gtid) {
  Position position;
  position.gtid_ = std::move(gtid);
  return position;
}

Position Position::FromFile(BinlogFilePosition file) {
  Position position;
  position.file_ = std::move(file);
  return position;
}

Position Position::FromGtidAndFile(GtidPosition gtid, BinlogFilePosition file) {
  Position position;
  position.gtid_ = std::move(gtid);
  position.file_ = std::move(file);
  return position;
}

Position Position::FromGtidSet(GtidSet set) {
  Position position;
  position.gtid_set_ = std::move(set);
  return position;
}

Position Position::FromGtidSetAndFile(GtidSet set, BinlogFilePosition file) {
  Position position;
  position.gtid_set_ = std::move(set);
  position.file_ = std::move(file);
  return position;
}

Position Position::FromLsn(Lsn lsn) {
  Position position;
  position.lsn_ = lsn;
  return position;
}

namespace {

// The ";file:<file>:<offset>" after a GTID part (`rest`, within `text`); nullopt when there is
// none.
Result<std::optional<BinlogFilePosition>> FilePartOf(std::string_view text,
                                                     std::string_view rest) {
  size_t semicolon = rest.find(';');
  if (semicolon == std::string_view::npos) return std::optional<BinlogFilePosition>();
  std::string_view file_part = rest.substr(semicolon + 1);
  if (!StartsWith(file_part, kFilePrefix)) {
    return Status::InvalidArgument(fmt::format(
        "invalid position \"{}\": expected \"file:<file>:<offset>\" after \";\"", text));
  }
  CUTOVER_ASSIGN_OR_RETURN(BinlogFilePosition file,
                           BinlogFilePosition::Parse(file_part.substr(kFilePrefix.size())));
  return std::optional<BinlogFilePosition>(std::move(file));
}

}  // namespace

Result<Position> Position::Decode(std::string_view text) {
  if (text == kNoneText) return Position();
  if (StartsWith(text, kLsnPrefix)) {
    CUTOVER_ASSIGN_OR_RETURN(Lsn lsn, Lsn::Parse(text.substr(kLsnPrefix.size())));
    return FromLsn(lsn);
  }
  if (StartsWith(text, kFilePrefix)) {
    CUTOVER_ASSIGN_OR_RETURN(auto file, BinlogFilePosition::Parse(text.substr(kFilePrefix.size())));
    return FromFile(std::move(file));
  }
  if (StartsWith(text, kGtidSetPrefix)) {
    std::string_view rest = text.substr(kGtidSetPrefix.size());
    CUTOVER_ASSIGN_OR_RETURN(GtidSet set, GtidSet::Parse(rest.substr(0, rest.find(';'))));
    CUTOVER_ASSIGN_OR_RETURN(std::optional<BinlogFilePosition> file, FilePartOf(text, rest));
    if (!file) return FromGtidSet(std::move(set));
    return FromGtidSetAndFile(std::move(set), std::move(*file));
  }
  if (!StartsWith(text, kGtidPrefix)) {
    return Status::InvalidArgument(
        fmt::format("invalid position \"{}\": expected gtid:<gtids>, gtidset:<mysql gtid set>, "
                    "file:<file>:<offset>, gtid:<gtids>;file:<file>:<offset>, lsn:<hex>/<hex> "
                    "or none",
                    text));
  }
  std::string_view rest = text.substr(kGtidPrefix.size());
  CUTOVER_ASSIGN_OR_RETURN(auto gtid, GtidPosition::Parse(rest.substr(0, rest.find(';'))));
  CUTOVER_ASSIGN_OR_RETURN(std::optional<BinlogFilePosition> file, FilePartOf(text, rest));
  if (!file) return FromGtid(std::move(gtid));
  return FromGtidAndFile(std::move(gtid), std::move(*file));
}

Result<Position> Position::Parse(std::string_view text) {
  std::string_view trimmed = Trim(text);
  if (trimmed == kNoneText || StartsWith(trimmed, kGtidPrefix) ||
      StartsWith(trimmed, kGtidSetPrefix) ||
      StartsWith(trimmed, kFilePrefix) || StartsWith(trimmed, kLsnPrefix)) {
    return Decode(trimmed);
  }
  // A MySQL GTID set starts with a UUID: 8 hex digits, then "-".
  if (trimmed.size() > 37 && trimmed[8] == '-' && AllOf(trimmed.substr(0, 8), IsHexDigit)) {
    CUTOVER_ASSIGN_OR_RETURN(GtidSet set, GtidSet::Parse(trimmed));
    return FromGtidSet(std::move(set));
  }
  if (trimmed.find('/') != std::string_view::npos) {
    CUTOVER_ASSIGN_OR_RETURN(Lsn lsn, Lsn::Parse(trimmed));
    return FromLsn(lsn);
  }
  if (LooksLikeGtidPosition(trimmed)) {
    CUTOVER_ASSIGN_OR_RETURN(auto gtid, GtidPosition::Parse(trimmed));
    return FromGtid(std::move(gtid));
  }
  if (trimmed.find('.') != std::string_view::npos) {
    CUTOVER_ASSIGN_OR_RETURN(auto file,
                             BinlogFilePosition::Parse(trimmed, kBinlogFirstEventOffset));
    return FromFile(std::move(file));
  }
  return Status::InvalidArgument(fmt::format(
      "cannot read position \"{}\": expected a GTID position (0-1-42,1-2-7), a MySQL GTID set "
      "(3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5), a binlog file position "
      "(mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)",
      text));
}

std::string Position::Encode() const {
  if (lsn_) return std::string(kLsnPrefix) + lsn_->ToString();
  std::string out;
  if (gtid_) out = std::string(kGtidPrefix) + gtid_->ToString();
  if (gtid_set_) out = std::string(kGtidSetPrefix) + gtid_set_->ToString();
  if ((gtid_ || gtid_set_) && file_) out += ';';
  if (file_) out += std::string(kFilePrefix) + file_->ToString();
  return out.empty() ? std::string(kNoneText) : out;
}

const GtidPosition& Position::gtid() const {
  static const GtidPosition kEmpty;
  return gtid_ ? *gtid_ : kEmpty;
}

const GtidSet& Position::gtid_set() const {
  static const GtidSet kEmpty;
  return gtid_set_ ? *gtid_set_ : kEmpty;
}

const BinlogFilePosition& Position::file() const {
  static const BinlogFilePosition kEmpty;
  return file_ ? *file_ : kEmpty;
}

Status Position::Advance(uint32_t domain, uint32_t server, uint64_t seqno) {
  if (lsn_) {
    return Status::FailedPrecondition(
        fmt::format("cannot advance PostgreSQL position {} by GTID {}-{}-{}", lsn_->ToString(),
                    domain, server, seqno));
  }
  if (!gtid_) gtid_.emplace();
  gtid_->Advance(domain, server, seqno);
  return Status::Ok();
}

Status Position::AdvanceGtidSet(const GtidSet::Uuid& uuid, uint64_t gno) {
  if (lsn_) {
    return Status::FailedPrecondition(
        fmt::format("cannot advance PostgreSQL position {} by GTID {}:{}", lsn_->ToString(),
                    GtidSet::UuidText(uuid), gno));
  }
  if (gtid_set_) gtid_set_->Add(uuid, gno);
  return Status::Ok();
}

Status Position::SetFile(BinlogFilePosition file) {
  if (lsn_) {
    return Status::FailedPrecondition(
        fmt::format("cannot set binlog position {} on PostgreSQL position {}", file.ToString(),
                    lsn_->ToString()));
  }
  file_ = std::move(file);
  return Status::Ok();
}

bool Position::Contains(const Gtid& gtid) const { return gtid_ && gtid_->Contains(gtid); }

PositionOrder Position::Compare(const Position& other) const {
  if (gtid_ && other.gtid_) return gtid_->Compare(*other.gtid_);
  if (gtid_set_ && other.gtid_set_) return gtid_set_->Compare(*other.gtid_set_);
  if (file_ && other.file_) return file_->Compare(*other.file_);
  if (lsn_ && other.lsn_) return OrderOf(*lsn_, *other.lsn_);
  if (empty() && other.empty()) return PositionOrder::kEqual;
  return PositionOrder::kUnordered;
}

bool Position::IsAtOrAfter(const Position& other) const {
  PositionOrder order = Compare(other);
  return order == PositionOrder::kGreater || order == PositionOrder::kEqual;
}

}  // namespace cutover
