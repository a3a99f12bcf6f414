// Decoder: the event state machine (formats, positions, transactions, table maps, rows).
#include "source/binlog/decoder.h"

#include "ddl/ascii.h"
#include "source/binlog/byte_reader.h"
#include "source/binlog/event_types.h"
#include "source/binlog/rows_event.h"

namespace cutover::binlog {
namespace {

using ddl::EqualsIgnoreCase;

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == ';')) s.remove_suffix(1);
  return s;
}

// TABLE_MAP payload: table id (6 bytes), flags (2), then schema and table names.
bool PeekTableNames(std::string_view payload, size_t id_bytes, TableId* id) {
  ByteReader in(payload);
  uint8_t len = 0;
  std::string_view schema, table;
  if (!in.Skip(id_bytes + 2) || !in.U8(&len) || !in.Bytes(len, &schema) || !in.Skip(1) ||
      !in.U8(&len) || !in.Bytes(len, &table)) {
    return false;
  }
  id->schema = std::string(schema);
  id->name = std::string(table);
  return true;
}

}  // namespace

BinlogDecoder::BinlogDecoder(DecoderOptions options)
    : options_(std::move(options)), format_(DefaultFormatDescription()) {
  format_.checksum = options_.initial_checksum;
  if (options_.start.has_gtid()) gtid_state_ = options_.start.gtid();
  if (options_.start.has_gtid_set()) gtid_set_state_ = options_.start.gtid_set();
  if (options_.start.has_file()) file_ = options_.start.file();
  committed_ = options_.start;
  shapes_ = options_.known_shapes;
}

const TableMap* BinlogDecoder::FindTable(uint64_t table_id) const {
  auto it = tables_.find(table_id);
  return it == tables_.end() ? nullptr : it->second.map.get();
}

std::string BinlogDecoder::Where(const EventHeader& header, uint64_t start_offset) const {
  std::string where = EventTypeName(header.type) + " at ";
  if (file_) return where + file_->file() + ":" + std::to_string(start_offset);
  return where + "offset " + std::to_string(start_offset);
}

Status BinlogDecoder::DecodeFile(std::string_view file_bytes, std::string_view file_name,
                                 EventSink* sink) {
  if (!file_ || file_->file() != file_name) {
    CUTOVER_ASSIGN_OR_RETURN(BinlogFilePosition start,
                             BinlogFilePosition::Make(file_name, kBinlogFirstEventOffset));
    file_ = start;
  }
  BinlogFileReader reader(file_bytes);
  CUTOVER_RETURN_IF_ERROR(reader.Open());
  while (true) {
    std::string_view event;
    uint64_t offset = 0;
    auto more = reader.Next(&event, &offset);
    if (!more.ok()) return more.status().WithContext("binlog file " + std::string(file_name));
    if (!*more) return Status::Ok();
    CUTOVER_RETURN_IF_ERROR(Decode(event, sink));
  }
}

Status BinlogDecoder::Decode(std::string_view event, EventSink* sink) {
  CUTOVER_ASSIGN_OR_RETURN(EventHeader header, ParseEventHeader(event));
  ++stats_.events;
  const bool artificial = (header.flags & kArtificialEventFlag) != 0 || header.log_pos == 0;
  uint64_t start = file_ ? file_->offset() : 0;
  if (!artificial && header.log_pos >= header.event_size)
    start = header.log_pos - header.event_size;
  if (header.type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    Status status = OnFormatDescription(event);
    if (!status.ok()) return status.WithContext(Where(header, start));
  } else {
    std::string_view payload = event.substr(kEventHeaderSize);
    if (format_.checksum == ChecksumAlgorithm::kCrc32) {
      if (options_.verify_checksums) {
        Status status = VerifyChecksum(event);
        if (!status.ok()) return status.WithContext(Where(header, start));
      }
      if (payload.size() < kChecksumSize) {
        return Status::DataLoss(Where(header, start) + ": event shorter than its checksum");
      }
      payload.remove_suffix(kChecksumSize);
    }
    if (!artificial && file_) {
      CUTOVER_ASSIGN_OR_RETURN(file_, BinlogFilePosition::Make(file_->file(), header.log_pos));
    }
    EventContext ctx{&header, payload, start};
    Status status = Dispatch(ctx, sink);
    if (!status.ok()) return status.WithContext(Where(header, start));
  }
  if (!artificial && file_ && header.type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    CUTOVER_ASSIGN_OR_RETURN(file_, BinlogFilePosition::Make(file_->file(), header.log_pos));
  }
  return Status::Ok();
}

