// BinlogReaderThread and BinlogEventQueue: the bounded hand-off of raw binlog events from the
// network-reading thread to the decoding thread.
#include "source/mysql/binlog_reader_thread.h"

#include <algorithm>
#include <utility>

#include "source/binlog/event_types.h"
#include "source/binlog/events.h"

namespace cutover::mysql {

Status EventChecksumVerifier::Check(std::string_view event) {
  Result<binlog::EventHeader> header = binlog::ParseEventHeader(event);
  if (!header.ok()) return Status::Ok();
  if (header->type == static_cast<uint8_t>(binlog::EventType::kFormatDescription)) {
    Result<binlog::FormatDescription> format = binlog::ParseFormatDescription(event);
    if (format.ok()) {
      checksum_ = format->checksum;
      rotate_post_header_ =
          format->PostHeaderLength(static_cast<uint8_t>(binlog::EventType::kRotate), 8);
    }
    return Status::Ok();
  }
  const bool crc = checksum_ == binlog::ChecksumAlgorithm::kCrc32;
  if (crc) {
    Status status = binlog::VerifyChecksum(event);
    if (!status.ok()) {
      uint64_t start =
          header->log_pos >= header->event_size ? header->log_pos - header->event_size : 0;
      std::string where = binlog::EventTypeName(header->type) + " at " +
                          (file_.empty() ? "offset " : file_ + ":") + std::to_string(start);
      return status.WithContext(where);
    }
  }
  if (header->type == static_cast<uint8_t>(binlog::EventType::kRotate)) {
    std::string_view payload = event.substr(binlog::kEventHeaderSize);
    if (crc) payload.remove_suffix(std::min(payload.size(), binlog::kChecksumSize));
    Result<binlog::RotateEvent> rotate = binlog::ParseRotate(payload, rotate_post_header_);
    if (rotate.ok()) file_ = std::string(rotate->next_file);
  }
  return Status::Ok();
}

BinlogEventQueue::BinlogEventQueue(size_t capacity_bytes)
    : capacity_bytes_(std::max<size_t>(1, capacity_bytes)),
      release_every_(std::max<size_t>(1, capacity_bytes_ / 8)) {}

bool BinlogEventQueue::Push(std::string_view event) {
  spare_.assign(event.data(), event.size());  // outside the lock: the consumer keeps decoding
  const size_t charge = Charge(spare_);
  bool wake_consumer = false;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!closed_ && used_bytes_ != 0 && used_bytes_ + charge > capacity_bytes_) {
      producer_waiting_ = true;
      room_.wait(lock);
    }
    producer_waiting_ = false;
    if (closed_) return false;
    ready_.push_back(std::move(spare_));
    used_bytes_ += charge;
    peak_bytes_ = std::max(peak_bytes_, used_bytes_);
    spare_ = std::string();
    if (!free_.empty()) {
      spare_ = std::move(free_.back());
      free_.pop_back();
      free_bytes_ -= Charge(spare_);
    }
    wake_consumer = consumer_waiting_;
    consumer_waiting_ = false;
  }
  if (wake_consumer) data_.notify_one();
  return true;
}

void BinlogEventQueue::Finish(Status status) {
  bool wake_consumer = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    finished_ = true;
    end_ = status.ok() ? Status::Internal("binlog reader ended without an error") : status;
    wake_consumer = consumer_waiting_;
    consumer_waiting_ = false;
  }
  if (wake_consumer) data_.notify_one();
}

bool BinlogEventQueue::ReleaseDoneLocked() {
  for (std::string& buffer : done_) {
    const size_t charge = Charge(buffer);
    used_bytes_ -= charge;
    if (buffer.capacity() <= kMaxKeptBuffer && free_bytes_ + charge <= capacity_bytes_) {
      buffer.clear();
      free_bytes_ += charge;
      free_.push_back(std::move(buffer));
    }
  }
  done_.clear();
  done_bytes_ = 0;
  const bool wake_producer = producer_waiting_;
  producer_waiting_ = false;
  return wake_producer;
}

void BinlogEventQueue::ReleaseDone() {
  bool wake_producer = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_producer = ReleaseDoneLocked();
  }
  if (wake_producer) room_.notify_one();
}

Result<std::string_view> BinlogEventQueue::Pop() {
  if (holding_) {  // the event returned last time is decoded: its buffer can go back
    std::string& buffer = batch_[next_ - 1];
    done_bytes_ += Charge(buffer);
    done_.push_back(std::move(buffer));
    holding_ = false;
  }
  if (next_ < batch_.size()) {
    if (done_bytes_ >= release_every_) ReleaseDone();  // lets a blocked producer go on early
    holding_ = true;
    return std::string_view(batch_[next_++]);
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (ReleaseDoneLocked()) room_.notify_one();
  while (ready_.empty() && !finished_) {
    consumer_waiting_ = true;
    data_.wait(lock);
  }
  consumer_waiting_ = false;
  if (ready_.empty()) return end_;  // every event pushed before Finish() was returned
  batch_.clear();                   // only moved-from buffers are left in it
  batch_.swap(ready_);
  next_ = 0;
  lock.unlock();
  holding_ = true;
  return std::string_view(batch_[next_++]);
}

void BinlogEventQueue::Close() {
  bool wake_producer = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    wake_producer = producer_waiting_;
    producer_waiting_ = false;
  }
  if (wake_producer) room_.notify_one();
}

size_t BinlogEventQueue::peak_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_bytes_;
}

bool BinlogEventQueue::TEST_producer_waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return producer_waiting_;
}

BinlogReaderThread::BinlogReaderThread(ReadFunction read, std::function<void()> interrupt,
                                       size_t queue_bytes)
    : read_(std::move(read)),
      interrupt_(std::move(interrupt)),
      queue_(queue_bytes),
      thread_([this] { Loop(); }) {}

BinlogReaderThread::~BinlogReaderThread() { Stop(); }

void BinlogReaderThread::Loop() {
  while (true) {
    Result<std::string_view> event = read_();
    if (!event.ok()) {
      queue_.Finish(event.status());
      return;
    }
    if (!queue_.Push(*event)) return;  // the owner stopped reading
  }
}

void BinlogReaderThread::Stop() {
  if (!thread_.joinable()) return;
  queue_.Close();                // wakes a reader waiting for room
  if (interrupt_) interrupt_();  // ends a read waiting for the network
  thread_.join();
}

}  // namespace cutover::mysql
