// Client: signed DynamoDB JSON-protocol calls with retries, backoff and adaptive concurrency.
#include "sink/dynamodb/client.h"

#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/throttle_stats.h"
#include "sink/dynamodb/credentials.h"

namespace cutover::dynamodb {
namespace {

// "https://host:port/path" -> "host:port".
std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string ErrorType(const Json& body) {
  std::string type = body.value("__type", "");
  size_t hash = type.rfind('#');
  return hash == std::string::npos ? type : type.substr(hash + 1);
}

std::string ErrorMessage(const Json& body) {
  if (body.contains("message") && body["message"].is_string()) return body["message"];
  if (body.contains("Message") && body["Message"].is_string()) return body["Message"];
  return "";
}

}  // namespace

bool IsThrottlingType(std::string_view type) {
  return type == "ProvisionedThroughputExceededException" || type == "ThrottlingException" ||
         type == "RequestLimitExceeded" || type == "LimitExceededException";
}

Status ClassifyError(long http_status, const std::string& body) {
  Json json = Json::parse(body, nullptr, false);
  std::string type = json.is_object() ? ErrorType(json) : "";
  std::string message = json.is_object() ? ErrorMessage(json) : body.substr(0, 200);
  std::string text = (type.empty() ? "HTTP " + std::to_string(http_status) : type) +
                     (message.empty() ? "" : ": " + message);
  if (IsThrottlingType(type)) return Status::ResourceExhausted(text);
  if (http_status >= 500 || type == "InternalServerError" || type == "ServiceUnavailable") {
    return Status::Unavailable(text);
  }
  if (type == "ResourceNotFoundException") return Status::NotFound(text);
  if (type == "ResourceInUseException") return Status::AlreadyExists(text);
  if (type == "ConditionalCheckFailedException") return Status::FailedPrecondition(text);
  if (type == "UnrecognizedClientException" || type == "AccessDeniedException" ||
      type == "MissingAuthenticationTokenException" || type == "InvalidSignatureException") {
    return Status::FailedPrecondition(text);
  }
  return Status::InvalidArgument(text);
}

std::string DefaultEndpoint(const std::string& region) {
  return "https://dynamodb." + region + ".amazonaws.com";
}

Client::Client(ClientOptions options)
    : options_(std::move(options)), limiter_(options_.max_concurrency) {
  url_ = options_.endpoint.empty() ? DefaultEndpoint(options_.region) : options_.endpoint;
  if (url_.back() != '/') url_ += '/';
  host_ = HostOf(url_);
}

Result<std::unique_ptr<Client>> Client::Open(const DynamoDbSpec& spec) {
  ClientOptions options;
  options.region = spec.region;
  options.endpoint = spec.endpoint;
  CUTOVER_ASSIGN_OR_RETURN(options.credentials, ResolveCredentials(spec));
  return std::make_unique<Client>(std::move(options));
}

std::unique_ptr<HttpConnection> Client::TakeConnection() {
  std::lock_guard lock(pool_mutex_);
  if (idle_.empty()) return std::make_unique<HttpConnection>(options_.request_timeout);
  std::unique_ptr<HttpConnection> connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void Client::ReturnConnection(std::unique_ptr<HttpConnection> connection) {
  std::lock_guard lock(pool_mutex_);
  idle_.push_back(std::move(connection));
}

void Client::DropIdleConnections() {
  std::vector<std::unique_ptr<HttpConnection>> dropped;
  std::lock_guard lock(pool_mutex_);
  dropped.swap(idle_);
}

void Client::Backoff(int attempt) const {
  thread_local std::mt19937_64 random{std::random_device{}()};
  int64_t cap = options_.base_backoff.count() << std::min(attempt, 20);
  cap = std::min<int64_t>(cap, options_.max_backoff.count());
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(cap, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(pick(random)));
}

Result<Json> Client::CallOnce(std::string_view action, const std::string& body, bool* throttled) {
  SignableRequest request;
  request.method = "POST";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"Host", host_},
                     {"X-Amz-Date", AmzDate(std::chrono::system_clock::now())},
                     {"X-Amz-Target", "DynamoDB_20120810." + std::string(action)}};
  if (!options_.credentials.session_token.empty()) {
    request.headers.push_back({"X-Amz-Security-Token", options_.credentials.session_token});
  }
  request.body = body;
  SignatureParts signature =
      SignV4(request, options_.credentials,
             SigningScope{options_.region, "dynamodb", request.headers[2].second});
  request.headers.push_back({"Authorization", signature.authorization});
  limiter_.Acquire();
  std::unique_ptr<HttpConnection> connection = TakeConnection();
  Result<HttpResponse> response = connection->Post(url_, request.headers, body);
  stats_.requests++;
  Status failure = !response.ok()            ? response.status()
                   : response->status == 200 ? Status::Ok()
                                             : ClassifyError(response->status, response->body);
  *throttled = failure.code() == StatusCode::kResourceExhausted;
  limiter_.Release(*throttled);
  if (*throttled) {
    stats_.throttled++;
    ProcessThrottleStats().target_throttled.fetch_add(1, std::memory_order_relaxed);
  }
  if (failure.code() == StatusCode::kUnavailable) stats_.server_errors++;
  // A failed transfer may leave the connection in an unknown state: drop it, and the idle
  // ones too, opened over the same path: behind a link gone half-open each would cost a
  // request timeout to find out.
  if (response.ok()) {
    ReturnConnection(std::move(connection));
  } else {
    DropIdleConnections();
  }
  if (!failure.ok()) return failure;
  Json json = Json::parse(response->body, nullptr, false);
  if (json.is_discarded()) return Status::Unavailable("DynamoDB answered with invalid JSON");
  return json;
}

Result<Json> Client::Call(std::string_view action, const Json& request) {
  std::string body;
  try {
    body = request.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(std::string(action) +
                                   ": request is not valid UTF-8: " + e.what());
  }
  return CallBody(action, body);
}

Result<Json> Client::CallBody(std::string_view action, const std::string& body) {
  Status last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) Backoff(attempt - 1);
    bool throttled = false;
    Result<Json> result = CallOnce(action, body, &throttled);
    if (result.ok() || !result.status().IsRetryable()) {
      if (!result.ok()) return result.status().WithContext(std::string(action));
      return result;
    }
    last = result.status();
    // A lost connection, a timeout or a 5xx is worth a line (throttling, counted in the stats,
    // is not): once per call, as the attempts that follow usually get through.
    if (!throttled && attempt == 0) {
      spdlog::warn("DynamoDB {} failed, retrying: {}", action, last.ToString());
    }
  }
  return last.WithContext(std::string(action) + " after " + std::to_string(options_.max_attempts) +
                          " attempts");
}

}  // namespace cutover::dynamodb
