// FaultProxy: a TCP proxy between a client (cutover) and one server that breaks the link on
// command: drop, stall, slow, reset mid-packet, half-open, refuse new connections.
//
// It listens on 127.0.0.1 at a port the system chooses (port()) and forwards every accepted
// connection to the upstream server, one thread per connection. Every command is thread-safe and
// returns at once; it acts on the connections open at that moment (Drop, ResetMidPacket,
// HalfOpen) or on every connection for a while (Stall, Slow, Refuse), new ones included.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cutover/status.h"

namespace cutover::fault {

class FaultProxy {
 public:
  // Listens on 127.0.0.1, port chosen by the system, forwarding to `upstream_host`:
  // `upstream_port` (an IPv4 address, e.g. "127.0.0.1"). Unavailable when it cannot listen.
  static Result<std::unique_ptr<FaultProxy>> Start(const std::string& upstream_host,
                                                   int upstream_port);
  // Stops accepting, closes every connection (both sides) and joins every thread.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }

  // Closes both sides of every open connection (an orderly FIN to each).
  void Drop();
  // Forwards nothing, in either direction, for `duration`; the sockets stay open and what was
  // sent meanwhile is forwarded afterwards. New connections are accepted but stall too.
  void Stall(std::chrono::milliseconds duration);
  // For `duration`: at most `bytes_per_second` each way per connection, and every chunk held
  // `latency` before it is forwarded.
  void Slow(int64_t bytes_per_second, std::chrono::milliseconds latency,
            std::chrono::milliseconds duration);
  // On every open connection, the next chunk (either direction) is forwarded only in part (its
  // first half, at least one byte), then both sides are reset (RST through SO_LINGER 0).
  void ResetMidPacket();
  // Every open connection stops forwarding and is never closed by the proxy (until Drop() or
  // the proxy's end): a peer learns of it only by its own timeouts. New connections work.
  void HalfOpen();
  // For `duration`, every new connection is reset as soon as it is accepted.
  void Refuse(std::chrono::milliseconds duration);

  // Connections accepted and forwarded so far; open now; bytes forwarded (both directions).
  int64_t connections_accepted() const { return accepted_.load(); }
  int open_connections() const;
  int64_t bytes_forwarded() const { return bytes_.load(); }

 private:
  struct Link;  // one client connection and its upstream connection
  FaultProxy(int listen_fd, int port, std::string upstream_host, int upstream_port);
  void AcceptLoop();
  void Serve(const std::shared_ptr<Link>& link);
  bool Forward(Link& link, int from, int to);
  void Pace(size_t bytes);
  size_t ChunkLimit();
  bool Stalled();

  // Constant after construction
  const int listen_fd_;
  const int port_;
  const std::string upstream_host_;
  const int upstream_port_;

  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> accepted_{0};
  std::atomic<int64_t> bytes_{0};

  // State below is protected by mutex_
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Link>> links_;
  std::vector<std::thread> threads_;
  std::chrono::steady_clock::time_point stall_until_;
  std::chrono::steady_clock::time_point slow_until_;
  std::chrono::steady_clock::time_point refuse_until_;
  int64_t slow_bytes_per_second_ = 0;
  std::chrono::milliseconds slow_latency_{0};

  std::thread accept_thread_;  // started last, joined first
};

}  // namespace cutover::fault
