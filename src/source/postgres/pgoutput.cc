// pgoutput messages (docs: "Logical Replication Message Formats", PostgreSQL 15). All integers
// are big-endian (network order); a String is NUL-terminated.
#include "source/postgres/pgoutput.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "source/binlog/byte_reader.h"

namespace cutover::postgres {
namespace {

// Reads one message, remembering what it is for the errors.
class Reader {
 public:
  Reader(std::string_view bytes, char type) : bytes_(bytes), type_(type) {}

  Status Fail(std::string_view what) const {
    return Status::InvalidArgument(fmt::format("pgoutput message '{}' ({} bytes): {} at byte {}",
                                               type_, bytes_.size(), what, at_));
  }
  template <typename T>
  Result<T> Int(std::string_view what) {
    if (bytes_.size() - at_ < sizeof(T)) return Fail(fmt::format("{} cut short", what));
    const uint64_t value = binlog::ByteReader::LoadBigEndian(bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return static_cast<T>(value);
  }
  Result<char> Byte(std::string_view what) {
    CUTOVER_ASSIGN_OR_RETURN(uint8_t byte, Int<uint8_t>(what));
    return static_cast<char>(byte);
  }
  Result<std::string> String(std::string_view what) {
    const size_t end = bytes_.find('\0', at_);
    if (end == std::string_view::npos) return Fail(fmt::format("{} has no terminating NUL", what));
    std::string text(bytes_.substr(at_, end - at_));
    at_ = end + 1;
    return text;
  }
  Result<std::string> Bytes(size_t size, std::string_view what) {
    if (bytes_.size() - at_ < size) return Fail(fmt::format("{} cut short", what));
    std::string out(bytes_.substr(at_, size));
    at_ += size;
    return out;
  }
  Status End() const {
    if (at_ != bytes_.size()) {
      return Fail(fmt::format("{} bytes left over after the message", bytes_.size() - at_));
    }
    return Status::Ok();
  }

 private:
  std::string_view bytes_;
  char type_;
  size_t at_ = 1;  // past the type byte
};

Result<PgTuple> ReadTuple(Reader& in) {
  CUTOVER_ASSIGN_OR_RETURN(int16_t count, in.Int<int16_t>("the tuple's column count"));
  if (count < 0) return in.Fail("a negative column count");
  PgTuple tuple;
  tuple.reserve(static_cast<size_t>(count));
  for (int16_t column = 0; column < count; ++column) {
    CUTOVER_ASSIGN_OR_RETURN(char kind, in.Byte("a column's kind"));
    PgColumnValue value;
    switch (kind) {
      case 'n': value.kind = PgColumnValue::Kind::kNull; break;
      case 'u': value.kind = PgColumnValue::Kind::kUnchanged; break;
      case 't':
      case 'b': {
        value.kind = kind == 't' ? PgColumnValue::Kind::kText : PgColumnValue::Kind::kBinary;
        CUTOVER_ASSIGN_OR_RETURN(int32_t size, in.Int<int32_t>("a column's length"));
        if (size < 0) return in.Fail("a negative column length");
        CUTOVER_ASSIGN_OR_RETURN(value.bytes,
                                 in.Bytes(static_cast<size_t>(size), "a column's value"));
        break;
      }
      default:
        return in.Fail(fmt::format("column {} has the unknown kind '{}' (0x{:02x})", column,
                                   kind, static_cast<uint8_t>(kind)));
    }
    tuple.push_back(std::move(value));
  }
  return tuple;
}

// The xid a data message carries inside a streamed block.
Status ReadStreamXid(Reader& in, bool streaming, PgMessage* message) {
  if (!streaming) return Status::Ok();
  CUTOVER_ASSIGN_OR_RETURN(message->xid, in.Int<uint32_t>("the streamed transaction's xid"));
  return Status::Ok();
}

}  // namespace

Result<PgMessage> DecodePgoutput(std::string_view bytes, bool streaming) {
  if (bytes.empty()) return Status::InvalidArgument("pgoutput message: empty");
  const char type = bytes[0];
  Reader in(bytes, type);
  PgMessage message;
  switch (type) {
    case 'B': {
      message.type = PgMessage::Type::kBegin;
      CUTOVER_ASSIGN_OR_RETURN(uint64_t lsn, in.Int<uint64_t>("the final LSN"));
      message.lsn = Lsn(lsn);
      CUTOVER_ASSIGN_OR_RETURN(message.time_us, in.Int<int64_t>("the commit time"));
      CUTOVER_ASSIGN_OR_RETURN(message.xid, in.Int<uint32_t>("the xid"));
      break;
    }
    case 'C':
    case 'c': {
      message.type = type == 'C' ? PgMessage::Type::kCommit : PgMessage::Type::kStreamCommit;
      if (type == 'c') {
        CUTOVER_ASSIGN_OR_RETURN(message.xid, in.Int<uint32_t>("the xid"));
      }
      CUTOVER_ASSIGN_OR_RETURN(uint8_t flags, in.Int<uint8_t>("the flags"));
      (void)flags;  // unused by the protocol so far
      CUTOVER_ASSIGN_OR_RETURN(uint64_t lsn, in.Int<uint64_t>("the commit LSN"));
      CUTOVER_ASSIGN_OR_RETURN(uint64_t end, in.Int<uint64_t>("the end LSN"));
      message.lsn = Lsn(lsn);
      message.end_lsn = Lsn(end);
      CUTOVER_ASSIGN_OR_RETURN(message.time_us, in.Int<int64_t>("the commit time"));
      break;
    }
    case 'O': {
      message.type = PgMessage::Type::kOrigin;
      CUTOVER_ASSIGN_OR_RETURN(uint64_t lsn, in.Int<uint64_t>("the origin's commit LSN"));
      message.lsn = Lsn(lsn);
      CUTOVER_ASSIGN_OR_RETURN(message.prefix, in.String("the origin's name"));
      break;
    }
    case 'R': {
      message.type = PgMessage::Type::kRelation;
      CUTOVER_RETURN_IF_ERROR(ReadStreamXid(in, streaming, &message));
      PgRelation& relation = message.relation;
      CUTOVER_ASSIGN_OR_RETURN(relation.oid, in.Int<uint32_t>("the relation's OID"));
      CUTOVER_ASSIGN_OR_RETURN(relation.schema, in.String("the namespace"));
      CUTOVER_ASSIGN_OR_RETURN(relation.name, in.String("the relation's name"));
      CUTOVER_ASSIGN_OR_RETURN(relation.replica_identity, in.Byte("the replica identity"));
      if (std::string_view("dnfi").find(relation.replica_identity) == std::string_view::npos) {
        return in.Fail(fmt::format("unknown replica identity '{}'", relation.replica_identity));
      }
      CUTOVER_ASSIGN_OR_RETURN(int16_t count, in.Int<int16_t>("the column count"));
      if (count < 0) return in.Fail("a negative column count");
      for (int16_t index = 0; index < count; ++index) {
        PgRelationColumn column;
        CUTOVER_ASSIGN_OR_RETURN(uint8_t flags, in.Int<uint8_t>("a column's flags"));
        column.key = (flags & 1) != 0;
        CUTOVER_ASSIGN_OR_RETURN(column.name, in.String("a column's name"));
        CUTOVER_ASSIGN_OR_RETURN(column.type_oid, in.Int<uint32_t>("a column's type OID"));
        CUTOVER_ASSIGN_OR_RETURN(column.type_modifier, in.Int<int32_t>("a column's typmod"));
        relation.columns.push_back(std::move(column));
      }
      break;
    }
    case 'Y': {
      message.type = PgMessage::Type::kType;
      CUTOVER_RETURN_IF_ERROR(ReadStreamXid(in, streaming, &message));
      CUTOVER_ASSIGN_OR_RETURN(message.relation.oid, in.Int<uint32_t>("the type's OID"));
      CUTOVER_ASSIGN_OR_RETURN(message.relation.schema, in.String("the namespace"));
      CUTOVER_ASSIGN_OR_RETURN(message.relation.name, in.String("the type's name"));
      break;
    }
    case 'I': {
      message.type = PgMessage::Type::kInsert;
      CUTOVER_RETURN_IF_ERROR(ReadStreamXid(in, streaming, &message));
      CUTOVER_ASSIGN_OR_RETURN(message.relation.oid, in.Int<uint32_t>("the relation's OID"));
      CUTOVER_ASSIGN_OR_RETURN(char marker, in.Byte("the new tuple's marker"));
      if (marker != 'N') return in.Fail(fmt::format("'{}' where the new tuple's 'N' belongs", marker));
      CUTOVER_ASSIGN_OR_RETURN(message.new_tuple, ReadTuple(in));
      break;
    }
    case 'U':
    case 'D': {
      message.type = type == 'U' ? PgMessage::Type::kUpdate : PgMessage::Type::kDelete;
      CUTOVER_RETURN_IF_ERROR(ReadStreamXid(in, streaming, &message));
      CUTOVER_ASSIGN_OR_RETURN(message.relation.oid, in.Int<uint32_t>("the relation's OID"));
      CUTOVER_ASSIGN_OR_RETURN(char marker, in.Byte("the tuple's marker"));
      if (marker == 'K' || marker == 'O') {
        message.old_kind = marker;
        CUTOVER_ASSIGN_OR_RETURN(message.old_tuple, ReadTuple(in));
        if (type == 'U') {
          CUTOVER_ASSIGN_OR_RETURN(marker, in.Byte("the new tuple's marker"));
        }
      } else if (type == 'D') {
        return in.Fail(fmt::format("'{}' where a delete's 'K' or 'O' belongs", marker));
      }
      if (type == 'U') {
        if (marker != 'N') {
          return in.Fail(fmt::format("'{}' where the new tuple's 'N' belongs", marker));
        }
        CUTOVER_ASSIGN_OR_RETURN(message.new_tuple, ReadTuple(in));
      }
      break;
    }
    case 'T': {
      message.type = PgMessage::Type::kTruncate;
      CUTOVER_RETURN_IF_ERROR(ReadStreamXid(in, streaming, &message));
      CUTOVER_ASSIGN_OR_RETURN(uint32_t count, in.Int<uint32_t>("the relation count"));
      CUTOVER_ASSIGN_OR_RETURN(message.truncate_options, in.Int<uint8_t>("the options"));
      for (uint32_t index = 0; index < count; ++index) {
        CUTOVER_ASSIGN_OR_RETURN(uint32_t oid, in.Int<uint32_t>("a relation's OID"));
        message.truncated.push_back(oid);
      }
      break;
    }
    case 'M': {
      message.type = PgMessage::Type::kMessage;
      CUTOVER_RETURN_IF_ERROR(ReadStreamXid(in, streaming, &message));
      CUTOVER_ASSIGN_OR_RETURN(uint8_t flags, in.Int<uint8_t>("the flags"));
      message.transactional = (flags & 1) != 0;
      CUTOVER_ASSIGN_OR_RETURN(uint64_t lsn, in.Int<uint64_t>("the message's LSN"));
      message.lsn = Lsn(lsn);
      CUTOVER_ASSIGN_OR_RETURN(message.prefix, in.String("the prefix"));
      CUTOVER_ASSIGN_OR_RETURN(int32_t size, in.Int<int32_t>("the content's length"));
      if (size < 0) return in.Fail("a negative content length");
      CUTOVER_ASSIGN_OR_RETURN(message.content,
                               in.Bytes(static_cast<size_t>(size), "the content"));
      break;
    }
    case 'S': {
      message.type = PgMessage::Type::kStreamStart;
      CUTOVER_ASSIGN_OR_RETURN(message.xid, in.Int<uint32_t>("the xid"));
      CUTOVER_ASSIGN_OR_RETURN(uint8_t first, in.Int<uint8_t>("the first-segment flag"));
      message.first_segment = first == 1;
      break;
    }
    case 'E': message.type = PgMessage::Type::kStreamStop; break;
    case 'A': {
      message.type = PgMessage::Type::kStreamAbort;
      CUTOVER_ASSIGN_OR_RETURN(message.xid, in.Int<uint32_t>("the xid"));
      CUTOVER_ASSIGN_OR_RETURN(message.subxid, in.Int<uint32_t>("the subtransaction's xid"));
      break;
    }
    default:
      return Status::InvalidArgument(fmt::format(
          "pgoutput message: unknown type '{}' (0x{:02x}) in {} bytes", type,
          static_cast<uint8_t>(type), bytes.size()));
  }
  CUTOVER_RETURN_IF_ERROR(in.End());
  return message;
}

Status PgoutputAssembler::Add(PgMessage message) {
  if (in_stream_) {
    // Data of a streamed transaction: kept under the block's top-level transaction (a
    // subtransaction's messages carry its own xid, which a Stream Abort may name).
    streams_[*stream_xid_].messages.push_back(std::move(message));
    return Status::Ok();
  }
  if (current_) {
    current_->messages.push_back(std::move(message));
    return Status::Ok();
  }
  if (message.type == PgMessage::Type::kRelation || message.type == PgMessage::Type::kType ||
      (message.type == PgMessage::Type::kMessage && !message.transactional)) {
    loose_.push_back(std::move(message));
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format(
      "pgoutput: a change (message type {}) outside any transaction",
      static_cast<int>(message.type)));
}

Result<std::vector<PgTransaction>> PgoutputAssembler::Feed(std::string_view bytes) {
  CUTOVER_ASSIGN_OR_RETURN(PgMessage message, DecodePgoutput(bytes, in_stream_));
  std::vector<PgTransaction> done;
  switch (message.type) {
    case PgMessage::Type::kBegin:
      if (current_ || in_stream_) {
        return Status::InvalidArgument("pgoutput: Begin inside another transaction");
      }
      current_.emplace();
      current_->xid = *message.xid;
      current_->commit_lsn = message.lsn;
      current_->commit_time_us = message.time_us;
      break;
    case PgMessage::Type::kCommit:
      if (!current_) return Status::InvalidArgument("pgoutput: Commit without Begin");
      current_->commit_lsn = message.lsn;
      current_->end_lsn = message.end_lsn;
      current_->commit_time_us = message.time_us;
      done.push_back(std::move(*current_));
      current_.reset();
      break;
    case PgMessage::Type::kOrigin: break;  // a replicated transaction's origin: not needed
    case PgMessage::Type::kStreamStart:
      if (in_stream_ || current_) {
        return Status::InvalidArgument("pgoutput: Stream Start inside a transaction or stream");
      }
      in_stream_ = true;
      stream_xid_ = message.xid;
      streams_[*message.xid].xid = *message.xid;
      break;
    case PgMessage::Type::kStreamStop:
      if (!in_stream_) return Status::InvalidArgument("pgoutput: Stream Stop without Stream Start");
      in_stream_ = false;
      stream_xid_.reset();
      break;
    case PgMessage::Type::kStreamCommit: {
      if (in_stream_) return Status::InvalidArgument("pgoutput: Stream Commit inside a stream");
      auto found = streams_.find(*message.xid);
      if (found == streams_.end()) {
        return Status::InvalidArgument(
            fmt::format("pgoutput: Stream Commit of transaction {}, never streamed", *message.xid));
      }
      PgTransaction transaction = std::move(found->second);
      streams_.erase(found);
      transaction.commit_lsn = message.lsn;
      transaction.end_lsn = message.end_lsn;
      transaction.commit_time_us = message.time_us;
      done.push_back(std::move(transaction));
      break;
    }
    case PgMessage::Type::kStreamAbort: {
      if (in_stream_) return Status::InvalidArgument("pgoutput: Stream Abort inside a stream");
      auto found = streams_.find(*message.xid);
      if (found == streams_.end()) break;  // nothing of it was streamed to us
      if (message.subxid == *message.xid) {
        streams_.erase(found);
      } else {
        std::vector<PgMessage>& kept = found->second.messages;
        kept.erase(std::remove_if(kept.begin(), kept.end(),
                                  [&](const PgMessage& m) { return m.xid == message.subxid; }),
                   kept.end());
      }
      break;
    }
    default: CUTOVER_RETURN_IF_ERROR(Add(std::move(message)));
  }
  return done;
}

std::vector<PgMessage> PgoutputAssembler::TakeLoose() { return std::exchange(loose_, {}); }

}  // namespace cutover::postgres
