// Client error classification and credentials resolution.
#include "sink/dynamodb/client.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "sink/dynamodb/credentials.h"

namespace cutover::dynamodb {
namespace {

std::string Body(const std::string& type, const std::string& message) {
  return R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + type + R"(","message":")" + message +
         "\"}";
}

TEST(ClassifyErrorTest, RetryGuidanceFollowsTheErrorType) {
  EXPECT_EQ(ClassifyError(400, Body("ProvisionedThroughputExceededException", "slow")).ToString(),
            "ResourceExhausted: ProvisionedThroughputExceededException: slow");
  EXPECT_EQ(ClassifyError(400, Body("ThrottlingException", "x")).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(ClassifyError(400, Body("RequestLimitExceeded", "x")).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(ClassifyError(503, "<html>").ToString(), "Unavailable: HTTP 503: <html>");
  EXPECT_EQ(ClassifyError(400, Body("ValidationException", "bad")).ToString(),
            "InvalidArgument: ValidationException: bad");
  EXPECT_EQ(ClassifyError(400, Body("ResourceNotFoundException", "no")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ClassifyError(400, Body("ConditionalCheckFailedException", "no")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ClassifyError(400, Body("UnrecognizedClientException", "key")).code(),
            StatusCode::kFailedPrecondition);
}

std::map<std::string, std::string>* g_vars = nullptr;
std::optional<std::string> FakeEnv(const std::string& name) {
  auto found = g_vars->find(name);
  if (found == g_vars->end()) return std::nullopt;
  return found->second;
}

TEST(CredentialsTest, SpecThenEnvironmentThenSharedFile) {
  std::map<std::string, std::string> vars;
  g_vars = &vars;
  std::filesystem::path file = std::filesystem::temp_directory_path() / "cutover_aws_credentials";
  std::ofstream(file) << "[default]\naws_access_key_id = AKIDDEFAULT\n"
                         "aws_secret_access_key = s1\n\n[prod]\naws_access_key_id=AKIDPROD\n"
                         "aws_secret_access_key=s2\naws_session_token=tok\n";
  vars["AWS_SHARED_CREDENTIALS_FILE"] = file.string();
  DynamoDbSpec spec;
  EXPECT_EQ(ResolveCredentials(spec, &FakeEnv)->access_key_id, "AKIDDEFAULT");
  spec.profile = "prod";
  Credentials prod = ResolveCredentials(spec, &FakeEnv).value();
  EXPECT_EQ(prod.access_key_id, "AKIDPROD");
  EXPECT_EQ(prod.session_token, "tok");
  vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  vars["AWS_SECRET_ACCESS_KEY"] = "s3";
  EXPECT_EQ(ResolveCredentials(spec, &FakeEnv)->access_key_id, "AKIDENV");
  spec.access_key_id = Secret{"env:X", "AKIDSPEC"};
  spec.secret_access_key = Secret{"env:Y", "s4"};
  EXPECT_EQ(ResolveCredentials(spec, &FakeEnv)->access_key_id, "AKIDSPEC");
}

TEST(CredentialsTest, NoneFoundSaysWhereItLookedWithoutSecrets) {
  std::map<std::string, std::string> vars = {{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}};
  g_vars = &vars;
  EXPECT_EQ(ResolveCredentials(DynamoDbSpec{}, &FakeEnv).status().ToString(),
            "FailedPrecondition: no AWS credentials: set "
            "target.dynamodb.access_key_id_env/secret_access_key_env, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or profile 'default' in the shared credentials file (cannot "
            "read /nonexistent)");
}

}  // namespace
}  // namespace cutover::dynamodb
