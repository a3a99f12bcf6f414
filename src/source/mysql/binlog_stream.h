// BinlogStream: the MariaDB/MySQL change stream. Reads the source's binlog as a replica from a
// position (on a reader thread, while the calling thread decodes), and hands the consumer whole
// committed transactions; survives lost connections and source restarts by reconnecting with
// backoff and resuming from the last committed position. How it works and what it guarantees:
// docs/binlog.md ("The stream").
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/spec.h"
#include "cutover/status.h"

#include "source/binlog/decoder.h"
#include "source/mysql/binlog_backoff.h"
#include "source/mysql/binlog_reader_thread.h"
#include "source/mysql/binlog_transaction_buffer.h"

namespace cutover::mysql {

struct BinlogStreamOptions {
  ConnectionSpec connection;
  // The replica server_id (SourceSpec::server_id); unique among the source's replicas.
  uint32_t server_id = 0;
  // The first transaction delivered is the one after `start`: a MariaDB GTID position, a binlog
  // file:pos, or both (GTID is used on MariaDB). Empty: the source's current end ("now").
  Position start;
  // Which tables to decode; null selects every table. Called once per table id.
  std::function<bool(const TableId&)> table_filter;
  // Idle sources send a heartbeat this often; also bounds how long a stop request waits.
  std::chrono::milliseconds heartbeat_period{1000};
  BackoffOptions backoff;
  // Consecutive failed reconnect attempts before Run() gives up; 0: retry until stopped.
  int max_attempts = 0;
  // Set (from any thread or a signal handler) to make Run() return OK at the next event or
  // heartbeat. Not owned; may be null.
  const std::atomic<bool>* stop = nullptr;
  // The most event bytes read ahead of the decoder (BinlogEventQueue's bound; a single larger
  // event still passes). Memory is at most about twice this plus the largest event.
  size_t read_ahead_bytes = 4 * 1024 * 1024;
  // Test hook, called after every event decoded with the count so far; true stops the stream as a
  // stop request would (an open transaction is dropped, as on a lost connection).
  std::function<bool(uint64_t events)> TEST_after_event;
};

class BinlogStream {
 public:
  explicit BinlogStream(BinlogStreamOptions options);

  // Streams into `sink` until stopped or failed; the sink is called on the calling thread only.
  // The sink sees each committed transaction
  // exactly once and whole: OnBegin, its OnChange/OnStatement calls in binlog order, OnCommit;
  // OnRotate and OnHeartbeat arrive as they happen. A transaction cut off by a lost connection is
  // read again from its start after reconnecting and delivered once.
  // Returns OK when stopped on request; the sink's own error unchanged (return Cancelled from the
  // sink to end early); DataLoss when the source no longer has the binlog at the position
  // (purged) or an event is corrupt; FailedPrecondition for privileges or settings; the last
  // connection error after max_attempts failed reconnects.
  Status Run(binlog::EventSink* sink);

  // After the last transaction the sink accepted (OnCommit returned OK): where to resume. Before
  // any, the start position ("now" resolved once connected).
  const Position& committed_position() const { return delivered_.committed; }

  struct Stats {
    uint64_t connections = 0;       // dumps started
    uint64_t events = 0;            // events decoded
    uint64_t bytes = 0;             // event bytes decoded
    uint64_t transactions = 0;      // transactions delivered
    uint64_t peak_queue_bytes = 0;  // the reader thread's queue at its fullest
  };
  const Stats& stats() const { return stats_; }

 private:
  Status RunOnce(binlog::EventSink* sink, bool* streamed, bool* sink_failed);
  // Decodes the reader's events until stopped, the TEST hook says so, or an error.
  Status DecodeEvents(BinlogReaderThread* reader, binlog::BinlogDecoder* decoder,
                      TransactionBuffer* buffer, bool* streamed);
  bool StopRequested() const;
  void SleepUnlessStopped(std::chrono::milliseconds delay) const;

  BinlogStreamOptions options_;
  DeliveredState delivered_;  // the position and table shapes the sink has accepted
  bool start_resolved_ = false;
  Stats stats_;
};

}  // namespace cutover::mysql
