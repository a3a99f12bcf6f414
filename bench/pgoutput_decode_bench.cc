// pgoutput_decode_bench: cutover's PostgreSQL change stream decoding a slot's backlog: the
// replication protocol, the pgoutput decoder, the transaction assembler and the changes built
// with typed values, exactly the path `cutover run` takes (without a change log). Reads the slot
// from its confirmed position until `--end` (an LSN) and prints
//   rows=<row changes> transactions=<n> seconds=<wall> cpu=<process CPU s> rows_per_s=<...>
// With --binary the values come in their binary send form (source.value_format: binary).
// bench/pg_decode.sh runs it next to pg_recvlogical (test_decoding, wal2json) on the same WAL.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include <sys/resource.h>

#include "db/postgres/connection.h"
#include "source/postgres/binary_values.h"
#include "source/postgres/pg_changes.h"
#include "source/postgres/pgoutput.h"
#include "source/postgres/replication_stream.h"
#include "source/postgres/source_schema.h"
#include "source/postgres/types.h"

namespace {

using namespace cutover;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int Run(const ConnectionSpec& spec, const std::string& slot, const std::string& publication,
        Lsn end, bool binary) {
  auto fail = [](const Status& status) {
    std::fprintf(stderr, "pgoutput_decode_bench: %s\n", status.ToString().c_str());
    return 1;
  };
  Result<std::unique_ptr<postgres::Connection>> catalog = postgres::Connection::Open(spec);
  if (!catalog.ok()) return fail(catalog.status());
  postgres::ConnectOptions replication;
  replication.replication = true;
  Result<std::unique_ptr<postgres::Connection>> connection =
      postgres::Connection::Open(spec, replication);
  if (!connection.ok()) return fail(connection.status());
  for (const std::string& statement : postgres::SessionSettings()) {
    if (Status status = (*connection)->Execute(statement).status(); !status.ok()) {
      return fail(status);
    }
  }
  postgres::PgCatalog tables;
  tables.schema = [&](const TableId& table) { return postgres::LoadTableSchema(**catalog, table); };
  tables.type = [&](uint32_t type_oid, int32_t typmod) {
    return postgres::LoadColumnType(**catalog, type_oid, typmod);
  };
  tables.existing = [&](const TableId& table, const std::string& column) {
    return postgres::LoadExistingRows(**catalog, table, column);
  };
  postgres::PgChangeBuilder builder(std::move(tables), postgres::ParsePostgresText, nullptr);
  if (binary) builder.ReadBinaryWith(postgres::ParsePostgresBinary);
  const auto started = std::chrono::steady_clock::now();
  const double cpu_started = CpuSeconds();
  postgres::ReplicationOptions options;
  options.slot = slot;
  options.publication = publication;
  options.binary = binary;
  Result<std::unique_ptr<postgres::ReplicationStream>> stream =
      postgres::ReplicationStream::Start(**connection, options);
  if (!stream.ok()) return fail(stream.status());
  postgres::PgoutputAssembler assembler;
  uint64_t rows = 0;
  uint64_t transactions = 0;
  Lsn reached;
  while (reached < end) {
    Result<std::optional<postgres::WalMessage>> message =
        (*stream)->Next(std::chrono::seconds(10));
    if (!message.ok()) return fail(message.status());
    if (!*message) return fail(Status::DeadlineExceeded("no message for 10 s before --end"));
    Result<std::vector<postgres::PgTransaction>> done = assembler.Feed((*message)->data);
    if (!done.ok()) return fail(done.status());
    for (const postgres::PgMessage& loose : assembler.TakeLoose()) {
      if (Status status = builder.Take(loose); !status.ok()) return fail(status);
    }
    for (const postgres::PgTransaction& transaction : *done) {
      Status built = builder.Build(transaction, Position::FromLsn(transaction.commit_lsn),
                                   [&](const Change& change) {
                                     if (!IsTableChange(change.op)) ++rows;
                                     return Status::Ok();
                                   });
      if (!built.ok()) return fail(built);
      ++transactions;
      reached = transaction.end_lsn;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("rows=%llu transactions=%llu seconds=%.3f cpu=%.2f rows_per_s=%.0f\n",
              static_cast<unsigned long long>(rows), static_cast<unsigned long long>(transactions),
              seconds, CpuSeconds() - cpu_started, static_cast<double>(rows) / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cutover's pgoutput change stream over a slot's backlog"};
  cutover::ConnectionSpec spec;
  spec.host = "127.0.0.1";
  spec.port = 15432;
  spec.user = "cutover";
  spec.database = "cutover_test";
  std::string slot;
  std::string publication;
  std::string end;
  bool binary = false;
  app.add_option("--port", spec.port);
  app.add_option("--database", spec.database);
  app.add_option("--slot", slot)->required();
  app.add_option("--publication", publication)->required();
  app.add_option("--end", end, "stop at the first transaction ending at or after this LSN")
      ->required();
  app.add_flag("--binary", binary, "ask for binary values");
  CLI11_PARSE(app, argc, argv);
  const char* password = std::getenv("PGPASSWORD");
  spec.password = cutover::Secret{"PGPASSWORD", password ? password : ""};
  cutover::Result<cutover::Lsn> lsn = cutover::Lsn::Parse(end);
  if (!lsn.ok()) {
    std::fprintf(stderr, "--end: %s\n", lsn.status().ToString().c_str());
    return 2;
  }
  return Run(spec, slot, publication, *lsn, binary);
}
