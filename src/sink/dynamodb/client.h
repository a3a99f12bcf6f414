// Client: calls DynamoDB API actions over HTTP(S) with SigV4, a pool of keep-alive connections,
// error classification, full-jitter exponential backoff and adaptive concurrency.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/spec.h"
#include "cutover/status.h"

#include "sink/dynamodb/adaptive_limiter.h"
#include "sink/dynamodb/http_connection.h"
#include "sink/dynamodb/sigv4.h"

namespace cutover::dynamodb {

using Json = nlohmann::json;

struct ClientOptions {
  std::string region = "us-east-1";
  std::string endpoint;  // empty: https://dynamodb.<region>.amazonaws.com
  Credentials credentials;
  int max_concurrency = 32;  // requests in flight at most (the adaptive cap starts here)
  int max_attempts = 12;     // per call, for throttling, 5xx and connection errors
  std::chrono::milliseconds base_backoff{25};
  std::chrono::milliseconds max_backoff{5000};
  // A request's whole time; one that moves no byte for 15 s ends sooner (HttpConnection).
  std::chrono::milliseconds request_timeout{30000};
};

// Counters for tests, logs and metrics.
struct ClientStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> throttled{0};      // throttling answers
  std::atomic<uint64_t> server_errors{0};  // 5xx and connection failures
};

// The endpoint of `region` when the spec names none: https://dynamodb.<region>.amazonaws.com.
std::string DefaultEndpoint(const std::string& region);

class Client {
 public:
  explicit Client(ClientOptions options);
  // Options from the spec; credentials resolved by ResolveCredentials().
  static Result<std::unique_ptr<Client>> Open(const DynamoDbSpec& spec);

  // Calls `action` ("PutItem", "BatchWriteItem", ...) and returns the response JSON. Throttling
  // (ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded), 5xx and connection errors
  // are retried with full-jitter backoff up to max_attempts, then ResourceExhausted/Unavailable.
  // Other errors are classified (see ClassifyError) and returned at once.
  Result<Json> Call(std::string_view action, const Json& request);
  // As Call, with the request body already serialized (the bulk path writes its JSON text
  // directly instead of building a JSON tree only to print it).
  Result<Json> CallBody(std::string_view action, const std::string& body);

  // Sleeps the full-jitter backoff for retry number `attempt` (0-based): uniform in
  // [0, min(max_backoff, base * 2^attempt)].
  void Backoff(int attempt) const;

  const ClientStats& stats() const { return stats_; }
  const AdaptiveLimiter& limiter() const { return limiter_; }
  const ClientOptions& options() const { return options_; }

 private:
  Result<Json> CallOnce(std::string_view action, const std::string& body, bool* throttled);
  std::unique_ptr<HttpConnection> TakeConnection();
  void ReturnConnection(std::unique_ptr<HttpConnection> connection);
  void DropIdleConnections();

  // Constant after construction
  const ClientOptions options_;
  std::string url_;
  std::string host_;
  // State below is protected by pool_mutex_
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;
  // Thread-safe members
  AdaptiveLimiter limiter_;
  ClientStats stats_;
};

// Maps a DynamoDB error answer to a Status: throttling -> ResourceExhausted, 5xx ->
// Unavailable, ValidationException/SerializationException -> InvalidArgument,
// ResourceNotFound -> NotFound, ResourceInUse -> AlreadyExists, ConditionalCheckFailed ->
// FailedPrecondition, credentials errors -> FailedPrecondition. The message names the type.
Status ClassifyError(long http_status, const std::string& body);
bool IsThrottlingType(std::string_view type);

}  // namespace cutover::dynamodb
