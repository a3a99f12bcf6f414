// Names: the spelling of spec enums, the derived server_id, and checks on names and addresses.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "cutover/spec.h"

#include "spec/enums.h"
#include "spec/rules.h"

namespace cutover {

std::string_view SourceKindName(SourceKind kind) {
  return spec_internal::EnumSpelling(spec_internal::kSourceKinds, kind);
}

std::string_view TargetKindName(TargetKind kind) {
  return spec_internal::EnumSpelling(spec_internal::kTargetKinds, kind);
}

std::string_view TlsModeName(TlsSpec::Mode mode) {
  return spec_internal::EnumSpelling(spec_internal::kTlsModes, mode);
}

uint32_t DeriveServerId(std::string_view name) {
  constexpr uint32_t kFnvOffset = 2166136261u;
  constexpr uint32_t kFnvPrime = 16777619u;
  uint32_t hash = kFnvOffset;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash | 0x80000000u;
}

}  // namespace cutover

namespace cutover::spec_internal {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool ParsePort(std::string_view text, int* port) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *port);
  return error == std::errc() && ptr == end;
}

}  // namespace

std::string Quoted(std::string_view text) {
  // Appended piece by piece, never prepended: see rules.h.
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '\'';
  quoted += text;
  quoted += '\'';
  return quoted;
}

std::optional<std::string> NameProblem(std::string_view name) {
  bool valid = !name.empty() && name.size() <= 48 && IsLowerAlnum(name.front()) &&
               std::all_of(name.begin(), name.end(),
                           [](char c) { return IsLowerAlnum(c) || c == '_' || c == '-'; });
  if (valid) return std::nullopt;
  return Quoted(name) +
         " is not a valid name; use 1 to 48 characters from a-z, 0-9, '_' and '-', starting "
         "with a letter or digit";
}

std::optional<std::string> PostgresIdentifierProblem(std::string_view name) {
  bool valid =
      !name.empty() && name.size() <= 63 &&
      std::all_of(name.begin(), name.end(), [](char c) { return IsLowerAlnum(c) || c == '_'; });
  if (valid) return std::nullopt;
  return Quoted(name) + " is not a valid name; use 1 to 63 characters from a-z, 0-9 and '_'";
}

std::optional<std::string> EnvNameProblem(std::string_view name) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
               std::all_of(name.begin(), name.end(), word);
  if (valid) return std::nullopt;
  // Not echoed: a value that is no variable name may well be the secret itself.
  return std::string(
      "not an environment variable name (the value is not shown: it may be the secret itself); "
      "write the name of a variable made of letters, digits and '_', e.g. "
      "CUTOVER_SOURCE_PASSWORD, and put the secret in that variable");
}

std::string HostOf(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    return std::string(address.substr(1, close == std::string_view::npos ? 0 : close - 1));
  }
  size_t colon = address.rfind(':');
  return std::string(address.substr(0, colon));
}

std::optional<std::string> HostPortProblem(std::string_view address, bool allow_port_zero,
                                           std::string_view example) {
  const std::string fix = "; write host:port, e.g. " + std::string(example);
  if (address.empty() || address.find_first_of(" \t/") != std::string_view::npos) {
    return Quoted(address) + " is not an address" + fix;
  }
  size_t colon = std::string_view::npos;
  if (address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close == 1) {
      return Quoted(address) + " is not an address" + fix;
    }
    if (close + 1 < address.size() && address[close + 1] == ':') colon = close + 1;
  } else if (address.find(':') != address.rfind(':')) {
    return Quoted(address) +
           " has an IPv6 host without brackets; write [host]:port, e.g. [::1]:7878";
  } else {
    colon = address.find(':');
  }
  if (colon == std::string_view::npos) return Quoted(address) + " has no port" + fix;
  if (colon == 0) return Quoted(address) + " has no host" + fix;
  int port = -1;
  const int min_port = allow_port_zero ? 0 : 1;
  if (!ParsePort(address.substr(colon + 1), &port) || port < min_port || port > 65535) {
    return Quoted(address) + " has a bad port; the port is a number " + std::to_string(min_port) +
           "..65535";
  }
  return std::nullopt;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  return host.substr(0, 4) == "127." && std::all_of(host.begin(), host.end(), [](char c) {
           return c == '.' || std::isdigit(static_cast<unsigned char>(c));
         });
}

std::optional<std::string> TopicProblem(std::string_view topic) {
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  };
  bool valid =
      !topic.empty() && topic.size() <= 249 && std::all_of(topic.begin(), topic.end(), allowed);
  if (valid) return std::nullopt;
  return Quoted(topic) +
         " is not a valid Kafka topic; use 1 to 249 characters from a-z, A-Z, 0-9, '.', '_' "
         "and '-'";
}

std::optional<std::string> RegionProblem(std::string_view region) {
  bool valid = !region.empty() && std::all_of(region.begin(), region.end(),
                                              [](char c) { return IsLowerAlnum(c) || c == '-'; });
  if (valid) return std::nullopt;
  return Quoted(region) + " is not an AWS region code; write it like us-east-1 or eu-west-2";
}

std::optional<std::string> EndpointProblem(std::string_view endpoint) {
  std::string_view rest;
  if (endpoint.substr(0, 7) == "http://") {
    rest = endpoint.substr(7);
  } else if (endpoint.substr(0, 8) == "https://") {
    rest = endpoint.substr(8);
  } else {
    return Quoted(endpoint) +
           " is not an http:// or https:// URL; write e.g. "
           "https://dynamodb.eu-west-1.amazonaws.com "
           "or http://127.0.0.1:8000";
  }
  if (rest.empty() || rest.front() == '/' || rest.find_first_of(" \t") != std::string_view::npos) {
    return Quoted(endpoint) + " has no host; write e.g. http://127.0.0.1:8000";
  }
  return std::nullopt;
}

}  // namespace cutover::spec_internal
