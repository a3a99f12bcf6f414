// PgoutputChangeStream: a PostgreSQL source's logical replication slot as a ChangeStream
// (cutover/source.h): START_REPLICATION with pgoutput (protocol 2, streaming of large
// transactions), assembled into committed transactions (PgoutputAssembler), turned into Changes
// (PgChangeBuilder) and delivered whole; a dropped connection is opened again with backoff and
// the stream resumes after the last transaction delivered.
//
// Values come in binary (pgoutput's `binary` option: each type's send form, read by
// ParsePostgresBinary) or text (ParsePostgresText); both give the same Values. With kAuto the
// stream asks for binary and, at the first Relation of a selected table with a column whose type
// has no binary reader (an array, inet, ...), before any change of that transaction reaches the
// sink, opens the stream again from the last transaction delivered asking for text, for good.
//
// Feedback: the slot is confirmed up to what the sink holds durably (ChangeEventSink::Durable),
// never further; when every transaction delivered is durable and none is open, up to the
// server's WAL end as well (what the walsender has passed holds nothing for us), so the slot
// advances on a database whose writes are all elsewhere. A slot that is gone or invalidated
// (wal_status lost) is DataLoss naming it (LostSlotError).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cutover/source.h"
#include "cutover/spec.h"

#include "db/postgres/connection.h"
#include "source/mysql/binlog_backoff.h"

namespace cutover::postgres {

struct PgStreamOptions {
  ConnectionSpec connection;
  std::string slot;
  std::string publication;
  ChangeStreamOptions stream;  // start: an LSN position (empty: the slot's confirmed flush)
  mysql::BackoffOptions backoff;
  int max_attempts = 0;  // reconnects before giving up; 0: never give up
  // `cutover tail`: read a TEMPORARY slot of this name, created on the stream's own connection
  // (it goes with the connection, and never moves the migration's slot). Each connection makes a
  // new one, which starts where the server is then: a reconnect is reported as a gap.
  bool temporary_slot = false;
  SourceSpec::ValueFormat value_format = SourceSpec::ValueFormat::kAuto;
  // Called with the stream's catalog session every `poll_every` while streaming (the source adds
  // tables created since to its publication: PublishNewTables). Its errors are logged (at most
  // once a minute) and do not stop the stream. Null: nothing.
  std::function<Status(Connection& catalog)> poll;
  std::chrono::milliseconds poll_every{2000};
};

std::unique_ptr<ChangeStream> OpenPgoutputStream(PgStreamOptions options);

}  // namespace cutover::postgres
