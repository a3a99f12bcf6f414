// Secrets and paths: resolves secret fields from the environment or files, and path fields
// against the spec file's directory, without ever echoing a secret.
#include "spec/secrets.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "spec/rules.h"

namespace cutover::spec_internal {
namespace {

constexpr std::string_view kRelativeNote = " (a relative path starts at the spec file's directory)";

std::string StripTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Secret SecretFromEnv(Fields& fields, std::string_view name, const std::string& variable,
                     const ParseContext& context) {
  const std::string env_key = std::string(name) + "_env";
  const std::string file_key = std::string(name) + "_file";
  std::optional<std::string> value = context.getenv(variable);
  if (!value) {
    fields.Report(env_key, "environment variable " + variable +
                               " is not set; export it before running cutover, or use " + file_key);
    return {};
  }
  if (value->empty()) {
    fields.Report(env_key, "environment variable " + variable +
                               " is empty; set it to the secret, or use " + file_key);
    return {};
  }
  return Secret{"env " + variable, std::move(*value)};
}

Secret SecretFromFile(Fields& fields, std::string_view name, const std::filesystem::path& path) {
  const std::string file_key = std::string(name) + "_file";
  std::string text;
  std::string reason;
  if (!ReadTextFile(path, &text, &reason)) {
    fields.Report(file_key, "cannot read " + path.string() + ": " + reason +
                                "; create the file or fix the path" + std::string(kRelativeNote));
    return {};
  }
  text = StripTrailingNewlines(std::move(text));
  if (text.empty()) {
    fields.Report(file_key, path.string() + " is empty; write the secret into it");
    return {};
  }
  return Secret{"file " + path.string(), std::move(text)};
}

}  // namespace

std::filesystem::path ResolvePath(const ParseContext& context, std::string_view text) {
  std::filesystem::path path(text);
  if (path.is_relative()) path = context.base_dir / path;
  return path.lexically_normal();
}

bool ReadTextFile(const std::filesystem::path& path, std::string* out, std::string* reason) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error) {
    *reason = error.message();
    return false;
  }
  if (std::filesystem::is_directory(status)) {
    *reason = "it is a directory";
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *reason = std::error_code(errno, std::generic_category()).message();
    return false;
  }
  // Bounded: /dev/zero or /dev/urandom given by mistake would otherwise be read forever.
  constexpr size_t kMaxFile = 16 << 20;
  std::string contents;
  char buffer[65536];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    contents.append(buffer, static_cast<size_t>(in.gcount()));
    if (contents.size() > kMaxFile) {
      *reason = "larger than 16MiB, more than a spec, a secret or a certificate file holds";
      return false;
    }
  }
  if (in.bad()) {
    *reason = "read error";
    return false;
  }
  *out = std::move(contents);
  return true;
}

bool ReadPath(Fields& fields, std::string_view key, const ParseContext& context,
              bool must_be_readable, std::filesystem::path* out) {
  std::string text;
  if (!fields.ReadNonEmptyString(key, &text)) return false;
  std::filesystem::path path = ResolvePath(context, text);
  std::string contents;
  std::string reason;
  if (must_be_readable && !ReadTextFile(path, &contents, &reason)) {
    fields.Report(key, "cannot read " + path.string() + ": " + reason + "; fix the path" +
                           std::string(kRelativeNote));
    return false;
  }
  *out = std::move(path);
  return true;
}

void ReportLiteralSecret(Fields& fields, std::string_view name) {
  if (fields.GetHidden(name) == nullptr) return;
  const std::string base(name);
  fields.Report(name, "secrets never live in the spec; remove it and use " + base +
                          "_env (an environment variable) or " + base + "_file (a file) instead");
}

bool SecretConfigured(Fields& fields, std::string_view name) {
  return fields.Has(std::string(name) + "_env") || fields.Has(std::string(name) + "_file");
}

Secret ReadSecret(Fields& fields, std::string_view name, const ParseContext& context) {
  const std::string env_key = std::string(name) + "_env";
  const std::string file_key = std::string(name) + "_file";
  std::string variable;
  bool has_env = fields.ReadNonEmptyString(env_key, &variable);
  if (has_env) {
    if (std::optional<std::string> problem = EnvNameProblem(variable)) {
      fields.Report(env_key, *problem);
      has_env = false;
    }
  }
  std::filesystem::path file;
  bool has_file = ReadPath(fields, file_key, context, false, &file);
  ReportLiteralSecret(fields, name);
  if (fields.Has(env_key) && fields.Has(file_key)) {
    fields.Report(file_key, "both " + env_key + " and " + file_key + " are set; keep one");
    return {};
  }
  if (has_env) return SecretFromEnv(fields, name, variable, context);
  if (has_file) return SecretFromFile(fields, name, file);
  return {};
}

}  // namespace cutover::spec_internal
