// HttpConnection: one reusable libcurl easy handle (keep-alive) that POSTs a body and returns
// the status and body. Not thread-safe: one connection serves one request at a time.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "cutover/status.h"

namespace cutover::dynamodb {

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpConnection {
 public:
  explicit HttpConnection(std::chrono::milliseconds timeout);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // POSTs `body` to `url`. Unavailable when the connection fails, the request takes longer
  // than `timeout`, or no byte moves either way for 15 s (a link gone half-open); the caller
  // retries. Any HTTP status is a successful exchange.
  Result<HttpResponse> Post(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body);

 private:
  void* curl_;  // CURL*; kept open between requests so the connection is reused
  std::chrono::milliseconds timeout_;
};

}  // namespace cutover::dynamodb
