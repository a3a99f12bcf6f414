// CheckKafkaTls: one TLS handshake with the brokers before a Kafka client is used; a failed one
// becomes a message naming the spec field, the cause and the fix.
#include "db/kafka/tls_check.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

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

// What librdkafka reported through its error callback while connecting. Guarded by mutex.
struct HandshakeErrors {
  std::mutex mutex;
  std::string failure;          // the first failed TLS handshake; "" until one is reported
  std::set<std::string> plain;  // brokers that closed the connection during the handshake
  std::string plain_reason;     // the first of those errors
  bool past_tls = false;        // a broker refused the login (SASL): its handshake passed
};

// librdkafka's hint when a broker closes the connection during the TLS handshake, as a
// plain-text listener does on reading a TLS ClientHello.
constexpr std::string_view kPlainListenerHint = "connecting to a PLAINTEXT broker listener?";

// librdkafka 2.0 reports a handshake that fails in its first step (SSL_connect) as a transport
// error with OpenSSL's words ("error:0A000086:SSL routines::certificate verify failed"), a later
// step as an SSL error ("SSL handshake failed: ...").
void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  const std::string_view words = reason;
  auto* errors = static_cast<HandshakeErrors*>(opaque);
  std::lock_guard lock(errors->mutex);
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) errors->past_tls = true;
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT && words.find(kPlainListenerHint) != words.npos) {
    if (errors->plain_reason.empty()) errors->plain_reason = reason;
    errors->plain.insert(std::string(words.substr(0, words.find(": "))));
    return;
  }
  const bool tls_words = words.find("SSL routines") != std::string_view::npos;
  if (err != RD_KAFKA_RESP_ERR__SSL && !(err == RD_KAFKA_RESP_ERR__TRANSPORT && tls_words)) return;
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

// What OpenSSL says of a handshake with `host`:`port` with the spec's CA and host name check:
// librdkafka words an untrusted chain and a wrong host name alike ("certificate verify failed").
struct Diagnosis {
  TlsFailure failure = TlsFailure::kOther;
  std::string verify_result;  // OpenSSL's words for the certificate check; "" when it passed
};

Diagnosis Diagnose(const TlsSpec& tls, const std::string& host, int port) {
  int fd = ConnectTcp(host, port);
  if (fd < 0) return {};
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
  Diagnosis out;
  if (result != X509_V_OK) out.verify_result = X509_verify_cert_error_string(result);
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: out.failure = TlsFailure::kHostMismatch; break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED: out.failure = TlsFailure::kUntrusted; break;
    default: break;
  }
  return out;
}

// "target.kafka.tls" -> "target.kafka": the block whose brokers the message names.
std::string ParentOf(const std::string& field) {
  return field.ends_with(".tls") ? field.substr(0, field.size() - 4) : std::string("kafka");
}

// librdkafka's words for a failed handshake without the broker's name in front, the step that
// failed, its hint about its own settings (ssl.ca.location, which the spec sets as ca_file) and
// the time it took: "error:0A000086:SSL routines::certificate verify failed".
std::string HandshakeWords(std::string_view reason) {
  // "ssl://host:port/bootstrap: " or "ssl://host:port/<id>: " first.
  if (size_t start = reason.find(": "); start != std::string_view::npos) {
    reason.remove_prefix(start + 2);
  }
  if (reason.starts_with("SSL handshake failed: ")) reason.remove_prefix(22);
  for (std::string_view tail : {": broker certificate could not be verified", " (after "}) {
    size_t cut = reason.find(tail);
    if (cut != std::string_view::npos) reason = reason.substr(0, cut);
  }
  return std::string(reason);
}

// How connecting with `kafka`'s settings ended: a broker answered or the time was up (both
// empty), a handshake failed, or brokers closed the connection during their handshakes.
struct Outcome {
  std::string failure;       // librdkafka's words for the failed handshake
  std::string plain_reason;  // librdkafka's words for a closed handshake
};

