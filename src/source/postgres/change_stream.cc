// The pgoutput change stream (change_stream.h).
#include "source/postgres/change_stream.h"

#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "db/postgres/connection.h"
#include "source/postgres/binary_values.h"
#include "source/postgres/pg_changes.h"
#include "source/postgres/pgoutput.h"
#include "source/postgres/replication_stream.h"
#include "source/postgres/slot.h"
#include "source/postgres/source_schema.h"
#include "source/postgres/types.h"

namespace cutover::postgres {
namespace {

// Confirmations are sent at most this often (each is a message to the server).
constexpr std::chrono::milliseconds kConfirmEvery{100};

Status ApplySessionSettings(Connection& connection) {
  for (const std::string& statement : SessionSettings()) {
    CUTOVER_RETURN_IF_ERROR(connection.Execute(statement).status());
  }
  return Status::Ok();
}

class PgoutputChangeStream : public ChangeStream {
 public:
  explicit PgoutputChangeStream(PgStreamOptions options)
      : options_(std::move(options)),
        builder_(Catalog(), ParsePostgresText, options_.stream.table_filter),
        binary_(options_.value_format != SourceSpec::ValueFormat::kText) {
    if (options_.stream.start.has_lsn()) delivered_ = options_.stream.start.lsn();
    if (binary_) builder_.ReadBinaryWith(ParsePostgresBinary);
  }

  Status Run(ChangeEventSink* sink) override {
    mysql::BinlogBackoff backoff(options_.backoff);
    while (!Stopping()) {
      bool streamed = false;
      bool sink_failed = false;
      Status status = RunOnce(sink, &streamed, &sink_failed);
      if (status.ok() || sink_failed || !status.IsRetryable()) return status;
      if (switch_to_text_) {  // not a failure: read on at once, in text
        switch_to_text_ = false;
        continue;
      }
      if (streamed) backoff.Reset();
      const std::chrono::milliseconds delay = backoff.Next();
      if (options_.max_attempts > 0 && backoff.attempt() > options_.max_attempts) {
        return status.WithContext(
            fmt::format("the replication stream gave up after {} attempts", options_.max_attempts));
      }
      spdlog::warn("replication stream: {}; reconnecting in {} ms (attempt {}), resuming at {}",
                   status.ToString(), delay.count(), backoff.attempt(), delivered_.ToString());
      SleepUnlessStopped(delay);
    }
    return Status::Ok();
  }

 private:
  bool Stopping() const { return options_.stream.stop != nullptr && options_.stream.stop->load(); }

  void SleepUnlessStopped(std::chrono::milliseconds delay) const {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!Stopping() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min(delay, std::chrono::milliseconds(50)));
    }
  }

  // The builder's catalog: this stream's catalog session (open while streaming).
  PgCatalog Catalog() {
    PgCatalog catalog;
    catalog.schema = [this](const TableId& table) -> Result<TableSchema> {
      if (catalog_ == nullptr) return Status::Unavailable("no catalog session");
      return LoadTableSchema(*catalog_, table);
    };
    catalog.type = [this](uint32_t type_oid, int32_t typmod) -> Result<ColumnType> {
      if (catalog_ == nullptr) return Status::Unavailable("no catalog session");
      return LoadColumnType(*catalog_, type_oid, typmod);
    };
    catalog.existing = [this](const TableId& table,
                              const std::string& column) -> Result<ExistingRows> {
      if (catalog_ == nullptr) return Status::Unavailable("no catalog session");
      return LoadExistingRows(*catalog_, table, column);
    };
    catalog.shape_before = options_.stream.shape_before;
    return catalog;
  }

