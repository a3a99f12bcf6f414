// Rules: the small validity checks a spec's values must pass (names, addresses, globs), each
// returning what is wrong and how to fix it, ready for a diagnostic line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cutover::spec_internal {

// `text` in single quotes, for messages. Start a message with it rather than with a literal:
// `"'" + std::string(text)` prepends into a temporary string, which GCC 12 at -O3 (the Release
// build) reports as a false -Wrestrict (GCC bug 105329), an error under -Werror.
std::string Quoted(std::string_view text);

// Problems are "<what is wrong>; <the fix>", or nullopt when the value is fine.

// A migration name: [a-z0-9][a-z0-9_-]*, at most 48 characters.
std::optional<std::string> NameProblem(std::string_view name);
// A PostgreSQL slot or publication name cutover accepts: [a-z0-9_], 1..63 characters.
std::optional<std::string> PostgresIdentifierProblem(std::string_view name);
// An environment variable name: [A-Za-z_][A-Za-z0-9_]*. The problem text does not echo `name`.
std::optional<std::string> EnvNameProblem(std::string_view name);
// "host:port" or "[ipv6]:port"; port 1..65535 (0 too when `allow_port_zero`).
std::optional<std::string> HostPortProblem(std::string_view address, bool allow_port_zero,
                                           std::string_view example);
// The host part of a valid "host:port" ("::1" for "[::1]:80").
std::string HostOf(std::string_view address);
// localhost, 127.0.0.0/8 or ::1.
bool IsLoopbackHost(std::string_view host);
// A `tables` glob: non-empty, only * and ? as wildcards, and naming schema.table.
std::optional<std::string> GlobProblem(std::string_view pattern);
// A Kafka topic name: [A-Za-z0-9._-], 1..249 characters.
std::optional<std::string> TopicProblem(std::string_view topic);
// An AWS region code such as us-east-1.
std::optional<std::string> RegionProblem(std::string_view region);
// An http:// or https:// URL with a host.
std::optional<std::string> EndpointProblem(std::string_view endpoint);

}  // namespace cutover::spec_internal
