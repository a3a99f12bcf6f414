// FaultProxy against a local echo server: each fault as a client sees it (bytes, EOF, reset,
// silence, time taken), and what reached the server.
#include "fault_proxy.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cutover::fault {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Echoes every byte back on every connection; counts the bytes it received.
class EchoServer {
 public:
  EchoServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Accept(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    for (std::thread& connection : connections_) connection.join();
    close(fd_);
  }
  int port() const { return port_; }
  int64_t received() const { return received_.load(); }

 private:
  void Accept() {
    while (!stop_) {
      pollfd incoming{fd_, POLLIN, 0};
      if (poll(&incoming, 1, 20) <= 0) continue;
      int client = accept(fd_, nullptr, nullptr);
      if (client >= 0) connections_.emplace_back([this, client] { Echo(client); });
    }
  }
  void Echo(int client) {
    char buffer[4096];
    while (!stop_) {
      pollfd readable{client, POLLIN, 0};
      if (poll(&readable, 1, 20) <= 0) continue;
      ssize_t got = recv(client, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      received_ += got;
      if (send(client, buffer, static_cast<size_t>(got), MSG_NOSIGNAL) != got) break;
    }
    close(client);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> received_{0};
  std::thread thread_;
  std::vector<std::thread> connections_;  // only the accept thread adds, before the join
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  return fd;
}

struct Read {
  std::string bytes;
  bool eof = false;  // the peer closed in order
  int error = 0;     // errno of a failed read (ECONNRESET)
  bool timed_out = false;
};

// Reads until `want` bytes came, the peer closed or failed, or `timeout` passed.
Read ReadFor(int fd, size_t want, std::chrono::milliseconds timeout) {
  Read read;
  auto deadline = Clock::now() + timeout;
  while (read.bytes.size() < want) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) {
      read.timed_out = true;
      break;
    }
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got == 0) {
      read.eof = true;
      break;
    }
    if (got < 0) {
      read.error = errno;
      break;
    }
    read.bytes.append(buffer, static_cast<size_t>(got));
  }
  return read;
}

void SendAll(int fd, const std::string& bytes) {
  ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
}

class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<FaultProxy>> started = FaultProxy::Start("127.0.0.1", echo_.port());
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    proxy_ = *std::move(started);
    client_ = Connect(proxy_->port());
    SendAll(client_, "hello");
    ASSERT_EQ(ReadFor(client_, 5, 2s).bytes, "hello");  // the link is up and forwarding
  }
  void TearDown() override {
    if (client_ >= 0) close(client_);
  }

  EchoServer echo_;
  std::unique_ptr<FaultProxy> proxy_;
  int client_ = -1;
};

TEST_F(FaultProxyTest, ForwardsBothWaysAndCounts) {
  std::string big(100000, 'x');
  SendAll(client_, big);
  EXPECT_EQ(ReadFor(client_, big.size(), 5s).bytes, big);
  EXPECT_EQ(proxy_->connections_accepted(), 1);
  EXPECT_EQ(proxy_->open_connections(), 1);
  EXPECT_EQ(proxy_->bytes_forwarded(), 2 * (5 + 100000));
}

TEST_F(FaultProxyTest, DropClosesTheClientInOrder) {
  proxy_->Drop();
  Read read = ReadFor(client_, 1, 2s);
  EXPECT_TRUE(read.eof);
  EXPECT_EQ(read.error, 0);
}

TEST_F(FaultProxyTest, StallHoldsBytesThenDeliversThem) {
  proxy_->Stall(600ms);
  auto start = Clock::now();
  SendAll(client_, "held");
  EXPECT_TRUE(ReadFor(client_, 4, 300ms).timed_out);
  EXPECT_EQ(ReadFor(client_, 4, 3s).bytes, "held");
  EXPECT_GE(Clock::now() - start, 550ms);
}

TEST_F(FaultProxyTest, SlowLimitsBandwidthAndAddsLatency) {
  proxy_->Slow(20000, 50ms, 10s);
  std::string bytes(10000, 'y');
  auto start = Clock::now();
  SendAll(client_, bytes);
  EXPECT_EQ(ReadFor(client_, bytes.size(), 10s).bytes, bytes);
  // 10,000 bytes at 20,000 B/s each way: about a second; unslowed this takes a millisecond.
  EXPECT_GE(Clock::now() - start, 900ms);
}

TEST_F(FaultProxyTest, ResetMidPacketForwardsPartThenResets) {
  proxy_->ResetMidPacket();
  int64_t before = echo_.received();
  SendAll(client_, std::string(1000, 'z'));
  Read read = ReadFor(client_, 1000, 3s);
  EXPECT_EQ(read.error, ECONNRESET);
  EXPECT_FALSE(read.timed_out);
  std::this_thread::sleep_for(100ms);
  int64_t reached = echo_.received() - before;
  EXPECT_GT(reached, 0);
  EXPECT_LT(reached, 1000);
}

TEST_F(FaultProxyTest, HalfOpenIsSilentAndNeverClosesButNewConnectionsWork) {
  proxy_->HalfOpen();
  SendAll(client_, "lost");
  Read read = ReadFor(client_, 1, 1500ms);
  EXPECT_TRUE(read.timed_out);
  EXPECT_FALSE(read.eof);
  EXPECT_EQ(read.error, 0);
  int fresh = Connect(proxy_->port());
  SendAll(fresh, "again");
  EXPECT_EQ(ReadFor(fresh, 5, 2s).bytes, "again");
  close(fresh);
}

TEST_F(FaultProxyTest, RefuseResetsNewConnectionsForAWhile) {
  proxy_->Refuse(500ms);
  int refused = Connect(proxy_->port());
  Read read = ReadFor(refused, 1, 2s);
  EXPECT_TRUE(read.error == ECONNRESET || read.eof) << read.error;
  close(refused);
  // The open connection still works.
  SendAll(client_, "open");
  EXPECT_EQ(ReadFor(client_, 4, 2s).bytes, "open");
  std::this_thread::sleep_for(600ms);
  int later = Connect(proxy_->port());
  SendAll(later, "later");
  EXPECT_EQ(ReadFor(later, 5, 2s).bytes, "later");
  close(later);
}

TEST(FaultProxyStartTest, ANewConnectionToAServerThatIsDownIsReset) {
  int port = 0;
  {
    EchoServer gone;
    port = gone.port();
  }
  Result<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start("127.0.0.1", port);
  ASSERT_TRUE(proxy.ok());
  int client = Connect((*proxy)->port());
  Read read = ReadFor(client, 1, 2s);
  EXPECT_TRUE(read.error == ECONNRESET || read.eof);
  EXPECT_EQ((*proxy)->connections_accepted(), 0);
  close(client);
}

}  // namespace
}  // namespace cutover::fault