Status BinlogDecoder::Dispatch(const EventContext& ctx, EventSink* sink) {
  const uint8_t type = ctx.header->type;
  if (IsRowsEvent(type)) return OnRows(ctx, sink);
  if (IsCompressedEvent(type)) {
    return Status::Unimplemented(EventTypeName(type) +
                                 " (log_bin_compress): cutover does not inflate compressed "
                                 "events; turn log_bin_compress off on the source");
  }
  switch (static_cast<EventType>(type)) {
    case EventType::kTableMap: return OnTableMap(ctx, sink);
    case EventType::kQuery: return OnQueryEvent(ctx, sink);
    case EventType::kXid: {
      CUTOVER_ASSIGN_OR_RETURN(uint64_t xid, ParseXid(ctx.payload));
      return Commit(xid, false, sink);
    }
    case EventType::kMariaGtid: return OnMariaGtid(ctx, sink);
    case EventType::kMysqlGtid: return OnMysqlGtid(ctx, false, sink);
    case EventType::kAnonymousGtid: return OnMysqlGtid(ctx, true, sink);
    case EventType::kGtidList: return OnGtidList(ctx);
    case EventType::kRotate: return OnRotateEvent(ctx, sink);
    case EventType::kHeartbeat:
      return sink->OnHeartbeat(ParseHeartbeat(ctx.payload, ctx.header->log_pos));
    case EventType::kHeartbeatV2: {
      CUTOVER_ASSIGN_OR_RETURN(HeartbeatEvent heartbeat, ParseHeartbeatV2(ctx.payload));
      return sink->OnHeartbeat(heartbeat);
    }
    case EventType::kXaPrepare: return Commit(0, false, sink);  // XA PREPARE ends the group
    case EventType::kPartialUpdateRows:
    case EventType::kTransactionPayload:
      return Status::Unimplemented(EventTypeName(type) +
                                   ": set binlog_row_value_options='' and "
                                   "binlog_transaction_compression=OFF on the source");
    default: return Status::Ok();  // ANNOTATE_ROWS, checkpoints and the rest: skipped by length
  }
}

Status BinlogDecoder::OnFormatDescription(std::string_view event) {
  CUTOVER_ASSIGN_OR_RETURN(format_, ParseFormatDescription(event));
  return Status::Ok();
}

Status BinlogDecoder::OnRotateEvent(const EventContext& ctx, EventSink* sink) {
  uint8_t post_header = format_.PostHeaderLength(ctx.header->type, 8);
  CUTOVER_ASSIGN_OR_RETURN(RotateEvent rotate, ParseRotate(ctx.payload, post_header));
  CUTOVER_ASSIGN_OR_RETURN(BinlogFilePosition next,
                           BinlogFilePosition::Make(rotate.next_file, rotate.position));
  file_ = next;
  if (!txn_.open) committed_ = CurrentPosition();
  return sink->OnRotate(next);
}

