// Connection details of the local test servers that scripts/servers runs (docs/servers.md).
//
// Header-only so every test target can include it without linking anything. Ports come from the
// CUTOVER_TEST_*_PORT environment variables when set (the same overrides scripts/servers reads),
// else from the defaults of the contract. Integration tests call EnsureServer() first, so
// `ctest -L integration` works even when nobody started the servers.
#ifndef CUTOVER_TESTS_SUPPORT_SERVERS_H_
#define CUTOVER_TESTS_SUPPORT_SERVERS_H_

#include <cstdlib>
#include <fstream>
#include <string>

#include "support/paths.h"

namespace cutover::testing {

// One server as a client sees it. For dynalite, user and password are the AWS access key id and
// secret to sign with (dynalite accepts any), and database is empty.
struct ServerInfo {
  std::string name, host;
  int port;
  std::string user, password, database;
};

namespace servers_internal {

inline constexpr char kHost[] = "127.0.0.1";
inline constexpr char kUser[] = "cutover";
inline constexpr char kLimitedUser[] = "cutover_limited";
inline constexpr char kPassword[] = "cutover-test";
inline constexpr char kDatabase[] = "cutover_test";

// The port in environment variable `variable` when it holds one (1-65535), else `fallback`.
inline int PortFromEnv(const char* variable, int fallback) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  long port = std::strtol(text, &end, 10);
  if (*end != '\0' || port < 1 || port > 65535) return fallback;
  return static_cast<int>(port);
}

inline ServerInfo Make(const char* name, const char* port_variable, int default_port,
                       const char* database) {
  return ServerInfo{name,  kHost,     PortFromEnv(port_variable, default_port),
                    kUser, kPassword, database};
}

// True for the names scripts/servers knows, so nothing else ever reaches the shell.
inline bool IsKnownServer(const std::string& name) {
  for (const char* known : {"mariadb-source", "mariadb-target", "mariadb-misconfigured",
                            "mariadb-replica", "postgres-source", "postgres-target", "dynalite"}) {
    if (name == known) return true;
  }
  return false;
}

// `text` as one single-quoted shell word.
inline std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace servers_internal

// The checkout root (tests/support/paths.h).
inline std::string SourceDir() { return CheckoutDir(); }

inline ServerInfo MariaDbSource() {
  return servers_internal::Make("mariadb-source", "CUTOVER_TEST_MARIADB_SOURCE_PORT", 13306,
                                servers_internal::kDatabase);
}

inline ServerInfo MariaDbTarget() {
  return servers_internal::Make("mariadb-target", "CUTOVER_TEST_MARIADB_TARGET_PORT", 13307,
                                servers_internal::kDatabase);
}

// binlog_format=STATEMENT, binlog_row_image=MINIMAL; started only when asked for by name.
inline ServerInfo MariaDbMisconfigured() {
  return servers_internal::Make("mariadb-misconfigured", "CUTOVER_TEST_MARIADB_MISCONFIGURED_PORT",
                                13308, servers_internal::kDatabase);
}

// No binary log of its own; replication starts only when a test (or benchmark) sets it up.
inline ServerInfo MariaDbReplica() {
  return servers_internal::Make("mariadb-replica", "CUTOVER_TEST_MARIADB_REPLICA_PORT", 13309,
                                servers_internal::kDatabase);
}

inline ServerInfo PostgresSource() {
  return servers_internal::Make("postgres-source", "CUTOVER_TEST_POSTGRES_SOURCE_PORT", 15432,
                                servers_internal::kDatabase);
}

inline ServerInfo PostgresTarget() {
  return servers_internal::Make("postgres-target", "CUTOVER_TEST_POSTGRES_TARGET_PORT", 15433,
                                servers_internal::kDatabase);
}

inline ServerInfo Dynalite() {
  return servers_internal::Make("dynalite", "CUTOVER_TEST_DYNALITE_PORT", 18000, "");
}

// The same server, as user cutover_limited: no replication privileges (see docs/servers.md).
inline ServerInfo Limited(ServerInfo s) {
  s.user = servers_internal::kLimitedUser;
  return s;
}

// TLS (docs/servers.md "TLS"): mariadb-source and postgres-source serve server.pem, signed by the
// throw-away test CA ca.pem and naming 127.0.0.1 and localhost; the other servers serve no TLS.
// The files are made by the first `scripts/servers start` of a TLS server.
inline std::string TlsFile(const std::string& name) { return SourceDir() + "/.run/tls/" + name; }
// The CA that signed the servers' certificate.
inline std::string TlsCaFile() { return TlsFile("ca.pem"); }
// A CA that signed nothing a server serves: verifying against it fails (the wrong-CA tests).
inline std::string TlsOtherCaFile() { return TlsFile("other-ca.pem"); }
// A certificate and key the test CA signed for the name wrong-host.invalid only.
inline std::string TlsWrongHostCertFile() { return TlsFile("wrong-host.pem"); }
inline std::string TlsWrongHostKeyFile() { return TlsFile("wrong-host.key"); }
// The certificate and key the TLS servers serve (127.0.0.1 and localhost).
inline std::string TlsServerCertFile() { return TlsFile("server.pem"); }
inline std::string TlsServerKeyFile() { return TlsFile("server.key"); }
// An address of the TLS servers that their certificate does not name (the wrong-host tests):
// they also listen on ::1 when the machine has IPv6 loopback.
inline constexpr char kTlsWrongHost[] = "::1";
// True when the machine has IPv6 loopback, so that the TLS servers listen on kTlsWrongHost.
inline bool TlsWrongHostServed() {
  std::ifstream interfaces("/proc/net/if_inet6");
  std::string address;
  while (interfaces >> address) {
    if (address == "00000000000000000000000000000001") return true;
    std::getline(interfaces, address);  // the rest of the line
  }
  return false;
}

// Runs `<source dir>/scripts/servers start <name>` (idempotent: a running server is left as is);
// true when the server is ready. An unknown name returns false without running anything.
inline bool EnsureServer(const std::string& name) {
  if (!servers_internal::IsKnownServer(name)) return false;
  std::string command =
      servers_internal::ShellQuote(SourceDir() + "/scripts/servers") + " start " + name;
  return std::system(command.c_str()) == 0;
}

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_SERVERS_H_
