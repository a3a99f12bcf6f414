// pgoutput: PostgreSQL's built-in logical decoding output plugin, as its messages arrive in the
// XLogData of a START_REPLICATION stream (protocol versions 1 and 2, written from the
// "Logical Replication Message Formats" chapter of the PostgreSQL 15 documentation).
//
// Two pieces, both without a server (unit-tested on byte fixtures):
// - DecodePgoutput: one message's bytes into a PgMessage, every field checked against the bytes
//   that are there (a truncated or unknown message is InvalidArgument naming the message type
//   and the byte, never a crash or a guess);
// - PgoutputAssembler: messages in the order the walsender sends them into whole transactions in
//   commit order. Protocol 2 streams a large transaction in progress as blocks (Stream Start ..
//   Stream Stop) interleaved with other transactions; the assembler keeps each streamed
//   transaction's changes until its Stream Commit (dropping them on Stream Abort, or only those
//   of an aborted subtransaction), so what comes out is always a committed transaction.
//
// A column value stays as pgoutput sent it (text or binary form, null, or "unchanged TOAST"):
// turning it into a Value needs the column's type, which is the type mapping's job. An unchanged
// TOAST value is kept as kUnchanged, never as NULL: the applier must leave it as it is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/position.h"
#include "cutover/status.h"

namespace cutover::postgres {

// One column of a tuple: TupleData's 'n', 'u', 't' or 'b'.
struct PgColumnValue {
  enum class Kind : uint8_t { kNull, kUnchanged, kText, kBinary };
  Kind kind = Kind::kNull;
  std::string bytes;  // kText: the type's text output; kBinary: its binary send form
  bool operator==(const PgColumnValue&) const = default;
};
using PgTuple = std::vector<PgColumnValue>;

struct PgRelationColumn {
  bool key = false;  // part of the replica identity
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
  bool operator==(const PgRelationColumn&) const = default;
};

struct PgRelation {
  uint32_t oid = 0;
  std::string schema;  // empty for pg_catalog
  std::string name;
  char replica_identity = 'd';  // relreplident: d(efault), n(othing), f(ull), i(ndex)
  std::vector<PgRelationColumn> columns;
  bool operator==(const PgRelation&) const = default;
};

struct PgMessage {
  enum class Type : uint8_t {
    kBegin,         // B
    kCommit,        // C
    kOrigin,        // O
    kRelation,      // R
    kType,          // Y
    kInsert,        // I
    kUpdate,        // U
    kDelete,        // D
    kTruncate,      // T
    kMessage,       // M (pg_logical_emit_message)
    kStreamStart,   // S (protocol 2)
    kStreamStop,    // E
    kStreamCommit,  // c
    kStreamAbort,   // A
  };
  Type type = Type::kBegin;
  // The transaction a message of a streamed block belongs to (protocol 2: every message between
  // Stream Start and Stream Stop carries it), Begin's and the stream messages' xid.
  std::optional<uint32_t> xid;
  Lsn lsn;             // Begin: final LSN; Commit, Stream Commit: commit LSN; Message: its LSN
  Lsn end_lsn;         // Commit, Stream Commit: the transaction's end LSN
  int64_t time_us = 0;  // Begin, Commit, Stream Commit: commit time, us since 2000-01-01
  uint32_t subxid = 0;  // Stream Abort: the (sub)transaction aborted
  bool first_segment = false;  // Stream Start
  // Relation: the relation; Insert/Update/Delete: relation.oid names the table.
  PgRelation relation;
  // Type: a data type's OID, schema and name (relation.oid, .schema, .name).
  // Update: `old_tuple` with 'K' (key columns only) or 'O' (the whole old row, replica
  // identity FULL); absent when the key did not change and the identity is not FULL.
  // Delete: the key ('K') or old row ('O').
  char old_kind = 0;  // 'K', 'O' or 0
  std::optional<PgTuple> old_tuple;
  std::optional<PgTuple> new_tuple;  // Insert, Update
  std::vector<uint32_t> truncated;   // Truncate: the relations
  uint8_t truncate_options = 0;      // 1: CASCADE, 2: RESTART IDENTITY
  bool transactional = false;        // Message
  std::string prefix;                // Message: its prefix; Origin: the origin's name
  std::string content;               // Message: its content
};

// Decodes one pgoutput message. `streaming`: whether it was sent inside a Stream Start .. Stream
// Stop block (its data messages then carry the xid); PgoutputAssembler tracks that.
Result<PgMessage> DecodePgoutput(std::string_view bytes, bool streaming);

// A committed transaction, its messages in the order the source applied them.
struct PgTransaction {
  uint32_t xid = 0;
  Lsn commit_lsn;
  Lsn end_lsn;  // what the slot may be confirmed up to once this transaction is durable
  int64_t commit_time_us = 0;
  std::vector<PgMessage> messages;  // Relation, Type, Insert, Update, Delete, Truncate, Message
};

class PgoutputAssembler {
 public:
  // Feeds one message's bytes; returns the transactions it completed (none, or one: a Commit or
  // Stream Commit). Errors: a malformed message, or one that breaks the protocol's order (a
  // Commit without Begin, a data message outside any transaction, Stream Stop without Start).
  Result<std::vector<PgTransaction>> Feed(std::string_view bytes);

  // Messages outside transactions (a non-transactional logical message, a Relation sent
  // between transactions): returned and cleared.
  std::vector<PgMessage> TakeLoose();

  // Streamed transactions not yet committed or aborted (their changes are held in memory).
  size_t open_streams() const { return streams_.size(); }
  // Whether a transaction has begun and not ended yet (streamed ones included).
  bool in_transaction() const { return current_.has_value() || !streams_.empty(); }

 private:
  Status Add(PgMessage message);

  bool in_stream_ = false;
  std::optional<uint32_t> stream_xid_;          // the block being read
  std::optional<PgTransaction> current_;        // between Begin and Commit
  std::map<uint32_t, PgTransaction> streams_;   // streamed, by top-level xid
  std::vector<PgMessage> loose_;
};

}  // namespace cutover::postgres