Status BinlogDecoder::OnQueryEvent(const EventContext& ctx, EventSink* sink) {
  uint8_t post_header = format_.PostHeaderLength(ctx.header->type, 13);
  CUTOVER_ASSIGN_OR_RETURN(QueryEvent query, ParseQuery(ctx.payload, post_header));
  std::string_view text = TrimSpace(query.query);
  if (EqualsIgnoreCase(text, "BEGIN")) {
    if (!txn_.open) CUTOVER_RETURN_IF_ERROR(Begin(ctx, std::nullopt, "", sink));
    txn_.standalone = false;
    return Status::Ok();
  }
  if (EqualsIgnoreCase(text, "COMMIT")) return Commit(0, false, sink);
  if (EqualsIgnoreCase(text, "ROLLBACK")) return Commit(0, true, sink);
  tables_.clear();  // DDL may change any table; table ids may be reused for other tables
  Statement statement{query.schema, query.query, CurrentPosition(), ctx.header->timestamp};
  CUTOVER_RETURN_IF_ERROR(sink->OnStatement(statement));
  CUTOVER_RETURN_IF_ERROR(EmitTableChanges(query, sink));
  if (txn_.open && txn_.standalone) return Commit(0, false, sink);
  return Status::Ok();
}

Status BinlogDecoder::EmitTableChanges(const QueryEvent& query, EventSink* sink) {
  Result<ddl::DdlStatement> parsed = ddl::ParseDdl(query.query, query.schema);
  if (!parsed.ok()) {
    // Table DDL that cannot be read: which tables it changes is unknown, so going on could
    // lose a schema change silently.
    return parsed.status().WithContext("reading the schema statement \"" +
                                       std::string(query.query.substr(0, 200)) + "\"");
  }
  const ddl::DdlStatement& sql = *parsed;
  if (sql.kind == ddl::DdlKind::kOther || sql.temporary) return Status::Ok();
  auto selected = [this](const TableId& id) {
    return !options_.table_filter || options_.table_filter(id);
  };
  auto emit = [&](const TableId& id, ChangeOp op) -> Status {
    Change change;
    change.table = id;
    change.op = op;
    change.position = CurrentPosition();
    change.statement = std::string(query.query);
    auto shape = shapes_.find(id);
    if (shape != shapes_.end()) {
      change.schema = shape->second;
    } else {
      auto unknown = std::make_shared<TableSchema>();
      unknown->id = id;  // no shape seen yet: no columns
      change.schema = std::move(unknown);
    }
    return sink->OnChange(change);
  };
  for (size_t index = 0; index < sql.tables.size(); ++index) {
    const TableId& id = sql.tables[index];
    if (selected(id)) {
      CUTOVER_RETURN_IF_ERROR(
          emit(id, sql.kind == ddl::DdlKind::kTruncate ? ChangeOp::kTruncate : ChangeOp::kDdl));
    }
    const bool gone = sql.kind == ddl::DdlKind::kDropTable || sql.kind == ddl::DdlKind::kRenameTable ||
                      index < sql.renamed_to.size();
    if (gone) shapes_.erase(id);  // a table of that name later is another table
    // A table renamed into the selection is new to it.
    if (index < sql.renamed_to.size() && selected(sql.renamed_to[index])) {
      CUTOVER_RETURN_IF_ERROR(emit(sql.renamed_to[index], ChangeOp::kDdl));
    }
  }
  return Status::Ok();
}

Status BinlogDecoder::OnMariaGtid(const EventContext& ctx, EventSink* sink) {
  CUTOVER_ASSIGN_OR_RETURN(MariaGtidEvent event, ParseMariaGtid(ctx.payload));
  Gtid gtid{event.domain, ctx.header->server_id, event.seqno};
  CUTOVER_RETURN_IF_ERROR(Begin(ctx, gtid, "", sink));
  txn_.standalone = event.standalone();
  return Status::Ok();
}

