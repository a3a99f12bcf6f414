// CheckKafkaTls: one TLS handshake with the brokers before a Kafka client is used, so that a
// certificate a person must fix stops cutover at once with the spec field, the cause and the fix,
// instead of librdkafka retrying the handshake unseen until a request times out.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "cutover/spec.h"
#include "cutover/status.h"

namespace cutover::kafka {

// How long CheckKafkaTls waits for a broker to answer or a handshake to fail.
inline constexpr std::chrono::seconds kKafkaTlsCheckTimeout{10};

// With `kafka.tls.mode` require, verify_ca or verify_full: connects to the brokers and waits (at
// most kKafkaTlsCheckTimeout) until one answers a metadata request (Ok) or a TLS handshake fails:
// FailedPrecondition "kafka: cannot connect to broker HOST:PORT: <field>: <cause> (librdkafka:
// <its words>; OpenSSL: <its verify result>); <fix>", the field being kafka.tls.field (e.g.
// target.kafka.tls) and the cause told apart by a handshake of our own with the same CA and host
// name (an untrusted chain, a certificate that does not name the broker, or anything else).
// FailedPrecondition too (KafkaPlainListenerText) when every bootstrap broker closed the
// connection during its handshake (plain-text listeners), or one did and none answered by the
// deadline. Ok when a login is refused after a handshake (the caller's requests say so), and for
// brokers that neither answer nor refuse a handshake in time: the caller's own requests time out
// and retry as usual. Without TLS (disable, prefer): Ok at once. A success is remembered for the
// process.
Status CheckKafkaTls(const KafkaSpec& kafka);

// The message of a failed handshake with the broker `host`:`port` of `kafka` (the cause is one
// of TlsFailure's; `detail`: the libraries' words, put in parentheses).
std::string KafkaTlsFailureText(const KafkaSpec& kafka, std::string_view host, int port,
                                TlsFailure failure, std::string_view detail);

// The message of a broker `host`:`port` that closed the connection during the TLS handshake.
std::string KafkaPlainListenerText(const KafkaSpec& kafka, std::string_view host, int port);

}  // namespace cutover::kafka
