// kafka_tls_broker: librdkafka's mock Kafka cluster behind TLS, for kafka_tls_test.
//
// The mock cluster serves plain text only, on 127.0.0.1 ports of the kernel's choice, and its
// metadata advertises exactly those addresses. So the cluster runs in a child process inside a
// network namespace of its own (new user and network namespaces, or a network namespace alone
// for root), where nothing else can reach it, and this process listens on the very same
// 127.0.0.1 ports in the caller's namespace with TLS. Each connection, once its handshake is
// done, is relayed decrypted to a TCP connection that the child opens to the broker inside its
// namespace and passes here (SCM_RIGHTS). A client out here therefore reaches every broker, at
// its bootstrap and at its advertised address alike, through TLS only: a connection whose first
// byte is not a TLS handshake record is counted as plain and closed unanswered.
//
// Usage: kafka_tls_broker BROKERS CERT_FILE KEY_FILE
// Prints "ready <bootstrap servers>" (or "error <why>" and exits 1), then reads commands from
// stdin, one a line, and answers each with one line:
//   topic NAME PARTITIONS REPLICATION  -> "ok" or "error <why>"
//   stats                              -> "handshakes H failed F plain P aborted A"
// (H: completed handshakes; F: handshakes the client refused with an alert; P: connections that
// did not start with a TLS handshake record; A: handshakes the client left without a word).
// Exits at the end of stdin.
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// One message of the parent-child control channel (a SOCK_SEQPACKET pair).
bool SendText(int fd, const std::string& text, int pass_fd = -1) {
  iovec data{const_cast<char*>(text.data()), text.size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (pass_fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &pass_fd, sizeof(int));
  }
  return sendmsg(fd, &message, MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

// The next message ("" at the end), and a file descriptor passed with it in *received.
std::string ReceiveText(int fd, int* received = nullptr) {
  char buffer[4096];
  iovec data{buffer, sizeof(buffer)};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t size = recvmsg(fd, &message, 0);
  if (size <= 0) return "";
  if (received != nullptr) {
    *received = -1;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (header != nullptr && header->cmsg_type == SCM_RIGHTS) {
      std::memcpy(received, CMSG_DATA(header), sizeof(int));
    }
  }
  return std::string(buffer, static_cast<size_t>(size));
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// Moves this (single-threaded) process into a network namespace of its own, loopback up.
bool EnterPrivateNetwork(std::string* error) {
  if (unshare(CLONE_NEWNET) != 0) {
    const uid_t uid = getuid();
    const gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      *error = std::string("cannot make a network namespace: ") + std::strerror(errno);
      return false;
    }
    WriteFile("/proc/self/setgroups", "deny");
    WriteFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    WriteFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  up = up && ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  if (!up) *error = std::string("cannot bring up the loopback: ") + std::strerror(errno);
  if (fd >= 0) close(fd);
  return up;
}

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The child: the mock cluster in its private namespace, answering the parent's requests.
int ClusterMain(int control, int brokers) {
  std::string error;
  if (!EnterPrivateNetwork(&error)) {
    SendText(control, "error " + error);
    return 1;
  }
  char text[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", text, sizeof(text));
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, text, sizeof(text));
  rd_kafka_mock_cluster_t* cluster =
      handle != nullptr ? rd_kafka_mock_cluster_new(handle, brokers) : nullptr;
  if (cluster == nullptr) {
    SendText(control, "error cannot start the mock cluster");
    return 1;
  }
  SendText(control, std::string("ready ") + rd_kafka_mock_cluster_bootstraps(cluster));
  for (std::string request; !(request = ReceiveText(control)).empty();) {
    std::istringstream words(request);
    std::string verb;
    words >> verb;
    if (verb == "connect") {
      int port = 0;
      words >> port;
      int fd = ConnectLoopback(port);
      SendText(control, fd >= 0 ? "ok" : "error cannot connect", fd);
      if (fd >= 0) close(fd);
    } else if (verb == "topic") {
      std::string name;
      int partitions = 0;
      int replication = 0;
      words >> name >> partitions >> replication;
      rd_kafka_resp_err_t err =
          rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, replication);
      SendText(control, err == RD_KAFKA_RESP_ERR_NO_ERROR
                            ? std::string("ok")
                            : std::string("error ") + rd_kafka_err2str(err));
    }
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}

// The parent's side: TLS listeners on the brokers' ports, a relay per connection.
class Front {
 public:
  Front(int control, SSL_CTX* context) : control_(control), context_(context) {}

  // Listens on 127.0.0.1:`port` in this namespace; false when it is taken here.
  bool Listen(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(fd, 64) != 0) {
      close(fd);
      return false;
    }
    std::thread([this, fd, port] { Accept(fd, port); }).detach();
    return true;
  }

  // Sends a request to the child and returns its answer.
  std::string Ask(const std::string& request, int* received = nullptr) {
    std::lock_guard lock(control_mutex_);
    if (!SendText(control_, request)) return "error the cluster process is gone";
    std::string answer = ReceiveText(control_, received);
    return answer.empty() ? "error the cluster process is gone" : answer;
  }

  std::string Stats() const {
    return "handshakes " + std::to_string(handshakes_) + " failed " + std::to_string(failed_) +
           " plain " + std::to_string(plain_) + " aborted " + std::to_string(aborted_);
  }

 private:
  void Accept(int listener, int port) {
    for (;;) {
      int client = accept(listener, nullptr, nullptr);
      if (client < 0) continue;
      std::thread([this, client, port] { Serve(client, port); }).detach();
    }
  }

  void Serve(int client, int port) {
    // A TLS client speaks first with a handshake record (content type 22).
    unsigned char first = 0;
    pollfd wait{client, POLLIN, 0};
    if (poll(&wait, 1, 10000) != 1 || recv(client, &first, 1, MSG_PEEK) != 1) {
      close(client);
      return;
    }
    if (first != 22) {
      ++plain_;
      close(client);
      return;
    }
    SSL* ssl = SSL_new(context_);
    SSL_set_fd(ssl, client);
    if (SSL_accept(ssl) != 1) {
      // A client that refuses the certificate says so with an alert ("tlsv1 alert unknown ca");
      // one that merely went away (a client closed mid-handshake) does not.
      const char* reason = ERR_reason_error_string(ERR_peek_last_error());
      ++(reason != nullptr && std::strstr(reason, "alert") != nullptr ? failed_ : aborted_);
      ERR_clear_error();
      SSL_free(ssl);
      close(client);
      return;
    }
    ++handshakes_;
    int upstream = -1;
    if (Ask("connect " + std::to_string(port), &upstream) == "ok" && upstream >= 0) {
      Relay(ssl, client, upstream);
      close(upstream);
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(client);
  }

  // Copies decrypted bytes both ways until either side closes.
  static void Relay(SSL* ssl, int client, int upstream) {
    char buffer[16384];
    for (;;) {
      if (SSL_pending(ssl) == 0) {
        pollfd ends[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
        if (poll(ends, 2, -1) < 0) return;
        if ((ends[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
          ssize_t size = read(upstream, buffer, sizeof(buffer));
          if (size <= 0 || SSL_write(ssl, buffer, static_cast<int>(size)) <= 0) return;
        }
        if ((ends[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      }
      int size = SSL_read(ssl, buffer, sizeof(buffer));
      if (size <= 0) return;
      for (int sent = 0; sent < size;) {
        ssize_t wrote = write(upstream, buffer + sent, static_cast<size_t>(size - sent));
        if (wrote <= 0) return;
        sent += static_cast<int>(wrote);
      }
    }
  }

  const int control_;
  SSL_CTX* const context_;
  std::mutex control_mutex_;  // one request and its answer at a time on control_
  std::atomic<int> handshakes_{0};
  std::atomic<int> failed_{0};
  std::atomic<int> plain_{0};
  std::atomic<int> aborted_{0};
};

std::vector<int> Ports(const std::string& bootstraps) {
  std::vector<int> ports;
  std::istringstream list(bootstraps);
  for (std::string server; std::getline(list, server, ',');) {
    ports.push_back(std::stoi(server.substr(server.rfind(':') + 1)));
  }
  return ports;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: kafka_tls_broker BROKERS CERT_FILE KEY_FILE\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) != 0) return 1;
  // Forked before any thread exists here: the child may still enter new namespaces.
  pid_t child = fork();
  if (child == 0) {
    close(pair[0]);
    _exit(ClusterMain(pair[1], std::atoi(argv[1])));
  }
  close(pair[1]);
  std::string ready = ReceiveText(pair[0]);
  if (ready.rfind("ready ", 0) != 0) {
    std::cout << (ready.empty() ? "error the cluster process ended" : ready) << std::endl;
    return 1;
  }
  const std::string bootstraps = ready.substr(6);
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(context, argv[2]) != 1 ||
      SSL_CTX_use_PrivateKey_file(context, argv[3], SSL_FILETYPE_PEM) != 1) {
    std::cout << "error cannot load " << argv[2] << " and " << argv[3] << std::endl;
    return 1;
  }
  Front front(pair[0], context);
  for (int port : Ports(bootstraps)) {
    if (!front.Listen(port)) {
      std::cout << "error port " << port << " is taken here" << std::endl;
      kill(child, SIGKILL);
      return 1;
    }
  }
  std::cout << "ready " << bootstraps << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
    std::cout << (line == "stats" ? front.Stats() : front.Ask(line)) << std::endl;
  }
  close(pair[0]);
  waitpid(child, nullptr, 0);
  _exit(0);
}