Status BinlogDecoder::OnMysqlGtid(const EventContext& ctx, bool anonymous, EventSink* sink) {
  CUTOVER_ASSIGN_OR_RETURN(MysqlGtidEvent event, ParseMysqlGtid(ctx.payload, anonymous));
  CUTOVER_RETURN_IF_ERROR(Begin(ctx, std::nullopt, event.ToString(), sink));
  txn_.standalone = true;  // until a BEGIN query says otherwise (DDL has none)
  if (!anonymous && event.gno > 0) {
    txn_.mysql_gtid = std::make_pair(event.uuid, static_cast<uint64_t>(event.gno));
  }
  return Status::Ok();
}

Status BinlogDecoder::OnGtidList(const EventContext& ctx) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<Gtid> list, ParseGtidList(ctx.payload));
  for (const Gtid& gtid : list) {
    if (!gtid_state_.Find(gtid.domain)) gtid_state_.Advance(gtid);
  }
  if (!txn_.open) committed_ = CurrentPosition();
  return Status::Ok();
}

Status BinlogDecoder::Begin(const EventContext& ctx, std::optional<Gtid> gtid,
                            std::string mysql_gtid, EventSink* sink) {
  if (txn_.open) {
    return Status::DataLoss("a transaction starts before the previous one committed");
  }
  TransactionBegin begin;
  begin.resume_position = CurrentPosition();
  if (file_) {
    CUTOVER_ASSIGN_OR_RETURN(BinlogFilePosition at,
                             BinlogFilePosition::Make(file_->file(), ctx.start_offset));
    CUTOVER_RETURN_IF_ERROR(begin.resume_position.SetFile(at));
  }
  txn_ = Transaction{true, false, gtid, std::nullopt};
  begin.gtid = gtid;
  begin.mysql_gtid = std::move(mysql_gtid);
  begin.server_id = ctx.header->server_id;
  begin.timestamp = ctx.header->timestamp;
  return sink->OnBegin(begin);
}

Status BinlogDecoder::Commit(uint64_t xid, bool rolled_back, EventSink* sink) {
  TransactionCommit commit;
  commit.gtid = txn_.gtid;
  commit.xid = xid;
  commit.rolled_back = rolled_back;
  if (txn_.gtid) gtid_state_.Advance(*txn_.gtid);
  if (txn_.mysql_gtid && gtid_set_state_) {
    gtid_set_state_->Add(txn_.mysql_gtid->first, txn_.mysql_gtid->second);
  }
  txn_ = Transaction{};
  committed_ = CurrentPosition();
  commit.position = committed_;
  return sink->OnCommit(commit);
}

Position BinlogDecoder::CurrentPosition() const {
  if (gtid_set_state_) {
    // MySQL with GTIDs: the set of committed transactions (and the open one's, as the MariaDB
    // position below counts it).
    GtidSet set = *gtid_set_state_;
    if (txn_.mysql_gtid) set.Add(txn_.mysql_gtid->first, txn_.mysql_gtid->second);
    if (!file_) return Position::FromGtidSet(std::move(set));
    return Position::FromGtidSetAndFile(std::move(set), *file_);
  }
  GtidPosition gtid = gtid_state_;
  if (txn_.gtid) gtid.Advance(*txn_.gtid);
  if (gtid.empty() && !file_) return Position();
  if (gtid.empty()) return Position::FromFile(*file_);
  if (!file_) return Position::FromGtid(gtid);
  return Position::FromGtidAndFile(gtid, *file_);
}

