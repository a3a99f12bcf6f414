// binlog_decode_bench: measures how many row events per second cutover's binlog decoder reads,
// from a binlog file (pure decode, events decoded in place from a memory mapping) or from a live
// source over the replication protocol (BinlogStream: reader thread and transport, decoder,
// transaction buffer).
//   binlog_decode_bench file PATH
//   binlog_decode_bench stream --port 13306 --user cutover --password-env PW --file binlog.000007
//                              [--read-ahead-bytes N]
// Prints one line of key=value figures; bench/binlog_decode.sh runs it (docs/benchmarks.md).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/binlog/decoder.h"
#include "source/mysql/binlog_stream.h"

namespace cutover::bench {
namespace {

// Counts row changes; in stream mode ends the stream at the ROTATE that leaves `file`.
class CountingSink : public binlog::EventSink {
 public:
  explicit CountingSink(std::string file = "") : file_(std::move(file)) {}
  Status OnChange(const Change& change) override {
    if (change.op != ChangeOp::kSchema) ++row_changes;
    return Status::Ok();
  }
  Status OnCommit(const binlog::TransactionCommit&) override {
    ++transactions;
    return Status::Ok();
  }
  Status OnRotate(const BinlogFilePosition& next) override {
    if (!file_.empty() && next.file() != file_) return Status::Cancelled("end of file");
    return Status::Ok();
  }
  uint64_t row_changes = 0;
  uint64_t transactions = 0;

 private:
  std::string file_;
};

void Report(const char* mode, uint64_t events, uint64_t row_changes, uint64_t transactions,
            double seconds) {
  std::printf(
      "mode=%s events=%llu row_changes=%llu transactions=%llu seconds=%.3f "
      "row_changes_per_second=%.0f\n",
      mode, static_cast<unsigned long long>(events), static_cast<unsigned long long>(row_changes),
      static_cast<unsigned long long>(transactions), seconds, row_changes / seconds);
}

// The file is mapped, not read: events are decoded where they lie (no copy through read(2), which
// took a third of the time), and pages already decoded are dropped every kReleaseBytes so the
// resident size does not grow with the file.
int DecodeFile(const std::string& path) {
  constexpr size_t kReleaseBytes = 4u << 20;
  int fd = open(path.c_str(), O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 4) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* mapped = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapped == MAP_FAILED) {
    std::fprintf(stderr, "cannot map %s\n", path.c_str());
    return 1;
  }
  madvise(mapped, size, MADV_SEQUENTIAL);
  const char* data = static_cast<const char*>(mapped);
  std::string name = path.substr(path.find_last_of('/') + 1);
  binlog::DecoderOptions options;
  options.start = Position::FromFile(*BinlogFilePosition::Make(name, kBinlogFirstEventOffset));
  binlog::BinlogDecoder decoder(options);
  CountingSink sink;
  size_t offset = 4;  // after the magic bytes
  size_t released = 0;
  auto started = std::chrono::steady_clock::now();
  while (offset + binlog::kEventHeaderSize <= size) {
    uint32_t event_size = 0;
    std::memcpy(&event_size, data + offset + 9, 4);  // little-endian, as the host
    if (event_size < binlog::kEventHeaderSize || offset + event_size > size) {
      std::fprintf(stderr, "impossible or truncated event at offset %zu\n", offset);
      return 1;
    }
    Status status = decoder.Decode(std::string_view(data + offset, event_size), &sink);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      return 1;
    }
    offset += event_size;
    if (offset - released >= 2 * kReleaseBytes) {  // keep the last kReleaseBytes mapped
      size_t upto = offset - kReleaseBytes;
      upto -= upto % 4096;
      madvise(const_cast<char*>(data) + released, upto - released, MADV_DONTNEED);
      released = upto;
    }
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  munmap(mapped, size);
  Report("file", decoder.stats().events, sink.row_changes, sink.transactions, elapsed.count());
  return 0;
}

struct StreamArgs {
  std::string host = "127.0.0.1";
  int port = 13306;
  std::string user = "cutover";
  std::string password_env = "CUTOVER_BENCH_PASSWORD";
  std::string file;
  uint32_t server_id = 4242424;
  bool skip_rows = false;  // select no table: measures transport and framing alone
  size_t read_ahead_bytes = mysql::BinlogStreamOptions().read_ahead_bytes;
};

int Stream(const StreamArgs& args) {
  mysql::BinlogStreamOptions options;
  options.connection.host = args.host;
  options.connection.port = args.port;
  options.connection.user = args.user;
  const char* password = std::getenv(args.password_env.c_str());
  options.connection.password = Secret{"env " + args.password_env, password ? password : ""};
  options.connection.tls.mode = TlsSpec::Mode::kDisable;
  options.server_id = args.server_id;
  options.start = Position::FromFile(*BinlogFilePosition::Make(args.file, kBinlogFirstEventOffset));
  options.max_attempts = 1;
  options.read_ahead_bytes = args.read_ahead_bytes;
  if (args.skip_rows) options.table_filter = [](const TableId&) { return false; };
  CountingSink sink(args.file);
  mysql::BinlogStream stream(std::move(options));
  auto started = std::chrono::steady_clock::now();
  Status status = stream.Run(&sink);
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  if (status.code() != StatusCode::kCancelled) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  Report("stream", stream.stats().events, sink.row_changes, sink.transactions, elapsed.count());
  std::printf("read_ahead_bytes=%zu peak_queue_bytes=%llu\n", args.read_ahead_bytes,
              static_cast<unsigned long long>(stream.stats().peak_queue_bytes));
  return 0;
}

}  // namespace
}  // namespace cutover::bench

int main(int argc, char** argv) {
  CLI::App app{"cutover binlog decode benchmark"};
  app.require_subcommand(1);
  std::string path;
  CLI::App* file = app.add_subcommand("file", "decode a binlog file");
  file->add_option("PATH", path, "the binlog file")->required();
  cutover::bench::StreamArgs args;
  CLI::App* stream = app.add_subcommand("stream", "stream one binlog file from a live source");
  stream->add_option("--host", args.host);
  stream->add_option("--port", args.port);
  stream->add_option("--user", args.user);
  stream->add_option("--password-env", args.password_env, "variable holding the password");
  stream->add_option("--file", args.file, "binlog file to read, start to end")->required();
  stream->add_option("--server-id", args.server_id);
  stream->add_flag("--skip-rows", args.skip_rows, "decode no rows: the transport's own speed");
  stream->add_option("--read-ahead-bytes", args.read_ahead_bytes,
                     "bound of the reader thread's queue (BinlogStreamOptions::read_ahead_bytes)");
  CLI11_PARSE(app, argc, argv);
  if (*file) return cutover::bench::DecodeFile(path);
  return cutover::bench::Stream(args);
}
