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

Position Position::FromLsn(Lsn lsn) {
  Position position;
  position.lsn_ = lsn;
  return position;
}

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
  if (!StartsWith(text, kGtidPrefix)) {
    return Status::InvalidArgument(
        fmt::format("invalid position \"{}\": expected gtid:<gtids>, file:<file>:<offset>, "
                    "gtid:<gtids>;file:<file>:<offset>, lsn:<hex>/<hex> or none",
                    text));
  }
  std::string_view rest = text.substr(kGtidPrefix.size());
  size_t semicolon = rest.find(';');
  CUTOVER_ASSIGN_OR_RETURN(auto gtid, GtidPosition::Parse(rest.substr(0, semicolon)));
  if (semicolon == std::string_view::npos) return FromGtid(std::move(gtid));
  std::string_view file_part = rest.substr(semicolon + 1);
  if (!StartsWith(file_part, kFilePrefix)) {
    return Status::InvalidArgument(fmt::format(
        "invalid position \"{}\": expected \"file:<file>:<offset>\" after \";\"", text));
  }
  CUTOVER_ASSIGN_OR_RETURN(auto file,
                           BinlogFilePosition::Parse(file_part.substr(kFilePrefix.size())));
  return FromGtidAndFile(std::move(gtid), std::move(file));
}

Result<Position> Position::Parse(std::string_view text) {
  std::string_view trimmed = Trim(text);
  if (trimmed == kNoneText || StartsWith(trimmed, kGtidPrefix) ||
      StartsWith(trimmed, kFilePrefix) || StartsWith(trimmed, kLsnPrefix)) {
    return Decode(trimmed);
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
      "cannot read position \"{}\": expected a GTID position (0-1-42,1-2-7), a binlog file "
      "position (mysql-bin.000042:1234) or a PostgreSQL LSN (16/B374D848)",
      text));
}

std::string Position::Encode() const {
  if (lsn_) return std::string(kLsnPrefix) + lsn_->ToString();
  std::string out;
  if (gtid_) out = std::string(kGtidPrefix) + gtid_->ToString();
  if (gtid_ && file_) out += ';';
  if (file_) out += std::string(kFilePrefix) + file_->ToString();
  return out.empty() ? std::string(kNoneText) : out;
}

const GtidPosition& Position::gtid() const {
  static const GtidPosition kEmpty;
  return gtid_ ? *gtid_ : kEmpty;
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
