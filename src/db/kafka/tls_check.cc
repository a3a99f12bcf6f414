// CheckKafkaTls: one TLS handshake with the brokers before a Kafka client is used; a failed one
// becomes a message naming the spec field, the cause and the fix.
#include "db/kafka/tls_check.h"

#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "db/kafka/client.h"

namespace cutover::kafka {
namespace {

bool UsesTls(const TlsSpec& tls) {
  return tls.mode == TlsSpec::Mode::kRequire || tls.mode == TlsSpec::Mode::kVerifyCa ||
         tls.mode == TlsSpec::Mode::kVerifyFull;
}

// The first TLS handshake failure librdkafka reported through its error callback.
struct HandshakeErrors {
  std::mutex mutex;
  std::string failure;  // guarded by mutex; "" until one is reported
};

void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  if (err != RD_KAFKA_RESP_ERR__SSL) return;
  auto* errors = static_cast<HandshakeErrors*>(opaque);
  std::lock_guard lock(errors->mutex);
  if (errors->failure.empty()) errors->failure = reason;
}

// The broker of a librdkafka broker error ("ssl://host:port/id: ..."): host and port.
std::pair<std::string, int> BrokerOf(std::string_view reason) {
  const std::string_view scheme = "ssl://";
  size_t start = reason.find(scheme);
  if (start == std::string_view::npos) return {"", 0};
  start += scheme.size();
  size_t slash = reason.find('/', start);
  std::string_view address = reason.substr(start, slash - start);
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return {std::string(address), 0};
  return {std::string(address.substr(0, colon)),
          std::atoi(std::string(address.substr(colon + 1)).c_str())};
}

int ConnectTcp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* entry = found; entry != nullptr && fd < 0; entry = entry->ai_next) {
    fd = socket(entry->ai_family, entry->ai_socktype, entry->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (connect(fd, entry->ai_addr, entry->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

// Why a handshake with `host`:`port` fails with the spec's CA and host name check, asked of
// OpenSSL directly: librdkafka words an untrusted chain and a wrong host name alike
// ("certificate verify failed").
TlsFailure Diagnose(const TlsSpec& tls, const std::string& host, int port) {
  int fd = ConnectTcp(host, port);
  if (fd < 0) return TlsFailure::kOther;
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> context(SSL_CTX_new(TLS_client_method()),
                                                       SSL_CTX_free);
  if (tls.ca_file.empty()) {
    SSL_CTX_set_default_verify_paths(context.get());
  } else {
    SSL_CTX_load_verify_locations(context.get(), tls.ca_file.c_str(), nullptr);
  }
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(context.get()), SSL_free);
  SSL_set_verify(ssl.get(), SSL_VERIFY_PEER, nullptr);
  if (tls.mode == TlsSpec::Mode::kVerifyFull) SSL_set1_host(ssl.get(), host.c_str());
  SSL_set_fd(ssl.get(), fd);
  SSL_connect(ssl.get());
  const long result = SSL_get_verify_result(ssl.get());
  close(fd);
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return TlsFailure::kHostMismatch;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED: return TlsFailure::kUntrusted;
    default: return TlsFailure::kOther;
  }
}

// Connects with `kafka`'s settings until a broker answers (""), a handshake fails (librdkafka's
// words) or the time is up ("").
Result<std::string> FirstHandshakeFailure(const KafkaSpec& kafka) {
  HandshakeErrors errors;
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                           KafkaConfigWithoutTlsCheck(kafka, {{"client.id", "cutover-tls-check"}}));
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_opaque(conf, &errors);
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_t * handle, NewKafkaHandle(RD_KAFKA_PRODUCER, conf));
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(handle, rd_kafka_destroy);
  const auto deadline = std::chrono::steady_clock::now() + kKafkaTlsCheckTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const struct rd_kafka_metadata* metadata = nullptr;
    if (rd_kafka_metadata(handle, 0, nullptr, &metadata, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(metadata);
      return std::string();
    }
    rd_kafka_poll(handle, 50);  // serves OnError
    std::lock_guard lock(errors.mutex);
    if (!errors.failure.empty()) return errors.failure;
  }
  return std::string();
}

}  // namespace

std::string KafkaTlsFailureText(const KafkaSpec& kafka, std::string_view host, int port,
                                TlsFailure failure, std::string_view detail) {
  const std::string& field = kafka.tls.field;
  // "target.kafka.tls" -> "target.kafka": the block whose brokers the certificates must name.
  const std::string parent =
      field.ends_with(".tls") ? field.substr(0, field.size() - 4) : std::string("kafka");
  const std::string head =
      fmt::format("kafka: cannot connect to broker {}:{}: {}: ", host, port, field);
  const std::string said = fmt::format(" (librdkafka: {})", detail);
  switch (failure) {
    case TlsFailure::kUntrusted: {
      const std::string store =
          kafka.tls.ca_file.empty()
              ? fmt::format("the system's CA store ({}.ca_file is not set)", field)
              : fmt::format("{}.ca_file ({})", field, kafka.tls.ca_file);
      return fmt::format(
          "{}the broker's certificate is not trusted: no CA in {} signed it{}; set {}.ca_file to "
          "the CA bundle that signed the brokers' certificates",
          head, store, said, field);
    }
    case TlsFailure::kHostMismatch:
      return fmt::format(
          "{}host name mismatch: the broker's certificate does not name '{}'{}; list the brokers "
          "in {}.brokers by names their certificates list (their advertised listeners too), or "
          "use {}.mode verify_ca to check the CA alone",
          head, host, said, parent, field);
    case TlsFailure::kOther: break;
  }
  return fmt::format(
      "{}the TLS handshake with the broker failed{}; check the broker's certificate and key, its "
      "TLS listener in {}.brokers, and {}",
      head, said, parent, field);
}

Status CheckKafkaTls(const KafkaSpec& kafka) {
  if (!UsesTls(kafka.tls)) return Status::Ok();
  static std::mutex checked_mutex;
  static std::set<std::string> checked;  // guarded by checked_mutex: brokers and TLS settings
  const std::string key = fmt::format("{}|{}|{}|{}", kafka.brokers, TlsModeName(kafka.tls.mode),
                                      kafka.tls.ca_file, kafka.tls.cert_file);
  {
    std::lock_guard lock(checked_mutex);
    if (checked.contains(key)) return Status::Ok();
  }
  CUTOVER_ASSIGN_OR_RETURN(std::string failure, FirstHandshakeFailure(kafka));
  if (failure.empty()) {
    std::lock_guard lock(checked_mutex);
    checked.insert(key);
    return Status::Ok();
  }
  auto [host, port] = BrokerOf(failure);
  // A failed handshake (librdkafka's SSL error, not a lost connection) fails the same way on
  // every retry: a person must change the certificate or the spec.
  const TlsFailure cause = Diagnose(kafka.tls, host, port);
  return Status::FailedPrecondition(KafkaTlsFailureText(kafka, host, port, cause, failure));
}

}  // namespace cutover::kafka
