// Credentials: finds the AWS keys to sign with (spec secrets, environment, shared file).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cutover/spec.h"
#include "cutover/status.h"

#include "sink/dynamodb/sigv4.h"

namespace cutover::dynamodb {

// Looks up an environment variable (tests inject one).
using GetEnv = std::optional<std::string> (*)(const std::string& name);

// The credentials for `spec`, first found wins:
//   1. the spec's access_key_id / secret_access_key secrets;
//   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN);
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials),
//      profile spec.profile, else AWS_PROFILE, else "default".
// FailedPrecondition naming where it looked when none is found. Secrets never appear in messages.
Result<Credentials> ResolveCredentials(const DynamoDbSpec& spec, GetEnv getenv = nullptr);

// Reads one profile of an INI-style shared credentials file.
Result<Credentials> ReadSharedCredentials(const std::filesystem::path& file,
                                          const std::string& profile);

}  // namespace cutover::dynamodb
