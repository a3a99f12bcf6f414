// Decoder: turns a stream of binlog events into Changes with their positions, transaction
// boundaries, statements (DDL) and schema changes, for the tables a predicate selects. Pure: it
// reads bytes handed to it and calls an EventSink; it does no I/O.
//
// Positions. The decoder tracks the current binlog file (from ROTATE events, or the start
// position) and the offset after each event (its header's log_pos), and the MariaDB GTID state:
// the start position's GTIDs, then GTID_LIST (for domains not yet known), advanced by each
// committed transaction's GTID. A Change's position is that GTID state with the enclosing
// transaction's own GTID applied, plus file:offset after its rows event; so positions grow
// with every transaction, and the position of a commit (TransactionCommit::position) is where a
// reader resumes after that transaction. TransactionBegin::resume_position is where to restart
// to read that transaction again from its start. MySQL GTIDs (uuid:gno) are reported as text in
// TransactionBegin; cutover's Position has no MySQL GTID set, so MySQL positions carry file:pos.
//
// Speed: one virtual call per row change, none per value; the Change handed to the sink is owned
// by the decoder and reused (its rows keep their capacity); a TABLE_MAP identical to the cached
// one is not parsed again; rows events of unselected tables are skipped without decoding.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "ddl/ddl_statement.h"
#include "source/binlog/events.h"
#include "source/binlog/framing.h"
#include "source/binlog/table_map.h"

namespace cutover::binlog {

struct TransactionBegin {
  Position resume_position;  // read from here to see this transaction again from its start
  std::optional<Gtid> gtid;  // MariaDB GTID (domain-server-seqno), when the source has one
  std::string mysql_gtid;    // MySQL "uuid:gno" or "ANONYMOUS"; empty on MariaDB
  uint32_t server_id = 0;
  uint32_t timestamp = 0;  // seconds since the epoch, from the event header
};

struct TransactionCommit {
  Position position;  // after the transaction: resume here to read what follows it
  std::optional<Gtid> gtid;
  uint64_t xid = 0;          // the XID event's id (0 when committed by a COMMIT query)
  bool rolled_back = false;  // ended by ROLLBACK (non-transactional changes were logged)
};

struct Statement {
  std::string_view schema;  // the statement's default database
  std::string_view query;   // e.g. "ALTER TABLE t ADD COLUMN c INT"
  Position position;        // after the QUERY event
  uint32_t timestamp = 0;
};

// Receives the decoder's output. Every view and reference is valid only during the call.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual Status OnBegin(const TransactionBegin& begin) {
    static_cast<void>(begin);
    return Status::Ok();
  }
  // A row change (insert/update/delete) or a schema change (kSchema: a selected table's
  // TABLE_MAP shows columns different from those seen before; `schema` has the new shape).
  // The Change is reused by the decoder: copy what you keep.
  virtual Status OnChange(const Change& change) = 0;
  virtual Status OnCommit(const TransactionCommit& commit) {
    static_cast<void>(commit);
    return Status::Ok();
  }
  // QUERY events other than BEGIN/COMMIT/ROLLBACK: DDL and statement-logged DML. The decoder
  // has already forgotten every table id, so the next TABLE_MAPs are read afresh.
  virtual Status OnStatement(const Statement& statement) {
    static_cast<void>(statement);
    return Status::Ok();
  }
  virtual Status OnRotate(const BinlogFilePosition& next) {
    static_cast<void>(next);
    return Status::Ok();
  }
  virtual Status OnHeartbeat(const HeartbeatEvent& heartbeat) {
    static_cast<void>(heartbeat);
    return Status::Ok();
  }
};

struct DecoderOptions {
  // Which tables to decode; null selects every table. Called once per table id.
  std::function<bool(const TableId&)> table_filter;
  // Verify CRC32 checksums when the format description announces them.
  bool verify_checksums = true;
  // The checksum of events before the first FORMAT_DESCRIPTION_EVENT (a server's fake ROTATE):
  // the transport sets it to the negotiated @master_binlog_checksum.
  ChecksumAlgorithm initial_checksum = ChecksumAlgorithm::kOff;
  // Where reading starts: its GTID part seeds the GTID state, its file part the file name.
  Position start;
  // The column shapes the consumer already knows per table (delivered before a reconnect): a
  // TABLE_MAP that differs from one is reported as a schema change, as if this decoder had read
  // the earlier one. Empty: the first TABLE_MAP of each table is taken as is.
  std::map<TableId, std::shared_ptr<const TableSchema>> known_shapes;
};

