// BinlogStream: connect, dump, read on a reader thread, decode, buffer to commits; reconnect with
// backoff on failure.
#include "source/mysql/binlog_stream.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "source/mysql/binlog_reader_thread.h"
#include "source/mysql/binlog_transport.h"

namespace cutover::mysql {

BinlogStream::BinlogStream(BinlogStreamOptions options) : options_(std::move(options)) {
  delivered_.committed = options_.start;
}

bool BinlogStream::StopRequested() const {
  return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
}

void BinlogStream::SleepUnlessStopped(std::chrono::milliseconds delay) const {
  constexpr std::chrono::milliseconds kSlice{50};
  auto until = std::chrono::steady_clock::now() + delay;
  while (!StopRequested() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min(kSlice, delay));
  }
}

Status BinlogStream::Run(binlog::EventSink* sink) {
  BinlogBackoff backoff(options_.backoff);
  while (!StopRequested()) {
    bool streamed = false;
    bool sink_failed = false;
    Status status = RunOnce(sink, &streamed, &sink_failed);
    if (status.ok() || sink_failed || !status.IsRetryable()) return status;
    if (streamed) backoff.Reset();
    std::chrono::milliseconds delay = backoff.Next();
    if (options_.max_attempts > 0 && backoff.attempt() > options_.max_attempts) {
      return status.WithContext(
          fmt::format("binlog stream gave up after {} reconnect attempts", options_.max_attempts));
    }
    // The status names user@host:port and, for a password, only where it came from.
    spdlog::warn("binlog stream: {}; reconnecting in {} ms (attempt {}), resuming at {}",
                 status.ToString(), delay.count(), backoff.attempt(),
                 committed_position().Encode());
    SleepUnlessStopped(delay);
  }
  return Status::Ok();
}

Status BinlogStream::RunOnce(binlog::EventSink* sink, bool* streamed, bool* sink_failed) {
  DumpOptions dump{options_.server_id, options_.heartbeat_period};
  CUTOVER_ASSIGN_OR_RETURN(std::unique_ptr<BinlogTransport> transport,
                           BinlogTransport::Open(options_.connection, dump));
  if (!start_resolved_ && delivered_.committed.empty()) {
    CUTOVER_ASSIGN_OR_RETURN(delivered_.committed, transport->CurrentPosition());
  }
  start_resolved_ = true;
  CUTOVER_RETURN_IF_ERROR(transport->StartDump(delivered_.committed));
  ++stats_.connections;
  if (stats_.connections > 1) {
    spdlog::info("binlog stream: reading {} again from {}", transport->Describe(),
                 committed_position().Encode());
  }
  // The reader thread verifies the checksums (EventChecksumVerifier), the decoder need not.
  binlog::BinlogDecoder decoder(binlog::DecoderOptions{options_.table_filter, false,
                                                       transport->checksum(), committed_position(),
                                                       delivered_.shapes});
  TransactionBuffer buffer(sink, &delivered_);
  // From here on only the reader thread touches the transport, until reader.Stop() (the
  // destructor's too, which runs before the transport's) interrupts it and joins.
  BinlogTransport* session = transport.get();
  EventChecksumVerifier checksums(transport->checksum());  // used by the reader thread only
  auto read = [session, &checksums]() -> Result<std::string_view> {
    CUTOVER_ASSIGN_OR_RETURN(std::string_view event, session->NextEvent());
    CUTOVER_RETURN_IF_ERROR(checksums.Check(event));
    return event;
  };
  BinlogReaderThread reader(
      read, [session] { session->Interrupt(); }, options_.read_ahead_bytes);
  Status status = DecodeEvents(&reader, &decoder, &buffer, streamed);
  reader.Stop();
  stats_.peak_queue_bytes = std::max<uint64_t>(stats_.peak_queue_bytes, reader.peak_queue_bytes());
  stats_.transactions += buffer.delivered();
  *sink_failed = buffer.downstream_failed();
  buffer.Discard();  // a transaction without its commit is read again after reconnecting
  return status;
}

Status BinlogStream::DecodeEvents(BinlogReaderThread* reader, binlog::BinlogDecoder* decoder,
                                  TransactionBuffer* buffer, bool* streamed) {
  while (!StopRequested()) {
    // Events arrive in binlog order; the reader's error only after every event read before it.
    CUTOVER_ASSIGN_OR_RETURN(std::string_view event, reader->Next());
    *streamed = true;
    ++stats_.events;
    stats_.bytes += event.size();
    CUTOVER_RETURN_IF_ERROR(buffer->Decode(decoder, event));
    if (options_.TEST_after_event && options_.TEST_after_event(stats_.events)) break;
  }
  return Status::Ok();
}

}  // namespace cutover::mysql
