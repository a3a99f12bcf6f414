// Preflight pieces shared by the PostgreSQL source and target checks: the connect step.
#include "db/postgres/preflight_support.h"

#include <string>

#include <fmt/format.h>

namespace cutover::postgres {
namespace {

std::string Address(const ConnectionSpec& spec) {
  return fmt::format("{}:{}", spec.host, spec.port == 0 ? 5432 : spec.port);
}

}  // namespace

std::unique_ptr<Connection> ConnectForCheck(std::string_view side, const ConnectionSpec& spec,
                                            std::vector<CheckResult>* results) {
  std::string prefix(side);
  auto opened = Connection::Open(spec);
  if (opened.ok()) {
    results->push_back(
        CheckResult::Pass(prefix + ".reachable", "server is reachable",
                          fmt::format("connected to {} ({})", Address(spec),
                                      (*opened)->UsesTls() ? "TLS" : "without TLS")));
    results->push_back(CheckResult::Pass(prefix + ".credentials", "user can log in",
                                         fmt::format("logged in as '{}'", spec.user)));
    results->push_back(CheckResult::Pass(prefix + ".database", "database exists",
                                         fmt::format("database '{}' exists", spec.database)));
    return std::move(opened).value();
  }
  const Status& status = opened.status();
  std::string message(status.message());
  if (message.find(spec.tls.field + ": ") != std::string::npos) {  // a failed TLS handshake
    results->push_back(CheckResult::Fail(prefix + ".reachable", "server is reachable", message,
                                         TlsHandshakeFix(prefix)));
    return nullptr;
  }
  if (status.code() == StatusCode::kFailedPrecondition || status.code() == StatusCode::kNotFound) {
    results->push_back(CheckResult::Pass(prefix + ".reachable", "server is reachable",
                                         fmt::format("{} answered", Address(spec))));
  }
  if (status.code() == StatusCode::kNotFound) {
    results->push_back(CheckResult::Pass(prefix + ".credentials", "user can log in",
                                         fmt::format("logged in as '{}'", spec.user)));
    results->push_back(CheckResult::Fail(
        prefix + ".database", "database exists", message,
        fmt::format("CREATE DATABASE {} OWNER {}; or fix {}.database in the spec",
                    QuoteIdentifier(spec.database), QuoteIdentifier(spec.user), prefix)));
  } else if (status.code() == StatusCode::kFailedPrecondition) {
    results->push_back(CheckResult::Fail(
        prefix + ".credentials", "user can log in", message,
        fmt::format("check {0}.user and the password it reads ({0}.password_env or "
                    "{0}.password_file), and that pg_hba.conf lets the role in",
                    prefix)));
  } else if (message.find("SSL") != std::string::npos) {
    results->push_back(CheckResult::Fail(
        prefix + ".reachable", "server is reachable", message,
        fmt::format("configure TLS on the server (ssl = on with ssl_cert_file and ssl_key_file) "
                    "or change {}.tls in the spec",
                    prefix)));
  } else {
    results->push_back(CheckResult::Fail(
        prefix + ".reachable", "server is reachable", message,
        fmt::format("check {0}.host and {0}.port in the spec, that the server is running and "
                    "that it accepts TCP connections from this machine (listen_addresses)",
                    prefix)));
  }
  return nullptr;
}

}  // namespace cutover::postgres
