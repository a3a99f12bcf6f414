// BinlogStream: connect, dump, decode, buffer to commits; reconnect with backoff on failure.
#include "source/mysql/binlog_stream.h"

#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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
  binlog::BinlogDecoder decoder(binlog::DecoderOptions{
      options_.table_filter, true, transport->checksum(), committed_position(), delivered_.shapes});
  TransactionBuffer buffer(sink, &delivered_);
  Status status;
  while (status.ok() && !StopRequested()) {
    Result<std::string_view> event = transport->NextEvent();
    if (!event.ok()) {
      status = event.status();
      break;
    }
    *streamed = true;
    ++stats_.events;
    stats_.bytes += event->size();
    status = buffer.Decode(&decoder, *event);
    if (status.ok() && options_.TEST_after_event && options_.TEST_after_event(stats_.events)) {
      break;
    }
  }
  stats_.transactions += buffer.delivered();
  *sink_failed = buffer.downstream_failed();
  buffer.Discard();  // a transaction without its commit is read again after reconnecting
  return status;
}

}  // namespace cutover::mysql
