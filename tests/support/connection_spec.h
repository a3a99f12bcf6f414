// The ConnectionSpec that reaches one of the local test servers (tests/support/servers.h), for
// tests that open cutover's own connections or streams.
#ifndef CUTOVER_TESTS_SUPPORT_CONNECTION_SPEC_H_
#define CUTOVER_TESTS_SUPPORT_CONNECTION_SPEC_H_

#include <string>

#include "cutover/spec.h"

#include "support/servers.h"

namespace cutover::testing {

// `server`'s host, port, user and password (labelled "test" in messages); `database`, when not
// empty, becomes the session's default schema.
inline ConnectionSpec ConnectionFor(const ServerInfo& server, const std::string& database = "") {
  ConnectionSpec spec;
  spec.host = server.host;
  spec.port = server.port;
  spec.user = server.user;
  spec.password = Secret{"test", server.password};
  spec.database = database;
  return spec;
}

}  // namespace cutover::testing

#endif  // CUTOVER_TESTS_SUPPORT_CONNECTION_SPEC_H_
