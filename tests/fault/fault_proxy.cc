// FaultProxy: forwards TCP connections to one server and breaks them on command.
#include "fault_proxy.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cutover::fault {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(20);  // how often a thread looks at commands
constexpr size_t kChunk = 16 * 1024;

// Closes `fd` with a reset (RST) instead of an orderly FIN.
void CloseWithReset(int fd) {
  linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  close(fd);
}

// Writes all of `size` bytes to `fd`; false when the peer is gone or `stop` was set.
bool WriteAll(int fd, const char* data, size_t size, const std::atomic<bool>& stop) {
  while (size > 0 && !stop.load()) {
    ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent > 0) {
      data += sent;
      size -= static_cast<size_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd writable{fd, POLLOUT, 0};
      poll(&writable, 1, static_cast<int>(kTick.count()));
      continue;
    }
    return false;
  }
  return size == 0;
}

int ConnectTo(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

// One proxied connection. The commands set flags; the connection's own thread acts on them.
struct FaultProxy::Link {
  int client = -1;
  int upstream = -1;
  std::atomic<bool> drop{false};
  std::atomic<bool> reset{false};
  std::atomic<bool> half_open{false};
  std::atomic<bool> closed{false};
};

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(const std::string& upstream_host,
                                                      int upstream_port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 64) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::string error = std::strerror(errno);
    if (fd >= 0) close(fd);
    return Status::Unavailable("fault proxy: cannot listen on 127.0.0.1: " + error);
  }
  std::unique_ptr<FaultProxy> proxy(
      new FaultProxy(fd, ntohs(address.sin_port), upstream_host, upstream_port));
  proxy->accept_thread_ = std::thread([raw = proxy.get()] { raw->AcceptLoop(); });
  return proxy;
}

FaultProxy::FaultProxy(int listen_fd, int port, std::string upstream_host, int upstream_port)
    : listen_fd_(listen_fd),
      port_(port),
      upstream_host_(std::move(upstream_host)),
      upstream_port_(upstream_port) {}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

void FaultProxy::Drop() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::shared_ptr<Link>& link : links_) link->drop = true;
}

void FaultProxy::Stall(std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mutex_);
  stall_until_ = Clock::now() + duration;
}

void FaultProxy::Slow(int64_t bytes_per_second, std::chrono::milliseconds latency,
                      std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mutex_);
  slow_until_ = Clock::now() + duration;
  slow_bytes_per_second_ = std::max<int64_t>(1, bytes_per_second);
  slow_latency_ = latency;
}

void FaultProxy::ResetMidPacket() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::shared_ptr<Link>& link : links_) link->reset = true;
}

void FaultProxy::HalfOpen() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::shared_ptr<Link>& link : links_) link->half_open = true;
}

void FaultProxy::Refuse(std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mutex_);
  refuse_until_ = Clock::now() + duration;
}

int FaultProxy::open_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(std::count_if(links_.begin(), links_.end(),
                                        [](const auto& link) { return !link->closed.load(); }));
}

void FaultProxy::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd incoming{listen_fd_, POLLIN, 0};
    if (poll(&incoming, 1, static_cast<int>(kTick.count())) <= 0) continue;
    int client = accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    bool refuse = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      refuse = Clock::now() < refuse_until_;
    }
    int upstream = refuse ? -1 : ConnectTo(upstream_host_, upstream_port_);
    if (upstream < 0) {
      CloseWithReset(client);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto link = std::make_shared<Link>();
    link->client = client;
    link->upstream = upstream;
    ++accepted_;
    std::lock_guard<std::mutex> lock(mutex_);
    links_.erase(std::remove_if(links_.begin(), links_.end(),
                                [](const auto& old) { return old->closed.load(); }),
                 links_.end());
    links_.push_back(link);
    threads_.emplace_back([this, link] { Serve(link); });
  }
}

bool FaultProxy::Stalled() {
  std::lock_guard<std::mutex> lock(mutex_);
  return Clock::now() < stall_until_;
}

// The most one read may take now: a tenth of a second's worth while slowed.
size_t FaultProxy::ChunkLimit() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Clock::now() >= slow_until_) return kChunk;
  return static_cast<size_t>(std::clamp<int64_t>(slow_bytes_per_second_ / 10, 1, kChunk));
}

// Holds `bytes` for the slow mode's latency plus their time at its bandwidth.
void FaultProxy::Pace(size_t bytes) {
  std::chrono::microseconds wait{0};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Clock::now() >= slow_until_) return;
    wait = slow_latency_ + std::chrono::microseconds(static_cast<int64_t>(bytes) * 1000000 /
                                                     slow_bytes_per_second_);
  }
  std::this_thread::sleep_for(wait);
}

// Forwards one chunk from `from` to `to`; false when the link ended (or was reset).
bool FaultProxy::Forward(Link& link, int from, int to) {
  char buffer[kChunk];
  ssize_t got = recv(from, buffer, ChunkLimit(), 0);
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (got <= 0) return false;
  size_t size = static_cast<size_t>(got);
  if (link.reset.load()) {
    WriteAll(to, buffer, std::max<size_t>(1, size / 2), stopping_);
    return false;
  }
  Pace(size);
  bytes_ += got;
  return WriteAll(to, buffer, size, stopping_);
}

void FaultProxy::Serve(const std::shared_ptr<Link>& link) {
  bool reset = false;
  while (!stopping_.load() && !link->drop.load()) {
    if (link->half_open.load() || Stalled()) {
      std::this_thread::sleep_for(kTick);
      continue;
    }
    pollfd ends[2] = {{link->client, POLLIN, 0}, {link->upstream, POLLIN, 0}};
    if (poll(ends, 2, static_cast<int>(kTick.count())) <= 0) continue;
    bool open = true;
    if (ends[0].revents != 0) open = Forward(*link, link->client, link->upstream);
    if (open && ends[1].revents != 0) open = Forward(*link, link->upstream, link->client);
    if (!open) {
      reset = link->reset.load();
      break;
    }
  }
  if (reset) {
    CloseWithReset(link->client);
    CloseWithReset(link->upstream);
  } else {
    shutdown(link->client, SHUT_RDWR);
    shutdown(link->upstream, SHUT_RDWR);
    close(link->client);
    close(link->upstream);
  }
  link->closed = true;
}

}  // namespace cutover::fault