// Connects until a broker answers, a handshake fails, a login is refused after a handshake
// passed, or every bootstrap broker closed the connection during its handshake; at the
// deadline, a closed handshake still counts.
Result<Outcome> Connect(const KafkaSpec& kafka) {
  HandshakeErrors errors;
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                           KafkaConfigWithoutTlsCheck(kafka, {{"client.id", "cutover-tls-check"}}));
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_opaque(conf, &errors);
  CUTOVER_ASSIGN_OR_RETURN(rd_kafka_t * handle, NewKafkaHandle(RD_KAFKA_PRODUCER, conf));
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(handle, rd_kafka_destroy);
  const size_t bootstraps =
      1 + static_cast<size_t>(std::count(kafka.brokers.begin(), kafka.brokers.end(), ','));
  const auto deadline = std::chrono::steady_clock::now() + kKafkaTlsCheckTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const struct rd_kafka_metadata* metadata = nullptr;
    if (rd_kafka_metadata(handle, 0, nullptr, &metadata, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(metadata);
      return Outcome{};
    }
    rd_kafka_poll(handle, 50);  // serves OnError
    std::lock_guard lock(errors.mutex);
    if (!errors.failure.empty()) return Outcome{errors.failure, ""};
    if (errors.plain.size() >= bootstraps) return Outcome{"", errors.plain_reason};
    // The caller's own requests report a refused login with its own words.
    if (errors.past_tls) return Outcome{};
  }
  std::lock_guard lock(errors.mutex);
  return Outcome{"", errors.plain_reason};
}

}  // namespace

std::string KafkaTlsFailureText(const KafkaSpec& kafka, std::string_view host, int port,
                                TlsFailure failure, std::string_view detail) {
  const std::string& field = kafka.tls.field;
  const std::string parent = ParentOf(field);
  const std::string head =
      fmt::format("kafka: cannot connect to broker {}:{}: {}: ", host, port, field);
  const std::string said = fmt::format(" ({})", detail);
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

std::string KafkaPlainListenerText(const KafkaSpec& kafka, std::string_view host, int port) {
  const std::string& field = kafka.tls.field;
  return fmt::format(
      "kafka: cannot connect to broker {}:{}: {}: the broker does not speak TLS on this port: it "
      "closed the connection during the TLS handshake (librdkafka: {}); list the brokers' TLS "
      "listeners in {}.brokers, or set {}.mode disable for plain text",
      host, port, field, kPlainListenerHint, ParentOf(field), field);
}

Status CheckKafkaTls(const KafkaSpec& kafka) {
  if (!KafkaUsesTls(kafka.tls)) return Status::Ok();
  static std::mutex checked_mutex;
  static std::set<std::string> checked;  // guarded by checked_mutex: brokers and TLS settings
  const std::string key = fmt::format("{}|{}|{}|{}", kafka.brokers, TlsModeName(kafka.tls.mode),
                                      kafka.tls.ca_file, kafka.tls.cert_file);
  {
    std::lock_guard lock(checked_mutex);
    if (checked.contains(key)) return Status::Ok();
  }
  CUTOVER_ASSIGN_OR_RETURN(Outcome outcome, Connect(kafka));
  if (!outcome.plain_reason.empty()) {
    auto [host, port] = BrokerOf(outcome.plain_reason);
    return Status::FailedPrecondition(KafkaPlainListenerText(kafka, host, port));
  }
  if (outcome.failure.empty()) {
    std::lock_guard lock(checked_mutex);
    checked.insert(key);
    return Status::Ok();
  }
  const std::string& failure = outcome.failure;
  auto [host, port] = BrokerOf(failure);
  const Diagnosis diagnosis = Diagnose(kafka.tls, host, port);
  std::string detail = "librdkafka: " + HandshakeWords(failure);
  if (!diagnosis.verify_result.empty()) detail += "; OpenSSL: " + diagnosis.verify_result;
  // A failed handshake (librdkafka's SSL error, not a lost connection) fails the same way on
  // every retry: a person must change the certificate or the spec.
  return Status::FailedPrecondition(
      KafkaTlsFailureText(kafka, host, port, diagnosis.failure, detail));
}

}  // namespace cutover::kafka
