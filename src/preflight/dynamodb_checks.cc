// CheckDynamoDbTarget: the credentials chain, then one signed ListTables.
#include "preflight/dynamodb_checks.h"

#include <fmt/format.h>

#include "sink/dynamodb/client.h"
#include "sink/dynamodb/credentials.h"

namespace cutover {

std::vector<CheckResult> CheckDynamoDbTarget(const DynamoDbSpec& dynamodb) {
  std::vector<CheckResult> out;
  const std::string reachable_title = "the DynamoDB endpoint answers a signed request";
  Result<dynamodb::Credentials> credentials = dynamodb::ResolveCredentials(dynamodb);
  if (!credentials.ok()) {
    out.push_back(CheckResult::Fail("target.credentials", "AWS credentials are found",
                                    std::string(credentials.status().message()),
                                    "set target.dynamodb.access_key_id and secret_access_key (or "
                                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)"));
    out.push_back(CheckResult::Skip("target.reachable", reachable_title,
                                    "not checked: target.credentials failed"));
    return out;
  }
  out.push_back(CheckResult::Pass("target.credentials", "AWS credentials are found",
                                  "found (the key itself is not shown)"));
  dynamodb::ClientOptions options;
  options.region = dynamodb.region;
  options.endpoint = dynamodb.endpoint;
  options.credentials = *std::move(credentials);
  // A check answers within seconds: two tries, ten seconds each, instead of a run's patience.
  options.max_attempts = 2;
  options.request_timeout = std::chrono::seconds(10);
  dynamodb::Client client(std::move(options));
  const std::string endpoint =
      dynamodb.endpoint.empty() ? dynamodb::DefaultEndpoint(dynamodb.region) : dynamodb.endpoint;
  Result<dynamodb::Json> answer = client.Call("ListTables", {{"Limit", 1}});
  if (!answer.ok()) {
    out.push_back(CheckResult::Fail(
        "target.reachable", reachable_title,
        fmt::format("{}: {}", endpoint, answer.status().message()),
        "check target.dynamodb.endpoint and region, that the endpoint is reachable from here, "
        "and that the key may call dynamodb:ListTables"));
    return out;
  }
  out.push_back(CheckResult::Pass("target.reachable", reachable_title,
                                  fmt::format("{} answered ListTables", endpoint)));
  return out;
}

}  // namespace cutover