  // One replication session: connect, stream until stopped or failed.
  Status RunOnce(ChangeEventSink* sink, bool* streamed, bool* sink_failed) {
    // Catalog lookups are small: a reply that takes longer than a lost stream would is taken
    // as a lost (half-open) connection, not waited for forever.
    ConnectOptions catalog;
    catalog.read_timeout = ReplicationOptions{}.lost_after;
    CUTOVER_ASSIGN_OR_RETURN(catalog_, Connection::Open(options_.connection, catalog));
    CUTOVER_RETURN_IF_ERROR(ApplySessionSettings(*catalog_));
    ConnectOptions replication;
    replication.replication = true;
    EndOwnLostSession();
    CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                             Connection::Open(options_.connection, replication));
    replication_pid_ = connection->BackendPid();
    CUTOVER_RETURN_IF_ERROR(ApplySessionSettings(*connection));
    if (options_.temporary_slot) CUTOVER_RETURN_IF_ERROR(CreateTemporarySlot(*connection));
    ReplicationOptions start;
    start.slot = options_.slot;
    start.publication = options_.publication;
    start.start = delivered_;
    start.binary = binary_;
    Result<std::unique_ptr<ReplicationStream>> stream =
        ReplicationStream::Start(*connection, start);
    if (!stream.ok()) return WhySlotUnreadable(stream.status());
    spdlog::info("replication stream: reading slot {} from {} with {} values", options_.slot,
                 delivered_.ToString(), binary_ ? "binary" : "text");
    PgoutputAssembler assembler;
    last_confirm_ = {};
    while (!Stopping()) {
      Result<std::optional<WalMessage>> message = (*stream)->Next(options_.stream.heartbeat_period);
      if (!message.ok()) return WhySlotUnreadable(message.status());
      if (!*message) {
        if (Status idle = sink->OnIdle(); !idle.ok()) return SinkFailed(idle, sink_failed);
        CUTOVER_RETURN_IF_ERROR(Feedback(**stream, *sink, assembler, false));
        Poll();
        continue;
      }
      *streamed = true;
      CUTOVER_ASSIGN_OR_RETURN(std::vector<PgTransaction> done, assembler.Feed((*message)->data));
      for (const PgMessage& loose : assembler.TakeLoose()) {
        CUTOVER_RETURN_IF_ERROR(CheckValueFormat(loose));
        CUTOVER_RETURN_IF_ERROR(builder_.Take(loose));
      }
      for (const PgTransaction& transaction : done) {
        for (const PgMessage& part : transaction.messages) {
          CUTOVER_RETURN_IF_ERROR(CheckValueFormat(part));
        }
        CUTOVER_RETURN_IF_ERROR(Deliver(transaction, sink, sink_failed));
      }
      CUTOVER_RETURN_IF_ERROR(Feedback(**stream, *sink, assembler, false));
      Poll();
    }
    // Stopped: what was delivered made durable and confirmed, so the slot keeps no more WAL than
    // it must while the migration is stopped.
    if (Status idle = sink->OnIdle(); !idle.ok()) return SinkFailed(idle, sink_failed);
    return Feedback(**stream, *sink, assembler, true);
  }

  // In binary mode, a Relation of a selected table with a column whose type has no binary reader:
  // with kAuto this session ends (Unavailable, read on at once from the last transaction
  // delivered, in text: nothing of the transaction has reached the sink); with kBinary it is an
  // error naming the column.
  Status CheckValueFormat(const PgMessage& message) {
    if (!binary_ || message.type != PgMessage::Type::kRelation) return Status::Ok();
    const PgRelation& relation = message.relation;
    const TableId table{relation.schema.empty() ? "pg_catalog" : relation.schema, relation.name};
    if (options_.stream.table_filter && !options_.stream.table_filter(table)) return Status::Ok();
    for (const PgRelationColumn& column : relation.columns) {
      auto known = binary_readable_.find({column.type_oid, column.type_modifier});
      if (known == binary_readable_.end()) {
        if (catalog_ == nullptr) return Status::Unavailable("no catalog session");
        Result<ColumnType> type = LoadColumnType(*catalog_, column.type_oid, column.type_modifier);
        if (!type.ok()) {
          return type.status().WithContext(
              fmt::format("{} column {}", table.ToString(), column.name));
        }
        std::optional<std::string> unreadable;
        if (!HasBinaryReader(*type)) unreadable = type->source_name;
        known =
            binary_readable_
                .emplace(std::pair{column.type_oid, column.type_modifier}, std::move(unreadable))
                .first;
      }
      if (!known->second) continue;
      const std::string what =
          fmt::format("column {}.{} ({})", table.ToString(), column.name, *known->second);
      if (options_.value_format == SourceSpec::ValueFormat::kBinary) {
        return Status::FailedPrecondition(
            fmt::format("source.value_format is binary, but {} has no binary reader; set "
                        "source.value_format to auto or text",
                        what));
      }
      spdlog::info("replication stream: {} has no binary reader; reading text values from {} on",
                   what, delivered_.ToString());
      binary_ = false;
      switch_to_text_ = true;
      return Status::Unavailable("switching to text values");
    }
    return Status::Ok();
  }

  // The source's poll, every options_.poll_every; a failure is logged at most once a minute.
  void Poll() {
    if (!options_.poll || catalog_ == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_poll_ < options_.poll_every) return;
    last_poll_ = now;
    Status status = options_.poll(*catalog_);
    if (status.ok() || now - last_poll_warning_ < std::chrono::minutes(1)) return;
    last_poll_warning_ = now;
    spdlog::warn("replication stream: {}", status.ToString());
  }

  Status CreateTemporarySlot(Connection& connection) {
    CUTOVER_ASSIGN_OR_RETURN(
        QueryResult created,
        connection.Query(fmt::format(
            "CREATE_REPLICATION_SLOT {} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT",
            QuoteIdentifier(options_.slot))));
    if (created.rows.size() != 1 || created.rows[0].size() < 2 || !created.rows[0][1]) {
      return Status::Internal("CREATE_REPLICATION_SLOT answered no consistent point");
    }
    CUTOVER_ASSIGN_OR_RETURN(Lsn start, Lsn::Parse(*created.rows[0][1]));
    if (delivered_ != Lsn() && start > delivered_) {
      spdlog::warn("replication stream: reconnected with a new temporary slot at {}: changes "
                   "committed between {} and it are not shown",
                   start.ToString(), delivered_.ToString());
    }
    delivered_ = std::max(delivered_, start);
    return Status::Ok();
  }

  Status Deliver(const PgTransaction& transaction, ChangeEventSink* sink, bool* sink_failed) {
    // Errors of the sink are returned as they are and end the stream; errors of building the
    // changes (a catalog lookup) are the source's.
    Status sink_status;
    if (sink_status = sink->OnBegin(); !sink_status.ok())
      return SinkFailed(sink_status, sink_failed);
    Status built = builder_.Build(transaction, Position::FromLsn(transaction.commit_lsn),
                                  [&](const Change& change) {
                                    sink_status = sink->OnChange(change);
                                    return sink_status;
                                  });
    if (!sink_status.ok()) return SinkFailed(sink_status, sink_failed);
    CUTOVER_RETURN_IF_ERROR(built);
    if (sink_status = sink->OnCommit(Position::FromLsn(transaction.end_lsn)); !sink_status.ok()) {
      return SinkFailed(sink_status, sink_failed);
    }
    delivered_ = std::max(delivered_, transaction.end_lsn);
    return Status::Ok();
  }

  static Status SinkFailed(Status status, bool* sink_failed) {
    *sink_failed = true;
    return status;
  }

  // Confirms what the sink holds durably; when it holds everything delivered and no transaction
  // is open, the server's WAL end too.
  Status Feedback(ReplicationStream& stream, const ChangeEventSink& sink,
                  const PgoutputAssembler& assembler, bool now) {
    const Position durable = sink.Durable();
    Lsn confirm = durable.has_lsn() ? durable.lsn() : Lsn();
    if (confirm >= delivered_ && !assembler.in_transaction()) {
      confirm = std::max(confirm, stream.server_end());
    }
    if (confirm <= stream.confirmed()) return Status::Ok();
    if (!now && std::chrono::steady_clock::now() - last_confirm_ < kConfirmEvery) {
      return Status::Ok();
    }
    last_confirm_ = std::chrono::steady_clock::now();
    return stream.Confirm(confirm);
  }

  // A failed START_REPLICATION or read: a slot that is gone or lost is DataLoss (nothing to
  // retry); anything else as it is.
  // A previous session of this stream that was taken as lost (half-open) may still hold the slot
  // on the server until its wal_sender_timeout: that walsender, and only it (its process id
  // recorded when it connected), is ended so that the slot is free at once.
  void EndOwnLostSession() {
    if (replication_pid_ == 0 || catalog_ == nullptr) return;
    const std::string pid = std::to_string(replication_pid_);
    replication_pid_ = 0;
    Result<QueryResult> ended = catalog_->Query(
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 "
        "AND active_pid = $2::int",
        {options_.slot, pid});
    if (!ended.ok()) {
      spdlog::warn("replication stream: ending the earlier session (pid {}) that holds slot {}: {}",
                   pid, options_.slot, ended.status().ToString());
    } else if (!ended->rows.empty()) {
      spdlog::info("replication stream: ended the earlier session (pid {}) still holding slot {}",
                   pid, options_.slot);
    }
  }

  Status WhySlotUnreadable(Status status) {
    // Another session still streams the slot (one the server has not yet found lost): retried.
    if (status.message().find("is active for PID") != std::string_view::npos) {
      return Status::Unavailable(status.message());
    }
    if (status.code() == StatusCode::kUnavailable || catalog_ == nullptr) return status;
    Result<std::optional<SlotState>> slot = ReadSlot(*catalog_, options_.slot);
    if (!slot.ok()) return status;
    if (!*slot) return LostSlotError(options_.slot, false);
    if ((*slot)->wal_status == "lost") return LostSlotError(options_.slot, true);
    return status;
  }

  PgStreamOptions options_;
  PgChangeBuilder builder_;  // kept across reconnects: it knows each table's last shape
  std::unique_ptr<Connection> catalog_;
  int replication_pid_ = 0;  // the server process of the last replication session opened
  Lsn delivered_;  // the end of the last transaction delivered to the sink
  bool binary_;    // whether the next session asks for binary values
  bool switch_to_text_ = false;
  // Each column type met in binary mode: nullopt when it has a binary reader, else its name.
  std::map<std::pair<uint32_t, int32_t>, std::optional<std::string>> binary_readable_;
  std::chrono::steady_clock::time_point last_confirm_{};
  std::chrono::steady_clock::time_point last_poll_{};
  std::chrono::steady_clock::time_point last_poll_warning_{};
};

}  // namespace

std::unique_ptr<ChangeStream> OpenPgoutputStream(PgStreamOptions options) {
  return std::make_unique<PgoutputChangeStream>(std::move(options));
}

}  // namespace cutover::postgres