class BinlogDecoder {
 public:
  explicit BinlogDecoder(DecoderOptions options);

  // Decodes one whole event (common header, body, checksum). Errors name the event type and
  // its file offset: DataLoss for corrupt or truncated bytes, Unimplemented for events cutover
  // cannot read (MariaDB compressed events), or the sink's own error.
  Status Decode(std::string_view event, EventSink* sink);
  // Decodes every event of a binlog file's bytes (starting with the magic header);
  // `file_name` names the file in positions when no ROTATE has named it.
  Status DecodeFile(std::string_view file_bytes, std::string_view file_name, EventSink* sink);

  // The position after the last committed transaction (or the start position).
  const Position& committed_position() const { return committed_; }
  const FormatDescription& format() const { return format_; }
  // The table map cached for `table_id`, or null.
  const TableMap* FindTable(uint64_t table_id) const;
  bool in_transaction() const { return txn_.open; }

  struct Stats {
    uint64_t events = 0;
    uint64_t row_changes = 0;          // Changes handed to the sink (kSchema excluded)
    uint64_t skipped_rows_events = 0;  // rows events of unselected tables
  };
  const Stats& stats() const { return stats_; }

 private:
  struct TableEntry {
    std::string raw;  // the TABLE_MAP payload after the table id, to spot identical repeats
    TableId id;
    bool selected = false;
    std::shared_ptr<TableMap> map;  // null when not selected
  };
  struct Transaction {
    bool open = false;
    bool standalone = false;  // a single statement: commits after its QUERY event
    std::optional<Gtid> gtid;
    std::optional<std::pair<GtidSet::Uuid, uint64_t>> mysql_gtid;  // MySQL GTID (not anonymous)
  };
  struct EventContext {
    const EventHeader* header;
    std::string_view payload;  // after the common header, without the checksum
    uint64_t start_offset;
  };

  Status Dispatch(const EventContext& ctx, EventSink* sink);
  Status OnFormatDescription(std::string_view event);
  Status OnRotateEvent(const EventContext& ctx, EventSink* sink);
  Status OnQueryEvent(const EventContext& ctx, EventSink* sink);
  // A schema statement's table changes (kTruncate, kDdl) for the selected tables it names.
  Status EmitTableChanges(const QueryEvent& query, EventSink* sink);
  Status OnMariaGtid(const EventContext& ctx, EventSink* sink);
  Status OnMysqlGtid(const EventContext& ctx, bool anonymous, EventSink* sink);
  Status OnGtidList(const EventContext& ctx);
  Status OnTableMap(const EventContext& ctx, EventSink* sink);
  Status OnRows(const EventContext& ctx, EventSink* sink);
  Status EmitRows(const TableEntry& entry, const EventContext& ctx, EventSink* sink);
  Status Begin(const EventContext& ctx, std::optional<Gtid> gtid, std::string mysql_gtid,
               EventSink* sink);
  Status Commit(uint64_t xid, bool rolled_back, EventSink* sink);
  // The position at the current file offset with the open transaction's GTID applied.
  Position CurrentPosition() const;
  std::string Where(const EventHeader& header, uint64_t start_offset) const;

  DecoderOptions options_;
  FormatDescription format_;
  std::optional<BinlogFilePosition> file_;  // the current file and the offset after the event
  GtidPosition gtid_state_;                 // committed transactions
  std::optional<GtidSet> gtid_set_state_;   // MySQL: committed, when the start had a set
  Position committed_;
  Transaction txn_;
  std::unordered_map<uint64_t, TableEntry> tables_;
  std::map<TableId, std::shared_ptr<const TableSchema>> shapes_;  // last shape per table
  Change change_;                                                 // reused for every row change
  Row spare_before_, spare_after_;
  Stats stats_;
};

}  // namespace cutover::binlog
