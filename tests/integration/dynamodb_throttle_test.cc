// DynamoDB client under throttling and server errors: a local HTTP server (cpp-httplib on
// 127.0.0.1, ephemeral port) answers ProvisionedThroughputExceededException and 500 for a while
// and leaves UnprocessedItems; the backoff retries, nothing is lost, validation errors are not
// retried and name the table and source row.
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "core/throttle_stats.h"
#include "sink/dynamodb/operations.h"

namespace cutover::dynamodb {
namespace {

// A minimal BatchWriteItem server with scripted failures.
class FlakyServer {
 public:
  int throttle_first = 6;  // requests answered with ProvisionedThroughputExceeded
  int fail_next = 4;       // then requests answered with HTTP 500
  int partial_next = 5;    // then requests that leave half their items unprocessed
  bool always_throttle = false;
  bool reject_validation = false;

  FlakyServer() {
    server_.Post("/", [this](const httplib::Request& request, httplib::Response& response) {
      Handle(request, response);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FlakyServer() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::map<std::string, nlohmann::json> items() {
    std::lock_guard lock(mutex_);
    return items_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void Error(httplib::Response& response, int status, const std::string& type) {
    response.status = status;
    response.set_content(
        nlohmann::json{{"__type", "com.amazonaws.dynamodb.v20120810#" + type},
                       {"message", type == "ValidationException" ? "One or more parameter "
                                                                   "values were invalid"
                                                                 : "slow down"}}
            .dump(),
        "application/x-amz-json-1.0");
  }

  void Handle(const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    int number = requests_++;
    if (request.get_header_value("Authorization").rfind("AWS4-HMAC-SHA256 Credential=", 0) != 0) {
      return Error(response, 400, "MissingAuthenticationTokenException");
    }
    if (reject_validation) return Error(response, 400, "ValidationException");
    if (always_throttle || number < throttle_first) {
      return Error(response, 400, "ProvisionedThroughputExceededException");
    }
    if (number < throttle_first + fail_next) {
      response.status = 500;
      response.set_content("{}", "application/x-amz-json-1.0");
      return;
    }
    nlohmann::json body = nlohmann::json::parse(request.body);
    nlohmann::json unprocessed = nlohmann::json::array();
    bool partial = partial_done_ < partial_next;
    for (const auto& [table, writes] : body["RequestItems"].items()) {
      for (size_t write_idx = 0; write_idx < writes.size(); ++write_idx) {
        const nlohmann::json& item = writes[write_idx]["PutRequest"]["Item"];
        if (partial && write_idx % 2 == 1) {
          unprocessed.push_back(writes[write_idx]);
          continue;
        }
        items_[item["pk"]["S"].get<std::string>()] = item;
      }
    }
    if (partial) ++partial_done_;
    nlohmann::json answer = {{"UnprocessedItems", nlohmann::json::object()}};
    if (!unprocessed.empty()) answer["UnprocessedItems"]["t"] = unprocessed;
    response.set_content(answer.dump(), "application/x-amz-json-1.0");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  int requests_ = 0;                             // guarded by mutex_
  int partial_done_ = 0;                         // guarded by mutex_
  std::map<std::string, nlohmann::json> items_;  // guarded by mutex_
};

ClientOptions Options(const FlakyServer& server) {
  ClientOptions options;
  options.endpoint = server.endpoint();
  options.credentials = {"AKIDTEST", "secret", ""};
  options.base_backoff = std::chrono::milliseconds(2);
  options.max_backoff = std::chrono::milliseconds(50);
  options.max_attempts = 8;
  options.max_concurrency = 8;
  return options;
}

std::vector<WriteRequest> Puts(int count) {
  std::vector<WriteRequest> requests;
  for (int id = 0; id < count; ++id) {
    requests.push_back(
        {false,
         {{"pk", {{"S", "K#" + std::to_string(id)}}}, {"n", {{"N", std::to_string(id)}}}},
         "src.t id=" + std::to_string(id)});
  }
  return requests;
}

TEST(DynamoDbThrottleTest, BackoffAndUnprocessedItemsLoseNothing) {
  FlakyServer server;
  Client client(Options(server));
  uint64_t process_throttled = ProcessThrottleStats().target_throttled.load();
  ASSERT_EQ(BatchWrite(client, "t", Puts(500), 4).ToString(), "OK");
  // What /metrics shows as cutover_target_throttled_total counts the same answers.
  EXPECT_EQ(ProcessThrottleStats().target_throttled.load() - process_throttled,
            client.stats().throttled.load());
  std::map<std::string, nlohmann::json> items = server.items();
  ASSERT_EQ(items.size(), 500u);
  for (int id = 0; id < 500; ++id) {
    EXPECT_EQ(items["K#" + std::to_string(id)]["n"]["N"], std::to_string(id));
  }
  EXPECT_GE(client.stats().throttled.load(), 6u);
  EXPECT_GE(client.stats().server_errors.load(), 4u);
  // 20 batches, plus the retried halves of the 5 partial answers, plus the failures.
  EXPECT_EQ(server.requests(), 20 + 5 + 6 + 4);
}

TEST(DynamoDbThrottleTest, ThrottlingShrinksConcurrency) {
  FlakyServer server;
  server.throttle_first = 40;
  server.fail_next = 0;
  server.partial_next = 0;
  ClientOptions options = Options(server);
  options.max_attempts = 100;
  Client patient(options);
  ASSERT_EQ(patient.limiter().limit(), 8);
  ASSERT_EQ(BatchWrite(patient, "t", Puts(100), 8).ToString(), "OK");
  EXPECT_EQ(server.items().size(), 100u);
  EXPECT_EQ(patient.stats().throttled.load(), 40u);
  // Halved on every throttle down to 1; four clean batches grow it back only slowly.
  EXPECT_LT(patient.limiter().limit(), 4);
}

TEST(DynamoDbThrottleTest, EndlessThrottlingGivesUpWithResourceExhausted) {
  FlakyServer server;
  server.always_throttle = true;
  Client client(Options(server));
  EXPECT_EQ(BatchWrite(client, "t", Puts(1), 1).ToString(),
            "ResourceExhausted: table t (batch with src.t id=0): BatchWriteItem after 8 "
            "attempts: ProvisionedThroughputExceededException: slow down");
  EXPECT_EQ(server.requests(), 8);
}

TEST(DynamoDbThrottleTest, ValidationErrorsAreNotRetried) {
  FlakyServer server;
  server.reject_validation = true;
  Client client(Options(server));
  EXPECT_EQ(BatchWrite(client, "t", Puts(2), 1).ToString(),
            "InvalidArgument: table t (batch with src.t id=0, src.t id=1): BatchWriteItem: "
            "ValidationException: One or more parameter values were invalid");
  EXPECT_EQ(server.requests(), 1);
}

TEST(DynamoDbThrottleTest, ConnectionRefusedIsUnavailable) {
  ClientOptions options;
  {
    FlakyServer server;
    options = Options(server);
  }  // the port is closed now
  options.max_attempts = 2;
  Client client(options);
  Result<nlohmann::json> result = client.Call("DescribeTable", {{"TableName", "t"}});
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status().ToString();
  EXPECT_EQ(client.stats().server_errors.load(), 2u);
}

}  // namespace
}  // namespace cutover::dynamodb
