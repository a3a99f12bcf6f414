// BinlogReaderThread: reads raw binlog events on a thread of its own into a bounded queue of
// reusable buffers (BinlogEventQueue), so the network read of the next events overlaps the
// decoding of earlier ones on the calling thread. Why and what it gains: docs/binlog.md
// ("The stream", reader thread).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cutover/status.h"

#include "source/binlog/framing.h"

namespace cutover::mysql {

// Verifies each event's CRC32 on the reader thread, so that the decoding thread need not (the
// stream's decoder runs with verify_checksums off): the one part of decoding that needs no
// decoder state besides the algorithm, moved to the thread with spare time. Follows the
// algorithm as the decoder does: `initial` (negotiated) until the first FORMAT_DESCRIPTION, then
// what each one announces. Not thread-safe; used by one reader.
class EventChecksumVerifier {
 public:
  explicit EventChecksumVerifier(binlog::ChecksumAlgorithm initial) : checksum_(initial) {}

  // OK, or DataLoss "<TYPE> at <file>:<offset>: checksum mismatch: stored 0x.., computed 0x..",
  // the decoder's words. Bytes it cannot frame pass: the decoder reports them.
  Status Check(std::string_view event);

 private:
  binlog::ChecksumAlgorithm checksum_;
  uint8_t rotate_post_header_ = 8;
  std::string file_;  // named by the last ROTATE; for messages
};

// A single-producer, single-consumer FIFO of events, bounded in bytes.
//
// Invariants (all counters guarded by mutex_):
// - Order: the consumer receives events in the order they were pushed, and the status given to
//   Finish() only after every event pushed before it.
// - Bound: used_bytes_ (the charge of the buffers in ready_ and of those the consumer holds) is
//   at most capacity_bytes, except when a single buffer is in use: an event larger than the
//   capacity waits until the queue is empty and then passes alone. A buffer's charge is its
//   allocated capacity plus kSlotOverhead, so the bound holds for memory, not just payload.
// - Reuse: buffers the consumer is done with go to free_ (at most capacity_bytes of charge,
//   none over kMaxKeptBuffer bytes) and the producer copies the next events into them; the rest
//   are freed. Memory is thus at most 2 x capacity_bytes plus the largest event, whatever the
//   binlog's size.
// - End: after Finish() (producer) or Close() (consumer) nothing more is queued; Push() returns
//   false once the consumer closed the queue, and a producer waiting for room wakes up.
// Waiting: each side sleeps on its own condition variable and is woken only when it waits
// (producer_waiting_, consumer_waiting_), so while both keep up there is no wake-up per event.
class BinlogEventQueue {
 public:
  // What a buffer costs beyond its bytes (the std::string and its allocation).
  static constexpr size_t kSlotOverhead = 64;
  // Buffers larger than this are freed rather than kept for reuse.
  static constexpr size_t kMaxKeptBuffer = 256 * 1024;

  // capacity_bytes: the bound above; at least 1.
  explicit BinlogEventQueue(size_t capacity_bytes);

  // Producer. Copies `event` into a buffer and queues it, waiting while the queue is full.
  // False when the consumer closed the queue (the event is dropped).
  bool Push(std::string_view event);
  // Producer. Ends the queue: the consumer gets `status` (not OK) after the events pushed so
  // far. Later calls are ignored.
  void Finish(Status status);

  // Consumer. The next event, valid until the next Pop() or Close(); waits while the queue is
  // empty. After the last event, the status given to Finish() (every later call returns it too).
  Result<std::string_view> Pop();
  // Consumer. Stops the producer: a waiting or later Push() returns false.
  void Close();

  // The largest used_bytes_ seen (for tests and the benchmark).
  size_t peak_bytes() const;
  // True while the producer waits for room (for tests).
  bool TEST_producer_waiting() const;

 private:
  static size_t Charge(const std::string& buffer) { return buffer.capacity() + kSlotOverhead; }
  // Gives the buffers in done_ back (caller holds mutex_); true when the producer must be woken.
  bool ReleaseDoneLocked();
  void ReleaseDone();

  // Constant after construction.
  const size_t capacity_bytes_;
  const size_t release_every_;  // the consumer gives buffers back once it holds this many bytes

  // Producer-only state (touched only by the producer thread, outside the lock).
  std::string spare_;  // the buffer the next event is copied into

  // Consumer-only state (touched only by the consumer thread, outside the lock).
  std::vector<std::string> batch_;  // events taken from ready_; [next_, size) not yet returned
  size_t next_ = 0;
  bool holding_ = false;           // batch_[next_ - 1] was returned by the last Pop()
  std::vector<std::string> done_;  // buffers the consumer is finished with
  size_t done_bytes_ = 0;

  // State below is protected by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable room_;    // the producer waits here for used_bytes_ to drop
  std::condition_variable data_;    // the consumer waits here for ready_ or the end
  std::vector<std::string> ready_;  // pushed, not yet taken by the consumer; oldest first
  std::vector<std::string> free_;   // empty buffers with their capacity kept, for the producer
  size_t used_bytes_ = 0;           // charge of ready_ plus the buffers the consumer holds
  size_t free_bytes_ = 0;           // charge of free_
  size_t peak_bytes_ = 0;
  bool finished_ = false;  // Finish() was called; end_ holds its status
  Status end_;
  bool closed_ = false;  // Close() was called
  bool producer_waiting_ = false;
  bool consumer_waiting_ = false;
};

// Runs `read` on a thread of its own until it fails or Stop(), pushing every event into a
// BinlogEventQueue; the owner takes them with Next(). One reader per connection.
class BinlogReaderThread {
 public:
  // Returns the next event (valid until the next call) or the error that ends the reading.
  using ReadFunction = std::function<Result<std::string_view>()>;

  // Starts the thread. `interrupt` must make a `read` in progress on the reader thread return
  // soon (for the transport: shutting its socket down); it is called from the owner's thread
  // by Stop(). queue_bytes: BinlogEventQueue's capacity.
  BinlogReaderThread(ReadFunction read, std::function<void()> interrupt, size_t queue_bytes);
  // Stop()s.
  ~BinlogReaderThread();
  BinlogReaderThread(const BinlogReaderThread&) = delete;
  BinlogReaderThread& operator=(const BinlogReaderThread&) = delete;

  // The next event in the order read, or, after the last one, the error `read` returned.
  Result<std::string_view> Next() { return queue_.Pop(); }
  // Closes the queue, interrupts a read in progress and joins the thread. Idempotent. After it
  // the reader no longer uses what `read` uses, so the owner may destroy the transport.
  void Stop();

  size_t peak_queue_bytes() const { return queue_.peak_bytes(); }

 private:
  void Loop();

  // Constant after construction.
  ReadFunction read_;
  std::function<void()> interrupt_;

  BinlogEventQueue queue_;  // thread-safe
  std::thread thread_;      // started last; touched only by the owner's thread
};

}  // namespace cutover::mysql
