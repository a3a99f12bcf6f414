// Preflight pieces shared by the MariaDB/MySQL source and target checks: connect, SHOW GRANTS.
#include "db/mysql/preflight_support.h"

#include <algorithm>

#include <fmt/format.h>

namespace cutover::mysql {
namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\n");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// Splits a privilege list at top-level commas (column lists in parentheses stay whole).
std::vector<std::string> SplitPrivileges(std::string_view list) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t pos = 0; pos <= list.size(); ++pos) {
    char c = pos < list.size() ? list[pos] : ',';
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(Upper(Trim(list.substr(start, pos - start))));
      start = pos + 1;
    }
  }
  return out;
}

bool IsConnectionProblem(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kResourceExhausted ||
         code == StatusCode::kDeadlineExceeded || code == StatusCode::kInternal;
}

std::string ServerAddress(const ConnectionSpec& spec) {
  return fmt::format("{}:{}", spec.host, spec.port == 0 ? 3306 : spec.port);
}

}  // namespace

std::unique_ptr<Connection> ConnectForCheck(std::string_view side, const ConnectionSpec& spec,
                                            const ConnectOptions& options,
                                            std::vector<CheckResult>* results) {
  std::string reachable = fmt::format("{}.reachable", side);
  std::string credentials = fmt::format("{}.credentials", side);
  auto opened = Connection::Open(spec, options);
  if (opened.ok()) {
    std::string cipher = (*opened)->TlsCipher();
    results->push_back(
        CheckResult::Pass(reachable, "server is reachable",
                          fmt::format("connected to {} ({})", ServerAddress(spec),
                                      cipher.empty() ? "without TLS" : "TLS " + cipher)));
    results->push_back(CheckResult::Pass(credentials, "user can log in",
                                         fmt::format("logged in as '{}'", spec.user)));
    return std::move(opened).value();
  }
  const Status& status = opened.status();
  std::string message(status.message());
  if (message.find(spec.tls.field + ": ") != std::string::npos) {  // a failed TLS handshake
    results->push_back(
        CheckResult::Fail(reachable, "server is reachable", message, TlsHandshakeFix(side)));
    return nullptr;
  }
  if (message.find("tls.") != std::string::npos) {
    results->push_back(CheckResult::Fail(
        reachable, "server is reachable", message,
        fmt::format("configure TLS on the server (ssl_cert and ssl_key under [mysqld]) or "
                    "change {}.tls in the spec",
                    side)));
    return nullptr;
  }
  if (IsConnectionProblem(status.code())) {
    results->push_back(CheckResult::Fail(
        reachable, "server is reachable", message,
        fmt::format("check {0}.host and {0}.port in the spec, that the server is running and "
                    "that it accepts TCP connections from this machine",
                    side)));
    return nullptr;
  }
  results->push_back(CheckResult::Pass(reachable, "server is reachable",
                                       fmt::format("{} answered", ServerAddress(spec))));
  results->push_back(CheckResult::Fail(
      credentials, "user can log in", message,
      fmt::format("check {0}.user and the password it reads ({0}.password_env or "
                  "{0}.password_file); the account must exist for the host cutover connects "
                  "from",
                  side)));
  return nullptr;
}

bool GlobalGrants::Has(std::string_view privilege) const {
  return all || privileges.contains(std::string(privilege));
}

GlobalGrants ParseGlobalGrants(const std::vector<std::string>& grant_lines) {
  GlobalGrants grants;
  for (const std::string& line : grant_lines) {
    std::string upper = Upper(line);
    if (!upper.starts_with("GRANT ")) continue;
    size_t on = upper.find(" ON ");
    size_t to = upper.find(" TO ", on == std::string::npos ? 0 : on);
    if (on == std::string::npos || to == std::string::npos) continue;  // a role grant
    if (Trim(std::string_view(upper).substr(on + 4, to - on - 4)) != "*.*") continue;
    for (std::string& privilege : SplitPrivileges(std::string_view(upper).substr(6, on - 6))) {
      if (privilege == "ALL" || privilege == "ALL PRIVILEGES") grants.all = true;
      grants.privileges.insert(std::move(privilege));
    }
  }
  return grants;
}

}  // namespace cutover::mysql
