// Secrets and paths: reads `<name>_env` / `<name>_file` secret fields and file paths of a spec,
// resolving relative paths against the spec file's directory. Secret values never reach a
// message.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/spec.h"

#include "spec/fields.h"

namespace cutover::spec_internal {

// What a spec is read with, beyond its text.
struct ParseContext {
  std::filesystem::path base_dir;  // absolute directory of the spec file
  std::optional<std::string> (*getenv)(const std::string& name) = nullptr;
};

// `text` made absolute against the spec file's directory (lexically normalised).
std::filesystem::path ResolvePath(const ParseContext& context, std::string_view text);

// Reads a whole file; on failure returns false and says why in `reason` ("No such file or
// directory").
bool ReadTextFile(const std::filesystem::path& path, std::string* out, std::string* reason);

// Reads a path field, resolved; with `must_be_readable` also checks the file can be read.
bool ReadPath(Fields& fields, std::string_view key, const ParseContext& context,
              bool must_be_readable, std::filesystem::path* out);

// Reads the secret `name` of a mapping: `<name>_env` (an environment variable) or
// `<name>_file` (a file whose trailing newlines are dropped). A literal `<name>` field is
// reported without echoing it. Returns an empty Secret when none is configured or on error.
Secret ReadSecret(Fields& fields, std::string_view name, const ParseContext& context);
// True when `<name>_env` or `<name>_file` is written (whether or not it could be read).
bool SecretConfigured(Fields& fields, std::string_view name);
// Reports a literal `<name>` field, if written.
void ReportLiteralSecret(Fields& fields, std::string_view name);

}  // namespace cutover::spec_internal
