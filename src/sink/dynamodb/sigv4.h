// SigV4: AWS Signature Version 4 request signing (canonical request, string to sign, key
// derivation, Authorization header), with HMAC-SHA256 and SHA-256 from OpenSSL.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cutover::dynamodb {

// AWS credentials. Never logged: only access_key_id may appear in messages.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

// The parts of an HTTP request that SigV4 covers. `query` is already URI-encoded
// ("Param2=value2&Param1=value1"); `path` is the encoded absolute path ("/").
struct SignableRequest {
  std::string method;
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host, X-Amz-Date
  std::string body;
};

// Where and when a request is signed.
struct SigningScope {
  std::string region;
  std::string service;
  std::string amz_date;  // "20150830T123600Z" (UTC)
};

// Every intermediate of one signature, so tests can compare each with AWS's published suite.
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // the full Authorization header value
};

SignatureParts SignV4(const SignableRequest& request, const Credentials& credentials,
                      const SigningScope& scope);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Raw HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
// "YYYYMMDDTHHMMSSZ" for `time` in UTC.
std::string AmzDate(std::chrono::system_clock::time_point time);

}  // namespace cutover::dynamodb
