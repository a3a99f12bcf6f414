// Credentials resolution: spec secrets, then the environment, then the shared credentials file.
#include "sink/dynamodb/credentials.h"

#include <cstdlib>
#include <fstream>

namespace cutover::dynamodb {
namespace {

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

Result<Credentials> ReadSharedCredentials(const std::filesystem::path& file,
                                          const std::string& profile) {
  std::ifstream in(file);
  if (!in) return Status::NotFound("cannot read " + file.string());
  Credentials credentials;
  std::string line;
  bool in_profile = false;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_profile = Trim(line.substr(1, line.size() - 2)) == profile;
      continue;
    }
    size_t eq = line.find('=');
    if (!in_profile || eq == std::string::npos) continue;
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") credentials.access_key_id = value;
    if (key == "aws_secret_access_key") credentials.secret_access_key = value;
    if (key == "aws_session_token") credentials.session_token = value;
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Status::NotFound(file.string() + ": profile '" + profile +
                            "' has no aws_access_key_id and aws_secret_access_key");
  }
  return credentials;
}

Result<Credentials> ResolveCredentials(const DynamoDbSpec& spec, GetEnv getenv) {
  if (getenv == nullptr) getenv = &ProcessEnv;
  if (!spec.access_key_id.empty() && !spec.secret_access_key.empty()) {
    return Credentials{spec.access_key_id.value, spec.secret_access_key.value, ""};
  }
  std::optional<std::string> key_id = getenv("AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = getenv("AWS_SECRET_ACCESS_KEY");
  if (key_id && secret) {
    return Credentials{*key_id, *secret, getenv("AWS_SESSION_TOKEN").value_or("")};
  }
  std::filesystem::path file;
  if (auto custom = getenv("AWS_SHARED_CREDENTIALS_FILE")) {
    file = *custom;
  } else if (auto home = getenv("HOME")) {
    file = std::filesystem::path(*home) / ".aws" / "credentials";
  }
  std::string profile =
      !spec.profile.empty() ? spec.profile : getenv("AWS_PROFILE").value_or("default");
  Result<Credentials> shared = file.empty() ? Result<Credentials>(Status::NotFound("no HOME"))
                                            : ReadSharedCredentials(file, profile);
  if (shared.ok()) return shared;
  return Status::FailedPrecondition(
      "no AWS credentials: set target.dynamodb.access_key_id_env/secret_access_key_env, or "
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile '" +
      profile + "' in the shared credentials file (" + std::string(shared.status().message()) +
      ")");
}

}  // namespace cutover::dynamodb
