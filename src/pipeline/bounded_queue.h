// BoundedQueue: a blocking FIFO of at most `capacity` items between one reader thread and one
// writer thread of a copy range, so reading overlaps writing while memory stays bounded.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace cutover::pipeline {

// Invariants: items_.size() <= capacity_; once closed_, Push refuses and Pop drains what is
// left, then returns nullopt. Either side may Close() (the writer on an error, the reader at
// the end of its range).
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; false when the queue was closed (the item is dropped).
  bool Push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    // Only a queue that was empty can have a consumer waiting (each wake is a futex call).
    if (items_.size() == 1) not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open; nullopt once closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    if (items_.size() + 1 == capacity_) not_full_.notify_one();  // only a full queue blocks
    return item;
  }

  // Like Pop, but waits at most `timeout`: nullopt when nothing arrived in time (or the queue
  // is closed and drained: see closed()).
  template <typename Duration>
  std::optional<T> PopFor(Duration timeout) {
    std::unique_lock lock(mutex_);
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    return PopLocked();
  }

  // The next item if one is queued, without waiting.
  std::optional<T> TryPop() {
    std::lock_guard lock(mutex_);
    return PopLocked();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::optional<T> PopLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    if (items_.size() + 1 == capacity_) not_full_.notify_one();
    return item;
  }

  const size_t capacity_;
  // Guards items_ and closed_.
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace cutover::pipeline