Status BinlogDecoder::OnTableMap(const EventContext& ctx, EventSink* sink) {
  const uint8_t post_header = format_.PostHeaderLength(ctx.header->type, 8);
  const size_t id_bytes = post_header == 6 ? 4 : 6;
  const uint64_t table_id = PeekTableId(ctx.payload, post_header);
  std::string_view raw = ctx.payload.size() > id_bytes ? ctx.payload.substr(id_bytes) : "";
  auto it = tables_.find(table_id);
  if (it != tables_.end() && it->second.raw == raw) return Status::Ok();  // the same table again
  TableEntry entry;
  entry.raw = std::string(raw);
  if (!PeekTableNames(ctx.payload, id_bytes, &entry.id)) {
    return Status::DataLoss("TABLE_MAP_EVENT names truncated");
  }
  entry.selected = !options_.table_filter || options_.table_filter(entry.id);
  if (entry.selected) {
    CUTOVER_ASSIGN_OR_RETURN(TableMap map,
                             ParseTableMap(ctx.payload, post_header, format_.is_mariadb));
    entry.map = std::make_shared<TableMap>(std::move(map));
    auto& shape = shapes_[entry.id];
    bool changed = shape && shape->columns != entry.map->schema_shape->columns;
    shape = entry.map->schema_shape;
    if (changed) {
      Change schema_change;
      schema_change.table = entry.id;
      schema_change.op = ChangeOp::kSchema;
      schema_change.position = CurrentPosition();
      schema_change.schema = shape;
      CUTOVER_RETURN_IF_ERROR(sink->OnChange(schema_change));
    }
  }
  tables_[table_id] = std::move(entry);
  return Status::Ok();
}

Status BinlogDecoder::OnRows(const EventContext& ctx, EventSink* sink) {
  const uint8_t post_header = format_.PostHeaderLength(ctx.header->type, 8);
  const uint64_t table_id = PeekTableId(ctx.payload, post_header);
  auto it = tables_.find(table_id);
  if (it == tables_.end()) {
    return Status::DataLoss("rows event for table id " + std::to_string(table_id) +
                            " without a preceding TABLE_MAP_EVENT");
  }
  if (!it->second.selected) {
    ++stats_.skipped_rows_events;
    return Status::Ok();
  }
  return EmitRows(it->second, ctx, sink);
}

Status BinlogDecoder::EmitRows(const TableEntry& entry, const EventContext& ctx, EventSink* sink) {
  const uint8_t type = ctx.header->type;
  CUTOVER_ASSIGN_OR_RETURN(RowsEvent rows,
                           ParseRowsEvent(ctx.payload, type, format_.PostHeaderLength(type, 8)));
  const TableMap& map = *entry.map;
  if (rows.column_count != map.columns.size()) {
    return Status::DataLoss("rows event has " + std::to_string(rows.column_count) +
                            " columns but the TABLE_MAP of " + entry.id.ToString() + " has " +
                            std::to_string(map.columns.size()));
  }
  if (change_.table != entry.id) change_.table = entry.id;
  change_.schema = map.schema_shape;
  change_.op = rows.op;
  change_.position = CurrentPosition();
  const bool has_before = rows.op != ChangeOp::kInsert;
  const bool has_after = rows.op != ChangeOp::kDelete;
  if (has_before) change_.before.emplace(std::move(spare_before_));
  if (has_after) change_.after.emplace(std::move(spare_after_));
  std::string_view after_present = rows.op == ChangeOp::kUpdate ? rows.present_after : rows.present;
  ByteReader in(rows.rows);
  Status status;
  while (status.ok() && !in.empty()) {
    const size_t row_start = in.position();
    if (has_before) status = DecodeRowImage(map, rows.present, &in, &*change_.before);
    if (status.ok() && has_after) status = DecodeRowImage(map, after_present, &in, &*change_.after);
    if (!status.ok()) break;
    if (in.position() == row_start) {
      // Only a bitmap marking no column present makes a row of no bytes; the loop would never
      // end on it.
      status = Status::DataLoss("rows event of " + entry.id.ToString() +
                                " marks no column present, so its rows take no bytes: the event "
                                "is corrupt");
      break;
    }
    ++stats_.row_changes;
    status = sink->OnChange(change_);
  }
  // Keep the rows' buffers for the next event.
  if (has_before) spare_before_ = std::move(*change_.before);
  if (has_after) spare_after_ = std::move(*change_.after);
  change_.before.reset();
  change_.after.reset();
  return status;
}

}  // namespace cutover::binlog
