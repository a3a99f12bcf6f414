// Tests for the reader thread's queue: events come out in order and whole, the queue holds at
// most its capacity in bytes (one larger event passes alone), the reader's error arrives after
// the events read before it, and stopping wakes a reader blocked on a full queue or a read; and
// for the reader's checksum verification, against the decoder's on the real fixture binlog.
#include "source/mysql/binlog_reader_thread.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "source/binlog/decoder.h"
#include "source/binlog/rows_event.h"
#include "source/binlog/test_support.h"

namespace cutover::mysql {
namespace {

using namespace std::chrono_literals;

// Event `index`: `size` bytes that name their index, so a swap or a torn copy shows.
std::string MakeEvent(size_t index, size_t size) {
  std::string event = std::to_string(index) + ":";
  while (event.size() < size) event.push_back(static_cast<char>('a' + (index + event.size()) % 26));
  event.resize(size);
  return event;
}

size_t SizeOf(size_t index) { return 1 + (index * 7919) % 2000; }

// Waits up to 5 s for `condition`.
template <typename Condition>
bool WaitFor(Condition condition) {
  auto until = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(BinlogEventQueueTest, DeliversEveryEventInOrderThenTheProducersError) {
  constexpr size_t kEvents = 20000;
  constexpr size_t kCapacity = 8 * 1024;
  BinlogEventQueue queue(kCapacity);
  std::thread producer([&queue] {
    for (size_t index = 0; index < kEvents; ++index) {
      ASSERT_TRUE(queue.Push(MakeEvent(index, SizeOf(index))));
    }
    queue.Finish(Status::DataLoss("127.0.0.1:13306: binlog purged"));
  });
  for (size_t index = 0; index < kEvents; ++index) {
    Result<std::string_view> event = queue.Pop();
    ASSERT_TRUE(event.ok()) << "event " << index << ": " << event.status().ToString();
    ASSERT_EQ(*event, MakeEvent(index, SizeOf(index))) << "event " << index;
  }
  for (int call = 0; call < 2; ++call) {  // the end is sticky
    Result<std::string_view> end = queue.Pop();
    ASSERT_FALSE(end.ok());
    EXPECT_EQ(end.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(end.status().message(), "127.0.0.1:13306: binlog purged");
  }
  producer.join();
  EXPECT_LE(queue.peak_bytes(), kCapacity);
  EXPECT_GT(queue.peak_bytes(), 0u);
}

TEST(BinlogEventQueueTest, HoldsAtMostItsCapacityAndTheProducerWaitsWhileFull) {
  constexpr size_t kCapacity = 1000;
  constexpr size_t kEvents = 100;
  BinlogEventQueue queue(kCapacity);
  std::atomic<size_t> pushed{0};
  std::thread producer([&] {
    for (size_t index = 0; index < kEvents; ++index) {
      ASSERT_TRUE(queue.Push(MakeEvent(index, 100)));
      ++pushed;
    }
    queue.Finish(Status::Unavailable("connection lost"));
  });
  ASSERT_TRUE(WaitFor([&] { return queue.TEST_producer_waiting(); }));
  const size_t while_full = pushed.load();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(pushed.load(), while_full);  // nobody pops: the producer stays blocked
  EXPECT_GE(while_full, 1u);
  EXPECT_LE(while_full * (100 + BinlogEventQueue::kSlotOverhead), kCapacity);
  for (size_t index = 0; index < kEvents; ++index) {
    Result<std::string_view> event = queue.Pop();
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    ASSERT_EQ(*event, MakeEvent(index, 100));
  }
  EXPECT_EQ(queue.Pop().status().ToString(), Status::Unavailable("connection lost").ToString());
  producer.join();
  EXPECT_LE(queue.peak_bytes(), kCapacity);
}

TEST(BinlogEventQueueTest, EventLargerThanTheCapacityWaitsForAnEmptyQueueThenPassesAlone) {
  constexpr size_t kCapacity = 1000;
  BinlogEventQueue queue(kCapacity);
  ASSERT_TRUE(queue.Push(MakeEvent(0, 100)));
  const std::string big = MakeEvent(1, 5000);
  std::atomic<bool> pushed_big{false};
  std::thread producer([&] {
    ASSERT_TRUE(queue.Push(big));
    pushed_big = true;
    queue.Finish(Status::Unavailable("end"));
  });
  ASSERT_TRUE(WaitFor([&] { return queue.TEST_producer_waiting(); }));
  EXPECT_FALSE(pushed_big.load());  // 100 bytes are still queued
  Result<std::string_view> first = queue.Pop();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, MakeEvent(0, 100));
  Result<std::string_view> second = queue.Pop();  // gives the first buffer back
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, big);
  EXPECT_EQ(queue.Pop().status().code(), StatusCode::kUnavailable);
  producer.join();
  EXPECT_GE(queue.peak_bytes(), big.size());
}

TEST(BinlogEventQueueTest, CloseWakesAProducerWaitingForRoom) {
  BinlogEventQueue queue(100);
  ASSERT_TRUE(queue.Push(MakeEvent(0, 200)));
  std::atomic<int> result{-1};
  std::thread producer([&] { result = queue.Push(MakeEvent(1, 200)) ? 1 : 0; });
  ASSERT_TRUE(WaitFor([&] { return queue.TEST_producer_waiting(); }));
  queue.Close();
  producer.join();
  EXPECT_EQ(result.load(), 0);
  EXPECT_FALSE(queue.Push(MakeEvent(2, 10)));
}

TEST(BinlogReaderThreadTest, ReadErrorArrivesAfterTheEventsReadBeforeIt) {
  constexpr size_t kEvents = 5000;
  size_t reads = 0;  // only the reader thread touches it; read after Stop() joined
  std::string current;
  auto read = [&]() -> Result<std::string_view> {
    if (reads == kEvents) return Status::DataLoss("source: binlog.000042 purged");
    current = MakeEvent(reads, SizeOf(reads));
    ++reads;
    return std::string_view(current);
  };
  BinlogReaderThread reader(read, nullptr, 16 * 1024);
  for (size_t index = 0; index < kEvents; ++index) {
    Result<std::string_view> event = reader.Next();
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    ASSERT_EQ(*event, MakeEvent(index, SizeOf(index)));
  }
  Result<std::string_view> end = reader.Next();
  EXPECT_EQ(end.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(end.status().message(), "source: binlog.000042 purged");
  reader.Stop();
  EXPECT_EQ(reads, kEvents);
}

TEST(BinlogReaderThreadTest, StopInterruptsAReadWaitingForTheNetwork) {
  std::mutex mutex;
  std::condition_variable interrupted_cv;
  bool interrupted = false;  // guarded by mutex
  std::atomic<int> reads{0};
  std::string current;
  auto read = [&]() -> Result<std::string_view> {
    if (reads < 3) {
      current = MakeEvent(static_cast<size_t>(reads++), 50);
      return std::string_view(current);
    }
    ++reads;
    std::unique_lock<std::mutex> lock(mutex);  // an idle source: nothing until interrupted
    interrupted_cv.wait(lock, [&] { return interrupted; });
    return Status::Unavailable("socket shut down");
  };
  auto interrupt = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    interrupted = true;
    interrupted_cv.notify_all();
  };
  BinlogReaderThread reader(read, interrupt, 4096);
  for (size_t index = 0; index < 3; ++index) {
    Result<std::string_view> event = reader.Next();
    ASSERT_TRUE(event.ok());
    EXPECT_EQ(*event, MakeEvent(index, 50));
  }
  ASSERT_TRUE(WaitFor([&] { return reads.load() == 4; }));
  reader.Stop();  // returns only once the thread is joined
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_TRUE(interrupted);
}

TEST(BinlogReaderThreadTest, ReadsAheadOnlyUpToTheBoundAndStopsWhileFull) {
  constexpr size_t kCapacity = 4096;
  std::atomic<size_t> reads{0};
  std::string current;
  auto read = [&]() -> Result<std::string_view> {
    current = MakeEvent(reads++, 200);
    return std::string_view(current);
  };
  {
    BinlogReaderThread reader(read, nullptr, kCapacity);
    Result<std::string_view> first = reader.Next();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(*first, MakeEvent(0, 200));
    // Nobody takes more: the reader fills the queue, then waits.
    ASSERT_TRUE(WaitFor([&] {
      size_t before = reads.load();
      std::this_thread::sleep_for(20ms);
      return reads.load() == before;
    }));
    // The queue's bound plus the event being pushed and the one the owner holds.
    EXPECT_LE(reads.load(), kCapacity / (200 + BinlogEventQueue::kSlotOverhead) + 2);
    EXPECT_LE(reader.peak_queue_bytes(), kCapacity);
  }  // the destructor stops a reader blocked on the full queue
  EXPECT_GT(reads.load(), 5u);
}

std::vector<std::string> FixtureEvents(const std::string& name) {
  std::string file = binlog::testing::ReadFixture(name);
  binlog::BinlogFileReader reader(file);
  EXPECT_TRUE(reader.Open().ok());
  std::vector<std::string> events;
  std::string_view event;
  uint64_t offset = 0;
  while (*reader.Next(&event, &offset)) events.emplace_back(event);
  return events;
}

// The first rows event after the FORMAT_DESCRIPTION, with one payload byte flipped.
size_t CorruptFirstRowsEvent(std::vector<std::string>* events) {
  for (size_t event_idx = 1; event_idx < events->size(); ++event_idx) {
    std::string& event = (*events)[event_idx];
    if (!binlog::IsRowsEvent(static_cast<uint8_t>(event[4]))) continue;
    event[binlog::kEventHeaderSize + 3] ^= 0x40;
    return event_idx;
  }
  ADD_FAILURE() << "no rows event in the fixture";
  return 0;
}

TEST(EventChecksumVerifierTest, PassesEveryEventOfARealBinlogAndFindsTheFlippedByte) {
  std::vector<std::string> events = FixtureEvents("mariadb-types.binlog");
  ASSERT_GT(events.size(), 100u);
  EventChecksumVerifier clean(binlog::ChecksumAlgorithm::kOff);
  for (const std::string& event : events) ASSERT_TRUE(clean.Check(event).ok());

  const size_t bad = CorruptFirstRowsEvent(&events);
  EventChecksumVerifier verifier(binlog::ChecksumAlgorithm::kOff);
  for (size_t event_idx = 0; event_idx < bad; ++event_idx) {
    ASSERT_TRUE(verifier.Check(events[event_idx]).ok());
  }
  Status status = verifier.Check(events[bad]);
  ASSERT_EQ(status.code(), StatusCode::kDataLoss);
  // The same words as the decoder's own check (which names the file from the start position).
  binlog::DecoderOptions options;
  options.start =
      Position::FromFile(*BinlogFilePosition::Make("binlog.000001", kBinlogFirstEventOffset));
  binlog::BinlogDecoder decoder(options);
  binlog::testing::RecordingSink sink;
  Status decoded;
  for (size_t event_idx = 0; event_idx <= bad && decoded.ok(); ++event_idx) {
    decoded = decoder.Decode(events[event_idx], &sink);
  }
  ASSERT_EQ(decoded.code(), StatusCode::kDataLoss);
  std::string decoder_words(decoded.message());
  decoder_words.replace(decoder_words.find("binlog.000001:"), 14, "offset ");
  EXPECT_EQ(status.message(), decoder_words);
  EXPECT_NE(status.message().find(": checksum mismatch: stored 0x"), std::string::npos);
}

TEST(EventChecksumVerifierTest, FollowsTheFormatDescriptionNotTheNegotiatedAlgorithm) {
  std::vector<std::string> events = FixtureEvents("mariadb-nochecksum.binlog");
  const size_t bad = CorruptFirstRowsEvent(&events);
  // The FORMAT_DESCRIPTION says NONE: nothing to verify, even though CRC32 was negotiated.
  EventChecksumVerifier verifier(binlog::ChecksumAlgorithm::kCrc32);
  for (size_t event_idx = 0; event_idx <= bad; ++event_idx) {
    EXPECT_TRUE(verifier.Check(events[event_idx]).ok()) << "event " << event_idx;
  }
  // Before any FORMAT_DESCRIPTION the negotiated algorithm applies.
  EventChecksumVerifier before_format(binlog::ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(before_format.Check(events[bad]).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cutover::mysql
