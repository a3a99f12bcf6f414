// SigV4 signing: builds the canonical request and string to sign and derives the signing key.
#include "sink/dynamodb/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace cutover::dynamodb {
namespace {

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t byte_idx = 0; byte_idx < size; ++byte_idx) {
    out.push_back(kDigits[data[byte_idx] >> 4]);
    out.push_back(kDigits[data[byte_idx] & 0xf]);
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and collapses runs of spaces to one, as SigV4 requires.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// Query parameters sorted by name, then value.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view param = query.substr(start, end - start);
    size_t eq = param.find('=');
    if (!param.empty()) {
      params.emplace_back(std::string(param.substr(0, eq)),
                          eq == std::string_view::npos ? "" : std::string(param.substr(eq + 1)));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof(digest));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[20];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

SignatureParts SignV4(const SignableRequest& request, const Credentials& credentials,
                      const SigningScope& scope) {
  // Header names lowercased and sorted; repeated headers joined by commas in request order.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string& joined = headers[Lower(name)];
    if (!joined.empty()) joined += ',';
    joined += CanonicalHeaderValue(value);
  }
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  SignatureParts parts;
  parts.canonical_request = request.method + "\n" + request.path + "\n" +
                            CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" +
                            signed_headers + "\n" + Sha256Hex(request.body);
  std::string date = scope.amz_date.substr(0, 8);
  std::string credential_scope = date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  parts.string_to_sign = "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + credential_scope + "\n" +
                         Sha256Hex(parts.canonical_request);
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  key = HmacSha256(key, "aws4_request");
  std::string raw = HmacSha256(key, parts.string_to_sign);
  parts.signature = Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  parts.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                        credential_scope + ", SignedHeaders=" + signed_headers +
                        ", Signature=" + parts.signature;
  return parts;
}

}  // namespace cutover::dynamodb
